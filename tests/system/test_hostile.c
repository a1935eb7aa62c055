/*
 * Hostile clients over real sockets: SQL injection in every parameter of every
 * collection, path traversal in ids, overlong targets and headers, invalid
 * UTF-8 and NUL bytes, absurd paging, malformed cursors, FTS5 syntax, deeply
 * nested and oversized JSON bodies, wrong methods and media types, broken
 * HTTP. Each gets a clear 4xx problem+json (or, for broken HTTP, a 4xx from
 * libmicrohttpd or a closed connection), never a 5xx; meanwhile a thread keeps
 * calling /healthz and every call must succeed. Every response is also
 * checked for the security headers. Slow clients: tests/system/test_slowloris.c.
 *
 * The collections and their parameters are discovered from /v1 and from the
 * "unknown parameter; allowed: ..." problem, so new endpoints are covered.
 */
#include "server.h"

#include "db.h"
#include "http.h"
#include "sha256.h"
#include "write_repo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define MAX_BODY_FLAG "64k"
#define MAX_BODY      65536
#define TOKEN         "hostile-test-admin-token-4f1c2a"
#define MAX_RES       24
#define MAX_PARAMS    40

static struct test_server G;
static CURL *H; /* one keep-alive handle for the main thread */
static unsigned time_scale = 1;

/* ---- the /healthz watcher ------------------------------------------------ */

struct watcher {
    pthread_t tid;
    atomic_bool stop;
    atomic_ulong ok;
    atomic_ulong failed;
    char first_failure[256];
};
static struct watcher W;

static void *S_watch(void *arg)
{
    struct watcher *w = arg;
    CURL *h = curl_easy_init();
    char url[128];
    test_server_url(&G, "/healthz", url, sizeof url);
    while (!atomic_load(&w->stop)) {
        struct tc_result r;
        int rc = h ? tc_get(h, url, &r) : -1;
        if (rc == 0 && r.status == 200 && strstr(r.body, "\"ok\"")) {
            atomic_fetch_add(&w->ok, 1);
        } else {
            if (atomic_fetch_add(&w->failed, 1) == 0)
                snprintf(w->first_failure, sizeof w->first_failure, "rc %d status %ld: %.160s", rc,
                         h ? r.status : 0L, h ? r.error : "no curl handle");
        }
        if (h)
            tc_result_free(&r);
        /* Pacing only, so the watcher does not starve the tests of CPU. */
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    curl_easy_cleanup(h);
    return NULL;
}

/* ---- fixture --------------------------------------------------------------- */

static int S_make_token(struct test_server *ts)
{
    char hex[65];
    sha256_hex(TOKEN, strlen(TOKEN), hex);
    struct db_conn *c = NULL;
    if (db_pool_writer(&ts->app->db, &c) != APP_OK)
        return -1;
    enum app_status st = token_repo_create(c, "hostile", hex, "admin", "2026-01-01T00:00:00Z");
    db_pool_writer_release(&ts->app->db);
    return st == APP_OK ? 0 : -1;
}

static int S_group_setup(void **state)
{
    (void)state;
    const char *vg = getenv("MARSAD_VALGRIND");
    if (vg && vg[0] == '1')
        time_scale = 10; /* memcheck runs code about 20-50 times slower */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    static const char *const extra[] = {"--max-body", MAX_BODY_FLAG, NULL};
    char err[512];
    if (test_server_start(&G, extra, err, sizeof err) != 0) {
        fprintf(stderr, "test server: %s\n", err);
        curl_global_cleanup();
        return -1;
    }
    H = curl_easy_init();
    if (!H || S_make_token(&G) != 0) {
        fprintf(stderr, "cannot create the curl handle or the token\n");
        curl_easy_cleanup(H);
        test_server_stop(&G);
        curl_global_cleanup();
        return -1;
    }
    memset(&W, 0, sizeof W);
    if (pthread_create(&W.tid, NULL, S_watch, &W) != 0) {
        curl_easy_cleanup(H);
        test_server_stop(&G);
        curl_global_cleanup();
        return -1;
    }
    return 0;
}

static int S_group_teardown(void **state)
{
    (void)state;
    if (!atomic_load(&W.stop)) {
        atomic_store(&W.stop, true);
        pthread_join(W.tid, NULL);
    }
    curl_easy_cleanup(H);
    test_server_stop(&G);
    curl_global_cleanup();
    return 0;
}

/* ---- response checks ------------------------------------------------------- */

static bool S_starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* snprintf that must not truncate. */
static void S_fmt(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void S_fmt(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    assert_true(w >= 0 && (size_t)w < n);
}

static const char *S_find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        if (strncasecmp(p, needle, n) == 0)
            return p;
    }
    return NULL;
}

/* A Server header, if any, must not name the software or its version. */
static void S_check_server_header(const char *server, const char *what)
{
    if (!server)
        return;
    for (const char *p = server; *p; p++) {
        if (*p >= '0' && *p <= '9')
            fail_msg("%s: Server header leaks a version: '%s'", what, server);
    }
    if (S_find_ci(server, "microhttpd") || S_find_ci(server, "marsad"))
        fail_msg("%s: Server header names the software: '%s'", what, server);
}

/* A strict Content-Security-Policy for HTML: default-src 'none' or 'self', no eval, no '*'. */
static void S_check_csp(const char *csp, const char *what)
{
    if (!csp)
        fail_msg("%s: an HTML page without Content-Security-Policy", what);
    if (!strstr(csp, "default-src 'none'") && !strstr(csp, "default-src 'self'"))
        fail_msg("%s: CSP without default-src 'none' or 'self': %s", what, csp);
    if (strstr(csp, "unsafe-eval"))
        fail_msg("%s: CSP allows unsafe-eval: %s", what, csp);
    if (strstr(csp, " * ") || strstr(csp, " *;") || strstr(csp, "'unsafe-inline' *"))
        fail_msg("%s: CSP allows any origin: %s", what, csp);
    if (!strstr(csp, "frame-ancestors"))
        fail_msg("%s: CSP without frame-ancestors (clickjacking): %s", what, csp);
}

/* Headers every Marsad response carries. */
static void S_check_security_headers(const struct tc_result *r, const char *what)
{
    const char *nosniff = tc_header(r, "X-Content-Type-Options");
    if (!nosniff || strcasecmp(nosniff, "nosniff") != 0)
        fail_msg("%s: status %ld without X-Content-Type-Options: nosniff", what, r->status);
    S_check_server_header(tc_header(r, "Server"), what);
    const char *ct = tc_header(r, "Content-Type");
    if (ct && strncasecmp(ct, "text/html", 9) == 0)
        S_check_csp(tc_header(r, "Content-Security-Policy"), what);
}

/*
 * Any answer to a hostile request: never a 5xx, the security headers, and
 * for a 4xx an RFC 9457 problem with the same status. Returns the status.
 */
static long S_check(const struct tc_result *r, const char *what)
{
    if (r->code != CURLE_OK)
        fail_msg("%s: transfer failed: %s (%s)", what, curl_easy_strerror(r->code), r->error);
    if (r->status >= 500 || r->status < 100)
        fail_msg("%s: status %ld: %.400s", what, r->status, r->body);
    S_check_security_headers(r, what);
    if (r->status >= 400) {
        const char *ct = tc_header(r, "Content-Type");
        if (!S_starts_with(ct, "application/problem+json"))
            fail_msg("%s: status %ld with Content-Type %s", what, r->status, ct ? ct : "(none)");
        json_t *j = tc_json(r);
        if (!json_is_object(j))
            fail_msg("%s: problem body is not a JSON object: %.300s", what, r->body);
        json_t *st = json_object_get(j, "status");
        const char *type = json_string_value(json_object_get(j, "type"));
        const char *detail = json_string_value(json_object_get(j, "detail"));
        if (json_integer_value(st) != r->status || !S_starts_with(type, "/problems/") || !detail ||
            !detail[0])
            fail_msg("%s: incomplete problem: %.300s", what, r->body);
        json_decref(j);
    } else if (r->status == 200 && r->body_len > 0 &&
               S_starts_with(tc_header(r, "Content-Type"), "application/json")) {
        json_t *j = tc_json(r);
        if (!j)
            fail_msg("%s: 200 with a body that is not JSON: %.300s", what, r->body);
        json_decref(j);
    }
    return r->status;
}

