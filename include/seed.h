/*
 * Builds the default database from the curated files compiled into the binary
 * (db/migrations, db/seed, db/sources). Deterministic: the same inputs give the
 * same rows in the same order, so `.dump` output is byte-identical.
 */
#ifndef MARSAD_SEED_H
#define MARSAD_SEED_H

#include "status.h"

#include <stddef.h>

/*
 * Writes a new database at out_path (replacing it atomically through a
 * temporary file). On failure err names the file and record at fault.
 */
enum app_status seed_build(const char *out_path, char *err, size_t errlen) APP_MUST_CHECK;

struct embedded_file;
/* The same from another set of curated files (nfiles of them, sorted by name, named as in
 * the repository: db/seed/..., db/sources/...): a test's altered copy. The migrations
 * are the binary's own. */
enum app_status seed_build_from(const struct embedded_file *files, size_t nfiles,
                                const char *out_path, char *err, size_t errlen) APP_MUST_CHECK;

#endif
