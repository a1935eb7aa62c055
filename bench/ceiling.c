/*
 * The ceiling for `make bench`: a libmicrohttpd server that answers every
 * request with one fixed JSON body, with Marsad's thread model (internal
 * thread pool + epoll + turbo) and the keep-alive fix (nothing is queued on
 * the first call of the access handler, the response is queued on the
 * second). Whatever Marsad does per request costs on top of this.
 *
 * Usage: ceiling [--port N] [--threads N] [--size BYTES]
 * (port 0, the default, picks a free one; --size pads the body to BYTES)
 * Prints "listening on http://127.0.0.1:PORT" on stdout; stops on SIGTERM/SIGINT.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char small_body[] = "{\"data\":{\"id\":\"ceiling\",\"ok\":true}}";
static struct MHD_Response *fixed;

static enum MHD_Result S_access(void *cls, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version, const char *upload_data,
                                size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    static int first_call_marker;
    if (*req_cls == NULL) {
        /* First call: headers only. Queueing now would make MHD close the connection. */
        *req_cls = &first_call_marker;
        return MHD_YES;
    }
    *upload_data_size = 0;
    return MHD_queue_response(conn, MHD_HTTP_OK, fixed);
}

static unsigned S_uint(const char *s, unsigned max)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (!end || *end || v > max) {
        fprintf(stderr, "ceiling: bad number '%s'\n", s);
        exit(2);
    }
    return (unsigned)v;
}

int main(int argc, char **argv)
{
    unsigned port = 0, threads = 1, size = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            port = S_uint(argv[i + 1], 65535);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = S_uint(argv[i + 1], 256);
        else if (strcmp(argv[i], "--size") == 0)
            size = S_uint(argv[i + 1], 1u << 20);
        else {
            fprintf(stderr, "usage: ceiling [--port N] [--threads N] [--size BYTES]\n");
            return 2;
        }
    }
    if (threads == 0)
        threads = 1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* --size N: a body of N bytes ({"data":"xxx..."}), to compare with responses that big. */
    static char padded[(1u << 20) + 16];
    const char *body = small_body;
    size_t len = sizeof small_body - 1;
    if (size > 12) {
        memcpy(padded, "{\"data\":\"", 9);
        memset(padded + 9, 'x', size - 11);
        memcpy(padded + size - 2, "\"}", 2);
        body = padded;
        len = size;
    }
    fixed = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (!fixed)
        return 1;
    MHD_add_response_header(fixed, "Content-Type", "application/json");
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, S_access, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 512u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "ceiling: cannot listen on 127.0.0.1:%u\n", port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("listening on http://127.0.0.1:%u\n", info ? (unsigned)info->port : port);
    fflush(stdout);
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    MHD_stop_daemon(d);
    MHD_destroy_response(fixed);
    return 0;
}
