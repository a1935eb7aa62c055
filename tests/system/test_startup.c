/*
 * What the marsad binary says at start-up ($MARSAD_BIN as a process): a file
 * that is not a Marsad database is refused before anything is written to it,
 * a busy port is named as given, a read-only start does not claim a migration,
 * and the version watch does not take this process's writes for another's.
 */
#include "app.h"
#include "server.h"
#include "writable.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define RUN_TIMEOUT_MS 20000u

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
    f->p.reaped = true;
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

/* Runs marsad to completion: its exit code, stderr in *err (malloc'd). */
static int S_run(struct fx *f, const char *const *args, char **err)
{
    test_proc_cleanup(&f->p);
    int code = test_proc_run(&f->p, args, NULL, RUN_TIMEOUT_MS);
    *err = test_proc_stderr(&f->p);
    assert_non_null(*err);
    return code;
}

static off_t S_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void test_empty_file_is_left_untouched(void **state)
{
    struct fx *f = *state;
    char path[600], wal[620];
    snprintf(path, sizeof path, "%s/empty.db", f->dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);

    const char *const serve[] = {"serve", "--port", "0", "--db", path, NULL};
    char *err = NULL;
    assert_int_equal(S_run(f, serve, &err), 1);
    assert_non_null(strstr(err, "is not a Marsad database (an empty file)"));
    assert_non_null(strstr(err, "nothing was written"));
    free(err);
    assert_int_equal(S_size(path), 0);
    assert_int_equal(S_size(wal), -1);

    /* The token commands refuse it the same way. */
    const char *const tokens[] = {"token", "list", "--db", path, NULL};
    assert_int_equal(S_run(f, tokens, &err), 1);
    assert_non_null(strstr(err, "is not a Marsad database (an empty file)"));
    free(err);
    assert_int_equal(S_size(path), 0);

    /* Nor is another application's SQLite database migrated. */
    char other[600];
    snprintf(other, sizeof other, "%s/other.db", f->dir);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(other, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE notes (x TEXT)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    off_t size = S_size(other);
    const char *const serve_other[] = {"serve", "--port", "0", "--db", other, NULL};
    assert_int_equal(S_run(f, serve_other, &err), 1);
    assert_non_null(strstr(err, "without the Marsad schema"));
    free(err);
    assert_int_equal(S_size(other), size);
    assert_int_equal(sqlite3_open(other, &h), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static void test_busy_port_is_named(void **state)
{
    struct fx *f = *state;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s, 1), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    char port[16];
    snprintf(port, sizeof port, "%u", (unsigned)ntohs(a.sin_port));

    const char *const args[] = {"serve", "--host", "127.0.0.1",   "--port", port,
                                "--db",  f->db,    "--read-only", NULL};
    char *err = NULL;
    assert_int_equal(S_run(f, args, &err), 1);
    close(s);
    char want[64];
    snprintf(want, sizeof want, "port %s", port);
    if (!strstr(err, want) || strstr(err, "port 0"))
        fail_msg("stderr does not name port %s:\n%s", port, err);
    /* A read-only start migrates nothing and does not say it did. */
    assert_null(strstr(err, "migrated"));
    free(err);
}

/* ---- the version watch -------------------------------------------------------- */

static void test_own_write_is_not_another_process(void **state)
{
    (void)state;
    struct writable_fixture wf;
    memset(&wf, 0, sizeof wf);
    assert_int_equal(writable_open(&wf, NULL), 0);
    assert_int_equal(writable_token(&wf, "writer", "write", "mrs_test-startup-writer-012345678"),
                     0);
    struct app *app = wf.api.app;
    uint64_t v0 = atomic_load(&app->dataset_version);
    const char *h[] = {"Authorization: Bearer mrs_test-startup-writer-012345678",
                       "Content-Type: application/merge-patch+json", NULL};
    struct api_result r;
    api_request(&wf.api, "PATCH", "/v1/claims/berman-011", h, "{\"note\":\"startup\"}", &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    assert_int_equal(atomic_load(&app->dataset_version), v0 + 1);

    /* The watch reads the version a write committed before that write published it: the
     * moment between the commit and atomic_store(). It is this process's own. */
    atomic_store(&app->dataset_version, v0);
    assert_false(app_observe_version(app, v0 + 1));
    assert_int_equal(atomic_load(&app->dataset_version), v0 + 1);
    /* Older or equal versions change nothing. */
    assert_false(app_observe_version(app, v0));
    assert_int_equal(atomic_load(&app->dataset_version), v0 + 1);
    /* A version no write of this process made is another process's. */
    assert_true(app_observe_version(app, v0 + 2));
    assert_int_equal(atomic_load(&app->dataset_version), v0 + 2);
    writable_close(&wf);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, S_setup, S_teardown)
    const struct CMUnitTest tests[] = {
        T(test_empty_file_is_left_untouched),
        T(test_busy_port_is_named),
        cmocka_unit_test(test_own_write_is_not_another_process),
    };
#undef T
    return cmocka_run_group_tests(tests, th_curl_group_setup, th_curl_group_teardown);
}