/* A request with the main handle; the transfer itself must work. */
static long S_req(const char *method, const char *path, const char *const *headers,
                  const char *body, size_t body_len, struct tc_result *r)
{
    char url[16384];
    int w = snprintf(url, sizeof url, "%s%s", G.base_url, path);
    assert_true(w > 0 && (size_t)w < sizeof url);
    if (tc_request(H, method, url, headers, body, body_len, r) != 0)
        fail_msg("%s %.200s: %s (%s)", method, path, curl_easy_strerror(r->code), r->error);
    return S_check(r, path);
}

/* GET expecting one status; the result is freed. */
static void S_expect(const char *path, long want)
{
    struct tc_result r;
    long got = S_req("GET", path, NULL, NULL, 0, &r);
    if (got != want)
        fail_msg("GET %.300s: status %ld, expected %ld: %.300s", path, got, want, r.body);
    tc_result_free(&r);
}

/* GET expecting one of two statuses; returns the status. */
static long S_expect2(const char *path, long a, long b)
{
    struct tc_result r;
    long got = S_req("GET", path, NULL, NULL, 0, &r);
    if (got != a && got != b)
        fail_msg("GET %.300s: status %ld, expected %ld or %ld: %.300s", path, got, a, b, r.body);
    tc_result_free(&r);
    return got;
}

/* Percent-encodes every byte outside the unreserved set. */
static void S_enc(const char *s, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        assert_true(o + 4 < n);
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
}

/* ---- discovery -------------------------------------------------------------- */

struct resource {
    char href[128];    /* /v1/claims */
    char item_id[256]; /* an id of one item, "" when the list is empty */
    char params[MAX_PARAMS][48];
    size_t nparams;
};

static struct resource RES[MAX_RES];
static size_t NRES;

/* Parses "... allowed: a, b, c" into params. */
static void S_parse_allowed(struct resource *rs, const char *detail)
{
    const char *a = strstr(detail, "allowed: ");
    if (!a)
        return;
    a += 9;
    while (*a && rs->nparams < MAX_PARAMS) {
        size_t n = strcspn(a, ", ");
        if (n > 0 && n < sizeof rs->params[0]) {
            memcpy(rs->params[rs->nparams], a, n);
            rs->params[rs->nparams][n] = '\0';
            rs->nparams++;
        }
        a += n;
        while (*a == ',' || *a == ' ')
            a++;
    }
}

static bool S_has_param(const struct resource *rs, const char *name)
{
    for (size_t i = 0; i < rs->nparams; i++) {
        if (strcmp(rs->params[i], name) == 0)
            return true;
    }
    return false;
}

/* Adds a collection when it answers a bogus parameter with the list of allowed ones. */
static void S_add_resource(const char *href)
{
    if (NRES >= MAX_RES)
        return;
    struct resource *rs = &RES[NRES];
    memset(rs, 0, sizeof *rs);
    snprintf(rs->href, sizeof rs->href, "%s", href);
    char path[512];
    S_fmt(path, sizeof path, "%s?zz_bogus=1", href);
    struct tc_result r;
    long st = S_req("GET", path, NULL, NULL, 0, &r);
    json_t *j = tc_json(&r);
    json_t *errors = json_object_get(j, "errors");
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        const char *p = json_string_value(json_object_get(e, "parameter"));
        const char *d = json_string_value(json_object_get(e, "detail"));
        if (p && d && strcmp(p, "zz_bogus") == 0)
            S_parse_allowed(rs, d);
    }
    json_decref(j);
    tc_result_free(&r);
    if (st != 400 || rs->nparams == 0)
        return; /* not (yet) a collection with parameters: a 404 while being written */
    /* One item's id, for the {id} routes. */
    S_fmt(path, sizeof path, "%s?limit=1", href);
    if (S_has_param(rs, "q") && !S_has_param(rs, "sort"))
        S_fmt(path, sizeof path, "%s?limit=1&q=morocco", href);
    st = S_req("GET", path, NULL, NULL, 0, &r);
    j = st == 200 ? tc_json(&r) : NULL;
    json_t *first = json_array_get(json_object_get(j, "data"), 0);
    const char *id = json_string_value(json_object_get(first, "id"));
    if (id)
        snprintf(rs->item_id, sizeof rs->item_id, "%s", id);
    json_decref(j);
    tc_result_free(&r);
    NRES++;
}

static void S_discover(void)
{
    if (NRES)
        return;
    struct tc_result r;
    assert_int_equal(S_req("GET", "/v1", NULL, NULL, 0, &r), 200);
    json_t *j = tc_json(&r);
    json_t *list = json_object_get(json_object_get(j, "data"), "resources");
    assert_true(json_array_size(list) >= 1);
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it) {
        const char *href = json_string_value(json_object_get(it, "href"));
        if (href && S_starts_with(href, "/v1/"))
            S_add_resource(href);
    }
    json_decref(j);
    tc_result_free(&r);
    /* Nested collections with a real parent. */
    char href[512];
    for (size_t k = 0, n = NRES; k < n; k++) {
        if (!RES[k].item_id[0])
            continue;
        if (strcmp(RES[k].href, "/v1/sources") == 0) {
            S_fmt(href, sizeof href, "/v1/sources/%s/claims", RES[k].item_id);
            S_add_resource(href);
        }
        if (strcmp(RES[k].href, "/v1/claims") == 0) {
            S_fmt(href, sizeof href, "/v1/claims/%s/revisions", RES[k].item_id);
            S_add_resource(href);
        }
    }
    bool claims = false;
    for (size_t k = 0; k < NRES; k++)
        claims = claims || strcmp(RES[k].href, "/v1/claims") == 0;
    assert_true(claims);
    assert_true(NRES >= 3);
}

static json_int_t S_total(const char *path)
{
    struct tc_result r;
    assert_int_equal(S_req("GET", path, NULL, NULL, 0, &r), 200);
    json_t *j = tc_json(&r);
    json_t *t = json_object_get(json_object_get(j, "meta"), "total");
    assert_true(json_is_integer(t));
    json_int_t v = json_integer_value(t);
    json_decref(j);
    tc_result_free(&r);
    return v;
}

/* ---- 1. SQL injection in every parameter -------------------------------------- */

static const char *const sqli[] = {
    "' OR '1'='1",
    "' OR 1=1 --",
    "1 OR 1=1",
    "\" OR \"\"=\"",
    "x'); DROP TABLE claim; --",
    "1; SELECT sqlite_version()",
    "' UNION SELECT name, sql FROM sqlite_master --",
    "%' AND 1=1 AND '%'='",
    "') OR json_extract('{}', '$') IS NULL --",
    "'||(SELECT group_concat(hash) FROM api_token)||'",
    "\\",
    "'",
    "%",
    "_",
    "*",
    "NULL",
    "-1",
    "9223372036854775808",
    "$[0]",
    "[\"a\"]",
};

/* Payloads that are plain values: a numeric filter may well match records with them. */
static bool S_plain_value(const char *payload)
{
    return strcmp(payload, "-1") == 0 || strcmp(payload, "9223372036854775808") == 0 ||
           strcmp(payload, "NULL") == 0;
}

/* Paging and shaping parameters are checked by the other tests; these are filters. */
static bool S_is_filter(const char *p)
{
    static const char *const not_filters[] = {"limit",  "offset",  "cursor", "format", "sort",
                                              "fields", "include", "q",      "type",   NULL};
    for (size_t i = 0; not_filters[i]; i++) {
        if (strcmp(p, not_filters[i]) == 0)
            return false;
    }
    return true;
}

