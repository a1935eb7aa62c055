/*
 * The disagreement sweeps (stat_find_disagreements: per metric, the cheaper of a sweep by
 * time window and a sweep by value edge, within a cell of place and subject and across
 * the cells a program subject or a shared subject makes comparable) against a brute-force
 * oracle: every pair of the set, checked with stat_obs_disagree(). Random sets cover every
 * bound kind, undated and dated claims, touching and open ends, unbounded sides, equal
 * values, periods, places and subjects of both kinds; each must give exactly the
 * oracle's pairs in the documented order, and a cap must give a subset that says it was
 * cut.
 */
#include "statistic_analysis.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint64_t rng_state;

static uint64_t S_rand(void)
{
    /* xorshift64*: deterministic across machines */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static unsigned S_below(unsigned n)
{
    return (unsigned)(S_rand() % n);
}

static const char *const bounds[] = {"exact",     "approx", "at_least", "more_than", "up_to",
                                     "less_than", "range",  "vague",    "almost"};
static const char *const places[] = {NULL, "rabat", "fnideq"};
/* subjects: none, a program, an entity */
static const char *const subjects[] = {NULL, "musalaha", "cell-x"};

/* One random observation; `spread` scales the values (small: many ties and touching ends). */
static void S_row(struct stat_claim_row *r, int64_t seq, unsigned spread, unsigned undated_pct)
{
    static char ids[4096][16];
    memset(r, 0, sizeof *r);
    r->seq = seq;
    snprintf(ids[seq % 4096], sizeof ids[0], "c-%lld", (long long)seq);
    r->id = ids[seq % 4096];
    r->source_id = "src";
    r->claimant = "someone";
    unsigned m = S_below(3); /* a third of the claims on a second metric */
    r->metric_id = m == 2 ? "m2" : "m1";
    r->metric_seq = m == 2 ? 2 : 1;
    r->value_type = "number";
    r->one_per_subject = m == 2; /* a property of the metric: one true value per subject */
    r->bound = bounds[S_below(sizeof bounds / sizeof bounds[0])];
    r->unit = "people";
    double v = (double)(S_below(spread) * 10u);
    if (strcmp(r->bound, "range") == 0) {
        double w = (double)(S_below(spread) * 10u);
        r->has_lower = r->has_upper = true;
        r->lower = v;
        r->upper = v + w;
    } else if (strcmp(r->bound, "vague") == 0) {
        r->vague_term = "dozens";
    } else {
        r->has_value = true;
        r->value = v;
        /* an approximate figure sometimes states one edge as well */
        if (strcmp(r->bound, "approx") == 0 && S_below(4) == 0) {
            r->has_lower = true;
            r->lower = v - 5;
        }
    }
    if (S_below(100) >= undated_pct) {
        r->has_time = true;
        r->time_start = (int64_t)S_below(40) * 30;
        r->time_end = r->time_start + (int64_t)S_below(3) * 30 + (int64_t)S_below(30);
        r->has_period = S_below(3) == 0;
        if (r->has_period) {
            r->period_start = "p0";
            r->period_end = "p1";
        } else {
            r->as_of = "a";
        }
    }
    r->place_id = places[S_below(3)];
    unsigned s = S_below(3);
    r->subject_id = subjects[s];
    r->subject_is_program = s == 1;
}

static int S_cmp_expected(const struct stat_set *s, const struct stat_pair *x,
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

/* Every disagreeing pair, by trying them all, in the documented order. */
static size_t S_oracle(const struct stat_set *s, struct stat_pair *out)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = i + 1; j < s->n; j++) {
            if (!stat_obs_disagree(&s->v[i], &s->v[j]))
                continue;
            assert_true(stat_obs_disagree(&s->v[j], &s->v[i])); /* symmetric */
            bool first = s->v[i].r.seq < s->v[j].r.seq;
            out[n].a = first ? i : j;
            out[n].b = first ? j : i;
            n++;
        }
    for (size_t i = 1; i < n; i++) /* insertion sort: a few hundred pairs */
        for (size_t j = i; j > 0 && S_cmp_expected(s, &out[j], &out[j - 1]) < 0; j--) {
            struct stat_pair t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

static void S_check_set(size_t n, unsigned spread, unsigned undated_pct, size_t *pairs_seen)
{
    struct stat_set s;
    stat_set_init(&s);
    /* seqs in a shuffled order: the sweeps must not lean on the insertion order */
    int64_t seqs[200];
    for (size_t i = 0; i < n; i++)
        seqs[i] = (int64_t)i + 1;
    for (size_t i = n; i > 1; i--) {
        size_t j = S_below((unsigned)i);
        int64_t t = seqs[i - 1];
        seqs[i - 1] = seqs[j];
        seqs[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        struct stat_claim_row r;
        S_row(&r, seqs[i], spread, undated_pct);
        assert_int_equal(stat_set_add(&s, &r), APP_OK);
    }
    static struct stat_pair want[200 * 199 / 2];
    size_t nwant = S_oracle(&s, want);
    struct stat_pairs got;
    stat_pairs_init(&got);
    assert_int_equal(stat_find_disagreements(&s, 0, 0, NULL, NULL, &got), APP_OK);
    if (got.n != nwant)
        fail_msg("n=%zu spread=%u undated=%u%%: the sweeps found %zu pairs, the oracle %zu", n,
                 spread, undated_pct, got.n, nwant);
    for (size_t i = 0; i < nwant; i++) {
        if (got.v[i].a != want[i].a || got.v[i].b != want[i].b)
            fail_msg("pair %zu: the sweeps give (%s, %s), the oracle (%s, %s)", i,
                     s.v[got.v[i].a].r.id, s.v[got.v[i].b].r.id, s.v[want[i].a].r.id,
                     s.v[want[i].b].r.id);
    }
    assert_false(got.truncated);
    stat_pairs_free(&got);

    /* A cap per metric: a subset of the oracle's pairs, at most the cap per metric, cut
     * exactly when a metric has more. */
    size_t cap = 1 + S_below(4);
    size_t per_metric_want[3] = {0};
    for (size_t i = 0; i < nwant; i++)
        per_metric_want[s.v[want[i].a].r.metric_seq]++;
    stat_pairs_init(&got);
    assert_int_equal(stat_find_disagreements(&s, cap, 0, NULL, NULL, &got), APP_OK);
    size_t per_metric_got[3] = {0};
    for (size_t i = 0; i < got.n; i++) {
        bool found = false;
        for (size_t k = 0; k < nwant && !found; k++)
            found = got.v[i].a == want[k].a && got.v[i].b == want[k].b;
        assert_true(found);
        per_metric_got[s.v[got.v[i].a].r.metric_seq]++;
    }
    bool over = false;
    for (int m = 1; m <= 2; m++) {
        assert_true(per_metric_got[m] <= cap);
        assert_int_equal(per_metric_got[m], per_metric_want[m] < cap ? per_metric_want[m] : cap);
        over = over || per_metric_want[m] > cap;
    }
    assert_int_equal(got.truncated, over);
    stat_pairs_free(&got);
    *pairs_seen += nwant;
    stat_set_free(&s);
}

static void test_sweeps_match_every_pair(void **state)
{
    (void)state;
    size_t pairs = 0, sets = 0;
    static const unsigned spreads[] = {3, 20, 400};
    static const unsigned undated[] = {0, 30, 90, 100};
    for (uint64_t seed = 1; seed <= 60; seed++) {
        rng_state = seed * 0x9E3779B97F4A7C15ULL;
        for (size_t a = 0; a < sizeof spreads / sizeof spreads[0]; a++)
            for (size_t b = 0; b < sizeof undated / sizeof undated[0]; b++) {
                size_t n = 2 + S_below(seed % 4 == 0 ? 198 : 40);
                S_check_set(n, spreads[a], undated[b], &pairs);
                sets++;
            }
    }
    assert_true(sets == 720);
    assert_true(pairs > 10000); /* the sets are not trivially agreeable */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweeps_match_every_pair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
