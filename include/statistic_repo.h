/* SQL for the metrics catalog and the claims behind statistics and conflicts. */
#ifndef MARSAD_STATISTIC_REPO_H
#define MARSAD_STATISTIC_REPO_H

#include "db.h"
#include "statistic.h"
#include "status.h"

#include <stdbool.h>
#include <stdint.h>

struct metric_filter {
    const char *q;          /* substring of id or label, case-insensitive; NULL: any */
    const char *value_type; /* "number" or "date"; NULL: any */
    bool all;               /* include metrics no claim uses */
};

enum app_status stat_repo_metric_count(struct db_conn *c, const struct metric_filter *f,
                                       int64_t *out) APP_MUST_CHECK;
/* In catalog order (seq); keyset: only seq > after. */
enum app_status stat_repo_metric_list(struct db_conn *c, const struct metric_filter *f,
                                      int64_t limit, int64_t offset, bool keyset, int64_t after,
                                      metric_row_fn fn, void *ctx) APP_MUST_CHECK;
/* One metric by id; APP_ENOTFOUND when absent. */
enum app_status stat_repo_metric_get(struct db_conn *c, const char *id, metric_row_fn fn,
                                     void *ctx) APP_MUST_CHECK;

/* Whether a live (not deleted) source has this id. */
enum app_status stat_repo_source_exists(struct db_conn *c, const char *id,
                                        bool *out) APP_MUST_CHECK;

/* Every relation between metrics the catalog declares, in seq order. */
enum app_status stat_repo_relations(struct db_conn *c, relation_row_fn fn,
                                    void *ctx) APP_MUST_CHECK;

/* Each *_json member is a JSON array of ids (any of), or NULL for no filter. */
struct stat_claim_filter {
    int64_t metric_seq;       /* one metric (0: any) */
    int64_t program_seq;      /* claims whose subject is this program (0: any) */
    bool with_attributes;     /* also claims without metric that state a program attribute */
    const char *metric_json;  /* metric ids */
    const char *place_json;   /* place entity ids */
    const char *subject_json; /* subject program or entity ids */
    bool has_from, has_to;
    int64_t from_day, to_day; /* the claim's time window must overlap [from, to] */
    const char *seq_json;     /* claim seqs (instead of the metric test) */
    bool without_metric;      /* with seq_json: only those without a metric */
};

/* A curated conflict: the live claims of each side as comma-separated seqs. */
struct curated_row {
    const char *id, *certainty, *dissolves_if, *explanation;
    const char *side_a, *side_b; /* NULL when no live claim is left on that side */
};

typedef bool (*curated_row_fn)(void *ctx, const struct curated_row *row);

/* Every curated conflict that is not deleted, in seq order. */
enum app_status stat_repo_curated(struct db_conn *c, curated_row_fn fn, void *ctx) APP_MUST_CHECK;

/*
 * Claims that carry a metric (or an attribute, see with_attributes) in index
 * order: metric, then time_start with undated claims FIRST, then seq (see
 * stat_set_undated_last()).
 */
enum app_status stat_repo_claims(struct db_conn *c, const struct stat_claim_filter *f,
                                 stat_claim_row_fn fn, void *ctx) APP_MUST_CHECK;

/*
 * The claims of one metric (f->metric_seq, required) in stat_repo_claims()
 * order, reading only what summaries and disagreements need: no join per row.
 * The metric's id and type are read once, place and subject ids once per
 * distinct seq; source_id, quote, vague_term, unit, as_of, period_start,
 * period_end, value_text and attribute are NULL (has_period and source_seq
 * are set). stat_repo_claim_texts() reads the rest for the claims written out.
 */
enum app_status stat_repo_observations(struct db_conn *c, const struct stat_claim_filter *f,
                                       stat_claim_row_fn fn, void *ctx) APP_MUST_CHECK;

/*
 * The text of the claims whose seqs the JSON array seqs_json lists, one call
 * per claim found, in no particular order.
 */
enum app_status stat_repo_claim_texts(struct db_conn *c, const char *seqs_json,
                                      stat_claim_text_fn fn, void *ctx) APP_MUST_CHECK;

/*
 * One read transaction, so that several statements see one snapshot of the
 * data (stat_repo_observations() then stat_repo_claim_texts()). end is a
 * no-op when no transaction is open.
 */
enum app_status stat_repo_snapshot_begin(struct db_conn *c) APP_MUST_CHECK;
void stat_repo_snapshot_end(struct db_conn *c);

#endif
