/* Unit tests for consistency.c: each rule, ids, classes, certainty, caps, and a brute-force
 * oracle on random data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consistency.h"

/* ---- building inputs ---- */

#define N_MAX 256

struct world {
    struct cons_claim c[N_MAX];
    char ids[N_MAX][16];
    size_t n;
    struct cons_metric m[8];
    size_t nm;
    struct cons_relation r[8];
    size_t nr;
};

static struct stats_interval S_iv(double lo, double hi)
{
    struct stats_interval iv = {.lo = lo, .hi = hi, .lo_open = false, .hi_open = false};
    return iv;
}

static struct stats_window S_win(int64_t start, int64_t end)
{
    struct stats_window w = {true, start, end};
    return w;
}

static const struct stats_window NO_TIME = {false, 0, 0};

/* A claim on metric m with interval iv, window w, source src; point = the low end. */
static size_t S_add(struct world *W, uint32_t m, struct stats_interval iv, struct stats_window w,
                    int64_t src)
{
    size_t i = W->n++;
    struct cons_claim *c = &W->c[i];
    memset(c, 0, sizeof *c);
    snprintf(W->ids[i], sizeof W->ids[i], "c-%03zu", i);
    c->id = W->ids[i];
    c->seq = (int64_t)i + 1;
    c->source = src;
    c->source_id = src == 1 ? "doc-one" : "doc-two";
    c->metric = m;
    c->place = 0;
    c->subject = CONS_NONE;
    c->scope = CONS_NONE;
    c->comparable = true;
    c->iv = iv;
    c->when = w;
    c->has_point = isfinite(iv.lo);
    c->point = iv.lo;
    c->repeats = SIZE_MAX;
    c->bound = "exact";
    return i;
}

static void S_metric(struct world *W, const char *id, bool cumulative)
{
    struct cons_metric *m = &W->m[W->nm++];
    m->id = id;
    m->cumulative = cumulative;
    m->one_per_subject = false;
    m->is_date = false;
}

static struct cons_relation *S_rel(struct world *W, const char *id, enum cons_rel_kind k,
                                   uint32_t metric)
{
    struct cons_relation *r = &W->r[W->nr++];
    memset(r, 0, sizeof *r);
    r->id = id;
    r->kind = k;
    r->metric = metric;
    r->whole = r->part = r->min = r->max = r->whole_place = CONS_NONE;
    return r;
}

static void S_run(struct world *W, struct cons_findings *f, size_t cap)
{
    struct cons_input in = {W->c, W->n, W->m, W->nm, W->r, W->nr, NULL, NULL};
    cons_findings_init(f, cap);
    cons_run(&in, f);
    assert_false(f->oom);
}

static size_t S_count(const struct cons_findings *f, const char *rule)
{
    size_t k = 0;
    for (size_t i = 0; i < f->n; i++)
        k += strcmp(f->v[i].rule, rule) == 0;
    return k;
}

static const struct cons_finding *S_first(const struct cons_findings *f, const char *rule)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->v[i].rule, rule) == 0)
            return &f->v[i];
    }
    fail_msg("no %s finding", rule);
    abort();
}

/* ---- the rules, one by one ---- */

