/* Unit tests for stats.c: bounds as intervals, date windows, disagreement, summaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "pdate.h"
#include "stats.h"

/* ---- helpers ---- */

static void S_assert_iv(const struct stats_interval *iv, double lo, bool lo_open, double hi,
                        bool hi_open)
{
    if (isinf(lo)) {
        assert_true(isinf(iv->lo));
        assert_true((lo < 0) == (iv->lo < 0));
    } else {
        assert_true(fabs(iv->lo - lo) < 1e-9);
    }
    if (isinf(hi)) {
        assert_true(isinf(iv->hi));
        assert_true((hi < 0) == (iv->hi < 0));
    } else {
        assert_true(fabs(iv->hi - hi) < 1e-9);
    }
    assert_int_equal(iv->lo_open, lo_open);
    assert_int_equal(iv->hi_open, hi_open);
}

static struct stats_interval S_iv(double lo, bool lo_open, double hi, bool hi_open)
{
    struct stats_interval iv = {lo, hi, lo_open, hi_open};
    return iv;
}

static struct stats_value S_val(enum stats_bound b, bool hv, double v, bool hl, double l, bool hu,
                                double u)
{
    struct stats_value x;
    x.bound = b;
    x.has_value = hv;
    x.value = v;
    x.has_lower = hl;
    x.lower = l;
    x.has_upper = hu;
    x.upper = u;
    return x;
}

static struct stats_interval S_vi(enum stats_bound b, bool hv, double v, bool hl, double l, bool hu,
                                  double u)
{
    struct stats_value x = S_val(b, hv, v, hl, l, hu, u);
    return stats_value_interval(&x);
}

/* The day window of a partial date. */
static void S_days(const char *s, int64_t *first, int64_t *last)
{
    struct pdate d;
    assert_true(pdate_parse(s, &d));
    *first = pdate_first_day(&d);
    *last = pdate_last_day(&d);
}

static struct stats_window S_win(const char *s)
{
    struct stats_window w;
    w.has_time = true;
    S_days(s, &w.start, &w.end);
    return w;
}

static struct stats_window S_notime(void)
{
    struct stats_window w = {false, 0, 0};
    return w;
}

static struct stats_interval S_di(enum stats_bound b, const char *s)
{
    int64_t f, l;
    S_days(s, &f, &l);
    return stats_date_interval(b, f, l);
}

static double S_day(int y, int m, int d)
{
    return (double)pdate_days_from_civil(y, m, d);
}

/* ---- bound names ---- */

static void test_bound_parse_and_name(void **state)
{
    static const char *const names[] = {"exact",     "approx", "at_least", "more_than", "up_to",
                                        "less_than", "range",  "vague",    "almost"};
    (void)state;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        enum stats_bound b = STATS_VAGUE;
        assert_true(stats_bound_parse(names[i], &b));
        assert_int_equal((int)b, (int)i);
        assert_string_equal(stats_bound_name(b), names[i]);
    }
    enum stats_bound keep = STATS_RANGE;
    assert_false(stats_bound_parse("about", &keep));
    assert_false(stats_bound_parse("Exact", &keep));
    assert_false(stats_bound_parse("", &keep));
    assert_false(stats_bound_parse("exact ", &keep));
    assert_false(stats_bound_parse(NULL, &keep));
    assert_int_equal(keep, STATS_RANGE);
}

/* ---- numeric intervals ---- */

static void test_value_exact(void **state)
{
    (void)state;
    struct stats_interval iv = S_vi(STATS_EXACT, true, 186, false, 0, false, 0);
    S_assert_iv(&iv, 186, false, 186, false);
    /* no value: fall back to the edges, then to unbounded */
    iv = S_vi(STATS_EXACT, false, 0, true, 10, true, 12);
    S_assert_iv(&iv, 10, false, 12, false);
    iv = S_vi(STATS_EXACT, false, 0, true, 10, false, 0);
    S_assert_iv(&iv, 10, false, INFINITY, true);
    iv = S_vi(STATS_EXACT, false, 0, false, 0, false, 0);
    S_assert_iv(&iv, -INFINITY, true, INFINITY, true);
}

