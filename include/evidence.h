/*
 * The evidence invariant, in one place: a claim's quote is found verbatim in its source's
 * stored text, and its place there is computed, never typed in. The seed build and the
 * write API both validate claims with these functions, so a curated record and an API
 * write pass or fail the same way, with the same words. Pure: libc only.
 */
#ifndef MARSAD_EVIDENCE_H
#define MARSAD_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

/* How a quote fits the text. */
enum quote_fit {
    QUOTE_FOUND,     /* the occurrence asked for (or the only one) */
    QUOTE_ABSENT,    /* not in the text */
    QUOTE_TOO_FEW,   /* fewer occurrences than the one asked for */
    QUOTE_AMBIGUOUS, /* several occurrences and none named */
};

/* Where a found quote is, in bytes and in code points (the API's quote_start/_end). */
struct quote_place {
    int64_t count; /* occurrences of the quote in the text */
    size_t byte_start, byte_end;
    size_t cp_start, cp_end;
};

/*
 * Finds quote (qlen bytes) in text (tlen bytes): its `occurrence`-th match (1 for the
 * first), or with occurrence 0 (none given) its only one. Matches may overlap. The place
 * is set when the result is QUOTE_FOUND; count always.
 */
enum quote_fit evidence_find_quote(const char *text, size_t tlen, const char *quote, size_t qlen,
                                   int64_t occurrence, struct quote_place *out);

/*
 * The problem of a quote that does not fit, as the API reports it: the member at fault
 * ("quote" or "occurrence"; the JSON pointer is "/" and it), and the message (written into
 * msg, n bytes). source is the source's id, for the message.
 */
const char *evidence_quote_problem(enum quote_fit f, const struct quote_place *p,
                                   const char *source, char *msg, size_t n);

/* The number of code points in the first n bytes of UTF-8 text s. */
size_t evidence_codepoints(const char *s, size_t n);

#endif
