/*
 * The HTTP layer over real sockets: an in-process server on 127.0.0.1:0 over a
 * copy of $MARSAD_TEST_DB, driven with libcurl and a raw socket.
 */
#include "server.h"

#include "db.h"
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define MAX_BODY_FLAG "1k"
#define MAX_BODY      1024

static struct test_server G;

static int S_group_setup(void **state)
{
    (void)state;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    static const char *const extra[] = {"--max-body", MAX_BODY_FLAG, NULL};
    char err[512];
    if (test_server_start(&G, extra, err, sizeof err) != 0) {
        fprintf(stderr, "test server: %s\n", err);
        curl_global_cleanup();
        return -1;
    }
    return 0;
}

static int S_group_teardown(void **state)
{
    (void)state;
    test_server_stop(&G);
    curl_global_cleanup();
    return 0;
}

static const char *S_url(const char *path, char *out, size_t n)
{
    return test_server_url(&G, path, out, n);
}

/* GET path with optional extra headers; asserts the transfer worked. */
static void S_get(const char *path, const char *const *headers, struct tc_result *r)
{
    char url[HTTP_MAX_TARGET + 256];
    int rc = tc_request(NULL, "GET", S_url(path, url, sizeof url), headers, NULL, 0, r);
    if (rc != 0)
        fail_msg("GET %s: %s (%s)", path, curl_easy_strerror(r->code), r->error);
}

static const char *S_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        fail_msg("'%s' is not a string", key);
    return json_string_value(v);
}

static json_int_t S_int(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        fail_msg("'%s' is not an integer", key);
    return json_integer_value(v);
}

static bool S_starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A JSON response: status, media type, parsed object. */
static json_t *S_json(const struct tc_result *r, long status)
{
    assert_int_equal(r->status, status);
    const char *ct = tc_header(r, "Content-Type");
    assert_non_null(ct);
    assert_true(S_starts_with(ct, "application/json"));
    json_t *j = tc_json(r);
    assert_non_null(j);
    assert_true(json_is_object(j));
    return j;
}

/* An RFC 9457 problem: status, media type, and the members every problem has. */
static json_t *S_problem(const struct tc_result *r, long status)
{
    if (r->status != status)
        fail_msg("status %ld, expected %ld; body: %s", r->status, status, r->body);
    const char *ct = tc_header(r, "Content-Type");
    assert_non_null(ct);
    assert_true(S_starts_with(ct, "application/problem+json"));
    json_t *j = tc_json(r);
    assert_non_null(j);
    assert_true(json_is_object(j));
    assert_true(S_starts_with(S_str(j, "type"), "/problems/"));
    assert_string_equal(S_str(j, "title"), http_reason((unsigned)status));
    assert_int_equal(S_int(j, "status"), status);
    assert_true(strlen(S_str(j, "detail")) > 0);
    /* The body names the same request id as the header. */
    const char *rid = tc_header(r, "X-Request-Id");
    assert_non_null(rid);
    assert_string_equal(S_str(j, "request_id"), rid);
    return j;
}

static void test_healthz(void **state)
{
    (void)state;
    struct tc_result r;
    S_get("/healthz", NULL, &r);
    json_t *j = S_json(&r, 200);
    assert_string_equal(S_str(j, "status"), "ok");
    assert_int_equal(json_object_size(j), 1);
    assert_string_equal(tc_header(&r, "X-Content-Type-Options"), "nosniff");
    assert_string_equal(tc_header(&r, "Cache-Control"), "no-store");
    json_decref(j);
    tc_result_free(&r);
}

static void test_readyz(void **state)
{
    (void)state;
    struct tc_result r;
    S_get("/readyz", NULL, &r);
    json_t *j = S_json(&r, 200);
    assert_string_equal(S_str(j, "status"), "ready");
    json_int_t v = S_int(j, "dataset_version");
    assert_true(v >= 0);
    assert_int_equal((uint64_t)v, atomic_load(&G.app->dataset_version));
    json_decref(j);
    tc_result_free(&r);
}

