/*
 * The consistency rules (docs/method.md): pure functions over claims reduced to their
 * policy intervals and time windows, and the catalog's metrics and relations. libc,
 * stats.h, buf.h and statistic_analysis.h (day formatting) only.
 *
 * Each rule is one function and one row of cons_rules[]; cons_run() runs every row,
 * then restates each finding whose claims all come from one document as an internal
 * inconsistency of that document (rule `internal`). To add a rule: write
 *
 *     static void R_name(const struct cons_input *in, struct cons_findings *out)
 *
 * that calls cons_emit() once per finding, and add {"name", R_name, "what it checks"}
 * to cons_rules[] in server/domain/consistency.c (and a line to docs/method.md).
 *
 * A finding's id is stable: the rule, the relation (if any) and the ids of its claims,
 * hashed (FNV-1a 64), so the same disagreement keeps its id across reloads.
 */
#ifndef MARSAD_CONSISTENCY_H
#define MARSAD_CONSISTENCY_H

#include "stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONS_NONE UINT32_MAX /* no metric, place, subject or scope */

/* One claim as the rules see it. Strings are borrowed for the run. */
struct cons_claim {
    const char *id; /* stable claim id */
    int64_t seq;    /* order of the claims' sides (lower seq first) */
    int64_t source; /* source seq: claims of one document are internal */
    const char *source_id;
    uint32_t metric; /* index into cons_input.m; CONS_NONE: not a figure */
    uint32_t place;  /* ranks: equal numbers, equal ids; CONS_NONE when unstated */
    uint32_t subject;
    bool subject_is_program;
    uint32_t scope; /* CONS_NONE: the metric's own counting basis */
    const char *scope_text;
    bool has_period;          /* the window is a period (a count over a span), not an as-of */
    bool comparable;          /* a usable, bounded interval: vague and unbounded claims are not */
    struct stats_interval iv; /* the bound policy's interval (days for date metrics) */
    struct stats_window when; /* the claim's time window (none for one-per-subject metrics) */
    bool has_point;           /* the figure as stated: value of exact/approx/at_least/... */
    double point;
    size_t repeats;    /* index of the claim it repeats (claim_link), SIZE_MAX when none */
    const char *bound; /* the bound's name as stated ("at_least") */
    const char *subject_id;
};

struct cons_metric {
    const char *id;
    bool cumulative;      /* a count that never falls over time */
    bool one_per_subject; /* one true value per subject whatever the time */
    bool is_date;
};

enum cons_rel_kind { CONS_PART_WHOLE, CONS_SUM, CONS_SHARE, CONS_RANGE };

/* A relation the catalog declares between metrics (indexes into cons_input.m). */
struct cons_relation {
    const char *id;
    enum cons_rel_kind kind;
    uint32_t metric;       /* part (part_whole), whole (sum), share (share), value (range) */
    uint32_t whole, part;  /* part_whole: whole; share: part and whole */
    uint32_t min, max;     /* range: the metrics bounding the value (CONS_NONE: no bound) */
    uint32_t whole_place;  /* the place the whole is counted at; CONS_NONE: the part's */
    const uint32_t *parts; /* sum: the parts */
    size_t nparts;
};

struct cons_input {
    const struct cons_claim *c;
    size_t n;
    const struct cons_metric *m;
    size_t nm;
    const struct cons_relation *r;
    size_t nr;
    /* filled by cons_run() for the rules: claim indexes by metric */
    const size_t *by_metric;    /* claim indexes grouped by metric */
    const size_t *metric_start; /* nm + 1 offsets into by_metric */
};

/* The claims of metric m (indexes into in->c) during cons_run(); *n receives how many. */
const size_t *cons_claims_of(const struct cons_input *in, uint32_t m, size_t *n);

enum cons_class { CONS_GENUINE, CONS_INTERNAL, CONS_SCOPE, CONS_DRIFT, CONS_CURATED };
enum cons_certainty { CONS_DEFINITE, CONS_POSSIBLE };

#define CONS_SIDE_MAX 8

struct cons_finding {
    char id[48];          /* "<rule>-<16 hex>" */
    const char *rule;     /* the cons_rules[] row's name */
    const char *relation; /* the relation's id, or NULL */
    uint32_t metric;      /* the metric of the first claim of side a */
    enum cons_class cls;
    enum cons_certainty certainty;
    const char *role[2];           /* what each side is: "earlier", "later", "part", "whole", ... */
    size_t side[2][CONS_SIDE_MAX]; /* claim indexes */
    size_t nside[2];
    char *dissolves_if; /* with CONS_POSSIBLE: the reading under which it dissolves */
    char *explanation;  /* the arithmetic */
    char of[48];        /* internal: the id of the finding it restates; "" otherwise */
    size_t rule_row;    /* cons_rules[] row (cons_nrules: internal), for the order */
    int64_t order[2];   /* seqs of each side's first claim, for the order */
};

struct cons_findings {
    struct cons_finding *v;
    size_t n, cap;
    size_t per_rule_metric; /* at most this many per rule and metric (0: no limit) */
    bool truncated;         /* a cap was reached and more findings exist */
    bool oom;
    /* the count of the last rule and metric emitted (a cache for the cap) */
    const char *c_rule;
    uint32_t c_metric;
    size_t c_count;
};

typedef void (*cons_rule_fn)(const struct cons_input *in, struct cons_findings *out);

struct cons_rule {
    const char *name;
    cons_rule_fn fn;
    const char *checks;
};

extern const struct cons_rule cons_rules[];
extern const size_t cons_nrules;

/* Class and certainty names ("genuine", "possible"); NULL when out of range. */
const char *cons_class_name(enum cons_class c);
const char *cons_certainty_name(enum cons_certainty c);

void cons_findings_init(struct cons_findings *f, size_t per_rule_metric);
void cons_findings_free(struct cons_findings *f);

/*
 * Records a finding: sides a (na claims) and b (nb), each at most CONS_SIDE_MAX;
 * dissolves_if NULL makes it definite. Computes the id. Returns false when the
 * finding was not kept (the cap for its rule and metric, or out of memory).
 */
bool cons_emit(struct cons_findings *out, const struct cons_input *in, const char *rule,
               const char *relation, enum cons_class cls, const char *role_a, const size_t *a,
               size_t na, const char *role_b, const size_t *b, size_t nb, const char *dissolves_if,
               const char *explanation);

/* Runs every rule, then the internal restatements; sorted by rule row, then id. */
void cons_run(const struct cons_input *in, struct cons_findings *out);

/* The two claims' contexts match: same metric, place and subject (see statistic_analysis.h). */
bool cons_same_context(const struct cons_claim *a, const struct cons_claim *b);

#endif
