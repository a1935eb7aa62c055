#include "db.h"
#include "db_functions.h"

#include "buf.h"
#include "embedded.h"
#include "sort_key.h"

#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STMT_CACHE 128

struct stmt_slot {
    const char *sql;
    sqlite3_stmt *st;
};

#define TEXT_CACHE 64

struct text_slot {
    char *sql;
    sqlite3_stmt *st;
};

#define COUNT_CACHE 16

/* A count(*) result: the statement with its values bound, and the data version it saw. */
struct count_slot {
    char *key;
    int64_t data_version;
    int64_t count;
};

struct db_conn {
    sqlite3 *h;
    bool readonly;
    struct stmt_slot cache[STMT_CACHE];
    struct text_slot text_cache[TEXT_CACHE];
    size_t text_next; /* round-robin victim */
    struct count_slot counts[COUNT_CACHE];
    size_t count_next; /* round-robin victim */
};

enum app_status db_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return APP_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return APP_EBUSY;
    case SQLITE_NOMEM:
        return APP_ENOMEM;
    case SQLITE_CONSTRAINT:
        return APP_ECONFLICT;
    case SQLITE_TOOBIG:
        return APP_ETOOBIG;
    case SQLITE_INTERRUPT:
        return APP_ETIMEOUT;
    case SQLITE_FULL:
        return APP_EFULL;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
        return APP_EIO;
    default:
        return APP_EDB;
    }
}

const char *db_errmsg(struct db_conn *c)
{
    return c && c->h ? sqlite3_errmsg(c->h) : "no connection";
}

sqlite3 *db_handle(struct db_conn *c)
{
    return c->h;
}

enum app_status db_exec(struct db_conn *c, const char *sql)
{
    return db_status(sqlite3_exec(c->h, sql, NULL, NULL, NULL));
}

/*
 * Before SQLite's first use: no memory statistics, which would take a global
 * mutex on every allocation of every connection (nothing here reads them).
 * When SQLite was already initialised (a test opened a handle first) the call
 * is refused and changes nothing.
 */
static void S_configure(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* The monotonic time past which this thread's reads are interrupted; 0: none. */
static _Thread_local uint64_t S_deadline_ns;
static _Thread_local bool S_deadline_hit; /* a statement was stopped by it */

void db_set_deadline(uint64_t deadline_ns)
{
    S_deadline_ns = deadline_ns;
    S_deadline_hit = false;
}

bool db_deadline_hit(void)
{
    return S_deadline_hit;
}

uint64_t db_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* SQLite's progress handler: a non-zero answer interrupts the statement (SQLITE_INTERRUPT). */
static int S_progress(void *arg)
{
    (void)arg;
    if (S_deadline_ns == 0 || db_now_ns() < S_deadline_ns)
        return 0;
    S_deadline_hit = true;
    return 1;
}

bool db_deadline_passed(void)
{
    return S_progress(NULL) != 0;
}

void db_deadline_watch(sqlite3 *h)
{
    sqlite3_progress_handler(h, 1000, S_progress, NULL);
}

enum app_status db_open(const char *path, bool readonly, struct db_conn **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, S_configure);
    *out = NULL;
    struct db_conn *c = calloc(1, sizeof *c);
    if (!c)
        return APP_ENOMEM;
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    flags |= readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path, &c->h, flags, NULL);
    enum app_status st = db_status(rc);
    if (st != APP_OK)
        goto fail;
    c->readonly = readonly;
    sqlite3_extended_result_codes(c->h, 1);
    sqlite3_busy_timeout(c->h, 5000);
    st = db_exec(c, "PRAGMA foreign_keys = ON");
    if (st != APP_OK)
        goto fail;
    st = db_status(db_register_functions(c->h));
    if (st != APP_OK)
        goto fail;
    if (!readonly) {
        /* WAL lets readers run while the writer commits; FULL syncs every commit. */
        st = db_exec(c, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
        if (st != APP_OK)
            goto fail;
    } else {
        /* Readers map the file: large scans share the OS page cache instead of copying
         * pages into each connection's own cache (file-backed, not anonymous memory). */
        st = db_exec(c, "PRAGMA query_only = ON; PRAGMA mmap_size = 2147418112");
        if (st != APP_OK)
            goto fail;
        /* Every 4000 virtual machine steps (some microseconds), the time budget of the
         * thread's request. */
        sqlite3_progress_handler(c->h, 4000, S_progress, NULL);
    }
    *out = c;
    return APP_OK;
fail:
    db_close(c);
    return st == APP_OK ? APP_EDB : st;
}

