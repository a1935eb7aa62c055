/*
 * The logger: the access line's JSON, the time format, and the per-thread
 * buffering of access lines (written when the buffer fills, by the flusher
 * while the server runs, and all of them at stop, never torn or lost).
 */
#include "log.h"

#include "server.h"

#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

struct fx {
    char dir[256];
    char path[300];
    struct logger lg;
};

static int S_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f || th_mkdtemp(f->dir, sizeof f->dir) != 0)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/log", f->dir);
    f->lg.level = LOG_INFO;
    f->lg.fd = open(f->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (f->lg.fd < 0)
        return -1;
    *state = f;
    return 0;
}

static int S_teardown(void **state)
{
    struct fx *f = *state;
    log_buffer_stop(&f->lg);
    close(f->lg.fd);
    th_rmtree(f->dir);
    free(f);
    return 0;
}

static char *S_read(const struct fx *f)
{
    char *s = th_read_file(f->path, NULL);
    assert_non_null(s);
    return s;
}

static size_t S_count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void S_access(const struct logger *lg, const char *rid, const char *path)
{
    struct log_access a = {
        .method = "GET",
        .path = path,
        .status = 200,
        .bytes = 1234,
        .duration_us = 56,
        .request_id = rid,
        .remote = "127.0.0.1",
    };
    log_access(lg, &a);
}

static void test_time_format(void **state)
{
    (void)state;
    char t[32];
    time_t before = time(NULL);
    log_now_iso(t, sizeof t);
    time_t after = time(NULL);
    assert_int_equal(strlen(t), 24);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int ms = -1;
    char z = 0;
    assert_int_equal(sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year, &tm.tm_mon,
                            &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &z),
                     8);
    assert_int_equal(z, 'Z');
    assert_true(ms >= 0 && ms <= 999);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t parsed = timegm(&tm);
    assert_true(parsed >= before && parsed <= after);
    /* Too small a buffer gets an empty string, never a cut one. */
    char small[10];
    log_now_iso(small, sizeof small);
    assert_string_equal(small, "");
}

static void test_unbuffered_line_is_json(void **state)
{
    struct fx *f = *state;
    S_access(&f->lg, "rid-\"1\"", "/v1/claims?q=\"x\"\\\n");
    char *s = S_read(f);
    json_error_t e;
    json_t *j = json_loads(s, JSON_DISABLE_EOF_CHECK, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "msg")), "request");
    assert_string_equal(json_string_value(json_object_get(j, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(j, "path")), "/v1/claims?q=\"x\"\\\n");
    assert_string_equal(json_string_value(json_object_get(j, "request_id")), "rid-\"1\"");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "bytes")), 1234);
    assert_int_equal(json_integer_value(json_object_get(j, "duration_us")), 56);
    assert_string_equal(json_string_value(json_object_get(j, "remote")), "127.0.0.1");
    assert_int_equal(strlen(json_string_value(json_object_get(j, "time"))), 24);
    json_decref(j);
    assert_int_equal(s[strlen(s) - 1], '\n');
    assert_int_equal(S_count(s, "\n"), 1);
    free(s);
}

/* --log-buffer 0: no buffer, no thread, every line written by the call that logs it. */
static void test_zero_buffer_writes_at_once(void **state)
{
    struct fx *f = *state;
    assert_true(log_buffer_start(&f->lg, 0, 100));
    assert_null(f->lg.sink);
    S_access(&f->lg, "now", "/");
    char *s = S_read(f);
    assert_int_equal(S_count(s, "\"now\""), 1);
    free(s);
}

static void test_level_filters_access_lines(void **state)
{
    struct fx *f = *state;
    f->lg.level = LOG_WARN;
    S_access(&f->lg, "quiet", "/");
    char *s = S_read(f);
    assert_string_equal(s, "");
    free(s);
}

static void test_buffered_until_stop(void **state)
{
    struct fx *f = *state;
    /* A flush interval far longer than the test: only the stop can write the line. */
    assert_true(log_buffer_start(&f->lg, 64 * 1024, 3600 * 1000));
    S_access(&f->lg, "held", "/");
    char *s = S_read(f);
    assert_string_equal(s, "");
    free(s);
    log_buffer_stop(&f->lg);
    assert_null(f->lg.sink);
    s = S_read(f);
    assert_int_equal(S_count(s, "\"held\""), 1);
    free(s);
    /* Unbuffered again after the stop. */
    S_access(&f->lg, "after", "/");
    s = S_read(f);
    assert_int_equal(S_count(s, "\"after\""), 1);
    free(s);
}

static void test_full_buffer_is_written(void **state)
{
    struct fx *f = *state;
    /* A flush interval far longer than the test: only a full buffer is handed to the writer. */
    assert_true(log_buffer_start(&f->lg, 1024, 3600 * 1000));
    for (int i = 0; i < 10; i++) /* about 170 bytes a line */
        S_access(&f->lg, "fill", "/v1/claims");
    uint64_t deadline = th_now_ms() + 10000;
    char *s = S_read(f);
    while (s[0] == '\0' && th_now_ms() < deadline) {
        free(s);
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
        s = S_read(f);
    }
    /* The lines up to the one that passed 1 KiB, whole; the rest still held. */
    size_t written = S_count(s, "\n");
    assert_true(written >= 2 && written < 10);
    assert_int_equal(S_count(s, "\"fill\""), written);
    assert_int_equal(s[strlen(s) - 1], '\n');
    free(s);
    log_buffer_stop(&f->lg);
    s = S_read(f);
    assert_int_equal(S_count(s, "\n"), 10);
    free(s);
}

static void test_flusher_writes_idle_lines(void **state)
{
    struct fx *f = *state;
    assert_true(log_buffer_start(&f->lg, 64 * 1024, 20));
    S_access(&f->lg, "idle", "/");
    uint64_t deadline = th_now_ms() + 10000;
    char *s = S_read(f);
    while (!strstr(s, "\"idle\"") && th_now_ms() < deadline) {
        free(s);
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
        s = S_read(f);
    }
    assert_int_equal(S_count(s, "\"idle\""), 1);
    free(s);
}

#define THREADS 4
#define LINES   20000

static void *S_writer(void *arg)
{
    const struct logger *lg = arg;
    for (int i = 0; i < LINES; i++)
        S_access(lg, "many", "/v1/claims?metric=returnees_arrested&limit=50");
    return NULL;
}

static void test_threads_lose_and_tear_nothing(void **state)
{
    struct fx *f = *state;
    /* Small buffers and a 1 ms flush interval: thousands of hand-overs, some of them
     * while the writer collects idle buffers. */
    assert_true(log_buffer_start(&f->lg, 512, 1));
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, S_writer, &f->lg), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    log_buffer_stop(&f->lg);
    char *s = S_read(f);
    size_t lines = 0;
    for (char *line = s; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        json_error_t e;
        json_t *j = json_loadb(line, (size_t)(nl - line), 0, &e);
        if (!json_is_object(j))
            fail_msg("torn line: %.*s", (int)(nl - line), line);
        assert_string_equal(json_string_value(json_object_get(j, "request_id")), "many");
        json_decref(j);
        lines++;
        line = nl + 1;
    }
    assert_int_equal(lines, THREADS * LINES);
    free(s);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, S_setup, S_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_format), T(test_unbuffered_line_is_json),
        T(test_zero_buffer_writes_at_once), T(test_level_filters_access_lines),
        T(test_buffered_until_stop),        T(test_full_buffer_is_written),
        T(test_flusher_writes_idle_lines),  T(test_threads_lose_and_tear_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
