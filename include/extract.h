/*
 * Claim candidates from a document's text: every figure the text states (digits,
 * numbers in words, shares, money, durations, ranges, ordinals that count, vague
 * quantities) and every date of an event, each with the bound read from the
 * words around it, the noun it counts, the time it is about, who states it, the
 * sentence it stands in and the character offsets of each part.
 *
 * Pure: libc only, no allocation beyond the result arrays, no I/O. The rules
 * are hand-written because no maintained C library reads English quantities
 * with their qualifiers; the vocabulary of bounds is the claims' own.
 */
#ifndef MARSAD_EXTRACT_H
#define MARSAD_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

/* A metric of the catalog, for the suggestion (all strings may be NULL). */
struct ex_metric {
    const char *id;
    const char *label;
    const char *definition;
    const char *unit;       /* "people", "years", "date", "percent", ... */
    const char *value_type; /* "number" or "date" */
};

struct ex_options {
    const char *published; /* the document's date as a partial date, or NULL */
    const char *author;    /* the default claimant (the authors, or the publisher) */
    const struct ex_metric *metrics;
    size_t nmetrics;
};

/* A byte span [b0, b1) of the input; absent when b1 == 0 and b0 == 0. */
struct ex_span {
    size_t b0, b1;
};

#define EX_DATE_LEN 11  /* "2019-03-13" */
#define EX_TEXT_LEN 160 /* unit, claimant, vague term, basis */

struct ex_candidate {
    const char *rule;  /* "digits", "words", "share", "money", "duration", "range",
                          "ordinal", "multiplicative", "vague", "date" */
    const char *kind;  /* "statistic" or "event" */
    const char *bound; /* the claims' vocabulary: exact, approx, almost, ... */
    bool has_value, has_lower, has_upper;
    double value, lower, upper;
    char vague_term[EX_TEXT_LEN];
    char unit[EX_TEXT_LEN];
    char currency[8]; /* ISO 4217 code of money, "" otherwise */
    bool has_conversion;
    double conversion_value;
    char conversion_currency[8];
    const char *conversion_bound;
    char value_date[EX_DATE_LEN];
    char as_of[EX_DATE_LEN];
    char period_start[EX_DATE_LEN], period_end[EX_DATE_LEN];
    char time_basis[EX_TEXT_LEN];
    char claimant[EX_TEXT_LEN];
    const char *claimant_basis; /* "according to", "said", "reportedly", "author" */
    const char *metric;         /* suggested metric id, or NULL (points into the options) */
    const char *metric_unit;    /* that metric's unit, the unit a claim of it takes */
    double metric_score;        /* 0..1 */
    double confidence;          /* 0..1 */
    struct ex_span quote, figure, bound_span, unit_span, time_span, claimant_span;
};

struct ex_result {
    struct ex_candidate *items;
    size_t n, cap;
    bool oom;
};

void ex_result_init(struct ex_result *r);
void ex_result_free(struct ex_result *r);

/*
 * Appends the candidates of text[0..n) to r, in text order. The text must be
 * valid UTF-8 (check with utf8_invalid_at() of buf.h first). Returns false only when
 * memory ran out (r->oom is set).
 */
bool ex_extract(const char *text, size_t n, const struct ex_options *opt, struct ex_result *r);

/* What an existing claim states, for coverage: its quote's bytes and its figure. */
struct ex_claim_ref {
    const char *id;
    size_t b0, b1;
    bool has_value, has_lower, has_upper;
    double value, lower, upper;
    const char *bound;      /* NULL for a claim without a figure */
    const char *value_date; /* NULL unless a date */
    const char *unit;       /* the metric's unit ("people", "months", "date") */
    const char *candidate;  /* the candidate id the claim was accepted from, or NULL */
};

/*
 * True when claim k already states candidate c: their quotes overlap and they
 * give the same figure with the same bound (a date: the same date; a duration
 * in years against a claim in months: the same length).
 */
bool ex_covers(const struct ex_claim_ref *k, const struct ex_candidate *c);

/* The rules a candidate can come from (NULL-terminated): its `rule` is one of these. */
extern const char *const ex_rules[];

#endif
