#include "http_server.h"

#include "http.h"
#include "router.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define RATE_SLOTS 4096

/* One token bucket per hashed client address (collisions share a bucket). */
struct rate_slot {
    uint64_t key;
    double tokens;
    uint64_t last_ns;
};

struct http_server {
    struct MHD_Daemon *d;
    struct app *app;
    uint16_t port;
    pthread_mutex_t rate_lock;
    struct rate_slot rate[RATE_SLOTS];
    char cache_control[40]; /* "public, max-age=N", formatted once */
};

/* Per-request state, created when the request line arrives (uri_log callback). */
struct req_state {
    struct app *app;
    uint64_t start_ns;
    char *target;
    size_t target_len;
    struct buf body;
    bool called;   /* the access handler ran once: headers complete */
    bool counted;  /* a data request, counted in flight from then until completed */
    bool too_big;  /* the body went over the limit */
    bool answered; /* a response was queued */
    unsigned status;
    uint64_t bytes;
    char method[16];
    char request_id[72];
    char remote[48];
    char etag[64]; /* set when the If-None-Match check computed it: a 304 reuses it */
};

static uint64_t S_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *http_server_library_version(void)
{
    return MHD_get_version();
}

/* libmicrohttpd's own diagnostics go through our JSON log, never raw to stderr. */
static void S_mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void S_mhd_log(void *cls, const char *fmt, va_list ap)
{
    const struct app *app = cls;
    char msg[512];
    if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
        return;
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_msg(&app->log, LOG_WARN, "libmicrohttpd: %s", msg);
}

static void *S_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)conn;
    struct app *app = cls;
    struct req_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->app = app;
    st->start_ns = S_now_ns();
    st->target_len = strlen(uri);
    st->target = malloc(st->target_len + 1);
    if (st->target)
        memcpy(st->target, uri, st->target_len + 1);
    buf_init(&st->body);
    return st;
}

/* The client's address as text, and a hash of it for the rate limiter. */
static uint64_t S_client(struct MHD_Connection *conn, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return 0;
    const struct sockaddr *sa = ci->client_addr;
    const unsigned char *bytes = NULL;
    size_t len = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)n);
        bytes = (const unsigned char *)&in->sin_addr;
        len = sizeof in->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)n);
        bytes = (const unsigned char *)&in6->sin6_addr;
        len = sizeof in6->sin6_addr;
    }
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < len; i++) {
        h ^= bytes[i];
        h *= 1099511628211u;
    }
    return h | 1u; /* never 0: 0 marks an empty slot */
}

/* Token bucket: rate per second, burst of twice the rate. false when over. */
static bool S_rate_ok(struct http_server *s, uint64_t key, unsigned rate)
{
    if (rate == 0 || key == 0)
        return true;
    uint64_t now = S_now_ns();
    pthread_mutex_lock(&s->rate_lock);
    struct rate_slot *r = &s->rate[key % RATE_SLOTS];
    double burst = 2.0 * rate;
    if (r->key != key) {
        r->key = key;
        r->tokens = burst;
        r->last_ns = now;
    }
    r->tokens += (double)(now - r->last_ns) / 1e9 * rate;
    if (r->tokens > burst)
        r->tokens = burst;
    r->last_ns = now;
    bool ok = r->tokens >= 1.0;
    if (ok)
        r->tokens -= 1.0;
    pthread_mutex_unlock(&s->rate_lock);
    return ok;
}

static const char *S_header(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->header_ctx, MHD_HEADER_KIND, name);
}

/* A sane incoming request id: 1-64 characters of [A-Za-z0-9._:-]. */
static bool S_sane_request_id(const char *v)
{
    size_t n = 0;
    for (; v[n]; n++) {
        char c = v[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == ':'))
            return false;
        if (n >= 64)
            return false;
    }
    return n > 0;
}

/* Writes v as `digits` lowercase hex digits (the low ones when v is longer). */
static char *S_hex(char *p, uint64_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; i--) {
        p[i] = hex[v & 15];
        v >>= 4;
    }
    return p + digits;
}

static void S_set_request_id(struct app *app, struct MHD_Connection *conn, struct req_state *st)
{
    const char *in = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    if (in && S_sane_request_id(in)) {
        size_t n = strlen(in);
        memcpy(st->request_id, in, n + 1);
        return;
    }
    uint64_t seq = atomic_fetch_add(&app->request_seq, 1) + 1;
    /* boot id, '-', 8 hex digits (more once a process has answered 2^32 requests) */
    size_t b = strnlen(app->boot_id, sizeof app->boot_id - 1);
    int digits = 8;
    while (digits < 16 && (seq >> (4 * digits)) != 0)
        digits++;
    memcpy(st->request_id, app->boot_id, b);
    st->request_id[b] = '-';
    *S_hex(st->request_id + b + 1, seq, digits) = '\0';
}

