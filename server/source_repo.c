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
static const char F_TITLE[] = " AND instr(lower(s.title), lower(:title)) > 0";
static const char F_AFTER[] = " AND s.seq > :after";

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

static void S_bind_name_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0 && v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void S_bind_name_i64(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_int64(st, i, v);
}

static void S_bind_filter(sqlite3_stmt *st, const struct source_filter *f)
{
    S_bind_name_text(st, ":kind", f->kind_json);
    S_bind_name_text(st, ":cites", f->cites_json);
    S_bind_name_text(st, ":cited_by", f->cited_by_json);
    S_bind_name_text(st, ":title", f->title);
}

static const char *S_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static void S_row(sqlite3_stmt *st, struct source_row *r)
{
    int i = 0;
    r->seq = sqlite3_column_int64(st, i++);
    r->id = S_text(st, i++);
    r->title = S_text(st, i++);
    r->authors_json = S_text(st, i++);
    r->publisher = S_text(st, i++);
    r->original_publisher = S_text(st, i++);
    r->published = S_text(st, i++);
    r->published_precision = S_text(st, i++);
    r->published_basis = S_text(st, i++);
    r->written = S_text(st, i++);
    r->written_precision = S_text(st, i++);
    r->url = S_text(st, i++);
    r->kind = S_text(st, i++);
    r->language = S_text(st, i++);
    r->note = S_text(st, i++);
    r->claim_count = sqlite3_column_int64(st, i++);
    r->has_text = sqlite3_column_type(st, i) != SQLITE_NULL;
    r->text_sha256 = S_text(st, i++);
    r->text_chars = sqlite3_column_int64(st, i++);
    r->text_bytes = sqlite3_column_int64(st, i++);
}

static enum app_status S_run(sqlite3_stmt *st, source_row_fn fn, void *ctx, bool *any)
{
    int rc;
    struct source_row row;
    *any = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *any = true;
        S_row(st, &row);
        if (!fn(ctx, &row)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
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
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT " SOURCE_COLUMNS SOURCE_FROM);
    S_where(&sql, f);
    if (keyset)
        buf_puts(&sql, F_AFTER);
    buf_puts(&sql, " ORDER BY ");
    for (size_t i = 0; i < nsort; i++) {
        buf_puts(&sql, order_sql[sort[i].key][sort[i].desc ? 1 : 0]);
        buf_puts(&sql, ", ");
    }
    buf_puts(&sql, "s.seq LIMIT :limit OFFSET :offset");
    if (sql.oom) {
        buf_free(&sql);
        return APP_ENOMEM;
    }
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt_text(c, buf_str(&sql), &st);
    buf_free(&sql);
    if (s != APP_OK)
        return s;
    S_bind_filter(st, f);
    if (keyset)
        S_bind_name_i64(st, ":after", after);
    S_bind_name_i64(st, ":limit", limit);
    S_bind_name_i64(st, ":offset", keyset ? 0 : offset);
    bool any;
    return S_run(st, fn, ctx, &any);
}

enum app_status source_repo_count(struct db_conn *c, const struct source_filter *f, int64_t *out)
{
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT count(*) FROM source s");
    S_where(&sql, f);
    if (sql.oom) {
        buf_free(&sql);
        return APP_ENOMEM;
    }
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt_text(c, buf_str(&sql), &st);
    buf_free(&sql);
    if (s != APP_OK)
        return s;
    S_bind_filter(st, f);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? APP_OK : db_status(rc);
}

static const char SQL_GET[] =
    "SELECT " SOURCE_COLUMNS SOURCE_FROM " WHERE s.id = ?1 AND s.deleted_at IS NULL";

enum app_status source_repo_get(struct db_conn *c, const char *id, source_row_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_GET, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    bool any;
    s = S_run(st, fn, ctx, &any);
    if (s == APP_OK && !any)
        return APP_ENOTFOUND;
    return s;
}

static const char SQL_DELETED[] = "SELECT 1 FROM source WHERE id = ?1 AND deleted_at IS NOT NULL";

enum app_status source_repo_deleted(struct db_conn *c, const char *id, bool *out)
{
    *out = false;
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_DELETED, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? APP_OK : db_status(rc);
}

static const char SQL_KINDS[] = "SELECT kind, count(*) FROM claim WHERE source_seq = ?1 AND "
                                "deleted_at IS NULL GROUP BY kind ORDER BY kind";

enum app_status source_repo_claim_kinds(struct db_conn *c, int64_t seq, source_kind_count_fn fn,
                                        void *ctx)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_KINDS, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_int64(st, 1, seq);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!fn(ctx, S_text(st, 0), sqlite3_column_int64(st, 1))) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
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

static enum app_status S_citations(struct db_conn *c, const char *sql, int64_t seq,
                                   source_citation_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_int64(st, 1, seq);
    int rc;
    struct source_citation_row row;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        row.id = S_text(st, 0);
        row.title = S_text(st, 1);
        row.label = S_text(st, 2);
        row.note = S_text(st, 3);
        if (!fn(ctx, &row)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
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

enum app_status source_repo_text(struct db_conn *c, const char *id, source_text_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_TEXT, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct source_text_row row;
        row.body = S_text(st, 0);
        row.len = (size_t)sqlite3_column_bytes(st, 0);
        row.sha256 = S_text(st, 1);
        if (!row.body)
            row.body = "";
        (void)fn(ctx, &row);
        s = APP_OK;
    } else {
        s = rc == SQLITE_DONE ? APP_ENOTFOUND : db_status(rc);
    }
    sqlite3_reset(st);
    return s;
}

/* substr() counts code points in UTF-8 text, as quote_start and quote_end do (1-based). */
static const char SQL_QUOTE[] =
    "SELECT c.id, c.quote_start, c.quote_end, substr(t.body, c.quote_start + 1, c.quote_end - "
    "c.quote_start), t.sha256 FROM claim c JOIN source s ON s.seq = c.source_seq JOIN "
    "source_text t ON t.source_seq = s.seq WHERE s.id = ?1 AND s.deleted_at IS NULL AND c.id = "
    "?2 AND c.deleted_at IS NULL";

enum app_status source_repo_quote(struct db_conn *c, const char *id, const char *claim_id,
                                  source_quote_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_QUOTE, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, claim_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct source_quote_row row;
        row.claim_id = S_text(st, 0);
        row.start = sqlite3_column_int64(st, 1);
        row.end = sqlite3_column_int64(st, 2);
        row.quote = S_text(st, 3);
        row.sha256 = S_text(st, 4);
        (void)fn(ctx, &row);
        s = APP_OK;
    } else {
        s = rc == SQLITE_DONE ? APP_ENOTFOUND : db_status(rc);
    }
    sqlite3_reset(st);
    return s;
}
