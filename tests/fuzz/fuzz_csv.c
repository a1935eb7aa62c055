/*
 * The collection writer: list_begin / list_item_begin / list_item_end /
 * list_end in CSV (and JSON and NDJSON) with fuzzed item JSON and a fuzzed
 * request target for the links.
 *
 * Input: byte 0 picks the format, cursor paging, the byte order mark and a sparse
 * fieldset (whose members bits 1-4 of byte 3 pick), bytes 1-2 the limit, byte 3 the offset; the rest is lines: the request target, then one item's
 * JSON text per line.
 *
 * Invariants: the CSV is RFC 4180 with one header and one record per item,
 * every record with as many fields as columns, no cell that a spreadsheet
 * would run as a formula; with valid items the JSON envelope parses and
 * counts them, and every NDJSON line parses; no header value holds CR or LF.
 */
#include "fuzz_common.h"

#include "buf.h"
#include "http.h"
#include "list.h"

#include <jansson.h>

static const char *const columns[] = {"id", "value", "text", "nested", "missing", NULL};
static size_t ncols; /* the columns a record has: every one, or those fields= keeps */

/* Parses RFC 4180 text; checks field counts and formula cells. Returns the number of records. */
static size_t S_check_csv(const char *s, size_t n)
{
    size_t records = 0, fields = 0, i = 0;
    bool first_record = true;
    while (i < n) {
        /* One field. */
        if (s[i] == '"') {
            i++;
            bool first = true;
            for (;;) {
                FUZZ_CHECK(i < n); /* an unterminated quoted field */
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        i += 2;
                        first = false;
                        continue;
                    }
                    i++;
                    break;
                }
                if (first && !first_record)
                    FUZZ_CHECK(s[i] == '\0' || !strchr("=+-@\t\r", s[i]));
                first = false;
                i++;
            }
        } else {
            size_t start = i;
            while (i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
                FUZZ_CHECK(s[i] != '"');
                i++;
            }
            if (i > start && !first_record) {
                FUZZ_CHECK(s[start] == '\0' || !strchr("=+@\t", s[start]));
                if (s[start] == '-') { /* only a number may start with a minus */
                    char *num = fuzz_cstr((const uint8_t *)s + start, i - start);
                    char *end = NULL;
                    (void)strtod(num, &end);
                    FUZZ_CHECK(end == num + (i - start));
                    free(num);
                }
            }
        }
        fields++;
        FUZZ_CHECK(i < n); /* every record ends with CRLF */
        if (s[i] == ',') {
            i++;
            continue;
        }
        FUZZ_CHECK(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n');
        i += 2;
        FUZZ_CHECK(fields == ncols);
        fields = 0;
        records++;
        first_record = false;
    }
    return records;
}

static void S_check_headers(const struct http_response *res)
{
    for (size_t i = 0; i < res->nheaders; i++) {
        FUZZ_CHECK(!strchr(res->headers[i].value, '\r'));
        FUZZ_CHECK(!strchr(res->headers[i].value, '\n'));
    }
}

