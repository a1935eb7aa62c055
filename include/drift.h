/*
 * Drift: what changed when one claim repeats another (a claim_link 'repeats' from a
 * citing document to the cited one). Pure: libc and pdate.h only.
 *
 * drift_compare() reads the ORIGINAL (the claim repeated) and the REPEAT and says
 * whether the repeat KEPT it, CHANGED it (each change a field with the figure before
 * and after, "2 months" -> "2 to 3 months"), or could not be compared mechanically
 * (text-only statements, which may be reworded without drift):
 *   - same metric: the bound, the value or interval ends, the unit, the date value,
 *     the vague term, and the time window (only when both state one) are compared;
 *   - a duration since a start (an age, "in existence for three years" as of a date)
 *     against a start date of the same subject ("began in 2017"): the start the age
 *     implies, read as [as_of - (N + 1/2) years, as_of - (N - 1/2) years], is compared
 *     with the stated start; a start outside that window is a change;
 *   - the original states a figure and the repeat, on the same subject and attribute,
 *     states none: the figure was dropped (a possible change: the repeat may speak of
 *     part of what the original counted);
 *   - anything else is not compared.
 * A change is `definite` when the figures cannot be read as the same, `possible`
 * otherwise, with the reading that dissolves it in the explanation.
 *
 * drift_independent_sources() counts the independent sources behind a set of claims:
 * a claim that repeats another without change is not a second source.
 */
#ifndef MARSAD_DRIFT_H
#define MARSAD_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a comparison needs of one claim; borrowed strings, NULL when absent. */
struct drift_claim {
    const char *id, *quote;
    const char *metric;      /* metric id */
    const char *metric_kind; /* "age" (years since a start), "start" (a start date), or NULL */
    bool has_value, has_lower, has_upper;
    double value, lower, upper;
    const char *bound, *vague_term, *unit, *value_date, *value_text;
    const char *as_of, *period_start, *period_end;
    const char *subject, *attribute;
};

enum drift_status {
    DRIFT_KEPT,         /* every compared field is the same */
    DRIFT_CHANGED,      /* a figure, bound, unit or time window changed */
    DRIFT_NOT_COMPARED, /* nothing the rule can compare (text-only, other attributes) */
};

#define DRIFT_MAX_CHANGES 6
#define DRIFT_TEXT        160

struct drift_change {
    char field[16];        /* "value", "bound", "unit", "date", "time_window", "start" */
    char from[DRIFT_TEXT]; /* in the original */
    char to[DRIFT_TEXT];   /* in the repeat */
};

struct drift_result {
    enum drift_status status;
    bool definite; /* with DRIFT_CHANGED: the two cannot be read as the same figure */
    size_t n;
    struct drift_change v[DRIFT_MAX_CHANGES];
    char explanation[640];
};

/* Compares the repeat with the original it repeats. */
void drift_compare(const struct drift_claim *original, const struct drift_claim *repeat,
                   struct drift_result *out);

/* "kept", "changed", "not_compared". */
const char *drift_status_name(enum drift_status s);

/*
 * A figure as the text would say it, from its numbers: "2 months", "2 to 3 months",
 * "more than 50 percent", "dozens", "2017". Always NUL-terminates out (n >= 1).
 */
void drift_figure(const struct drift_claim *c, char *out, size_t n);

/* One claim of a set: its seq and its source's seq. */
struct drift_obs {
    int64_t claim_seq, source_seq;
};

/* A repetition: claim_seq repeats target_seq, and kept it (drift_compare said so). */
struct drift_edge {
    int64_t claim_seq, target_seq;
    bool kept;
};

/*
 * Independent sources behind obs[0..n): distinct sources, where two sources count once
 * when a claim of one repeats a claim of the other without change (edges that are not
 * kept, or that name claims outside obs, are ignored). 0 on allocation failure with
 * n > 0 is impossible: it falls back to counting distinct sources.
 */
size_t drift_independent_sources(const struct drift_obs *obs, size_t n,
                                 const struct drift_edge *edges, size_t nedges);

#endif
