/* /v1/claims through the router, without sockets. */
#include "api.h"
#include "csv_doc.h"
#include "json_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_list_envelope(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/claims?limit=3", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(r.json);
    json_t *data = json_object_get(r.json, "data");
    assert_int_equal(json_array_size(data), 3);
    json_t *meta = json_object_get(r.json, "meta");
    json_int_t total = json_integer_value(json_object_get(meta, "total"));
    assert_true(total >= 150);
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)total);
    assert_string_equal(api_header(&r, "X-Total-Count"), num);
    assert_non_null(strstr(api_header(&r, "Link"), "rel=\"next\""));
    assert_non_null(json_string_value(json_object_get(json_object_get(r.json, "links"), "next")));
    assert_true(r.res.cacheable);
    api_result_free(&r);
}

static void test_filter_metric_sorted(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/claims?metric=foreign_fighters_departed&sort=as_of", &r);
    assert_int_equal(r.status, 200);
    json_t *data = json_object_get(r.json, "data");
    assert_true(json_array_size(data) >= 4);
    const char *prev = "";
    size_t i;
    json_t *c;
    json_array_foreach(data, i, c) {
        assert_string_equal(json_string_value(json_object_get(c, "metric")),
                            "foreign_fighters_departed");
        const char *as_of = json_string_value(json_object_get(c, "as_of"));
        assert_non_null(as_of);
        assert_true(strncmp(prev, as_of, 4) <= 0);
        prev = as_of;
    }
    api_result_free(&r);
}

static void test_cursor_paging_covers_all(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/claims?limit=1000&fields=id", &r);
    size_t all = json_array_size(json_object_get(r.json, "data"));
    api_result_free(&r);
    assert_int_equal(api_count_by_cursor(&api_fx, "/v1/claims?limit=97&fields=id"), all);
}

static void test_offset_pages_differ(void **state)
{
    (void)state;
    struct api_result a, b;
    api_get(&api_fx, "/v1/claims?limit=5&fields=id", &a);
    api_get(&api_fx, "/v1/claims?limit=5&offset=5&fields=id", &b);
    assert_int_equal(b.status, 200);
    const char *first_a = json_string_value(
        json_object_get(json_array_get(json_object_get(a.json, "data"), 0), "id"));
    const char *first_b = json_string_value(
        json_object_get(json_array_get(json_object_get(b.json, "data"), 0), "id"));
    const char *sixth = NULL;
    api_result_free(&a);
    api_get(&api_fx, "/v1/claims?limit=6&fields=id", &a);
    sixth = json_string_value(
        json_object_get(json_array_get(json_object_get(a.json, "data"), 5), "id"));
    assert_non_null(first_a);
    assert_string_equal(first_b, sixth);
    api_result_free(&a);
    api_result_free(&b);
}

static void test_errors_name_parameters(void **state)
{
    (void)state;
    api_get_problem(&api_fx, "/v1/claims?limit=0", 400, "limit");
    api_get_problem(&api_fx, "/v1/claims?bogus=1", 400, "bogus");
    api_get_problem(&api_fx, "/v1/claims?as_of_from=2015-02-29", 400, "as_of_from");
    api_get_problem(&api_fx, "/v1/claims?kind=rumour", 400, "kind");
    api_get_problem(&api_fx, "/v1/claims?cursor=not-a-cursor", 400, "cursor");
    api_get_problem(&api_fx, "/v1/claims?q=%22%22", 400, "q");
}

static void test_get_one_with_context(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/claims/berman-004", &r);
    assert_int_equal(r.status, 200);
    json_t *d = json_object_get(r.json, "data");
    assert_string_equal(json_string_value(json_object_get(d, "id")), "berman-004");
    json_t *ctx = json_object_get(d, "context");
    assert_string_equal(json_string_value(json_object_get(ctx, "quote")),
                        json_string_value(json_object_get(d, "quote")));
    assert_non_null(json_object_get(d, "source_record"));
    api_result_free(&r);
    api_get_problem(&api_fx, "/v1/claims/nope-000", 404, NULL);
}

