/*
 * Request bodies of the write API: RFC 7396 merge patch, and validation of a
 * whole record into its normalized JSON text. Every problem is collected with
 * the JSON pointer of the field at fault, so one 422 lists them all.
 */
#ifndef MARSAD_WRITE_JSON_H
#define MARSAD_WRITE_JSON_H

#include "problem.h"
#include "status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What the curation API writes: the evidence (sources, claims, programs) and the catalog
 * the consistency rules read (metrics, the relations between them, curated conflicts).
 */
enum write_resource {
    WRITE_SOURCE,
    WRITE_CLAIM,
    WRITE_PROGRAM,
    WRITE_METRIC,
    WRITE_RELATION,
    WRITE_CONFLICT,
};
#define WRITE_NRESOURCES 6

/* The resource's name: "source", "claim", ... (its revisions' `resource`; its path is
 * /v1/<name>s). */
const char *write_resource_name(enum write_resource r);

/* Curated conflicts are named "curated-<slug>" (computed ones by their rule). */
#define WRITE_CURATED_PREFIX "curated-"

#define WRITE_MAX_ERRORS 32

struct write_errors {
    size_t n;     /* errors listed (at most WRITE_MAX_ERRORS) */
    size_t total; /* errors found, listed or not */
    struct problem_error e[WRITE_MAX_ERRORS];
    char pointer[WRITE_MAX_ERRORS][96];
    char msg[WRITE_MAX_ERRORS][200];
};

void write_errors_add(struct write_errors *we, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * What validation needs to know about the database. Each lookup answers APP_OK when the
 * record is there (its facts copied out), APP_ENOTFOUND when it is not, and any other
 * status when it could not say: validation then stops with that status (a 5xx), so a
 * database error never reads as "does not exist" (a 422).
 */
struct write_lookup {
    void *ctx;
    /* a record of `table` has this id: source, program (live ones), program_any, metric,
     * entity, topic, claim (deleted ones too), claim_live, relation, conflict (a curated
     * one, by its API id, deleted ones too) */
    enum app_status (*exists)(void *ctx, const char *table, const char *id);
    /* kind of an entity ("place", ...) into out */
    enum app_status (*entity_kind)(void *ctx, const char *id, char *out, size_t n);
    /* unit and value_type of a metric */
    enum app_status (*metric)(void *ctx, const char *id, char *unit, size_t un, char *vtype,
                              size_t vn);
    /* stored text of a source (malloc'd); APP_ENOTFOUND when it has none */
    enum app_status (*source_text)(void *ctx, const char *id, char **text, size_t *len);
    /* a free id for a new claim of the source */
    enum app_status (*next_claim_id)(void *ctx, const char *source, char *out, size_t n);
};

/*
 * Parses a request body (duplicate keys rejected). Returns NULL and writes a
 * message when it is not one JSON object.
 */
struct json_t;
struct json_t *write_json_parse(const char *body, size_t len, char *err, size_t errlen);
/* Applies an RFC 7396 merge patch to target (modified in place). */
void write_json_merge_patch(struct json_t *target, const struct json_t *patch);
/*
 * Read-only round trips: a body read with GET may be sent back. The members the server
 * computes (quote_start, revision, links, claim_count, ...: not in the input) are taken out
 * of `body`: with `view` (the record's GET `data` as JSON text, for PATCH) each must equal
 * its value there, or it is an error at its pointer; without a view (a create) they are
 * ignored. Members equal to their value in the view are taken out too (sending them back
 * unchanged is no change), and `context`, which depends on the context= asked for.
 */
void write_json_drop_read_only(enum write_resource r, struct json_t *body, const char *view,
                               struct write_errors *we);
/* The record JSON text as a jansson object (new reference). */
struct json_t *write_json_from_text(const char *text);

/*
 * Validates a whole record and normalizes it (derived fields added: offsets
 * of the quote, time window, precision of dates). On success *out is the
 * normalized JSON text (malloc'd). creating: the id may be absent (claims get
 * one) and must not exist yet.
 */
enum app_status write_json_validate(enum write_resource r, struct json_t *doc, bool creating,
                                    const struct write_lookup *lk, struct write_errors *we,
                                    char **out) APP_MUST_CHECK;

/* The string member `key` of a document (after validation: its id, generated or given, or a
 * derived member such as "_sha256"); NULL when it has none. Borrowed from doc. */
const char *write_json_str(const struct json_t *doc, const char *key);

/* Releases a document from write_json_parse()/write_json_from_text() (NULL is fine). */
void write_json_free(struct json_t *j);

/* The record without derived members (those starting with '_'), as new JSON text. */
char *write_json_public(const char *doc_text);

#endif
