#include "http_server.h"

#include "db.h"
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

#define RATE_SLOTS     4096
#define HTTP_INLINE_MS 10 /* SQLite time a read may take in an event loop */

/* One token bucket per hashed client address (collisions share a bucket). */
struct rate_slot {
    uint64_t key;
    double tokens;
    uint64_t last_ns;
};

/* One open connection, for closing the idlest ones when connections run short. */
struct conn_slot {
    int fd;
    bool used;
    bool busy;    /* between complete headers and the end of the response */
    bool evicted; /* shut down, its close not yet seen */
    uint64_t idle_since_ns;
    unsigned timeout_s; /* libmicrohttpd's timeout of the connection (its own thread's) */
};

struct http_server {
    struct MHD_Daemon *d;
    struct app *app;
    uint16_t port;
    pthread_mutex_t rate_lock;
    struct rate_slot rate[RATE_SLOTS];
    char cache_control[40]; /* "public, max-age=N", formatted once */
    pthread_mutex_t conn_lock;
    struct conn_slot *conns; /* nconns slots: --max-connections */
    size_t nconns;
    size_t open;     /* slots used */
    size_t headroom; /* connections kept free for newcomers */
    size_t hint;     /* where the search for a free slot starts */
    /* The workers that run data requests, and their queue. */
    pthread_t *workers;
    size_t nworkers;
    pthread_mutex_t q_lock;
    pthread_cond_t q_cond;
    struct req_state *q_head, *q_tail;
    bool q_stop;
    /* The last write that failed on this side, until one succeeds. */
    pthread_mutex_t write_lock;
    unsigned write_failed; /* its status, 0: none */
    uint64_t write_failed_ns;
};

/* Per-request state, created when the request line arrives (uri_log callback). */
struct req_state {
    struct app *app;
    uint64_t start_ns;
    char *target;
    size_t target_len;
    struct buf body;
    bool called;            /* the access handler ran once: headers complete */
    uint64_t body_start_ns; /* when a body was expected (headers complete), else 0 */
    uint64_t body_declared; /* its Content-Length; 0 when chunked */
    bool counted;           /* a data request, counted in flight from then until completed */
    bool answered;          /* a response was queued */
    unsigned status;
    uint64_t bytes;
    char method[16];
    char request_id[72];
    char remote[48];
    char etag[64];    /* set when the If-None-Match check computed it: a 304 reuses it */
    uint64_t version; /* dataset version of the snapshot the body was read from */
    bool has_version; /* false: the response read no data (the published version is used) */
    /* A data request handed to a worker (see S_worker). */
    struct MHD_Connection *conn;
    const char *method_ptr; /* libmicrohttpd's, valid for the request's life */
    bool queued;
    bool done; /* set by the worker before it resumes the connection */
    struct req_state *next;
    struct http_request req;
    struct http_response res;
    /* the route guard let the write in before its body was read: who, kept for dispatch */
    bool guarded;
    char principal[128];
    char scope[16];
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

/*
 * The origin-form part of an absolute-form target ("http://host/p?q" -> "/p?q",
 * "http://host" -> "/"), which RFC 9112 (3.2.2) says a server must accept; any
 * other target as it is. The authority is not checked: this server has one origin.
 */
static const char *S_origin_form(const char *uri)
{
    size_t scheme = 0;
    if (strncasecmp(uri, "http://", 7) == 0)
        scheme = 7;
    else if (strncasecmp(uri, "https://", 8) == 0)
        scheme = 8;
    if (!scheme)
        return uri;
    return uri + scheme + strcspn(uri + scheme, "/?#"); /* the caller adds a missing '/' */
}

/*
 * Connections without a request in progress (never sent one, or idle between
 * requests) are what a flood of idle sockets consists of. Near --max-connections the
 * one idle longest is shut down to keep room for newcomers, so a health check or a
 * real client always gets a connection whatever number of idle ones an attacker
 * holds, on loopback too where the per-address limit does not apply. shutdown()
 * is safe from any thread: the owning worker sees the end of the stream and closes
 * the connection itself; the descriptor stays valid until NOTIFY_CLOSED, which
 * takes the same lock.
 */
static void S_evict_idlest(struct http_server *s, const struct conn_slot *except)
{
    struct conn_slot *best = NULL;
    for (size_t i = 0; i < s->nconns; i++) {
        struct conn_slot *c = &s->conns[i];
        if (c->used && !c->busy && !c->evicted && c != except &&
            (!best || c->idle_since_ns < best->idle_since_ns))
            best = c;
    }
    if (best) {
        (void)shutdown(best->fd, SHUT_RDWR);
        best->evicted = true;
    }
}

static void S_notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                                enum MHD_ConnectionNotificationCode toe)
{
    struct app *app = cls;
    struct http_server *s = app->server;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct conn_slot *c = *socket_context;
        if (c) {
            pthread_mutex_lock(&s->conn_lock);
            c->used = false;
            s->open--;
            pthread_mutex_unlock(&s->conn_lock);
            *socket_context = NULL;
        }
        return;
    }
    /* A new connection gets a short deadline for its first request. */
    unsigned first = app->cfg->new_conn_timeout_s;
    MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, first);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return;
    pthread_mutex_lock(&s->conn_lock);
    struct conn_slot *c = NULL;
    for (size_t k = 0; k < s->nconns && !c; k++) {
        size_t i = (s->hint + k) % s->nconns;
        if (!s->conns[i].used) {
            c = &s->conns[i];
            s->hint = i + 1;
        }
    }
    if (c) {
        c->fd = ci->connect_fd;
        c->used = true;
        c->busy = false;
        c->evicted = false;
        c->idle_since_ns = S_now_ns();
        c->timeout_s = first;
        s->open++;
        if (s->open + s->headroom > s->nconns)
            S_evict_idlest(s, c);
    }
    pthread_mutex_unlock(&s->conn_lock);
    *socket_context = c;
}

