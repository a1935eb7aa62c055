/*
 * openapi.yaml and the route table agree: every route of routes_table (include/routes.h) is
 * a path + method of the spec, and every path + method of the spec is a route. Path
 * parameters match by position ("{id}" in both, compared by name too), so a renamed
 * capture shows up here. The spec is the openapi.json compiled into the binary, read
 * through GET /openapi.json, so the documents the server serves are checked on the way:
 * /openapi.json is the embedded JSON generated from the YAML, /openapi.yaml the YAML,
 * /docs the Redoc page under its Content-Security-Policy.
 */
#include "api.h"
#include "embedded.h"
#include "routes.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static struct api_fixture fx;
static json_t *spec;

static const struct {
    const char *name;
    unsigned method;
} spec_methods[] = {
    {"get", HTTP_GET},       {"put", HTTP_PUT},   {"post", HTTP_POST},       {"patch", HTTP_PATCH},
    {"delete", HTTP_DELETE}, {"head", HTTP_HEAD}, {"options", HTTP_OPTIONS},
};

/* The embedded file with this name, or one whose name ends in "/<name>" (generated files). */
static const struct embedded_file *S_embedded(const char *name)
{
    const struct embedded_file *f = embedded_find(name);
    size_t n = strlen(name);
    for (size_t i = 0; !f && i < embedded_nfiles; i++) {
        const char *e = embedded_files[i].name;
        size_t len = strlen(e);
        if (len > n && e[len - n - 1] == '/' && strcmp(e + len - n, name) == 0)
            f = &embedded_files[i];
    }
    return f;
}

static int setup(void **state)
{
    (void)state;
    if (api_fixture_open(&fx) != 0)
        return -1;
    struct api_result r;
    api_get(&fx, "/openapi.json", &r);
    if (r.status == 200 && r.json)
        spec = json_incref(r.json);
    api_result_free(&r);
    return spec ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(spec);
    api_fixture_close(&fx);
    return 0;
}

