#include "statistic_repo.h"

#include "buf.h"

#include <sqlite3.h>

/* ---- metrics ---- */

#define METRIC_COLUMNS \
    "m.seq, m.id, m.label, m.unit, m.value_type, m.definition, m.counting_basis, s.id"

#define METRIC_FROM " FROM metric m LEFT JOIN source s ON s.seq = m.source_seq"

static const char MF_BASE[] = " WHERE 1";
static const char MF_USED[] = " AND EXISTS (SELECT 1 FROM claim c WHERE c.metric_seq = m.seq AND "
                              "c.deleted_at IS NULL)";
static const char MF_Q[] =
    " AND (instr(lower(m.id), lower(:q)) > 0 OR instr(lower(m.label), lower(:q)) > 0)";
static const char MF_TYPE[] = " AND m.value_type = :value_type";

static void S_metric_where(struct buf *b, const struct metric_filter *f)
{
    buf_puts(b, MF_BASE);
    if (!f->all)
        buf_puts(b, MF_USED);
    if (f->q)
        buf_puts(b, MF_Q);
    if (f->value_type)
        buf_puts(b, MF_TYPE);
}

static void S_bind_metric_filter(sqlite3_stmt *st, const void *filter)
{
    const struct metric_filter *f = filter;
    db_bind_named_text(st, ":q", f->q);
    db_bind_named_text(st, ":value_type", f->value_type);
}

/* The caller's row callback, for db_rows(). */
struct metric_visit {
    metric_row_fn fn;
    void *ctx;
};

static bool S_metric_row(void *ctx, sqlite3_stmt *st)
{
    const struct metric_visit *v = ctx;
    struct metric_row r;
    int i = 0;
    r.seq = sqlite3_column_int64(st, i++);
    r.id = db_column_text(st, i++);
    r.label = db_column_text(st, i++);
    r.unit = db_column_text(st, i++);
    r.value_type = db_column_text(st, i++);
    r.definition = db_column_text(st, i++);
    r.counting_basis = db_column_text(st, i++);
    r.source_id = db_column_text(st, i++);
    return v->fn(v->ctx, &r);
}

enum app_status stat_repo_metric_count(struct db_conn *c, const struct metric_filter *f,
                                       int64_t *out)
{
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT count(*) FROM metric m");
    S_metric_where(&sql, f);
    return db_count_buf(c, &sql, S_bind_metric_filter, f, out);
}

enum app_status stat_repo_metric_list(struct db_conn *c, const struct metric_filter *f,
                                      int64_t limit, int64_t offset, bool keyset, int64_t after,
                                      metric_row_fn fn, void *ctx)
{
    const struct db_page pg = {"m.seq", NULL, NULL, 0, limit, offset, keyset, after};
    struct metric_visit v = {fn, ctx};
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT " METRIC_COLUMNS METRIC_FROM);
    S_metric_where(&sql, f);
    return db_page_rows(c, &sql, &pg, S_bind_metric_filter, f, S_metric_row, &v);
}

static const char SQL_METRIC_GET[] = "SELECT " METRIC_COLUMNS METRIC_FROM " WHERE m.id = ?1";

enum app_status stat_repo_metric_get(struct db_conn *c, const char *id, metric_row_fn fn, void *ctx)
{
    struct metric_visit v = {fn, ctx};
    return db_rows_by_id(c, SQL_METRIC_GET, id, S_metric_row, &v);
}

/* ---- claims ---- */

#define STAT_COLUMNS                                                                          \
    "c.seq, c.id, s.id, c.quote, c.claimant, m.id, m.value_type, c.metric_seq, c.value, "     \
    "c.lower, c.upper, c.bound, c.vague_term, c.unit, c.value_date, c.value_text, c.as_of, "  \
    "c.period_start, c.period_end, c.time_start, c.time_end, pl.id, coalesce(sp.id, se.id), " \
    "sp.id IS NOT NULL, c.attribute, m.one_per_subject"

#define STAT_FROM                                             \
    " FROM claim c JOIN source s ON s.seq = c.source_seq"     \
    " LEFT JOIN metric m ON m.seq = c.metric_seq"             \
    " LEFT JOIN entity pl ON pl.seq = c.place_seq"            \
    " LEFT JOIN program sp ON sp.seq = c.subject_program_seq" \
    " LEFT JOIN entity se ON se.seq = c.subject_entity_seq"

#define IDS(p) " IN (SELECT value FROM json_each(" p "))"
static const char CF_BASE[] = " WHERE c.deleted_at IS NULL";
static const char CF_HAS_METRIC[] = " AND c.metric_seq IS NOT NULL";
static const char CF_METRIC_OR_ATTR[] =
    " AND (c.metric_seq IS NOT NULL OR c.attribute IS NOT NULL)";
