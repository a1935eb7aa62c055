#include "app.h"

#include "meta_repo.h"

#include <stdio.h>

/*
 * A request reads one snapshot: its first use of the reader begins a read
 * transaction and reads the dataset version in it (which fixes the snapshot),
 * so the body, the total and the ETag of a response all describe the same
 * committed state, whatever a writer commits while the request runs.
 */
/* The version the calling thread's open snapshot read, and on which connection. */
static _Thread_local struct {
    const struct db_conn *c;
    uint64_t version;
} S_snap;

enum app_status app_db_reader(struct app *app, struct db_conn **out)
{
    enum app_status st = db_pool_reader(&app->db, out);
    if (st != APP_OK || (S_snap.c == *out && db_in_transaction(*out)))
        return st;
    uint64_t version = 0;
    db_read_end(*out); /* a transaction not begun here is no request's snapshot */
    st = db_read_begin(*out);
    if (st == APP_OK)
        st = meta_repo_dataset_version(*out, &version);
    if (st != APP_OK) {
        db_read_end(*out);
        S_snap.c = NULL;
        return st;
    }
    S_snap.c = *out;
    S_snap.version = version;
    return APP_OK;
}

enum app_status app_snapshot_version(struct app *app, uint64_t *out)
{
    struct db_conn *c = NULL;
    enum app_status st = app_db_reader(app, &c);
    if (st == APP_OK)
        *out = S_snap.version;
    return st;
}

bool app_observe_version(struct app *app, uint64_t v)
{
    /* Only forward: a version read just before this process's own commit must not undo the
     * newer one that commit published. */
    uint64_t cur = atomic_load(&app->dataset_version);
    while (v > cur && !atomic_compare_exchange_weak(&app->dataset_version, &cur, v)) {
    }
    return v > cur && v > atomic_load(&app->written_version);
}

bool app_snapshot_end(struct app *app, uint64_t *version)
{
    struct db_conn *c = db_pool_reader_current(&app->db);
    if (!c || !db_in_transaction(c))
        return false;
    bool ours = S_snap.c == c;
    *version = S_snap.version;
    S_snap.c = NULL;
    db_read_end(c);
    return ours;
}

void app_db_error(struct http_request *req, struct http_response *res, enum app_status st,
                  const char *what)
{
    struct app *app = req->app;
    char detail[256];
    int w = snprintf(detail, sizeof detail, "%s: %s", what, app_status_str(st));
    if (w < 0)
        detail[0] = '\0';
    /* A read stopped by its time budget is no fault (and an event loop's first try at a
     * slow read is stopped on purpose, then run on a worker): the access log has the 503. */
    log_msg(&app->log, st == APP_ETIMEOUT ? LOG_DEBUG : LOG_ERROR, "request %s: %s",
            req->request_id ? req->request_id : "-", detail);
    if (st == APP_ETIMEOUT) {
        char msg[160];
        int n = snprintf(msg, sizeof msg,
                         "%s took longer than the time budget of %u ms; retry shortly or ask "
                         "for less (a smaller limit or offset, more filters)",
                         what, app->cfg->query_timeout_ms);
        http_problem(res, req, 503, "query-timeout", n > 0 ? msg : "time budget exceeded", NULL, 0);
        http_response_header(res, "Retry-After", "1");
    } else if (st == APP_EFULL) {
        http_problem(res, req, 507, "insufficient-storage",
                     "the disk or the database file is full (SQLITE_FULL): the request "
                     "was not carried out and stored data is unchanged; retry once there is "
                     "room",
                     NULL, 0);
        http_response_header(res, "Retry-After", "60");
    } else if (st == APP_EBUSY || st == APP_ENOMEM) {
        http_problem(res, req, 503, "unavailable",
                     "the database is busy; retry the request shortly", NULL, 0);
        http_response_header(res, "Retry-After", "1");
    } else {
        http_problem(res, req, 500, "internal", "the server could not read its database", NULL, 0);
    }
}
