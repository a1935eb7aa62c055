#include "app.h"
#include "claim_json.h"
#include "claim_repo.h"
#include "export.h"
#include "handlers.h"
#include "list.h"
#include "pdate.h"
#include "query.h"
#include "search_repo.h"
#include "vocab.h"
#include "write_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const claim_includes[] = {"source", "metric", NULL};

static const char *const list_params[] = {
    "limit",   "offset",     "cursor",     "format",    "sort",      "fields",   "include",
    "source",  "metric",     "program",    "entity",    "place",     "claimant", "kind",
    "topic",   "as_of_from", "as_of_to",   "value_min", "value_max", "q",        "numeric",
    "subject", "rests_on",   "relayed_by", NULL};
static const char *const booleans[] = {"false", "true", NULL};

/* The parsed request of a claims collection. */
struct claims_query {
    struct claim_filter f;
    struct list_params lp;
    struct sort_key sort[4];
    size_t nsort;
    uint64_t fields;
    unsigned include;
    struct buf lists[11];
    struct buf fts;
    struct buf names; /* fts with the catalog's names of a named record (search_repo_expand) */
    const char *text; /* q as given */
};

static void S_cq_init(struct claims_query *q)
{
    memset(q, 0, sizeof *q);
    for (size_t i = 0; i < 11; i++)
        buf_init(&q->lists[i]);
    buf_init(&q->fts);
    buf_init(&q->names);
    q->fields = CLAIM_ALL_FIELDS;
}

static void S_cq_free(struct claims_query *q)
{
    for (size_t i = 0; i < 11; i++)
        buf_free(&q->lists[i]);
    buf_free(&q->fts);
    buf_free(&q->names);
}

/* Parses everything a claims list accepts; preset filters come from the path. */
static void S_parse(struct http_request *req, struct query_errors *qe, struct claims_query *q)
{
    struct claim_filter *f = &q->f;
    list_parse(req, qe, &q->lp);
    q->nsort = query_sort(req, qe, "sort", claim_sort_keys, q->sort, 4);
    if (q->nsort && q->lp.has_cursor)
        query_error(qe, "cursor", "works with the default order only; drop sort or use offset");
    list_fields(req, qe, &q->lp, claim_field_names, 1, "a claim");
    if (q->lp.fields) { /* the encoder writes only those members */
        q->fields = q->lp.fields;
        q->lp.fields_encoded = true;
    }
    struct buf inc;
    buf_init(&inc);
    if (query_list_json(req, qe, "include", claim_includes, &inc)) {
        if (strstr(buf_str(&inc), "\"source\""))
            q->include |= CLAIM_INCLUDE_SOURCE;
        if (strstr(buf_str(&inc), "\"metric\""))
            q->include |= CLAIM_INCLUDE_METRIC;
    }
    buf_free(&inc);
    const char *names[] = {"source", "metric", "program",  "entity",     "place",  "claimant",
                           "kind",   "topic",  "rests_on", "relayed_by", "subject"};
    const char **slots[] = {&f->source_json,     &f->metric_json, &f->program_json,
                            &f->entity_json,     &f->place_json,  &f->claimant_json,
                            &f->kind_json,       &f->topic_json,  &f->rests_on_json,
                            &f->relayed_by_json, &f->subject_json};
    for (size_t i = 0; i < 11; i++) {
        if (*slots[i])
            continue; /* preset by the path; query_finish() rejects a repeat */
        const char *const *valid = i == 6 ? vocab_claim_kinds : NULL;
        if (query_list_json(req, qe, names[i], valid, &q->lists[i]))
            *slots[i] = buf_str(&q->lists[i]);
    }
    struct pdate d;
    bool present;
    if (query_date(req, qe, "as_of_from", &d, &present) && present) {
        f->has_from = true;
        f->from_day = pdate_first_day(&d);
    }
    if (query_date(req, qe, "as_of_to", &d, &present) && present) {
        f->has_to = true;
        f->to_day = pdate_last_day(&d);
    }
    if (f->has_from && f->has_to && f->from_day > f->to_day)
        query_error(qe, "as_of_to", "must not be before as_of_from");
    if (query_double(req, qe, "value_min", &f->vmin, &present) && present)
        f->has_vmin = true;
    if (query_double(req, qe, "value_max", &f->vmax, &present) && present)
        f->has_vmax = true;
    if (f->has_vmin && f->has_vmax && f->vmin > f->vmax)
        query_error(qe, "value_max", "must not be below value_min");
    int numeric = -1;
    if (query_enum(req, qe, "numeric", booleans, &numeric))
        f->numeric = numeric == 1 ? 1 : 2;
    const char *text = query_string(req, qe, "q", 200);
    if (text) {
        if (query_fts_expr(text, &q->fts)) {
            f->fts = buf_str(&q->fts);
            q->text = text;
        } else
            query_error(qe, "q", "has no word to search for");
    }
}

struct emit_ctx {
    struct list_ctx *lc;
    uint64_t fields;
    unsigned include;
};

