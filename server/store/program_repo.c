#include "program_repo.h"

#include "buf.h"
#include "vocab.h"

#include <sqlite3.h>

const char *const program_sort_keys[] = {"name", "id", NULL};

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
static const char F_Q[] = " AND (" DB_FOLD_CONTAINS(
    "p.name", ":q") " OR EXISTS (SELECT 1 FROM "
                    "program_alias a WHERE a.program_seq = p.seq AND " DB_FOLD_CONTAINS("a.alias",
                                                                                        ":q") "))";

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

static void S_bind_filter(sqlite3_stmt *st, const void *filter)
{
    const struct program_filter *f = filter;
    db_bind_named_text(st, ":kind", f->kind_json);
    db_bind_named_text(st, ":q", f->q);
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

/* The caller's row callback, for db_rows(); s holds a failure to count. */
struct visit {
    struct db_conn *c;
    program_row_fn fn;
    void *ctx;
    enum app_status s;
};

static bool S_visit(void *ctx, sqlite3_stmt *st)
{
    struct visit *v = ctx;
    struct program_row r;
    int i = 0;
    r.seq = sqlite3_column_int64(st, i++);
    r.id = db_column_text(st, i++);
    r.name = db_column_text(st, i++);
    r.kind = db_column_text(st, i++);
    r.description = db_column_text(st, i++);
    r.aliases_json = db_column_text(st, i++);
    v->s = S_counts(v->c, &r);
    return v->s == APP_OK && v->fn(v->ctx, &r);
}

enum app_status program_repo_count(struct db_conn *c, const struct program_filter *f, int64_t *out)
{
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT count(*) FROM program p");
    S_where(&sql, f);
    return db_count_buf(c, &sql, S_bind_filter, f, out);
}

enum app_status program_repo_list(struct db_conn *c, const struct program_filter *f,
                                  const struct sort_key *sort, size_t nsort, int64_t limit,
                                  int64_t offset, bool keyset, int64_t after, program_row_fn fn,
                                  void *ctx)
{
    const struct db_page pg = {"p.seq", order_sql, sort, nsort, limit, offset, keyset, after};
    struct visit v = {c, fn, ctx, APP_OK};
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT " PROGRAM_COLUMNS " FROM program p");
    S_where(&sql, f);
    enum app_status s = db_page_rows(c, &sql, &pg, S_bind_filter, f, S_visit, &v);
    return s == APP_OK ? v.s : s;
}

static const char SQL_GET[] =
    "SELECT " PROGRAM_COLUMNS " FROM program p WHERE p.id = ?1 AND p.deleted_at IS NULL";

enum app_status program_repo_get(struct db_conn *c, const char *id, program_row_fn fn, void *ctx)
{
    struct visit v = {c, fn, ctx, APP_OK};
    enum app_status s = db_rows_by_id(c, SQL_GET, id, S_visit, &v);
    return s == APP_OK ? v.s : s;
}
