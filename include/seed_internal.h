/*
 * What the files of the seed build share (seed.c the driver and the helpers, seed_catalog.c
 * the topics, metrics, relations, entities, programs and sources, seed_claims.c the claims,
 * their provenance and the curated conflicts): the loader's state and its helpers. Not
 * part of the seed's interface (seed.h).
 */
#ifndef MARSAD_SEED_INTERNAL_H
#define MARSAD_SEED_INTERNAL_H

#include "db.h"
#include "embedded.h"
#include "sha256.h"
#include "status.h"
#include "write_json.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

struct loader {
    const struct embedded_file *files; /* the curated files, sorted by name */
    size_t nfiles;
    struct db_conn *conn; /* the database being built; the API's lookups read it */
    sqlite3 *db;
    char *err;
    size_t errlen;
    const char *file; /* file being loaded, for messages */
    struct sha256 inputs;
};

/* The loader's helpers: a failure names the file being loaded and the record. */
enum app_status seed_fail(struct loader *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const struct embedded_file *seed_file(const struct loader *L, const char *name);
json_t *seed_load(struct loader *L, const char *name);
const char *seed_str(json_t *o, const char *key, bool *bad);
enum app_status seed_need(struct loader *L, const char *id, const char *key, const char *v,
                          bool bad);
sqlite3_stmt *seed_prep(struct loader *L, const char *sql);
void seed_bind_text(sqlite3_stmt *st, int i, const char *v);
void seed_bind_seq(sqlite3_stmt *st, int i, sqlite3_int64 seq);
enum app_status seed_step(struct loader *L, sqlite3_stmt *st, const char *what);
sqlite3_int64 seed_seq(struct loader *L, const char *table, const char *id);
enum app_status seed_bind_ref(struct loader *L, sqlite3_stmt *st, int idx, const char *table,
                              const char *ref, const char *id, const char *key);
enum app_status seed_as_api(struct loader *L, enum write_resource r, json_t *doc, const char *id);
json_t *seed_without(const json_t *o, const char *const *drop, size_t n);

/* The parts of the build, in the order seed_build_from() runs them. */
enum app_status seed_topics(struct loader *L);
enum app_status seed_metrics(struct loader *L, json_t *arr, sqlite3_int64 source_seq);
enum app_status seed_relations(struct loader *L, json_t *arr);
enum app_status seed_entities(struct loader *L, json_t *arr);
enum app_status seed_programs(struct loader *L);
enum app_status seed_sources(struct loader *L);
enum app_status seed_cited(struct loader *L, json_t *cited, sqlite3_int64 citing);
enum app_status seed_claims_file(struct loader *L, const char *name);
enum app_status seed_links(struct loader *L);
enum app_status seed_conflicts(struct loader *L);

/* Creates the table of the claim links pending until every claims file is loaded. */
extern const char SEED_SQL_PENDING_LINKS[];

#endif
