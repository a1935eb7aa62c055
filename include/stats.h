/*
 * Interval arithmetic over claims: bounds as intervals, partial dates as
 * windows, disagreement detection and summaries. Pure functions, libc only.
 *
 * A claim's value is an interval, given by one policy table (stats_policy[],
 * documented in docs/method.md): "more than 1,500" is (1500, +inf), "at least
 * 254" is [254, +inf), "about 1,300" is 1300 widened by half a unit of its last
 * significant digit, [1250, 1350] ("1,122" is [1121.5, 1122.5]) unless the
 * claim states its own lower/upper edge, "almost 1000" is (-inf, 1000] (upper
 * end only), "between 800 and 820" is [800, 820], a vague quantity ("dozens")
 * is (-inf, +inf). Date values are intervals of days since 1970-01-01: "2016"
 * is [2016-01-01, 2016-12-31]. An interval end is the rules' reading of a
 * bound, never a reported figure.
 *
 * A claim's time window is when the statement applies (as_of or period); a
 * claim with no time applies at all times.
 *
 * Two claims on the same metric, place and subject DISAGREE when their time
 * windows overlap and their value intervals do not. On a metric with one true
 * value per subject (a program's start date) the caller compares claims as
 * timeless: their windows do not apply.
 */
#ifndef MARSAD_STATS_H
#define MARSAD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum stats_bound {
    STATS_EXACT,
    STATS_APPROX,
    STATS_AT_LEAST,
    STATS_MORE_THAN,
    STATS_UP_TO,
    STATS_LESS_THAN,
    STATS_RANGE,
    STATS_VAGUE,
    STATS_ALMOST, /* "almost", "nearly": below the figure, upper end only */
};

/* One row of the bound policy: how the rules read a bound as an interval. */
struct stats_policy_row {
    enum stats_bound bound;
    const char *name;   /* "approx" */
    const char *words;  /* the wordings it records: "about, around, some, estimated, ca." */
    const char *number; /* the interval of a numeric figure v: "[v - h, v + h], h = ..." */
    const char *date;   /* the interval of a date figure (window [first, last]) */
};

/* The policy, one row per bound in enum order. */
extern const struct stats_policy_row stats_policy[];
extern const size_t stats_npolicy;
/* The row of a bound (never NULL; the vague row for an unknown bound). */
const struct stats_policy_row *stats_policy_of(enum stats_bound b);

/*
 * Half a unit of the last significant digit of v ("1,500": 50; "1,122": 0.5;
 * "66.7": 0.05; "1000": 500; 0: 0.5), the widening of an approximate figure.
 * Looks at most 6 decimals deep.
 */
double stats_half_unit(double v);

/* Parses "exact", "approx", ... ; false when unknown. */
bool stats_bound_parse(const char *s, enum stats_bound *out);
const char *stats_bound_name(enum stats_bound b);

struct stats_interval {
    double lo; /* -INFINITY when unbounded below */
    double hi; /* +INFINITY when unbounded above */
    bool lo_open;
    bool hi_open;
};

/* The optional numbers of a claim (has_* false when NULL in the database). */
struct stats_value {
    enum stats_bound bound;
    bool has_value, has_lower, has_upper;
    double value, lower, upper;
};

/* The interval a numeric claim asserts. */
struct stats_interval stats_value_interval(const struct stats_value *v);

/*
 * The interval of days a date-valued claim asserts: value_date's window,
 * widened by the bound (at_least/more_than: to +inf; up_to/less_than/almost:
 * from -inf; approx: one window on each side).
 */
struct stats_interval stats_date_interval(enum stats_bound bound, int64_t first_day,
                                          int64_t last_day);

/* True when the two intervals share at least one point (open ends excluded). */
bool stats_overlap(const struct stats_interval *a, const struct stats_interval *b);

/* Time window of a claim; unbounded (whole timeline) when has_time is false. */
struct stats_window {
    bool has_time;
    int64_t start; /* first day, inclusive */
    int64_t end;   /* last day, inclusive */
};

bool stats_windows_overlap(const struct stats_window *a, const struct stats_window *b);

/* True when windows overlap and value intervals do not. */
bool stats_disagree(const struct stats_window *wa, const struct stats_interval *va,
                    const struct stats_window *wb, const struct stats_interval *vb);

/* One observation for a summary. */
struct stats_obs {
    struct stats_interval iv;
    bool has_point; /* exact or approx with a value */
    double point;
    struct stats_window when;
};

struct stats_summary {
    size_t n;        /* observations */
    size_t n_points; /* of which with a point value */
    double min;      /* lowest lower edge over all intervals (-inf possible) */
    bool min_open;
    double max; /* highest upper edge (+inf when some claim is unbounded above) */
    bool max_open;
    double median;               /* median of point values; NAN when none */
    double spread;               /* max point - min point; NAN when fewer than 1 point */
    double point_min, point_max; /* NAN when none */
    size_t latest; /* index of the observation with the latest window end (time-bound first);
                      SIZE_MAX when n == 0 */
};

/*
 * Summarizes obs[0..n). Needs scratch space for n doubles (for the median);
 * returns false only when scratch is NULL with n_points > 0.
 */
bool stats_summarize(const struct stats_obs *obs, size_t n, double *scratch,
                     struct stats_summary *out);

#endif
