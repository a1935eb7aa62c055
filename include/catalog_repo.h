/*
 * SQL of the catalog's writes (metrics, relations between metrics, curated conflicts),
 * called by write_repo.c for those resources. Records travel as JSON text, as for the
 * evidence; every function runs on the writer connection inside the caller's
 * transaction.
 */
#ifndef MARSAD_CATALOG_REPO_H
#define MARSAD_CATALOG_REPO_H

#include "db.h"
#include "status.h"
#include "write_json.h"
#include "write_repo.h"

#include <stdbool.h>
#include <stdint.h>

enum app_status catalog_repo_load(struct db_conn *c, enum write_resource r, const char *id,
                                  struct write_state *out) APP_MUST_CHECK;
enum app_status catalog_repo_insert(struct db_conn *c, enum write_resource r, const char *id,
                                    const char *doc, const char *now) APP_MUST_CHECK;
enum app_status catalog_repo_update(struct db_conn *c, enum write_resource r, const char *id,
                                    const char *doc, const char *now) APP_MUST_CHECK;
/* A conflict is marked deleted (and can be restored); a relation is removed (its revisions
 * keep it). Metrics are not deleted. */
enum app_status catalog_repo_set_deleted(struct db_conn *c, enum write_resource r, const char *id,
                                         bool deleted, const char *now) APP_MUST_CHECK;

/* What the whole catalog says against a record just written (before: the record before
 * this write, NULL for a create). */
#define CATALOG_MAX_PROBLEMS 8
struct catalog_problems {
    size_t n;
    char pointer[CATALOG_MAX_PROBLEMS][32];
    char msg[CATALOG_MAX_PROBLEMS][240];
};
enum app_status catalog_repo_check(struct db_conn *c, enum write_resource r, const char *id,
                                   const char *before, struct catalog_problems *out) APP_MUST_CHECK;

/* Live curated conflicts that cite a claim. */
enum app_status catalog_repo_conflicts_citing(struct db_conn *c, const char *claim_id,
                                              int64_t *n) APP_MUST_CHECK;

/* Whether a record that is gone (a removed relation) had revisions: its history stays. */
enum app_status catalog_repo_had_revisions(struct db_conn *c, enum write_resource r, const char *id,
                                           bool *out) APP_MUST_CHECK;

#endif
