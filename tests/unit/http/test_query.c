/* Typed query-parameter parsing and the 400 problem it produces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "query.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct ctx {
    struct http_request req;
    struct query_errors qe;
};

static int S_setup(void **state)
{
    static struct ctx c;
    memset(&c, 0, sizeof c);
    query_errors_init(&c.qe);
    *state = &c;
    return 0;
}

static int S_teardown(void **state)
{
    struct ctx *c = *state;
    http_request_free(&c->req);
    return 0;
}

/* Replaces the request with a freshly parsed target and clears the errors. */
static void S_req(struct ctx *c, const char *target)
{
    char err[128];
    http_request_free(&c->req);
    memset(&c->req, 0, sizeof c->req);
    query_errors_init(&c->qe);
    unsigned st = http_request_parse_target(&c->req, target, err, sizeof err);
    if (st != 0)
        fail_msg("'%s' rejected: %s", target, err);
}

/* Asserts exactly one error, for `param`, whose message contains `needle`. */
static void S_one_error(const struct ctx *c, const char *param, const char *needle)
{
    if (c->qe.n != 1)
        fail_msg("want 1 error, got %zu", c->qe.n);
    assert_string_equal(c->qe.e[0].parameter, param);
    assert_null(c->qe.e[0].pointer);
    assert_null(c->qe.e[0].header);
    if (!strstr(c->qe.e[0].detail, needle))
        fail_msg("error '%s' lacks '%s'", c->qe.e[0].detail, needle);
}

static void test_int_valid(void **state)
{
    struct ctx *c = *state;
    int64_t v = -7;
    S_req(c, "/x?limit=25");
    assert_true(query_int(&c->req, &c->qe, "limit", 1, 100, &v));
    assert_int_equal(v, 25);
    assert_int_equal(c->qe.n, 0);
    assert_true(c->req.query[0].used);

    S_req(c, "/x?limit=1&max=100&neg=-5&plus=%2B7");
    assert_true(query_int(&c->req, &c->qe, "limit", 1, 100, &v));
    assert_int_equal(v, 1);
    assert_true(query_int(&c->req, &c->qe, "max", 1, 100, &v));
    assert_int_equal(v, 100);
    assert_true(query_int(&c->req, &c->qe, "neg", -10, 10, &v));
    assert_int_equal(v, -5);
    assert_true(query_int(&c->req, &c->qe, "plus", 0, 10, &v));
    assert_int_equal(v, 7);
    assert_int_equal(c->qe.n, 0);

    S_req(c, "/x?big=9223372036854775807");
    assert_true(query_int(&c->req, &c->qe, "big", INT64_MIN, INT64_MAX, &v));
    assert_int_equal(v, INT64_MAX);
}

static void test_int_absent_keeps_default(void **state)
{
    struct ctx *c = *state;
    int64_t v = 50;
    S_req(c, "/x?other=1");
    assert_false(query_int(&c->req, &c->qe, "limit", 1, 100, &v));
    assert_int_equal(v, 50);
    assert_int_equal(c->qe.n, 0);
    assert_false(c->req.query[0].used);
}

static void S_int_bad(struct ctx *c, const char *target, int64_t lo, int64_t hi, const char *needle)
{
    int64_t v = 42;
    S_req(c, target);
    assert_false(query_int(&c->req, &c->qe, "n", lo, hi, &v));
    assert_int_equal(v, 42); /* untouched on error */
    S_one_error(c, "n", needle);
    assert_true(c->req.query[0].used); /* a bad value is not also "unknown" */
}

