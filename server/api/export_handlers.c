/*
 * GET /v1/export: the whole evidence base as NDJSON, read from the request's snapshot.
 * GET /v1/export.sqlite: a copy of the database without its curation tokens, made once
 * per dataset version.
 */
#include "app.h"
#include "export.h"
#include "export_repo.h"
#include "handlers.h"
#include "query.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const no_params[] = {NULL};

static bool S_no_params(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    query_errors_init(&qe);
    query_finish(req, &qe, no_params);
    if (qe.n)
        query_fail(res, req, &qe);
    return qe.n == 0;
}

/* The resources in the export's order (export.h), each writing its lines. */
typedef enum app_status (*export_fn)(struct db_conn *c, struct export_writer *x);
static const export_fn writers[EXPORT_NTYPES] = {
    sources_export,  entities_export, statistics_export, relations_export,
    programs_export, claims_export,   conflicts_export,
};

void export_ndjson(struct http_request *req, struct http_response *res)
{
    if (!S_no_params(req, res))
        return;
    struct db_conn *c = NULL;
    uint64_t version = 0;
    struct buf head;
    struct export_writer x;
    buf_init(&head);
    /* The lines go straight into the body; the header, which counts them, goes before. */
    buf_reset(&res->body);
    export_writer_init(&x, &res->body);
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = app_snapshot_version(req->app, &version);
    for (int t = 0; t < EXPORT_NTYPES && st == APP_OK; t++)
        st = writers[t](c, &x);
    if (st == APP_OK) {
        export_header(&x, &head, version, db_schema_version(), MARSAD_VERSION);
        if (!head.oom)
            buf_prepend(&res->body, head.data, head.len);
        if (head.oom || res->body.oom || x.ids.oom)
            st = APP_ENOMEM;
    }
    if (st == APP_OK) {
        res->status = 200;
        res->content_type = "application/x-ndjson";
        res->cacheable = true;
    } else {
        app_db_error(req, res, st, "exporting the evidence base");
    }
    export_writer_free(&x);
    buf_free(&head);
}

/* The copy of the snapshot's version into res->body: the cached one, or one made now. */
static enum app_status S_copy(struct app *app, struct db_conn *c, uint64_t version,
                              struct buf *body)
{
    if (export_cache_get(app->export_cache, version, body))
        return APP_OK;
    enum app_status st = APP_OK;
    export_cache_make_begin(app->export_cache);
    /* Made meanwhile by the request this one waited for? */
    buf_reset(body);
    if (!export_cache_get(app->export_cache, version, body)) {
        char *copy = NULL;
        size_t len = 0;
        buf_reset(body);
        st = export_repo_sqlite(c, &copy, &len);
        if (st == APP_OK) {
            buf_append(body, copy, len);
            if (body->oom)
                st = APP_ENOMEM;
            export_cache_put_new(app->export_cache, version, copy, len);
        } else {
            free(copy);
        }
    }
    export_cache_make_end(app->export_cache);
    return st;
}

void export_sqlite(struct http_request *req, struct http_response *res)
{
    if (!S_no_params(req, res))
        return;
    struct db_conn *c = NULL;
    uint64_t version = 0;
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = app_snapshot_version(req->app, &version);
    buf_reset(&res->body);
    if (st == APP_OK)
        st = S_copy(req->app, c, version, &res->body);
    char disposition[96];
    int n = snprintf(disposition, sizeof disposition,
                     "attachment; filename=\"marsad-%" PRIu64 ".sqlite\"", version);
    if (st == APP_OK && (n < 0 || (size_t)n >= sizeof disposition ||
                         !http_response_header(res, "Content-Disposition", disposition)))
        st = APP_ENOMEM;
    if (st != APP_OK) {
        app_db_error(req, res, st, "copying the database");
        return;
    }
    res->status = 200;
    res->content_type = "application/vnd.sqlite3";
    res->cacheable = true;
}
