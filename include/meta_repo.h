/* Dataset-wide facts: version, counts. */
#ifndef MARSAD_META_REPO_H
#define MARSAD_META_REPO_H

#include "db.h"
#include "status.h"

#include <stdint.h>

/* The dataset version (advances on every write). */
enum app_status meta_repo_dataset_version(struct db_conn *c, uint64_t *out) APP_MUST_CHECK;

#endif
