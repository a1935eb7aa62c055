/* drift.c alone: what changed along a repetition, and independent sources. */
#include "drift.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static struct drift_claim S_num(const char *id, const char *metric, const char *bound, double v,
                                const char *unit)
{
    struct drift_claim c = {.id = id, .metric = metric, .bound = bound, .unit = unit};
    c.has_value = true;
    c.value = v;
    if (strcmp(bound, "more_than") == 0 || strcmp(bound, "at_least") == 0) {
        c.has_lower = true;
        c.lower = v;
    }
    return c;
}

static void test_widened_figure_is_a_definite_change(void **state)
{
    (void)state;
    struct drift_claim o = S_num("o", "round_length", "exact", 2, "months");
    struct drift_claim p = {
        .id = "p", .metric = "round_length", .bound = "range", .unit = "months"};
    p.has_lower = p.has_upper = true;
    p.lower = 2;
    p.upper = 3;
    p.as_of = "2020-10-13";
    struct drift_result r;
    drift_compare(&o, &p, &r);
    assert_int_equal(r.status, DRIFT_CHANGED);
    assert_true(r.definite);
    assert_int_equal(r.n, 1); /* no window on the original: the window is not compared */
    assert_string_equal(r.v[0].field, "figure");
    assert_string_equal(r.v[0].from, "2 months");
    assert_string_equal(r.v[0].to, "2 to 3 months");
    assert_non_null(strstr(r.explanation, "2 months -> 2 to 3 months"));
    assert_string_equal(drift_status_name(r.status), "changed");
}

static void test_same_figure_is_kept(void **state)
{
    (void)state;
    struct drift_claim o = S_num("o", "travelers", "more_than", 500, "people");
    struct drift_claim p = S_num("p", "travelers", "more_than", 500, "people");
    struct drift_result r;
    drift_compare(&o, &p, &r);
    assert_int_equal(r.status, DRIFT_KEPT);
    assert_int_equal(r.n, 0);
    assert_string_equal(drift_status_name(r.status), "kept");
}

static void test_changed_bound_alone_is_a_change(void **state)
{
    (void)state;
    struct drift_claim o = S_num("o", "m", "more_than", 500, "people");
    struct drift_claim p = S_num("p", "m", "approx", 500, "people");
    struct drift_result r;
    drift_compare(&o, &p, &r);
    assert_int_equal(r.status, DRIFT_CHANGED);
    assert_string_equal(r.v[0].from, "more than 500 people");
    assert_string_equal(r.v[0].to, "about 500 people");
}

static void test_moved_time_window_is_possible(void **state)
{
    (void)state;
    struct drift_claim o = S_num("o", "m", "more_than", 500, "people");
    struct drift_claim p = o;
    p.id = "p";
    o.as_of = "2015";
    p.as_of = "2017";
    struct drift_result r;
    drift_compare(&o, &p, &r);
    assert_int_equal(r.status, DRIFT_CHANGED);
    assert_false(r.definite);
    assert_string_equal(r.v[0].field, "time_window");
    assert_string_equal(r.v[0].from, "2015");
    assert_string_equal(r.v[0].to, "2017");
    assert_non_null(strstr(r.explanation, "Possible"));
}

static void test_age_against_start(void **state)
{
    (void)state;
    /* "in existence for three years" in March 2019 against "began in 2017" */
    struct drift_claim age = S_num("age", "program_age", "exact", 3, "years");
    age.metric_kind = "age";
    age.as_of = "2019-03";
    age.subject = "musalaha";
    struct drift_claim start = {.id = "start",
                                .metric = "program_start_date",
                                .metric_kind = "start",
                                .bound = "exact",
                                .unit = "date",
                                .value_date = "2017",
                                .subject = "musalaha"};
    struct drift_result r;
    drift_compare(&age, &start, &r);
    assert_int_equal(r.status, DRIFT_CHANGED);
    assert_true(r.definite);
    assert_string_equal(r.v[0].field, "start");
    assert_string_equal(r.v[0].to, "2017");
    assert_non_null(strstr(r.v[0].from, "between 2015-08 and 2016-09"));
    assert_non_null(strstr(r.v[0].from, "computed"));
    /* A start the age allows is kept; another subject is not compared. */
    start.value_date = "2016";
    drift_compare(&age, &start, &r);
    assert_int_equal(r.status, DRIFT_KEPT);
    start.subject = "other";
    drift_compare(&age, &start, &r);
    assert_int_equal(r.status, DRIFT_NOT_COMPARED);
}

