/*
 * The claim-candidate extractor: hard sentences written for the test, each with
 * its expected candidate, and the quality on the five curated documents of the
 * built database (MARSAD_TEST_DB): the share of curated figures and dates the
 * candidates find with the same value and bound, their as-of times and their
 * claimants. MARSAD_EXTRACT_REPORT=1 prints every miss and the precision
 * breakdown (make bench prints it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "db.h"
#include "evidence.h"
#include "extract.h"
#include "extract_json.h"
#include "extract_repo.h"
#include "pdate.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- hard sentences ----------------------------------------------------- */

struct expect {
    const char *text;
    const char *published;
    const char *figure; /* the figure's text as it must be cut from the sentence */
    const char *bound;
    double value, lower, upper; /* NAN when absent */
    const char *unit;           /* NULL: not checked */
    const char *as_of;          /* NULL: not checked; "" must be absent */
    const char *period_start, *period_end;
    const char *claimant; /* NULL: not checked */
    const char *value_date;
};

#define N NAN

/* The quality the extractor must keep on the five documents. */
#define EXTRACT_MIN_RECALL   0.95
#define EXTRACT_MIN_TIME     0.90
#define EXTRACT_MIN_CLAIMANT 0.85

static const struct expect hard[] = {
    {"According to Abdelhak Khiame, the head of the BCIJ, at least 1,600 Moroccans have left.",
     "2017", "1,600", "at_least", 1600, 1600, N, "Moroccans", "2017", NULL, NULL, "Abdelhak Khiame",
     NULL},
    {"As of mid-2017, about 300 had come back.", NULL, "300", "approx", 300, N, N, NULL, "2017",
     NULL, NULL, NULL, NULL},
    {"Berman wrote that some 1.500 fighters had left by July 2015.", NULL, "1.500", "approx", 1500,
     N, N, "fighters", "2015-07", NULL, NULL, NULL, NULL},
    {"The fine is 500,000 Moroccan Dirham (ca. \u20ac45,000).", NULL, "500,000", "exact", 500000, N,
     N, "MAD", NULL, NULL, NULL, NULL, NULL},
    {"Authorities arrested an additional eighteen jihadis.", NULL, "eighteen", "exact", 18, N, N,
     "jihadis", NULL, NULL, NULL, NULL, NULL},
    {"They simply jail them for two or three years.", NULL, "two or three", "range", N, 2, 3,
     "years", NULL, NULL, NULL, NULL, NULL},
    {"Prison terms range from five to 18 years behind bars.", NULL, "five to 18", "range", N, 5, 18,
     "years", NULL, NULL, NULL, NULL, NULL},
    {"The population is estimated at between 800 and 820 inmates.", NULL, "800 and 820", "range", N,
     800, 820, "inmates", NULL, NULL, NULL, NULL, NULL},
    {"Nevertheless, around 200\u2013300 Moroccans managed to join the fight in Iraq.", NULL,
     "200\u2013300", "range", N, 200, 300, "Moroccans", NULL, NULL, NULL, NULL, NULL},
    {"Two-thirds of them were under 25.", NULL, "Two-thirds", "approx", 66.67, N, N, "percent",
     NULL, NULL, NULL, NULL, NULL},
    {"Less than one-quarter of the returnees found work.", NULL, "one-quarter", "less_than", 25, N,
     25, "percent", NULL, NULL, NULL, NULL, NULL},
    {"About 200 fighters came from Fnideq, around 13 percent of the total.", NULL, "13", "approx",
     13, N, N, "percent", NULL, NULL, NULL, NULL, NULL},
    {"The report counts at least 6 percent (36 individuals) of them.", NULL, "36", "exact", 36, N,
     N, "individuals", NULL, NULL, NULL, NULL, NULL},
    {"The report counts at least 6 percent (36 individuals) of them.", NULL, "6", "at_least", 6, 6,
     N, "percent", NULL, NULL, NULL, NULL, NULL},
    {"The program has a three-fold goal.", NULL, "three-fold", "exact", 3, N, N, "goal", NULL, NULL,
     NULL, NULL, NULL},
    {"The council held its fourth meeting in Rabat.", NULL, "fourth", "exact", 4, N, N, "meeting",
     NULL, NULL, NULL, NULL, NULL},
    {"Almost 1000 Moroccans fought in Syria.", NULL, "1000", "almost", 1000, N, 1000, "Moroccans",
     NULL, NULL, NULL, NULL, NULL},
    {"No more than 40 spots are offered each year.", NULL, "40", "up_to", 40, N, 40, "spots", NULL,
     NULL, NULL, NULL, NULL},
    {"Dozens of Moroccans traveled to Afghanistan.", NULL, "Dozens", "vague", N, N, N, "Moroccans",
     NULL, NULL, NULL, NULL, NULL},
    {"He said a few hundred volunteers left.", NULL, "a few hundred", "vague", N, N, N,
     "volunteers", NULL, NULL, NULL, NULL, NULL},
    {"Between 2002 and 2018, more than 3000 alleged jihadis were arrested.", NULL, "3000",
     "more_than", 3000, 3000, N, "jihadis", NULL, "2002", "2018", NULL, NULL},
    {"During the last two years, about 70 were arrested.", "2017", "70", "approx", 70, N, N, NULL,
     NULL, "2015", "2017", NULL, NULL},
    {"To date, Morocco has apprehended less than 200 such returnees.", "2019-03-13", "200",
     "less_than", 200, N, 200, "returnees", "2019-03-13", NULL, NULL, NULL, NULL},
    {"The BCIJ was created in March 2015.", NULL, "March 2015", "exact", N, N, N, "date", "2015-03",
     NULL, NULL, NULL, "2015-03"},
    {"In January 2015, the anti-terrorism law of 2003 was amended.", NULL, "January 2015", "exact",
     N, N, N, "date", "2015-01", NULL, NULL, NULL, "2015-01"},
    {"The murder took place on December 15, 2018.", NULL, "December 15, 2018", "exact", N, N, N,
     "date", "2018-12-15", NULL, NULL, NULL, "2018-12-15"},
    {"A lawyer, Mohamed Hilal, told Al-Monitor that 30 detainees were released.", NULL, "30",
     "exact", 30, N, N, "detainees", NULL, NULL, NULL, "Mohamed Hilal", NULL},
    {"Moroccan security officials estimated that 220 had returned.", NULL, "220", "approx", 220, N,
     N, NULL, NULL, NULL, NULL, "Moroccan security officials", NULL},
    {"Some 300 fighters reportedly died in Syria.", NULL, "300", "approx", 300, N, N, "fighters",
     NULL, NULL, NULL, "unnamed (reportedly)", NULL},
    {"The bombings of March and April 2007 killed many.", NULL, "March", "exact", N, N, N, "date",
     "2007-03", NULL, NULL, NULL, "2007-03"},
    {"Around 1,122 in June 2014, and 1,350 by July 2015.", NULL, "1,350", "approx", 1350, N, N,
     NULL, "2015-07", NULL, NULL, NULL, NULL},
    {"About two dozen women had returned.", NULL, "two dozen", "approx", 24, N, N, "women", NULL,
     NULL, NULL, NULL, NULL},
    {"The sentence was five years.", NULL, "five", "exact", 5, N, N, "years", NULL, NULL, NULL,
     NULL, NULL},
    {"Each round lasts two to three months.", NULL, "two to three", "range", N, 2, 3, "months",
     NULL, NULL, NULL, NULL, NULL},
    {"Between 2,000 and 2,500 fighters left.", NULL, "2,000 and 2,500", "range", N, 2000, 2500,
     "fighters", NULL, NULL, NULL, NULL, NULL},
};

