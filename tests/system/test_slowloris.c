/*
 * Slow and greedy clients over real sockets: 300 connections each holding
 * half a request ("GET /v1/claims HTTP/1.1\r\nHost: x\r\n" and nothing more)
 * must not keep /healthz, from a fresh connection, from answering within one
 * second. Each test runs its own in-process server (tests/helpers/server.h)
 * so its limits are its own.
 *
 * A data request (GET /v1/claims?limit=1) must be served too.
 *
 * test_default_config_same_address: 300 held connections from 127.0.0.1 do not
 * lock out 127.0.0.1 (no per-IP limit on loopback). test_high_per_ip_limit: a
 * half-sent request does not count as "in flight", so 300 of them do not push
 * the server over --max-in-flight (256) into shedding every data request (503).
 * test_idle_connections_leave_room: 1024 silent connections (all of
 * --max-connections) still leave room for /healthz. Then the new-connection
 * deadline and slow request bodies (--body-timeout, --body-min-rate, 401 before
 * the body).
 */
#include "server.h"

#include "db.h"
#include "sha256.h"
#include "write_repo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define HALF_SENT 300

static unsigned time_scale = 1;

static int S_group_setup(void **state)
{
    (void)state;
    const char *vg = getenv("MARSAD_VALGRIND");
    if (vg && vg[0] == '1')
        time_scale = 10; /* memcheck runs code about 20-50 times slower */
    return 0;
}

static const char *S_find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        if (strncasecmp(p, needle, n) == 0)
            return p;
    }
    return NULL;
}

/*
 * Reads until a whole response (by Content-Length), EOF or the deadline.
 * Returns the status (0 when the connection closed without one, -1 on timeout).
 */