static void test_value_approx(void **state)
{
    (void)state;
    /* "about 1,300": half a unit of the hundreds */
    struct stats_interval iv = S_vi(STATS_APPROX, true, 1300, false, 0, false, 0);
    S_assert_iv(&iv, 1250, false, 1350, false);
    /* "around 1,500" is [1450, 1550]; "1,122" is almost exact */
    iv = S_vi(STATS_APPROX, true, 1500, false, 0, false, 0);
    S_assert_iv(&iv, 1450, false, 1550, false);
    iv = S_vi(STATS_APPROX, true, 1122, false, 0, false, 0);
    S_assert_iv(&iv, 1121.5, false, 1122.5, false);
    /* a stated upper edge wins on that side */
    iv = S_vi(STATS_APPROX, true, 1000, false, 0, true, 1000);
    S_assert_iv(&iv, 500, false, 1000, false);
    /* stated lower edge */
    iv = S_vi(STATS_APPROX, true, 1000, true, 1000, false, 0);
    S_assert_iv(&iv, 1000, false, 1500, false);
    /* negative values widen by the same half unit */
    iv = S_vi(STATS_APPROX, true, -100, false, 0, false, 0);
    S_assert_iv(&iv, -150, false, -50, false);
    /* zero: half a unit of the ones */
    iv = S_vi(STATS_APPROX, true, 0, false, 0, false, 0);
    S_assert_iv(&iv, -0.5, false, 0.5, false);
    /* no value: edges or unbounded */
    iv = S_vi(STATS_APPROX, false, 0, false, 0, true, 50);
    S_assert_iv(&iv, -INFINITY, true, 50, false);
    iv = S_vi(STATS_APPROX, false, 0, false, 0, false, 0);
    S_assert_iv(&iv, -INFINITY, true, INFINITY, true);
}

static void test_half_unit(void **state)
{
    (void)state;
    assert_true(stats_half_unit(1500) == 50);
    assert_true(stats_half_unit(1122) == 0.5);
    assert_true(stats_half_unit(1000) == 500);
    assert_true(stats_half_unit(70) == 5);
    assert_true(stats_half_unit(13) == 0.5);
    assert_true(fabs(stats_half_unit(66.7) - 0.05) < 1e-12);
    assert_true(fabs(stats_half_unit(2.25) - 0.005) < 1e-12);
    assert_true(stats_half_unit(0) == 0.5);
    assert_true(stats_half_unit(-300) == 50);
    assert_true(isnan(stats_half_unit(INFINITY)));
}

static void test_value_almost(void **state)
{
    (void)state;
    /* "almost 1000": below the figure, the upper end only */
    struct stats_interval iv = S_vi(STATS_ALMOST, true, 1000, false, 0, false, 0);
    S_assert_iv(&iv, -INFINITY, true, 1000, false);
    iv = S_vi(STATS_ALMOST, false, 0, false, 0, true, 40);
    S_assert_iv(&iv, -INFINITY, true, 40, false);
    iv = S_di(STATS_ALMOST, "2016");
    S_assert_iv(&iv, -INFINITY, true, S_day(2016, 12, 31), false);
}

static void test_policy_table(void **state)
{
    (void)state;
    /* one row per bound, in enum order, each named as the parser reads it */
    assert_int_equal(stats_npolicy, STATS_ALMOST + 1);
    for (size_t i = 0; i < stats_npolicy; i++) {
        enum stats_bound b = STATS_VAGUE;
        assert_int_equal((int)stats_policy[i].bound, (int)i);
        assert_true(stats_bound_parse(stats_policy[i].name, &b));
        assert_int_equal((int)b, (int)i);
        assert_non_null(stats_policy[i].number);
        assert_non_null(stats_policy[i].date);
        assert_ptr_equal(stats_policy_of(b), &stats_policy[i]);
    }
    assert_ptr_equal(stats_policy_of((enum stats_bound)99), &stats_policy[STATS_VAGUE]);
}

