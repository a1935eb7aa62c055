/* A full-text search hit as read from the database: borrowed pointers valid during one callback. */
#ifndef MARSAD_SEARCH_H
#define MARSAD_SEARCH_H

#include <stdbool.h>

struct search_hit {
    const char *type;    /* "claim", "source" or "program" */
    const char *id;      /* the record's id */
    const char *title;   /* indexed title: a claim's statement, a source's or program's title */
    const char *snippet; /* FTS5 snippet() of the body, matches in <mark>...</mark> */
    const char *title_snippet; /* FTS5 highlight() of the title */
    double score;              /* bm25, lower is better */
    const char *source_id;     /* claims only, else NULL */
    const char *statement;     /* claims only, else NULL */
};

/* Called once per hit; return false to stop. */
typedef bool (*search_hit_fn)(void *ctx, const struct search_hit *hit);

#endif
