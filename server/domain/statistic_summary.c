/* Summaries of a metric's observations and the series they form (statistic_analysis.h). */
#include "statistic_analysis.h"
#include "statistic_internal.h"

#include "pdate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LESS_VAL(a, b) (*(a) < *(b))

STAT_DEFINE_SORT(S_sort_i64, int64_t, S_LESS_VAL)

/* ---- summary ---- */

/* Distinct values among v[0..n) (sorts v; tmp holds n). */
static size_t S_distinct_i64(int64_t *v, int64_t *tmp, size_t n)
{
    size_t k = 0;
    S_sort_i64(v, tmp, n);
    for (size_t i = 0; i < n; i++)
        k += i == 0 || v[i - 1] != v[i];
    return k;
}

void stat_summary_free(struct stat_summary *sum)
{
    free(sum->used);
    sum->used = NULL;
    sum->nused = 0;
}

enum app_status stat_summarize(const struct stat_set *s, struct stat_summary *out)
{
    enum app_status st = APP_OK;
    struct stats_obs *obs = NULL;
    double *scratch = NULL;
    const char **strs = NULL;
    int64_t *seqs = NULL;
    size_t n = s->n ? s->n : 1;

    memset(out, 0, sizeof *out);
    out->lowest = out->highest = SIZE_MAX;
    out->claims = s->n;
    out->is_date = s->n > 0 && s->v[0].is_date;
    out->used = malloc(n * sizeof *out->used);
    obs = malloc(n * sizeof *obs);
    scratch = malloc(n * sizeof *scratch);
    strs = malloc(n * sizeof *strs);
    seqs = malloc(2 * n * sizeof *seqs); /* values, then merge room */
    if (out->used == NULL || obs == NULL || scratch == NULL || strs == NULL || seqs == NULL) {
        st = APP_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < s->n; i++) {
        const struct stat_obs *o = &s->v[i];
        if (!o->comparable)
            continue;
        struct stats_obs *x = &obs[out->nused];
        x->iv = o->iv;
        x->has_point = o->has_point;
        x->point = o->point;
        x->when = o->when;
        out->used[out->nused++] = i;
    }
    for (size_t i = 0; i < s->n; i++) {
        const struct stat_obs *o = &s->v[i];
        if (!o->has_figure)
            continue;
        if (out->lowest == SIZE_MAX || o->fig_lo < s->v[out->lowest].fig_lo)
            out->lowest = i;
        if (out->highest == SIZE_MAX || o->fig_hi > s->v[out->highest].fig_hi)
            out->highest = i;
    }
    if (!stats_summarize(obs, out->nused, scratch, &out->s)) {
        st = APP_ENOMEM;
        goto done;
    }
    /* One source per seq and seq per source: distinct seqs are distinct ids. */
    for (size_t i = 0; i < s->n; i++)
        seqs[i] = s->v[i].r.source_seq;
    out->sources = S_distinct_i64(seqs, seqs + s->n, s->n);
    for (size_t i = 0; i < s->n; i++)
        strs[i] = s->v[i].r.claimant;
    st = stat_rank(strs, s->n, NULL, &out->claimants);
done:
    free(obs);
    free(scratch);
    free(strs);
    free(seqs);
    if (st != APP_OK)
        stat_summary_free(out);
    return st;
}

/* ---- series ---- */

struct S_member {
    uint32_t place, subject, scope; /* stat_rank() ranks */
    size_t pos;                     /* index in the set */
};

