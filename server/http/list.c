#include "list.h"

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
    lp->field_names = NULL;
    lp->fields = 0;
    lp->fields_encoded = false;
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

void list_fields(struct http_request *req, struct query_errors *qe, struct list_params *lp,
                 const char *const *names, unsigned keep, const char *what)
{
    const char *items[QUERY_MAX_LIST];
    char scratch[1024];
    size_t before = qe->n;
    size_t n = query_list(req, qe, "fields", items, scratch, sizeof scratch);
    lp->field_names = names;
    if (n == 0 || qe->n != before)
        return;
    uint64_t m = 0, all = 0;
    size_t count = 0;
    while (names[count] && count < LIST_MAX_FIELDS)
        all |= UINT64_C(1) << count++;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < count && strcmp(items[i], names[k]) != 0)
            k++;
        if (k == count) {
            char known[400];
            size_t used = 0;
            for (size_t j = 0; j < count && used + 40 < sizeof known; j++) {
                int w =
                    snprintf(known + used, sizeof known - used, "%s%s", j ? ", " : "", names[j]);
                if (w > 0)
                    used += (size_t)w;
            }
            known[used < sizeof known ? used : sizeof known - 1] = '\0';
            query_error(qe, "fields", "unknown field '%.40s'; the members of %s are: %s%s",
                        items[i], what, known, used + 40 >= sizeof known ? ", ..." : "");
            return;
        }
        m |= UINT64_C(1) << k;
    }
    for (unsigned k = 0; k < keep && k < count; k++)
        m |= UINT64_C(1) << k;
    lp->fields = m == all ? 0 : m;
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

/* Whether the sparse fieldset keeps the member key (every member when there is none). */
static bool S_kept(const struct list_params *lp, const char *key, size_t klen)
{
    if (!lp->fields || !lp->field_names)
        return true;
    for (size_t k = 0; lp->field_names[k] && k < LIST_MAX_FIELDS; k++) {
        if (strlen(lp->field_names[k]) == klen && memcmp(lp->field_names[k], key, klen) == 0)
            return (lp->fields >> k) & 1u;
    }
    return false; /* a member the collection does not list (include=...) goes with fields= */
}

void list_begin(struct list_ctx *lc, struct http_request *req, struct http_response *res,
                const struct list_params *lp, const char *const *csv_columns)
{
    lc->req = req;
    lc->res = res;
    lc->lp = lp;
    size_t nc = 0;
    for (size_t i = 0; csv_columns && csv_columns[i] && nc < LIST_MAX_FIELDS; i++) {
        /* a column "a.claim" is the member claim of the object a: fields=a keeps it */
        if (S_kept(lp, csv_columns[i], strcspn(csv_columns[i], ".")))
            lc->csv_columns[nc++] = csv_columns[i];
    }
    lc->csv_columns[nc] = NULL;
    lc->count = 0;
    lc->last_key = 0;
    lc->more = false;
    buf_init(&lc->item);
    buf_init(&lc->cell);
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
        for (size_t i = 0; lc->csv_columns[i]; i++) {
            if (i)
                buf_putc(&res->body, ',');
            buf_puts(&res->body, lc->csv_columns[i]);
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
 * The top-level members of an encoded item, found by scanning its bytes. The encoders
 * write well-formed JSON (jw, and stored JSON copied in with jw_raw, which may hold
 * whitespace); a scan is enough, and keeps CSV and sparse pages from parsing every item
 * into a tree and printing it back.
 */
struct member {
    const char *key;
    size_t klen;
    const char *val;
    size_t vlen;
};

static size_t S_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    return i;
}

/* The end of the string whose opening quote is at s[i]. */
static size_t S_string_end(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return n;
}

/* The end of the value starting at s[i]. */
static size_t S_value_end(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return n;
    if (s[i] == '"')
        return S_string_end(s, n, i);
    if (s[i] == '{' || s[i] == '[') {
        size_t depth = 0;
        while (i < n) {
            char c = s[i];
            if (c == '"') {
                i = S_string_end(s, n, i);
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if ((c == '}' || c == ']') && --depth == 0)
                return i + 1;
            i++;
        }
        return n;
    }
    while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' &&
           s[i] != '\r' && s[i] != '\t')
        i++;
    return i;
}

/* Lists the members of the object s[0..n); returns their number (at most cap). */
static size_t S_members(const char *s, size_t n, struct member *out, size_t cap)
{
    size_t i = S_ws(s, n, 0), m = 0;
    if (i >= n || s[i] != '{')
        return 0;
    i = S_ws(s, n, i + 1);
    while (i < n && s[i] == '"' && m < cap) {
        size_t kend = S_string_end(s, n, i);
        if (kend >= n)
            break; /* an unterminated key, or nothing after it */
        out[m].key = s + i + 1;
        out[m].klen = kend - i - 2;
        i = S_ws(s, n, kend);
        if (i >= n || s[i] != ':')
            break;
        i = S_ws(s, n, i + 1);
        size_t vend = S_value_end(s, n, i);
        out[m].val = s + i;
        out[m].vlen = vend - i;
        m++;
        i = S_ws(s, n, vend);
        if (i >= n || s[i] != ',')
            break;
        i = S_ws(s, n, i + 1);
    }
    return m;
}

static unsigned S_hex4(const char *s)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
    }
    return v;
}

