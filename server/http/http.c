#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    enum http_method m;
} methods[] = {
    {"GET", HTTP_GET},     {"HEAD", HTTP_HEAD},     {"POST", HTTP_POST},       {"PUT", HTTP_PUT},
    {"PATCH", HTTP_PATCH}, {"DELETE", HTTP_DELETE}, {"OPTIONS", HTTP_OPTIONS},
};

enum http_method http_method_parse(const char *s)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        if (strcmp(s, methods[i].name) == 0)
            return methods[i].m;
    }
    return HTTP_OTHER;
}

const char *http_method_name(enum http_method m)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        if (methods[i].m == m)
            return methods[i].name;
    }
    return "OTHER";
}

const char *http_reason(unsigned status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 507:
        return "Insufficient Storage";
    default:
        return "Unknown";
    }
}

void http_response_init(struct http_response *res)
{
    res->status = 200;
    res->content_type = NULL;
    buf_init(&res->body);
    res->nheaders = 0;
    res->cacheable = false;
}

void http_response_free(struct http_response *res)
{
    buf_free(&res->body);
    for (size_t i = 0; i < res->nheaders; i++)
        free(res->headers[i].value);
    res->nheaders = 0;
}

bool http_response_header(struct http_response *res, const char *name, const char *value)
{
    size_t n = strlen(name);
    if (res->nheaders >= HTTP_MAX_HEADERS || n >= sizeof res->headers[0].name)
        return false;
    size_t vlen = strlen(value);
    char *v = malloc(vlen + 1);
    if (!v)
        return false;
    memcpy(v, value, vlen + 1);
    struct http_header *h = &res->headers[res->nheaders++];
    memcpy(h->name, name, n + 1);
    h->value = v;
    return true;
}

const char *http_response_get_header(const struct http_response *res, const char *name)
{
    for (size_t i = 0; i < res->nheaders; i++) {
        if (strcasecmp(res->headers[i].name, name) == 0)
            return res->headers[i].value;
    }
    return NULL;
}

static int S_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Validates UTF-8 (no overlongs, no surrogates) in s[0..n). */

bool http_valid_utf8(const char *s, size_t n)
{
    return utf8_invalid_at(s, n) == n;
}

/*
 * Decodes s in place ('+' is a space when plus_space). Returns false on a bad
 * escape, a NUL byte, a control character or invalid UTF-8.
 */
static bool S_decode(char *s, bool plus_space, const char **why)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        char c = *r;
        if (c == '%') {
            int hi = S_hex(r[1]);
            int lo = hi < 0 ? -1 : S_hex(r[2]);
            if (hi < 0 || lo < 0) {
                *why = "a '%' must be followed by two hexadecimal digits";
                return false;
            }
            c = (char)(hi * 16 + lo);
            if (c == '\0') {
                *why = "NUL bytes are not allowed";
                return false;
            }
            r += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if ((unsigned char)c < 0x20 || c == 0x7f) {
            *why = "control characters are not allowed";
            return false;
        }
        *w++ = c;
    }
    *w = '\0';
    if (!http_valid_utf8(s, (size_t)(w - s))) {
        *why = "text must be valid UTF-8";
        return false;
    }
    return true;
}

unsigned http_request_parse_target(struct http_request *req, const char *target, char *err,
                                   size_t errlen)
{
    req->target = target;
    req->nquery = 0;
    size_t n = strlen(target);
    char *s = malloc(2 * n + 2); /* the target, then the raw path */
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return 503;
    }
    memcpy(s, target, n + 1);
    req->storage = s;
    char *frag = strchr(s, '#');
    if (frag)
        *frag = '\0';
    char *q = strchr(s, '?');
    if (q)
        *q++ = '\0';
    const char *why = NULL;
    if (s[0] != '/') {
        snprintf(err, errlen, "the request target must start with '/'");
        return 400;
    }
    req->raw_path = s + n + 1;
    memcpy(req->raw_path, s, strlen(s) + 1);
    if (!S_decode(s, false, &why)) {
        snprintf(err, errlen, "malformed path: %s", why);
        return 400;
    }
    req->path = s;
    if (!q)
        return 0;
    char *p = q;
    while (*p) {
        char *amp = strchr(p, '&');
        if (amp)
            *amp = '\0';
        if (*p) {
            if (req->nquery >= HTTP_MAX_QUERY) {
                snprintf(err, errlen, "too many query parameters (at most %d)", HTTP_MAX_QUERY);
                return 400;
            }
            char *eq = strchr(p, '=');
            char *value = p + strlen(p); /* "" inside our storage when there is no '=' */
            if (eq) {
                *eq = '\0';
                value = eq + 1;
            }
            if (!S_decode(p, true, &why) || !S_decode(value, true, &why)) {
                snprintf(err, errlen, "malformed query string: %s", why);
                return 400;
            }
            struct http_param *prm = &req->query[req->nquery++];
            prm->name = p;
            prm->value = value;
            prm->used = false;
        }
        if (!amp)
            break;
        p = amp + 1;
    }
    return 0;
}

