/*
 * The API's own documents, compiled into the binary (EMBED_FILES in the Makefile):
 *   GET /openapi.yaml               openapi.yaml as written
 *   GET /openapi.json               the same document, generated from the YAML at build time
 *                                   (tools/yaml2json.c; embedded as <build>/gen/openapi.json)
 *   GET /docs                       docs/index.html: Redoc renders /openapi.json
 *   GET /docs/redoc.standalone.js   docs/vendor/redoc.standalone.js (scripts/vendor-docs.sh)
 *   GET /                           explorer/index.html: the explorer, a client of /v1
 *   GET /explorer/{file}            its script and styles, and explorer/vendor/'s Observable
 *                                   Plot and d3 bundles (scripts/vendor-explorer.sh)
 * Nothing is fetched from anywhere else: the page works offline, under a strict
 * Content-Security-Policy. Each document has a weak ETag (a digest of its bytes,
 * computed once) and answers If-None-Match with 304.
 */
#include "embedded.h"
#include "handlers.h"
#include "query.h"
#include "sha256.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/*
 * What Redoc needs and nothing more: its script and the spec from this server, its
 * styles (styled-components injects <style> elements), its search worker (a blob:
 * URL), inline SVG and data: images, and no framing, forms or base URL changes.
 */
#define DOCS_CSP                                                                            \
    "default-src 'none'; script-src 'self'; worker-src blob:; connect-src 'self'; "         \
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " \
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/*
 * The explorer needs less: its own script and styles, the API of this server, and
 * data: images (none today). No inline script or style: Plot's <style> elements are
 * removed before its charts are attached, and every style is set through the CSSOM.
 */
#define EXPLORER_CSP                                                                \
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " \
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

#define DOCS_CACHE_CONTROL "public, max-age=300"

enum doc_id {
    DOC_YAML,
    DOC_JSON,
    DOC_HTML,
    DOC_REDOC,
    DOC_EXPLORER,
    DOC_EXPLORER_JS,
    DOC_EXPLORER_CSS,
    DOC_PLOT,
    DOC_D3,
    NDOCS
};

struct doc {
    const char *name; /* embedded path; generated files match on their path below the build dir */
    const char *content_type;
    const char *csp;  /* HTML pages: their Content-Security-Policy */
    const char *file; /* served at /explorer/<file> */
};

static const struct doc docs[NDOCS] = {
    [DOC_YAML] = {"openapi.yaml", "application/yaml", NULL, NULL},
    [DOC_JSON] = {"gen/openapi.json", "application/json", NULL, NULL},
    [DOC_HTML] = {"docs/index.html", "text/html; charset=utf-8", DOCS_CSP, NULL},
    [DOC_REDOC] = {"docs/vendor/redoc.standalone.js", "text/javascript; charset=utf-8", NULL, NULL},
    [DOC_EXPLORER] = {"explorer/index.html", "text/html; charset=utf-8", EXPLORER_CSP, NULL},
    [DOC_EXPLORER_JS] = {"explorer/app.js", "text/javascript; charset=utf-8", NULL, "app.js"},
    [DOC_EXPLORER_CSS] = {"explorer/app.css", "text/css; charset=utf-8", NULL, "app.css"},
    [DOC_PLOT] = {"explorer/vendor/plot.umd.min.js", "text/javascript; charset=utf-8", NULL,
                  "plot.umd.min.js"},
    [DOC_D3] = {"explorer/vendor/d3.min.js", "text/javascript; charset=utf-8", NULL, "d3.min.js"},
};

static const struct embedded_file *doc_files[NDOCS];
static char doc_etags[NDOCS][48];
static pthread_once_t doc_once = PTHREAD_ONCE_INIT;

