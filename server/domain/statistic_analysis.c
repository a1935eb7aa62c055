#include "statistic_analysis.h"

#include "pdate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A stable merge sort of T v[0..n) by LESS(a, b) (pointers to T), with room
 * for n elements in tmp; insertion sort for short runs. qsort()'s comparator
 * calls and byte-wise copies cost several times the integer comparisons of
 * these keys, on paths that sort every observation of a metric.
 */
#define S_DEFINE_SORT(name, T, LESS)                               \
    static void name(T *v, T *tmp, size_t n)                       \
    {                                                              \
        if (n <= 12) {                                             \
            for (size_t i_ = 1; i_ < n; i_++) {                    \
                T x_ = v[i_];                                      \
                size_t j_ = i_;                                    \
                for (; j_ > 0 && LESS(&x_, &v[j_ - 1]); j_--)      \
                    v[j_] = v[j_ - 1];                             \
                v[j_] = x_;                                        \
            }                                                      \
            return;                                                \
        }                                                          \
        size_t h_ = n / 2, i_ = 0, j_ = h_, k_ = 0;                \
        name(v, tmp, h_);                                          \
        name(v + h_, tmp, n - h_);                                 \
        if (!LESS(&v[h_], &v[h_ - 1]))                             \
            return; /* the halves are in order already */          \
        while (i_ < h_ && j_ < n)                                  \
            tmp[k_++] = LESS(&v[j_], &v[i_]) ? v[j_++] : v[i_++];  \
        while (i_ < h_)                                            \
            tmp[k_++] = v[i_++];                                   \
        memcpy(v, tmp, k_ * sizeof *v); /* v[j_..n) is in place */ \
    }

/* ---- string arena ---- */

struct stat_arena_block {
    struct stat_arena_block *next;
    size_t used, cap;
    char data[];
};

#define S_ARENA_BLOCK 65536

void stat_arena_init(struct stat_arena *a)
{
    a->head = NULL;
    a->oom = false;
}

