#include "provenance_repo.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* The columns of one side, read by S_side() (22 columns). */
#define SIDE(a, s, m, pl, sp, se)                                                                 \
    a ".seq, " a ".id, " s ".id, " a ".claimant, " a ".quote, " m ".id, CASE WHEN " m             \
      ".id LIKE '%\\_age' ESCAPE '\\' THEN 'age' WHEN " m ".value_type = 'date' AND " m           \
      ".one_per_subject = 1 THEN 'start' END, " a ".value, " a ".lower, " a ".upper, " a          \
      ".bound, " a ".vague_term, " a ".unit, " a ".value_date, " a ".value_text, " a ".as_of, " a \
      ".period_start, " a ".period_end, " pl ".id, coalesce(" sp ".id, " se ".id), " sp           \
      ".seq IS NOT NULL, " a ".attribute"
#define SIDE_NCOLS 22

#define JOINS(a, s, m, pl, sp, se)                                                                 \
    " JOIN source " s " ON " s ".seq = " a ".source_seq LEFT JOIN metric " m " ON " m ".seq = " a  \
    ".metric_seq LEFT JOIN entity " pl " ON " pl ".seq = " a ".place_seq LEFT "                    \
    "JOIN program " sp " ON " sp ".seq = " a ".subject_program_seq LEFT JOIN entity " se " ON " se \
    ".seq = " a ".subject_entity_seq"

#define REPEAT_SIDE    SIDE("c", "cs", "cm", "cpl", "csp", "cse")
#define ORIGINAL_SIDE  SIDE("t", "ts", "tm", "tpl", "tsp", "tse")
#define REPEAT_JOINS   JOINS("c", "cs", "cm", "cpl", "csp", "cse")
#define ORIGINAL_JOINS JOINS("t", "ts", "tm", "tpl", "tsp", "tse")

static const char SQL_LINKS[] =
    "SELECT " REPEAT_SIDE ", " ORIGINAL_SIDE ", l.basis, NULL, NULL FROM claim_link l JOIN claim "
    "c ON c.seq = l.claim_seq AND c.deleted_at IS NULL JOIN claim t ON t.seq = l.target_seq AND "
    "t.deleted_at IS NULL" REPEAT_JOINS ORIGINAL_JOINS " WHERE l.relation = 'repeats' ORDER BY "
    "t.seq, c.seq";

static const char SQL_DERIVED[] =
    "SELECT " REPEAT_SIDE ", " ORIGINAL_SIDE ", l.basis, CASE WHEN c.footnote_seq = ?1 THEN "
    "(SELECT min(label) FROM citation WHERE citing_seq = c.source_seq AND cited_seq = ?1) END, "
    "CASE WHEN c.footnote_seq = ?1 THEN c.footnote_scope END FROM claim c LEFT JOIN claim_link l "
    "ON l.claim_seq = c.seq AND l.relation = 'repeats' AND l.target_seq IN (SELECT seq FROM "
    "claim WHERE source_seq = ?1 AND deleted_at IS NULL) LEFT JOIN claim t ON t.seq = "
    "l.target_seq" REPEAT_JOINS ORIGINAL_JOINS " WHERE c.deleted_at IS NULL AND c.source_seq <> "
    "?1 AND (c.footnote_seq = ?1 OR l.claim_seq IS NOT NULL) ORDER BY c.seq, t.seq";

static int S_side(sqlite3_stmt *st, int i, struct prov_side *s)
{
    memset(s, 0, sizeof *s);
    struct drift_claim *c = &s->c;
    s->seq = sqlite3_column_int64(st, i++);
    c->id = db_column_text(st, i++);
    s->source_id = db_column_text(st, i++);
    s->claimant = db_column_text(st, i++);
    c->quote = db_column_text(st, i++);
    c->metric = db_column_text(st, i++);
    c->metric_kind = db_column_text(st, i++);
    c->has_value = db_column_double(st, i++, &c->value);
    c->has_lower = db_column_double(st, i++, &c->lower);
    c->has_upper = db_column_double(st, i++, &c->upper);
    c->bound = db_column_text(st, i++);
    c->vague_term = db_column_text(st, i++);
    c->unit = db_column_text(st, i++);
    c->value_date = db_column_text(st, i++);
    c->value_text = db_column_text(st, i++);
    c->as_of = db_column_text(st, i++);
    c->period_start = db_column_text(st, i++);
    c->period_end = db_column_text(st, i++);
    s->place_id = db_column_text(st, i++);
    c->subject = db_column_text(st, i++);
    s->subject_is_program = sqlite3_column_int(st, i++) != 0;
    c->attribute = db_column_text(st, i++);
    return i;
}

struct visit {
    prov_link_fn fn;
    void *ctx;
};

static bool S_visit(void *ctx, sqlite3_stmt *st)
{
    const struct visit *v = ctx;
    struct prov_link_row row;
    int i = S_side(st, 0, &row.repeat);
    row.has_target = sqlite3_column_type(st, i) != SQLITE_NULL;
    i = S_side(st, i, &row.original);
    row.basis = db_column_text(st, i++);
    row.note = db_column_text(st, i++);
    row.note_scope = db_column_text(st, i++);
    return v->fn(v->ctx, &row);
}

enum app_status prov_repo_links(struct db_conn *c, prov_link_fn fn, void *ctx)
{
    struct visit v = {fn, ctx};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_LINKS, &st);
    if (s != APP_OK)
        return s;
    return db_rows(st, S_visit, &v);
}

enum app_status prov_repo_derived(struct db_conn *c, int64_t source_seq, prov_link_fn fn, void *ctx)
{
    struct visit v = {fn, ctx};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_DERIVED, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_int64(st, 1, source_seq);
    return db_rows(st, S_visit, &v);
}

struct edges {
    struct drift_edge *v;
    size_t n, cap;
    bool oom;
};

static bool S_edge(void *ctx, const struct prov_link_row *r)
{
    struct edges *e = ctx;
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        struct drift_edge *v = realloc(e->v, cap * sizeof *v);
        if (!v) {
            e->oom = true;
            return false;
        }
        e->v = v;
        e->cap = cap;
    }
    struct drift_result d;
    drift_compare(&r->original.c, &r->repeat.c, &d);
    e->v[e->n++] = (struct drift_edge){r->repeat.seq, r->original.seq, d.status == DRIFT_KEPT};
    return true;
}

enum app_status prov_repo_edges(struct db_conn *c, struct drift_edge **out, size_t *n)
{
    struct edges e = {0};
    enum app_status s = prov_repo_links(c, S_edge, &e);
    if (s == APP_OK && e.oom)
        s = APP_ENOMEM;
    if (s != APP_OK) {
        free(e.v);
        e.v = NULL;
        e.n = 0;
    }
    *out = e.v;
    *n = e.n;
    return s;
}

static const char SQL_SOURCE[] = "SELECT seq, deleted_at IS NOT NULL FROM source WHERE id = ?1";

enum app_status prov_repo_source(struct db_conn *c, const char *id, int64_t *seq, bool *deleted)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_SOURCE, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        *deleted = sqlite3_column_int(st, 1) != 0;
        s = APP_OK;
    } else {
        s = rc == SQLITE_DONE ? APP_ENOTFOUND : db_status(rc);
    }
    sqlite3_reset(st);
    return s;
}
