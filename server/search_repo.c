#include "search_repo.h"

#include <sqlite3.h>

/*
 * Every hit is joined to its record so that deleted records never show up.
 * ?1 is a sanitized FTS5 expression, ?2 a JSON array of doc types or NULL.
 * The table is never aliased: FTS5's MATCH and auxiliary functions name it.
 */
#define SEARCH_FROM                                                                            \
    " FROM search_index"                                                                       \
    " LEFT JOIN claim c ON search_index.doc_type = 'claim' AND c.id = search_index.doc_id"     \
    " LEFT JOIN source cs ON cs.seq = c.source_seq"                                            \
    " LEFT JOIN source s ON search_index.doc_type = 'source' AND s.id = search_index.doc_id"   \
    " LEFT JOIN program p ON search_index.doc_type = 'program' AND p.id = search_index.doc_id" \
    " WHERE search_index MATCH ?1"                                                             \
    " AND (?2 IS NULL OR search_index.doc_type IN (SELECT value FROM json_each(?2)))"          \
    " AND coalesce(c.seq, s.seq, p.seq) IS NOT NULL"                                           \
    " AND coalesce(c.deleted_at, s.deleted_at, p.deleted_at) IS NULL"

/* Column weights by position: doc_type, doc_id (unindexed), title, body, aliases. */
#define SEARCH_BM25 "bm25(search_index, 0.0, 0.0, 5.0, 1.0, 2.0)"

static const char SQL_LIST[] =
    "SELECT search_index.doc_type, search_index.doc_id, search_index.title,"
    " snippet(search_index, 3, '<mark>', '</mark>', '\xe2\x80\xa6', 16),"
    " highlight(search_index, 2, '<mark>', '</mark>'), " SEARCH_BM25 " AS score,"
    " cs.id, c.statement" SEARCH_FROM
    " ORDER BY score, search_index.doc_type, search_index.doc_id LIMIT ?3 OFFSET ?4";

static const char SQL_COUNT[] = "SELECT count(*)" SEARCH_FROM;

static void S_bind_filter(sqlite3_stmt *st, const struct search_filter *f)
{
    sqlite3_bind_text(st, 1, f->fts, -1, SQLITE_STATIC);
    if (f->types_json)
        sqlite3_bind_text(st, 2, f->types_json, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
}

/* The caller's hit callback, for db_rows(). */
struct visit {
    search_hit_fn fn;
    void *ctx;
};

static bool S_visit(void *ctx, sqlite3_stmt *st)
{
    const struct visit *v = ctx;
    struct search_hit h;
    h.type = db_column_text(st, 0);
    h.id = db_column_text(st, 1);
    h.title = db_column_text(st, 2);
    h.snippet = db_column_text(st, 3);
    h.title_snippet = db_column_text(st, 4);
    h.score = sqlite3_column_double(st, 5);
    h.source_id = db_column_text(st, 6);
    h.statement = db_column_text(st, 7);
    return v->fn(v->ctx, &h);
}

enum app_status search_repo_list(struct db_conn *c, const struct search_filter *f, int64_t limit,
                                 int64_t offset, search_hit_fn fn, void *ctx)
{
    struct visit v = {fn, ctx};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_LIST, &st);
    if (s != APP_OK)
        return s;
    S_bind_filter(st, f);
    sqlite3_bind_int64(st, 3, limit);
    sqlite3_bind_int64(st, 4, offset);
    return db_rows(st, S_visit, &v);
}

enum app_status search_repo_count(struct db_conn *c, const struct search_filter *f, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_COUNT, &st);
    if (s != APP_OK)
        return s;
    S_bind_filter(st, f);
    return db_step_i64(st, out);
}