static void test_interval(void **state)
{
    (void)state;
    struct world W = {.n = 0};
    S_metric(&W, "prisoners", false);
    size_t a = S_add(&W, 0, S_iv(800, 820), S_win(100, 130), 1);
    size_t b = S_add(&W, 0, S_iv(900, 1000), S_win(120, 150), 2);
    S_add(&W, 0, S_iv(810, 900), S_win(120, 150), 2);   /* meets both */
    S_add(&W, 0, S_iv(2000, 2000), S_win(500, 600), 2); /* other time */
    struct cons_findings f;
    S_run(&W, &f, 0);
    assert_int_equal(S_count(&f, "interval"), 1);
    const struct cons_finding *x = S_first(&f, "interval");
    assert_int_equal(x->side[0][0], a);
    assert_int_equal(x->side[1][0], b);
    assert_int_equal(x->cls, CONS_GENUINE);
    assert_int_equal(x->certainty, CONS_DEFINITE);
    assert_null(x->dissolves_if);
    assert_non_null(strstr(x->explanation, "[800, 820]"));
    assert_non_null(strstr(x->explanation, "[900, 1000]"));
    assert_int_equal(strncmp(x->id, "interval-", 9), 0);
    /* different sources: no internal restatement */
    assert_int_equal(S_count(&f, "internal"), 0);
    cons_findings_free(&f);

    /* a different place or subject is another context; a scope makes it possible */
    W.c[b].place = 1;
    S_run(&W, &f, 0);
    assert_int_equal(S_count(&f, "interval"), 0);
    cons_findings_free(&f);
    W.c[b].place = 0;
    W.c[b].scope = 3;
    W.c[b].scope_text = "Syria only";
    S_run(&W, &f, 0);
    x = S_first(&f, "interval");
    assert_non_null(x);
    assert_int_equal(x->cls, CONS_SCOPE);
    assert_int_equal(x->certainty, CONS_POSSIBLE);
    assert_non_null(strstr(x->dissolves_if, "Syria only"));
    cons_findings_free(&f);
}

static void test_cumulative_decrease(void **state)
{
    (void)state;
    struct world W = {.n = 0};
    S_metric(&W, "departed", true);
    S_metric(&W, "not_cumulative", false);
    /* at least 1,600 (2017) and about 1,300 (2019) */
    size_t e = S_add(&W, 0, S_iv(1600, INFINITY), S_win(17000, 17364), 1);
    size_t l = S_add(&W, 0, S_iv(1250, 1350), S_win(17897, 18261), 2);
    S_add(&W, 0, S_iv(1700, 1800), S_win(18300, 18400), 2); /* rises: fine */
    S_add(&W, 1, S_iv(1600, INFINITY), S_win(17000, 17364), 1);
    S_add(&W, 1, S_iv(1250, 1350), S_win(17897, 18261), 2);
    struct cons_findings f;
    S_run(&W, &f, 0);
    assert_int_equal(S_count(&f, "cumulative_decrease"), 1);
    const struct cons_finding *x = S_first(&f, "cumulative_decrease");
    assert_int_equal(x->side[0][0], e);
    assert_int_equal(x->side[1][0], l);
    assert_string_equal(x->role[0], "earlier");
    assert_non_null(strstr(x->explanation, "1350 lies below 1600"));
    cons_findings_free(&f);
    /* the same two claims swapped in time fall no more */
    W.c[e].when = S_win(17897, 18261);
    W.c[l].when = S_win(17000, 17364);
    S_run(&W, &f, 0);
    assert_int_equal(S_count(&f, "cumulative_decrease"), 0);
    cons_findings_free(&f);
}

static void test_part_whole(void **state)
{
    (void)state;
    struct world W = {.n = 0};
    S_metric(&W, "graduates", true);
    S_metric(&W, "participants", false);
    struct cons_relation *r = S_rel(&W, "grad_le_part", CONS_PART_WHOLE, 0);
    r->whole = 1;
    size_t g = S_add(&W, 0, S_iv(75, 75), S_win(200, 230), 1);
    size_t p = S_add(&W, 1, S_iv(45, 55), S_win(100, 199), 2);
    struct cons_findings f;
    S_run(&W, &f, 0);
    const struct cons_finding *x = S_first(&f, "part_whole");
    assert_non_null(x);
    assert_int_equal(x->side[0][0], g);
    assert_int_equal(x->side[1][0], p);
    assert_string_equal(x->relation, "grad_le_part");
    /* the part is later than the whole: possible, unless the whole grew */
    assert_int_equal(x->certainty, CONS_POSSIBLE);
    assert_non_null(strstr(x->dissolves_if, "grew"));
    cons_findings_free(&f);
    /* overlapping windows: definite */
    W.c[p].when = S_win(150, 220);
    S_run(&W, &f, 0);
    x = S_first(&f, "part_whole");
    assert_int_equal(x->certainty, CONS_DEFINITE);
    cons_findings_free(&f);
    /* a part within its whole is no finding */
    W.c[g].iv = S_iv(40, 40);
    S_run(&W, &f, 0);
    assert_int_equal(S_count(&f, "part_whole"), 0);
    cons_findings_free(&f);
    /* whole_place: the whole is counted at another place */
    W.c[g].iv = S_iv(75, 75);
    W.c[g].place = 5;
    r->whole_place = 0;
    S_run(&W, &f, 0);
    assert_int_equal(S_count(&f, "part_whole"), 1);
    cons_findings_free(&f);
    r->whole_place = 7;
    S_run(&W, &f, 0);
    assert_int_equal(S_count(&f, "part_whole"), 0);
    cons_findings_free(&f);
}

