#include "consistency.h"

#include "buf.h"
#include "statistic_analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The rules compare intervals the bound policy gives (stats.h): an end is the rules'
 * reading of a bound, and every explanation shows the figures as stated next to the
 * intervals they were read as.
 */

static void R_interval(const struct cons_input *in, struct cons_findings *out);
static void R_cumulative_decrease(const struct cons_input *in, struct cons_findings *out);
static void R_part_whole(const struct cons_input *in, struct cons_findings *out);
static void R_sum(const struct cons_input *in, struct cons_findings *out);
static void R_share(const struct cons_input *in, struct cons_findings *out);
static void R_range(const struct cons_input *in, struct cons_findings *out);

const struct cons_rule cons_rules[] = {
    {"interval", R_interval,
     "two claims on one metric, place and subject whose windows overlap and whose intervals do "
     "not"},
    {"cumulative_decrease", R_cumulative_decrease,
     "a cumulative metric whose later window's upper end lies below an earlier window's lower "
     "end"},
    {"part_whole", R_part_whole, "a part above its whole (a relation the catalog declares)"},
    {"sum", R_sum, "parts whose sum cannot be their whole (a relation the catalog declares)"},
    {"share_arithmetic", R_share,
     "a stated share against the counts it is a share of, by interval arithmetic"},
    {"range_containment", R_range,
     "a value outside the declared range for its subject and time (a sentence and the law's "
     "range)"},
};

const size_t cons_nrules = sizeof cons_rules / sizeof cons_rules[0];

/* The restatement of another rule's finding within one document. */
static const char RULE_INTERNAL[] = "internal";

static const char *const S_classes[] = {"genuine", "internal", "scope", "drift", "curated"};
static const char *const S_certainties[] = {"definite", "possible"};

const char *cons_class_name(enum cons_class c)
{
    return (size_t)c < sizeof S_classes / sizeof S_classes[0] ? S_classes[c] : NULL;
}

const char *cons_certainty_name(enum cons_certainty c)
{
    return (size_t)c < sizeof S_certainties / sizeof S_certainties[0] ? S_certainties[c] : NULL;
}

/* ---- findings ---- */

void cons_findings_init(struct cons_findings *f, size_t per_rule_metric)
{
    memset(f, 0, sizeof *f);
    f->per_rule_metric = per_rule_metric;
}

void cons_findings_free(struct cons_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].dissolves_if);
        free(f->v[i].explanation);
    }
    free(f->v);
    f->v = NULL;
    f->n = f->cap = 0;
}

static uint64_t S_fnv(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        h ^= *p;
        h *= 1099511628211u;
    }
    h ^= 0xff; /* separator */
    h *= 1099511628211u;
    return h;
}

static char *S_dup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Findings already kept for this rule and metric (findings of a rule are contiguous). */
static size_t S_count(struct cons_findings *out, const char *rule, uint32_t metric)
{
    if (out->c_rule == rule && out->c_metric == metric)
        return out->c_count;
    size_t k = 0;
    for (size_t i = out->n; i > 0; i--) {
        const struct cons_finding *f = &out->v[i - 1];
        if (f->rule != rule)
            break;
        k += f->metric == metric;
    }
    out->c_rule = rule;
    out->c_metric = metric;
    out->c_count = k;
    return k;
}