/* Sets the connection's timeout (libmicrohttpd takes a lock for it: only on a change). */
static void S_timeout(struct MHD_Connection *conn, unsigned secs)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn_slot *c = ci ? ci->socket_context : NULL;
    if (c && c->timeout_s == secs)
        return;
    MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, secs);
    if (c)
        c->timeout_s = secs;
}

/* Marks the connection of a request busy (headers complete) or idle again (answered). */
static void S_conn_busy(struct app *app, struct MHD_Connection *conn, bool busy)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn_slot *c = ci ? ci->socket_context : NULL;
    if (!c)
        return;
    pthread_mutex_lock(&app->server->conn_lock);
    c->busy = busy;
    c->idle_since_ns = S_now_ns();
    pthread_mutex_unlock(&app->server->conn_lock);
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
    const char *origin = S_origin_form(uri);
    bool slash = origin != uri && origin[0] != '/'; /* "http://host?q": the path is "/" */
    st->target_len = strlen(origin) + slash;
    st->target = malloc(st->target_len + 1);
    if (st->target) {
        st->target[0] = '/';
        memcpy(st->target + slash, origin, st->target_len - slash + 1);
    }
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

/* The strong ETag of a data response, from the snapshot's version and the representation. */
static void S_etag(const struct req_state *st, struct MHD_Connection *conn, const char *target,
                   bool gz, char *out, size_t n)
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
    p = fmt_u64(p, st->has_version ? st->version : atomic_load(&st->app->dataset_version));
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

/*
 * True when an If-None-Match list holds one of the tags (weak comparison, RFC 9110).
 * "*" matches only when the target has a current representation, which the caller
 * knows after the handler ran: star says whether it does.
 */
struct S_inm {
    const char *a, *b;
    bool star;
};

static bool S_inm_tag(const void *ctx, const char *tag, size_t n, bool weak)
{
    const struct S_inm *m = ctx;
    (void)weak; /* If-None-Match compares weakly */
    if (n == 1 && tag[0] == '*')
        return m->star;
    return (strlen(m->a) == n && memcmp(m->a, tag, n) == 0) ||
           (strlen(m->b) == n && memcmp(m->b, tag, n) == 0);
}