void db_close(struct db_conn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < STMT_CACHE; i++)
        sqlite3_finalize(c->cache[i].st);
    for (size_t i = 0; i < TEXT_CACHE; i++) {
        sqlite3_finalize(c->text_cache[i].st);
        free(c->text_cache[i].sql);
    }
    for (size_t i = 0; i < COUNT_CACHE; i++)
        sqlite3_free(c->counts[i].key);
    sqlite3_close(c->h);
    free(c);
}

enum app_status db_stmt(struct db_conn *c, const char *sql, sqlite3_stmt **out)
{
    uintptr_t key = (uintptr_t)sql;
    size_t h = (size_t)((key >> 4) * 2654435761u) % STMT_CACHE;
    for (size_t probe = 0; probe < STMT_CACHE; probe++) {
        struct stmt_slot *s = &c->cache[(h + probe) % STMT_CACHE];
        if (s->sql == sql) {
            sqlite3_reset(s->st);
            sqlite3_clear_bindings(s->st);
            *out = s->st;
            return APP_OK;
        }
        if (!s->sql) {
            sqlite3_stmt *st = NULL;
            int rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
            if (rc != SQLITE_OK)
                return db_status(rc);
            s->sql = sql;
            s->st = st;
            *out = st;
            return APP_OK;
        }
    }
    return APP_ETOOBIG; /* more distinct statements than the cache holds */
}

enum app_status db_stmt_text(struct db_conn *c, const char *sql, sqlite3_stmt **out)
{
    for (size_t i = 0; i < TEXT_CACHE; i++) {
        struct text_slot *s = &c->text_cache[i];
        if (s->sql && strcmp(s->sql, sql) == 0) {
            sqlite3_reset(s->st);
            sqlite3_clear_bindings(s->st);
            *out = s->st;
            return APP_OK;
        }
    }
    size_t n = strlen(sql);
    char *copy = malloc(n + 1);
    if (!copy)
        return APP_ENOMEM;
    memcpy(copy, sql, n + 1);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->h, sql, (int)n, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        free(copy);
        return db_status(rc);
    }
    struct text_slot *s = &c->text_cache[c->text_next];
    c->text_next = (c->text_next + 1) % TEXT_CACHE;
    sqlite3_finalize(s->st);
    free(s->sql);
    s->sql = copy;
    s->st = st;
    *out = st;
    return APP_OK;
}

void db_bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0 && v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

void db_bind_named_i64(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_int64(st, i, v);
}

void db_bind_named_double(sqlite3_stmt *st, const char *name, double v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_double(st, i, v);
}

void db_bind_texts(sqlite3_stmt *st, const char *const *v, int n)
{
    int max = sqlite3_bind_parameter_count(st);
    for (int i = 0; i < n && i < max; i++) {
        if (v[i])
            sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
    }
}

const char *db_column_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

bool db_column_double(sqlite3_stmt *st, int i, double *out)
{
    bool present = sqlite3_column_type(st, i) != SQLITE_NULL;
    *out = sqlite3_column_double(st, i);
    return present;
}

enum app_status db_stmt_buf(struct db_conn *c, struct buf *sql, sqlite3_stmt **out)
{
    enum app_status s = sql->oom ? APP_ENOMEM : db_stmt_text(c, buf_str(sql), out);
    buf_free(sql);
    return s;
}

enum app_status db_page_rows(struct db_conn *c, struct buf *sql, const struct db_page *pg,
                             db_bind_fn bind, const void *filter, db_row_fn fn, void *ctx)
{
    if (pg->keyset) {
        buf_puts(sql, " AND ");
        buf_puts(sql, pg->seq);
        buf_puts(sql, " > :after");
    }
    buf_puts(sql, " ORDER BY ");
    for (size_t i = 0; i < pg->nsort; i++) {
        buf_puts(sql, pg->order[pg->sort[i].key][pg->sort[i].desc ? 1 : 0]);
        buf_puts(sql, ", ");
    }
    buf_puts(sql, pg->seq);
    buf_puts(sql, " LIMIT :limit OFFSET :offset");
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt_buf(c, sql, &st);
    if (s != APP_OK)
        return s;
    bind(st, filter);
    if (pg->keyset)
        db_bind_named_i64(st, ":after", pg->after);
    db_bind_named_i64(st, ":limit", pg->limit);
    db_bind_named_i64(st, ":offset", pg->keyset ? 0 : pg->offset);
    return db_rows(st, fn, ctx);
}

