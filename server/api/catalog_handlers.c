/*
 * The catalog the consistency rules read, as records: GET /v1/metrics[/{id}] (what a
 * figure counts) and GET /v1/relations[/{id}] (the relations the rules check between
 * metrics). Each record is shown in the form the curation API writes it (write_repo's
 * load), plus what the server computes: revision, links, and for a metric the
 * relations that name it. The writes are in write_handlers.c.
 */
#include "app.h"
#include "catalog_repo.h"
#include "export.h"
#include "handlers.h"
#include "list.h"
#include "query.h"
#include "statistic_repo.h"
#include "vocab.h"
#include "write_json.h"
#include "write_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every relation of the catalog: its id and the metrics it names (copied). */
struct rel {
    char *id, *kind, *names; /* names: ",metric,whole,part,min,max,parts...," */
    int64_t seq;
};
struct rels {
    struct rel *v;
    size_t n, cap;
    bool oom;
};

static char *S_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static bool S_rel_row(void *ctx, const struct relation_row *r)
{
    struct rels *rs = ctx;
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 32;
        struct rel *v = realloc(rs->v, cap * sizeof *v);
        if (!v) {
            rs->oom = true;
            return false;
        }
        rs->v = v;
        rs->cap = cap;
    }
    const char *m[6] = {r->metric, r->whole, r->part, r->min, r->max, r->parts};
    size_t len = 2;
    for (int i = 0; i < 6; i++)
        len += m[i] ? strlen(m[i]) + 1 : 0;
    char *names = malloc(len);
    struct rel *x = &rs->v[rs->n];
    x->id = S_dup(r->id);
    x->kind = S_dup(r->kind);
    x->seq = r->seq;
    x->names = names;
    if (!names || !x->id || !x->kind) {
        free(names);
        free(x->id);
        free(x->kind);
        rs->oom = true;
        return false;
    }
    size_t at = 0;
    names[at++] = ',';
    for (int i = 0; i < 6; i++) {
        if (!m[i])
            continue;
        size_t k = strlen(m[i]);
        memcpy(names + at, m[i], k);
        at += k;
        names[at++] = ',';
    }
    names[at] = '\0';
    rs->n++;
    return true;
}

static void S_rels_free(struct rels *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->v[i].id);
        free(rs->v[i].kind);
        free(rs->v[i].names);
    }
    free(rs->v);
}

/* The relation names metric id (as its metric, whole, part, min, max or a part of a sum). */
static bool S_names(const struct rel *x, const char *id)
{
    size_t k = strlen(id);
    for (const char *p = strstr(x->names, id); p; p = strstr(p + 1, id)) {
        if (p[-1] == ',' && p[k] == ',')
            return true;
    }
    return false;
}

/*
 * One record of the catalog as its GET shows it: the stored members, then revision, the
 * metric's relations and links, as an object (or, `members`, into one the caller has
 * open: an export line). APP_ENOTFOUND when there is none.
 */
static enum app_status S_record_as(struct jw *w, struct db_conn *c, enum write_resource r,
                                   const char *id, const struct rels *rs, bool members)
{
    struct write_state ws;
    enum app_status st = write_repo_load(c, r, id, &ws);
    if (st == APP_OK && !ws.found)
        st = APP_ENOTFOUND;
    char *pub = st == APP_OK ? write_json_public(ws.json) : NULL;
    if (st == APP_OK && !pub)
        st = APP_ENOMEM;
    if (st == APP_OK) {
        if (!members)
            jw_obj_begin(w);
        jw_members(w, pub, strlen(pub));
        if (r == WRITE_METRIC) {
            jw_key(w, "relations");
            jw_arr_begin(w);
            for (size_t i = 0; i < rs->n; i++) {
                if (S_names(&rs->v[i], id))
                    jw_str(w, rs->v[i].id);
            }
            jw_arr_end(w);
        }
        jw_kint(w, "revision", ws.revision);
        jw_key(w, "links");
        jw_obj_begin(w);
        if (r == WRITE_METRIC) {
            jw_klink(w, "self", "/v1/metrics/", id, NULL);
            jw_klink(w, "statistics", "/v1/statistics/", id, NULL);
            jw_klink(w, "claims", "/v1/claims?metric=", id, NULL);
            jw_klink(w, "relations", "/v1/relations?metric=", id, NULL);
            jw_klink(w, "conflicts", "/v1/conflicts?metric=", id, NULL);
            jw_klink(w, "revisions", "/v1/metrics/", id, "/revisions");
        } else {
            jw_klink(w, "self", "/v1/relations/", id, NULL);
            jw_klink(w, "revisions", "/v1/relations/", id, "/revisions");
        }
        jw_obj_end(w);
        if (!members)
            jw_obj_end(w);
    }
    free(pub);
    write_state_free(&ws);
    return st;
}