static void test_value_at_least_more_than(void **state)
{
    (void)state;
    struct stats_interval iv = S_vi(STATS_AT_LEAST, true, 254, true, 254, false, 0);
    S_assert_iv(&iv, 254, false, INFINITY, true);
    iv = S_vi(STATS_MORE_THAN, true, 1500, true, 1500, false, 0);
    S_assert_iv(&iv, 1500, true, INFINITY, true);
    /* value missing: lower edge */
    iv = S_vi(STATS_AT_LEAST, false, 0, true, 7, false, 0);
    S_assert_iv(&iv, 7, false, INFINITY, true);
    iv = S_vi(STATS_MORE_THAN, false, 0, true, 7, false, 0);
    S_assert_iv(&iv, 7, true, INFINITY, true);
    /* nothing at all: unbounded */
    iv = S_vi(STATS_AT_LEAST, false, 0, false, 0, false, 0);
    S_assert_iv(&iv, -INFINITY, true, INFINITY, true);
    iv = S_vi(STATS_MORE_THAN, false, 0, false, 0, false, 0);
    S_assert_iv(&iv, -INFINITY, true, INFINITY, true);
}

static void test_value_up_to_less_than(void **state)
{
    (void)state;
    struct stats_interval iv = S_vi(STATS_UP_TO, true, 500000, false, 0, true, 500000);
    S_assert_iv(&iv, -INFINITY, true, 500000, false);
    iv = S_vi(STATS_LESS_THAN, true, 200, false, 0, true, 200);
    S_assert_iv(&iv, -INFINITY, true, 200, true);
    /* value missing: upper edge */
    iv = S_vi(STATS_UP_TO, false, 0, false, 0, true, 9);
    S_assert_iv(&iv, -INFINITY, true, 9, false);
    iv = S_vi(STATS_LESS_THAN, false, 0, false, 0, true, 9);
    S_assert_iv(&iv, -INFINITY, true, 9, true);
    iv = S_vi(STATS_UP_TO, false, 0, false, 0, false, 0);
    S_assert_iv(&iv, -INFINITY, true, INFINITY, true);
    iv = S_vi(STATS_LESS_THAN, false, 0, false, 0, false, 0);
    S_assert_iv(&iv, -INFINITY, true, INFINITY, true);
}

static void test_value_range_and_vague(void **state)
{
    (void)state;
    struct stats_interval iv = S_vi(STATS_RANGE, false, 0, true, 800, true, 820);
    S_assert_iv(&iv, 800, false, 820, false);
    iv = S_vi(STATS_RANGE, false, 0, false, 0, true, 820);
    S_assert_iv(&iv, -INFINITY, true, 820, false);
    iv = S_vi(STATS_RANGE, false, 0, true, 5, false, 0);
    S_assert_iv(&iv, 5, false, INFINITY, true);
    /* vague ignores any numbers */
    iv = S_vi(STATS_VAGUE, false, 0, false, 0, false, 0);
    S_assert_iv(&iv, -INFINITY, true, INFINITY, true);
    iv = S_vi(STATS_VAGUE, true, 12, true, 10, true, 99);
    S_assert_iv(&iv, -INFINITY, true, INFINITY, true);
}

/* ---- date intervals ---- */

static void test_date_interval_bounds(void **state)
{
    (void)state;
    double f = S_day(2016, 1, 1), l = S_day(2016, 12, 31);
    struct stats_interval iv = S_di(STATS_EXACT, "2016");
    S_assert_iv(&iv, f, false, l, false);
    iv = S_di(STATS_RANGE, "2016");
    S_assert_iv(&iv, f, false, l, false);
    /* approx widens by one window (366 days in 2016) on each side */
    iv = S_di(STATS_APPROX, "2016");
    S_assert_iv(&iv, f - 366, false, l + 366, false);
    assert_true(iv.lo == S_day(2015, 1, 1) - 1);
    assert_true(iv.hi == S_day(2017, 12, 31) + 1);
    iv = S_di(STATS_APPROX, "2016-03-05");
    S_assert_iv(&iv, S_day(2016, 3, 4), false, S_day(2016, 3, 6), false);
    iv = S_di(STATS_AT_LEAST, "2016");
    S_assert_iv(&iv, f, false, INFINITY, true);
    iv = S_di(STATS_MORE_THAN, "2016");
    S_assert_iv(&iv, l, true, INFINITY, true);
    iv = S_di(STATS_UP_TO, "2016");
    S_assert_iv(&iv, -INFINITY, true, l, false);
    iv = S_di(STATS_LESS_THAN, "2016");
    S_assert_iv(&iv, -INFINITY, true, f, true);
    iv = S_di(STATS_VAGUE, "2016");
    S_assert_iv(&iv, -INFINITY, true, INFINITY, true);
    /* a range from value_date to range_end */
    iv = stats_date_interval(STATS_RANGE, (int64_t)S_day(2014, 1, 1), (int64_t)S_day(2016, 6, 30));
    S_assert_iv(&iv, S_day(2014, 1, 1), false, S_day(2016, 6, 30), false);
}

