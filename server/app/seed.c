#define _GNU_SOURCE /* memmem */
/*
 * The seed build's driver and helpers; the records are loaded by seed_catalog.c and
 * seed_claims.c. Every curated record goes through the write API's validator first.
 */
#include "seed.h"
#include "seed_internal.h"

#include "evidence.h"
#include "pdate.h"
#include "search_repo.h"
#include "write_repo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum app_status seed_fail(struct loader *L, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    n = snprintf(L->err, L->errlen, "%s: %s", L->file ? L->file : "seed", msg);
    if (n < 0 && L->errlen)
        L->err[0] = '\0';
    return APP_EINVAL;
}

/* The curated file with this exact name, or NULL. */
const struct embedded_file *seed_file(const struct loader *L, const char *name)
{
    for (size_t i = 0; i < L->nfiles; i++)
        if (strcmp(L->files[i].name, name) == 0)
            return &L->files[i];
    return NULL;
}

json_t *seed_load(struct loader *L, const char *name)
{
    const struct embedded_file *f = seed_file(L, name);
    L->file = name;
    if (!f) {
        seed_fail(L, "file is missing from the build");
        return NULL;
    }
    sha256_update(&L->inputs, name, strlen(name) + 1);
    sha256_update(&L->inputs, f->data, f->len);
    json_error_t je;
    json_t *j = json_loadb((const char *)f->data, f->len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        seed_fail(L, "invalid JSON at line %d: %s", je.line, je.text);
    return j;
}

/* A string member, NULL when absent or null; *bad set when present with another type. */
const char *seed_str(json_t *o, const char *key, bool *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = true;
        return NULL;
    }
    return json_string_value(v);
}

enum app_status seed_need(struct loader *L, const char *id, const char *key, const char *v,
                          bool bad)
{
    if (bad || !v || !*v)
        return seed_fail(L, "%s: '%s' must be a non-empty string", id ? id : "?", key);
    return APP_OK;
}

sqlite3_stmt *seed_prep(struct loader *L, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(L->db, sql, -1, &st, NULL) != SQLITE_OK) {
        seed_fail(L, "SQL error: %s", sqlite3_errmsg(L->db));
        return NULL;
    }
    return st;
}

void seed_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

void seed_bind_seq(sqlite3_stmt *st, int i, sqlite3_int64 seq)
{
    if (seq > 0)
        sqlite3_bind_int64(st, i, seq);
    else
        sqlite3_bind_null(st, i);
}

/* Steps an insert and resets it; on failure names the record. */
enum app_status seed_step(struct loader *L, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return seed_fail(L, "%s: %s", what, sqlite3_errmsg(L->db));
    return APP_OK;
}

