/* SQL for entities: people, organizations, armed groups, places and events. */
#ifndef MARSAD_ENTITY_REPO_H
#define MARSAD_ENTITY_REPO_H

#include "db.h"
#include "entity.h"
#include "sort_key.h"
#include "status.h"

#include <stdbool.h>
#include <stdint.h>

struct entity_filter {
    const char *kind_json; /* JSON array of entity kinds (any of), or NULL */
    const char *text;      /* case-insensitive substring of the name or of any alias, or NULL */
};

enum entity_sort_key {
    ENTITY_SORT_NAME,
    ENTITY_SORT_ID,
};
extern const char *const entity_sort_keys[]; /* NULL-terminated, indexed by entity_sort_key */

/*
 * Lists entities matching f in the given order (default: insertion order),
 * calling fn per row. keyset: only rows with seq > after (default order only).
 */
enum app_status entity_repo_list(struct db_conn *c, const struct entity_filter *f,
                                 const struct sort_key *sort, size_t nsort, int64_t limit,
                                 int64_t offset, bool keyset, int64_t after, entity_row_fn fn,
                                 void *ctx) APP_MUST_CHECK;
enum app_status entity_repo_count(struct db_conn *c, const struct entity_filter *f,
                                  int64_t *out) APP_MUST_CHECK;
/* One entity by id; APP_ENOTFOUND when absent. */
enum app_status entity_repo_get(struct db_conn *c, const char *id, entity_row_fn fn,
                                void *ctx) APP_MUST_CHECK;
/*
 * The first `limit` claims (in insertion order) involving the entity with this
 * seq: the same claims /v1/claims?entity= selects.
 */
enum app_status entity_repo_claims(struct db_conn *c, int64_t seq, int64_t limit,
                                   entity_claim_fn fn, void *ctx) APP_MUST_CHECK;

#endif
