/* An RFC 4180 reader for the suites that read CSV bodies back, and the cell a JSON value
 * should give (the server's CSV rules, written independently of server/http/list.c). */
#ifndef MARSAD_TEST_CSV_DOC_H
#define MARSAD_TEST_CSV_DOC_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"

struct csv_doc {
    char ***rows; /* rows[r][c], NUL-terminated cells */
    size_t nrows, *ncells;
};

/* Reads RFC 4180 text (quoted cells may hold commas, doubled quotes and line breaks; rows
 * end in CRLF); a malformed body fails the running test. */
void csv_doc_parse(const char *s, size_t n, struct csv_doc *d);
void csv_doc_free(struct csv_doc *d);
/* Appends the cell a JSON member gives: texts as they are (a leading = + - @ tab or CR
 * guarded by a '), integers, true/false, arrays of texts joined by "; ", null empty.
 * Reals are compared by value by the caller; an object fails the running test. */
void csv_expected_cell(json_t *v, struct buf *out);

#endif