void stat_arena_free(struct stat_arena *a)
{
    struct stat_arena_block *b = a->head;
    while (b) {
        struct stat_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

const char *stat_arena_dup(struct stat_arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    struct stat_arena_block *b = a->head;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > S_ARENA_BLOCK ? n : S_ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (b == NULL) {
            a->oom = true;
            return NULL;
        }
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    b->used += n;
    return p;
}

/* ---- observations ---- */

void stat_set_init(struct stat_set *s)
{
    s->v = NULL;
    s->n = 0;
    s->cap = 0;
    stat_arena_init(&s->arena);
    s->status = APP_OK;
}

void stat_set_free(struct stat_set *s)
{
    free(s->v);
    s->v = NULL;
    s->n = 0;
    s->cap = 0;
    stat_arena_free(&s->arena);
}

static bool S_empty(const struct stats_interval *iv)
{
    if (isnan(iv->lo) || isnan(iv->hi) || iv->lo > iv->hi)
        return true;
    return iv->lo == iv->hi && (iv->lo_open || iv->hi_open);
}

/* Interval, window and point of a copied row. */
static void S_measure(struct stat_obs *o)
{
    const struct stat_claim_row *r = &o->r;
    enum stats_bound b = STATS_VAGUE;
    o->is_date = r->value_type != NULL && strcmp(r->value_type, "date") == 0;
    o->has_interval = false;
    o->comparable = false;
    o->has_point = false;
    o->point = NAN;
    o->has_figure = false;
    o->fig_lo = o->fig_hi = NAN;
    o->iv.lo = -INFINITY;
    o->iv.hi = INFINITY;
    o->iv.lo_open = true;
    o->iv.hi_open = true;
    /* A metric with one true value per subject (a program's start date, a law's
     * adoption) is compared at all times: the as_of of such a claim (often the very
     * date it states) is no window of validity, or "September 2014" and "January
     * 2015" for one law could never disagree. */
    bool timed = r->has_time && !r->one_per_subject;
    o->when.has_time = timed;
    o->when.start = timed ? r->time_start : 0;
    o->when.end = timed ? r->time_end : 0;
    if (r->metric_id == NULL || !stats_bound_parse(r->bound, &b))
        return;
    if (o->is_date) {
        struct pdate d;
        if (r->value_date != NULL && pdate_parse(r->value_date, &d)) {
            int64_t first = pdate_first_day(&d);
            o->iv = stats_date_interval(b, first, pdate_last_day(&d));
            o->has_interval = true;
            o->has_figure = b != STATS_VAGUE;
            o->fig_lo = o->fig_hi = (double)first;
            if (b == STATS_EXACT) {
                o->has_point = true;
                o->point = (double)first;
            }
        } else if (b == STATS_VAGUE) {
            o->has_interval = true;
        }
    } else {
        struct stats_value v;
        v.bound = b;
        v.has_value = r->has_value;
        v.has_lower = r->has_lower;
        v.has_upper = r->has_upper;
        v.value = r->value;
        v.lower = r->lower;
        v.upper = r->upper;
        o->iv = stats_value_interval(&v);
        o->has_interval = true;
        if (b != STATS_VAGUE && (r->has_value || r->has_lower || r->has_upper)) {
            o->has_figure = true;
            o->fig_lo = r->has_value ? r->value : r->has_lower ? r->lower : r->upper;
            o->fig_hi = r->has_value ? r->value : r->has_upper ? r->upper : r->lower;
        }
        if ((b == STATS_EXACT || b == STATS_APPROX) && r->has_value) {
            o->has_point = true;
            o->point = r->value;
        }
    }
    o->comparable = o->has_interval && b != STATS_VAGUE && !S_empty(&o->iv) &&
                    !(isinf(o->iv.lo) && isinf(o->iv.hi));
}

enum app_status stat_set_add(struct stat_set *s, const struct stat_claim_row *r)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct stat_obs *v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return APP_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    struct stat_obs *o = &s->v[s->n];
    struct stat_arena *a = &s->arena;
    o->r = *r;
    o->r.id = stat_arena_dup(a, r->id);
    o->r.source_id = stat_arena_dup(a, r->source_id);
    o->r.quote = stat_arena_dup(a, r->quote);
    o->r.claimant = stat_arena_dup(a, r->claimant);
    o->r.metric_id = stat_arena_dup(a, r->metric_id);
    o->r.value_type = stat_arena_dup(a, r->value_type);
    o->r.bound = stat_arena_dup(a, r->bound);
    o->r.vague_term = stat_arena_dup(a, r->vague_term);
    o->r.unit = stat_arena_dup(a, r->unit);
    o->r.value_date = stat_arena_dup(a, r->value_date);
    o->r.value_text = stat_arena_dup(a, r->value_text);
    o->r.as_of = stat_arena_dup(a, r->as_of);
    o->r.period_start = stat_arena_dup(a, r->period_start);
    o->r.period_end = stat_arena_dup(a, r->period_end);
    o->r.place_id = stat_arena_dup(a, r->place_id);
    o->r.subject_id = stat_arena_dup(a, r->subject_id);
    o->r.attribute = stat_arena_dup(a, r->attribute);
    o->r.scope = stat_arena_dup(a, r->scope);
    if (a->oom)
        return APP_ENOMEM;
    o->has_text = r->quote != NULL;
    S_measure(o);
    s->n++;
    return APP_OK;
}

bool stat_set_collect(void *ctx, const struct stat_claim_row *r)
{
    struct stat_set *s = ctx;
    enum app_status st = stat_set_add(s, r);
    if (st != APP_OK) {
        s->status = st;
        return false;
    }
    return true;
}

enum app_status stat_set_undated_last(struct stat_set *s)
{
    struct stat_obs *tmp = NULL;
    for (size_t g = 0; g < s->n;) {
        size_t e = g, undated = 0;
        while (e < s->n && s->v[e].r.metric_seq == s->v[g].r.metric_seq) {
            undated += !s->v[e].when.has_time;
            e++;
        }
        if (undated > 0 && undated < e - g) {
            if (tmp == NULL)
                tmp = malloc(s->n * sizeof *tmp);
            if (tmp == NULL)
                return APP_ENOMEM;
            size_t k = 0;
            for (size_t i = g; i < e; i++) {
                if (s->v[i].when.has_time)
                    tmp[k++] = s->v[i];
            }
            for (size_t i = g; i < e; i++) {
                if (!s->v[i].when.has_time)
                    tmp[k++] = s->v[i];
            }
            memcpy(s->v + g, tmp, (e - g) * sizeof *tmp);
        }
        g = e;
    }
    free(tmp);
    return APP_OK;
}

/* ---- text of the observations written out ---- */

/* An observation to fill, by seq. */
struct S_want {
    int64_t seq;
    size_t idx;
};

#define S_LESS_SEQ(a, b) ((a)->seq < (b)->seq)

S_DEFINE_SORT(S_sort_want, struct S_want, S_LESS_SEQ)

enum app_status stat_text_fill_init(struct stat_text_fill *f, struct stat_set *s, const size_t *idx,
                                    size_t n, struct buf *seqs_json)
{
    f->set = s;
    f->n = 0;
    f->missing = 0;
    f->status = APP_OK;
    struct S_want *w = malloc((n ? n : 1) * sizeof *w);
    struct S_want *tmp = malloc((n ? n : 1) * sizeof *tmp);
    f->idx = malloc((n ? n : 1) * sizeof *f->idx);
    if (w == NULL || tmp == NULL || f->idx == NULL) {
        free(w);
        free(tmp);
        return APP_ENOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (idx[i] < s->n && !s->v[idx[i]].has_text) {
            w[m].seq = s->v[idx[i]].r.seq;
            w[m].idx = idx[i];
            m++;
        }
    }
    S_sort_want(w, tmp, m);
    for (size_t i = 0; i < m; i++) {
        if (f->n == 0 || f->idx[f->n - 1] != w[i].idx)
            f->idx[f->n++] = w[i].idx;
    }
    f->missing = f->n;
    free(w);
    free(tmp);
    buf_putc(seqs_json, '[');
    for (size_t i = 0; i < f->n; i++)
        buf_printf(seqs_json, i ? ",%lld" : "%lld", (long long)s->v[f->idx[i]].r.seq);
    buf_putc(seqs_json, ']');
    return seqs_json->oom ? APP_ENOMEM : APP_OK;
}

bool stat_text_fill_collect(void *ctx, const struct stat_claim_text *t)
{
    struct stat_text_fill *f = ctx;
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->set->v[f->idx[mid]].r.seq < t->seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == f->n)
        return true;
    struct stat_obs *o = &f->set->v[f->idx[lo]];
    if (o->r.seq != t->seq || o->has_text)
        return true;
    struct stat_arena *a = &f->set->arena;
    o->r.source_id = stat_arena_dup(a, t->source_id);
    o->r.quote = stat_arena_dup(a, t->quote);
    o->r.vague_term = stat_arena_dup(a, t->vague_term);
    o->r.unit = stat_arena_dup(a, t->unit);
    o->r.as_of = stat_arena_dup(a, t->as_of);
    o->r.period_start = stat_arena_dup(a, t->period_start);
    o->r.period_end = stat_arena_dup(a, t->period_end);
    if (a->oom) {
        f->status = APP_ENOMEM;
        return false;
    }
    o->has_text = true;
    f->missing--;
    return true;
}

