#include "extract.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The text is read in three passes per sentence: a tokenizer (words, numbers,
 * punctuation, with byte spans; a word broken at a line end by a hyphen is one
 * word), a quantity pass over the tokens (each quantity with its bound, unit and
 * rule), and a context pass (time expressions and the claimant of the sentence).
 * Everything is ASCII-folded for matching; the spans always point back into the
 * original text, so a quote is the text's own bytes.
 */

/* ---- Tokens --------------------------------------------------------------- */

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

static void S_push(struct toks *ts, const struct tok *t)
{
    if (ts->oom)
        return;
    if (ts->n == ts->cap) {
        size_t nc = ts->cap ? ts->cap * 2 : 256;
        struct tok *nv = realloc(ts->v, nc * sizeof *nv);
        if (nv == NULL) {
            ts->oom = true;
            return;
        }
        ts->v = nv;
        ts->cap = nc;
    }
    ts->v[ts->n++] = *t;
}

/* Decodes one code point at s[i] (valid UTF-8 assumed); sets *len. */
static uint32_t S_cp(const char *s, size_t n, size_t i, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c = u[i];
    if (c < 0x80 || i + 1 >= n) {
        *len = 1;
        return c;
    }
    if ((c & 0xE0) == 0xC0) {
        *len = 2;
        return ((c & 0x1F) << 6) | (u[i + 1] & 0x3F);
    }
    if ((c & 0xF0) == 0xE0 && i + 2 < n) {
        *len = 3;
        return ((c & 0x0F) << 12) | ((uint32_t)(u[i + 1] & 0x3F) << 6) | (u[i + 2] & 0x3F);
    }
    if (i + 3 < n) {
        *len = 4;
        return ((c & 0x07) << 18) | ((uint32_t)(u[i + 1] & 0x3F) << 12) |
               ((uint32_t)(u[i + 2] & 0x3F) << 6) | (u[i + 3] & 0x3F);
    }
    *len = 1;
    return c;
}

static bool S_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0xA0 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x3000;
}

static bool S_dash(uint32_t c)
{
    return c == '-' || c == 0x2010 || c == 0x2011 || c == 0x2012 || c == 0x2013 || c == 0x2014 ||
           c == 0x2212;
}

static bool S_apostrophe(uint32_t c)
{
    return c == '\'' || c == 0x2019;
}

static bool S_letter(uint32_t c)
{
    if (c < 0x80)
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if (c == 0xD7 || c == 0xF7)
        return false;
    return (c >= 0xC0 && c <= 0x24F) || (c >= 0x370 && c < 0x2000) || c >= 0x3040;
}

static bool S_upper(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7);
}

/* Appends the ASCII fold of c to a word buffer. */
static void S_fold(char *low, size_t *k, uint32_t c)
{
    char f = 0;
    if (c < 0x80)
        f = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    else if (c == 0x2019)
        f = '\'';
    else if ((c >= 0xE0 && c <= 0xE5) || (c >= 0xC0 && c <= 0xC5))
        f = 'a';
    else if ((c >= 0xE8 && c <= 0xEB) || (c >= 0xC8 && c <= 0xCB))
        f = 'e';
    else if ((c >= 0xEC && c <= 0xEF) || (c >= 0xCC && c <= 0xCF))
        f = 'i';
    else if ((c >= 0xF2 && c <= 0xF6) || (c >= 0xD2 && c <= 0xD6))
        f = 'o';
    else if ((c >= 0xF9 && c <= 0xFC) || (c >= 0xD9 && c <= 0xDC))
        f = 'u';
    else if (c == 0xE7 || c == 0xC7)
        f = 'c';
    else
        f = '?';
    if (*k + 1 < TK_LOW)
        low[(*k)++] = f;
    low[*k] = '\0';
}

/* Parses the digits token s[b0..b1): "1,122", "1.500", "66.7", "2015". */
static void S_parse_number(const char *s, size_t b0, size_t b1, struct tok *t)
{
    char digits[64];
    size_t k = 0, groups = 0, ndig = 0;
    bool comma = false, dot = false, dot_groups_of_3 = true;
    size_t run = 0;
    for (size_t i = b0; i < b1; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            run++;
            ndig++;
        } else {
            if (c == ',')
                comma = true;
            else
                dot = true;
            if (groups > 0 && run != 3)
                dot_groups_of_3 = false;
            groups++;
            run = 0;
        }
    }
    if (groups > 0 && run != 3)
        dot_groups_of_3 = false;
    /* "1.500" and "1.500.000" are thousands (a continental separator); "66.7" is a
     * decimal; "1,122" and "500,000" are thousands; "1,5" alone is a decimal. */
    bool dot_is_thousands = dot && !comma && dot_groups_of_3 && groups >= 1 && run == 3;
    bool comma_is_decimal = comma && !dot && groups == 1 && run != 3;
    for (size_t i = b0; i < b1 && k + 1 < sizeof digits; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            digits[k++] = c;
        else if (c == '.' && !dot_is_thousands)
            digits[k++] = '.';
        else if (c == ',' && comma_is_decimal)
            digits[k++] = '.';
    }
    digits[k] = '\0';
    t->num = strtod(digits, NULL);
    t->is_int = strchr(digits, '.') == NULL;
    t->has_sep = groups > 0 && t->is_int;
    t->ndigits = (int)ndig;
}

static void S_tokenize(const char *s, size_t n, struct toks *ts)
{
    size_t i = 0;
    bool space_before = true;
    while (i < n && !ts->oom) {
        size_t len;
        uint32_t c = S_cp(s, n, i, &len);
        if (S_space(c)) {
            space_before = true;
            i += len;
            continue;
        }
        struct tok t;
        memset(&t, 0, sizeof t);
        t.b0 = i;
        t.glued = !space_before;
        space_before = false;
        if (c >= '0' && c <= '9') {
            size_t j = i;
            while (j < n) {
                if (s[j] >= '0' && s[j] <= '9') {
                    j++;
                } else if ((s[j] == ',' || s[j] == '.') && j + 1 < n && s[j + 1] >= '0' &&
                           s[j + 1] <= '9') {
                    j++;
                } else {
                    break;
                }
            }
            t.t = TK_NUM;
            S_parse_number(s, i, j, &t);
            t.b1 = j;
            /* "1980s" is a decade; "12th" an ordinal suffix (kept as the word). */
            if (j < n && s[j] == 's' && t.ndigits == 4 &&
                (j + 1 >= n || !S_letter((unsigned char)s[j + 1]))) {
                t.decade = true;
                t.b1 = j + 1;
            }
            memcpy(t.low, "#", 2);
            S_push(ts, &t);
            i = t.b1;
            continue;
        }
        if (S_letter(c)) {
            size_t k = 0, j = i;
            t.t = TK_WORD;
            t.cap = S_upper(c);
            while (j < n) {
                size_t l2;
                uint32_t d = S_cp(s, n, j, &l2);
                if (S_letter(d)) {
                    S_fold(t.low, &k, d);
                    j += l2;
                    continue;
                }
                /* An inner hyphen or apostrophe followed by a letter stays in the word;
                 * a hyphen at a line end followed by a lower-case letter joins the
                 * two halves of a broken word ("Mo-\nroccans"). */
                if (S_dash(d) || S_apostrophe(d)) {
                    size_t l3;
                    size_t nx = j + l2;
                    if (nx < n && S_letter(S_cp(s, n, nx, &l3))) {
                        S_fold(t.low, &k, S_dash(d) ? '-' : '\'');
                        j = nx;
                        continue;
                    }
                    if (S_dash(d)) {
                        size_t m = nx;
                        bool nl = false;
                        while (m < n && (s[m] == ' ' || s[m] == '\n' || s[m] == '\r')) {
                            if (s[m] == '\n')
                                nl = true;
                            m++;
                        }
                        if (nl && m < n && s[m] >= 'a' && s[m] <= 'z') {
                            j = m;
                            continue;
                        }
                    }
                }
                break;
            }
            t.b1 = j;
            S_push(ts, &t);
            i = j;
            continue;
        }
        /* A footnote marker "[12]" is one punctuation token. */
        if (c == '[') {
            size_t j = i + 1;
            while (j < n && s[j] >= '0' && s[j] <= '9')
                j++;
            if (j > i + 1 && j < n && s[j] == ']') {
                t.t = TK_PUNCT;
                t.b1 = j + 1;
                memcpy(t.low, "[n]", 4);
                S_push(ts, &t);
                i = j + 1;
                continue;
            }
        }
        t.t = TK_PUNCT;
        t.b1 = i + len;
        if (S_dash(c))
            memcpy(t.low, "-", 2);
        else if (c == 0x20AC)
            memcpy(t.low, "EUR", 4);
        else if (c == 0xA3)
            memcpy(t.low, "GBP", 4);
        else if (c == '$')
            memcpy(t.low, "USD", 4);
        else if (c == 0x201C || c == 0x201D || c == '"' || c == 0xAB || c == 0xBB)
            memcpy(t.low, "\"", 2);
        else if (c == 0x2018 || c == 0x2019)
            memcpy(t.low, "'", 2);
        else if (c == 0x2026)
            memcpy(t.low, ".", 2);
        else if (c < 0x80) {
            t.low[0] = (char)c;
            t.low[1] = '\0';
        } else {
            memcpy(t.low, "?", 2);
        }
        S_push(ts, &t);
        i += len;
    }
}

/* ---- Vocabulary ------------------------------------------------------------ */

const char *const ex_rules[] = {"digits",  "words",          "share", "money", "duration", "range",
                                "ordinal", "multiplicative", "vague", "date",  NULL};

/* The list's own copy of w (a static string), or NULL. */
static const char *S_find(const char *w, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++)
        if (strcmp(w, list[i]) == 0)
            return list[i];
    return NULL;
}

static bool S_in(const char *w, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++)
        if (strcmp(w, list[i]) == 0)
            return true;
    return false;
}

static const char *const S_units_words[] = {
    "zero",     "one",     "two",     "three",     "four",     "five",     "six",
    "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",   "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", NULL};
static const char *const S_tens_words[] = {"twenty",  "thirty", "forty",  "fifty", "sixty",
                                           "seventy", "eighty", "ninety", NULL};
static const char *const S_ordinals[] = {"first",    "second",  "third",  "fourth", "fifth",
                                         "sixth",    "seventh", "eighth", "ninth",  "tenth",
                                         "eleventh", "twelfth", NULL};
static const char *const S_months[] = {"january",  "february", "march",  "april",     "may",
                                       "june",     "july",     "august", "september", "october",
                                       "november", "december", NULL};
static const char *const S_time_units[] = {"year",  "years", "month", "months", "week",
                                           "weeks", "day",   "days",  "decade", "decades",
                                           "hour",  "hours", NULL};