static enum app_status S_record(struct jw *w, struct db_conn *c, enum write_resource r,
                                const char *id, const struct rels *rs)
{
    return S_record_as(w, c, r, id, rs, false);
}

enum app_status relations_export(struct db_conn *c, struct export_writer *x)
{
    struct rels rs = {0};
    enum app_status st = stat_repo_relations(c, S_rel_row, &rs);
    if (st == APP_OK && rs.oom)
        st = APP_ENOMEM;
    for (size_t i = 0; i < rs.n && st == APP_OK; i++) {
        st = S_record_as(export_line_begin(x, EXPORT_RELATION), c, WRITE_RELATION, rs.v[i].id, &rs,
                         true);
        export_line_end(x);
    }
    S_rels_free(&rs);
    return st;
}

/* The metric ids of the catalog in seq order (copied). */
struct ids {
    char **v;
    int64_t *seq;
    size_t n, cap;
    bool oom;
};

static bool S_id_row(void *ctx, const struct metric_row *r)
{
    struct ids *x = ctx;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        char **v = realloc(x->v, cap * sizeof *v);
        int64_t *s = v ? realloc(x->seq, cap * sizeof *s) : NULL;
        if (v)
            x->v = v;
        if (!v || !s) {
            x->oom = true;
            return false;
        }
        x->seq = s;
        x->cap = cap;
    }
    x->v[x->n] = strdup(r->id);
    if (!x->v[x->n]) {
        x->oom = true;
        return false;
    }
    x->seq[x->n++] = r->seq;
    return true;
}

static void S_ids_free(struct ids *x)
{
    for (size_t i = 0; i < x->n; i++)
        free(x->v[i]);
    free(x->v);
    free(x->seq);
}

static void S_get(struct http_request *req, struct http_response *res, enum write_resource r)
{
    struct query_errors qe;
    static const char *const none[] = {NULL};
    query_errors_init(&qe);
    query_finish(req, &qe, none);
    if (qe.n) {
        query_fail(res, req, &qe);
        return;
    }
    const char *id = http_path_param(req, "id");
    struct db_conn *c = NULL;
    struct rels rs = {0};
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK && r == WRITE_METRIC)
        st = stat_repo_relations(c, S_rel_row, &rs);
    if (st == APP_OK && rs.oom)
        st = APP_ENOMEM;
    struct jw w;
    if (st == APP_OK) {
        http_json_begin(res, &w);
        res->cacheable = true;
        jw_obj_begin(&w);
        jw_key(&w, "data");
        st = S_record(&w, c, r, id, &rs);
        jw_obj_end(&w);
    }
    if (st == APP_ENOTFOUND) {
        api_absent(req, res, c, r, id, NULL);
    } else if (st != APP_OK) {
        app_db_error(req, res, st, "reading the catalog");
    }
    S_rels_free(&rs);
}

void metrics_get(struct http_request *req, struct http_response *res)
{
    S_get(req, res, WRITE_METRIC);
}

void relations_get(struct http_request *req, struct http_response *res)
{
    S_get(req, res, WRITE_RELATION);
}

static const char *const metric_params[] = {"limit", "offset",     "cursor", "format",
                                            "q",     "value_type", "fields", NULL};
/* The members of an item of the collection, for fields= (list_fields()). */
static const char *const metric_field_names[] = {
    "id",         "label",           "unit",   "value_type", "definition", "counting_basis",
    "cumulative", "one_per_subject", "source", "relations",  "revision",   "links",
    NULL};

static const char *const metric_columns[] = {
    "id",         "label",           "unit",   "value_type", "definition", "counting_basis",
    "cumulative", "one_per_subject", "source", "relations",  "revision",   NULL};