bool cons_emit(struct cons_findings *out, const struct cons_input *in, const char *rule,
               const char *relation, enum cons_class cls, const char *role_a, const size_t *a,
               size_t na, const char *role_b, const size_t *b, size_t nb, const char *dissolves_if,
               const char *explanation)
{
    if (out->oom || na == 0 || na > CONS_SIDE_MAX || nb > CONS_SIDE_MAX)
        return false;
    uint32_t metric = in->c[a[0]].metric;
    if (out->per_rule_metric && S_count(out, rule, metric) >= out->per_rule_metric) {
        out->truncated = true;
        return false;
    }
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 32;
        struct cons_finding *v = realloc(out->v, cap * sizeof *v);
        if (v == NULL) {
            out->oom = true;
            return false;
        }
        out->v = v;
        out->cap = cap;
    }
    struct cons_finding *f = &out->v[out->n];
    memset(f, 0, sizeof *f);
    f->rule = rule;
    f->relation = relation;
    f->metric = metric;
    f->cls = cls;
    f->certainty = dissolves_if ? CONS_POSSIBLE : CONS_DEFINITE;
    f->role[0] = role_a;
    f->role[1] = role_b;
    uint64_t h = S_fnv(S_fnv(14695981039346656037u, rule), relation);
    for (size_t i = 0; i < na; i++) {
        f->side[0][i] = a[i];
        h = S_fnv(h, in->c[a[i]].id);
    }
    h = S_fnv(h, role_b); /* the sides' roles: a value below a minimum, or above a maximum */
    for (size_t i = 0; i < nb; i++) {
        f->side[1][i] = b[i];
        h = S_fnv(h, in->c[b[i]].id);
    }
    f->nside[0] = na;
    f->nside[1] = nb;
    f->rule_row = cons_nrules;
    for (size_t r = 0; r < cons_nrules; r++) {
        if (strcmp(cons_rules[r].name, rule) == 0)
            f->rule_row = r;
    }
    f->order[0] = in->c[a[0]].seq;
    f->order[1] = nb ? in->c[b[0]].seq : -1;
    snprintf(f->id, sizeof f->id, "%s-%016llx", rule, (unsigned long long)h);
    f->dissolves_if = S_dup(dissolves_if);
    f->explanation = S_dup(explanation);
    if ((dissolves_if && !f->dissolves_if) || (explanation && !f->explanation)) {
        free(f->dissolves_if);
        free(f->explanation);
        out->oom = true;
        return false;
    }
    out->n++;
    if (out->c_rule == rule && out->c_metric == metric)
        out->c_count++;
    return true;
}

/* ---- shared predicates and formatting ---- */

const size_t *cons_claims_of(const struct cons_input *in, uint32_t m, size_t *n)
{
    if (in->metric_start == NULL || m >= in->nm) {
        *n = 0;
        return NULL;
    }
    *n = in->metric_start[m + 1] - in->metric_start[m];
    return in->by_metric + in->metric_start[m];
}

/* Same place and subject, with statistic_analysis.h's readings of an unstated one. */
static bool S_ctx(const struct cons_claim *a, const struct cons_claim *b)
{
    if (a->subject == b->subject) {
        if (a->place == b->place)
            return true;
        return a->subject != CONS_NONE && (a->place == CONS_NONE || b->place == CONS_NONE);
    }
    bool framed = (a->subject == CONS_NONE && b->subject_is_program) ||
                  (b->subject == CONS_NONE && a->subject_is_program);
    return framed && a->place == b->place;
}

bool cons_same_context(const struct cons_claim *a, const struct cons_claim *b)
{
    return a->metric != CONS_NONE && a->metric == b->metric && S_ctx(a, b);
}

static bool S_is_date(const struct cons_input *in, const struct cons_claim *c)
{
    return c->metric < in->nm && in->m[c->metric].is_date;
}

/* x lies wholly below y: x's upper end under y's lower end. */
static bool S_below(const struct stats_interval *x, const struct stats_interval *y)
{
    return x->hi < y->lo || (x->hi == y->lo && (x->hi_open || y->lo_open));
}

static void S_end(struct buf *b, double v, bool is_date)
{
    char iso[16];
    if (isinf(v)) {
        buf_puts(b, v < 0 ? "-inf" : "+inf");
    } else if (is_date) {
        stat_day_iso((int64_t)floor(v), iso, sizeof iso);
        buf_puts(b, iso);
    } else {
        buf_double(b, v);
    }
}

static void S_iv(struct buf *b, const struct stats_interval *iv, bool is_date)
{
    if (!iv->lo_open && !iv->hi_open && iv->lo == iv->hi && !is_date) {
        buf_double(b, iv->lo);
        return;
    }
    buf_putc(b, iv->lo_open ? '(' : '[');
    S_end(b, iv->lo, is_date);
    buf_puts(b, ", ");
    S_end(b, iv->hi, is_date);
    buf_putc(b, iv->hi_open ? ')' : ']');
}

