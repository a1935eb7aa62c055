/* /v1/entities, /v1/entities/{id} and the /v1/events timeline, through the router. */
#include "api.h"
#include "json_util.h"
#include "pdate.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

/* The ids of a list response, as one comma-separated string. */
static void S_ids(const struct api_result *r, char *out, size_t n)
{
    size_t len = 0;
    size_t i;
    json_t *o;
    out[0] = '\0';
    json_array_foreach(api_data(r), i, o) {
        int w = snprintf(out + len, n - len, "%s%s", i ? "," : "", ju_str(o, "id"));
        assert_true(w > 0 && (size_t)w < n - len);
        len += (size_t)w;
    }
}

/* The only entity a q= search finds. */
static void S_assert_only(const char *target, const char *id)
{
    struct api_result r;
    api_get_ok(&api_fx, target, &r);
    if (api_total(&r) != 1)
        fail_msg("GET %s: expected only %s, got %s", target, id, r.body);
    assert_string_equal(ju_str(json_array_get(api_data(&r), 0), "id"), id);
    api_result_free(&r);
}

/* ---- /v1/entities ---- */

static void test_entities_envelope_and_items(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/entities?limit=2", &r);
    json_int_t total = api_total(&r);
    assert_true(total >= 150);
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)total);
    assert_string_equal(api_header(&r, "X-Total-Count"), num);
    assert_non_null(strstr(api_header(&r, "Link"), "rel=\"next\""));
    json_t *first = json_array_get(api_data(&r), 0);
    assert_string_equal(ju_str(first, "id"), "mohammed-masbah");
    assert_string_equal(ju_str(first, "kind"), "person");
    assert_string_equal(ju_str(first, "name"), "Mohammed Masbah");
    json_t *aliases = json_object_get(first, "aliases");
    assert_int_equal(json_array_size(aliases), 2);
    assert_string_equal(json_string_value(json_array_get(aliases, 0)), "Mohamed Masbah");
    assert_non_null(ju_str(first, "description"));
    assert_true(json_integer_value(json_object_get(first, "claim_count")) > 0);
    json_t *links = json_object_get(first, "links");
    assert_string_equal(ju_str(links, "self"), "/v1/entities/mohammed-masbah");
    assert_string_equal(ju_str(links, "claims"), "/v1/claims?entity=mohammed-masbah");
    api_result_free(&r);
}

static void test_entities_search_aliases(void **state)
{
    (void)state;
    /* an alias that is not the name */
    S_assert_only("/v1/entities?q=Anass%20Haloui", "anas-el-haloui");
    S_assert_only("/v1/entities?q=aNASS%20hALOUI", "anas-el-haloui");
    S_assert_only("/v1/entities?q=Umm%20Adam", "umm-adam");
    S_assert_only("/v1/entities?q=Abu%20Oussama", "el-mehdali");
    /* a substring of the name */
    S_assert_only("/v1/entities?q=Fatiha", "umm-adam");
    S_assert_only("/v1/entities?q=DGAPR&kind=organization", "dgapr");
    /* Moussalaha is a program, not an entity */
    assert_int_equal(api_total_of(&api_fx, "/v1/entities?q=Moussalaha"), 0);
    assert_int_equal(api_total_of(&api_fx, "/v1/entities?q=Anass%20Haloui&kind=place"), 0);
    /* every hit matches its name or one of its aliases */
    struct api_result r;
    api_get_ok(&api_fx, "/v1/entities?q=casablanca&limit=100", &r);
    assert_true(api_total(&r) >= 4); /* the city, the airport, the 2003 and 2007 bombings */
    size_t i;
    json_t *e;
    json_array_foreach(api_data(&r), i, e) {
        bool hit = strstr(ju_str(e, "name"), "asablanca") != NULL;
        size_t k;
        json_t *a;
        json_array_foreach(json_object_get(e, "aliases"), k, a) {
            if (strstr(json_string_value(a), "asablanca"))
                hit = true;
        }
        if (!hit)
            fail_msg("%s does not match 'casablanca'", ju_str(e, "id"));
    }
    api_result_free(&r);
}

