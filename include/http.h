/*
 * HTTP request and response types that know nothing of libmicrohttpd, so that
 * handlers run the same behind a socket and inside a unit test.
 */
#ifndef MARSAD_HTTP_H
#define MARSAD_HTTP_H

#include "buf.h"
#include "problem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum http_method {
    HTTP_GET = 1 << 0,
    HTTP_HEAD = 1 << 1,
    HTTP_POST = 1 << 2,
    HTTP_PUT = 1 << 3,
    HTTP_PATCH = 1 << 4,
    HTTP_DELETE = 1 << 5,
    HTTP_OPTIONS = 1 << 6,
    HTTP_OTHER = 1 << 7,
};

enum http_method http_method_parse(const char *s);
const char *http_method_name(enum http_method m);

/* The standard reason phrase, or "Unknown". */
const char *http_reason(unsigned status);

#define HTTP_MAX_QUERY       64
#define HTTP_MAX_PATH_PARAMS 4
#define HTTP_MAX_HEADERS     24

struct http_param {
    char *name;  /* percent-decoded, NUL-terminated */
    char *value; /* percent-decoded, NUL-terminated; "" when absent */
    bool used;   /* set by handlers; unknown parameters are the ones left unused */
};

struct app;
struct http_request;

/* Returns the value of request header `name` (case-insensitive), or NULL. */
typedef const char *(*http_header_fn)(const struct http_request *req, const char *name);

struct http_request {
    enum http_method method;
    const char *target; /* raw request target as received: path and query */
    char *path;         /* percent-decoded path */
    char *raw_path;     /* the path as sent (escapes kept, validated): routes match its segments */
    struct http_param query[HTTP_MAX_QUERY];
    size_t nquery;
    const char *path_names[HTTP_MAX_PATH_PARAMS];
    const char *path_values[HTTP_MAX_PATH_PARAMS];
    size_t npath;
    const char *body;
    size_t body_len;
    const char *request_id;
    http_header_fn header;
    void *header_ctx;
    struct app *app;
    void *thread_ctx;    /* per-thread state (database connection) */
    char *storage;       /* owns the strings of path and query */
    char *route_storage; /* owns the path parameters */
    /* Set by the route guard when it let a write in (router.h): who the token names. */
    bool guarded;
    char principal[128];
    char scope[16];
};

struct http_header {
    char name[48];
    char *value; /* owned */
};

struct http_response {
    unsigned status;
    const char *content_type; /* static string */
    struct buf body;
    struct http_header headers[HTTP_MAX_HEADERS];
    size_t nheaders;
    bool cacheable; /* a data response: gets ETag / Cache-Control */
};

void http_response_init(struct http_response *res);
void http_response_free(struct http_response *res);
/* Adds a header (value copied). Returns false when the table is full or OOM. */
bool http_response_header(struct http_response *res, const char *name, const char *value);
const char *http_response_get_header(const struct http_response *res, const char *name);

/*
 * Parses a raw request target ("/v1/claims?limit=5") into req->path and
 * req->query, percent-decoding both. Returns 0 on success, or an HTTP status
 * (400, 414) with a message in err on malformed input: bad percent escapes,
 * NUL bytes, invalid UTF-8, too many parameters.
 */
unsigned http_request_parse_target(struct http_request *req, const char *target, char *err,
                                   size_t errlen);
void http_request_free(struct http_request *req);
/*
 * Percent-decodes in[0..n) (one path segment, escapes already validated) into out,
 * which has room for n bytes; returns the decoded length. "%2F" becomes a '/' inside
 * the segment, never a separator.
 */
size_t http_decode_segment(const char *in, size_t n, char *out);

/* True when s[0..n) is valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF). */
bool http_valid_utf8(const char *s, size_t n);

/* First value of query parameter `name`, marking it used; NULL when absent. */
const char *http_query(struct http_request *req, const char *name);
/* Value of path parameter `name` captured by the router, or NULL. */
const char *http_path_param(const struct http_request *req, const char *name);
const char *http_header(const struct http_request *req, const char *name);

/*
 * RFC 9457 problem details. `errors` entries name the bad parameter or the
 * JSON pointer of the bad field. Builds the body, sets status and content type.
 */
void http_problem(struct http_response *res, const struct http_request *req, unsigned status,
                  const char *type_slug, const char *detail, const struct problem_error *errors,
                  size_t nerrors);

/* Shorthand for a problem with one error naming a query parameter. */
void http_problem_param(struct http_response *res, const struct http_request *req, unsigned status,
                        const char *param, const char *detail);

/* Starts a JSON body: sets status 200 and the content type. */
void http_json_begin(struct http_response *res, struct jw *w);

/*
 * The entity tags of an If-Match or If-None-Match list (RFC 9110 8.8.3: comma-separated,
 * each an optional W/ and a quoted tag; blanks allowed around commas), one call of fn each
 * with the tag as sent, quotes included and W/ left out (weak says whether it was there);
 * "*" comes as the tag "*". An unquoted entry runs to the next comma or blank; an
 * unterminated quote ends the list. Stops at the first call that returns true and says so.
 * The one parser of the three conditional headers the server reads.
 */
typedef bool (*http_etag_fn)(const void *ctx, const char *tag, size_t len, bool weak);
bool http_etag_list(const char *list, http_etag_fn fn, const void *ctx);

#endif