static void test_date_interval_edges(void **state)
{
    (void)state;
    /* "after 2016" excludes all of 2016 but includes 2017-01-01 */
    struct stats_interval after = S_di(STATS_MORE_THAN, "2016");
    struct stats_interval d2016 = S_di(STATS_EXACT, "2016-12-31");
    struct stats_interval d2017 = S_di(STATS_EXACT, "2017-01-01");
    assert_false(stats_overlap(&after, &d2016));
    assert_true(stats_overlap(&after, &d2017));
    /* "before 2016" excludes 2016-01-01, includes 2015-12-31 */
    struct stats_interval before = S_di(STATS_LESS_THAN, "2016");
    struct stats_interval jan1 = S_di(STATS_EXACT, "2016-01-01");
    struct stats_interval dec31 = S_di(STATS_EXACT, "2015-12-31");
    assert_false(stats_overlap(&before, &jan1));
    assert_true(stats_overlap(&before, &dec31));
    /* "by 2016" (up_to) includes the whole year */
    struct stats_interval by = S_di(STATS_UP_TO, "2016");
    assert_true(stats_overlap(&by, &d2016));
    assert_false(stats_overlap(&by, &d2017));
    /* "since 2016" (at_least) includes 2016-01-01 */
    struct stats_interval since = S_di(STATS_AT_LEAST, "2016");
    assert_true(stats_overlap(&since, &jan1));
    assert_false(stats_overlap(&since, &dec31));
}

/* ---- overlap ---- */

static void test_overlap_edges(void **state)
{
    (void)state;
    struct stats_interval a, b;
    /* (1500, inf) vs [1500, 1500] */
    a = S_iv(1500, true, INFINITY, true);
    b = S_iv(1500, false, 1500, false);
    assert_false(stats_overlap(&a, &b));
    assert_false(stats_overlap(&b, &a));
    /* [1, 2] vs [2, 3] share 2 */
    a = S_iv(1, false, 2, false);
    b = S_iv(2, false, 3, false);
    assert_true(stats_overlap(&a, &b));
    assert_true(stats_overlap(&b, &a));
    /* [1, 2) vs [2, 3]; [1, 2] vs (2, 3] */
    a = S_iv(1, false, 2, true);
    assert_false(stats_overlap(&a, &b));
    a = S_iv(1, false, 2, false);
    b = S_iv(2, true, 3, false);
    assert_false(stats_overlap(&a, &b));
    assert_false(stats_overlap(&b, &a));
    /* (-inf, 5) vs [5, 6] */
    a = S_iv(-INFINITY, true, 5, true);
    b = S_iv(5, false, 6, false);
    assert_false(stats_overlap(&a, &b));
    assert_false(stats_overlap(&b, &a));
    /* (-inf, 5] vs [5, 6] */
    a = S_iv(-INFINITY, true, 5, false);
    assert_true(stats_overlap(&a, &b));
    /* identical points; different points */
    a = S_iv(7, false, 7, false);
    b = S_iv(7, false, 7, false);
    assert_true(stats_overlap(&a, &b));
    b = S_iv(7.5, false, 7.5, false);
    assert_false(stats_overlap(&a, &b));
    /* containment and partial overlap with open ends */
    a = S_iv(0, true, 10, true);
    b = S_iv(3, false, 4, false);
    assert_true(stats_overlap(&a, &b));
    b = S_iv(9, true, 20, true);
    assert_true(stats_overlap(&a, &b));
    /* two opposite half-lines */
    a = S_iv(-INFINITY, true, 5, true);
    b = S_iv(5, true, INFINITY, true);
    assert_false(stats_overlap(&a, &b));
    b = S_iv(4, true, INFINITY, true);
    assert_true(stats_overlap(&a, &b));
    /* unbounded overlaps anything non-empty, including another unbounded */
    a = S_iv(-INFINITY, true, INFINITY, true);
    b = S_iv(-3, false, -3, false);
    assert_true(stats_overlap(&a, &b));
    assert_true(stats_overlap(&a, &a));
    /* empty intervals overlap nothing */
    b = S_iv(5, true, 5, false);
    assert_false(stats_overlap(&a, &b));
    b = S_iv(6, false, 5, false);
    assert_false(stats_overlap(&a, &b));
    b = S_iv(NAN, false, 5, false);
    assert_false(stats_overlap(&a, &b));
    /* infinity itself is never a shared point */
    a = S_iv(10, false, INFINITY, false);
    b = S_iv(INFINITY, false, INFINITY, false);
    assert_false(stats_overlap(&a, &b));
}