static const char CF_METRIC_SEQ[] = " AND c.metric_seq = :metric_seq";
static const char CF_PROGRAM_SEQ[] = " AND c.subject_program_seq = :program_seq";
static const char CF_METRIC[] =
    " AND c.metric_seq IN (SELECT seq FROM metric WHERE id" IDS(":metric") ")";
static const char CF_PLACE[] =
    " AND c.place_seq IN (SELECT seq FROM entity WHERE id" IDS(":place") ")";
static const char CF_SUBJECT[] =
    " AND (c.subject_program_seq IN (SELECT seq FROM program WHERE id" IDS(
        ":subject") ")"
                    " OR c.subject_entity_seq IN (SELECT seq FROM entity WHERE id" IDS(
                        ":subject") "))";
static const char CF_FROM[] = " AND c.time_end >= :from";
static const char CF_TO[] = " AND c.time_start <= :to";
/* The order of the claim_metric_time index: no sort step over wide rows. */
static const char CF_ORDER[] = " ORDER BY c.metric_seq, c.time_start, c.seq";

static void S_claim_where(struct buf *b, const struct stat_claim_filter *f)
{
    buf_puts(b, CF_BASE);
    buf_puts(b, f->with_attributes ? CF_METRIC_OR_ATTR : CF_HAS_METRIC);
    if (f->metric_seq)
        buf_puts(b, CF_METRIC_SEQ);
    if (f->program_seq)
        buf_puts(b, CF_PROGRAM_SEQ);
    if (f->metric_json)
        buf_puts(b, CF_METRIC);
    if (f->place_json)
        buf_puts(b, CF_PLACE);
    if (f->subject_json)
        buf_puts(b, CF_SUBJECT);
    if (f->has_from)
        buf_puts(b, CF_FROM);
    if (f->has_to)
        buf_puts(b, CF_TO);
}

static void S_claim_row(sqlite3_stmt *st, struct stat_claim_row *r)
{
    int i = 0;
    r->seq = sqlite3_column_int64(st, i++);
    r->id = db_column_text(st, i++);
    r->source_id = db_column_text(st, i++);
    r->quote = db_column_text(st, i++);
    r->claimant = db_column_text(st, i++);
    r->metric_id = db_column_text(st, i++);
    r->value_type = db_column_text(st, i++);
    r->metric_seq = sqlite3_column_int64(st, i++);
    r->has_value = db_column_double(st, i++, &r->value);
    r->has_lower = db_column_double(st, i++, &r->lower);
    r->has_upper = db_column_double(st, i++, &r->upper);
    r->bound = db_column_text(st, i++);
    r->vague_term = db_column_text(st, i++);
    r->unit = db_column_text(st, i++);
    r->value_date = db_column_text(st, i++);
    r->value_text = db_column_text(st, i++);
    r->as_of = db_column_text(st, i++);
    r->period_start = db_column_text(st, i++);
    r->period_end = db_column_text(st, i++);
    r->has_time = sqlite3_column_type(st, i) != SQLITE_NULL;
    r->time_start = sqlite3_column_int64(st, i++);
    r->time_end = sqlite3_column_int64(st, i++);
    r->place_id = db_column_text(st, i++);
    r->subject_id = db_column_text(st, i++);
    r->subject_is_program = sqlite3_column_int(st, i++) != 0;
    r->attribute = db_column_text(st, i++);
    r->one_per_subject = sqlite3_column_int(st, i++) != 0;
}

/* The caller's row callback, for db_rows(). */
struct claim_visit {
    stat_claim_row_fn fn;
    void *ctx;
};

static bool S_claim_visit(void *ctx, sqlite3_stmt *st)
{
    const struct claim_visit *v = ctx;
    struct stat_claim_row row;
    S_claim_row(st, &row);
    return v->fn(v->ctx, &row);
}

enum app_status stat_repo_claims(struct db_conn *c, const struct stat_claim_filter *f,
                                 stat_claim_row_fn fn, void *ctx)
{
    struct claim_visit v = {fn, ctx};
    struct buf sql;
    sqlite3_stmt *st = NULL;
    buf_init(&sql);
    buf_puts(&sql, "SELECT " STAT_COLUMNS STAT_FROM);
    S_claim_where(&sql, f);
    buf_puts(&sql, CF_ORDER);
    enum app_status s = db_stmt_buf(c, &sql, &st);
    if (s != APP_OK)
        return s;
    if (f->metric_seq)
        db_bind_named_i64(st, ":metric_seq", f->metric_seq);
    if (f->program_seq)
        db_bind_named_i64(st, ":program_seq", f->program_seq);
    db_bind_named_text(st, ":metric", f->metric_json);
    db_bind_named_text(st, ":place", f->place_json);
    db_bind_named_text(st, ":subject", f->subject_json);
    if (f->has_from)
        db_bind_named_i64(st, ":from", f->from_day);
    if (f->has_to)
        db_bind_named_i64(st, ":to", f->to_day);
    return db_rows(st, S_claim_visit, &v);
}
