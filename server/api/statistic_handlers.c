#include "app.h"
#include "export.h"
#include "handlers.h"
#include "list.h"
#include "pdate.h"
#include "query.h"
#include "statistic_analysis.h"
#include "statistic_cache.h"
#include "statistic_json.h"
#include "statistic_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const value_types[] = {"number", "date", NULL};
static const char *const booleans[] = {"false", "true", NULL};

static const char *const list_params[] = {"limit",      "offset", "cursor", "format", "q",
                                          "value_type", "all",    "fields", NULL};
/* The members of an item of the collection, for fields= (list_fields()). */
static const char *const statistic_field_names[] = {
    "id",     "label",   "unit",   "value_type", "definition", "counting_basis",
    "source", "summary", "series", "links",      NULL};

static const char *const get_params[] = {"place", "subject", "as_of_from", "as_of_to",
                                         "limit", "offset",  NULL};

/* Observations per page of one statistic: by default, and the range of offset (as list_parse()). */
#define STAT_OBS_LIMIT      100
#define STAT_OBS_MAX_OFFSET INT64_C(1000000000000)

/* Which observations a response holds: [offset, offset + count) of total. */
struct obs_page {
    int64_t limit, offset;
    size_t first, count, total;
};

/* A metric row with its strings copied into an arena. */
static bool S_metric_copy(struct stat_arena *a, const struct metric_row *src,
                          struct metric_row *dst)
{
    *dst = *src;
    dst->id = stat_arena_dup(a, src->id);
    dst->label = stat_arena_dup(a, src->label);
    dst->unit = stat_arena_dup(a, src->unit);
    dst->value_type = stat_arena_dup(a, src->value_type);
    dst->definition = stat_arena_dup(a, src->definition);
    dst->counting_basis = stat_arena_dup(a, src->counting_basis);
    dst->source_id = stat_arena_dup(a, src->source_id);
    return !a->oom;
}

struct metrics_ctx {
    struct stat_arena arena;
    struct metric_row *v;
    size_t n, cap;
    bool oom;
};

static bool S_collect_metric(void *ctx, const struct metric_row *r)
{
    struct metrics_ctx *m = ctx;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct metric_row *v = realloc(m->v, cap * sizeof *v);
        if (v == NULL) {
            m->oom = true;
            return false;
        }
        m->v = v;
        m->cap = cap;
    }
    if (!S_metric_copy(&m->arena, r, &m->v[m->n])) {
        m->oom = true;
        return false;
    }
    m->n++;
    return true;
}

/* A link to the request's target with offset moved to off (list_link() form), or null. */
static void S_page_link(struct jw *w, const char *key, const struct http_request *req, bool has,
                        int64_t off, struct buf *link)
{
    char num[32];
    jw_key(w, key);
    if (!has) {
        jw_null(w);
        return;
    }
    buf_reset(link);
    snprintf(num, sizeof num, "%lld", (long long)off);
    list_link(req, link, num, NULL);
    jw_str(w, buf_str(link));
}

/* links {self, claims, conflicts}, and {prev, next} of a page of observations (pg non-NULL). */
static void S_links(struct jw *w, const char *id, const struct http_request *req,
                    const struct obs_page *pg)
{
    struct buf link;
    buf_init(&link);
    jw_key(w, "links");
    jw_obj_begin(w);
    jw_klink(w, "self", "/v1/statistics/", id, NULL);
    jw_klink(w, "claims", "/v1/claims?metric=", id, NULL);
    jw_klink(w, "conflicts", "/v1/conflicts?metric=", id, NULL);
    if (pg) {
        int64_t prev = pg->offset - pg->limit;
        S_page_link(w, "prev", req, pg->offset > 0, prev < 0 ? 0 : prev, &link);
        S_page_link(w, "next", req, pg->first + pg->count < pg->total, pg->offset + pg->limit,
                    &link);
    }
    jw_obj_end(w);
    if (link.oom)
        w->b->oom = true;
    buf_free(&link);
}

/* Loads the claims of one metric, then summarizes them and finds their disagreements. */
struct metric_view {
    struct stat_set set;
    struct stat_summary sum;
    struct stat_pairs pairs;
    struct stat_series_set series;
};

