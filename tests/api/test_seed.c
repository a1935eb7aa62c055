/*
 * The seed build validates every curated claim with the write API's validator (and the
 * evidence rule of evidence.h): a curated claim the API would refuse fails the build,
 * naming the file, the claim and the member, with the words the API's 422 gives. The curated files
 * are the binary's own, altered in memory (seed_build_from); the API is the real route
 * table over a writable copy of the default database.
 */
#include "api.h"
#include "embedded.h"
#include "json_util.h"
#include "seed.h"
#include "writable.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define CLAIMS_FILE "db/seed/claims/berman-2019-returnees.json"
#define TOKEN_WRITE "mrs_seed-test-writer-secret-0123456789abcdef"

/* The binary's curated files with the first record of `file` (the first claim of a claims
 * file, else the first element of its array) changed by `alter`; the altered text is
 * malloc'd into *owned, the altered record copied into *first. */
static struct embedded_file *S_files_of(const char *file, void (*alter)(json_t *record),
                                        char **owned, json_t **first)
{
    struct embedded_file *files = calloc(embedded_nfiles, sizeof *files);
    assert_non_null(files);
    memcpy(files, embedded_files, embedded_nfiles * sizeof *files);
    *owned = NULL;
    for (size_t i = 0; i < embedded_nfiles; i++) {
        if (strcmp(files[i].name, file) != 0)
            continue;
        json_error_t e;
        json_t *doc = json_loadb((const char *)files[i].data, files[i].len, 0, &e);
        assert_non_null(doc);
        json_t *rec = json_is_array(doc) ? json_array_get(doc, 0)
                                         : json_array_get(json_object_get(doc, "claims"), 0);
        assert_non_null(rec);
        if (alter)
            alter(rec);
        *first = json_deep_copy(rec);
        *owned = json_dumps(doc, JSON_COMPACT);
        assert_non_null(*owned);
        files[i].data = (const unsigned char *)*owned;
        files[i].len = strlen(*owned);
        json_decref(doc);
    }
    assert_non_null(*owned);
    return files;
}

static struct embedded_file *S_files(void (*alter)(json_t *claim), char **owned, json_t **first)
{
    return S_files_of(CLAIMS_FILE, alter, owned, first);
}

static void S_bad_quote(json_t *claim)
{
    char q[2048];
    snprintf(q, sizeof q, "%s (as quoted)", json_string_value(json_object_get(claim, "quote")));
    json_object_set_new(claim, "quote", json_string(q));
}

/* Builds a database from files into a fresh temporary path: the status, and err. */
static enum app_status S_build(const struct embedded_file *files, char *err, size_t n)
{
    char dir[] = "/tmp/marsad-seed-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/seed.db", dir);
    err[0] = '\0';
    enum app_status st = seed_build_from(files, embedded_nfiles, path, err, n);
    unlink(path);
    rmdir(dir);
    return st;
}

/* The unaltered files build: the altered build below fails for its quote alone. */
static void test_curated_files_build(void **state)
{
    (void)state;
    char *owned = NULL;
    json_t *first = NULL;
    struct embedded_file *files = S_files(NULL, &owned, &first);
    char err[1024];
    if (S_build(files, err, sizeof err) != APP_OK)
        fail_msg("the curated files do not build: %s", err);
    json_decref(first);
    free(owned);
    free(files);
}

static void S_bad_kind(json_t *claim)
{
    json_object_set_new(claim, "kind", json_string("rumour"));
}

static void S_unknown_topic(json_t *claim)
{
    json_object_set_new(claim, "topics", json_pack("[s]", "no-such-topic"));
}

static void S_reversed_period(json_t *claim)
{
    json_object_del(claim, "as_of");
    json_object_set_new(claim, "period", json_pack("[s,s]", "2019", "2016"));
}

/* The claim as a POST /v1/claims body: the seed's members of provenance left out (the
 * loader checks them), its source named, a period as period_start and period_end, no id. */
static char *S_api_body(const json_t *claim)
{
    json_t *body = json_deep_copy(claim);
    assert_non_null(body);
    json_object_set_new(body, "source", json_string("berman-2019-returnees"));
    json_t *period = json_object_get(body, "period");
    if (period) {
        json_object_set(body, "period_start", json_array_get(period, 0));
        json_object_set(body, "period_end", json_array_get(period, 1));
        json_object_del(body, "period");
    }
    json_object_del(body, "id"); /* the seeded claim has it: the API gives a new one */
    json_object_del(body, "chain");
    json_object_del(body, "repeats");
    json_object_del(body, "footnote_scope");
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    assert_non_null(text);
    return text;
}

/*
 * Curated claims go through the write API's validator: each alteration of the first claim
 * of a curated file fails the build, naming the file, the claim and the member, with the
 * words the API's 422 gives for the same record.
 */
