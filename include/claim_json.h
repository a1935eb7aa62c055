/* Encodes claims as JSON objects with the streaming writer. */
#ifndef MARSAD_CLAIM_JSON_H
#define MARSAD_CLAIM_JSON_H

#include "buf.h"
#include "claim.h"

#include <stddef.h>
#include <stdint.h>

enum claim_include { CLAIM_INCLUDE_SOURCE = 1, CLAIM_INCLUDE_METRIC = 2 };

/* Field names accepted by fields=, NULL-terminated; bit i of a mask selects name i. */
extern const char *const claim_field_names[];
/*
 * The CSV columns of the members `fields` selects (every member but `links`), in the order
 * of claim_field_names, into out[0..cap) with a NULL after the last; returns their number.
 */
#define CLAIM_CSV_MAX_COLUMNS 65
size_t claim_csv_columns(uint64_t fields, const char **out, size_t cap);
#define CLAIM_ALL_FIELDS UINT64_MAX

/* Writes the members of one claim (no braces) selected by fields. */
void claim_json_members(struct jw *w, const struct claim_row *r, uint64_t fields, unsigned include);
/* Writes one claim as an object. */
void claim_json_write(struct jw *w, const struct claim_row *r, uint64_t fields, unsigned include);

#endif
