/* Router: pattern matching with {name} captures, 404 vs 405, HEAD and OPTIONS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "router.h"
#include "routes.h"

#include <jansson.h>
#include <string.h>

/* What the last handler saw. */
static struct {
    int calls;
    const char *which;
    enum http_method method;
    char p1[64];
    char p2[64];
    size_t npath;
} seen;

static void S_record(const char *which, struct http_request *req, const char *n1, const char *n2)
{
    seen.calls++;
    seen.which = which;
    seen.method = req->method;
    seen.npath = req->npath;
    seen.p1[0] = seen.p2[0] = '\0';
    const char *v1 = n1 ? http_path_param(req, n1) : NULL;
    const char *v2 = n2 ? http_path_param(req, n2) : NULL;
    if (v1)
        snprintf(seen.p1, sizeof seen.p1, "%s", v1);
    if (v2)
        snprintf(seen.p2, sizeof seen.p2, "%s", v2);
}

static void h_list(struct http_request *req, struct http_response *res)
{
    S_record("list", req, NULL, NULL);
    res->status = 200;
}

static void h_create(struct http_request *req, struct http_response *res)
{
    S_record("create", req, NULL, NULL);
    res->status = 201;
}

static void h_item(struct http_request *req, struct http_response *res)
{
    S_record("item", req, "id", NULL);
    res->status = 200;
}

static void h_two(struct http_request *req, struct http_response *res)
{
    S_record("two", req, "source", "claim");
    res->status = 200;
}

static void h_health(struct http_request *req, struct http_response *res)
{
    S_record("health", req, NULL, NULL);
    res->status = 200;
    buf_puts(&res->body, "ok");
}

static void h_put(struct http_request *req, struct http_response *res)
{
    S_record("put", req, NULL, NULL);
    res->status = 204;
}

static void h_root(struct http_request *req, struct http_response *res)
{
    S_record("root", req, NULL, NULL);
    res->status = 200;
}

static const struct route routes[] = {
    {HTTP_GET, "/", h_root, 0},
    {HTTP_GET, "/v1/claims", h_list, 0},
    {HTTP_POST, "/v1/claims", h_create, 0},
    {HTTP_GET | HTTP_DELETE, "/v1/claims/{id}", h_item, 0},
    {HTTP_GET, "/v1/sources/{source}/claims/{claim}", h_two, 0},
    {HTTP_GET, "/health", h_health, 0},
    {HTTP_PUT, "/v1/put-only", h_put, 0},
};
static const size_t nroutes = sizeof routes / sizeof routes[0];

struct ctx {
    struct http_request req;
    struct http_response res;
};

static int S_setup(void **state)
{
    static struct ctx c;
    memset(&c, 0, sizeof c);
    http_response_init(&c.res);
    memset(&seen, 0, sizeof seen);
    *state = &c;
    return 0;
}

static int S_teardown(void **state)
{
    struct ctx *c = *state;
    http_request_free(&c->req);
    http_response_free(&c->res);
    return 0;
}

/* Parses the target and dispatches it. */
static void S_dispatch(struct ctx *c, enum http_method m, const char *target)
{
    char err[128];
    c->req.method = m;
    assert_int_equal(http_request_parse_target(&c->req, target, err, sizeof err), 0);
    router_dispatch(routes, nroutes, NULL, &c->req, &c->res);
}

/* Parses the problem body and checks the common members. */
static json_t *S_problem(const struct http_response *res, unsigned status, const char *type)
{
    assert_int_equal(res->status, status);
    assert_non_null(res->content_type);
    assert_string_equal(res->content_type, "application/problem+json");
    json_error_t jerr;
    json_t *j = json_loadb(res->body.data, res->body.len, 0, &jerr);
    if (!j)
        fail_msg("problem body is not JSON (%s): %.*s", jerr.text, (int)res->body.len,
                 res->body.data);
    assert_true(json_is_object(j));
    assert_string_equal(json_string_value(json_object_get(j, "type")), type);
    assert_int_equal(json_integer_value(json_object_get(j, "status")), status);
    assert_string_equal(json_string_value(json_object_get(j, "title")), http_reason(status));
    assert_true(json_is_string(json_object_get(j, "detail")));
    return j;
}

static void test_exact_match(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_GET, "/health");
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.which, "health");
    assert_int_equal(seen.npath, 0);
    assert_int_equal(c->res.status, 200);
}

static void test_root(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_GET, "/");
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.which, "root");
}

static void test_query_does_not_affect_match(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_GET, "/v1/claims?limit=5&offset=0");
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.which, "list");
}

