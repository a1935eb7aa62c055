/*
 * Observations: the claims of a metric as value intervals and time windows, their
 * texts, string ranks and comparability. The disagreement sweeps are in
 * statistic_disagree.c, the reasons in statistic_reason.c, summaries and series in
 * statistic_summary.c.
 */
#include "statistic_analysis.h"
#include "statistic_internal.h"

#include "pdate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

STAT_DEFINE_SORT(S_sort_want, struct S_want, S_LESS_SEQ)

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

/* The distinct strings of stat_rank() being sorted. */
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
enum app_status stat_rank(const char *const *v, size_t n, uint32_t *rank, size_t *distinct)
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
int stat_strcmp0(const char *a, const char *b)
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
    if (stat_strcmp0(x->subject_id, y->subject_id) == 0) {
        if (stat_strcmp0(x->place_id, y->place_id) == 0)
            return true;
        /* The shared subject fixes the place: an unstated place is unspecified. */
        return x->subject_id != NULL && (x->place_id == NULL || y->place_id == NULL);
    }
    /* A program frames a count, it does not narrow it. */
    bool framed = (x->subject_id == NULL && y->subject_is_program) ||
                  (y->subject_id == NULL && x->subject_is_program);
    return framed && stat_strcmp0(x->place_id, y->place_id) == 0;
}

/*
 * Counts over different spans measure different things ("5 cells in 2013", "27
 * cells from 2013 to May 2015"): two claims that each cover a period compare
 * only when the periods are the same.
 */
bool stat_same_periods(const struct stat_obs *a, const struct stat_obs *b)
{
    if (a->r.one_per_subject || !a->r.has_period || !b->r.has_period)
        return true;
    return a->when.start == b->when.start && a->when.end == b->when.end;
}

bool stat_obs_disagree(const struct stat_obs *a, const struct stat_obs *b)
{
    if (!a->comparable || !b->comparable || !stat_same_context(a, b) || !stat_same_periods(a, b))
        return false;
    return stats_disagree(&a->when, &a->iv, &b->when, &b->iv);
}