static int S_cmp_member(const void *pa, const void *pb)
{
    const struct S_member *a = pa, *b = pb;
    if (a->place != b->place)
        return a->place < b->place ? -1 : 1;
    if (a->subject != b->subject)
        return a->subject < b->subject ? -1 : 1;
    if (a->scope != b->scope)
        return a->scope < b->scope ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Point figures of idx[0..n), sorted, as (value, set index) pairs. */
struct S_point {
    double v;
    size_t i;
};

static int S_cmp_point(const void *pa, const void *pb)
{
    const struct S_point *a = pa, *b = pb;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

const char *stat_median_exclusion(const struct stat_obs *o, char *out, size_t n)
{
    const char *b = o->r.bound ? o->r.bound : "none";
    const char *why = NULL;
    if (o->has_point)
        return NULL;
    if (!o->has_figure)
        why = "states no figure (vague or unusable)";
    else if (!strcmp(b, "at_least") || !strcmp(b, "more_than"))
        why = "is a lower end only, not a point figure";
    else if (!strcmp(b, "up_to") || !strcmp(b, "less_than") || !strcmp(b, "almost"))
        why = "is an upper end only, not a point figure";
    else if (!strcmp(b, "range"))
        why = "is a range, not a point figure";
    else
        why = "is not a point figure";
    snprintf(out, n, "bound %s %s", b, why);
    return out;
}

/* Fills the figures, counts, median and windows of a series whose idx is set. */
static enum app_status S_series_fill(const struct stat_set *s, struct stat_series *x)
{
    enum app_status st = APP_OK;
    struct S_point *pts = malloc((x->n ? x->n : 1) * sizeof *pts);
    const char **names = malloc((x->n ? x->n : 1) * sizeof *names);
    x->median_over = malloc((x->n ? x->n : 1) * sizeof *x->median_over);
    x->win = malloc((x->n ? x->n : 1) * sizeof *x->win);
    if (pts == NULL || names == NULL || x->median_over == NULL || x->win == NULL) {
        st = APP_ENOMEM;
        goto out;
    }
    x->lowest = x->highest = x->latest = SIZE_MAX;
    size_t np = 0, nn = 0, ni = 0;
    for (size_t k = 0; k < x->n; k++) {
        size_t i = x->idx[k];
        const struct stat_obs *o = &s->v[i];
        if (o->has_figure) {
            if (x->lowest == SIZE_MAX || o->fig_lo < s->v[x->lowest].fig_lo)
                x->lowest = i;
            if (x->highest == SIZE_MAX || o->fig_hi > s->v[x->highest].fig_hi)
                x->highest = i;
        }
        if (o->comparable) {
            x->unbounded_below = x->unbounded_below || isinf(o->iv.lo);
            x->unbounded_above = x->unbounded_above || isinf(o->iv.hi);
        }
        if (o->when.has_time && o->has_figure &&
            (x->latest == SIZE_MAX || o->when.end > s->v[x->latest].when.end ||
             (o->when.end == s->v[x->latest].when.end &&
              o->when.start > s->v[x->latest].when.start)))
            x->latest = i;
        if (o->has_point) {
            pts[np].v = o->point;
            pts[np++].i = i;
        }
        names[nn++] = o->r.claimant;
    }
    qsort(pts, np, sizeof *pts, S_cmp_point);
    x->n_over = np;
    for (size_t k = 0; k < np; k++)
        x->median_over[k] = pts[k].i;
    x->has_median = np > 0;
    if (np > 0)
        x->median = np % 2 ? pts[np / 2].v : (pts[np / 2 - 1].v + pts[np / 2].v) / 2.0;
    if ((st = stat_rank(names, nn, NULL, &x->claimants)) != APP_OK)
        goto out;
    /* Independent: the claims that repeat no other claim of the series. */
    for (size_t k = 0; k < x->n; k++) {
        const struct stat_obs *o = &s->v[x->idx[k]];
        bool repeats = false;
        for (size_t j = 0; o->r.repeats_seq != 0 && j < x->n && !repeats; j++)
            repeats = s->v[x->idx[j]].r.seq == o->r.repeats_seq;
        if (!repeats)
            names[ni++] = o->r.claimant;
    }
    if ((st = stat_rank(names, ni, NULL, &x->independent)) != APP_OK)
        goto out;
    /* Windows: claims with the same window; dated first (by start, end), undated last. */
    x->nwin = 0;
    for (size_t k = 0; k < x->n; k++) {
        const struct stat_obs *o = &s->v[x->idx[k]];
        size_t w = 0;
        while (w < x->nwin && !(x->win[w].has_time == o->when.has_time &&
                                (!o->when.has_time || (x->win[w].start == o->when.start &&
                                                       x->win[w].end == o->when.end))))
            w++;
        if (w == x->nwin) {
            struct stat_window_env e = {o->when.has_time, o->when.start, o->when.end, 0,
                                        SIZE_MAX,         SIZE_MAX,      SIZE_MAX};
            x->win[x->nwin++] = e;
        }
        struct stat_window_env *e = &x->win[w];
        e->n++;
        size_t i = x->idx[k];
        if (o->has_figure) {
            if (e->low == SIZE_MAX || o->fig_lo < s->v[e->low].fig_lo)
                e->low = i;
            if (e->high == SIZE_MAX || o->fig_hi > s->v[e->high].fig_hi)
                e->high = i;
        }
    }
    for (size_t w = 0; w < x->nwin; w++) {
        struct stat_window_env *e = &x->win[w];
        size_t m = 0;
        for (size_t k = 0; k < np; k++) {
            const struct stat_obs *o = &s->v[pts[k].i];
            if (o->when.has_time == e->has_time &&
                (!e->has_time || (o->when.start == e->start && o->when.end == e->end)))
                pts[m++] = pts[k]; /* pts stays sorted; the series median is taken already */
        }
        if (m > 0)
            e->best = pts[(m - 1) / 2].i;
        /* restore the series' points for the next window */
        np = 0;
        for (size_t k = 0; k < x->n_over; k++) {
            pts[np].i = x->median_over[k];
            pts[np++].v = s->v[x->median_over[k]].point;
        }
    }
    /* Sort windows: dated by (start, end), undated last (insertion sort: few windows). */
    for (size_t a = 1; a < x->nwin; a++) {
        struct stat_window_env t = x->win[a];
        size_t b = a;
        while (b > 0) {
            const struct stat_window_env *p = &x->win[b - 1];
            bool after = !p->has_time && t.has_time;
            bool later = p->has_time && t.has_time &&
                         (p->start > t.start || (p->start == t.start && p->end > t.end));
            if (!after && !later)
                break;
            x->win[b] = x->win[b - 1];
            b--;
        }
        x->win[b] = t;
    }
out:
    free(pts);
    free(names);
    return st;
}

void stat_series_free(struct stat_series_set *ss)
{
    for (size_t i = 0; i < ss->n; i++) {
        free(ss->v[i].idx);
        free(ss->v[i].median_over);
        free(ss->v[i].win);
    }
    free(ss->v);
    ss->v = NULL;
    ss->n = 0;
}

enum app_status stat_series_build(const struct stat_set *s, struct stat_series_set *out)
{
    enum app_status st = APP_OK;
    size_t n = s->n ? s->n : 1;
    const char **strs = malloc(n * sizeof *strs);
    uint32_t *rank = malloc(3 * n * sizeof *rank);
    struct S_member *m = malloc(n * sizeof *m);
    size_t distinct = 0;
    out->v = NULL;
    out->n = 0;
    if (strs == NULL || rank == NULL || m == NULL) {
        st = APP_ENOMEM;
        goto out;
    }
    /* A claim with a subject and no place is about that subject wherever it is: it joins
     * the subject's claims at a place (stat_same_context()'s reading). */
    for (size_t i = 0; i < s->n; i++) {
        const struct stat_claim_row *r = &s->v[i].r;
        strs[i] = r->place_id;
        for (size_t j = 0; r->place_id == NULL && r->subject_id != NULL && j < s->n; j++) {
            const struct stat_claim_row *q = &s->v[j].r;
            if (q->place_id != NULL && q->subject_id != NULL &&
                strcmp(q->subject_id, r->subject_id) == 0 &&
                stat_strcmp0(q->scope, r->scope) == 0) {
                strs[i] = q->place_id;
                break;
            }
        }
    }
    if ((st = stat_rank(strs, s->n, rank, &distinct)) != APP_OK)
        goto out;
    for (size_t i = 0; i < s->n; i++)
        strs[i] = s->v[i].r.subject_id;
    if ((st = stat_rank(strs, s->n, rank + n, &distinct)) != APP_OK)
        goto out;
    for (size_t i = 0; i < s->n; i++)
        strs[i] = s->v[i].r.scope;
    if ((st = stat_rank(strs, s->n, rank + 2 * n, &distinct)) != APP_OK)
        goto out;
    for (size_t i = 0; i < s->n; i++) {
        m[i].place = rank[i];
        m[i].subject = rank[n + i];
        m[i].scope = rank[2 * n + i];
        m[i].pos = i;
    }
    qsort(m, s->n, sizeof *m, S_cmp_member);
    size_t groups = 0;
    for (size_t i = 0; i < s->n; i++)
        groups += i == 0 || S_cmp_member(&(struct S_member){m[i - 1].place, m[i - 1].subject,
                                                            m[i - 1].scope, m[i].pos},
                                         &m[i]) != 0;
    out->v = calloc(groups ? groups : 1, sizeof *out->v);
    if (out->v == NULL) {
        st = APP_ENOMEM;
        goto out;
    }
    for (size_t g = 0; g < s->n;) {
        size_t e = g;
        while (e < s->n && m[e].place == m[g].place && m[e].subject == m[g].subject &&
               m[e].scope == m[g].scope)
            e++;
        struct stat_series *x = &out->v[out->n++];
        x->idx = malloc((e - g) * sizeof *x->idx);
        if (x->idx == NULL) {
            st = APP_ENOMEM;
            goto out;
        }
        for (size_t k = g; k < e; k++)
            x->idx[x->n++] = m[k].pos; /* positions ascend within a group: timeline order */
        const struct stat_obs *first = &s->v[x->idx[0]];
        x->place = first->r.place_id;
        for (size_t k = 0; x->place == NULL && k < x->n; k++)
            x->place = s->v[x->idx[k]].r.place_id;
        x->subject = first->r.subject_id;
        x->subject_is_program = first->r.subject_is_program;
        x->scope = first->r.scope;
        if ((st = S_series_fill(s, x)) != APP_OK)
            goto out;
        g = e;
    }
    /* Series in order of their first claim on the timeline. */
    for (size_t a = 1; a < out->n; a++) {
        struct stat_series t = out->v[a];
        size_t b = a;
        while (b > 0 && out->v[b - 1].idx[0] > t.idx[0]) {
            out->v[b] = out->v[b - 1];
            b--;
        }
        out->v[b] = t;
    }
out:
    free(strs);
    free(rank);
    free(m);
    if (st != APP_OK)
        stat_series_free(out);
    return st;
}
