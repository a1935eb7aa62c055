/* A program, policy, law or institution as read from the database: borrowed pointers. */
#ifndef MARSAD_PROGRAM_H
#define MARSAD_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>

struct program_row {
    int64_t seq;
    const char *id, *name, *kind, *description;
    const char *aliases_json; /* JSON array text, sorted */
    int64_t claim_count;      /* claims with the program as subject or mentioning it */
    int64_t source_count;     /* distinct sources of those claims */
    int64_t mentions_count;   /* claims whose quote mentions it */
};

/* Called once per row; return false to stop. */
typedef bool (*program_row_fn)(void *ctx, const struct program_row *row);

#endif