static void test_version(void **state)
{
    (void)state;
    struct tc_result r;
    S_get("/version", NULL, &r);
    json_t *j = S_json(&r, 200);
    assert_string_equal(S_str(j, "name"), "marsad");
    assert_string_equal(S_str(j, "version"), MARSAD_VERSION);
    assert_int_equal(S_int(j, "schema_version"), db_schema_version());
    assert_int_equal((uint64_t)S_int(j, "dataset_version"), atomic_load(&G.app->dataset_version));
    json_t *libs = json_object_get(j, "libraries");
    assert_true(json_is_object(libs));
    assert_string_equal(S_str(libs, "libmicrohttpd"), http_server_library_version());
    assert_string_equal(S_str(libs, "sqlite"), sqlite3_libversion());
    json_decref(j);
    tc_result_free(&r);
}

static void test_v1_index(void **state)
{
    (void)state;
    struct tc_result r;
    S_get("/v1", NULL, &r);
    json_t *j = S_json(&r, 200);
    json_t *data = json_object_get(j, "data");
    assert_true(json_is_object(data));
    assert_string_equal(S_str(data, "name"), "marsad");
    json_t *res = json_object_get(data, "resources");
    assert_true(json_is_array(res));
    assert_true(json_array_size(res) >= 1);
    size_t i;
    json_t *item;
    bool has_claims = false;
    json_array_foreach(res, i, item) {
        const char *name = S_str(item, "name");
        const char *href = S_str(item, "href");
        assert_true(S_starts_with(href, "/v1/"));
        assert_string_equal(href + 4, name);
        assert_true(strlen(S_str(item, "description")) > 0);
        if (strcmp(name, "claims") == 0)
            has_claims = true;
    }
    assert_true(has_claims);
    json_t *links = json_object_get(j, "links");
    assert_true(json_is_object(links));
    assert_string_equal(S_str(links, "self"), "/v1");
    json_decref(j);
    tc_result_free(&r);
}

static void test_not_found_problem(void **state)
{
    (void)state;
    struct tc_result r;
    S_get("/no/such/thing", NULL, &r);
    json_t *j = S_problem(&r, 404);
    assert_string_equal(S_str(j, "type"), "/problems/not-found");
    assert_string_equal(S_str(j, "title"), "Not Found");
    assert_string_equal(S_str(j, "instance"), "/no/such/thing");
    assert_non_null(strstr(S_str(j, "detail"), "/no/such/thing"));
    json_decref(j);
    tc_result_free(&r);
}

static void test_post_healthz_405(void **state)
{
    (void)state;
    char url[256];
    struct tc_result r;
    assert_int_equal(
        tc_request(NULL, "POST", S_url("/healthz", url, sizeof url), NULL, NULL, 0, &r), 0);
    json_t *j = S_problem(&r, 405);
    assert_string_equal(S_str(j, "type"), "/problems/method-not-allowed");
    assert_string_equal(tc_header(&r, "Allow"), "GET, HEAD, OPTIONS");
    json_decref(j);
    tc_result_free(&r);
}

