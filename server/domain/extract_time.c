/* The extractor's time expressions and claimants (extract_internal.h). */
#include "extract_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Time expressions ------------------------------------------------------- */

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
void ex_span_text(const char *s, const struct toks *ts, size_t a, size_t b, char *out, size_t cap)
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

const char *ex_low(const struct toks *ts, size_t i, size_t end)
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
    int mo = ts->v[j].t == TK_WORD ? ex_month(w) : 0;
    if (mo > 0 && j + 3 < end && strcmp(ts->v[j + 1].low, "and") == 0 &&
        ex_month(ts->v[j + 2].low) > 0 && ex_year_value(&ts->v[j + 3])) {
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
        if (k < end && ex_year_value(&ts->v[k])) {
            *y = (int)ts->v[k].num;
            *m = mo;
            *d = day;
            return k + 1;
        }
        return i;
    }
    if (ts->v[j].t == TK_NUM && ts->v[j].is_int && ts->v[j].ndigits <= 2 && ts->v[j].num >= 1 &&
        ts->v[j].num <= 31 && j + 2 < end && ex_month(ts->v[j + 1].low) > 0 &&
        ex_year_value(&ts->v[j + 2])) {
        *d = (int)ts->v[j].num;
        *m = ex_month(ts->v[j + 1].low);
        *y = (int)ts->v[j + 2].num;
        return j + 3;
    }
    if (ex_year_value(&ts->v[j])) {
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
size_t ex_times(const char *s, const struct toks *ts, size_t a, size_t b,
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
                    ex_span_text(s, ts, i, e2, tm.basis, sizeof tm.basis);
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
                ex_span_text(s, ts, i, e, tm.basis, sizeof tm.basis);
                out[nt++] = tm;
                i = e - 1;
                continue;
            }
        }
        /* during/over/for/in the last/past N years|months; the past decade */
        if ((strcmp(w, "last") == 0 || strcmp(w, "past") == 0) && i + 1 < b && pub > 0) {
            size_t k = i + 1;
            int num = 1;
            int v = ex_word_value(ex_low(ts, k, b));
            if (v > 0) {
                num = v;
                k++;
            } else if (k < b && ts->v[k].t == TK_NUM && ts->v[k].is_int && ts->v[k].num < 100) {
                num = (int)ts->v[k].num;
                k++;
            }
            const char *u = ex_low(ts, k, b);
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
                ex_span_text(s, ts, t0, k + 1, q, sizeof q);
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
             (strcmp(w, "to") == 0 && strcmp(ex_low(ts, i + 1, b), "date") == 0) ||
             (strcmp(w, "so") == 0 && strcmp(ex_low(ts, i + 1, b), "far") == 0) ||
             (strcmp(w, "at") == 0 && strcmp(ex_low(ts, i + 1, b), "present") == 0))) {
            size_t e =
                i + (strcmp(w, "to") == 0 || strcmp(w, "so") == 0 || strcmp(w, "at") == 0 ? 2 : 1);
            tm.t0 = i;
            tm.t1 = e;
            snprintf(tm.start, EX_DATE_LEN, "%s", o->published);
            memcpy(tm.end, tm.start, EX_DATE_LEN);
            char q[EX_TEXT_LEN - 40];
            ex_span_text(s, ts, i, e, q, sizeof q);
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
                               ex_in(ts->v[t0 - 1].low, named);
                bool before_name = e < b && ex_in(ts->v[e].low, named) && m == 0;
                tm.naming = of_name || before_name;
            }
            S_set_point(&tm, y, m, d, dec);
            tm.event_date = !dec;
            ex_span_text(s, ts, t0, e, tm.basis, sizeof tm.basis);
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
void ex_claimant(const char *s, const struct toks *ts, size_t a, size_t b, struct ex_candidate *c)
{
    for (size_t i = a; i < b; i++) {
        const char *w = ts->v[i].low;
        if (strcmp(w, "according") == 0 && strcmp(ex_low(ts, i + 1, b), "to") == 0 && i + 2 < b) {
            size_t j = i + 2, e = j;
            while (e < b && ts->v[e].t != TK_PUNCT && e - j < 12)
                e++;
            if (e > j) {
                ex_span_text(s, ts, j, e, c->claimant, sizeof c->claimant);
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
        if (ts->v[i].t == TK_WORD && ex_in(w, ex_claim_verbs) && strcmp(w, "according") != 0 &&
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
                ex_span_text(s, ts, j, e, c->claimant, sizeof c->claimant);
                c->claimant_basis = ex_find(w, ex_claim_verbs);
                c->claimant_span.b0 = ts->v[j].b0;
                c->claimant_span.b1 = ts->v[e - 1].b1;
                return;
            }
            /* "officials said": the words before the verb in its clause */
            j = i;
            while (j > a && ts->v[j - 1].t == TK_WORD && i - j < 4 &&
                   !ex_in(ts->v[j - 1].low, ex_stop_after))
                j--;
            if (j < i) {
                if (j > a && strcmp(ts->v[j - 1].low, "the") == 0)
                    j--;
                ex_span_text(s, ts, j, i, c->claimant, sizeof c->claimant);
                c->claimant_basis = ex_find(w, ex_claim_verbs);
                c->claimant_span.b0 = ts->v[j].b0;
                c->claimant_span.b1 = ts->v[i - 1].b1;
                return;
            }
        }
    }
}
