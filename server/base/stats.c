#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Conventions: an infinite end is always reported open (no claim includes
 * infinity). An interval whose edges are NaN, or whose lo exceeds its hi, is
 * empty and overlaps nothing.
 */

/*
 * The bound policy: the one table that says which interval each bound stands for
 * in the consistency rules (docs/method.md prints it). The approx row follows the
 * convention of Wikibase's quantity "4~" (3.5-4.5): the precision of a rounded
 * figure is half a unit of its last significant digit.
 */
const struct stats_policy_row stats_policy[] = {
    {STATS_EXACT, "exact", "a figure given without qualifier", "[v, v]", "[first, last]"},
    {STATS_APPROX, "approx", "about, around, some, estimated, roughly, ca.",
     "[v - h, v + h], h = half a unit of the last significant digit of v (1,500: 50; 1,122: 0.5); "
     "a stated lower or upper edge replaces its side",
     "[first - len, last + len], len = the window's length"},
    {STATS_AT_LEAST, "at_least", "at least, no fewer than, a minimum of", "[v, +inf)",
     "[first, +inf)"},
    {STATS_MORE_THAN, "more_than", "more than, over, exceeding", "(v, +inf)", "(last, +inf)"},
    {STATS_UP_TO, "up_to", "up to, at most, does not exceed", "(-inf, v]", "(-inf, last]"},
    {STATS_LESS_THAN, "less_than", "less than, fewer than, under", "(-inf, v)", "(-inf, first)"},
    {STATS_RANGE, "range", "between a and b, a-b, a to b", "[lower, upper]", "[first, last]"},
    {STATS_VAGUE, "vague", "dozens, hundreds, scores, many, a few hundred",
     "(-inf, +inf): never compared", "(-inf, +inf): never compared"},
    {STATS_ALMOST, "almost", "almost, nearly, close to (below the figure)",
     "(-inf, v]: the upper end only, not an 'about'", "(-inf, last]"},
};

const size_t stats_npolicy = sizeof stats_policy / sizeof stats_policy[0];

const struct stats_policy_row *stats_policy_of(enum stats_bound b)
{
    size_t i = (size_t)b;
    return i < stats_npolicy ? &stats_policy[i] : &stats_policy[STATS_VAGUE];
}

bool stats_bound_parse(const char *s, enum stats_bound *out)
{
    if (s == NULL)
        return false;
    for (size_t i = 0; i < stats_npolicy; i++) {
        if (strcmp(s, stats_policy[i].name) == 0) {
            if (out != NULL)
                *out = stats_policy[i].bound;
            return true;
        }
    }
    return false;
}

const char *stats_bound_name(enum stats_bound b)
{
    size_t i = (size_t)b;
    if (i >= stats_npolicy)
        return "unknown";
    return stats_policy[i].name;
}

double stats_half_unit(double v)
{
    double a = fabs(v);
    if (!isfinite(a))
        return NAN;
    if (a == 0.0)
        return 0.5;
    if (a == floor(a) && a < 1e15) {
        double unit = 1.0;
        while (fmod(a, unit * 10.0) == 0.0)
            unit *= 10.0;
        return unit / 2.0;
    }
    double scale = 1.0;
    for (int k = 1; k <= 6; k++) {
        scale *= 10.0;
        double x = a * scale;
        if (fabs(x - nearbyint(x)) < 1e-7 * fmax(1.0, x))
            return 0.5 / scale;
    }
    return 0.5 / scale;
}

static struct stats_interval S_make(double lo, bool lo_open, double hi, bool hi_open)
{
    struct stats_interval iv;
    iv.lo = lo;
    iv.hi = hi;
    /* Infinite ends are never included. */
    iv.lo_open = isinf(lo) ? true : lo_open;
    iv.hi_open = isinf(hi) ? true : hi_open;
    return iv;
}

static struct stats_interval S_unbounded(void)
{
    return S_make(-INFINITY, true, INFINITY, true);
}

/* [lower, upper] with a missing edge on its infinite side. */
static struct stats_interval S_edges(const struct stats_value *v)
{
    return S_make(v->has_lower ? v->lower : -INFINITY, false, v->has_upper ? v->upper : INFINITY,
                  false);
}

struct stats_interval stats_value_interval(const struct stats_value *v)
{
    if (v == NULL)
        return S_unbounded();
    switch (v->bound) {
    case STATS_EXACT:
        if (v->has_value)
            return S_make(v->value, false, v->value, false);
        return S_edges(v);
    case STATS_APPROX: {
        double lo = -INFINITY, hi = INFINITY;
        double d = v->has_value ? stats_half_unit(v->value) : 0.0;
        if (v->has_lower)
            lo = v->lower;
        else if (v->has_value)
            lo = v->value - d;
        if (v->has_upper)
            hi = v->upper;
        else if (v->has_value)
            hi = v->value + d;
        return S_make(lo, false, hi, false);
    }
    case STATS_AT_LEAST:
    case STATS_MORE_THAN: {
        bool open = v->bound == STATS_MORE_THAN;
        if (v->has_value)
            return S_make(v->value, open, INFINITY, true);
        if (v->has_lower)
            return S_make(v->lower, open, INFINITY, true);
        return S_unbounded();
    }
    case STATS_UP_TO:
    case STATS_ALMOST:
    case STATS_LESS_THAN: {
        bool open = v->bound == STATS_LESS_THAN;
        if (v->has_value)
            return S_make(-INFINITY, true, v->value, open);
        if (v->has_upper)
            return S_make(-INFINITY, true, v->upper, open);
        return S_unbounded();
    }
    case STATS_RANGE:
        return S_edges(v);
    case STATS_VAGUE:
    default:
        return S_unbounded();
    }
}

