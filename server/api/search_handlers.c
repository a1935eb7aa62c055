#include "app.h"
#include "handlers.h"
#include "list.h"
#include "query.h"
#include "search_json.h"
#include "search_repo.h"

#include <string.h>

static const char *const doc_types[] = {"claim", "source", "program", NULL};

/* cursor is read (and refused) by S_parse, so it is left out of the advertised list. */
static const char *const search_params[] = {"q",      "type",   "limit", "offset",
                                            "format", "fields", NULL};
/* The members of an item of the collection, for fields= (list_fields()). */
static const char *const search_field_names[] = {
    "type",   "id",        "title", "snippet", "snippet_field", "title_snippet", "score",
    "source", "statement", "links", NULL};

/* The parsed request of a search. */
struct search_query {
    struct search_filter f;
    struct list_params lp;
    struct buf fts;
    struct buf types;
    const char *text; /* the q parameter as given */
};

static void S_parse(struct http_request *req, struct query_errors *qe, struct search_query *q)
{
    list_parse(req, qe, &q->lp);
    list_fields(req, qe, &q->lp, search_field_names, 2, "a search hit");
    if (q->lp.has_cursor)
        query_error(qe, "cursor",
                    "is not supported here: hits are ranked by relevance, page with offset");
    size_t before = qe->n;
    const char *text = query_string(req, qe, "q", 200);
    if (text) {
        if (query_fts_expr(text, &q->fts)) {
            q->f.fts = buf_str(&q->fts);
            q->text = text;
        } else
            query_error(qe, "q", "has no word to search for (letters or digits)");
    } else if (qe->n == before) {
        query_error(qe, "q", "is required: the text to search for (1 to 200 bytes)");
    }
    if (query_list_json(req, qe, "type", doc_types, &q->types))
        q->f.types_json = buf_str(&q->types);
}

struct emit_ctx {
    struct list_ctx *lc;
    int64_t rank;
};

static bool S_emit(void *ctx, const struct search_hit *h)
{
    struct emit_ctx *e = ctx;
    struct jw *w = list_item_begin(e->lc);
    search_json_write(w, h);
    list_item_end(e->lc, ++e->rank);
    return true;
}

void search_list(struct http_request *req, struct http_response *res)
{
    struct search_query q;
    struct query_errors qe;
    memset(&q, 0, sizeof q);
    buf_init(&q.fts);
    buf_init(&q.types);
    query_errors_init(&qe);
    S_parse(req, &qe, &q);
    query_finish(req, &qe, search_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        buf_free(&q.fts);
        buf_free(&q.types);
        return;
    }
    struct db_conn *c = NULL;
    int64_t total = 0;
    enum app_status st = app_db_reader(req->app, &c);
    /* A name of an entity or a program searches for every name of it. */
    bool expanded = false;
    struct buf names;
    buf_init(&names);
    if (st == APP_OK)
        st = search_repo_expand(c, q.text, &names, &expanded);
    if (st == APP_OK && expanded)
        q.f.fts = buf_str(&names);
    if (st == APP_OK)
        st = search_repo_count(c, &q.f, &total);
    struct list_ctx lc;
    q.lp.no_keyset = true; /* ranked hits have no keyset position */
    list_begin(&lc, req, res, &q.lp, search_csv_columns);
    struct emit_ctx e = {&lc, q.lp.offset};
    if (st == APP_OK)
        st = search_repo_list(c, &q.f, q.lp.limit, q.lp.offset, S_emit, &e);
    if (st != APP_OK) {
        app_db_error(req, res, st, "searching");
    } else {
        list_end(&lc, total);
        res->cacheable = true;
    }
    list_free(&lc);
    buf_free(&names);
    buf_free(&q.fts);
    buf_free(&q.types);
}
