/* The database copy of GET /v1/export.sqlite. */
#ifndef MARSAD_EXPORT_REPO_H
#define MARSAD_EXPORT_REPO_H

#include "db.h"
#include "status.h"

#include <stddef.h>

/*
 * A copy of the database c reads, made with SQLite's online backup API in one step, so
 * inside c's open read transaction (the request's snapshot) when there is one. The copy
 * is made in memory; the curation tokens (api_token) are deleted from it and it is
 * VACUUMed, so no page of it holds a token's hash, then it is marked as a rollback-journal
 * database (no WAL files needed to open it). *out is a malloc'd image of the database
 * file (free() it) of *len bytes.
 */
enum app_status export_repo_sqlite(struct db_conn *c, char **out, size_t *len) APP_MUST_CHECK;

#endif
