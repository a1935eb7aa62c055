/* Request-target parsing, query lookup, problem details, reason phrases, response headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int S_setup(void **state)
{
    static struct http_request req;
    memset(&req, 0, sizeof req);
    *state = &req;
    return 0;
}

static int S_teardown(void **state)
{
    http_request_free(*state);
    return 0;
}

/* Parses a target that must be accepted. */
static void S_ok(struct http_request *req, const char *target)
{
    char err[256] = "";
    unsigned st = http_request_parse_target(req, target, err, sizeof err);
    if (st != 0)
        fail_msg("'%s' rejected with %u: %s", target, st, err);
}

/* Parses a target that must be rejected with 400; returns nothing, checks err mentions `why`. */
static void S_bad(const char *target, const char *why)
{
    struct http_request req;
    memset(&req, 0, sizeof req);
    char err[256] = "";
    unsigned st = http_request_parse_target(&req, target, err, sizeof err);
    if (st != 400)
        fail_msg("'%s' gave %u, want 400", target, st);
    if (!strstr(err, why))
        fail_msg("'%s': error '%s' does not mention '%s'", target, err, why);
    http_request_free(&req);
}

static void test_parse_plain(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/v1/claims?limit=5&q=x");
    assert_string_equal(req->target, "/v1/claims?limit=5&q=x");
    assert_string_equal(req->path, "/v1/claims");
    assert_int_equal(req->nquery, 2);
    assert_string_equal(req->query[0].name, "limit");
    assert_string_equal(req->query[0].value, "5");
    assert_false(req->query[0].used);
    assert_string_equal(req->query[1].name, "q");
    assert_string_equal(req->query[1].value, "x");
}

static void test_parse_no_query(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/");
    assert_string_equal(req->path, "/");
    assert_int_equal(req->nquery, 0);
}

static void test_parse_empty_query(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/a?");
    assert_string_equal(req->path, "/a");
    assert_int_equal(req->nquery, 0);
}

static void test_percent_decoding_path(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/a%20b/%41%62%63/caf%C3%A9");
    assert_string_equal(req->path, "/a b/Abc/caf\xC3\xA9");
}

static void test_plus_is_literal_in_path(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/a+b?x=1");
    assert_string_equal(req->path, "/a+b");
}

static void test_percent_decoding_query(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/s?q=a+b%2Bc%20d&na%6De=%26%3D&x=%E2%82%AC");
    assert_int_equal(req->nquery, 3);
    assert_string_equal(req->query[0].name, "q");
    assert_string_equal(req->query[0].value, "a b+c d");
    /* Escaped '&' and '=' do not split (splitting happens before decoding). */
    assert_string_equal(req->query[1].name, "name");
    assert_string_equal(req->query[1].value, "&=");
    assert_string_equal(req->query[2].value, "\xE2\x82\xAC");
}

static void test_plus_in_name_is_space(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/s?a+b=1");
    assert_string_equal(req->query[0].name, "a b");
}

static void test_value_with_equals(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/s?expr=a=b");
    assert_string_equal(req->query[0].name, "expr");
    assert_string_equal(req->query[0].value, "a=b");
}

static void test_params_without_equals(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/s?flag&x=1&other");
    assert_int_equal(req->nquery, 3);
    assert_string_equal(req->query[0].name, "flag");
    assert_string_equal(req->query[0].value, "");
    assert_string_equal(req->query[1].name, "x");
    assert_string_equal(req->query[1].value, "1");
    assert_string_equal(req->query[2].name, "other");
    assert_string_equal(req->query[2].value, "");
}

static void test_empty_value(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/s?x=");
    assert_int_equal(req->nquery, 1);
    assert_string_equal(req->query[0].value, "");
}

static void test_empty_pieces_skipped(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/s?&&a=1&&b=2&");
    assert_int_equal(req->nquery, 2);
    assert_string_equal(req->query[0].name, "a");
    assert_string_equal(req->query[1].name, "b");
}

static void test_fragment_dropped(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/s?x=1#frag");
    assert_int_equal(req->nquery, 1);
    assert_string_equal(req->query[0].value, "1");
    http_request_free(req);
    S_ok(req, "/p#frag");
    assert_string_equal(req->path, "/p");
}

