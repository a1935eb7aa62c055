/* A claim as read from the database: borrowed pointers valid during one row callback. */
#ifndef MARSAD_CLAIM_H
#define MARSAD_CLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct claim_row {
    int64_t seq;
    const char *id;
    const char *source_id;
    const char *quote;
    int64_t quote_start, quote_end;
    const char *statement;
    const char *kind;
    const char *metric_id;
    bool has_value, has_lower, has_upper;
    double value, lower, upper;
    const char *bound, *vague_term, *unit, *value_date, *value_text;
    const char *as_of, *period_start, *period_end, *time_basis;
    const char *place_id;
    const char *claimant, *claimant_kind, *claimant_entity_id;
    const char *subject_program_id, *subject_entity_id, *attribute;
    const char *footnote_id, *note;
    int64_t revision;
    const char *created_at, *updated_at;
    const char *topics_json;   /* JSON array text */
    const char *mentions_json; /* JSON array text */
    /* joined, for include= */
    const char *source_title, *source_publisher, *source_published, *source_kind;
    const char *metric_label, *metric_unit, *metric_value_type;
    bool has_time;
    int64_t time_start, time_end;
    const char *scope;           /* narrower or wider than the metric's definition ("Syria only") */
    const char *candidate;       /* the extraction candidate it was accepted from, or NULL */
    const char *provenance_json; /* {rests_on, chain, repeats, repeated_by} as JSON text */
    /* the stored text around the quote (not NUL-terminated: use the lengths); set by
     * claim_repo_get_context() only */
    const char *context_before, *context_after;
    size_t context_before_len, context_after_len;
};

/* Called once per row; return false to stop. */
typedef bool (*claim_row_fn)(void *ctx, const struct claim_row *row);

#endif