static void S_view_init(struct metric_view *v)
{
    stat_set_init(&v->set);
    memset(&v->sum, 0, sizeof v->sum);
    stat_pairs_init(&v->pairs);
    v->series.v = NULL;
    v->series.n = 0;
}

static void S_view_free(struct metric_view *v)
{
    stat_set_free(&v->set);
    stat_summary_free(&v->sum);
    stat_pairs_free(&v->pairs);
    stat_series_free(&v->series);
}

/*
 * Reads the claims of f->metric_seq without the text that only written
 * observations need (see S_view_texts()), then summarizes them and finds
 * their disagreements.
 */
static enum app_status S_view_load(struct db_conn *c, const struct stat_claim_filter *f,
                                   struct metric_view *v)
{
    enum app_status st = stat_repo_observations(c, f, stat_set_collect, &v->set);
    if (st == APP_OK)
        st = v->set.status;
    if (st == APP_OK)
        st = stat_set_undated_last(&v->set);
    if (st == APP_OK)
        st = stat_summarize(&v->set, &v->sum);
    if (st == APP_OK)
        st = stat_series_build(&v->set, &v->series);
    if (st == APP_OK)
        st = stat_find_disagreements(&v->set, STAT_MAX_DISAGREEMENTS, STAT_MAX_DISAGREEMENTS, NULL,
                                     NULL, &v->pairs);
    return st;
}