static void test_sql_injection_every_parameter(void **state)
{
    (void)state;
    S_discover();
    json_int_t claims_before = S_total("/v1/claims?limit=1");
    size_t requests = 0;
    for (size_t k = 0; k < NRES; k++) {
        const struct resource *rs = &RES[k];
        for (size_t p = 0; p < rs->nparams; p++) {
            for (size_t s = 0; s < sizeof sqli / sizeof sqli[0]; s++) {
                char enc[512], path[1024];
                S_enc(sqli[s], enc, sizeof enc);
                S_fmt(path, sizeof path, "%s?%s=%s", rs->href, rs->params[p], enc);
                struct tc_result r;
                long st = S_req("GET", path, NULL, NULL, 0, &r);
                requests++;
                if (st != 200 && st != 400)
                    fail_msg("GET %s: status %ld: %.300s", path, st, r.body);
                /* An injected filter that "worked" would match records: none may. */
                if (st == 200 && S_is_filter(rs->params[p]) && !S_plain_value(sqli[s])) {
                    json_t *j = tc_json(&r);
                    json_t *data = json_object_get(j, "data");
                    if (json_is_array(data) && json_array_size(data) != 0)
                        fail_msg("GET %s matched %zu records", path, json_array_size(data));
                    json_decref(j);
                }
                tc_result_free(&r);
            }
        }
    }
    assert_true(requests >= 100);
    /* The database is intact and the server ready. */
    assert_int_equal(S_total("/v1/claims?limit=1"), claims_before);
    S_expect("/readyz", 200);
}

/* ---- 2. ids: injection and path traversal ---------------------------------------- */

static void S_expect_not_found(const char *path)
{
    struct tc_result r;
    long st = S_req("GET", path, NULL, NULL, 0, &r);
    if (st != 404 && st != 400)
        fail_msg("GET %s: status %ld, expected 404 or 400: %.300s", path, st, r.body);
    if (strstr(r.body, "root:") || strstr(r.body, "CREATE TABLE"))
        fail_msg("GET %s: leaks a file or the schema: %.300s", path, r.body);
    tc_result_free(&r);
}

static void test_ids_injection_and_traversal(void **state)
{
    (void)state;
    S_discover();
    static const char *const ids[] = {
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "..%5C..%5Cwindows%5Cwin.ini",
        "%2E%2E",
        "%27%20OR%20%271%27%3D%271",
        "x%27%29%3B%20DROP%20TABLE%20claim%3B--",
        "%00",
        "%FF",
        "%C0%AE%C0%AE",
        "%25%32%65%25%32%65", /* double-encoded ".." stays literal text */
        "%2F",
        "*",
        "%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    };
    static const char *const suffixes[] = {"", "/claims", "/text", "/revisions"};
    char path[1024];
    for (size_t k = 0; k < NRES; k++) {
        if (strncmp(RES[k].href, "/v1/", 4) != 0 || strchr(RES[k].href + 4, '/'))
            continue; /* top-level collections only */
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
            for (size_t s = 0; s < sizeof suffixes / sizeof suffixes[0]; s++) {
                S_fmt(path, sizeof path, "%s/%s%s", RES[k].href, ids[i], suffixes[s]);
                S_expect_not_found(path);
            }
        }
    }
    /* A very long id fits the target limit and is simply unknown. */
    char *longid = malloc(6100);
    assert_non_null(longid);
    memcpy(longid, "/v1/claims/", 11);
    memset(longid + 11, 'a', 6000);
    longid[6011] = '\0';
    S_expect_not_found(longid);
    free(longid);
    /* Injected text in a problem is escaped JSON, never markup in an HTML page. */
    struct tc_result r;
    S_req("GET", "/v1/claims/%3Cscript%3Ealert(1)%3C%2Fscript%3E", NULL, NULL, 0, &r);
    assert_true(S_starts_with(tc_header(&r, "Content-Type"), "application/problem+json"));
    tc_result_free(&r);
}

/*
 * "%2F" inside a segment is data, never a separator (routes match raw segments, decode
 * after): for the first record of every collection, ID%2Fsub is an unknown id even
 * where ID/sub is a resource.
 */
static void test_escaped_slash_is_not_a_separator(void **state)
{
    (void)state;
    S_discover();
    static const char *const subs[] = {"text", "claims", "revisions", "restore"};
    size_t checked = 0;
    for (size_t k = 0; k < NRES; k++) {
        if (strncmp(RES[k].href, "/v1/", 4) != 0 || strchr(RES[k].href + 4, '/'))
            continue;
        char path[1024];
        S_fmt(path, sizeof path, "%s?limit=1", RES[k].href);
        struct tc_result r;
        if (S_req("GET", path, NULL, NULL, 0, &r) != 200) {
            tc_result_free(&r);
            continue;
        }
        json_t *j = tc_json(&r);
        const char *id =
            json_string_value(json_object_get(json_array_get(json_object_get(j, "data"), 0), "id"));
        char enc[512];
        struct tc_result item;
        memset(&item, 0, sizeof item);
        if (id) {
            S_enc(id, enc, sizeof enc);
            S_fmt(path, sizeof path, "%s/%s", RES[k].href, enc);
            if (S_req("GET", path, NULL, NULL, 0, &item) != 200)
                id = NULL; /* a collection without item routes */
            tc_result_free(&item);
        }
        if (id) {
            for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
                S_fmt(path, sizeof path, "%s/%s%%2F%s", RES[k].href, enc, subs[i]);
                S_expect_not_found(path);
                S_fmt(path, sizeof path, "%s/%s%%2f%s", RES[k].href, enc, subs[i]);
                S_expect_not_found(path);
            }
            checked++;
        }
        json_decref(j);
        tc_result_free(&r);
    }
    assert_true(checked >= 3);
    /* Nor does it separate the collection from the id. */
    S_expect_not_found("/v1%2Fclaims");
    S_expect_not_found("/v1/sources%2Fx");
}

/* ---- raw sockets ---------------------------------------------------------------- */

struct raw {
    bool closed_without_answer; /* the server closed (or reset) before any byte */
    long status;
    char *data; /* whole response, NUL-terminated */
    size_t len;
};

/* The value of a header in a raw response (copied into out), or NULL. */
static const char *S_raw_header(const struct raw *r, const char *name, char *out, size_t n)
{
    char key[96];
    S_fmt(key, sizeof key, "\r\n%s:", name);
    const char *end = r->data ? strstr(r->data, "\r\n\r\n") : NULL;
    const char *h = r->data ? S_find_ci(r->data, key) : NULL;
    if (!h || !end || h > end)
        return NULL;
    h += strlen(key);
    while (*h == ' ')
        h++;
    size_t len = strcspn(h, "\r\n");
    if (len >= n)
        len = n - 1;
    memcpy(out, h, len);
    out[len] = '\0';
    return out;
}