static void S_window(struct buf *b, const struct stats_window *w)
{
    char iso[16];
    if (!w->has_time) {
        buf_puts(b, "undated");
        return;
    }
    stat_day_iso(w->start, iso, sizeof iso);
    buf_puts(b, iso);
    buf_puts(b, "..");
    stat_day_iso(w->end, iso, sizeof iso);
    buf_puts(b, iso);
}

/* "masbah-001 (approx 1500, 2015-01-01..2015-12-31) reads as [1450, 1550]" */
static void S_claim(struct buf *b, const struct cons_input *in, const struct cons_claim *c)
{
    buf_puts(b, c->id);
    buf_puts(b, " (");
    buf_puts(b, c->bound ? c->bound : "?");
    if (c->has_point && !S_is_date(in, c)) {
        buf_putc(b, ' ');
        S_end(b, c->point, false);
    }
    if (c->scope_text) {
        buf_puts(b, ", ");
        buf_puts(b, c->scope_text);
    }
    buf_puts(b, ", ");
    S_window(b, &c->when);
    buf_puts(b, ") reads as ");
    S_iv(b, &c->iv, S_is_date(in, c));
}

/*
 * The class of a finding between claims of different scopes: a claim that counts
 * something narrower or wider may differ without a contradiction.
 */
static enum cons_class S_scope_class(const struct cons_claim *a, const struct cons_claim *b,
                                     struct buf *dissolve)
{
    if (a->scope == b->scope)
        return CONS_GENUINE;
    const struct cons_claim *s = a->scope != CONS_NONE ? a : b;
    const struct cons_claim *t = s == a ? b : a;
    buf_puts(dissolve, "unless ");
    buf_puts(dissolve, s->id);
    buf_puts(dissolve, " counts only what its scope says (");
    buf_puts(dissolve, s->scope_text ? s->scope_text : "a different scope");
    if (t->scope != CONS_NONE && t->scope_text) {
        buf_puts(dissolve, ") and ");
        buf_puts(dissolve, t->id);
        buf_puts(dissolve, " what its own says (");
        buf_puts(dissolve, t->scope_text);
        buf_puts(dissolve, ")");
    } else {
        buf_puts(dissolve, "), not all the metric defines");
    }
    return CONS_SCOPE;
}

/* Claims of two periods compare only over the same period (counts over spans). */
static bool S_same_periods(const struct cons_input *in, const struct cons_claim *a,
                           const struct cons_claim *b)
{
    if (in->m[a->metric].one_per_subject || !a->has_period || !b->has_period)
        return true;
    return a->when.start == b->when.start && a->when.end == b->when.end;
}

/* Emits with the explanation and dissolution buffers, then resets them. */
static void S_emit(struct cons_findings *out, const struct cons_input *in, const char *rule,
                   const char *relation, enum cons_class cls, const char *ra, const size_t *a,
                   size_t na, const char *rb, const size_t *b, size_t nb, struct buf *why,
                   struct buf *dissolve)
{
    if (why->oom || dissolve->oom)
        out->oom = true;
    else
        cons_emit(out, in, rule, relation, cls, ra, a, na, rb, b, nb,
                  dissolve->len ? buf_str(dissolve) : NULL, buf_str(why));
    buf_reset(why);
    buf_reset(dissolve);
}

/* ---- interval ---- */