void http_request_free(struct http_request *req)
{
    free(req->storage);
    free(req->route_storage);
    req->storage = NULL;
    req->route_storage = NULL;
    req->path = NULL;
    req->raw_path = NULL;
    req->nquery = 0;
}

size_t http_decode_segment(const char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi = in[i] == '%' && i + 2 < n ? S_hex(in[i + 1]) : -1;
        int lo = hi < 0 ? -1 : S_hex(in[i + 2]);
        if (lo >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = in[i];
        }
    }
    return o;
}

const char *http_query(struct http_request *req, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; i < req->nquery; i++) {
        if (strcmp(req->query[i].name, name) == 0) {
            req->query[i].used = true;
            if (!v)
                v = req->query[i].value;
        }
    }
    return v;
}

const char *http_path_param(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->npath; i++) {
        if (strcmp(req->path_names[i], name) == 0)
            return req->path_values[i];
    }
    return NULL;
}

const char *http_header(const struct http_request *req, const char *name)
{
    return req->header ? req->header(req, name) : NULL;
}

void http_json_begin(struct http_response *res, struct jw *w)
{
    res->status = 200;
    res->content_type = "application/json";
    buf_reset(&res->body);
    buf_reserve(&res->body, 4096); /* most single resources fit: no doubling from 256 */
    jw_init(w, &res->body);
}

void http_problem(struct http_response *res, const struct http_request *req, unsigned status,
                  const char *type_slug, const char *detail, const struct problem_error *errors,
                  size_t nerrors)
{
    struct jw w;
    buf_reset(&res->body);
    jw_init(&w, &res->body);
    res->status = status;
    res->content_type = "application/problem+json";
    res->cacheable = false;

    char type[128];
    int n = snprintf(type, sizeof type, "/problems/%s", type_slug);
    if (n < 0 || (size_t)n >= sizeof type)
        memcpy(type, "about:blank", sizeof "about:blank");

    jw_obj_begin(&w);
    jw_kstr(&w, "type", type);
    jw_kstr(&w, "title", http_reason(status));
    jw_kint(&w, "status", status);
    jw_kstr(&w, "detail", detail);
    if (req && req->path)
        jw_kstr(&w, "instance", req->path);
    if (req && req->request_id)
        jw_kstr(&w, "request_id", req->request_id);
    if (nerrors > 0) {
        jw_key(&w, "errors");
        jw_arr_begin(&w);
        for (size_t i = 0; i < nerrors; i++) {
            jw_obj_begin(&w);
            if (errors[i].parameter)
                jw_kstr(&w, "parameter", errors[i].parameter);
            if (errors[i].pointer)
                jw_kstr(&w, "pointer", errors[i].pointer);
            if (errors[i].header)
                jw_kstr(&w, "header", errors[i].header);
            jw_kstr(&w, "detail", errors[i].detail);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
    }
    jw_obj_end(&w);
}

void http_problem_param(struct http_response *res, const struct http_request *req, unsigned status,
                        const char *param, const char *detail)
{
    struct problem_error e = {.parameter = param, .detail = detail};
    char msg[512];
    int n = snprintf(msg, sizeof msg, "invalid query parameter '%s': %s", param, detail);
    http_problem(res, req, status, "invalid-parameter",
                 (n > 0 && (size_t)n < sizeof msg) ? msg : detail, &e, 1);
}

bool http_etag_list(const char *list, http_etag_fn fn, const void *ctx)
{
    const char *p = list;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        bool weak = p[0] == 'W' && p[1] == '/';
        if (weak)
            p += 2;
        const char *e = p;
        if (*e == '"') {
            e = strchr(e + 1, '"');
            if (!e)
                return false; /* an unterminated tag: nothing after it can be trusted */
            e++;
        } else {
            e += strcspn(e, ", \t");
        }
        if (e > p && fn(ctx, p, (size_t)(e - p), weak))
            return true;
        p = e;
    }
    return false;
}