static bool S_emit(void *ctx, const struct claim_row *r)
{
    struct emit_ctx *e = ctx;
    struct jw *w = list_item_begin(e->lc);
    claim_json_write(w, r, e->fields, e->include);
    list_item_end(e->lc, r->seq);
    return true;
}

void claims_collection(struct http_request *req, struct http_response *res,
                       const struct claim_filter *preset)
{
    struct claims_query q;
    struct query_errors qe;
    S_cq_init(&q);
    query_errors_init(&qe);
    if (preset)
        q.f = *preset;
    S_parse(req, &qe, &q);
    query_finish(req, &qe, list_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        S_cq_free(&q);
        return;
    }
    struct db_conn *c = NULL;
    int64_t total = 0;
    enum app_status st = app_db_reader(req->app, &c);
    bool expanded = false;
    if (st == APP_OK && q.text) /* a name searches for every name of its record, as /v1/search */
        st = search_repo_expand(c, q.text, &q.names, &expanded);
    if (st == APP_OK && expanded)
        q.f.fts = buf_str(&q.names);
    if (st == APP_OK)
        st = claim_repo_count(c, &q.f, &total);
    struct list_ctx lc;
    q.lp.no_keyset = q.nsort > 0; /* keyset paging follows the default order only */
    const char *cols[CLAIM_CSV_MAX_COLUMNS];
    claim_csv_columns(CLAIM_ALL_FIELDS, cols, CLAIM_CSV_MAX_COLUMNS);
    list_begin(&lc, req, res, &q.lp, cols);
    struct emit_ctx e = {&lc, q.fields, q.include};
    if (st == APP_OK)
        st = claim_repo_list(c, &q.f, q.sort, q.nsort, list_fetch_limit(&q.lp), q.lp.offset,
                             q.lp.has_cursor, q.lp.after, S_emit, &e);
    if (st != APP_OK) {
        app_db_error(req, res, st, "listing claims");
    } else {
        list_end(&lc, total);
    }
    list_free(&lc);
    S_cq_free(&q);
}

void claims_list(struct http_request *req, struct http_response *res)
{
    claims_collection(req, res, NULL);
}

struct one_ctx {
    struct jw *w;
    unsigned include;
};

/* Writes the members GET /v1/claims/{id} has in "data" into the open object o->w. */
static bool S_one(void *ctx, const struct claim_row *r)
{
    struct one_ctx *o = ctx;
    struct jw *w = o->w;
    claim_json_members(w, r, CLAIM_ALL_FIELDS, o->include);
    if (r->context_before && r->context_after) {
        jw_key(w, "context");
        jw_obj_begin(w);
        jw_key(w, "before");
        jw_strn(w, r->context_before, r->context_before_len);
        jw_kstr(w, "quote", r->quote);
        jw_key(w, "after");
        jw_strn(w, r->context_after, r->context_after_len);
        jw_obj_end(w);
    }
    return false;
}

static const char *const get_params[] = {"context", NULL};
/* The context GET /v1/claims/{id} gives without ?context=: code points either side. */
#define CLAIM_DEFAULT_CONTEXT 240

void claims_get(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    query_errors_init(&qe);
    int64_t chars = CLAIM_DEFAULT_CONTEXT;
    query_int(req, &qe, "context", 0, 2000, &chars);
    query_finish(req, &qe, get_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        return;
    }
    const char *id = http_path_param(req, "id");
    struct db_conn *c = NULL;
    struct jw w;
    struct one_ctx o = {.w = &w, .include = CLAIM_INCLUDE_SOURCE | CLAIM_INCLUDE_METRIC};
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK) {
        http_json_begin(res, &w);
        jw_obj_begin(&w);
        jw_key(&w, "data");
        jw_obj_begin(&w);
        st = claim_repo_get_context(c, id, (int)chars, S_one, &o);
    }
    if (st == APP_OK) {
        jw_obj_end(&w);
        jw_obj_end(&w);
        res->cacheable = true;
    }
    if (st == APP_ENOTFOUND) {
        api_absent(req, res, c, WRITE_CLAIM, id, NULL);
    } else if (st != APP_OK) {
        app_db_error(req, res, st, "reading a claim");
    }
}

static bool S_export_id(void *ctx, const struct claim_row *r)
{
    export_ids_add(ctx, r->id);
    return true;
}

enum app_status claims_export(struct db_conn *c, struct export_writer *x)
{
    struct claim_filter f;
    memset(&f, 0, sizeof f);
    export_ids_reset(x);
    enum app_status st = claim_repo_list(c, &f, NULL, 0, -1, 0, false, 0, S_export_id, x);
    if (st == APP_OK && x->ids.oom)
        st = APP_ENOMEM;
    for (const char *id = export_ids_next(x, NULL); id && st == APP_OK;
         id = export_ids_next(x, id)) {
        struct one_ctx o = {.w = export_line_begin(x, EXPORT_CLAIM),
                            .include = CLAIM_INCLUDE_SOURCE | CLAIM_INCLUDE_METRIC};
        st = claim_repo_get_context(c, id, CLAIM_DEFAULT_CONTEXT, S_one, &o);
        export_line_end(x);
    }
    return st;
}