/* ---- windows ---- */

static void test_windows_overlap(void **state)
{
    (void)state;
    struct stats_window y2016 = S_win("2016"), y2017 = S_win("2017"), jul = S_win("2017-07");
    struct stats_window none = S_notime();
    assert_false(stats_windows_overlap(&y2016, &y2017));
    assert_false(stats_windows_overlap(&y2017, &y2016));
    assert_true(stats_windows_overlap(&jul, &y2017));
    assert_true(stats_windows_overlap(&y2017, &jul));
    assert_true(stats_windows_overlap(&y2016, &y2016));
    /* no time: overlaps everything */
    assert_true(stats_windows_overlap(&none, &y2016));
    assert_true(stats_windows_overlap(&y2017, &none));
    assert_true(stats_windows_overlap(&none, &none));
    /* inclusive day ranges: touching on one day overlaps, adjacent days do not */
    struct stats_window a = {true, 100, 200}, b = {true, 200, 300}, c = {true, 201, 300};
    assert_true(stats_windows_overlap(&a, &b));
    assert_true(stats_windows_overlap(&b, &a));
    assert_false(stats_windows_overlap(&a, &c));
    assert_false(stats_windows_overlap(&c, &a));
    struct stats_window day = {true, 150, 150};
    assert_true(stats_windows_overlap(&a, &day));
    assert_false(stats_windows_overlap(&c, &day));
}

/* ---- disagreement ---- */

static void test_disagree_dates(void **state)
{
    (void)state;
    struct stats_window none = S_notime();
    /* program began in 2016 vs in 2017 */
    struct stats_interval v2016 = S_di(STATS_EXACT, "2016");
    struct stats_interval v2017 = S_di(STATS_EXACT, "2017");
    struct stats_interval v2017jul = S_di(STATS_EXACT, "2017-07");
    assert_true(stats_disagree(&none, &v2016, &none, &v2017));
    assert_true(stats_disagree(&none, &v2017, &none, &v2016));
    /* 2017-07 lies inside 2017 */
    assert_false(stats_disagree(&none, &v2017jul, &none, &v2017));
    assert_false(stats_disagree(&none, &v2017, &none, &v2017jul));
    /* "since at least 2012" vs "in 2014" */
    struct stats_interval al2012 = S_di(STATS_AT_LEAST, "2012");
    struct stats_interval v2014 = S_di(STATS_EXACT, "2014");
    assert_false(stats_disagree(&none, &al2012, &none, &v2014));
    /* but "since 2014" vs "in 2012" do */
    struct stats_interval al2014 = S_di(STATS_AT_LEAST, "2014");
    struct stats_interval v2012 = S_di(STATS_EXACT, "2012");
    assert_true(stats_disagree(&none, &al2014, &none, &v2012));
    /* "around 2016" reaches into 2017 */
    struct stats_interval ap2016 = S_di(STATS_APPROX, "2016");
    assert_false(stats_disagree(&none, &ap2016, &none, &v2017));
    /* 2016 is 366 days long: the widened window ends on 2018-01-01 */
    struct stats_interval jan1 = S_di(STATS_EXACT, "2018-01-01");
    struct stats_interval jan2 = S_di(STATS_EXACT, "2018-01-02");
    assert_false(stats_disagree(&none, &ap2016, &none, &jan1));
    assert_true(stats_disagree(&none, &ap2016, &none, &jan2));
    struct stats_interval v2019 = S_di(STATS_EXACT, "2019");
    assert_true(stats_disagree(&none, &ap2016, &none, &v2019));
}

