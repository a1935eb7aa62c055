#include "entity_repo.h"

#include "buf.h"

#include <sqlite3.h>

const char *const entity_sort_keys[] = {"name", "id", NULL};

/*
 * The seqs of the claims involving the entity whose seq is `e`: as subject,
 * place or claimant, or mentioned by the quote (what /v1/claims?entity= selects).
 */
#define INVOLVING(e)                                              \
    "(SELECT seq FROM claim WHERE subject_entity_seq = " e        \
    " UNION SELECT seq FROM claim WHERE place_seq = " e           \
    " UNION SELECT seq FROM claim WHERE claimant_entity_seq = " e \
    " UNION SELECT claim_seq FROM claim_mention WHERE entity_seq = " e ")"

/* The columns of an entity but its claim count; S_visit() reads them by position. */
#define ENTITY_COLUMNS                                                                          \
    "e.seq, e.id, e.kind, e.name, e.description, (SELECT json_group_array(alias) FROM (SELECT " \
    "alias FROM entity_alias WHERE entity_seq = e.seq ORDER BY alias))"

/*
 * Every (entity, claim) involvement at once, for lists: one pass over the
 * claims instead of one per entity (claimant_entity_seq has no index).
 */
#define ENTITY_COUNTS_JOIN                                                                       \
    " LEFT JOIN (SELECT entity_seq, count(*) AS n FROM (SELECT subject_entity_seq AS "           \
    "entity_seq, seq AS claim_seq FROM claim WHERE subject_entity_seq IS NOT NULL AND "          \
    "deleted_at IS NULL UNION SELECT place_seq, seq FROM claim WHERE place_seq IS NOT NULL AND " \
    "deleted_at IS NULL UNION SELECT claimant_entity_seq, seq FROM claim WHERE "                 \
    "claimant_entity_seq IS NOT NULL AND deleted_at IS NULL UNION SELECT cm.entity_seq, "        \
    "cm.claim_seq FROM claim_mention cm JOIN claim c ON c.seq = cm.claim_seq WHERE "             \
    "cm.entity_seq IS NOT NULL AND c.deleted_at IS NULL) GROUP BY entity_seq) k ON "             \
    "k.entity_seq = e.seq"

/* Filter fragments: static text with named parameters only. */
static const char F_KIND[] = " AND e.kind IN (SELECT value FROM json_each(:kind))";
static const char F_TEXT[] = " AND (" DB_FOLD_CONTAINS(
    "e.name", ":text") " OR EXISTS (SELECT 1 FROM entity_alias a WHERE "
                       "a.entity_seq = e.seq AND " DB_FOLD_CONTAINS("a.alias", ":text") "))";

static void S_where(struct buf *b, const struct entity_filter *f)
{
    buf_puts(b, " WHERE 1");
    if (f->kind_json)
        buf_puts(b, F_KIND);
    if (f->text)
        buf_puts(b, F_TEXT);
}

static void S_bind_filter(sqlite3_stmt *st, const void *filter)
{
    const struct entity_filter *f = filter;
    db_bind_named_text(st, ":kind", f->kind_json);
    db_bind_named_text(st, ":text", f->text);
}

/* The caller's row callback, for db_rows(). */
struct visit {
    entity_row_fn fn;
    void *ctx;
};

static bool S_visit(void *ctx, sqlite3_stmt *st)
{
    const struct visit *v = ctx;
    struct entity_row r;
    r.seq = sqlite3_column_int64(st, 0);
    r.id = db_column_text(st, 1);
    r.kind = db_column_text(st, 2);
    r.name = db_column_text(st, 3);
    r.description = db_column_text(st, 4);
    r.aliases_json = db_column_text(st, 5);
    r.claim_count = sqlite3_column_int64(st, 6);
    return v->fn(v->ctx, &r);
}

/* ORDER BY fragments per sort key: ascending and descending. */
static const char *const order_sql[][2] = {
    {"e.name COLLATE NOCASE ASC", "e.name COLLATE NOCASE DESC"},
    {"e.id ASC", "e.id DESC"},
};

enum app_status entity_repo_list(struct db_conn *c, const struct entity_filter *f,
                                 const struct sort_key *sort, size_t nsort, int64_t limit,
                                 int64_t offset, bool keyset, int64_t after, entity_row_fn fn,
                                 void *ctx)
{
    const struct db_page pg = {"e.seq", order_sql, sort, nsort, limit, offset, keyset, after};
    struct visit v = {fn, ctx};
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT " ENTITY_COLUMNS ", coalesce(k.n, 0) FROM entity e" ENTITY_COUNTS_JOIN);
    S_where(&sql, f);
    return db_page_rows(c, &sql, &pg, S_bind_filter, f, S_visit, &v);
}

enum app_status entity_repo_count(struct db_conn *c, const struct entity_filter *f, int64_t *out)
{
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT count(*) FROM entity e");
    S_where(&sql, f);
    return db_count_buf(c, &sql, S_bind_filter, f, out);
}

static const char SQL_GET[] =
    "SELECT " ENTITY_COLUMNS ", (SELECT count(*) FROM claim c WHERE c.deleted_at IS NULL AND "
    "c.seq IN " INVOLVING("e.seq") ") FROM entity e WHERE e.id = ?1";

enum app_status entity_repo_get(struct db_conn *c, const char *id, entity_row_fn fn, void *ctx)
{
    struct visit v = {fn, ctx};
    return db_rows_by_id(c, SQL_GET, id, S_visit, &v);
}

static const char SQL_CLAIMS[] =
    "SELECT c.id, s.id, c.statement, c.kind FROM claim c JOIN source s ON s.seq = c.source_seq "
    "WHERE c.deleted_at IS NULL AND c.seq IN " INVOLVING("?1") " ORDER BY c.seq LIMIT ?2";

struct claim_visit {
    entity_claim_fn fn;
    void *ctx;
};

static bool S_claim_row(void *ctx, sqlite3_stmt *st)
{
    const struct claim_visit *v = ctx;
    struct entity_claim_row r;
    r.id = db_column_text(st, 0);
    r.source_id = db_column_text(st, 1);
    r.statement = db_column_text(st, 2);
    r.kind = db_column_text(st, 3);
    return v->fn(v->ctx, &r);
}

enum app_status entity_repo_claims(struct db_conn *c, int64_t seq, int64_t limit,
                                   entity_claim_fn fn, void *ctx)
{
    struct claim_visit v = {fn, ctx};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_CLAIMS, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, limit);
    return db_rows(st, S_claim_row, &v);
}
