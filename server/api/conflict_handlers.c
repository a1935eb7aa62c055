#include "app.h"
#include "conflict_engine.h"
#include "export.h"
#include "handlers.h"
#include "list.h"
#include "provenance.h"
#include "provenance_repo.h"
#include "query.h"
#include "statistic_cache.h"
#include "statistic_repo.h"
#include "write_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const list_params[] = {"limit",  "offset",    "cursor", "format",
                                          "metric", "program",   "source", "rule",
                                          "class",  "certainty", "fields", NULL};
/* The members of an item of the collection, for fields= (list_fields()). */
static const char *const conflict_field_names[] = {
    "id",      "rule", "class", "certainty", "dissolves_if", "metric",      "relation", "place",
    "subject", "of",   "a",     "b",         "sides",        "explanation", "reason",   NULL};

static const char *const consistency_params[] = {NULL};

struct conflict_filter {
    const char *programs[QUERY_MAX_LIST];
    size_t nprograms;
    const char *sources[QUERY_MAX_LIST];
    size_t nsources;
    const char *metrics[QUERY_MAX_LIST];
    size_t nmetrics;
    const char *rules[QUERY_MAX_LIST];
    size_t nrules;
    const char *classes[QUERY_MAX_LIST];
    size_t nclasses;
    const char *certainties[QUERY_MAX_LIST];
    size_t ncertainties;
};

static bool S_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++) {
        if (strcmp(s, list[i]) == 0)
            return true;
    }
    return false;
}

/* Some claim of the finding satisfies the list (program subject, source, metric). */
static bool S_any(const struct conflict_world *w, const struct cons_finding *f, int what,
                  const char *const *list, size_t n)
{
    if (n == 0)
        return true;
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < f->nside[s]; i++) {
            const struct stat_claim_row *r = &w->set.v[f->side[s][i]].r;
            const char *v = what == 0   ? (r->subject_is_program ? r->subject_id : NULL)
                            : what == 1 ? r->source_id
                                        : r->metric_id;
            if (S_in(v, list, n))
                return true;
        }
    }
    return false;
}

static bool S_keep(const struct conflict_world *w, const struct conflict_filter *cf,
                   const struct cons_finding *f)
{
    return S_any(w, f, 0, cf->programs, cf->nprograms) &&
           S_any(w, f, 1, cf->sources, cf->nsources) && S_any(w, f, 2, cf->metrics, cf->nmetrics) &&
           (!cf->nrules || S_in(f->rule, cf->rules, cf->nrules)) &&
           (!cf->nclasses || S_in(cons_class_name(f->cls), cf->classes, cf->nclasses)) &&
           (!cf->ncertainties ||
            S_in(cons_certainty_name(f->certainty), cf->certainties, cf->ncertainties));
}

/* Every value of list param `name` is one of allowed. */
static void S_check(struct query_errors *qe, const char *name, const char *const *v, size_t n,
                    const char *const *allowed, size_t nallowed, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (!S_in(v[i], allowed, nallowed)) {
            query_error(qe, name, "unknown %s '%.60s'", what, v[i]);
            return;
        }
    }
}

/* Adds "disagreements_truncated" to the JSON envelope list_end() closed. */
static void S_mark_truncated(struct http_response *res, const struct list_params *lp, bool t)
{
    struct buf *b = &res->body;
    if (lp->format != LIST_JSON || b->len == 0 || b->data[b->len - 1] != '}')
        return;
    b->len--;
    buf_puts(b, t ? ",\"disagreements_truncated\":true}" : ",\"disagreements_truncated\":false}");
}

/*
 * The drift findings (a repetition along claim_link whose figure, bound, unit or window
 * changed: server/domain/drift.c) that pass the filters: rule and class "drift", the certainty,
 * and either claim's metric, program and source. Kept in place; the rest freed.
 */