static void test_one_param(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_GET, "/v1/claims/abc-123");
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.which, "item");
    assert_int_equal(seen.npath, 1);
    assert_string_equal(seen.p1, "abc-123");
    /* Parameters stay readable after the handler returns (owned by the request). */
    assert_string_equal(http_path_param(&c->req, "id"), "abc-123");
    assert_null(http_path_param(&c->req, "ID"));
    assert_null(http_path_param(&c->req, "nope"));
    /* The decoded path itself is left intact. */
    assert_string_equal(c->req.path, "/v1/claims/abc-123");
}

static void test_one_param_decoded(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_GET, "/v1/claims/a%20b%C3%A9");
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.p1, "a b\xC3\xA9");
}

/* An escaped '/' stays inside its segment: "a%2Fb" is one id, never two segments. */
static void test_escaped_slash_stays_in_segment(void **state)
{
    struct ctx *c = *state;
    /* claims/{id} with id "x/claims/y", not sources/{source}/claims/{claim} */
    S_dispatch(c, HTTP_GET, "/v1/claims/x%2Fclaims%2fy");
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.which, "item");
    assert_int_equal(seen.npath, 1);
    assert_string_equal(seen.p1, "x/claims/y");
    http_request_free(&c->req);
    http_response_free(&c->res);
    http_response_init(&c->res);
    memset(&seen, 0, sizeof seen);
    /* "/v1/sources/s%2Fclaims/c" has three segments after v1's: no route. */
    S_dispatch(c, HTTP_GET, "/v1/sources/s%2Fclaims/c");
    assert_int_equal(seen.calls, 0);
    assert_int_equal(c->res.status, 404);
    http_request_free(&c->req);
    http_response_free(&c->res);
    http_response_init(&c->res);
    /* A literal segment matches decoded: "%63laims" is "claims". */
    S_dispatch(c, HTTP_GET, "/v1/%63laims");
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.which, "list");
}

static void test_two_params(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_GET, "/v1/sources/masbah-2015/claims/c-7");
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.which, "two");
    assert_int_equal(seen.npath, 2);
    assert_string_equal(seen.p1, "masbah-2015");
    assert_string_equal(seen.p2, "c-7");
    assert_string_equal(http_path_param(&c->req, "source"), "masbah-2015");
    assert_string_equal(http_path_param(&c->req, "claim"), "c-7");
}

static void S_expect_404(struct ctx *c, enum http_method m, const char *target)
{
    S_dispatch(c, m, target);
    if (seen.calls != 0)
        fail_msg("'%s' reached handler %s", target, seen.which);
    json_t *j = S_problem(&c->res, 404, "/problems/not-found");
    assert_string_equal(json_string_value(json_object_get(j, "instance")), c->req.path);
    assert_non_null(strstr(json_string_value(json_object_get(j, "detail")), c->req.path));
    assert_null(http_response_get_header(&c->res, "Allow"));
    json_decref(j);
}

static void test_trailing_slash_is_404(void **state)
{
    S_expect_404(*state, HTTP_GET, "/health/");
}

static void test_trailing_slash_on_collection_is_404(void **state)
{
    /* Neither "/v1/claims" (extra slash) nor "/v1/claims/{id}" (empty capture). */
    S_expect_404(*state, HTTP_GET, "/v1/claims/");
}

static void test_extra_segment_is_404(void **state)
{
    S_expect_404(*state, HTTP_GET, "/v1/claims/abc/def");
}

static void test_missing_segment_is_404(void **state)
{
    S_expect_404(*state, HTTP_GET, "/v1/sources/x/claims");
}

static void test_capture_does_not_span_slash(void **state)
{
    S_expect_404(*state, HTTP_GET, "/v1/sources/a/b/claims/c");
}

static void test_prefix_is_404(void **state)
{
    S_expect_404(*state, HTTP_GET, "/v1/claim");
}

static void test_longer_literal_is_404(void **state)
{
    S_expect_404(*state, HTTP_GET, "/healthz");
}

static void test_double_slash_is_404(void **state)
{
    S_expect_404(*state, HTTP_GET, "/v1//claims");
}

static void test_unknown_path_options_is_404(void **state)
{
    S_expect_404(*state, HTTP_OPTIONS, "/nowhere");
}

static void test_unknown_path_delete_is_404(void **state)
{
    /* Wrong method AND no route: 404 wins (nothing matches the path). */
    S_expect_404(*state, HTTP_DELETE, "/nowhere");
}