/* Byte offset of code point `cp` in s (the end when past it). */
static size_t S_cp_offset(const char *s, size_t n, int64_t cp)
{
    size_t i = 0;
    for (int64_t k = 0; k < cp && i < n; k++) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

/*
 * For every claim and several window sizes, the context is exactly the `chars`
 * code points before and after the quote in the stored text (fewer at its
 * edges), computed here from the text by code points.
 */
/* Every claim shows the interval the consistency rules read and the policy row behind it. */
static void test_interval_and_policy(void **state)
{
    (void)state;
    static const struct {
        const char *id, *bound;
        bool lo_null;
        double lo;
        bool hi_null;
        double hi;
    } cases[] = {
        {"masbah-001", "approx", false, 1450, false, 1550},     /* around 1,500 */
        {"masbah-022", "approx", false, 1121.5, false, 1122.5}, /* estimated 1,122 */
        {"mipa-049", "almost", true, 0, false, 1000},           /* almost 1000 */
        {"berman-004", "more_than", false, 1500, true, 0},      /* more than 1,500 */
        {"berman-025", "range", false, 800, false, 820},        /* between 800 and 820 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char target[64];
        struct api_result r;
        snprintf(target, sizeof target, "/v1/claims/%s", cases[i].id);
        api_get(&api_fx, target, &r);
        assert_int_equal(r.status, 200);
        json_t *d = json_object_get(r.json, "data");
        assert_string_equal(ju_str(d, "bound"), cases[i].bound);
        json_t *iv = json_object_get(d, "interval");
        json_t *lo = json_object_get(iv, "lo"), *hi = json_object_get(iv, "hi");
        if (cases[i].lo_null)
            assert_true(json_is_null(lo));
        else
            assert_true(json_number_value(lo) == cases[i].lo);
        if (cases[i].hi_null)
            assert_true(json_is_null(hi));
        else
            assert_true(json_number_value(hi) == cases[i].hi);
        json_t *p = json_object_get(d, "policy");
        assert_string_equal(ju_str(p, "bound"), cases[i].bound);
        assert_non_null(ju_str(p, "reads_as"));
        api_result_free(&r);
    }
    /* A date claim: days as dates; a claim without a metric: no interval. */
    struct api_result r;
    api_get(&api_fx, "/v1/claims/mipa-031", &r);
    json_t *iv = json_object_get(json_object_get(r.json, "data"), "interval");
    assert_string_equal(ju_str(iv, "lo"), "2016-01-01");
    assert_string_equal(ju_str(iv, "hi"), "2016-12-31");
    api_result_free(&r);
    api_get(&api_fx, "/v1/claims/almonitor-001", &r);
    assert_true(json_is_null(json_object_get(json_object_get(r.json, "data"), "interval")));
    assert_true(json_is_null(json_object_get(json_object_get(r.json, "data"), "policy")));
    api_result_free(&r);
    /* The claim MIPA gives for Syria alone says so. */
    api_get(&api_fx, "/v1/claims/mipa-017", &r);
    assert_string_equal(ju_str(json_object_get(r.json, "data"), "scope"), "Syria only");
    api_result_free(&r);
}

static void test_context_is_exact_text_around_quote(void **state)
{
    (void)state;
    struct api_result list;
    api_get_ok(&api_fx, "/v1/claims?limit=1000&fields=id,source,quote_start,quote_end", &list);
    json_t *claims = api_data(&list);
    assert_true(json_array_size(claims) >= 150);
    static const int64_t sizes[] = {0, 1, 7, 240, 2000};
    char last_source[256] = "";
    struct api_result text = {0};
    size_t checked = 0;
    size_t i;
    json_t *c;
    json_array_foreach(claims, i, c) {
        const char *id = json_string_value(json_object_get(c, "id"));
        const char *src = json_string_value(json_object_get(c, "source"));
        int64_t qs = json_integer_value(json_object_get(c, "quote_start"));
        int64_t qe = json_integer_value(json_object_get(c, "quote_end"));
        if (strcmp(src, last_source) != 0) {
            if (last_source[0])
                api_result_free(&text);
            char target[320];
            snprintf(target, sizeof target, "/v1/sources/%s/text", src);
            api_get(&api_fx, target, &text);
            assert_int_equal(text.status, 200);
            snprintf(last_source, sizeof last_source, "%s", src);
        }
        size_t b0 = S_cp_offset(text.body, text.body_len, qs);
        size_t b1 = S_cp_offset(text.body, text.body_len, qe);
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            int64_t chars = sizes[k];
            char target[320];
            snprintf(target, sizeof target, "/v1/claims/%s?context=%lld", id, (long long)chars);
            struct api_result r;
            api_get_ok(&api_fx, target, &r);
            json_t *ctx = json_object_get(json_object_get(r.json, "data"), "context");
            const char *before = json_string_value(json_object_get(ctx, "before"));
            const char *after = json_string_value(json_object_get(ctx, "after"));
            assert_non_null(before);
            assert_non_null(after);
            size_t from = S_cp_offset(text.body, text.body_len, qs > chars ? qs - chars : 0);
            size_t to = b1 + S_cp_offset(text.body + b1, text.body_len - b1, chars);
            if (strlen(before) != b0 - from || memcmp(before, text.body + from, b0 - from) != 0 ||
                strlen(after) != to - b1 || memcmp(after, text.body + b1, to - b1) != 0)
                fail_msg("context of %s with %lld code points differs from the text", id,
                         (long long)chars);
            api_result_free(&r);
            checked++;
        }
    }
    if (last_source[0])
        api_result_free(&text);
    api_result_free(&list);
    assert_true(checked >= 150 * 5);
}

static void test_csv_and_ndjson(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/claims?limit=2&format=csv", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    assert_true(strncmp(r.body, "id,source,quote,", 16) == 0);
    size_t lines = 0;
    for (const char *p = r.body; *p; p++)
        lines += *p == '\n';
    assert_true(lines >= 3);
    api_result_free(&r);
    const char *const accept[] = {"Accept: application/x-ndjson", NULL};
    api_request(&api_fx, "GET", "/v1/claims?limit=2", accept, NULL, &r);
    assert_string_equal(r.content_type, "application/x-ndjson");
    const char *nl = strchr(r.body, '\n');
    assert_non_null(nl);
    json_t *first = json_loadb(r.body, (size_t)(nl - r.body), 0, NULL);
    assert_non_null(json_object_get(first, "id"));
    json_decref(first);
    api_result_free(&r);
}

/* ---- CSV a spreadsheet opens: parsed back with an RFC 4180 reader -------- */

/*
 * Every claim, as CSV and as JSON: the CSV has a column per member but links (the core ones
 * named), every cell holds the member's exact text (quotes with their line breaks, as_of as
 * written), numbers read back equal, arrays are joined; fields= selects the columns.
 */
static void S_check_csv_against_json(const char *csv_target, const char *json_target,
                                     const char *const *want_columns)
{
    struct api_result c, j;
    api_get(&api_fx, csv_target, &c);
    assert_int_equal(c.status, 200);
    assert_string_equal(c.content_type, "text/csv; charset=utf-8");
    api_get_ok(&api_fx, json_target, &j);
    struct csv_doc d;
    csv_doc_parse(c.body, c.body_len, &d);
    json_t *data = api_data(&j);
    assert_int_equal(d.nrows, json_array_size(data) + 1);
    /* the header: the members of the first item but links, in their order */
    json_t *first = json_array_get(data, 0);
    const char *key;
    json_t *v;
    size_t col = 0;
    json_object_foreach(first, key, v) {
        if (strcmp(key, "links") == 0 || strcmp(key, "interval") == 0 ||
            strcmp(key, "policy") == 0 || strcmp(key, "provenance") == 0)
            continue; /* nested members: JSON and NDJSON only */
        assert_true(col < d.ncells[0]);
        assert_string_equal(d.rows[0][col], key);
        col++;
    }
    assert_int_equal(col, d.ncells[0]);
    for (size_t k = 0; want_columns[k]; k++) {
        bool found = false;
        for (size_t h = 0; h < d.ncells[0]; h++)
            found = found || strcmp(d.rows[0][h], want_columns[k]) == 0;
        assert_true(found);
    }
    size_t newlines = 0, dates = 0;
    for (size_t r = 1; r < d.nrows; r++) {
        json_t *item = json_array_get(data, r - 1);
        assert_int_equal(d.ncells[r], d.ncells[0]);
        for (size_t h = 0; h < d.ncells[0]; h++) {
            json_t *m = json_object_get(item, d.rows[0][h]);
            const char *cell = d.rows[r][h];
            if (m && json_is_real(m)) {
                char *end = NULL;
                assert_true(strtod(cell, &end) == json_real_value(m));
                assert_true(*end == '\0');
                continue;
            }
            struct buf want;
            buf_init(&want);
            csv_expected_cell(m, &want);
            assert_string_equal(cell, buf_str(&want));
            buf_free(&want);
            newlines += strchr(cell, '\n') != NULL;
            dates += strcmp(d.rows[0][h], "as_of") == 0 && strlen(cell) == 7;
        }
    }
    if (d.nrows > 400) {
        assert_true(newlines > 0); /* quotes cut from PDFs keep their line breaks */
        assert_true(dates > 0);    /* "2014-06" stays that text */
    }
    csv_doc_free(&d);
    api_result_free(&c);
    api_result_free(&j);
}

static void test_csv_is_the_json_in_cells(void **state)
{
    (void)state;
    static const char *const core[] = {
        "quote",      "quote_start", "quote_end",  "time_basis", "claimant_entity",
        "footnote",   "entities",    "topics",     "as_of",      "period_start",
        "period_end", "revision",    "value_date", NULL,
    };
    S_check_csv_against_json("/v1/claims.csv?limit=1000", "/v1/claims?limit=1000", core);
    static const char *const some[] = {"id", "quote_start", "topics", "as_of", NULL};
    S_check_csv_against_json("/v1/claims.csv?limit=40&fields=as_of,topics,quote_start",
                             "/v1/claims?limit=40&fields=as_of,topics,quote_start", some);
    /* exactly the columns asked for (and id) */
    struct api_result r;
    api_get(&api_fx, "/v1/claims.csv?limit=1&fields=as_of,topics,quote_start", &r);
    assert_int_equal(r.status, 200);
    assert_true(strncmp(r.body, "id,quote_start,as_of,topics\r\n", 29) == 0);
    api_result_free(&r);
    api_get(&api_fx, "/v1/events.csv?limit=5", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, ",quote_start,quote_end,"));
    api_result_free(&r);
}