static void test_int_garbage(void **state)
{
    struct ctx *c = *state;
    S_int_bad(c, "/x?n=12x", 0, 100, "from 0 to 100, got '12x'");
    S_int_bad(c, "/x?n=", 0, 100, "must not be empty");
    S_int_bad(c, "/x?n=99999999999999999999", 0, INT64_MAX, "got '99999999999999999999'");
    S_int_bad(c, "/x?n=-99999999999999999999", INT64_MIN, 0, "integer");
    S_int_bad(c, "/x?n=-1", 0, 100, "from 0 to 100, got '-1'");
    S_int_bad(c, "/x?n=101", 0, 100, "got '101'");
    S_int_bad(c, "/x?n=abc", 0, 100, "integer");
    S_int_bad(c, "/x?n=%2B", 0, 100, "integer");
    S_int_bad(c, "/x?n=+7", 0, 100, "got ' 7'"); /* + is a space in a query */
    S_int_bad(c, "/x?n=-", 0, 100, "integer");
    S_int_bad(c, "/x?n=%2B-1", -5, 100, "integer");
    S_int_bad(c, "/x?n=%201", 0, 100, "integer"); /* leading space */
    S_int_bad(c, "/x?n=1%20", 0, 100, "integer"); /* trailing space */
    S_int_bad(c, "/x?n=0x10", 0, 100, "integer");
    S_int_bad(c, "/x?n=1.0", 0, 100, "integer");
    S_int_bad(c, "/x?n=1e2", 0, 1000, "integer");
}

static void S_double_bad(struct ctx *c, const char *target, const char *needle)
{
    double v = 3.25;
    bool present = true;
    S_req(c, target);
    assert_false(query_double(&c->req, &c->qe, "d", &v, &present));
    assert_false(present);
    assert_true(v == 3.25);
    S_one_error(c, "d", needle);
}

static void test_double(void **state)
{
    struct ctx *c = *state;
    double v = 0;
    bool present = false;
    S_req(c, "/x?d=1.5&e=-2.5e3&f=0&g=.5");
    assert_true(query_double(&c->req, &c->qe, "d", &v, &present));
    assert_true(present);
    assert_true(v == 1.5);
    assert_true(query_double(&c->req, &c->qe, "e", &v, &present));
    assert_true(v == -2500.0);
    assert_true(query_double(&c->req, &c->qe, "f", &v, &present));
    assert_true(v == 0.0);
    assert_true(query_double(&c->req, &c->qe, "g", &v, &present));
    assert_true(v == 0.5);
    assert_int_equal(c->qe.n, 0);

    S_req(c, "/x");
    v = 9;
    present = true;
    assert_false(query_double(&c->req, &c->qe, "d", &v, &present));
    assert_false(present);
    assert_true(v == 9);
    assert_int_equal(c->qe.n, 0);

    S_double_bad(c, "/x?d=nan", "finite decimal number, got 'nan'");
    S_double_bad(c, "/x?d=NaN", "finite");
    S_double_bad(c, "/x?d=inf", "got 'inf'");
    S_double_bad(c, "/x?d=-infinity", "finite");
    S_double_bad(c, "/x?d=1e400", "got '1e400'");
    S_double_bad(c, "/x?d=-1e400", "finite");
    S_double_bad(c, "/x?d=0x1p3", "finite");
    S_double_bad(c, "/x?d=1.5x", "finite");
    S_double_bad(c, "/x?d=", "must not be empty");
    S_double_bad(c, "/x?d=e", "finite");
    S_double_bad(c, "/x?d=.", "finite");
    S_double_bad(c, "/x?d=1%202", "finite");
}

static void S_date_ok(struct ctx *c, const char *target, int y, int m, int d,
                      enum pdate_precision p)
{
    struct pdate out;
    bool present = false;
    S_req(c, target);
    assert_true(query_date(&c->req, &c->qe, "on", &out, &present));
    assert_true(present);
    assert_int_equal(out.year, y);
    assert_int_equal(out.month, m);
    assert_int_equal(out.day, d);
    assert_int_equal(out.precision, p);
    assert_int_equal(c->qe.n, 0);
}

static void S_date_bad(struct ctx *c, const char *target, const char *needle)
{
    struct pdate out;
    bool present = true;
    S_req(c, target);
    assert_false(query_date(&c->req, &c->qe, "on", &out, &present));
    assert_false(present);
    S_one_error(c, "on", needle);
}

