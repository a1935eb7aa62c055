/* /v1/programs, /v1/programs/{id} and /v1/programs/{id}/claims through the router. */
#include "api.h"
#include "json_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

static void test_list_envelope_and_items(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/programs?limit=1000", &r);
    assert_int_equal(r.status, 200);
    assert_true(r.res.cacheable);
    json_t *data = json_object_get(r.json, "data");
    json_int_t total = ju_int(json_object_get(r.json, "meta"), "total");
    assert_true(total >= 20);
    assert_int_equal((json_int_t)json_array_size(data), total);
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)total);
    assert_string_equal(api_header(&r, "X-Total-Count"), num);

    json_t *m = ju_find(data, "id", "musalaha");
    assert_non_null(m);
    assert_string_equal(ju_str(m, "kind"), "program");
    assert_non_null(strstr(ju_str(m, "name"), "Musalaha"));
    assert_true(ju_has_string(json_object_get(m, "aliases"), "Moussalaha"));
    assert_non_null(ju_str(m, "description"));
    /* Three of the five documents discuss Musalaha, in dozens of claims. */
    assert_int_equal(ju_int(m, "source_count"), 3);
    assert_true(ju_int(m, "claim_count") >= 30);
    assert_true(ju_int(m, "mentions_count") > 0);
    assert_true(ju_int(m, "mentions_count") <= ju_int(m, "claim_count"));
    json_t *links = json_object_get(m, "links");
    assert_string_equal(ju_str(links, "self"), "/v1/programs/musalaha");
    assert_string_equal(ju_str(links, "claims"), "/v1/programs/musalaha/claims");

    size_t i;
    json_t *x;
    json_array_foreach(data, i, x) {
        assert_true(json_is_array(json_object_get(x, "aliases")));
        assert_true(ju_int(x, "source_count") <= ju_int(x, "claim_count"));
        assert_true(ju_int(x, "source_count") <= 5);
    }
    api_result_free(&r);
}

static void test_filter_kind(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/programs?kind=law,institution&limit=1000", &r);
    assert_int_equal(r.status, 200);
    json_t *data = json_object_get(r.json, "data");
    assert_true(json_array_size(data) >= 4);
    size_t i;
    json_t *x;
    json_array_foreach(data, i, x) {
        const char *k = ju_str(x, "kind");
        assert_true(strcmp(k, "law") == 0 || strcmp(k, "institution") == 0);
    }
    assert_non_null(ju_find(data, "id", "anti_terrorism_law_2003"));
    assert_non_null(ju_find(data, "id", "bcij"));
    assert_null(ju_find(data, "id", "musalaha"));
    api_result_free(&r);

    api_get(&api_fx, "/v1/programs?kind=security_mechanism", &r);
    data = json_object_get(r.json, "data");
    assert_int_equal(json_array_size(data), 1);
    assert_string_equal(ju_str(json_array_get(data, 0), "id"), "hadar");
    api_result_free(&r);
}

static void test_filter_q_name_and_alias(void **state)
{
    (void)state;
    struct api_result r;
    /* An alias, in another case than stored. */
    api_get(&api_fx, "/v1/programs?q=MOUSSALAHA", &r);
    assert_int_equal(r.status, 200);
    json_t *data = json_object_get(r.json, "data");
    assert_int_equal(json_array_size(data), 1);
    assert_string_equal(ju_str(json_array_get(data, 0), "id"), "musalaha");
    api_result_free(&r);
    /* An Arabic alias (percent-encoded UTF-8). */
    api_get(&api_fx, "/v1/programs?q=%D8%AD%D8%B0%D8%B1", &r);
    data = json_object_get(r.json, "data");
    assert_int_equal(json_array_size(data), 1);
    assert_string_equal(ju_str(json_array_get(data, 0), "id"), "hadar");
    api_result_free(&r);
    /* A substring of names: several laws. */
    api_get(&api_fx, "/v1/programs?q=anti-terrorism", &r);
    data = json_object_get(r.json, "data");
    assert_true(json_array_size(data) >= 2);
    assert_non_null(ju_find(data, "id", "anti_terrorism_law_2003"));
    assert_non_null(ju_find(data, "id", "anti_terrorism_law_amendment"));
    api_result_free(&r);
    api_get(&api_fx, "/v1/programs?q=zzzz-no-such-program", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "data")), 0);
    assert_int_equal(ju_int(json_object_get(r.json, "meta"), "total"), 0);
    api_result_free(&r);
    /* q combines with kind. */
    api_get(&api_fx, "/v1/programs?q=musalaha&kind=law", &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "data")), 0);
    api_result_free(&r);
}

