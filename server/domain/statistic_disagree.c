/* Disagreements: the pairs of comparable observations that contradict each other, by the
 * cheaper of two exact sweeps per metric (statistic_analysis.h). */
#include "statistic_analysis.h"
#include "statistic_internal.h"

#include "pdate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- finding disagreements ---- */

void stat_pairs_init(struct stat_pairs *p)
{
    p->v = NULL;
    p->n = 0;
    p->cap = 0;
    p->truncated = false;
}

void stat_pairs_free(struct stat_pairs *p)
{
    free(p->v);
    stat_pairs_init(p);
}

/* One candidate of a sweep. */
struct S_ent {
    size_t idx;
    int side;           /* 0, or 1 for the second cell of a cross comparison */
    int64_t start, end; /* window; undated spans everything */
    double lo, hi;      /* value interval edges */
    const struct stat_obs *o;
};

struct S_find {
    const struct stat_set *s;
    stat_pair_pred pred;
    void *pctx;
    size_t per_metric, total;
    size_t metric_count;
    bool stop_metric, stop_all;
    enum app_status st;
    struct stat_pairs *out;
};

static bool S_stopped(const struct S_find *F)
{
    return F->stop_metric || F->stop_all || F->st != APP_OK;
}

static void S_emit(struct S_find *F, const struct S_ent *x, const struct S_ent *y)
{
    size_t a = x->idx, b = y->idx;
    if (F->s->v[a].r.seq > F->s->v[b].r.seq) {
        size_t t = a;
        a = b;
        b = t;
    }
    if (F->pred && !F->pred(F->pctx, &F->s->v[a], &F->s->v[b]))
        return;
    if (F->per_metric && F->metric_count >= F->per_metric) {
        F->out->truncated = true;
        F->stop_metric = true;
        return;
    }
    if (F->total && F->out->n >= F->total) {
        F->out->truncated = true;
        F->stop_all = true;
        return;
    }
    struct stat_pairs *p = F->out;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        struct stat_pair *v = realloc(p->v, cap * sizeof *v);
        if (v == NULL) {
            F->st = APP_ENOMEM;
            return;
        }
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n].a = a;
    p->v[p->n].b = b;
    p->n++;
    F->metric_count++;
}

static bool S_check(const struct S_ent *x, const struct S_ent *y)
{
    return stat_same_periods(x->o, y->o) &&
           stats_disagree(&x->o->when, &x->o->iv, &y->o->when, &y->o->iv);
}

#define S_LESS_START(a, b) \
    ((a)->start != (b)->start ? (a)->start < (b)->start : (a)->o->r.seq < (b)->o->r.seq)
#define S_LESS_HI(a, b)  ((a)->hi != (b)->hi ? (a)->hi < (b)->hi : (a)->o->r.seq < (b)->o->r.seq)
#define S_LESS_VAL(a, b) (*(a) < *(b))

STAT_DEFINE_SORT(S_sort_start, struct S_ent, S_LESS_START)
STAT_DEFINE_SORT(S_sort_hi, struct S_ent, S_LESS_HI)
STAT_DEFINE_SORT(S_sort_i64, int64_t, S_LESS_VAL)
STAT_DEFINE_SORT(S_sort_dbl, double, S_LESS_VAL)

