/*
 * What the files of the claim-candidate extractor share (extract_text.c: tokens, the
 * vocabulary and sentences; extract_time.c: time expressions and claimants;
 * extract_quantity.c: quantities and metric suggestions; extract.c: the candidate list)
 * and nothing else uses. Not part of the extractor's interface (extract.h). Pure.
 */
#ifndef MARSAD_EXTRACT_INTERNAL_H
#define MARSAD_EXTRACT_INTERNAL_H

#include "extract.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tk_type { TK_WORD, TK_NUM, TK_PUNCT };

#define TK_LOW 40

struct tok {
    enum tk_type t;
    size_t b0, b1;
    char low[TK_LOW]; /* folded word, or the punctuation class ("-", "%", "(", ...) */
    bool cap;         /* a word starting with an upper-case letter */
    bool glued;       /* no space before it */
    /* numbers */
    double num;
    bool is_int;
    bool has_sep;
    int ndigits;
    bool decade; /* "1980s" */
};

struct toks {
    struct tok *v;
    size_t n, cap;
    bool oom;
};

struct ex_time {
    size_t t0, t1; /* token range, with the preposition */
    size_t d0;     /* the first token of the date itself */
    char start[EX_DATE_LEN], end[EX_DATE_LEN];
    bool period;
    bool used;
    bool event_date; /* a date that can stand as an event's date */
    bool naming;     /* a year that names something ("the law of 2003", "the 2011
                        constitution"): a date of its own, never the time of a figure */
    char basis[EX_TEXT_LEN];
};

#define EX_MAX_TIMES 32

struct qty {
    size_t t0, t1; /* token range of the figure */
    bool has_value, has_lower, has_upper;
    double value, lower, upper;
    const char *rule;
    const char *bound;
    bool is_year_like;
};

/*
 * The catalog's words, indexed once per extraction: for each metric the sorted
 * hashes of the stemmed words of its label and of its definition, so scoring a
 * candidate is a binary search per word of its sentence.
 */
struct cat_index {
    uint32_t *words; /* all metrics' label words, then definition words, per metric */
    size_t *label_at, *label_n, *def_at, *def_n;
    int *family;
    size_t n;
    bool oom;
};

extern const char *const ex_claim_verbs[];
extern const char *const ex_time_units[];
extern const char *const ex_vague[];
extern const char *const ex_stop_after[];

uint32_t ex_cp(const char *s, size_t n, size_t i, size_t *len);
void ex_tokenize(const char *s, size_t n, struct toks *ts);
bool ex_in(const char *w, const char *const *list);
int ex_word_value(const char *w);
int ex_month(const char *w);
bool ex_year_value(const struct tok *t);
const char *ex_find(const char *w, const char *const *list);
bool ex_sentence_end(const struct toks *ts, size_t i);
bool ex_paragraph_gap(const char *s, size_t from, size_t to);
bool ex_paragraph_break(const char *s, const struct toks *ts, size_t i);
void ex_span_text(const char *s, const struct toks *ts, size_t a, size_t b, char *out, size_t cap);
const char *ex_low(const struct toks *ts, size_t i, size_t end);
size_t ex_times(const char *s, const struct toks *ts, size_t a, size_t b,
                const struct ex_options *o, struct ex_time *out);
void ex_claimant(const char *s, const struct toks *ts, size_t a, size_t b, struct ex_candidate *c);
size_t ex_digits_number(const struct toks *ts, size_t i, size_t end, double *v);
size_t ex_any_number(const struct toks *ts, size_t i, size_t end, double *v, bool *words);
bool ex_footnote_number(const struct toks *ts, size_t i);
const char *ex_bound_before(const struct toks *ts, size_t a, size_t i, size_t *start);
void ex_bound_ends(struct qty *q, double v);
bool ex_plural_noun(const char *w);
bool ex_unit_after(const char *s, const struct toks *ts, size_t i, size_t end,
                   struct ex_candidate *c);
const char *ex_currency(const struct toks *ts, size_t j, size_t end, size_t *after);
void ex_index_free(struct cat_index *ci);
bool ex_index(const struct ex_options *o, struct cat_index *ci);
void ex_suggest(const struct toks *ts, size_t a, size_t b, const struct ex_options *o,
                const struct cat_index *ci, struct ex_candidate *c, int family);
int ex_ordinal_value(const char *w);

#endif