static void test_sort(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/programs?sort=name&limit=1000", &r);
    assert_int_equal(r.status, 200);
    json_t *data = json_object_get(r.json, "data");
    assert_true(json_array_size(data) >= 20);
    for (size_t i = 1; i < json_array_size(data); i++) {
        const char *a = ju_str(json_array_get(data, i - 1), "name");
        const char *b = ju_str(json_array_get(data, i), "name");
        assert_true(strcasecmp(a, b) <= 0);
    }
    /* Sorted orders have no keyset position: no cursor offered. */
    assert_null(api_next_cursor(&r));
    api_result_free(&r);

    api_get(&api_fx, "/v1/programs?sort=-id&limit=5", &r);
    data = json_object_get(r.json, "data");
    assert_int_equal(json_array_size(data), 5);
    for (size_t i = 1; i < json_array_size(data); i++) {
        const char *a = ju_str(json_array_get(data, i - 1), "id");
        const char *b = ju_str(json_array_get(data, i), "id");
        assert_true(strcmp(a, b) > 0);
    }
    api_result_free(&r);
}

static void test_cursor_paging_covers_all(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/programs?limit=1000", &r);
    size_t all = json_array_size(json_object_get(r.json, "data"));
    api_result_free(&r);
    assert_int_equal(api_count_by_cursor(&api_fx, "/v1/programs?limit=4"), all);
}