static void R_interval(const struct cons_input *in, struct cons_findings *out)
{
    struct buf why, dis;
    buf_init(&why);
    buf_init(&dis);
    for (uint32_t m = 0; m < in->nm && !out->oom; m++) {
        size_t n;
        const size_t *L = cons_claims_of(in, m, &n);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = i + 1; j < n; j++) {
                const struct cons_claim *a = &in->c[L[i]], *b = &in->c[L[j]];
                if (!a->comparable || !b->comparable || !S_ctx(a, b) || !S_same_periods(in, a, b) ||
                    !stats_disagree(&a->when, &a->iv, &b->when, &b->iv))
                    continue;
                size_t x = a->seq <= b->seq ? L[i] : L[j], y = x == L[i] ? L[j] : L[i];
                const struct cons_claim *p = &in->c[x], *q = &in->c[y];
                enum cons_class cls = S_scope_class(p, q, &dis);
                S_claim(&why, in, p);
                buf_puts(&why, "; ");
                S_claim(&why, in, q);
                if (in->m[m].one_per_subject)
                    buf_puts(&why, "; one true value per subject, whatever the dates");
                else
                    buf_puts(&why, "; the windows overlap");
                buf_puts(&why, " and the intervals do not");
                S_emit(out, in, cons_rules[0].name, NULL, cls, "a", &x, 1, "b", &y, 1, &why, &dis);
            }
        }
    }
    buf_free(&why);
    buf_free(&dis);
}

/* ---- cumulative_decrease ---- */

static void R_cumulative_decrease(const struct cons_input *in, struct cons_findings *out)
{
    struct buf why, dis;
    buf_init(&why);
    buf_init(&dis);
    for (uint32_t m = 0; m < in->nm && !out->oom; m++) {
        if (!in->m[m].cumulative || in->m[m].is_date)
            continue;
        size_t n;
        const size_t *L = cons_claims_of(in, m, &n);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++) {
                const struct cons_claim *e = &in->c[L[i]], *l = &in->c[L[j]];
                if (i == j || !e->comparable || !l->comparable || !e->when.has_time ||
                    !l->when.has_time || e->when.end >= l->when.start || !S_ctx(e, l) ||
                    !S_below(&l->iv, &e->iv))
                    continue;
                enum cons_class cls = S_scope_class(e, l, &dis);
                buf_puts(&why, in->m[m].id);
                buf_puts(&why, " is cumulative, so it cannot fall: the earlier ");
                S_claim(&why, in, e);
                buf_puts(&why, "; the later ");
                S_claim(&why, in, l);
                buf_puts(&why, ", whose upper end ");
                S_end(&why, l->iv.hi, false);
                buf_puts(&why, " lies below ");
                S_end(&why, e->iv.lo, false);
                S_emit(out, in, cons_rules[1].name, NULL, cls, "earlier", &L[i], 1, "later", &L[j],
                       1, &why, &dis);
            }
        }
    }
    buf_free(&why);
    buf_free(&dis);
}

/* ---- part_whole ---- */

/* The whole w of the part p under relation r: at r's whole_place, or the part's context. */
static bool S_whole_ctx(const struct cons_relation *r, const struct cons_claim *p,
                        const struct cons_claim *w)
{
    if (r->whole_place != CONS_NONE)
        return w->place == r->whole_place && w->subject == p->subject;
    return S_ctx(p, w);
}

/* Windows overlap (an undated claim meets every window). */
static bool S_meet(const struct cons_claim *a, const struct cons_claim *b)
{
    return stats_windows_overlap(&a->when, &b->when);
}