static void test_date(void **state)
{
    struct ctx *c = *state;
    S_date_ok(c, "/x?on=2014", 2014, 0, 0, PDATE_YEAR);
    S_date_ok(c, "/x?on=2014-06", 2014, 6, 0, PDATE_MONTH);
    S_date_ok(c, "/x?on=2014-06-30", 2014, 6, 30, PDATE_DAY);
    S_date_ok(c, "/x?on=2016-02-29", 2016, 2, 29, PDATE_DAY);
    S_date_bad(c, "/x?on=2015-02-29", "real date as YYYY, YYYY-MM or YYYY-MM-DD, got '2015-02-29'");
    S_date_bad(c, "/x?on=2014-13", "got '2014-13'");
    S_date_bad(c, "/x?on=14", "got '14'");
    S_date_bad(c, "/x?on=2014-06-31", "real date");
    S_date_bad(c, "/x?on=", "must not be empty");

    struct pdate out = {1, 1, 1, PDATE_DAY};
    bool present = true;
    S_req(c, "/x");
    assert_false(query_date(&c->req, &c->qe, "on", &out, &present));
    assert_false(present);
    assert_int_equal(c->qe.n, 0);
}

static void test_enum(void **state)
{
    struct ctx *c = *state;
    static const char *const allowed[] = {"asc", "desc", NULL};
    int idx = -1;
    S_req(c, "/x?order=desc");
    assert_true(query_enum(&c->req, &c->qe, "order", allowed, &idx));
    assert_int_equal(idx, 1);
    assert_int_equal(c->qe.n, 0);

    S_req(c, "/x?order=DESC");
    idx = -1;
    assert_false(query_enum(&c->req, &c->qe, "order", allowed, &idx));
    assert_int_equal(idx, -1);
    S_one_error(c, "order", "must be one of: asc, desc; got 'DESC'");

    S_req(c, "/x?order=");
    assert_false(query_enum(&c->req, &c->qe, "order", allowed, &idx));
    S_one_error(c, "order", "must not be empty");

    S_req(c, "/x");
    assert_false(query_enum(&c->req, &c->qe, "order", allowed, &idx));
    assert_int_equal(c->qe.n, 0);
}

static void test_list(void **state)
{
    struct ctx *c = *state;
    const char *items[QUERY_MAX_LIST];
    char scratch[1024];

    S_req(c, "/x?ids=a,b%2Cc,d");
    size_t n = query_list(&c->req, &c->qe, "ids", items, scratch, sizeof scratch);
    /* %2C decodes to ',' before splitting, so it separates items too. */
    assert_int_equal(n, 4);
    assert_string_equal(items[0], "a");
    assert_string_equal(items[1], "b");
    assert_string_equal(items[2], "c");
    assert_string_equal(items[3], "d");
    assert_int_equal(c->qe.n, 0);

    S_req(c, "/x?ids=only");
    assert_int_equal(query_list(&c->req, &c->qe, "ids", items, scratch, sizeof scratch), 1);
    assert_string_equal(items[0], "only");

    S_req(c, "/x");
    assert_int_equal(query_list(&c->req, &c->qe, "ids", items, scratch, sizeof scratch), 0);
    assert_int_equal(c->qe.n, 0);
}

static void S_list_bad(struct ctx *c, const char *target, const char *needle)
{
    const char *items[QUERY_MAX_LIST];
    char scratch[2048];
    S_req(c, target);
    assert_int_equal(query_list(&c->req, &c->qe, "ids", items, scratch, sizeof scratch), 0);
    S_one_error(c, "ids", needle);
}

