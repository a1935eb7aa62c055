#include "http_server.h"

#include "http.h"
#include "router.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct http_server {
    struct MHD_Daemon *d;
    struct app *app;
    uint16_t port;
};

/* Per-request state, created when the request line arrives (uri_log callback). */
struct req_state {
    struct app *app;
    uint64_t start_ns;
    char *target;
    size_t target_len;
    struct buf body;
    bool called;   /* the access handler ran once */
    bool too_big;  /* the body went over the limit */
    bool answered; /* a response was queued */
    unsigned status;
    uint64_t bytes;
    char method[16];
    char request_id[72];
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
    atomic_fetch_add(&app->metrics.in_flight, 1);
    return st;
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

static void S_set_request_id(struct app *app, struct MHD_Connection *conn, struct req_state *st)
{
    const char *in = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    if (in && S_sane_request_id(in)) {
        size_t n = strlen(in);
        memcpy(st->request_id, in, n + 1);
        return;
    }
    uint64_t seq = atomic_fetch_add(&app->request_seq, 1) + 1;
    int w = snprintf(st->request_id, sizeof st->request_id, "%s-%08llx", app->boot_id,
                     (unsigned long long)seq);
    if (w < 0)
        st->request_id[0] = '\0';
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
    if (res->content_type && len > 0)
        S_add(r, "Content-Type", res->content_type);
    for (size_t i = 0; i < res->nheaders; i++)
        S_add(r, res->headers[i].name, res->headers[i].value);
    S_add(r, "X-Request-Id", st->request_id);
    S_add(r, "X-Content-Type-Options", "nosniff");
    if (!http_response_get_header(res, "Cache-Control"))
        S_add(r, "Cache-Control", "no-store");
    if (cfg->cors_origin[0]) {
        S_add(r, "Access-Control-Allow-Origin", cfg->cors_origin);
        S_add(r, "Access-Control-Expose-Headers",
              "X-Total-Count, Link, ETag, X-Request-Id, Location, Retry-After");
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
    enum MHD_Result r = S_send(conn, st, NULL, &res);
    http_response_free(&res);
    return r;
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
        size_t mlen = strlen(method);
        if (mlen >= sizeof st->method)
            mlen = sizeof st->method - 1;
        memcpy(st->method, method, mlen);
        st->method[mlen] = '\0';
        S_set_request_id(app, conn, st);

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
            .remote = NULL,
        };
        log_access(&app->log, &a);
    }
    atomic_fetch_sub(&app->metrics.in_flight, 1);
    buf_free(&st->body);
    free(st->target);
    free(st);
}

enum app_status http_server_start(struct app *app, struct http_server **out)
{
    const struct config *cfg = app->cfg;
    struct http_server *s = calloc(1, sizeof *s);
    if (!s)
        return APP_ENOMEM;
    s->app = app;

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
        flags, 0, NULL, NULL, S_access, app, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads, MHD_OPTION_URI_LOG_CALLBACK,
        S_uri_log, app, MHD_OPTION_NOTIFY_COMPLETED, S_completed, app,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)cfg->max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned int)cfg->max_conns_per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(64 * 1024), MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)512, MHD_OPTION_END);
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
    /* Let the requests already received finish and be answered. */
    for (unsigned waited = 0; waited < grace_ms; waited += 10) {
        if (atomic_load(&s->app->metrics.in_flight) <= 0)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    free(s);
}
