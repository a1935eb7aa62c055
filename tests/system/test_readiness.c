/*
 * Readiness and storage failures over a real socket: /readyz reflects what a request
 * would meet. A database whose table is corrupted answers 503 naming the table (while
 * the health check, which asks nothing of the database, stays 200); a write that
 * finds the database full (SQLITE_FULL, provoked with PRAGMA max_page_count) is
 * answered 507 naming the cause, leaves nothing behind, and makes /readyz 503 until a
 * write succeeds again.
 */
#include "server.h"

#include "db.h"
#include "sha256.h"
#include "write_repo.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define TOKEN "readiness-test-token-31f7"

static void S_token(struct test_server *ts)
{
    char hex[65];
    sha256_hex(TOKEN, strlen(TOKEN), hex);
    struct db_conn *c = NULL;
    assert_int_equal(db_pool_writer(&ts->app->db, &c), APP_OK);
    assert_int_equal(token_repo_create(c, "readiness", hex, "write", "2026-01-01T00:00:00Z"),
                     APP_OK);
    db_pool_writer_release(&ts->app->db);
}

static long S_get(struct test_server *ts, const char *path, struct tc_result *r)
{
    char url[256];
    assert_int_equal(tc_get(NULL, test_server_url(ts, path, url, sizeof url), r), 0);
    return r->status;
}

/* One integer from SQLite, or fails. */
static long long S_int(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Overwrites the root page of `table` in the database file at path with garbage. */
static void S_corrupt_table(const char *path, const char *table)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL),
                     SQLITE_OK);
    long long page_size = S_int(h, "PRAGMA page_size");
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT rootpage FROM sqlite_schema WHERE name = '%s'", table);
    long long root = S_int(h, sql);
    sqlite3_close(h);
    assert_true(root > 1 && page_size >= 512);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, (long)((root - 1) * page_size), SEEK_SET), 0);
    for (long long i = 0; i < page_size; i++)
        assert_true(fputc(0xA5, f) != EOF);
    assert_int_equal(fclose(f), 0);
}

static void test_readyz_corrupted_table(void **state)
{
    (void)state;
    char dir[256], db[512];
    assert_int_equal(th_mkdtemp(dir, sizeof dir), 0);
    snprintf(db, sizeof db, "%s/corrupt.db", dir);
    const char *src = getenv("MARSAD_TEST_DB");
    assert_non_null(src);
    assert_int_equal(th_copy_file(src, db), 0);
    S_corrupt_table(db, "claim");
    char *keep = strdup(src);
    setenv("MARSAD_TEST_DB", db, 1);
    struct test_server ts;
    char err[512];
    int started = test_server_start(&ts, NULL, err, sizeof err);
    setenv("MARSAD_TEST_DB", keep, 1);
    free(keep);
    if (started != 0)
        fail_msg("server: %s", err);
    struct tc_result r;
    long claims = S_get(&ts, "/v1/claims?limit=1", &r);
    tc_result_free(&r);
    long ready = S_get(&ts, "/readyz", &r);
    char body[512];
    snprintf(body, sizeof body, "%s", r.body);
    const char *retry = tc_header(&r, "Retry-After");
    bool has_retry = retry != NULL;
    tc_result_free(&r);
    long health = S_get(&ts, "/healthz", &r);
    tc_result_free(&r);
    test_server_stop(&ts);
    th_rmtree(dir);
    /* What a data request meets... */
    assert_true(claims >= 500);
    /* ...is what /readyz says. */
    if (ready != 503)
        fail_msg("/readyz on a database whose claim table is corrupted: %ld %s", ready, body);
    assert_non_null(strstr(body, "/problems/not-ready"));
    assert_non_null(strstr(body, "claim"));
    assert_true(has_retry);
    assert_int_equal(health, 200);
}

/* A POST of a source with a text of n bytes; returns the status (r kept for the caller). */
static long S_post_source(struct test_server *ts, const char *id, size_t n, struct tc_result *r)
{
    char *text = malloc(n + 1);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++)
        text[i] = (i % 7 == 6) ? ' ' : (char)('a' + (char)(i % 26));
    text[n] = '\0';
    size_t cap = n + 512;
    char *body = malloc(cap);
    assert_non_null(body);
    int w = snprintf(body, cap,
                     "{\"id\":\"%s\",\"title\":\"A large source\",\"authors\":[\"Test\"],"
                     "\"kind\":\"analysis\",\"language\":\"en\",\"published\":\"2020-05\","
                     "\"text\":\"%s\"}",
                     id, text);
    assert_true(w > 0 && (size_t)w < cap);
    free(text);
    char url[256];
    static const char *const h[] = {"Authorization: Bearer " TOKEN,
                                    "Content-Type: application/json", NULL};
    assert_int_equal(tc_request(NULL, "POST", test_server_url(ts, "/v1/sources", url, sizeof url),
                                h, body, (size_t)w, r),
                     0);
    free(body);
    return r->status;
}

/* Sets the writer's max_page_count: its current page count (full), or far beyond it. */
static void S_limit_pages(struct test_server *ts, bool full)
{
    struct db_conn *c = NULL;
    assert_int_equal(db_pool_writer(&ts->app->db, &c), APP_OK);
    sqlite3 *h = db_handle(c);
    long long pages = S_int(h, "PRAGMA page_count");
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", full ? pages : 1073741823LL);
    long long now = S_int(h, sql);
    db_pool_writer_release(&ts->app->db);
    assert_true(full ? now == pages : now > pages);
}

static void test_disk_full_write(void **state)
{
    (void)state;
    struct test_server ts;
    char err[512];
    static const char *const extra[] = {"--max-body", "2m", NULL};
    if (test_server_start(&ts, extra, err, sizeof err) != 0)
        fail_msg("server: %s", err);
    S_token(&ts);
    struct tc_result r;
    assert_int_equal(S_get(&ts, "/readyz", &r), 200);
    tc_result_free(&r);

    S_limit_pages(&ts, true);
    long st = S_post_source(&ts, "full-disk-source", 400000, &r);
    if (st != 507)
        fail_msg("a write into a full database: %ld %s", st, r.body);
    assert_non_null(strstr(tc_header(&r, "Content-Type"), "application/problem+json"));
    assert_non_null(strstr(r.body, "SQLITE_FULL"));
    assert_non_null(strstr(r.body, "/problems/insufficient-storage"));
    assert_non_null(tc_header(&r, "Retry-After"));
    tc_result_free(&r);
    /* Nothing was half written. */
    assert_int_equal(S_get(&ts, "/v1/sources/full-disk-source", &r), 404);
    tc_result_free(&r);
    /* Reads still work; readiness says writes do not. */
    assert_int_equal(S_get(&ts, "/v1/claims?limit=1", &r), 200);
    tc_result_free(&r);
    assert_int_equal(S_get(&ts, "/readyz", &r), 503);
    assert_non_null(strstr(r.body, "507"));
    assert_non_null(strstr(r.body, "full"));
    tc_result_free(&r);

    /* Room again: the write succeeds and the server is ready. */
    S_limit_pages(&ts, false);
    st = S_post_source(&ts, "full-disk-source", 400000, &r);
    if (st != 201)
        fail_msg("the same write with room: %ld %s", st, r.body);
    tc_result_free(&r);
    assert_int_equal(S_get(&ts, "/readyz", &r), 200);
    tc_result_free(&r);
    test_server_stop(&ts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readyz_corrupted_table),
        cmocka_unit_test(test_disk_full_write),
    };
    return cmocka_run_group_tests(tests, th_curl_group_setup, th_curl_group_teardown);
}