static void S_filter_drift(struct prov_findings *d, const struct conflict_filter *cf)
{
    bool rule = !cf->nrules || S_in("drift", cf->rules, cf->nrules);
    bool cls = !cf->nclasses || S_in("drift", cf->classes, cf->nclasses);
    size_t keep = 0;
    for (size_t i = 0; i < d->n; i++) {
        struct prov_finding *x = &d->v[i];
        const struct prov_side *sd[2] = {&x->original, &x->repeat};
        const char *cert = x->d.definite ? "definite" : "possible";
        bool ok =
            rule && cls && (!cf->ncertainties || S_in(cert, cf->certainties, cf->ncertainties));
        bool metric = !cf->nmetrics, program = !cf->nprograms, source = !cf->nsources;
        for (int k = 0; k < 2; k++) {
            metric |= S_in(sd[k]->c.metric, cf->metrics, cf->nmetrics);
            program |=
                sd[k]->subject_is_program && S_in(sd[k]->c.subject, cf->programs, cf->nprograms);
            source |= S_in(sd[k]->source_id, cf->sources, cf->nsources);
        }
        if (ok && metric && program && source) {
            d->v[keep++] = *x;
        } else {
            for (size_t k = 0; k < x->nowned; k++)
                free(x->owned[k]);
        }
    }
    d->n = keep;
}

void conflicts_list(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    struct list_params lp;
    struct conflict_filter cf;
    char sc[6][2048];
    struct conflict_world world;
    struct prov_findings drift;
    char *key = NULL;
    const char *rule_names[17], *class_names[8], *cert_names[4];
    size_t nrule_names = 0, nclass_names = 0, ncert_names = 0;

    for (size_t i = 0; i < cons_nrules && i < 14; i++)
        rule_names[nrule_names++] = cons_rules[i].name;
    rule_names[nrule_names++] = "internal";
    rule_names[nrule_names++] = "curated";
    rule_names[nrule_names++] = "drift";
    for (int i = 0; cons_class_name((enum cons_class)i) != NULL; i++)
        class_names[nclass_names++] = cons_class_name((enum cons_class)i);
    for (int i = 0; cons_certainty_name((enum cons_certainty)i) != NULL; i++)
        cert_names[ncert_names++] = cons_certainty_name((enum cons_certainty)i);

    memset(&cf, 0, sizeof cf);
    conflict_world_init(&world);
    prov_findings_init(&drift, true, false);
    key = stat_cache_key(req);
    if (stat_cache_get(req->app->stat_cache, key, res))
        goto done;
    query_errors_init(&qe);
    list_parse(req, &qe, &lp);
    list_fields(req, &qe, &lp, conflict_field_names, 1, "a conflict");
    cf.nmetrics = query_list(req, &qe, "metric", cf.metrics, sc[0], sizeof sc[0]);
    cf.nprograms = query_list(req, &qe, "program", cf.programs, sc[1], sizeof sc[1]);
    cf.nsources = query_list(req, &qe, "source", cf.sources, sc[2], sizeof sc[2]);
    cf.nrules = query_list(req, &qe, "rule", cf.rules, sc[3], sizeof sc[3]);
    cf.nclasses = query_list(req, &qe, "class", cf.classes, sc[4], sizeof sc[4]);
    cf.ncertainties = query_list(req, &qe, "certainty", cf.certainties, sc[5], sizeof sc[5]);
    S_check(&qe, "rule", cf.rules, cf.nrules, rule_names, nrule_names, "rule");
    S_check(&qe, "class", cf.classes, cf.nclasses, class_names, nclass_names, "class");
    S_check(&qe, "certainty", cf.certainties, cf.ncertainties, cert_names, ncert_names,
            "certainty");
    query_finish(req, &qe, list_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        goto done;
    }

    struct db_conn *c = NULL;
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = conflict_world_load(c, &world);
    /* Drift findings follow the rules' findings, under the same filters. */
    if (st == APP_OK)
        st = prov_repo_links(c, prov_findings_collect, &drift);
    if (st == APP_OK)
        st = drift.status;
    if (st != APP_OK) {
        app_db_error(req, res, st, "computing conflicts");
        goto done;
    }
    S_filter_drift(&drift, &cf);
    size_t *kept = malloc((world.f.n ? world.f.n : 1) * sizeof *kept);
    if (kept == NULL) {
        app_db_error(req, res, APP_ENOMEM, "computing conflicts");
        goto done;
    }
    size_t nk = 0;
    for (size_t i = 0; i < world.f.n; i++) {
        if (S_keep(&world, &cf, &world.f.v[i]))
            kept[nk++] = i;
    }
    /* The list is computed: a cursor is a position in it, like an offset. */
    int64_t start = lp.has_cursor ? lp.after : lp.offset;
    struct list_ctx lc;
    list_begin(&lc, req, res, &lp, conflict_csv_columns);
    int64_t total = (int64_t)(nk + drift.n);
    for (int64_t i = start; i < total && i - start < list_fetch_limit(&lp); i++) {
        struct jw *w = list_item_begin(&lc);
        if (i < (int64_t)nk)
            conflict_json_finding(w, &world, &world.f.v[kept[i]]);
        else
            prov_json_finding(w, &drift.v[i - (int64_t)nk]);
        list_item_end(&lc, i + 1);
    }
    list_end(&lc, total);
    S_mark_truncated(res, &lp, world.f.truncated);
    if (world.f.truncated)
        http_response_header(res, "X-Result-Truncated", "true");
    stat_cache_put(req->app->stat_cache, key, res);
    list_free(&lc);
    free(kept);
done:
    free(key);
    prov_findings_free(&drift);
    conflict_world_free(&world);
}

