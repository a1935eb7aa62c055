/* Dataset-wide facts: version, counts. */
#ifndef MARSAD_META_REPO_H
#define MARSAD_META_REPO_H

#include "db.h"
#include "status.h"

#include <stdint.h>

/* The dataset version (advances on every write). */
enum app_status meta_repo_dataset_version(struct db_conn *c, uint64_t *out) APP_MUST_CHECK;

/*
 * A cheap read of every table, the schema included, as requests would meet them:
 * its first row, from the table itself (root and leftmost pages), not an index. On
 * failure the table's name goes into failed (n bytes).
 */
enum app_status meta_repo_probe(struct db_conn *c, char *failed, size_t n) APP_MUST_CHECK;

#endif