static void test_disagree_foreign_fighters(void **state)
{
    (void)state;
    struct stats_window w2017 = S_win("2017"), w2019 = S_win("2019");
    /* more than 1,500 vs at least 1,600, both as of 2017: compatible */
    struct stats_interval mt1500 = S_vi(STATS_MORE_THAN, true, 1500, true, 1500, false, 0);
    struct stats_interval al1600 = S_vi(STATS_AT_LEAST, true, 1600, true, 1600, false, 0);
    assert_false(stats_disagree(&w2017, &mt1500, &w2017, &al1600));
    assert_false(stats_disagree(&w2017, &al1600, &w2017, &mt1500));
    /* about 1,300 as of 2019 vs more than 1,500 as of 2017: values clash, times do not */
    struct stats_interval ap1300 = S_vi(STATS_APPROX, true, 1300, false, 0, false, 0);
    assert_false(stats_overlap(&ap1300, &mt1500));
    assert_false(stats_disagree(&w2019, &ap1300, &w2017, &mt1500));
    /* the same two claims with the same window do disagree */
    assert_true(stats_disagree(&w2017, &ap1300, &w2017, &mt1500));
    /* and a timeless claim meets every window */
    struct stats_window none = S_notime();
    assert_true(stats_disagree(&none, &ap1300, &w2017, &mt1500));
    /* islamist prisoners: between 800 and 820 vs almost 1000, both 2019: "almost" is an
     * upper end only, so the two agree; "about 1,000" ([500, 1500]) would too, while
     * "about 1,010" ([1005, 1015]) does not */
    struct stats_interval r800 = S_vi(STATS_RANGE, false, 0, true, 800, true, 820);
    struct stats_interval almost1000 = S_vi(STATS_ALMOST, true, 1000, false, 0, false, 0);
    assert_false(stats_disagree(&w2019, &r800, &w2019, &almost1000));
    assert_false(stats_disagree(&w2019, &almost1000, &w2019, &r800));
    struct stats_interval ap1010 = S_vi(STATS_APPROX, true, 1010, false, 0, false, 0);
    assert_true(stats_disagree(&w2019, &r800, &w2019, &ap1010));
    assert_true(stats_disagree(&w2019, &ap1010, &w2019, &r800));
    /* exactly 1,500 vs more than 1,500 */
    struct stats_interval e1500 = S_vi(STATS_EXACT, true, 1500, false, 0, false, 0);
    assert_true(stats_disagree(&w2017, &e1500, &w2017, &mt1500));
    struct stats_interval al1500 = S_vi(STATS_AT_LEAST, true, 1500, true, 1500, false, 0);
    assert_false(stats_disagree(&w2017, &e1500, &w2017, &al1500));
    /* less than 200 vs exactly 200; up to 200 vs exactly 200 */
    struct stats_interval lt200 = S_vi(STATS_LESS_THAN, true, 200, false, 0, true, 200);
    struct stats_interval ut200 = S_vi(STATS_UP_TO, true, 200, false, 0, true, 200);
    struct stats_interval e200 = S_vi(STATS_EXACT, true, 200, false, 0, false, 0);
    assert_true(stats_disagree(&none, &lt200, &none, &e200));
    assert_false(stats_disagree(&none, &ut200, &none, &e200));
}

static void test_vague_never_disagrees(void **state)
{
    (void)state;
    struct stats_window w = S_win("2017"), none = S_notime();
    struct stats_interval vague = S_vi(STATS_VAGUE, false, 0, false, 0, false, 0);
    struct stats_interval others[] = {
        S_vi(STATS_EXACT, true, 0, false, 0, false, 0),
        S_vi(STATS_EXACT, true, -1e300, false, 0, false, 0),
        S_vi(STATS_APPROX, true, 1300, false, 0, false, 0),
        S_vi(STATS_MORE_THAN, true, 1e12, true, 1e12, false, 0),
        S_vi(STATS_LESS_THAN, true, -5, false, 0, true, -5),
        S_vi(STATS_RANGE, false, 0, true, 800, true, 820),
        S_vi(STATS_VAGUE, false, 0, false, 0, false, 0),
        S_di(STATS_MORE_THAN, "2016"),
        S_di(STATS_LESS_THAN, "2016"),
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        assert_false(stats_disagree(&w, &vague, &w, &others[i]));
        assert_false(stats_disagree(&w, &others[i], &none, &vague));
    }
}