static bool S_eq(double want, bool has, double got)
{
    if (isnan(want))
        return !has;
    return has && fabs(want - got) < 0.01;
}

static bool S_text_eq(const char *want, const char *got)
{
    if (want == NULL)
        return true;
    return strcmp(want, got) == 0;
}

static void test_hard_sentences(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof hard / sizeof hard[0]; i++) {
        const struct expect *e = &hard[i];
        struct ex_options opt = {e->published, "The Author", NULL, 0};
        struct ex_result r;
        ex_result_init(&r);
        assert_true(ex_extract(e->text, strlen(e->text), &opt, &r));
        bool found = false;
        for (size_t k = 0; k < r.n && !found; k++) {
            const struct ex_candidate *c = &r.items[k];
            size_t fl = c->figure.b1 - c->figure.b0;
            if (fl != strlen(e->figure) || memcmp(e->text + c->figure.b0, e->figure, fl) != 0)
                continue;
            found = strcmp(c->bound, e->bound) == 0 && S_eq(e->value, c->has_value, c->value) &&
                    S_eq(e->lower, c->has_lower, c->lower) &&
                    S_eq(e->upper, c->has_upper, c->upper) && S_text_eq(e->unit, c->unit) &&
                    S_text_eq(e->as_of, c->as_of) && S_text_eq(e->period_start, c->period_start) &&
                    S_text_eq(e->period_end, c->period_end) &&
                    S_text_eq(e->claimant, c->claimant) && S_text_eq(e->value_date, c->value_date);
            if (!found)
                fprintf(stderr,
                        "  '%s': figure '%s' read as bound %s value %g/%d lower %g/%d upper "
                        "%g/%d unit '%s' as_of '%s' period '%s'..'%s' claimant '%s' date '%s'\n",
                        e->text, e->figure, c->bound, c->value, c->has_value, c->lower,
                        c->has_lower, c->upper, c->has_upper, c->unit, c->as_of, c->period_start,
                        c->period_end, c->claimant, c->value_date);
        }
        if (!found) {
            fprintf(stderr, "missing candidate for '%s' in: %s\n", e->figure, e->text);
            failures++;
        }
        /* every quote is the text's own bytes at its offsets */
        for (size_t k = 0; k < r.n; k++) {
            assert_true(r.items[k].quote.b0 < r.items[k].quote.b1);
            assert_true(r.items[k].quote.b1 <= strlen(e->text));
            assert_true(r.items[k].figure.b0 >= r.items[k].quote.b0);
            assert_true(r.items[k].figure.b1 <= r.items[k].quote.b1);
        }
        ex_result_free(&r);
    }
    assert_int_equal(failures, 0);
}