static bool S_etag_match(const char *inm, const char *a, const char *b, bool star)
{
    struct S_inm m = {a, b, star};
    return inm && http_etag_list(inm, S_inm_tag, &m);
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
            S_etag(st, conn, req->target, gz, etag, sizeof etag);
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
 * Answers with a problem in the middle of a request body, then closes. libmicrohttpd
 * 0.9.75 takes a response only before the body (the first call) or after all of it
 * (MHD_queue_response refuses in between), so that a body over a limit would be read
 * to its end before the answer; instead the short answer is written to the socket
 * here, where nothing else has been written yet, and MHD_NO makes the library close
 * the connection without reading further.
 */
static enum MHD_Result S_abort_problem(struct MHD_Connection *conn, struct req_state *st,
                                       unsigned status, const char *slug, const char *detail)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.request_id = st->request_id;
    struct http_response res;
    http_response_init(&res);
    http_problem(&res, &req, status, slug, detail, NULL, 0);
    const char *cors = st->app->cfg->cors_origin;
    char head[512];
    int w = snprintf(head, sizeof head,
                     "HTTP/1.1 %u %s\r\nContent-Type: application/problem+json\r\n"
                     "Content-Length: %zu\r\nX-Request-Id: %s\r\n"
                     "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n"
                     "%s%s%sConnection: close\r\n\r\n",
                     status, http_reason(status), res.body.len, st->request_id,
                     cors[0] ? "Access-Control-Allow-Origin: " : "", cors[0] ? cors : "",
                     cors[0] ? "\r\n" : "");
    if (ci && w > 0 && (size_t)w < sizeof head && !res.body.oom) {
        /* A few hundred bytes into an idle socket's send buffer: one send each. */
        (void)send(ci->connect_fd, head, (size_t)w, MSG_NOSIGNAL);
        (void)send(ci->connect_fd, res.body.data, res.body.len, MSG_NOSIGNAL);
        (void)shutdown(ci->connect_fd, SHUT_WR);
        st->status = status;
        st->bytes = res.body.len;
        st->answered = true;
    }
    http_response_free(&res);
    return MHD_NO;
}

/* The problem for a body over --max-body. */
static enum MHD_Result S_too_big(struct MHD_Connection *conn, struct req_state *st, bool abort)
{
    char msg[128];
    int w = snprintf(msg, sizeof msg, "the request body is larger than %zu bytes",
                     st->app->cfg->max_body);
    const char *detail = w > 0 ? msg : "too large";
    return abort ? S_abort_problem(conn, st, 413, "body-too-large", detail)
                 : S_early_problem(conn, st, 413, "body-too-large", detail);
}

/*
 * A Transfer-Encoding this server can read: exactly "chunked" (RFC 9112 6.1), which
 * is what libmicrohttpd decodes; anything else it would read until the peer closes.
 * 400 when the last coding is not chunked (the body's length cannot be known, RFC
 * 9112 6.3), 501 for codings besides chunked ("gzip, chunked", "chunked "); *why
 * says which.
 */
static unsigned S_transfer_encoding(const char *te, char *why, size_t n)
{
    size_t len = strlen(te);
    while (len > 0 && (te[len - 1] == ' ' || te[len - 1] == '\t'))
        len--;
    const char *last = te + len;
    while (last > te && last[-1] != ',' && last[-1] != ' ' && last[-1] != '\t')
        last--;
    bool chunked_last = (size_t)(te + len - last) == 7 && strncasecmp(last, "chunked", 7) == 0;
    if (strcasecmp(te, "chunked") == 0) /* what libmicrohttpd reads as chunked */
        return 0;
    if (!chunked_last) {
        snprintf(why, n,
                 "Transfer-Encoding '%.64s' does not end with 'chunked': the body's "
                 "length cannot be known",
                 te);
        return 400;
    }
    snprintf(why, n, "Transfer-Encoding '%.64s': only 'chunked' is implemented", te);
    return 501;
}

/*
 * The operational endpoints (routes flagged ROUTE_OPERATIONAL: health checks and the
 * metrics scrape). They stay answerable under overload and rate limits, so that an
 * orchestrator sees the process alive and an operator sees why it is shedding.
 */
static bool S_operational(const struct app *app, const char *target)
{
    return router_target_has_flag(app->routes, app->nroutes, target, ROUTE_OPERATIONAL);
}

/* Remembers whether a write failed on this side (for /readyz) or succeeded. */
static void S_note_write(struct http_server *s, const struct http_request *req,
                         const struct http_response *res)
{
    if (!s || !(req->method & (HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE)))
        return;
    bool failed = res->status == 500 || res->status == 507;
    if (!failed && res->status >= 400)
        return; /* the client's mistake, or busy: says nothing of the writer */
    pthread_mutex_lock(&s->write_lock);
    s->write_failed = failed ? res->status : 0;
    s->write_failed_ns = S_now_ns();
    pthread_mutex_unlock(&s->write_lock);
}

