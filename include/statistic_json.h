/* Encodes metrics, observations, summaries and disagreements with the streaming writer. */
#ifndef MARSAD_STATISTIC_JSON_H
#define MARSAD_STATISTIC_JSON_H

#include "buf.h"
#include "statistic.h"
#include "statistic_analysis.h"

#include <stdbool.h>
#include <stddef.h>

/* Columns of the CSV exports, NULL-terminated. */
extern const char *const stat_metric_csv_columns[];

/* id, label, unit, value_type, definition, counting_basis, source (members, no braces). */
void stat_json_metric_members(struct jw *w, const struct metric_row *m);

/*
 * "summary": {claims, sources, claimants, [computed_from], lowest, highest,
 * unbounded_below, unbounded_above, median, spread, spread_unit, latest,
 * disagreements, disagreements_truncated}: lowest and highest are figures as
 * their claims report them (never an interval end). Dates as YYYY-MM-DD,
 * spread in days.
 */
void stat_json_summary(struct jw *w, const struct stat_set *s, const struct stat_summary *sum,
                       const char *unit, size_t disagreements, bool truncated, bool computed_from,
                       size_t nseries);

/*
 * One series: {place, subject, subject_type, scope, claims, claimants,
 * independent_claimants, lowest, highest, unbounded_below, unbounded_above, latest,
 * median: {value, over, left_out}, [windows: [{window, claims, low, best, high}]]}.
 */
void stat_json_series(struct jw *w, const struct stat_set *s, const struct stat_series *x,
                      bool detail);

/*
 * "policy": {bound, reads_as}: the row of the bound policy (stats_policy[]) that
 * gave the claim's interval; null for a claim without a known bound.
 */
void stat_json_policy(struct jw *w, const char *bound, bool is_date);

/* value, lower, upper, bound, vague_term, unit, value_date (members). */
void stat_json_value_members(struct jw *w, const struct stat_obs *o);

/* One observation of a statistic's timeline (object). */
void stat_json_observation(struct jw *w, const struct stat_obs *o);

/* {a, b, reason} */
void stat_json_disagreement(struct jw *w, const struct stat_set *s, const struct stat_pair *p);

/* One side of a conflict: {claim, source, claimant, quote, value..., place, subject};
 * key NULL writes the object alone (an array item). */
void stat_json_side(struct jw *w, const char *key, const struct stat_obs *o);

/* {metric, place, subject, a: {...}, b: {...}, reason} */
void stat_json_conflict(struct jw *w, const struct stat_set *s, const struct stat_pair *p);

#endif