/*
 * A full last page offers no cursor (the server reads one row ahead): every cursor leads to
 * a page with items, whether the page came by offset or by cursor; a page that is not last
 * still offers one.
 */
static void test_no_cursor_after_full_last_page(void **state)
{
    (void)state;
    static const char *const lists[] = {"/v1/claims?kind=recommendation", "/v1/entities?kind=place",
                                        "/v1/sources?kind=analysis", "/v1/events?kind=event"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        char target[256];
        snprintf(target, sizeof target, "%s&limit=1", lists[i]);
        json_int_t total = api_total_of(&api_fx, target);
        assert_true(total >= 2);
        struct api_result r;
        snprintf(target, sizeof target, "%s&limit=%lld", lists[i], (long long)total);
        api_get_ok(&api_fx, target, &r);
        assert_int_equal(json_array_size(api_data(&r)), total);
        assert_null(api_next_cursor(&r));
        api_result_free(&r);
        snprintf(target, sizeof target, "%s&limit=1", lists[i]);
        api_get_ok(&api_fx, target, &r);
        const char *cur = api_next_cursor(&r);
        assert_non_null(cur);
        char next[320];
        snprintf(next, sizeof next, "%s&limit=%lld&cursor=%s", lists[i], (long long)(total - 1),
                 cur);
        api_result_free(&r);
        api_get_ok(&api_fx, next, &r);
        assert_int_equal(json_array_size(api_data(&r)), total - 1);
        assert_null(api_next_cursor(&r));
        api_result_free(&r);
    }
}

