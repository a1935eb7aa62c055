#include "search_repo.h"

#include "buf.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/*
 * A row's rowid is seq * 4 + the kind (migration 0007): 0 claim, 1 program, 2 source,
 * the order of the type names, so "rowid & 3" sorts and filters by type without
 * reading the stored columns. The index holds live records only (every write replaces
 * its record's row in the same transaction), so a hit needs no join to be counted.
 * ?1 is an FTS5 expression, ?2 a JSON array of doc types or NULL.
 * The table is never aliased: FTS5's MATCH and auxiliary functions name it.
 */
#define SEARCH_WHERE                                                                         \
    " FROM search_index WHERE search_index MATCH ?1"                                         \
    " AND (?2 IS NULL OR (search_index.rowid & 3) IN (SELECT CASE value WHEN 'claim' THEN 0" \
    " WHEN 'program' THEN 1 WHEN 'source' THEN 2 END FROM json_each(?2)))"

/*
 * The page: bm25 with weights title 5, body 1, aliases 2, extra 1 (marsad_rank, which
 * does not score the rows that cannot reach the first ?3 = limit + offset), ties by
 * type then id; the id is read only for rows that were scored (a pruned row's 1.0
 * sorts last). ?4 limit, ?5 offset.
 */
static const char SQL_PAGE[] =
    "SELECT search_index.rowid, marsad_rank(search_index, ?3, 0.0, 0.0, 5.0, 1.0, 2.0, 1.0)"
    " AS score" SEARCH_WHERE " ORDER BY score, search_index.rowid & 3,"
    " CASE WHEN score > 0 THEN NULL ELSE search_index.doc_id END LIMIT ?4 OFFSET ?5";

/*
 * The hits of the page with what they show: snippets of the evidence (body: a claim's
 * quote) and of the title (a claim's statement), the title highlighted, and a claim's
 * source id and statement; in the page's order (the position in ?2, a JSON array of
 * the page's rowids). One MATCH for the page: the rowid test is kept from FTS5 (+),
 * which would otherwise run the match again per rowid (a prefix term's doclists are
 * merged in full each time); so FTS5 walks the hits once and the snippets are cut for
 * the page only.
 */
static const char SQL_HITS[] =
    "SELECT (SELECT key FROM json_each(?2) WHERE value = search_index.rowid) AS pos,"
    " search_index.doc_type, search_index.doc_id, search_index.title,"
    " snippet(search_index, 3, '" SEARCH_MARK_OPEN "', '" SEARCH_MARK_CLOSE
    "', '\xe2\x80\xa6', 16),"
    " snippet(search_index, 2, '" SEARCH_MARK_OPEN "', '" SEARCH_MARK_CLOSE
    "', '\xe2\x80\xa6', 16),"
    " highlight(search_index, 2, '" SEARCH_MARK_OPEN "', '" SEARCH_MARK_CLOSE "'),"
    " cs.id, c.statement FROM search_index"
    " LEFT JOIN claim c ON (search_index.rowid & 3) = 0 AND c.seq = search_index.rowid >> 2"
    " LEFT JOIN source cs ON cs.seq = c.source_seq"
    " WHERE search_index MATCH ?1 AND +search_index.rowid IN (SELECT value FROM json_each(?2))"
    " ORDER BY pos";

static const char SQL_COUNT[] = "SELECT count(*)" SEARCH_WHERE;

static void S_bind_filter(sqlite3_stmt *st, const struct search_filter *f)
{
    sqlite3_bind_text(st, 1, f->fts, -1, SQLITE_STATIC);
    if (f->types_json)
        sqlite3_bind_text(st, 2, f->types_json, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
}

/* The names of the field a snippet was cut from: {body, title} per kind. */
static void S_fields(const char *type, const char **body, const char **title)
{
    if (type && strcmp(type, "source") == 0) {
        *body = "note";
        *title = "title";
    } else if (type && strcmp(type, "program") == 0) {
        *body = "description";
        *title = "name";
    } else {
        *body = "quote";
        *title = "statement";
    }
}

/* The page's rows, then the caller's hit callback, for db_rows(). */
struct visit {
    int64_t n, cap;
    double *score;
    struct buf ids; /* JSON array of the page's rowids */
    search_hit_fn fn;
    void *ctx;
};

static bool S_page_row(void *ctx, sqlite3_stmt *st)
{
    struct visit *v = ctx;
    if (v->n >= v->cap)
        return false;
    buf_printf(&v->ids, "%s%lld", v->n ? "," : "[", (long long)sqlite3_column_int64(st, 0));
    v->score[v->n++] = sqlite3_column_double(st, 1);
    return true;
}

static bool S_hit(void *ctx, sqlite3_stmt *st)
{
    const struct visit *v = ctx;
    int64_t pos = sqlite3_column_int64(st, 0);
    struct search_hit h;
    h.type = db_column_text(st, 1);
    h.id = db_column_text(st, 2);
    h.title = db_column_text(st, 3);
    const char *body_snippet = db_column_text(st, 4);
    const char *title_snippet = db_column_text(st, 5);
    const char *body_field, *title_field;
    S_fields(h.type, &body_field, &title_field);
    /* The evidence when it holds a match, else the title when it does, else the evidence. */
    bool body_hit = body_snippet && strchr(body_snippet, SEARCH_MARK_OPEN[0]);
    bool title_hit = title_snippet && strchr(title_snippet, SEARCH_MARK_OPEN[0]);
    if (!body_hit && title_hit) {
        h.snippet = title_snippet;
        h.snippet_field = title_field;
    } else {
        h.snippet = body_snippet;
        h.snippet_field = body_field;
    }
    h.title_snippet = db_column_text(st, 6);
    h.score = pos >= 0 && pos < v->n ? v->score[pos] : 0.0;
    h.source_id = db_column_text(st, 7);
    h.statement = db_column_text(st, 8);
    return v->fn(v->ctx, &h);
}

enum app_status search_repo_list(struct db_conn *c, const struct search_filter *f, int64_t limit,
                                 int64_t offset, search_hit_fn fn, void *ctx)
{
    if (limit <= 0)
        return APP_OK;
    struct visit v = {0, limit, NULL, {0}, fn, ctx};
    buf_init(&v.ids);
    v.score = malloc((size_t)limit * sizeof *v.score);
    if (!v.score)
        return APP_ENOMEM;
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_PAGE, &st);
    if (s == APP_OK) {
        S_bind_filter(st, f);
        sqlite3_bind_int64(st, 3, limit + offset);
        sqlite3_bind_int64(st, 4, limit);
        sqlite3_bind_int64(st, 5, offset);
        s = db_rows(st, S_page_row, &v);
    }
    buf_putc(&v.ids, ']');
    if (s == APP_OK && v.ids.oom)
        s = APP_ENOMEM;
    if (s == APP_OK && v.n > 0 && (s = db_stmt(c, SQL_HITS, &st)) == APP_OK) {
        sqlite3_bind_text(st, 1, f->fts, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, buf_str(&v.ids), -1, SQLITE_STATIC);
        s = db_rows(st, S_hit, &v);
    }
    free(v.score);
    buf_free(&v.ids);
    return s;
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
 * What the index holds for each kind of record (the rowid and columns of migration
 * 0007). Claims carry the aliases of every entity and program they mention or are
 * about, so one spelling finds the others. One definition serves the full rebuild and
 * the per-record update.
 */
#define INDEX_CLAIM                                                                                \
    "INSERT INTO search_index (rowid, doc_type, doc_id, title, body, aliases, extra) SELECT "      \
    "c.seq * 4, 'claim', c.id, c.statement, c.quote, (SELECT group_concat(a, ' ') FROM (SELECT "   \
    "ea.alias AS a FROM claim_mention m JOIN entity_alias ea ON ea.entity_seq = m.entity_seq "     \
    "WHERE m.claim_seq = c.seq UNION SELECT e.name FROM claim_mention m JOIN entity e ON e.seq = " \
    "m.entity_seq WHERE m.claim_seq = c.seq UNION SELECT pa.alias FROM claim_mention m JOIN "      \
    "program_alias pa ON pa.program_seq = m.program_seq WHERE m.claim_seq = c.seq UNION SELECT "   \
    "p.name FROM claim_mention m JOIN program p ON p.seq = m.program_seq WHERE m.claim_seq = "     \
    "c.seq UNION SELECT p.name FROM program p WHERE p.seq = c.subject_program_seq UNION SELECT "   \
    "pa.alias FROM program_alias pa WHERE pa.program_seq = c.subject_program_seq ORDER BY 1)), "   \
    "c.claimant || ' ' || coalesce(c.value_text, '') || ' ' || coalesce(c.note, '') FROM claim c " \
    "WHERE c.deleted_at IS NULL"
#define INDEX_SOURCE                                                                            \
    "INSERT INTO search_index (rowid, doc_type, doc_id, title, body, aliases, extra) SELECT "   \
    "s.seq * 4 + 2, 'source', s.id, s.title, coalesce(s.note, ''), '', coalesce(s.publisher, "  \
    "'') || ' ' || coalesce(s.original_publisher, '') || ' ' || s.authors FROM source s WHERE " \
    "s.deleted_at IS NULL"
#define INDEX_PROGRAM                                                                           \
    "INSERT INTO search_index (rowid, doc_type, doc_id, title, body, aliases, extra) SELECT "   \
    "p.seq * 4 + 1, 'program', p.id, p.name, coalesce(p.description, ''), (SELECT "             \
    "group_concat(alias, ' ') FROM (SELECT alias FROM program_alias WHERE program_seq = p.seq " \
    "ORDER BY alias)), '' FROM program p WHERE p.deleted_at IS NULL"

static const char SQL_REBUILD[] =
    "DELETE FROM search_index; " INDEX_CLAIM " ORDER BY c.seq; " INDEX_SOURCE
    " ORDER BY s.seq; " INDEX_PROGRAM " ORDER BY p.seq;";
/* A record's row, by rowid: FTS5 reads that one row's tokens to take them out. */
static const char SQL_UNINDEX_CLAIM[] =
    "DELETE FROM search_index WHERE rowid = (SELECT seq * 4 FROM claim WHERE id = ?1)";
static const char SQL_UNINDEX_SOURCE[] =
    "DELETE FROM search_index WHERE rowid = (SELECT seq * 4 + 2 FROM source WHERE id = ?1)";
static const char SQL_UNINDEX_PROGRAM[] =
    "DELETE FROM search_index WHERE rowid = (SELECT seq * 4 + 1 FROM program WHERE id = ?1)";
static const char SQL_INDEX_CLAIM[] = INDEX_CLAIM " AND c.id = ?1";
static const char SQL_INDEX_SOURCE[] = INDEX_SOURCE " AND s.id = ?1";
static const char SQL_INDEX_PROGRAM[] = INDEX_PROGRAM " AND p.id = ?1";

enum app_status search_repo_rebuild(struct db_conn *c)
{
    return db_exec(c, SQL_REBUILD);
}

static enum app_status S_run(struct db_conn *c, const char *sql, const char *id)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
}

enum app_status search_repo_reindex(struct db_conn *c, const char *doc_type, const char *id)
{
    bool claim = strcmp(doc_type, "claim") == 0, source = strcmp(doc_type, "source") == 0;
    enum app_status s = S_run(c,
                              claim    ? SQL_UNINDEX_CLAIM
                              : source ? SQL_UNINDEX_SOURCE
                                       : SQL_UNINDEX_PROGRAM,
                              id);
    if (s != APP_OK)
        return s;
    return S_run(c, claim ? SQL_INDEX_CLAIM : source ? SQL_INDEX_SOURCE : SQL_INDEX_PROGRAM, id);
}