/* Reads one response (by Content-Length) or until EOF, with a deadline. */
static void S_raw_read(int fd, struct raw *out, unsigned timeout_ms)
{
    size_t cap = 65536;
    out->data = malloc(cap);
    assert_non_null(out->data);
    out->len = 0;
    out->data[0] = '\0';
    uint64_t deadline = th_now_ms() + timeout_ms * time_scale;
    for (;;) {
        const char *end = strstr(out->data, "\r\n\r\n");
        if (end) {
            const char *cl = S_find_ci(out->data, "\r\nContent-Length:");
            if (cl && cl < end) {
                long len = strtol(cl + 17, NULL, 10);
                if (len >= 0 && (size_t)(end + 4 - out->data) + (size_t)len <= out->len)
                    break;
            }
        }
        uint64_t now = th_now_ms();
        if (now >= deadline)
            fail_msg("timed out reading a response (%zu bytes): %.200s", out->len, out->data);
        struct pollfd pfd = {fd, POLLIN, 0};
        int pr = poll(&pfd, 1, (int)(deadline - now));
        if (pr < 0 && errno == EINTR)
            continue;
        assert_true(pr >= 0);
        if (pr == 0)
            continue;
        if (out->len + 1 >= cap) {
            cap *= 2;
            char *bigger = realloc(out->data, cap);
            assert_non_null(bigger);
            out->data = bigger;
        }
        ssize_t r = recv(fd, out->data + out->len, cap - out->len - 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* EOF or reset */
        out->len += (size_t)r;
        out->data[out->len] = '\0';
    }
    out->closed_without_answer = out->len == 0;
    out->status = 0;
    if (S_starts_with(out->data, "HTTP/1."))
        out->status = strtol(out->data + 9, NULL, 10);
}

/* One raw exchange on a fresh connection to the main server. */
static void S_raw(const char *req, size_t len, struct raw *out)
{
    memset(out, 0, sizeof *out);
    int fd = th_connect_from(G.port, NULL);
    assert_true(fd >= 0);
    bool sent = th_send_all(fd, req, len);
    S_raw_read(fd, out, 5000);
    close(fd);
    if (!sent && !out->closed_without_answer && out->status == 0)
        fail_msg("the request could not be sent and nothing came back");
}

static void S_raw_free(struct raw *r)
{
    free(r->data);
    r->data = NULL;
}

/*
 * Broken or hostile HTTP: a closed connection or a 4xx, never a 5xx. A 4xx
 * the server itself wrote is a problem+json with nosniff; libmicrohttpd's own
 * (beyond its 64 KiB memory pool, or an unparsable request line) carries
 * neither, which SECURITY.md notes. LENIENT marks what libmicrohttpd 0.9.75
 * accepts although RFC 9112 says to refuse it (a NUL ends the line or value
 * there; a second Content-Length is ignored; HTTP/1.1 without Host is served):
 * any answer below 500 will do, see SECURITY.md.
 */
enum raw_rule {
    STRICT,
    LENIENT,
    VERSION, /* an unknown HTTP version: libmicrohttpd's 505 is the protocol's own answer */
};

static long S_raw_expect(const char *req, size_t len, const char *what, enum raw_rule rule)
{
    struct raw r;
    S_raw(req, len, &r);
    if (r.closed_without_answer) {
        S_raw_free(&r);
        return 0;
    }
    bool ok = r.status >= (rule == LENIENT ? 100 : 400) && r.status < 500;
    if (rule == VERSION && r.status == 505)
        ok = true;
    if (!ok)
        fail_msg("%s: status %ld: %.300s", what, r.status, r.data);
    char v[256];
    const char *server = S_raw_header(&r, "Server", v, sizeof v);
    S_check_server_header(server, what);
    const char *ct = S_raw_header(&r, "Content-Type", v, sizeof v);
    if (ct && S_starts_with(ct, "application/problem+json")) {
        char ns[64];
        if (!S_raw_header(&r, "X-Content-Type-Options", ns, sizeof ns))
            fail_msg("%s: problem without nosniff", what);
    }
    long st = r.status;
    S_raw_free(&r);
    return st;
}

static void S_raw_expect_status(const char *req, long want, const char *what)
{
    struct raw r;
    S_raw(req, strlen(req), &r);
    if (r.status != want)
        fail_msg("%s: status %ld, expected %ld: %.300s", what, r.status, want,
                 r.data ? r.data : "");
    char v[256];
    if (!S_raw_header(&r, "Content-Type", v, sizeof v) ||
        !S_starts_with(v, "application/problem+json"))
        fail_msg("%s: not a problem+json: %.300s", what, r.data);
    if (!S_raw_header(&r, "X-Content-Type-Options", v, sizeof v))
        fail_msg("%s: without nosniff", what);
    if (strstr(r.data, "root:"))
        fail_msg("%s: leaks a file", what);
    S_raw_free(&r);
}

static void test_raw_traversal_not_normalized(void **state)
{
    (void)state;
    /* curl would normalize these; a raw client sends them as they are. */
    static const char *const targets[] = {
        "/v1/sources/../../x",
        "/v1/sources/x/../../../etc/passwd",
        "/../../etc/passwd",
        "/v1/claims/./../claims",
        "/v1/claims/..%2F..%2Fetc%2Fpasswd/revisions",
        "/docs/../../../etc/passwd",
        "/openapi.json/../../etc/passwd",
        "//etc/passwd",
        "/v1/sources/%2e%2e/%2e%2e/text",
        "/v1\\..\\..\\etc\\passwd",
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        char req[512];
        S_fmt(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
              targets[i]);
        struct raw r;
        S_raw(req, strlen(req), &r);
        if (r.status != 404 && r.status != 400)
            fail_msg("GET %s: status %ld: %.300s", targets[i], r.status, r.data);
        assert_null(strstr(r.data, "root:"));
        S_raw_free(&r);
    }
    /* Absolute form is served as its path (so 404 here); asterisk form and a bare path
     * are not targets of this server. */
    static const char *const forms[] = {
        "GET http://127.0.0.1/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET v1/claims HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        S_raw_expect(forms[i], strlen(forms[i]), forms[i], STRICT);
}

/* ---- 3. overlong targets and headers ------------------------------------------ */

static void test_overlong_target_and_headers(void **state)
{
    (void)state;
    /* 8193 bytes of target, mostly query: 414 from the server. */
    char *path = malloc(70000);
    assert_non_null(path);
    memcpy(path, "/v1/claims?q=", 13);
    memset(path + 13, 'a', HTTP_MAX_TARGET + 1 - 13);
    path[HTTP_MAX_TARGET + 1] = '\0';
    S_expect(path, 414);
    /* Just under: the handler refuses the long q itself. */
    path[HTTP_MAX_TARGET - 1] = '\0';
    S_expect(path, 400);
    free(path);

    /* Headers: one huge, many small, a huge name. */
    char *big = malloc(20100);
    assert_non_null(big);
    memcpy(big, "X-Big: ", 7);
    memset(big + 7, 'z', 20000);
    big[20007] = '\0';
    const char *const h1[] = {big, NULL};
    struct tc_result r;
    assert_int_equal(S_req("GET", "/v1/claims?limit=1", h1, NULL, 0, &r), 431);
    tc_result_free(&r);
    memset(big, 'N', 17000);
    memcpy(big + 17000, ": v", 4);
    assert_int_equal(S_req("GET", "/healthz", h1, NULL, 0, &r), 431);
    tc_result_free(&r);
    free(big);

    char **many = calloc(201, sizeof *many);
    assert_non_null(many);
    for (size_t i = 0; i < 200; i++) {
        many[i] = malloc(128);
        assert_non_null(many[i]);
        snprintf(many[i], 128, "X-H%zu: %0100zu", i, i);
    }
    assert_int_equal(S_req("GET", "/healthz", (const char *const *)many, NULL, 0, &r), 431);
    tc_result_free(&r);
    for (size_t i = 0; i < 200; i++)
        free(many[i]);
    free(many);

    /* Over 64 parameters. */
    char q[1024];
    size_t o = (size_t)snprintf(q, sizeof q, "/v1/claims?");
    for (int i = 0; i < 70; i++)
        o += (size_t)snprintf(q + o, sizeof q - o, "p%d=1&", i);
    struct tc_result r2;
    assert_int_equal(S_req("GET", q, NULL, NULL, 0, &r2), 400);
    tc_result_free(&r2);

    /* Past libmicrohttpd's 64 KiB pool the library answers: a 4xx, never a 5xx. */
    size_t n = 100000;
    char *req = malloc(n + 64);
    assert_non_null(req);
    memcpy(req, "GET /", 5);
    memset(req + 5, 'x', n);
    static const char tail[] = " HTTP/1.1\r\nHost: x\r\n\r\n";
    memcpy(req + 5 + n, tail, sizeof tail);
    S_raw_expect(req, 5 + n + sizeof tail - 1, "100 KB request line", STRICT);
    int hl = snprintf(req, 64, "GET /healthz HTTP/1.1\r\nX-Huge: ");
    memset(req + hl, 'h', n - (size_t)hl - 10);
    memcpy(req + n - 10, "\r\n\r\n", 5);
    S_raw_expect(req, n - 6, "100 KB header", STRICT);
    free(req);
}

/* ---- 4. invalid UTF-8, NUL and control bytes ----------------------------------- */

static void test_invalid_bytes(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "/v1/claims?q=a%00b",
        "/v1/claims?q=%FF",
        "/v1/claims?q=%C0%AF",
        "/v1/claims?q=%ED%A0%80",
        "/v1/claims?q=%E2%82",
        "/v1/claims?q=%F4%90%80%80",
        "/v1/claims?q=%0D%0ASet-Cookie:%20a=b",
        "/v1/claims?q=%1B%5B31m",
        "/v1/claims?q=%7F",
        "/v1/claims?%00=1",
        "/v1/claims%00/x",
        "/v1/claims/%FF",
        "/v1/claims/a%0Ab",
        "/v1/claims?q=%",
        "/v1/claims?q=%G0",
        "/v1/sources/%C3%28/text",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tc_result r;
        long st = S_req("GET", bad[i], NULL, NULL, 0, &r);
        if (st != 400)
            fail_msg("GET %s: status %ld, expected 400: %.200s", bad[i], st, r.body);
        assert_null(tc_header(&r, "Set-Cookie"));
        json_t *j = tc_json(&r);
        assert_string_equal(json_string_value(json_object_get(j, "type")),
                            "/problems/malformed-request");
        json_decref(j);
        tc_result_free(&r);
    }
    /* Valid UTF-8 is fine. */
    S_expect("/v1/claims?q=%D8%A7%D9%84%D9%85%D8%BA%D8%B1%D8%A8&limit=1", 200);

    /* Raw bytes that curl would refuse to send. */
    static const char raw_ff[] = "GET /v1/claims?q=\xff\xfe HTTP/1.1\r\nHost: x\r\n"
                                 "Connection: close\r\n\r\n";
    S_raw_expect(raw_ff, sizeof raw_ff - 1, "raw 0xFF in the target", STRICT);
    static const char raw_nul[] = "GET /healthz\0/../x HTTP/1.1\r\nHost: x\r\n\r\n";
    S_raw_expect(raw_nul, sizeof raw_nul - 1, "raw NUL in the request line", LENIENT);
    static const char raw_hnul[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n";
    S_raw_expect(raw_hnul, sizeof raw_hnul - 1, "raw NUL in a header", LENIENT);
    static const char bare_lf[] = "GET /v1/claims?q=a\nb HTTP/1.1\r\nHost: x\r\n\r\n";
    S_raw_expect(bare_lf, sizeof bare_lf - 1, "LF inside the target", STRICT);

    /* A hostile X-Request-Id is never echoed; a fresh one is made. */
    const char *const hdr[] = {"X-Request-Id: <script>alert(1)</script>", NULL};
    struct tc_result r;
    assert_int_equal(S_req("GET", "/healthz", hdr, NULL, 0, &r), 200);
    const char *rid = tc_header(&r, "X-Request-Id");
    assert_non_null(rid);
    assert_null(strchr(rid, '<'));
    tc_result_free(&r);
}

/* ---- 5. paging out of range ------------------------------------------------------ */

static void test_limit_offset_extremes(void **state)
{
    (void)state;
    S_discover();
    static const char *const bad[] = {
        "limit=-1",
        "limit=0",
        "limit=1001",
        "limit=99999999999999999999999",
        "limit=1e3",
        "limit=0x10",
        "limit=%205",
        "limit=5%20",
        "limit=abc",
        "limit=",
        "limit=5.0",
        "offset=-1",
        "offset=1000000000001",
        "offset=1e12",
        "offset=9223372036854775807",
        "offset=-9223372036854775808",
        "offset=18446744073709551616",
        "limit=5&limit=6",
        "offset=--1",
    };
    size_t checked = 0;
    for (size_t k = 0; k < NRES; k++) {
        if (!S_has_param(&RES[k], "limit"))
            continue;
        const char *sep = strchr(RES[k].href, '?') ? "&" : "?";
        char path[512];
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            if (strncmp(bad[i], "offset", 6) == 0 && !S_has_param(&RES[k], "offset"))
                continue;
            S_fmt(path, sizeof path, "%s%s%s", RES[k].href, sep, bad[i]);
            if (S_has_param(&RES[k], "q") && !S_has_param(&RES[k], "sort"))
                S_fmt(path, sizeof path, "%s%sq=morocco&%s", RES[k].href, sep, bad[i]);
            S_expect(path, 400);
            checked++;
        }
    }
    assert_true(checked >= 40);
    S_expect("/v1/claims?limit=%2B5", 200);
    /* The largest offset is valid and past the end: an empty page, on every collection. */
    for (size_t k = 0; k < NRES; k++) {
        if (!S_has_param(&RES[k], "offset"))
            continue;
        char path[512];
        bool needs_q = S_has_param(&RES[k], "q") && !S_has_param(&RES[k], "sort");
        S_fmt(path, sizeof path, "%s?%slimit=1000&offset=1000000000000", RES[k].href,
              needs_q ? "q=morocco&" : "");
        struct tc_result r;
        assert_int_equal(S_req("GET", path, NULL, NULL, 0, &r), 200);
        json_t *j = tc_json(&r);
        size_t n = json_array_size(json_object_get(j, "data"));
        json_decref(j);
        tc_result_free(&r);
        if (n != 0)
            fail_msg("GET %s: %zu items past the end: the offset is ignored", path, n);
    }
}

/* ---- 6. malformed cursors ---------------------------------------------------------- */

static void test_malformed_cursors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "x",
        "%3D%3D%3D%3D",
        "azE6MTI%3D", /* padding */
        "azE6MTJ",    /* non-canonical */
        "azE6LTE",    /* k1:-1 */
        "k1%3A5",     /* not encoded */
        "azE6",       /* k1: */
        "YWJj",       /* abc */
        "azE6MTI+",   /* '+' decodes to a space */
        "azE6MTIaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "%FF%FF",
        "azE6OTk5OTk5OTk5OTk5OTk5OTk5OTk5", /* k1:99999999999999999999 overflows */
        "Li4vLi4v",                         /* ../../ */
    };
    char path[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        S_fmt(path, sizeof path, "/v1/claims?cursor=%s", bad[i]);
        struct tc_result r;
        long st = S_req("GET", path, NULL, NULL, 0, &r);
        if (st != 400)
            fail_msg("GET %s: status %ld, expected 400", path, st);
        json_t *j = tc_json(&r);
        json_t *e = json_array_get(json_object_get(j, "errors"), 0);
        const char *p = json_string_value(json_object_get(e, "parameter"));
        if (strcmp(bad[i], "%FF%FF") != 0)
            assert_string_equal(p, "cursor");
        json_decref(j);
        tc_result_free(&r);
    }
    /* A real cursor combined with offset, or with a custom sort. */
    S_expect("/v1/claims?cursor=azE6MTI&offset=5", 400);
    S_expect("/v1/claims?cursor=azE6MTI&sort=-value", 400);
    /* The largest position a cursor can hold: an empty page, not an error. */
    char big[64];
    S_fmt(big, sizeof big, "/v1/claims?cursor=%s", "azE6OTIyMzM3MjAzNjg1NDc3NTgwNw");
    S_expect(big, 200);
}

