/* The extractor's tokens, vocabulary and sentences (extract_internal.h). */
#include "extract_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Tokens --------------------------------------------------------------- */

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
uint32_t ex_cp(const char *s, size_t n, size_t i, size_t *len)
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

void ex_tokenize(const char *s, size_t n, struct toks *ts)
{
    size_t i = 0;
    bool space_before = true;
    while (i < n && !ts->oom) {
        size_t len;
        uint32_t c = ex_cp(s, n, i, &len);
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
                uint32_t d = ex_cp(s, n, j, &l2);
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
                    if (nx < n && S_letter(ex_cp(s, n, nx, &l3))) {
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
const char *ex_find(const char *w, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++)
        if (strcmp(w, list[i]) == 0)
            return list[i];
    return NULL;
}

bool ex_in(const char *w, const char *const *list)
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
const char *const ex_time_units[] = {"year", "years",  "month",   "months", "week",  "weeks", "day",
                                     "days", "decade", "decades", "hour",   "hours", NULL};
/* Words after which a number is not what is counted. */
const char *const ex_stop_after[] = {
    "have",  "has",   "had",   "were",   "was",    "are",   "is",    "be",    "been",
    "who",   "that",  "which", "to",     "in",     "of",    "from",  "and",   "or",
    "with",  "by",    "for",   "on",     "at",     "as",    "the",   "a",     "an",
    "than",  "per",   "while", "but",    "this",   "these", "those", "their", "its",
    "his",   "her",   "they",  "it",     "will",   "would", "could", "can",   "may",
    "might", "since", "after", "before", "during", "into",  "out",   "over",  "under",
    "then",  "when",  "where", "not",    "all",    "also",  NULL};
const char *const ex_vague[] = {"dozens",  "scores", "hundreds", "thousands", "tens",
                                "several", "many",   "numerous", "countless", NULL};
const char *const ex_claim_verbs[] = {
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
int ex_word_value(const char *w)
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

int ex_ordinal_value(const char *w)
{
    for (int i = 0; S_ordinals[i] != NULL; i++)
        if (strcmp(w, S_ordinals[i]) == 0)
            return i + 1;
    return -1;
}

int ex_month(const char *w)
{
    for (int i = 0; S_months[i] != NULL; i++)
        if (strcmp(w, S_months[i]) == 0)
            return i + 1;
    if (strcmp(w, "sept") == 0)
        return 9;
    return 0;
}

bool ex_year_value(const struct tok *t)
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
bool ex_sentence_end(const struct toks *ts, size_t i)
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
            if (pv->t == TK_WORD && (strlen(pv->low) == 1 || ex_in(pv->low, S_abbrev)) &&
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
bool ex_paragraph_gap(const char *s, size_t from, size_t to)
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
bool ex_paragraph_break(const char *s, const struct toks *ts, size_t i)
{
    if (i + 1 >= ts->n || !ex_paragraph_gap(s, ts->v[i].b1, ts->v[i + 1].b0))
        return false;
    const struct tok *nx = &ts->v[i + 1];
    return !(nx->t == TK_WORD && !nx->cap);
}
