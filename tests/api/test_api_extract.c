/*
 * POST /v1/extract and GET /v1/sources/{id}/candidates through the real route
 * table: the envelope, quotes cut at their code point offsets, the errors, and
 * coverage by the claims of a stored source (a source added through the API,
 * whose candidates become covered as a curator accepts them).
 */
#include "json_util.h"
#include "writable.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define TOKEN "extract-test-token-0123456789abcdef"

static const char *const json_ct[] = {"Content-Type: application/json", NULL};
static const char *const plain_ct[] = {"Content-Type: text/plain; charset=utf-8", NULL};
static const char *const write_hdr[] = {"Content-Type: application/json",
                                        "Authorization: Bearer " TOKEN, NULL};

static int setup(void **state)
{
    struct writable_fixture *wf = calloc(1, sizeof *wf);
    if (!wf || writable_open(wf, NULL) != 0) {
        free(wf);
        return -1;
    }
    if (writable_token(wf, "curator", "write", TOKEN) != 0) {
        writable_close(wf);
        free(wf);
        return -1;
    }
    *state = wf;
    return 0;
}

static int teardown(void **state)
{
    struct writable_fixture *wf = *state;
    if (wf) {
        writable_close(wf);
        free(wf);
    }
    return 0;
}

/* The code points [a, b) of s, as a malloc'd string. */
static char *S_cut(const char *s, json_int_t a, json_int_t b)
{
    const char *p = s;
    json_int_t k = 0;
    while (*p && k < a) {
        p++;
        while ((*p & 0xC0) == 0x80)
            p++;
        k++;
    }
    const char *q = p;
    while (*q && k < b) {
        q++;
        while ((*q & 0xC0) == 0x80)
            q++;
        k++;
    }
    char *out = malloc((size_t)(q - p) + 1);
    assert_non_null(out);
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
    return out;
}

/* Every candidate's quote and figure are the text's own characters at their offsets. */
static void S_assert_offsets(const char *text, json_t *data)
{
    size_t i;
    json_t *c;
    json_array_foreach(data, i, c) {
        json_int_t a = json_integer_value(json_object_get(c, "quote_start"));
        json_int_t b = json_integer_value(json_object_get(c, "quote_end"));
        char *q = S_cut(text, a, b);
        assert_string_equal(q, json_string_value(json_object_get(c, "quote")));
        free(q);
        json_t *fig = json_object_get(json_object_get(c, "spans"), "figure");
        char *f = S_cut(text, json_integer_value(json_array_get(fig, 0)),
                        json_integer_value(json_array_get(fig, 1)));
        assert_string_equal(f, json_string_value(json_object_get(c, "figure")));
        free(f);
    }
}

static json_t *S_find(json_t *data, const char *figure)
{
    size_t i;
    json_t *c;
    json_array_foreach(data, i, c) {
        if (strcmp(json_string_value(json_object_get(c, "figure")), figure) == 0)
            return c;
    }
    return NULL;
}

static void test_extract_json(void **state)
{
    struct writable_fixture *wf = *state;
    const char *text =
        "\u201cAccording to Abdelhak Khiame, at least 1,600 Moroccans have left,\u201d "
        "the article says. To date, fewer than 200 have returned.";
    json_t *body =
        json_pack("{s:s, s:s, s:s}", "text", text, "published", "2017-05", "author", "Al-Monitor");
    char *b = json_dumps(body, 0);
    struct api_result r;
    api_request(&wf->api, "POST", "/v1/extract", json_ct, b, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(r.json);
    json_t *data = json_object_get(r.json, "data");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "meta"), "total")),
                     (json_int_t)json_array_size(data));
    assert_true(json_integer_value(json_object_get(json_object_get(r.json, "meta"), "text_chars")) >
                100);
    S_assert_offsets(text, data);
    json_t *c = S_find(data, "1,600");
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "bound")), "at_least");
    assert_int_equal(json_integer_value(json_object_get(c, "lower")), 1600);
    assert_null(json_object_get(c, "upper"));
    assert_string_equal(json_string_value(json_object_get(c, "claimant")), "Abdelhak Khiame");
    assert_string_equal(json_string_value(json_object_get(c, "unit")), "Moroccans");
    c = S_find(data, "200");
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "bound")), "less_than");
    assert_string_equal(json_string_value(json_object_get(c, "as_of")), "2017-05");
    assert_string_equal(json_string_value(json_object_get(c, "claimant")), "Al-Monitor");
    /* nothing is stored: no covered_by member without a source */
    assert_null(json_object_get(c, "covered_by"));
    api_result_free(&r);
    free(b);
    json_decref(body);
}

