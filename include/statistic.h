/*
 * Rows behind the statistics, conflicts and program-attribute views: a metric
 * of the catalog and a claim reduced to what interval arithmetic needs.
 * Borrowed pointers, valid during one row callback.
 */
#ifndef MARSAD_STATISTIC_H
#define MARSAD_STATISTIC_H

#include <stdbool.h>
#include <stdint.h>

struct metric_row {
    int64_t seq;
    const char *id, *label, *unit, *value_type, *definition, *counting_basis;
    const char *source_id; /* set for a document-specific metric, else NULL */
    bool cumulative;       /* the count never falls over time */
    bool one_per_subject;  /* one true value per subject, whatever the time */
};

/* A relation the catalog declares between metrics (ids; NULL when not used by the kind). */
struct relation_row {
    int64_t seq;
    const char *id, *kind, *metric, *whole, *part, *min, *max, *whole_place, *note;
    const char *parts; /* sum: comma-separated metric ids, else NULL */
};

typedef bool (*relation_row_fn)(void *ctx, const struct relation_row *row);

typedef bool (*metric_row_fn)(void *ctx, const struct metric_row *row);

struct stat_claim_row {
    int64_t seq;
    const char *id, *source_id, *quote, *claimant;
    int64_t source_seq;
    const char *metric_id, *value_type; /* NULL for a claim without metric */
    bool one_per_subject;               /* the metric has one true value per subject */
    int64_t metric_seq;                 /* 0 without metric */
    bool has_value, has_lower, has_upper;
    double value, lower, upper;
    const char *bound, *vague_term, *unit, *value_date, *value_text;
    const char *as_of, *period_start, *period_end;
    bool has_period; /* period_start and period_end are set (even when not read) */
    bool has_time;
    int64_t time_start, time_end; /* days since 1970-01-01, inclusive */
    const char *place_id;
    const char *subject_id; /* program or entity id */
    bool subject_is_program;
    const char *attribute;
    const char *scope;   /* what the claim counts when narrower or wider than the metric */
    int64_t repeats_seq; /* the claim this one repeats (claim_link), 0 when none */
};

/* Called once per row; return false to stop. */
typedef bool (*stat_claim_row_fn)(void *ctx, const struct stat_claim_row *row);

/*
 * The text of a claim that only its written observation needs (see
 * stat_repo_observations() and stat_repo_claim_texts()).
 */
struct stat_claim_text {
    int64_t seq;
    const char *source_id, *quote, *vague_term, *unit, *as_of, *period_start, *period_end;
};

typedef bool (*stat_claim_text_fn)(void *ctx, const struct stat_claim_text *t);

#endif
