/* Partial dates: parsing, the day windows they cover, formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pdate.h"

#include <stdio.h>
#include <string.h>

static void test_parse_precisions(void **state)
{
    (void)state;
    struct pdate d;
    assert_true(pdate_parse("2014", &d));
    assert_int_equal(d.year, 2014);
    assert_int_equal(d.month, 0);
    assert_int_equal(d.day, 0);
    assert_int_equal(d.precision, PDATE_YEAR);

    assert_true(pdate_parse("2014-06", &d));
    assert_int_equal(d.year, 2014);
    assert_int_equal(d.month, 6);
    assert_int_equal(d.day, 0);
    assert_int_equal(d.precision, PDATE_MONTH);

    assert_true(pdate_parse("2014-06-30", &d));
    assert_int_equal(d.year, 2014);
    assert_int_equal(d.month, 6);
    assert_int_equal(d.day, 30);
    assert_int_equal(d.precision, PDATE_DAY);

    assert_true(pdate_parse("0001-01-01", &d));
    assert_int_equal(d.year, 1);
    assert_true(pdate_parse("9999-12-31", &d));
    assert_int_equal(d.year, 9999);
}

static void test_parse_leap_years(void **state)
{
    (void)state;
    struct pdate d;
    assert_true(pdate_parse("2016-02-29", &d));
    assert_int_equal(d.day, 29);
    assert_true(pdate_parse("2000-02-29", &d)); /* divisible by 400 */
    assert_false(pdate_parse("2015-02-29", &d));
    assert_false(pdate_parse("1900-02-29", &d)); /* divisible by 100, not 400 */
    assert_false(pdate_parse("2016-02-30", &d));
    assert_true(pdate_parse("2015-02-28", &d));
}

static void test_parse_month_ends(void **state)
{
    (void)state;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++) {
        char s[32];
        struct pdate d;
        snprintf(s, sizeof s, "2014-%02d-%02d", m, mdays[m - 1]);
        assert_true(pdate_parse(s, &d));
        snprintf(s, sizeof s, "2014-%02d-%02d", m, mdays[m - 1] + 1);
        assert_false(pdate_parse(s, &d));
    }
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",           "14",         "201",         "20140",    "0000",
        "2014-13",    "2014-00",    "2014-6",      "2014/06",  "2014-06-00",
        "2014-06-31", "2014-06-3a", "2014-06-30x", " 2014",    "2014 ",
        "-2014",      "+201",       "2014-",       "2014-06-", "2014-1-01",
        "abcd",       "2014_06",    "2014-06-300", "2014--06",
    };
    struct pdate d = {7, 7, 7, PDATE_DAY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (pdate_parse(bad[i], &d))
            fail_msg("pdate_parse accepted '%s'", bad[i]);
    }
    /* A rejected parse leaves the output alone. */
    assert_int_equal(d.year, 7);
    assert_int_equal(d.month, 7);
}