static void test_entities_kind_and_sort(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/entities?kind=person,event&sort=name&limit=1000", &r);
    const char *prev = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(api_data(&r), i, e) {
        const char *k = ju_str(e, "kind");
        assert_true(strcmp(k, "person") == 0 || strcmp(k, "event") == 0);
        if (prev)
            assert_true(strcasecmp(prev, ju_str(e, "name")) <= 0);
        prev = ju_str(e, "name");
    }
    assert_int_equal(json_array_size(api_data(&r)), api_total(&r));
    api_result_free(&r);
    assert_int_equal(api_total_of(&api_fx, "/v1/entities?kind=person,event"),
                     api_total_of(&api_fx, "/v1/entities?kind=person") +
                         api_total_of(&api_fx, "/v1/entities?kind=event"));
    /* a sorted page offers offset links, never a cursor */
    api_get_ok(&api_fx, "/v1/entities?sort=name&limit=5", &r);
    assert_true(json_is_null(json_object_get(json_object_get(r.json, "meta"), "next_cursor")));
    assert_non_null(ju_str(json_object_get(r.json, "links"), "next"));
    api_result_free(&r);
    api_get_ok(&api_fx, "/v1/entities?kind=armed_group&sort=-id", &r);
    prev = NULL;
    json_array_foreach(api_data(&r), i, e) {
        assert_string_equal(ju_str(e, "kind"), "armed_group");
        if (prev)
            assert_true(strcmp(prev, ju_str(e, "id")) > 0);
        prev = ju_str(e, "id");
    }
    assert_string_equal(ju_str(json_array_get(api_data(&r), 0), "id"), "taliban");
    api_result_free(&r);
}

static void test_entities_claim_count_matches_claims(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/entities?limit=1000", &r);
    assert_int_equal(json_array_size(api_data(&r)), api_total(&r));
    size_t i;
    json_t *e;
    json_int_t sum = 0;
    json_array_foreach(api_data(&r), i, e) {
        char target[200];
        snprintf(target, sizeof target, "/v1/claims?entity=%s&limit=1", ju_str(e, "id"));
        json_int_t n = json_integer_value(json_object_get(e, "claim_count"));
        if (n != api_total_of(&api_fx, target))
            fail_msg("%s: claim_count %lld differs from %s", ju_str(e, "id"), (long long)n, target);
        sum += n;
    }
    assert_true(sum > 500);
    api_result_free(&r);
}

static void test_entities_cursor_paging(void **state)
{
    (void)state;
    struct api_result all;
    api_get_ok(&api_fx, "/v1/entities?limit=1000", &all);
    size_t n = json_array_size(api_data(&all));
    size_t seen = 0;
    char target[256] = "/v1/entities?limit=40";
    for (int guard = 0; guard < 50; guard++) {
        struct api_result r;
        api_get_ok(&api_fx, target, &r);
        size_t i;
        json_t *e;
        json_array_foreach(api_data(&r), i, e) {
            assert_true(seen < n);
            assert_string_equal(ju_str(e, "id"),
                                ju_str(json_array_get(api_data(&all), seen), "id"));
            seen++;
        }
        const char *next = api_next_cursor(&r);
        if (!next) {
            api_result_free(&r);
            break;
        }
        snprintf(target, sizeof target, "/v1/entities?limit=40&cursor=%s", next);
        api_result_free(&r);
    }
    assert_int_equal(seen, n);
    api_result_free(&all);
}

static void test_entities_csv(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/entities?q=Umm%20Adam&format=csv", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    assert_int_equal(strncmp(r.body, "id,kind,name,aliases,description,claim_count\r\n", 46), 0);
    assert_int_equal(strncmp(r.body + 46, "umm-adam,person,Fatiha Hassani (Umm Adam),", 42), 0);
    api_result_free(&r);
}

static void test_entity_get(void **state)
{
    (void)state;
    struct api_result r, claims;
    api_get_ok(&api_fx, "/v1/entities/morocco", &r);
    json_t *d = api_data(&r);
    assert_string_equal(ju_str(d, "id"), "morocco");
    assert_string_equal(ju_str(d, "kind"), "place");
    assert_string_equal(ju_str(json_object_get(d, "links"), "claims"), "/v1/claims?entity=morocco");
    json_int_t count = json_integer_value(json_object_get(d, "claim_count"));
    assert_true(count > 100);
    json_t *list = json_object_get(d, "claims");
    assert_int_equal(json_array_size(list), 100); /* the first 100 only */
    /* the same claims, in the same order, as the first page of /v1/claims?entity= */
    api_get_ok(&api_fx, "/v1/claims?entity=morocco&limit=100&fields=id,source,statement,kind",
               &claims);
    assert_int_equal(api_total(&claims), count);
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        json_t *want = json_array_get(api_data(&claims), i);
        assert_string_equal(ju_str(c, "id"), ju_str(want, "id"));
        assert_string_equal(ju_str(c, "source"), ju_str(want, "source"));
        assert_string_equal(ju_str(c, "statement"), ju_str(want, "statement"));
        assert_string_equal(ju_str(c, "kind"), ju_str(want, "kind"));
        assert_int_equal(json_object_size(c), 4);
    }
    api_result_free(&claims);
    api_result_free(&r);

    api_get_ok(&api_fx, "/v1/entities/anas-el-haloui", &r);
    d = api_data(&r);
    list = json_object_get(d, "claims");
    assert_int_equal(json_array_size(list), json_integer_value(json_object_get(d, "claim_count")));
    assert_true(json_array_size(list) >= 3);
    api_result_free(&r);

    /* an entity no claim involves */
    api_get_ok(&api_fx, "/v1/entities/souad-ahmadoun", &r);
    assert_int_equal(json_array_size(json_object_get(api_data(&r), "claims")), 0);
    assert_int_equal(json_integer_value(json_object_get(api_data(&r), "claim_count")), 0);
    api_result_free(&r);
}