static void test_dropped_figure_is_possible(void **state)
{
    (void)state;
    struct drift_claim o = S_num("o", "pardon_share", "more_than", 50, "percent");
    o.subject = "musalaha";
    o.attribute = "outcome";
    struct drift_claim p = {.id = "p",
                            .subject = "musalaha",
                            .attribute = "outcome",
                            .value_text = "royal pardon at the end of the round"};
    struct drift_result r;
    drift_compare(&o, &p, &r);
    assert_int_equal(r.status, DRIFT_CHANGED);
    assert_false(r.definite);
    assert_string_equal(r.v[0].from, "more than 50 percent");
    assert_string_equal(r.v[0].to, "no figure (royal pardon at the end of the round)");
    /* On another attribute nothing is compared. */
    p.attribute = "eligibility";
    drift_compare(&o, &p, &r);
    assert_int_equal(r.status, DRIFT_NOT_COMPARED);
    assert_int_equal(r.n, 0);
}

static void test_text_only(void **state)
{
    (void)state;
    struct drift_claim o = {
        .id = "o", .subject = "s", .attribute = "lead_agency", .value_text = "DGAPR"};
    struct drift_claim p = o;
    p.id = "p";
    p.value_text = "dgapr";
    struct drift_result r;
    drift_compare(&o, &p, &r);
    assert_int_equal(r.status, DRIFT_KEPT);
    p.value_text = "the prison administration";
    drift_compare(&o, &p, &r);
    assert_int_equal(r.status, DRIFT_NOT_COMPARED);
    assert_string_equal(drift_status_name(r.status), "not_compared");
}

static void test_vague_terms(void **state)
{
    (void)state;
    struct drift_claim o = {.id = "o", .metric = "m", .bound = "vague", .vague_term = "dozens"};
    struct drift_claim p = o;
    p.id = "p";
    p.vague_term = "tens";
    struct drift_result r;
    drift_compare(&o, &p, &r);
    assert_int_equal(r.status, DRIFT_CHANGED);
    assert_string_equal(r.v[0].from, "dozens");
    assert_string_equal(r.v[0].to, "tens");
    assert_false(r.definite);
    assert_non_null(strstr(r.explanation, "vague"));
}

static void test_independent_sources(void **state)
{
    (void)state;
    /* Claims 1 (source 10), 2 (source 20, repeats 1 unchanged), 3 (source 30, repeats 1
     * changed), 4 (source 10). */
    struct drift_obs obs[] = {{1, 10}, {2, 20}, {3, 30}, {4, 10}};
    struct drift_edge edges[] = {{2, 1, true}, {3, 1, false}, {9, 1, true}};
    assert_int_equal(drift_independent_sources(obs, 4, NULL, 0), 3);
    assert_int_equal(drift_independent_sources(obs, 4, edges, 3), 2);
    /* Without the repeated claim in the set, the repetition is a source of its own. */
    assert_int_equal(drift_independent_sources(obs + 1, 2, edges, 3), 2);
    assert_int_equal(drift_independent_sources(obs, 0, edges, 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widened_figure_is_a_definite_change),
        cmocka_unit_test(test_same_figure_is_kept),
        cmocka_unit_test(test_changed_bound_alone_is_a_change),
        cmocka_unit_test(test_moved_time_window_is_possible),
        cmocka_unit_test(test_age_against_start),
        cmocka_unit_test(test_dropped_figure_is_possible),
        cmocka_unit_test(test_text_only),
        cmocka_unit_test(test_vague_terms),
        cmocka_unit_test(test_independent_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