static long S_read_status(int fd, unsigned timeout_ms, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    uint64_t deadline = th_now_ms() + timeout_ms;
    for (;;) {
        const char *end = strstr(buf, "\r\n\r\n");
        const char *cl = S_find_ci(buf, "\r\nContent-Length:");
        if (end && cl && cl < end) {
            long len = strtol(cl + 17, NULL, 10);
            if (len >= 0 && (size_t)(end + 4 - buf) + (size_t)len <= n)
                break;
        }
        uint64_t now = th_now_ms();
        if (now >= deadline)
            return -1;
        struct pollfd pfd = {fd, POLLIN, 0};
        int pr = poll(&pfd, 1, (int)(deadline - now));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;
        if (n + 1 >= cap)
            break;
        ssize_t r = recv(fd, buf + n, cap - n - 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
        buf[n] = '\0';
    }
    return strncmp(buf, "HTTP/1.", 7) == 0 ? strtol(buf + 9, NULL, 10) : 0;
}

struct held {
    int fd[HALF_SENT];
    size_t refused; /* connect() or the first send failed */
};

/* Opens n connections from `source` and sends half a request on each. */
static void S_hold(uint16_t port, const char *source, struct held *h)
{
    static const char half[] = "GET /v1/claims HTTP/1.1\r\nHost: x\r\n";
    h->refused = 0;
    for (size_t i = 0; i < HALF_SENT; i++) {
        h->fd[i] = th_connect_from(port, source);
        if (h->fd[i] < 0 || !th_send_all(h->fd[i], half, sizeof half - 1))
            h->refused++;
    }
}

/* The held connections the server has not closed: nothing to read means no EOF, no reset. */
static size_t S_count_alive(const struct held *h)
{
    size_t alive = 0;
    for (size_t i = 0; i < HALF_SENT; i++) {
        if (h->fd[i] < 0)
            continue;
        struct pollfd p = {h->fd[i], POLLIN, 0};
        if (poll(&p, 1, 0) == 0)
            alive++;
    }
    return alive;
}

static void S_release(struct held *h)
{
    for (size_t i = 0; i < HALF_SENT; i++) {
        if (h->fd[i] >= 0)
            close(h->fd[i]);
        h->fd[i] = -1;
    }
}

/* GET path on a fresh connection from `source`: milliseconds to a 200, or -1. */
static long S_timed_get(uint16_t port, const char *source, const char *path, long *status)
{
    uint64_t t0 = th_now_ms();
    *status = 0;
    int fd = th_connect_from(port, source);
    if (fd < 0)
        return -1;
    char req[256];
    int w =
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
    assert_true(w > 0 && (size_t)w < sizeof req);
    static char buf[65536];
    if (th_send_all(fd, req, (size_t)w))
        *status = S_read_status(fd, 3000 * time_scale, buf, sizeof buf);
    close(fd);
    long ms = (long)(th_now_ms() - t0);
    return *status == 200 ? ms : -1;
}

static void S_slow_clients(const char *const *extra, const char *probe_from, const char *label)
{
    struct test_server ts;
    char err[512];
    if (test_server_start(&ts, extra, err, sizeof err) != 0)
        fail_msg("server: %s", err);
    static struct held h;
    S_hold(ts.port, NULL, &h);
    long status = 0, data_status = 0;
    long ms = S_timed_get(ts.port, probe_from, "/healthz", &status);
    /* A data request too: half-sent requests are not work in flight to shed load for. */
    long data_ms = S_timed_get(ts.port, probe_from, "/v1/claims?limit=1", &data_status);
    size_t alive = S_count_alive(&h);
    print_message("%s: %zu of %d half-sent requests held open, %zu refused at connect; "
                  "from %s: /healthz %ld ms (status %ld), /v1/claims %ld ms (status %ld)\n",
                  label, alive, HALF_SENT, h.refused, probe_from ? probe_from : "127.0.0.1", ms,
                  status, data_ms, data_status);
    /* The server still answers once the slow clients are gone. It learns of their closed
     * connections asynchronously (and until then they count against the per-address
     * limit), so retry within a deadline rather than once. */
    S_release(&h);
    long after_status = 0;
    long after = -1;
    uint64_t deadline = th_now_ms() + 3000u * time_scale;
    while ((after = S_timed_get(ts.port, NULL, "/healthz", &after_status)) < 0 &&
           th_now_ms() < deadline) {
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    test_server_stop(&ts);
    if (after < 0)
        fail_msg("%s: /healthz failed even after the slow clients left (status %ld)", label,
                 after_status);
    if (ms < 0)
        fail_msg("%s: /healthz from a fresh connection failed (status %ld, 0 = connection "
                 "closed) while %zu slow clients were held",
                 label, status, alive);
    if (ms >= 1000 * (long)time_scale)
        fail_msg("%s: /healthz took %ld ms", label, ms);
    if (data_ms < 0 || data_ms >= 1000 * (long)time_scale)
        fail_msg("%s: GET /v1/claims?limit=1 got status %ld in %ld ms while %zu slow clients "
                 "were held (503 = half-sent requests counted as in flight)",
                 label, data_status, data_ms, alive);
}

/* A limit above the load: the event loop serves /healthz next to 300 idle connections. */
static void test_high_per_ip_limit(void **state)
{
    (void)state;
    static const char *const extra[] = {"--max-connections-per-ip", "1000", NULL};
    S_slow_clients(extra, NULL, "--max-connections-per-ip 1000");
}

/* What a per-IP limit is for: another address is served while one is greedy. */
static void test_per_ip_limit_other_address(void **state)
{
    (void)state;
    static const char *const extra[] = {"--max-connections-per-ip", "64", NULL};
    S_slow_clients(extra, "127.0.0.2", "--max-connections-per-ip 64, from another address");
}

/*
 * The intended behavior with the default configuration: 300 half-sent
 * requests from one address must not keep /healthz (a local health check, or
 * anything behind a local reverse proxy) from answering. Fails until loopback
 * peers are exempt from the per-IP limit (SECURITY.md, "Connection limits").
 */
static void test_default_config_same_address(void **state)
{
    (void)state;
    S_slow_clients(NULL, NULL, "default limits, /healthz from the same address");
}

/* ---- idle connections ------------------------------------------------------------ */

#define IDLE 1024

/*
 * As many silent connections as --max-connections allows (1024 by default), all from
 * 127.0.0.1 where no per-address limit applies: /healthz and a data request from the
 * same address are still served, because the connections idle longest are closed to
 * make room.
 */
static void test_idle_connections_leave_room(void **state)
{
    (void)state;
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < 4 * IDLE && rl.rlim_max >= 4 * IDLE) {
        rl.rlim_cur = 4 * IDLE;
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    if (rl.rlim_cur < 3 * IDLE)
        fail_msg("this test needs %d descriptors (RLIMIT_NOFILE %llu)", 3 * IDLE,
                 (unsigned long long)rl.rlim_cur);
    struct test_server ts;
    char err[512];
    if (test_server_start(&ts, NULL, err, sizeof err) != 0)
        fail_msg("server: %s", err);
    static int fds[IDLE];
    size_t opened = 0;
    for (size_t i = 0; i < IDLE; i++) {
        fds[i] = th_connect_from(ts.port, NULL);
        opened += fds[i] >= 0;
    }
    long status = 0, data_status = 0;
    long ms = S_timed_get(ts.port, NULL, "/healthz", &status);
    long data_ms = S_timed_get(ts.port, NULL, "/v1/claims?limit=1", &data_status);
    print_message("%zu idle connections opened; /healthz %ld ms (status %ld), /v1/claims %ld ms "
                  "(status %ld)\n",
                  opened, ms, status, data_ms, data_status);
    for (size_t i = 0; i < IDLE; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
    test_server_stop(&ts);
    assert_int_equal(opened, IDLE);
    if (status != 200 || data_status != 200)
        fail_msg("with %d idle connections: /healthz status %ld, /v1/claims status %ld "
                 "(-1 = no answer in time, 0 = closed)",
                 IDLE, status, data_status);
}

/*
 * A connection that never sends a request is closed after --new-connection-timeout;
 * one idle between requests keeps the keep-alive timeout (--timeout).
 */
static void test_new_connection_deadline(void **state)
{
    (void)state;
    struct test_server ts;
    static const char *const extra[] = {"--new-connection-timeout", "1", "--timeout", "600", NULL};
    char err[512];
    if (test_server_start(&ts, extra, err, sizeof err) != 0)
        fail_msg("server: %s", err);
    int silent = th_connect_from(ts.port, NULL);
    int kept = th_connect_from(ts.port, NULL);
    assert_true(silent >= 0 && kept >= 0);
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    static char buf[8192];
    assert_true(th_send_all(kept, req, sizeof req - 1));
    assert_int_equal(S_read_status(kept, 5000 * time_scale, buf, sizeof buf), 200);
    /* The silent one is closed: EOF within a deadline far beyond the second it has. */
    long st = S_read_status(silent, 10000 * time_scale, buf, sizeof buf);
    /* By then the kept one has been idle longer than a second: still served. */
    bool sent = th_send_all(kept, req, sizeof req - 1);
    long again = sent ? S_read_status(kept, 5000 * time_scale, buf, sizeof buf) : 0;
    close(silent);
    close(kept);
    test_server_stop(&ts);
    if (st != 0)
        fail_msg("a silent new connection: %s", st < 0 ? "still open after 10 s" : "answered");
    assert_int_equal(again, 200);
}

/* ---- slow request bodies ------------------------------------------------------ */

#define TOKEN "slow-body-test-token-5e0a"

static void S_body_server(struct test_server *ts, const char *const *extra)
{
    char err[512];
    if (test_server_start(ts, extra, err, sizeof err) != 0)
        fail_msg("server: %s", err);
    char hex[65];
    sha256_hex(TOKEN, strlen(TOKEN), hex);
    struct db_conn *c = NULL;
    assert_int_equal(db_pool_writer(&ts->app->db, &c), APP_OK);
    assert_int_equal(token_repo_create(c, "slow", hex, "write", "2026-01-01T00:00:00Z"), APP_OK);
    db_pool_writer_release(&ts->app->db);
}

/* Sends a POST's headers (Content-Length 100) and the first byte of its body. */
static int S_start_body(uint16_t port, bool token, const char *expect)
{
    char req[512];
    int w = snprintf(req, sizeof req,
                     "POST /v1/claims HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "%s%s%s%sContent-Length: 100\r\n\r\n",
                     token ? "Authorization: Bearer " : "", token ? TOKEN : "", token ? "\r\n" : "",
                     expect ? expect : "");
    assert_true(w > 0 && (size_t)w < sizeof req);
    int fd = th_connect_from(port, NULL);
    assert_true(fd >= 0);
    assert_true(th_send_all(fd, req, (size_t)w));
    return fd;
}

/*
 * A write without a valid token is answered 401 from its headers: before "100
 * Continue", and without waiting for a body that never comes.
 */
static void test_unauthenticated_body_not_read(void **state)
{
    (void)state;
    struct test_server ts;
    S_body_server(&ts, NULL);
    static char buf[8192];
    for (int expect = 0; expect < 2; expect++) {
        int fd = S_start_body(ts.port, false, expect ? "Expect: 100-continue\r\n" : NULL);
        long st = S_read_status(fd, 5000 * time_scale, buf, sizeof buf);
        close(fd);
        if (st != 401)
            fail_msg("unauthenticated POST with a pending body%s: status %ld: %.200s",
                     expect ? " and Expect: 100-continue" : "", st, buf);
        assert_non_null(S_find_ci(buf, "\r\nWWW-Authenticate: Bearer"));
    }
    /* With a valid token the server asks for the body. */
    int fd = S_start_body(ts.port, true, "Expect: 100-continue\r\n");
    char got[64] = {0};
    assert_true(recv(fd, got, sizeof got - 1, 0) > 0);
    close(fd);
    test_server_stop(&ts);
    assert_true(strncmp(got, "HTTP/1.1 100", 12) == 0);
}

/*
 * A body that trickles in below --body-min-rate is answered 408 when its next byte
 * comes; one that comes whole after a pause is read (and answered on its merits).
 */
static void test_slow_body_answered_408(void **state)
{
    (void)state;
    struct test_server ts;
    static const char *const extra[] = {"--body-min-rate", "1k", NULL};
    S_body_server(&ts, extra);
    int fd = S_start_body(ts.port, true, NULL);
    int late = S_start_body(ts.port, true, NULL);
    assert_true(th_send_all(fd, "{", 1));
    /* Two bytes in two seconds: far below 1 KiB/s after the first second. */
    struct timespec pause = {2, 0};
    nanosleep(&pause, NULL);
    static char buf[8192];
    long st = th_send_all(fd, "\"", 1) ? S_read_status(fd, 5000 * time_scale, buf, sizeof buf) : 0;
    close(fd);
    bool slow_named = strstr(buf, "bytes per second") != NULL;
    char whole[101];
    memset(whole, ' ', 100);
    whole[0] = '{';
    whole[99] = '}';
    whole[100] = '\0';
    long late_st =
        th_send_all(late, whole, 100) ? S_read_status(late, 5000 * time_scale, buf, sizeof buf) : 0;
    close(late);
    test_server_stop(&ts);
    if (st != 408)
        fail_msg("a body at 1 byte/s: status %ld: %.200s", st, buf);
    assert_true(slow_named);
    /* An empty object is no claim: 422, from the handler that read it. */
    if (late_st != 422)
        fail_msg("a whole body after a pause: status %ld: %.200s", late_st, buf);
}

/* A body that stops arriving is cut off at --body-timeout, however the idle timeout is set. */
static void test_stalled_body_closed_at_deadline(void **state)
{
    (void)state;
    struct test_server ts;
    static const char *const extra[] = {"--body-timeout", "1", "--timeout", "600", NULL};
    S_body_server(&ts, extra);
    int fd = S_start_body(ts.port, true, NULL);
    assert_true(th_send_all(fd, "{", 1));
    /* The server closes the connection: EOF (0) within a deadline far beyond a second. */
    static char buf[8192];
    long st = S_read_status(fd, 10000 * time_scale, buf, sizeof buf);
    close(fd);
    test_server_stop(&ts);
    if (st != 0 && st != 408)
        fail_msg("a stalled body under --body-timeout 1: %s (status %ld)",
                 st < 0 ? "still open after 10 s" : "answered", st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_high_per_ip_limit),
        cmocka_unit_test(test_per_ip_limit_other_address),
        cmocka_unit_test(test_default_config_same_address),
        cmocka_unit_test(test_idle_connections_leave_room),
        cmocka_unit_test(test_new_connection_deadline),
        cmocka_unit_test(test_unauthenticated_body_not_read),
        cmocka_unit_test(test_slow_body_answered_408),
        cmocka_unit_test(test_stalled_body_closed_at_deadline),
    };
    return cmocka_run_group_tests(tests, S_group_setup, NULL);
}