static void test_entities_errors(void **state)
{
    (void)state;
    static const struct {
        const char *target;
        unsigned status;
        const char *param;
    } cases[] = {
        {"/v1/entities/no-such-entity", 404, NULL},
        {"/v1/entities/morocco?limit=5", 400, "limit"},
        {"/v1/entities?kind=planet", 400, "kind"},
        {"/v1/entities?sort=kind", 400, "sort"},
        {"/v1/entities?limit=1001", 400, "limit"},
        {"/v1/entities?q=", 400, "q"},
        {"/v1/entities?sort=name&cursor=azE6Mg", 400, "cursor"},
        {"/v1/entities?cursor=nope", 400, "cursor"},
        {"/v1/entities?alias=Umm", 400, "alias"},
        {"/v1/entities?format=xml", 400, "format"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        api_get_problem(&api_fx, cases[i].target, cases[i].status, cases[i].param);
    }
}

/* ---- /v1/events ---- */

/* The day window of an event from its as_of or its period, or else its value_date. */
static void S_window(json_t *c, int64_t *t0, int64_t *t1)
{
    struct pdate a, b;
    const char *as_of = ju_str(c, "as_of");
    if (!as_of && !ju_str(c, "period_start"))
        as_of = ju_str(c, "value_date");
    if (as_of) {
        assert_true(pdate_parse(as_of, &a));
        *t0 = pdate_first_day(&a);
        *t1 = pdate_last_day(&a);
        return;
    }
    const char *ps = ju_str(c, "period_start"), *pe = ju_str(c, "period_end");
    if (!ps || !pe)
        fail_msg("event %s has no as_of, no period and no value_date", ju_str(c, "id"));
    assert_true(pdate_parse(ps, &a));
    assert_true(pdate_parse(pe, &b));
    *t0 = pdate_first_day(&a);
    *t1 = pdate_last_day(&b);
}

/* The events of a page dated only by their value (no as_of, no period): each has a value_date. */
static json_int_t S_value_dated(const char *target)
{
    struct api_result r;
    api_get_ok(&api_fx, target, &r);
    json_int_t n = 0;
    size_t i;
    json_t *c;
    json_array_foreach(api_data(&r), i, c) {
        if (!ju_str(c, "as_of") && !ju_str(c, "period_start")) {
            assert_non_null(ju_str(c, "value_date"));
            n++;
        }
    }
    api_result_free(&r);
    return n;
}

/* Asserts every event of a response is in timeline order and returns how many. */
static size_t S_assert_ordered(const struct api_result *r)
{
    int64_t p0 = INT64_MIN, p1 = INT64_MIN;
    size_t i;
    json_t *c;
    json_array_foreach(api_data(r), i, c) {
        int64_t t0, t1;
        S_window(c, &t0, &t1);
        if (t0 < p0 || (t0 == p0 && t1 < p1))
            fail_msg("event %s is out of time order", ju_str(c, "id"));
        p0 = t0;
        p1 = t1;
    }
    return json_array_size(api_data(r));
}

static void test_events_timeline_order(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/events?limit=1000", &r);
    size_t n = S_assert_ordered(&r);
    assert_int_equal(n, api_total(&r));
    assert_true(n >= 200);
    /* every dated claim, and only those: with a window, or a date as their value */
    assert_int_equal(api_total(&r),
                     api_total_of(&api_fx, "/v1/claims?as_of_from=0001&as_of_to=9999") +
                         S_value_dated("/v1/events?limit=1000"));
    assert_string_equal(ju_str(json_array_get(api_data(&r), 0), "id"), "masbah-006");
    /* claim objects, with their links */
    json_t *first = json_array_get(api_data(&r), 0);
    assert_non_null(ju_str(first, "quote"));
    assert_non_null(json_object_get(first, "links"));
    api_result_free(&r);
}

static void test_events_filters(void **state)
{
    (void)state;
    struct api_result r;
    struct pdate lo, hi;
    assert_true(pdate_parse("2015", &lo));
    assert_true(pdate_parse("2016-06", &hi));
    api_get_ok(&api_fx, "/v1/events?from=2015&to=2016-06&limit=1000", &r);
    S_assert_ordered(&r);
    assert_true(api_total(&r) > 20);
    size_t i;
    json_t *c;
    json_array_foreach(api_data(&r), i, c) {
        int64_t t0, t1;
        S_window(c, &t0, &t1);
        /* the window overlaps [2015-01-01, 2016-06-30] */
        assert_true(t1 >= pdate_first_day(&lo));
        assert_true(t0 <= pdate_last_day(&hi));
    }
    api_result_free(&r);

    api_get_ok(&api_fx,
               "/v1/events?kind=statistic,testimony&source=berman-2019-returnees,mipa-2023-"
               "reintegration&limit=1000",
               &r);
    S_assert_ordered(&r);
    assert_true(api_total(&r) > 5);
    json_array_foreach(api_data(&r), i, c) {
        const char *k = ju_str(c, "kind"), *s = ju_str(c, "source");
        assert_true(strcmp(k, "statistic") == 0 || strcmp(k, "testimony") == 0);
        assert_true(strcmp(s, "berman-2019-returnees") == 0 ||
                    strcmp(s, "mipa-2023-reintegration") == 0);
    }
    api_result_free(&r);

    api_get_ok(&api_fx, "/v1/events?metric=foreign_fighters_departed", &r);
    S_assert_ordered(&r);
    assert_true(api_total(&r) >= 4);
    json_array_foreach(api_data(&r), i, c) {
        assert_string_equal(ju_str(c, "metric"), "foreign_fighters_departed");
    }
    api_result_free(&r);

    /* entity and program select what the claims list selects, dated only */
    assert_int_equal(
        api_total_of(&api_fx, "/v1/events?entity=morocco"),
        api_total_of(&api_fx, "/v1/claims?entity=morocco&as_of_from=0001&as_of_to=9999") +
            S_value_dated("/v1/events?entity=morocco&limit=1000"));
    assert_int_equal(
        api_total_of(&api_fx, "/v1/events?program=musalaha"),
        api_total_of(&api_fx, "/v1/claims?program=musalaha&as_of_from=0001&as_of_to=9999") +
            S_value_dated("/v1/events?program=musalaha&limit=1000"));
    assert_true(api_total_of(&api_fx, "/v1/events?program=musalaha") >= 20);
    assert_int_equal(api_total_of(&api_fx, "/v1/events?entity=no-such-entity"), 0);

    api_get_ok(&api_fx, "/v1/events?include=source,metric&metric=foreign_fighters_departed&limit=1",
               &r);
    c = json_array_get(api_data(&r), 0);
    assert_non_null(ju_str(json_object_get(c, "source_record"), "title"));
    assert_string_equal(ju_str(json_object_get(c, "metric_record"), "id"),
                        "foreign_fighters_departed");
    api_result_free(&r);
}

static void test_events_paging(void **state)
{
    (void)state;
    struct api_result all;
    api_get_ok(&api_fx, "/v1/events?limit=1000&kind=statistic,event", &all);
    size_t n = json_array_size(api_data(&all));
    assert_true(n > 60);
    /* cursor pages and offset pages both walk the timeline in order, once */
    size_t seen = 0;
    char target[256] = "/v1/events?kind=statistic,event&limit=25";
    for (int guard = 0; guard < 50; guard++) {
        struct api_result r, byoff;
        api_get_ok(&api_fx, target, &r);
        char off[256];
        snprintf(off, sizeof off, "/v1/events?kind=statistic,event&limit=25&offset=%zu", seen);
        api_get_ok(&api_fx, off, &byoff);
        char a[4096], b[4096];
        S_ids(&r, a, sizeof a);
        S_ids(&byoff, b, sizeof b);
        assert_string_equal(a, b);
        size_t i;
        json_t *c;
        json_array_foreach(api_data(&r), i, c) {
            assert_true(seen < n);
            assert_string_equal(ju_str(c, "id"),
                                ju_str(json_array_get(api_data(&all), seen), "id"));
            seen++;
        }
        const char *next = api_next_cursor(&r);
        api_result_free(&byoff);
        if (!next) {
            api_result_free(&r);
            break;
        }
        snprintf(target, sizeof target, "/v1/events?kind=statistic,event&limit=25&cursor=%s", next);
        api_result_free(&r);
    }
    assert_int_equal(seen, n);
    api_result_free(&all);

    struct api_result r;
    api_get(&api_fx, "/v1/events?limit=3&format=csv", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    assert_int_equal(strncmp(r.body, "id,source,quote,", 16), 0);
    api_result_free(&r);
}

static void test_events_errors(void **state)
{
    (void)state;
    static const struct {
        const char *target, *param;
    } cases[] = {
        {"/v1/events?from=2015-13", "from"},
        {"/v1/events?to=2015-02-29", "to"},
        {"/v1/events?from=2016&to=2015", "to"},
        {"/v1/events?kind=rumour", "kind"},
        {"/v1/events?sort=as_of", "sort"},
        {"/v1/events?q=returnees", "q"},
        {"/v1/events?as_of_from=2015", "as_of_from"},
        {"/v1/events?include=program", "include"},
        {"/v1/events?cursor=bogus", "cursor"},
        {"/v1/events?limit=0", "limit"},
        {"/v1/events?source=", "source"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        api_get_problem(&api_fx, cases[i].target, 400, cases[i].param);
    }
}

/* The first day a partial date names, as YYYY-MM-DD text (which sorts as the days do). */
static void S_first_day(const char *d, char out[11])
{
    snprintf(out, 11, "%s", d);
    if (strlen(d) == 4)
        snprintf(out, 11, "%s-01-01", d);
    else if (strlen(d) == 7)
        snprintf(out, 11, "%s-01", d);
}

/*
 * The timeline holds every dated claim: one with a time window (as_of or a period), and one
 * whose value is a date with no window (a program's start, a law's date), in order of their
 * first day; from/to select them by that date too.
 */
static void test_events_include_value_dates(void **state)
{
    (void)state;
    struct api_result all, ev;
    api_get_ok(&api_fx, "/v1/claims?limit=1000", &all);
    api_get_ok(&api_fx, "/v1/events?limit=1000", &ev);
    size_t want = 0, value_only = 0, i;
    json_t *c;
    json_array_foreach(api_data(&all), i, c) {
        bool window = !json_is_null(json_object_get(c, "as_of")) ||
                      !json_is_null(json_object_get(c, "period_start"));
        bool vdate = !json_is_null(json_object_get(c, "value_date"));
        if (!window && !vdate)
            continue;
        want++;
        if (window)
            continue;
        value_only++;
        bool found = false;
        size_t k;
        json_t *e;
        json_array_foreach(api_data(&ev), k, e) {
            found = found || strcmp(ju_str(e, "id"), ju_str(c, "id")) == 0;
        }
        assert_true(found);
    }
    assert_true(value_only > 0);
    assert_int_equal(json_array_size(api_data(&ev)), want);
    char prev[11] = "", day[11];
    json_array_foreach(api_data(&ev), i, c) {
        const char *d = ju_str(c, "as_of");
        if (!d)
            d = ju_str(c, "period_start");
        if (!d)
            d = ju_str(c, "value_date");
        assert_non_null(d);
        S_first_day(d, day);
        assert_true(strcmp(prev, day) <= 0);
        memcpy(prev, day, sizeof day);
    }
    api_result_free(&ev);
    /* a law of March 2015 dated only by its value: in 2015, not in 2016 */
    api_get_ok(&api_fx, "/v1/events?from=2015&to=2015&limit=1000", &ev);
    bool in2015 = false;
    json_array_foreach(api_data(&ev), i, c) {
        if (json_is_null(json_object_get(c, "as_of")) &&
            json_is_null(json_object_get(c, "period_start"))) {
            assert_true(strncmp(ju_str(c, "value_date"), "2015", 4) == 0);
            in2015 = true;
        }
    }
    assert_true(in2015);
    api_result_free(&ev);
    api_result_free(&all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entities_envelope_and_items),
        cmocka_unit_test(test_entities_search_aliases),
        cmocka_unit_test(test_entities_kind_and_sort),
        cmocka_unit_test(test_entities_claim_count_matches_claims),
        cmocka_unit_test(test_entities_cursor_paging),
        cmocka_unit_test(test_entities_csv),
        cmocka_unit_test(test_entity_get),
        cmocka_unit_test(test_entities_errors),
        cmocka_unit_test(test_events_timeline_order),
        cmocka_unit_test(test_events_include_value_dates),
        cmocka_unit_test(test_events_filters),
        cmocka_unit_test(test_events_paging),
        cmocka_unit_test(test_events_errors),
    };
    return cmocka_run_group_tests(tests, api_group_setup, api_group_teardown);
}
