/* A full-text search hit as read from the database: borrowed pointers valid during one callback. */
#ifndef MARSAD_SEARCH_H
#define MARSAD_SEARCH_H

#include <stdbool.h>

/*
 * The marks FTS5 puts around matches: bytes that never occur in UTF-8, so no record
 * text can contain them; search_json.c escapes the text and turns them into <mark>.
 */
#define SEARCH_MARK_OPEN  "\xfe"
#define SEARCH_MARK_CLOSE "\xff"

struct search_hit {
    const char *type;    /* "claim", "source" or "program" */
    const char *id;      /* the record's id */
    const char *title;   /* indexed title: a claim's statement, a source's or program's title */
    const char *snippet; /* FTS5 snippet() of the evidence or the title, matches between the
                            SEARCH_MARKs */
    const char *snippet_field; /* the record's member it was cut from ("quote", "statement"...) */
    const char *title_snippet; /* FTS5 highlight() of the title, likewise */
    double score;              /* bm25, lower is better */
    const char *source_id;     /* claims only, else NULL */
    const char *statement;     /* claims only, else NULL */
};

/* Called once per hit; return false to stop. */
typedef bool (*search_hit_fn)(void *ctx, const struct search_hit *hit);

#endif
