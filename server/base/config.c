#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char config_usage[] =
    "Usage: marsad serve [options]\n"
    "\n"
    "Options (each also settable by the environment variable shown; flags win):\n"
    "  --host ADDR          address to listen on            MARSAD_HOST      (127.0.0.1)\n"
    "  --port N             TCP port, 0 picks a free one    MARSAD_PORT      (8080)\n"
    "  --db PATH            SQLite database; created with   MARSAD_DB        (marsad.db)\n"
    "                       the default data when missing\n"
    "  --threads N          worker threads, 1-256           MARSAD_THREADS   (one per core)\n"
    "  --cors-origin ORIGIN Access-Control-Allow-Origin,    MARSAD_CORS_ORIGIN (*)\n"
    "                       empty to disable CORS\n"
    "  --log-level LEVEL    error, warn, info, debug        MARSAD_LOG_LEVEL (info)\n"
    "  --log-buffer BYTES   access lines gathered per       MARSAD_LOG_BUFFER (64k)\n"
    "                       thread before one write (and\n"
    "                       written within 100 ms); 0: a\n"
    "                       write per line\n"
    "  --max-body BYTES     request body limit, k/m suffix  MARSAD_MAX_BODY  (1m)\n"
    "  --timeout SECONDS    idle connection timeout, 1-3600 MARSAD_TIMEOUT   (30)\n"
    "  --cache-max-age S    Cache-Control max-age, 0-86400  MARSAD_CACHE_MAX_AGE (60)\n"
    "  --max-connections N  global connection limit         MARSAD_MAX_CONNECTIONS (1024)\n"
    "  --max-connections-per-ip N                            MARSAD_MAX_CONNECTIONS_PER_IP\n"
    "                       (64; no limit when listening on loopback)\n"
    "  --read-only          serve reads only                MARSAD_READ_ONLY (0)\n"
    "  --max-in-flight N    beyond N requests in progress,  MARSAD_MAX_IN_FLIGHT (256)\n"
    "                       new ones get 503 + Retry-After\n"
    "  --rate-limit N       requests/s per client address,  MARSAD_RATE_LIMIT (0 = off)\n"
    "                       beyond it 429 + Retry-After\n"
    "  --body-timeout S     a request body must arrive      MARSAD_BODY_TIMEOUT (10)\n"
    "                       whole within S seconds, 1-3600\n"
    "  --body-min-rate B    bytes/s a body must keep up     MARSAD_BODY_MIN_RATE (1k)\n"
    "                       after its first second; 0: none\n"
    "  --new-connection-timeout S                            MARSAD_NEW_CONNECTION_TIMEOUT\n"
    "                       a new connection silent for S s (5)\n"
    "                       before its first request is closed\n"
    "  --query-timeout MS   time budget of a data request's MARSAD_QUERY_TIMEOUT (2000)\n"
    "                       reads, else 503; 0: none\n"
    "  --connection-memory BYTES                             MARSAD_CONNECTION_MEMORY\n"
    "                       libmicrohttpd's memory per      (40k)\n"
    "                       connection (request line and\n"
    "                       headers), 16k-1m; below 40k\n"
    "                       large requests get a bare 431\n";

struct option_def {
    const char *flag;
    const char *env;
    enum app_status (*apply)(struct config *cfg, const char *name, const char *value, char *err,
                             size_t errlen);
};

static enum app_status S_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum app_status S_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (n < 0 && errlen > 0)
        err[0] = '\0';
    return APP_EINVAL;
}

/* Parses a decimal integer in [lo, hi] with nothing after it. */
static bool S_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static enum app_status S_copy(char *dst, size_t cap, const char *name, const char *value, char *err,
                              size_t errlen)
{
    size_t n = strlen(value);
    if (n >= cap)
        return S_fail(err, errlen, "invalid %s: longer than %zu bytes", name, cap - 1);
    memcpy(dst, value, n + 1);
    return APP_OK;
}

static enum app_status S_host(struct config *cfg, const char *name, const char *v, char *err,
                              size_t errlen)
{
    if (*v == '\0')
        return S_fail(err, errlen, "invalid %s: must not be empty", name);
    return S_copy(cfg->host, sizeof cfg->host, name, v, err, errlen);
}

static enum app_status S_port(struct config *cfg, const char *name, const char *v, char *err,
                              size_t errlen)
{
    uint64_t n;
    if (!S_parse_uint(v, 0, 65535, &n))
        return S_fail(err, errlen, "invalid %s '%s': must be an integer from 0 to 65535", name, v);
    cfg->port = (uint16_t)n;
    return APP_OK;
}

