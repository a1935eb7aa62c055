#include "claim_repo.h"

#include "buf.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

const char *const claim_sort_keys[] = {"as_of", "value", "id", "source", "metric", "kind", NULL};

/* Column list shared by every claim query; S_row() reads it by position. */
#define CLAIM_COLUMNS                                                                            \
    "c.seq, c.id, s.id, c.quote, c.quote_start, c.quote_end, c.statement, c.kind, m.id, "        \
    "c.value, c.lower, c.upper, c.bound, c.vague_term, c.unit, c.value_date, c.value_text, "     \
    "c.as_of, c.period_start, c.period_end, c.time_basis, pl.id, c.claimant, c.claimant_kind, "  \
    "ce.id, sp.id, se.id, c.attribute, fn.id, c.note, c.revision, c.created_at, c.updated_at, "  \
    "(SELECT json_group_array(topic_id) FROM (SELECT topic_id FROM claim_topic WHERE "           \
    "claim_seq = c.seq ORDER BY topic_id)), "                                                    \
    "(SELECT json_group_array(x) FROM (SELECT coalesce(e.id, p.id) AS x FROM claim_mention cm "  \
    "LEFT JOIN entity e ON e.seq = cm.entity_seq LEFT JOIN program p ON p.seq = cm.program_seq " \
    "WHERE cm.claim_seq = c.seq ORDER BY x)), "                                                  \
    "s.title, s.publisher, s.published, s.kind, m.label, m.unit, m.value_type, c.time_start, "   \
    "c.time_end"

#define CLAIM_FROM                                            \
    " FROM claim c JOIN source s ON s.seq = c.source_seq"     \
    " LEFT JOIN metric m ON m.seq = c.metric_seq"             \
    " LEFT JOIN entity pl ON pl.seq = c.place_seq"            \
    " LEFT JOIN entity ce ON ce.seq = c.claimant_entity_seq"  \
    " LEFT JOIN program sp ON sp.seq = c.subject_program_seq" \
    " LEFT JOIN entity se ON se.seq = c.subject_entity_seq"   \
    " LEFT JOIN source fn ON fn.seq = c.footnote_seq"

/* Filter fragments: static text with named parameters only. */
#define IDS(p) " IN (SELECT value FROM json_each(" p "))"
static const char F_SOURCE[] =
    " AND c.source_seq IN (SELECT seq FROM source WHERE id" IDS(":source") ")";
static const char F_METRIC[] =
    " AND c.metric_seq IN (SELECT seq FROM metric WHERE id" IDS(":metric") ")";
static const char F_PROGRAM[] =
    " AND (c.subject_program_seq IN (SELECT seq FROM program WHERE id" IDS(
        ":program") ")"
                    " OR c.seq IN (SELECT cm.claim_seq FROM claim_mention cm JOIN program p ON "
                    "p.seq = "
                    "cm.program_seq WHERE p.id" IDS(":program") "))";
static const char F_ENTITY[] = " AND (c.subject_entity_seq IN (SELECT seq FROM entity WHERE id" IDS(
    ":entity") ")"
               " OR c.place_seq IN (SELECT seq FROM entity WHERE id" IDS(
                   ":entity") ")"
                              " OR c.claimant_entity_seq IN (SELECT seq FROM entity WHERE id" IDS(
                                  ":entity") ")"
                                             " OR c.seq IN (SELECT cm.claim_seq FROM claim_mention "
                                             "cm JOIN entity e ON e.seq = "
                                             "cm.entity_seq WHERE e.id" IDS(":entity") "))";
static const char F_PLACE[] =
    " AND c.place_seq IN (SELECT seq FROM entity WHERE id" IDS(":place") ")";
static const char F_CLAIMANT[] = " AND EXISTS (SELECT 1 FROM json_each(:claimant) j WHERE "
                                 "instr(lower(c.claimant), lower(j.value)) > 0)";
static const char F_KIND[] = " AND c.kind" IDS(":kind");
static const char F_TOPIC[] =
    " AND c.seq IN (SELECT claim_seq FROM claim_topic WHERE topic_id" IDS(":topic") ")";
