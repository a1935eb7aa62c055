#include "api.h"

#include "export.h"
#include "meta_repo.h"
#include "routes.h"
#include "statistic_cache.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

int api_fixture_open(struct api_fixture *fx)
{
    const char *db = getenv("MARSAD_TEST_DB");
    if (!db)
        return -1;
    char a0[] = "marsad", a1[] = "serve", a2[] = "--db", a4[] = "--read-only";
    char *argv[] = {a0, a1, a2, (char *)(uintptr_t)db, a4, NULL};
    char err[256];
    if (config_parse(&fx->cfg, 5, argv, 2, NULL, err, sizeof err) != APP_OK)
        return -1;
    fx->app = calloc(1, sizeof *fx->app);
    if (!fx->app)
        return -1;
    struct app *app = fx->app;
    app->cfg = &fx->cfg;
    app->log.level = LOG_ERROR;
    app->log.fd = STDERR_FILENO;
    app->routes = routes_table;
    app->nroutes = routes_count;
    app->route_guard = routes_guard;
    app->mhd_version = "test";
    app->sqlite_version = "test";
    memcpy(app->boot_id, "0000000000000000", 17);
    if (db_pool_init(&app->db, db, true) != APP_OK)
        return -1;
    struct db_conn *c = NULL;
    uint64_t v = 0;
    if (db_pool_reader(&app->db, &c) != APP_OK || meta_repo_dataset_version(c, &v) != APP_OK)
        return -1;
    atomic_store(&app->dataset_version, v);
    app->stat_cache = stat_cache_new();
    app->export_cache = export_cache_new();
    return 0;
}

void api_fixture_close(struct api_fixture *fx)
{
    if (!fx->app)
        return;
    db_pool_close(&fx->app->db);
    stat_cache_free(fx->app->stat_cache);
    export_cache_free(fx->app->export_cache);
    free(fx->app);
    fx->app = NULL;
}

struct hdrs {
    const char *const *list;
};

static const char *S_header(const struct http_request *req, const char *name)
{
    const struct hdrs *h = req->header_ctx;
    size_t n = strlen(name);
    for (size_t i = 0; h && h->list && h->list[i]; i++) {
        const char *l = h->list[i];
        if (strncasecmp(l, name, n) == 0 && l[n] == ':') {
            l += n + 1;
            while (*l == ' ')
                l++;
            return l;
        }
    }
    return NULL;
}

void api_request(struct api_fixture *fx, const char *method, const char *target,
                 const char *const *headers, const char *body, struct api_result *out)
{
    struct http_request req;
    struct hdrs h = {headers};
    memset(&req, 0, sizeof req);
    memset(out, 0, sizeof *out);
    http_response_init(&out->res);
    req.method = http_method_parse(method);
    req.request_id = "test-request";
    req.header = S_header;
    req.header_ctx = &h;
    req.app = fx->app;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    char err[256];
    unsigned bad = http_request_parse_target(&req, target, err, sizeof err);
    if (bad)
        http_problem(&out->res, &req, bad, "malformed-request", err, NULL, 0);
    else
        router_dispatch(fx->app->routes, fx->app->nroutes, fx->app->route_guard, &req, &out->res);
    uint64_t version = 0;
    (void)app_snapshot_end(fx->app, &version);
    http_request_free(&req);
    out->status = out->res.status;
    out->content_type = out->res.content_type;
    out->body = buf_steal(&out->res.body, &out->body_len);
    if (!out->body) {
        out->body = calloc(1, 1);
        out->body_len = 0;
    }
    if (out->content_type && strstr(out->content_type, "json") &&
        !strstr(out->content_type, "ndjson"))
        out->json = json_loadb(out->body, out->body_len, 0, NULL);
}

void api_get(struct api_fixture *fx, const char *target, struct api_result *out)
{
    api_request(fx, "GET", target, NULL, NULL, out);
}

const char *api_header(const struct api_result *r, const char *name)
{
    return http_response_get_header(&r->res, name);
}

void api_result_free(struct api_result *r)
{
    free(r->body);
    json_decref(r->json);
    http_response_free(&r->res);
    memset(r, 0, sizeof *r);
}

void api_assert_problem(const struct api_result *r, unsigned status, const char *parameter)
{
    assert_int_equal(r->status, status);
    assert_non_null(r->content_type);
    assert_string_equal(r->content_type, "application/problem+json");
    assert_non_null(r->json);
    assert_int_equal(json_integer_value(json_object_get(r->json, "status")), status);
    assert_non_null(json_string_value(json_object_get(r->json, "type")));
    assert_non_null(json_string_value(json_object_get(r->json, "title")));
    assert_non_null(json_string_value(json_object_get(r->json, "detail")));
    if (parameter) {
        json_t *errs = json_object_get(r->json, "errors");
        bool found = false;
        size_t i;
        json_t *e;
        json_array_foreach(errs, i, e) {
            const char *p = json_string_value(json_object_get(e, "parameter"));
            if (p && strcmp(p, parameter) == 0)
                found = true;
        }
        if (!found)
            fail_msg("problem does not name parameter '%s': %s", parameter, r->body);
    }
}

void api_get_problem(struct api_fixture *fx, const char *target, unsigned status,
                     const char *parameter)
{
    struct api_result r;
    api_get(fx, target, &r);
    api_assert_problem(&r, status, parameter);
    api_result_free(&r);
}

struct api_fixture api_fx;

int api_group_setup(void **state)
{
    (void)state;
    return api_fixture_open(&api_fx);
}

int api_group_teardown(void **state)
{
    (void)state;
    api_fixture_close(&api_fx);
    return 0;
}

void api_get_ok(struct api_fixture *fx, const char *target, struct api_result *r)
{
    api_get(fx, target, r);
    if (r->status != 200 || !r->json)
        fail_msg("GET %s: %u %s", target, r->status, r->body);
    assert_string_equal(r->content_type, "application/json");
    assert_true(r->res.cacheable);
}

json_t *api_data(const struct api_result *r)
{
    return json_object_get(r->json, "data");
}

json_int_t api_total(const struct api_result *r)
{
    return json_integer_value(json_object_get(json_object_get(r->json, "meta"), "total"));
}

const char *api_next_cursor(const struct api_result *r)
{
    return json_string_value(json_object_get(json_object_get(r->json, "meta"), "next_cursor"));
}

json_int_t api_total_of(struct api_fixture *fx, const char *target)
{
    struct api_result r;
    api_get_ok(fx, target, &r);
    json_int_t t = api_total(&r);
    api_result_free(&r);
    return t;
}

size_t api_count_by_cursor(struct api_fixture *fx, const char *base)
{
    struct api_result r;
    size_t seen = 0;
    char target[512];
    snprintf(target, sizeof target, "%s", base);
    for (int guard = 0; guard < 100; guard++) {
        api_get(fx, target, &r);
        assert_int_equal(r.status, 200);
        seen += json_array_size(api_data(&r));
        const char *next = api_next_cursor(&r);
        if (!next) {
            api_result_free(&r);
            break;
        }
        snprintf(target, sizeof target, "%s&cursor=%s", base, next);
        api_result_free(&r);
    }
    return seen;
}