static void test_sum(void **state)
{
    (void)state;
    struct world W = {.n = 0};
    S_metric(&W, "total", false);
    S_metric(&W, "men", false);
    S_metric(&W, "women", false);
    static const uint32_t parts[] = {1, 2};
    struct cons_relation *r = S_rel(&W, "men_women_total", CONS_SUM, 0);
    r->parts = parts;
    r->nparts = 2;
    S_add(&W, 0, S_iv(100, 100), NO_TIME, 1);
    S_add(&W, 1, S_iv(60, 60), NO_TIME, 1);
    size_t w = S_add(&W, 2, S_iv(30, 30), NO_TIME, 1);
    struct cons_findings f;
    S_run(&W, &f, 0);
    const struct cons_finding *x = S_first(&f, "sum");
    assert_non_null(x);
    assert_int_equal(x->nside[0], 2);
    assert_non_null(strstr(x->explanation, "add up to 90"));
    /* one document: also its internal inconsistency */
    assert_int_equal(S_count(&f, "internal"), 1);
    const struct cons_finding *in = S_first(&f, "internal");
    assert_string_equal(in->of, x->id);
    assert_int_equal(in->cls, CONS_INTERNAL);
    cons_findings_free(&f);
    W.c[w].iv = S_iv(35, 45);
    S_run(&W, &f, 0);
    assert_int_equal(S_count(&f, "sum"), 0);
    cons_findings_free(&f);
}

static void test_share_arithmetic(void **state)
{
    (void)state;
    struct world W = {.n = 0};
    S_metric(&W, "share", false);
    S_metric(&W, "moroccans", false);
    S_metric(&W, "total", false);
    struct cons_relation *r = S_rel(&W, "share_of_total", CONS_SHARE, 0);
    r->part = 1;
    r->whole = 2;
    /* "at least 6 percent (36 individuals) of a total of 700" */
    size_t s = S_add(&W, 0, S_iv(6, INFINITY), NO_TIME, 1);
    size_t p = S_add(&W, 1, S_iv(36, INFINITY), NO_TIME, 1);
    size_t t = S_add(&W, 2, S_iv(700, 700), NO_TIME, 1);
    W.c[s].bound = W.c[p].bound = "at_least";
    struct cons_findings f;
    S_run(&W, &f, 0);
    const struct cons_finding *x = S_first(&f, "share_arithmetic");
    assert_non_null(x);
    /* as stated 36 / 700 is 5.1 %; read as "at least 36" it allows 6 %: possible */
    assert_int_equal(x->certainty, CONS_POSSIBLE);
    assert_non_null(strstr(x->explanation, "5.1 percent"));
    assert_int_equal(x->side[1][0], p);
    assert_int_equal(x->side[1][1], t);
    cons_findings_free(&f);
    /* "36 individuals" exactly: definite */
    W.c[p].iv = S_iv(36, 36);
    S_run(&W, &f, 0);
    x = S_first(&f, "share_arithmetic");
    assert_int_equal(x->certainty, CONS_DEFINITE);
    cons_findings_free(&f);
    /* a share that matches its counts */
    W.c[s].iv = S_iv(5, 5.2);
    W.c[s].point = 5.1;
    S_run(&W, &f, 0);
    assert_int_equal(S_count(&f, "share_arithmetic"), 0);
    cons_findings_free(&f);
}

