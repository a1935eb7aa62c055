/* A source (publication) as read from the database: borrowed pointers valid during one row
 * callback. */
#ifndef MARSAD_SOURCE_H
#define MARSAD_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct source_row {
    int64_t seq;
    const char *id;
    const char *title;
    const char *authors_json; /* JSON array text */
    const char *publisher, *original_publisher;
    const char *published, *published_precision, *published_basis;
    const char *written, *written_precision;
    const char *url;
    const char *kind;
    const char *language;
    const char *note;
    int64_t claim_count; /* claims not deleted */
    bool has_text;       /* a stored text exists; the text_* members are set only then */
    const char *text_sha256;
    int64_t text_chars, text_bytes;
};

/* Called once per row; return false to stop. */
typedef bool (*source_row_fn)(void *ctx, const struct source_row *row);

/* One edge of the citation graph, seen from the other end. */
struct source_citation_row {
    const char *id;    /* the source at the other end */
    const char *title; /* its title */
    const char *label; /* the note label in the citing document ("20") */
    const char *note;  /* what the citing note says, or NULL */
};
typedef bool (*source_citation_fn)(void *ctx, const struct source_citation_row *row);

/* A claim's quote located in its source's stored text. */
struct source_quote_row {
    const char *claim_id;
    int64_t start, end; /* code points, end exclusive */
    const char *quote;  /* the text between start and end, cut from the stored text */
    const char *sha256; /* of the stored text */
};
typedef bool (*source_quote_fn)(void *ctx, const struct source_quote_row *row);

/* A stored text: len bytes of UTF-8 at body (borrowed, valid during the callback). */
struct source_text_row {
    const char *body;
    size_t len; /* bytes */
    const char *sha256;
};
typedef bool (*source_text_fn)(void *ctx, const struct source_text_row *row);

/* Claims of one kind in a source. */
typedef bool (*source_kind_count_fn)(void *ctx, const char *kind, int64_t n);

#endif