struct header_sum {
    size_t bytes;
};

static enum MHD_Result S_sum_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    struct header_sum *s = cls;
    s->bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* FNV-1a over the parts that select a representation: target and Accept. */
static uint64_t S_fnv(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211u;
    }
    return h;
}

/*
 * What Accept changes in a body: a list's CSV or NDJSON (the rule of list_parse()), never
 * its spelling. Any type, "application/json" and no Accept at all get the same JSON, and
 * so the same tag: caches do not split one representation into several.
 */
static const char *S_negotiated(struct MHD_Connection *conn)
{
    const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
    if (accept && strstr(accept, "text/csv"))
        return "csv";
    if (accept && strstr(accept, "application/x-ndjson"))
        return "ndjson";
    return "json";
}

/* The strong ETag of a data response, from the dataset version and the representation. */
static void S_etag(struct app *app, struct MHD_Connection *conn, const char *target, bool gz,
                   char *out, size_t n)
{
    uint64_t h = S_fnv(14695981039346656037u, target);
    h = S_fnv(h, "\n");
    h = S_fnv(h, S_negotiated(conn));
    if (n < 48) { /* '"' 20 digits '-' 16 hex digits "-gz" '"' NUL */
        if (n)
            out[0] = '\0';
        return;
    }
    char *p = out;
    *p++ = '"';
    p = fmt_u64(p, atomic_load(&app->dataset_version));
    *p++ = '-';
    p = S_hex(p, h, 16);
    if (gz) {
        memcpy(p, "-gz", 3);
        p += 3;
    }
    *p++ = '"';
    *p = '\0';
}

/* The gzip variant of a plain tag: "...-gz". */
static void S_etag_gz(const char *plain, char *out, size_t n)
{
    size_t len = strlen(plain);
    if (len < 2 || len + 4 > n) {
        if (n)
            out[0] = '\0';
        return;
    }
    memcpy(out, plain, len - 1);
    memcpy(out + len - 1, "-gz\"", 5);
}

/* True when an If-None-Match list holds one of the tags (weak comparison, RFC 9110). */
static bool S_etag_match(const char *inm, const char *a, const char *b)
{
    if (!inm)
        return false;
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        const char *e = p;
        if (*e == '"') {
            e = strchr(e + 1, '"');
            if (!e)
                return false;
            e++;
        } else {
            while (*e && *e != ',')
                e++;
        }
        size_t n = (size_t)(e - p);
        if ((strlen(a) == n && memcmp(a, p, n) == 0) || (strlen(b) == n && memcmp(b, p, n) == 0))
            return true;
        p = e;
    }
    return false;
}

/* True when the client accepts gzip (a "gzip" coding not given q=0). */
static bool S_accepts_gzip(struct MHD_Connection *conn)
{
    const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
    const char *g = ae ? strstr(ae, "gzip") : NULL;
    if (!g)
        return false;
    const char *q = strchr(g, ';');
    const char *comma = strchr(g, ',');
    if (q && (!comma || q < comma)) {
        while (*++q == ' ')
            ;
        if (q[0] == 'q' && q[1] == '=' && q[2] == '0' &&
            (q[3] != '.' || strspn(q + 4, "0") == strcspn(q + 4, ", ")))
            return false;
    }
    return true;
}

/* Compresses body into a new malloc'd gzip member; NULL when it does not pay off. */
static char *S_gzip(const char *body, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong cap = deflateBound(&z, (uLong)len);
    char *out = malloc(cap);
    if (!out) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)(uintptr_t)body;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || *out_len >= len) {
        free(out);
        return NULL;
    }
    return out;
}

static bool S_compressible(const char *ct)
{
    return ct && (strncmp(ct, "application/json", 16) == 0 ||
                  strncmp(ct, "application/problem+json", 24) == 0 ||
                  strncmp(ct, "application/x-ndjson", 20) == 0 || strncmp(ct, "text/", 5) == 0 ||
                  strncmp(ct, "application/yaml", 16) == 0);
}

static void S_add(struct MHD_Response *r, const char *name, const char *value)
{
    (void)MHD_add_response_header(r, name, value);
}