static void test_405_collection(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_DELETE, "/v1/claims");
    assert_int_equal(seen.calls, 0);
    json_t *j = S_problem(&c->res, 405, "/problems/method-not-allowed");
    const char *detail = json_string_value(json_object_get(j, "detail"));
    assert_non_null(strstr(detail, "DELETE"));
    assert_non_null(strstr(detail, "GET, HEAD, POST, OPTIONS"));
    assert_string_equal(json_string_value(json_object_get(j, "instance")), "/v1/claims");
    json_decref(j);
    const char *allow = http_response_get_header(&c->res, "Allow");
    assert_non_null(allow);
    assert_string_equal(allow, "GET, HEAD, POST, OPTIONS");
}

static void test_405_item(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_PATCH, "/v1/claims/x");
    assert_int_equal(seen.calls, 0);
    json_t *j = S_problem(&c->res, 405, "/problems/method-not-allowed");
    assert_non_null(strstr(json_string_value(json_object_get(j, "detail")), "PATCH"));
    json_decref(j);
    assert_string_equal(http_response_get_header(&c->res, "allow"), "GET, HEAD, DELETE, OPTIONS");
}

static void test_405_non_get_route_has_no_head(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_GET, "/v1/put-only");
    assert_int_equal(seen.calls, 0);
    json_t *j = S_problem(&c->res, 405, "/problems/method-not-allowed");
    assert_non_null(strstr(json_string_value(json_object_get(j, "detail")), "GET"));
    json_decref(j);
    assert_string_equal(http_response_get_header(&c->res, "Allow"), "PUT, OPTIONS");
}

static void test_head_on_non_get_route_is_405(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_HEAD, "/v1/put-only");
    assert_int_equal(seen.calls, 0);
    json_t *j = S_problem(&c->res, 405, "/problems/method-not-allowed");
    assert_non_null(strstr(json_string_value(json_object_get(j, "detail")), "HEAD"));
    json_decref(j);
}

static void test_head_runs_get_handler(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_HEAD, "/health");
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.which, "health");
    assert_int_equal(seen.method, HTTP_HEAD); /* the handler still sees HEAD */
    assert_int_equal(c->res.status, 200);
}

static void test_head_with_param(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_HEAD, "/v1/claims/q");
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.which, "item");
    assert_string_equal(seen.p1, "q");
}

static void test_method_picks_route(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_POST, "/v1/claims");
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.which, "create");
    assert_int_equal(c->res.status, 201);
}

static void test_options_204_with_allow(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_OPTIONS, "/v1/claims/x");
    assert_int_equal(seen.calls, 0);
    assert_int_equal(c->res.status, 204);
    assert_int_equal(c->res.body.len, 0);
    assert_string_equal(http_response_get_header(&c->res, "Allow"), "GET, HEAD, DELETE, OPTIONS");
}

static void test_options_collection(void **state)
{
    struct ctx *c = *state;
    S_dispatch(c, HTTP_OPTIONS, "/v1/claims");
    assert_int_equal(c->res.status, 204);
    assert_string_equal(http_response_get_header(&c->res, "Allow"), "GET, HEAD, POST, OPTIONS");
}

static void test_router_match_direct(void **state)
{
    struct ctx *c = *state;
    char err[64];
    const struct route *rt = NULL;
    unsigned allowed = 0;

    assert_int_equal(http_request_parse_target(&c->req, "/v1/claims", err, sizeof err), 0);
    c->req.method = HTTP_POST;
    assert_int_equal(router_match(routes, nroutes, &c->req, &rt, &allowed), ROUTER_FOUND);
    assert_ptr_equal(rt, &routes[2]);
    assert_int_equal(allowed, HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_OPTIONS);

    c->req.method = HTTP_PUT;
    rt = NULL;
    assert_int_equal(router_match(routes, nroutes, &c->req, &rt, &allowed),
                     ROUTER_METHOD_NOT_ALLOWED);
    assert_null(rt);
    assert_int_equal(allowed, HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_OPTIONS);

    c->req.method = HTTP_HEAD;
    assert_int_equal(router_match(routes, nroutes, &c->req, &rt, &allowed), ROUTER_FOUND);
    assert_ptr_equal(rt, &routes[1]);
    http_request_free(&c->req);

    assert_int_equal(http_request_parse_target(&c->req, "/zzz", err, sizeof err), 0);
    allowed = 12345;
    assert_int_equal(router_match(routes, nroutes, &c->req, &rt, &allowed), ROUTER_NOT_FOUND);
    assert_int_equal(allowed, 0);
}

