/* /v1/statistics, /v1/statistics/{metric} and /v1/conflicts through the router. */
#include "api.h"
#include "json_util.h"
#include "router.h"
#include "server.h"
#include "statistic_cache.h"
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

/* ---- the catalog ---- */

static void test_catalog(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/statistics?limit=1000", &r);
    assert_int_equal(r.status, 200);
    assert_true(r.res.cacheable);
    json_t *data = json_object_get(r.json, "data");
    json_int_t used = ju_int(json_object_get(r.json, "meta"), "total");
    assert_true(used >= 40);
    assert_int_equal((json_int_t)json_array_size(data), used);
    size_t i;
    json_t *m;
    json_array_foreach(data, i, m) {
        json_t *sum = json_object_get(m, "summary");
        assert_true(ju_int(sum, "claims") >= 1); /* only metrics some claim uses */
        assert_true(ju_int(sum, "sources") >= 1);
        assert_true(ju_int(sum, "sources") <= ju_int(sum, "claims"));
        assert_null(json_object_get(sum, "computed_from"));
        assert_non_null(ju_str(m, "value_type"));
        assert_non_null(ju_str(json_object_get(m, "links"), "self"));
    }
    json_t *ff = ju_find(data, "id", "foreign_fighters_departed");
    assert_non_null(ff);
    assert_string_equal(ju_str(ff, "unit"), "people");
    assert_true(json_is_null(json_object_get(ff, "source")));
    json_t *sum = json_object_get(ff, "summary");
    assert_true(ju_int(sum, "claims") >= 5);
    /* Figures as reported, never an interval end: no min or max. */
    assert_null(json_object_get(sum, "min"));
    assert_null(json_object_get(sum, "max"));
    assert_true(json_is_true(json_object_get(sum, "unbounded_above")));
    assert_non_null(ju_str(json_object_get(sum, "highest"), "claim"));
    json_t *latest = json_object_get(json_array_get(json_object_get(ff, "series"), 0), "latest");
    assert_non_null(ju_str(latest, "claim"));
    json_t *sd = ju_find(data, "id", "program_start_date");
    assert_true(ju_int(json_object_get(sd, "summary"), "disagreements") >= 1);
    /* A document-specific metric names its source. */
    json_t *gf = ju_find(data, "id", "former_guantanamo_detainees_in_group");
    assert_string_equal(ju_str(gf, "source"), "almonitor-2017-returnees");
    api_result_free(&r);

    api_get(&api_fx, "/v1/statistics?all=true&limit=1000", &r);
    json_int_t all = ju_int(json_object_get(r.json, "meta"), "total");
    assert_true(all >= used);
    api_result_free(&r);
}

static void test_catalog_filters(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/statistics?value_type=date&limit=1000", &r);
    assert_int_equal(r.status, 200);
    json_t *data = json_object_get(r.json, "data");
    assert_true(json_array_size(data) >= 3);
    size_t i;
    json_t *m;
    json_array_foreach(data, i, m) {
        assert_string_equal(ju_str(m, "value_type"), "date");
    }
    json_t *start = ju_find(data, "id", "program_start_date");
    assert_non_null(start);
    json_t *sum = json_object_get(start, "summary");
    /* Date summaries name the dates as reported. */
    assert_non_null(ju_str(json_object_get(sum, "lowest"), "value_date"));
    assert_string_equal(ju_str(sum, "spread_unit"), "days");
    assert_true(ju_int(sum, "disagreements") >= 1);
    api_result_free(&r);

    api_get(&api_fx, "/v1/statistics?q=PRISON", &r);
    data = json_object_get(r.json, "data");
    assert_non_null(ju_find(data, "id", "islamist_prisoners"));
    json_array_foreach(data, i, m) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s %s", ju_str(m, "id"), ju_str(m, "label"));
        for (char *p = buf; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        assert_non_null(strstr(buf, "prison"));
    }
    api_result_free(&r);

    /* Cursor paging over the catalog covers every metric once. */
    api_get(&api_fx, "/v1/statistics?limit=1000", &r);
    size_t total = json_array_size(json_object_get(r.json, "data"));
    api_result_free(&r);
    assert_int_equal(api_count_by_cursor(&api_fx, "/v1/statistics?limit=7"), total);

    api_get(&api_fx, "/v1/statistics?format=csv&q=islamist_prisoners", &r);
    assert_int_equal(r.status, 200);
    assert_true(strncmp(r.body, "id,label,unit,value_type,", 25) == 0);
    assert_non_null(strstr(r.body, "\r\nislamist_prisoners,"));
    api_result_free(&r);
}

