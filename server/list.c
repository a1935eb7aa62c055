#include "list.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const formats[] = {"json", "csv", "ndjson", NULL};

static bool S_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && memcmp(s + n - k, suffix, k) == 0;
}

bool list_path_format(const char *path, enum list_format *out)
{
    if (S_ends_with(path, ".csv")) {
        *out = LIST_CSV;
        return true;
    }
    if (S_ends_with(path, ".ndjson")) {
        *out = LIST_NDJSON;
        return true;
    }
    return false;
}

/* bom=1 starts a CSV body with a UTF-8 byte order mark; other representations refuse it. */
static void S_bom(struct http_request *req, struct query_errors *qe, struct list_params *lp)
{
    static const char *const bits[] = {"0", "1", NULL};
    int v = 0;
    if (!http_query(req, "bom"))
        return;
    if (!query_enum(req, qe, "bom", bits, &v))
        return;
    if (lp->format != LIST_CSV)
        query_error(qe, "bom", "applies to CSV only (the .csv paths)");
    else
        lp->bom = v == 1;
}

void list_parse(struct http_request *req, struct query_errors *qe, struct list_params *lp)
{
    lp->limit = LIST_DEFAULT_LIMIT;
    lp->offset = 0;
    lp->has_cursor = false;
    lp->after = 0;
    lp->format = LIST_JSON;
    lp->no_keyset = false;
    lp->bom = false;
    query_int(req, qe, "limit", 1, LIST_MAX_LIMIT, &lp->limit);
    bool has_offset = query_int(req, qe, "offset", 0, INT64_C(1000000000000), &lp->offset);
    const char *cur = query_string(req, qe, "cursor", 64);
    if (cur) {
        if (!list_cursor_decode(cur, &lp->after))
            query_error(qe, "cursor", "is not a cursor this server issued (use meta.next_cursor)");
        else if (has_offset)
            query_error(qe, "cursor", "cannot be combined with offset");
        else
            lp->has_cursor = true;
    }
    int f = -1;
    /* /v1/claims.csv, /v1/claims.ndjson: the path names the representation. */
    if (list_path_format(req->path, &lp->format)) {
        if (http_query(req, "format"))
            query_error(qe, "format", "cannot be combined with a .csv or .ndjson path");
        S_bom(req, qe, lp);
        return;
    }
    if (http_query(req, "format")) {
        if (query_enum(req, qe, "format", formats, &f))
            lp->format = (enum list_format)f;
        S_bom(req, qe, lp);
        return;
    }
    const char *accept = http_header(req, "Accept");
    if (accept) {
        if (strstr(accept, "text/csv"))
            lp->format = LIST_CSV;
        else if (strstr(accept, "application/x-ndjson"))
            lp->format = LIST_NDJSON;
    }
    S_bom(req, qe, lp);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void list_cursor_encode(int64_t after, char *out, size_t n)
{
    char raw[40];
    int len = snprintf(raw, sizeof raw, "k1:%lld", (long long)after);
    size_t o = 0;
    if (len < 0 || n < 64) {
        if (n)
            out[0] = '\0';
        return;
    }
    for (int i = 0; i < len; i += 3) {
        unsigned v = (unsigned)(unsigned char)raw[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)(unsigned char)raw[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)raw[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        if (i + 1 < len)
            out[o++] = b64[(v >> 6) & 63];
        if (i + 2 < len)
            out[o++] = b64[v & 63];
    }
    out[o] = '\0';
}

static int S_b64val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

bool list_cursor_decode(const char *s, int64_t *after)
{
    char raw[48];
    size_t n = strlen(s), o = 0;
    if (n == 0 || n > 60 || n % 4 == 1)
        return false;
    for (size_t i = 0; i < n; i += 4) {
        unsigned v = 0;
        size_t k;
        for (k = 0; k < 4 && i + k < n; k++) {
            int d = S_b64val(s[i + k]);
            if (d < 0)
                return false;
            v |= (unsigned)d << (18 - 6 * k);
        }
        raw[o++] = (char)(v >> 16);
        if (k > 2)
            raw[o++] = (char)(v >> 8);
        if (k > 3)
            raw[o++] = (char)v;
    }
    raw[o] = '\0';
    if (strncmp(raw, "k1:", 3) != 0 || raw[3] < '0' || raw[3] > '9')
        return false;
    char *end = NULL;
    long long v = strtoll(raw + 3, &end, 10);
    if (*end != '\0' || v < 0)
        return false;
    /* Reject non-canonical encodings so each position has exactly one cursor. */
    char again[64];
    list_cursor_encode(v, again, sizeof again);
    if (strcmp(again, s) != 0)
        return false;
    *after = v;
    return true;
}

void list_begin(struct list_ctx *lc, struct http_request *req, struct http_response *res,
                const struct list_params *lp, const char *const *csv_columns)
{
    lc->req = req;
    lc->res = res;
    lc->lp = lp;
    lc->csv_columns = csv_columns;
    lc->count = 0;
    lc->last_key = 0;
    lc->more = false;
    buf_init(&lc->item);
    res->status = 200;
    res->cacheable = true;
    buf_reset(&res->body);
    switch (lp->format) {
    case LIST_JSON:
        res->content_type = "application/json";
        buf_puts(&res->body, "{\"data\":[");
        break;
    case LIST_NDJSON:
        res->content_type = "application/x-ndjson";
        break;
    case LIST_CSV:
        res->content_type = "text/csv; charset=utf-8";
        if (lp->bom)
            buf_puts(&res->body, "\xEF\xBB\xBF"); /* U+FEFF: Excel then reads UTF-8 */
        for (size_t i = 0; csv_columns && csv_columns[i]; i++) {
            if (i)
                buf_putc(&res->body, ',');
            buf_puts(&res->body, csv_columns[i]);
        }
        buf_puts(&res->body, "\r\n");
        break;
    }
}

struct jw *list_item_begin(struct list_ctx *lc)
{
    buf_reset(&lc->item);
    jw_init(&lc->w, &lc->item);
    return &lc->w;
}

/*
 * A text a spreadsheet would run as a formula (OWASP "CSV injection"): one starting with
 * = + - @, a tab or a carriage return.
 */
static bool S_formula_lead(const char *s, size_t n)
{
    return n > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
                     s[0] == '\r');
}

/*
 * RFC 4180 cell: quoted when it holds a comma, quote, CR or LF (line breaks are kept inside
 * the quotes). A text (guard) that a spreadsheet would run as a formula is written quoted
 * with a leading ' as OWASP recommends; numbers are never guarded (-3 stays a number).
 */
static void S_csv_cell(struct buf *b, const char *s, size_t n, bool guard)
{
    bool quote = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = true;
    }
    bool formula = guard && S_formula_lead(s, n);
    if (!quote && !formula) {
        buf_append(b, s, n);
        return;
    }
    buf_putc(b, '"');
    if (formula)
        buf_putc(b, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            buf_putc(b, '"');
        buf_putc(b, s[i]);
    }
    buf_putc(b, '"');
}