static void S_run(enum list_format fmt, const struct list_params *lp0, struct http_request *req,
                  char **items, size_t nitems, bool all_valid)
{
    struct list_params lp = *lp0;
    lp.format = fmt;
    struct http_response res;
    http_response_init(&res);
    struct list_ctx lc;
    list_begin(&lc, req, &res, &lp, columns);
    for (size_t i = 0; i < nitems; i++) {
        struct jw *w = list_item_begin(&lc);
        jw_raw(w, items[i], strlen(items[i]));
        list_item_end(&lc, (int64_t)i * 3);
    }
    list_end(&lc, (int64_t)nitems + lp.offset);
    /* items past the limit are the look-ahead (list_fetch_limit): never written */
    FUZZ_CHECK(lc.more == ((int64_t)nitems > lp.limit));
    list_free(&lc);
    if ((int64_t)nitems > lp.limit)
        nitems = (size_t)lp.limit;
    FUZZ_CHECK(!res.body.oom);
    S_check_headers(&res);
    const char *body = res.body.data ? res.body.data : "";
    switch (fmt) {
    case LIST_CSV:
        if (lp.bom) {
            FUZZ_CHECK(res.body.len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0);
            body += 3;
        }
        FUZZ_CHECK(S_check_csv(body, res.body.len - (lp.bom ? 3 : 0)) == nitems + 1);
        break;
    case LIST_JSON:
        if (all_valid) {
            json_error_t je;
            json_t *j = json_loadb(body, res.body.len, 0, &je);
            if (!j)
                fprintf(stderr, "not JSON (%s): %s\n", je.text, body);
            FUZZ_CHECK(json_is_object(j));
            FUZZ_CHECK(json_array_size(json_object_get(j, "data")) == nitems);
            json_t *meta = json_object_get(j, "meta");
            FUZZ_CHECK(json_integer_value(json_object_get(meta, "count")) == (json_int_t)nitems);
            FUZZ_CHECK(json_is_string(json_object_get(json_object_get(j, "links"), "self")));
            json_decref(j);
        }
        break;
    case LIST_NDJSON: {
        size_t lines = 0;
        for (const char *p = body; *p;) {
            const char *nl = strchr(p, '\n');
            FUZZ_CHECK(nl != NULL);
            if (all_valid) {
                json_t *j = json_loadb(p, (size_t)(nl - p), JSON_DECODE_ANY, NULL);
                FUZZ_CHECK(j != NULL);
                json_decref(j);
            }
            lines++;
            p = nl + 1;
        }
        if (all_valid)
            FUZZ_CHECK(lines == nitems);
        break;
    }
    }
    http_response_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    struct list_params lp;
    memset(&lp, 0, sizeof lp);
    lp.has_cursor = (data[0] & 4) != 0;
    lp.no_keyset = (data[0] & 8) != 0;
    lp.bom = (data[0] & 16) != 0;
    lp.limit = 1 + (int64_t)(((unsigned)data[1] << 8 | data[2]) % LIST_MAX_LIMIT);
    lp.offset = lp.has_cursor ? 0 : (int64_t)data[3] * 7;
    ncols = 5;
    if (data[0] & 32) { /* fields=: id and the columns bits 1-4 of byte 3 name */
        lp.field_names = columns;
        lp.fields = 1u | (data[3] & 0x1Eu);
        ncols = (size_t)__builtin_popcount((unsigned)lp.fields);
    }
    char *text = fuzz_cstr(data + 4, size - 4);

    /* Lines: target, then items (at most 64). */
    char *items[64];
    size_t nitems = 0;
    char *target = text;
    char *p = strchr(text, '\n');
    if (p) {
        *p++ = '\0';
        while (p && nitems < 64) {
            char *nl = strchr(p, '\n');
            if (nl)
                *nl = '\0';
            items[nitems++] = p;
            p = nl ? nl + 1 : NULL;
        }
    }
    bool all_valid = true;
    for (size_t i = 0; i < nitems; i++) {
        json_t *j = json_loads(items[i], JSON_DECODE_ANY, NULL);
        all_valid = all_valid && j != NULL;
        json_decref(j);
    }

    struct http_request req;
    memset(&req, 0, sizeof req);
    req.method = HTTP_GET;
    char err[256];
    if (http_request_parse_target(&req, target, err, sizeof err) != 0) {
        http_request_free(&req);
        memset(&req, 0, sizeof req);
        req.method = HTTP_GET;
        FUZZ_CHECK(http_request_parse_target(&req, "/v1/claims?limit=2&q=a%20b", err, sizeof err) ==
                   0);
    }
    S_run(LIST_CSV, &lp, &req, items, nitems, all_valid);
    S_run((data[0] & 3) == 1 ? LIST_NDJSON : LIST_JSON, &lp, &req, items, nitems, all_valid);
    http_request_free(&req);
    free(text);
    return 0;
}
