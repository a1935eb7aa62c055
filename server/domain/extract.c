#include "extract.h"
#include "extract_internal.h"

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
    ex_suggest(ts, st->a, st->b, o, st->ci, c, family);
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
    ex_unit_after(s, ts, i + 1, st->b, c);
    S_finish(s, ts, st, times, nt, o, c, &q, 0);
    return true;
}

static void S_sentence(const char *s, const struct toks *ts, struct sentence *st,
                       const struct ex_options *o, struct ex_result *r)
{
    struct ex_time times[EX_MAX_TIMES];
    size_t nt = ex_times(s, ts, st->a, st->b, o, times);
    size_t a = st->a, b = st->b;
    size_t nbefore = r->n;

    {
        struct ex_candidate tmp;
        memset(&tmp, 0, sizeof tmp);
        ex_claimant(s, ts, a, b, &tmp);
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
                      (ts->v[i].t == TK_NUM || ex_month(ts->v[i].low) > 0);
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
            if (hit && (strcmp(t->low, "half") != 0 || strcmp(ex_low(ts, i + 1, b), "of") == 0)) {
                q.t0 = i;
                q.t1 = e;
                q.has_value = true;
                q.value = round(10000.0 * S_fractions[f].num / S_fractions[f].den) / 100;
                q.rule = "share";
                size_t bs = 0;
                q.bound = ex_bound_before(ts, a, i, &bs);
                bool written = q.bound != NULL;
                c = S_new(r);
                if (c == NULL)
                    return;
                /* a fraction in words is a rounded share: approx unless a bound is written */
                if (q.bound == NULL)
                    q.bound = "approx";
                ex_bound_ends(&q, q.value);
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
                int v = ex_word_value(w);
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
            int v = ex_word_value(pre);
            if (v < 0) {
                /* "twenty-five-year": the number is the part before the last hyphen */
                const char *h2 = strrchr(t->low, '-');
                snprintf(pre, sizeof pre, "%.*s", (int)(h2 - t->low), t->low);
                v = ex_word_value(pre);
                h = h2;
            }
            if (v > 0 && ex_word_value(h + 1) < 0 && strstr(h + 1, "fold") == NULL &&
                strstr(h + 1, "third") == NULL && strstr(h + 1, "quarter") == NULL &&
                strstr(h + 1, "half") == NULL) {
                q.t0 = i;
                q.t1 = i + 1;
                q.has_value = true;
                q.value = v;
                q.rule = ex_in(h + 1, ex_time_units) ? "duration" : "words";
                size_t bs = 0;
                q.bound = ex_bound_before(ts, a, i, &bs);
                if (q.bound == NULL)
                    q.bound = "exact";
                ex_bound_ends(&q, v);
                c = S_new(r);
                if (c == NULL)
                    return;
                S_set_value(c, &q);
                /* the noun is the word's tail: its bytes after the hyphen */
                size_t off = (size_t)(h - t->low) + 1, b0 = t->b0, k = 0;
                while (b0 < t->b1 && k < off) {
                    size_t l;
                    (void)ex_cp(s, t->b1, b0, &l);
                    b0 += l;
                    k++;
                }
                snprintf(c->unit, sizeof c->unit, "%.*s", (int)(t->b1 - b0), s + b0);
                c->unit_span.b0 = b0;
                c->unit_span.b1 = t->b1;
                S_finish(s, ts, st, times, nt, o, c, &q, ex_in(h + 1, ex_time_units) ? 2 : 0);
                continue;
            }
        }

        /* ordinals that count: "its fourth meeting", "a third round" */
        if (t->t == TK_WORD && ex_ordinal_value(t->low) > 1 && i + 1 < b &&
            ts->v[i + 1].t == TK_WORD && !ex_in(ts->v[i + 1].low, ex_stop_after) && i > a &&
            (strcmp(ts->v[i - 1].low, "its") == 0 || strcmp(ts->v[i - 1].low, "a") == 0 ||
             strcmp(ts->v[i - 1].low, "the") == 0 || strcmp(ts->v[i - 1].low, "their") == 0 ||
             strcmp(ts->v[i - 1].low, "his") == 0)) {
            static const char *const counted[] = {
                "round",   "rounds",  "meeting", "session",    "cohort", "edition", "phase",
                "batch",   "wave",    "term",    "conference", "group",  "stage",   "cycle",
                "version", "attempt", "time",    "year",       "trial",  "class",   NULL};
            if (ex_in(ts->v[i + 1].low, counted)) {
                if (!S_word_figure(s, ts, st, times, nt, o, r, i, ex_ordinal_value(t->low),
                                   "ordinal"))
                    return;
                continue;
            }
        }

        /* vague quantities: "dozens of", "hundreds of", "a few hundred", "several" */
        {
            size_t v0 = i, v1 = 0;
            if (t->t == TK_WORD && ex_in(t->low, ex_vague))
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
                bool noun = ex_unit_after(s, ts, after, b, &tmp) &&
                            (ex_plural_noun(tmp.unit) || tmp.unit[strlen(tmp.unit) - 1] == 's');
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
                    ex_span_text(s, ts, v0, v1, c->vague_term, sizeof c->vague_term);
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
        if (ts->v[n0].t == TK_NUM && ex_footnote_number(ts, n0))
            continue;
        /* "one" counts only next to a time unit or as a range end */
        if (ts->v[n0].t == TK_WORD && strcmp(ts->v[n0].low, "one") == 0 &&
            !ex_in(ex_low(ts, n0 + 1, b), ex_time_units))
            continue;
        /* "zero tolerance" is a phrase, not a count */
        if (ts->v[n0].t == TK_WORD && strcmp(ts->v[n0].low, "zero") == 0)
            continue;
        size_t e1 = ex_any_number(ts, n0, b, &v1, &words);
        if (e1 == n0)
            continue;
        /* a year standing alone is a date, handled by the time pass */
        if (!words && ex_year_value(&ts->v[n0]) && e1 == n0 + 1) {
            size_t bs0;
            bool counted = ex_bound_before(ts, a, n0, &bs0) != NULL;
            struct ex_candidate tmp;
            memset(&tmp, 0, sizeof tmp);
            if (!counted || !ex_unit_after(s, ts, e1, b, &tmp))
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
                size_t e2 = ex_any_number(ts, n2, b, &v2, &w2);
                if (e2 > n2 && v2 > v1 && !(ex_year_value(&ts->v[n2]) && !w2)) {
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
        const char *bound = ex_bound_before(ts, a, bat, &bs);
        if (q.bound == NULL) {
            q.bound = bound != NULL ? bound : "exact";
            ex_bound_ends(&q, v1);
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
                                  strcmp(ex_low(ts, after + 1, b), "cent") == 0))) {
            snprintf(c->unit, sizeof c->unit, "percent");
            c->unit_span.b0 = ts->v[after].b0;
            c->unit_span.b1 = ts->v[strcmp(ts->v[after].low, "per") == 0 ? after + 1 : after].b1;
            if (strcmp(c->rule, "range") != 0)
                c->rule = "share";
            family = 3;
        } else {
            size_t aft = after;
            cur = ex_currency(ts, after, b, &aft);
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
                cb = ex_bound_before(ts, p + 1, k, &bs2);
                const char *csym = NULL;
                if (k < b && ts->v[k].t == TK_PUNCT) {
                    csym = ts->v[k].low;
                    k++;
                }
                double cv;
                size_t ce = ex_digits_number(ts, k, b, &cv);
                if (ce > k) {
                    size_t ca = ce;
                    if (csym == NULL)
                        csym = ex_currency(ts, ce, b, &ca);
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
            if (after < b && ex_in(ts->v[after].low, ex_time_units)) {
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
                if (ex_in(u->low, ex_time_units) && strcmp(c->rule, "range") != 0) {
                    c->rule = "duration";
                    family = 2;
                }
            } else {
                ex_unit_after(s, ts, after, b, c);
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
    ex_tokenize(text, n, &ts);
    if (ts.oom || !ex_index(opt, &ci)) {
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
        bool end = i + 1 == ts.n || ex_sentence_end(&ts, i) || ex_paragraph_break(text, &ts, i) ||
                   (strcmp(ts.v[i].low, ";") == 0);
        if (!end)
            continue;
        /* closing quotes and footnote markers after the stop stay in the sentence */
        size_t last = i;
        while (last + 1 < ts.n && ts.v[last + 1].glued && ts.v[last + 1].t == TK_PUNCT &&
               !ex_paragraph_gap(text, ts.v[last].b1, ts.v[last + 1].b0) &&
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
        if (start > 0 && ex_paragraph_break(text, &ts, start - 1))
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
    ex_index_free(&ci);
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
