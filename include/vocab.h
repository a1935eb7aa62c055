/*
 * The evidence base's vocabulary, in one place: the kinds of claims, sources, programs,
 * entities, claimants and metric relations, the bounds of a figure and the attributes of
 * a program. Validation accepts these words, the query filters take them, and the
 * documents list them; each list is NULL-terminated and its order is the one error
 * messages and `claims_by_kind` show. (The meaning of each bound is the policy table of
 * stats.h.) Pure data.
 */
#ifndef MARSAD_VOCAB_H
#define MARSAD_VOCAB_H

extern const char *const vocab_claim_kinds[];
extern const char *const vocab_bounds[];
extern const char *const vocab_claimant_kinds[];
extern const char *const vocab_program_attributes[];
extern const char *const vocab_source_kinds[];
extern const char *const vocab_program_kinds[];
extern const char *const vocab_entity_kinds[];
extern const char *const vocab_relation_kinds[];

/* The number of claim kinds (the length of vocab_claim_kinds). */
#define VOCAB_NCLAIM_KINDS 6

#endif