static void R_part_whole(const struct cons_input *in, struct cons_findings *out)
{
    struct buf why, dis;
    buf_init(&why);
    buf_init(&dis);
    for (size_t k = 0; k < in->nr && !out->oom; k++) {
        const struct cons_relation *r = &in->r[k];
        if (r->kind != CONS_PART_WHOLE || r->metric >= in->nm || r->whole >= in->nm)
            continue;
        size_t np, nw;
        const size_t *P = cons_claims_of(in, r->metric, &np);
        const size_t *W = cons_claims_of(in, r->whole, &nw);
        for (size_t i = 0; i < np; i++) {
            for (size_t j = 0; j < nw; j++) {
                const struct cons_claim *p = &in->c[P[i]], *w = &in->c[W[j]];
                if (P[i] == W[j] || !p->comparable || !w->comparable || !S_whole_ctx(r, p, w) ||
                    !S_below(&w->iv, &p->iv))
                    continue;
                enum cons_class cls = S_scope_class(p, w, &dis);
                bool meet = S_meet(p, w);
                bool part_earlier = !meet && p->when.end < w->when.start;
                if (!meet && !(part_earlier && in->m[r->whole].cumulative) && dis.len == 0) {
                    buf_puts(&dis, "unless ");
                    buf_puts(&dis, in->m[r->whole].id);
                    buf_puts(&dis, part_earlier ? " shrank" : " grew");
                    buf_puts(&dis, " between ");
                    S_window(&dis, part_earlier ? &p->when : &w->when);
                    buf_puts(&dis, " and ");
                    S_window(&dis, part_earlier ? &w->when : &p->when);
                    buf_puts(&dis, ", or the two count different cohorts");
                }
                buf_puts(&why, "the part ");
                S_claim(&why, in, p);
                buf_puts(&why, " exceeds the whole ");
                S_claim(&why, in, w);
                buf_puts(&why, ": its lower end ");
                S_end(&why, p->iv.lo, false);
                buf_puts(&why, " is above ");
                S_end(&why, w->iv.hi, false);
                if (part_earlier && in->m[r->whole].cumulative)
                    buf_puts(&why, ", and the whole is cumulative, so it was no larger before");
                S_emit(out, in, cons_rules[2].name, r->id, cls, "part", &P[i], 1, "whole", &W[j], 1,
                       &why, &dis);
            }
        }
    }
    buf_free(&why);
    buf_free(&dis);
}

/* ---- sum ---- */

#define SUM_MAX_COMBOS 64

static void R_sum(const struct cons_input *in, struct cons_findings *out)
{
    struct buf why, dis;
    buf_init(&why);
    buf_init(&dis);
    for (size_t k = 0; k < in->nr && !out->oom; k++) {
        const struct cons_relation *r = &in->r[k];
        if (r->kind != CONS_SUM || r->metric >= in->nm || r->nparts < 2 ||
            r->nparts > CONS_SIDE_MAX)
            continue;
        size_t nw;
        const size_t *W = cons_claims_of(in, r->metric, &nw);
        for (size_t j = 0; j < nw; j++) {
            const struct cons_claim *w = &in->c[W[j]];
            if (!w->comparable)
                continue;
            /* candidates of each part: comparable, same context, meeting the whole's window */
            size_t cand[CONS_SIDE_MAX][SUM_MAX_COMBOS], nc[CONS_SIDE_MAX];
            bool all = true;
            for (size_t q = 0; q < r->nparts; q++) {
                size_t n;
                const size_t *Q = cons_claims_of(in, r->parts[q], &n);
                nc[q] = 0;
                for (size_t t = 0; t < n && nc[q] < SUM_MAX_COMBOS; t++) {
                    const struct cons_claim *c = &in->c[Q[t]];
                    if (c->comparable && S_ctx(w, c) && S_meet(w, c))
                        cand[q][nc[q]++] = Q[t];
                }
                all = all && nc[q] > 0;
            }
            if (!all)
                continue;
            size_t pick[CONS_SIDE_MAX] = {0}, combos = 0;
            for (;;) {
                struct stats_interval s = {.lo = 0, .hi = 0, .lo_open = false, .hi_open = false};
                size_t parts[CONS_SIDE_MAX];
                for (size_t q = 0; q < r->nparts; q++) {
                    const struct cons_claim *c = &in->c[cand[q][pick[q]]];
                    parts[q] = cand[q][pick[q]];
                    s.lo += c->iv.lo;
                    s.hi += c->iv.hi;
                    s.lo_open = s.lo_open || c->iv.lo_open;
                    s.hi_open = s.hi_open || c->iv.hi_open;
                }
                if (!stats_overlap(&s, &w->iv)) {
                    buf_puts(&why, "the parts ");
                    for (size_t q = 0; q < r->nparts; q++) {
                        if (q)
                            buf_puts(&why, " + ");
                        S_claim(&why, in, &in->c[parts[q]]);
                    }
                    buf_puts(&why, " add up to ");
                    S_iv(&why, &s, false);
                    buf_puts(&why, ", which does not meet the whole ");
                    S_claim(&why, in, w);
                    S_emit(out, in, cons_rules[3].name, r->id, CONS_GENUINE, "parts", parts,
                           r->nparts, "whole", &W[j], 1, &why, &dis);
                }
                size_t q = 0;
                while (q < r->nparts && ++pick[q] == nc[q])
                    pick[q++] = 0;
                if (q == r->nparts || ++combos >= SUM_MAX_COMBOS)
                    break;
            }
        }
    }
    buf_free(&why);
    buf_free(&dis);
}