static void test_head_healthz(void **state)
{
    (void)state;
    char url[256];
    struct tc_result r;
    assert_int_equal(
        tc_request(NULL, "HEAD", S_url("/healthz", url, sizeof url), NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    assert_non_null(tc_header(&r, "X-Request-Id"));
    /* HEAD describes the GET response: same media type. */
    const char *ct = tc_header(&r, "Content-Type");
    assert_non_null(ct);
    assert_true(S_starts_with(ct, "application/json"));
    tc_result_free(&r);
}

static void test_options_cors_preflight(void **state)
{
    (void)state;
    char url[256];
    struct tc_result r;
    static const char *const hdrs[] = {"Origin: https://example.org",
                                       "Access-Control-Request-Method: GET", NULL};
    assert_int_equal(tc_request(NULL, "OPTIONS", S_url("/v1", url, sizeof url), hdrs, NULL, 0, &r),
                     0);
    assert_int_equal(r.status, 204);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(tc_header(&r, "Allow"), "GET, HEAD, OPTIONS");
    const char *methods = tc_header(&r, "Access-Control-Allow-Methods");
    assert_non_null(methods);
    assert_true(tc_has_token(methods, "GET"));
    assert_true(tc_has_token(methods, "OPTIONS"));
    assert_string_equal(tc_header(&r, "Access-Control-Allow-Origin"), "*");
    assert_true(tc_has_token(tc_header(&r, "Access-Control-Allow-Headers"), "X-Request-Id"));
    assert_non_null(tc_header(&r, "Access-Control-Max-Age"));
    tc_result_free(&r);
}

static void test_cors_expose_headers(void **state)
{
    (void)state;
    struct tc_result r;
    static const char *const hdrs[] = {"Origin: https://example.org", NULL};
    S_get("/healthz", hdrs, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "Access-Control-Allow-Origin"), "*");
    const char *expose = tc_header(&r, "Access-Control-Expose-Headers");
    assert_non_null(expose);
    assert_true(tc_has_token(expose, "X-Total-Count"));
    assert_true(tc_has_token(expose, "Link"));
    assert_true(tc_has_token(expose, "ETag"));
    assert_true(tc_has_token(expose, "X-Request-Id"));
    /* a browser client must be able to read why a write was refused */
    assert_true(tc_has_token(expose, "WWW-Authenticate"));
    tc_result_free(&r);
}

/* Private Network Access: a preflight that asks for it gets it; one that does not, does not. */
static void test_cors_private_network(void **state)
{
    (void)state;
    char url[256];
    struct tc_result r;
    static const char *const ask[] = {"Origin: https://example.org",
                                      "Access-Control-Request-Method: GET",
                                      "Access-Control-Request-Private-Network: true", NULL};
    assert_int_equal(
        tc_request(NULL, "OPTIONS", S_url("/v1/claims", url, sizeof url), ask, NULL, 0, &r), 0);
    assert_int_equal(r.status, 204);
    assert_string_equal(tc_header(&r, "Access-Control-Allow-Private-Network"), "true");
    tc_result_free(&r);
    static const char *const plain[] = {"Origin: https://example.org",
                                        "Access-Control-Request-Method: GET", NULL};
    assert_int_equal(
        tc_request(NULL, "OPTIONS", S_url("/v1/claims", url, sizeof url), plain, NULL, 0, &r), 0);
    assert_null(tc_header(&r, "Access-Control-Allow-Private-Network"));
    tc_result_free(&r);
}

/*
 * The ETag names the representation, not the Accept header's spelling: the same JSON for
 * no Accept, any type and application/json has one tag (and each revalidates the others);
 * the CSV Accept negotiates has another.
 */
static void test_etag_by_negotiated_representation(void **state)
{
    (void)state;
    static const char *const none[] = {"Accept:", NULL};
    static const char *const any[] = {"Accept: */*", NULL};
    static const char *const json[] = {"Accept: application/json", NULL};
    static const char *const browser[] = {"Accept: text/html,application/xhtml+xml,*/*;q=0.8",
                                          NULL};
    static const char *const csv[] = {"Accept: text/csv", NULL};
    const char *const *variants[] = {none, any, json, browser};
    char first[96] = "";
    struct tc_result r;
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        S_get("/v1/claims?limit=2", variants[i], &r);
        assert_int_equal(r.status, 200);
        const char *tag = tc_header(&r, "ETag");
        assert_non_null(tag);
        if (i == 0)
            snprintf(first, sizeof first, "%s", tag);
        else
            assert_string_equal(tag, first);
        tc_result_free(&r);
    }
    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %s", first);
    const char *const reval[] = {"Accept: application/json", inm, NULL};
    S_get("/v1/claims?limit=2", reval, &r);
    assert_int_equal(r.status, 304);
    tc_result_free(&r);
    S_get("/v1/claims?limit=2", csv, &r);
    assert_int_equal(r.status, 200);
    assert_string_not_equal(tc_header(&r, "ETag"), first);
    tc_result_free(&r);
}

