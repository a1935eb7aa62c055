/*
 * Overload and compression over a real socket: beyond --max-in-flight a data
 * request gets 503 + Retry-After while health checks still answer, and the
 * server serves again once the load is gone; a large body is sent gzip'd to a
 * client that asks for it, with the caching headers, and revalidates with 304.
 */
#include "server.h"

#include "db.h"
#include "sha256.h"
#include "write_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define TOKEN "load-shedding-test-token-8c1d"

static struct test_server G;
static uint64_t time_scale = 1; /* memcheck (make valgrind) runs code far slower */

static int S_start(const char *const *extra)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    if (getenv("MARSAD_VALGRIND"))
        time_scale = 20;
    char err[512];
    if (test_server_start(&G, extra, err, sizeof err) != 0) {
        fprintf(stderr, "test server: %s\n", err);
        return -1;
    }
    char hex[65];
    sha256_hex(TOKEN, strlen(TOKEN), hex);
    struct db_conn *c = NULL;
    if (db_pool_writer(&G.app->db, &c) != APP_OK)
        return -1;
    enum app_status st = token_repo_create(c, "shedding", hex, "write", "2026-01-01T00:00:00Z");
    db_pool_writer_release(&G.app->db);
    return st == APP_OK ? 0 : -1;
}

/*
 * A request counts until the server has finished with it, which may be a moment
 * after the client has read its answer; with a limit of 1 a client's next request
 * can then be shed. Only the shedding test runs against that limit.
 */
static int S_setup_limited(void **state)
{
    (void)state;
    static const char *const extra[] = {"--max-in-flight", "1", "--threads", "4", NULL};
    return S_start(extra);
}

static int S_setup_default(void **state)
{
    (void)state;
    return S_start(NULL);
}

static int S_teardown(void **state)
{
    (void)state;
    test_server_stop(&G);
    curl_global_cleanup();
    return 0;
}

/*
 * A complete request that the server is still working on: a DELETE whose handler
 * waits for the writer, which the test holds (the caller took it). In flight.
 */
static int S_hold_request(uint16_t port)
{
    static const char req[] = "DELETE /v1/claims/no-such-claim HTTP/1.1\r\nHost: x\r\n"
                              "Authorization: Bearer " TOKEN "\r\n\r\n";
    int fd = th_connect_from(port, NULL);
    assert_true(fd >= 0);
    assert_true(th_send_all(fd, req, sizeof req - 1));
    return fd;
}

/*
 * A request whose headers are complete and whose body is still arriving: not in
 * flight. The server's "100 Continue" says it has the headers.
 */
static int S_hold_body(uint16_t port)
{
    static const char req[] = "POST /v1/claims HTTP/1.1\r\nHost: x\r\nContent-Type: "
                              "application/json\r\nAuthorization: Bearer " TOKEN "\r\n"
                              "Expect: 100-continue\r\nContent-Length: 100\r\n\r\n";
    int fd = th_connect_from(port, NULL);
    assert_true(fd >= 0);
    assert_true(th_send_all(fd, req, sizeof req - 1));
    char got[256];
    size_t n = 0;
    while (n < sizeof got - 1 && !memchr(got, '\n', n)) {
        ssize_t r = recv(fd, got + n, sizeof got - 1 - n, 0);
        assert_true(r > 0);
        n += (size_t)r;
    }
    got[n] = '\0';
    if (strncmp(got, "HTTP/1.1 100", 12) != 0)
        fail_msg("expected 100 Continue: %s", got);
    assert_true(th_send_all(fd, "{\"a\":", 5));
    return fd;
}

static long S_get(const char *path, struct tc_result *r)
{
    char url[256];
    assert_int_equal(tc_get(NULL, test_server_url(&G, path, url, sizeof url), r), 0);
    return r->status;
}

/* The server's in-flight gauge (the scrape is exempt and not counted); -1 when absent. */
static long long S_in_flight(void)
{
    struct tc_result r;
    assert_int_equal(S_get("/metrics", &r), 200);
    const char *g = strstr(r.body, "\nmarsad_http_requests_in_flight ");
    long long gauge = g ? atoll(g + strlen("\nmarsad_http_requests_in_flight ")) : -1;
    tc_result_free(&r);
    return gauge;
}