/*
 * numeric=true is the one answer to "all the numeric claims": exactly the claims with a
 * value, lower or upper, of any kind; numeric=false the others; together every claim.
 */
static void test_numeric_filter(void **state)
{
    (void)state;
    struct api_result all, yes;
    api_get_ok(&api_fx, "/v1/claims?limit=1000", &all);
    api_get_ok(&api_fx, "/v1/claims?limit=1000&numeric=true", &yes);
    size_t want = 0, i;
    json_t *c;
    json_array_foreach(api_data(&all), i, c) {
        want += json_is_number(json_object_get(c, "value")) ||
                json_is_number(json_object_get(c, "lower")) ||
                json_is_number(json_object_get(c, "upper"));
    }
    assert_true(want > 50);
    assert_int_equal(json_array_size(api_data(&yes)), want);
    json_array_foreach(api_data(&yes), i, c) {
        assert_true(json_is_number(json_object_get(c, "value")) ||
                    json_is_number(json_object_get(c, "lower")) ||
                    json_is_number(json_object_get(c, "upper")));
    }
    assert_int_equal(api_total_of(&api_fx, "/v1/claims?numeric=false&limit=1") + (json_int_t)want,
                     api_total(&all));
    /* it combines with the other filters and holds on a source's claims */
    assert_true(api_total_of(&api_fx, "/v1/claims?numeric=true&kind=statistic&limit=1") <=
                (json_int_t)want);
    assert_true(
        api_total_of(&api_fx, "/v1/sources/berman-2019-returnees/claims?numeric=true&limit=1") > 0);
    api_get_problem(&api_fx, "/v1/claims?numeric=yes", 400, "numeric");
    api_result_free(&yes);
    api_result_free(&all);
}

