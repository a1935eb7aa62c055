/* GET /v1/sources/{id}/derived: the claims of other documents that rest on a source. */
#include "app.h"
#include "handlers.h"
#include "list.h"
#include "provenance.h"
#include "provenance_repo.h"
#include "query.h"

#include <stdio.h>
#include <string.h>

static const char *const derived_params[] = {"limit", "offset", "format", NULL};

static const char *const prov_derived_csv_columns[] = {"claim", "source",  "claimant", "status",
                                                       "quote", "repeats", NULL};

void sources_derived(struct http_request *req, struct http_response *res)
{
    const char *id = http_path_param(req, "id");
    struct query_errors qe;
    struct list_params lp;
    query_errors_init(&qe);
    list_parse(req, &qe, &lp);
    if (lp.has_cursor)
        query_error(&qe, "cursor", "is not offered here; use offset");
    query_finish(req, &qe, derived_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        return;
    }
    struct db_conn *c = NULL;
    int64_t seq = 0;
    bool deleted = false;
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = prov_repo_source(c, id, &seq, &deleted);
    if (st == APP_ENOTFOUND || (st == APP_OK && deleted)) {
        api_absent(req, res, c, WRITE_SOURCE, id, NULL);
        return;
    }
    struct prov_findings f;
    prov_findings_init(&f, false, true);
    if (st == APP_OK)
        st = prov_repo_derived(c, seq, prov_findings_collect, &f);
    if (st == APP_OK)
        st = f.status;
    if (st != APP_OK) {
        app_db_error(req, res, st, "reading what rests on a source");
        prov_findings_free(&f);
        return;
    }
    /* Group the rows by repeating claim (they come ordered by it). */
    size_t groups = 0;
    for (size_t i = 0; i < f.n; i++)
        groups += i == 0 || f.v[i].repeat.seq != f.v[i - 1].repeat.seq;
    struct list_ctx lc;
    lp.no_keyset = true;
    list_begin(&lc, req, res, &lp, prov_derived_csv_columns);
    size_t g = 0;
    for (size_t i = 0; i < f.n;) {
        size_t j = i + 1;
        while (j < f.n && f.v[j].repeat.seq == f.v[i].repeat.seq)
            j++;
        if ((int64_t)g >= lp.offset && (int64_t)g < lp.offset + lp.limit) {
            prov_json_derived(list_item_begin(&lc), &f.v[i], &f.v[j]);
            list_item_end(&lc, (int64_t)g + 1);
        }
        g++;
        i = j;
    }
    list_end(&lc, (int64_t)groups);
    list_free(&lc);
    prov_findings_free(&f);
}