static void test_request_id_echoed(void **state)
{
    (void)state;
    struct tc_result r;
    static const char *const hdrs[] = {"X-Request-Id: abc-123", NULL};
    S_get("/healthz", hdrs, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "X-Request-Id"), "abc-123");
    tc_result_free(&r);

    /* Problems carry it in the body too. */
    S_get("/nowhere", hdrs, &r);
    json_t *j = S_problem(&r, 404);
    assert_string_equal(S_str(j, "request_id"), "abc-123");
    json_decref(j);
    tc_result_free(&r);

    /* 64 characters is the longest id kept. */
    char hdr[128], id64[65];
    memset(id64, 'k', 64);
    id64[64] = '\0';
    snprintf(hdr, sizeof hdr, "X-Request-Id: %s", id64);
    const char *const h64[] = {hdr, NULL};
    S_get("/healthz", h64, &r);
    assert_string_equal(tc_header(&r, "X-Request-Id"), id64);
    tc_result_free(&r);
}

/* The id the server made up: "<boot_id>-<hex sequence>". */
static char *S_generated_id(const char *const *hdrs, const char *sent)
{
    struct tc_result r;
    S_get("/healthz", hdrs, &r);
    assert_int_equal(r.status, 200);
    const char *id = tc_header(&r, "X-Request-Id");
    assert_non_null(id);
    if (sent)
        assert_string_not_equal(id, sent);
    assert_true(strlen(id) > 17);
    assert_memory_equal(id, G.app->boot_id, 16);
    assert_int_equal(id[16], '-');
    size_t n = strlen(id);
    char *copy = malloc(n + 1);
    assert_non_null(copy);
    memcpy(copy, id, n + 1);
    tc_result_free(&r);
    return copy;
}

static void test_request_id_generated(void **state)
{
    (void)state;
    char *ids[4];
    ids[0] = S_generated_id(NULL, NULL);

    char *hdr = malloc(300);
    assert_non_null(hdr);
    memcpy(hdr, "X-Request-Id: ", 14);
    memset(hdr + 14, 'a', 200);
    hdr[214] = '\0';
    const char *const too_long[] = {hdr, NULL};
    ids[1] = S_generated_id(too_long, hdr + 14);

    static const char *const spaces[] = {"X-Request-Id: has spaces in it", NULL};
    ids[2] = S_generated_id(spaces, "has spaces in it");

    /* One character over the limit (65). */
    memset(hdr + 14, 'b', 65);
    hdr[14 + 65] = '\0';
    const char *const over[] = {hdr, NULL};
    ids[3] = S_generated_id(over, hdr + 14);

    for (size_t i = 0; i < 4; i++)
        for (size_t k = i + 1; k < 4; k++)
            assert_string_not_equal(ids[i], ids[k]);
    for (size_t i = 0; i < 4; i++)
        free(ids[i]);
    free(hdr);
}

/*
 * Keep-alive: 20 sequential requests on one easy handle use one connection,
 * errors included (a 404 or 400 must not close it).
 */
static void test_keep_alive_one_connection(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        long status;
    } reqs[] = {{"/healthz", 200}, {"/readyz", 200},  {"/version", 200},
                {"/v1", 200},      {"/missing", 404}, {"/healthz?x=1", 400}};
    CURL *h = curl_easy_init();
    assert_non_null(h);
    long total = 0;
    for (size_t i = 0; i < 20; i++) {
        size_t k = i % (sizeof reqs / sizeof reqs[0]);
        char url[256];
        struct tc_result r;
        int rc = tc_get(h, S_url(reqs[k].path, url, sizeof url), &r);
        if (rc != 0)
            fail_msg("request %zu: %s", i, r.error);
        assert_int_equal(r.status, reqs[k].status);
        json_t *j = tc_json(&r);
        assert_non_null(j);
        json_decref(j);
        const char *conn = tc_header(&r, "Connection");
        if (conn && tc_has_token(conn, "close"))
            fail_msg("request %zu (%s) answered Connection: close", i, reqs[k].path);
        total += r.num_connects;
        tc_result_free(&r);
    }
    curl_easy_cleanup(h);
    assert_int_equal(total, 1);
}

