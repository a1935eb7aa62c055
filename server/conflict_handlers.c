#include "app.h"
#include "handlers.h"
#include "list.h"
#include "query.h"
#include "statistic_analysis.h"
#include "statistic_cache.h"
#include "statistic_json.h"
#include "statistic_repo.h"

#include <stdlib.h>
#include <string.h>

/* Pairs computed per request: per metric, and in all. */
#define CONFLICTS_MAX 10000

static const char *const list_params[] = {"limit",  "offset",  "cursor", "format",
                                          "metric", "program", "source", NULL};

struct conflict_filter {
    const char *programs[QUERY_MAX_LIST];
    size_t nprograms;
    const char *sources[QUERY_MAX_LIST];
    size_t nsources;
};

static bool S_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++) {
        if (strcmp(s, list[i]) == 0)
            return true;
    }
    return false;
}

/* Either claim has the program as subject; either claim comes from the source. */
static bool S_keep(void *ctx, const struct stat_obs *a, const struct stat_obs *b)
{
    const struct conflict_filter *f = ctx;
    bool program = !f->nprograms ||
                   (a->r.subject_is_program && S_in(a->r.subject_id, f->programs, f->nprograms)) ||
                   (b->r.subject_is_program && S_in(b->r.subject_id, f->programs, f->nprograms));
    bool source = !f->nsources || S_in(a->r.source_id, f->sources, f->nsources) ||
                  S_in(b->r.source_id, f->sources, f->nsources);
    return program && source;
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

void conflicts_list(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    struct list_params lp;
    struct conflict_filter cf;
    struct stat_claim_filter f;
    struct buf metrics;
    char pscratch[2048], sscratch[2048];
    struct stat_set set;
    struct stat_pairs pairs;
    char *key = NULL;

    memset(&f, 0, sizeof f);
    buf_init(&metrics);
    stat_set_init(&set);
    stat_pairs_init(&pairs);
    key = stat_cache_key(req);
    if (stat_cache_get(req->app->stat_cache, key, res))
        goto done;
    query_errors_init(&qe);
    list_parse(req, &qe, &lp);
    if (query_list_json(req, &qe, "metric", NULL, &metrics))
        f.metric_json = buf_str(&metrics);
    cf.nprograms = query_list(req, &qe, "program", cf.programs, pscratch, sizeof pscratch);
    cf.nsources = query_list(req, &qe, "source", cf.sources, sscratch, sizeof sscratch);
    query_finish(req, &qe, list_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        goto done;
    }

    struct db_conn *c = NULL;
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = stat_repo_claims(c, &f, stat_set_collect, &set);
    if (st == APP_OK)
        st = set.status;
    if (st == APP_OK)
        st = stat_find_disagreements(&set, STAT_MAX_DISAGREEMENTS, CONFLICTS_MAX, S_keep, &cf,
                                     &pairs);
    if (st != APP_OK) {
        app_db_error(req, res, st, "computing conflicts");
        goto done;
    }
    /* The list is computed: a cursor is a position in it, like an offset. */
    int64_t start = lp.has_cursor ? lp.after : lp.offset;
    struct list_ctx lc;
    list_begin(&lc, req, res, &lp, stat_conflict_csv_columns);
    for (int64_t i = start; i < (int64_t)pairs.n && i - start < list_fetch_limit(&lp); i++) {
        struct jw *w = list_item_begin(&lc);
        stat_json_conflict(w, &set, &pairs.v[i]);
        list_item_end(&lc, i + 1);
    }
    list_end(&lc, (int64_t)pairs.n);
    S_mark_truncated(res, &lp, pairs.truncated);
    if (pairs.truncated)
        http_response_header(res, "X-Result-Truncated", "true");
    stat_cache_put(req->app->stat_cache, key, res);
    list_free(&lc);
done:
    free(key);
    stat_pairs_free(&pairs);
    stat_set_free(&set);
    buf_free(&metrics);
}
