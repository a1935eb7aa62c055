/* The extractor's quantities and metric suggestions (extract_internal.h). */
#include "extract_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Quantities ------------------------------------------------------------ */

/* A number in words at i: "eighteen", "twenty-five", "two hundred", "a few hundred"
 * (vague), "three thousand". Returns the end token or i. */
static size_t S_words_number(const struct toks *ts, size_t i, size_t end, double *v)
{
    if (i >= end || ts->v[i].t != TK_WORD)
        return i;
    int base = ex_word_value(ts->v[i].low);
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
size_t ex_digits_number(const struct toks *ts, size_t i, size_t end, double *v)
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

size_t ex_any_number(const struct toks *ts, size_t i, size_t end, double *v, bool *words)
{
    size_t e = ex_digits_number(ts, i, end, v);
    if (e > i) {
        *words = false;
        return e;
    }
    e = S_words_number(ts, i, end, v);
    *words = e > i;
    return e;
}

/* A footnote number stuck to the word or stop before it ("fighters.12"). */
bool ex_footnote_number(const struct toks *ts, size_t i)
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
const char *ex_bound_before(const struct toks *ts, size_t a, size_t i, size_t *start)
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
void ex_bound_ends(struct qty *q, double v)
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

bool ex_plural_noun(const char *w)
{
    size_t l = strlen(w);
    return l > 3 && w[l - 1] == 's' && w[l - 2] != 's' && w[l - 2] != '\'';
}

/* The noun counted after token i: the first plural among the next words of the
 * noun phrase, else its last word. Returns false when there is none. */
bool ex_unit_after(const char *s, const struct toks *ts, size_t i, size_t end,
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
        if (t->t != TK_WORD || ex_in(t->low, ex_stop_after) || ex_in(t->low, ex_claim_verbs))
            break;
        any = true;
        last = j;
        if (ex_plural_noun(t->low) || ex_in(t->low, ex_time_units)) {
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

const char *ex_currency(const struct toks *ts, size_t j, size_t end, size_t *after)
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
            if (strlen(cur) >= 3 && !ex_in(cur, S_metric_stop)) {
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

void ex_index_free(struct cat_index *ci)
{
    free(ci->words);
    free(ci->label_at);
    free(ci->label_n);
    free(ci->def_at);
    free(ci->def_n);
    free(ci->family);
    memset(ci, 0, sizeof *ci);
}

bool ex_index(const struct ex_options *o, struct cat_index *ci)
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
        ex_index_free(ci);
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
        ex_index_free(ci);
        return false;
    }
    return true;
}

static bool S_has(const uint32_t *v, size_t n, uint32_t h)
{
    return n > 0 && bsearch(&h, v, n, sizeof *v, S_u32cmp) != NULL;
}

void ex_suggest(const struct toks *ts, size_t a, size_t b, const struct ex_options *o,
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
        if (ts->v[i].t != TK_WORD || strlen(ts->v[i].low) < 3 || ex_in(ts->v[i].low, S_metric_stop))
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
