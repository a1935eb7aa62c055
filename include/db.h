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
struct sqlite3_stmt;

/* Opens a connection. readonly connections never write; a writable one creates the file. */
enum app_status db_open(const char *path, bool readonly, struct db_conn **out) APP_MUST_CHECK;
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

/* Applies embedded migrations newer than PRAGMA user_version, each in a transaction. */
enum app_status db_migrate(struct db_conn *c, int *from, int *to) APP_MUST_CHECK;
/* The highest migration version compiled in. */
int db_schema_version(void);
/* PRAGMA user_version of the open database. */
enum app_status db_user_version(struct db_conn *c, int *out) APP_MUST_CHECK;

enum app_status db_begin(struct db_conn *c) APP_MUST_CHECK;
enum app_status db_commit(struct db_conn *c) APP_MUST_CHECK;
void db_rollback(struct db_conn *c);

/* The raw handle, for the repository layer only. */
struct sqlite3 *db_handle(struct db_conn *c);

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
/* Locks and returns the writer connection; pair with db_pool_writer_release(). */
enum app_status db_pool_writer(struct db_pool *p, struct db_conn **out) APP_MUST_CHECK;
void db_pool_writer_release(struct db_pool *p);
void db_pool_close(struct db_pool *p);

#endif
