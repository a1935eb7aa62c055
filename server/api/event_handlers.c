/*
 * GET /v1/events: the dated claims as a timeline, ordered by the start of
 * their time window, then its end, then insertion order.
 *
 * The cursor of this collection encodes a position in that order (how many
 * events come before the next page), not a keyset, since the order is not the
 * insertion order: paging by cursor and by offset give the same pages.
 */
#include "app.h"
#include "claim_json.h"
#include "claim_repo.h"
#include "handlers.h"
#include "list.h"
#include "pdate.h"
#include "query.h"
#include "vocab.h"

#include <string.h>

static const char *const claim_includes[] = {"source", "metric", NULL};
static const char *const list_params[] = {"limit",  "offset",  "cursor", "format",  "from",
                                          "to",     "kind",    "source", "program", "entity",
                                          "metric", "include", "fields", NULL};

#define NLISTS 5

/* The parsed request of the events collection. */
struct events_query {
    struct claim_filter f;
    struct list_params lp;
    unsigned include;
    struct buf lists[NLISTS];
};

static void S_parse(struct http_request *req, struct query_errors *qe, struct events_query *q)
{
    struct claim_filter *f = &q->f;
    list_parse(req, qe, &q->lp);
    list_fields(req, qe, &q->lp, claim_field_names, 1, "a claim");
    q->lp.fields_encoded = true; /* the encoder writes only those members */
    f->dated_only = true;
    const char *names[NLISTS] = {"kind", "source", "program", "entity", "metric"};
    const char **slots[NLISTS] = {&f->kind_json, &f->source_json, &f->program_json, &f->entity_json,
                                  &f->metric_json};
    for (size_t i = 0; i < NLISTS; i++) {
        const char *const *valid = i == 0 ? vocab_claim_kinds : NULL;
        if (query_list_json(req, qe, names[i], valid, &q->lists[i]))
            *slots[i] = buf_str(&q->lists[i]);
    }
    struct pdate d;
    bool present;
    if (query_date(req, qe, "from", &d, &present) && present) {
        f->has_from = true;
        f->from_day = pdate_first_day(&d);
    }
    if (query_date(req, qe, "to", &d, &present) && present) {
        f->has_to = true;
        f->to_day = pdate_last_day(&d);
    }
    if (f->has_from && f->has_to && f->from_day > f->to_day)
        query_error(qe, "to", "must not be before from");
    struct buf inc;
    buf_init(&inc);
    if (query_list_json(req, qe, "include", claim_includes, &inc)) {
        if (strstr(buf_str(&inc), "\"source\""))
            q->include |= CLAIM_INCLUDE_SOURCE;
        if (strstr(buf_str(&inc), "\"metric\""))
            q->include |= CLAIM_INCLUDE_METRIC;
    }
    buf_free(&inc);
}

struct emit_ctx {
    struct list_ctx *lc;
    unsigned include;
    uint64_t fields;
    int64_t position; /* events written before this one, over all pages */
};

static bool S_emit(void *ctx, const struct claim_row *r)
{
    struct emit_ctx *e = ctx;
    claim_json_write(list_item_begin(e->lc), r, e->fields, e->include);
    list_item_end(e->lc, ++e->position);
    return true;
}

void events_list(struct http_request *req, struct http_response *res)
{
    struct events_query q;
    struct query_errors qe;
    memset(&q, 0, sizeof q);
    for (size_t i = 0; i < NLISTS; i++)
        buf_init(&q.lists[i]);
    query_errors_init(&qe);
    S_parse(req, &qe, &q);
    query_finish(req, &qe, list_params);
    if (qe.n) {
        query_fail(res, req, &qe);
    } else {
        /* by the first day, then the last (of the window, or of value_date); ties by seq. */
        const struct sort_key order = {CLAIM_SORT_EVENT_DATE, false};
        int64_t start = q.lp.has_cursor ? q.lp.after : q.lp.offset;
        struct db_conn *c = NULL;
        int64_t total = 0;
        enum app_status st = app_db_reader(req->app, &c);
        if (st == APP_OK)
            st = claim_repo_count(c, &q.f, &total);
        struct list_ctx lc;
        const char *cols[CLAIM_CSV_MAX_COLUMNS];
        claim_csv_columns(CLAIM_ALL_FIELDS, cols, CLAIM_CSV_MAX_COLUMNS);
        list_begin(&lc, req, res, &q.lp, cols);
        struct emit_ctx e = {&lc, q.include, q.lp.fields ? q.lp.fields : CLAIM_ALL_FIELDS, start};
        if (st == APP_OK)
            st = claim_repo_list(c, &q.f, &order, 1, list_fetch_limit(&q.lp), start, false, 0,
                                 S_emit, &e);
        if (st != APP_OK)
            app_db_error(req, res, st, "listing events");
        else
            list_end(&lc, total);
        list_free(&lc);
    }
    for (size_t i = 0; i < NLISTS; i++)
        buf_free(&q.lists[i]);
}
