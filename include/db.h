/*
 * SQLite connections: one read-only connection per worker thread (opened on
 * first use, never shared), one writer connection behind a mutex; WAL, foreign
 * keys, busy timeout; migrations under PRAGMA user_version; a prepared
 * statement cache per connection keyed by the SQL text's address.
 */
#ifndef MARSAD_DB_H
#define MARSAD_DB_H

#include "log.h"
#include "status.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db_conn;
struct sqlite3;
struct sqlite3_stmt;

/*
 * Opens a connection. readonly connections never write; a writable one creates the file.
 * Every connection has the SQL function marsad_fold(text): the text with each word
 * case-folded beyond ASCII and without diacritics, as FTS5's unicode61 tokenizer (the
 * search index's) makes its tokens, the rest kept; for case-insensitive substring filters.
 */
enum app_status db_open(const char *path, bool readonly, struct db_conn **out) APP_MUST_CHECK;
/* SQL: true when text `hay` contains `needle`, both folded by marsad_fold(). */
#define DB_FOLD_CONTAINS(hay, needle) "(instr(marsad_fold(" hay "), marsad_fold(" needle ")) > 0)"
/*
 * A time budget for this thread's reads on read-only connections: past the monotonic
 * deadline (db_now_ns() + budget; 0: none) a statement stops with APP_ETIMEOUT.
 */
void db_set_deadline(uint64_t deadline_ns);
/* True when a statement of this thread was stopped by the deadline since it was set. */
bool db_deadline_hit(void);
/*
 * For work that runs no statement on a watched connection (an online backup, a connection
 * of its own): true, and counted as a hit, when this thread's deadline has passed.
 */
bool db_deadline_passed(void);
/* Watches a connection the repository opened itself with this thread's deadline. */
void db_deadline_watch(struct sqlite3 *h);
uint64_t db_now_ns(void);
void db_close(struct db_conn *c);

/*
 * Returns the cached prepared statement for `sql` (a static string: the cache
 * keys on its address), reset and with bindings cleared. Never finalize it.
 */
enum app_status db_stmt(struct db_conn *c, const char *sql,
                        struct sqlite3_stmt **out) APP_MUST_CHECK;

/*
 * Like db_stmt() for SQL composed at run time from static fragments (never
 * from user text): the cache keys on the text itself.
 */
enum app_status db_stmt_text(struct db_conn *c, const char *sql,
                             struct sqlite3_stmt **out) APP_MUST_CHECK;

/* Runs SQL text with no results (may hold several statements). */
enum app_status db_exec(struct db_conn *c, const char *sql) APP_MUST_CHECK;

/* Maps a SQLite result code to a status. */
enum app_status db_status(int rc);
/* The connection's last error message. */
const char *db_errmsg(struct db_conn *c);

/*
 * Before anything writes to an existing file: true when it is a Marsad database
 * (an SQLite file whose user_version is at least 1, the first migration's), read
 * through a read-only connection that writes nothing. When false, why says what the
 * file is instead ("an empty file", "an SQLite database without the Marsad schema",
 * "not an SQLite database: ...").
 */
bool db_is_marsad(const char *path, char *why, size_t n);

/* Applies embedded migrations newer than PRAGMA user_version, each in a transaction. */
enum app_status db_migrate(struct db_conn *c, int *from, int *to) APP_MUST_CHECK;
/* The highest migration version compiled in. */
int db_schema_version(void);
/* PRAGMA user_version of the open database. */
enum app_status db_user_version(struct db_conn *c, int *out) APP_MUST_CHECK;

enum app_status db_begin(struct db_conn *c) APP_MUST_CHECK;
enum app_status db_commit(struct db_conn *c) APP_MUST_CHECK;
void db_rollback(struct db_conn *c);

/*
 * A read transaction (BEGIN DEFERRED): the first read in it fixes the snapshot
 * that every later read sees until db_read_end(), whatever commits meanwhile.
 * db_read_begin() does nothing when a transaction is already open.
 */
enum app_status db_read_begin(struct db_conn *c) APP_MUST_CHECK;
void db_read_end(struct db_conn *c);
bool db_in_transaction(struct db_conn *c);

/* The raw handle, for the repository layer only. */
struct sqlite3 *db_handle(struct db_conn *c);

/* ---- for the repositories ---------------------------------------------- */

struct buf;
struct sort_key;

/*
 * Bind by parameter name (":kind"): a no-op when the statement has no such
 * parameter, and for text when v is NULL. Text is bound SQLITE_STATIC: it
 * must outlive the statement's use.
 */