static void test_shed_beyond_max_in_flight(void **state)
{
    (void)state;
    struct db_conn *writer = NULL;
    assert_int_equal(db_pool_writer(&G.app->db, &writer), APP_OK);
    int held = S_hold_request(G.port);
    /* The held request reaches the handler asynchronously: wait until the server's own
     * gauge counts it (the scrape is exempt and not counted), before any data request
     * that could otherwise arrive first and get the held one shed. */
    struct tc_result r;
    long long gauge = -1;
    uint64_t deadline = th_now_ms() + 10000 * time_scale;
    for (;;) {
        assert_int_equal(S_get("/metrics", &r), 200);
        const char *g = strstr(r.body, "\nmarsad_http_requests_in_flight ");
        gauge = g ? atoll(g + strlen("\nmarsad_http_requests_in_flight ")) : -1;
        tc_result_free(&r);
        if (gauge == 1)
            break;
        if (th_now_ms() > deadline) {
            db_pool_writer_release(&G.app->db);
            char peek[128];
            ssize_t n = recv(held, peek, sizeof peek - 1, MSG_DONTWAIT);
            peek[n > 0 ? n : 0] = '\0';
            fail_msg("the held request is not counted: in-flight gauge %lld, held connection: %s",
                     gauge,
                     n > 0    ? peek
                     : n == 0 ? "closed by the server"
                              : "open, no answer");
        }
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    long status = S_get("/v1/claims?limit=1", &r);
    assert_int_equal(status, 503);
    assert_string_equal(tc_header(&r, "Retry-After"), "1");
    assert_non_null(strstr(tc_header(&r, "Content-Type"), "application/problem+json"));
    assert_non_null(strstr(r.body, "\"status\":503"));
    tc_result_free(&r);

    /* Health checks and the metrics scrape are exempt: an orchestrator must still see
     * the process alive, and an operator why it sheds. */
    assert_int_equal(S_get("/healthz", &r), 200);
    tc_result_free(&r);
    assert_int_equal(S_get("/readyz", &r), 200);
    tc_result_free(&r);
    assert_int_equal(S_get("/metrics", &r), 200);
    assert_null(strstr(r.body, "marsad_http_shed_total 0\n"));
    tc_result_free(&r);
    /* Only the exact paths are exempt. */
    assert_int_equal(S_get("/healthzz", &r), 503);
    tc_result_free(&r);

    /* Once the load is gone the server serves again: let the held request have the
     * writer (it is answered 404, no such claim) and read its answer. */
    db_pool_writer_release(&G.app->db);
    char answer[512];
    assert_true(recv(held, answer, sizeof answer, 0) > 0);
    assert_non_null(strstr(answer, " 404 "));
    close(held);
    deadline = th_now_ms() + 3000 * time_scale;
    do {
        status = S_get("/v1/claims?limit=1", &r);
        tc_result_free(&r);
        if (status == 200)
            break;
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    } while (th_now_ms() < deadline);
    assert_int_equal(status, 200);
}

/*
 * Bodies still arriving are not in flight: with --max-in-flight 1, three authenticated
 * requests whose bodies stall do not get a data request shed; once a body is
 * complete its request counts like any other.
 */
static void test_incomplete_bodies_not_in_flight(void **state)
{
    (void)state;
    /* A request answered just before (the last one of the test before) is counted until
     * the server has finished sending it, which the client may see the answer before:
     * start from a gauge of 0, as read from the server itself. */
    uint64_t deadline = th_now_ms() + 10000 * time_scale;
    while (S_in_flight() != 0 && th_now_ms() < deadline) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(S_in_flight(), 0);
    int held[3];
    for (size_t i = 0; i < 3; i++)
        held[i] = S_hold_body(G.port);
    struct tc_result r;
    long status = S_get("/v1/claims?limit=1", &r);
    if (status != 200)
        fail_msg("a data request next to three stalled bodies: status %ld: %s", status, r.body);
    tc_result_free(&r);
    for (size_t i = 0; i < 3; i++)
        close(held[i]);
}

static void test_gzip_when_asked(void **state)
{
    (void)state;
    char url[256];
    struct tc_result r;
    static const char *const gz[] = {"Accept-Encoding: gzip", NULL};
    assert_int_equal(tc_request(NULL, "GET",
                                test_server_url(&G, "/v1/claims?limit=50", url, sizeof url), gz,
                                NULL, 0, &r),
                     0);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "Content-Encoding"), "gzip");
    assert_true(tc_has_token(tc_header(&r, "Vary"), "Accept-Encoding"));
    /* A gzip member starts with 1f 8b. */
    assert_true(r.body_len > 2 && (unsigned char)r.body[0] == 0x1f &&
                (unsigned char)r.body[1] == 0x8b);
    assert_non_null(strstr(tc_header(&r, "ETag"), "-gz\""));
    assert_string_equal(tc_header(&r, "Cache-Control"), "public, max-age=60");
    char gz_tag[64];
    snprintf(gz_tag, sizeof gz_tag, "%s", tc_header(&r, "ETag"));
    tc_result_free(&r);

    /* The tag of the gzip'd representation revalidates it: 304, no body, same tag. */
    char inm[96];
    snprintf(inm, sizeof inm, "If-None-Match: %s", gz_tag);
    const char *const cond[] = {"Accept-Encoding: gzip", inm, NULL};
    assert_int_equal(tc_request(NULL, "GET",
                                test_server_url(&G, "/v1/claims?limit=50", url, sizeof url), cond,
                                NULL, 0, &r),
                     0);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(tc_header(&r, "ETag"), gz_tag);
    assert_string_equal(tc_header(&r, "Cache-Control"), "public, max-age=60");
    assert_string_equal(tc_header(&r, "X-Content-Type-Options"), "nosniff");
    assert_non_null(tc_header(&r, "X-Request-Id"));
    tc_result_free(&r);

    /* Without the header the same resource comes plain, with its own tag. */
    assert_int_equal(S_get("/v1/claims?limit=50", &r), 200);
    assert_null(tc_header(&r, "Content-Encoding"));
    assert_int_equal(r.body[0], '{');
    assert_null(strstr(tc_header(&r, "ETag"), "-gz\""));
    tc_result_free(&r);

    /* A small body is not worth compressing. */
    assert_int_equal(
        tc_request(NULL, "GET", test_server_url(&G, "/healthz", url, sizeof url), gz, NULL, 0, &r),
        0);
    assert_null(tc_header(&r, "Content-Encoding"));
    tc_result_free(&r);
}

