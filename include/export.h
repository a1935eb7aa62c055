/*
 * The one-shot export (GET /v1/export): the evidence base as NDJSON lines, one JSON
 * object per line, each starting with its "type". Each resource's lines are written by
 * its handler file with the writer of its GET by id (so a line has that resource's shape);
 * this module only frames the lines, counts them per type and keeps the scratch list of
 * ids a resource walks. Pure: buf and jw only.
 */
#ifndef MARSAD_EXPORT_H
#define MARSAD_EXPORT_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The line types, in the order the export writes them. */
enum export_type {
    EXPORT_SOURCE,
    EXPORT_ENTITY,
    EXPORT_METRIC,
    EXPORT_RELATION,
    EXPORT_PROGRAM,
    EXPORT_CLAIM,
    EXPORT_CONFLICT,
    EXPORT_NTYPES
};

/* The "type" member of a line of type t ("source", ...). */
const char *export_type_name(enum export_type t);

struct export_writer {
    struct buf *out; /* the lines, appended to */
    struct jw w;
    int64_t counts[EXPORT_NTYPES];
    struct buf ids; /* scratch list: NUL-terminated ids one after another */
    size_t nids;
};

/* Starts a writer appending lines to out (borrowed). */
void export_writer_init(struct export_writer *x, struct buf *out);
void export_writer_free(struct export_writer *x);

/*
 * Starts a line of type t: returns the writer with an open object whose first member,
 * "type", is written; write the resource's members into it, then export_line_end().
 */
struct jw *export_line_begin(struct export_writer *x, enum export_type t);
/* Closes the line's object and ends the line ("\n"). */
void export_line_end(struct export_writer *x);

/* The scratch id list: emptied, appended to, walked (first: NULL prev; NULL at the end). */
void export_ids_reset(struct export_writer *x);
void export_ids_add(struct export_writer *x, const char *id);
const char *export_ids_next(const struct export_writer *x, const char *prev);

/*
 * Writes the header line: {"type":"export","format":...,"dataset_version":version,
 * "schema_version":schema,"generated_from":{...},"order":[...],"counts":{type: n,...}}.
 * The counts are the writer's, so write it after the lines (into another buffer).
 */
void export_header(const struct export_writer *x, struct buf *out, uint64_t version, int schema,
                   const char *server_version);

/*
 * The last database copy made for GET /v1/export.sqlite, kept with the dataset version it
 * was made from, so that the copy is made once per version: one copy at a time, the
 * newest. Thread-safe; one per server (struct app). A NULL cache caches nothing.
 */
struct export_cache;
struct export_cache *export_cache_new(void);
void export_cache_free(struct export_cache *c);
/* Appends the copy of `version` to out and returns true, when the cache holds it. */
bool export_cache_get(struct export_cache *c, uint64_t version, struct buf *out);
/*
 * Keeps data[0..len) (malloc'd; stolen: the cache frees it, even when it keeps a newer
 * copy instead) as the copy of `version`.
 */
void export_cache_put_new(struct export_cache *c, uint64_t version, char *data, size_t len);
/*
 * Brackets the making of a copy: one at a time, so that requests arriving together for a
 * new version wait for the first one's copy instead of each making their own.
 */
void export_cache_make_begin(struct export_cache *c);
void export_cache_make_end(struct export_cache *c);

#endif
