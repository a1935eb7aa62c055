#include "statistic_repo.h"

#include "buf.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* ---- metrics ---- */

#define METRIC_COLUMNS                                                                   \
    "m.seq, m.id, m.label, m.unit, m.value_type, m.definition, m.counting_basis, s.id, " \
    "m.cumulative, m.one_per_subject"

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
    r.cumulative = sqlite3_column_int(st, i++) != 0;
    r.one_per_subject = sqlite3_column_int(st, i++) != 0;
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

/* ---- relations ---- */

static const char SQL_RELATIONS[] =
    "SELECT r.seq, r.id, r.kind, m.id, w.id, p.id, mn.id, mx.id, pl.id, r.note, "
    "(SELECT group_concat(pm.id, ',') FROM (SELECT pm.id FROM metric_relation_part rp JOIN "
    "metric pm ON pm.seq = rp.metric_seq WHERE rp.relation_seq = r.seq ORDER BY pm.id) pm) "
    "FROM metric_relation r JOIN metric m ON m.seq = r.metric_seq "
    "LEFT JOIN metric w ON w.seq = r.whole_seq LEFT JOIN metric p ON p.seq = r.part_seq "
    "LEFT JOIN metric mn ON mn.seq = r.min_seq LEFT JOIN metric mx ON mx.seq = r.max_seq "
    "LEFT JOIN entity pl ON pl.seq = r.whole_place_seq ORDER BY r.seq";

struct relation_visit {
    relation_row_fn fn;
    void *ctx;
};

static bool S_relation_row(void *ctx, sqlite3_stmt *st)
{
    const struct relation_visit *v = ctx;
    struct relation_row r;
    int i = 0;
    r.seq = sqlite3_column_int64(st, i++);
    r.id = db_column_text(st, i++);
    r.kind = db_column_text(st, i++);
    r.metric = db_column_text(st, i++);
    r.whole = db_column_text(st, i++);
    r.part = db_column_text(st, i++);
    r.min = db_column_text(st, i++);
    r.max = db_column_text(st, i++);
    r.whole_place = db_column_text(st, i++);
    r.note = db_column_text(st, i++);
    r.parts = db_column_text(st, i++);
    return v->fn(v->ctx, &r);
}

static bool S_exists_row(void *ctx, sqlite3_stmt *st)
{
    (void)st;
    *(bool *)ctx = true;
    return false;
}

enum app_status stat_repo_source_exists(struct db_conn *c, const char *id, bool *out)
{
    *out = false;
    enum app_status s = db_rows_by_id(
        c, "SELECT 1 FROM source WHERE id = ?1 AND deleted_at IS NULL", id, S_exists_row, out);
    return s == APP_ENOTFOUND ? APP_OK : s;
}

#define CURATED_SIDE(n)                                                                       \
    "(SELECT group_concat(cc.claim_seq, ',') FROM curated_conflict_claim cc JOIN claim x ON " \
    "x.seq = cc.claim_seq AND x.deleted_at IS NULL WHERE cc.conflict_seq = k.seq AND "        \
    "cc.side = " n ")"

static const char SQL_CURATED[] =
    "SELECT k.id, k.certainty, k.dissolves_if, k.explanation, " CURATED_SIDE("0") ", " CURATED_SIDE(
        "1") " FROM curated_conflict k WHERE k.deleted_at IS NULL ORDER BY k.seq";

struct curated_visit {
    curated_row_fn fn;
    void *ctx;
};

static bool S_curated_row(void *ctx, sqlite3_stmt *st)
{
    const struct curated_visit *v = ctx;
    struct curated_row r;
    r.id = db_column_text(st, 0);
    r.certainty = db_column_text(st, 1);
    r.dissolves_if = db_column_text(st, 2);
    r.explanation = db_column_text(st, 3);
    r.side_a = db_column_text(st, 4);
    r.side_b = db_column_text(st, 5);
    return v->fn(v->ctx, &r);
}

enum app_status stat_repo_curated(struct db_conn *c, curated_row_fn fn, void *ctx)
{
    struct curated_visit v = {fn, ctx};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_CURATED, &st);
    if (s != APP_OK)
        return s;
    return db_rows(st, S_curated_row, &v);
}

enum app_status stat_repo_relations(struct db_conn *c, relation_row_fn fn, void *ctx)
{
    struct relation_visit v = {fn, ctx};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_RELATIONS, &st);
    if (s != APP_OK)
        return s;
    return db_rows(st, S_relation_row, &v);
}

/* ---- claims ---- */

/* The live claim a claim repeats (claim_link), 0 when none. */
#define REPEATS_SEQ                                                                     \
    "coalesce((SELECT min(l.target_seq) FROM claim_link l JOIN claim t ON t.seq = "     \
    "l.target_seq AND t.deleted_at IS NULL WHERE l.claim_seq = c.seq AND l.relation = " \
    "'repeats'), 0)"