enum app_status conflicts_export(struct db_conn *c, struct export_writer *x)
{
    struct conflict_world world;
    struct prov_findings drift;
    conflict_world_init(&world);
    prov_findings_init(&drift, true, false);
    enum app_status st = conflict_world_load(c, &world);
    if (st == APP_OK)
        st = prov_repo_links(c, prov_findings_collect, &drift);
    if (st == APP_OK)
        st = drift.status;
    /* The order of /v1/conflicts: the rules' findings, then the drift findings. */
    for (size_t i = 0; i < world.f.n && st == APP_OK; i++) {
        conflict_json_finding_members(export_line_begin(x, EXPORT_CONFLICT), &world, &world.f.v[i]);
        export_line_end(x);
    }
    for (size_t i = 0; i < drift.n && st == APP_OK; i++) {
        prov_json_finding_members(export_line_begin(x, EXPORT_CONFLICT), &drift.v[i]);
        export_line_end(x);
    }
    prov_findings_free(&drift);
    conflict_world_free(&world);
    return st;
}

/* A source's consistency: its internal inconsistencies and where others contradict it. */
void sources_consistency(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    struct conflict_world world;
    const char *id = http_path_param(req, "id");
    char *key = NULL;

    conflict_world_init(&world);
    key = stat_cache_key(req);
    if (stat_cache_get(req->app->stat_cache, key, res))
        goto done;
    query_errors_init(&qe);
    query_finish(req, &qe, consistency_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        goto done;
    }
    struct db_conn *c = NULL;
    bool exists = false;
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = stat_repo_source_exists(c, id, &exists);
    if (st == APP_OK && !exists) {
        char msg[200];
        int n = snprintf(msg, sizeof msg, "no source with id '%.100s'", id);
        http_problem(res, req, 404, "not-found", n > 0 ? msg : "no such source", NULL, 0);
        goto done;
    }
    if (st == APP_OK)
        st = conflict_world_load(c, &world);
    if (st != APP_OK) {
        app_db_error(req, res, st, "computing a source's consistency");
        goto done;
    }
    const char *one[1] = {id};
    struct jw w;
    http_json_begin(res, &w);
    res->cacheable = true;
    jw_obj_begin(&w);
    jw_key(&w, "data");
    jw_obj_begin(&w);
    jw_kstr(&w, "source", id);
    size_t ninternal = 0, nother = 0;
    jw_key(&w, "internal");
    jw_arr_begin(&w);
    for (size_t i = 0; i < world.f.n; i++) {
        const struct cons_finding *f = &world.f.v[i];
        if (f->cls == CONS_INTERNAL && S_any(&world, f, 1, one, 1)) {
            conflict_json_finding(&w, &world, f);
            ninternal++;
        }
    }
    jw_arr_end(&w);
    jw_key(&w, "contradicted_by");
    jw_arr_begin(&w);
    for (size_t i = 0; i < world.f.n; i++) {
        const struct cons_finding *f = &world.f.v[i];
        if (f->cls == CONS_INTERNAL || !S_any(&world, f, 1, one, 1))
            continue;
        bool other = false;
        for (int s = 0; s < 2; s++) {
            for (size_t k = 0; k < f->nside[s]; k++)
                other = other || strcmp(world.set.v[f->side[s][k]].r.source_id, id) != 0;
        }
        if (other) {
            conflict_json_finding(&w, &world, f);
            nother++;
        }
    }
    jw_arr_end(&w);
    jw_kint(&w, "internal_total", (int64_t)ninternal);
    jw_kint(&w, "contradicted_total", (int64_t)nother);
    jw_kbool(&w, "truncated", world.f.truncated);
    jw_key(&w, "links");
    jw_obj_begin(&w);
    jw_klink(&w, "self", "/v1/sources/", id, "/consistency");
    jw_klink(&w, "source", "/v1/sources/", id, NULL);
    jw_klink(&w, "conflicts", "/v1/conflicts?source=", id, NULL);
    jw_obj_end(&w);
    jw_obj_end(&w);
    jw_obj_end(&w);
    stat_cache_put(req->app->stat_cache, key, res);
done:
    free(key);
    conflict_world_free(&world);
}

