/* Encodes programs, and the attribute values their claims give, with the streaming writer. */
#ifndef MARSAD_PROGRAM_JSON_H
#define MARSAD_PROGRAM_JSON_H

#include "buf.h"
#include "program.h"
#include "statistic_analysis.h"

#include <stdbool.h>

/* Columns of the CSV export, NULL-terminated. */
extern const char *const program_csv_columns[];

/*
 * id, name, kind, aliases, description, claim_count, source_count,
 * mentions_count, links {self, claims} (members, no braces).
 */
void program_json_members(struct jw *w, const struct program_row *r);

/* The attribute key of a claim about a program: its attribute, else its metric. */
const char *program_attribute_key(const struct stat_obs *o);

/*
 * "attributes": one entry per attribute the set's claims state, in the
 * schema's attribute order then by name: {attribute, variants [{value_type,
 * value, metric, bound, lower, upper, unit, vague_term, sources, claims}],
 * disagreement (true, false, or null when text values cannot be compared),
 * disagreements [{a, b, reason}]}. pairs are the set's disagreements within
 * one attribute.
 */
/* The findings of the consistency rules a program's claims take part in: pairs of a claim
 * id and the id of a finding that cites it (strings owned by the caller). */
struct program_findings {
    const char **claim;
    const char **finding;
    size_t n;
};

void program_json_attributes(struct jw *w, const struct stat_set *s, const struct stat_pairs *pairs,
                             const struct program_findings *pf);

#endif
