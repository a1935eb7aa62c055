/*
 * The marsad binary as a process ($MARSAD_BIN): command line, exit codes,
 * database creation, signals and graceful shutdown, the JSON access log, and
 * build-db.
 */
#include "server.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define RUN_TIMEOUT_MS    20000u
#define LISTEN_TIMEOUT_MS 10000u
#define STOP_TIMEOUT_MS   5000u

struct fx {
    struct test_proc p;
    char dir[256];
    char db[512]; /* a copy of $MARSAD_TEST_DB */
};

static int S_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->p.pid = -1;
    if (th_test_db_copy(f->dir, sizeof f->dir, "copy.db", f->db, sizeof f->db) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int S_teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    test_proc_cleanup(&f->p);
    th_rmtree(f->dir);
    free(f);
    *state = NULL;
    return 0;
}

static size_t S_count_char(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static void S_path(char *out, size_t n, const char *dir, const char *name)
{
    int w = snprintf(out, n, "%s/%s", dir, name);
    assert_true(w > 0 && (size_t)w < n);
}

/* Runs marsad to completion and returns its exit code; stderr in *err (caller frees). */
static int S_run(struct fx *f, const char *const *args, const char *const *env, char **out,
                 char **err)
{
    test_proc_cleanup(&f->p);
    int code = test_proc_run(&f->p, args, env, RUN_TIMEOUT_MS);
    if (!f->p.reaped)
        fail_msg("marsad did not exit within %u ms", RUN_TIMEOUT_MS);
    if (out) {
        *out = test_proc_stdout(&f->p);
        assert_non_null(*out);
    }
    if (err) {
        *err = test_proc_stderr(&f->p);
        assert_non_null(*err);
    }
    return code;
}

static void S_serve_args(struct fx *f, const char *const *args);

/* Starts `marsad serve --port 0 --db db` and waits for the listening line. */
static void S_serve(struct fx *f, const char *db)
{
    const char *const args[] = {"serve", "--port", "0", "--threads", "2", "--db", db, NULL};
    S_serve_args(f, args);
}

static void S_serve_args(struct fx *f, const char *const *args)
{
    test_proc_cleanup(&f->p);
    assert_int_equal(test_proc_spawn(&f->p, args, NULL), 0);
    if (test_proc_wait_listening(&f->p, LISTEN_TIMEOUT_MS) != 0) {
        char *err = test_proc_stderr(&f->p);
        fail_msg("no 'listening on' line; stderr:\n%s", err ? err : "(none)");
    }
    assert_true(f->p.port > 0);
}

static void S_url(const struct fx *f, const char *path, char *out, size_t n)
{
    int w = snprintf(out, n, "%s%s", f->p.base_url, path);
    assert_true(w > 0 && (size_t)w < n);
}

static json_t *S_get_json(const struct fx *f, const char *path, long status)
{
    char url[256];
    S_url(f, path, url, sizeof url);
    struct tc_result r;
    if (tc_get(NULL, url, &r) != 0)
        fail_msg("GET %s: %s", path, r.error);
    assert_int_equal(r.status, status);
    json_t *j = tc_json(&r);
    assert_non_null(j);
    tc_result_free(&r);
    return j;
}

/* Signals the server and checks it exits 0 within the deadline, logging "stopped". */
static void S_stop_gracefully(struct fx *f, int sig)
{
    uint64_t t0 = th_now_ms();
    assert_int_equal(test_proc_signal(&f->p, sig), 0);
    if (test_proc_wait(&f->p, STOP_TIMEOUT_MS) != 0)
        fail_msg("marsad did not exit within %u ms of signal %d", STOP_TIMEOUT_MS, sig);
    assert_true(th_now_ms() - t0 <= STOP_TIMEOUT_MS);
    char *err = test_proc_stderr(&f->p);
    assert_non_null(err);
    if (test_proc_exit_code(&f->p) != 0)
        fail_msg("exit status %d (raw %d); stderr:\n%s", test_proc_exit_code(&f->p),
                 f->p.exit_status, err);
    assert_non_null(strstr(err, "\"stopped\""));
    free(err);
}

static void test_version_flag(void **state)
{
    struct fx *f = *state;
    static const char *const args[] = {"--version", NULL};
    char *out = NULL;
    assert_int_equal(S_run(f, args, NULL, &out, NULL), 0);
    assert_true(strncmp(out, "marsad ", 7) == 0);
    assert_non_null(strstr(out, MARSAD_VERSION));
    free(out);
}

static void test_help_flag(void **state)
{
    struct fx *f = *state;
    static const char *const args[] = {"--help", NULL};
    char *out = NULL;
    assert_int_equal(S_run(f, args, NULL, &out, NULL), 0);
    assert_non_null(strstr(out, "Usage"));
    assert_non_null(strstr(out, "serve"));
    free(out);

    static const char *const serve_help[] = {"serve", "--help", NULL};
    assert_int_equal(S_run(f, serve_help, NULL, &out, NULL), 0);
    assert_non_null(strstr(out, "--port"));
    free(out);
}

static void test_no_arguments(void **state)
{
    struct fx *f = *state;
    static const char *const args[] = {NULL};
    char *err = NULL;
    assert_int_equal(S_run(f, args, NULL, NULL, &err), 2);
    assert_non_null(strstr(err, "Usage"));
    free(err);

    static const char *const unknown[] = {"frobnicate", NULL};
    assert_int_equal(S_run(f, unknown, NULL, NULL, &err), 2);
    assert_non_null(strstr(err, "frobnicate"));
    free(err);
}

/* A usage error: exit 2, exactly one line on stderr naming `mention`, nothing created. */
static void S_usage_error(struct fx *f, const char *const *args, const char *const *env,
                          const char *mention)
{
    char *err = NULL;
    int code = S_run(f, args, env, NULL, &err);
    if (code != 2)
        fail_msg("exit code %d, expected 2; stderr:\n%s", code, err);
    size_t len = strlen(err);
    assert_true(len > 1);
    assert_int_equal(S_count_char(err, '\n'), 1);
    assert_int_equal(err[len - 1], '\n');
    if (!strstr(err, mention))
        fail_msg("stderr does not mention '%s': %s", mention, err);
    free(err);
}

static void test_port_out_of_range(void **state)
{
    struct fx *f = *state;
    char db[600];
    S_path(db, sizeof db, f->dir, "never.db");
    const char *const args[] = {"serve", "--port", "70000", "--db", db, NULL};
    S_usage_error(f, args, NULL, "--port");
    assert_int_not_equal(access(db, F_OK), 0);
}

static void test_zero_threads(void **state)
{
    struct fx *f = *state;
    char db[600];
    S_path(db, sizeof db, f->dir, "never.db");
    const char *const args[] = {"serve", "--port", "0", "--threads", "0", "--db", db, NULL};
    S_usage_error(f, args, NULL, "--threads");
    assert_int_not_equal(access(db, F_OK), 0);
}

static void test_db_directory_missing(void **state)
{
    struct fx *f = *state;
    static const char *const args[] = {"serve", "--port", "0", "--db", "/nonexistent-dir/x.db",
                                       NULL};
    S_usage_error(f, args, NULL, "/nonexistent-dir");
}

static void test_env_port_invalid(void **state)
{
    struct fx *f = *state;
    char db[600];
    S_path(db, sizeof db, f->dir, "never.db");
    const char *const args[] = {"serve", "--db", db, NULL};
    static const char *const env[] = {"MARSAD_PORT=abc", NULL};
    S_usage_error(f, args, env, "MARSAD_PORT");
    assert_int_not_equal(access(db, F_OK), 0);
}

static void test_creates_database(void **state)
{
    struct fx *f = *state;
    char db[600];
    S_path(db, sizeof db, f->dir, "new.db");
    assert_int_not_equal(access(db, F_OK), 0);
    S_serve(f, db);
    struct stat st;
    assert_int_equal(stat(db, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_true(st.st_size > 0);

    json_t *j = S_get_json(f, "/readyz", 200);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ready");
    assert_true(json_is_integer(json_object_get(j, "dataset_version")));
    json_decref(j);

    j = S_get_json(f, "/v1", 200);
    json_t *res = json_object_get(json_object_get(j, "data"), "resources");
    assert_true(json_is_array(res));
    assert_true(json_array_size(res) > 0);
    json_decref(j);

    char *err = test_proc_stderr(&f->p);
    assert_non_null(err);
    assert_non_null(strstr(err, "creating the default database"));
    free(err);
    S_stop_gracefully(f, SIGTERM);
}

/* SIGTERM while a keep-alive connection sits idle: exit 0, promptly, logging "stopped". */
static void test_sigterm_with_idle_keepalive(void **state)
{
    struct fx *f = *state;
    S_serve(f, f->db);
    CURL *h = curl_easy_init();
    assert_non_null(h);
    char url[256];
    S_url(f, "/healthz", url, sizeof url);
    struct tc_result r;
    assert_int_equal(tc_get(h, url, &r), 0);
    assert_int_equal(r.status, 200);
    tc_result_free(&r);
    /* The connection is now idle and kept open by the handle. */
    assert_int_equal(tc_get(h, url, &r), 0);
    assert_int_equal(r.num_connects, 0); /* reused: it really is a live keep-alive connection */
    tc_result_free(&r);
    S_stop_gracefully(f, SIGTERM);
    curl_easy_cleanup(h);
}

static void test_sigint(void **state)
{
    struct fx *f = *state;
    S_serve(f, f->db);
    json_t *j = S_get_json(f, "/healthz", 200);
    json_decref(j);
    S_stop_gracefully(f, SIGINT);
    char *err = test_proc_stderr(&f->p);
    assert_non_null(err);
    assert_non_null(strstr(err, "received signal 2"));
    free(err);
}

static json_t *S_find_access_line(json_t *lines, const char *request_id)
{
    size_t i;
    json_t *line;
    json_array_foreach(lines, i, line) {
        const char *rid = json_string_value(json_object_get(line, "request_id"));
        if (rid && strcmp(rid, request_id) == 0)
            return line;
    }
    return NULL;
}

static void S_check_time(const char *t)
{
    assert_non_null(t);
    /* 2026-01-02T03:04:05.678Z */
    assert_int_equal(strlen(t), 24);
    assert_int_equal(t[4], '-');
    assert_int_equal(t[10], 'T');
    assert_int_equal(t[19], '.');
    assert_int_equal(t[23], 'Z');
}

static void test_access_log_json(void **state)
{
    struct fx *f = *state;
    S_serve(f, f->db);
    char url[256];
    S_url(f, "/healthz", url, sizeof url);
    static const char *const h1[] = {"X-Request-Id: log-test-1", NULL};
    struct tc_result r;
    assert_int_equal(tc_request(NULL, "GET", url, h1, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    size_t ok_bytes = r.body_len;
    tc_result_free(&r);
    S_url(f, "/nowhere?x=1", url, sizeof url);
    static const char *const h2[] = {"X-Request-Id: log-test-2", NULL};
    assert_int_equal(tc_request(NULL, "GET", url, h2, NULL, 0, &r), 0);
    assert_int_equal(r.status, 404);
    size_t nf_bytes = r.body_len;
    tc_result_free(&r);
    /* Access lines are buffered per thread (--log-buffer, 64k by default) but written
     * within CONFIG_LOG_FLUSH_MS of being logged, so they show while the server runs. */
    uint64_t deadline = th_now_ms() + 10000;
    char *seen = NULL;
    for (;;) {
        seen = test_proc_stderr(&f->p);
        if ((seen && strstr(seen, "log-test-2")) || th_now_ms() > deadline)
            break;
        free(seen);
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    assert_non_null(seen);
    assert_non_null(strstr(seen, "log-test-1"));
    assert_non_null(strstr(seen, "log-test-2"));
    free(seen);
    S_stop_gracefully(f, SIGTERM);

    char *err = test_proc_stderr(&f->p);
    assert_non_null(err);
    /* Every stderr line is one JSON object. */
    json_t *lines = json_array();
    assert_non_null(lines);
    for (char *line = err; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        json_error_t jerr;
        json_t *j = json_loadb(line, (size_t)(nl - line), 0, &jerr);
        if (!json_is_object(j))
            fail_msg("stderr line is not a JSON object: %.*s", (int)(nl - line), line);
        S_check_time(json_string_value(json_object_get(j, "time")));
        assert_true(json_is_string(json_object_get(j, "level")));
        assert_true(json_is_string(json_object_get(j, "msg")));
        assert_int_equal(json_array_append_new(lines, j), 0);
        line = nl + 1;
    }

    json_t *a = S_find_access_line(lines, "log-test-1");
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(a, "method")), "GET");
    assert_string_equal(json_string_value(json_object_get(a, "path")), "/healthz");
    assert_int_equal(json_integer_value(json_object_get(a, "status")), 200);
    assert_true(json_is_integer(json_object_get(a, "bytes")));
    assert_int_equal(json_integer_value(json_object_get(a, "bytes")), ok_bytes);
    assert_true(json_is_integer(json_object_get(a, "duration_us")));
    assert_true(json_integer_value(json_object_get(a, "duration_us")) >= 0);

    a = S_find_access_line(lines, "log-test-2");
    assert_non_null(a);
    assert_string_equal(json_string_value(json_object_get(a, "path")), "/nowhere?x=1");
    assert_int_equal(json_integer_value(json_object_get(a, "status")), 404);
    assert_int_equal(json_integer_value(json_object_get(a, "bytes")), nf_bytes);
    json_decref(lines);
    free(err);
}

/* count(*) of a table, through a read-only connection. */
static long long S_count(const char *db, const char *table)
{
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(h);
        fail_msg("cannot open %s", db);
    }
    char sql[128];
    int w = snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    assert_true(w > 0 && (size_t)w < sizeof sql);
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
    long long n = -1;
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    if (n < 0)
        fail_msg("cannot count %s in %s", table, db);
    return n;
}

static void test_build_db(void **state)
{
    struct fx *f = *state;
    char out[600];
    S_path(out, sizeof out, f->dir, "built.db");
    const char *const args[] = {"build-db", "--out", out, NULL};
    char *err = NULL;
    int code = S_run(f, args, NULL, NULL, &err);
    if (code != 0)
        fail_msg("build-db exited %d: %s", code, err);
    free(err);
    const char *ref = getenv("MARSAD_TEST_DB");
    assert_non_null(ref);
    assert_int_equal(S_count(out, "claim"), S_count(ref, "claim"));
    assert_int_equal(S_count(out, "source"), S_count(ref, "source"));

    static const char *const no_out[] = {"build-db", NULL};
    assert_int_equal(S_run(f, no_out, NULL, NULL, &err), 2);
    assert_non_null(strstr(err, "--out"));
    free(err);
}

/* ETag of GET path (copied into out). */
static void S_etag_of(const struct fx *f, const char *path, char *out, size_t n)
{
    char url[256];
    S_url(f, path, url, sizeof url);
    struct tc_result r;
    if (tc_get(NULL, url, &r) != 0)
        fail_msg("GET %s: %s", path, r.error);
    assert_int_equal(r.status, 200);
    const char *e = tc_header(&r, "ETag");
    assert_non_null(e);
    snprintf(out, n, "%s", e);
    tc_result_free(&r);
}

/*
 * A read-only instance (a replica) serving a file that another process writes:
 * it notices the new dataset version by itself, so its ETags change and a
 * client's cached copy is not revalidated as current.
 */
static void test_follows_dataset_version_of_other_writer(void **state)
{
    struct fx *f = *state;
    const char *const args[] = {"serve", "--port", "0",           "--threads", "2",
                                "--db",  f->db,    "--read-only", NULL};
    S_serve_args(f, args);
    json_t *v = S_get_json(f, "/version", 200);
    json_int_t before = json_integer_value(json_object_get(v, "dataset_version"));
    json_decref(v);
    assert_true(before >= 1);
    char tag1[96], tag2[96];
    S_etag_of(f, "/v1/claims/berman-004", tag1, sizeof tag1);

    /* Another process commits a change. */
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(f->db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    assert_int_equal(
        sqlite3_exec(h, "UPDATE dataset SET version = version + 1 WHERE id = 1", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(h);

    uint64_t deadline = th_now_ms() + 15000;
    json_int_t after = before;
    while (after == before && th_now_ms() < deadline) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
        v = S_get_json(f, "/version", 200);
        after = json_integer_value(json_object_get(v, "dataset_version"));
        json_decref(v);
    }
    assert_int_equal(after, before + 1);
    S_etag_of(f, "/v1/claims/berman-004", tag2, sizeof tag2);
    assert_string_not_equal(tag1, tag2);
    S_stop_gracefully(f, SIGTERM);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, S_setup, S_teardown)
    const struct CMUnitTest tests[] = {
        T(test_version_flag),
        T(test_help_flag),
        T(test_no_arguments),
        T(test_port_out_of_range),
        T(test_zero_threads),
        T(test_db_directory_missing),
        T(test_env_port_invalid),
        T(test_creates_database),
        T(test_sigterm_with_idle_keepalive),
        T(test_sigint),
        T(test_access_log_json),
        T(test_build_db),
        T(test_follows_dataset_version_of_other_writer),
    };
#undef T
    return cmocka_run_group_tests(tests, th_curl_group_setup, th_curl_group_teardown);
}