#define STAT_COLUMNS                                                                          \
    "c.seq, c.id, s.id, c.quote, c.claimant, m.id, m.value_type, c.metric_seq, c.value, "     \
    "c.lower, c.upper, c.bound, c.vague_term, c.unit, c.value_date, c.value_text, c.as_of, "  \
    "c.period_start, c.period_end, c.time_start, c.time_end, pl.id, coalesce(sp.id, se.id), " \
    "sp.id IS NOT NULL, c.attribute, m.one_per_subject, c.source_seq, c.scope, " REPEATS_SEQ

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
    if (f->seq_json)
        buf_puts(b, f->without_metric ? " AND c.seq IN (SELECT value FROM json_each(:seqs)) AND "
                                        "c.metric_seq IS NULL"
                                      : " AND c.seq IN (SELECT value FROM json_each(:seqs))");
    else
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
    r->source_seq = sqlite3_column_int64(st, i++);
    r->scope = db_column_text(st, i++);
    r->repeats_seq = sqlite3_column_int64(st, i++);
    r->has_period = r->period_start != NULL;
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
    db_bind_named_text(st, ":seqs", f->seq_json);
    if (f->has_from)
        db_bind_named_i64(st, ":from", f->from_day);
    if (f->has_to)
        db_bind_named_i64(st, ":to", f->to_day);
    return db_rows(st, S_claim_visit, &v);
}

/* ---- one metric's observations, without joins ---- */

#define OBS_COLUMNS                                                                     \
    "c.seq, c.id, c.claimant, c.value, c.lower, c.upper, c.bound, c.value_date, "       \
    "c.period_start IS NOT NULL, c.time_start, c.time_end, c.source_seq, c.place_seq, " \
    "c.subject_program_seq, c.subject_entity_seq, c.scope, " REPEATS_SEQ

static const char SQL_OBS_METRIC[] =
    "SELECT id, value_type, one_per_subject FROM metric WHERE seq = ?1";
static const char SQL_ENTITY_ID[] = "SELECT id FROM entity WHERE seq = ?1";
static const char SQL_PROGRAM_ID[] = "SELECT id FROM program WHERE seq = ?1";

/* Ids by seq, each read once per call: a metric's claims name few places and subjects. */
struct S_name {
    int64_t seq;
    char *id; /* NULL when no row has the seq */
};

struct S_names {
    struct db_conn *c;
    const char *sql; /* SELECT id ... WHERE seq = ?1 */
    struct S_name *v;
    size_t n, cap; /* v sorted by seq */
};

static void S_names_free(struct S_names *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i].id);
    free(m->v);
    m->v = NULL;
    m->n = m->cap = 0;
}

/* Reads the id of seq into a new entry at position at. */
static enum app_status S_names_read(struct S_names *m, size_t at, int64_t seq)
{
    sqlite3_stmt *st = NULL;
    char *id = NULL;
    enum app_status s = db_stmt(m->c, m->sql, &st);
    if (s != APP_OK)
        return s;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        struct S_name *v = realloc(m->v, cap * sizeof *v);
        if (v == NULL)
            return APP_ENOMEM;
        m->v = v;
        m->cap = cap;
    }
    sqlite3_bind_int64(st, 1, seq);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *t = db_column_text(st, 0);
        size_t len = t ? strlen(t) + 1 : 0;
        if (t && (id = malloc(len)) == NULL)
            s = APP_ENOMEM;
        else if (t)
            memcpy(id, t, len);
    } else if (rc != SQLITE_DONE) {
        s = db_status(rc);
    }
    sqlite3_reset(st);
    if (s != APP_OK)
        return s;
    memmove(m->v + at + 1, m->v + at, (m->n - at) * sizeof *m->v);
    m->v[at].seq = seq;
    m->v[at].id = id;
    m->n++;
    return APP_OK;
}

/* The id of seq (*out NULL when no row has it); borrowed until S_names_free(). */
static enum app_status S_names_get(struct S_names *m, int64_t seq, const char **out)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->v[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == m->n || m->v[lo].seq != seq) {
        enum app_status s = S_names_read(m, lo, seq);
        if (s != APP_OK)
            return s;
    }
    *out = m->v[lo].id;
    return APP_OK;
}

struct obs_visit {
    stat_claim_row_fn fn;
    void *ctx;
    struct stat_claim_row base;   /* the metric's members, the same on every row */
    char *metric_id, *value_type; /* owned copies behind base */
    struct S_names entities, programs;
    enum app_status st;
};

