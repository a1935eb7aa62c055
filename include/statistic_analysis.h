/*
 * Claims as observations: their value intervals and time windows (computed by
 * stats.h), which pairs contradict each other, and summaries. Pure: libc,
 * stats.h, pdate.h and buf.h only.
 *
 * Two claims are COMPARABLE when they are on the same metric, about the same
 * place and the same subject. Beyond plain equality (NULL = NULL included) an
 * unstated field is read as unspecified, in two cases only:
 *   - a claim that names no subject is comparable with one whose subject is a
 *     PROGRAM at the same place: a program frames a count rather than
 *     narrowing it ("almost 1000 Islamist prisoners" and "800 to 820 Islamist
 *     prisoners in the separate prison system");
 *   - a claim that names no place is comparable with one at any place when
 *     both share the same subject: the subject fixes where ("Musalaha began
 *     in 2016" in Morocco and "Musalaha began in 2017").
 * An entity subject (a cell, an attack, a person) narrows a count, so it is
 * never compared with an unqualified claim. Comparable claims DISAGREE when
 * stats_disagree() says so: windows overlap, value intervals do not. Vague
 * claims and claims without a usable value never disagree.
 *
 * Disagreements are found per metric with the cheaper of two exact sweeps
 * (by time window, or by value edge), estimated in O(n log n) first, and stop
 * at a cap.
 */
#ifndef MARSAD_STATISTIC_ANALYSIS_H
#define MARSAD_STATISTIC_ANALYSIS_H

#include "buf.h"
#include "statistic.h"
#include "stats.h"
#include "status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reported disagreements per request (per metric for the catalog). */
#define STAT_MAX_DISAGREEMENTS 1000

/* Strings copied for the life of a set; blocks never move. */
struct stat_arena {
    struct stat_arena_block *head;
    bool oom;
};

void stat_arena_init(struct stat_arena *a);
void stat_arena_free(struct stat_arena *a);
/* A copy of s (NULL stays NULL); NULL and a->oom set when allocation fails. */
const char *stat_arena_dup(struct stat_arena *a, const char *s);

struct stat_obs {
    struct stat_claim_row r; /* strings owned by the set's arena */
    bool has_text;           /* source_id, quote, as_of... read (see stat_text_fill) */
    bool is_date;            /* the metric is date-valued */
    bool has_interval;       /* a value interval could be computed */
    bool comparable;         /* has_interval, not vague, not empty: can disagree */
    struct stats_interval iv;
    struct stats_window when;
    bool has_point;
    double point; /* days for date metrics */
    /* The figure as reported, for ranking: the value, else the end the claim states
     * (fig_lo prefers the lower end, fig_hi the upper); days for dates. Never an end
     * the bound policy adds. */
    bool has_figure;
    double fig_lo, fig_hi;
};

struct stat_set {
    struct stat_obs *v;
    size_t n, cap;
    struct stat_arena arena;
    enum app_status status; /* first failure of stat_set_collect() */
};

void stat_set_init(struct stat_set *s);
void stat_set_free(struct stat_set *s);
/* Copies a row and computes its interval and window. */
enum app_status stat_set_add(struct stat_set *s, const struct stat_claim_row *r) APP_MUST_CHECK;
/* A stat_claim_row_fn adding to the stat_set ctx; stops on failure (see s->status). */
bool stat_set_collect(void *ctx, const struct stat_claim_row *r);

/*
 * Moves the claims without a time window after the dated ones of the same
 * metric, keeping their order: a timeline from stat_repo_claims() order.
 */
enum app_status stat_set_undated_last(struct stat_set *s) APP_MUST_CHECK;

/*
 * The text of some observations of a set built from stat_repo_observations()
 * (which leaves it out): stat_text_fill_init() writes their seqs as a JSON
 * array for stat_repo_claim_texts(), whose rows stat_text_fill_collect()
 * copies in. Observations that have their text already are skipped.
 */
struct stat_text_fill {
    struct stat_set *set;
    size_t *idx; /* set indexes wanted, sorted by seq, distinct */
    size_t n;
    size_t missing;         /* wanted and not filled yet */
    enum app_status status; /* first failure of stat_text_fill_collect() */
};

/* idx[0..n) may repeat; seqs_json receives "[seq,...]" ("[]" when none is wanted). */
enum app_status stat_text_fill_init(struct stat_text_fill *f, struct stat_set *s, const size_t *idx,
                                    size_t n, struct buf *seqs_json) APP_MUST_CHECK;