/* ---- summaries ---- */

static struct stats_obs S_obs(struct stats_interval iv, bool has_point, double point,
                              struct stats_window when)
{
    struct stats_obs o;
    o.iv = iv;
    o.has_point = has_point;
    o.point = point;
    o.when = when;
    return o;
}

static struct stats_obs S_point_obs(double p, struct stats_window when)
{
    return S_obs(S_iv(p, false, p, false), true, p, when);
}

static void test_summary_empty(void **state)
{
    (void)state;
    struct stats_summary s;
    assert_true(stats_summarize(NULL, 0, NULL, &s));
    assert_int_equal(s.n, 0);
    assert_int_equal(s.n_points, 0);
    assert_true(isnan(s.min));
    assert_true(isnan(s.max));
    assert_true(isnan(s.median));
    assert_true(isnan(s.spread));
    assert_true(isnan(s.point_min));
    assert_true(isnan(s.point_max));
    assert_true(s.latest == SIZE_MAX);
}

static void test_summary_median_odd(void **state)
{
    (void)state;
    struct stats_window none = S_notime();
    struct stats_obs obs[] = {
        S_point_obs(1300, none),
        S_point_obs(1000, none),
        S_point_obs(1600, none),
        /* bounds without a point do not count towards the median */
        S_obs(S_iv(1500, true, INFINITY, true), false, 0, none),
    };
    double scratch[4];
    struct stats_summary s;
    assert_true(stats_summarize(obs, 4, scratch, &s));
    assert_int_equal(s.n, 4);
    assert_int_equal(s.n_points, 3);
    assert_true(s.median == 1300);
    assert_true(s.point_min == 1000);
    assert_true(s.point_max == 1600);
    assert_true(s.spread == 600);
    assert_true(s.min == 1000);
    assert_false(s.min_open);
    assert_true(isinf(s.max) && s.max > 0);
    /* no window has time */
    assert_true(s.latest == SIZE_MAX);
    /* the observations are not reordered */
    assert_true(obs[0].point == 1300 && obs[1].point == 1000 && obs[2].point == 1600);
}

static void test_summary_median_even(void **state)
{
    (void)state;
    struct stats_window none = S_notime();
    struct stats_obs obs[] = {
        S_point_obs(4, none),
        S_point_obs(1, none),
        S_point_obs(3, none),
        S_point_obs(2, none),
    };
    double scratch[4];
    struct stats_summary s;
    assert_true(stats_summarize(obs, 4, scratch, &s));
    assert_int_equal(s.n_points, 4);
    assert_true(s.median == 2.5);
    assert_true(s.spread == 3);
    assert_true(s.min == 1 && s.max == 4);
    assert_false(s.min_open);
    assert_false(s.max_open);
    /* two points */
    assert_true(stats_summarize(obs, 2, scratch, &s));
    assert_true(s.median == 2.5);
    assert_true(s.spread == 3);
    /* one point: spread 0 */
    assert_true(stats_summarize(obs + 2, 1, scratch, &s));
    assert_true(s.median == 3);
    assert_true(s.spread == 0);
}

static void test_summary_bounds_and_openness(void **state)
{
    (void)state;
    struct stats_window none = S_notime();
    /* same lower edge 1500 open and closed: closed wins; upper edge 2000 likewise */
    struct stats_obs obs[] = {
        S_obs(S_iv(1500, true, 2000, true), false, 0, none),
        S_obs(S_iv(1500, false, 2000, false), false, 0, none),
        S_obs(S_iv(1600, true, 1700, true), false, 0, none),
    };
    struct stats_summary s;
    assert_true(stats_summarize(obs, 3, NULL, &s));
    assert_true(s.min == 1500);
    assert_false(s.min_open);
    assert_true(s.max == 2000);
    assert_false(s.max_open);
    assert_int_equal(s.n_points, 0);
    assert_true(isnan(s.median));
    assert_true(isnan(s.spread));
    assert_true(isnan(s.point_min) && isnan(s.point_max));
    /* only open edges: stays open */
    assert_true(stats_summarize(obs, 1, NULL, &s));
    assert_true(s.min_open);
    assert_true(s.max_open);
    /* a lower open edge below a closed one wins */
    struct stats_obs obs2[] = {
        S_obs(S_iv(10, false, 20, false), false, 0, none),
        S_obs(S_iv(5, true, 8, false), false, 0, none),
    };
    assert_true(stats_summarize(obs2, 2, NULL, &s));
    assert_true(s.min == 5);
    assert_true(s.min_open);
    assert_true(s.max == 20);
    assert_false(s.max_open);
    /* unbounded claims make the extremes infinite */
    struct stats_obs obs3[] = {
        S_point_obs(3, none),
        S_obs(S_vi(STATS_LESS_THAN, true, 10, false, 0, true, 10), false, 0, none),
        S_obs(S_vi(STATS_AT_LEAST, true, 2, true, 2, false, 0), false, 0, none),
    };
    double scratch[3];
    assert_true(stats_summarize(obs3, 3, scratch, &s));
    assert_true(isinf(s.min) && s.min < 0);
    assert_true(isinf(s.max) && s.max > 0);
    assert_true(s.median == 3);
    assert_true(s.spread == 0);
}

