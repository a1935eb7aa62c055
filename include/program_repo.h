/* SQL for programs. */
#ifndef MARSAD_PROGRAM_REPO_H
#define MARSAD_PROGRAM_REPO_H

#include "db.h"
#include "program.h"
#include "sort_key.h"
#include "status.h"

#include <stdbool.h>
#include <stdint.h>

struct program_filter {
    const char *kind_json; /* JSON array of kinds (any of), or NULL */
    const char *q;         /* substring of the name or an alias, case-insensitive, or NULL */
};

enum program_sort_key { PROGRAM_SORT_NAME, PROGRAM_SORT_ID };
extern const char *const program_sort_keys[]; /* NULL-terminated, indexed by program_sort_key */

enum app_status program_repo_count(struct db_conn *c, const struct program_filter *f,
                                   int64_t *out) APP_MUST_CHECK;
/* Lists programs in the given order (default: catalog order); keyset: seq > after. */
enum app_status program_repo_list(struct db_conn *c, const struct program_filter *f,
                                  const struct sort_key *sort, size_t nsort, int64_t limit,
                                  int64_t offset, bool keyset, int64_t after, program_row_fn fn,
                                  void *ctx) APP_MUST_CHECK;
/* One program by id; APP_ENOTFOUND when absent or deleted. */
enum app_status program_repo_get(struct db_conn *c, const char *id, program_row_fn fn,
                                 void *ctx) APP_MUST_CHECK;

#endif
