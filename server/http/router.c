#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A literal pattern segment against a raw one, decoded ("%73ources" is "sources"). */
static bool S_literal(const char *p, size_t plen, const char *s, size_t slen)
{
    char dec[192];
    if (slen > sizeof dec || slen < plen) /* an escape is 3 bytes for 1 */
        return slen == plen && memcmp(p, s, plen) == 0;
    size_t n = http_decode_segment(s, slen, dec);
    return n == plen && memcmp(p, dec, plen) == 0;
}

/*
 * Matches pattern against path, the raw path (escapes kept): segments are split at
 * its '/' and decoded after, so an escaped "%2F" stays inside its segment. On
 * success captures point into `scratch`, a copy of path where each captured segment
 * is decoded in place and NUL-terminated.
 */
static bool S_match(const char *pattern, const char *path, char *scratch, struct http_request *req)
{
    const char *p = pattern;
    const char *s = path;
    size_t np = 0;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return false;
        p++;
        s++;
        const char *pe = strchr(p, '/');
        const char *se = strchr(s, '/');
        size_t plen = pe ? (size_t)(pe - p) : strlen(p);
        size_t slen = se ? (size_t)(se - s) : strlen(s);
        if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
            if (slen == 0 || np >= HTTP_MAX_PATH_PARAMS)
                return false;
            if (req) {
                /* points into the static pattern; router_dispatch() copies the name out */
                req->path_names[np] = p + 1;
                size_t off = (size_t)(s - path);
                scratch[off + http_decode_segment(s, slen, scratch + off)] = '\0';
                req->path_values[np] = scratch + off;
            }
            np++;
        } else if (!S_literal(p, plen, s, slen)) {
            return false;
        }
        p += plen;
        s += slen;
    }
    if (*p || *s)
        return false;
    if (req)
        req->npath = np;
    return true;
}

/* The raw path, or the decoded one of a request not parsed from a target. */
static const char *S_path(const struct http_request *req)
{
    return req->raw_path ? req->raw_path : req->path;
}

enum router_match router_match(const struct route *routes, size_t n, struct http_request *req,
                               const struct route **out, unsigned *allowed)
{
    unsigned allow = 0;
    const struct route *found = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!S_match(routes[i].pattern, S_path(req), NULL, NULL))
            continue;
        unsigned m = routes[i].methods;
        if (m & HTTP_GET)
            m |= HTTP_HEAD;
        allow |= m;
        unsigned want = req->method == HTTP_HEAD ? (HTTP_HEAD | HTTP_GET) : req->method;
        if (!found && (m & want))
            found = &routes[i];
    }
    *allowed = allow ? (allow | HTTP_OPTIONS) : 0;
    if (!allow)
        return ROUTER_NOT_FOUND;
    if (!found)
        return ROUTER_METHOD_NOT_ALLOWED;
    *out = found;
    return ROUTER_FOUND;
}

void router_allow_header(unsigned allowed, char *out, size_t n)
{
    static const enum http_method order[] = {HTTP_GET,   HTTP_HEAD,   HTTP_POST,   HTTP_PUT,
                                             HTTP_PATCH, HTTP_DELETE, HTTP_OPTIONS};
    size_t len = 0;
    if (n == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!(allowed & order[i]))
            continue;
        const char *name = http_method_name(order[i]);
        size_t sep = len ? 2 : 0, nl = strlen(name);
        if (len + sep + nl >= n)
            return;
        memcpy(out + len, ", ", sep);
        memcpy(out + len + sep, name, nl + 1);
        len += sep + nl;
    }
}

void router_dispatch(const struct route *routes, size_t n, route_guard_fn guard,
                     struct http_request *req, struct http_response *res)
{
    const struct route *rt = NULL;
    unsigned allowed = 0;
    char allow[96];
    enum router_match m = router_match(routes, n, req, &rt, &allowed);
    if (m == ROUTER_NOT_FOUND) {
        char msg[256];
        int w = snprintf(msg, sizeof msg, "no resource at '%.200s'", req->path);
        http_problem(res, req, 404, "not-found", w > 0 ? msg : "no such resource", NULL, 0);
        return;
    }
    if (req->method == HTTP_OPTIONS) {
        router_allow_header(allowed, allow, sizeof allow);
        res->status = 204;
        http_response_header(res, "Allow", allow);
        return;
    }
    if (m == ROUTER_METHOD_NOT_ALLOWED) {
        router_allow_header(allowed, allow, sizeof allow);
        char msg[256];
        int w = snprintf(msg, sizeof msg, "method %s is not allowed here; allowed: %s",
                         http_method_name(req->method), allow);
        http_problem(res, req, 405, "method-not-allowed", w > 0 ? msg : "method not allowed", NULL,
                     0);
        http_response_header(res, "Allow", allow);
        return;
    }

    /* Capture path parameters into per-request storage. */
    const char *path = S_path(req);
    size_t plen = strlen(path);
    char *scratch = malloc(plen + 1 + HTTP_MAX_PATH_PARAMS * 32);
    if (!scratch) {
        http_problem(res, req, 503, "unavailable", "out of memory", NULL, 0);
        return;
    }
    memcpy(scratch, path, plen + 1);
    S_match(rt->pattern, path, scratch, req);
    /* Copy each "name}..." out of the pattern as a NUL-terminated name after the path copy. */
    char *names = scratch + plen + 1;
    for (size_t i = 0; i < req->npath; i++) {
        const char *src = req->path_names[i];
        size_t k = 0;
        while (src[k] && src[k] != '}' && k < 31) {
            names[i * 32 + k] = src[k];
            k++;
        }
        names[i * 32 + k] = '\0';
        req->path_names[i] = names + i * 32;
    }
    free(req->route_storage);
    req->route_storage = scratch; /* freed by http_request_free() */
    /* What the route's flags demand is checked once, here, not by each handler. */
    if ((rt->flags & ROUTE_WRITE) && !req->guarded) {
        if (!guard) {
            http_problem(res, req, 500, "internal", "no guard checks this route's writes", NULL, 0);
            return;
        }
        if (!guard(req, res, rt->flags))
            return;
    }
    rt->handler(req, res);
}

bool router_target_has_flag(const struct route *routes, size_t n, const char *target, unsigned flag)
{
    size_t len = strcspn(target, "?");
    for (size_t i = 0; i < n; i++) {
        const char *p = routes[i].pattern;
        if ((routes[i].flags & flag) && !strchr(p, '{') && strlen(p) == len &&
            memcmp(p, target, len) == 0)
            return true;
    }
    return false;
}
