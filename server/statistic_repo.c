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
static const char MF_AFTER[] = " AND m.seq > :after";

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

static void S_bind_metric_filter(sqlite3_stmt *st, const struct metric_filter *f)
{
    S_bind_text(st, ":q", f->q);
    S_bind_text(st, ":value_type", f->value_type);
}

static const char *S_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static enum app_status S_prepare(struct db_conn *c, struct buf *sql, sqlite3_stmt **st)
{
    if (sql->oom)
        return APP_ENOMEM;
    return db_stmt_text(c, buf_str(sql), st);
}

static enum app_status S_run_metrics(sqlite3_stmt *st, metric_row_fn fn, void *ctx, bool *any)
{
    int rc;
    struct metric_row r;
    *any = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int i = 0;
        *any = true;
        r.seq = sqlite3_column_int64(st, i++);
        r.id = S_text(st, i++);
        r.label = S_text(st, i++);
        r.unit = S_text(st, i++);
        r.value_type = S_text(st, i++);
        r.definition = S_text(st, i++);
        r.counting_basis = S_text(st, i++);
        r.source_id = S_text(st, i++);
        if (!fn(ctx, &r)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
}

enum app_status stat_repo_metric_count(struct db_conn *c, const struct metric_filter *f,
                                       int64_t *out)
{
    struct buf sql;
    sqlite3_stmt *st = NULL;
    buf_init(&sql);
    buf_puts(&sql, "SELECT count(*) FROM metric m");
    S_metric_where(&sql, f);
    enum app_status s = S_prepare(c, &sql, &st);
    buf_free(&sql);
    if (s != APP_OK)
        return s;
    S_bind_metric_filter(st, f);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? APP_OK : db_status(rc);
}

enum app_status stat_repo_metric_list(struct db_conn *c, const struct metric_filter *f,
                                      int64_t limit, int64_t offset, bool keyset, int64_t after,
                                      metric_row_fn fn, void *ctx)
{
    struct buf sql;
    sqlite3_stmt *st = NULL;
    bool any;
    buf_init(&sql);
    buf_puts(&sql, "SELECT " METRIC_COLUMNS METRIC_FROM);
    S_metric_where(&sql, f);
    if (keyset)
        buf_puts(&sql, MF_AFTER);
    buf_puts(&sql, " ORDER BY m.seq LIMIT :limit OFFSET :offset");
    enum app_status s = S_prepare(c, &sql, &st);
    buf_free(&sql);
    if (s != APP_OK)
        return s;
    S_bind_metric_filter(st, f);
    if (keyset)
        S_bind_i64(st, ":after", after);
    S_bind_i64(st, ":limit", limit);
    S_bind_i64(st, ":offset", keyset ? 0 : offset);
    return S_run_metrics(st, fn, ctx, &any);
}

static const char SQL_METRIC_GET[] = "SELECT " METRIC_COLUMNS METRIC_FROM " WHERE m.id = ?1";

enum app_status stat_repo_metric_get(struct db_conn *c, const char *id, metric_row_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    bool any;
    enum app_status s = db_stmt(c, SQL_METRIC_GET, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    s = S_run_metrics(st, fn, ctx, &any);
    if (s == APP_OK && !any)
        return APP_ENOTFOUND;
    return s;
}

/* ---- claims ---- */

#define STAT_COLUMNS                                                                          \
    "c.seq, c.id, s.id, c.quote, c.claimant, m.id, m.value_type, c.metric_seq, c.value, "     \
    "c.lower, c.upper, c.bound, c.vague_term, c.unit, c.value_date, c.value_text, c.as_of, "  \
    "c.period_start, c.period_end, c.time_start, c.time_end, pl.id, coalesce(sp.id, se.id), " \
    "sp.id IS NOT NULL, c.attribute"

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
    r->id = S_text(st, i++);
    r->source_id = S_text(st, i++);
    r->quote = S_text(st, i++);
    r->claimant = S_text(st, i++);
    r->metric_id = S_text(st, i++);
    r->value_type = S_text(st, i++);
    r->metric_seq = sqlite3_column_int64(st, i++);
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
    r->has_time = sqlite3_column_type(st, i) != SQLITE_NULL;
    r->time_start = sqlite3_column_int64(st, i++);
    r->time_end = sqlite3_column_int64(st, i++);
    r->place_id = S_text(st, i++);
    r->subject_id = S_text(st, i++);
    r->subject_is_program = sqlite3_column_int(st, i++) != 0;
    r->attribute = S_text(st, i++);
}

enum app_status stat_repo_claims(struct db_conn *c, const struct stat_claim_filter *f,
                                 stat_claim_row_fn fn, void *ctx)
{
    struct buf sql;
    sqlite3_stmt *st = NULL;
    enum app_status s;
    buf_init(&sql);
    buf_puts(&sql, "SELECT " STAT_COLUMNS STAT_FROM);
    S_claim_where(&sql, f);
    buf_puts(&sql, CF_ORDER);
    s = S_prepare(c, &sql, &st);
    buf_free(&sql);
    if (s != APP_OK)
        return s;
    if (f->metric_seq)
        S_bind_i64(st, ":metric_seq", f->metric_seq);
    if (f->program_seq)
        S_bind_i64(st, ":program_seq", f->program_seq);
    S_bind_text(st, ":metric", f->metric_json);
    S_bind_text(st, ":place", f->place_json);
    S_bind_text(st, ":subject", f->subject_json);
    if (f->has_from)
        S_bind_i64(st, ":from", f->from_day);
    if (f->has_to)
        S_bind_i64(st, ":to", f->to_day);
    int rc;
    struct stat_claim_row row;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        S_claim_row(st, &row);
        if (!fn(ctx, &row)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
}