/* ---- share_arithmetic ---- */

/* 100 * p / w for positive counts; unbounded above when w may be 0. */
static struct stats_interval S_ratio(const struct stats_interval *p, const struct stats_interval *w)
{
    struct stats_interval r;
    r.lo = w->hi > 0 && isfinite(p->lo) ? 100.0 * fmax(p->lo, 0) / w->hi : 0;
    r.lo_open = false;
    r.hi = w->lo > 0 ? 100.0 * p->hi / w->lo : INFINITY;
    r.hi_open = isinf(r.hi);
    return r;
}

static bool S_in(double x, const struct stats_interval *iv)
{
    return (x > iv->lo || (x == iv->lo && !iv->lo_open)) &&
           (x < iv->hi || (x == iv->hi && !iv->hi_open));
}

static void R_share(const struct cons_input *in, struct cons_findings *out)
{
    struct buf why, dis;
    buf_init(&why);
    buf_init(&dis);
    for (size_t k = 0; k < in->nr && !out->oom; k++) {
        const struct cons_relation *r = &in->r[k];
        if (r->kind != CONS_SHARE || r->metric >= in->nm || r->part >= in->nm || r->whole >= in->nm)
            continue;
        size_t ns, np, nw;
        const size_t *S = cons_claims_of(in, r->metric, &ns);
        const size_t *P = cons_claims_of(in, r->part, &np);
        const size_t *W = cons_claims_of(in, r->whole, &nw);
        for (size_t i = 0; i < ns; i++) {
            const struct cons_claim *s = &in->c[S[i]];
            if (!s->comparable)
                continue;
            for (size_t j = 0; j < np; j++) {
                const struct cons_claim *p = &in->c[P[j]];
                if (P[j] == S[i] || !p->comparable || !S_ctx(s, p) || p->scope != s->scope ||
                    !S_meet(s, p))
                    continue;
                for (size_t t = 0; t < nw; t++) {
                    const struct cons_claim *w = &in->c[W[t]];
                    if (W[t] == S[i] || W[t] == P[j] || !w->comparable || !S_whole_ctx(r, s, w) ||
                        !S_meet(s, w) || !S_meet(p, w))
                        continue;
                    struct stats_interval implied = S_ratio(&p->iv, &w->iv);
                    bool definite = !stats_overlap(&implied, &s->iv);
                    double stated = NAN;
                    if (!definite && p->has_point && w->has_point && w->point > 0 && s->has_point) {
                        stated = 100.0 * p->point / w->point;
                        if (S_in(stated, &s->iv))
                            continue;
                        buf_puts(&dis, "unless the counts are meant as loosely as their bounds "
                                       "allow (");
                        buf_puts(&dis, p->bound ? p->bound : "?");
                        buf_puts(&dis, ", ");
                        buf_puts(&dis, w->bound ? w->bound : "?");
                        buf_puts(&dis, "): read as ");
                        S_iv(&dis, &p->iv, false);
                        buf_puts(&dis, " of ");
                        S_iv(&dis, &w->iv, false);
                        buf_puts(&dis, " they allow ");
                        S_iv(&dis, &implied, false);
                        buf_puts(&dis, " percent, which meets ");
                        S_iv(&dis, &s->iv, false);
                    } else if (!definite) {
                        continue;
                    }
                    enum cons_class cls = CONS_GENUINE;
                    if (dis.len == 0 && w->scope != s->scope)
                        cls = S_scope_class(s, w, &dis);
                    S_claim(&why, in, s);
                    buf_puts(&why, " is a share of ");
                    S_claim(&why, in, p);
                    buf_puts(&why, " in ");
                    S_claim(&why, in, w);
                    if (isfinite(stated)) {
                        char num[64];
                        snprintf(num, sizeof num, "%.1f", stated);
                        buf_puts(&why, "; as stated, 100 * ");
                        S_end(&why, p->point, false);
                        buf_puts(&why, " / ");
                        S_end(&why, w->point, false);
                        buf_puts(&why, " = ");
                        buf_puts(&why, num);
                        buf_puts(&why, " percent, outside ");
                        S_iv(&why, &s->iv, false);
                        if (s->point > 0) {
                            snprintf(num, sizeof num, "%.0f", 100.0 * p->point / s->point);
                            buf_puts(&why, "; the part and the share as stated imply a whole "
                                           "of about ");
                            buf_puts(&why, num);
                        }
                    } else {
                        buf_puts(&why, "; 100 * ");
                        S_iv(&why, &p->iv, false);
                        buf_puts(&why, " / ");
                        S_iv(&why, &w->iv, false);
                        buf_puts(&why, " = ");
                        if (implied.lo == implied.hi && isfinite(implied.lo)) {
                            /* exact counts: the share they make, to one decimal */
                            char num[64];
                            snprintf(num, sizeof num, "%.1f", implied.lo);
                            buf_puts(&why, num);
                        } else {
                            S_iv(&why, &implied, false);
                        }
                        buf_puts(&why, " percent, which does not meet ");
                        S_iv(&why, &s->iv, false);
                        if (s->iv.lo > 0 && isfinite(s->iv.hi)) {
                            struct stats_interval total = {.lo = 100.0 * p->iv.lo / s->iv.hi,
                                                           .hi = 100.0 * p->iv.hi / s->iv.lo,
                                                           .lo_open = false,
                                                           .hi_open = false};
                            buf_puts(&why, "; the part and the share imply a whole of ");
                            S_iv(&why, &total, false);
                        }
                    }
                    size_t b[2] = {P[j], W[t]};
                    S_emit(out, in, cons_rules[4].name, r->id, cls, "share", &S[i], 1, "counts", b,
                           2, &why, &dis);
                }
            }
        }
    }
    buf_free(&why);
    buf_free(&dis);
}