/* Number of sorted values v[0..n) below x (strict) or at most x. */
static size_t S_count_i64_below(const int64_t *v, size_t n, int64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t S_count_dbl_atmost(const double *v, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * Candidate pairs of each sweep: the time sweep visits every pair whose
 * windows overlap, the value sweep every pair whose intervals may be
 * disjoint (one's upper edge at most the other's lower edge).
 */
static enum app_status S_estimate(const struct S_ent *e, size_t m, double *by_time,
                                  double *by_value)
{
    int64_t *ends = malloc(m * sizeof *ends);
    double *his = malloc(m * sizeof *his);
    int64_t *ends_tmp = malloc(m * sizeof *ends_tmp);
    double *his_tmp = malloc(m * sizeof *his_tmp);
    double disjoint = 0.0, cand = 0.0;
    if (ends == NULL || his == NULL || ends_tmp == NULL || his_tmp == NULL) {
        free(ends);
        free(his);
        free(ends_tmp);
        free(his_tmp);
        return APP_ENOMEM;
    }
    for (size_t i = 0; i < m; i++) {
        ends[i] = e[i].end;
        his[i] = e[i].hi;
    }
    S_sort_i64(ends, ends_tmp, m);
    S_sort_dbl(his, his_tmp, m);
    free(ends_tmp);
    free(his_tmp);
    for (size_t i = 0; i < m; i++) {
        disjoint += (double)S_count_i64_below(ends, m, e[i].start);
        cand += (double)S_count_dbl_atmost(his, m, e[i].lo);
    }
    *by_time = (double)m * (double)(m - 1) / 2.0 - disjoint;
    *by_value = cand;
    free(ends);
    free(his);
    return APP_OK;
}

/* Sweep in order of window start, comparing with the windows still open. */
static void S_sweep_time(struct S_find *F, struct S_ent *e, size_t m, bool cross)
{
    struct S_ent **active = malloc(m * sizeof *active);
    struct S_ent *tmp = malloc(m * sizeof *tmp);
    size_t na = 0;
    if (active == NULL || tmp == NULL) {
        free(active);
        free(tmp);
        F->st = APP_ENOMEM;
        return;
    }
    S_sort_start(e, tmp, m);
    free(tmp);
    for (size_t i = 0; i < m && !S_stopped(F); i++) {
        struct S_ent *x = &e[i];
        size_t k = 0;
        for (size_t j = 0; j < na; j++) {
            if (active[j]->end >= x->start)
                active[k++] = active[j];
        }
        na = k;
        for (size_t j = 0; j < na && !S_stopped(F); j++) {
            const struct S_ent *y = active[j];
            if (cross && y->side == x->side)
                continue;
            if (S_check(x, y))
                S_emit(F, x, y);
        }
        active[na++] = x;
    }
    free(active);
}

/* For each claim, the claims whose upper edge is at most its lower edge. */
static void S_sweep_value(struct S_find *F, const struct S_ent *e, size_t m, bool cross)
{
    struct S_ent *h = malloc(m * sizeof *h);
    struct S_ent *tmp = malloc(m * sizeof *tmp);
    double *his = malloc(m * sizeof *his);
    if (h == NULL || tmp == NULL || his == NULL) {
        free(h);
        free(tmp);
        free(his);
        F->st = APP_ENOMEM;
        return;
    }
    memcpy(h, e, m * sizeof *h);
    S_sort_hi(h, tmp, m);
    free(tmp);
    for (size_t i = 0; i < m; i++)
        his[i] = h[i].hi;
    for (size_t i = 0; i < m && !S_stopped(F); i++) {
        const struct S_ent *x = &e[i];
        size_t k = S_count_dbl_atmost(his, m, x->lo);
        for (size_t j = 0; j < k && !S_stopped(F); j++) {
            const struct S_ent *y = &h[j];
            if (y->idx == x->idx || (cross && y->side == x->side))
                continue;
            /* Both edges touching: the pair is seen from both sides; keep one. */
            if (x->hi <= y->lo && x->o->r.seq < y->o->r.seq)
                continue;
            if (S_check(x, y))
                S_emit(F, x, y);
        }
    }
    free(h);
    free(his);
}

static void S_fill(struct S_ent *e, const struct stat_set *s, size_t idx, int side)
{
    const struct stat_obs *o = &s->v[idx];
    e->idx = idx;
    e->side = side;
    e->o = o;
    e->start = o->when.has_time ? o->when.start : INT64_MIN;
    e->end = o->when.has_time ? o->when.end : INT64_MAX;
    e->lo = o->iv.lo;
    e->hi = o->iv.hi;
}

/* Pairs within one cell (b == NULL) or across two compatible cells. */
static void S_pairs(struct S_find *F, const size_t *a, size_t na, const size_t *b, size_t nb)
{
    size_t m = na + nb;
    if (m < 2 || S_stopped(F) || (b != NULL && (na == 0 || nb == 0)))
        return;
    struct S_ent *e = malloc(m * sizeof *e);
    if (e == NULL) {
        F->st = APP_ENOMEM;
        return;
    }
    for (size_t i = 0; i < na; i++)
        S_fill(&e[i], F->s, a[i], 0);
    for (size_t i = 0; i < nb; i++)
        S_fill(&e[na + i], F->s, b[i], 1);
    double by_time = 0.0, by_value = 0.0;
    enum app_status st = S_estimate(e, m, &by_time, &by_value);
    if (st != APP_OK)
        F->st = st;
    else if (by_time <= by_value)
        S_sweep_time(F, e, m, b != NULL);
    else
        S_sweep_value(F, e, m, b != NULL);
    free(e);
}

/*
 * Sort key of a comparable observation: metric, place, subject, seq, with the
 * place and subject ids as their ranks (stat_rank(): the same order as comparing
 * the strings, NULL first).
 */
struct S_key {
    int64_t metric, seq;
    uint32_t place, subject;
    size_t idx; /* into the set */
};

#define S_LESS_KEY(a, b)                                          \
    ((a)->metric != (b)->metric     ? (a)->metric < (b)->metric   \
     : (a)->place != (b)->place     ? (a)->place < (b)->place     \
     : (a)->subject != (b)->subject ? (a)->subject < (b)->subject \
                                    : (a)->seq < (b)->seq)

STAT_DEFINE_SORT(S_sort_key, struct S_key, S_LESS_KEY)

struct S_cell {
    size_t first, n;         /* range of the sorted index array */
    uint32_t place, subject; /* ranks; 0: none */
    bool program;
};

/* The cell (place, subject) among cells[0..n) sorted by place then subject; NULL if none. */
static const struct S_cell *S_find_cell(const struct S_cell *cells, size_t n, uint32_t place,
                                        uint32_t subject)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct S_cell *c = &cells[mid];
        if (c->place == place && c->subject == subject)
            return c;
        if (c->place < place || (c->place == place && c->subject < subject))
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int S_cmp_pair_ctx_seq(const struct stat_set *s, const struct stat_pair *x,
                              const struct stat_pair *y)
{
    const struct stat_obs *xa = &s->v[x->a], *ya = &s->v[y->a];
    if (xa->r.metric_seq != ya->r.metric_seq)
        return xa->r.metric_seq < ya->r.metric_seq ? -1 : 1;
    if (xa->r.seq != ya->r.seq)
        return xa->r.seq < ya->r.seq ? -1 : 1;
    int64_t xb = s->v[x->b].r.seq, yb = s->v[y->b].r.seq;
    return (xb > yb) - (xb < yb);
}

/* Merge sort of pairs (qsort has no context argument in C17). */
static void S_sort_pairs(const struct stat_set *s, struct stat_pair *v, struct stat_pair *tmp,
                         size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    S_sort_pairs(s, v, tmp, h);
    S_sort_pairs(s, v + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = S_cmp_pair_ctx_seq(s, &v[j], &v[i]) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

/* Runs the cell comparisons of one metric: keys[0..n), idx[0..n) their set indexes. */
static enum app_status S_metric(struct S_find *F, const struct S_key *keys, const size_t *idx,
                                size_t n)
{
    struct S_cell *cells = malloc(n * sizeof *cells);
    size_t nc = 0;
    if (cells == NULL)
        return APP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct S_key *k = &keys[i];
        if (nc == 0 || cells[nc - 1].place != k->place || cells[nc - 1].subject != k->subject) {
            cells[nc].first = i;
            cells[nc].n = 0;
            cells[nc].place = k->place;
            cells[nc].subject = k->subject;
            cells[nc].program = F->s->v[k->idx].r.subject_is_program;
            nc++;
        }
        cells[nc - 1].n++;
    }
    for (size_t c = 0; c < nc && !S_stopped(F); c++) {
        const struct S_cell *cell = &cells[c];
        S_pairs(F, idx + cell->first, cell->n, NULL, 0);
        const struct S_cell *other = NULL;
        if (cell->subject != 0 && cell->program)
            other = S_find_cell(cells, nc, cell->place, 0);
        if (other)
            S_pairs(F, idx + cell->first, cell->n, idx + other->first, other->n);
        other = NULL;
        if (cell->place != 0 && cell->subject != 0)
            other = S_find_cell(cells, nc, 0, cell->subject);
        if (other)
            S_pairs(F, idx + cell->first, cell->n, idx + other->first, other->n);
    }
    free(cells);
    return F->st;
}

/* The sort keys of the comparable observations of s (*m of them), sorted. */
static enum app_status S_keys(const struct stat_set *s, struct S_key *keys, size_t *m)
{
    const char **strs = calloc(s->n, sizeof *strs);
    uint32_t *rank = malloc(s->n * sizeof *rank);
    struct S_key *tmp = malloc(s->n * sizeof *tmp);
    size_t n = 0, distinct = 0;
    enum app_status st = APP_OK;
    if (strs == NULL || rank == NULL || tmp == NULL) {
        st = APP_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].comparable) {
            keys[n].idx = i;
            keys[n].metric = s->v[i].r.metric_seq;
            keys[n].seq = s->v[i].r.seq;
            n++;
        }
    }
    for (size_t i = 0; i < n; i++)
        strs[i] = s->v[keys[i].idx].r.place_id;
    st = stat_rank(strs, n, rank, &distinct);
    if (st != APP_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        keys[i].place = rank[i];
        strs[i] = s->v[keys[i].idx].r.subject_id;
    }
    st = stat_rank(strs, n, rank, &distinct);
    if (st != APP_OK)
        goto out;
    for (size_t i = 0; i < n; i++)
        keys[i].subject = rank[i];
    S_sort_key(keys, tmp, n);
    *m = n;
out:
    free(strs);
    free(rank);
    free(tmp);
    return st;
}

enum app_status stat_find_disagreements(const struct stat_set *s, size_t per_metric, size_t total,
                                        stat_pair_pred pred, void *pctx, struct stat_pairs *out)
{
    enum app_status st = APP_OK;
    struct S_key *keys = NULL;
    size_t *idx = NULL;
    size_t m = 0;
    struct S_find F = {.s = s,
                       .pred = pred,
                       .pctx = pctx,
                       .per_metric = per_metric,
                       .total = total,
                       .st = APP_OK,
                       .out = out};

    out->n = 0;
    out->truncated = false;
    if (s->n == 0)
        goto done;
    keys = malloc(s->n * sizeof *keys);
    idx = malloc(s->n * sizeof *idx);
    if (keys == NULL || idx == NULL) {
        st = APP_ENOMEM;
        goto done;
    }
    st = S_keys(s, keys, &m);
    for (size_t i = 0; i < m; i++)
        idx[i] = keys[i].idx;
    for (size_t g = 0; g < m && st == APP_OK && !F.stop_all;) {
        size_t end = g;
        while (end < m && keys[end].metric == keys[g].metric)
            end++;
        F.metric_count = 0;
        F.stop_metric = false;
        st = S_metric(&F, keys + g, idx + g, end - g);
        g = end;
    }
    if (st == APP_OK && out->n > 1) {
        struct stat_pair *tmp = malloc(out->n * sizeof *tmp);
        if (tmp == NULL)
            st = APP_ENOMEM;
        else
            S_sort_pairs(s, out->v, tmp, out->n);
        free(tmp);
    }
done:
    free(keys);
    free(idx);
    return st;
}
