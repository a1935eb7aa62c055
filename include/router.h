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
};

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
 * or 204 for OPTIONS (with Allow). HEAD runs the GET handler.
 */
void router_dispatch(const struct route *routes, size_t n, struct http_request *req,
                     struct http_response *res);

#endif