static bool S_obs_visit(void *ctx, sqlite3_stmt *st)
{
    struct obs_visit *v = ctx;
    struct stat_claim_row r = v->base;
    int i = 0;
    r.seq = sqlite3_column_int64(st, i++);
    r.id = db_column_text(st, i++);
    r.claimant = db_column_text(st, i++);
    r.has_value = db_column_double(st, i++, &r.value);
    r.has_lower = db_column_double(st, i++, &r.lower);
    r.has_upper = db_column_double(st, i++, &r.upper);
    r.bound = db_column_text(st, i++);
    r.value_date = db_column_text(st, i++);
    r.has_period = sqlite3_column_int(st, i++) != 0;
    r.has_time = sqlite3_column_type(st, i) != SQLITE_NULL;
    r.time_start = sqlite3_column_int64(st, i++);
    r.time_end = sqlite3_column_int64(st, i++);
    r.source_seq = sqlite3_column_int64(st, i++);
    int64_t place = sqlite3_column_int64(st, i++);
    int64_t program = sqlite3_column_int64(st, i++);
    int64_t entity = sqlite3_column_int64(st, i++);
    r.scope = db_column_text(st, i++);
    r.repeats_seq = sqlite3_column_int64(st, i++);
    enum app_status s = APP_OK;
    if (place)
        s = S_names_get(&v->entities, place, &r.place_id);
    if (s == APP_OK && program)
        s = S_names_get(&v->programs, program, &r.subject_id);
    r.subject_is_program = r.subject_id != NULL;
    if (s == APP_OK && !program && entity)
        s = S_names_get(&v->entities, entity, &r.subject_id);
    if (s != APP_OK) {
        v->st = s;
        return false;
    }
    return v->fn(v->ctx, &r);
}

/* A malloc'd copy of s (NULL stays NULL); false when out of memory. */
static bool S_dup(const char *s, char **out)
{
    size_t n = s ? strlen(s) + 1 : 0;
    *out = NULL;
    if (s == NULL)
        return true;
    if ((*out = malloc(n)) == NULL)
        return false;
    memcpy(*out, s, n);
    return true;
}

/* The metric's members of every row (db_rows_found(): APP_ENOTFOUND without the metric). */
static bool S_obs_metric(void *ctx, sqlite3_stmt *st)
{
    struct obs_visit *v = ctx;
    if (!S_dup(db_column_text(st, 0), &v->metric_id) ||
        !S_dup(db_column_text(st, 1), &v->value_type))
        v->st = APP_ENOMEM;
    v->base.metric_id = v->metric_id;
    v->base.value_type = v->value_type;
    v->base.one_per_subject = sqlite3_column_int(st, 2) != 0;
    return false;
}

enum app_status stat_repo_observations(struct db_conn *c, const struct stat_claim_filter *f,
                                       stat_claim_row_fn fn, void *ctx)
{
    struct obs_visit v;
    struct buf sql;
    sqlite3_stmt *st = NULL;
    enum app_status s = APP_OK;

    if (f->metric_seq == 0)
        return APP_EINVAL;
    memset(&v, 0, sizeof v);
    v.fn = fn;
    v.ctx = ctx;
    v.base.metric_seq = f->metric_seq;
    v.entities.c = v.programs.c = c;
    v.entities.sql = SQL_ENTITY_ID;
    v.programs.sql = SQL_PROGRAM_ID;
    v.st = APP_OK;
    s = db_stmt(c, SQL_OBS_METRIC, &st);
    if (s == APP_OK) {
        sqlite3_bind_int64(st, 1, f->metric_seq);
        s = db_rows_found(st, S_obs_metric, &v);
    }
    if (s == APP_OK)
        s = v.st;
    if (s != APP_OK)
        goto out;
    buf_init(&sql);
    buf_puts(&sql, "SELECT " OBS_COLUMNS " FROM claim c");
    S_claim_where(&sql, f);
    buf_puts(&sql, CF_ORDER);
    s = db_stmt_buf(c, &sql, &st);
    if (s != APP_OK)
        goto out;
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
    s = db_rows(st, S_obs_visit, &v);
    if (s == APP_OK)
        s = v.st;
out:
    free(v.metric_id);
    free(v.value_type);
    S_names_free(&v.entities);
    S_names_free(&v.programs);
    return s;
}

static const char SQL_CLAIM_TEXTS[] =
    "SELECT c.seq, s.id, c.quote, c.vague_term, c.unit, c.as_of, c.period_start, c.period_end"
    " FROM claim c JOIN source s ON s.seq = c.source_seq"
    " WHERE c.seq IN (SELECT value FROM json_each(?1))";

struct text_visit {
    stat_claim_text_fn fn;
    void *ctx;
};

static bool S_text_visit(void *ctx, sqlite3_stmt *st)
{
    const struct text_visit *v = ctx;
    struct stat_claim_text t;
    int i = 0;
    t.seq = sqlite3_column_int64(st, i++);
    t.source_id = db_column_text(st, i++);
    t.quote = db_column_text(st, i++);
    t.vague_term = db_column_text(st, i++);
    t.unit = db_column_text(st, i++);
    t.as_of = db_column_text(st, i++);
    t.period_start = db_column_text(st, i++);
    t.period_end = db_column_text(st, i++);
    return v->fn(v->ctx, &t);
}

enum app_status stat_repo_claim_texts(struct db_conn *c, const char *seqs_json,
                                      stat_claim_text_fn fn, void *ctx)
{
    struct text_visit v = {fn, ctx};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_CLAIM_TEXTS, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, seqs_json, -1, SQLITE_STATIC);
    return db_rows(st, S_text_visit, &v);
}

/* A request's reads already share one snapshot (app_db_reader()), which ends with the
 * request: these only make sure one is open. */
enum app_status stat_repo_snapshot_begin(struct db_conn *c)
{
    return db_read_begin(c);
}

void stat_repo_snapshot_end(struct db_conn *c)
{
    (void)c;
}
