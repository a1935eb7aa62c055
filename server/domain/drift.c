#include "drift.h"

#include "pdate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DAYS_PER_YEAR 365.2425

const char *drift_status_name(enum drift_status s)
{
    switch (s) {
    case DRIFT_KEPT:
        return "kept";
    case DRIFT_CHANGED:
        return "changed";
    case DRIFT_NOT_COMPARED:
        break;
    }
    return "not_compared";
}

static bool S_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static bool S_eq_nocase(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcasecmp(a, b) == 0;
}

/* Appends to out[0..n) (always NUL-terminated). */
static void S_cat(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void S_cat(char *out, size_t n, const char *fmt, ...)
{
    size_t len = strnlen(out, n);
    if (len + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(out + len, n - len, fmt, ap);
    va_end(ap);
    if (w < 0)
        out[len] = '\0';
}

/* A number as the text would print it: integers without a decimal point. */
static void S_num(char *out, size_t n, double v)
{
    if (fabs(v) < 1e15 && v == floor(v))
        snprintf(out, n, "%.0f", v);
    else
        snprintf(out, n, "%g", v);
}

static bool S_has_figure(const struct drift_claim *c)
{
    return c->metric && (c->has_value || c->has_lower || c->has_upper || c->value_date ||
                         (c->bound && strcmp(c->bound, "vague") == 0));
}

void drift_figure(const struct drift_claim *c, char *out, size_t n)
{
    char a[40] = "", b[40] = "";
    if (n == 0)
        return;
    out[0] = '\0';
    const char *bound = c->bound ? c->bound : "";
    const char *unit = c->unit && strcmp(c->unit, "date") != 0 ? c->unit : NULL;
    if (c->value_date) {
        S_cat(out, n, "%s", c->value_date);
        return;
    }
    if (strcmp(bound, "vague") == 0) {
        S_cat(out, n, "%s", c->vague_term ? c->vague_term : "vague");
        return;
    }
    if (c->has_value)
        S_num(a, sizeof a, c->value);
    if (strcmp(bound, "range") == 0 && c->has_lower && c->has_upper) {
        S_num(a, sizeof a, c->lower);
        S_num(b, sizeof b, c->upper);
        S_cat(out, n, "%s to %s", a, b);
    } else if (!c->has_value) {
        S_cat(out, n, "no figure");
        return;
    } else if (strcmp(bound, "exact") == 0 || !*bound) {
        S_cat(out, n, "%s", a);
    } else {
        static const char *const words[][2] = {
            {"approx", "about"},        {"almost", "almost"}, {"at_least", "at least"},
            {"more_than", "more than"}, {"up_to", "up to"},   {"less_than", "less than"},
        };
        const char *w = bound;
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
            if (strcmp(bound, words[i][0]) == 0)
                w = words[i][1];
        }
        S_cat(out, n, "%s %s", w, a);
    }
    if (unit)
        S_cat(out, n, " %s", unit);
}

static bool S_same_number(bool ha, double a, bool hb, double b)
{
    if (ha != hb)
        return false;
    return !ha || fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

static bool S_same_figure(const struct drift_claim *a, const struct drift_claim *b)
{
    return S_eq(a->bound, b->bound) &&
           S_same_number(a->has_value, a->value, b->has_value, b->value) &&
           S_same_number(a->has_lower, a->lower, b->has_lower, b->lower) &&
           S_same_number(a->has_upper, a->upper, b->has_upper, b->upper) &&
           S_eq(a->value_date, b->value_date) && S_eq_nocase(a->vague_term, b->vague_term);
}

/* "2015", "2014..2016"; "" when the claim states no time window. */
static void S_window_text(const struct drift_claim *c, char *out, size_t n)
{
    out[0] = '\0';
    if (c->as_of)
        S_cat(out, n, "%s", c->as_of);
    else if (c->period_start && c->period_end)
        S_cat(out, n, "%s..%s", c->period_start, c->period_end);
}

static void S_change(struct drift_result *r, const char *field, const char *from, const char *to)
{
    if (r->n >= DRIFT_MAX_CHANGES)
        return;
    struct drift_change *c = &r->v[r->n++];
    snprintf(c->field, sizeof c->field, "%s", field);
    snprintf(c->from, sizeof c->from, "%s", from);
    snprintf(c->to, sizeof c->to, "%s", to);
}

static void S_same_metric(const struct drift_claim *o, const struct drift_claim *p,
                          struct drift_result *r)
{
    char fo[DRIFT_TEXT], fp[DRIFT_TEXT];
    drift_figure(o, fo, sizeof fo);
    drift_figure(p, fp, sizeof fp);
    bool figure = !S_same_figure(o, p);
    bool unit = !S_eq(o->unit, p->unit);
    char wo[64], wp[64];
    S_window_text(o, wo, sizeof wo);
    S_window_text(p, wp, sizeof wp);
    bool window = wo[0] && wp[0] && strcmp(wo, wp) != 0;
    if (figure)
        S_change(r, "figure", fo, fp);
    if (unit)
        S_change(r, "unit", o->unit ? o->unit : "none", p->unit ? p->unit : "none");
    if (window)
        S_change(r, "time_window", wo, wp);
    if (!r->n) {
        r->status = DRIFT_KEPT;
        snprintf(r->explanation, sizeof r->explanation,
                 "%s repeats %s unchanged: %s%s%s, same bound and unit", p->id, o->id, fo,
                 wo[0] ? " as of " : "", wo[0] ? wo : "");
        return;
    }
    r->status = DRIFT_CHANGED;
    /* Two vague words ("dozens", "tens") may mean the same: a possible change only. */
    bool vague =
        o->bound && p->bound && strcmp(o->bound, "vague") == 0 && strcmp(p->bound, "vague") == 0;
    r->definite = (figure && !vague) || unit;
    snprintf(r->explanation, sizeof r->explanation, "%s repeats %s and changes", p->id, o->id);
    for (size_t i = 0; i < r->n; i++)
        S_cat(r->explanation, sizeof r->explanation, "%s the %s: %s -> %s", i ? ";" : "",
              strcmp(r->v[i].field, "time_window") == 0 ? "time window" : r->v[i].field,
              r->v[i].from, r->v[i].to);
    if (!r->definite && vague)
        S_cat(r->explanation, sizeof r->explanation,
              ". Possible: both words are vague and may mean the same");
    else if (!r->definite)
        S_cat(r->explanation, sizeof r->explanation,
              ". Possible: the figure may still have held at the later date, which the repeat "
              "gives it");
}

/* The day window of a partial date text; false when it is not one. */
static bool S_days(const char *s, int64_t *d0, int64_t *d1)
{
    struct pdate d;
    if (!s || !pdate_parse(s, &d))
        return false;
    *d0 = pdate_first_day(&d);
    *d1 = pdate_last_day(&d);
    return true;
}

static void S_day_text(double day, char *out, size_t n)
{
    /* civil from days (H. Hinnant's algorithm), year and month only */
    int64_t z = (int64_t)floor(day) + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    if (y < 0 || y > 9999)
        snprintf(out, n, "year %d", y < 0 ? -1 : 10000);
    else
        snprintf(out, n, "%04d-%02d", (int)y, (int)m);
}

/* An age ("in existence for N years" as of a date) against a stated start. */
static void S_age_start(const struct drift_claim *age, const struct drift_claim *start,
                        const struct drift_claim *o, const struct drift_claim *p,
                        struct drift_result *r)
{
    int64_t a0, a1, s0, s1;
    const char *bound = age->bound ? age->bound : "exact";
    if (!S_days(age->as_of, &a0, &a1) || !S_days(start->value_date, &s0, &s1) ||
        strcmp(bound, "vague") == 0 || !(age->has_value || (age->has_lower && age->has_upper))) {
        r->status = DRIFT_NOT_COMPARED;
        snprintf(r->explanation, sizeof r->explanation,
                 "%s and %s: the age has no date or no figure to derive a start from", o->id,
                 p->id);
        return;
    }
    double lo = -INFINITY, hi = INFINITY; /* the implied start, in days */
    double nmin = age->has_lower ? age->lower : age->value;
    double nmax = age->has_upper ? age->upper : age->value;
    if (strcmp(bound, "range") != 0)
        nmin = nmax = age->value;
    bool below = strcmp(bound, "at_least") == 0 || strcmp(bound, "more_than") == 0;
    bool above = strcmp(bound, "up_to") == 0 || strcmp(bound, "less_than") == 0 ||
                 strcmp(bound, "almost") == 0;
    if (!above)
        lo = (double)a0 - (nmax + 0.5) * DAYS_PER_YEAR;
    if (!below)
        hi = (double)a1 - (nmin - 0.5) * DAYS_PER_YEAR;
    if (below)
        hi = (double)a1 - nmin * DAYS_PER_YEAR;
    if (above)
        lo = (double)a0 - nmax * DAYS_PER_YEAR;
    char fa[DRIFT_TEXT], from[DRIFT_TEXT] = "", lo_t[32] = "", hi_t[32] = "";
    drift_figure(age, fa, sizeof fa);
    if (isfinite(lo))
        S_day_text(lo, lo_t, sizeof lo_t);
    if (isfinite(hi))
        S_day_text(hi, hi_t, sizeof hi_t);
    S_cat(from, sizeof from, "%s as of %s (a start between %s and %s, computed)", fa, age->as_of,
          lo_t[0] ? lo_t : "any time", hi_t[0] ? hi_t : "any time");
    bool disjoint = (double)s1 < lo || (double)s0 > hi;
    if (!disjoint) {
        r->status = DRIFT_KEPT;
        snprintf(r->explanation, sizeof r->explanation,
                 "%s repeats %s: a start in %s lies within the start %s implies", p->id, o->id,
                 start->value_date, from);
        return;
    }
    r->status = DRIFT_CHANGED;
    r->definite = true;
    if (age == o)
        S_change(r, "start", from, start->value_date);
    else
        S_change(r, "start", start->value_date, from);
    snprintf(r->explanation, sizeof r->explanation,
             "%s repeats %s and changes the start: %s -> %s; the start is computed as the "
             "date of the age minus the years, each year read as ±1/2",
             p->id, o->id, r->v[0].from, r->v[0].to);
}

void drift_compare(const struct drift_claim *o, const struct drift_claim *p, struct drift_result *r)
{
    memset(r, 0, sizeof *r);
    r->status = DRIFT_NOT_COMPARED;
    bool fo = S_has_figure(o), fp = S_has_figure(p);
    if (o->metric && p->metric && strcmp(o->metric, p->metric) == 0) {
        S_same_metric(o, p, r);
        return;
    }
    if (fo && fp && o->metric_kind && p->metric_kind && S_eq(o->subject, p->subject) &&
        o->subject) {
        if (strcmp(o->metric_kind, "age") == 0 && strcmp(p->metric_kind, "start") == 0) {
            S_age_start(o, p, o, p, r);
            return;
        }
        if (strcmp(o->metric_kind, "start") == 0 && strcmp(p->metric_kind, "age") == 0) {
            S_age_start(p, o, o, p, r);
            return;
        }
    }
    bool same_attr = o->subject && o->attribute && S_eq(o->subject, p->subject) &&
                     S_eq(o->attribute, p->attribute);
    if (same_attr && fo != fp && (!o->metric || !p->metric)) {
        char fig[DRIFT_TEXT], none[DRIFT_TEXT];
        const struct drift_claim *with = fo ? o : p, *without = fo ? p : o;
        drift_figure(with, fig, sizeof fig);
        snprintf(none, sizeof none, "no figure%s%s%s", without->value_text ? " (" : "",
                 without->value_text ? without->value_text : "", without->value_text ? ")" : "");
        r->status = DRIFT_CHANGED;
        r->definite = false;
        if (fo)
            S_change(r, "figure", fig, none);
        else
            S_change(r, "figure", none, fig);
        snprintf(r->explanation, sizeof r->explanation,
                 "%s repeats %s on the same %s and %s the figure: %s -> %s. Possible: the "
                 "repeat may speak of part of what the original counted",
                 p->id, o->id, o->attribute, fo ? "drops" : "adds", r->v[0].from, r->v[0].to);
        return;
    }
    if (!o->metric && !p->metric && o->value_text && p->value_text &&
        S_eq_nocase(o->value_text, p->value_text)) {
        r->status = DRIFT_KEPT;
        snprintf(r->explanation, sizeof r->explanation, "%s repeats %s unchanged: %s", p->id, o->id,
                 o->value_text);
        return;
    }
    snprintf(r->explanation, sizeof r->explanation,
             "%s repeats %s in other words; no figure, bound, unit or time window to compare",
             p->id, o->id);
}

/* ---- independent sources ------------------------------------------------- */

static size_t S_find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

static void S_union(size_t *parent, size_t a, size_t b)
{
    a = S_find(parent, a);
    b = S_find(parent, b);
    if (a != b)
        parent[a < b ? b : a] = a < b ? a : b;
}

struct S_key {
    int64_t k;
    size_t i;
};

static int S_key_cmp(const void *a, const void *b)
{
    const struct S_key *x = a, *y = b;
    return x->k < y->k ? -1 : x->k > y->k;
}

static size_t S_lookup(const struct S_key *keys, size_t n, int64_t k)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid].k < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && keys[lo].k == k ? keys[lo].i : SIZE_MAX;
}