static void test_bad_escapes(void **state)
{
    (void)state;
    static const char why[] = "two hexadecimal digits";
    S_bad("/a%zz", why);
    S_bad("/a%4", why);
    S_bad("/a%", why);
    S_bad("/a%4g", why);
    S_bad("/a?q=%zz", why);
    S_bad("/a?q=%4", why);
    S_bad("/a?q=%", why);
    S_bad("/a?%zz=1", why);
}

static void test_nul_rejected(void **state)
{
    (void)state;
    S_bad("/a%00b", "NUL");
    S_bad("/a?q=x%00", "NUL");
    S_bad("/a?%00=1", "NUL");
}

static void test_invalid_utf8_rejected(void **state)
{
    (void)state;
    static const char why[] = "UTF-8";
    S_bad("/a%FF", why);
    S_bad("/a%C3%28", why);       /* bad continuation */
    S_bad("/a%C0%AF", why);       /* overlong '/' */
    S_bad("/a%E0%80%AF", why);    /* overlong 3-byte */
    S_bad("/a%ED%A0%80", why);    /* UTF-16 surrogate */
    S_bad("/a%F4%90%80%80", why); /* above U+10FFFF */
    S_bad("/a%E2%82", why);       /* truncated */
    S_bad("/a?q=%80", why);       /* lone continuation */
    S_bad("/a?q=\xC3", why);      /* raw truncated byte */
}

static void test_valid_utf8_accepted(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/\xC3\xA9?q=%F0%9F%98%80&r=\xE2\x82\xAC");
    assert_string_equal(req->path, "/\xC3\xA9");
    assert_string_equal(req->query[0].value, "\xF0\x9F\x98\x80");
    assert_string_equal(req->query[1].value, "\xE2\x82\xAC");
}

static void test_control_chars_rejected(void **state)
{
    (void)state;
    static const char why[] = "control characters";
    S_bad("/a%0Ab", why);
    S_bad("/a%1F", why);
    S_bad("/a%7F", why);
    S_bad("/a\tb", why);
    S_bad("/a\x01", why);
    S_bad("/a?q=%0D%0A", why);
    S_bad("/a?q=\x7f", why);
}

static void test_must_start_with_slash(void **state)
{
    (void)state;
    S_bad("v1/claims", "start with '/'");
    S_bad("", "start with '/'");
    S_bad("*", "start with '/'");
}

/* Builds "/p?k0=0&k1=1&..." with n parameters. */
static void S_many(char *out, size_t cap, size_t n)
{
    size_t len = (size_t)snprintf(out, cap, "/p?");
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + len, cap - len, "%sk%zu=%zu", i ? "&" : "", i, i);
        assert_true(w > 0 && (size_t)w < cap - len);
        len += (size_t)w;
    }
}

static void test_param_limit(void **state)
{
    struct http_request *req = *state;
    char target[2048];
    S_many(target, sizeof target, HTTP_MAX_QUERY);
    S_ok(req, target);
    assert_int_equal(req->nquery, HTTP_MAX_QUERY);
    assert_string_equal(req->query[HTTP_MAX_QUERY - 1].name, "k63");

    S_many(target, sizeof target, HTTP_MAX_QUERY + 1);
    S_bad(target, "too many query parameters");
}

static void test_param_limit_ignores_empty_pieces(void **state)
{
    struct http_request *req = *state;
    char target[2048];
    S_many(target, sizeof target, HTTP_MAX_QUERY);
    size_t len = strlen(target);
    memcpy(target + len, "&&&&", 5);
    S_ok(req, target);
    assert_int_equal(req->nquery, HTTP_MAX_QUERY);
}

static void test_query_marks_used(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/s?a=1&b=2&a=3");
    assert_null(http_query(req, "zzz"));
    for (size_t i = 0; i < req->nquery; i++)
        assert_false(req->query[i].used);
    /* First value wins; every repetition is marked used. */
    assert_string_equal(http_query(req, "a"), "1");
    assert_true(req->query[0].used);
    assert_false(req->query[1].used);
    assert_true(req->query[2].used);
    assert_string_equal(http_query(req, "b"), "2");
    assert_true(req->query[1].used);
    /* Names are case-sensitive. */
    assert_null(http_query(req, "A"));
}