/* ---- range_containment ---- */

static void R_range(const struct cons_input *in, struct cons_findings *out)
{
    struct buf why, dis;
    buf_init(&why);
    buf_init(&dis);
    for (size_t k = 0; k < in->nr && !out->oom; k++) {
        const struct cons_relation *r = &in->r[k];
        if (r->kind != CONS_RANGE || r->metric >= in->nm)
            continue;
        size_t nv;
        const size_t *V = cons_claims_of(in, r->metric, &nv);
        for (int edge = 0; edge < 2; edge++) {
            uint32_t bm = edge == 0 ? r->min : r->max;
            if (bm >= in->nm)
                continue;
            size_t nb;
            const size_t *B = cons_claims_of(in, bm, &nb);
            for (size_t i = 0; i < nv; i++) {
                for (size_t j = 0; j < nb; j++) {
                    const struct cons_claim *v = &in->c[V[i]], *b = &in->c[B[j]];
                    if (V[i] == B[j] || !v->comparable || !b->comparable)
                        continue;
                    /* the bound applies from its window on (a law in force from its date) */
                    if (v->when.has_time && b->when.has_time && b->when.start > v->when.end)
                        continue;
                    bool out_of = edge == 0 ? S_below(&v->iv, &b->iv) : S_below(&b->iv, &v->iv);
                    if (!out_of)
                        continue;
                    if (v->subject != b->subject) {
                        buf_puts(&dis, "unless ");
                        buf_puts(&dis, v->id);
                        buf_puts(&dis, " was decided under another rule or before the one ");
                        buf_puts(&dis, b->id);
                        buf_puts(&dis, " states");
                        if (b->subject_id) {
                            buf_puts(&dis, " (");
                            buf_puts(&dis, b->subject_id);
                            buf_puts(&dis, ")");
                        }
                        buf_puts(&dis, " applied");
                    }
                    S_claim(&why, in, v);
                    buf_puts(&why,
                             edge == 0 ? " lies below the minimum " : " lies above the maximum ");
                    S_claim(&why, in, b);
                    S_emit(out, in, cons_rules[5].name, r->id, CONS_GENUINE, "value", &V[i], 1,
                           edge == 0 ? "minimum" : "maximum", &B[j], 1, &why, &dis);
                }
            }
        }
    }
    buf_free(&why);
    buf_free(&dis);
}