/* ---- health checks beside busy workers; the time budget of queries ------------------ */

/* Starts a server of the test's own, with the test token. */
static void S_start_own(struct test_server *ts, const char *const *extra)
{
    char err[512];
    if (test_server_start(ts, extra, err, sizeof err) != 0)
        fail_msg("test server: %s", err);
    char hex[65];
    sha256_hex(TOKEN, strlen(TOKEN), hex);
    struct db_conn *c = NULL;
    assert_int_equal(db_pool_writer(&ts->app->db, &c), APP_OK);
    assert_int_equal(token_repo_create(c, "own", hex, "write", "2026-01-01T00:00:00Z"), APP_OK);
    db_pool_writer_release(&ts->app->db);
}

/*
 * Every thread of the server busy with data requests (four writes waiting for the
 * writer, which the test holds, on a server with two threads): /healthz, /readyz and
 * /metrics are still answered, for they never wait behind data requests.
 */
static void test_health_beside_busy_workers(void **state)
{
    (void)state;
    struct test_server ts;
    static const char *const extra[] = {"--threads", "2", NULL};
    S_start_own(&ts, extra);
    struct db_conn *writer = NULL;
    assert_int_equal(db_pool_writer(&ts.app->db, &writer), APP_OK);
    int held[4];
    for (size_t i = 0; i < 4; i++)
        held[i] = S_hold_request(ts.port);
    /* Wait until all four are in the server (counted in flight). */
    char url[256];
    struct tc_result r;
    uint64_t deadline = th_now_ms() + 10000 * time_scale;
    long long gauge = -1;
    do {
        CURL *h = curl_easy_init();
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(5000 * time_scale));
        int rc = tc_get(h, test_server_url(&ts, "/metrics", url, sizeof url), &r);
        curl_easy_cleanup(h);
        if (rc != 0 || r.status != 200) {
            db_pool_writer_release(&ts.app->db);
            fail_msg("/metrics with every thread busy: rc %d status %ld", rc, r.status);
        }
        const char *g = strstr(r.body, "\nmarsad_http_requests_in_flight ");
        gauge = g ? atoll(g + strlen("\nmarsad_http_requests_in_flight ")) : -1;
        tc_result_free(&r);
    } while (gauge != 4 && th_now_ms() < deadline);
    long health = 0, ready = 0;
    if (gauge == 4) {
        for (int k = 0; k < 2; k++) {
            CURL *h = curl_easy_init();
            curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(5000 * time_scale));
            int rc =
                tc_get(h, test_server_url(&ts, k ? "/readyz" : "/healthz", url, sizeof url), &r);
            curl_easy_cleanup(h);
            *(k ? &ready : &health) = rc == 0 ? r.status : -1;
            tc_result_free(&r);
        }
    }
    db_pool_writer_release(&ts.app->db);
    for (size_t i = 0; i < 4; i++) {
        char answer[512];
        ssize_t n = recv(held[i], answer, sizeof answer - 1, 0);
        assert_true(n > 0);
        close(held[i]);
    }
    test_server_stop(&ts);
    if (gauge != 4)
        fail_msg("the four held requests were not all in flight (gauge %lld)", gauge);
    assert_int_equal(health, 200);
    assert_int_equal(ready, 200);
}