bool http_server_write_failing(struct http_server *s, char *out, size_t n)
{
    pthread_mutex_lock(&s->write_lock);
    unsigned status = s->write_failed;
    uint64_t age_s = (S_now_ns() - s->write_failed_ns) / 1000000000u;
    pthread_mutex_unlock(&s->write_lock);
    if (!status || age_s >= 60)
        return false;
    snprintf(out, n,
             "the last write failed %llu s ago with %u %s (%s) and none has succeeded since",
             (unsigned long long)age_s, status, http_reason(status),
             status == 507 ? "the disk or the database file is full" : "a database error");
    return true;
}

/*
 * Runs a complete request into st->req and st->res (on a worker, or in the event loop)
 * with a time budget of budget_ms for its reads (0: none); true when the budget
 * stopped one of them.
 */
static bool S_process(struct req_state *st, struct MHD_Connection *conn, const char *method,
                      unsigned budget_ms)
{
    bool hit = false;
    struct app *app = st->app;
    struct http_request *req = &st->req;
    struct http_response *res = &st->res;
    memset(req, 0, sizeof *req);
    http_response_init(res);
    req->method = http_method_parse(method);
    req->request_id = st->request_id;
    req->header = S_header;
    req->header_ctx = conn;
    req->app = app;
    req->body = st->body.data;
    req->body_len = st->body.len;
    /* checked by the route guard before the body was read: not again */
    req->guarded = st->guarded;
    memcpy(req->principal, st->principal, sizeof req->principal);
    memcpy(req->scope, st->scope, sizeof req->scope);
    /* A request starts with no snapshot of its own: none is left from an earlier one. */
    uint64_t stale = 0;
    (void)app_snapshot_end(app, &stale);
    /* A conditional GET whose ETag still matches is answered after reading only the
     * dataset version, in the snapshot the handler then reads from when it does not. */
    const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    if (inm && (req->method == HTTP_GET || req->method == HTTP_HEAD) &&
        strncmp(st->target, "/v1/", 4) == 0 && app_snapshot_version(app, &st->version) == APP_OK) {
        char gzipped[64];
        st->has_version = true;
        S_etag(st, conn, st->target, false, st->etag, sizeof st->etag);
        S_etag_gz(st->etag, gzipped, sizeof gzipped);
        if (S_etag_match(inm, st->etag, gzipped, false)) {
            if (S_accepts_gzip(conn))
                memcpy(st->etag, gzipped, sizeof gzipped);
            req->target = st->target;
            res->status = 304;
            res->cacheable = true;
            uint64_t ignored = 0;
            (void)app_snapshot_end(app, &ignored);
            return false;
        }
    }
    char err[256];
    unsigned bad = http_request_parse_target(req, st->target, err, sizeof err);
    if (bad) {
        http_problem(res, req, bad, "malformed-request", err, NULL, 0);
    } else if (req->method == HTTP_OTHER) {
        char msg[128];
        int w = snprintf(msg, sizeof msg, "method '%.32s' is not supported", method);
        http_problem(res, req, 501, "not-implemented", w > 0 ? msg : "unsupported method", NULL, 0);
    } else {
        /* The time budget of the request's reads (SQLite's progress handler). */
        db_set_deadline(budget_ms ? db_now_ns() + (uint64_t)budget_ms * 1000000u : 0);
        router_dispatch(app->routes, app->nroutes, app->route_guard, req, res);
        hit = db_deadline_hit();
        db_set_deadline(0);
        /* The tag names the snapshot the handler read, never a version published since. */
        st->has_version = app_snapshot_end(app, &st->version);
        S_note_write(app->server, req, res);
        /* "If-None-Match: *" holds for a target that has a representation: a 200 one. */
        if (inm && res->status == 200 && res->cacheable &&
            (req->method == HTTP_GET || req->method == HTTP_HEAD) &&
            S_etag_match(inm, "", "", true)) {
            char gzipped[64];
            S_etag(st, conn, st->target, false, st->etag, sizeof st->etag);
            S_etag_gz(st->etag, gzipped, sizeof gzipped);
            if (S_accepts_gzip(conn))
                memcpy(st->etag, gzipped, sizeof gzipped);
            buf_reset(&res->body);
            res->status = 304;
        }
    }
    return hit;
}