void db_bind_named_text(struct sqlite3_stmt *st, const char *name, const char *v);
void db_bind_named_i64(struct sqlite3_stmt *st, const char *name, int64_t v);
void db_bind_named_double(struct sqlite3_stmt *st, const char *name, double v);
/* Binds v[i] to ?i+1 for the first n (at most the statement's parameters); NULL stays NULL. */
void db_bind_texts(struct sqlite3_stmt *st, const char *const *v, int n);

/* Column i of the current row as text, NULL for SQL NULL; valid until the next step or reset. */
const char *db_column_text(struct sqlite3_stmt *st, int i);
/* Column i of the current row as a double into *out; false when it is NULL. */
bool db_column_double(struct sqlite3_stmt *st, int i, double *out);

/*
 * db_stmt_text() over SQL composed in `sql` from static fragments; frees the
 * buffer. APP_ENOMEM when composing it ran out of memory.
 */
enum app_status db_stmt_buf(struct db_conn *c, struct buf *sql,
                            struct sqlite3_stmt **out) APP_MUST_CHECK;

/* Called per result row with the statement on it; returns false to stop. */
typedef bool (*db_row_fn)(void *ctx, struct sqlite3_stmt *st);
/* Binds a statement's parameters from ctx. */
typedef void (*db_bind_fn)(struct sqlite3_stmt *st, const void *ctx);

/* The tail of a list query: keyset, order and page. */
struct db_page {
    const char *seq;               /* the seq column ("c.seq"): keyset and last tiebreak */
    const char *const (*order)[2]; /* ORDER BY fragments per sort key: {ascending, descending} */
    const struct sort_key *sort;
    size_t nsort;
    int64_t limit, offset;
    bool keyset; /* only rows with seq > after; offset ignored */
    int64_t after;
};

/*
 * Runs a list query composed in `sql` (SELECT ... WHERE ...) after appending,
 * with keyset, " AND <seq> > :after", then " ORDER BY " the sort keys'
 * fragments and <seq>, " LIMIT :limit OFFSET :offset". Prepares it
 * (db_stmt_buf(), which frees sql), binds :after, :limit and :offset and the
 * filter through bind(st, filter), then calls fn per row as db_rows() does.
 */
enum app_status db_page_rows(struct db_conn *c, struct buf *sql, const struct db_page *pg,
                             db_bind_fn bind, const void *filter, db_row_fn fn,
                             void *ctx) APP_MUST_CHECK;
/* Steps st through its rows, calling fn on each until it returns false; resets st. */
enum app_status db_rows(struct sqlite3_stmt *st, db_row_fn fn, void *ctx) APP_MUST_CHECK;
/* db_rows(), APP_ENOTFOUND when there was no row. */
enum app_status db_rows_found(struct sqlite3_stmt *st, db_row_fn fn, void *ctx) APP_MUST_CHECK;
/* db_rows_found() over the static statement `sql` with ?1 bound to id. */
enum app_status db_rows_by_id(struct db_conn *c, const char *sql, const char *id, db_row_fn fn,
                              void *ctx) APP_MUST_CHECK;

/* Steps st once for a single integer (a count) in column 0, then resets it;
 * *out is left alone when there is no row. */
enum app_status db_step_i64(struct sqlite3_stmt *st, int64_t *out) APP_MUST_CHECK;

/* A SELECT count(*) composed in `sql` (freed): prepared, bound by bind(st, ctx), and read. */
enum app_status db_count_buf(struct db_conn *c, struct buf *sql, db_bind_fn bind, const void *ctx,
                             int64_t *out) APP_MUST_CHECK;

#define DB_POOL_MAX 300

struct db_pool {
    char path[4096];
    bool read_only;
    pthread_key_t key;
    pthread_mutex_t lock; /* guards conns */
    struct db_conn *conns[DB_POOL_MAX];
    size_t nconns;
    pthread_mutex_t writer_lock;
    struct db_conn *writer;
};

enum app_status db_pool_init(struct db_pool *p, const char *path, bool read_only) APP_MUST_CHECK;
/* The calling thread's read-only connection, opened on first use. */
enum app_status db_pool_reader(struct db_pool *p, struct db_conn **out) APP_MUST_CHECK;
/* The calling thread's read-only connection when it has one (NULL: none opened yet). */
struct db_conn *db_pool_reader_current(struct db_pool *p);
/* Locks and returns the writer connection; pair with db_pool_writer_release(). */
enum app_status db_pool_writer(struct db_pool *p, struct db_conn **out) APP_MUST_CHECK;
void db_pool_writer_release(struct db_pool *p);
void db_pool_close(struct db_pool *p);

#endif