/* An array of strings and numbers: its members joined by "; ". False for any other array. */
static bool S_csv_join(struct buf *out, json_t *arr)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        if (!json_is_string(e) && !json_is_number(e))
            return false;
    }
    json_array_foreach(arr, i, e) {
        if (i)
            buf_puts(out, "; ");
        if (json_is_string(e)) {
            buf_append(out, json_string_value(e), json_string_length(e));
        } else {
            char *txt = json_dumps(e, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
            if (txt)
                buf_puts(out, txt);
            free(txt);
        }
    }
    return true;
}

/* One cell from a JSON value: text as is, numbers and booleans as JSON, arrays joined. */
static void S_csv_value(struct buf *b, json_t *v)
{
    if (json_is_string(v)) {
        S_csv_cell(b, json_string_value(v), json_string_length(v), true);
        return;
    }
    if (json_is_array(v)) {
        struct buf j;
        buf_init(&j);
        bool joined = S_csv_join(&j, v);
        if (joined)
            S_csv_cell(b, j.data ? j.data : "", j.len, true);
        if (j.oom)
            b->oom = true;
        buf_free(&j);
        if (joined)
            return;
    }
    char *txt = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    if (txt) {
        S_csv_cell(b, txt, strlen(txt), !json_is_number(v) && !json_is_boolean(v));
        free(txt);
    }
}

static void S_csv_row(struct list_ctx *lc)
{
    json_t *o = json_loadb(lc->item.data, lc->item.len, 0, NULL);
    struct buf *b = &lc->res->body;
    for (size_t i = 0; lc->csv_columns && lc->csv_columns[i]; i++) {
        if (i)
            buf_putc(b, ',');
        json_t *v = o ? json_object_get(o, lc->csv_columns[i]) : NULL;
        if (!v || json_is_null(v))
            continue;
        S_csv_value(b, v);
    }
    buf_puts(b, "\r\n");
    json_decref(o);
}

int64_t list_fetch_limit(const struct list_params *lp)
{
    return lp->limit + 1;
}

void list_item_end(struct list_ctx *lc, int64_t key)
{
    struct buf *b = &lc->res->body;
    if ((int64_t)lc->count >= lc->lp->limit) {
        lc->more = true; /* the look-ahead row: not part of the page */
        return;
    }
    if (lc->item.oom)
        b->oom = true;
    switch (lc->lp->format) {
    case LIST_JSON:
        if (lc->count)
            buf_putc(b, ',');
        buf_append(b, lc->item.data, lc->item.len);
        break;
    case LIST_NDJSON:
        buf_append(b, lc->item.data, lc->item.len);
        buf_putc(b, '\n');
        break;
    case LIST_CSV:
        S_csv_row(lc);
        break;
    }
    lc->count++;
    lc->last_key = key;
}

/* Percent-encodes a query component (RFC 3986 unreserved kept). */
static void S_qenc(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == ',') {
            buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(b, e, 3);
        }
    }
}

