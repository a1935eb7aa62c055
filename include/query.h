/*
 * Typed, strict query-parameter parsing. Every helper marks the parameter as
 * used; query_finish() turns every parameter left unused into an "unknown
 * parameter" error naming the allowed ones. Errors accumulate so one 400
 * response lists every bad parameter.
 */
#ifndef MARSAD_QUERY_H
#define MARSAD_QUERY_H

#include "http.h"
#include "pdate.h"
#include "sort_key.h"

#include <stdbool.h>
#include <stdint.h>

#define QUERY_MAX_ERRORS 8
#define QUERY_MAX_LIST   64

struct query_errors {
    size_t n;     /* errors listed (at most QUERY_MAX_ERRORS) */
    size_t total; /* errors found, listed or not */
    struct problem_error e[QUERY_MAX_ERRORS];
    char param[QUERY_MAX_ERRORS][64];
    char msg[QUERY_MAX_ERRORS][512];
};

void query_errors_init(struct query_errors *qe);
void query_error(struct query_errors *qe, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Integer in [lo, hi]; *out keeps its value when absent. Returns true when present and valid. */
bool query_int(struct http_request *req, struct query_errors *qe, const char *name, int64_t lo,
               int64_t hi, int64_t *out);
/* Finite number; *present tells whether it was given. */
bool query_double(struct http_request *req, struct query_errors *qe, const char *name, double *out,
                  bool *present);
/* Partial date (YYYY, YYYY-MM, YYYY-MM-DD). */
bool query_date(struct http_request *req, struct query_errors *qe, const char *name,
                struct pdate *out, bool *present);
/* One of `allowed` (NULL-terminated); *out is the index. */
bool query_enum(struct http_request *req, struct query_errors *qe, const char *name,
                const char *const *allowed, int *out);
/*
 * Comma list: at most QUERY_MAX_LIST non-empty items, each at most 200 bytes.
 * items point into the request. Returns the number of items (0 when absent).
 */
size_t query_list(struct http_request *req, struct query_errors *qe, const char *name,
                  const char **items, char *scratch, size_t scratch_len);
/* Non-empty string of at most max_len bytes. */
const char *query_string(struct http_request *req, struct query_errors *qe, const char *name,
                         size_t max_len);

/* sort=-as_of,value with keys from `allowed`; returns the number of keys. */
size_t query_sort(struct http_request *req, struct query_errors *qe, const char *name,
                  const char *const *allowed, struct sort_key *out, size_t max);

/*
 * Turns free text into a safe FTS5 expression: every word becomes a quoted
 * term (all must match), the last one also matches as a prefix. Returns false
 * when the text holds no word. No FTS5 syntax in the input survives.
 */
bool query_fts_expr(const char *text, struct buf *out);

/*
 * Comma list parameter as a JSON array text (for json_each in SQL). Items are
 * checked by `valid` when given (NULL accepts anything). Returns true when present.
 */
bool query_list_json(struct http_request *req, struct query_errors *qe, const char *name,
                     const char *const *valid, struct buf *out);

/* Adds an error for every parameter never looked up, and for repeated ones. */
void query_finish(struct http_request *req, struct query_errors *qe, const char *const *allowed);

/* Writes the 400 problem listing every error. */
void query_fail(struct http_response *res, const struct http_request *req,
                const struct query_errors *qe);

#endif