/* Words after which a number is not what is counted. */
static const char *const S_stop_after[] = {
    "have",  "has",   "had",   "were",   "was",    "are",   "is",    "be",    "been",
    "who",   "that",  "which", "to",     "in",     "of",    "from",  "and",   "or",
    "with",  "by",    "for",   "on",     "at",     "as",    "the",   "a",     "an",
    "than",  "per",   "while", "but",    "this",   "these", "those", "their", "its",
    "his",   "her",   "they",  "it",     "will",   "would", "could", "can",   "may",
    "might", "since", "after", "before", "during", "into",  "out",   "over",  "under",
    "then",  "when",  "where", "not",    "all",    "also",  NULL};
static const char *const S_vague[] = {"dozens",  "scores", "hundreds", "thousands", "tens",
                                      "several", "many",   "numerous", "countless", NULL};
static const char *const S_claim_verbs[] = {
    "said",      "says",         "told",      "stated",    "states",    "estimated", "estimates",
    "noted",     "notes",        "reported",  "reports",   "explained", "argued",    "argues",
    "added",     "claimed",      "claims",    "believes",  "believed",  "warned",    "confirmed",
    "announced", "indicated",    "indicates", "according", "revealed",  "asserted",  "maintain",
    "maintains", "acknowledged", NULL};

static int S_word_number(const char *w)
{
    for (int i = 0; S_units_words[i] != NULL; i++)
        if (strcmp(w, S_units_words[i]) == 0)
            return i;
    for (int i = 0; S_tens_words[i] != NULL; i++)
        if (strcmp(w, S_tens_words[i]) == 0)
            return 20 + 10 * i;
    return -1;
}

/* "twenty-five" -> 25; "eighteen" -> 18; -1 when not a number word. */
static int S_word_value(const char *w)
{
    int v = S_word_number(w);
    if (v >= 0)
        return v;
    const char *h = strchr(w, '-');
    if (h != NULL && (size_t)(h - w) < 16) {
        char a[16];
        memcpy(a, w, (size_t)(h - w));
        a[h - w] = '\0';
        int t = S_word_number(a), u = S_word_number(h + 1);
        if (t >= 20 && u > 0 && u < 10)
            return t + u;
    }
    return -1;
}

static int S_ordinal_value(const char *w)
{
    for (int i = 0; S_ordinals[i] != NULL; i++)
        if (strcmp(w, S_ordinals[i]) == 0)
            return i + 1;
    return -1;
}

static int S_month(const char *w)
{
    for (int i = 0; S_months[i] != NULL; i++)
        if (strcmp(w, S_months[i]) == 0)
            return i + 1;
    if (strcmp(w, "sept") == 0)
        return 9;
    return 0;
}

static bool S_year_value(const struct tok *t)
{
    return t->t == TK_NUM && t->is_int && !t->has_sep && t->ndigits == 4 && t->num >= 1800 &&
           t->num <= 2100;
}

/* ---- Sentences ------------------------------------------------------------- */

static const char *const S_abbrev[] = {
    "ca",  "c",   "e",    "g",   "i",   "mr",  "mrs",    "ms",  "dr",  "st",  "no",  "vs",  "al",
    "jr",  "sr",  "prof", "gen", "col", "lt",  "approx", "etc", "u",   "s",   "fig", "p",   "pp",
    "vol", "jan", "feb",  "mar", "apr", "jun", "jul",    "aug", "sep", "oct", "nov", "dec", NULL};

/* True when a sentence ends after token i (a '.', '!' or '?'). */
static bool S_sentence_end(const struct toks *ts, size_t i)
{
    const struct tok *t = &ts->v[i];
    if (t->t != TK_PUNCT)
        return false;
    if (strcmp(t->low, "!") != 0 && strcmp(t->low, "?") != 0 && strcmp(t->low, ".") != 0)
        return false;
    if (i + 1 >= ts->n)
        return true;
    const struct tok *nx = &ts->v[i + 1];
    if (!nx->glued || nx->t == TK_PUNCT) {
        if (strcmp(t->low, ".") == 0 && i > 0) {
            const struct tok *pv = &ts->v[i - 1];
            if (pv->t == TK_WORD && (strlen(pv->low) == 1 || S_in(pv->low, S_abbrev)) &&
                (nx->t != TK_WORD || !nx->cap || strlen(pv->low) == 1))
                return false;
        }
        /* A closing quote, bracket or footnote marker after the stop stays with it. */
        if (nx->glued && nx->t == TK_PUNCT)
            return false;
        return nx->t != TK_WORD || nx->cap || !nx->glued;
    }
    return false;
}

/* True when the gap between two tokens holds a blank line (a paragraph break). */
static bool S_paragraph_gap(const char *s, size_t from, size_t to)
{
    int nl = 0;
    for (size_t i = from; i < to; i++) {
        if (s[i] == '\n') {
            if (++nl >= 2)
                return true;
        } else if (s[i] != ' ' && s[i] != '\r' && s[i] != '\t') {
            nl = 0;
        }
    }
    return false;
}

/*
 * A paragraph ends after token i: a blank line follows it, and what comes next does not
 * continue the sentence (a blank line that PDF extraction left inside a sentence, before
 * a lower-case word, is not a paragraph break).
 */
static bool S_paragraph_break(const char *s, const struct toks *ts, size_t i)
{
    if (i + 1 >= ts->n || !S_paragraph_gap(s, ts->v[i].b1, ts->v[i + 1].b0))
        return false;
    const struct tok *nx = &ts->v[i + 1];
    return !(nx->t == TK_WORD && !nx->cap);
}

/* ---- Time expressions ------------------------------------------------------- */

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

static void S_date(char *out, int y, int m, int d)
{
    unsigned uy = (unsigned)y % 10000u, um = (unsigned)m % 100u, ud = (unsigned)d % 100u;
    if (d > 0)
        snprintf(out, EX_DATE_LEN, "%04u-%02u-%02u", uy, um, ud);
    else if (m > 0)
        snprintf(out, EX_DATE_LEN, "%04u-%02u", uy, um);
    else
        snprintf(out, EX_DATE_LEN, "%04u", uy);
}

static int S_pub_year(const struct ex_options *o)
{
    if (o == NULL || o->published == NULL || strlen(o->published) < 4)
        return 0;
    return (int)strtol(o->published, NULL, 10);
}

/* The text of tokens [a, b) into out, quoted. */
static void S_span_text(const char *s, const struct toks *ts, size_t a, size_t b, char *out,
                        size_t cap)
{
    size_t b0 = ts->v[a].b0, b1 = ts->v[b - 1].b1, k = 0;
    for (size_t i = b0; i < b1 && k + 1 < cap; i++) {
        char c = s[i];
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        if (c == ' ' && k > 0 && out[k - 1] == ' ')
            continue;
        out[k++] = c;
    }
    /* never cut a UTF-8 sequence */
    while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80 && k + 1 >= cap)
        k--;
    out[k] = '\0';
}

static const char *S_low(const struct toks *ts, size_t i, size_t end)
{
    return i < end ? ts->v[i].low : "";
}

/*
 * Reads a date at token i: [day] Month [day,] Year, Year, decade, "mid-2017", "the
 * fall of 2007", "the end of 2013". Returns the token just past it, or i when
 * there is none. Fills y/m/d (m, d 0 when absent), decade.
 */
static size_t S_read_date(const struct toks *ts, size_t i, size_t end, int *y, int *m, int *d,
                          bool *decade)
{
    size_t j = i;
    *y = *m = *d = 0;
    *decade = false;
    if (j >= end)
        return i;
    /* qualifiers that keep the year: mid-, early, late, the fall of, the end of */
    const char *w = ts->v[j].low;
    if (strcmp(w, "the") == 0 && j + 2 < end &&
        (strcmp(ts->v[j + 1].low, "end") == 0 || strcmp(ts->v[j + 1].low, "beginning") == 0 ||
         strcmp(ts->v[j + 1].low, "start") == 0 || strcmp(ts->v[j + 1].low, "fall") == 0 ||
         strcmp(ts->v[j + 1].low, "autumn") == 0 || strcmp(ts->v[j + 1].low, "spring") == 0 ||
         strcmp(ts->v[j + 1].low, "summer") == 0 || strcmp(ts->v[j + 1].low, "winter") == 0 ||
         strcmp(ts->v[j + 1].low, "middle") == 0) &&
        strcmp(ts->v[j + 2].low, "of") == 0) {
        size_t k = S_read_date(ts, j + 3, end, y, m, d, decade);
        return k > j + 3 ? k : i;
    }
    if ((strcmp(w, "mid") == 0 || strcmp(w, "early") == 0 || strcmp(w, "late") == 0) &&
        j + 1 < end) {
        size_t k = j + 1;
        if (k < end && strcmp(ts->v[k].low, "-") == 0)
            k++;
        size_t e = S_read_date(ts, k, end, y, m, d, decade);
        return e > k ? e : i;
    }
    int mo = ts->v[j].t == TK_WORD ? S_month(w) : 0;
    if (mo > 0 && j + 3 < end && strcmp(ts->v[j + 1].low, "and") == 0 &&
        S_month(ts->v[j + 2].low) > 0 && S_year_value(&ts->v[j + 3])) {
        *y = (int)ts->v[j + 3].num;
        *m = mo;
        *d = 0;
        return j + 1;
    }
    if (mo > 0) {
        /* "May" is also a verb: only a month when a day or year follows */
        size_t k = j + 1;
        int day = 0;
        if (k < end && ts->v[k].t == TK_NUM && ts->v[k].is_int && ts->v[k].num >= 1 &&
            ts->v[k].num <= 31 && ts->v[k].ndigits <= 2) {
            day = (int)ts->v[k].num;
            k++;
            if (k < end && strcmp(ts->v[k].low, ",") == 0)
                k++;
        }
        if (k < end && S_year_value(&ts->v[k])) {
            *y = (int)ts->v[k].num;
            *m = mo;
            *d = day;
            return k + 1;
        }
        return i;
    }
    if (ts->v[j].t == TK_NUM && ts->v[j].is_int && ts->v[j].ndigits <= 2 && ts->v[j].num >= 1 &&
        ts->v[j].num <= 31 && j + 2 < end && S_month(ts->v[j + 1].low) > 0 &&
        S_year_value(&ts->v[j + 2])) {
        *d = (int)ts->v[j].num;
        *m = S_month(ts->v[j + 1].low);
        *y = (int)ts->v[j + 2].num;
        return j + 3;
    }
    if (S_year_value(&ts->v[j])) {
        *y = (int)ts->v[j].num;
        *decade = ts->v[j].decade;
        return j + 1;
    }
    return i;
}

