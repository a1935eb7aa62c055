#include "program_repo.h"

#include "buf.h"

#include <sqlite3.h>

const char *const program_sort_keys[] = {"name", "id", NULL};
const char *const program_kinds[] = {
    "program", "policy", "law", "institution", "initiative", "security_mechanism", NULL};

#define PROGRAM_COLUMNS                                                            \
    "p.seq, p.id, p.name, p.kind, p.description, "                                 \
    "(SELECT json_group_array(alias) FROM (SELECT alias FROM program_alias WHERE " \
    "program_seq = p.seq ORDER BY alias))"

/*
 * The claims about a program (its subject, or a mention in the quote), their
 * sources, and the mentions among them: one pass over the claim rows, the
 * candidates found through covering indexes.
 */
static const char SQL_COUNTS[] =
    "SELECT count(*), count(DISTINCT c.source_seq), sum(m.claim_seq IS NOT NULL) FROM claim c "
    "LEFT JOIN claim_mention m ON m.claim_seq = c.seq AND m.program_seq = ?1 WHERE "
    "c.deleted_at IS NULL AND c.seq IN (SELECT seq FROM claim WHERE subject_program_seq = ?1 "
    "UNION SELECT claim_seq FROM claim_mention WHERE program_seq = ?1)";

#define IDS(p) " IN (SELECT value FROM json_each(" p "))"
static const char F_BASE[] = " WHERE p.deleted_at IS NULL";
static const char F_KIND[] = " AND p.kind" IDS(":kind");
static const char F_Q[] = " AND (instr(lower(p.name), lower(:q)) > 0 OR EXISTS (SELECT 1 FROM "
                          "program_alias a WHERE a.program_seq = p.seq AND "
                          "instr(lower(a.alias), lower(:q)) > 0))";
static const char F_AFTER[] = " AND p.seq > :after";

/* ORDER BY fragments per sort key: ascending and descending. */
static const char *const order_sql[][2] = {
    {"p.name COLLATE NOCASE ASC", "p.name COLLATE NOCASE DESC"},
    {"p.id ASC", "p.id DESC"},
};

static void S_where(struct buf *b, const struct program_filter *f)
{
    buf_puts(b, F_BASE);
    if (f->kind_json)
        buf_puts(b, F_KIND);
    if (f->q)
        buf_puts(b, F_Q);
}

static void S_bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0 && v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void S_bind_i64(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_int64(st, i, v);
}

static const char *S_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static enum app_status S_counts(struct db_conn *c, struct program_row *r)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_COUNTS, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_int64(st, 1, r->seq);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        r->claim_count = sqlite3_column_int64(st, 0);
        r->source_count = sqlite3_column_int64(st, 1);
        r->mentions_count = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? APP_OK : db_status(rc);
}

static enum app_status S_run(struct db_conn *c, sqlite3_stmt *st, program_row_fn fn, void *ctx,
                             bool *any)
{
    int rc;
    enum app_status s = APP_OK;
    struct program_row r;
    *any = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int i = 0;
        *any = true;
        r.seq = sqlite3_column_int64(st, i++);
        r.id = S_text(st, i++);
        r.name = S_text(st, i++);
        r.kind = S_text(st, i++);
        r.description = S_text(st, i++);
        r.aliases_json = S_text(st, i++);
        s = S_counts(c, &r);
        if (s != APP_OK || !fn(ctx, &r)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    if (s != APP_OK)
        return s;
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
}

enum app_status program_repo_count(struct db_conn *c, const struct program_filter *f, int64_t *out)
{
    struct buf sql;
    sqlite3_stmt *st = NULL;
    buf_init(&sql);
    buf_puts(&sql, "SELECT count(*) FROM program p");
    S_where(&sql, f);
    if (sql.oom) {
        buf_free(&sql);
        return APP_ENOMEM;
    }
    enum app_status s = db_stmt_text(c, buf_str(&sql), &st);
    buf_free(&sql);
    if (s != APP_OK)
        return s;
    S_bind_text(st, ":kind", f->kind_json);
    S_bind_text(st, ":q", f->q);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? APP_OK : db_status(rc);
}

enum app_status program_repo_list(struct db_conn *c, const struct program_filter *f,
                                  const struct sort_key *sort, size_t nsort, int64_t limit,
                                  int64_t offset, bool keyset, int64_t after, program_row_fn fn,
                                  void *ctx)
{
    struct buf sql;
    sqlite3_stmt *st = NULL;
    bool any;
    buf_init(&sql);
    buf_puts(&sql, "SELECT " PROGRAM_COLUMNS " FROM program p");
    S_where(&sql, f);
    if (keyset)
        buf_puts(&sql, F_AFTER);
    buf_puts(&sql, " ORDER BY ");
    for (size_t i = 0; i < nsort; i++) {
        buf_puts(&sql, order_sql[sort[i].key][sort[i].desc ? 1 : 0]);
        buf_puts(&sql, ", ");
    }
    buf_puts(&sql, "p.seq LIMIT :limit OFFSET :offset");
    if (sql.oom) {
        buf_free(&sql);
        return APP_ENOMEM;
    }
    enum app_status s = db_stmt_text(c, buf_str(&sql), &st);
    buf_free(&sql);
    if (s != APP_OK)
        return s;
    S_bind_text(st, ":kind", f->kind_json);
    S_bind_text(st, ":q", f->q);
    if (keyset)
        S_bind_i64(st, ":after", after);
    S_bind_i64(st, ":limit", limit);
    S_bind_i64(st, ":offset", keyset ? 0 : offset);
    return S_run(c, st, fn, ctx, &any);
}

static const char SQL_GET[] =
    "SELECT " PROGRAM_COLUMNS " FROM program p WHERE p.id = ?1 AND p.deleted_at IS NULL";

enum app_status program_repo_get(struct db_conn *c, const char *id, program_row_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    bool any;
    enum app_status s = db_stmt(c, SQL_GET, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    s = S_run(c, st, fn, ctx, &any);
    if (s == APP_OK && !any)
        return APP_ENOTFOUND;
    return s;
}