size_t drift_independent_sources(const struct drift_obs *obs, size_t n,
                                 const struct drift_edge *edges, size_t nedges)
{
    if (n == 0)
        return 0;
    size_t *parent = malloc(n * sizeof *parent);
    struct S_key *by_claim = malloc(n * sizeof *by_claim);
    struct S_key *by_source = malloc(n * sizeof *by_source);
    size_t count = 0;
    if (!parent || !by_claim || !by_source)
        goto out;
    for (size_t i = 0; i < n; i++) {
        parent[i] = i;
        by_claim[i] = (struct S_key){obs[i].claim_seq, i};
        by_source[i] = (struct S_key){obs[i].source_seq, i};
    }
    qsort(by_claim, n, sizeof *by_claim, S_key_cmp);
    qsort(by_source, n, sizeof *by_source, S_key_cmp);
    for (size_t i = 1; i < n; i++) {
        if (by_source[i].k == by_source[i - 1].k)
            S_union(parent, by_source[i].i, by_source[i - 1].i);
    }
    for (size_t e = 0; e < nedges; e++) {
        if (!edges[e].kept)
            continue;
        size_t a = S_lookup(by_claim, n, edges[e].claim_seq);
        size_t b = S_lookup(by_claim, n, edges[e].target_seq);
        if (a != SIZE_MAX && b != SIZE_MAX)
            S_union(parent, a, b);
    }
    for (size_t i = 0; i < n; i++) {
        if (S_find(parent, i) == i)
            count++;
    }
out:
    if (count == 0) {
        /* allocation failed: distinct sources, the count without repetitions merged */
        for (size_t i = 0; i < n; i++) {
            bool seen = false;
            for (size_t j = 0; j < i && !seen; j++)
                seen = obs[j].source_seq == obs[i].source_seq;
            count += !seen;
        }
    }
    free(parent);
    free(by_claim);
    free(by_source);
    return count;
}