static void test_uri_too_long(void **state)
{
    (void)state;
    size_t base = strlen(G.base_url);
    size_t cap = base + 10000;
    char *url = malloc(cap);
    assert_non_null(url);
    memcpy(url, G.base_url, base);

    /* A target of exactly HTTP_MAX_TARGET bytes is still routed (404). */
    url[base] = '/';
    memset(url + base + 1, 'a', HTTP_MAX_TARGET - 1);
    url[base + HTTP_MAX_TARGET] = '\0';
    struct tc_result r;
    assert_int_equal(tc_get(NULL, url, &r), 0);
    json_t *j = S_problem(&r, 404);
    json_decref(j);
    tc_result_free(&r);

    /* One byte more is refused. */
    memset(url + base + 1, 'a', 9000);
    url[base + 9001] = '\0';
    assert_int_equal(tc_get(NULL, url, &r), 0);
    j = S_problem(&r, 414);
    assert_string_equal(S_str(j, "type"), "/problems/uri-too-long");
    json_decref(j);
    tc_result_free(&r);

    url[base + HTTP_MAX_TARGET + 1] = '\0';
    assert_int_equal(tc_get(NULL, url, &r), 0);
    j = S_problem(&r, 414);
    json_decref(j);
    tc_result_free(&r);
    free(url);

    /* A target larger than libmicrohttpd's memory pool: the library's own 414. */
    cap = base + 70010;
    url = malloc(cap);
    assert_non_null(url);
    memcpy(url, G.base_url, base);
    url[base] = '/';
    memset(url + base + 1, 'b', 70000);
    url[base + 70001] = '\0';
    assert_int_equal(tc_get(NULL, url, &r), 0);
    assert_int_equal(r.status, 414);
    tc_result_free(&r);
    free(url);
    S_get("/healthz", NULL, &r);
    assert_int_equal(r.status, 200);
    tc_result_free(&r);
}

static void test_headers_too_large(void **state)
{
    (void)state;
    char *hdr = malloc(20100);
    assert_non_null(hdr);
    memcpy(hdr, "X-Big: ", 7);
    memset(hdr + 7, 'z', 20000);
    hdr[20007] = '\0';
    const char *const hdrs[] = {hdr, NULL};
    struct tc_result r;
    S_get("/healthz", hdrs, &r);
    json_t *j = S_problem(&r, 431);
    assert_string_equal(S_str(j, "type"), "/problems/headers-too-large");
    json_decref(j);
    tc_result_free(&r);

    /* A large header that fits is fine. */
    hdr[7 + 8000] = '\0';
    S_get("/healthz", hdrs, &r);
    assert_int_equal(r.status, 200);
    tc_result_free(&r);
    free(hdr);

    /*
     * The largest request the server accepts, an 8 KiB target and 16 KiB of headers in
     * many lines, fits the default connection memory: the server answers it (a 400 for
     * the unknown parameter), not the library.
     */
    char *target = malloc(HTTP_MAX_TARGET);
    assert_non_null(target);
    memcpy(target, "/healthz?x=", 11);
    memset(target + 11, 'a', HTTP_MAX_TARGET - 12);
    target[HTTP_MAX_TARGET - 1] = '\0';
    enum { NLINES = 140 };
    char *lines[NLINES + 1];
    size_t bytes = 0;
    for (size_t i = 0; i < NLINES; i++) {
        lines[i] = malloc(128);
        assert_non_null(lines[i]);
        snprintf(lines[i], 128, "X-H%03zu: %0100zu", i, i);
        bytes += strlen(lines[i]) + 2;
    }
    lines[NLINES] = NULL;
    assert_true(bytes > HTTP_MAX_HEADER_BYTES - 1024 && bytes < HTTP_MAX_HEADER_BYTES - 400);
    S_get(target, (const char *const *)lines, &r);
    j = S_problem(&r, 400);
    assert_string_equal(S_str(j, "type"), "/problems/invalid-parameter");
    json_decref(j);
    tc_result_free(&r);
    for (size_t i = 0; i < NLINES; i++)
        free(lines[i]);
    free(target);

    /*
     * Past libmicrohttpd's per-connection memory (--connection-memory, 40 KiB) the library
     * answers 431 itself, before the server sees the request: the status is
     * still right and the server keeps serving.
     */
    hdr = malloc(100100);
    assert_non_null(hdr);
    memcpy(hdr, "X-Huge: ", 8);
    memset(hdr + 8, 'h', 100000);
    hdr[100008] = '\0';
    const char *const huge[] = {hdr, NULL};
    S_get("/healthz", huge, &r);
    assert_int_equal(r.status, 431);
    tc_result_free(&r);
    free(hdr);
    S_get("/healthz", NULL, &r);
    assert_int_equal(r.status, 200);
    tc_result_free(&r);
}