static enum app_status S_rows(sqlite3_stmt *st, db_row_fn fn, void *ctx, bool *any)
{
    int rc;
    *any = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *any = true;
        if (!fn(ctx, st)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
}

enum app_status db_rows(sqlite3_stmt *st, db_row_fn fn, void *ctx)
{
    bool any;
    return S_rows(st, fn, ctx, &any);
}

enum app_status db_rows_found(sqlite3_stmt *st, db_row_fn fn, void *ctx)
{
    bool any;
    enum app_status s = S_rows(st, fn, ctx, &any);
    return s == APP_OK && !any ? APP_ENOTFOUND : s;
}

enum app_status db_rows_by_id(struct db_conn *c, const char *sql, const char *id, db_row_fn fn,
                              void *ctx)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return db_rows_found(st, fn, ctx);
}

enum app_status db_step_i64(sqlite3_stmt *st, int64_t *out)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? APP_OK : db_status(rc);
}

enum app_status db_count_buf(struct db_conn *c, struct buf *sql, db_bind_fn bind, const void *ctx,
                             int64_t *out)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt_buf(c, sql, &st);
    if (s != APP_OK)
        return s;
    bind(st, ctx);
    if (!c->readonly)
        return db_step_i64(st, out);
    /*
     * Readers remember their last counts: a list's total is the same on every page
     * until something is written, and counting a large match costs more than the
     * page itself. PRAGMA data_version changes whenever another connection (the
     * writer, another process) commits; a reader never writes, so it sees every
     * change. The version is read before counting: a commit in between leaves the
     * entry older than the data, and the next request counts again.
     */
    static const char SQL_DATA_VERSION[] = "PRAGMA data_version";
    sqlite3_stmt *dv = NULL;
    int64_t version = 0;
    char *key = sqlite3_expanded_sql(st);
    if (!key || db_stmt(c, SQL_DATA_VERSION, &dv) != APP_OK ||
        db_step_i64(dv, &version) != APP_OK) {
        sqlite3_free(key);
        return db_step_i64(st, out);
    }
    for (size_t i = 0; i < COUNT_CACHE; i++) {
        struct count_slot *k = &c->counts[i];
        if (k->key && k->data_version == version && strcmp(k->key, key) == 0) {
            sqlite3_free(key);
            sqlite3_reset(st);
            *out = k->count;
            return APP_OK;
        }
    }
    enum app_status r = db_step_i64(st, out);
    if (r != APP_OK) {
        sqlite3_free(key);
        return r;
    }
    struct count_slot *k = &c->counts[c->count_next];
    c->count_next = (c->count_next + 1) % COUNT_CACHE;
    sqlite3_free(k->key);
    k->key = key;
    k->data_version = version;
    k->count = *out;
    return APP_OK;
}

enum app_status db_begin(struct db_conn *c)
{
    return db_exec(c, "BEGIN IMMEDIATE");
}

enum app_status db_commit(struct db_conn *c)
{
    return db_exec(c, "COMMIT");
}

void db_rollback(struct db_conn *c)
{
    if (!sqlite3_get_autocommit(c->h))
        (void)sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
}

bool db_in_transaction(struct db_conn *c)
{
    return !sqlite3_get_autocommit(c->h);
}

enum app_status db_read_begin(struct db_conn *c)
{
    static const char SQL_BEGIN[] = "BEGIN DEFERRED";
    if (!sqlite3_get_autocommit(c->h))
        return APP_OK;
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_BEGIN, &st);
    if (s != APP_OK)
        return s;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return db_status(rc);
}

void db_read_end(struct db_conn *c)
{
    static const char SQL_END[] = "COMMIT";
    if (sqlite3_get_autocommit(c->h))
        return;
    sqlite3_stmt *st = NULL;
    if (db_stmt(c, SQL_END, &st) == APP_OK) {
        (void)sqlite3_step(st);
        sqlite3_reset(st);
    }
    if (!sqlite3_get_autocommit(c->h)) /* COMMIT refused: a read transaction can roll back */
        (void)sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
}

enum app_status db_user_version(struct db_conn *c, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->h, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return db_status(rc);
}

bool db_is_marsad(const char *path, char *why, size_t n)
{
    struct db_conn *c = NULL;
    int version = 0;
    enum app_status st = db_open(path, true, &c);
    if (st == APP_OK)
        st = db_user_version(c, &version);
    if (st != APP_OK) {
        snprintf(why, n, "not an SQLite database: %s", c ? db_errmsg(c) : app_status_str(st));
        db_close(c);
        return false;
    }
    bool empty = false;
    if (version < 1) {
        sqlite3_stmt *q = NULL;
        empty = sqlite3_prepare_v2(c->h, "SELECT count(*) FROM sqlite_schema", -1, &q, NULL) ==
                    SQLITE_OK &&
                sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) == 0;
        sqlite3_finalize(q);
        snprintf(why, n, "%s",
                 empty ? "an empty file" : "an SQLite database without the Marsad schema");
    }
    db_close(c);
    return version >= 1;
}