static void test_free_resets(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/s?a=1");
    http_request_free(req);
    assert_null(req->path);
    assert_null(req->storage);
    assert_int_equal(req->nquery, 0);
    http_request_free(req); /* twice is harmless */
}

static const char *S_fake_header(const struct http_request *req, const char *name)
{
    (void)req;
    return strcmp(name, "X-Test") == 0 ? "yes" : NULL;
}

static void test_request_header(void **state)
{
    struct http_request *req = *state;
    assert_null(http_header(req, "X-Test"));
    req->header = S_fake_header;
    assert_string_equal(http_header(req, "X-Test"), "yes");
    assert_null(http_header(req, "X-Other"));
}

static void test_method_names(void **state)
{
    (void)state;
    assert_int_equal(http_method_parse("GET"), HTTP_GET);
    assert_int_equal(http_method_parse("HEAD"), HTTP_HEAD);
    assert_int_equal(http_method_parse("OPTIONS"), HTTP_OPTIONS);
    assert_int_equal(http_method_parse("DELETE"), HTTP_DELETE);
    assert_int_equal(http_method_parse("get"), HTTP_OTHER);
    assert_int_equal(http_method_parse("TRACE"), HTTP_OTHER);
    assert_string_equal(http_method_name(HTTP_PATCH), "PATCH");
    assert_string_equal(http_method_name(HTTP_OTHER), "OTHER");
}