static void test_list_bad(void **state)
{
    struct ctx *c = *state;
    S_list_bad(c, "/x?ids=a,,b", "empty item");
    S_list_bad(c, "/x?ids=a,", "empty item");
    S_list_bad(c, "/x?ids=,a", "empty item");
    S_list_bad(c, "/x?ids=,", "empty item");
    S_list_bad(c, "/x?ids=", "must not be empty");

    char target[1024];
    size_t len = (size_t)snprintf(target, sizeof target, "/x?ids=");
    for (int i = 0; i < QUERY_MAX_LIST; i++)
        len += (size_t)snprintf(target + len, sizeof target - len, "%si%d", i ? "," : "", i);
    /* Exactly the limit is fine. */
    {
        const char *items[QUERY_MAX_LIST];
        char scratch[1024];
        S_req(c, target);
        assert_int_equal(query_list(&c->req, &c->qe, "ids", items, scratch, sizeof scratch),
                         QUERY_MAX_LIST);
        char last[16];
        snprintf(last, sizeof last, "i%d", QUERY_MAX_LIST - 1);
        assert_string_equal(items[QUERY_MAX_LIST - 1], last);
        assert_int_equal(c->qe.n, 0);
    }
    snprintf(target + len, sizeof target - len, ",i%d", QUERY_MAX_LIST);
    char want[64];
    snprintf(want, sizeof want, "more than %d items", QUERY_MAX_LIST);
    S_list_bad(c, target, want);

    /* Items are at most 200 bytes. */
    char big[300];
    int w = snprintf(big, sizeof big, "/x?ids=a,");
    memset(big + w, 'z', 201);
    big[w + 201] = '\0';
    S_list_bad(c, big, "longer than 200 bytes");
    big[w + 200] = '\0';
    {
        const char *items[QUERY_MAX_LIST];
        char scratch[1024];
        S_req(c, big);
        assert_int_equal(query_list(&c->req, &c->qe, "ids", items, scratch, sizeof scratch), 2);
        assert_int_equal(strlen(items[1]), 200);
    }
}

static void test_list_scratch_too_small(void **state)
{
    struct ctx *c = *state;
    const char *items[QUERY_MAX_LIST];
    char scratch[8];
    S_req(c, "/x?ids=abcd,efgh");
    assert_int_equal(query_list(&c->req, &c->qe, "ids", items, scratch, sizeof scratch), 0);
    S_one_error(c, "ids", "too long (at most 7 bytes)");
}

static void test_string(void **state)
{
    struct ctx *c = *state;
    S_req(c, "/x?q=hello&r=toolong&s=");
    assert_string_equal(query_string(&c->req, &c->qe, "q", 5), "hello");
    assert_int_equal(c->qe.n, 0);
    assert_null(query_string(&c->req, &c->qe, "r", 5));
    S_one_error(c, "r", "at most 5 bytes");
    assert_null(query_string(&c->req, &c->qe, "s", 5));
    assert_int_equal(c->qe.n, 2);
    assert_string_equal(c->qe.e[1].parameter, "s");
    assert_null(query_string(&c->req, &c->qe, "absent", 5));
    assert_int_equal(c->qe.n, 2);
}

static const char *const sort_keys[] = {"as_of", "value", "id", NULL};

static void test_sort(void **state)
{
    struct ctx *c = *state;
    struct sort_key keys[4];
    S_req(c, "/x?sort=-as_of,value");
    size_t n = query_sort(&c->req, &c->qe, "sort", sort_keys, keys, 4);
    assert_int_equal(n, 2);
    assert_int_equal(keys[0].key, 0);
    assert_true(keys[0].desc);
    assert_int_equal(keys[1].key, 1);
    assert_false(keys[1].desc);
    assert_int_equal(c->qe.n, 0);

    S_req(c, "/x?sort=id");
    assert_int_equal(query_sort(&c->req, &c->qe, "sort", sort_keys, keys, 4), 1);
    assert_int_equal(keys[0].key, 2);
    assert_false(keys[0].desc);

    S_req(c, "/x");
    assert_int_equal(query_sort(&c->req, &c->qe, "sort", sort_keys, keys, 4), 0);
    assert_int_equal(c->qe.n, 0);
}

static void S_sort_bad(struct ctx *c, const char *target, size_t max, const char *needle)
{
    struct sort_key keys[4];
    S_req(c, target);
    assert_int_equal(query_sort(&c->req, &c->qe, "sort", sort_keys, keys, max), 0);
    S_one_error(c, "sort", needle);
}