static void test_body_too_large(void **state)
{
    (void)state;
    char url[256];
    S_url("/healthz", url, sizeof url);
    char *body = malloc(4096);
    assert_non_null(body);
    memset(body, 'x', 4096);
    struct tc_result r;

    /* Declared by Content-Length. */
    assert_int_equal(tc_request(NULL, "POST", url, NULL, body, 2000, &r), 0);
    json_t *j = S_problem(&r, 413);
    assert_string_equal(S_str(j, "type"), "/problems/body-too-large");
    assert_non_null(strstr(S_str(j, "detail"), "1024"));
    json_decref(j);
    tc_result_free(&r);

    /* Chunked: a route that refuses the method says so before the body is read
     * (a chunked body over the limit on a write route: tests/system/test_hostile.c). */
    static const char *const chunked[] = {"Transfer-Encoding: chunked", "Expect:", NULL};
    assert_int_equal(tc_request(NULL, "POST", url, chunked, body, 3000, &r), 0);
    j = S_problem(&r, 405);
    json_decref(j);
    tc_result_free(&r);

    /* Exactly max_body passes the limit and reaches the router (405 on /healthz). */
    assert_int_equal(tc_request(NULL, "POST", url, NULL, body, MAX_BODY, &r), 0);
    j = S_problem(&r, 405);
    json_decref(j);
    tc_result_free(&r);
    free(body);
}

/* POST /v1/extract stores nothing and needs no token: the transport reads its body (and
 * answers 100 Continue) where a write without a token is refused from its headers. */
static void test_extract_needs_no_token(void **state)
{
    (void)state;
    char url[256];
    S_url("/v1/extract?published=2019", url, sizeof url);
    static const char *const plain[] = {"Content-Type: text/plain", "Expect: 100-continue", NULL};
    const char *text = "To date, fewer than 200 returnees have been arrested.";
    struct tc_result r;
    assert_int_equal(tc_request(NULL, "POST", url, plain, text, strlen(text), &r), 0);
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    json_t *c = json_array_get(json_object_get(j, "data"), 0);
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "bound")), "less_than");
    json_decref(j);
    tc_result_free(&r);

    /* a write route still refuses a body without a token, before reading it */
    S_url("/v1/claims", url, sizeof url);
    static const char *const js[] = {"Content-Type: application/json", NULL};
    assert_int_equal(tc_request(NULL, "POST", url, js, "{}", 2, &r), 0);
    assert_int_equal(r.status, 401);
    tc_result_free(&r);
}

static void test_unknown_query_parameter(void **state)
{
    (void)state;
    struct tc_result r;
    S_get("/healthz?bogus=1", NULL, &r);
    json_t *j = S_problem(&r, 400);
    assert_non_null(strstr(S_str(j, "detail"), "bogus"));
    json_t *errors = json_object_get(j, "errors");
    assert_true(json_is_array(errors));
    assert_int_equal(json_array_size(errors), 1);
    json_t *e = json_array_get(errors, 0);
    assert_string_equal(S_str(e, "parameter"), "bogus");
    assert_true(strlen(S_str(e, "detail")) > 0);
    json_decref(j);
    tc_result_free(&r);
}