static void S_set_point(struct ex_time *tm, int y, int m, int d, bool decade)
{
    if (decade) {
        S_date(tm->start, y, 0, 0);
        S_date(tm->end, y + 9, 0, 0);
        tm->period = true;
    } else {
        S_date(tm->start, y, m, d);
        memcpy(tm->end, tm->start, EX_DATE_LEN);
    }
}

/* Collects the time expressions of tokens [a, b). */
static size_t S_times(const char *s, const struct toks *ts, size_t a, size_t b,
                      const struct ex_options *o, struct ex_time *out)
{
    size_t nt = 0;
    int pub = S_pub_year(o);
    for (size_t i = a; i < b && nt < EX_MAX_TIMES; i++) {
        const char *w = ts->v[i].low;
        struct ex_time tm;
        memset(&tm, 0, sizeof tm);
        int y, m, d, y2, m2, d2;
        bool dec, dec2;
        /* between Y and Y / from Y to Y / Y-Y */
        if ((strcmp(w, "between") == 0 || strcmp(w, "from") == 0) && i + 1 < b) {
            size_t e1 = S_read_date(ts, i + 1, b, &y, &m, &d, &dec);
            if (e1 > i + 1 && e1 + 1 < b &&
                (strcmp(ts->v[e1].low, "and") == 0 || strcmp(ts->v[e1].low, "to") == 0 ||
                 strcmp(ts->v[e1].low, "-") == 0 || strcmp(ts->v[e1].low, "until") == 0)) {
                size_t e2 = S_read_date(ts, e1 + 1, b, &y2, &m2, &d2, &dec2);
                if (e2 > e1 + 1 && y2 >= y) {
                    tm.t0 = i;
                    tm.t1 = e2;
                    S_date(tm.start, y, m, d);
                    S_date(tm.end, dec2 ? y2 + 9 : y2, m2, d2);
                    tm.period = true;
                    S_span_text(s, ts, i, e2, tm.basis, sizeof tm.basis);
                    out[nt++] = tm;
                    i = e2 - 1;
                    continue;
                }
            }
        }
        /* since Y: from Y to the document's date */
        if (strcmp(w, "since") == 0 && i + 1 < b) {
            size_t e = S_read_date(ts, i + 1, b, &y, &m, &d, &dec);
            if (e > i + 1) {
                tm.t0 = i;
                tm.t1 = e;
                S_date(tm.start, y, m, d);
                if (o != NULL && o->published != NULL && pub >= y)
                    snprintf(tm.end, EX_DATE_LEN, "%s", o->published);
                else
                    S_date(tm.end, y, m, d);
                tm.period = pub >= y && o != NULL && o->published != NULL;
                S_span_text(s, ts, i, e, tm.basis, sizeof tm.basis);
                out[nt++] = tm;
                i = e - 1;
                continue;
            }
        }
        /* during/over/for/in the last/past N years|months; the past decade */
        if ((strcmp(w, "last") == 0 || strcmp(w, "past") == 0) && i + 1 < b && pub > 0) {
            size_t k = i + 1;
            int num = 1;
            int v = S_word_value(S_low(ts, k, b));
            if (v > 0) {
                num = v;
                k++;
            } else if (k < b && ts->v[k].t == TK_NUM && ts->v[k].is_int && ts->v[k].num < 100) {
                num = (int)ts->v[k].num;
                k++;
            }
            const char *u = S_low(ts, k, b);
            int years = 0;
            if (strcmp(u, "years") == 0 || strcmp(u, "year") == 0)
                years = num;
            else if (strcmp(u, "decade") == 0 || strcmp(u, "decades") == 0)
                years = 10 * num;
            if (years > 0) {
                size_t t0 = i;
                if (t0 > a && strcmp(ts->v[t0 - 1].low, "the") == 0)
                    t0--;
                if (t0 > a &&
                    (strcmp(ts->v[t0 - 1].low, "during") == 0 ||
                     strcmp(ts->v[t0 - 1].low, "over") == 0 ||
                     strcmp(ts->v[t0 - 1].low, "for") == 0 || strcmp(ts->v[t0 - 1].low, "in") == 0))
                    t0--;
                tm.t0 = t0;
                tm.t1 = k + 1;
                S_date(tm.start, pub - years, 0, 0);
                S_date(tm.end, pub, 0, 0);
                tm.period = true;
                char q[EX_TEXT_LEN - 40];
                S_span_text(s, ts, t0, k + 1, q, sizeof q);
                snprintf(tm.basis, sizeof tm.basis, "%s, counted back from the document's date", q);
                out[nt++] = tm;
                i = k;
                continue;
            }
        }
        /* currently, to date, so far, now, at present, today: the document's date */
        if (o != NULL && o->published != NULL &&
            (strcmp(w, "currently") == 0 || strcmp(w, "presently") == 0 || strcmp(w, "now") == 0 ||
             strcmp(w, "today") == 0 ||
             (strcmp(w, "to") == 0 && strcmp(S_low(ts, i + 1, b), "date") == 0) ||
             (strcmp(w, "so") == 0 && strcmp(S_low(ts, i + 1, b), "far") == 0) ||
             (strcmp(w, "at") == 0 && strcmp(S_low(ts, i + 1, b), "present") == 0))) {
            size_t e =
                i + (strcmp(w, "to") == 0 || strcmp(w, "so") == 0 || strcmp(w, "at") == 0 ? 2 : 1);
            tm.t0 = i;
            tm.t1 = e;
            snprintf(tm.start, EX_DATE_LEN, "%s", o->published);
            memcpy(tm.end, tm.start, EX_DATE_LEN);
            char q[EX_TEXT_LEN - 40];
            S_span_text(s, ts, i, e, q, sizeof q);
            snprintf(tm.basis, sizeof tm.basis, "'%s': the document's date", q);
            out[nt++] = tm;
            i = e - 1;
            continue;
        }
        /* a date, with the preposition before it when there is one */
        size_t e = S_read_date(ts, i, b, &y, &m, &d, &dec);
        if (e > i) {
            /* "the 2015 law" or "law 03-03": a year that names something, not a time */
            size_t t0 = i;
            if (t0 > a &&
                (strcmp(ts->v[t0 - 1].low, "in") == 0 || strcmp(ts->v[t0 - 1].low, "by") == 0 ||
                 strcmp(ts->v[t0 - 1].low, "on") == 0 || strcmp(ts->v[t0 - 1].low, "of") == 0 ||
                 strcmp(ts->v[t0 - 1].low, "after") == 0 ||
                 strcmp(ts->v[t0 - 1].low, "before") == 0 ||
                 strcmp(ts->v[t0 - 1].low, "until") == 0 ||
                 strcmp(ts->v[t0 - 1].low, "during") == 0 ||
                 strcmp(ts->v[t0 - 1].low, "throughout") == 0))
                t0--;
            /* "as of": the "of" was taken as the preposition; "as" belongs with it */
            if (t0 < i && t0 > a && strcmp(ts->v[t0].low, "of") == 0 &&
                strcmp(ts->v[t0 - 1].low, "as") == 0)
                t0--;
            tm.t0 = t0;
            tm.d0 = i;
            tm.t1 = e;
            {
                static const char *const named[] = {
                    "law",        "laws",    "act",       "code",       "constitution",
                    "decree",     "charter", "amendment", "amendments", "convention",
                    "resolution", "plan",    "strategy",  "elections",  "election",
                    "bombings",   "bombing", "attacks",   NULL};
                bool of_name = t0 < i && strcmp(ts->v[t0].low, "of") == 0 && t0 > a &&
                               S_in(ts->v[t0 - 1].low, named);
                bool before_name = e < b && S_in(ts->v[e].low, named) && m == 0;
                tm.naming = of_name || before_name;
            }
            S_set_point(&tm, y, m, d, dec);
            tm.event_date = !dec;
            S_span_text(s, ts, t0, e, tm.basis, sizeof tm.basis);
            out[nt++] = tm;
            i = e - 1;
        }
    }
    return nt;
}

/* ---- Claimant -------------------------------------------------------------- */

static bool S_name_word(const struct tok *t)
{
    return t->t == TK_WORD && t->cap;
}

/*
 * The claimant of tokens [a, b): "according to X", "X told/said/estimated ...",
 * "..., said X", "reportedly". Empty when the text names none.
 */
static void S_claimant(const char *s, const struct toks *ts, size_t a, size_t b,
                       struct ex_candidate *c)
{
    for (size_t i = a; i < b; i++) {
        const char *w = ts->v[i].low;
        if (strcmp(w, "according") == 0 && strcmp(S_low(ts, i + 1, b), "to") == 0 && i + 2 < b) {
            size_t j = i + 2, e = j;
            while (e < b && ts->v[e].t != TK_PUNCT && e - j < 12)
                e++;
            if (e > j) {
                S_span_text(s, ts, j, e, c->claimant, sizeof c->claimant);
                c->claimant_basis = "according to";
                c->claimant_span.b0 = ts->v[j].b0;
                c->claimant_span.b1 = ts->v[e - 1].b1;
                return;
            }
        }
        if (strcmp(w, "reportedly") == 0) {
            snprintf(c->claimant, sizeof c->claimant, "unnamed (%s)", w);
            c->claimant_basis = "reportedly";
            c->claimant_span.b0 = ts->v[i].b0;
            c->claimant_span.b1 = ts->v[i].b1;
            return;
        }
        bool passive =
            i > a &&
            (strcmp(ts->v[i - 1].low, "is") == 0 || strcmp(ts->v[i - 1].low, "are") == 0 ||
             strcmp(ts->v[i - 1].low, "was") == 0 || strcmp(ts->v[i - 1].low, "were") == 0 ||
             strcmp(ts->v[i - 1].low, "been") == 0 || strcmp(ts->v[i - 1].low, "be") == 0 ||
             strcmp(ts->v[i - 1].low, "being") == 0 ||
             (i > a + 1 && strcmp(ts->v[i - 2].low, "is") == 0) ||
             (i > a + 1 && strcmp(ts->v[i - 2].low, "are") == 0));
        if (ts->v[i].t == TK_WORD && S_in(w, S_claim_verbs) && strcmp(w, "according") != 0 &&
            i > a && !passive) {
            /* the name: the nearest run of capitalized words before the verb in the
             * clause, else the noun phrase just before it ("officials said") */
            size_t e = i, j;
            size_t k = i;
            while (k > a && ts->v[k - 1].t == TK_PUNCT && strcmp(ts->v[k - 1].low, ",") != 0 &&
                   strcmp(ts->v[k - 1].low, "\"") != 0)
                k--;
            /* skip an appositive ", the head of ..., " back to the name */
            size_t run_end = 0, run_start = 0;
            for (size_t q = i; q > a; q--) {
                const struct tok *t = &ts->v[q - 1];
                if (strcmp(t->low, ".") == 0 || strcmp(t->low, ";") == 0 ||
                    strcmp(t->low, "\"") == 0)
                    break;
                if (S_name_word(t) && (q - 1 > a || !t->cap || q - 1 == a)) {
                    if (run_end == 0)
                        run_end = q;
                    run_start = q - 1;
                } else if (run_end != 0 &&
                           !(t->t == TK_WORD &&
                             (strcmp(t->low, "al") == 0 || strcmp(t->low, "el") == 0 ||
                              strcmp(t->low, "of") == 0 || strcmp(t->low, "the") == 0 ||
                              strcmp(t->low, "for") == 0))) {
                    break;
                }
            }
            if (run_end != 0) {
                while (run_start < run_end && !S_name_word(&ts->v[run_start]))
                    run_start++;
                /* a sentence-initial capital alone ("The", "In") is not a name */
                if (run_end - run_start == 1 && run_start == a)
                    run_end = 0;
            }
            if (run_end != 0 && run_end > run_start) {
                j = run_start;
                e = run_end;
                /* "the International Crisis Group" keeps its article */
                if (j > a && strcmp(ts->v[j - 1].low, "the") == 0)
                    j--;
                S_span_text(s, ts, j, e, c->claimant, sizeof c->claimant);
                c->claimant_basis = S_find(w, S_claim_verbs);
                c->claimant_span.b0 = ts->v[j].b0;
                c->claimant_span.b1 = ts->v[e - 1].b1;
                return;
            }
            /* "officials said": the words before the verb in its clause */
            j = i;
            while (j > a && ts->v[j - 1].t == TK_WORD && i - j < 4 &&
                   !S_in(ts->v[j - 1].low, S_stop_after))
                j--;
            if (j < i) {
                if (j > a && strcmp(ts->v[j - 1].low, "the") == 0)
                    j--;
                S_span_text(s, ts, j, i, c->claimant, sizeof c->claimant);
                c->claimant_basis = S_find(w, S_claim_verbs);
                c->claimant_span.b0 = ts->v[j].b0;
                c->claimant_span.b1 = ts->v[i - 1].b1;
                return;
            }
        }
    }
}