void stat_text_fill_free(struct stat_text_fill *f)
{
    free(f->idx);
    f->idx = NULL;
    f->n = 0;
}

/* ---- ranks of strings ---- */

static uint64_t S_hash(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211u;
    }
    return h;
}

/* The distinct strings of S_rank() being sorted. */
struct S_str {
    const char *s;
    uint32_t id;
};

static int S_cmp_str_id(const void *pa, const void *pb)
{
    return strcmp(((const struct S_str *)pa)->s, ((const struct S_str *)pb)->s);
}

/*
 * Ranks v[0..n) so that integer order is strcmp order: rank[i] is 0 for NULL,
 * else 1 + the position of v[i] among the distinct strings, sorted (equal
 * strings, equal ranks). Distinct strings are found by hashing, so only those
 * few are sorted. rank may be NULL to count them only. *distinct: how many
 * distinct non-NULL strings.
 */
static enum app_status S_rank(const char *const *v, size_t n, uint32_t *rank, size_t *distinct)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    uint32_t *slot = malloc(cap * sizeof *slot);       /* 1 + distinct id; 0: empty */
    uint32_t *cls = malloc((n ? n : 1) * sizeof *cls); /* distinct id + 1 per string; 0: NULL */
    struct S_str *d = malloc((n ? n : 1) * sizeof *d);
    uint32_t *order = NULL;
    size_t nd = 0;
    enum app_status st = APP_OK;
    if (slot == NULL || cls == NULL || d == NULL) {
        st = APP_ENOMEM;
        goto out;
    }
    memset(slot, 0, cap * sizeof *slot);
    for (size_t i = 0; i < n; i++) {
        cls[i] = 0;
        if (v[i] == NULL)
            continue;
        size_t h = (size_t)S_hash(v[i]) & (cap - 1);
        while (slot[h] != 0 && strcmp(d[slot[h] - 1].s, v[i]) != 0)
            h = (h + 1) & (cap - 1);
        if (slot[h] == 0) {
            d[nd].s = v[i];
            d[nd].id = (uint32_t)nd;
            slot[h] = (uint32_t)++nd;
        }
        cls[i] = slot[h];
    }
    *distinct = nd;
    if (rank == NULL)
        goto out;
    order = malloc((nd ? nd : 1) * sizeof *order);
    if (order == NULL) {
        st = APP_ENOMEM;
        goto out;
    }
    qsort(d, nd, sizeof *d, S_cmp_str_id);
    for (size_t k = 0; k < nd; k++)
        order[d[k].id] = (uint32_t)k + 1;
    for (size_t i = 0; i < n; i++)
        rank[i] = cls[i] ? order[cls[i] - 1] : 0;