/* Sends what S_process made (in the connection's event loop) and frees it. */
static enum MHD_Result S_finish(struct MHD_Connection *conn, struct req_state *st)
{
    enum MHD_Result r = S_send(conn, st, &st->req, &st->res);
    http_response_free(&st->res);
    http_request_free(&st->req);
    return r;
}

static void S_enqueue(struct http_server *s, struct req_state *st)
{
    pthread_mutex_lock(&s->q_lock);
    st->next = NULL;
    if (s->q_tail)
        s->q_tail->next = st;
    else
        s->q_head = st;
    s->q_tail = st;
    pthread_cond_signal(&s->q_cond);
    pthread_mutex_unlock(&s->q_lock);
}

/*
 * A worker: takes data requests off the queue, runs them, and resumes their
 * connection, whose event loop then sends the answer. It drains the queue before it
 * stops, so that no connection stays suspended.
 */
static void *S_worker(void *arg)
{
    struct http_server *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->q_lock);
        while (!s->q_head && !s->q_stop)
            pthread_cond_wait(&s->q_cond, &s->q_lock);
        struct req_state *st = s->q_head;
        if (st) {
            s->q_head = st->next;
            if (!s->q_head)
                s->q_tail = NULL;
        }
        pthread_mutex_unlock(&s->q_lock);
        if (!st)
            return NULL; /* stopping, and nothing left */
        struct MHD_Connection *conn = st->conn;
        (void)S_process(st, conn, st->method_ptr, s->app->cfg->query_timeout_ms);
        st->done = true; /* st is the event loop's again from here */
        MHD_resume_connection(conn);
    }
}

/* Keeps what the route guard found before the body for the dispatch; false (no answer). */
static bool S_keep_guard(struct req_state *st, const struct http_request *req)
{
    st->guarded = req->guarded;
    memcpy(st->principal, req->principal, sizeof st->principal);
    memcpy(st->scope, req->scope, sizeof st->scope);
    return false;
}

/*
 * The headers of a request with a body are complete. A write whose route or token is
 * wrong is answered now, before "100 Continue" and without reading the body (a
 * response queued on the first call makes libmicrohttpd refuse the upload and close).
 * Otherwise the body is expected within --body-timeout.
 */
static enum MHD_Result S_before_body(struct MHD_Connection *conn, struct req_state *st,
                                     const char *method)
{
    struct app *app = st->app;
    enum http_method m = http_method_parse(method);
    if (m & (HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE)) {
        struct http_request req;
        memset(&req, 0, sizeof req);
        struct http_response res;
        http_response_init(&res);
        req.method = m;
        req.request_id = st->request_id;
        req.header = S_header;
        req.header_ctx = conn;
        req.app = app;
        char err[256];
        const struct route *rt = NULL;
        unsigned allowed = 0;
        bool answer = true;
        unsigned bad = http_request_parse_target(&req, st->target, err, sizeof err);
        if (bad)
            http_problem(&res, &req, bad, "malformed-request", err, NULL, 0);
        else if (router_match(app->routes, app->nroutes, &req, &rt, &allowed) != ROUTER_FOUND)
            router_dispatch(app->routes, app->nroutes, app->route_guard, &req,
                            &res); /* 404 or 405 */
        else if (!(rt->flags & ROUTE_WRITE) || !app->route_guard)
            answer = false; /* stores nothing (ROUTE_OPEN_BODY), or the router refuses it */
        else {
            /* The guard reads the tokens in a snapshot of its own: none left from an earlier
             * request on this thread, none kept for the dispatch (which then trusts it). */
            uint64_t ignored = 0;
            (void)app_snapshot_end(app, &ignored);
            if (app->route_guard(&req, &res, rt->flags))
                answer = S_keep_guard(st, &req); /* let in: the body is read, not checked again */
            (void)app_snapshot_end(app, &ignored);
        }
        enum MHD_Result r = answer ? S_send(conn, st, &req, &res) : MHD_YES;
        http_response_free(&res);
        http_request_free(&req);
        if (answer)
            return r;
    }
    st->body_start_ns = S_now_ns();
    S_timeout(conn, app->cfg->body_timeout_s);
    return MHD_YES;
}