static void test_extract_plain_and_empty(void **state)
{
    struct writable_fixture *wf = *state;
    struct api_result r;
    api_request(&wf->api, "POST", "/v1/extract?published=2019&author=Someone", plain_ct,
                "The prison system currently holds about 800 inmates.", &r);
    assert_int_equal(r.status, 200);
    json_t *c = S_find(json_object_get(r.json, "data"), "800");
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "bound")), "approx");
    assert_string_equal(json_string_value(json_object_get(c, "as_of")), "2019");
    assert_string_equal(json_string_value(json_object_get(c, "claimant")), "Someone");
    api_result_free(&r);

    api_request(&wf->api, "POST", "/v1/extract", json_ct, "{\"text\": \"\"}", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "data")), 0);
    api_result_free(&r);
}

static void test_extract_errors(void **state)
{
    struct writable_fixture *wf = *state;
    struct api_result r;
    api_request(&wf->api, "POST", "/v1/extract", plain_ct, "ok \xC3\xA9 then \xFF bad", &r);
    api_assert_problem(&r, 422, NULL);
    assert_non_null(strstr(json_string_value(json_object_get(r.json, "detail")), "offset 11"));
    api_result_free(&r);

    static const char *const xml[] = {"Content-Type: application/xml", NULL};
    api_request(&wf->api, "POST", "/v1/extract", xml, "<t/>", &r);
    api_assert_problem(&r, 415, NULL);
    assert_non_null(api_header(&r, "Accept-Post"));
    api_result_free(&r);

    api_request(&wf->api, "POST", "/v1/extract", json_ct, "{\"text\": 5}", &r);
    api_assert_problem(&r, 422, NULL);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.json, "errors"), 0), "pointer")),
                        "/text");
    api_result_free(&r);

    api_request(&wf->api, "POST", "/v1/extract", json_ct,
                "{\"text\": \"x\", \"published\": \"March 2019\"}", &r);
    api_assert_problem(&r, 422, NULL);
    api_result_free(&r);

    api_request(&wf->api, "POST", "/v1/extract", json_ct, "{\"text\": \"x\", \"lang\": \"en\"}",
                &r);
    api_assert_problem(&r, 422, NULL);
    api_result_free(&r);

    api_request(&wf->api, "POST", "/v1/extract", json_ct, "{\"text\": ", &r);
    api_assert_problem(&r, 400, NULL);
    api_result_free(&r);

    api_request(&wf->api, "POST", "/v1/extract?published=soon", plain_ct, "x", &r);
    api_assert_problem(&r, 400, "published");
    api_result_free(&r);
}

/* A curated source: candidates carry covered_by, and covered= splits them. */
static void test_candidates_of_a_curated_source(void **state)
{
    struct writable_fixture *wf = *state;
    struct api_result all, cov, fresh;
    api_get(&wf->api, "/v1/sources/berman-2019-returnees/candidates?limit=1000", &all);
    assert_int_equal(all.status, 200);
    json_int_t n = api_total(&all);
    api_get(&wf->api, "/v1/sources/berman-2019-returnees/candidates?covered=true&limit=1000", &cov);
    api_get(&wf->api, "/v1/sources/berman-2019-returnees/candidates?covered=false&limit=1000",
            &fresh);
    json_int_t ncov = api_total(&cov), nnew = api_total(&fresh);
    assert_true(ncov > 0);
    assert_int_equal(ncov + nnew, n);
    assert_int_equal(json_array_size(api_data(&cov)), ncov);
    assert_int_equal(json_array_size(api_data(&fresh)), nnew);
    size_t i;
    json_t *c;
    json_array_foreach(api_data(&cov), i, c) {
        const char *by = json_string_value(json_object_get(c, "covered_by"));
        assert_non_null(by);
        assert_int_equal(strncmp(by, "berman-", 7), 0);
    }
    json_array_foreach(api_data(&fresh), i, c) {
        assert_true(json_is_null(json_object_get(c, "covered_by")));
    }
    /* "more than 1,500 Moroccan nationals" (berman-004) is already in the base */
    json_t *k = S_find(api_data(&all), "1,500");
    assert_non_null(k);
    assert_string_equal(json_string_value(json_object_get(k, "covered_by")), "berman-004");
    api_result_free(&cov);
    api_result_free(&fresh);

    /* pages of 5 by offset and by cursor give the same candidates in the same order */
    json_int_t seen = 0;
    char target[200];
    snprintf(target, sizeof target, "/v1/sources/berman-2019-returnees/candidates?limit=5");
    for (int guard = 0; guard < 100; guard++) {
        struct api_result pg;
        api_get(&wf->api, target, &pg);
        assert_int_equal(pg.status, 200);
        json_array_foreach(api_data(&pg), i, c) {
            json_t *want = json_array_get(api_data(&all), (size_t)seen++);
            assert_true(json_equal(c, want));
        }
        const char *cur = api_next_cursor(&pg);
        if (cur == NULL) {
            api_result_free(&pg);
            break;
        }
        snprintf(target, sizeof target,
                 "/v1/sources/berman-2019-returnees/candidates?limit=5&cursor=%s", cur);
        api_result_free(&pg);
    }
    assert_int_equal(seen, n);
    api_result_free(&all);

    struct api_result csv;
    api_get(&wf->api, "/v1/sources/berman-2019-returnees/candidates?format=csv", &csv);
    assert_int_equal(csv.status, 200);
    assert_int_equal(strncmp(csv.body, "id,rule,kind,", 13), 0);
    api_result_free(&csv);

    api_get_problem(&wf->api, "/v1/sources/nope/candidates", 404, NULL);
    api_get_problem(&wf->api, "/v1/sources/berman-2019-returnees/candidates?covered=maybe", 400,
                    "covered");
}