/* Footnote markers, list numbers and years standing as dates are not figures. */
static void test_not_candidates(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "The law was passed in 2015.[4] It was applied at once.",
        "1. Introduction\n\nThe text begins here.",
        "The fighters.12 Many returned later.",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct ex_result r;
        ex_result_init(&r);
        struct ex_options opt = {NULL, NULL, NULL, 0};
        assert_true(ex_extract(texts[i], strlen(texts[i]), &opt, &r));
        for (size_t k = 0; k < r.n; k++) {
            const struct ex_candidate *c = &r.items[k];
            if (strcmp(c->rule, "date") == 0)
                continue;
            fprintf(stderr, "unexpected %s candidate '%.*s' in: %s\n", c->rule,
                    (int)(c->figure.b1 - c->figure.b0), texts[i] + c->figure.b0, texts[i]);
            fail();
        }
        ex_result_free(&r);
    }
}

/* The time's words as the text has them: "As of mid-2017", its preposition whole. */
static void test_time_basis_keeps_the_preposition(void **state)
{
    (void)state;
    const char text[] = "As of mid-2017, about 300 had come back.";
    struct ex_result r;
    ex_result_init(&r);
    assert_true(ex_extract(text, sizeof text - 1, NULL, &r));
    assert_true(r.n >= 1);
    bool found = false;
    for (size_t i = 0; i < r.n; i++) {
        if (strcmp(r.items[i].rule, "digits") != 0)
            continue;
        assert_string_equal(r.items[i].time_basis, "As of mid-2017");
        assert_int_equal(r.items[i].time_span.b0, 0);
        found = true;
    }
    assert_true(found);
    ex_result_free(&r);
}