static enum app_status S_db(struct config *cfg, const char *name, const char *v, char *err,
                            size_t errlen)
{
    if (*v == '\0')
        return S_fail(err, errlen, "invalid %s: must not be empty", name);
    return S_copy(cfg->db_path, sizeof cfg->db_path, name, v, err, errlen);
}

static enum app_status S_threads(struct config *cfg, const char *name, const char *v, char *err,
                                 size_t errlen)
{
    uint64_t n;
    if (!S_parse_uint(v, 1, 256, &n))
        return S_fail(err, errlen, "invalid %s '%s': must be an integer from 1 to 256", name, v);
    cfg->threads = (unsigned)n;
    return APP_OK;
}

static enum app_status S_cors(struct config *cfg, const char *name, const char *v, char *err,
                              size_t errlen)
{
    for (const char *p = v; *p; p++) {
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
            return S_fail(err, errlen, "invalid %s: an origin has no spaces or control characters",
                          name);
    }
    return S_copy(cfg->cors_origin, sizeof cfg->cors_origin, name, v, err, errlen);
}

static enum app_status S_level(struct config *cfg, const char *name, const char *v, char *err,
                               size_t errlen)
{
    if (!log_level_parse(v, &cfg->log_level))
        return S_fail(err, errlen, "invalid %s '%s': must be one of error, warn, info, debug", name,
                      v);
    return APP_OK;
}

/* A size in bytes with an optional k or m suffix, from lo to hi bytes. */
static bool S_parse_size(const char *v, uint64_t lo, uint64_t hi, size_t *out)
{
    char digits[32];
    size_t n = strlen(v);
    uint64_t mult = 1;
    if (n == 0 || n >= sizeof digits)
        return false;
    memcpy(digits, v, n + 1);
    char last = digits[n - 1];
    if (last == 'k' || last == 'K')
        mult = 1024;
    else if (last == 'm' || last == 'M')
        mult = 1024 * 1024;
    if (mult != 1)
        digits[n - 1] = '\0';
    uint64_t x;
    if (!S_parse_uint(digits, 0, hi, &x) || x * mult < lo || x * mult > hi)
        return false;
    *out = (size_t)(x * mult);
    return true;
}

static enum app_status S_max_body(struct config *cfg, const char *name, const char *v, char *err,
                                  size_t errlen)
{
    if (S_parse_size(v, 1, 64ull * 1024 * 1024, &cfg->max_body))
        return APP_OK;
    return S_fail(err, errlen,
                  "invalid %s '%s': must be a size from 1 byte to 64m (suffix k or m allowed)",
                  name, v);
}

static enum app_status S_conn_memory(struct config *cfg, const char *name, const char *v, char *err,
                                     size_t errlen)
{
    if (S_parse_size(v, 16 * 1024, 1024 * 1024, &cfg->conn_memory))
        return APP_OK;
    return S_fail(err, errlen,
                  "invalid %s '%s': must be a size from 16k to 1m (suffix k or m allowed)", name,
                  v);
}

static enum app_status S_log_buffer(struct config *cfg, const char *name, const char *v, char *err,
                                    size_t errlen)
{
    if (S_parse_size(v, 0, 16ull * 1024 * 1024, &cfg->log_buffer))
        return APP_OK;
    return S_fail(err, errlen,
                  "invalid %s '%s': must be a size from 0 (no buffer) to 16m (suffix k or m "
                  "allowed)",
                  name, v);
}

static enum app_status S_timeout(struct config *cfg, const char *name, const char *v, char *err,
                                 size_t errlen)
{
    uint64_t n;
    if (!S_parse_uint(v, 1, 3600, &n))
        return S_fail(err, errlen, "invalid %s '%s': must be an integer from 1 to 3600 seconds",
                      name, v);
    cfg->timeout_s = (unsigned)n;
    return APP_OK;
}

static enum app_status S_max_age(struct config *cfg, const char *name, const char *v, char *err,
                                 size_t errlen)
{
    uint64_t n;
    if (!S_parse_uint(v, 0, 86400, &n))
        return S_fail(err, errlen, "invalid %s '%s': must be an integer from 0 to 86400 seconds",
                      name, v);
    cfg->cache_max_age = (unsigned)n;
    return APP_OK;
}

static enum app_status S_max_conns(struct config *cfg, const char *name, const char *v, char *err,
                                   size_t errlen)
{
    uint64_t n;
    if (!S_parse_uint(v, 1, 100000, &n))
        return S_fail(err, errlen, "invalid %s '%s': must be an integer from 1 to 100000", name, v);
    cfg->max_conns = (unsigned)n;
    return APP_OK;
}