/*
 * A body must arrive whole within --body-timeout of its headers and, after its first
 * second, at --body-min-rate bytes per second at least (a body that has just arrived
 * whole is not held to the rate); a client that trickles a byte at a time is answered
 * 408 and closed. libmicrohttpd's own timeout restarts on every
 * byte, so it is set to what is left of the deadline each time data arrives.
 */
static enum MHD_Result S_body_pace(struct MHD_Connection *conn, struct req_state *st)
{
    const struct config *cfg = st->app->cfg;
    uint64_t elapsed = S_now_ns() - st->body_start_ns;
    uint64_t limit = (uint64_t)cfg->body_timeout_s * 1000000000u;
    if (elapsed >= limit) {
        char msg[128];
        int w = snprintf(msg, sizeof msg, "the request body did not arrive within %u s",
                         cfg->body_timeout_s);
        return S_abort_problem(conn, st, 408, "request-timeout", w > 0 ? msg : "too slow");
    }
    bool whole = st->body_declared && st->body.len >= st->body_declared;
    if (cfg->body_min_rate && !whole && elapsed > 1000000000u &&
        (double)st->body.len < (double)cfg->body_min_rate * (double)(elapsed - 1000000000u) / 1e9) {
        char msg[128];
        int w =
            snprintf(msg, sizeof msg, "the request body arrived slower than %u bytes per second",
                     cfg->body_min_rate);
        return S_abort_problem(conn, st, 408, "request-timeout", w > 0 ? msg : "too slow");
    }
    unsigned left = (unsigned)((limit - elapsed + 999999999u) / 1000000000u);
    S_timeout(conn, left);
    return MHD_YES;
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
        st->called = true;
        S_conn_busy(app, conn, true);
        /* From here the keep-alive timeout, or the body's deadline. */
        S_timeout(conn, app->cfg->timeout_s);
        size_t mlen = strlen(method);
        if (mlen >= sizeof st->method)
            mlen = sizeof st->method - 1;
        memcpy(st->method, method, mlen);
        st->method[mlen] = '\0';
        S_set_request_id(app, conn, st);
        uint64_t client = S_client(conn, st->remote, sizeof st->remote);
        if (!S_operational(app, st->target) &&
            !S_rate_ok(app->server, client, app->cfg->rate_limit)) {
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
        const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
        if (te) {
            char why[200];
            unsigned bad = S_transfer_encoding(te, why, sizeof why);
            if (bad)
                return S_early_problem(conn, st, bad,
                                       bad == 501 ? "not-implemented" : "malformed-request", why);
        }
        bool body = te != NULL;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end = NULL;
            unsigned long long n = strtoull(cl, &end, 10);
            if (end && *end == '\0' && n > app->cfg->max_body)
                return S_too_big(conn, st, false);
            body = body || n > 0;
            st->body_declared = te ? 0 : n;
        }
        if (body)
            return S_before_body(conn, st, method);
        /* Queue nothing on the first call: MHD would then close the connection. */
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        /* A chunked body (its length unknown until its end) stops at the limit. */
        if (st->body.len + *upload_data_size > app->cfg->max_body) {
            buf_free(&st->body);
            return S_too_big(conn, st, true);
        }
        buf_append(&st->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return S_body_pace(conn, st);
    }
    if (st->answered)
        return MHD_YES;
    if (st->queued) /* resumed by its worker: the answer is ready */
        return st->done ? S_finish(conn, st) : MHD_YES;
    if (st->body_start_ns) /* the body is complete: back to the keep-alive timeout */
        S_timeout(conn, app->cfg->timeout_s);
    if (st->body.oom)
        return S_early_problem(conn, st, 503, "unavailable", "out of memory");
    /*
     * In flight from the moment the request is complete, body included: a client still
     * sending its headers or body (a slow or stalled one) is not load; the connection
     * limits and the body deadline bound it. Health checks and the metrics scrape are
     * neither counted nor shed: they are cheap, and counting them would let a probe push
     * a data request over the limit.
     */
    if (!S_operational(app, st->target)) {
        st->counted = true;
        int_fast64_t in_flight = atomic_fetch_add(&app->metrics.in_flight, 1) + 1;
        if (in_flight > (int_fast64_t)app->cfg->max_in_flight) {
            atomic_fetch_add(&app->metrics.shed, 1);
            return S_early_problem(conn, st, 503, "overloaded",
                                   "the server is busy; retry shortly");
        }
    }