/* One conflict by id: a rule's finding, a drift finding or a curated conflict. */
void conflicts_get(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    struct conflict_world world;
    struct prov_findings drift;
    const char *id = http_path_param(req, "id");
    char *key = NULL;

    conflict_world_init(&world);
    prov_findings_init(&drift, true, false);
    key = stat_cache_key(req);
    if (stat_cache_get(req->app->stat_cache, key, res))
        goto done;
    query_errors_init(&qe);
    query_finish(req, &qe, consistency_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        goto done;
    }
    struct db_conn *c = NULL;
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = conflict_world_load(c, &world);
    if (st == APP_OK)
        st = prov_repo_links(c, prov_findings_collect, &drift);
    if (st == APP_OK)
        st = drift.status;
    if (st != APP_OK) {
        app_db_error(req, res, st, "computing conflicts");
        goto done;
    }
    const struct cons_finding *hit = NULL;
    const struct prov_finding *dhit = NULL;
    for (size_t i = 0; i < world.f.n && !hit; i++) {
        if (strcmp(world.f.v[i].id, id) == 0)
            hit = &world.f.v[i];
    }
    for (size_t i = 0; i < drift.n && !hit && !dhit; i++) {
        char did[64];
        prov_finding_id(&drift.v[i], did, sizeof did);
        if (strcmp(did, id) == 0)
            dhit = &drift.v[i];
    }
    if (!hit && !dhit) {
        struct write_state ws;
        char msg[240];
        st = write_repo_load(c, WRITE_CONFLICT, id, &ws);
        if (st != APP_OK) {
            app_db_error(req, res, st, "reading a curated conflict");
        } else if (ws.found && ws.deleted) {
            snprintf(msg, sizeof msg, "conflict '%.100s' was deleted; an admin can restore it", id);
            http_problem(res, req, 410, "gone", msg, NULL, 0);
        } else {
            snprintf(msg, sizeof msg,
                     ws.found ? "conflict '%.100s' has no live claim left on one side"
                              : "no conflict with id '%.100s' (the rules and curators find "
                                "none by that name in the current data)",
                     id);
            http_problem(res, req, 404, "not-found", msg, NULL, 0);
        }
        write_state_free(&ws);
        goto done;
    }
    struct jw w;
    http_json_begin(res, &w);
    res->cacheable = true;
    jw_obj_begin(&w);
    jw_key(&w, "data");
    if (hit)
        conflict_json_finding(&w, &world, hit);
    else
        prov_json_finding(&w, dhit);
    jw_obj_end(&w);
    stat_cache_put(req->app->stat_cache, key, res);
done:
    free(key);
    prov_findings_free(&drift);
    conflict_world_free(&world);
}
