/*
 * SQL of the write API. Records travel as JSON text (validated and normalized
 * by write_json.c); SQLite's JSON functions take them apart, so this layer
 * never needs a JSON library. Every function runs on the writer connection,
 * inside the caller's transaction.
 */
#ifndef MARSAD_WRITE_REPO_H
#define MARSAD_WRITE_REPO_H

#include "db.h"
#include "status.h"
#include "write_json.h"

#include <stdbool.h>
#include <stdint.h>

/* Table name of a resource: "source", "claim", "program". */
const char *write_repo_table(enum write_resource r);

/*
 * The lookups validation makes (struct write_lookup): APP_OK when the record is there (and
 * its facts are copied out), APP_ENOTFOUND when it is not, any other status when the
 * database could not say; a database error is never read as absence.
 */
/* A record of table (source, claim, metric, entity, program, topic, ...) has id. */
enum app_status write_repo_exists(struct db_conn *c, const char *table,
                                  const char *id) APP_MUST_CHECK;
enum app_status write_repo_entity_kind(struct db_conn *c, const char *id, char *out,
                                       size_t n) APP_MUST_CHECK;
enum app_status write_repo_metric(struct db_conn *c, const char *id, char *unit, size_t un,
                                  char *vtype, size_t vn) APP_MUST_CHECK;
/* The stored text of a live source (malloc'd; APP_ENOTFOUND when it has none). */
enum app_status write_repo_source_text(struct db_conn *c, const char *id, char **text,
                                       size_t *len) APP_MUST_CHECK;
/* A free claim id for a new claim of source (APP_ENOTFOUND when there is no such source). */
enum app_status write_repo_next_claim_id(struct db_conn *c, const char *source, char *out,
                                         size_t n) APP_MUST_CHECK;

/* Whether a claim, source or program `id` exists and was deleted (*deleted); false for any
 * other resource or an unknown id. Reads one row, never the record. */
enum app_status write_repo_deleted(struct db_conn *c, enum write_resource r, const char *id,
                                   bool *deleted) APP_MUST_CHECK;

/* The lookups above as the struct validation takes (over c, borrowed): the one adapter
 * of the write API and the seed build. */
struct write_lookup write_repo_lookup(struct db_conn *c);

/* SQL: the dataset version of a record's last change (1: the curated seed). */
#define CHANGED_IN(res, idcol)                                                   \
    "coalesce((SELECT max(dataset_version) FROM revision WHERE resource = '" res \
    "' AND resource_id = " idcol "), 1)"

struct write_state {
    bool found;
    bool deleted;
    int64_t revision;
    int64_t changed_in; /* dataset version of the last change (1: the curated seed) */
    char *json;         /* the record's editable fields as JSON text (malloc'd) */
};

/* The current record (deleted ones too). */
enum app_status write_repo_load(struct db_conn *c, enum write_resource r, const char *id,
                                struct write_state *out) APP_MUST_CHECK;
void write_state_free(struct write_state *s);
/* Steps a bound load statement (deleted, revision, changed_in, json) into *out. */
enum app_status write_state_step(struct sqlite3_stmt *st, struct write_state *out) APP_MUST_CHECK;

/* Inserts or replaces a record from its normalized JSON text. */
enum app_status write_repo_insert(struct db_conn *c, enum write_resource r, const char *doc,
                                  const char *now) APP_MUST_CHECK;
enum app_status write_repo_update(struct db_conn *c, enum write_resource r, const char *id,
                                  const char *doc, const char *now) APP_MUST_CHECK;
/* Soft delete (deleted true) or restore. */
enum app_status write_repo_set_deleted(struct db_conn *c, enum write_resource r, const char *id,
                                       bool deleted, const char *now) APP_MUST_CHECK;
/*
 * Makes a deleted record live again as the normalized document doc, which
 * validation derived against the current data: a claim's offsets point into
 * its source's current text.
 */
enum app_status write_repo_restore(struct db_conn *c, enum write_resource r, const char *id,
                                   const char *doc, const char *now) APP_MUST_CHECK;
/* Number of live claims quoting a source. */
enum app_status write_repo_claims_of_source(struct db_conn *c, const char *id,
                                            int64_t *n) APP_MUST_CHECK;

/* Number of live claims that refer to a source (quote or footnote) or a program (subject or
 * mention); for a claim, the live curated conflicts that cite it. */
enum app_status write_repo_claims_referencing(struct db_conn *c, enum write_resource r,
                                              const char *id, int64_t *n) APP_MUST_CHECK;

/* Advances the dataset version; *out is the new one. */
enum app_status write_repo_bump_version(struct db_conn *c, const char *now,
                                        uint64_t *out) APP_MUST_CHECK;
/* Revision members of at least this many bytes are stored once per content (revision_blob). */
#define WRITE_REPO_BLOB_MIN 1024

/* Records a revision; large members of before/after are stored once per distinct content. */
enum app_status write_repo_revision(struct db_conn *c, enum write_resource r, const char *id,
                                    const char *action, const char *actor, const char *reason,
                                    const char *now, const char *before, const char *after,
                                    uint64_t version) APP_MUST_CHECK;

struct revision_row {
    int64_t seq;
    const char *action, *actor, *reason, *at, *before, *after;
    int64_t dataset_version;
};
/* Rows in order from offset, at most limit of them, until fn returns false; before/after are
 * the documents as written (large members restored). */
typedef bool (*revision_row_fn)(void *ctx, const struct revision_row *row);
enum app_status write_repo_revisions(struct db_conn *c, enum write_resource r, const char *id,
                                     int64_t limit, int64_t offset, revision_row_fn fn, void *ctx,
                                     int64_t *total) APP_MUST_CHECK;

/* Tokens: stored as SHA-256 hex only. */
struct token_row {
    const char *name, *scope, *created_at, *revoked_at;
};
enum app_status token_repo_create(struct db_conn *c, const char *name, const char *hash_hex,
                                  const char *scope, const char *now) APP_MUST_CHECK;
enum app_status token_repo_revoke(struct db_conn *c, const char *name,
                                  const char *now) APP_MUST_CHECK;
typedef bool (*token_row_fn)(void *ctx, const struct token_row *row);
enum app_status token_repo_list(struct db_conn *c, token_row_fn fn, void *ctx) APP_MUST_CHECK;
/*
 * Finds the live token whose hash equals hash_hex, comparing every stored hash
 * in constant time. name/scope get copies when found.
 */
enum app_status token_repo_find(struct db_conn *c, const char *hash_hex, char *name,
                                size_t name_len, char *scope, size_t scope_len) APP_MUST_CHECK;

#endif
