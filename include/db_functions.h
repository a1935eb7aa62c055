/*
 * The SQL functions Marsad adds to every connection (db_functions.c): marsad_fold(text)
 * and marsad_words(text), the search index's tokens of a text, and the FTS5 auxiliary
 * marsad_rank (bm25 that skips the rows that cannot reach the page). Used by db_open().
 */
#ifndef MARSAD_DB_FUNCTIONS_H
#define MARSAD_DB_FUNCTIONS_H

#include <sqlite3.h>

/* Registers them on h; an SQLite result code. */
int db_register_functions(sqlite3 *h);

#endif