static void test_catalog_errors(void **state)
{
    (void)state;
    const char *const cases[][2] = {
        {"/v1/statistics?value_type=text", "value_type"},
        {"/v1/statistics?all=yes", "all"},
        {"/v1/statistics?metric=x", "metric"},
        {"/v1/statistics?limit=1001", "limit"},
        {"/v1/statistics?cursor=bad", "cursor"},
        {"/v1/statistics?q=", "q"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        api_get_problem(&api_fx, cases[i][0], 400, cases[i][1]);
    }
}

/* ---- one statistic ---- */

static void test_foreign_fighters_departed(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/statistics/foreign_fighters_departed", &r);
    assert_int_equal(r.status, 200);
    assert_true(r.res.cacheable);
    json_t *d = json_object_get(r.json, "data");
    assert_string_equal(ju_str(d, "id"), "foreign_fighters_departed");
    assert_non_null(ju_str(d, "definition"));
    assert_non_null(ju_str(d, "counting_basis"));
    json_t *obs = json_object_get(d, "observations");
    assert_true(json_array_size(obs) >= 5);

    /* At least four sources, each observation traceable to its words. */
    const char *sources[16];
    size_t nsources = 0;
    size_t i;
    json_t *o;
    json_array_foreach(obs, i, o) {
        const char *src = ju_str(o, "source");
        bool seen = false;
        for (size_t k = 0; k < nsources; k++)
            seen = seen || strcmp(sources[k], src) == 0;
        if (!seen && nsources < 16)
            sources[nsources++] = src;
        assert_non_null(ju_str(o, "quote"));
        assert_non_null(ju_str(o, "claimant"));
        assert_string_equal(ju_str(o, "unit"), "people");
        assert_true(json_is_object(json_object_get(o, "interval")));
    }
    assert_true(nsources >= 4);

    /* A timeline: window starts never decrease; undated ones last. */
    const char *prev = "";
    bool undated = false;
    json_array_foreach(obs, i, o) {
        json_t *w = json_object_get(o, "window");
        if (json_is_null(w)) {
            undated = true;
            continue;
        }
        assert_false(undated);
        const char *start = ju_str(w, "start");
        assert_true(strcmp(prev, start) <= 0);
        prev = start;
    }

    /* "more than 1,500" and "at least 1,600": no upper bound. The lowest and highest are
     * figures as their claims report them: "1,122" (an estimate) and "at least 1,600". */
    json_t *sum = json_object_get(d, "summary");
    assert_null(json_object_get(sum, "max"));
    assert_null(json_object_get(sum, "min"));
    assert_true(json_is_true(json_object_get(sum, "unbounded_above")));
    json_t *lo = json_object_get(sum, "lowest"), *hi = json_object_get(sum, "highest");
    assert_string_equal(ju_str(lo, "claim"), "masbah-022");
    assert_int_equal(json_integer_value(json_object_get(lo, "value")), 1122);
    assert_string_equal(ju_str(lo, "bound"), "approx");
    assert_string_equal(ju_str(lo, "as_of"), "2014-06");
    assert_non_null(ju_str(lo, "claimant"));
    assert_string_equal(ju_str(hi, "claim"), "almonitor-010");
    assert_string_equal(ju_str(hi, "bound"), "at_least");
    assert_int_equal(json_integer_value(json_object_get(hi, "value")), 1600);
    /* Each figure is the one its observation reports. */
    json_t *figs[] = {lo, hi};
    for (size_t k = 0; k < 2; k++) {
        json_t *ob = ju_find(obs, "claim", ju_str(figs[k], "claim"));
        assert_non_null(ob);
        assert_true(json_equal(json_object_get(ob, "value"), json_object_get(figs[k], "value")));
        assert_string_equal(ju_str(ob, "bound"), ju_str(figs[k], "bound"));
    }
    assert_int_equal(ju_int(sum, "sources"), (json_int_t)nsources);
    json_t *from = json_object_get(sum, "computed_from");
    assert_true(json_array_size(from) >= 5);
    assert_true(ju_has_string(from, "berman-004"));
    assert_true(ju_has_string(from, "almonitor-010"));
    /* berman-004: (1500, +inf) */
    json_t *b = ju_find(obs, "claim", "berman-004");
    json_t *iv = json_object_get(b, "interval");
    assert_int_equal(json_integer_value(json_object_get(iv, "lo")), 1500);
    assert_true(json_is_true(json_object_get(iv, "lo_open")));
    assert_true(json_is_null(json_object_get(iv, "hi")));
    assert_string_equal(ju_str(b, "bound"), "more_than");
    assert_string_equal(ju_str(json_object_get(b, "window"), "start"), "2017-01-01");
    assert_string_equal(ju_str(json_object_get(b, "window"), "end"), "2017-12-31");
    /* Two series: MIPA's 1300 counts Syria alone. No pooled median or latest. */
    assert_int_equal(ju_int(sum, "series"), 2);
    assert_true(json_is_null(json_object_get(sum, "latest")));
    assert_true(json_is_null(json_object_get(sum, "median")));
    json_t *series = json_object_get(d, "series");
    assert_int_equal(json_array_size(series), 2);
    json_t *main = NULL, *syria = NULL;
    json_array_foreach(series, i, o) {
        if (json_is_null(json_object_get(o, "scope")))
            main = o;
        else
            syria = o;
    }
    assert_non_null(main);
    assert_non_null(syria);
    assert_string_equal(ju_str(syria, "scope"), "Syria only");
    assert_int_equal(ju_int(syria, "claims"), 1);
    assert_string_equal(ju_str(json_object_get(syria, "latest"), "claim"), "mipa-017");
    assert_int_equal(ju_int(main, "claims"), 5);
    assert_string_equal(ju_str(main, "place"), "morocco");
    /* The latest of the series by as-of is a 2017 figure, not MIPA's Syria-only 1300. */
    assert_string_equal(ju_str(json_object_get(main, "latest"), "as_of"), "2017");
    assert_string_equal(ju_str(json_object_get(main, "lowest"), "claim"), "masbah-022");
    assert_string_equal(ju_str(json_object_get(main, "highest"), "claim"), "almonitor-010");
    assert_int_equal(ju_int(main, "claimants"), 4);
    assert_true(ju_int(main, "independent_claimants") <= ju_int(main, "claimants"));
    /* The median is over the three point figures, 1,122, 1,350 and 1,500, and says what it
     * left out and why. */
    json_t *med = json_object_get(main, "median");
    assert_int_equal(json_integer_value(json_object_get(med, "value")), 1350);
    assert_int_equal(json_array_size(json_object_get(med, "over")), 3);
    json_t *left = json_object_get(med, "left_out");
    assert_int_equal(json_array_size(left), 2);
    json_t *lo1600 = ju_find(left, "claim", "almonitor-010");
    assert_non_null(strstr(ju_str(lo1600, "why"), "lower end only"));
    assert_non_null(ju_find(left, "claim", "berman-004"));
    /* One window per as-of: 2017 holds "more than 1,500" and "at least 1,600", no point. */
    json_t *wins = json_object_get(main, "windows");
    assert_int_equal(json_array_size(wins), 4);
    json_t *w2017 = json_array_get(wins, 3);
    assert_string_equal(ju_str(json_object_get(w2017, "window"), "start"), "2017-01-01");
    assert_int_equal(ju_int(w2017, "claims"), 2);
    assert_true(json_is_null(json_object_get(w2017, "best")));
    assert_string_equal(ju_str(json_object_get(w2017, "low"), "claim"), "berman-004");
    assert_string_equal(ju_str(json_object_get(w2017, "high"), "claim"), "almonitor-010");
    assert_true(json_is_false(json_object_get(d, "disagreements_truncated")));
    assert_string_equal(ju_str(json_object_get(d, "links"), "conflicts"),
                        "/v1/conflicts?metric=foreign_fighters_departed");
    api_result_free(&r);
}

/* Unlike things are never pooled: one series per place, subject and scope. */
static void test_series_not_pools(void **state)
{
    (void)state;
    struct api_result r;
    /* Fnideq (70,000) and Tangier and Tetouan together (1.5 million). */
    api_get(&api_fx, "/v1/statistics/population", &r);
    json_t *d = json_object_get(r.json, "data");
    json_t *series = json_object_get(d, "series");
    assert_int_equal(json_array_size(series), 2);
    json_t *fn = ju_find(series, "place", "fnideq");
    assert_non_null(fn);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(fn, "lowest"), "value")),
                     70000);
    json_t *tt = ju_find(series, "scope", "Tangier and Tetouan combined");
    assert_non_null(tt);
    assert_int_equal(ju_int(tt, "claims"), 1);
    assert_true(json_is_null(json_object_get(json_object_get(d, "summary"), "median")));
    api_result_free(&r);

    /* Fourteen programs' start dates: a series each, never one median. */
    api_get(&api_fx, "/v1/statistics/program_start_date", &r);
    d = json_object_get(r.json, "data");
    series = json_object_get(d, "series");
    assert_true(json_array_size(series) >= 10);
    json_t *mus = ju_find(series, "subject", "musalaha");
    assert_int_equal(ju_int(mus, "claims"), 2);
    assert_string_equal(ju_str(mus, "subject_type"), "program");
    assert_true(json_is_null(json_object_get(json_object_get(d, "summary"), "median")));
    size_t i;
    json_t *x;
    size_t claims = 0;
    json_array_foreach(series, i, x) {
        claims += (size_t)ju_int(x, "claims");
    }
    assert_int_equal((json_int_t)claims, ju_int(json_object_get(d, "summary"), "claims"));
    api_result_free(&r);

    /* National arrests and four people in Nador. */
    api_get(&api_fx, "/v1/statistics/terrorism_arrests", &r);
    series = json_object_get(json_object_get(r.json, "data"), "series");
    json_t *nador = ju_find(series, "place", "nador");
    assert_non_null(nador);
    assert_int_equal(ju_int(nador, "claims"), 1);
    api_result_free(&r);

    /* The catalog summarizes per series too (without windows). */
    api_get(&api_fx, "/v1/statistics?q=population", &r);
    json_t *m = ju_find(json_object_get(r.json, "data"), "id", "population");
    series = json_object_get(m, "series");
    assert_int_equal(json_array_size(series), 2);
    assert_null(json_object_get(json_array_get(series, 0), "windows"));
    assert_non_null(json_object_get(json_array_get(series, 0), "median"));
    api_result_free(&r);
}

