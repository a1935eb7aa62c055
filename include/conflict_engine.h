/*
 * The consistency rules (consistency.h) over the whole base: every claim with a
 * metric, the catalog's metrics and relations, read in one snapshot; and the JSON of
 * a finding with the claims on each side and their quotes.
 */
#ifndef MARSAD_CONFLICT_ENGINE_H
#define MARSAD_CONFLICT_ENGINE_H

#include "buf.h"
#include "consistency.h"
#include "db.h"
#include "statistic_analysis.h"
#include "status.h"

#include <stdbool.h>
#include <stddef.h>

/* Findings per rule and metric (the interval rule on a long timeline stops there). */
#define CONFLICT_MAX_PER_RULE_METRIC 1000

/* A curated conflict as read: its members, copied. */
struct curated {
    const char *id, *certainty, *dissolves_if, *explanation, *side_a, *side_b;
};

struct conflict_world {
    struct stat_set set;     /* the claims; cc[i] is set.v[i] */
    struct stat_arena arena; /* catalog strings */
    struct cons_metric *cm;
    size_t nm;
    struct cons_relation *cr;
    size_t nr;
    uint32_t *parts; /* the sum relations' parts */
    struct cons_claim *cc;
    const char **names; /* interned places, subjects and scopes (ranks index it) */
    size_t nnames, capnames;
    struct cons_findings f;
    int64_t *by_seq;     /* (claim seq, set index) pairs, sorted by seq */
    struct curated *cur; /* curated conflicts, read with the claims */
    size_t ncur, capcur;
};

void conflict_world_init(struct conflict_world *w);
void conflict_world_free(struct conflict_world *w);

/* Reads the base (one read transaction) and runs every rule. */
enum app_status conflict_world_load(struct db_conn *c, struct conflict_world *w) APP_MUST_CHECK;

/* The metric id of a finding (its first claim's). */
const char *conflict_metric_id(const struct conflict_world *w, const struct cons_finding *f);

/*
 * {id, rule, class, certainty, dissolves_if, metric, relation, place, subject, of,
 * a, b, sides: [{role, claims}], explanation, reason}: a and b are the first claim
 * of each side (the pair of the interval rule).
 */
void conflict_json_finding(struct jw *w, const struct conflict_world *cw,
                           const struct cons_finding *f);
/* The same members, written into the open object w (the export's conflict lines). */
void conflict_json_finding_members(struct jw *w, const struct conflict_world *cw,
                                   const struct cons_finding *f);

extern const char *const conflict_csv_columns[];

#endif
