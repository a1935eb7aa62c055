/* Why two observations disagree, in words (stat_reason), and days as ISO dates. */
#include "statistic_analysis.h"
#include "statistic_internal.h"

#include "pdate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text ---- */

/* Civil date from days since 1970-01-01 (proleptic Gregorian). */
static void S_civil(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

static void S_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void stat_day_iso(int64_t day, char *out, size_t n)
{
    int y, m, d;
    if (n < 11) {
        if (n)
            out[0] = '\0';
        return;
    }
    S_civil(day, &y, &m, &d);
    if (y < 0 || y > 9999)
        y = y < 0 ? 0 : 9999; /* never from a real date */
    S_digits(out, y, 4);
    out[4] = '-';
    S_digits(out + 5, m, 2);
    out[7] = '-';
    S_digits(out + 8, d, 2);
    out[10] = '\0';
}

/* The coarsest partial date that starts (or ends) exactly at day. */
static void S_edge(struct buf *out, int64_t day, bool is_end)
{
    int y, m, d;
    S_civil(day, &y, &m, &d);
    if (is_end) {
        int ny, nm, nd;
        S_civil(day + 1, &ny, &nm, &nd);
        if (ny != y)
            buf_printf(out, "%04d", y);
        else if (nm != m)
            buf_printf(out, "%04d-%02d", y, m);
        else
            buf_printf(out, "%04d-%02d-%02d", y, m, d);
    } else {
        if (m == 1 && d == 1)
            buf_printf(out, "%04d", y);
        else if (d == 1)
            buf_printf(out, "%04d-%02d", y, m);
        else
            buf_printf(out, "%04d-%02d-%02d", y, m, d);
    }
}

/* A span of days as a partial date when it is one ("2019", "2019-03"), else "a..b". */
static void S_span(struct buf *out, int64_t first, int64_t last)
{
    int y0, m0, d0, y1, m1, d1, ny, nm, nd;
    S_civil(first, &y0, &m0, &d0);
    S_civil(last, &y1, &m1, &d1);
    S_civil(last + 1, &ny, &nm, &nd);
    if (first == last) {
        buf_printf(out, "%04d-%02d-%02d", y0, m0, d0);
    } else if (y0 == y1 && m0 == 1 && d0 == 1 && ny == y1 + 1) {
        buf_printf(out, "%04d", y0);
    } else if (y0 == y1 && m0 == m1 && d0 == 1 && nm != m1) {
        buf_printf(out, "%04d-%02d", y0, m0);
    } else {
        S_edge(out, first, false);
        buf_puts(out, "..");
        S_edge(out, last, true);
    }
}

static void S_num_edge(struct buf *out, double v, bool is_date)
{
    char iso[16];
    if (isinf(v)) {
        buf_puts(out, v < 0 ? "-inf" : "+inf");
    } else if (is_date) {
        stat_day_iso((int64_t)v, iso, sizeof iso);
        buf_puts(out, iso);
    } else {
        buf_double(out, v);
    }
}

static void S_interval(struct buf *out, const struct stat_obs *o)
{
    const struct stats_interval *iv = &o->iv;
    bool closed = !iv->lo_open && !iv->hi_open && isfinite(iv->lo) && isfinite(iv->hi);
    if (closed && o->is_date) {
        S_span(out, (int64_t)iv->lo, (int64_t)iv->hi);
        return;
    }
    if (closed && iv->lo == iv->hi) {
        buf_double(out, iv->lo);
        return;
    }
    buf_putc(out, iv->lo_open ? '(' : '[');
    S_num_edge(out, iv->lo, o->is_date);
    buf_puts(out, ", ");
    S_num_edge(out, iv->hi, o->is_date);
    buf_putc(out, iv->hi_open ? ')' : ']');
}

void stat_reason(const struct stat_obs *a, const struct stat_obs *b, struct buf *out)
{
    const struct stats_window *wa = &a->when, *wb = &b->when;
    if (a->r.one_per_subject) {
        buf_puts(out, "one true value per subject (compared whatever their dates)");
    } else if (!wa->has_time && !wb->has_time) {
        buf_puts(out, "both undated (apply at all times)");
    } else {
        int64_t s = wa->has_time ? wa->start : wb->start;
        int64_t e = wa->has_time ? wa->end : wb->end;
        if (wb->has_time && wb->start > s)
            s = wb->start;
        if (wb->has_time && wb->end < e)
            e = wb->end;
        buf_puts(out, "windows overlap (");
        S_span(out, s, e);
        if (!wa->has_time || !wb->has_time) {
            buf_puts(out, "; ");
            buf_puts(out, !wa->has_time ? a->r.id : b->r.id);
            buf_puts(out, " is undated");
        }
        buf_putc(out, ')');
    }
    buf_puts(out, " and ");
    S_interval(out, a);
    buf_puts(out, " does not overlap ");
    S_interval(out, b);
}
