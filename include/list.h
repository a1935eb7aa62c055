/*
 * Shared machinery for collection endpoints: limit/offset/cursor/format
 * parameters, the {"data","meta","links"} envelope, CSV and NDJSON output,
 * X-Total-Count and Link headers.
 *
 * Every item is encoded once as JSON by its resource's encoder; list_item_end()
 * places it in the chosen format. CSV cells and sparse fieldsets are cut from the
 * encoded bytes (a scan of the item's top-level members, no parse into a tree):
 * text unescaped, numbers as written, arrays of texts and numbers joined by "; ",
 * other nested values as their compact JSON.
 */
#ifndef MARSAD_LIST_H
#define MARSAD_LIST_H

#include "buf.h"
#include "http.h"
#include "query.h"

#include <stdbool.h>
#include <stdint.h>

enum list_format { LIST_JSON, LIST_CSV, LIST_NDJSON };

#define LIST_DEFAULT_LIMIT 50
#define LIST_MAX_LIMIT     1000

struct list_params {
    int64_t limit;
    int64_t offset;
    bool has_cursor;
    int64_t after; /* keyset position decoded from the cursor */
    enum list_format format;
    bool no_keyset; /* the order has no keyset position: never offer a next_cursor */
    bool bom;       /* bom=1: a CSV body starts with U+FEFF */
    /* fields= (list_fields()): the members kept of each item; fields 0 keeps every member. */
    const char *const *field_names; /* the collection's item members, NULL-terminated */
    uint64_t fields;                /* bit i keeps field_names[i] */
    bool fields_encoded; /* the encoder already wrote only those members (claims, events) */
};

#define LIST_MAX_FIELDS 64

/*
 * Parses limit, offset, cursor and format (format= wins over Accept). Errors
 * are added to qe. allow_cursor false rejects cursor (custom sort orders).
 */
void list_parse(struct http_request *req, struct query_errors *qe, struct list_params *lp);

/*
 * fields=: a sparse fieldset, as JSON:API's. names are the members an item of the
 * collection can have, in the order the encoder writes them (at most LIST_MAX_FIELDS);
 * the first `keep` of them (the item's identity) always come. what names an item in the
 * error ("a source"). Asking for every member is the same as not asking (lp->fields 0).
 * A sparse JSON page names its members in a top-level "fields" array; CSV keeps the
 * columns asked for; JSON and NDJSON items keep the members asked for, in their order.
 */
void list_fields(struct http_request *req, struct query_errors *qe, struct list_params *lp,
                 const char *const *names, unsigned keep, const char *what);

/*
 * The representation a path ending in ".csv" or ".ndjson" names (the collections' CSV and
 * NDJSON operations, /v1/claims.csv); false for any other path.
 */
bool list_path_format(const char *path, enum list_format *out);

/* Encodes a keyset position as an opaque cursor string (out >= 64 bytes). */
void list_cursor_encode(int64_t after, char *out, size_t n);
/* Decodes; false when malformed. */
bool list_cursor_decode(const char *s, int64_t *after);

struct list_ctx {
    struct http_request *req;
    struct http_response *res;
    const struct list_params *lp;
    const char *csv_columns[LIST_MAX_FIELDS + 1]; /* the columns written, NULL-terminated */
    struct buf item;
    struct buf cell; /* one CSV cell's text */
    struct jw w;     /* write the current item with this */
    size_t count;
    int64_t last_key; /* keyset key of the last item written */
    bool more;        /* an item past the page was offered: a next page exists */
};

/*
 * The rows to ask the repository for: one past the page, which list_item_end() does not
 * write but takes as the sign that a next page exists (so a full last page offers no
 * cursor to an empty one).
 */
int64_t list_fetch_limit(const struct list_params *lp);

/* Starts the body. */
void list_begin(struct list_ctx *lc, struct http_request *req, struct http_response *res,
                const struct list_params *lp, const char *const *csv_columns);
/* Returns the writer for one item; call list_item_end() after writing one JSON value. */
struct jw *list_item_begin(struct list_ctx *lc);
void list_item_end(struct list_ctx *lc, int64_t key);
/*
 * Finishes: meta {total, limit, offset, count, next_cursor}, links {self, first,
 * prev, next, last} (JSON only), X-Total-Count and Link headers. total < 0 means
 * unknown. has_more tells whether a next page exists (for cursor paging).
 */
void list_end(struct list_ctx *lc, int64_t total);
void list_free(struct list_ctx *lc);

/* Writes the request's path with its query, replacing offset/cursor (NULL drops them). */
void list_link(const struct http_request *req, struct buf *out, const char *offset,
               const char *cursor);

#endif