static void test_malformed_percent_escape(void **state)
{
    (void)state;
    static const char *const paths[] = {"/healthz?x=%zz", "/healthz?x=%4", "/v1%zz", "/v1%"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct tc_result r;
        S_get(paths[i], NULL, &r);
        json_t *j = S_problem(&r, 400);
        assert_string_equal(S_str(j, "type"), "/problems/malformed-request");
        json_decref(j);
        tc_result_free(&r);
    }
}

static void test_unsupported_method(void **state)
{
    (void)state;
    char url[256];
    struct tc_result r;
    assert_int_equal(
        tc_request(NULL, "BREW", S_url("/healthz", url, sizeof url), NULL, NULL, 0, &r), 0);
    assert_true(r.status == 501 || r.status == 405);
    json_t *j = S_problem(&r, r.status);
    assert_non_null(strstr(S_str(j, "detail"), "BREW"));
    json_decref(j);
    tc_result_free(&r);
}

/* ---- raw socket --------------------------------------------------------- */

static int S_raw_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(G.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void S_send_all(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        assert_true(w > 0);
        s += w;
        n -= (size_t)w;
    }
}

/* Case-insensitive strstr. */
static const char *S_find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        if (strncasecmp(p, needle, n) == 0)
            return p;
    }
    return NULL;
}

