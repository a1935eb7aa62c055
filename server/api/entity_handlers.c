#include "app.h"
#include "entity_json.h"
#include "entity_repo.h"
#include "export.h"
#include "handlers.h"
#include "list.h"
#include "query.h"
#include "vocab.h"

#include <stdio.h>
#include <string.h>

/* How many claims GET /v1/entities/{id} embeds; the rest are at links.claims. */
#define ENTITY_CLAIMS_MAX 100

static const char *const list_params[] = {"limit", "offset", "cursor", "format", "sort",
                                          "kind",  "q",      "fields", NULL};
/* The members of an item of the collection, for fields= (list_fields()). */
static const char *const entity_field_names[] = {"id",          "kind",        "name",  "aliases",
                                                 "description", "claim_count", "links", NULL};

static const char *const no_params[] = {NULL};

static bool S_emit(void *ctx, const struct entity_row *r)
{
    struct list_ctx *lc = ctx;
    entity_json_write(list_item_begin(lc), r);
    list_item_end(lc, r->seq);
    return true;
}

void entities_list(struct http_request *req, struct http_response *res)
{
    struct entity_filter f;
    struct list_params lp;
    struct sort_key sort[2];
    struct query_errors qe;
    struct buf kinds;
    memset(&f, 0, sizeof f);
    buf_init(&kinds);
    query_errors_init(&qe);
    list_parse(req, &qe, &lp);
    list_fields(req, &qe, &lp, entity_field_names, 1, "an entity");
    size_t nsort = query_sort(req, &qe, "sort", entity_sort_keys, sort, 2);
    if (nsort && lp.has_cursor)
        query_error(&qe, "cursor", "works with the default order only; drop sort or use offset");
    if (query_list_json(req, &qe, "kind", vocab_entity_kinds, &kinds))
        f.kind_json = buf_str(&kinds);
    f.text = query_string(req, &qe, "q", 200);
    query_finish(req, &qe, list_params);
    if (qe.n) {
        query_fail(res, req, &qe);
    } else {
        struct db_conn *c = NULL;
        int64_t total = 0;
        enum app_status st = app_db_reader(req->app, &c);
        if (st == APP_OK)
            st = entity_repo_count(c, &f, &total);
        struct list_ctx lc;
        lp.no_keyset = nsort > 0; /* keyset paging follows the default order only */
        list_begin(&lc, req, res, &lp, entity_csv_columns);
        if (st == APP_OK)
            st = entity_repo_list(c, &f, sort, nsort, list_fetch_limit(&lp), lp.offset,
                                  lp.has_cursor, lp.after, S_emit, &lc);
        if (st != APP_OK)
            app_db_error(req, res, st, "listing entities");
        else
            list_end(&lc, total);
        list_free(&lc);
    }
    buf_free(&kinds);
}

struct get_ctx {
    struct jw *w;
    int64_t seq;
};

static bool S_get_row(void *ctx, const struct entity_row *r)
{
    struct get_ctx *g = ctx;
    g->seq = r->seq;
    entity_json_members(g->w, r);
    return false;
}

static bool S_claim(void *ctx, const struct entity_claim_row *r)
{
    entity_json_claim(ctx, r);
    return true;
}

/* The members of entity `id` as GET /v1/entities/{id} has them in "data" (open object w). */
static enum app_status S_doc(struct db_conn *c, const char *id, struct jw *w)
{
    struct get_ctx g = {w, 0};
    enum app_status st = entity_repo_get(c, id, S_get_row, &g);
    if (st == APP_OK) {
        jw_key(w, "claims");
        jw_arr_begin(w);
        st = entity_repo_claims(c, g.seq, ENTITY_CLAIMS_MAX, S_claim, w);
        jw_arr_end(w);
    }
    return st;
}

void entities_get(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    query_errors_init(&qe);
    query_finish(req, &qe, no_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        return;
    }
    const char *id = http_path_param(req, "id");
    struct db_conn *c = NULL;
    struct jw w;
    http_json_begin(res, &w);
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK) {
        jw_obj_begin(&w);
        jw_key(&w, "data");
        jw_obj_begin(&w);
        st = S_doc(c, id, &w);
    }
    if (st == APP_OK) {
        jw_obj_end(&w);
        jw_obj_end(&w);
        res->cacheable = true;
    }
    if (st == APP_ENOTFOUND) {
        char msg[160];
        int n = snprintf(msg, sizeof msg, "no entity with id '%.100s'", id);
        http_problem(res, req, 404, "not-found", n > 0 ? msg : "no such entity", NULL, 0);
    } else if (st != APP_OK) {
        app_db_error(req, res, st, "reading an entity");
    }
}

static bool S_export_id(void *ctx, const struct entity_row *r)
{
    export_ids_add(ctx, r->id);
    return true;
}

enum app_status entities_export(struct db_conn *c, struct export_writer *x)
{
    struct entity_filter f = {NULL, NULL};
    export_ids_reset(x);
    enum app_status st = entity_repo_list(c, &f, NULL, 0, -1, 0, false, 0, S_export_id, x);
    if (st == APP_OK && x->ids.oom)
        st = APP_ENOMEM;
    for (const char *id = export_ids_next(x, NULL); id && st == APP_OK;
         id = export_ids_next(x, id)) {
        st = S_doc(c, id, export_line_begin(x, EXPORT_ENTITY));
        export_line_end(x);
    }
    return st;
}