/* seq of the row with this id in table (entity, program, source, metric); 0 when absent. */
sqlite3_int64 seed_seq(struct loader *L, const char *table, const char *id)
{
    char sql[96];
    int n = snprintf(sql, sizeof sql, "SELECT seq FROM %s WHERE id = ?1", table);
    if (n < 0 || (size_t)n >= sizeof sql || !id)
        return 0;
    sqlite3_stmt *st = NULL;
    sqlite3_int64 seq = 0;
    if (sqlite3_prepare_v2(L->db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            seq = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return seq;
}

/*
 * A curated record goes through the write API's validator before it is loaded (doc: its
 * members as a POST would send them, taken), so the seed and the API accept and refuse the
 * same records with the same words: the message names the member by its JSON pointer.
 */
enum app_status seed_as_api(struct loader *L, enum write_resource r, json_t *doc, const char *id)
{
    if (!doc)
        return seed_fail(L, "%s: out of memory", id);
    /* the write API's lookups over the database being built */
    const struct write_lookup lk = write_repo_lookup(L->conn);
    struct write_errors we;
    memset(&we, 0, sizeof we);
    char *out = NULL;
    enum app_status st = write_json_validate(r, doc, true, &lk, &we, &out);
    free(out);
    json_decref(doc);
    if (st == APP_EINVAL && we.n)
        return seed_fail(L, "%s: %s: %s%s", id, we.pointer[0], we.msg[0],
                         we.total > 1 ? " (and more: POST it to the API to see them all)" : "");
    if (st == APP_ECONFLICT)
        return seed_fail(L, "%s: the id is taken", id);
    if (st != APP_OK)
        return seed_fail(L, "%s: validating: %s (%s)", id, app_status_str(st), db_errmsg(L->conn));
    return APP_OK;
}

/* A copy of o without the members the seed has and the API does not take. */
json_t *seed_without(const json_t *o, const char *const *drop, size_t n)
{
    json_t *doc = json_deep_copy(o);
    for (size_t i = 0; doc && i < n; i++)
        json_object_del(doc, drop[i]);
    return doc;
}

enum app_status seed_build(const char *out_path, char *err, size_t errlen)
{
    return seed_build_from(embedded_files, embedded_nfiles, out_path, err, errlen);
}

enum app_status seed_build_from(const struct embedded_file *files, size_t nfiles,
                                const char *out_path, char *err, size_t errlen)
{
    struct loader L = {.files = files, .nfiles = nfiles, .err = err, .errlen = errlen};
    sha256_init(&L.inputs);
    enum app_status s = APP_OK;
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return seed_fail(&L, "database path too long");
    unlink(tmp);
    struct db_conn *conn = NULL;
    s = db_open(tmp, false, &conn);
    if (s != APP_OK)
        return seed_fail(&L, "cannot create %s: %s", tmp, app_status_str(s));
    L.conn = conn;
    L.db = db_handle(conn);
    /* The build writes one file in one transaction; WAL is turned on by the server. */
    int from = 0, to = 0;
    if ((s = db_exec(conn, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF")) ||
        (s = db_migrate(conn, &from, &to))) {
        seed_fail(&L, "migrations failed: %s", db_errmsg(conn));
        goto out;
    }
    if ((s = db_begin(conn)))
        goto out;
    if ((s = seed_topics(&L)) || (s = seed_programs(&L)))
        goto out;
    json_t *ents = seed_load(&L, "db/seed/entities.json");
    if (!ents) {
        s = APP_EINVAL;
        goto out;
    }
    s = seed_entities(&L, ents);
    json_decref(ents);
    if (s)
        goto out;
    json_t *metrics = seed_load(&L, "db/seed/metrics.json");
    if (!metrics) {
        s = APP_EINVAL;
        goto out;
    }
    s = seed_metrics(&L, metrics, 0);
    if (s == APP_OK)
        s = seed_relations(&L, metrics);
    json_decref(metrics);
    if (s || (s = seed_sources(&L)))
        goto out;
    static const char prefix[] = "db/seed/claims/";
    if ((s = db_exec(conn, SEED_SQL_PENDING_LINKS)))
        goto out;
    for (size_t i = 0; i < L.nfiles; i++) {
        const char *name = L.files[i].name;
        if (strncmp(name, prefix, sizeof prefix - 1) == 0 &&
            (s = seed_claims_file(&L, name)) != APP_OK)
            goto out;
    }
    if ((s = seed_links(&L)) || (s = db_exec(conn, "DROP TABLE pending_link")))
        goto out;
    if ((s = seed_conflicts(&L)) != APP_OK)
        goto out;
    L.file = "search index";
    if (search_repo_rebuild(conn) != APP_OK) {
        s = seed_fail(&L, "%s", db_errmsg(conn));
        goto out;
    }
    unsigned char digest[32];
    char hex[65];
    sha256_final(&L.inputs, digest);
    sha256_to_hex(digest, hex);
    sqlite3_stmt *st =
        seed_prep(&L, "INSERT INTO dataset (id, version, inputs_sha256) VALUES (1, 1, ?1)");
    if (!st) {
        s = APP_EINVAL;
        goto out;
    }
    sqlite3_bind_text(st, 1, hex, 64, SQLITE_TRANSIENT);
    s = seed_step(&L, st, "dataset");
    sqlite3_finalize(st);
    if (s)
        goto out;
    if ((s = db_commit(conn))) {
        seed_fail(&L, "commit failed: %s", db_errmsg(conn));
        goto out;
    }
out:
    if (s != APP_OK)
        db_rollback(conn);
    db_close(conn);
    if (s == APP_OK && rename(tmp, out_path) != 0)
        s = seed_fail(&L, "cannot rename %s to %s", tmp, out_path);
    if (s != APP_OK)
        unlink(tmp);
    return s;
}