static const char *const value_types[] = {"number", "date", NULL};

void metrics_list(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    struct list_params lp;
    struct metric_filter f = {.all = true};
    int idx = 0;
    query_errors_init(&qe);
    list_parse(req, &qe, &lp);
    list_fields(req, &qe, &lp, metric_field_names, 1, "a metric");
    f.q = query_string(req, &qe, "q", 200);
    if (query_enum(req, &qe, "value_type", value_types, &idx))
        f.value_type = value_types[idx];
    query_finish(req, &qe, metric_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        return;
    }
    struct db_conn *c = NULL;
    struct rels rs = {0};
    struct ids ids = {0};
    int64_t total = 0;
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = stat_repo_relations(c, S_rel_row, &rs);
    if (st == APP_OK)
        st = stat_repo_metric_count(c, &f, &total);
    if (st == APP_OK)
        st = stat_repo_metric_list(c, &f, list_fetch_limit(&lp), lp.offset, lp.has_cursor, lp.after,
                                   S_id_row, &ids);
    if (st == APP_OK && (rs.oom || ids.oom))
        st = APP_ENOMEM;
    if (st != APP_OK) {
        app_db_error(req, res, st, "listing metrics");
    } else {
        struct list_ctx lc;
        list_begin(&lc, req, res, &lp, metric_columns);
        for (size_t i = 0; i < ids.n && st == APP_OK; i++) {
            st = S_record(list_item_begin(&lc), c, WRITE_METRIC, ids.v[i], &rs);
            list_item_end(&lc, ids.seq[i]);
        }
        if (st == APP_OK)
            list_end(&lc, total);
        else
            app_db_error(req, res, st, "listing metrics");
        list_free(&lc);
    }
    S_ids_free(&ids);
    S_rels_free(&rs);
}

static const char *const relation_params[] = {"limit", "offset", "format", "metric",
                                              "kind",  "fields", NULL};
/* The members of an item of the collection, for fields= (list_fields()). */
static const char *const relation_field_names[] = {
    "id",  "kind",        "metric", "whole",    "part",  "parts", "min",
    "max", "whole_place", "note",   "revision", "links", NULL};

static const char *const relation_columns[] = {"id",          "kind",  "metric",   "whole",
                                               "part",        "parts", "min",      "max",
                                               "whole_place", "note",  "revision", NULL};

void relations_list(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    struct list_params lp;
    int idx = 0;
    const char *kind = NULL;
    query_errors_init(&qe);
    list_parse(req, &qe, &lp);
    list_fields(req, &qe, &lp, relation_field_names, 1, "a relation");
    if (lp.has_cursor)
        query_error(&qe, "cursor", "is not supported here; use offset");
    const char *metric = query_string(req, &qe, "metric", 200);
    if (query_enum(req, &qe, "kind", vocab_relation_kinds, &idx))
        kind = vocab_relation_kinds[idx];
    query_finish(req, &qe, relation_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        return;
    }
    struct db_conn *c = NULL;
    struct rels rs = {0};
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = stat_repo_relations(c, S_rel_row, &rs);
    if (st == APP_OK && rs.oom)
        st = APP_ENOMEM;
    if (st != APP_OK) {
        app_db_error(req, res, st, "listing relations");
        S_rels_free(&rs);
        return;
    }
    struct list_ctx lc;
    lp.no_keyset = true;
    list_begin(&lc, req, res, &lp, relation_columns);
    int64_t total = 0;
    for (size_t i = 0; i < rs.n && st == APP_OK; i++) {
        const struct rel *x = &rs.v[i];
        if ((metric && !S_names(x, metric)) || (kind && strcmp(kind, x->kind) != 0))
            continue;
        if (total >= lp.offset && total - lp.offset < list_fetch_limit(&lp)) {
            st = S_record(list_item_begin(&lc), c, WRITE_RELATION, x->id, &rs);
            list_item_end(&lc, x->seq);
        }
        total++;
    }
    if (st == APP_OK)
        list_end(&lc, total);
    else
        app_db_error(req, res, st, "listing relations");
    list_free(&lc);
    S_rels_free(&rs);
}