static void test_days_from_civil(void **state)
{
    (void)state;
    assert_int_equal(pdate_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(pdate_days_from_civil(1970, 1, 2), 1);
    assert_int_equal(pdate_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(pdate_days_from_civil(2000, 1, 1), 10957);
    assert_int_equal(pdate_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(pdate_days_from_civil(2014, 6, 30), 16251);
    assert_int_equal(pdate_days_from_civil(2016, 2, 29), 16860);
    assert_int_equal(pdate_days_from_civil(1, 1, 1), -719162);
    assert_int_equal(pdate_days_from_civil(9999, 12, 31), 2932896);
}

static void test_days_are_contiguous(void **state)
{
    (void)state;
    /* Walking every day of 1899..2101 advances the count by exactly one. */
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t prev = pdate_days_from_civil(1898, 12, 31);
    for (int y = 1899; y <= 2101; y++) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            int n = mdays[m - 1] + (m == 2 && leap);
            for (int d = 1; d <= n; d++) {
                int64_t cur = pdate_days_from_civil(y, m, d);
                if (cur != prev + 1)
                    fail_msg("%04d-%02d-%02d is day %lld, previous %lld", y, m, d, (long long)cur,
                             (long long)prev);
                prev = cur;
            }
        }
    }
}

static void S_window(const char *s, int64_t first, int64_t last)
{
    struct pdate d;
    assert_true(pdate_parse(s, &d));
    assert_int_equal(pdate_first_day(&d), first);
    assert_int_equal(pdate_last_day(&d), last);
}

static void test_windows(void **state)
{
    (void)state;
    S_window("2014", pdate_days_from_civil(2014, 1, 1), pdate_days_from_civil(2014, 12, 31));
    S_window("2016", pdate_days_from_civil(2016, 1, 1), pdate_days_from_civil(2016, 12, 31));
    S_window("2016-02", pdate_days_from_civil(2016, 2, 1), pdate_days_from_civil(2016, 2, 29));
    S_window("2015-02", pdate_days_from_civil(2015, 2, 1), pdate_days_from_civil(2015, 2, 28));
    S_window("1900-02", pdate_days_from_civil(1900, 2, 1), pdate_days_from_civil(1900, 2, 28));
    S_window("2000-02", pdate_days_from_civil(2000, 2, 1), pdate_days_from_civil(2000, 2, 29));
    S_window("2014-04", pdate_days_from_civil(2014, 4, 1), pdate_days_from_civil(2014, 4, 30));
    S_window("2014-12", pdate_days_from_civil(2014, 12, 1), pdate_days_from_civil(2014, 12, 31));
    S_window("2014-06-30", 16251, 16251);

    struct pdate d;
    assert_true(pdate_parse("2014", &d));
    assert_int_equal(pdate_last_day(&d) - pdate_first_day(&d), 364);
    assert_true(pdate_parse("2016", &d));
    assert_int_equal(pdate_last_day(&d) - pdate_first_day(&d), 365);
}

static void test_windows_tile(void **state)
{
    (void)state;
    /* Consecutive years and months cover adjacent, non-overlapping day ranges. */
    for (int y = 1890; y < 2110; y++) {
        struct pdate a = {y, 0, 0, PDATE_YEAR}, b = {y + 1, 0, 0, PDATE_YEAR};
        assert_int_equal(pdate_last_day(&a) + 1, pdate_first_day(&b));
        for (int m = 1; m <= 12; m++) {
            struct pdate cur = {y, m, 0, PDATE_MONTH};
            struct pdate next = {m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 0, PDATE_MONTH};
            assert_int_equal(pdate_last_day(&cur) + 1, pdate_first_day(&next));
            if (m == 1)
                assert_int_equal(pdate_first_day(&cur), pdate_first_day(&a));
            if (m == 12)
                assert_int_equal(pdate_last_day(&cur), pdate_last_day(&a));
        }
    }
}

static void test_format(void **state)
{
    (void)state;
    static const char *const good[] = {"0001",       "2014",       "2014-06",
                                       "2014-06-30", "2016-02-29", "9999-12-31"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct pdate d;
        char out[16];
        assert_true(pdate_parse(good[i], &d));
        assert_true(pdate_format(&d, out, sizeof out));
        assert_string_equal(out, good[i]);
    }
    struct pdate d = {42, 3, 0, PDATE_MONTH};
    char out[11];
    assert_true(pdate_format(&d, out, sizeof out));
    assert_string_equal(out, "0042-03");

    struct pdate day = {2014, 6, 30, PDATE_DAY};
    assert_true(pdate_format(&day, out, 11)); /* exactly fits with the NUL */
    assert_string_equal(out, "2014-06-30");
    assert_false(pdate_format(&day, out, 10));
    assert_false(pdate_format(&day, out, 1));
}

static void test_precision_name(void **state)
{
    (void)state;
    assert_string_equal(pdate_precision_name(PDATE_YEAR), "year");
    assert_string_equal(pdate_precision_name(PDATE_MONTH), "month");
    assert_string_equal(pdate_precision_name(PDATE_DAY), "day");
    assert_string_equal(pdate_precision_name((enum pdate_precision)0), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_precisions), cmocka_unit_test(test_parse_leap_years),
        cmocka_unit_test(test_parse_month_ends), cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_days_from_civil),  cmocka_unit_test(test_days_are_contiguous),
        cmocka_unit_test(test_windows),          cmocka_unit_test(test_windows_tile),
        cmocka_unit_test(test_format),           cmocka_unit_test(test_precision_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