/* ---- running ---- */

static bool S_one_source(const struct cons_input *in, const struct cons_finding *f)
{
    int64_t src = in->c[f->side[0][0]].source;
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < f->nside[s]; i++) {
            if (in->c[f->side[s][i]].source != src)
                return false;
        }
    }
    return true;
}

static void S_internal(const struct cons_input *in, struct cons_findings *out)
{
    struct buf why;
    buf_init(&why);
    size_t n0 = out->n;
    for (size_t k = 0; k < n0 && !out->oom; k++) {
        const struct cons_finding *f = &out->v[k];
        if (!S_one_source(in, f))
            continue;
        char of[sizeof f->id];
        memcpy(of, f->id, sizeof of);
        buf_puts(&why, "within one document (");
        buf_puts(&why, in->c[f->side[0][0]].source_id ? in->c[f->side[0][0]].source_id : "?");
        buf_puts(&why, "), ");
        buf_puts(&why, f->rule);
        buf_puts(&why, ": ");
        buf_puts(&why, f->explanation ? f->explanation : "");
        size_t a[CONS_SIDE_MAX], b[CONS_SIDE_MAX];
        size_t na = f->nside[0], nb = f->nside[1];
        memcpy(a, f->side[0], na * sizeof *a);
        memcpy(b, f->side[1], nb * sizeof *b);
        const char *ra = f->role[0], *rb = f->role[1];
        char *dis = S_dup(f->dissolves_if);
        if (why.oom || (f->dissolves_if && !dis)) {
            out->oom = true;
        } else if (cons_emit(out, in, RULE_INTERNAL, f->relation, CONS_INTERNAL, ra, a, na, rb, b,
                             nb, dis, buf_str(&why))) {
            memcpy(out->v[out->n - 1].of, of, sizeof of);
        }
        free(dis);
        buf_reset(&why);
    }
    buf_free(&why);
}

/* Rule row (internal last), metric, then the first claims' seqs. */
static int S_cmp_finding(const void *pa, const void *pb)
{
    const struct cons_finding *a = pa, *b = pb;
    if (a->rule_row != b->rule_row)
        return a->rule_row < b->rule_row ? -1 : 1;
    if (a->metric != b->metric)
        return a->metric < b->metric ? -1 : 1;
    for (int s = 0; s < 2; s++) {
        if (a->order[s] != b->order[s])
            return a->order[s] < b->order[s] ? -1 : 1;
    }
    return strcmp(a->id, b->id);
}

void cons_run(const struct cons_input *in0, struct cons_findings *out)
{
    struct cons_input in = *in0;
    size_t *start = calloc(in.nm + 1, sizeof *start);
    size_t *items = malloc((in.n ? in.n : 1) * sizeof *items);
    size_t *fill = calloc(in.nm + 1, sizeof *fill);
    if (start == NULL || items == NULL || fill == NULL) {
        out->oom = true;
        goto done;
    }
    for (size_t i = 0; i < in.n; i++) {
        if (in.c[i].metric < in.nm)
            start[in.c[i].metric + 1]++;
    }
    for (size_t m = 0; m < in.nm; m++)
        start[m + 1] += start[m];
    for (size_t i = 0; i < in.n; i++) {
        uint32_t m = in.c[i].metric;
        if (m < in.nm)
            items[start[m] + fill[m]++] = i;
    }
    in.by_metric = items;
    in.metric_start = start;
    for (size_t r = 0; r < cons_nrules && !out->oom; r++)
        cons_rules[r].fn(&in, out);
    S_internal(&in, out);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, S_cmp_finding);
done:
    free(start);
    free(items);
    free(fill);
}