/* ---- 7. FTS5 syntax in q ------------------------------------------------------------ */

static void test_fts_syntax_in_q(void **state)
{
    (void)state;
    S_discover();
    static const char *const qs[] = {
        "\"",
        "\"\"",
        "AND",
        "a AND",
        "OR OR",
        "NOT",
        "a NOT b",
        "NEAR(",
        "NEAR(a b, 5)",
        "*",
        "a*",
        "^a",
        "col:x",
        "title:x",
        "{title body}:x",
        "-x",
        "+x",
        "(((",
        ")))",
        "\"unterminated",
        "a\"b",
        "«»",
        "—",
        "\xcc\x81",
        "\xf0\x9f\x99\x82",
        "%",
        "'",
        "\\",
        "a OR b) OR (c",
        "morocco AND (",
        "x:y:z",
        "doc_id:1",
        "search_index:*",
        "rank:bm25(",
        "''''''''",
        "a b c d e f g h i j k l m n o p q r s t",
    };
    size_t checked = 0;
    for (size_t k = 0; k < NRES; k++) {
        if (!S_has_param(&RES[k], "q"))
            continue;
        for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
            char enc[512], path[1024];
            S_enc(qs[i], enc, sizeof enc);
            S_fmt(path, sizeof path, "%s?q=%s", RES[k].href, enc);
            S_expect2(path, 200, 400);
            checked++;
        }
        char path[512], word[260];
        memset(word, 'a', 201);
        word[201] = '\0';
        S_fmt(path, sizeof path, "%s?q=%s", RES[k].href, word);
        S_expect(path, 400);
        word[200] = '\0';
        S_fmt(path, sizeof path, "%s?q=%s", RES[k].href, word);
        S_expect(path, 200);
    }
    assert_true(checked >= 30);
}

