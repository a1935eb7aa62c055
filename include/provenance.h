/*
 * Drift findings: the links whose repeat changed the original (drift_compare()), kept
 * with copies of both claims for a request's life, and the JSON of a finding and of a
 * derived claim. A finding has the members every consistency finding has: a stable
 * id, its rule and class (both "drift"), a certainty and an explanation.
 */
#ifndef MARSAD_PROVENANCE_H
#define MARSAD_PROVENANCE_H

#include "buf.h"
#include "drift.h"
#include "provenance_repo.h"
#include "status.h"

#include <stdbool.h>
#include <stddef.h>

#define PROV_FINDING_STRINGS 40

struct prov_finding {
    struct prov_side original, repeat; /* strings owned by the finding (in `owned`) */
    bool has_target; /* false: rests on the source by its note, repeats no claim */
    const char *basis;
    const char *note, *note_scope; /* the repeat's note on the cited source (derived only) */
    struct drift_result d;
    char *owned[PROV_FINDING_STRINGS];
    size_t nowned;
};

struct prov_findings {
    struct prov_finding *v;
    size_t n, cap;
    bool changed_only;      /* collect only links whose repeat changed the original */
    bool with_unlinked;     /* also rows without a target (claims resting on a note only) */
    enum app_status status; /* first failure of prov_findings_collect() */
};

void prov_findings_init(struct prov_findings *f, bool changed_only, bool with_unlinked);
void prov_findings_free(struct prov_findings *f);
/* A prov_link_fn comparing each link and copying it into the prov_findings ctx. */
bool prov_findings_collect(void *ctx, const struct prov_link_row *row);

/* "drift-<original id>-<repeat id>" */
void prov_finding_id(const struct prov_finding *f, char *out, size_t n);

/*
 * {id, rule, class, certainty, explanation, metric, place, subject, a, b, reason,
 * changes, link}: a is the original, b the repeat (sides as in conflicts).
 */
void prov_json_finding(struct jw *w, const struct prov_finding *f);
/* The same members, written into the open object w (the export's conflict lines). */
void prov_json_finding_members(struct jw *w, const struct prov_finding *f);

/* {claim, source, claimant, quote, value..., as_of, period_start, period_end, place, subject,
 * subject_type} */
void prov_json_side(struct jw *w, const char *key, const struct prov_side *s);

/*
 * One claim resting on a source, from the findings [from, to) of that claim (as
 * prov_repo_derived() orders them): {claim, source, claimant, quote, rests_on, status,
 * repeats: [{claim, quote, status, certainty, changes, explanation, basis}], links}.
 * status: "changed" when a repeat changed, else "kept" when one was kept, else
 * "not_compared", or "unlinked" when the claim repeats no claim of the source.
 */
void prov_json_derived(struct jw *w, const struct prov_finding *from,
                       const struct prov_finding *to);

/* [{field, from, to}, ...] */
void prov_json_changes(struct jw *w, const struct drift_result *d);

#endif
