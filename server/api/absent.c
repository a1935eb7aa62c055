/*
 * The one answer for a record a read did not find: 410 Gone when it existed and was
 * deleted (its revisions remain), 404 when it never did, and the database's error when
 * it cannot say (never a 404 made of an error).
 */
#include "app.h"
#include "catalog_repo.h"
#include "handlers.h"
#include "write_repo.h"

#include <stdio.h>

void api_absent(struct http_request *req, struct http_response *res, struct db_conn *c,
                enum write_resource r, const char *id, const char *suffix_404)
{
    bool gone = false;
    enum app_status st;
    if (r == WRITE_RELATION) {
        /* a relation is removed outright: its revisions tell that it existed */
        st = catalog_repo_had_revisions(c, r, id, &gone);
    } else if (r == WRITE_CLAIM || r == WRITE_SOURCE || r == WRITE_PROGRAM) {
        st = write_repo_deleted(c, r, id, &gone); /* one row, not the record and its text */
    } else {
        struct write_state ws = {0};
        st = write_repo_load(c, r, id, &ws);
        gone = st == APP_OK && ws.found && ws.deleted;
        write_state_free(&ws);
    }
    if (st != APP_OK) {
        app_db_error(req, res, st, "finding whether the record was deleted");
        return;
    }
    const char *name = write_resource_name(r);
    char msg[300];
    int n;
    if (gone && r == WRITE_RELATION)
        n = snprintf(msg, sizeof msg, "%s '%.100s' was removed; its revisions keep what it said",
                     name, id);
    else if (gone && r == WRITE_CONFLICT)
        n = snprintf(msg, sizeof msg, "%s '%.100s' was deleted; an admin can restore it", name, id);
    else if (gone)
        n = snprintf(msg, sizeof msg, "%s '%.100s' was deleted; its revisions remain", name, id);
    else
        n = snprintf(msg, sizeof msg, "no %s with id '%.100s'%s", name, id,
                     suffix_404 ? suffix_404 : "");
    if (n < 0)
        msg[0] = '\0';
    if (gone)
        http_problem(res, req, 410, "gone", msg, NULL, 0);
    else
        http_problem(res, req, 404, "not-found", msg, NULL, 0);
}