static void S_utf8(struct buf *b, unsigned cp)
{
    char u[4];
    size_t k;
    if (cp < 0x80) {
        u[0] = (char)cp;
        k = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        k = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        k = 4;
    }
    buf_append(b, u, k);
}

/* Appends the text of the JSON string s[0..n) (quotes included), escapes decoded. */
static void S_unescape(struct buf *b, const char *s, size_t n)
{
    size_t i = 1, end = n > 1 ? n - 1 : 1;
    while (i < end) {
        size_t run = i;
        while (run < end && s[run] != '\\')
            run++;
        buf_append(b, s + i, run - i);
        i = run;
        if (i + 1 >= end)
            break;
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b':
            buf_putc(b, '\b');
            break;
        case 'f':
            buf_putc(b, '\f');
            break;
        case 'n':
            buf_putc(b, '\n');
            break;
        case 'r':
            buf_putc(b, '\r');
            break;
        case 't':
            buf_putc(b, '\t');
            break;
        case 'u': {
            if (i + 4 > end)
                return;
            unsigned cp = S_hex4(s + i);
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= end && s[i] == '\\' && s[i + 1] == 'u') {
                unsigned lo = S_hex4(s + i + 2);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp < 0xE000)
                cp = 0xFFFD; /* a lone surrogate: no character, the replacement mark */
            S_utf8(b, cp);
            break;
        }
        default:
            buf_putc(b, e);
            break; /* \" \\ \/ */
        }
    }
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
    size_t i = 0;
    while (i < n) {
        const char *q = memchr(s + i, '"', n - i);
        size_t run = q ? (size_t)(q - s) - i : n - i;
        buf_append(b, s + i, run);
        i += run;
        if (q) {
            buf_append(b, "\"\"", 2);
            i++;
        }
    }
    buf_putc(b, '"');
}

static bool S_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A JSON number (RFC 8259 section 6), the whole of v[0..n). */
static bool S_is_number(const char *v, size_t n)
{
    size_t i = 0;
    if (i < n && v[i] == '-')
        i++;
    if (i >= n || !S_digit(v[i]))
        return false;
    if (v[i] == '0')
        i++;
    else
        while (i < n && S_digit(v[i]))
            i++;
    if (i < n && v[i] == '.') {
        if (++i >= n || !S_digit(v[i]))
            return false;
        while (i < n && S_digit(v[i]))
            i++;
    }
    if (i < n && (v[i] == 'e' || v[i] == 'E')) {
        i++;
        if (i < n && (v[i] == '+' || v[i] == '-'))
            i++;
        if (i >= n || !S_digit(v[i]))
            return false;
        while (i < n && S_digit(v[i]))
            i++;
    }
    return i == n;
}

/*
 * An array of strings and numbers: its members joined by "; " into out. False for any
 * other array (nested arrays, objects, null or booleans inside).
 */
static bool S_csv_join(struct buf *out, const char *v, size_t n)
{
    size_t i = S_ws(v, n, 1);
    bool first = true;
    while (i < n && v[i] != ']') {
        size_t e = S_value_end(v, n, i);
        if (v[i] == '"') {
            if (!first)
                buf_append(out, "; ", 2);
            S_unescape(out, v + i, e - i);
        } else if (S_is_number(v + i, e - i)) {
            if (!first)
                buf_append(out, "; ", 2);
            buf_append(out, v + i, e - i);
        } else {
            return false;
        }
        first = false;
        i = S_ws(v, n, e);
        if (i < n && v[i] == ',')
            i = S_ws(v, n, i + 1);
    }
    return true;
}