static const char F_ID[] = " AND c.id" IDS(":id");
static const char F_FROM[] = " AND c.time_end >= :from";
static const char F_TO[] = " AND c.time_start <= :to";
static const char F_DATED[] = " AND c.time_start IS NOT NULL";
static const char F_VMIN[] = " AND coalesce(c.upper, c.value, c.lower) >= :vmin";
static const char F_VMAX[] = " AND coalesce(c.lower, c.value, c.upper) <= :vmax";
static const char F_FTS[] = " AND c.id IN (SELECT doc_id FROM search_index WHERE search_index "
                            "MATCH :fts AND doc_type = 'claim')";
static const char F_AFTER[] = " AND c.seq > :after";

static void S_where(struct buf *b, const struct claim_filter *f)
{
    buf_puts(b, " WHERE c.deleted_at IS NULL");
    if (f->source_json)
        buf_puts(b, F_SOURCE);
    if (f->metric_json)
        buf_puts(b, F_METRIC);
    if (f->program_json)
        buf_puts(b, F_PROGRAM);
    if (f->entity_json)
        buf_puts(b, F_ENTITY);
    if (f->place_json)
        buf_puts(b, F_PLACE);
    if (f->claimant_json)
        buf_puts(b, F_CLAIMANT);
    if (f->kind_json)
        buf_puts(b, F_KIND);
    if (f->topic_json)
        buf_puts(b, F_TOPIC);
    if (f->id_json)
        buf_puts(b, F_ID);
    if (f->has_from)
        buf_puts(b, F_FROM);
    if (f->has_to)
        buf_puts(b, F_TO);
    if (f->dated_only)
        buf_puts(b, F_DATED);
    if (f->has_vmin)
        buf_puts(b, F_VMIN);
    if (f->has_vmax)
        buf_puts(b, F_VMAX);
    if (f->fts)
        buf_puts(b, F_FTS);
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

static void S_bind_name_double(sqlite3_stmt *st, const char *name, double v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_double(st, i, v);
}

static void S_bind_filter(sqlite3_stmt *st, const struct claim_filter *f)
{
    S_bind_name_text(st, ":source", f->source_json);
    S_bind_name_text(st, ":metric", f->metric_json);
    S_bind_name_text(st, ":program", f->program_json);
    S_bind_name_text(st, ":entity", f->entity_json);
    S_bind_name_text(st, ":place", f->place_json);
    S_bind_name_text(st, ":claimant", f->claimant_json);
    S_bind_name_text(st, ":kind", f->kind_json);
    S_bind_name_text(st, ":topic", f->topic_json);
    S_bind_name_text(st, ":id", f->id_json);
    S_bind_name_text(st, ":fts", f->fts);
    if (f->has_from)
        S_bind_name_i64(st, ":from", f->from_day);
    if (f->has_to)
        S_bind_name_i64(st, ":to", f->to_day);
    if (f->has_vmin)
        S_bind_name_double(st, ":vmin", f->vmin);
    if (f->has_vmax)
        S_bind_name_double(st, ":vmax", f->vmax);
}

static const char *S_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static void S_row(sqlite3_stmt *st, struct claim_row *r)
{
    int i = 0;
    r->seq = sqlite3_column_int64(st, i++);
    r->id = S_text(st, i++);
    r->source_id = S_text(st, i++);
    r->quote = S_text(st, i++);
    r->quote_start = sqlite3_column_int64(st, i++);
    r->quote_end = sqlite3_column_int64(st, i++);
    r->statement = S_text(st, i++);
    r->kind = S_text(st, i++);
    r->metric_id = S_text(st, i++);
    r->has_value = sqlite3_column_type(st, i) != SQLITE_NULL;
    r->value = sqlite3_column_double(st, i++);
    r->has_lower = sqlite3_column_type(st, i) != SQLITE_NULL;
    r->lower = sqlite3_column_double(st, i++);
    r->has_upper = sqlite3_column_type(st, i) != SQLITE_NULL;
    r->upper = sqlite3_column_double(st, i++);
    r->bound = S_text(st, i++);
    r->vague_term = S_text(st, i++);
    r->unit = S_text(st, i++);
    r->value_date = S_text(st, i++);
    r->value_text = S_text(st, i++);
    r->as_of = S_text(st, i++);
    r->period_start = S_text(st, i++);
    r->period_end = S_text(st, i++);
    r->time_basis = S_text(st, i++);
    r->place_id = S_text(st, i++);
    r->claimant = S_text(st, i++);
    r->claimant_kind = S_text(st, i++);
    r->claimant_entity_id = S_text(st, i++);
    r->subject_program_id = S_text(st, i++);
    r->subject_entity_id = S_text(st, i++);
    r->attribute = S_text(st, i++);
    r->footnote_id = S_text(st, i++);
    r->note = S_text(st, i++);
    r->revision = sqlite3_column_int64(st, i++);
    r->created_at = S_text(st, i++);
    r->updated_at = S_text(st, i++);
    r->topics_json = S_text(st, i++);
    r->mentions_json = S_text(st, i++);
    r->source_title = S_text(st, i++);
    r->source_publisher = S_text(st, i++);
    r->source_published = S_text(st, i++);
    r->source_kind = S_text(st, i++);
    r->metric_label = S_text(st, i++);
    r->metric_unit = S_text(st, i++);
    r->metric_value_type = S_text(st, i++);
    r->has_time = sqlite3_column_type(st, i) != SQLITE_NULL;
    r->time_start = sqlite3_column_int64(st, i++);
    r->time_end = sqlite3_column_int64(st, i++);
}

static enum app_status S_run(sqlite3_stmt *st, claim_row_fn fn, void *ctx, bool *any)
{
    int rc;
    struct claim_row row;
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
    {"c.time_start IS NULL, c.time_start ASC, c.time_end ASC",
     "c.time_start IS NULL, c.time_end DESC, c.time_start DESC"},
    {"coalesce(c.value, c.lower, c.upper) IS NULL, coalesce(c.value, c.lower, c.upper) ASC",
     "coalesce(c.value, c.lower, c.upper) IS NULL, coalesce(c.value, c.lower, c.upper) DESC"},
    {"c.id ASC", "c.id DESC"},
    {"s.id ASC", "s.id DESC"},
    {"m.id IS NULL, m.id ASC", "m.id IS NULL, m.id DESC"},
    {"c.kind ASC", "c.kind DESC"},
};

enum app_status claim_repo_list(struct db_conn *c, const struct claim_filter *f,
                                const struct sort_key *sort, size_t nsort, int64_t limit,
                                int64_t offset, bool keyset, int64_t after, claim_row_fn fn,
                                void *ctx)
{
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT " CLAIM_COLUMNS CLAIM_FROM);
    S_where(&sql, f);
    if (keyset)
        buf_puts(&sql, F_AFTER);
    buf_puts(&sql, " ORDER BY ");
    for (size_t i = 0; i < nsort; i++) {
        buf_puts(&sql, order_sql[sort[i].key][sort[i].desc ? 1 : 0]);
        buf_puts(&sql, ", ");
    }
    buf_puts(&sql, "c.seq LIMIT :limit OFFSET :offset");
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

enum app_status claim_repo_count(struct db_conn *c, const struct claim_filter *f, int64_t *out)
{
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT count(*) FROM claim c");
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
    "SELECT " CLAIM_COLUMNS CLAIM_FROM " WHERE c.id = ?1 AND c.deleted_at IS NULL";

enum app_status claim_repo_get(struct db_conn *c, const char *id, claim_row_fn fn, void *ctx)
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

static const char SQL_CONTEXT[] =
    "SELECT substr(t.body, max(c.quote_start - ?2, 0) + 1, c.quote_start - max(c.quote_start - "
    "?2, 0)), substr(t.body, c.quote_end + 1, ?2) FROM claim c JOIN source_text t ON "
    "t.source_seq = c.source_seq WHERE c.id = ?1 AND c.deleted_at IS NULL";

static char *S_dup(const unsigned char *s)
{
    size_t n = s ? strlen((const char *)s) : 0;
    char *p = malloc(n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

enum app_status claim_repo_context(struct db_conn *c, const char *id, int chars,
                                   struct claim_context *out)
{
    out->before = NULL;
    out->after = NULL;
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_CONTEXT, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, chars);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->before = S_dup(sqlite3_column_text(st, 0));
        out->after = S_dup(sqlite3_column_text(st, 1));
        s = (out->before && out->after) ? APP_OK : APP_ENOMEM;
    } else {
        s = rc == SQLITE_DONE ? APP_ENOTFOUND : db_status(rc);
    }
    sqlite3_reset(st);
    return s;
}