static void test_range_containment(void **state)
{
    (void)state;
    struct world W = {.n = 0};
    S_metric(&W, "sentence", false);
    S_metric(&W, "min", false);
    S_metric(&W, "max", false);
    struct cons_relation *r = S_rel(&W, "within_law", CONS_RANGE, 0);
    r->min = 1;
    r->max = 2;
    size_t v = S_add(&W, 0, S_iv(2, 2), S_win(1000, 1100), 1);
    S_add(&W, 1, S_iv(5, 5), S_win(900, 930), 2);   /* in force before: compared */
    S_add(&W, 1, S_iv(5, 5), S_win(1200, 1230), 2); /* adopted after: not */
    S_add(&W, 2, S_iv(15, 15), NO_TIME, 2);
    W.c[v].subject = 9;
    W.c[v].subject_id = "a-person";
    struct cons_findings f;
    S_run(&W, &f, 0);
    assert_int_equal(S_count(&f, "range_containment"), 1);
    const struct cons_finding *x = S_first(&f, "range_containment");
    assert_string_equal(x->role[1], "minimum");
    /* a person's sentence against a law's range: possible */
    assert_int_equal(x->certainty, CONS_POSSIBLE);
    cons_findings_free(&f);
}

static void test_ids_stable_and_caps(void **state)
{
    (void)state;
    struct world W = {.n = 0};
    S_metric(&W, "m", false);
    for (int i = 0; i < 20; i++)
        S_add(&W, 0, S_iv(i * 10, i * 10), NO_TIME, 1 + (i % 2));
    struct cons_findings f, g;
    S_run(&W, &f, 0);
    S_run(&W, &g, 0);
    assert_int_equal(S_count(&f, "interval"), 20 * 19 / 2);
    assert_int_equal(f.n, g.n);
    for (size_t i = 0; i < f.n; i++) {
        assert_string_equal(f.v[i].id, g.v[i].id);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(f.v[i].id, f.v[j].id);
    }
    cons_findings_free(&g);
    S_run(&W, &g, 7);
    assert_int_equal(S_count(&g, "interval"), 7);
    assert_true(g.truncated);
    assert_false(f.truncated);
    cons_findings_free(&f);
    cons_findings_free(&g);
}

