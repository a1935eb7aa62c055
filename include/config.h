/* Command-line flags and MARSAD_* environment variables into an immutable config. */
#ifndef MARSAD_CONFIG_H
#define MARSAD_CONFIG_H

#include "log.h"
#include "status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_HOST_MAX   256
#define CONFIG_PATH_MAX   4096
#define CONFIG_ORIGIN_MAX 512
/*
 * libmicrohttpd's memory per connection: it holds the request line and headers as read,
 * their index, and the response headers, and the library zeroes all of it after every
 * request, so its size is paid on each one (BENCHMARKS.md: 64 KiB to 40 KiB took 28 % of
 * the instructions of a 304 and 9 % of a claim). 40 KiB is the smallest that holds the
 * largest request the server accepts (an 8 KiB target and 16 KiB of headers in many
 * lines) with the response headers; 32 KiB does not. Smaller values are allowed: the
 * requests that do not fit then get the library's own bare 431.
 */
#define CONFIG_CONNECTION_MEMORY (40 * 1024)
#define CONFIG_LOG_FLUSH_MS      100 /* buffered access lines are written within this */

struct config {
    char host[CONFIG_HOST_MAX];
    uint16_t port;
    char db_path[CONFIG_PATH_MAX];
    unsigned threads;
    char cors_origin[CONFIG_ORIGIN_MAX]; /* "" disables CORS */
    enum log_level log_level;
    size_t log_buffer; /* access-log bytes gathered per thread before a write; 0 = none */
    size_t max_body;
    unsigned timeout_s;          /* idle connection timeout */
    unsigned cache_max_age;      /* Cache-Control max-age for data responses, seconds */
    unsigned max_conns;          /* global connection limit */
    unsigned max_conns_per_ip;   /* 0: none on a loopback listener, 64 otherwise */
    bool read_only;              /* refuse writes; open the database read-only */
    unsigned max_in_flight;      /* requests in progress beyond which new ones get 503 */
    unsigned rate_limit;         /* requests per second per client address; 0 = off */
    unsigned body_timeout_s;     /* a request body must arrive whole within this */
    unsigned body_min_rate;      /* bytes per second a body must keep up after its first second */
    unsigned new_conn_timeout_s; /* a connection silent this long before its first request */
    unsigned query_timeout_ms;   /* time budget of a data request's reads; 0 = none */
    size_t conn_memory;          /* libmicrohttpd's memory pool per connection */
};

/* Looks up an environment variable; returns NULL when unset. */
typedef const char *(*config_getenv_fn)(const char *name);

/*
 * Fills *cfg with defaults, then the environment (through getenv_fn, may be
 * NULL), then argv[first..argc) flags (flags win). On error writes one line
 * (without newline) into err and returns APP_EINVAL. "--help" in argv
 * returns APP_ENOTFOUND so the caller prints usage.
 */
enum app_status config_parse(struct config *cfg, int argc, char **argv, int first,
                             config_getenv_fn getenv_fn, char *err, size_t errlen) APP_MUST_CHECK;

/* Checks the filesystem side: the database's directory exists and is usable. */
enum app_status config_check_paths(const struct config *cfg, char *err,
                                   size_t errlen) APP_MUST_CHECK;

/* Text for `marsad serve --help`. */
extern const char config_usage[];

#endif
