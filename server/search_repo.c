#include "search_repo.h"

#include <sqlite3.h>
#include <string.h>

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
    " snippet(search_index, 3, '" SEARCH_MARK_OPEN "', '" SEARCH_MARK_CLOSE
    "', '\xe2\x80\xa6', 16),"
    " highlight(search_index, 2, '" SEARCH_MARK_OPEN "', '" SEARCH_MARK_CLOSE "'), " SEARCH_BM25
    " AS score,"
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

/*
 * What the index holds for each kind of record. Claims carry the aliases of
 * every entity and program they mention or are about, so one spelling finds
 * the others. One definition serves the full rebuild and the per-record update.
 */
#define INDEX_CLAIM                                                                                \
    "INSERT INTO search_index (doc_type, doc_id, title, body, aliases) SELECT 'claim', c.id, "     \
    "c.statement, c.quote || ' ' || c.claimant || ' ' || coalesce(c.value_text, '') || ' ' || "    \
    "coalesce(c.note, ''), (SELECT group_concat(a, ' ') FROM (SELECT ea.alias AS a FROM "          \
    "claim_mention m JOIN entity_alias ea ON ea.entity_seq = m.entity_seq WHERE m.claim_seq = "    \
    "c.seq UNION SELECT e.name FROM claim_mention m JOIN entity e ON e.seq = m.entity_seq WHERE "  \
    "m.claim_seq = c.seq UNION SELECT pa.alias FROM claim_mention m JOIN program_alias pa ON "     \
    "pa.program_seq = m.program_seq WHERE m.claim_seq = c.seq UNION SELECT p.name FROM "           \
    "claim_mention m JOIN program p ON p.seq = m.program_seq WHERE m.claim_seq = c.seq UNION "     \
    "SELECT p.name FROM program p WHERE p.seq = c.subject_program_seq UNION SELECT pa.alias FROM " \
    "program_alias pa WHERE pa.program_seq = c.subject_program_seq ORDER BY 1)) FROM claim c "     \
    "WHERE c.deleted_at IS NULL"
#define INDEX_SOURCE                                                                             \
    "INSERT INTO search_index (doc_type, doc_id, title, body, aliases) SELECT 'source', s.id, "  \
    "s.title, coalesce(s.publisher, '') || ' ' || coalesce(s.original_publisher, '') || ' ' || " \
    "s.authors || ' ' || coalesce(s.note, ''), '' FROM source s WHERE s.deleted_at IS NULL"
#define INDEX_PROGRAM                                                                            \
    "INSERT INTO search_index (doc_type, doc_id, title, body, aliases) SELECT 'program', p.id, " \
    "p.name, coalesce(p.description, ''), (SELECT group_concat(alias, ' ') FROM (SELECT alias "  \
    "FROM program_alias WHERE program_seq = p.seq ORDER BY alias)) FROM program p WHERE "        \
    "p.deleted_at IS NULL"

static const char SQL_REBUILD[] =
    "DELETE FROM search_index; " INDEX_CLAIM " ORDER BY c.seq; " INDEX_SOURCE
    " ORDER BY s.seq; " INDEX_PROGRAM " ORDER BY p.seq;";
static const char SQL_UNINDEX[] = "DELETE FROM search_index WHERE doc_type = ?1 AND doc_id = ?2";
static const char SQL_INDEX_CLAIM[] = INDEX_CLAIM " AND c.id = ?1";
static const char SQL_INDEX_SOURCE[] = INDEX_SOURCE " AND s.id = ?1";
static const char SQL_INDEX_PROGRAM[] = INDEX_PROGRAM " AND p.id = ?1";

enum app_status search_repo_rebuild(struct db_conn *c)
{
    return db_exec(c, SQL_REBUILD);
}

enum app_status search_repo_reindex(struct db_conn *c, const char *doc_type, const char *id)
{
    const char *sql = strcmp(doc_type, "claim") == 0    ? SQL_INDEX_CLAIM
                      : strcmp(doc_type, "source") == 0 ? SQL_INDEX_SOURCE
                                                        : SQL_INDEX_PROGRAM;
    const char *const args[2] = {doc_type, id};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_UNINDEX, &st);
    if (s != APP_OK)
        return s;
    db_bind_texts(st, args, 2);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_status(rc);
    if ((s = db_stmt(c, sql, &st)) != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
}