static void test_empty_and_utf8(void **state)
{
    (void)state;
    struct ex_result r;
    ex_result_init(&r);
    assert_true(ex_extract("", 0, NULL, &r));
    assert_int_equal(r.n, 0);
    ex_result_free(&r);
    const char bad[] = "ok \xC3\xA9 then \xFF here";
    assert_int_equal(utf8_invalid_at(bad, sizeof bad - 1), 11);
    const char overlong[] = "ab\xC0\xAF";
    assert_int_equal(utf8_invalid_at(overlong, sizeof overlong - 1), 2);
    const char good[] = "\xE2\x82\xAC 5";
    assert_int_equal(utf8_invalid_at(good, sizeof good - 1), sizeof good - 1);
}

/* ---- quality on the five documents ------------------------------------- */

struct curated {
    char id[64];
    char as_of[16], period_start[16], period_end[16];
    char claimant[200];
};

static bool S_window(const char *s, int64_t *a, int64_t *b)
{
    struct pdate d;
    if (s == NULL || s[0] == '\0' || !pdate_parse(s, &d))
        return false;
    *a = pdate_first_day(&d);
    *b = pdate_last_day(&d);
    return true;
}

/* The time window of a claim or candidate: as_of, else period. */
static bool S_time(const char *as_of, const char *ps, const char *pe, int64_t *a, int64_t *b)
{
    int64_t x, y;
    if (S_window(as_of, a, b))
        return true;
    if (S_window(ps, a, &y) && S_window(pe, &x, b))
        return true;
    return false;
}

static void S_fold(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        out[k++] = (char)((*s >= 'A' && *s <= 'Z') ? *s + 32 : *s);
    out[k] = '\0';
}

/* Claimants agree when they share a name word of four letters or more. */
static bool S_claimant_match(const char *want, const char *got)
{
    char w[256], g[256];
    S_fold(want, w, sizeof w);
    S_fold(got, g, sizeof g);
    static const char *const weak[] = {"moroccan", "morocco", "head",     "former",  "with",
                                       "from",     "fellow",  "unsigned", "article", NULL};
    char *save = NULL;
    for (char *t = strtok_r(w, " ,;()'\u2019", &save); t != NULL;
         t = strtok_r(NULL, " ,;()'\u2019", &save)) {
        bool skip = strlen(t) < 4;
        for (size_t i = 0; weak[i] && !skip; i++)
            skip = strcmp(t, weak[i]) == 0;
        if (!skip && strstr(g, t) != NULL)
            return true;
    }
    return false;
}

struct quality {
    size_t claims, found, timed, time_ok, named, claimant_ok;
    size_t candidates, unmatched, unmatched_by_rule[16]; /* by ex_rules[] */
    double longest_ms;
};

