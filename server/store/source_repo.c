#include "source_repo.h"

#include "buf.h"

#include <sqlite3.h>

const char *const source_sort_keys[] = {"published", "title", "id", NULL};

/* Column list shared by every source query; S_row() reads it by position. */
#define SOURCE_COLUMNS                                                                      \
    "s.seq, s.id, s.title, s.authors, s.publisher, s.original_publisher, s.published, "     \
    "s.published_precision, s.published_basis, s.written, s.written_precision, s.url, "     \
    "s.kind, s.language, s.note, (SELECT count(*) FROM claim c WHERE c.source_seq = s.seq " \
    "AND c.deleted_at IS NULL), t.sha256, t.chars, t.bytes"

#define SOURCE_FROM " FROM source s LEFT JOIN source_text t ON t.source_seq = s.seq"

/* Filter fragments: static text with named parameters only. */
#define IDS(p) " IN (SELECT value FROM json_each(" p "))"
static const char F_KIND[] = " AND s.kind" IDS(":kind");
static const char F_CITES[] =
    " AND s.seq IN (SELECT ci.cited_seq FROM citation ci JOIN source x "
    "ON x.seq = ci.citing_seq WHERE x.deleted_at IS NULL AND x.id" IDS(":cites") ")";
static const char F_CITED_BY[] =
    " AND s.seq IN (SELECT ci.citing_seq FROM citation ci JOIN source x ON x.seq = "
    "ci.cited_seq WHERE x.deleted_at IS NULL AND x.id" IDS(":cited_by") ")";
static const char F_TITLE[] = " AND " DB_FOLD_CONTAINS("s.title", ":title");

static void S_where(struct buf *b, const struct source_filter *f)
{
    buf_puts(b, " WHERE s.deleted_at IS NULL");
    if (f->kind_json)
        buf_puts(b, F_KIND);
    if (f->cites_json)
        buf_puts(b, F_CITES);
    if (f->cited_by_json)
        buf_puts(b, F_CITED_BY);
    if (f->title)
        buf_puts(b, F_TITLE);
}

static void S_bind_filter(sqlite3_stmt *st, const void *filter)
{
    const struct source_filter *f = filter;
    db_bind_named_text(st, ":kind", f->kind_json);
    db_bind_named_text(st, ":cites", f->cites_json);
    db_bind_named_text(st, ":cited_by", f->cited_by_json);
    db_bind_named_text(st, ":title", f->title);
}

static void S_row(sqlite3_stmt *st, struct source_row *r)
{
    int i = 0;
    r->seq = sqlite3_column_int64(st, i++);
    r->id = db_column_text(st, i++);
    r->title = db_column_text(st, i++);
    r->authors_json = db_column_text(st, i++);
    r->publisher = db_column_text(st, i++);
    r->original_publisher = db_column_text(st, i++);
    r->published = db_column_text(st, i++);
    r->published_precision = db_column_text(st, i++);
    r->published_basis = db_column_text(st, i++);
    r->written = db_column_text(st, i++);
    r->written_precision = db_column_text(st, i++);
    r->url = db_column_text(st, i++);
    r->kind = db_column_text(st, i++);
    r->language = db_column_text(st, i++);
    r->note = db_column_text(st, i++);
    r->claim_count = sqlite3_column_int64(st, i++);
    r->has_text = sqlite3_column_type(st, i) != SQLITE_NULL;
    r->text_sha256 = db_column_text(st, i++);
    r->text_chars = sqlite3_column_int64(st, i++);
    r->text_bytes = sqlite3_column_int64(st, i++);
}

/* The caller's row callback, for db_rows(). */
struct visit {
    source_row_fn fn;
    void *ctx;
};

static bool S_visit(void *ctx, sqlite3_stmt *st)
{
    const struct visit *v = ctx;
    struct source_row row;
    S_row(st, &row);
    return v->fn(v->ctx, &row);
}

/* ORDER BY fragments per sort key: ascending and descending; NULLs always last. */
static const char *const order_sql[][2] = {
    {"s.published IS NULL, s.published ASC", "s.published IS NULL, s.published DESC"},
    {"s.title COLLATE NOCASE ASC", "s.title COLLATE NOCASE DESC"},
    {"s.id ASC", "s.id DESC"},
};

enum app_status source_repo_list(struct db_conn *c, const struct source_filter *f,
                                 const struct sort_key *sort, size_t nsort, int64_t limit,
                                 int64_t offset, bool keyset, int64_t after, source_row_fn fn,
                                 void *ctx)
{
    const struct db_page pg = {"s.seq", order_sql, sort, nsort, limit, offset, keyset, after};
    struct visit v = {fn, ctx};
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT " SOURCE_COLUMNS SOURCE_FROM);
    S_where(&sql, f);
    return db_page_rows(c, &sql, &pg, S_bind_filter, f, S_visit, &v);
}

enum app_status source_repo_count(struct db_conn *c, const struct source_filter *f, int64_t *out)
{
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT count(*) FROM source s");
    S_where(&sql, f);
    return db_count_buf(c, &sql, S_bind_filter, f, out);
}

static const char SQL_GET[] =
    "SELECT " SOURCE_COLUMNS SOURCE_FROM " WHERE s.id = ?1 AND s.deleted_at IS NULL";

