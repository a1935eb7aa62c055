#include "vocab.h"

#include <stddef.h>

const char *const vocab_claim_kinds[] = {"statistic",      "event",     "policy", "assessment",
                                         "recommendation", "testimony", NULL};
const char *const vocab_bounds[] = {"exact",     "approx", "at_least", "more_than", "up_to",
                                    "less_than", "range",  "vague",    "almost",    NULL};
const char *const vocab_claimant_kinds[] = {"author",       "official", "government",  "expert",
                                            "organization", "media",    "participant", "lawyer",
                                            "unattributed", NULL};
const char *const vocab_program_attributes[] = {
    "start_date",   "lead_agency",  "partners",    "components", "target_group",
    "round_length", "participants", "graduates",   "applicants", "places",
    "outcome",      "eligibility",  "legal_basis", "penalty",    "aim",
    "oversight",    "status",       "name",        NULL};
const char *const vocab_source_kinds[] = {"analysis", "news", "report", "op-ed", "cited", NULL};
const char *const vocab_program_kinds[] = {
    "program", "policy", "law", "institution", "initiative", "security_mechanism", NULL};
const char *const vocab_entity_kinds[] = {"person", "organization", "armed_group",
                                          "place",  "event",        NULL};
const char *const vocab_relation_kinds[] = {"part_whole", "sum", "share", "range", NULL};
