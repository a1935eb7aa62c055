/* One route table; segment-by-segment matching with {name} captures; 404 vs 405. */
#ifndef MARSAD_ROUTER_H
#define MARSAD_ROUTER_H

#include "http.h"

typedef void (*http_handler_fn)(struct http_request *req, struct http_response *res);

/* What a route is, checked by the transport before it reads a body. */
enum route_flag {
    /* A POST that stores nothing and needs no token (its body is read like a query). */
    ROUTE_OPEN_BODY = 1 << 0,
    /* A health check or the metrics scrape: answered under rate limits and overload, and
     * not counted as load (a literal pattern: the transport matches it before routing). */
    ROUTE_OPERATIONAL = 1 << 1,
    /* A curation write: a writable server and a token (the route guard checks both). */
    ROUTE_WRITE = 1 << 2,
    /* ... whose token must have the admin scope. */
    ROUTE_ADMIN = 1 << 3,
    /* ... whose body is application/json. */
    ROUTE_JSON_BODY = 1 << 4,
    /* ... whose body is a merge patch (application/merge-patch+json, or application/json). */
    ROUTE_MERGE_PATCH = 1 << 5,
};

/*
 * The one check of what a route's flags demand (ROUTE_WRITE and the flags with it), run
 * before its handler, and by the transport before a body is read: false when it answered
 * (405 on a read-only server, 401, 403, 415). On success it sets req->guarded and who the
 * token names. The route table provides it (routes.h); the router only calls it.
 */
typedef bool (*route_guard_fn)(struct http_request *req, struct http_response *res, unsigned flags);

struct route {
    unsigned methods; /* HTTP_GET | ...; GET routes answer HEAD too */
    const char *pattern;
    http_handler_fn handler;
    unsigned flags; /* enum route_flag */
};

enum router_match {
    ROUTER_FOUND,
    ROUTER_NOT_FOUND,          /* no pattern matches the path */
    ROUTER_METHOD_NOT_ALLOWED, /* a pattern matches, not with this method */
};

/*
 * Finds the route for (method, req->raw_path: segments decoded after the split, so
 * "%2F" never separates). On ROUTER_FOUND sets *out and the
 * request's path parameters. *allowed gets the methods the path accepts
 * (HEAD and OPTIONS included) whenever some pattern matches.
 */
enum router_match router_match(const struct route *routes, size_t n, struct http_request *req,
                               const struct route **out, unsigned *allowed);

/*
 * Whether the raw request target (path and query, before any parsing) names a route with
 * a literal pattern that has `flag`: what the transport needs to know of a request before
 * it is parsed and routed (ROUTE_OPERATIONAL).
 */
bool router_target_has_flag(const struct route *routes, size_t n, const char *target,
                            unsigned flag);

/* Writes "GET, HEAD, OPTIONS" style text for a method mask. */
void router_allow_header(unsigned allowed, char *out, size_t n);

/*
 * Routes the request: calls the handler, or answers 404, 405 (with Allow),
 * or 204 for OPTIONS (with Allow). HEAD runs the GET handler. A ROUTE_WRITE route runs
 * guard first unless the request was guarded already (a write route without a guard is
 * refused: 500).
 */
void router_dispatch(const struct route *routes, size_t n, route_guard_fn guard,
                     struct http_request *req, struct http_response *res);

#endif