enum app_status source_repo_get(struct db_conn *c, const char *id, source_row_fn fn, void *ctx)
{
    struct visit v = {fn, ctx};
    return db_rows_by_id(c, SQL_GET, id, S_visit, &v);
}

static const char SQL_KINDS[] = "SELECT kind, count(*) FROM claim WHERE source_seq = ?1 AND "
                                "deleted_at IS NULL GROUP BY kind ORDER BY kind";

struct kinds_visit {
    source_kind_count_fn fn;
    void *ctx;
};

static bool S_kind_row(void *ctx, sqlite3_stmt *st)
{
    const struct kinds_visit *v = ctx;
    return v->fn(v->ctx, db_column_text(st, 0), sqlite3_column_int64(st, 1));
}

enum app_status source_repo_claim_kinds(struct db_conn *c, int64_t seq, source_kind_count_fn fn,
                                        void *ctx)
{
    struct kinds_visit v = {fn, ctx};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_KINDS, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_int64(st, 1, seq);
    return db_rows(st, S_kind_row, &v);
}

/* Both directions of the citation graph read the same four columns. */
static const char SQL_CITES[] =
    "SELECT x.id, x.title, ci.label, ci.note FROM citation ci JOIN source x ON x.seq = "
    "ci.cited_seq WHERE ci.citing_seq = ?1 AND x.deleted_at IS NULL ORDER BY CAST(ci.label AS "
    "INTEGER), ci.label, x.seq";
static const char SQL_CITED_BY[] =
    "SELECT x.id, x.title, ci.label, ci.note FROM citation ci JOIN source x ON x.seq = "
    "ci.citing_seq WHERE ci.cited_seq = ?1 AND x.deleted_at IS NULL ORDER BY x.seq, CAST(ci.label "
    "AS INTEGER), ci.label";

struct citation_visit {
    source_citation_fn fn;
    void *ctx;
};

static bool S_citation_row(void *ctx, sqlite3_stmt *st)
{
    const struct citation_visit *v = ctx;
    struct source_citation_row row;
    row.id = db_column_text(st, 0);
    row.title = db_column_text(st, 1);
    row.label = db_column_text(st, 2);
    row.note = db_column_text(st, 3);
    return v->fn(v->ctx, &row);
}

static enum app_status S_citations(struct db_conn *c, const char *sql, int64_t seq,
                                   source_citation_fn fn, void *ctx)
{
    struct citation_visit v = {fn, ctx};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_int64(st, 1, seq);
    return db_rows(st, S_citation_row, &v);
}

enum app_status source_repo_cites(struct db_conn *c, int64_t seq, source_citation_fn fn, void *ctx)
{
    return S_citations(c, SQL_CITES, seq, fn, ctx);
}

enum app_status source_repo_cited_by(struct db_conn *c, int64_t seq, source_citation_fn fn,
                                     void *ctx)
{
    return S_citations(c, SQL_CITED_BY, seq, fn, ctx);
}

static const char SQL_TEXT[] =
    "SELECT t.body, t.sha256 FROM source s JOIN source_text t ON t.source_seq = s.seq WHERE "
    "s.id = ?1 AND s.deleted_at IS NULL";

struct text_visit {
    source_text_fn fn;
    void *ctx;
};

/* The first row only. */
static bool S_text_row(void *ctx, sqlite3_stmt *st)
{
    const struct text_visit *v = ctx;
    struct source_text_row row;
    row.body = db_column_text(st, 0);
    row.len = (size_t)sqlite3_column_bytes(st, 0);
    row.sha256 = db_column_text(st, 1);
    if (!row.body)
        row.body = "";
    (void)v->fn(v->ctx, &row);
    return false;
}

enum app_status source_repo_text(struct db_conn *c, const char *id, source_text_fn fn, void *ctx)
{
    struct text_visit v = {fn, ctx};
    return db_rows_by_id(c, SQL_TEXT, id, S_text_row, &v);
}

/* substr() counts code points in UTF-8 text, as quote_start and quote_end do (1-based). */
static const char SQL_QUOTE[] =
    "SELECT c.id, c.quote_start, c.quote_end, substr(t.body, c.quote_start + 1, c.quote_end - "
    "c.quote_start), t.sha256 FROM claim c JOIN source s ON s.seq = c.source_seq JOIN "
    "source_text t ON t.source_seq = s.seq WHERE s.id = ?1 AND s.deleted_at IS NULL AND c.id = "
    "?2 AND c.deleted_at IS NULL";

struct quote_visit {
    source_quote_fn fn;
    void *ctx;
};

/* The first row only. */
static bool S_quote_row(void *ctx, sqlite3_stmt *st)
{
    const struct quote_visit *v = ctx;
    struct source_quote_row row;
    row.claim_id = db_column_text(st, 0);
    row.start = sqlite3_column_int64(st, 1);
    row.end = sqlite3_column_int64(st, 2);
    row.quote = db_column_text(st, 3);
    row.sha256 = db_column_text(st, 4);
    (void)v->fn(v->ctx, &row);
    return false;
}

enum app_status source_repo_quote(struct db_conn *c, const char *id, const char *claim_id,
                                  source_quote_fn fn, void *ctx)
{
    struct quote_visit v = {fn, ctx};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_QUOTE, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, claim_id, -1, SQLITE_STATIC);
    return db_rows_found(st, S_quote_row, &v);
}