/* subject= means on /v1/claims what it means on /v1/statistics/{metric}: the claim's subject. */
static void test_subject_filter(void **state)
{
    (void)state;
    static const char *const subjects[] = {"musalaha", "morocco", "islamist_prison_regime"};
    for (size_t k = 0; k < 3; k++) {
        struct api_result all, some;
        char target[160];
        api_get_ok(&api_fx, "/v1/claims?limit=1000", &all);
        snprintf(target, sizeof target, "/v1/claims?limit=1000&subject=%s", subjects[k]);
        api_get_ok(&api_fx, target, &some);
        size_t want = 0, i;
        json_t *c;
        json_array_foreach(api_data(&all), i, c) {
            const char *s = ju_str(c, "subject");
            want += s && strcmp(s, subjects[k]) == 0;
        }
        assert_true(want > 0);
        assert_int_equal(json_array_size(api_data(&some)), want);
        json_array_foreach(api_data(&some), i, c) {
            assert_string_equal(ju_str(c, "subject"), subjects[k]);
        }
        api_result_free(&some);
        api_result_free(&all);
    }
    assert_int_equal(api_total_of(&api_fx, "/v1/claims?subject=no-such-thing&limit=1"), 0);
    api_get_problem(&api_fx, "/v1/claims?subject=", 400, "subject");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_envelope),
        cmocka_unit_test(test_filter_metric_sorted),
        cmocka_unit_test(test_cursor_paging_covers_all),
        cmocka_unit_test(test_offset_pages_differ),
        cmocka_unit_test(test_errors_name_parameters),
        cmocka_unit_test(test_get_one_with_context),
        cmocka_unit_test(test_interval_and_policy),
        cmocka_unit_test(test_context_is_exact_text_around_quote),
        cmocka_unit_test(test_csv_and_ndjson),
        cmocka_unit_test(test_csv_is_the_json_in_cells),
        cmocka_unit_test(test_no_cursor_after_full_last_page),
        cmocka_unit_test(test_numeric_filter),
        cmocka_unit_test(test_subject_filter),
    };
    return cmocka_run_group_tests(tests, api_group_setup, api_group_teardown);
}