/* Reads the text of the observations written out: [first, first + n) and the latest. */
static enum app_status S_view_texts(struct db_conn *c, struct metric_view *v, size_t first,
                                    size_t n)
{
    struct stat_text_fill tf = {.idx = NULL};
    struct buf seqs;
    size_t k = 0;
    size_t extra = 3;
    for (size_t i = 0; i < v->series.n; i++)
        extra += 3 + 3 * v->series.v[i].nwin;
    size_t *want = malloc((n + extra) * sizeof *want);
    enum app_status st = APP_OK;

    buf_init(&seqs);
    if (want == NULL) {
        st = APP_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        want[k++] = first + i;
    if (v->sum.s.latest < v->sum.nused)
        want[k++] = v->sum.used[v->sum.s.latest];
    if (v->sum.lowest < v->set.n)
        want[k++] = v->sum.lowest;
    if (v->sum.highest < v->set.n)
        want[k++] = v->sum.highest;
    /* every figure a series names (SIZE_MAX: none) */
    for (size_t i = 0; i < v->series.n; i++) {
        const struct stat_series *x = &v->series.v[i];
        size_t figs[3] = {x->lowest, x->highest, x->latest};
        for (size_t j = 0; j < 3; j++)
            if (figs[j] < v->set.n)
                want[k++] = figs[j];
        for (size_t j = 0; j < x->nwin; j++) {
            size_t wf[3] = {x->win[j].low, x->win[j].best, x->win[j].high};
            for (size_t q = 0; q < 3; q++)
                if (wf[q] < v->set.n)
                    want[k++] = wf[q];
        }
    }
    st = stat_text_fill_init(&tf, &v->set, want, k, &seqs);
    if (st == APP_OK && tf.n > 0)
        st = stat_repo_claim_texts(c, buf_str(&seqs), stat_text_fill_collect, &tf);
    if (st == APP_OK)
        st = tf.status;
    /* One snapshot: every claim the first query read is still there. */
    if (st == APP_OK && tf.missing > 0)
        st = APP_EDB;
out:
    stat_text_fill_free(&tf);
    buf_free(&seqs);
    free(want);
    return st;
}

/*
 * The members of metric r as an item of /v1/statistics has them (the open object w): the
 * metric, its summary, its series and its links.
 */
static enum app_status S_metric_item(struct db_conn *c, const struct metric_row *r, struct jw *w)
{
    struct stat_claim_filter cf;
    struct metric_view v;
    memset(&cf, 0, sizeof cf);
    cf.metric_seq = r->seq;
    S_view_init(&v);
    enum app_status st = S_view_load(c, &cf, &v);
    if (st == APP_OK)
        st = S_view_texts(c, &v, 0, 0);
    if (st == APP_OK) {
        stat_json_metric_members(w, r);
        stat_json_summary(w, &v.set, &v.sum, r->unit, v.pairs.n, v.pairs.truncated, false,
                          v.series.n);
        jw_key(w, "series");
        jw_arr_begin(w);
        for (size_t k = 0; k < v.series.n; k++)
            stat_json_series(w, &v.set, &v.series.v[k], false);
        jw_arr_end(w);
        S_links(w, r->id, NULL, NULL);
    }
    S_view_free(&v);
    return st;
}

enum app_status statistics_export(struct db_conn *c, struct export_writer *x)
{
    struct metric_filter f = {NULL, NULL, true}; /* every metric, those no claim uses too */
    struct metrics_ctx m = {.v = NULL, .n = 0, .cap = 0, .oom = false};
    stat_arena_init(&m.arena);
    enum app_status st = stat_repo_metric_list(c, &f, -1, 0, false, 0, S_collect_metric, &m);
    if (st == APP_OK && m.oom)
        st = APP_ENOMEM;
    for (size_t i = 0; i < m.n && st == APP_OK; i++) {
        st = S_metric_item(c, &m.v[i], export_line_begin(x, EXPORT_METRIC));
        export_line_end(x);
    }
    free(m.v);
    stat_arena_free(&m.arena);
    return st;
}

void statistics_list(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    struct list_params lp;
    struct metric_filter f = {NULL, NULL, false};
    struct metrics_ctx m = {.v = NULL, .n = 0, .cap = 0, .oom = false};
    int idx = -1;
    char *key = NULL;
    struct db_conn *c = NULL;

    stat_arena_init(&m.arena);
    key = stat_cache_key(req);
    if (stat_cache_get(req->app->stat_cache, key, res))
        goto done;
    query_errors_init(&qe);
    list_parse(req, &qe, &lp);
    list_fields(req, &qe, &lp, statistic_field_names, 1, "a statistic");
    f.q = query_string(req, &qe, "q", 200);
    if (query_enum(req, &qe, "value_type", value_types, &idx))
        f.value_type = value_types[idx];
    if (query_enum(req, &qe, "all", booleans, &idx))
        f.all = idx == 1;
    query_finish(req, &qe, list_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        goto done;
    }

    int64_t total = 0;
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = stat_repo_snapshot_begin(c);
    if (st == APP_OK)
        st = stat_repo_metric_count(c, &f, &total);
    if (st == APP_OK)
        st = stat_repo_metric_list(c, &f, list_fetch_limit(&lp), lp.offset, lp.has_cursor, lp.after,
                                   S_collect_metric, &m);
    if (st == APP_OK && m.oom)
        st = APP_ENOMEM;
    if (st != APP_OK) {
        app_db_error(req, res, st, "listing statistics");
        goto done;
    }
    struct list_ctx lc;
    list_begin(&lc, req, res, &lp, stat_metric_csv_columns);
    for (size_t i = 0; i < m.n && st == APP_OK; i++) {
        struct jw *w = list_item_begin(&lc);
        jw_obj_begin(w);
        st = S_metric_item(c, &m.v[i], w);
        jw_obj_end(w);
        if (st == APP_OK)
            list_item_end(&lc, m.v[i].seq);
    }
    if (st != APP_OK) {
        app_db_error(req, res, st, "summarizing statistics");
    } else {
        list_end(&lc, total);
        stat_cache_put(req->app->stat_cache, key, res);
    }
    list_free(&lc);
done:
    if (c)
        stat_repo_snapshot_end(c);
    free(key);
    free(m.v);
    stat_arena_free(&m.arena);
}

struct one_metric {
    struct stat_arena arena;
    struct metric_row row;
    bool found, oom;
};

static bool S_one_metric(void *ctx, const struct metric_row *r)
{
    struct one_metric *o = ctx;
    o->found = true;
    o->oom = !S_metric_copy(&o->arena, r, &o->row);
    return false;
}

/* Parses the filters of one statistic and the page of observations. */
static void S_get_parse(struct http_request *req, struct query_errors *qe,
                        struct stat_claim_filter *f, struct buf *place, struct buf *subject,
                        struct obs_page *pg)
{
    struct pdate d;
    bool present;
    if (query_list_json(req, qe, "place", NULL, place))
        f->place_json = buf_str(place);
    if (query_list_json(req, qe, "subject", NULL, subject))
        f->subject_json = buf_str(subject);
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
    pg->limit = STAT_OBS_LIMIT;
    pg->offset = 0;
    query_int(req, qe, "limit", 1, LIST_MAX_LIMIT, &pg->limit);
    query_int(req, qe, "offset", 0, STAT_OBS_MAX_OFFSET, &pg->offset);
}

/* The page's range within the timeline of total observations. */
static void S_page_range(struct obs_page *pg, size_t total)
{
    pg->total = total;
    pg->first = (uint64_t)pg->offset < total ? (size_t)pg->offset : total;
    pg->count = total - pg->first;
    if ((uint64_t)pg->count > (uint64_t)pg->limit)
        pg->count = (size_t)pg->limit;
}

static void S_get_write(struct http_request *req, struct http_response *res,
                        const struct metric_row *m, const struct metric_view *v,
                        const struct obs_page *pg)
{
    struct jw w;
    http_json_begin(res, &w);
    res->cacheable = true;
    jw_obj_begin(&w);
    jw_key(&w, "data");
    jw_obj_begin(&w);
    stat_json_metric_members(&w, m);
    stat_json_summary(&w, &v->set, &v->sum, m->unit, v->pairs.n, v->pairs.truncated, true,
                      v->series.n);
    jw_key(&w, "series");
    jw_arr_begin(&w);
    for (size_t k = 0; k < v->series.n; k++)
        stat_json_series(&w, &v->set, &v->series.v[k], true);
    jw_arr_end(&w);
    jw_key(&w, "observations");
    jw_arr_begin(&w);
    for (size_t i = pg->first; i < pg->first + pg->count; i++)
        stat_json_observation(&w, &v->set.v[i]);
    jw_arr_end(&w);
    jw_kint(&w, "observations_total", (int64_t)pg->total);
    jw_key(&w, "disagreements");
    jw_arr_begin(&w);
    for (size_t i = 0; i < v->pairs.n; i++)
        stat_json_disagreement(&w, &v->set, &v->pairs.v[i]);
    jw_arr_end(&w);
    jw_kbool(&w, "disagreements_truncated", v->pairs.truncated);
    S_links(&w, m->id, req, pg);
    jw_obj_end(&w);
    jw_obj_end(&w);
}

void statistics_get(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    struct stat_claim_filter f;
    struct buf place, subject;
    struct one_metric one = {.found = false, .oom = false};
    struct metric_view v;
    struct obs_page pg;
    struct db_conn *c = NULL;
    const char *id = http_path_param(req, "metric");
    char *key = NULL;

    memset(&f, 0, sizeof f);
    buf_init(&place);
    buf_init(&subject);
    stat_arena_init(&one.arena);
    S_view_init(&v);
    key = stat_cache_key(req);
    if (stat_cache_get(req->app->stat_cache, key, res))
        goto done;
    query_errors_init(&qe);
    S_get_parse(req, &qe, &f, &place, &subject, &pg);
    query_finish(req, &qe, get_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        goto done;
    }
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = stat_repo_snapshot_begin(c);
    if (st == APP_OK)
        st = stat_repo_metric_get(c, id, S_one_metric, &one);
    if (st == APP_OK && one.oom)
        st = APP_ENOMEM;
    if (st == APP_OK) {
        f.metric_seq = one.row.seq;
        st = S_view_load(c, &f, &v);
    }
    if (st == APP_OK) {
        S_page_range(&pg, v.set.n);
        st = S_view_texts(c, &v, pg.first, pg.count);
    }
    if (st == APP_OK) {
        S_get_write(req, res, &one.row, &v, &pg);
        stat_cache_put(req->app->stat_cache, key, res);
    } else if (st == APP_ENOTFOUND) {
        char msg[200];
        int n = snprintf(msg, sizeof msg, "no metric with id '%.100s'", id);
        http_problem(res, req, 404, "not-found", n > 0 ? msg : "no such metric", NULL, 0);
    } else {
        app_db_error(req, res, st, "reading a statistic");
    }
done:
    if (c)
        stat_repo_snapshot_end(c);
    free(key);
    S_view_free(&v);
    stat_arena_free(&one.arena);
    buf_free(&place);
    buf_free(&subject);
}