/* ---- Quantities ------------------------------------------------------------ */

struct qty {
    size_t t0, t1; /* token range of the figure */
    bool has_value, has_lower, has_upper;
    double value, lower, upper;
    const char *rule;
    const char *bound;
    bool is_year_like;
};

/* A number in words at i: "eighteen", "twenty-five", "two hundred", "a few hundred"
 * (vague), "three thousand". Returns the end token or i. */
static size_t S_words_number(const struct toks *ts, size_t i, size_t end, double *v)
{
    if (i >= end || ts->v[i].t != TK_WORD)
        return i;
    int base = S_word_value(ts->v[i].low);
    /* "a dozen" is twelve, "two dozen" twenty-four */
    if (base < 0 && strcmp(ts->v[i].low, "a") == 0 && i + 1 < end &&
        strcmp(ts->v[i + 1].low, "dozen") == 0)
        base = 1;
    if (base < 0)
        return i;
    size_t j = i + 1;
    double val = base;
    if (j < end && strcmp(ts->v[j].low, "dozen") == 0) {
        val *= 12;
        j++;
    }
    if (j < end && strcmp(ts->v[j].low, "hundred") == 0) {
        val *= 100;
        j++;
    }
    if (j < end && (strcmp(ts->v[j].low, "thousand") == 0)) {
        val *= 1000;
        j++;
    } else if (j < end && strcmp(ts->v[j].low, "million") == 0) {
        val *= 1e6;
        j++;
    }
    *v = val;
    return j;
}

/* A digits number at i, with a following "million"/"thousand" multiplier. */
static size_t S_digits_number(const struct toks *ts, size_t i, size_t end, double *v)
{
    if (i >= end || ts->v[i].t != TK_NUM || ts->v[i].decade)
        return i;
    double val = ts->v[i].num;
    size_t j = i + 1;
    if (j < end && strcmp(ts->v[j].low, "million") == 0) {
        val *= 1e6;
        j++;
    } else if (j < end && strcmp(ts->v[j].low, "thousand") == 0) {
        val *= 1000;
        j++;
    } else if (j < end && strcmp(ts->v[j].low, "billion") == 0) {
        val *= 1e9;
        j++;
    }
    *v = val;
    return j;
}

static size_t S_any_number(const struct toks *ts, size_t i, size_t end, double *v, bool *words)
{
    size_t e = S_digits_number(ts, i, end, v);
    if (e > i) {
        *words = false;
        return e;
    }
    e = S_words_number(ts, i, end, v);
    *words = e > i;
    return e;
}

/* A footnote number stuck to the word or stop before it ("fighters.12"). */
static bool S_footnote_number(const struct toks *ts, size_t i)
{
    const struct tok *t = &ts->v[i];
    if (t->t != TK_NUM || !t->glued || i == 0)
        return false;
    const struct tok *p = &ts->v[i - 1];
    if (p->t == TK_WORD)
        return true;
    return p->t == TK_PUNCT &&
           (strcmp(p->low, ".") == 0 || strcmp(p->low, ",") == 0 || strcmp(p->low, ";") == 0 ||
            strcmp(p->low, ":") == 0 || strcmp(p->low, "\"") == 0 || strcmp(p->low, ")") == 0 ||
            strcmp(p->low, "[n]") == 0);
}

/* The bound written before token i (within the clause), and where it starts. */
static const char *S_bound_before(const struct toks *ts, size_t a, size_t i, size_t *start)
{
    static const struct {
        const char *w[3];
        const char *bound;
    } table[] = {
        {{"no", "more", "than"}, "up_to"},
        {{"no", "fewer", "than"}, "at_least"},
        {{"no", "less", "than"}, "at_least"},
        {{"not", "more", "than"}, "up_to"},
        {{"a", "minimum", "of"}, "at_least"},
        {{"a", "maximum", "of"}, "up_to"},
        {{"in", "excess", "of"}, "more_than"},
        {{"upwards", "of", NULL}, "more_than"},
        {{"at", "least", NULL}, "at_least"},
        {{"at", "most", NULL}, "up_to"},
        {{"more", "than", NULL}, "more_than"},
        {{"over", NULL, NULL}, "more_than"},
        {{"exceeding", NULL, NULL}, "more_than"},
        {{"up", "to", NULL}, "up_to"},
        {{"less", "than", NULL}, "less_than"},
        {{"fewer", "than", NULL}, "less_than"},
        {{"under", NULL, NULL}, "less_than"},
        {{"below", NULL, NULL}, "less_than"},
        {{"almost", NULL, NULL}, "almost"},
        {{"nearly", NULL, NULL}, "almost"},
        {{"close", "to", NULL}, "almost"},
        {{"about", NULL, NULL}, "approx"},
        {{"around", NULL, NULL}, "approx"},
        {{"some", NULL, NULL}, "approx"},
        {{"estimated", NULL, NULL}, "approx"},
        {{"approximately", NULL, NULL}, "approx"},
        {{"roughly", NULL, NULL}, "approx"},
        {{"circa", NULL, NULL}, "approx"},
        {{"ca", ".", NULL}, "approx"},
        {{"ca", NULL, NULL}, "approx"},
        {{"c", ".", NULL}, "approx"},
        {{"an", "estimated", NULL}, "approx"},
        {{"approx", ".", NULL}, "approx"},
        {{"estimate", "of", NULL}, "approx"},
        {{"not", "exceed", NULL}, "up_to"},
        {{"exceed", NULL, NULL}, "more_than"},
    };
    for (size_t r = 0; r < sizeof table / sizeof table[0]; r++) {
        size_t len = table[r].w[2] ? 3 : table[r].w[1] ? 2 : 1;
        if (i < a + len)
            continue;
        bool ok = true;
        for (size_t k = 0; k < len && ok; k++)
            ok = strcmp(ts->v[i - len + k].low, table[r].w[k]) == 0;
        if (ok) {
            *start = i - len;
            return table[r].bound;
        }
    }
    /* "the estimated overall number reached 1,122": an estimate named earlier in the
     * clause qualifies the figure */
    for (size_t k = i; k > a && i - k < 6; k--) {
        const struct tok *t = &ts->v[k - 1];
        if (t->t == TK_PUNCT && strcmp(t->low, "-") != 0)
            break;
        if (t->t == TK_NUM)
            break;
        if (strcmp(t->low, "estimated") == 0 || strcmp(t->low, "estimate") == 0 ||
            strcmp(t->low, "approximately") == 0) {
            *start = k - 1;
            return "approx";
        }
    }
    return NULL;
}

/* The ends a bound gives a figure v: at least/more than from below, up to/less than/
 * almost from above. */
static void S_bound_ends(struct qty *q, double v)
{
    if (q->bound == NULL)
        return;
    if (strcmp(q->bound, "at_least") == 0 || strcmp(q->bound, "more_than") == 0) {
        q->has_lower = true;
        q->lower = v;
    } else if (strcmp(q->bound, "up_to") == 0 || strcmp(q->bound, "less_than") == 0 ||
               strcmp(q->bound, "almost") == 0) {
        q->has_upper = true;
        q->upper = v;
    }
}

static bool S_plural_noun(const char *w)
{
    size_t l = strlen(w);
    return l > 3 && w[l - 1] == 's' && w[l - 2] != 's' && w[l - 2] != '\'';
}

/* The noun counted after token i: the first plural among the next words of the
 * noun phrase, else its last word. Returns false when there is none. */
static bool S_unit_after(const char *s, const struct toks *ts, size_t i, size_t end,
                         struct ex_candidate *c)
{
    size_t j = i, last = 0, k = 0;
    bool any = false;
    if (j < end && strcmp(ts->v[j].low, "of") == 0)
        j++;
    if (j < end && strcmp(ts->v[j].low, "such") == 0)
        j++;
    for (; j < end && k < 4; j++, k++) {
        const struct tok *t = &ts->v[j];
        if (t->t != TK_WORD || S_in(t->low, S_stop_after) || S_in(t->low, S_claim_verbs))
            break;
        any = true;
        last = j;
        if (S_plural_noun(t->low) || S_in(t->low, S_time_units)) {
            last = j;
            break;
        }
    }
    if (!any)
        return false;
    const struct tok *u = &ts->v[last];
    size_t l = u->b1 - u->b0;
    if (l >= sizeof c->unit)
        l = sizeof c->unit - 1;
    memcpy(c->unit, s + u->b0, l);
    c->unit[l] = '\0';
    c->unit_span.b0 = u->b0;
    c->unit_span.b1 = u->b1;
    return true;
}