static enum MHD_Result S_send(struct MHD_Connection *conn, struct req_state *st,
                              struct http_request *req, struct http_response *res)
{
    struct app *app = st->app;
    const struct config *cfg = app->cfg;
    size_t len = 0;
    char *body = buf_steal(&res->body, &len);
    if (!body && res->body.oom) {
        len = 0;
    }
    bool cacheable = res->cacheable && (res->status == 200 || res->status == 304) && req &&
                     (req->method == HTTP_GET || req->method == HTTP_HEAD);
    bool gz = false;
    if (body && len >= 1024 && S_compressible(res->content_type) && S_accepts_gzip(conn)) {
        size_t zlen = 0;
        char *z = S_gzip(body, len, &zlen);
        if (z) {
            free(body);
            body = z;
            len = zlen;
            gz = true;
        }
    }
    struct MHD_Response *r;
    if (body && len > 0)
        r = MHD_create_response_from_buffer_with_free_callback(len, body, free);
    else {
        free(body);
        len = 0;
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    if (res->content_type && res->status != 204 && res->status != 304)
        S_add(r, "Content-Type", res->content_type);
    for (size_t i = 0; i < res->nheaders; i++)
        S_add(r, res->headers[i].name, res->headers[i].value);
    S_add(r, "X-Request-Id", st->request_id);
    S_add(r, "X-Content-Type-Options", "nosniff");
    if (gz)
        S_add(r, "Content-Encoding", "gzip");
    if (cacheable) {
        char etag[64];
        if (res->status == 304) /* the tag of the representation the client holds */
            memcpy(etag, st->etag, sizeof etag);
        else
            S_etag(app, conn, req->target, gz, etag, sizeof etag);
        S_add(r, "ETag", etag);
        S_add(r, "Cache-Control", app->server->cache_control);
        S_add(r, "Vary", "Accept, Accept-Encoding");
    } else {
        if (!http_response_get_header(res, "Cache-Control"))
            S_add(r, "Cache-Control", "no-store");
        if (gz)
            S_add(r, "Vary", "Accept-Encoding");
    }
    if (cfg->cors_origin[0]) {
        S_add(r, "Access-Control-Allow-Origin", cfg->cors_origin);
        S_add(r, "Access-Control-Expose-Headers",
              "X-Total-Count, Link, ETag, X-Request-Id, Location, Retry-After, "
              "WWW-Authenticate");
        if (strcmp(cfg->cors_origin, "*") != 0)
            S_add(r, "Vary", "Origin");
        if (req && req->method == HTTP_OPTIONS) {
            const char *allow = http_response_get_header(res, "Allow");
            if (allow)
                S_add(r, "Access-Control-Allow-Methods", allow);
            S_add(r, "Access-Control-Allow-Headers",
                  "Authorization, Content-Type, If-Match, If-None-Match, X-Request-Id, "
                  "X-Change-Reason");
            S_add(r, "Access-Control-Max-Age", "600");
            /* Private Network Access: a page on a public origin may call this local server. */
            const char *pna = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                          "Access-Control-Request-Private-Network");
            if (pna && strcmp(pna, "true") == 0)
                S_add(r, "Access-Control-Allow-Private-Network", "true");
        }
    }
    st->status = res->status;
    st->bytes = len;
    st->answered = true;
    enum MHD_Result ret = MHD_queue_response(conn, res->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Answers with a problem before the request reached the router. */
static enum MHD_Result S_early_problem(struct MHD_Connection *conn, struct req_state *st,
                                       unsigned status, const char *slug, const char *detail)
{
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.request_id = st->request_id;
    struct http_response res;
    http_response_init(&res);
    http_problem(&res, &req, status, slug, detail, NULL, 0);
    if (status == 503 || status == 429)
        http_response_header(&res, "Retry-After", "1");
    enum MHD_Result r = S_send(conn, st, NULL, &res);
    http_response_free(&res);
    return r;
}

/*
 * The operational endpoints: health checks and the metrics scrape. They stay
 * answerable under overload and rate limits, so that an orchestrator sees the
 * process alive and an operator sees why it is shedding.
 */
static bool S_operational(const char *target)
{
    static const char *const paths[] = {"/healthz", "/readyz", "/metrics"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        size_t n = strlen(paths[i]);
        if (strncmp(target, paths[i], n) == 0 && (target[n] == '\0' || target[n] == '?'))
            return true;
    }
    return false;
}

static enum MHD_Result S_access(void *cls, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version, const char *upload_data,
                                size_t *upload_data_size, void **req_cls)
{
    (void)url;
    (void)version;
    struct app *app = cls;
    struct req_state *st = *req_cls;
    if (!st || !st->target)
        return MHD_NO; /* allocation failed in S_uri_log: drop the connection */

    if (!st->called) {
        /* In flight from the moment the headers are complete: a client still sending
         * its headers (a slow or stalled one) is not load, the connection limits bound it.
         * Health checks and the metrics scrape are neither counted nor shed: they are
         * cheap, and counting them would let a probe push a data request over the limit. */
        st->called = true;
        bool ops = S_operational(st->target);
        st->counted = !ops;
        int_fast64_t in_flight = ops ? 0 : atomic_fetch_add(&app->metrics.in_flight, 1) + 1;
        size_t mlen = strlen(method);
        if (mlen >= sizeof st->method)
            mlen = sizeof st->method - 1;
        memcpy(st->method, method, mlen);
        st->method[mlen] = '\0';
        S_set_request_id(app, conn, st);
        uint64_t client = S_client(conn, st->remote, sizeof st->remote);
        if (in_flight > (int_fast64_t)app->cfg->max_in_flight) {
            atomic_fetch_add(&app->metrics.shed, 1);
            enum MHD_Result r =
                S_early_problem(conn, st, 503, "overloaded", "the server is busy; retry shortly");
            return r;
        }
        if (!ops && !S_rate_ok(app->server, client, app->cfg->rate_limit)) {
            atomic_fetch_add(&app->metrics.rate_limited, 1);
            return S_early_problem(conn, st, 429, "too-many-requests",
                                   "request rate over the limit for your address; retry shortly");
        }

        if (st->target_len > HTTP_MAX_TARGET) {
            char msg[128];
            int w = snprintf(msg, sizeof msg, "the request target is longer than %d bytes",
                             HTTP_MAX_TARGET);
            return S_early_problem(conn, st, 414, "uri-too-long", w > 0 ? msg : "too long");
        }
        struct header_sum hs = {0};
        MHD_get_connection_values(conn, MHD_HEADER_KIND, S_sum_header, &hs);
        if (hs.bytes > HTTP_MAX_HEADER_BYTES) {
            char msg[128];
            int w = snprintf(msg, sizeof msg, "the request headers are larger than %d bytes",
                             HTTP_MAX_HEADER_BYTES);
            return S_early_problem(conn, st, 431, "headers-too-large", w > 0 ? msg : "too large");
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end = NULL;
            unsigned long long n = strtoull(cl, &end, 10);
            if (end && *end == '\0' && n > app->cfg->max_body) {
                char msg[128];
                int w = snprintf(msg, sizeof msg, "the request body is larger than %zu bytes",
                                 app->cfg->max_body);
                return S_early_problem(conn, st, 413, "body-too-large", w > 0 ? msg : "too large");
            }
        }
        /* Queue nothing on the first call: MHD would then close the connection. */
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        if (!st->too_big) {
            if (st->body.len + *upload_data_size > app->cfg->max_body) {
                st->too_big = true;
                buf_free(&st->body);
            } else {
                buf_append(&st->body, upload_data, *upload_data_size);
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (st->answered)
        return MHD_YES;
    if (st->too_big) {
        char msg[128];
        int w = snprintf(msg, sizeof msg, "the request body is larger than %zu bytes",
                         app->cfg->max_body);
        return S_early_problem(conn, st, 413, "body-too-large", w > 0 ? msg : "too large");
    }
    if (st->body.oom)
        return S_early_problem(conn, st, 503, "unavailable", "out of memory");

    struct http_request req;
    memset(&req, 0, sizeof req);
    struct http_response res;
    http_response_init(&res);
    req.method = http_method_parse(method);
    req.request_id = st->request_id;
    req.header = S_header;
    req.header_ctx = conn;
    req.app = app;
    req.body = st->body.data;
    req.body_len = st->body.len;
    /* A conditional GET whose ETag still matches is answered without touching SQLite. */
    const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    if (inm && (req.method == HTTP_GET || req.method == HTTP_HEAD) &&
        strncmp(st->target, "/v1/", 4) == 0) {
        char gzipped[64];
        S_etag(app, conn, st->target, false, st->etag, sizeof st->etag);
        S_etag_gz(st->etag, gzipped, sizeof gzipped);
        if (S_etag_match(inm, st->etag, gzipped)) {
            if (S_accepts_gzip(conn))
                memcpy(st->etag, gzipped, sizeof gzipped);
            req.target = st->target;
            res.status = 304;
            res.cacheable = true;
            enum MHD_Result ret = S_send(conn, st, &req, &res);
            http_response_free(&res);
            return ret;
        }
    }
    char err[256];
    unsigned bad = http_request_parse_target(&req, st->target, err, sizeof err);
    if (bad) {
        http_problem(&res, &req, bad, "malformed-request", err, NULL, 0);
    } else if (req.method == HTTP_OTHER) {
        char msg[128];
        int w = snprintf(msg, sizeof msg, "method '%.32s' is not supported", method);
        http_problem(&res, &req, 501, "not-implemented", w > 0 ? msg : "unsupported method", NULL,
                     0);
    } else {
        router_dispatch(app->routes, app->nroutes, &req, &res);
    }
    enum MHD_Result r = S_send(conn, st, &req, &res);
    http_response_free(&res);
    http_request_free(&req);
    return r;
}

static void S_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                        enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    struct app *app = cls;
    struct req_state *st = *req_cls;
    *req_cls = NULL;
    if (!st)
        return;
    uint64_t dur_us = (S_now_ns() - st->start_ns) / 1000u;
    if (st->answered) {
        unsigned cls_idx = st->status / 100;
        atomic_fetch_add(&app->metrics.requests, 1);
        if (cls_idx >= 1 && cls_idx <= 5)
            atomic_fetch_add(&app->metrics.by_class[cls_idx], 1);
        if (st->status == 304)
            atomic_fetch_add(&app->metrics.not_modified, 1);
        atomic_fetch_add(&app->metrics.bytes_out, st->bytes);
        atomic_fetch_add(&app->metrics.duration_us_sum, dur_us);
        struct log_access a = {
            .method = st->method[0] ? st->method : "-",
            .path = st->target ? st->target : "-",
            .status = st->status,
            .bytes = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? st->bytes : 0,
            .duration_us = dur_us,
            .request_id = st->request_id,
            .remote = st->remote[0] ? st->remote : NULL,
        };
        log_access(&app->log, &a);
    }
    if (st->counted)
        atomic_fetch_sub(&app->metrics.in_flight, 1);
    buf_free(&st->body);
    free(st->target);
    free(st);
}

/*
 * The per-IP connection limit. 0 (the default) derives it from the listen
 * address: none on loopback, where every peer is local (a health check, a
 * reverse proxy enforcing its own per-client limits) and one budget would be
 * shared by all of them; 64 otherwise.
 */
static unsigned S_per_ip_limit(const struct config *cfg, const struct sockaddr *sa)
{
    if (cfg->max_conns_per_ip)
        return cfg->max_conns_per_ip;
    bool loopback = false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return loopback ? 0 : 64;
}

enum app_status http_server_start(struct app *app, struct http_server **out)
{
    const struct config *cfg = app->cfg;
    struct http_server *s = calloc(1, sizeof *s);
    if (!s)
        return APP_ENOMEM;
    s->app = app;
    snprintf(s->cache_control, sizeof s->cache_control, "public, max-age=%u", cfg->cache_max_age);
    pthread_mutex_init(&s->rate_lock, NULL);
    app->server = s;

    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char port[8];
    int w = snprintf(port, sizeof port, "%u", (unsigned)cfg->port);
    if (w < 0 || (size_t)w >= sizeof port || getaddrinfo(cfg->host, port, &hints, &ai) != 0 ||
        !ai) {
        log_msg(&app->log, LOG_ERROR, "cannot resolve listen address '%s'", cfg->host);
        free(s);
        return APP_EINVAL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, S_access, app, MHD_OPTION_EXTERNAL_LOGGER, S_mhd_log, app,
        MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
        MHD_OPTION_URI_LOG_CALLBACK, S_uri_log, app, MHD_OPTION_NOTIFY_COMPLETED, S_completed, app,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)cfg->max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        S_per_ip_limit(cfg, ai->ai_addr), MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)512, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!s->d) {
        log_msg(&app->log, LOG_ERROR, "cannot listen on %s:%u", cfg->host, (unsigned)cfg->port);
        free(s);
        return APP_EIO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    *out = s;
    return APP_OK;
}

uint16_t http_server_port(const struct http_server *s)
{
    return s->port;
}

void http_server_stop(struct http_server *s, unsigned grace_ms)
{
    if (!s)
        return;
    MHD_socket fd = MHD_quiesce_daemon(s->d);
    /* Let the data requests already received finish and be answered (health checks and
     * scrapes take microseconds and are not counted). */
    for (unsigned waited = 0; waited < grace_ms; waited += 10) {
        if (atomic_load(&s->app->metrics.in_flight) <= 0)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    s->app->server = NULL;
    pthread_mutex_destroy(&s->rate_lock);
    free(s);
}
