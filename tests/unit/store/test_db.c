/* SQLite layer: open, migrations, pragmas, statement cache, status mapping, per-thread readers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "db.h"
#include "testutil.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fx {
    char dir[256];
    char path[512];
};

static int S_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    if (!tu_mkdtemp("unit-db", f->dir, sizeof f->dir) ||
        !tu_path(f->path, sizeof f->path, f->dir, "test.db")) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int S_teardown(void **state)
{
    struct fx *f = *state;
    bool ok = tu_rmtree(f->dir);
    free(f);
    return ok ? 0 : -1;
}

/* Runs a one-row, one-column query and returns the integer. */
static int64_t S_int(struct db_conn *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_handle(c), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Same, returning a copy of the text in out. */
static void S_text(struct db_conn *c, const char *sql, char *out, size_t n)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db_handle(c), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(st, 0);
    assert_non_null(t);
    snprintf(out, n, "%s", (const char *)t);
    sqlite3_finalize(st);
}

static struct db_conn *S_open_writer(const struct fx *f)
{
    struct db_conn *c = NULL;
    enum app_status st = db_open(f->path, false, &c);
    if (st != APP_OK)
        fail_msg("db_open(%s): %s", f->path, app_status_str(st));
    assert_non_null(c);
    return c;
}

static void test_open_creates_file(void **state)
{
    struct fx *f = *state;
    assert_int_equal(access(f->path, F_OK), -1);
    struct db_conn *c = S_open_writer(f);
    assert_int_equal(db_exec(c, "CREATE TABLE t(x)"), APP_OK);
    assert_int_equal(access(f->path, F_OK), 0);
    db_close(c);
    db_close(NULL); /* harmless */
}

static void test_open_readonly_missing_fails(void **state)
{
    struct fx *f = *state;
    struct db_conn *c = (struct db_conn *)(uintptr_t)1;
    enum app_status st = db_open(f->path, true, &c);
    assert_int_not_equal(st, APP_OK);
    assert_null(c);
    assert_int_equal(access(f->path, F_OK), -1); /* and did not create it */
}