static const char *S_currency(const struct toks *ts, size_t j, size_t end, size_t *after)
{
    static const struct {
        const char *w;
        const char *code;
    } names[] = {
        {"dirham", "MAD"},  {"dirhams", "MAD"}, {"mad", "MAD"},   {"dh", "MAD"},
        {"euro", "EUR"},    {"euros", "EUR"},   {"eur", "EUR"},   {"dollar", "USD"},
        {"dollars", "USD"}, {"usd", "USD"},     {"pound", "GBP"}, {"pounds", "GBP"},
    };
    size_t k = j;
    if (k < end && strcmp(ts->v[k].low, "moroccan") == 0)
        k++;
    if (k < end && (strcmp(ts->v[k].low, "us") == 0 || strcmp(ts->v[k].low, "american") == 0))
        k++;
    if (k >= end)
        return NULL;
    for (size_t r = 0; r < sizeof names / sizeof names[0]; r++) {
        if (strcmp(ts->v[k].low, names[r].w) == 0) {
            *after = k + 1;
            return names[r].code;
        }
    }
    return NULL;
}

/* ---- Metric suggestion ------------------------------------------------------ */

static const char *const S_metric_stop[] = {
    "the",   "of",    "a",      "an",    "and",   "or",     "in",     "on",    "to",
    "for",   "by",    "as",     "at",    "its",   "it",     "is",     "are",   "was",
    "were",  "that",  "this",   "with",  "from",  "one",    "each",   "who",   "what",
    "text",  "claim", "claims", "named", "gives", "number", "people", "count", "counted",
    "their", "which", "any",    "not",   "but",   NULL};

/* A light suffix stemmer for matching a sentence against the catalog: "returnees",
 * "returning" and "returned" all become "return"; "prisoners" becomes "prison". */
static void S_stem(char *w)
{
    size_t l = strlen(w);
    if (l > 4 && strcmp(w + l - 3, "ies") == 0) {
        w[l - 3] = 'y';
        w[l - 2] = '\0';
        return;
    }
    if (l > 3 && w[l - 1] == 's' && w[l - 2] != 's') {
        w[--l] = '\0';
    }
    static const char *const suffixes[] = {"ing", "ed", "ee", "er", NULL};
    for (size_t i = 0; suffixes[i] != NULL; i++) {
        size_t k = strlen(suffixes[i]);
        if (l >= k + 4 && strcmp(w + l - k, suffixes[i]) == 0) {
            w[l - k] = '\0';
            return;
        }
    }
}

static int S_family(const char *unit)
{
    if (unit == NULL)
        return 0;
    if (strcmp(unit, "date") == 0)
        return 1;
    if (strcmp(unit, "years") == 0 || strcmp(unit, "months") == 0 || strcmp(unit, "weeks") == 0 ||
        strcmp(unit, "days") == 0)
        return 2;
    if (strcmp(unit, "percent") == 0)
        return 3;
    if (strcmp(unit, "MAD") == 0 || strcmp(unit, "EUR") == 0 || strcmp(unit, "USD") == 0)
        return 4;
    return 0;
}

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

static uint32_t S_hash(const char *w)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *w; w++)
        h = (h ^ (unsigned char)*w) * 16777619u;
    return h;
}

static int S_u32cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* Appends the stemmed word hashes of text to *v (sorted, unique); returns the count. */
static size_t S_index_text(const char *text, uint32_t **v, size_t *n, size_t *cap, bool *oom)
{
    size_t first = *n;
    char cur[TK_LOW];
    size_t k = 0;
    if (text == NULL)
        return 0;
    for (const char *p = text;; p++) {
        char ch = *p;
        bool letter = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        if (letter) {
            if (k + 1 < sizeof cur)
                cur[k++] = (char)(ch | 0x20);
            continue;
        }
        if (k > 0) {
            cur[k] = '\0';
            k = 0;
            if (strlen(cur) >= 3 && !S_in(cur, S_metric_stop)) {
                S_stem(cur);
                if (*n == *cap) {
                    size_t nc = *cap ? *cap * 2 : 1024;
                    uint32_t *nv = realloc(*v, nc * sizeof *nv);
                    if (nv == NULL) {
                        *oom = true;
                        return 0;
                    }
                    *v = nv;
                    *cap = nc;
                }
                (*v)[(*n)++] = S_hash(cur);
            }
        }
        if (ch == '\0')
            break;
    }
    if (*n > first)
        qsort(*v + first, *n - first, sizeof **v, S_u32cmp);
    size_t u = first;
    for (size_t i = first; i < *n; i++)
        if (u == first || (*v)[u - 1] != (*v)[i])
            (*v)[u++] = (*v)[i];
    *n = u;
    return u - first;
}

static void S_index_free(struct cat_index *ci)
{
    free(ci->words);
    free(ci->label_at);
    free(ci->label_n);
    free(ci->def_at);
    free(ci->def_n);
    free(ci->family);
    memset(ci, 0, sizeof *ci);
}

static bool S_index(const struct ex_options *o, struct cat_index *ci)
{
    memset(ci, 0, sizeof *ci);
    if (o == NULL || o->nmetrics == 0)
        return true;
    size_t m = o->nmetrics, n = 0, cap = 0;
    ci->label_at = calloc(m, sizeof *ci->label_at);
    ci->label_n = calloc(m, sizeof *ci->label_n);
    ci->def_at = calloc(m, sizeof *ci->def_at);
    ci->def_n = calloc(m, sizeof *ci->def_n);
    ci->family = calloc(m, sizeof *ci->family);
    if (!ci->label_at || !ci->label_n || !ci->def_at || !ci->def_n || !ci->family) {
        S_index_free(ci);
        return false;
    }
    for (size_t i = 0; i < m && !ci->oom; i++) {
        const struct ex_metric *mt = &o->metrics[i];
        ci->family[i] = S_family(mt->unit);
        if (mt->value_type != NULL && strcmp(mt->value_type, "date") == 0)
            ci->family[i] = 1;
        ci->label_at[i] = n;
        ci->label_n[i] = S_index_text(mt->label, &ci->words, &n, &cap, &ci->oom);
        ci->def_at[i] = n;
        ci->def_n[i] = S_index_text(mt->definition, &ci->words, &n, &cap, &ci->oom);
    }
    ci->n = m;
    if (ci->oom) {
        S_index_free(ci);
        return false;
    }
    return true;
}

static bool S_has(const uint32_t *v, size_t n, uint32_t h)
{
    return n > 0 && bsearch(&h, v, n, sizeof *v, S_u32cmp) != NULL;
}

static void S_suggest(const struct toks *ts, size_t a, size_t b, const struct ex_options *o,
                      const struct cat_index *ci, struct ex_candidate *c, int family)
{
    c->metric = NULL;
    c->metric_score = 0;
    if (o == NULL || ci == NULL || ci->n == 0)
        return;
    uint32_t unit = 0;
    if (c->unit_span.b1 > 0) {
        for (size_t i = a; i < b; i++)
            if (ts->v[i].b0 == c->unit_span.b0) {
                char u[TK_LOW];
                snprintf(u, sizeof u, "%s", ts->v[i].low);
                S_stem(u);
                unit = S_hash(u);
            }
    }
    /* the sentence's words, stemmed, once each */
    uint32_t words[256];
    size_t nw = 0;
    for (size_t i = a; i < b && nw < sizeof words / sizeof words[0]; i++) {
        if (ts->v[i].t != TK_WORD || strlen(ts->v[i].low) < 3 || S_in(ts->v[i].low, S_metric_stop))
            continue;
        char w[TK_LOW];
        snprintf(w, sizeof w, "%s", ts->v[i].low);
        S_stem(w);
        uint32_t h = S_hash(w);
        bool dup = false;
        for (size_t q = 0; q < nw && !dup; q++)
            dup = words[q] == h;
        if (!dup)
            words[nw++] = h;
    }
    double best = 0;
    for (size_t m = 0; m < ci->n; m++) {
        if (ci->family[m] != family)
            continue;
        const uint32_t *lab = ci->words + ci->label_at[m], *def = ci->words + ci->def_at[m];
        double hits = 0;
        for (size_t i = 0; i < nw; i++) {
            if (S_has(lab, ci->label_n[m], words[i]))
                hits += words[i] == unit ? 2.0 : 1.0;
            else if (S_has(def, ci->def_n[m], words[i]))
                hits += words[i] == unit ? 1.0 : 0.5;
        }
        double score = hits / (hits + 3.0);
        if (score > best) {
            best = score;
            c->metric = o->metrics[m].id;
            c->metric_unit = o->metrics[m].unit;
        }
    }
    c->metric_score = round(best * 100) / 100;
}

/* ---- The candidate list ------------------------------------------------------ */

void ex_result_init(struct ex_result *r)
{
    memset(r, 0, sizeof *r);
}

void ex_result_free(struct ex_result *r)
{
    free(r->items);
    memset(r, 0, sizeof *r);
}

static struct ex_candidate *S_new(struct ex_result *r)
{
    if (r->oom)
        return NULL;
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        struct ex_candidate *nv = realloc(r->items, nc * sizeof *nv);
        if (nv == NULL) {
            r->oom = true;
            return NULL;
        }
        r->items = nv;
        r->cap = nc;
    }
    struct ex_candidate *c = &r->items[r->n++];
    memset(c, 0, sizeof *c);
    return c;
}

struct sentence {
    size_t a, b;   /* tokens */
    size_t q0, q1; /* bytes of the quote */
    char claimant[EX_TEXT_LEN];
    const char *claimant_basis;
    struct ex_span claimant_span;
    const char *last_named; /* the last claimant named before this sentence, or "" */
    struct ex_time *carry;  /* the last explicit time of the paragraph, or NULL */
    const struct cat_index *ci;
    bool has_carry;
};

/* Tokens between a and b, each comma or dash counting as a clause apart. */
static size_t S_distance(const struct toks *ts, size_t a, size_t b)
{
    size_t d = b - a;
    for (size_t i = a; i < b; i++)
        if (ts->v[i].t == TK_PUNCT &&
            (strcmp(ts->v[i].low, ",") == 0 || strcmp(ts->v[i].low, "-") == 0 ||
             strcmp(ts->v[i].low, "(") == 0 || strcmp(ts->v[i].low, ":") == 0))
            d += 10;
    return d;
}

/* The time of a figure: the time expression nearest to it in the sentence, else the
 * paragraph's last explicit time, else the document's date. */
