/* Everything the running server owns, passed to every handler through the request. */
#ifndef MARSAD_APP_H
#define MARSAD_APP_H

#include "config.h"
#include "db.h"
#include "log.h"
#include "router.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define MARSAD_VERSION "0.1.0"

struct app_metrics {
    atomic_uint_fast64_t requests;
    atomic_uint_fast64_t by_class[6]; /* 1xx..5xx; index 0 unused */
    atomic_uint_fast64_t bytes_out;
    atomic_uint_fast64_t duration_us_sum;
    atomic_uint_fast64_t not_modified;
    atomic_int_fast64_t in_flight;
    atomic_uint_fast64_t shed;         /* answered 503: over --max-in-flight */
    atomic_uint_fast64_t rate_limited; /* answered 429: over --rate-limit */
};

struct http_server;
struct stat_cache;
struct export_cache;

struct app {
    const struct config *cfg;
    struct logger log;
    struct db_pool db;
    atomic_uint_fast64_t dataset_version; /* advances on every write */
    atomic_uint_fast64_t written_version; /* the newest version this process commits */
    const struct route *routes;
    size_t nroutes;
    route_guard_fn route_guard; /* checks the routes' flags before their handlers */
    struct app_metrics metrics;
    time_t started_at;
    char boot_id[17]; /* random hex, prefix of generated request ids */
    atomic_uint_fast64_t request_seq;
    const char *mhd_version;
    const char *sqlite_version;
    struct http_server *server;        /* set while serving */
    struct stat_cache *stat_cache;     /* computed statistics responses; NULL caches nothing */
    struct export_cache *export_cache; /* the last /v1/export.sqlite copy; NULL: none kept */
};

/*
 * The calling thread's read-only connection, inside the request's read
 * snapshot: the first call of a request begins it, every later read of the
 * request sees the same committed state. app_snapshot_end() ends it.
 */
enum app_status app_db_reader(struct app *app, struct db_conn **out) APP_MUST_CHECK;
/* The dataset version of the request's snapshot (begun when none is open). */
enum app_status app_snapshot_version(struct app *app, uint64_t *out) APP_MUST_CHECK;
/*
 * Ends the calling thread's snapshot, if one is open, after reading its dataset
 * version into *version (true then). Every dispatch of a request ends with it.
 */
bool app_snapshot_end(struct app *app, uint64_t *version);

/*
 * A dataset version read from the database: published when newer than the one
 * published. Returns true when another process wrote it, false when it is older
 * or one this process committed (its write may not have published it yet).
 */
bool app_observe_version(struct app *app, uint64_t v);

/*
 * Answers a request whose database work failed with the status the failure
 * deserves (503 + Retry-After when busy, 500 otherwise), logging the cause.
 */
void app_db_error(struct http_request *req, struct http_response *res, enum app_status st,
                  const char *what);

#endif
