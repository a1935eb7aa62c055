#include "app.h"
#include "handlers.h"
#include "http_server.h"
#include "meta_repo.h"
#include "query.h"

#include <stdio.h>

static const char *const no_params[] = {NULL};

/* Rejects any query parameter on resources that take none. */
static bool S_no_params(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    query_errors_init(&qe);
    query_finish(req, &qe, no_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        return false;
    }
    return true;
}

void health_healthz(struct http_request *req, struct http_response *res)
{
    if (!S_no_params(req, res))
        return;
    struct jw w;
    http_json_begin(res, &w);
    jw_obj_begin(&w);
    jw_kstr(&w, "status", "ok");
    jw_obj_end(&w);
}

void health_readyz(struct http_request *req, struct http_response *res)
{
    if (!S_no_params(req, res))
        return;
    /* Ready means what a request would meet: every table readable, writes working. */
    struct db_conn *c = NULL;
    uint64_t version = 0;
    char table[128] = "";
    char detail[320];
    detail[0] = '\0';
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = meta_repo_probe(c, table, sizeof table);
    if (st == APP_OK)
        st = meta_repo_dataset_version(c, &version);
    if (st != APP_OK)
        snprintf(detail, sizeof detail, "the database does not answer%s%s: %s",
                 table[0] ? " reading " : "", table, app_status_str(st));
    else if (req->app->server)
        (void)http_server_write_failing(req->app->server, detail, sizeof detail);
    if (detail[0]) {
        log_msg(&req->app->log, LOG_WARN, "readyz: %s", detail);
        http_problem(res, req, 503, "not-ready", detail, NULL, 0);
        http_response_header(res, "Retry-After", "5");
        return;
    }
    struct jw w;
    http_json_begin(res, &w);
    jw_obj_begin(&w);
    jw_kstr(&w, "status", "ready");
    jw_kint(&w, "dataset_version", (int64_t)version);
    jw_obj_end(&w);
}

void health_version(struct http_request *req, struct http_response *res)
{
    if (!S_no_params(req, res))
        return;
    struct app *app = req->app;
    struct jw w;
    http_json_begin(res, &w);
    jw_obj_begin(&w);
    jw_kstr(&w, "name", "marsad");
    jw_kstr(&w, "version", MARSAD_VERSION);
    jw_kint(&w, "schema_version", db_schema_version());
    jw_kint(&w, "dataset_version", (int64_t)atomic_load(&app->dataset_version));
    jw_key(&w, "libraries");
    jw_obj_begin(&w);
    jw_kstr(&w, "libmicrohttpd", app->mhd_version);
    jw_kstr(&w, "sqlite", app->sqlite_version);
    jw_obj_end(&w);
    jw_obj_end(&w);
}

void health_metrics(struct http_request *req, struct http_response *res)
{
    if (!S_no_params(req, res))
        return;
    const struct app_metrics *m = &req->app->metrics;
    struct buf *b = &res->body;
    res->status = 200;
    res->content_type = "text/plain; version=0.0.4; charset=utf-8";
    buf_puts(b, "# HELP marsad_http_requests_total HTTP requests answered, by status class.\n"
                "# TYPE marsad_http_requests_total counter\n");
    for (unsigned i = 1; i <= 5; i++)
        buf_printf(b, "marsad_http_requests_total{code=\"%uxx\"} %llu\n", i,
                   (unsigned long long)atomic_load(&m->by_class[i]));
    buf_printf(
        b,
        "# HELP marsad_http_not_modified_total Conditional requests answered 304.\n"
        "# TYPE marsad_http_not_modified_total counter\n"
        "marsad_http_not_modified_total %llu\n"
        "# HELP marsad_http_response_bytes_total Response body bytes sent.\n"
        "# TYPE marsad_http_response_bytes_total counter\n"
        "marsad_http_response_bytes_total %llu\n"
        "# HELP marsad_http_request_duration_seconds_sum Time spent answering requests.\n"
        "# TYPE marsad_http_request_duration_seconds_sum counter\n"
        "marsad_http_request_duration_seconds_sum %.6f\n"
        "# HELP marsad_http_shed_total Requests answered 503 because the server was busy.\n"
        "# TYPE marsad_http_shed_total counter\n"
        "marsad_http_shed_total %llu\n"
        "# HELP marsad_http_rate_limited_total Requests answered 429 by the rate limit.\n"
        "# TYPE marsad_http_rate_limited_total counter\n"
        "marsad_http_rate_limited_total %llu\n"
        "# HELP marsad_http_requests_in_flight Data requests being processed (health checks and "
        "this scrape aside).\n"
        "# TYPE marsad_http_requests_in_flight gauge\n"
        "marsad_http_requests_in_flight %lld\n"
        "# HELP marsad_dataset_version Version of the dataset served.\n"
        "# TYPE marsad_dataset_version gauge\n"
        "marsad_dataset_version %llu\n"
        "# HELP marsad_start_time_seconds Unix time the server started.\n"
        "# TYPE marsad_start_time_seconds gauge\n"
        "marsad_start_time_seconds %lld\n",
        (unsigned long long)atomic_load(&m->not_modified),
        (unsigned long long)atomic_load(&m->bytes_out),
        (double)atomic_load(&m->duration_us_sum) / 1e6, (unsigned long long)atomic_load(&m->shed),
        (unsigned long long)atomic_load(&m->rate_limited), (long long)atomic_load(&m->in_flight),
        (unsigned long long)atomic_load(&req->app->dataset_version),
        (long long)req->app->started_at);
}

struct index_link {
    const char *name;
    const char *href;
    const char *description;
};

static const struct index_link v1_links[] = {
    {"sources", "/v1/sources", "Publications the evidence comes from, with their stored texts"},
    {"claims", "/v1/claims", "Statements extracted from the sources, with verbatim quotes"},
    {"programs", "/v1/programs", "Policies and programs, with the variants sources give"},
    {"statistics", "/v1/statistics", "Aggregates over numeric claims, per metric"},
    {"conflicts", "/v1/conflicts", "Pairs of claims that contradict each other"},
    {"entities", "/v1/entities", "People, organizations, armed groups and places"},
    {"events", "/v1/events", "Dated claims as a timeline"},
    {"search", "/v1/search", "Full-text search over claims, sources and programs"},
};

void health_v1_index(struct http_request *req, struct http_response *res)
{
    if (!S_no_params(req, res))
        return;
    struct jw w;
    http_json_begin(res, &w);
    jw_obj_begin(&w);
    jw_key(&w, "data");
    jw_obj_begin(&w);
    jw_kstr(&w, "name", "marsad");
    jw_kstr(&w, "description",
            "Evidence base on Morocco's policy on violent extremism: every statement traceable "
            "to its exact words, claimant and date");
    jw_kstr(&w, "version", MARSAD_VERSION);
    jw_key(&w, "resources");
    jw_arr_begin(&w);
    for (size_t i = 0; i < sizeof v1_links / sizeof v1_links[0]; i++) {
        jw_obj_begin(&w);
        jw_kstr(&w, "name", v1_links[i].name);
        jw_kstr(&w, "href", v1_links[i].href);
        jw_kstr(&w, "description", v1_links[i].description);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_key(&w, "links");
    jw_obj_begin(&w);
    jw_kstr(&w, "self", "/v1");
    jw_kstr(&w, "openapi", "/openapi.json");
    jw_kstr(&w, "docs", "/docs");
    jw_obj_end(&w);
    jw_obj_end(&w);
}