/* "/v1/claims/{id}/restore" -> "/v1/claims/{}/restore"; names gets "id," per capture. */
static void S_normalize(const char *path, char *out, size_t n, char *names, size_t nn)
{
    size_t o = 0, k = 0;
    names[0] = '\0';
    for (const char *p = path; *p && o + 3 < n; p++) {
        if (*p == '{') {
            const char *end = strchr(p, '}');
            if (!end)
                break;
            out[o++] = '{';
            out[o++] = '}';
            size_t len = (size_t)(end - p - 1);
            if (k + len + 2 < nn) {
                memcpy(names + k, p + 1, len);
                k += len;
                names[k++] = ',';
                names[k] = '\0';
            }
            p = end;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

/* The spec's path item whose normalized path equals norm, with its original key. */
static json_t *S_spec_path(const char *norm, const char **key)
{
    const char *k;
    json_t *item;
    json_t *paths = json_object_get(spec, "paths");
    json_object_foreach(paths, k, item) {
        char n[256], names[128];
        S_normalize(k, n, sizeof n, names, sizeof names);
        if (strcmp(n, norm) == 0) {
            *key = k;
            return item;
        }
    }
    return NULL;
}

static void test_every_route_is_in_the_spec(void **state)
{
    (void)state;
    assert_non_null(json_object_get(spec, "paths"));
    int missing = 0;
    for (size_t i = 0; i < routes_count; i++) {
        const struct route *rt = &routes_table[i];
        char norm[256], names[128];
        S_normalize(rt->pattern, norm, sizeof norm, names, sizeof names);
        const char *key = NULL;
        json_t *item = S_spec_path(norm, &key);
        if (!item) {
            fprintf(stderr, "openapi.yaml has no path %s\n", rt->pattern);
            missing++;
            continue;
        }
        char snorm[256], snames[128];
        S_normalize(key, snorm, sizeof snorm, snames, sizeof snames);
        if (strcmp(names, snames) != 0) {
            fprintf(stderr, "route %s and spec path %s name their parameters differently\n",
                    rt->pattern, key);
            missing++;
        }
        for (size_t m = 0; m < sizeof spec_methods / sizeof spec_methods[0]; m++) {
            if ((rt->methods & spec_methods[m].method) &&
                !json_object_get(item, spec_methods[m].name)) {
                fprintf(stderr, "openapi.yaml has no %s %s\n", spec_methods[m].name, key);
                missing++;
            }
        }
    }
    assert_int_equal(missing, 0);
}

static void test_every_spec_operation_is_a_route(void **state)
{
    (void)state;
    const char *key;
    json_t *item;
    int extra = 0, ops = 0;
    json_object_foreach(json_object_get(spec, "paths"), key, item) {
        char norm[256], names[128];
        S_normalize(key, norm, sizeof norm, names, sizeof names);
        for (size_t m = 0; m < sizeof spec_methods / sizeof spec_methods[0]; m++) {
            if (!json_object_get(item, spec_methods[m].name))
                continue;
            ops++;
            unsigned want = spec_methods[m].method;
            /* HEAD is implicit on GET routes, OPTIONS on every path. */
            if (want == HTTP_HEAD)
                want = HTTP_GET;
            bool found = false;
            for (size_t i = 0; i < routes_count && !found; i++) {
                char rn[256], rnames[128];
                S_normalize(routes_table[i].pattern, rn, sizeof rn, rnames, sizeof rnames);
                found = strcmp(rn, norm) == 0 &&
                        (want == HTTP_OPTIONS || (routes_table[i].methods & want));
            }
            if (!found) {
                fprintf(stderr, "routes.c has no route for %s %s\n", spec_methods[m].name, key);
                extra++;
            }
        }
    }
    assert_true(ops >= (int)routes_count);
    assert_int_equal(extra, 0);
}

static void test_json_is_the_embedded_document(void **state)
{
    (void)state;
    const struct embedded_file *f = S_embedded("gen/openapi.json");
    assert_non_null(f);
    struct api_result r;
    api_get(&fx, "/openapi.json", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/json");
    assert_int_equal(r.body_len, f->len);
    assert_memory_equal(r.body, f->data, f->len);
    assert_string_equal(json_string_value(json_object_get(spec, "openapi")), "3.1.0");
    api_result_free(&r);
}

static void test_yaml_is_openapi_yaml(void **state)
{
    (void)state;
    const struct embedded_file *f = S_embedded("openapi.yaml");
    assert_non_null(f);
    struct api_result r;
    api_get(&fx, "/openapi.yaml", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/yaml");
    assert_int_equal(r.body_len, f->len);
    assert_memory_equal(r.body, f->data, f->len);
    assert_non_null(strstr(r.body, "openapi: 3.1.0"));
    api_result_free(&r);
}

static void test_docs_page_is_local_only(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&fx, "/docs", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/html; charset=utf-8");
    assert_non_null(strstr(r.body, "<redoc spec-url=\"/openapi.json\""));
    assert_non_null(strstr(r.body, "<script src=\"/docs/redoc.standalone.js\">"));
    assert_null(strstr(r.body, "http://"));
    assert_null(strstr(r.body, "https://"));
    const char *csp = api_header(&r, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "default-src 'none'"));
    assert_non_null(strstr(csp, "script-src 'self';"));
    assert_null(strstr(csp, "http"));
    assert_null(strstr(csp, "*"));
    assert_null(strstr(csp, "unsafe-eval"));
    assert_string_equal(api_header(&r, "Referrer-Policy"), "no-referrer");
    api_result_free(&r);
}

/* The explorer: its page under a CSP without inline script or style, its files compiled in. */
static void test_explorer_is_local_only(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&fx, "/", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/html; charset=utf-8");
    assert_non_null(strstr(r.body, "<script src=\"/explorer/app.js\""));
    assert_null(strstr(r.body, "http://"));
    assert_null(strstr(r.body, "https://"));
    assert_null(strstr(r.body, "<style"));
    assert_null(strstr(r.body, " style="));
    const char *csp = api_header(&r, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "default-src 'none'"));
    assert_non_null(strstr(csp, "script-src 'self';"));
    assert_non_null(strstr(csp, "style-src 'self';"));
    assert_null(strstr(csp, "unsafe"));
    assert_null(strstr(csp, "http"));
    api_result_free(&r);
    static const char *const files[][2] = {
        {"/explorer/app.js", "explorer/app.js"},
        {"/explorer/app.css", "explorer/app.css"},
        {"/explorer/plot.umd.min.js", "explorer/vendor/plot.umd.min.js"},
        {"/explorer/d3.min.js", "explorer/vendor/d3.min.js"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const struct embedded_file *f = S_embedded(files[i][1]);
        assert_non_null(f);
        api_get(&fx, files[i][0], &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.body_len, f->len);
        assert_memory_equal(r.body, f->data, f->len);
        api_result_free(&r);
    }
    api_get(&fx, "/explorer/index.html", &r);
    api_assert_problem(&r, 404, NULL);
    api_result_free(&r);
    api_get(&fx, "/explorer/..%2Fopenapi.yaml", &r);
    assert_int_equal(r.status, 404);
    api_result_free(&r);
}

static void test_static_documents_revalidate(void **state)
{
    (void)state;
    static const char *const targets[] = {"/openapi.yaml",
                                          "/openapi.json",
                                          "/docs",
                                          "/docs/redoc.standalone.js",
                                          "/",
                                          "/explorer/app.js",
                                          "/explorer/app.css",
                                          "/explorer/plot.umd.min.js",
                                          "/explorer/d3.min.js"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        struct api_result r, again;
        api_get(&fx, targets[i], &r);
        assert_int_equal(r.status, 200);
        assert_true(r.body_len > 0);
        const char *etag = api_header(&r, "ETag");
        assert_non_null(etag);
        assert_true(strncmp(etag, "W/\"", 3) == 0);
        assert_string_equal(api_header(&r, "Cache-Control"), "public, max-age=300");
        char inm[128];
        snprintf(inm, sizeof inm, "If-None-Match: \"x\", %s", etag);
        const char *headers[] = {inm, NULL};
        api_request(&fx, "GET", targets[i], headers, NULL, &again);
        assert_int_equal(again.status, 304);
        assert_int_equal(again.body_len, 0);
        assert_string_equal(api_header(&again, "ETag"), etag);
        api_result_free(&again);
        api_result_free(&r);
    }
}

static void test_documents_take_no_parameters(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&fx, "/openapi.json?pretty=1", &r);
    api_assert_problem(&r, 400, "pretty");
    api_result_free(&r);
    api_request(&fx, "POST", "/docs", NULL, NULL, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(api_header(&r, "Allow"), "GET, HEAD, OPTIONS");
    api_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_is_in_the_spec),
        cmocka_unit_test(test_every_spec_operation_is_a_route),
        cmocka_unit_test(test_json_is_the_embedded_document),
        cmocka_unit_test(test_yaml_is_openapi_yaml),
        cmocka_unit_test(test_docs_page_is_local_only),
        cmocka_unit_test(test_explorer_is_local_only),
        cmocka_unit_test(test_static_documents_revalidate),
        cmocka_unit_test(test_documents_take_no_parameters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
