/* SQL for claims. */
#ifndef MARSAD_CLAIM_REPO_H
#define MARSAD_CLAIM_REPO_H

#include "claim.h"
#include "db.h"
#include "sort_key.h"
#include "status.h"

#include <stdbool.h>
#include <stdint.h>

/* Each *_json member is a JSON array of ids (any of), or NULL for no filter. */
struct claim_filter {
    const char *source_json, *metric_json, *program_json, *entity_json, *place_json;
    const char *claimant_json, *kind_json, *topic_json, *id_json;
    /*
     * rests_on: the claim's cited work is one of these sources, or it repeats a claim of
     * one; relayed_by: a relay of its chain (curated, or the source's authors when they
     * are not the claimant) has this entity id or contains this name. claimant matches
     * the claimant's name, its entity's id, or any spelling of that entity.
     */
    const char *rests_on_json, *relayed_by_json;
    const char *subject_json; /* the program or entity a claim is about (not a mention) */
    bool has_from, has_to;
    int64_t from_day, to_day; /* claim's time window must overlap [from, to] */
    bool has_vmin, has_vmax;
    int numeric; /* 0: any; 1: only claims with a number (value, lower or upper); 2: without */
    double vmin, vmax; /* claim's value interval must overlap [vmin, vmax] */
    const char *fts;   /* a sanitized FTS5 expression (query_fts_expr), or NULL */
    bool dated_only;   /* the timeline: claims with a time window, or a date as their value */
};

enum claim_sort_key {
    CLAIM_SORT_AS_OF,
    CLAIM_SORT_VALUE,
    CLAIM_SORT_ID,
    CLAIM_SORT_SOURCE,
    CLAIM_SORT_METRIC,
    CLAIM_SORT_KIND,
    CLAIM_SORT_EVENT_DATE, /* the timeline's order (no name: not a sort= key) */
};
extern const char *const claim_sort_keys[]; /* NULL-terminated, indexed by claim_sort_key */

/*
 * Lists claims matching f in the given order (default: insertion order),
 * calling fn per row. keyset: only rows with seq > after (default order only).
 */
enum app_status claim_repo_list(struct db_conn *c, const struct claim_filter *f,
                                const struct sort_key *sort, size_t nsort, int64_t limit,
                                int64_t offset, bool keyset, int64_t after, claim_row_fn fn,
                                void *ctx) APP_MUST_CHECK;
enum app_status claim_repo_count(struct db_conn *c, const struct claim_filter *f,
                                 int64_t *out) APP_MUST_CHECK;
/*
 * One claim with up to `chars` code points of the stored text before and after
 * its quote (row->context_before/after); APP_ENOTFOUND when absent or deleted.
 */
enum app_status claim_repo_get_context(struct db_conn *c, const char *id, int chars,
                                       claim_row_fn fn, void *ctx) APP_MUST_CHECK;

#endif