static void test_list_errors(void **state)
{
    (void)state;
    struct api_result r;
    const char *const cases[][2] = {
        {"/v1/programs?kind=bogus", "kind"},
        {"/v1/programs?sort=budget", "sort"},
        {"/v1/programs?bogus=1", "bogus"},
        {"/v1/programs?limit=0", "limit"},
        {"/v1/programs?q=", "q"},
        {"/v1/programs?cursor=nope", "cursor"},
        {"/v1/programs?format=xml", "format"},
        {"/v1/programs?kind=law&kind=policy", "kind"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        api_get_problem(&api_fx, cases[i][0], 400, cases[i][1]);
    }
    /* A cursor with a custom sort. */
    api_get(&api_fx, "/v1/programs?limit=2", &r);
    const char *next = api_next_cursor(&r);
    assert_non_null(next);
    char target[200];
    snprintf(target, sizeof target, "/v1/programs?sort=name&cursor=%s", next);
    api_result_free(&r);
    api_get_problem(&api_fx, target, 400, "cursor");
}

static void test_csv(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/programs?format=csv&kind=security_mechanism", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    assert_true(strncmp(r.body, "id,name,kind,aliases,description,claim_count", 44) == 0);
    assert_non_null(strstr(r.body, "\r\nhadar,"));
    api_result_free(&r);
}

/* The attribute entry named attr in a program's attributes. */
static json_t *S_attribute(json_t *program, const char *attr)
{
    return ju_find(json_object_get(program, "attributes"), "attribute", attr);
}

/* The variant whose value (a string) is v. */
static json_t *S_variant(json_t *attribute, const char *v)
{
    return ju_find(json_object_get(attribute, "variants"), "value", v);
}

static void test_get_musalaha_start_date_disagrees(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/programs/musalaha", &r);
    assert_int_equal(r.status, 200);
    assert_true(r.res.cacheable);
    json_t *p = json_object_get(r.json, "data");
    assert_string_equal(ju_str(p, "id"), "musalaha");
    assert_true(ju_int(p, "mentions_count") > 0);
    assert_string_equal(ju_str(json_object_get(p, "links"), "claims"),
                        "/v1/programs/musalaha/claims");

    /* Masbah and Ahmadoun date the launch to 2016, Shereen Mohammed to 2017. */
    json_t *start = S_attribute(p, "start_date");
    assert_non_null(start);
    assert_int_equal(json_array_size(json_object_get(start, "variants")), 2);
    json_t *v2016 = S_variant(start, "2016");
    json_t *v2017 = S_variant(start, "2017");
    assert_non_null(v2016);
    assert_non_null(v2017);
    assert_string_equal(ju_str(v2016, "value_type"), "date");
    assert_string_equal(ju_str(v2016, "metric"), "program_start_date");
    assert_true(ju_has_string(json_object_get(v2016, "sources"), "mipa-2023-reintegration"));
    assert_true(ju_has_string(json_object_get(v2017, "sources"), "mohammed-2020-counterterrorism"));
    json_t *c = json_array_get(json_object_get(v2016, "claims"), 0);
    assert_string_equal(ju_str(c, "id"), "mipa-031");
    assert_non_null(strstr(ju_str(c, "quote"), "2016"));
    assert_non_null(ju_str(c, "claimant"));
    assert_true(json_is_true(json_object_get(start, "disagreement")));
    json_t *d = json_array_get(json_object_get(start, "disagreements"), 0);
    assert_string_equal(ju_str(d, "a"), "mipa-031");
    assert_string_equal(ju_str(d, "b"), "mohammed-065");
    assert_non_null(strstr(ju_str(d, "reason"), "2016 does not overlap 2017"));

    /* Every source names the DGAPR: one variant, three sources, no disagreement. */
    json_t *lead = S_attribute(p, "lead_agency");
    assert_int_equal(json_array_size(json_object_get(lead, "variants")), 1);
    json_t *dgapr = S_variant(lead, "DGAPR");
    assert_non_null(dgapr);
    assert_int_equal(json_array_size(json_object_get(dgapr, "sources")), 3);
    assert_int_equal(json_array_size(json_object_get(dgapr, "claims")), 3);
    assert_true(json_is_false(json_object_get(lead, "disagreement")));

    /* Text variants that cannot be compared: disagreement is null. */
    json_t *partners = S_attribute(p, "partners");
    assert_true(json_array_size(json_object_get(partners, "variants")) >= 2);
    assert_true(json_is_null(json_object_get(partners, "disagreement")));

    /* Two months (Berman) and two to three months (Mohammed) overlap. */
    json_t *round = S_attribute(p, "round_length");
    assert_int_equal(json_array_size(json_object_get(round, "variants")), 2);
    assert_true(json_is_false(json_object_get(round, "disagreement")));

    /* A metric claim without attribute is listed under its metric. */
    assert_non_null(S_attribute(p, "program_cohort_date"));

    /* Numbers carry their bound and unit. */
    json_t *grads = S_attribute(p, "graduates");
    json_t *g = json_array_get(json_object_get(grads, "variants"), 0);
    assert_int_equal(json_integer_value(json_object_get(g, "value")), 75);
    assert_string_equal(ju_str(g, "bound"), "exact");
    assert_string_equal(ju_str(g, "unit"), "people");
    api_result_free(&r);
}

static void test_get_other_programs(void **state)
{
    (void)state;
    struct api_result r;
    /* The amendment: Berman's 18-year maximum against Masbah's 15 (2014-09). */
    api_get(&api_fx, "/v1/programs/anti_terrorism_law_amendment", &r);
    assert_int_equal(r.status, 200);
    json_t *p = json_object_get(r.json, "data");
    assert_string_equal(ju_str(p, "kind"), "law");
    json_t *penalty = S_attribute(p, "penalty");
    assert_non_null(penalty);
    assert_true(json_is_true(json_object_get(penalty, "disagreement")));
    json_t *d = json_array_get(json_object_get(penalty, "disagreements"), 0);
    assert_string_equal(ju_str(d, "a"), "berman-013");
    assert_string_equal(ju_str(d, "b"), "masbah-162");
    api_result_free(&r);
    /* A program with claims about it but no stated attribute. */
    api_get(&api_fx, "/v1/programs/danish_reintegration_program", &r);
    assert_int_equal(r.status, 200);
    assert_true(json_is_array(json_object_get(json_object_get(r.json, "data"), "attributes")));
    api_result_free(&r);
}

static void test_get_errors(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/programs/no_such_program", &r);
    api_assert_problem(&r, 404, NULL);
    assert_non_null(strstr(ju_str(r.json, "detail"), "no_such_program"));
    api_result_free(&r);
    api_get_problem(&api_fx, "/v1/programs/musalaha?include=all", 400, "include");
    api_request(&api_fx, "DELETE", "/v1/programs/musalaha/claims", NULL, NULL, &r);
    assert_int_equal(r.status, 405);
    api_result_free(&r);
}

static void test_program_claims(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/programs/musalaha", &r);
    json_int_t count = ju_int(json_object_get(r.json, "data"), "claim_count");
    api_result_free(&r);

    api_get(&api_fx, "/v1/programs/musalaha/claims?limit=1000", &r);
    assert_int_equal(r.status, 200);
    json_t *data = json_object_get(r.json, "data");
    assert_int_equal(ju_int(json_object_get(r.json, "meta"), "total"), count);
    assert_int_equal((json_int_t)json_array_size(data), count);
    size_t i;
    json_t *c;
    json_array_foreach(data, i, c) {
        const char *subject = ju_str(c, "subject");
        bool about = (subject && strcmp(subject, "musalaha") == 0) ||
                     ju_has_string(json_object_get(c, "entities"), "musalaha");
        assert_true(about);
    }
    assert_non_null(ju_find(data, "id", "mipa-031"));
    assert_non_null(ju_find(data, "id", "mohammed-065"));
    api_result_free(&r);

    /* The claims collection's own filters still apply. */
    api_get(&api_fx, "/v1/programs/musalaha/claims?source=berman-2019-returnees&fields=id,source",
            &r);
    assert_int_equal(r.status, 200);
    data = json_object_get(r.json, "data");
    assert_true(json_array_size(data) >= 5);
    json_array_foreach(data, i, c) {
        assert_string_equal(ju_str(c, "source"), "berman-2019-returnees");
    }
    api_result_free(&r);

    api_get_problem(&api_fx, "/v1/programs/no_such_program/claims", 404, NULL);
    api_get_problem(&api_fx, "/v1/programs/musalaha/claims?kind=rumour", 400, "kind");
    /* The program is fixed by the path. */
    api_get_problem(&api_fx, "/v1/programs/musalaha/claims?program=hadar", 400, "program");
}

/* Each attribute lists the conflicts that cite its claims, and each resolves by id. */
static void test_attribute_conflicts(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/programs/musalaha", &r);
    json_t *attrs = json_object_get(json_object_get(r.json, "data"), "attributes");
    size_t i, k, seen = 0;
    json_t *a, *id;
    bool part_whole = false, curated = false;
    json_array_foreach(attrs, i, a) {
        json_t *conflicts = json_object_get(a, "conflicts");
        assert_true(json_is_array(conflicts));
        json_array_foreach(conflicts, k, id) {
            char target[200];
            snprintf(target, sizeof target, "/v1/conflicts/%s", json_string_value(id));
            struct api_result c;
            api_get_ok(&api_fx, target, &c);
            /* the finding cites a claim of this attribute's variants */
            char *finding = json_dumps(json_object_get(c.json, "data"), JSON_COMPACT);
            bool cites = false;
            size_t v, m;
            json_t *variant, *claim;
            json_array_foreach(json_object_get(a, "variants"), v, variant) {
                json_array_foreach(json_object_get(variant, "claims"), m, claim) {
                    char needle[120];
                    snprintf(needle, sizeof needle, "\"claim\":\"%s\"", ju_str(claim, "id"));
                    cites = cites || strstr(finding, needle) != NULL;
                }
            }
            assert_true(cites);
            free(finding);
            api_result_free(&c);
            part_whole |= strcmp(ju_str(a, "attribute"), "graduates") == 0 &&
                          strncmp(json_string_value(id), "part_whole-", 11) == 0;
            curated |= strncmp(json_string_value(id), "curated-", 8) == 0;
            seen++;
        }
    }
    assert_true(seen > 0);
    assert_true(part_whole); /* 75 graduates against about 50 participants */
    assert_true(curated);    /* the support after release, a disagreement in kind */
    api_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_envelope_and_items),
        cmocka_unit_test(test_attribute_conflicts),
        cmocka_unit_test(test_filter_kind),
        cmocka_unit_test(test_filter_q_name_and_alias),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_cursor_paging_covers_all),
        cmocka_unit_test(test_list_errors),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_get_musalaha_start_date_disagrees),
        cmocka_unit_test(test_get_other_programs),
        cmocka_unit_test(test_get_errors),
        cmocka_unit_test(test_program_claims),
    };
    return cmocka_run_group_tests(tests, api_group_setup, api_group_teardown);
}