/* The embedded file named `name`, or one whose name ends in "/<name>". */
static const struct embedded_file *S_find(const char *name)
{
    const struct embedded_file *f = embedded_find(name);
    if (f)
        return f;
    size_t n = strlen(name);
    for (size_t i = 0; i < embedded_nfiles; i++) {
        const char *e = embedded_files[i].name;
        size_t len = strlen(e);
        if (len > n && e[len - n - 1] == '/' && strcmp(e + len - n, name) == 0)
            return &embedded_files[i];
    }
    return NULL;
}

static void S_init(void)
{
    for (size_t i = 0; i < NDOCS; i++) {
        doc_files[i] = S_find(docs[i].name);
        if (!doc_files[i])
            continue;
        char hex[65];
        sha256_hex(doc_files[i]->data, doc_files[i]->len, hex);
        hex[32] = '\0';
        int w = snprintf(doc_etags[i], sizeof doc_etags[i], "W/\"%s\"", hex);
        if (w < 0 || (size_t)w >= sizeof doc_etags[i])
            doc_etags[i][0] = '\0';
    }
}

/* True when the If-None-Match list holds the tag (weak comparison) or is "*". */
static bool S_doc_tag(const void *ctx, const char *tag, size_t n, bool weak)
{
    const char *want = ctx;
    (void)weak;
    return (n == 1 && tag[0] == '*') || (strlen(want) == n && memcmp(want, tag, n) == 0);
}

static bool S_matches(const char *inm, const char *etag)
{
    const char *want = strncmp(etag, "W/", 2) == 0 ? etag + 2 : etag;
    return http_etag_list(inm, S_doc_tag, want);
}

static void S_serve(struct http_request *req, struct http_response *res, enum doc_id id)
{
    static const char *const no_params[] = {NULL};
    struct query_errors qe;
    query_errors_init(&qe);
    query_finish(req, &qe, no_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        return;
    }
    pthread_once(&doc_once, S_init);
    const struct embedded_file *f = doc_files[id];
    if (!f) {
        char msg[160];
        int n = snprintf(msg, sizeof msg, "'%s' is not compiled into this server", docs[id].name);
        http_problem(res, req, 404, "not-found", n > 0 ? msg : "not compiled in", NULL, 0);
        return;
    }
    const char *inm = http_header(req, "If-None-Match");
    if (inm && S_matches(inm, doc_etags[id])) {
        res->status = 304;
        res->content_type = NULL;
        buf_reset(&res->body);
    } else {
        res->status = 200;
        res->content_type = docs[id].content_type;
        buf_reset(&res->body);
        buf_append(&res->body, f->data, f->len);
        if (res->body.oom) {
            http_problem(res, req, 503, "unavailable", "out of memory", NULL, 0);
            return;
        }
        if (docs[id].csp) {
            http_response_header(res, "Content-Security-Policy", docs[id].csp);
            http_response_header(res, "Referrer-Policy", "no-referrer");
        }
    }
    http_response_header(res, "ETag", doc_etags[id]);
    http_response_header(res, "Cache-Control", DOCS_CACHE_CONTROL);
}

void docs_openapi_yaml(struct http_request *req, struct http_response *res)
{
    S_serve(req, res, DOC_YAML);
}

void docs_openapi_json(struct http_request *req, struct http_response *res)
{
    S_serve(req, res, DOC_JSON);
}

void docs_page(struct http_request *req, struct http_response *res)
{
    S_serve(req, res, DOC_HTML);
}

void docs_redoc_js(struct http_request *req, struct http_response *res)
{
    S_serve(req, res, DOC_REDOC);
}

void docs_explorer_page(struct http_request *req, struct http_response *res)
{
    S_serve(req, res, DOC_EXPLORER);
}

void docs_explorer_file(struct http_request *req, struct http_response *res)
{
    const char *file = http_path_param(req, "file");
    for (size_t i = 0; file && i < NDOCS; i++) {
        if (docs[i].file && strcmp(docs[i].file, file) == 0) {
            S_serve(req, res, (enum doc_id)i);
            return;
        }
    }
    http_problem(res, req, 404, "not-found", "the explorer has no such file", NULL, 0);
}