/* ---- the oracle ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t S_rand(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static bool O_overlap(const struct stats_interval *a, const struct stats_interval *b)
{
    if (a->hi < b->lo || b->hi < a->lo)
        return false;
    if (a->hi == b->lo && (a->hi_open || b->lo_open))
        return false;
    if (b->hi == a->lo && (b->hi_open || a->lo_open))
        return false;
    return true;
}

static bool O_when(const struct stats_window *a, const struct stats_window *b)
{
    return !a->has_time || !b->has_time || (a->start <= b->end && b->start <= a->end);
}

static bool O_ctx(const struct cons_claim *a, const struct cons_claim *b)
{
    if (a->subject == b->subject)
        return a->place == b->place ||
               (a->subject != CONS_NONE && (a->place == CONS_NONE || b->place == CONS_NONE));
    return a->place == b->place && ((a->subject == CONS_NONE && b->subject_is_program) ||
                                    (b->subject == CONS_NONE && a->subject_is_program));
}

static bool O_has(const struct cons_findings *f, const char *rule, size_t a, size_t b)
{
    for (size_t i = 0; i < f->n; i++) {
        const struct cons_finding *x = &f->v[i];
        if (strcmp(x->rule, rule) == 0 && x->side[0][0] == a && x->nside[1] && x->side[1][0] == b)
            return true;
    }
    return false;
}

static void test_oracle_random(void **state)
{
    (void)state;
    for (int round = 0; round < 200; round++) {
        struct world W = {.n = 0};
        S_metric(&W, "m0", true);
        S_metric(&W, "m1", false);
        S_metric(&W, "m2", false);
        struct cons_relation *pw = S_rel(&W, "pw", CONS_PART_WHOLE, 1);
        pw->whole = 0;
        struct cons_relation *rg = S_rel(&W, "rg", CONS_RANGE, 2);
        rg->min = 1;
        size_t n = 10 + S_rand(50);
        for (size_t i = 0; i < n; i++) {
            double lo = S_rand(20), hi = lo + S_rand(6);
            struct stats_interval iv = S_iv(lo, S_rand(8) == 0 ? INFINITY : hi);
            iv.lo_open = S_rand(5) == 0;
            if (iv.lo_open && iv.hi == iv.lo)
                iv.hi = lo + 1; /* comparable claims have non-empty intervals */
            struct stats_window w = NO_TIME;
            if (S_rand(4) != 0) {
                int64_t s = S_rand(10);
                w = S_win(s, s + S_rand(3));
            }
            size_t k = S_add(&W, S_rand(3), iv, w, 1 + S_rand(3));
            W.c[k].place = S_rand(5) == 0 ? CONS_NONE : S_rand(2);
            W.c[k].subject = S_rand(3) == 0 ? 4 : CONS_NONE;
            W.c[k].subject_is_program = W.c[k].subject == 4;
            W.c[k].comparable = S_rand(10) != 0;
            W.c[k].scope = S_rand(6) == 0 ? 8 : CONS_NONE;
        }
        struct cons_findings f;
        S_run(&W, &f, 0);
        size_t want_interval = 0, want_cum = 0, want_pw = 0, want_rg = 0, want_internal = 0;
        for (size_t i = 0; i < W.n; i++) {
            for (size_t j = 0; j < W.n; j++) {
                const struct cons_claim *a = &W.c[i], *b = &W.c[j];
                if (i == j || !a->comparable || !b->comparable)
                    continue;
                bool same = a->metric == b->metric && O_ctx(a, b);
                if (i < j && same && O_when(&a->when, &b->when) && !O_overlap(&a->iv, &b->iv)) {
                    want_interval++;
                    assert_true(O_has(&f, "interval", i, j));
                    want_internal += a->source == b->source;
                }
                if (same && a->metric == 0 && a->when.has_time && b->when.has_time &&
                    a->when.end < b->when.start &&
                    (b->iv.hi < a->iv.lo ||
                     (b->iv.hi == a->iv.lo && (b->iv.hi_open || a->iv.lo_open)))) {
                    want_cum++;
                    assert_true(O_has(&f, "cumulative_decrease", i, j));
                    want_internal += a->source == b->source;
                }
                if (a->metric == 1 && b->metric == 0 && O_ctx(a, b) &&
                    (b->iv.hi < a->iv.lo ||
                     (b->iv.hi == a->iv.lo && (b->iv.hi_open || a->iv.lo_open)))) {
                    want_pw++;
                    assert_true(O_has(&f, "part_whole", i, j));
                    want_internal += a->source == b->source;
                }
                if (a->metric == 2 && b->metric == 1 &&
                    !(a->when.has_time && b->when.has_time && b->when.start > a->when.end) &&
                    (a->iv.hi < b->iv.lo ||
                     (a->iv.hi == b->iv.lo && (a->iv.hi_open || b->iv.lo_open)))) {
                    want_rg++;
                    assert_true(O_has(&f, "range_containment", i, j));
                    want_internal += a->source == b->source;
                }
            }
        }
        assert_int_equal(S_count(&f, "interval"), want_interval);
        assert_int_equal(S_count(&f, "cumulative_decrease"), want_cum);
        assert_int_equal(S_count(&f, "part_whole"), want_pw);
        assert_int_equal(S_count(&f, "range_containment"), want_rg);
        assert_int_equal(S_count(&f, "internal"), want_internal);
        cons_findings_free(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interval),
        cmocka_unit_test(test_cumulative_decrease),
        cmocka_unit_test(test_part_whole),
        cmocka_unit_test(test_sum),
        cmocka_unit_test(test_share_arithmetic),
        cmocka_unit_test(test_range_containment),
        cmocka_unit_test(test_ids_stable_and_caps),
        cmocka_unit_test(test_oracle_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
