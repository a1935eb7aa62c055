#include "app.h"

#include <stdio.h>

enum app_status app_db_reader(struct app *app, struct db_conn **out)
{
    return db_pool_reader(&app->db, out);
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