/* Reads bytes until the buffer holds one whole response (by Content-Length) or EOF. */
static size_t S_read_response(int fd, char *buf, size_t cap, bool until_eof)
{
    size_t n = 0;
    uint64_t deadline = th_now_ms() + 5000;
    for (;;) {
        if (!until_eof) {
            buf[n] = '\0';
            const char *end = strstr(buf, "\r\n\r\n");
            const char *cl = S_find_ci(buf, "\r\nContent-Length:");
            if (end && cl && cl < end) {
                long len = strtol(cl + 17, NULL, 10);
                if (len >= 0 && (size_t)(end + 4 - buf) + (size_t)len <= n)
                    return n;
            }
        }
        uint64_t now = th_now_ms();
        if (now >= deadline)
            fail_msg("timed out reading a response (%zu bytes so far)", n);
        struct pollfd pfd = {fd, POLLIN, 0};
        int pr = poll(&pfd, 1, (int)(deadline - now));
        if (pr < 0 && errno == EINTR)
            continue;
        assert_true(pr >= 0);
        if (pr == 0)
            continue;
        assert_true(n + 1 < cap);
        ssize_t r = recv(fd, buf + n, cap - n - 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        assert_true(r >= 0);
        if (r == 0) {
            buf[n] = '\0';
            return n;
        }
        n += (size_t)r;
    }
}

/* Sends s in pieces, giving each piece its own segment. */
static void S_send_pieces(int fd, const char *const *pieces)
{
    for (size_t i = 0; pieces[i]; i++) {
        S_send_all(fd, pieces[i]);
        /* Spread the pieces out so the server sees partial requests (not a correctness wait). */
        struct timespec ts = {0, 15 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void S_check_raw_response(const char *resp, const char *request_id)
{
    assert_true(S_starts_with(resp, "HTTP/1.1 200"));
    char want[128];
    snprintf(want, sizeof want, "\r\nX-Request-Id: %s\r\n", request_id);
    assert_non_null(S_find_ci(resp, want));
    const char *body = strstr(resp, "\r\n\r\n");
    assert_non_null(body);
    json_error_t jerr;
    json_t *j = json_loads(body + 4, 0, &jerr);
    if (!j)
        fail_msg("body does not parse: %s", jerr.text);
    assert_string_equal(S_str(j, "status"), "ok");
    json_decref(j);
}

static void test_request_in_pieces(void **state)
{
    (void)state;
    int fd = S_raw_connect();
    static char resp[16384];

    static const char *const first[] = {"GE",
                                        "T /heal",
                                        "thz HTTP/1.1\r",
                                        "\nHost: 127.0.0.1\r\nX-Requ",
                                        "est-Id: piece-1\r\n",
                                        "\r",
                                        "\n",
                                        NULL};
    S_send_pieces(fd, first);
    S_read_response(fd, resp, sizeof resp, false);
    S_check_raw_response(resp, "piece-1");

    /* The same connection takes a second request, also in pieces, with a body. */
    static const char *const second[] = {"OPTIONS /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                                         "Content-Length: 10\r\nX-Request-Id: piece-2\r\n"
                                         "Connection: close\r\n\r\n",
                                         "01234", "56789", NULL};
    S_send_pieces(fd, second);
    S_read_response(fd, resp, sizeof resp, true);
    assert_true(S_starts_with(resp, "HTTP/1.1 204"));
    assert_non_null(S_find_ci(resp, "\r\nX-Request-Id: piece-2\r\n"));
    assert_non_null(S_find_ci(resp, "\r\nAllow: GET, HEAD, OPTIONS\r\n"));
    close(fd);
}

/* ---- concurrency -------------------------------------------------------- */

struct worker {
    pthread_t tid;
    size_t count;
    size_t ok;
    char failure[512];
};

static void *S_worker(void *arg)
{
    struct worker *w = arg;
    static const char *const paths[] = {"/healthz", "/readyz", "/version", "/v1"};
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(w->failure, sizeof w->failure, "curl_easy_init failed");
        return NULL;
    }
    for (size_t i = 0; i < w->count; i++) {
        const char *path = paths[i % 4];
        char url[256];
        struct tc_result r;
        int rc = tc_get(h, S_url(path, url, sizeof url), &r);
        json_t *j = rc == 0 ? tc_json(&r) : NULL;
        if (rc == 0 && r.status == 200 && json_is_object(j))
            w->ok++;
        else if (!w->failure[0])
            snprintf(w->failure, sizeof w->failure, "%s: rc %d status %ld: %.200s", path, rc,
                     r.status, r.error);
        json_decref(j);
        tc_result_free(&r);
    }
    curl_easy_cleanup(h);
    return NULL;
}

static void test_concurrent_requests(void **state)
{
    (void)state;
    struct worker w[4];
    memset(w, 0, sizeof w);
    size_t total = 0;
    for (size_t i = 0; i < 4; i++) {
        w[i].count = i < 2 ? 13 : 12;
        total += w[i].count;
    }
    assert_int_equal(total, 50);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&w[i].tid, NULL, S_worker, &w[i]), 0);
    size_t ok = 0;
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(w[i].tid, NULL), 0);
        if (w[i].failure[0])
            print_error("worker %zu: %s\n", i, w[i].failure);
        ok += w[i].ok;
    }
    assert_int_equal(ok, 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthz),
        cmocka_unit_test(test_readyz),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_v1_index),
        cmocka_unit_test(test_not_found_problem),
        cmocka_unit_test(test_post_healthz_405),
        cmocka_unit_test(test_head_healthz),
        cmocka_unit_test(test_options_cors_preflight),
        cmocka_unit_test(test_cors_expose_headers),
        cmocka_unit_test(test_cors_private_network),
        cmocka_unit_test(test_etag_by_negotiated_representation),
        cmocka_unit_test(test_request_id_echoed),
        cmocka_unit_test(test_request_id_generated),
        cmocka_unit_test(test_keep_alive_one_connection),
        cmocka_unit_test(test_uri_too_long),
        cmocka_unit_test(test_headers_too_large),
        cmocka_unit_test(test_body_too_large),
        cmocka_unit_test(test_extract_needs_no_token),
        cmocka_unit_test(test_unknown_query_parameter),
        cmocka_unit_test(test_malformed_percent_escape),
        cmocka_unit_test(test_unsupported_method),
        cmocka_unit_test(test_request_in_pieces),
        cmocka_unit_test(test_concurrent_requests),
    };
    return cmocka_run_group_tests(tests, S_group_setup, S_group_teardown);
}