/* Version number of an embedded migration "db/migrations/NNNN_name.sql", or -1. */
static int S_migration_version(const char *name)
{
    static const char prefix[] = "db/migrations/";
    size_t pl = sizeof prefix - 1;
    size_t n = strlen(name);
    if (strncmp(name, prefix, pl) != 0 || n < pl + 5 + 4 || strcmp(name + n - 4, ".sql") != 0)
        return -1;
    int v = 0;
    for (size_t i = pl; i < pl + 4; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return name[pl + 4] == '_' ? v : -1;
}

int db_schema_version(void)
{
    int max = 0;
    for (size_t i = 0; i < embedded_nfiles; i++) {
        int v = S_migration_version(embedded_files[i].name);
        if (v > max)
            max = v;
    }
    return max;
}

enum app_status db_migrate(struct db_conn *c, int *from, int *to)
{
    int cur = 0;
    enum app_status st = db_user_version(c, &cur);
    if (st != APP_OK)
        return st;
    *from = cur;
    *to = cur;
    if (cur > db_schema_version())
        return APP_ECONFLICT; /* a newer binary made this database */
    for (size_t i = 0; i < embedded_nfiles; i++) {
        const struct embedded_file *f = &embedded_files[i];
        int v = S_migration_version(f->name);
        if (v <= cur)
            continue;
        char pragma[64];
        int w = snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v);
        if (w < 0 || (size_t)w >= sizeof pragma)
            return APP_EINVAL;
        st = db_begin(c);
        if (st != APP_OK)
            return st;
        /* Embedded files are NUL-terminated by the generator. */
        st = db_exec(c, (const char *)f->data);
        if (st == APP_OK)
            st = db_exec(c, pragma);
        if (st == APP_OK)
            st = db_commit(c);
        if (st != APP_OK) {
            db_rollback(c);
            return st;
        }
        cur = v;
        *to = v;
    }
    return APP_OK;
}

static void S_thread_conn_dtor(void *p)
{
    (void)p; /* connections are closed by db_pool_close(), which owns them */
}

enum app_status db_pool_init(struct db_pool *p, const char *path, bool read_only)
{
    memset(p, 0, sizeof *p);
    size_t n = strlen(path);
    if (n >= sizeof p->path)
        return APP_ETOOBIG;
    memcpy(p->path, path, n + 1);
    p->read_only = read_only;
    if (pthread_key_create(&p->key, S_thread_conn_dtor) != 0)
        return APP_ENOMEM;
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->writer_lock, NULL);
    return APP_OK;
}

enum app_status db_pool_reader(struct db_pool *p, struct db_conn **out)
{
    struct db_conn *c = pthread_getspecific(p->key);
    if (c) {
        *out = c;
        return APP_OK;
    }
    enum app_status st = db_open(p->path, true, &c);
    if (st != APP_OK)
        return st;
    pthread_mutex_lock(&p->lock);
    if (p->nconns >= DB_POOL_MAX) {
        pthread_mutex_unlock(&p->lock);
        db_close(c);
        return APP_EBUSY;
    }
    p->conns[p->nconns++] = c;
    pthread_mutex_unlock(&p->lock);
    if (pthread_setspecific(p->key, c) != 0)
        return APP_ENOMEM; /* stays owned by the pool */
    *out = c;
    return APP_OK;
}

struct db_conn *db_pool_reader_current(struct db_pool *p)
{
    return pthread_getspecific(p->key);
}

enum app_status db_pool_writer(struct db_pool *p, struct db_conn **out)
{
    if (p->read_only)
        return APP_EIO;
    pthread_mutex_lock(&p->writer_lock);
    if (!p->writer) {
        enum app_status st = db_open(p->path, false, &p->writer);
        if (st != APP_OK) {
            pthread_mutex_unlock(&p->writer_lock);
            return st;
        }
    }
    *out = p->writer;
    return APP_OK;
}

void db_pool_writer_release(struct db_pool *p)
{
    pthread_mutex_unlock(&p->writer_lock);
}

void db_pool_close(struct db_pool *p)
{
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->nconns; i++)
        db_close(p->conns[i]);
    p->nconns = 0;
    pthread_mutex_unlock(&p->lock);
    db_close(p->writer);
    p->writer = NULL;
    pthread_key_delete(p->key);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->writer_lock);
}