static void test_islamist_prisoners_disagree(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/statistics/islamist_prisoners", &r);
    assert_int_equal(r.status, 200);
    json_t *d = json_object_get(r.json, "data");
    /* Berman: between 800 and 820 (March 2019); MIPA: almost 1000 (2019), read as at most
     * 1,000: the two readings overlap, so no interval disagreement. */
    assert_int_equal(json_array_size(json_object_get(d, "disagreements")), 0);
    json_t *m = ju_find(json_object_get(d, "observations"), "claim", "mipa-049");
    json_t *iv = json_object_get(m, "interval");
    assert_int_equal(json_integer_value(json_object_get(iv, "hi")), 1000);
    json_t *b = ju_find(json_object_get(d, "observations"), "claim", "berman-025");
    iv = json_object_get(b, "interval");
    assert_int_equal(json_integer_value(json_object_get(iv, "lo")), 800);
    assert_int_equal(json_integer_value(json_object_get(iv, "hi")), 820);
    api_result_free(&r);
}

static void test_date_metric(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/statistics/program_start_date?subject=musalaha", &r);
    assert_int_equal(r.status, 200);
    json_t *d = json_object_get(r.json, "data");
    assert_string_equal(ju_str(d, "value_type"), "date");
    json_t *obs = json_object_get(d, "observations");
    assert_int_equal(json_array_size(obs), 2);
    json_t *o = ju_find(obs, "claim", "mipa-031");
    assert_string_equal(ju_str(o, "value_date"), "2016");
    json_t *iv = json_object_get(o, "interval");
    assert_string_equal(ju_str(iv, "lo"), "2016-01-01");
    assert_string_equal(ju_str(iv, "hi"), "2016-12-31");
    json_t *dis = json_object_get(d, "disagreements");
    assert_int_equal(json_array_size(dis), 1);
    assert_non_null(strstr(ju_str(json_array_get(dis, 0), "reason"), "2016 does not overlap 2017"));
    json_t *sum = json_object_get(d, "summary");
    assert_string_equal(ju_str(json_object_get(sum, "lowest"), "value_date"), "2016");
    assert_string_equal(ju_str(json_object_get(sum, "highest"), "value_date"), "2017");
    api_result_free(&r);
}