    unsigned budget = app->cfg->query_timeout_ms;
    if (!st->counted || app->server->nworkers == 0) {
        (void)S_process(st, conn, method, budget);
        return S_finish(conn, st);
    }
    /*
     * A read runs here in the event loop, as most take microseconds, but only for
     * HTTP_INLINE_MS of SQLite time: one that needs more is stopped and runs again, from
     * the start, on a worker, so that no event loop (and no health check) waits long
     * behind it. Writes, which may wait for the writer, always run on a worker.
     */
    enum http_method m = http_method_parse(method);
    if (m & (HTTP_GET | HTTP_HEAD | HTTP_OPTIONS)) {
        unsigned inline_ms = budget && budget < HTTP_INLINE_MS ? budget : HTTP_INLINE_MS;
        bool hit = S_process(st, conn, method, inline_ms);
        if (!hit || (budget && budget <= inline_ms))
            return S_finish(conn, st);
        http_response_free(&st->res);
        http_request_free(&st->req);
    }
    /* On a worker; the connection waits, suspended, so that the event loops stay free
     * for other connections and for health checks. */
    st->conn = conn;
    st->method_ptr = method;
    st->queued = true;
    MHD_suspend_connection(conn);
    S_enqueue(app->server, st);
    return MHD_YES;
}

static void S_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                        enum MHD_RequestTerminationCode toe)
{
    struct app *app = cls;
    struct req_state *st = *req_cls;
    *req_cls = NULL;
    if (!st)
        return;
    if (st->called)
        S_conn_busy(app, conn, false);
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
    pthread_mutex_init(&s->conn_lock, NULL);
    pthread_mutex_init(&s->q_lock, NULL);
    pthread_cond_init(&s->q_cond, NULL);
    pthread_mutex_init(&s->write_lock, NULL);
    s->nconns = cfg->max_conns;
    s->headroom = cfg->max_conns / 32 > 8 ? cfg->max_conns / 32 : 8;
    if (s->headroom >= s->nconns)
        s->headroom = s->nconns / 2;
    s->conns = calloc(s->nconns, sizeof *s->conns);
    if (!s->conns) {
        free(s);
        return APP_ENOMEM;
    }
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
        free(s->conns);
        free(s);
        return APP_EINVAL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* The port is in the address; given here too, libmicrohttpd's messages name it. */
    s->d = MHD_start_daemon(
        flags, cfg->port, NULL, NULL, S_access, app, MHD_OPTION_EXTERNAL_LOGGER, S_mhd_log, app,
        MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
        MHD_OPTION_URI_LOG_CALLBACK, S_uri_log, app, MHD_OPTION_NOTIFY_COMPLETED, S_completed, app,
        MHD_OPTION_NOTIFY_CONNECTION, S_notify_connection, app, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)cfg->timeout_s, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, S_per_ip_limit(cfg, ai->ai_addr),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->conn_memory, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned int)512, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!s->d) {
        log_msg(&app->log, LOG_ERROR, "cannot listen on %s:%u", cfg->host, (unsigned)cfg->port);
        free(s->conns);
        free(s);
        return APP_EIO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    /* As many workers for data requests as event loops; with none (a thread could not
     * be made) requests run in the event loops as they would without workers. */
    s->workers = calloc(cfg->threads, sizeof *s->workers);
    for (size_t i = 0; s->workers && i < cfg->threads; i++) {
        if (pthread_create(&s->workers[i], NULL, S_worker, s) != 0)
            break;
        s->nworkers++;
    }
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
    /* The workers finish what is queued and resume those connections before the
     * daemon stops: none may stay suspended. */
    pthread_mutex_lock(&s->q_lock);
    s->q_stop = true;
    pthread_cond_broadcast(&s->q_cond);
    pthread_mutex_unlock(&s->q_lock);
    for (size_t i = 0; i < s->nworkers; i++)
        pthread_join(s->workers[i], NULL);
    free(s->workers);
    MHD_stop_daemon(s->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    s->app->server = NULL;
    pthread_mutex_destroy(&s->rate_lock);
    pthread_mutex_destroy(&s->conn_lock);
    pthread_mutex_destroy(&s->q_lock);
    pthread_cond_destroy(&s->q_cond);
    pthread_mutex_destroy(&s->write_lock);
    free(s->conns);
    free(s);
}