struct stats_interval stats_date_interval(enum stats_bound bound, int64_t first_day,
                                          int64_t last_day)
{
    /* Doubles hold every day count a real date produces exactly; no int64 overflow. */
    double first = (double)first_day;
    double last = (double)last_day;
    switch (bound) {
    case STATS_EXACT:
    case STATS_RANGE:
        return S_make(first, false, last, false);
    case STATS_APPROX: {
        double len = last - first + 1.0;
        return S_make(first - len, false, last + len, false);
    }
    case STATS_AT_LEAST:
        return S_make(first, false, INFINITY, true);
    case STATS_MORE_THAN:
        return S_make(last, true, INFINITY, true);
    case STATS_UP_TO:
    case STATS_ALMOST:
        return S_make(-INFINITY, true, last, false);
    case STATS_LESS_THAN:
        return S_make(-INFINITY, true, first, true);
    case STATS_VAGUE:
    default:
        return S_unbounded();
    }
}

bool stats_overlap(const struct stats_interval *a, const struct stats_interval *b)
{
    double lo, hi;
    bool lo_open, hi_open;
    if (a == NULL || b == NULL)
        return false;
    if (isnan(a->lo) || isnan(a->hi) || isnan(b->lo) || isnan(b->hi))
        return false;
    /* The intersection: highest lower edge, lowest upper edge; on a tie open wins. */
    if (a->lo > b->lo) {
        lo = a->lo;
        lo_open = a->lo_open;
    } else if (b->lo > a->lo) {
        lo = b->lo;
        lo_open = b->lo_open;
    } else {
        lo = a->lo;
        lo_open = a->lo_open || b->lo_open;
    }
    if (a->hi < b->hi) {
        hi = a->hi;
        hi_open = a->hi_open;
    } else if (b->hi < a->hi) {
        hi = b->hi;
        hi_open = b->hi_open;
    } else {
        hi = a->hi;
        hi_open = a->hi_open || b->hi_open;
    }
    if (lo < hi)
        return true;
    if (lo > hi)
        return false;
    /* A single point: it must be finite and included by both edges. */
    return !isinf(lo) && !lo_open && !hi_open;
}

bool stats_windows_overlap(const struct stats_window *a, const struct stats_window *b)
{
    if (a == NULL || b == NULL || !a->has_time || !b->has_time)
        return true;
    return a->start <= b->end && b->start <= a->end;
}

bool stats_disagree(const struct stats_window *wa, const struct stats_interval *va,
                    const struct stats_window *wb, const struct stats_interval *vb)
{
    if (va == NULL || vb == NULL)
        return false;
    return stats_windows_overlap(wa, wb) && !stats_overlap(va, vb);
}

static int S_cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa;
    double b = *(const double *)pb;
    return (a > b) - (a < b);
}

static bool S_is_point(const struct stats_obs *o)
{
    return o->has_point && !isnan(o->point);
}

bool stats_summarize(const struct stats_obs *obs, size_t n, double *scratch,
                     struct stats_summary *out)
{
    struct stats_summary s;
    bool have_min = false, have_max = false;
    size_t k = 0;

    if (out == NULL || (obs == NULL && n > 0))
        return false;
    s.n = n;
    s.n_points = 0;
    s.min = NAN;
    s.min_open = false;
    s.max = NAN;
    s.max_open = false;
    s.median = NAN;
    s.spread = NAN;
    s.point_min = NAN;
    s.point_max = NAN;
    s.latest = SIZE_MAX;

    for (size_t i = 0; i < n; i++) {
        const struct stats_obs *o = &obs[i];
        if (!isnan(o->iv.lo)) {
            if (!have_min || o->iv.lo < s.min) {
                s.min = o->iv.lo;
                s.min_open = o->iv.lo_open;
                have_min = true;
            } else if (o->iv.lo <= s.min && !o->iv.lo_open) {
                s.min_open = false; /* same edge: closed wins */
            }
        }
        if (!isnan(o->iv.hi)) {
            if (!have_max || o->iv.hi > s.max) {
                s.max = o->iv.hi;
                s.max_open = o->iv.hi_open;
                have_max = true;
            } else if (o->iv.hi >= s.max && !o->iv.hi_open) {
                s.max_open = false;
            }
        }
        if (S_is_point(o)) {
            if (s.n_points == 0 || o->point < s.point_min)
                s.point_min = o->point;
            if (s.n_points == 0 || o->point > s.point_max)
                s.point_max = o->point;
            s.n_points++;
        }
        if (o->when.has_time && (s.latest == SIZE_MAX || o->when.end >= obs[s.latest].when.end))
            s.latest = i;
    }

    if (s.n_points > 0)
        s.spread = s.point_max - s.point_min;

    if (s.n_points > 0 && scratch == NULL) {
        *out = s;
        return false;
    }
    if (s.n_points > 0) {
        for (size_t i = 0; i < n; i++) {
            if (S_is_point(&obs[i]))
                scratch[k++] = obs[i].point;
        }
        qsort(scratch, k, sizeof scratch[0], S_cmp_double);
        if (k % 2 == 1)
            s.median = scratch[k / 2];
        else
            s.median = scratch[k / 2 - 1] / 2.0 + scratch[k / 2] / 2.0;
    }
    *out = s;
    return true;
}