void list_link(const struct http_request *req, struct buf *out, const char *offset,
               const char *cursor)
{
    buf_puts(out, req->path);
    bool first = true;
    for (size_t i = 0; i < req->nquery; i++) {
        const char *n = req->query[i].name;
        if (strcmp(n, "offset") == 0 || strcmp(n, "cursor") == 0)
            continue;
        buf_putc(out, first ? '?' : '&');
        first = false;
        S_qenc(out, n);
        buf_putc(out, '=');
        S_qenc(out, req->query[i].value);
    }
    if (offset) {
        buf_putc(out, first ? '?' : '&');
        first = false;
        buf_puts(out, "offset=");
        buf_puts(out, offset);
    }
    if (cursor) {
        buf_putc(out, first ? '?' : '&');
        buf_puts(out, "cursor=");
        buf_puts(out, cursor);
    }
}

struct link_set {
    struct buf self, first, prev, next, last;
};

static void S_link_header(struct buf *h, const char *rel, struct buf *url)
{
    if (!url->len)
        return;
    if (h->len)
        buf_puts(h, ", ");
    buf_printf(h, "<%s>; rel=\"%s\"", buf_str(url), rel);
}

void list_end(struct list_ctx *lc, int64_t total)
{
    const struct list_params *lp = lc->lp;
    struct http_request *req = lc->req;
    struct link_set L;
    buf_init(&L.self);
    buf_init(&L.first);
    buf_init(&L.prev);
    buf_init(&L.next);
    buf_init(&L.last);
    char num[32];
    char cursor[64] = "";

    buf_puts(&L.self, req->target);
    list_link(req, &L.first, NULL, NULL);
    if (lp->has_cursor) {
        if (lc->more) {
            list_cursor_encode(lc->last_key, cursor, sizeof cursor);
            list_link(req, &L.next, NULL, cursor);
        }
    } else {
        if (lp->offset > 0) {
            int64_t p = lp->offset - lp->limit;
            snprintf(num, sizeof num, "%lld", (long long)(p < 0 ? 0 : p));
            list_link(req, &L.prev, num, NULL);
        }
        if (total >= 0 && lp->offset + (int64_t)lc->count < total) {
            /* After what this page holds: a page cut short by size continues where it ended. */
            int64_t step = lc->count > 0 ? (int64_t)lc->count : lp->limit;
            snprintf(num, sizeof num, "%lld", (long long)(lp->offset + step));
            list_link(req, &L.next, num, NULL);
        }
        if (lc->more && lc->count > 0 && !lp->no_keyset)
            list_cursor_encode(lc->last_key, cursor, sizeof cursor);
    }
    if (total > 0) {
        int64_t lastoff = ((total - 1) / lp->limit) * lp->limit;
        snprintf(num, sizeof num, "%lld", (long long)lastoff);
        list_link(req, &L.last, num, NULL);
    }

    struct buf *b = &lc->res->body;
    if (lp->format == LIST_JSON) {
        struct jw w;
        jw_init(&w, b);
        w.depth = 1;
        w.first[1] = false;
        buf_puts(b, "]");
        jw_key(&w, "meta");
        jw_obj_begin(&w);
        if (total >= 0)
            jw_kint(&w, "total", total);
        else
            jw_kstr(&w, "total", NULL);
        jw_kint(&w, "limit", lp->limit);
        if (!lp->has_cursor)
            jw_kint(&w, "offset", lp->offset);
        jw_kint(&w, "count", (int64_t)lc->count);
        jw_kstr(&w, "next_cursor", cursor[0] ? cursor : NULL);
        jw_obj_end(&w);
        jw_key(&w, "links");
        jw_obj_begin(&w);
        jw_kstr(&w, "self", buf_str(&L.self));
        jw_kstr(&w, "first", buf_str(&L.first));
        jw_kstr(&w, "prev", L.prev.len ? buf_str(&L.prev) : NULL);
        jw_kstr(&w, "next", L.next.len ? buf_str(&L.next) : NULL);
        jw_kstr(&w, "last", L.last.len ? buf_str(&L.last) : NULL);
        jw_obj_end(&w);
        buf_putc(b, '}');
    }
    if (total >= 0) {
        snprintf(num, sizeof num, "%lld", (long long)total);
        http_response_header(lc->res, "X-Total-Count", num);
    }
    struct buf h;
    buf_init(&h);
    S_link_header(&h, "first", &L.first);
    S_link_header(&h, "prev", &L.prev);
    S_link_header(&h, "next", &L.next);
    S_link_header(&h, "last", &L.last);
    if (h.len)
        http_response_header(lc->res, "Link", buf_str(&h));
    buf_free(&h);
    buf_free(&L.self);
    buf_free(&L.first);
    buf_free(&L.prev);
    buf_free(&L.next);
    buf_free(&L.last);
}

void list_free(struct list_ctx *lc)
{
    buf_free(&lc->item);
}