static void test_reason_table(void **state)
{
    (void)state;
    static const struct {
        unsigned code;
        const char *text;
    } t[] = {
        {200, "OK"},
        {201, "Created"},
        {204, "No Content"},
        {304, "Not Modified"},
        {400, "Bad Request"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {406, "Not Acceptable"},
        {409, "Conflict"},
        {412, "Precondition Failed"},
        {413, "Content Too Large"},
        {414, "URI Too Long"},
        {415, "Unsupported Media Type"},
        {422, "Unprocessable Content"},
        {428, "Precondition Required"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {503, "Service Unavailable"},
        {0, "Unknown"},
        {299, "Unknown"},
        {999, "Unknown"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_string_equal(http_reason(t[i].code), t[i].text);
}

static void test_response_headers(void **state)
{
    (void)state;
    struct http_response res;
    http_response_init(&res);
    assert_int_equal(res.status, 200);
    assert_null(http_response_get_header(&res, "ETag"));

    char value[16] = "\"abc\"";
    assert_true(http_response_header(&res, "ETag", value));
    value[1] = 'Z'; /* the header keeps its own copy */
    assert_string_equal(http_response_get_header(&res, "ETag"), "\"abc\"");
    assert_string_equal(http_response_get_header(&res, "etag"), "\"abc\"");
    assert_string_equal(http_response_get_header(&res, "ETAG"), "\"abc\"");

    assert_true(http_response_header(&res, "Vary", "Accept"));
    assert_true(http_response_header(&res, "vary", "Origin"));
    /* The first of repeated names is returned. */
    assert_string_equal(http_response_get_header(&res, "Vary"), "Accept");
    assert_true(http_response_header(&res, "Empty", ""));
    assert_string_equal(http_response_get_header(&res, "Empty"), "");

    /* Names must fit in the fixed name field (47 bytes + NUL). */
    char name[64];
    memset(name, 'n', sizeof name);
    name[47] = '\0';
    assert_true(http_response_header(&res, name, "ok"));
    name[47] = 'n';
    name[48] = '\0';
    assert_false(http_response_header(&res, name, "too long"));
    assert_null(http_response_get_header(&res, name));

    /* The table is bounded. */
    while (res.nheaders < HTTP_MAX_HEADERS)
        assert_true(http_response_header(&res, "X-Fill", "1"));
    assert_false(http_response_header(&res, "X-Over", "1"));
    assert_int_equal(res.nheaders, HTTP_MAX_HEADERS);
    assert_null(http_response_get_header(&res, "X-Over"));

    http_response_free(&res);
    assert_int_equal(res.nheaders, 0);
}

static json_t *S_load(const struct http_response *res)
{
    json_error_t jerr;
    json_t *j = json_loadb(res->body.data, res->body.len, 0, &jerr);
    if (!j)
        fail_msg("not JSON (%s): %.*s", jerr.text, (int)res->body.len, res->body.data);
    return j;
}

static const char *S_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        fail_msg("member '%s' is not a string", key);
    return json_string_value(v);
}

static void test_problem_full(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/v1/claims/x%20y?limit=oops");
    req->request_id = "abc123-7";
    struct http_response res;
    http_response_init(&res);
    res.cacheable = true;
    buf_puts(&res.body, "stale content that must go");

    const struct problem_error errs[] = {
        {.parameter = "limit", .detail = "must be an integer"},
        {.pointer = "/claims/0/value", .detail = "must be a \"number\"\n"},
        {.header = "If-Match", .detail = "malformed"},
    };
    http_problem(&res, req, 422, "validation", "the request has 3 problems", errs, 3);
    assert_int_equal(res.status, 422);
    assert_string_equal(res.content_type, "application/problem+json");
    assert_false(res.cacheable);

    json_t *j = S_load(&res);
    assert_string_equal(S_str(j, "type"), "/problems/validation");
    assert_string_equal(S_str(j, "title"), "Unprocessable Content");
    assert_true(json_is_integer(json_object_get(j, "status")));
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 422);
    assert_string_equal(S_str(j, "detail"), "the request has 3 problems");
    assert_string_equal(S_str(j, "instance"), "/v1/claims/x y");
    assert_string_equal(S_str(j, "request_id"), "abc123-7");

    json_t *arr = json_object_get(j, "errors");
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), 3);
    json_t *e0 = json_array_get(arr, 0);
    assert_string_equal(S_str(e0, "parameter"), "limit");
    assert_string_equal(S_str(e0, "detail"), "must be an integer");
    assert_null(json_object_get(e0, "pointer"));
    assert_null(json_object_get(e0, "header"));
    json_t *e1 = json_array_get(arr, 1);
    assert_string_equal(S_str(e1, "pointer"), "/claims/0/value");
    assert_string_equal(S_str(e1, "detail"), "must be a \"number\"\n");
    assert_null(json_object_get(e1, "parameter"));
    json_t *e2 = json_array_get(arr, 2);
    assert_string_equal(S_str(e2, "header"), "If-Match");
    assert_int_equal(json_object_size(e2), 2);
    json_decref(j);
    http_response_free(&res);
}

static void test_problem_without_request(void **state)
{
    (void)state;
    struct http_response res;
    http_response_init(&res);
    http_problem(&res, NULL, 503, "unavailable", "try later", NULL, 0);
    json_t *j = S_load(&res);
    assert_string_equal(S_str(j, "type"), "/problems/unavailable");
    assert_string_equal(S_str(j, "title"), "Service Unavailable");
    assert_null(json_object_get(j, "instance"));
    assert_null(json_object_get(j, "request_id"));
    assert_null(json_object_get(j, "errors"));
    assert_int_equal(json_object_size(j), 4);
    json_decref(j);
    http_response_free(&res);
}

static void test_problem_long_slug(void **state)
{
    (void)state;
    char slug[200];
    memset(slug, 's', sizeof slug - 1);
    slug[sizeof slug - 1] = '\0';
    struct http_response res;
    http_response_init(&res);
    http_problem(&res, NULL, 400, slug, "x", NULL, 0);
    json_t *j = S_load(&res);
    assert_string_equal(S_str(j, "type"), "about:blank");
    json_decref(j);
    http_response_free(&res);
}