static void S_quality(struct quality *q, bool report)
{
    const char *path = getenv("MARSAD_TEST_DB");
    assert_non_null(path);
    struct db_conn *c = NULL;
    assert_int_equal(db_open(path, true, &c), APP_OK);
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    struct extract_catalog cat;
    assert_int_equal(extract_repo_catalog(c, &cat), APP_OK);
    memset(q, 0, sizeof *q);
    sqlite3_stmt *src = NULL, *cl = NULL;
    assert_int_equal(sqlite3_prepare_v2(raw,
                                        "SELECT s.id FROM source s JOIN source_text t ON "
                                        "t.source_seq = s.seq WHERE s.deleted_at IS NULL ORDER "
                                        "BY s.seq",
                                        -1, &src, NULL),
                     SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(raw,
                           "SELECT coalesce(as_of, ''), coalesce(period_start, ''), "
                           "coalesce(period_end, ''), claimant FROM claim WHERE id = ?1",
                           -1, &cl, NULL),
        SQLITE_OK);
    while (sqlite3_step(src) == SQLITE_ROW) {
        const char *sid = (const char *)sqlite3_column_text(src, 0);
        struct extract_source doc;
        assert_int_equal(extract_repo_source(c, sid, &doc), APP_OK);
        struct ex_options opt = {doc.published, doc.author, cat.m, cat.n};
        struct ex_result r;
        ex_result_init(&r);
        /* the time is reported (make bench runs this with MARSAD_EXTRACT_RUNS), never
         * asserted: the fastest of the runs, catalog indexing included */
        const char *runs_env = getenv("MARSAD_EXTRACT_RUNS");
        long runs = runs_env ? strtol(runs_env, NULL, 10) : 1;
        double ms = 1e9;
        for (long k = 0; k < (runs < 1 ? 1 : runs); k++) {
            struct timespec t0, t1;
            ex_result_free(&r);
            ex_result_init(&r);
            clock_gettime(CLOCK_MONOTONIC, &t0);
            assert_true(ex_extract(doc.text, doc.len, &opt, &r));
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double one =
                (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
            if (one < ms)
                ms = one;
        }
        if (report || runs_env)
            printf("extract: %s (%zu bytes): %zu candidates in %.2f ms\n", sid, doc.len, r.n, ms);
        if (ms > q->longest_ms)
            q->longest_ms = ms;
        bool *used = calloc(r.n + 1, sizeof *used);
        assert_non_null(used);
        for (size_t k = 0; k < doc.nclaims; k++) {
            const struct ex_claim_ref *ref = &doc.claims[k];
            if (!ref->has_value && !ref->has_lower && !ref->has_upper && ref->value_date == NULL &&
                (ref->bound == NULL || strcmp(ref->bound, "vague") != 0))
                continue;
            q->claims++;
            sqlite3_bind_text(cl, 1, ref->id, -1, SQLITE_TRANSIENT);
            assert_int_equal(sqlite3_step(cl), SQLITE_ROW);
            struct curated cu;
            snprintf(cu.as_of, sizeof cu.as_of, "%s", sqlite3_column_text(cl, 0));
            snprintf(cu.period_start, sizeof cu.period_start, "%s", sqlite3_column_text(cl, 1));
            snprintf(cu.period_end, sizeof cu.period_end, "%s", sqlite3_column_text(cl, 2));
            snprintf(cu.claimant, sizeof cu.claimant, "%s", sqlite3_column_text(cl, 3));
            sqlite3_reset(cl);
            const struct ex_candidate *best = NULL;
            for (size_t i = 0; i < r.n; i++) {
                if (!ex_covers(ref, &r.items[i]))
                    continue;
                used[i] = true;
                if (best == NULL)
                    best = &r.items[i];
            }
            if (best == NULL) {
                if (report)
                    fprintf(stderr, "  miss %s: %s %g/%g/%g %s '%.*s'\n", ref->id,
                            ref->bound ? ref->bound : "-", ref->value, ref->lower, ref->upper,
                            ref->value_date ? ref->value_date : "",
                            (int)(ref->b1 - ref->b0 > 110 ? 110 : ref->b1 - ref->b0),
                            doc.text + ref->b0);
                continue;
            }
            q->found++;
            int64_t a0, a1, b0, b1;
            if (S_time(cu.as_of, cu.period_start, cu.period_end, &a0, &a1)) {
                q->timed++;
                bool ok = false;
                for (size_t i = 0; i < r.n && !ok; i++)
                    ok = ex_covers(ref, &r.items[i]) &&
                         S_time(r.items[i].as_of, r.items[i].period_start, r.items[i].period_end,
                                &b0, &b1) &&
                         b0 <= a1 && a0 <= b1;
                if (ok)
                    q->time_ok++;
                else if (report)
                    fprintf(stderr, "  time %s: want %s %s..%s got %s %s..%s (%s)\n", ref->id,
                            cu.as_of, cu.period_start, cu.period_end, best->as_of,
                            best->period_start, best->period_end, best->time_basis);
            }
            q->named++;
            bool ok = false;
            for (size_t i = 0; i < r.n && !ok; i++)
                ok = ex_covers(ref, &r.items[i]) &&
                     S_claimant_match(cu.claimant, r.items[i].claimant);
            if (ok)
                q->claimant_ok++;
            else if (report)
                fprintf(stderr, "  claimant %s: want '%s' got '%s'\n", ref->id, cu.claimant,
                        best->claimant);
        }
        for (size_t i = 0; i < r.n; i++) {
            q->candidates++;
            if (used[i])
                continue;
            q->unmatched++;
            for (size_t k = 0; ex_rules[k]; k++)
                if (strcmp(ex_rules[k], r.items[i].rule) == 0)
                    q->unmatched_by_rule[k]++;
        }
        free(used);
        ex_result_free(&r);
        extract_source_free(&doc);
    }
    sqlite3_finalize(src);
    sqlite3_finalize(cl);
    sqlite3_close(raw);
    extract_catalog_free(&cat);
    db_close(c);
}

static void test_quality_on_the_five_documents(void **state)
{
    (void)state;
    bool report = getenv("MARSAD_EXTRACT_REPORT") != NULL;
    struct quality q;
    S_quality(&q, report);
    double recall = (double)q.found / (double)q.claims;
    double time_ok = (double)q.time_ok / (double)q.timed;
    double claimant_ok = (double)q.claimant_ok / (double)q.named;
    printf("extract: %zu of %zu curated figures and dates found with value and bound (%.1f%%); "
           "as-of %zu of %zu (%.1f%%); claimant %zu of %zu (%.1f%%)\n",
           q.found, q.claims, 100 * recall, q.time_ok, q.timed, 100 * time_ok, q.claimant_ok,
           q.named, 100 * claimant_ok);
    printf("extract: %zu candidates, %zu match no curated claim (precision %.1f%%):", q.candidates,
           q.unmatched, 100.0 * (double)(q.candidates - q.unmatched) / (double)q.candidates);
    for (size_t k = 0; ex_rules[k]; k++)
        if (q.unmatched_by_rule[k])
            printf(" %s %zu", ex_rules[k], q.unmatched_by_rule[k]);
    printf("\nextract: slowest document in %.2f ms\n", q.longest_ms);
    assert_true(q.claims >= 150);
    assert_true(recall >= EXTRACT_MIN_RECALL);
    assert_true(time_ok >= EXTRACT_MIN_TIME);
    assert_true(claimant_ok >= EXTRACT_MIN_CLAIMANT);
}

/* The JSON form: offsets in code points, the quote cut at them. */
static void test_json_offsets(void **state)
{
    (void)state;
    const char text[] = "\u201cAround 1,500 fighters\u201d left \u2014 at least 36 returned.";
    struct ex_result r;
    ex_result_init(&r);
    assert_true(ex_extract(text, sizeof text - 1, NULL, &r));
    assert_true(r.n >= 2);
    struct ex_offsets off;
    assert_true(ex_offsets_init(&off, text, sizeof text - 1));
    for (size_t i = 0; i < r.n; i++) {
        struct buf b;
        buf_init(&b);
        struct jw w;
        jw_init(&w, &b);
        ex_candidate_json(&w, &off, &r.items[i], true, NULL);
        assert_false(b.oom);
        assert_non_null(strstr(buf_str(&b), "\"covered_by\":null"));
        assert_int_equal(ex_offsets_cp(&off, r.items[i].figure.b0),
                         evidence_codepoints(text, r.items[i].figure.b0));
        buf_free(&b);
    }
    assert_int_equal(ex_offsets_cp(&off, sizeof text - 1),
                     evidence_codepoints(text, sizeof text - 1));
    ex_offsets_free(&off);
    ex_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hard_sentences),
        cmocka_unit_test(test_not_candidates),
        cmocka_unit_test(test_time_basis_keeps_the_preposition),
        cmocka_unit_test(test_empty_and_utf8),
        cmocka_unit_test(test_json_offsets),
        cmocka_unit_test(test_quality_on_the_five_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