static void test_sort_bad(void **state)
{
    struct ctx *c = *state;
    S_sort_bad(c, "/x?sort=bogus", 4,
               "unknown sort key 'bogus'; allowed: as_of, value, id (prefix '-' for descending)");
    S_sort_bad(c, "/x?sort=-bogus", 4, "unknown sort key 'bogus'");
    S_sort_bad(c, "/x?sort=VALUE", 4, "unknown sort key");
    S_sort_bad(c, "/x?sort=--value", 4, "unknown sort key '-value'");
    S_sort_bad(c, "/x?sort=-", 4, "unknown sort key ''");
    S_sort_bad(c, "/x?sort=value,-value", 4, "sort key 'value' given twice");
    S_sort_bad(c, "/x?sort=id,as_of,id", 4, "given twice");
    S_sort_bad(c, "/x?sort=id,value,as_of", 2, "at most 2 keys");
    S_sort_bad(c, "/x?sort=id,,value", 4, "empty item");
}

static void test_finish_unknown(void **state)
{
    struct ctx *c = *state;
    static const char *const allowed[] = {"limit", "offset", NULL};
    int64_t v = 0;
    S_req(c, "/x?limit=5&bogus=1");
    assert_true(query_int(&c->req, &c->qe, "limit", 1, 100, &v));
    query_finish(&c->req, &c->qe, allowed);
    S_one_error(c, "bogus", "unknown parameter; allowed: limit, offset");

    /* Everything used: no errors. */
    S_req(c, "/x?limit=5&offset=0");
    assert_true(query_int(&c->req, &c->qe, "limit", 1, 100, &v));
    assert_true(query_int(&c->req, &c->qe, "offset", 0, 100, &v));
    query_finish(&c->req, &c->qe, allowed);
    assert_int_equal(c->qe.n, 0);

    /* A parameter that is "allowed" but never looked up still counts as unknown. */
    S_req(c, "/x?offset=1");
    query_finish(&c->req, &c->qe, allowed);
    S_one_error(c, "offset", "unknown parameter");
}

static void test_finish_no_parameters(void **state)
{
    struct ctx *c = *state;
    static const char *const none[] = {NULL};
    S_req(c, "/x?a=1");
    query_finish(&c->req, &c->qe, none);
    S_one_error(c, "a", "this resource takes no parameters");
}

static void test_finish_duplicate(void **state)
{
    struct ctx *c = *state;
    static const char *const allowed[] = {"limit", NULL};
    int64_t v = 0;
    S_req(c, "/x?limit=5&limit=6");
    assert_true(query_int(&c->req, &c->qe, "limit", 1, 100, &v));
    assert_int_equal(v, 5);
    query_finish(&c->req, &c->qe, allowed);
    S_one_error(c, "limit", "more than once");

    /* A triple gives one error per repetition, an unknown duplicate one per occurrence. */
    S_req(c, "/x?a=1&a=2&a=3");
    query_finish(&c->req, &c->qe, allowed);
    assert_int_equal(c->qe.n, 3);
    assert_non_null(strstr(c->qe.e[0].detail, "unknown parameter"));
    assert_non_null(strstr(c->qe.e[1].detail, "more than once"));
    assert_non_null(strstr(c->qe.e[2].detail, "more than once"));
}

static void test_errors_capped(void **state)
{
    struct ctx *c = *state;
    static const char *const none[] = {NULL};
    S_req(c, "/x?a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1&j=1&k=1");
    query_finish(&c->req, &c->qe, none);
    assert_int_equal(c->qe.n, QUERY_MAX_ERRORS);
    assert_string_equal(c->qe.e[QUERY_MAX_ERRORS - 1].parameter, "h");
}

static void test_error_long_name_truncated(void **state)
{
    struct ctx *c = *state;
    char name[100];
    memset(name, 'p', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    query_error(&c->qe, name, "bad %d", 7);
    assert_int_equal(c->qe.n, 1);
    size_t len = strlen(c->qe.e[0].parameter);
    assert_int_equal(len, sizeof c->qe.param[0] - 1);
    assert_string_equal(c->qe.e[0].parameter + len - 3, "...");
    assert_string_equal(c->qe.e[0].detail, "bad 7");
}

static json_t *S_fail_json(struct ctx *c, struct http_response *res)
{
    http_response_init(res);
    query_fail(res, &c->req, &c->qe);
    assert_int_equal(res->status, 400);
    assert_string_equal(res->content_type, "application/problem+json");
    json_error_t jerr;
    json_t *j = json_loadb(res->body.data, res->body.len, 0, &jerr);
    if (!j)
        fail_msg("not JSON (%s): %.*s", jerr.text, (int)res->body.len, res->body.data);
    assert_string_equal(json_string_value(json_object_get(j, "type")),
                        "/problems/invalid-parameter");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 400);
    assert_string_equal(json_string_value(json_object_get(j, "title")), "Bad Request");
    return j;
}