static void test_problem_param(void **state)
{
    struct http_request *req = *state;
    S_ok(req, "/v1/claims?limit=x");
    struct http_response res;
    http_response_init(&res);
    http_problem_param(&res, req, 400, "limit", "must be an integer");
    assert_int_equal(res.status, 400);
    json_t *j = S_load(&res);
    assert_string_equal(S_str(j, "type"), "/problems/invalid-parameter");
    assert_string_equal(S_str(j, "detail"), "invalid query parameter 'limit': must be an integer");
    assert_string_equal(S_str(j, "instance"), "/v1/claims");
    json_t *arr = json_object_get(j, "errors");
    assert_int_equal(json_array_size(arr), 1);
    assert_string_equal(S_str(json_array_get(arr, 0), "parameter"), "limit");
    json_decref(j);
    http_response_free(&res);
}

static void test_json_begin(void **state)
{
    (void)state;
    struct http_response res;
    http_response_init(&res);
    res.status = 404;
    buf_puts(&res.body, "old");
    struct jw w;
    http_json_begin(&res, &w);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.content_type, "application/json");
    assert_int_equal(res.body.len, 0);
    jw_obj_begin(&w);
    jw_kint(&w, "n", 1);
    jw_obj_end(&w);
    assert_string_equal(buf_str(&res.body), "{\"n\":1}");
    http_response_free(&res);
}

/* Collects the tags http_etag_list() sees, "|"-joined, with a '~' before a weak one. */
struct tags_seen {
    char out[256];
    const char *stop_at; /* the tag whose call returns true, or NULL */
};

static bool S_collect_tag(const void *ctx, const char *tag, size_t n, bool weak)
{
    struct tags_seen *t = (struct tags_seen *)(uintptr_t)ctx;
    size_t o = strlen(t->out);
    snprintf(t->out + o, sizeof t->out - o, "%s%s%.*s", o ? "|" : "", weak ? "~" : "", (int)n, tag);
    return t->stop_at && strlen(t->stop_at) == n && memcmp(t->stop_at, tag, n) == 0;
}

static void test_etag_list(void **state)
{
    (void)state;
    static const struct {
        const char *list, *seen;
    } cases[] = {
        {"\"1-a\"", "\"1-a\""},
        {"W/\"1-a\", \"2-b\"", "~\"1-a\"|\"2-b\""},
        {" \"a,b\" ,\t\"c\"", "\"a,b\"|\"c\""}, /* a comma inside quotes is the tag's */
        {"*", "*"},
        {"", ""},
        {" , ,", ""},
        {"bare, W/other", "bare|~other"},
        {"\"ok\", \"unterminated", "\"ok\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tags_seen t = {"", NULL};
        assert_false(http_etag_list(cases[i].list, S_collect_tag, &t));
        if (strcmp(t.out, cases[i].seen) != 0)
            fail_msg("'%s': saw '%s', want '%s'", cases[i].list, t.out, cases[i].seen);
    }
    struct tags_seen t = {"", "\"2-b\""};
    assert_true(http_etag_list("\"1-a\", \"2-b\", \"3-c\"", S_collect_tag, &t));
    assert_string_equal(t.out, "\"1-a\"|\"2-b\""); /* stopped at the match */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, S_setup, S_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_etag_list),
        T(test_parse_plain),
        T(test_parse_no_query),
        T(test_parse_empty_query),
        T(test_percent_decoding_path),
        T(test_plus_is_literal_in_path),
        T(test_percent_decoding_query),
        T(test_plus_in_name_is_space),
        T(test_value_with_equals),
        T(test_params_without_equals),
        T(test_empty_value),
        T(test_empty_pieces_skipped),
        T(test_fragment_dropped),
        T(test_bad_escapes),
        T(test_nul_rejected),
        T(test_invalid_utf8_rejected),
        T(test_valid_utf8_accepted),
        T(test_control_chars_rejected),
        T(test_must_start_with_slash),
        T(test_param_limit),
        T(test_param_limit_ignores_empty_pieces),
        T(test_query_marks_used),
        T(test_free_resets),
        T(test_request_header),
        T(test_method_names),
        T(test_reason_table),
        T(test_response_headers),
        T(test_problem_full),
        T(test_problem_without_request),
        T(test_problem_long_slug),
        T(test_problem_param),
        T(test_json_begin),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