/* One cell from an encoded value: text as is, numbers and booleans as written, arrays joined. */
static void S_csv_value(struct list_ctx *lc, const char *v, size_t n)
{
    struct buf *b = &lc->res->body, *t = &lc->cell;
    if (n == 0 || (n == 4 && memcmp(v, "null", 4) == 0))
        return;
    buf_reset(t);
    if (v[0] == '"') {
        S_unescape(t, v, n);
        S_csv_cell(b, t->data ? t->data : "", t->len, true);
    } else if (v[0] == '[' && S_csv_join(t, v, n)) {
        S_csv_cell(b, t->data ? t->data : "", t->len, true);
    } else {
        bool scalar = S_is_number(v, n) || (n == 4 && memcmp(v, "true", 4) == 0) ||
                      (n == 5 && memcmp(v, "false", 5) == 0);
        S_csv_cell(b, v, n, !scalar);
    }
    if (t->oom)
        b->oom = true;
}

/* The member `key` (klen bytes) of m[0..nm), looked for from m[*at] on (columns mostly
 * follow the members' order), moving *at past it; NULL when there is none. */
static const struct member *S_member_at(const struct member *m, size_t nm, size_t *at,
                                        const char *key, size_t klen)
{
    for (size_t k = 0; k < nm; k++) {
        size_t j = (*at + k) % nm;
        if (m[j].klen == klen && memcmp(m[j].key, key, klen) == 0) {
            *at = j + 1;
            return &m[j];
        }
    }
    return NULL;
}

/* How deep a column's path may go into objects ("summary.lowest.claim" is two deep). */
#define CSV_PATH_DEPTH 3

static void S_csv_row(struct list_ctx *lc)
{
    struct member m[LIST_MAX_FIELDS + 8];
    size_t nm = S_members(lc->item.data, lc->item.len, m, sizeof m / sizeof m[0]), at = 0;
    /* per depth, the members of the object the last column went into (columns of one
     * object come together, so each object is split once per row) */
    struct member sub[CSV_PATH_DEPTH][32];
    size_t nsub[CSV_PATH_DEPTH] = {0}, sub_at[CSV_PATH_DEPTH] = {0};
    const char *sub_of[CSV_PATH_DEPTH] = {NULL};
    struct buf *b = &lc->res->body;
    for (size_t i = 0; lc->csv_columns[i]; i++) {
        if (i)
            buf_putc(b, ',');
        /* A column "a.claim" is the member claim of the object member a: one column per
         * member, as a flat table has; a missing or null object gives empty cells. */
        const char *p = lc->csv_columns[i];
        size_t seg = strcspn(p, ".");
        const struct member *v = S_member_at(m, nm, &at, p, seg);
        for (size_t d = 0; v && p[seg] == '.'; d++) {
            if (d == CSV_PATH_DEPTH) {
                v = NULL;
                break;
            }
            p += seg + 1;
            seg = strcspn(p, ".");
            if (sub_of[d] != v->val) {
                nsub[d] = S_members(v->val, v->vlen, sub[d], sizeof sub[d] / sizeof sub[d][0]);
                sub_of[d] = v->val;
                sub_at[d] = 0;
            }
            v = S_member_at(sub[d], nsub[d], &sub_at[d], p, seg);
        }
        if (v)
            S_csv_value(lc, v->val, v->vlen);
    }
    buf_puts(b, "\r\n");
}

/* Appends the item with only the members the sparse fieldset keeps. */
static void S_sparse_item(struct list_ctx *lc, struct buf *b)
{
    struct member m[LIST_MAX_FIELDS + 8];
    size_t nm = S_members(lc->item.data, lc->item.len, m, sizeof m / sizeof m[0]);
    buf_putc(b, '{');
    bool first = true;
    for (size_t k = 0; k < nm; k++) {
        if (!S_kept(lc->lp, m[k].key, m[k].klen))
            continue;
        if (!first)
            buf_putc(b, ',');
        first = false;
        buf_append(b, m[k].key - 1, (size_t)(m[k].val + m[k].vlen - (m[k].key - 1)));
    }
    buf_putc(b, '}');
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
    bool sparse = lc->lp->fields && !lc->lp->fields_encoded;
    switch (lc->lp->format) {
    case LIST_JSON:
        if (lc->count)
            buf_putc(b, ',');
        if (sparse)
            S_sparse_item(lc, b);
        else
            buf_append(b, lc->item.data, lc->item.len);
        break;
    case LIST_NDJSON:
        if (sparse)
            S_sparse_item(lc, b);
        else
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
        if (lp->fields && lp->field_names) { /* a sparse page names the members it kept */
            jw_key(&w, "fields");
            jw_arr_begin(&w);
            for (size_t k = 0; lp->field_names[k] && k < LIST_MAX_FIELDS; k++) {
                if ((lp->fields >> k) & 1u)
                    jw_str(&w, lp->field_names[k]);
            }
            jw_arr_end(&w);
        }
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
    buf_free(&lc->cell);
}
