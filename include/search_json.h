/* Encodes search hits as JSON objects with the streaming writer. */
#ifndef MARSAD_SEARCH_JSON_H
#define MARSAD_SEARCH_JSON_H

#include "buf.h"
#include "search.h"

/* Columns of the CSV export, NULL-terminated. */
extern const char *const search_csv_columns[];

/* Writes one hit as an object. */
void search_json_write(struct jw *w, const struct search_hit *h);

#endif