/* ---- 8. JSON bodies --------------------------------------------------------------- */

static long S_write(const char *method, const char *path, const char *ctype, const char *body,
                    size_t len, bool auth)
{
    char ct[128];
    S_fmt(ct, sizeof ct, "Content-Type: %s", ctype ? ctype : "");
    const char *hdrs[4] = {NULL, NULL, NULL, NULL};
    size_t n = 0;
    if (auth)
        hdrs[n++] = "Authorization: Bearer " TOKEN;
    if (ctype)
        hdrs[n++] = ct;
    hdrs[n++] = "Expect:";
    struct tc_result r;
    long st = S_req(method, path, hdrs, body, len, &r);
    tc_result_free(&r);
    return st;
}

static char *S_repeat(const char *open, size_t times, const char *middle, const char *close,
                      size_t *len)
{
    size_t lo = strlen(open), lm = strlen(middle), lc = strlen(close);
    size_t n = lo * times + lm + lc * times;
    char *s = malloc(n + 1);
    assert_non_null(s);
    size_t o = 0;
    for (size_t i = 0; i < times; i++, o += lo)
        memcpy(s + o, open, lo);
    memcpy(s + o, middle, lm);
    o += lm;
    for (size_t i = 0; i < times; i++, o += lc)
        memcpy(s + o, close, lc);
    s[o] = '\0';
    *len = o;
    return s;
}

static void test_json_bodies(void **state)
{
    (void)state;
    size_t len;
    char *deep = S_repeat("[", 10000, "", "", &len);
    assert_int_equal(S_write("POST", "/v1/claims", "application/json", deep, len, true), 400);
    free(deep);
    deep = S_repeat("[", 10000, "1", "]", &len);
    assert_int_equal(S_write("POST", "/v1/sources", "application/json", deep, len, true), 400);
    free(deep);
    deep = S_repeat("{\"a\":", 5000, "1", "}", &len);
    assert_int_equal(S_write("POST", "/v1/programs", "application/json", deep, len, true), 400);
    free(deep);
    /* Deep but within the parser's depth, as a merge patch: a validation error. */
    S_discover();
    char target[512] = "/v1/claims/no-such-claim";
    for (size_t k = 0; k < NRES; k++) {
        if (strcmp(RES[k].href, "/v1/claims") == 0 && RES[k].item_id[0])
            S_fmt(target, sizeof target, "/v1/claims/%s", RES[k].item_id);
    }
    deep = S_repeat("{\"note\":", 1000, "1", "}", &len);
    long st = S_write("PATCH", target, "application/merge-patch+json", deep, len, true);
    assert_true(st == 422 || st == 404 || st == 400);
    free(deep);

    /* Over max-body, declared and chunked. */
    char *huge = malloc(MAX_BODY * 2);
    assert_non_null(huge);
    memset(huge, ' ', MAX_BODY * 2);
    huge[0] = '{';
    huge[MAX_BODY * 2 - 1] = '}';
    {
        /*
         * Without Expect the whole body is on its way when the 413 comes back and the
         * server closes: the client may see the reset before the answer (a race of TCP,
         * not of the server). The answer must come back 413 on one of three tries.
         */
        const char *hdrs[] = {"Authorization: Bearer " TOKEN, "Content-Type: application/json",
                              "Expect:", NULL};
        char url[512];
        S_fmt(url, sizeof url, "%s/v1/claims", G.base_url);
        long got = 0;
        for (int attempt = 0; attempt < 3 && got == 0; attempt++) {
            struct tc_result r;
            if (tc_request(H, "POST", url, hdrs, huge, MAX_BODY * 2, &r) == 0)
                got = S_check(&r, "/v1/claims");
            else if (r.code != CURLE_SEND_ERROR && r.code != CURLE_RECV_ERROR)
                fail_msg("POST /v1/claims: %s (%s)", curl_easy_strerror(r.code), r.error);
            tc_result_free(&r);
        }
        assert_int_equal(got, 413);
    }
    {
        const char *hdrs[] = {"Authorization: Bearer " TOKEN, "Content-Type: application/json",
                              "Transfer-Encoding: chunked", "Expect:", NULL};
        struct tc_result r;
        assert_int_equal(S_req("POST", "/v1/sources", hdrs, huge, MAX_BODY * 2, &r), 413);
        tc_result_free(&r);
    }
    free(huge);

    /* Not one JSON object. */
    static const char *const bodies[] = {"",
                                         "null",
                                         "[]",
                                         "\"x\"",
                                         "1",
                                         "{",
                                         "{\"a\":1,}",
                                         "\xff\xfe{}",
                                         "{\"id\":\"x\",\"id\":\"y\"}",
                                         "{\"a\":1e99999}",
                                         "{\"a\":\"\\ud800\"}",
                                         "{} {}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        st = S_write("POST", "/v1/claims", "application/json", bodies[i], strlen(bodies[i]), true);
        if (st != 400)
            fail_msg("body '%s': status %ld, expected 400", bodies[i], st);
    }
    /* NUL inside strings and giant strings: field errors. */
    static const char nul_body[] = "{\"id\":\"a\\u0000b\",\"name\":\"n\",\"kind\":\"program\"}";
    st = S_write("POST", "/v1/programs", "application/json", nul_body, sizeof nul_body - 1, true);
    assert_true(st == 422 || st == 400);
    char *giant = malloc(MAX_BODY);
    assert_non_null(giant);
    int w = snprintf(giant, 64, "{\"id\":\"g\",\"kind\":\"program\",\"name\":\"");
    memset(giant + w, 'n', MAX_BODY - 100);
    memcpy(giant + w + MAX_BODY - 100, "\"}", 3);
    st = S_write("POST", "/v1/programs", "application/json", giant, strlen(giant), true);
    assert_int_equal(st, 422);
    free(giant);

    /* Authentication comes first; hostile tokens are just unknown. */
    static const char *const auths[] = {"Authorization: Bearer ' OR 1=1 --",
                                        "Authorization: Basic YWRtaW46YWRtaW4=",
                                        "Authorization: Bearer",
                                        "Authorization: bearer%00x",
                                        "Authorization: Bearer \xff\xfe",
                                        NULL};
    for (size_t i = 0; auths[i]; i++) {
        const char *hdrs[] = {auths[i], "Content-Type: application/json", NULL};
        struct tc_result r;
        long s = S_req("POST", "/v1/claims", hdrs, "{}", 2, &r);
        if (s != 401)
            fail_msg("%s: status %ld, expected 401", auths[i], s);
        assert_non_null(tc_header(&r, "WWW-Authenticate"));
        tc_result_free(&r);
    }
    char *longtok = malloc(12000);
    assert_non_null(longtok);
    memcpy(longtok, "Authorization: Bearer ", 22);
    memset(longtok + 22, 'A', 11000);
    longtok[11022] = '\0';
    const char *lh[] = {longtok, NULL};
    struct tc_result r;
    assert_int_equal(S_req("DELETE", "/v1/claims/x", lh, NULL, 0, &r), 401);
    tc_result_free(&r);
    free(longtok);
}

/*
 * Found by fuzz_write_json: a claim created without an id gets one made from
 * its source's id ("<source>-NNN"). For a source id of 77-80 characters that
 * is longer than the 80 an id may have, so every later PATCH of the claim was
 * refused (422, "/id is longer than 80 bytes"). Either the id is valid or the
 * creation asks for one.
 */