static void S_assign_time(const struct toks *ts, struct ex_time *times, size_t nt, size_t q0,
                          size_t q1, const struct ex_options *o, const struct sentence *st,
                          struct ex_candidate *c)
{
    size_t best = nt, bestd = SIZE_MAX;
    for (size_t k = 0; k < nt; k++) {
        if ((times[k].t1 > q0 && times[k].t0 < q1) || times[k].naming)
            continue; /* the figure itself, or a year that names something */
        size_t d =
            times[k].t1 <= q0 ? S_distance(ts, times[k].t1, q0) : S_distance(ts, q1, times[k].t0);
        if (d < bestd) {
            bestd = d;
            best = k;
        }
    }
    if (best < nt) {
        struct ex_time *tm = &times[best];
        tm->used = true;
        if (tm->period) {
            memcpy(c->period_start, tm->start, EX_DATE_LEN);
            memcpy(c->period_end, tm->end, EX_DATE_LEN);
        } else {
            memcpy(c->as_of, tm->start, EX_DATE_LEN);
        }
        snprintf(c->time_basis, sizeof c->time_basis, "%s", tm->basis);
        c->time_span.b0 = ts->v[tm->t0].b0;
        c->time_span.b1 = ts->v[tm->t1 - 1].b1;
        return;
    }
    if (st->has_carry) {
        const struct ex_time *tm = st->carry;
        if (tm->period) {
            memcpy(c->period_start, tm->start, EX_DATE_LEN);
            memcpy(c->period_end, tm->end, EX_DATE_LEN);
        } else {
            memcpy(c->as_of, tm->start, EX_DATE_LEN);
        }
        snprintf(c->time_basis, sizeof c->time_basis, "no time in the sentence: '%.100s' before it",
                 tm->basis);
        c->time_span.b0 = ts->v[tm->t0].b0;
        c->time_span.b1 = ts->v[tm->t1 - 1].b1;
        return;
    }
    if (o != NULL && o->published != NULL) {
        snprintf(c->as_of, sizeof c->as_of, "%s", o->published);
        snprintf(c->time_basis, sizeof c->time_basis,
                 "no time in the sentence: the document's date");
    }
}

static void S_finish(const char *s, const struct toks *ts, const struct sentence *st,
                     struct ex_time *times, size_t nt, const struct ex_options *o,
                     struct ex_candidate *c, const struct qty *q, int family)
{
    (void)s;
    c->quote.b0 = st->q0;
    c->quote.b1 = st->q1;
    c->figure.b0 = ts->v[q->t0].b0;
    c->figure.b1 = ts->v[q->t1 - 1].b1;
    if (c->as_of[0] == '\0' && c->period_start[0] == '\0')
        S_assign_time(ts, times, nt, q->t0, q->t1, o, st, c);
    if (st->claimant[0] != '\0') {
        memcpy(c->claimant, st->claimant, sizeof c->claimant);
        c->claimant_basis = st->claimant_basis;
        c->claimant_span = st->claimant_span;
    } else if (o != NULL && o->author != NULL && o->author[0] != '\0') {
        snprintf(c->claimant, sizeof c->claimant, "%s", o->author);
        c->claimant_basis = "author";
    } else {
        c->claimant_basis = "author";
    }
    S_suggest(ts, st->a, st->b, o, st->ci, c, family);
    double conf = strcmp(c->rule, "digits") == 0 || strcmp(c->rule, "range") == 0 ||
                          strcmp(c->rule, "share") == 0 || strcmp(c->rule, "money") == 0
                      ? 0.9
                  : strcmp(c->rule, "date") == 0                                     ? 0.6
                  : strcmp(c->rule, "vague") == 0 || strcmp(c->rule, "ordinal") == 0 ? 0.5
                                                                                     : 0.7;
    if (c->unit[0] == '\0')
        conf -= 0.2;
    if (c->metric != NULL)
        conf += 0.05;
    c->confidence = round(fmin(1.0, fmax(0.05, conf)) * 100) / 100;
}

static void S_set_value(struct ex_candidate *c, const struct qty *q)
{
    c->bound = q->bound;
    c->has_value = q->has_value;
    c->value = q->value;
    c->has_lower = q->has_lower;
    c->lower = q->lower;
    c->has_upper = q->has_upper;
    c->upper = q->upper;
    c->rule = q->rule;
}

static const struct {
    const char *w;
    int num, den;
} S_fractions[] = {
    {"half", 1, 2},        {"one-half", 1, 2},       {"one-third", 1, 3},  {"two-thirds", 2, 3},
    {"one-quarter", 1, 4}, {"three-quarters", 3, 4}, {"one-fourth", 1, 4}, {"three-fourths", 3, 4},
    {"one-fifth", 1, 5},   {"two-fifths", 2, 5},     {"a-third", 1, 3},    {"a-quarter", 1, 4},
    {"one-tenth", 1, 10},
};

/* A one-word exact figure at token i ("three-fold", "its fourth meeting"), counting the
 * noun after it. False only when memory ran out. */
static bool S_word_figure(const char *s, const struct toks *ts, const struct sentence *st,
                          struct ex_time *times, size_t nt, const struct ex_options *o,
                          struct ex_result *r, size_t i, double value, const char *rule)
{
    struct qty q;
    memset(&q, 0, sizeof q);
    q.t0 = i;
    q.t1 = i + 1;
    q.has_value = true;
    q.value = value;
    q.rule = rule;
    q.bound = "exact";
    struct ex_candidate *c = S_new(r);
    if (c == NULL)
        return false;
    S_set_value(c, &q);
    S_unit_after(s, ts, i + 1, st->b, c);
    S_finish(s, ts, st, times, nt, o, c, &q, 0);
    return true;
}