out:
    free(slot);
    free(cls);
    free(d);
    free(order);
    return st;
}

/* ---- comparability ---- */

/* NULL sorts first and equals only NULL. */
static int S_strcmp0(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

bool stat_same_context(const struct stat_obs *a, const struct stat_obs *b)
{
    const struct stat_claim_row *x = &a->r, *y = &b->r;
    if (x->metric_id == NULL || x->metric_seq != y->metric_seq)
        return false;
    if (S_strcmp0(x->subject_id, y->subject_id) == 0) {
        if (S_strcmp0(x->place_id, y->place_id) == 0)
            return true;
        /* The shared subject fixes the place: an unstated place is unspecified. */
        return x->subject_id != NULL && (x->place_id == NULL || y->place_id == NULL);
    }
    /* A program frames a count, it does not narrow it. */
    bool framed = (x->subject_id == NULL && y->subject_is_program) ||
                  (y->subject_id == NULL && x->subject_is_program);
    return framed && S_strcmp0(x->place_id, y->place_id) == 0;
}

/*
 * Counts over different spans measure different things ("5 cells in 2013", "27
 * cells from 2013 to May 2015"): two claims that each cover a period compare
 * only when the periods are the same.
 */
static bool S_same_periods(const struct stat_obs *a, const struct stat_obs *b)
{
    if (a->r.one_per_subject || !a->r.has_period || !b->r.has_period)
        return true;
    return a->when.start == b->when.start && a->when.end == b->when.end;
}

bool stat_obs_disagree(const struct stat_obs *a, const struct stat_obs *b)
{
    if (!a->comparable || !b->comparable || !stat_same_context(a, b) || !S_same_periods(a, b))
        return false;
    return stats_disagree(&a->when, &a->iv, &b->when, &b->iv);
}

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
    return S_same_periods(x->o, y->o) &&
           stats_disagree(&x->o->when, &x->o->iv, &y->o->when, &y->o->iv);
}

#define S_LESS_START(a, b) \
    ((a)->start != (b)->start ? (a)->start < (b)->start : (a)->o->r.seq < (b)->o->r.seq)
#define S_LESS_HI(a, b)  ((a)->hi != (b)->hi ? (a)->hi < (b)->hi : (a)->o->r.seq < (b)->o->r.seq)
#define S_LESS_VAL(a, b) (*(a) < *(b))

S_DEFINE_SORT(S_sort_start, struct S_ent, S_LESS_START)
S_DEFINE_SORT(S_sort_hi, struct S_ent, S_LESS_HI)
S_DEFINE_SORT(S_sort_i64, int64_t, S_LESS_VAL)
S_DEFINE_SORT(S_sort_dbl, double, S_LESS_VAL)

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
 * place and subject ids as their ranks (S_rank(): the same order as comparing
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

S_DEFINE_SORT(S_sort_key, struct S_key, S_LESS_KEY)

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
    st = S_rank(strs, n, rank, &distinct);
    if (st != APP_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        keys[i].place = rank[i];
        strs[i] = s->v[keys[i].idx].r.subject_id;
    }
    st = S_rank(strs, n, rank, &distinct);
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
    st = S_rank(strs, s->n, NULL, &out->claimants);
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
    uint32_t place, subject, scope; /* S_rank() ranks */
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
    if ((st = S_rank(names, nn, NULL, &x->claimants)) != APP_OK)
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
    if ((st = S_rank(names, ni, NULL, &x->independent)) != APP_OK)
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
                strcmp(q->subject_id, r->subject_id) == 0 && S_strcmp0(q->scope, r->scope) == 0) {
                strs[i] = q->place_id;
                break;
            }
        }
    }
    if ((st = S_rank(strs, s->n, rank, &distinct)) != APP_OK)
        goto out;
    for (size_t i = 0; i < s->n; i++)
        strs[i] = s->v[i].r.subject_id;
    if ((st = S_rank(strs, s->n, rank + n, &distinct)) != APP_OK)
        goto out;
    for (size_t i = 0; i < s->n; i++)
        strs[i] = s->v[i].r.scope;
    if ((st = S_rank(strs, s->n, rank + 2 * n, &distinct)) != APP_OK)
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