static void test_generated_claim_id_stays_editable(void **state)
{
    (void)state;
    char sid[81];
    memset(sid, 'q', 80);
    sid[80] = '\0';
    char body[1024];
    S_fmt(body, sizeof body,
          "{\"id\":\"%s\",\"title\":\"T\",\"kind\":\"analysis\",\"language\":\"en\","
          "\"text\":\"In 2016 more than 1,500 people left.\"}",
          sid);
    assert_int_equal(S_write("POST", "/v1/sources", "application/json", body, strlen(body), true),
                     201);
    S_fmt(body, sizeof body,
          "{\"source\":\"%s\",\"quote\":\"more than 1,500\",\"statement\":\"s\","
          "\"kind\":\"statistic\",\"claimant\":\"c\",\"claimant_kind\":\"author\","
          "\"topics\":[\"returnees\"]}",
          sid);
    const char *hdrs[] = {"Authorization: Bearer " TOKEN, "Content-Type: application/json", NULL};
    struct tc_result r;
    long st = S_req("POST", "/v1/claims", hdrs, body, strlen(body), &r);
    if (st == 422) {
        /* Refused with a clear error on /id: fine, the client gives one. */
        json_t *j = tc_json(&r);
        json_t *e = json_array_get(json_object_get(j, "errors"), 0);
        assert_string_equal(json_string_value(json_object_get(e, "pointer")), "/id");
        json_decref(j);
        tc_result_free(&r);
        return;
    }
    assert_int_equal(st, 201);
    const char *loc = tc_header(&r, "Location");
    assert_non_null(loc);
    char path[512];
    S_fmt(path, sizeof path, "%s", loc);
    tc_result_free(&r);
    const char *patch = "{\"note\":\"edited\"}";
    st = S_write("PATCH", path, "application/merge-patch+json", patch, strlen(patch), true);
    if (st != 200)
        fail_msg("PATCH %s: status %ld: a created claim cannot be edited", path, st);
}

/* ---- 9. methods and media types ---------------------------------------------------- */

static void test_methods_and_content_types(void **state)
{
    (void)state;
    struct tc_result r;
    static const char *const m405[][2] = {
        {"PUT", "/v1/claims"},  {"DELETE", "/v1/claims"}, {"PATCH", "/v1/sources"},
        {"POST", "/healthz"},   {"PUT", "/v1/claims/x"},  {"DELETE", "/v1"},
        {"POST", "/v1/search"},
    };
    for (size_t i = 0; i < sizeof m405 / sizeof m405[0]; i++) {
        long st = S_req(m405[i][0], m405[i][1], NULL, NULL, 0, &r);
        if (st != 405)
            fail_msg("%s %s: status %ld, expected 405", m405[i][0], m405[i][1], st);
        assert_non_null(tc_header(&r, "Allow"));
        tc_result_free(&r);
    }
    /*
     * Methods outside the table: RFC 9110 says 501 for an unrecognized method,
     * the one 5xx accepted here (as a problem+json with the security headers).
     */
    static const char *const odd[] = {"TRACE", "BREW", "get", "PROPFIND", "M-SEARCH", NULL};
    for (size_t i = 0; odd[i]; i++) {
        char url[256];
        S_fmt(url, sizeof url, "%s/healthz", G.base_url);
        assert_int_equal(tc_request(H, odd[i], url, NULL, NULL, 0, &r), 0);
        if (r.status != 501 && r.status != 405)
            fail_msg("%s /healthz: status %ld", odd[i], r.status);
        S_check_security_headers(&r, odd[i]);
        assert_true(S_starts_with(tc_header(&r, "Content-Type"), "application/problem+json"));
        tc_result_free(&r);
    }
    static const char *const ctypes[] = {"text/plain",
                                         "application/x-www-form-urlencoded",
                                         "multipart/form-data; boundary=x",
                                         "application/jsonx",
                                         "application/json-seq",
                                         "application/xml",
                                         "",
                                         NULL};
    for (size_t i = 0; ctypes[i]; i++) {
        long st = S_write("POST", "/v1/claims", ctypes[i], "{}", 2, true);
        if (st != 415)
            fail_msg("POST with Content-Type '%s': status %ld, expected 415", ctypes[i], st);
    }
    assert_int_equal(S_write("POST", "/v1/claims", NULL, "{}", 2, true), 415);
    /* merge-patch is for PATCH only. */
    assert_int_equal(S_write("POST", "/v1/claims", "application/merge-patch+json", "{}", 2, true),
                     415);
    /* Unauthenticated writes: 401 before anything else. */
    assert_int_equal(S_write("POST", "/v1/claims", "text/plain", "x", 1, false), 401);
    /* A GET with a body is still a GET (raw: curl would turn it into a POST). */
    {
        static const char get_body[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n"
                                       "Connection: close\r\n\r\n{\"x\":1}";
        struct raw rr;
        S_raw(get_body, sizeof get_body - 1, &rr);
        assert_int_equal(rr.status, 200);
        S_raw_free(&rr);
    }
    /* Broken HTTP: answered with a 4xx or the connection is closed. */
    static const struct {
        const char *req;
        enum raw_rule rule;
    } broken[] = {
        {"GARBAGE\r\n\r\n", STRICT},
        {"GET /healthz HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n", VERSION},
        {"GET /healthz HTTP/1.7\r\nHost: x\r\nConnection: close\r\n\r\n", LENIENT},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHeader\r\n\r\n", STRICT},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", STRICT},
        {"POST /v1/claims HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
         STRICT},
        {"POST /v1/claims HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
         STRICT},
        {" GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", STRICT},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
         "Connection: close\r\n\r\n123456",
         LENIENT},
        {"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", LENIENT},
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        char what[96];
        S_fmt(what, sizeof what, "broken request %zu", i);
        S_raw_expect(broken[i].req, strlen(broken[i].req), what, broken[i].rule);
    }
    /* The server-written early answers over raw sockets are problems with nosniff. */
    S_raw_expect_status("POST /v1/claims HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999\r\n"
                        "Connection: close\r\n\r\n",
                        413, "declared body over the limit");
}

/* ---- 10. security headers ------------------------------------------------------------ */

static void test_security_headers(void **state)
{
    (void)state;
    struct tc_result r;
    static const char *const paths[] = {
        "/healthz",
        "/readyz",
        "/version",
        "/metrics",
        "/v1",
        "/v1/claims?limit=2",
        "/v1/claims?limit=2&format=csv",
        "/v1/claims?limit=2&format=ndjson",
        "/nope",
        "/v1/claims?bogus=1",
        "/docs",
        "/docs/",
        "/openapi.json",
        "/openapi.yaml",
        "/docs/redoc.standalone.js",
        "/",
    };
    bool saw_html = false;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        S_req("GET", paths[i], NULL, NULL, 0, &r); /* S_check: nosniff, Server, CSP on HTML */
        const char *ct = tc_header(&r, "Content-Type");
        /* nosniff makes browsers trust the declared type: scripts must say so. */
        size_t plen = strlen(paths[i]);
        if (r.status == 200 && plen > 3 && strcmp(paths[i] + plen - 3, ".js") == 0 &&
            (!ct || !S_find_ci(ct, "javascript")))
            fail_msg("%s: a script served as %s", paths[i], ct ? ct : "(no type)");
        if (ct && strncasecmp(ct, "text/html", 9) == 0) {
            saw_html = true;
            /* HTML must not be framed or sniffed into something else. */
            assert_non_null(tc_header(&r, "Content-Security-Policy"));
        }
        tc_result_free(&r);
    }
    if (!saw_html)
        print_message("note: no HTML page served yet (/docs); the CSP check waits for one\n");
    /* HEAD, OPTIONS, 405, 413, 414, 431. */
    S_req("HEAD", "/v1/claims?limit=1", NULL, NULL, 0, &r);
    tc_result_free(&r);
    const char *const pre[] = {"Origin: https://example.org", "Access-Control-Request-Method: GET",
                               NULL};
    assert_int_equal(S_req("OPTIONS", "/v1/claims", pre, NULL, 0, &r), 204);
    tc_result_free(&r);
    assert_int_equal(S_req("POST", "/healthz", NULL, NULL, 0, &r), 405);
    tc_result_free(&r);

    /* 304 Not Modified is a response too. */
    assert_int_equal(S_req("GET", "/v1/claims?limit=1", NULL, NULL, 0, &r), 200);
    const char *etag = tc_header(&r, "ETag");
    assert_non_null(etag);
    char inm[160];
    S_fmt(inm, sizeof inm, "If-None-Match: %s", etag);
    tc_result_free(&r);
    const char *const cond[] = {inm, NULL};
    assert_int_equal(S_req("GET", "/v1/claims?limit=1", cond, NULL, 0, &r), 304);
    tc_result_free(&r);
}