static void test_get_filters(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/statistics/foreign_fighters_departed?as_of_from=2017&as_of_to=2018", &r);
    assert_int_equal(r.status, 200);
    json_t *obs = json_object_get(json_object_get(r.json, "data"), "observations");
    assert_int_equal(json_array_size(obs), 2); /* almonitor-010 and berman-004 */
    size_t i;
    json_t *o;
    json_array_foreach(obs, i, o) {
        assert_string_equal(ju_str(o, "as_of"), "2017");
    }
    api_result_free(&r);

    api_get(&api_fx, "/v1/statistics/foreign_fighters_from_place?place=fnideq", &r);
    obs = json_object_get(json_object_get(r.json, "data"), "observations");
    assert_true(json_array_size(obs) >= 2);
    json_array_foreach(obs, i, o) {
        assert_string_equal(ju_str(o, "place"), "fnideq");
    }
    /* The vague "many" is observed but summarizes nothing. */
    json_t *v = ju_find(obs, "claim", "almonitor-075");
    assert_non_null(v);
    assert_string_equal(ju_str(v, "bound"), "vague");
    assert_true(json_is_false(json_object_get(v, "comparable")));
    assert_true(json_is_null(json_object_get(json_object_get(v, "interval"), "lo")));
    json_t *from = json_object_get(json_object_get(json_object_get(r.json, "data"), "summary"),
                                   "computed_from");
    assert_false(ju_has_string(from, "almonitor-075"));
    api_result_free(&r);

    /* No claim matches: an empty timeline, not an error. */
    api_get(&api_fx, "/v1/statistics/islamist_prisoners?place=fnideq", &r);
    assert_int_equal(r.status, 200);
    json_t *d = json_object_get(r.json, "data");
    assert_int_equal(json_array_size(json_object_get(d, "observations")), 0);
    assert_true(json_is_null(json_object_get(json_object_get(d, "summary"), "latest")));
    api_result_free(&r);

    const char *const cases[][2] = {
        {"/v1/statistics/islamist_prisoners?as_of_from=2015-02-29", "as_of_from"},
        {"/v1/statistics/islamist_prisoners?as_of_from=2019&as_of_to=2018", "as_of_to"},
        {"/v1/statistics/islamist_prisoners?limit=0", "limit"},
        {"/v1/statistics/islamist_prisoners?cursor=x", "cursor"},
        {"/v1/statistics/islamist_prisoners?place=", "place"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        api_get_problem(&api_fx, cases[k][0], 400, cases[k][1]);
    }
    api_get(&api_fx, "/v1/statistics/no_such_metric", &r);
    api_assert_problem(&r, 404, NULL);
    assert_non_null(strstr(ju_str(r.json, "detail"), "no_such_metric"));
    api_result_free(&r);
}

/* ---- pages of observations ---- */

/*
 * Every observation of base (a target, with or without a query) by pages of
 * `limit`, asserting on each page what must not change with the page (all but
 * observations and the links next/prev) and the links between pages.
 * Returns a new array; *total receives observations_total.
 */
static json_t *S_all_observations(struct api_fixture *fx, const char *base, int limit,
                                  json_int_t *total)
{
    json_t *all = json_array();
    json_t *first = NULL; /* page 0's data without observations and next/prev */
    char target[512];
    const char *sep = strchr(base, '?') ? "&" : "?";
    for (int off = 0;; off += limit) {
        struct api_result r;
        snprintf(target, sizeof target, "%s%slimit=%d&offset=%d", base, sep, limit, off);
        api_get(fx, target, &r);
        assert_int_equal(r.status, 200);
        json_t *d = json_object_get(r.json, "data");
        json_t *obs = json_object_get(d, "observations");
        json_int_t t = ju_int(d, "observations_total");
        assert_true(json_is_integer(json_object_get(d, "observations_total")));
        assert_true(json_array_size(obs) <= (size_t)limit);
        json_array_extend(all, obs);
        json_t *links = json_object_get(d, "links");
        /* prev: null on the first page; next: null on the last. */
        assert_int_equal(json_is_null(json_object_get(links, "prev")), off == 0);
        assert_int_equal(json_is_null(json_object_get(links, "next")), off + limit >= t);
        json_t *rest = json_deep_copy(d);
        json_object_del(rest, "observations");
        json_object_del(json_object_get(rest, "links"), "next");
        json_object_del(json_object_get(rest, "links"), "prev");
        if (first == NULL) {
            first = rest;
            *total = t;
        } else {
            /* The summary, the disagreements and the total are the same on every page. */
            assert_true(json_equal(first, rest));
            json_decref(rest);
        }
        api_result_free(&r);
        if (off + limit >= t)
            break;
    }
    json_decref(first);
    assert_int_equal((json_int_t)json_array_size(all), *total);
    return all;
}

/* Live claims of a metric, counted in the database itself (not through the code under test). */
static json_int_t S_db_count(const char *path, const char *metric)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    json_int_t n = -1;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM claim WHERE deleted_at IS NULL AND "
                                        "metric_seq = (SELECT seq FROM metric WHERE id = ?1)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, metric, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void test_observation_pages(void **state)
{
    (void)state;
    struct api_result r;
    /* Fewer than 100: the default page holds them all and links nowhere. */
    api_get(&api_fx, "/v1/statistics/foreign_fighters_departed", &r);
    assert_int_equal(r.status, 200);
    json_t *d = json_object_get(r.json, "data");
    json_int_t total = ju_int(d, "observations_total");
    assert_true(total >= 5 && total < 100);
    assert_int_equal((json_int_t)json_array_size(json_object_get(d, "observations")), total);
    assert_int_equal(ju_int(json_object_get(d, "summary"), "claims"), total);
    json_t *links = json_object_get(d, "links");
    assert_true(json_is_null(json_object_get(links, "prev")));
    assert_true(json_is_null(json_object_get(links, "next")));
    assert_string_equal(ju_str(links, "self"), "/v1/statistics/foreign_fighters_departed");
    json_t *full = json_deep_copy(d);
    api_result_free(&r);

    /* Two at a time: links keep the other parameters, in the list endpoints' form. */
    api_get(&api_fx, "/v1/statistics/foreign_fighters_departed?as_of_to=2030&limit=1000", &r);
    json_t *dated =
        json_deep_copy(json_object_get(json_object_get(r.json, "data"), "observations"));
    api_result_free(&r);
    assert_true(json_array_size(dated) >= 4);
    api_get(&api_fx, "/v1/statistics/foreign_fighters_departed?as_of_to=2030&limit=2&offset=2", &r);
    d = json_object_get(r.json, "data");
    links = json_object_get(d, "links");
    assert_int_equal(json_array_size(json_object_get(d, "observations")), 2);
    assert_int_equal(ju_int(d, "observations_total"), (json_int_t)json_array_size(dated));
    assert_string_equal(ju_str(links, "prev"),
                        "/v1/statistics/foreign_fighters_departed?as_of_to=2030&limit=2&offset=0");
    assert_string_equal(ju_str(links, "next"),
                        "/v1/statistics/foreign_fighters_departed?as_of_to=2030&limit=2&offset=4");
    /* The same observations as the third and fourth of the whole timeline. */
    for (size_t i = 0; i < 2; i++) {
        assert_true(json_equal(json_array_get(json_object_get(d, "observations"), i),
                               json_array_get(dated, 2 + i)));
    }
    json_decref(dated);
    api_result_free(&r);

    /* Following next from the first page visits every observation once, in order. */
    json_int_t t2 = 0;
    json_t *paged = S_all_observations(&api_fx, "/v1/statistics/foreign_fighters_departed", 2, &t2);
    assert_int_equal(t2, total);
    assert_true(json_equal(paged, json_object_get(full, "observations")));
    json_decref(paged);
    json_decref(full);

    /* A page past the end: no observations, the same total and summary, a way back. */
    api_get(&api_fx, "/v1/statistics/foreign_fighters_departed?offset=500&limit=10", &r);
    assert_int_equal(r.status, 200);
    d = json_object_get(r.json, "data");
    assert_int_equal(json_array_size(json_object_get(d, "observations")), 0);
    assert_int_equal(ju_int(d, "observations_total"), total);
    assert_int_equal(ju_int(json_object_get(d, "summary"), "claims"), total);
    assert_true(json_is_null(json_object_get(json_object_get(d, "links"), "next")));
    assert_string_equal(ju_str(json_object_get(d, "links"), "prev"),
                        "/v1/statistics/foreign_fighters_departed?limit=10&offset=490");
    api_result_free(&r);
}

static void test_observation_pages_every_metric(void **state)
{
    (void)state;
    struct api_result r;
    const char *path = getenv("MARSAD_TEST_DB");
    assert_non_null(path);
    api_get(&api_fx, "/v1/statistics?all=true&limit=1000", &r);
    json_t *data = json_object_get(r.json, "data");
    assert_true(json_array_size(data) >= 40);
    size_t i;
    json_t *m;
    json_array_foreach(data, i, m) {
        char target[320], base[256];
        const char *id = ju_str(m, "id");
        snprintf(base, sizeof base, "/v1/statistics/%s", id);
        snprintf(target, sizeof target, "%s?limit=1000", base);
        struct api_result one;
        api_get(&api_fx, target, &one);
        assert_int_equal(one.status, 200);
        json_t *d = json_object_get(one.json, "data");
        json_t *obs = json_object_get(d, "observations");
        json_int_t total = ju_int(d, "observations_total");
        /* Every live claim of the metric is observed, as before paging. */
        assert_int_equal(total, S_db_count(path, id));
        assert_int_equal((json_int_t)json_array_size(obs), total);
        assert_int_equal(ju_int(json_object_get(d, "summary"), "claims"), total);
        /* Pages of 3 hold the same observations in the same order. */
        json_int_t t3 = 0;
        json_t *paged = S_all_observations(&api_fx, base, 3, &t3);
        assert_int_equal(t3, total);
        assert_true(json_equal(paged, obs));
        json_decref(paged);
        api_result_free(&one);
    }
    api_result_free(&r);
}

static void test_observation_page_errors(void **state)
{
    (void)state;
    const char *const cases[][2] = {
        {"/v1/statistics/islamist_prisoners?limit=0", "limit"},
        {"/v1/statistics/islamist_prisoners?limit=1001", "limit"},
        {"/v1/statistics/islamist_prisoners?limit=ten", "limit"},
        {"/v1/statistics/islamist_prisoners?limit=", "limit"},
        {"/v1/statistics/islamist_prisoners?limit=2&limit=3", "limit"},
        {"/v1/statistics/islamist_prisoners?offset=-1", "offset"},
        {"/v1/statistics/islamist_prisoners?offset=1.5", "offset"},
        {"/v1/statistics/islamist_prisoners?offset=1000000000001", "offset"},
        {"/v1/statistics/islamist_prisoners?zz_unknown=1", "zz_unknown"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        api_get_problem(&api_fx, cases[i][0], 400, cases[i][1]);
    }
    /* The same words as the list endpoints' limit and offset. */
    const char *const pairs[][2] = {
        {"/v1/statistics/islamist_prisoners?limit=1001", "/v1/claims?limit=1001"},
        {"/v1/statistics/islamist_prisoners?offset=-1", "/v1/claims?offset=-1"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        struct api_result a, b;
        api_get(&api_fx, pairs[i][0], &a);
        api_get(&api_fx, pairs[i][1], &b);
        json_t *ea = json_array_get(json_object_get(a.json, "errors"), 0);
        json_t *eb = json_array_get(json_object_get(b.json, "errors"), 0);
        assert_string_equal(ju_str(a.json, "type"), ju_str(b.json, "type"));
        assert_string_equal(ju_str(ea, "parameter"), ju_str(eb, "parameter"));
        assert_string_equal(ju_str(ea, "detail"), ju_str(eb, "detail"));
        api_result_free(&a);
        api_result_free(&b);
    }
}

/* Over a real socket: each page is its own representation (ETag, 304). */
static void test_observation_pages_etag(void **state)
{
    (void)state;
    struct test_server ts;
    char err[256], url[512];
    const char *const pages[] = {"/v1/statistics/foreign_fighters_departed?limit=2",
                                 "/v1/statistics/foreign_fighters_departed?limit=2&offset=2"};
    char tags[2][128];
    assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    memset(&ts, 0, sizeof ts);
    if (test_server_start(&ts, NULL, err, sizeof err) != 0)
        fail_msg("server: %s", err);
    for (size_t i = 0; i < 2; i++) {
        struct tc_result r;
        assert_int_equal(tc_get(NULL, test_server_url(&ts, pages[i], url, sizeof url), &r), 0);
        assert_int_equal(r.status, 200);
        const char *tag = tc_header(&r, "ETag");
        assert_non_null(tag);
        snprintf(tags[i], sizeof tags[i], "%s", tag);
        tc_result_free(&r);
    }
    assert_string_not_equal(tags[0], tags[1]);
    for (size_t i = 0; i < 2; i++) {
        char inm[160];
        snprintf(inm, sizeof inm, "If-None-Match: %s", tags[0]);
        const char *const h[] = {inm, NULL};
        struct tc_result r;
        assert_int_equal(tc_request(NULL, "GET", test_server_url(&ts, pages[i], url, sizeof url), h,
                                    NULL, 0, &r),
                         0);
        assert_int_equal(r.status, i == 0 ? 304 : 200);
        tc_result_free(&r);
    }
    test_server_stop(&ts);
    curl_global_cleanup();
}

/* ---- conflicts ---- */

static bool S_pair(json_t *data, const char *a, const char *b)
{
    size_t i;
    json_t *c;
    json_array_foreach(data, i, c) {
        if (strcmp(ju_str(json_object_get(c, "a"), "claim"), a) == 0 &&
            strcmp(ju_str(json_object_get(c, "b"), "claim"), b) == 0)
            return true;
    }
    return false;
}

static void test_conflicts(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/conflicts?limit=1000", &r);
    assert_int_equal(r.status, 200);
    assert_true(r.res.cacheable);
    json_t *data = json_object_get(r.json, "data");
    json_int_t total = ju_int(json_object_get(r.json, "meta"), "total");
    assert_true(total >= 3);
    assert_int_equal((json_int_t)json_array_size(data), total);
    assert_true(json_is_false(json_object_get(r.json, "disagreements_truncated")));
    assert_true(S_pair(data, "berman-013", "masbah-162"));
    assert_true(S_pair(data, "mipa-031", "mohammed-065"));
    size_t i;
    json_t *c;
    json_array_foreach(data, i, c) {
        json_t *a = json_object_get(c, "a"), *b = json_object_get(c, "b");
        const char *rl = ju_str(c, "rule");
        if (strcmp(rl, "curated") == 0 || strcmp(rl, "drift") == 0)
            continue; /* in kind (claims without a metric), or along a citation */
        /* Vague claims never disagree; both sides share the metric's unit. */
        assert_string_not_equal(ju_str(a, "bound"), "vague");
        assert_string_not_equal(ju_str(b, "bound"), "vague");
        assert_non_null(ju_str(a, "quote"));
        assert_non_null(ju_str(b, "claimant"));
        assert_non_null(ju_str(c, "reason"));
        assert_non_null(ju_str(c, "metric"));
        assert_string_not_equal(ju_str(a, "claim"), ju_str(b, "claim"));
    }
    /* Ordered by metric, then claim: paging by offset gives the same items. */
    json_t *second = json_array_get(data, 1);
    struct api_result r2;
    api_get(&api_fx, "/v1/conflicts?limit=1&offset=1", &r2);
    json_t *d2 = json_object_get(r2.json, "data");
    assert_int_equal(json_array_size(d2), 1);
    assert_string_equal(ju_str(json_object_get(json_array_get(d2, 0), "a"), "claim"),
                        ju_str(json_object_get(second, "a"), "claim"));
    api_result_free(&r2);
    api_result_free(&r);
}

/* A finding of rule with these first claims on each side, or NULL. */
static json_t *S_finding(json_t *data, const char *rule, const char *a, const char *b)
{
    size_t i;
    json_t *c;
    json_array_foreach(data, i, c) {
        if (strcmp(ju_str(c, "rule"), rule) == 0 &&
            strcmp(ju_str(json_object_get(c, "a"), "claim"), a) == 0 &&
            strcmp(ju_str(json_object_get(c, "b"), "claim"), b) == 0)
            return c;
    }
    return NULL;
}

/* The shapes of disagreement in the five documents, each with its rule, class and arithmetic. */
static void test_conflict_rules(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/conflicts?limit=1000", &r);
    assert_int_equal(r.status, 200);
    json_t *data = json_object_get(r.json, "data");
    /* "at least 1,600" (2017) and "the estimated 1300" (2019, Syria only) */
    json_t *c = S_finding(data, "cumulative_decrease", "almonitor-010", "mipa-017");
    assert_non_null(c);
    assert_string_equal(ju_str(c, "class"), "scope");
    assert_string_equal(ju_str(c, "certainty"), "possible");
    assert_non_null(strstr(ju_str(c, "dissolves_if"), "Syria only"));
    assert_non_null(strstr(ju_str(c, "explanation"), "1350 lies below 1600"));
    /* about 50 volunteers for the first two cohorts, 75 graduates after them */
    c = S_finding(data, "part_whole", "berman-043", "mipa-048");
    assert_non_null(c);
    assert_string_equal(ju_str(c, "relation"), "graduates_within_participants");
    assert_string_equal(ju_str(c, "certainty"), "possible");
    /* "at least 6 percent (36 individuals) of a total of 700" */
    c = S_finding(data, "share_arithmetic", "masbah-015", "masbah-016");
    assert_non_null(c);
    assert_non_null(strstr(ju_str(c, "explanation"), "5.1 percent"));
    json_t *sides = json_object_get(c, "sides");
    assert_int_equal(json_array_size(sides), 2);
    json_t *counts = json_object_get(json_array_get(sides, 1), "claims");
    assert_int_equal(json_array_size(counts), 2);
    assert_string_equal(ju_str(json_array_get(counts, 1), "claim"), "masbah-017");
    assert_non_null(ju_str(json_array_get(counts, 1), "quote"));
    /* four years in 2014 against a statutory minimum of five */
    c = S_finding(data, "range_containment", "mipa-020", "masbah-161");
    assert_non_null(c);
    assert_string_equal(ju_str(json_array_get(json_object_get(c, "sides"), 1), "role"), "minimum");
    /* "around 1,500" in the summary against "1,350 by July 2015": the document itself */
    c = S_finding(data, "interval", "masbah-001", "masbah-023");
    assert_non_null(c);
    json_t *in = S_finding(data, "internal", "masbah-001", "masbah-023");
    assert_non_null(in);
    assert_string_equal(ju_str(in, "class"), "internal");
    assert_string_equal(ju_str(in, "of"), ju_str(c, "id"));
    /* every finding: a stable id, a known class and certainty, possible ones say why */
    size_t i;
    json_array_foreach(data, i, c) {
        assert_non_null(ju_str(c, "id"));
        assert_non_null(ju_str(c, "explanation"));
        bool possible = strcmp(ju_str(c, "certainty"), "possible") == 0;
        assert_true(possible == json_is_string(json_object_get(c, "dissolves_if")));
    }
    /* a disagreement in kind, recorded by curators, with the quotes on each side */
    c = S_finding(data, "curated", "mipa-055", "mohammed-072");
    assert_non_null(c);
    assert_string_equal(ju_str(c, "class"), "curated");
    assert_string_equal(ju_str(c, "id"), "curated-musalaha-post-release-support");
    assert_string_equal(ju_str(c, "certainty"), "possible");
    assert_int_equal(
        json_array_size(json_object_get(json_array_get(json_object_get(c, "sides"), 0), "claims")),
        2);
    assert_non_null(strstr(ju_str(json_object_get(c, "b"), "quote"), "economic support"));
    char first_id[128];
    snprintf(first_id, sizeof first_id, "%s", ju_str(json_array_get(data, 0), "id"));
    api_result_free(&r);

    /* filters: rule, class, certainty; bad values name the parameter */
    api_get(&api_fx, "/v1/conflicts?rule=cumulative_decrease&limit=1000", &r);
    data = json_object_get(r.json, "data");
    assert_true(json_array_size(data) >= 3);
    json_array_foreach(data, i, c) {
        assert_string_equal(ju_str(c, "rule"), "cumulative_decrease");
    }
    api_result_free(&r);
    api_get(&api_fx, "/v1/conflicts?class=internal&certainty=definite", &r);
    data = json_object_get(r.json, "data");
    assert_true(json_array_size(data) >= 1);
    json_array_foreach(data, i, c) {
        assert_string_equal(ju_str(c, "class"), "internal");
        assert_string_equal(ju_str(c, "certainty"), "definite");
    }
    api_result_free(&r);
    api_get_problem(&api_fx, "/v1/conflicts?rule=nope", 400, "rule");
    api_get_problem(&api_fx, "/v1/conflicts?class=nope", 400, "class");
    api_get_problem(&api_fx, "/v1/conflicts?certainty=maybe", 400, "certainty");

    /* ids are stable: the same finding first again */
    api_get(&api_fx, "/v1/conflicts?limit=1", &r);
    assert_string_equal(ju_str(json_array_get(json_object_get(r.json, "data"), 0), "id"), first_id);
    api_result_free(&r);
}

static void test_source_consistency(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/sources/masbah-2015-foreign-fighters/consistency", &r);
    assert_int_equal(r.status, 200);
    json_t *d = json_object_get(r.json, "data");
    json_t *internal = json_object_get(d, "internal");
    assert_true(json_array_size(internal) >= 2);
    assert_int_equal(ju_int(d, "internal_total"), (json_int_t)json_array_size(internal));
    size_t i;
    json_t *c;
    json_array_foreach(internal, i, c) {
        assert_string_equal(ju_str(c, "class"), "internal");
        assert_string_equal(ju_str(json_object_get(c, "a"), "source"),
                            "masbah-2015-foreign-fighters");
        assert_string_equal(ju_str(json_object_get(c, "b"), "source"),
                            "masbah-2015-foreign-fighters");
    }
    json_t *others = json_object_get(d, "contradicted_by");
    assert_true(json_array_size(others) >= 1);
    json_array_foreach(others, i, c) {
        bool other =
            strcmp(ju_str(json_object_get(c, "a"), "source"), "masbah-2015-foreign-fighters") ||
            strcmp(ju_str(json_object_get(c, "b"), "source"), "masbah-2015-foreign-fighters");
        assert_true(other);
    }
    api_result_free(&r);
    api_get_problem(&api_fx, "/v1/sources/no-such-source/consistency", 404, NULL);
    api_get_problem(&api_fx, "/v1/sources/masbah-2015-foreign-fighters/consistency?x=1", 400, "x");
}

static void test_conflicts_filters(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/conflicts?metric=program_start_date", &r);
    assert_int_equal(r.status, 200);
    json_t *data = json_object_get(r.json, "data");
    assert_true(S_pair(data, "mipa-031", "mohammed-065"));
    json_t *c = json_array_get(data, 0);
    assert_string_equal(ju_str(c, "metric"), "program_start_date");
    assert_string_equal(ju_str(c, "subject"), "musalaha");
    assert_string_equal(ju_str(json_object_get(c, "a"), "value_date"), "2016");
    assert_string_equal(ju_str(json_object_get(c, "b"), "value_date"), "2017");
    api_result_free(&r);

    api_get(&api_fx, "/v1/conflicts?rule=interval&metric=statutory_sentence_max,program_start_date",
            &r);
    assert_int_equal(ju_int(json_object_get(r.json, "meta"), "total"), 2);
    api_result_free(&r);

    api_get(&api_fx, "/v1/conflicts?program=musalaha,anti_terrorism_law_amendment", &r);
    data = json_object_get(r.json, "data");
    assert_true(json_array_size(data) >= 2);
    size_t i;
    json_array_foreach(data, i, c) {
        const char *sa = ju_str(json_object_get(c, "a"), "subject");
        const char *sb = ju_str(json_object_get(c, "b"), "subject");
        bool ok =
            (sa && (!strcmp(sa, "musalaha") || !strcmp(sa, "anti_terrorism_law_amendment"))) ||
            (sb && (!strcmp(sb, "musalaha") || !strcmp(sb, "anti_terrorism_law_amendment")));
        assert_true(ok);
    }
    api_result_free(&r);

    api_get(&api_fx, "/v1/conflicts?source=berman-2019-returnees", &r);
    data = json_object_get(r.json, "data");
    assert_true(json_array_size(data) >= 2);
    json_array_foreach(data, i, c) {
        bool ok = !strcmp(ju_str(json_object_get(c, "a"), "source"), "berman-2019-returnees") ||
                  !strcmp(ju_str(json_object_get(c, "b"), "source"), "berman-2019-returnees");
        assert_true(ok);
    }
    assert_false(S_pair(data, "mipa-031", "mohammed-065"));
    api_result_free(&r);

    api_get(&api_fx, "/v1/conflicts?source=almonitor-2017-returnees&metric=islamist_prisoners", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "data")), 0);
    api_result_free(&r);
}

static void test_conflicts_paging_and_errors(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/conflicts?limit=1000", &r);
    size_t all = json_array_size(json_object_get(r.json, "data"));
    api_result_free(&r);
    assert_int_equal(api_count_by_cursor(&api_fx, "/v1/conflicts?limit=2"), all);

    api_get(&api_fx, "/v1/conflicts?format=csv", &r);
    assert_int_equal(r.status, 200);
    /* the finding, then the two claims side by side, a column per member */
    static const char head[] = "id,rule,class,certainty,metric,relation,place,subject,of,"
                               "dissolves_if,explanation,reason,a.claim,a.source,a.claimant,"
                               "a.quote,a.value,a.lower,a.upper,a.bound,";
    assert_true(strncmp(r.body, head, sizeof head - 1) == 0);
    assert_non_null(strstr(r.body, ",b.claim,b.source,b.claimant,b.quote,b.value,"));
    api_result_free(&r);
    /* A computed list is kept per target and Accept: the same target in CSV is CSV. */
    api_get(&api_fx, "/v1/conflicts?limit=3", &r);
    char *first = strdup(r.body);
    api_result_free(&r);
    api_get(&api_fx, "/v1/conflicts?limit=3", &r);
    assert_string_equal(r.body, first);
    assert_non_null(api_header(&r, "X-Total-Count"));
    assert_non_null(api_header(&r, "Link"));
    api_result_free(&r);
    free(first);
    const char *const csv[] = {"Accept: text/csv", NULL};
    api_request(&api_fx, "GET", "/v1/conflicts?limit=3", csv, NULL, &r);
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    api_result_free(&r);
    const char *const accept[] = {"Accept: application/x-ndjson", NULL};
    api_request(&api_fx, "GET", "/v1/conflicts?limit=1", accept, NULL, &r);
    assert_string_equal(r.content_type, "application/x-ndjson");
    assert_non_null(strstr(r.body, "\"reason\""));
    api_result_free(&r);

    const char *const cases[][2] = {
        {"/v1/conflicts?cursor=zzz", "cursor"}, {"/v1/conflicts?place=morocco", "place"},
        {"/v1/conflicts?limit=-1", "limit"},    {"/v1/conflicts?metric=", "metric"},
        {"/v1/conflicts?format=xml", "format"}, {"/v1/conflicts?offset=x", "offset"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        api_get_problem(&api_fx, cases[i][0], 400, cases[i][1]);
    }
}

/* ---- a metric with 5,000 observations ---- */

/*
 * Copies the test database and adds 5,000 dated claims on one metric:
 * exact values over 25 years at 8 places, one claim in 25 vague, and one
 * undated range every 250 claims. Many pairs disagree.
 */
static bool S_big_db(const char *src, const char *dst)
{
    sqlite3 *db = NULL;
    char sql[512];
    bool ok = false;
    if (sqlite3_open_v2(src, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        goto out;
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", dst);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    sqlite3_close(db);
    db = NULL;
    if (sqlite3_open(dst, &db) != SQLITE_OK)
        goto out;
    static const char ins[] =
        "INSERT INTO claim (id, source_seq, quote, quote_start, quote_end, byte_start, byte_end, "
        "statement, kind, metric_seq, value, lower, upper, bound, vague_term, unit, as_of, "
        "time_start, time_end, place_seq, claimant, claimant_kind) "
        "SELECT 'big-' || n, 1, 'quote number ' || n, 0, 10, 0, 10, 'synthetic', 'statistic', "
        "(SELECT seq FROM metric WHERE id = 'terrorism_recidivists'), "
        "CASE WHEN n % 25 = 0 OR n % 250 = 1 THEN NULL ELSE 100 + (n * 37) % 400 END, "
        "CASE WHEN n % 250 = 1 THEN 10 END, CASE WHEN n % 250 = 1 THEN 20 END, "
        "CASE WHEN n % 25 = 0 THEN 'vague' WHEN n % 250 = 1 THEN 'range' ELSE 'exact' END, "
        "CASE WHEN n % 25 = 0 THEN 'dozens' END, 'people', "
        "CASE WHEN n % 250 = 1 THEN NULL ELSE (2000 + n % 25) END, "
        "CASE WHEN n % 250 = 1 THEN NULL ELSE CAST(julianday((2000 + n % 25) || '-01-01') - "
        "2440587.5 AS INTEGER) END, "
        "CASE WHEN n % 250 = 1 THEN NULL ELSE CAST(julianday((2000 + n % 25) || '-12-31') - "
        "2440587.5 AS INTEGER) END, "
        "(SELECT seq FROM (SELECT seq, row_number() OVER (ORDER BY seq) - 1 AS r FROM entity "
        "WHERE kind = 'place') WHERE r = n % 8), "
        "'Claimant ' || (n % 40), 'expert' "
        "FROM (WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 5000) "
        "SELECT n FROM k)";
    /* 5,000 undated estimates that all agree: every window overlaps every other. */
    static const char agree[] =
        "INSERT INTO claim (id, source_seq, quote, quote_start, quote_end, byte_start, byte_end, "
        "statement, kind, metric_seq, lower, upper, bound, unit, claimant, claimant_kind) "
        "SELECT 'agree-' || n, 1, 'estimate ' || n, 0, 10, 0, 10, 'synthetic', 'statistic', "
        "(SELECT seq FROM metric WHERE id = 'trip_cost'), 400 + n % 10, 600 + n % 10, 'range', "
        "'USD', "
        "'Claimant ' || (n % 40), 'expert' "
        "FROM (WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 5000) "
        "SELECT n FROM k)";
    ok = sqlite3_exec(db, ins, NULL, NULL, NULL) == SQLITE_OK &&
         sqlite3_exec(db, agree, NULL, NULL, NULL) == SQLITE_OK;
    if (!ok)
        fprintf(stderr, "big db: %s\n", sqlite3_errmsg(db));
out:
    sqlite3_close(db);
    return ok;
}

static void test_five_thousand_observations(void **state)
{
    (void)state;
    char dir[256], path[320];
    const char *orig = getenv("MARSAD_TEST_DB");
    assert_non_null(orig);
    assert_true(tu_mkdtemp("stats", dir, sizeof dir));
    assert_true(tu_path(path, sizeof path, dir, "big.db"));
    assert_true(S_big_db(orig, path));

    char saved[4096];
    snprintf(saved, sizeof saved, "%s", orig);
    setenv("MARSAD_TEST_DB", path, 1);
    struct api_fixture big;
    memset(&big, 0, sizeof big);
    assert_int_equal(api_fixture_open(&big), 0);
    setenv("MARSAD_TEST_DB", saved, 1);

    struct api_result r;
    stat_cache_clear(big.app->stat_cache); /* computed here, not served from the cache */
    api_request(&big, "GET", "/v1/statistics/terrorism_recidivists", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *d = json_object_get(r.json, "data");
    /* The default page: the first 100 of 5,001 observations. */
    assert_int_equal(json_array_size(json_object_get(d, "observations")), 100);
    assert_int_equal(ju_int(d, "observations_total"), 5001);
    assert_true(json_is_null(json_object_get(json_object_get(d, "links"), "prev")));
    assert_string_equal(ju_str(json_object_get(d, "links"), "next"),
                        "/v1/statistics/terrorism_recidivists?offset=100");
    json_t *dis = json_object_get(d, "disagreements");
    /* Capped, and saying so. */
    assert_int_equal(json_array_size(dis), 1000);
    assert_true(json_is_true(json_object_get(d, "disagreements_truncated")));
    json_t *sum = json_object_get(d, "summary");
    assert_int_equal(ju_int(sum, "claims"), 5001);
    assert_int_equal(ju_int(sum, "disagreements"), 1000);
    assert_true(json_is_true(json_object_get(sum, "disagreements_truncated")));
    /* 200 vague claims observed, never summarized, never in a disagreement. */
    assert_int_equal(json_array_size(json_object_get(sum, "computed_from")), 5001 - 200);
    /* Every page has the same summary and disagreements; the pages hold every observation. */
    json_int_t total = 0;
    json_t *obs = S_all_observations(&big, "/v1/statistics/terrorism_recidivists", 1000, &total);
    assert_int_equal(total, 5001);
    size_t i;
    json_t *x;
    json_array_foreach(dis, i, x) {
        json_t *a = ju_find(obs, "claim", ju_str(x, "a"));
        json_t *b = ju_find(obs, "claim", ju_str(x, "b"));
        assert_string_not_equal(ju_str(a, "bound"), "vague");
        assert_string_not_equal(ju_str(b, "bound"), "vague");
    }
    /* A timeline: dated observations by window start, the undated ones last. */
    const char *prev = "";
    bool undated = false;
    json_array_foreach(obs, i, x) {
        json_t *w = json_object_get(x, "window");
        if (json_is_null(w)) {
            undated = true;
            continue;
        }
        assert_false(undated);
        assert_true(strcmp(prev, ju_str(w, "start")) <= 0);
        prev = ju_str(w, "start");
    }
    json_decref(obs);
    /* Served again from the computed-response cache: the same bytes. (Speed is measured by
     * `make bench`, never asserted here.) */
    struct api_result again;
    api_request(&big, "GET", "/v1/statistics/terrorism_recidivists", NULL, NULL, &again);
    assert_int_equal(again.status, 200);
    assert_int_equal(again.body_len, r.body_len);
    assert_memory_equal(again.body, r.body, r.body_len);
    api_result_free(&again);
    api_result_free(&r);

    /*
     * Each page is cached under its own target: change every quote behind the server's back
     * (its dataset version does not move), and a page asked before is answered from the cache
     * as it was, while a page never asked is computed from the changed data.
     */
    const char *const p1 = "/v1/statistics/terrorism_recidivists?limit=5&offset=100";
    const char *const p2 = "/v1/statistics/terrorism_recidivists?limit=5&offset=200";
    const char *const p3 = "/v1/statistics/terrorism_recidivists?limit=5&offset=300";
    struct api_result r1, r2;
    api_request(&big, "GET", p1, NULL, NULL, &r1);
    api_request(&big, "GET", p2, NULL, NULL, &r2);
    assert_int_equal(r1.status, 200);
    assert_int_equal(r2.status, 200);
    assert_true(r1.body_len != r2.body_len || memcmp(r1.body, r2.body, r1.body_len) != 0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE claim SET quote = 'changed' WHERE id LIKE 'big-%'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    api_request(&big, "GET", p1, NULL, NULL, &again);
    assert_int_equal(again.body_len, r1.body_len);
    assert_memory_equal(again.body, r1.body, r1.body_len);
    assert_null(strstr(again.body, "\"quote\":\"changed\""));
    api_result_free(&again);
    api_request(&big, "GET", p2, NULL, NULL, &again);
    assert_int_equal(again.body_len, r2.body_len);
    assert_memory_equal(again.body, r2.body, r2.body_len);
    api_result_free(&again);
    api_request(&big, "GET", p3, NULL, NULL, &again);
    assert_int_equal(again.status, 200);
    assert_non_null(strstr(again.body, "\"quote\":\"changed\""));
    api_result_free(&again);
    api_result_free(&r1);
    api_result_free(&r2);

    /*
     * All windows overlap and no values conflict: comparing every pair would
     * take 12.5 million checks; the value sweep finds none to check.
     */
    stat_cache_clear(big.app->stat_cache);
    api_request(&big, "GET", "/v1/statistics/trip_cost", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    d = json_object_get(r.json, "data");
    assert_int_equal(ju_int(d, "observations_total"), 5001);
    assert_int_equal(json_array_size(json_object_get(d, "disagreements")), 0);
    sum = json_object_get(d, "summary");
    assert_int_equal(ju_int(sum, "disagreements"), 0);
    assert_true(json_is_true(json_object_get(sum, "unbounded_below"))); /* "up to 1,000" */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(sum, "highest"), "value")),
                     1000);
    /* "between 400 and 600": the lowest figure is a range's stated lower end */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(sum, "lowest"), "lower")),
                     400);
    api_result_free(&r);

    /* Conflicts over the whole database stop at 1,000 per rule and metric, and say so. */
    api_request(&big, "GET", "/v1/conflicts?rule=interval&metric=terrorism_recidivists&limit=10",
                NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(ju_int(json_object_get(r.json, "meta"), "total"), 1000);
    assert_true(json_is_true(json_object_get(r.json, "disagreements_truncated")));
    assert_string_equal(api_header(&r, "X-Result-Truncated"), "true");
    api_result_free(&r);

    api_fixture_close(&big);
    assert_true(tu_rmtree(dir));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_catalog_filters),
        cmocka_unit_test(test_catalog_errors),
        cmocka_unit_test(test_foreign_fighters_departed),
        cmocka_unit_test(test_series_not_pools),
        cmocka_unit_test(test_islamist_prisoners_disagree),
        cmocka_unit_test(test_date_metric),
        cmocka_unit_test(test_get_filters),
        cmocka_unit_test(test_observation_pages),
        cmocka_unit_test(test_observation_pages_every_metric),
        cmocka_unit_test(test_observation_page_errors),
        cmocka_unit_test(test_observation_pages_etag),
        cmocka_unit_test(test_conflicts),
        cmocka_unit_test(test_conflict_rules),
        cmocka_unit_test(test_source_consistency),
        cmocka_unit_test(test_conflicts_filters),
        cmocka_unit_test(test_conflicts_paging_and_errors),
        cmocka_unit_test(test_five_thousand_observations),
    };
    return cmocka_run_group_tests(tests, api_group_setup, api_group_teardown);
}