static void S_sentence(const char *s, const struct toks *ts, struct sentence *st,
                       const struct ex_options *o, struct ex_result *r)
{
    struct ex_time times[EX_MAX_TIMES];
    size_t nt = S_times(s, ts, st->a, st->b, o, times);
    size_t a = st->a, b = st->b;
    size_t nbefore = r->n;

    {
        struct ex_candidate tmp;
        memset(&tmp, 0, sizeof tmp);
        S_claimant(s, ts, a, b, &tmp);
        memcpy(st->claimant, tmp.claimant, sizeof st->claimant);
        st->claimant_basis = tmp.claimant_basis;
        st->claimant_span = tmp.claimant_span;
        /* "he said": the person named last */
        if ((strcmp(st->claimant, "He") == 0 || strcmp(st->claimant, "She") == 0 ||
             strcmp(st->claimant, "he") == 0 || strcmp(st->claimant, "she") == 0) &&
            st->last_named != NULL && st->last_named[0] != '\0')
            snprintf(st->claimant, sizeof st->claimant, "%s", st->last_named);
    }

    for (size_t i = a; i < b && !r->oom; i++) {
        const struct tok *t = &ts->v[i];
        /* tokens that belong to a time expression are not figures */
        bool in_time = false;
        for (size_t k = 0; k < nt && !in_time; k++)
            in_time = i >= times[k].t0 && i < times[k].t1 &&
                      (ts->v[i].t == TK_NUM || S_month(ts->v[i].low) > 0);
        if (in_time)
            continue;
        struct qty q;
        memset(&q, 0, sizeof q);
        struct ex_candidate *c;
        int family = 0;

        /* fractions: "two-thirds", "a third of", "half of" */
        bool frac = false;
        for (size_t f = 0; f < sizeof S_fractions / sizeof S_fractions[0]; f++) {
            char key[TK_LOW], want[TK_LOW];
            size_t kk = 0, kw = 0;
            for (const char *p = t->low; *p && kk + 1 < sizeof key; p++)
                if (*p != '-')
                    key[kk++] = *p;
            key[kk] = '\0';
            for (const char *p = S_fractions[f].w; *p && kw + 1 < sizeof want; p++)
                if (*p != '-')
                    want[kw++] = *p;
            want[kw] = '\0';
            bool hit = strcmp(key, want) == 0;
            size_t e = i + 1;
            if (!hit && (strcmp(t->low, "a") == 0 || strcmp(t->low, "one") == 0) && i + 2 < b &&
                strcmp(ts->v[i + 2].low, "of") == 0) {
                char two[TK_LOW * 2];
                snprintf(two, sizeof two, "a-%s", ts->v[i + 1].low);
                hit = strcmp(two, S_fractions[f].w) == 0;
                e = i + 2;
            }
            if (hit && (strcmp(t->low, "half") != 0 || strcmp(S_low(ts, i + 1, b), "of") == 0)) {
                q.t0 = i;
                q.t1 = e;
                q.has_value = true;
                q.value = round(10000.0 * S_fractions[f].num / S_fractions[f].den) / 100;
                q.rule = "share";
                size_t bs = 0;
                q.bound = S_bound_before(ts, a, i, &bs);
                bool written = q.bound != NULL;
                c = S_new(r);
                if (c == NULL)
                    return;
                /* a fraction in words is a rounded share: approx unless a bound is written */
                if (q.bound == NULL)
                    q.bound = "approx";
                S_bound_ends(&q, q.value);
                S_set_value(c, &q);
                snprintf(c->unit, sizeof c->unit, "percent");
                if (written && bs < i) {
                    c->bound_span.b0 = ts->v[bs].b0;
                    c->bound_span.b1 = ts->v[i - 1].b1;
                }
                S_finish(s, ts, st, times, nt, o, c, &q, 3);
                frac = true;
                i = e - 1;
                break;
            }
        }
        if (frac)
            continue;

        /* multiplicatives: "three-fold", "threefold" */
        if (t->t == TK_WORD) {
            size_t l = strlen(t->low);
            if (l > 4 && strcmp(t->low + l - 4, "fold") == 0) {
                char w[TK_LOW];
                snprintf(w, sizeof w, "%.*s", (int)(l - 4), t->low);
                if (l > 5 && w[l - 5] == '-')
                    w[l - 5] = '\0';
                int v = S_word_value(w);
                if (v > 1) {
                    if (!S_word_figure(s, ts, st, times, nt, o, r, i, v, "multiplicative"))
                        return;
                    continue;
                }
            }
        }

        /* a number word joined to its noun: "a six-member cell", "a two-year term" */
        if (t->t == TK_WORD && strchr(t->low, '-') != NULL) {
            const char *h = strchr(t->low, '-');
            char pre[TK_LOW];
            snprintf(pre, sizeof pre, "%.*s", (int)(h - t->low), t->low);
            int v = S_word_value(pre);
            if (v < 0) {
                /* "twenty-five-year": the number is the part before the last hyphen */
                const char *h2 = strrchr(t->low, '-');
                snprintf(pre, sizeof pre, "%.*s", (int)(h2 - t->low), t->low);
                v = S_word_value(pre);
                h = h2;
            }
            if (v > 0 && S_word_value(h + 1) < 0 && strstr(h + 1, "fold") == NULL &&
                strstr(h + 1, "third") == NULL && strstr(h + 1, "quarter") == NULL &&
                strstr(h + 1, "half") == NULL) {
                q.t0 = i;
                q.t1 = i + 1;
                q.has_value = true;
                q.value = v;
                q.rule = S_in(h + 1, S_time_units) ? "duration" : "words";
                size_t bs = 0;
                q.bound = S_bound_before(ts, a, i, &bs);
                if (q.bound == NULL)
                    q.bound = "exact";
                S_bound_ends(&q, v);
                c = S_new(r);
                if (c == NULL)
                    return;
                S_set_value(c, &q);
                /* the noun is the word's tail: its bytes after the hyphen */
                size_t off = (size_t)(h - t->low) + 1, b0 = t->b0, k = 0;
                while (b0 < t->b1 && k < off) {
                    size_t l;
                    (void)S_cp(s, t->b1, b0, &l);
                    b0 += l;
                    k++;
                }
                snprintf(c->unit, sizeof c->unit, "%.*s", (int)(t->b1 - b0), s + b0);
                c->unit_span.b0 = b0;
                c->unit_span.b1 = t->b1;
                S_finish(s, ts, st, times, nt, o, c, &q, S_in(h + 1, S_time_units) ? 2 : 0);
                continue;
            }
        }

        /* ordinals that count: "its fourth meeting", "a third round" */
        if (t->t == TK_WORD && S_ordinal_value(t->low) > 1 && i + 1 < b &&
            ts->v[i + 1].t == TK_WORD && !S_in(ts->v[i + 1].low, S_stop_after) && i > a &&
            (strcmp(ts->v[i - 1].low, "its") == 0 || strcmp(ts->v[i - 1].low, "a") == 0 ||
             strcmp(ts->v[i - 1].low, "the") == 0 || strcmp(ts->v[i - 1].low, "their") == 0 ||
             strcmp(ts->v[i - 1].low, "his") == 0)) {
            static const char *const counted[] = {
                "round",   "rounds",  "meeting", "session",    "cohort", "edition", "phase",
                "batch",   "wave",    "term",    "conference", "group",  "stage",   "cycle",
                "version", "attempt", "time",    "year",       "trial",  "class",   NULL};
            if (S_in(ts->v[i + 1].low, counted)) {
                if (!S_word_figure(s, ts, st, times, nt, o, r, i, S_ordinal_value(t->low),
                                   "ordinal"))
                    return;
                continue;
            }
        }

        /* vague quantities: "dozens of", "hundreds of", "a few hundred", "several" */
        {
            size_t v0 = i, v1 = 0;
            if (t->t == TK_WORD && S_in(t->low, S_vague))
                v1 = i + 1;
            else if (strcmp(t->low, "a") == 0 && i + 1 < b &&
                     (strcmp(ts->v[i + 1].low, "few") == 0 ||
                      strcmp(ts->v[i + 1].low, "handful") == 0))
                v1 = i + 2;
            if (v1 > 0 && v1 < b &&
                (strcmp(ts->v[v1].low, "hundred") == 0 || strcmp(ts->v[v1].low, "thousand") == 0 ||
                 strcmp(ts->v[v1].low, "dozen") == 0))
                v1++;
            if (v1 > 0) {
                struct ex_candidate tmp;
                memset(&tmp, 0, sizeof tmp);
                bool next_is_number = v1 < b && ts->v[v1].t == TK_NUM;
                size_t after = v1;
                if (after < b && strcmp(ts->v[after].low, "of") == 0)
                    after++;
                const char *lw = ts->v[v1 - 1].low;
                bool numeric_vague = strcmp(lw, "hundred") == 0 || strcmp(lw, "thousand") == 0 ||
                                     strcmp(lw, "dozen") == 0 || strcmp(lw, "hundreds") == 0 ||
                                     strcmp(lw, "thousands") == 0 || strcmp(lw, "dozens") == 0 ||
                                     strcmp(lw, "scores") == 0;
                bool noun = S_unit_after(s, ts, after, b, &tmp) &&
                            (S_plural_noun(tmp.unit) || tmp.unit[strlen(tmp.unit) - 1] == 's');
                if (!next_is_number && (noun || numeric_vague)) {
                    q.t0 = v0;
                    q.t1 = v1;
                    q.rule = "vague";
                    q.bound = "vague";
                    c = S_new(r);
                    if (c == NULL)
                        return;
                    S_set_value(c, &q);
                    memcpy(c->unit, tmp.unit, sizeof c->unit);
                    c->unit_span = tmp.unit_span;
                    S_span_text(s, ts, v0, v1, c->vague_term, sizeof c->vague_term);
                    S_finish(s, ts, st, times, nt, o, c, &q, 0);
                    i = v1 - 1;
                    continue;
                }
            }
        }

        /* money with a symbol first: "€45,000", "$5 million" */
        const char *sym = NULL;
        size_t n0 = i;
        if (t->t == TK_PUNCT &&
            (strcmp(t->low, "EUR") == 0 || strcmp(t->low, "USD") == 0 ||
             strcmp(t->low, "GBP") == 0) &&
            i + 1 < b && ts->v[i + 1].t == TK_NUM) {
            sym = t->low;
            n0 = i + 1;
        }

        double v1 = 0;
        bool words = false;
        if (ts->v[n0].t == TK_NUM && S_footnote_number(ts, n0))
            continue;
        /* "one" counts only next to a time unit or as a range end */
        if (ts->v[n0].t == TK_WORD && strcmp(ts->v[n0].low, "one") == 0 &&
            !S_in(S_low(ts, n0 + 1, b), S_time_units))
            continue;
        /* "zero tolerance" is a phrase, not a count */
        if (ts->v[n0].t == TK_WORD && strcmp(ts->v[n0].low, "zero") == 0)
            continue;
        size_t e1 = S_any_number(ts, n0, b, &v1, &words);
        if (e1 == n0)
            continue;
        /* a year standing alone is a date, handled by the time pass */
        if (!words && S_year_value(&ts->v[n0]) && e1 == n0 + 1) {
            size_t bs0;
            bool counted = S_bound_before(ts, a, n0, &bs0) != NULL;
            struct ex_candidate tmp;
            memset(&tmp, 0, sizeof tmp);
            if (!counted || !S_unit_after(s, ts, e1, b, &tmp))
                continue;
        }
        /* list numbering at a line start: "1." or "2)" */
        if (!words && ts->v[n0].is_int && e1 < b && ts->v[e1].glued &&
            (strcmp(ts->v[e1].low, ".") == 0 || strcmp(ts->v[e1].low, ")") == 0) &&
            (n0 == a || ts->v[n0].b0 == 0 || s[ts->v[n0].b0 - 1] == '\n'))
            continue;

        q.t0 = i;
        q.value = v1;
        q.has_value = true;
        q.rule = words ? "words" : "digits";
        size_t e = e1;
        /* ranges: "between 800 and 820", "five to 18", "200-300", "two or three" */
        bool between = n0 > a && strcmp(ts->v[n0 - 1].low, "between") == 0;
        if (e < b) {
            const char *sep = ts->v[e].low;
            bool range_sep = strcmp(sep, "to") == 0 || strcmp(sep, "-") == 0 ||
                             strcmp(sep, "or") == 0 || (between && strcmp(sep, "and") == 0);
            if (range_sep && e + 1 < b) {
                double v2 = 0;
                bool w2 = false;
                size_t n2 = e + 1;
                if (sym != NULL && n2 < b && strcmp(ts->v[n2].low, sym) == 0)
                    n2++;
                size_t e2 = S_any_number(ts, n2, b, &v2, &w2);
                if (e2 > n2 && v2 > v1 && !(S_year_value(&ts->v[n2]) && !w2)) {
                    q.has_value = false;
                    q.has_lower = q.has_upper = true;
                    q.lower = v1;
                    q.upper = v2;
                    q.rule = "range";
                    q.bound = "range";
                    e = e2;
                }
            }
        }
        q.t1 = e;
        size_t bs = 0;
        size_t bat = between ? n0 - 1 : i;
        if (sym != NULL && bat > a && strcmp(ts->v[bat - 1].low, "us") == 0)
            bat--;
        const char *bound = S_bound_before(ts, a, bat, &bs);
        if (q.bound == NULL) {
            q.bound = bound != NULL ? bound : "exact";
            S_bound_ends(&q, v1);
        }
        c = S_new(r);
        if (c == NULL)
            return;
        S_set_value(c, &q);
        if (bound != NULL && bat > bs) {
            c->bound_span.b0 = ts->v[bs].b0;
            c->bound_span.b1 = ts->v[bat - 1].b1;
        }
        /* what it counts: percent, money, a duration, or the noun after it */
        size_t after = e, fig_end = 0;
        const char *cur = NULL;
        if (sym != NULL) {
            cur = sym;
        } else if (after < b && (strcmp(ts->v[after].low, "%") == 0 ||
                                 strcmp(ts->v[after].low, "percent") == 0 ||
                                 (strcmp(ts->v[after].low, "per") == 0 &&
                                  strcmp(S_low(ts, after + 1, b), "cent") == 0))) {
            snprintf(c->unit, sizeof c->unit, "percent");
            c->unit_span.b0 = ts->v[after].b0;
            c->unit_span.b1 = ts->v[strcmp(ts->v[after].low, "per") == 0 ? after + 1 : after].b1;
            if (strcmp(c->rule, "range") != 0)
                c->rule = "share";
            family = 3;
        } else {
            size_t aft = after;
            cur = S_currency(ts, after, b, &aft);
            if (cur != NULL) {
                c->unit_span.b0 = ts->v[after].b0;
                c->unit_span.b1 = ts->v[aft - 1].b1;
                after = aft;
            }
        }
        if (cur != NULL) {
            snprintf(c->currency, sizeof c->currency, "%.7s", cur);
            snprintf(c->unit, sizeof c->unit, "%s", cur);
            if (strcmp(c->rule, "range") != 0)
                c->rule = "money";
            family = 4;
            if (sym != NULL) {
                c->unit_span.b0 = ts->v[i].b0;
                c->unit_span.b1 = ts->v[i].b1;
            }
            /* a conversion in brackets: "(ca. €45,000)" */
            size_t p = after;
            if (p < b && strcmp(ts->v[p].low, "(") == 0) {
                size_t k = p + 1, bs2 = 0;
                const char *cb = NULL;
                while (k < b && k < p + 4 && ts->v[k].t != TK_NUM && strcmp(ts->v[k].low, "EUR") &&
                       strcmp(ts->v[k].low, "USD"))
                    k++;
                cb = S_bound_before(ts, p + 1, k, &bs2);
                const char *csym = NULL;
                if (k < b && ts->v[k].t == TK_PUNCT) {
                    csym = ts->v[k].low;
                    k++;
                }
                double cv;
                size_t ce = S_digits_number(ts, k, b, &cv);
                if (ce > k) {
                    size_t ca = ce;
                    if (csym == NULL)
                        csym = S_currency(ts, ce, b, &ca);
                    if (csym != NULL) {
                        fig_end = q.t1;
                        c->has_conversion = true;
                        c->conversion_value = cv;
                        snprintf(c->conversion_currency, sizeof c->conversion_currency, "%.7s",
                                 csym);
                        c->conversion_bound = cb != NULL ? cb : "exact";
                        q.t1 = ca;
                        i = ca - 1;
                    }
                }
            }
        } else if (family != 3) {
            fig_end = 0;
            if (after < b && S_in(ts->v[after].low, S_time_units)) {
                const struct tok *u = &ts->v[after];
                size_t l = u->b1 - u->b0;
                snprintf(c->unit, sizeof c->unit, "%.*s", (int)l, s + u->b0);
                c->unit_span.b0 = u->b0;
                c->unit_span.b1 = u->b1;
                if (strcmp(c->rule, "range") != 0)
                    c->rule = "duration";
                family = 2;
            } else if (after + 1 < b && strcmp(ts->v[after].low, "-") == 0 && ts->v[after].glued &&
                       ts->v[after + 1].glued && ts->v[after + 1].t == TK_WORD) {
                const struct tok *u = &ts->v[after + 1];
                snprintf(c->unit, sizeof c->unit, "%.*s", (int)(u->b1 - u->b0), s + u->b0);
                c->unit_span.b0 = u->b0;
                c->unit_span.b1 = u->b1;
                if (S_in(u->low, S_time_units) && strcmp(c->rule, "range") != 0) {
                    c->rule = "duration";
                    family = 2;
                }
            } else {
                S_unit_after(s, ts, after, b, c);
            }
        }
        /* "around 1,122 in June 2014, and 1,350 by July 2015": a figure joined by "and" to
         * an approximate one just before it shares its "around" */
        if (bound == NULL && strcmp(c->bound, "exact") == 0 && r->n >= 2 + nbefore - 1 &&
            r->n - 1 > nbefore && strcmp(r->items[r->n - 2].bound, "approx") == 0 && i > a &&
            (strcmp(ts->v[i - 1].low, "and") == 0 || strcmp(ts->v[i - 1].low, "or") == 0) &&
            ts->v[i - 1].b0 - r->items[r->n - 2].figure.b1 < 80)
            c->bound = "approx";
        struct qty fq = q;
        if (fig_end > 0)
            fq.t1 = fig_end;
        S_finish(s, ts, st, times, nt, o, c, &fq, family);
        if (q.t1 > i + 1)
            i = q.t1 - 1;
    }

    /* dates that no figure uses are the dates of events */
    for (size_t k = 0; k < nt && !r->oom; k++) {
        struct ex_time *tm = &times[k];
        if (!tm->event_date && !tm->period)
            continue;
        if (strstr(tm->basis, "document's date") != NULL)
            continue;
        struct ex_candidate *c = S_new(r);
        if (c == NULL)
            return;
        c->rule = "date";
        c->kind = "event";
        c->bound = "exact";
        if (tm->period) {
            memcpy(c->period_start, tm->start, EX_DATE_LEN);
            memcpy(c->period_end, tm->end, EX_DATE_LEN);
            memcpy(c->value_date, tm->start, EX_DATE_LEN);
            if (strncmp(tm->basis, "since", 5) == 0 || strncmp(tm->basis, "Since", 5) == 0)
                c->bound = "at_least";
        } else {
            memcpy(c->value_date, tm->start, EX_DATE_LEN);
            memcpy(c->as_of, tm->start, EX_DATE_LEN);
            const char *w0 = ts->v[tm->t0].low;
            if (strcmp(w0, "before") == 0 || strcmp(w0, "until") == 0)
                c->bound = "up_to";
            else if (strcmp(w0, "after") == 0)
                c->bound = "more_than";
        }
        snprintf(c->unit, sizeof c->unit, "date");
        snprintf(c->time_basis, sizeof c->time_basis, "%s", tm->basis);
        struct qty q;
        memset(&q, 0, sizeof q);
        q.t0 = tm->d0 > tm->t0 ? tm->d0 : tm->t0;
        q.t1 = tm->t1;
        c->time_span.b0 = ts->v[tm->t0].b0;
        c->time_span.b1 = ts->v[tm->t1 - 1].b1;
        S_finish(s, ts, st, times, nt, o, c, &q, 1);
        c->kind = "event";
    }
    for (size_t k = nbefore; k < r->n; k++)
        if (r->items[k].kind == NULL)
            r->items[k].kind = "statistic";
    /* the sentence's last explicit time carries to the next ones of the paragraph */
    for (size_t k = nt; k > 0; k--) {
        if (strstr(times[k - 1].basis, "document's date") == NULL && !times[k - 1].naming) {
            *st->carry = times[k - 1];
            st->has_carry = true;
            break;
        }
    }
}