/*
 * A read past --query-timeout is stopped: 503 with Retry-After and a problem naming
 * the budget, while the server goes on serving. A deep page of 20000 claims sorted by
 * two keys takes far longer than the 1 ms budget given here (and is answered 200
 * without a budget).
 */
static void test_query_budget(void **state)
{
    (void)state;
    struct test_server ts;
    char dir[256], db[512];
    assert_int_equal(th_mkdtemp(dir, sizeof dir), 0);
    snprintf(db, sizeof db, "%s/synth.db", dir);
    /* the benchmark's generator (make test-run names it in MARSAD_SYNTH) */
    const char *synth = getenv("MARSAD_SYNTH");
    assert_non_null(synth);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "'%s' --claims 20000 --out '%s' >/dev/null", synth, db);
    assert_int_equal(system(cmd), 0);
    const char *saved = getenv("MARSAD_TEST_DB");
    char *keep = saved ? strdup(saved) : NULL;
    setenv("MARSAD_TEST_DB", db, 1);
    static const char *const slow[] = {"/v1/claims?sort=-value,source&offset=19900&limit=100",
                                       "/v1/search?q=the&offset=5000&limit=100"};
    for (int budget = 0; budget < 2; budget++) {
        static const char *const tight[] = {"--query-timeout", "1", NULL};
        static const char *const none[] = {"--query-timeout", "0", NULL};
        S_start_own(&ts, budget ? tight : none);
        for (size_t i = 0; i < sizeof slow / sizeof slow[0]; i++) {
            char url[256];
            struct tc_result r;
            assert_int_equal(tc_get(NULL, test_server_url(&ts, slow[i], url, sizeof url), &r), 0);
            if (!budget) {
                if (r.status != 200)
                    fail_msg("%s without a tight budget: %ld %s", slow[i], r.status, r.body);
            } else {
                if (r.status != 503)
                    fail_msg("%s past a 1 ms budget: %ld", slow[i], r.status);
                assert_string_equal(tc_header(&r, "Retry-After"), "1");
                assert_non_null(strstr(tc_header(&r, "Content-Type"), "application/problem+json"));
                assert_non_null(strstr(r.body, "/problems/query-timeout"));
                assert_non_null(strstr(r.body, "1 ms"));
            }
            tc_result_free(&r);
        }
        char url[256];
        struct tc_result r;
        assert_int_equal(tc_get(NULL, test_server_url(&ts, "/healthz", url, sizeof url), &r), 0);
        assert_int_equal(r.status, 200);
        tc_result_free(&r);
        test_server_stop(&ts);
    }
    if (keep)
        setenv("MARSAD_TEST_DB", keep, 1);
    free(keep);
    th_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest limited[] = {
        cmocka_unit_test(test_shed_beyond_max_in_flight),
        cmocka_unit_test(test_incomplete_bodies_not_in_flight),
    };
    const struct CMUnitTest plain[] = {
        cmocka_unit_test(test_gzip_when_asked),
    };
    const struct CMUnitTest own[] = {
        cmocka_unit_test(test_health_beside_busy_workers),
        cmocka_unit_test(test_query_budget),
    };
    int failed = cmocka_run_group_tests_name("load shedding", limited, S_setup_limited, S_teardown);
    failed +=
        cmocka_run_group_tests_name("workers", own, th_curl_group_setup, th_curl_group_teardown);
    failed += cmocka_run_group_tests_name("compression", plain, S_setup_default, S_teardown);
    return failed;
}