static enum app_status S_max_conns_ip(struct config *cfg, const char *name, const char *v,
                                      char *err, size_t errlen)
{
    uint64_t n;
    if (!S_parse_uint(v, 1, 100000, &n))
        return S_fail(err, errlen, "invalid %s '%s': must be an integer from 1 to 100000", name, v);
    cfg->max_conns_per_ip = (unsigned)n;
    return APP_OK;
}

static enum app_status S_read_only(struct config *cfg, const char *name, const char *v, char *err,
                                   size_t errlen)
{
    if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
        cfg->read_only = true;
    else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
        cfg->read_only = false;
    else
        return S_fail(err, errlen, "invalid %s '%s': must be 1, 0, true or false", name, v);
    return APP_OK;
}

static enum app_status S_in_flight(struct config *cfg, const char *name, const char *v, char *err,
                                   size_t errlen)
{
    uint64_t n;
    if (!S_parse_uint(v, 1, 100000, &n))
        return S_fail(err, errlen, "invalid %s '%s': must be an integer from 1 to 100000", name, v);
    cfg->max_in_flight = (unsigned)n;
    return APP_OK;
}

static enum app_status S_rate(struct config *cfg, const char *name, const char *v, char *err,
                              size_t errlen)
{
    uint64_t n;
    if (!S_parse_uint(v, 0, 1000000, &n))
        return S_fail(err, errlen, "invalid %s '%s': must be an integer from 0 to 1000000", name,
                      v);
    cfg->rate_limit = (unsigned)n;
    return APP_OK;
}

static enum app_status S_body_timeout(struct config *cfg, const char *name, const char *v,
                                      char *err, size_t errlen)
{
    uint64_t n;
    if (!S_parse_uint(v, 1, 3600, &n))
        return S_fail(err, errlen, "invalid %s '%s': must be an integer from 1 to 3600 seconds",
                      name, v);
    cfg->body_timeout_s = (unsigned)n;
    return APP_OK;
}

static enum app_status S_body_rate(struct config *cfg, const char *name, const char *v, char *err,
                                   size_t errlen)
{
    size_t n;
    if (!S_parse_size(v, 0, 64ull * 1024 * 1024, &n))
        return S_fail(err, errlen,
                      "invalid %s '%s': must be bytes per second from 0 (no minimum) to 64m "
                      "(suffix k or m allowed)",
                      name, v);
    cfg->body_min_rate = (unsigned)n;
    return APP_OK;
}

static enum app_status S_new_conn_timeout(struct config *cfg, const char *name, const char *v,
                                          char *err, size_t errlen)
{
    uint64_t n;
    if (!S_parse_uint(v, 1, 3600, &n))
        return S_fail(err, errlen, "invalid %s '%s': must be an integer from 1 to 3600 seconds",
                      name, v);
    cfg->new_conn_timeout_s = (unsigned)n;
    return APP_OK;
}

static enum app_status S_query_timeout(struct config *cfg, const char *name, const char *v,
                                       char *err, size_t errlen)
{
    uint64_t n;
    if (!S_parse_uint(v, 0, 600000, &n))
        return S_fail(err, errlen,
                      "invalid %s '%s': must be an integer from 0 (none) to 600000 milliseconds",
                      name, v);
    cfg->query_timeout_ms = (unsigned)n;
    return APP_OK;
}

static const struct option_def options[] = {
    {"--host", "MARSAD_HOST", S_host},
    {"--port", "MARSAD_PORT", S_port},
    {"--db", "MARSAD_DB", S_db},
    {"--threads", "MARSAD_THREADS", S_threads},
    {"--cors-origin", "MARSAD_CORS_ORIGIN", S_cors},
    {"--log-level", "MARSAD_LOG_LEVEL", S_level},
    {"--log-buffer", "MARSAD_LOG_BUFFER", S_log_buffer},
    {"--max-body", "MARSAD_MAX_BODY", S_max_body},
    {"--timeout", "MARSAD_TIMEOUT", S_timeout},
    {"--cache-max-age", "MARSAD_CACHE_MAX_AGE", S_max_age},
    {"--max-connections", "MARSAD_MAX_CONNECTIONS", S_max_conns},
    {"--max-connections-per-ip", "MARSAD_MAX_CONNECTIONS_PER_IP", S_max_conns_ip},
    {"--read-only", "MARSAD_READ_ONLY", S_read_only},
    {"--max-in-flight", "MARSAD_MAX_IN_FLIGHT", S_in_flight},
    {"--rate-limit", "MARSAD_RATE_LIMIT", S_rate},
    {"--body-timeout", "MARSAD_BODY_TIMEOUT", S_body_timeout},
    {"--body-min-rate", "MARSAD_BODY_MIN_RATE", S_body_rate},
    {"--new-connection-timeout", "MARSAD_NEW_CONNECTION_TIMEOUT", S_new_conn_timeout},
    {"--query-timeout", "MARSAD_QUERY_TIMEOUT", S_query_timeout},
    {"--connection-memory", "MARSAD_CONNECTION_MEMORY", S_conn_memory},
};