/* A stat_claim_text_fn over a stat_text_fill ctx; stops on failure (see f->status). */
bool stat_text_fill_collect(void *ctx, const struct stat_claim_text *t);
void stat_text_fill_free(struct stat_text_fill *f);

/* Same metric, place and subject under the rule above. */
bool stat_same_context(const struct stat_obs *a, const struct stat_obs *b);
/* Comparable and stats_disagree(). */
bool stat_obs_disagree(const struct stat_obs *a, const struct stat_obs *b);

/* A disagreeing pair: indexes into the set, v[a].r.seq < v[b].r.seq. */
struct stat_pair {
    size_t a, b;
};

struct stat_pairs {
    struct stat_pair *v;
    size_t n, cap;
    bool truncated; /* a cap was reached and more pairs exist */
};

/* Extra condition a pair must meet to be kept (filters); NULL keeps all. */
typedef bool (*stat_pair_pred)(void *ctx, const struct stat_obs *a, const struct stat_obs *b);

void stat_pairs_init(struct stat_pairs *p);
void stat_pairs_free(struct stat_pairs *p);

/*
 * Finds the disagreeing pairs of the set that pred accepts: at most per_metric
 * for each metric and total in all (0: no limit). Sorted by metric, then by
 * the seq of a, then of b.
 */
enum app_status stat_find_disagreements(const struct stat_set *s, size_t per_metric, size_t total,
                                        stat_pair_pred pred, void *pctx,
                                        struct stat_pairs *out) APP_MUST_CHECK;

/* "windows overlap (2019) and [800, 820] does not overlap [900, 1000]" */
void stat_reason(const struct stat_obs *a, const struct stat_obs *b, struct buf *out);

/* Summary of a set (one metric). */
struct stat_summary {
    size_t claims;    /* every observation */
    size_t sources;   /* distinct sources */
    size_t claimants; /* distinct claimants */
    bool is_date;
    size_t *used; /* set indexes of the observations summarized (with a value), malloc'd */
    size_t nused;
    struct stats_summary s; /* over used; s.latest indexes `used` */
    /* set indexes of the lowest and highest figures as reported (SIZE_MAX: none) */
    size_t lowest, highest;
};

enum app_status stat_summarize(const struct stat_set *s, struct stat_summary *out) APP_MUST_CHECK;
void stat_summary_free(struct stat_summary *sum);

/*
 * Series: a SERIES is one metric for one place, one subject and one counting basis
 * (the metric's, narrowed or widened by a claim's scope): claims of a set with the
 * same place, subject and scope, compared as they are stated (an unstated place or
 * subject is a series of its own). Figures are always those the claims report.
 */

/* The claims of one time window of a series, as UCDP reports estimates. */
struct stat_window_env {
    bool has_time;
    int64_t start, end;
    size_t n;
    size_t low, high; /* set indexes: the lowest and highest figures reported */
    size_t best;      /* the middle point figure (the lower middle of an even count), or
                         SIZE_MAX when the window has no point figure */
};

struct stat_series {
    const char *place, *subject, *scope; /* borrowed from the set */
    bool subject_is_program;
    size_t *idx; /* set indexes, timeline order (the set's) */
    size_t n;
    size_t lowest, highest; /* figures as reported (SIZE_MAX: none) */
    size_t latest;          /* the dated claim with the latest as-of (window end) */
    bool unbounded_below, unbounded_above;
    size_t claimants;   /* distinct claimants */
    size_t independent; /* distinct claimants of claims that repeat no other claim of it */
    bool has_median;
    double median;       /* over the point figures (exact, approx with a value) */
    size_t *median_over; /* set indexes */
    size_t n_over;
    struct stat_window_env *win; /* dated windows by start, then the undated */
    size_t nwin;
};

struct stat_series_set {
    struct stat_series *v;
    size_t n;
};

/* Groups the set (one metric) into series, in order of their first claim. */
enum app_status stat_series_build(const struct stat_set *s,
                                  struct stat_series_set *out) APP_MUST_CHECK;
void stat_series_free(struct stat_series_set *ss);

/*
 * Why an observation is left out of its series' median ("at least 1,600 is a lower
 * end only"), NULL when it is in: only exact figures and estimates with a value are
 * points. Written to out (>= 160 bytes).
 */
const char *stat_median_exclusion(const struct stat_obs *o, char *out, size_t n);

/* The civil date of a day count as YYYY-MM-DD (out >= 16 bytes). */
void stat_day_iso(int64_t day, char *out, size_t n);

#endif
