/*
 * Query-string parser: http_request_parse_target(), every query_* helper,
 * list_parse(), query_finish()/query_fail() and query_fts_expr().
 *
 * Invariants: a parsed path starts with '/', path and every parameter are
 * valid UTF-8 without control characters; problems are valid JSON; an FTS5
 * expression is only quoted words (no FTS5 syntax survives).
 */
#include "fuzz_common.h"

#include "buf.h"
#include "http.h"
#include "list.h"
#include "query.h"

#include <jansson.h>

static void S_check_json(struct buf *b)
{
    json_error_t je;
    json_t *j = json_loadb(b->data ? b->data : "", b->len, 0, &je);
    if (!j)
        fprintf(stderr, "invalid JSON (%s): %.*s\n", je.text, (int)b->len, b->data);
    FUZZ_CHECK(j != NULL);
    FUZZ_CHECK(json_is_object(j));
    json_decref(j);
}

static bool S_word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* "w1" "w2" ... "wn"[*]: words of S_word_byte only, at most 16 of them. */
static void S_check_fts(const char *text)
{
    struct buf b;
    buf_init(&b);
    bool ok = query_fts_expr(text, &b);
    bool has_word = false;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        has_word = has_word || S_word_byte(*p);
    FUZZ_CHECK(ok == has_word);
    if (ok) {
        const unsigned char *p = (const unsigned char *)buf_str(&b);
        size_t words = 0;
        while (*p) {
            if (words)
                FUZZ_CHECK(*p++ == ' ');
            FUZZ_CHECK(*p++ == '"');
            const unsigned char *start = p;
            while (*p && S_word_byte(*p))
                p++;
            FUZZ_CHECK(p > start);
            FUZZ_CHECK(*p++ == '"');
            words++;
            if (*p == '*') {
                p++;
                FUZZ_CHECK(*p == '\0');
            }
        }
        FUZZ_CHECK(words >= 1 && words <= 16);
    }
    buf_free(&b);
}

static const char *const formats[] = {"json", "csv", "ndjson", NULL};
static const char *const sort_keys[] = {"as_of", "value", "id", "source", NULL};
static const char *const kinds[] = {"statistic", "event", "policy", NULL};
static const char *const allowed[] = {"limit", "offset", "cursor",    "format",     "q", "sort",
                                      "kind",  "topic",  "value_min", "as_of_from", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *target = fuzz_cstr(data, size);
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.request_id = "fuzz";
    struct http_response res;
    http_response_init(&res);
    char err[256] = "";
    unsigned bad = http_request_parse_target(&req, target, err, sizeof err);
    if (bad) {
        FUZZ_CHECK(bad == 400 || bad == 414);
        FUZZ_CHECK(err[0] != '\0');
        http_problem(&res, &req, bad, "malformed-request", err, NULL, 0);
        S_check_json(&res.body);
    } else {
        FUZZ_CHECK(req.path && req.path[0] == '/');
        FUZZ_CHECK(fuzz_no_controls(req.path));
        FUZZ_CHECK(fuzz_valid_utf8((const unsigned char *)req.path, strlen(req.path)));
        FUZZ_CHECK(req.nquery <= HTTP_MAX_QUERY);
        for (size_t i = 0; i < req.nquery; i++) {
            const struct http_param *p = &req.query[i];
            FUZZ_CHECK(fuzz_no_controls(p->name) && fuzz_no_controls(p->value));
            FUZZ_CHECK(fuzz_valid_utf8((const unsigned char *)p->name, strlen(p->name)));
            FUZZ_CHECK(fuzz_valid_utf8((const unsigned char *)p->value, strlen(p->value)));
            S_check_fts(p->value);
        }

        struct query_errors qe;
        query_errors_init(&qe);
        struct list_params lp;
        list_parse(&req, &qe, &lp);
        FUZZ_CHECK(lp.limit >= 1 && lp.limit <= LIST_MAX_LIMIT);
        FUZZ_CHECK(lp.offset >= 0);
        FUZZ_CHECK(!lp.has_cursor || lp.after >= 0);
        double d = 0;
        bool present = false;
        if (query_double(&req, &qe, "value_min", &d, &present))
            FUZZ_CHECK(present && d == d);
        struct pdate pd;
        if (query_date(&req, &qe, "as_of_from", &pd, &present))
            FUZZ_CHECK(present && pd.year >= 1 && pd.year <= 9999);
        int e = -1;
        if (query_enum(&req, &qe, "format", formats, &e))
            FUZZ_CHECK(e >= 0 && e < 3);
        const char *q = query_string(&req, &qe, "q", 200);
        if (q)
            FUZZ_CHECK(strlen(q) <= 200);
        struct sort_key keys[4];
        size_t nk = query_sort(&req, &qe, "sort", sort_keys, keys, 4);
        FUZZ_CHECK(nk <= 4);
        for (size_t i = 0; i < nk; i++)
            FUZZ_CHECK(keys[i].key >= 0 && keys[i].key < 4);
        struct buf lj;
        buf_init(&lj);
        if (query_list_json(&req, &qe, "kind", kinds, &lj)) {
            json_t *arr = json_loads(buf_str(&lj), 0, NULL);
            FUZZ_CHECK(json_is_array(arr));
            json_decref(arr);
        }
        if (query_list_json(&req, &qe, "topic", NULL, &lj)) {
            json_t *arr = json_loads(buf_str(&lj), 0, NULL);
            FUZZ_CHECK(json_is_array(arr) && json_array_size(arr) <= QUERY_MAX_LIST);
            json_decref(arr);
        }
        buf_free(&lj);
        query_finish(&req, &qe, allowed);
        FUZZ_CHECK(qe.n <= QUERY_MAX_ERRORS);
        if (qe.n) {
            query_fail(&res, &req, &qe);
            FUZZ_CHECK(res.status == 400);
            S_check_json(&res.body);
        }
    }
    http_response_free(&res);
    http_request_free(&req);
    free(target);
    return 0;
}