static void test_fail_lists_every_error(void **state)
{
    struct ctx *c = *state;
    static const char *const allowed[] = {"limit", "on", "order", NULL};
    static const char *const orders[] = {"asc", "desc", NULL};
    int64_t v = 0;
    struct pdate d;
    bool present;
    int idx;
    S_req(c, "/v1/claims?limit=abc&on=2015-02-29&order=asc&zzz=1");
    assert_false(query_int(&c->req, &c->qe, "limit", 1, 100, &v));
    assert_false(query_date(&c->req, &c->qe, "on", &d, &present));
    assert_true(query_enum(&c->req, &c->qe, "order", orders, &idx));
    query_finish(&c->req, &c->qe, allowed);
    assert_int_equal(c->qe.n, 3);

    struct http_response res;
    json_t *j = S_fail_json(c, &res);
    assert_string_equal(json_string_value(json_object_get(j, "detail")),
                        "3 invalid query parameters; see errors");
    assert_string_equal(json_string_value(json_object_get(j, "instance")), "/v1/claims");
    json_t *errs = json_object_get(j, "errors");
    assert_int_equal(json_array_size(errs), 3);
    static const char *const want[] = {"limit", "on", "zzz"};
    for (size_t i = 0; i < 3; i++) {
        json_t *e = json_array_get(errs, i);
        assert_string_equal(json_string_value(json_object_get(e, "parameter")), want[i]);
        assert_true(json_is_string(json_object_get(e, "detail")));
    }
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(errs, 2), "detail")),
                           "allowed: limit, on, order"));
    json_decref(j);
    http_response_free(&res);
}

static void test_fail_single_error_detail(void **state)
{
    struct ctx *c = *state;
    int64_t v = 0;
    S_req(c, "/x?limit=0");
    assert_false(query_int(&c->req, &c->qe, "limit", 1, 100, &v));
    struct http_response res;
    json_t *j = S_fail_json(c, &res);
    assert_string_equal(json_string_value(json_object_get(j, "detail")),
                        "invalid query parameter 'limit': must be an integer from 1 to 100, "
                        "got '0'");
    assert_int_equal(json_array_size(json_object_get(j, "errors")), 1);
    json_decref(j);
    http_response_free(&res);
}

static void test_fail_escapes_hostile_values(void **state)
{
    struct ctx *c = *state;
    int64_t v = 0;
    /* Quotes, backslashes and non-ASCII in the echoed value must still give valid JSON. */
    S_req(c, "/x?limit=%22%5C%C3%A9%E2%82%AC");
    assert_false(query_int(&c->req, &c->qe, "limit", 1, 100, &v));
    struct http_response res;
    json_t *j = S_fail_json(c, &res);
    const char *detail = json_string_value(
        json_object_get(json_array_get(json_object_get(j, "errors"), 0), "detail"));
    assert_non_null(strstr(detail, "got '\"\\\xC3\xA9\xE2\x82\xAC'"));
    json_decref(j);
    http_response_free(&res);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, S_setup, S_teardown)
    const struct CMUnitTest tests[] = {
        T(test_int_valid),
        T(test_int_absent_keeps_default),
        T(test_int_garbage),
        T(test_double),
        T(test_date),
        T(test_enum),
        T(test_list),
        T(test_list_bad),
        T(test_list_scratch_too_small),
        T(test_string),
        T(test_sort),
        T(test_sort_bad),
        T(test_finish_unknown),
        T(test_finish_no_parameters),
        T(test_finish_duplicate),
        T(test_errors_capped),
        T(test_error_long_name_truncated),
        T(test_fail_lists_every_error),
        T(test_fail_single_error_detail),
        T(test_fail_escapes_hostile_values),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
