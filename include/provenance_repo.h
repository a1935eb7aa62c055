/*
 * SQL for provenance: the claim links ('repeats') with both claims, read for drift,
 * the claims that rest on a source, and the kept repetitions the statistics merge.
 */
#ifndef MARSAD_PROVENANCE_REPO_H
#define MARSAD_PROVENANCE_REPO_H

#include "db.h"
#include "drift.h"
#include "status.h"

#include <stdbool.h>
#include <stdint.h>

/* One side of a link: the claim as drift compares it, and how a conflict shows it. */
struct prov_side {
    struct drift_claim c; /* metric_kind: "age" for a metric whose id ends in "_age",
                             "start" for a date metric with one value per subject */
    int64_t seq;
    const char *source_id, *claimant, *place_id;
    bool subject_is_program;
};

/*
 * A claim resting on a source, and one claim of that source it repeats (has_target
 * false when it rests on the source by its note but repeats no claim of it).
 * Borrowed pointers, valid during one callback.
 */
struct prov_link_row {
    struct prov_side repeat;
    bool has_target;
    struct prov_side original;
    const char *basis;             /* the link's basis */
    const char *note, *note_scope; /* the repeat's note on the source, when it has one */
};

/* Called once per row; return false to stop. */
typedef bool (*prov_link_fn)(void *ctx, const struct prov_link_row *row);

/* Every live link, by the original's seq, then the repeat's. */
enum app_status prov_repo_links(struct db_conn *c, prov_link_fn fn, void *ctx) APP_MUST_CHECK;

/*
 * The claims of other sources that rest on source_seq (their note cites it, or they
 * repeat one of its claims), by claim seq, each with the claims of source_seq it
 * repeats (by their seq).
 */
enum app_status prov_repo_derived(struct db_conn *c, int64_t source_seq, prov_link_fn fn,
                                  void *ctx) APP_MUST_CHECK;

/*
 * Every live link as a drift_edge (kept: drift_compare() found it unchanged), for
 * drift_independent_sources(); *out is malloc'd (free it), NULL when there are none.
 */
enum app_status prov_repo_edges(struct db_conn *c, struct drift_edge **out,
                                size_t *n) APP_MUST_CHECK;

/* A live source's seq; APP_ENOTFOUND when absent, *deleted when deleted. */
enum app_status prov_repo_source(struct db_conn *c, const char *id, int64_t *seq,
                                 bool *deleted) APP_MUST_CHECK;

#endif