/* The README walk-through: POST a source, read its candidates, accept one. */
static void test_accepting_a_candidate_covers_it(void **state)
{
    struct writable_fixture *wf = *state;
    const char *text = "Officials said that 41 returnees were tried in 2018.";
    json_t *src = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "id", "test-extract-source",
                            "title", "A test article", "kind", "news", "language", "en",
                            "published", "2019-01-15", "text", text, "authors", "Test Author");
    char *b = json_dumps(src, 0);
    struct api_result r;
    api_request(&wf->api, "POST", "/v1/sources", write_hdr, b, &r);
    if (r.status != 201)
        fprintf(stderr, "source POST answered %u: %s\n", r.status, r.body);
    assert_int_equal(r.status, 201);
    api_result_free(&r);
    free(b);
    json_decref(src);

    api_get(&wf->api, "/v1/sources/test-extract-source/candidates", &r);
    assert_int_equal(r.status, 200);
    json_t *c = S_find(api_data(&r), "41");
    assert_non_null(c);
    assert_true(json_is_null(json_object_get(c, "covered_by")));
    assert_string_equal(json_string_value(json_object_get(c, "claimant")), "Officials");
    assert_string_equal(json_string_value(json_object_get(c, "as_of")), "2018");
    json_t *claim =
        json_pack("{s:s, s:O, s:s, s:s, s:s, s:O, s:s, s:s, s:O, s:s, s:s, s:[s]}", "source",
                  "test-extract-source", "quote", json_object_get(c, "quote"), "statement",
                  "41 returnees were tried in 2018.", "kind", "statistic", "metric",
                  "returnees_arrested", "value", json_object_get(c, "value"), "bound", "exact",
                  "unit", "people", "as_of", json_object_get(c, "as_of"), "claimant", "officials",
                  "claimant_kind", "official", "topics", "returnees");
    /* the candidate it accepts */
    json_object_set(claim, "candidate", json_object_get(c, "id"));
    char cand_id[64];
    snprintf(cand_id, sizeof cand_id, "%s", json_string_value(json_object_get(c, "id")));
    api_result_free(&r);
    b = json_dumps(claim, 0);
    api_request(&wf->api, "POST", "/v1/claims", write_hdr, b, &r);
    if (r.status != 201)
        fprintf(stderr, "claim POST answered %u: %s\n", r.status, r.body);
    assert_int_equal(r.status, 201);
    const char *id = json_string_value(json_object_get(json_object_get(r.json, "data"), "id"));
    assert_non_null(id);
    char cid[64];
    snprintf(cid, sizeof cid, "%s", id);
    api_result_free(&r);
    free(b);
    json_decref(claim);

    api_get(&wf->api, "/v1/sources/test-extract-source/candidates", &r);
    c = S_find(api_data(&r), "41");
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "covered_by")), cid);
    api_result_free(&r);

    /* the claim records the candidate (rule and offsets) it came from */
    char target[128];
    snprintf(target, sizeof target, "/v1/claims/%s", cid);
    api_get(&wf->api, target, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.json, "data"), "candidate")), cand_id);
    assert_int_equal(strncmp(cand_id, "digits@", 7), 0);
    api_result_free(&r);

    /* a candidate id must look like one */
    static const char *const bad[] = {"{\"candidate\": \"digits\"}",
                                      "{\"candidate\": \"nope@1-2\"}",
                                      "{\"candidate\": \"digits@9-3\"}"};
    static const char *const patch_hdr[] = {"Content-Type: application/merge-patch+json",
                                            "Authorization: Bearer " TOKEN, NULL};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        api_request(&wf->api, "PATCH", target, patch_hdr, bad[k], &r);
        api_assert_problem(&r, 422, NULL);
        assert_string_equal(json_string_value(json_object_get(
                                json_array_get(json_object_get(r.json, "errors"), 0), "pointer")),
                            "/candidate");
        api_result_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_json),
        cmocka_unit_test(test_extract_plain_and_empty),
        cmocka_unit_test(test_extract_errors),
        cmocka_unit_test(test_candidates_of_a_curated_source),
        cmocka_unit_test(test_accepting_a_candidate_covers_it),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