static void test_allow_header_text(void **state)
{
    (void)state;
    char out[96];
    router_allow_header(HTTP_GET | HTTP_HEAD | HTTP_OPTIONS, out, sizeof out);
    assert_string_equal(out, "GET, HEAD, OPTIONS");
    /* Fixed order regardless of bit order. */
    router_allow_header(HTTP_OPTIONS | HTTP_DELETE | HTTP_PATCH | HTTP_PUT | HTTP_POST | HTTP_HEAD |
                            HTTP_GET,
                        out, sizeof out);
    assert_string_equal(out, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    router_allow_header(0, out, sizeof out);
    assert_string_equal(out, "");
    /* A short buffer keeps the whole methods that fit, never a cut one. */
    router_allow_header(HTTP_GET | HTTP_HEAD | HTTP_POST, out, 10);
    assert_string_equal(out, "GET, HEAD");
}

/* The transport's question before routing: does this raw target name an operational route? */
static void test_target_has_flag(void **state)
{
    (void)state;
    static const struct route rt[] = {
        {HTTP_GET, "/healthz", NULL, ROUTE_OPERATIONAL},
        {HTTP_GET, "/metrics", NULL, ROUTE_OPERATIONAL},
        {HTTP_GET, "/v1/claims", NULL, 0},
        {HTTP_GET, "/v1/claims/{id}", NULL, ROUTE_OPERATIONAL}, /* not literal: never */
    };
    const size_t n = sizeof rt / sizeof rt[0];
    assert_true(router_target_has_flag(rt, n, "/healthz", ROUTE_OPERATIONAL));
    assert_true(router_target_has_flag(rt, n, "/metrics?x=1", ROUTE_OPERATIONAL));
    assert_false(router_target_has_flag(rt, n, "/healthzz", ROUTE_OPERATIONAL));
    assert_false(router_target_has_flag(rt, n, "/health", ROUTE_OPERATIONAL));
    assert_false(router_target_has_flag(rt, n, "/healthz/", ROUTE_OPERATIONAL));
    assert_false(router_target_has_flag(rt, n, "/v1/claims", ROUTE_OPERATIONAL));
    assert_false(router_target_has_flag(rt, n, "/v1/claims/x", ROUTE_OPERATIONAL));
    assert_false(router_target_has_flag(rt, n, "/healthz", ROUTE_OPEN_BODY));
}

/* Every route that changes data is guarded by its flags: a write (and an admin one for a
 * restore) with the media type of its body; the only other body route stores nothing. */
static void test_table_flags(void **state)
{
    (void)state;
    size_t writes = 0;
    for (size_t i = 0; i < routes_count; i++) {
        const struct route *r = &routes_table[i];
        if (r->methods & HTTP_GET) {
            assert_false(r->flags & (ROUTE_WRITE | ROUTE_ADMIN | ROUTE_OPEN_BODY));
            continue;
        }
        if (r->flags & ROUTE_OPEN_BODY) {
            assert_false(r->flags & ROUTE_WRITE);
            continue;
        }
        if (!(r->flags & ROUTE_WRITE))
            fail_msg("%s is neither a guarded write nor an open body", r->pattern);
        size_t n = strlen(r->pattern);
        bool restore = n > 8 && strcmp(r->pattern + n - 8, "/restore") == 0;
        assert_int_equal((r->flags & ROUTE_ADMIN) != 0, restore);
        if (r->methods & HTTP_PATCH)
            assert_true(r->flags & ROUTE_MERGE_PATCH);
        if ((r->methods & HTTP_POST) && !restore)
            assert_true(r->flags & ROUTE_JSON_BODY);
        writes++;
    }
    assert_true(writes >= 20);
    assert_non_null(routes_guard);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, S_setup, S_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_flags),
        cmocka_unit_test(test_target_has_flag),
        T(test_exact_match),
        T(test_root),
        T(test_query_does_not_affect_match),
        T(test_one_param),
        T(test_one_param_decoded),
        T(test_escaped_slash_stays_in_segment),
        T(test_two_params),
        T(test_trailing_slash_is_404),
        T(test_trailing_slash_on_collection_is_404),
        T(test_extra_segment_is_404),
        T(test_missing_segment_is_404),
        T(test_capture_does_not_span_slash),
        T(test_prefix_is_404),
        T(test_longer_literal_is_404),
        T(test_double_slash_is_404),
        T(test_unknown_path_options_is_404),
        T(test_unknown_path_delete_is_404),
        T(test_405_collection),
        T(test_405_item),
        T(test_405_non_get_route_has_no_head),
        T(test_head_on_non_get_route_is_405),
        T(test_head_runs_get_handler),
        T(test_head_with_param),
        T(test_method_picks_route),
        T(test_options_204_with_allow),
        T(test_options_collection),
        T(test_router_match_direct),
        T(test_allow_header_text),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