/* ---- HTTP framing: chunked bodies over the limit, transfer codings, target forms ---- */

/*
 * A chunked body over --max-body is answered 413 at the limit: the body here never
 * ends (no last chunk), so an answer at all proves the server stopped reading.
 */
static void test_chunked_body_stops_at_limit(void **state)
{
    (void)state;
    int fd = th_connect_from(G.port, NULL);
    assert_true(fd >= 0);
    char head[512];
    S_fmt(head, sizeof head,
          "POST /v1/claims HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
          "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
          TOKEN);
    assert_true(th_send_all(fd, head, strlen(head)));
    static char chunk[8192 + 16];
    memcpy(chunk, "2000\r\n", 6);
    memset(chunk + 6, ' ', 8192);
    memcpy(chunk + 6 + 8192, "\r\n", 2);
    /* Twice the limit, never the terminating chunk. */
    for (size_t sent = 0; sent < 2 * MAX_BODY; sent += 8192) {
        if (!th_send_all(fd, chunk, 6 + 8192 + 2))
            break; /* the server closed after answering */
    }
    struct raw r;
    memset(&r, 0, sizeof r);
    S_raw_read(fd, &r, 5000);
    close(fd);
    if (r.status != 413)
        fail_msg("a never-ending chunked body over the limit: status %ld: %.300s", r.status,
                 r.data);
    assert_non_null(strstr(r.data, "application/problem+json"));
    assert_non_null(strstr(r.data, "body-too-large"));
    S_raw_free(&r);
}

/* Any Transfer-Encoding but exactly "chunked" is answered at once, 400 or 501. */
static void test_transfer_codings_refused(void **state)
{
    (void)state;
    static const struct {
        const char *te;
        long want;
    } cases[] = {
        {"identity", 400},      {"gzip", 400},
        {"chunked, gzip", 400}, {"x-custom", 400},
        {"gzip, chunked", 501}, {"deflate,chunked", 501},
        {"chunked ", 501},      {"identity, chunked", 501},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char req[512];
        /* No body follows: a server waiting for one would never answer. */
        S_fmt(req, sizeof req,
              "POST /v1/claims HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
              "Content-Type: application/json\r\nTransfer-Encoding: %s\r\n\r\n",
              TOKEN, cases[i].te);
        char what[96];
        S_fmt(what, sizeof what, "Transfer-Encoding: '%s'", cases[i].te);
        struct raw r;
        S_raw(req, strlen(req), &r);
        if (r.status != cases[i].want)
            fail_msg("%s: status %ld, expected %ld: %.300s", what, r.status, cases[i].want, r.data);
        char v[128];
        if (!S_raw_header(&r, "Content-Type", v, sizeof v) ||
            !S_starts_with(v, "application/problem+json"))
            fail_msg("%s: not a problem+json", what);
        assert_non_null(strstr(r.data, "Transfer-Encoding"));
        S_raw_free(&r);
    }
    /* Exactly "chunked", any case, still works. */
    static const char ok[] = "POST /v1/claims HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked"
                             "\r\nContent-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
    S_raw_expect_status(ok, 401, "chunked POST without a token");
}

/* An absolute-form target is the same resource as its origin form (RFC 9112 3.2.2). */
static void test_absolute_form_target(void **state)
{
    (void)state;
    static const char *const reqs[] = {
        "GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        "GET HTTP://example.org:8080/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET https://x/v1/claims?limit=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        struct raw r;
        S_raw(reqs[i], strlen(reqs[i]), &r);
        if (r.status != 200)
            fail_msg("%.60s: status %ld: %.300s", reqs[i], r.status, r.data);
        S_raw_free(&r);
    }
    /* "http://host" alone is the root: what GET / answers. */
    static const char root[] = "GET http://x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    static const char slash[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    struct raw a, b;
    S_raw(root, strlen(root), &a);
    S_raw(slash, strlen(slash), &b);
    assert_true(a.status == b.status);
    S_raw_free(&a);
    S_raw_free(&b);
    /* The claims list through the absolute form carries the data of the origin form. */
    struct raw c;
    static const char claims[] =
        "GET http://x/v1/claims?limit=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    S_raw(claims, strlen(claims), &c);
    assert_non_null(strstr(c.data, "\"data\""));
    S_raw_free(&c);
}

/* ---- conditional requests ------------------------------------------------------------ */

/*
 * "If-None-Match: *" is true only for a target with a current representation
 * (RFC 9110 13.1.2): a missing record, an unknown path or a bad query keeps its own
 * answer instead of 304; an existing one gets 304 with the tag a GET would carry.
 */
static void test_if_none_match_star(void **state)
{
    (void)state;
    static const char *const hdr[] = {"If-None-Match: *", NULL};
    static const char *const gz[] = {"If-None-Match: \"x\", *", "Accept-Encoding: gzip", NULL};
    static const struct {
        const char *path;
        long want;
    } cases[] = {
        {"/v1/claims/no-such-claim", 404},
        {"/v1/sources/no-such-source/text", 404},
        {"/v1/no-such-collection", 404},
        {"/v1/claims?limit=0", 400},
        {"/v1/claims?no_such_parameter=1", 400},
        {"/v1/claims?limit=1", 304},
        {"/v1/sources", 304},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int g = 0; g < 2; g++) {
            struct tc_result r;
            long got = S_req("GET", cases[i].path, g ? gz : hdr, NULL, 0, &r);
            if (got != cases[i].want)
                fail_msg("GET %s with If-None-Match: *: status %ld, expected %ld", cases[i].path,
                         got, cases[i].want);
            if (got == 304) {
                struct tc_result plain;
                const char *const acc[] = {g ? "Accept-Encoding: gzip" : "Accept-Encoding:", NULL};
                assert_int_equal(S_req("HEAD", cases[i].path, acc, NULL, 0, &plain), 200);
                assert_non_null(tc_header(&r, "ETag"));
                assert_string_equal(tc_header(&r, "ETag"), tc_header(&plain, "ETag"));
                assert_int_equal(r.body_len, 0);
                tc_result_free(&plain);
            }
            tc_result_free(&r);
        }
    }
}

/* ---- the watcher's verdict (last) ------------------------------------------------------ */

static void test_healthz_answered_throughout(void **state)
{
    (void)state;
    atomic_store(&W.stop, true);
    assert_int_equal(pthread_join(W.tid, NULL), 0);
    unsigned long ok = atomic_load(&W.ok), failed = atomic_load(&W.failed);
    print_message("/healthz watcher: %lu ok, %lu failed\n", ok, failed);
    if (failed)
        fail_msg("/healthz failed %lu times during the hostile tests; first: %s", failed,
                 W.first_failure);
    assert_true(ok >= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sql_injection_every_parameter),
        cmocka_unit_test(test_ids_injection_and_traversal),
        cmocka_unit_test(test_escaped_slash_is_not_a_separator),
        cmocka_unit_test(test_raw_traversal_not_normalized),
        cmocka_unit_test(test_overlong_target_and_headers),
        cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_limit_offset_extremes),
        cmocka_unit_test(test_malformed_cursors),
        cmocka_unit_test(test_fts_syntax_in_q),
        cmocka_unit_test(test_json_bodies),
        cmocka_unit_test(test_generated_claim_id_stays_editable),
        cmocka_unit_test(test_methods_and_content_types),
        cmocka_unit_test(test_security_headers),
        cmocka_unit_test(test_chunked_body_stops_at_limit),
        cmocka_unit_test(test_transfer_codings_refused),
        cmocka_unit_test(test_absolute_form_target),
        cmocka_unit_test(test_if_none_match_star),
        cmocka_unit_test(test_healthz_answered_throughout),
    };
    return cmocka_run_group_tests(tests, S_group_setup, S_group_teardown);
}