static void S_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    memcpy(cfg->host, "127.0.0.1", sizeof "127.0.0.1");
    cfg->port = 8080;
    memcpy(cfg->db_path, "marsad.db", sizeof "marsad.db");
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->threads = n < 1 ? 1u : n > 256 ? 256u : (unsigned)n;
    cfg->cors_origin[0] = '*';
    cfg->log_level = LOG_INFO;
    cfg->log_buffer = 64 * 1024;
    cfg->max_body = 1024 * 1024;
    cfg->conn_memory = CONFIG_CONNECTION_MEMORY;
    cfg->timeout_s = 30;
    cfg->cache_max_age = 60;
    cfg->max_conns = 1024;
    cfg->max_conns_per_ip = 0; /* derived from the listen address (http_server.c) */
    cfg->read_only = false;
    cfg->max_in_flight = 256;
    cfg->rate_limit = 0;
    cfg->body_timeout_s = 10;
    cfg->body_min_rate = 1024;
    cfg->new_conn_timeout_s = 5;
    cfg->query_timeout_ms = 2000;
}

enum app_status config_parse(struct config *cfg, int argc, char **argv, int first,
                             config_getenv_fn getenv_fn, char *err, size_t errlen)
{
    const size_t nopt = sizeof options / sizeof options[0];
    S_defaults(cfg);
    if (errlen > 0)
        err[0] = '\0';

    if (getenv_fn) {
        for (size_t i = 0; i < nopt; i++) {
            const char *v = getenv_fn(options[i].env);
            if (v && options[i].apply(cfg, options[i].env, v, err, errlen) != APP_OK)
                return APP_EINVAL;
        }
    }

    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return APP_ENOTFOUND;
        const char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        const struct option_def *opt = NULL;
        for (size_t k = 0; k < nopt; k++) {
            if (strlen(options[k].flag) == name_len &&
                strncmp(options[k].flag, arg, name_len) == 0) {
                opt = &options[k];
                break;
            }
        }
        if (!opt)
            return S_fail(err, errlen, "unknown option '%s' (see marsad serve --help)", arg);
        const char *value;
        if (eq) {
            value = eq + 1;
        } else if (opt->apply == S_read_only) {
            value = "1";
        } else {
            if (i + 1 >= argc)
                return S_fail(err, errlen, "option %s needs a value", opt->flag);
            value = argv[++i];
        }
        if (opt->apply(cfg, opt->flag, value, err, errlen) != APP_OK)
            return APP_EINVAL;
    }
    return APP_OK;
}

enum app_status config_check_paths(const struct config *cfg, char *err, size_t errlen)
{
    char dir[CONFIG_PATH_MAX];
    const char *slash = strrchr(cfg->db_path, '/');
    if (!slash) {
        dir[0] = '.';
        dir[1] = '\0';
    } else if (slash == cfg->db_path) {
        dir[0] = '/';
        dir[1] = '\0';
    } else {
        size_t n = (size_t)(slash - cfg->db_path);
        memcpy(dir, cfg->db_path, n);
        dir[n] = '\0';
    }
    struct stat st;
    if (stat(dir, &st) != 0)
        return S_fail(err, errlen, "invalid --db '%s': directory '%s' does not exist", cfg->db_path,
                      dir);
    if (!S_ISDIR(st.st_mode))
        return S_fail(err, errlen, "invalid --db '%s': '%s' is not a directory", cfg->db_path, dir);
    if (access(dir, R_OK | X_OK) != 0)
        return S_fail(err, errlen, "invalid --db '%s': directory '%s' is not readable",
                      cfg->db_path, dir);
    if (stat(cfg->db_path, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            return S_fail(err, errlen, "invalid --db '%s': not a regular file", cfg->db_path);
        if (access(cfg->db_path, R_OK) != 0)
            return S_fail(err, errlen, "invalid --db '%s': file is not readable", cfg->db_path);
        if (!cfg->read_only && access(cfg->db_path, W_OK) != 0)
            return S_fail(err, errlen,
                          "invalid --db '%s': file is not writable (use --read-only to serve it)",
                          cfg->db_path);
    } else if (access(dir, W_OK) != 0) {
        return S_fail(err, errlen,
                      "invalid --db '%s': file does not exist and directory '%s' is not writable",
                      cfg->db_path, dir);
    }
    return APP_OK;
}