/* Sorts the candidates of one sentence by figure position (dates were appended last). */
static int S_cmp(const void *x, const void *y)
{
    const struct ex_candidate *a = x, *b = y;
    if (a->figure.b0 != b->figure.b0)
        return a->figure.b0 < b->figure.b0 ? -1 : 1;
    return a->figure.b1 < b->figure.b1 ? -1 : a->figure.b1 > b->figure.b1;
}

bool ex_extract(const char *text, size_t n, const struct ex_options *opt, struct ex_result *r)
{
    struct toks ts = {0};
    struct cat_index ci;
    S_tokenize(text, n, &ts);
    if (ts.oom || !S_index(opt, &ci)) {
        free(ts.v);
        r->oom = true;
        return false;
    }
    size_t start = 0;
    size_t first = r->n;
    char last_named[EX_TEXT_LEN] = "";
    struct ex_time carry;
    bool has_carry = false;
    memset(&carry, 0, sizeof carry);
    for (size_t i = 0; i < ts.n; i++) {
        bool end = i + 1 == ts.n || S_sentence_end(&ts, i) || S_paragraph_break(text, &ts, i) ||
                   (strcmp(ts.v[i].low, ";") == 0);
        if (!end)
            continue;
        /* closing quotes and footnote markers after the stop stay in the sentence */
        size_t last = i;
        while (last + 1 < ts.n && ts.v[last + 1].glued && ts.v[last + 1].t == TK_PUNCT &&
               !S_paragraph_gap(text, ts.v[last].b1, ts.v[last + 1].b0) &&
               strcmp(ts.v[last + 1].low, "(") != 0)
            last++;
        struct sentence st;
        memset(&st, 0, sizeof st);
        st.a = start;
        st.b = last + 1;
        st.q0 = ts.v[start].b0;
        st.q1 = ts.v[last].b1;
        /* a quote does not start with punctuation */
        size_t qa = start;
        while (qa < last && ts.v[qa].t == TK_PUNCT && strchr(".,;:)]-", ts.v[qa].low[0]) != NULL &&
               ts.v[qa].low[1] == '\0')
            qa++;
        st.q0 = ts.v[qa].b0;
        st.last_named = last_named;
        if (start > 0 && S_paragraph_break(text, &ts, start - 1))
            has_carry = false;
        st.carry = &carry;
        st.ci = &ci;
        st.has_carry = has_carry;
        S_sentence(text, &ts, &st, opt, r);
        has_carry = st.has_carry;
        if (st.claimant[0] != '\0' && st.claimant_basis != NULL &&
            strcmp(st.claimant_basis, "reportedly") != 0 && (st.claimant[0] & 0x80) == 0 &&
            st.claimant[0] >= 'A' && st.claimant[0] <= 'Z')
            memcpy(last_named, st.claimant, sizeof last_named);
        if (r->oom)
            break;
        start = last + 1;
        i = last;
    }
    free(ts.v);
    S_index_free(&ci);
    if (r->oom)
        return false;
    if (r->n > first)
        qsort(r->items + first, r->n - first, sizeof *r->items, S_cmp);
    return true;
}

static bool S_covers_end(const struct ex_claim_ref *k, const struct ex_candidate *c);

/* Figures equal as printed: integers exactly, shares to the precision they are given. */
static bool S_same(double a, double b)
{
    return fabs(a - b) <= 0.051;
}

/* The factor from the candidate's unit to the claim's (a claim in months, "two years"). */
static double S_factor(const struct ex_claim_ref *k, const struct ex_candidate *c)
{
    if (k->unit == NULL)
        return 1;
    bool years = strncmp(c->unit, "year", 4) == 0 || strncmp(c->unit, "Year", 4) == 0;
    if (years && strcmp(k->unit, "months") == 0)
        return 12;
    if (strncmp(c->unit, "month", 5) == 0 && strcmp(k->unit, "years") == 0)
        return 1.0 / 12;
    return 1;
}

static bool S_date_match(const char *a, const char *b)
{
    if (a == NULL || b == NULL || a[0] == '\0' || b[0] == '\0')
        return false;
    size_t la = strlen(a), lb = strlen(b);
    return strncmp(a, b, la < lb ? la : lb) == 0;
}

bool ex_covers(const struct ex_claim_ref *k, const struct ex_candidate *c)
{
    if (k->b1 <= c->quote.b0 || c->quote.b1 <= k->b0)
        return false;
    if (k->value_date != NULL)
        return S_date_match(k->value_date, c->value_date) ||
               S_date_match(k->value_date, c->period_start);
    if (k->bound != NULL && c->bound != NULL && S_covers_end(k, c))
        return true;
    /* "500,000 Moroccan Dirham (ca. €45,000)": a claim of the converted amount */
    if (c->has_conversion && k->has_value && k->bound != NULL && c->conversion_bound != NULL &&
        strcmp(k->bound, c->conversion_bound) == 0 && S_same(k->value, c->conversion_value))
        return true;
    if (k->bound == NULL || c->bound == NULL || strcmp(k->bound, c->bound) != 0)
        return false;
    double f = S_factor(k, c);
    if (strcmp(k->bound, "vague") == 0)
        return true;
    if (k->has_value && c->has_value && S_same(k->value, c->value * f))
        return true;
    if (k->has_lower && c->has_lower && S_same(k->lower, c->lower * f) &&
        (!k->has_upper || (c->has_upper && S_same(k->upper, c->upper * f))))
        return true;
    if (k->has_upper && c->has_upper && !k->has_lower && S_same(k->upper, c->upper * f))
        return true;
    return false;
}

static bool S_covers_end(const struct ex_claim_ref *k, const struct ex_candidate *c)
{
    /* a curated pair of claims for the two ends of one range ("from five to 18 years":
     * the statutory minimum and maximum) is covered by the range candidate */
    if (k->bound == NULL || strcmp(k->bound, "exact") != 0 || !k->has_value ||
        strcmp(c->bound, "range") != 0 || !c->has_lower || !c->has_upper)
        return false;
    double f = S_factor(k, c);
    return S_same(k->value, c->lower * f) || S_same(k->value, c->upper * f);
}