static void test_summary_latest(void **state)
{
    (void)state;
    struct stats_window none = S_notime();
    struct stats_obs obs[] = {
        S_point_obs(1, S_win("2017")),
        S_point_obs(2, S_win("2019-03")),
        S_point_obs(3, none),
        S_point_obs(4, S_win("2015")),
    };
    double scratch[4];
    struct stats_summary s;
    assert_true(stats_summarize(obs, 4, scratch, &s));
    assert_int_equal(s.latest, 1);
    /* a later window end wins even when it starts earlier */
    obs[3].when.start = obs[0].when.start;
    obs[3].when.end = obs[1].when.end + 1;
    assert_true(stats_summarize(obs, 4, scratch, &s));
    assert_int_equal(s.latest, 3);
    /* ties: the higher index wins */
    obs[3].when.end = obs[1].when.end;
    assert_true(stats_summarize(obs, 4, scratch, &s));
    assert_int_equal(s.latest, 3);
    obs[0].when = obs[1].when;
    assert_true(stats_summarize(obs, 2, scratch, &s));
    assert_int_equal(s.latest, 1);
    /* a timeless observation is never the latest while one has time */
    assert_true(stats_summarize(obs + 2, 2, scratch, &s));
    assert_int_equal(s.latest, 3 - 2);
    assert_true(stats_summarize(obs + 2, 1, scratch, &s));
    assert_true(s.latest == SIZE_MAX);
}

static void test_summary_scratch_required(void **state)
{
    (void)state;
    struct stats_window none = S_notime();
    struct stats_obs obs[] = {S_point_obs(5, none), S_point_obs(7, S_win("2018"))};
    struct stats_summary s;
    assert_false(stats_summarize(obs, 2, NULL, &s));
    /* everything but the median is still reported */
    assert_int_equal(s.n, 2);
    assert_int_equal(s.n_points, 2);
    assert_true(isnan(s.median));
    assert_true(s.spread == 2);
    assert_int_equal(s.latest, 1);
    double scratch[2];
    assert_true(stats_summarize(obs, 2, scratch, &s));
    assert_true(s.median == 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound_parse_and_name),
        cmocka_unit_test(test_value_exact),
        cmocka_unit_test(test_value_approx),
        cmocka_unit_test(test_half_unit),
        cmocka_unit_test(test_value_almost),
        cmocka_unit_test(test_policy_table),
        cmocka_unit_test(test_value_at_least_more_than),
        cmocka_unit_test(test_value_up_to_less_than),
        cmocka_unit_test(test_value_range_and_vague),
        cmocka_unit_test(test_date_interval_bounds),
        cmocka_unit_test(test_date_interval_edges),
        cmocka_unit_test(test_overlap_edges),
        cmocka_unit_test(test_windows_overlap),
        cmocka_unit_test(test_disagree_dates),
        cmocka_unit_test(test_disagree_foreign_fighters),
        cmocka_unit_test(test_vague_never_disagrees),
        cmocka_unit_test(test_summary_empty),
        cmocka_unit_test(test_summary_median_odd),
        cmocka_unit_test(test_summary_median_even),
        cmocka_unit_test(test_summary_bounds_and_openness),
        cmocka_unit_test(test_summary_latest),
        cmocka_unit_test(test_summary_scratch_required),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