static void test_migrate_from_zero(void **state)
{
    struct fx *f = *state;
    struct db_conn *c = S_open_writer(f);
    int v = -1;
    assert_int_equal(db_user_version(c, &v), APP_OK);
    assert_int_equal(v, 0);
    assert_true(db_schema_version() >= 1);

    int from = -1, to = -1;
    assert_int_equal(db_migrate(c, &from, &to), APP_OK);
    assert_int_equal(from, 0);
    assert_int_equal(to, db_schema_version());
    assert_int_equal(db_user_version(c, &v), APP_OK);
    assert_int_equal(v, db_schema_version());
    /* The schema is really there. */
    assert_true(S_int(c, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'") > 0);
    /* Schema 4 loosened two CHECKs in place: a claim may say "almost", the catalog has
     * revisions; the edited schema is sound. */
    assert_int_equal(
        db_exec(c, "INSERT INTO source (id, title, kind, language) VALUES ('s', 't', 'news', "
                   "'en'); INSERT INTO metric (id, label, unit, value_type, definition, "
                   "counting_basis) VALUES ('m', 'l', 'people', 'number', 'd', 'b'); INSERT INTO "
                   "claim (id, source_seq, quote, quote_start, quote_end, byte_start, byte_end, "
                   "statement, kind, metric_seq, value, upper, bound, claimant, claimant_kind) "
                   "VALUES ('c', 1, 'q', 0, 1, 0, 1, 's', 'statistic', 1, 1000, 1000, 'almost', "
                   "'x', 'author'); INSERT INTO revision (resource, resource_id, action, actor, "
                   "at, dataset_version) VALUES ('metric', 'm', 'update', 'x', 'now', 1)"),
        APP_OK);
    assert_int_not_equal(db_exec(c, "UPDATE claim SET bound = 'nearly' WHERE id = 'c'"), APP_OK);
    assert_int_equal(S_int(c, "SELECT count(*) FROM pragma_integrity_check WHERE "
                              "integrity_check = 'ok'"),
                     1);
    int64_t tables = S_int(c, "SELECT count(*) FROM sqlite_schema");

    /* Again: a no-op. */
    from = to = -1;
    assert_int_equal(db_migrate(c, &from, &to), APP_OK);
    assert_int_equal(from, db_schema_version());
    assert_int_equal(to, db_schema_version());
    assert_int_equal(S_int(c, "SELECT count(*) FROM sqlite_schema"), tables);
    db_close(c);

    /* And on a fresh connection to the same file. */
    c = S_open_writer(f);
    assert_int_equal(db_migrate(c, &from, &to), APP_OK);
    assert_int_equal(from, to);
    db_close(c);
}

static void test_migrate_newer_database(void **state)
{
    struct fx *f = *state;
    struct db_conn *c = S_open_writer(f);
    char sql[64];
    int newer = db_schema_version() + 1;
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", newer);
    assert_int_equal(db_exec(c, sql), APP_OK);
    int from = -1, to = -1;
    assert_int_equal(db_migrate(c, &from, &to), APP_ECONFLICT);
    assert_int_equal(from, newer);
    int v = 0;
    assert_int_equal(db_user_version(c, &v), APP_OK);
    assert_int_equal(v, newer); /* untouched */
    assert_int_equal(S_int(c, "SELECT count(*) FROM sqlite_schema"), 0);
    db_close(c);
}

static void test_writer_pragmas(void **state)
{
    struct fx *f = *state;
    struct db_conn *c = S_open_writer(f);
    char mode[32];
    S_text(c, "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "wal");
    assert_int_equal(S_int(c, "PRAGMA foreign_keys"), 1);
    assert_int_equal(S_int(c, "PRAGMA synchronous"), 2); /* FULL */
    assert_int_equal(S_int(c, "PRAGMA query_only"), 0);
    db_close(c);
}

static void test_reader_pragmas_and_refuses_writes(void **state)
{
    struct fx *f = *state;
    struct db_conn *w = S_open_writer(f);
    assert_int_equal(db_exec(w, "CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1)"), APP_OK);

    struct db_conn *r = NULL;
    assert_int_equal(db_open(f->path, true, &r), APP_OK);
    assert_int_equal(S_int(r, "PRAGMA foreign_keys"), 1);
    assert_int_equal(S_int(r, "PRAGMA query_only"), 1);
    assert_int_equal(S_int(r, "SELECT count(*) FROM t"), 1);

    assert_int_equal(db_exec(r, "INSERT INTO t VALUES (2)"), APP_EIO);
    assert_int_not_equal(db_exec(r, "CREATE TABLE u(y)"), APP_OK);
    assert_int_not_equal(db_exec(r, "PRAGMA user_version = 9"), APP_OK);
    assert_int_equal(S_int(w, "SELECT count(*) FROM t"), 1);
    int v = -1;
    assert_int_equal(db_user_version(w, &v), APP_OK);
    assert_int_equal(v, 0);

    /* The reader sees the writer's later commits. */
    assert_int_equal(db_exec(w, "INSERT INTO t VALUES (3)"), APP_OK);
    assert_int_equal(S_int(r, "SELECT count(*) FROM t"), 2);
    db_close(r);
    db_close(w);
}

static void test_foreign_keys_enforced(void **state)
{
    struct fx *f = *state;
    struct db_conn *c = S_open_writer(f);
    assert_int_equal(db_exec(c, "CREATE TABLE p(id INTEGER PRIMARY KEY);"
                                "CREATE TABLE ch(pid INTEGER NOT NULL REFERENCES p(id))"),
                     APP_OK);
    assert_int_equal(db_exec(c, "INSERT INTO ch VALUES (7)"), APP_ECONFLICT);
    assert_int_equal(db_exec(c, "INSERT INTO p VALUES (7); INSERT INTO ch VALUES (7)"), APP_OK);
    assert_int_equal(db_exec(c, "DELETE FROM p"), APP_ECONFLICT);
    assert_non_null(strstr(db_errmsg(c), "FOREIGN KEY"));
    db_close(c);
}

static void test_transactions(void **state)
{
    struct fx *f = *state;
    struct db_conn *c = S_open_writer(f);
    assert_int_equal(db_exec(c, "CREATE TABLE t(x)"), APP_OK);
    assert_int_equal(db_begin(c), APP_OK);
    assert_int_equal(db_exec(c, "INSERT INTO t VALUES (1)"), APP_OK);
    db_rollback(c);
    assert_int_equal(S_int(c, "SELECT count(*) FROM t"), 0);
    db_rollback(c); /* no transaction open: a no-op */

    assert_int_equal(db_begin(c), APP_OK);
    assert_int_equal(db_exec(c, "INSERT INTO t VALUES (1)"), APP_OK);
    assert_int_equal(db_commit(c), APP_OK);
    assert_int_equal(S_int(c, "SELECT count(*) FROM t"), 1);
    db_close(c);
}

static const char SQL_ECHO[] = "SELECT ?1";
static const char SQL_THREE[] = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                                "WHERE x < 3) SELECT x FROM c";

static void test_stmt_cache(void **state)
{
    struct fx *f = *state;
    struct db_conn *c = S_open_writer(f);
    sqlite3_stmt *a = NULL, *b = NULL;

    assert_int_equal(db_stmt(c, SQL_ECHO, &a), APP_OK);
    assert_non_null(a);
    assert_int_equal(sqlite3_bind_int(a, 1, 5), SQLITE_OK);
    assert_int_equal(sqlite3_step(a), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(a, 0), 5);

    /* Same pointer: same statement, reset and with its bindings cleared. */
    assert_int_equal(db_stmt(c, SQL_ECHO, &b), APP_OK);
    assert_ptr_equal(a, b);
    assert_int_equal(sqlite3_step(b), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);

    /* A statement left mid-iteration starts over. */
    sqlite3_stmt *t = NULL;
    assert_int_equal(db_stmt(c, SQL_THREE, &t), APP_OK);
    assert_ptr_not_equal(t, a);
    assert_int_equal(sqlite3_step(t), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(t, 0), 1);
    assert_int_equal(sqlite3_step(t), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(t, 0), 2);
    sqlite3_stmt *t2 = NULL;
    assert_int_equal(db_stmt(c, SQL_THREE, &t2), APP_OK);
    assert_ptr_equal(t, t2);
    int n = 0;
    while (sqlite3_step(t2) == SQLITE_ROW)
        assert_int_equal(sqlite3_column_int(t2, 0), ++n);
    assert_int_equal(n, 3);

    /* The cache keys on the address, not the text. */
    static const char copy[] = "SELECT ?1";
    sqlite3_stmt *d = NULL;
    assert_int_equal(db_stmt(c, copy, &d), APP_OK);
    assert_ptr_not_equal(d, a);

    /* Bad SQL is an error, not a cached entry. */
    static const char bad[] = "SELEC nonsense";
    sqlite3_stmt *e = (sqlite3_stmt *)(uintptr_t)1;
    assert_int_equal(db_stmt(c, bad, &e), APP_EDB);
    assert_int_equal(db_stmt(c, bad, &e), APP_EDB);
    db_close(c); /* finalizes the cached statements (ASan would report leaks) */
}

static void test_stmt_cache_capacity(void **state)
{
    struct fx *f = *state;
    struct db_conn *c = S_open_writer(f);
    static char sqls[130][24];
    sqlite3_stmt *first = NULL;
    size_t ok = 0;
    enum app_status st = APP_OK;
    for (size_t i = 0; i < 130 && st == APP_OK; i++) {
        snprintf(sqls[i], sizeof sqls[i], "SELECT %zu", i);
        sqlite3_stmt *s = NULL;
        st = db_stmt(c, sqls[i], &s);
        if (st == APP_OK) {
            ok++;
            if (i == 0)
                first = s;
        }
    }
    /* A bounded cache: it fills up and then says so instead of leaking statements. */
    assert_true(ok >= 64);
    assert_true(ok < 130);
    assert_int_equal(st, APP_ETOOBIG);
    /* Earlier entries are still served from the cache. */
    sqlite3_stmt *again = NULL;
    assert_int_equal(db_stmt(c, sqls[0], &again), APP_OK);
    assert_ptr_equal(again, first);
    assert_int_equal(sqlite3_step(again), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(again, 0), 0);
    db_close(c);
}

static void test_status_mapping(void **state)
{
    (void)state;
    assert_int_equal(db_status(SQLITE_OK), APP_OK);
    assert_int_equal(db_status(SQLITE_ROW), APP_OK);
    assert_int_equal(db_status(SQLITE_DONE), APP_OK);
    assert_int_equal(db_status(SQLITE_BUSY), APP_EBUSY);
    assert_int_equal(db_status(SQLITE_BUSY_SNAPSHOT), APP_EBUSY);
    assert_int_equal(db_status(SQLITE_LOCKED), APP_EBUSY);
    assert_int_equal(db_status(SQLITE_CONSTRAINT), APP_ECONFLICT);
    assert_int_equal(db_status(SQLITE_CONSTRAINT_UNIQUE), APP_ECONFLICT);
    assert_int_equal(db_status(SQLITE_CONSTRAINT_FOREIGNKEY), APP_ECONFLICT);
    assert_int_equal(db_status(SQLITE_NOMEM), APP_ENOMEM);
    assert_int_equal(db_status(SQLITE_TOOBIG), APP_ETOOBIG);
    assert_int_equal(db_status(SQLITE_IOERR), APP_EIO);
    assert_int_equal(db_status(SQLITE_IOERR_WRITE), APP_EIO);
    assert_int_equal(db_status(SQLITE_FULL), APP_EFULL);
    assert_int_equal(db_status(SQLITE_INTERRUPT), APP_ETIMEOUT);
    assert_int_equal(db_status(SQLITE_CANTOPEN), APP_EIO);
    assert_int_equal(db_status(SQLITE_READONLY), APP_EIO);
    assert_int_equal(db_status(SQLITE_ERROR), APP_EDB);
    assert_int_equal(db_status(SQLITE_CORRUPT), APP_EDB);
    assert_int_equal(db_status(SQLITE_MISUSE), APP_EDB);
    assert_string_equal(db_errmsg(NULL), "no connection");
}

/*
 * A read past its thread's deadline stops with APP_ETIMEOUT (SQLite's progress
 * handler), whatever the query; without a deadline the same query completes.
 */
static void test_read_deadline(void **state)
{
    struct fx *f = *state;
    struct db_conn *w = S_open_writer(f);
    db_close(w);
    struct db_conn *r = NULL;
    assert_int_equal(db_open(f->path, true, &r), APP_OK);
    static const char sql[] = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                              "WHERE i < 200000) SELECT count(*) FROM n";
    struct sqlite3_stmt *st = NULL;
    int64_t count = 0;
    db_set_deadline(db_now_ns()); /* already past */
    assert_int_equal(db_stmt(r, sql, &st), APP_OK);
    assert_int_equal(db_step_i64(st, &count), APP_ETIMEOUT);
    db_set_deadline(db_now_ns() + 60ull * 1000000000u);
    assert_int_equal(db_stmt(r, sql, &st), APP_OK);
    assert_int_equal(db_step_i64(st, &count), APP_OK);
    assert_int_equal(count, 200000);
    db_set_deadline(0);
    assert_int_equal(db_stmt(r, sql, &st), APP_OK);
    assert_int_equal(db_step_i64(st, &count), APP_OK);
    db_close(r);
}

static void test_unique_violation_is_conflict(void **state)
{
    struct fx *f = *state;
    struct db_conn *c = S_open_writer(f);
    assert_int_equal(db_exec(c, "CREATE TABLE t(x UNIQUE); INSERT INTO t VALUES (1)"), APP_OK);
    assert_int_equal(db_exec(c, "INSERT INTO t VALUES (1)"), APP_ECONFLICT);
    db_close(c);
}

static void test_busy_is_ebusy(void **state)
{
    struct fx *f = *state;
    struct db_conn *a = S_open_writer(f);
    struct db_conn *b = S_open_writer(f);
    assert_int_equal(db_exec(a, "CREATE TABLE t(x)"), APP_OK);
    sqlite3_busy_timeout(db_handle(b), 0); /* fail at once instead of waiting 5 s */
    assert_int_equal(db_begin(a), APP_OK);
    assert_int_equal(db_begin(b), APP_EBUSY);
    db_rollback(a);
    assert_int_equal(db_begin(b), APP_OK);
    db_rollback(b);
    db_close(b);
    db_close(a);
}

/* Each worker takes its reader twice, then waits until both have theirs. */
struct worker {
    struct db_pool *pool;
    pthread_barrier_t *barrier;
    struct db_conn *conn;
    bool same_twice;
    enum app_status st;
    enum app_status write_st;
    int64_t rows;
};

static void *S_worker(void *arg)
{
    struct worker *w = arg;
    struct db_conn *again = NULL;
    w->st = db_pool_reader(w->pool, &w->conn);
    if (w->st == APP_OK && db_pool_reader(w->pool, &again) == APP_OK)
        w->same_twice = again == w->conn;
    if (w->st == APP_OK) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db_handle(w->conn), "SELECT count(*) FROM t", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            w->rows = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        w->write_st = db_exec(w->conn, "INSERT INTO t VALUES (99)");
    }
    pthread_barrier_wait(w->barrier);
    return NULL;
}

static void test_pool_reader_per_thread(void **state)
{
    struct fx *f = *state;
    struct db_conn *c = S_open_writer(f);
    assert_int_equal(db_exec(c, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)"), APP_OK);
    db_close(c);

    struct db_pool *pool = calloc(1, sizeof *pool);
    assert_non_null(pool);
    assert_int_equal(db_pool_init(pool, f->path, false), APP_OK);

    pthread_barrier_t barrier;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
    struct worker w[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        w[i] = (struct worker){.pool = pool, .barrier = &barrier, .st = APP_EDB};
        assert_int_equal(pthread_create(&th[i], NULL, S_worker, &w[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&barrier);

    for (int i = 0; i < 2; i++) {
        assert_int_equal(w[i].st, APP_OK);
        assert_non_null(w[i].conn);
        assert_true(w[i].same_twice);
        assert_int_equal(w[i].rows, 2);
        assert_int_equal(w[i].write_st, APP_EIO); /* readers refuse writes (SQLITE_READONLY) */
    }
    assert_ptr_not_equal(w[0].conn, w[1].conn);

    /* The main thread gets a third connection of its own. */
    struct db_conn *mine = NULL;
    assert_int_equal(db_pool_reader(pool, &mine), APP_OK);
    assert_ptr_not_equal(mine, w[0].conn);
    assert_ptr_not_equal(mine, w[1].conn);
    assert_int_equal(pool->nconns, 3);

    /* The writer is a separate, writable connection. */
    struct db_conn *wr = NULL;
    assert_int_equal(db_pool_writer(pool, &wr), APP_OK);
    assert_ptr_not_equal(wr, mine);
    assert_int_equal(db_exec(wr, "INSERT INTO t VALUES (3)"), APP_OK);
    db_pool_writer_release(pool);
    assert_int_equal(S_int(mine, "SELECT count(*) FROM t"), 3);

    db_pool_close(pool); /* closes every reader and the writer */
    free(pool);
}

static void test_pool_read_only_has_no_writer(void **state)
{
    struct fx *f = *state;
    struct db_conn *c = S_open_writer(f);
    assert_int_equal(db_exec(c, "CREATE TABLE t(x)"), APP_OK);
    db_close(c);

    struct db_pool *pool = calloc(1, sizeof *pool);
    assert_non_null(pool);
    assert_int_equal(db_pool_init(pool, f->path, true), APP_OK);
    struct db_conn *wr = NULL;
    assert_int_equal(db_pool_writer(pool, &wr), APP_EIO);
    assert_null(wr);
    struct db_conn *r = NULL;
    assert_int_equal(db_pool_reader(pool, &r), APP_OK);
    assert_int_equal(S_int(r, "SELECT count(*) FROM t"), 0);
    db_pool_close(pool);
    free(pool);
}

static void test_pool_path_too_long(void **state)
{
    (void)state;
    struct db_pool *pool = calloc(1, sizeof *pool);
    assert_non_null(pool);
    char *path = malloc(sizeof pool->path + 10);
    assert_non_null(path);
    memset(path, 'p', sizeof pool->path + 9);
    path[sizeof pool->path + 9] = '\0';
    assert_int_equal(db_pool_init(pool, path, false), APP_ETOOBIG);
    free(path);
    free(pool);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, S_setup, S_teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_creates_file),
        T(test_open_readonly_missing_fails),
        T(test_migrate_from_zero),
        T(test_migrate_newer_database),
        T(test_writer_pragmas),
        T(test_reader_pragmas_and_refuses_writes),
        T(test_foreign_keys_enforced),
        T(test_transactions),
        T(test_stmt_cache),
        T(test_stmt_cache_capacity),
        cmocka_unit_test(test_status_mapping),
        T(test_read_deadline),
        T(test_unique_violation_is_conflict),
        T(test_busy_is_ebusy),
        T(test_pool_reader_per_thread),
        T(test_pool_read_only_has_no_writer),
        cmocka_unit_test(test_pool_path_too_long),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
