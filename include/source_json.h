/* Encodes sources (publications) and their citation edges with the streaming writer. */
#ifndef MARSAD_SOURCE_JSON_H
#define MARSAD_SOURCE_JSON_H

#include "buf.h"
#include "source.h"

#include <stdbool.h>
#include <stdint.h>

/* Columns of the CSV export, NULL-terminated. */
extern const char *const source_csv_columns[];

/* Writes the members of one source as a list item (no braces). */
void source_json_members(struct jw *w, const struct source_row *r);
/* Writes one source as a list item object. */
void source_json_write(struct jw *w, const struct source_row *r);
/* Writes "text": {sha256, chars, bytes} or null when the source has no stored text. */
void source_json_text_member(struct jw *w, const struct source_row *r);
/* Writes one citation edge: {id, title, label} plus note when with_note. */
void source_json_citation(struct jw *w, const struct source_citation_row *r, bool with_note);
/* Writes {"data": {source, claim, start, end, quote, sha256}} for ?claim=. */
void source_json_quote(struct jw *w, const char *source_id, const struct source_quote_row *r);

#endif