static void test_bad_records_fail_like_the_api(void **state)
{
    (void)state;
    static const struct {
        void (*alter)(json_t *claim);
        const char *pointer;
        const char *word; /* a word of the API's message */
    } cases[] = {
        {S_bad_quote, "/quote", "verbatim"},
        {S_bad_kind, "/kind", "must be one of"},
        {S_unknown_topic, "/topics/0", "no-such-topic"},
        {S_reversed_period, "/period_end", "before"},
    };
    struct writable_fixture wf;
    memset(&wf, 0, sizeof wf);
    assert_int_equal(writable_open(&wf, NULL), 0);
    assert_int_equal(writable_token(&wf, "writer", "write", TOKEN_WRITE), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *owned = NULL;
        json_t *claim = NULL;
        struct embedded_file *files = S_files(cases[i].alter, &owned, &claim);
        char err[1024];
        assert_int_equal(S_build(files, err, sizeof err), APP_EINVAL);

        char *text = S_api_body(claim);
        const char *headers[] = {"Authorization: Bearer " TOKEN_WRITE,
                                 "Content-Type: application/json", NULL};
        struct api_result r;
        api_request(&wf.api, "POST", "/v1/claims", headers, text, &r);
        free(text);
        if (r.status != 422)
            fail_msg("case %zu: the API answered %u: %s", i, r.status, r.body);
        json_t *errors = json_object_get(r.json, "errors");
        assert_int_equal(json_array_size(errors), 1);
        json_t *e = json_array_get(errors, 0);
        assert_string_equal(ju_str(e, "pointer"), cases[i].pointer);
        const char *detail = ju_str(e, "detail");
        assert_non_null(strstr(detail, cases[i].word));
        char want[1024];
        snprintf(want, sizeof want, "%s: %s: %s: %s", CLAIMS_FILE, ju_str(claim, "id"),
                 cases[i].pointer, detail);
        if (strcmp(err, want) != 0)
            fail_msg("case %zu: the build says\n  %s\nthe API\n  %s", i, err, want);
        api_result_free(&r);
        json_decref(claim);
        free(owned);
        free(files);
    }
    writable_close(&wf);
}

static void S_bad_program_kind(json_t *p)
{
    json_object_set_new(p, "kind", json_string("club"));
}

static void S_bad_metric_type(json_t *m)
{
    json_object_set_new(m, "value_type", json_string("text"));
}

static void S_bad_source_url(json_t *src)
{
    json_object_set_new(src, "url", json_string("ftp://example.org/report"));
}

/* A curated source, program or metric the API would refuse fails the build the same way. */
static void test_other_records_fail_like_the_api(void **state)
{
    (void)state;
    static const char *const no_drop[] = {NULL};
    static const char *const metric_drop[] = {"relations", NULL};
    static const char *const source_drop[] = {"prefix", "published_precision", "written_precision",
                                              "text", NULL};
    static const struct {
        const char *file, *collection;
        void (*alter)(json_t *record);
        const char *pointer;
        const char *const *drop; /* the seed's own members, left out of the POST */
    } cases[] = {
        {"db/seed/programs.json", "/v1/programs", S_bad_program_kind, "/kind", no_drop},
        {"db/seed/metrics.json", "/v1/metrics", S_bad_metric_type, "/value_type", metric_drop},
        {"db/seed/sources.json", "/v1/sources", S_bad_source_url, "/url", source_drop},
    };
    struct writable_fixture wf;
    memset(&wf, 0, sizeof wf);
    assert_int_equal(writable_open(&wf, NULL), 0);
    assert_int_equal(writable_token(&wf, "writer", "write", TOKEN_WRITE), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *owned = NULL;
        json_t *rec = NULL;
        struct embedded_file *files = S_files_of(cases[i].file, cases[i].alter, &owned, &rec);
        char err[1024];
        assert_int_equal(S_build(files, err, sizeof err), APP_EINVAL);
        /* the same record through the API, under an id of its own (the seeded one is taken) */
        json_t *body = json_deep_copy(rec);
        for (size_t k = 0; cases[i].drop[k]; k++)
            json_object_del(body, cases[i].drop[k]);
        json_object_set_new(body, "id", json_string("seed-test-record"));
        char *text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        const char *headers[] = {"Authorization: Bearer " TOKEN_WRITE,
                                 "Content-Type: application/json", NULL};
        struct api_result r;
        api_request(&wf.api, "POST", cases[i].collection, headers, text, &r);
        free(text);
        if (r.status != 422)
            fail_msg("%s: the API answered %u: %s", cases[i].file, r.status, r.body);
        json_t *e = ju_find(json_object_get(r.json, "errors"), "pointer", cases[i].pointer);
        assert_non_null(e);
        char want[1024];
        snprintf(want, sizeof want, "%s: %s: %s: %s", cases[i].file, ju_str(rec, "id"),
                 cases[i].pointer, ju_str(e, "detail"));
        if (strcmp(err, want) != 0)
            fail_msg("%s: the build says\n  %s\nthe API\n  %s", cases[i].file, err, want);
        api_result_free(&r);
        json_decref(rec);
        free(owned);
        free(files);
    }
    writable_close(&wf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curated_files_build),
        cmocka_unit_test(test_bad_records_fail_like_the_api),
        cmocka_unit_test(test_other_records_fail_like_the_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
