/*
 * The catalog through the curation API: metrics, relations between metrics and curated
 * conflicts are written with tokens, If-Match and revisions like the evidence, checked
 * against the whole catalog in the write's transaction (a bad write is a 422 that names
 * the problem and stores nothing), and the consistency rules apply to them at once.
 * Each test gets a fresh writable copy of the seed database.
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

#define TOKEN_WRITE "mrs_test-catalog-writer-0123456789abcdefghij"
#define TOKEN_ADMIN "mrs_test-catalog-admin-ZYXWVUTSRQPONMLKJIHGF"

static int setup(void **state)
{
    struct writable_fixture *wf = calloc(1, sizeof *wf);
    if (!wf || writable_open(wf, NULL) != 0) {
        free(wf);
        return -1;
    }
    if (writable_token(wf, "writer", "write", TOKEN_WRITE) != 0 ||
        writable_token(wf, "boss", "admin", TOKEN_ADMIN) != 0) {
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

/* A write with the writer's token (admin when asked); body NULL sends none. */
static void S_write(struct writable_fixture *wf, const char *method, const char *target,
                    const char *body, bool admin, struct api_result *out)
{
    char auth[200];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", admin ? TOKEN_ADMIN : TOKEN_WRITE);
    const char *ct = strcmp(method, "PATCH") == 0 ? "Content-Type: application/merge-patch+json"
                                                  : "Content-Type: application/json";
    const char *h[] = {auth, body ? ct : NULL, NULL};
    api_request(&wf->api, method, target, h, body, out);
}

static unsigned S_status(struct writable_fixture *wf, const char *method, const char *target,
                         const char *body)
{
    struct api_result r;
    S_write(wf, method, target, body, false, &r);
    unsigned s = r.status;
    api_result_free(&r);
    return s;
}

/* A 422 whose errors include one at pointer whose detail contains `words`. */
static void S_assert_error(const struct api_result *r, const char *pointer, const char *words)
{
    api_assert_problem(r, 422, NULL);
    json_t *errs = json_object_get(r->json, "errors");
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e) {
        if (strcmp(ju_str(e, "pointer"), pointer) == 0 && strstr(ju_str(e, "detail"), words))
            return;
    }
    fail_msg("no error at %s mentioning '%s' in %s", pointer, words, r->body);
}

static json_int_t S_version(struct writable_fixture *wf)
{
    struct api_result r;
    api_get(&wf->api, "/version", &r);
    assert_int_equal(r.status, 200);
    json_int_t v = ju_int(r.json, "dataset_version");
    api_result_free(&r);
    return v;
}

/* How many conflicts GET target lists (meta.total). */
static json_int_t S_total(struct writable_fixture *wf, const char *target)
{
    return api_total_of(&wf->api, target);
}

/* The ids of every item of a list (limit 1000), comma-joined into out. */
static void S_ids(struct writable_fixture *wf, const char *target, char *out, size_t n)
{
    struct api_result r;
    api_get_ok(&wf->api, target, &r);
    size_t len = 0, i;
    json_t *x;
    out[0] = '\0';
    json_array_foreach(api_data(&r), i, x) {
        int w = snprintf(out + len, n - len, "%s,", ju_str(x, "id"));
        assert_true(w > 0 && (size_t)w < n - len);
        len += (size_t)w;
    }
    api_result_free(&r);
}

/* ---- every seed record passes the API's validators ----------------------------- */

/* PATCH {} validates the stored record as a write would and changes nothing. */
static void S_revalidate_all(struct writable_fixture *wf, const char *list, const char *item)
{
    struct api_result r;
    char target[300];
    api_get_ok(&wf->api, list, &r);
    size_t i, n = 0;
    json_t *x;
    json_int_t before = S_version(wf);
    json_array_foreach(api_data(&r), i, x) {
        snprintf(target, sizeof target, "%s%s", item, ju_str(x, "id"));
        struct api_result p;
        S_write(wf, "PATCH", target, "{}", false, &p);
        if (p.status != 200)
            fail_msg("%s: %u %s", target, p.status, p.body);
        api_result_free(&p);
        n++;
    }
    api_result_free(&r);
    assert_true(n > 0);
    assert_int_equal(S_version(wf), before); /* nothing changed, nothing written */
}

static void test_seed_catalog_passes_the_api_validators(void **state)
{
    struct writable_fixture *wf = *state;
    S_revalidate_all(wf, "/v1/metrics?limit=1000", "/v1/metrics/");
    S_revalidate_all(wf, "/v1/relations?limit=1000", "/v1/relations/");
    S_revalidate_all(wf, "/v1/conflicts?class=curated&limit=1000", "/v1/conflicts/");
}

/* ---- metrics --------------------------------------------------------------------- */

#define NEW_METRIC                                                                             \
    "{\"id\":\"returnees_prosecuted\",\"label\":\"Returnees prosecuted\",\"unit\":\"people\"," \
    "\"value_type\":\"number\",\"definition\":\"Returnees brought before a court.\","          \
    "\"counting_basis\":\"Each person once.\",\"cumulative\":true}"

static void test_metric_create_read_patch_revisions(void **state)
{
    struct writable_fixture *wf = *state;
    struct api_result r;
    S_write(wf, "POST", "/v1/metrics", NEW_METRIC, false, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(api_header(&r, "Location"), "/v1/metrics/returnees_prosecuted");
    json_t *d = json_object_get(r.json, "data");
    assert_true(json_is_true(json_object_get(d, "cumulative")));
    assert_true(json_is_false(json_object_get(d, "one_per_subject"))); /* defaulted */
    api_result_free(&r);
    assert_int_equal(S_status(wf, "POST", "/v1/metrics", NEW_METRIC), 409);

    api_get_ok(&wf->api, "/v1/metrics/returnees_prosecuted", &r);
    d = json_object_get(r.json, "data");
    assert_string_equal(ju_str(d, "label"), "Returnees prosecuted");
    assert_int_equal(json_array_size(json_object_get(d, "relations")), 0);
    assert_int_equal(ju_int(d, "revision"), 1);
    char *back = json_dumps(d, JSON_COMPACT);
    api_result_free(&r);

    /* The GET body sent back with one change: the computed members are no change. */
    json_t *body = json_loads(back, 0, NULL);
    free(back);
    json_object_set_new(body, "label", json_string("Returnees prosecuted in Morocco"));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    S_write(wf, "PATCH", "/v1/metrics/returnees_prosecuted", text, false, &r);
    free(text);
    assert_int_equal(r.status, 200);
    assert_int_equal(ju_int(json_object_get(r.json, "meta"), "revision"), 2);
    api_result_free(&r);
    S_write(wf, "PATCH", "/v1/metrics/returnees_prosecuted", "{\"revision\":7}", false, &r);
    S_assert_error(&r, "/revision", "read-only");
    api_result_free(&r);

    api_get_ok(&wf->api, "/v1/metrics/returnees_prosecuted/revisions", &r);
    json_t *revs = api_data(&r);
    assert_int_equal(json_array_size(revs), 2);
    assert_string_equal(ju_str(json_array_get(revs, 1), "action"), "update");
    assert_string_equal(ju_str(json_object_get(json_array_get(revs, 1), "after"), "label"),
                        "Returnees prosecuted in Morocco");
    api_result_free(&r);
    /* Metrics are not deleted. */
    assert_int_equal(S_status(wf, "DELETE", "/v1/metrics/returnees_prosecuted", NULL), 405);
}

static void test_metric_bad_writes_name_the_problem(void **state)
{
    struct writable_fixture *wf = *state;
    struct api_result r;
    S_write(wf, "POST", "/v1/metrics",
            "{\"id\":\"Bad Id\",\"unit\":\"people\",\"value_type\":\"text\",\"definition\":\"d\","
            "\"counting_basis\":\"b\",\"cumulative\":\"yes\",\"source\":\"no-such-source\","
            "\"colour\":1}",
            false, &r);
    S_assert_error(&r, "/id", "a-z");
    S_assert_error(&r, "/label", "required");
    S_assert_error(&r, "/value_type", "number, date");
    S_assert_error(&r, "/cumulative", "true or false");
    S_assert_error(&r, "/source", "unknown source");
    S_assert_error(&r, "/colour", "unknown field");
    api_result_free(&r);
}

static void test_metric_unit_bound_to_claims_and_relations(void **state)
{
    struct writable_fixture *wf = *state;
    json_int_t v = S_version(wf);
    struct api_result r;
    S_write(wf, "PATCH", "/v1/metrics/foreign_fighters_departed", "{\"unit\":\"percent\"}", false,
            &r);
    S_assert_error(&r, "/unit", "live claims give this metric in another unit");
    S_assert_error(&r, "/unit", "breaks relation 'killed_within_departed' (part_whole)");
    api_result_free(&r);
    S_write(wf, "PATCH", "/v1/metrics/foreign_fighters_departed", "{\"value_type\":\"date\"}",
            false, &r);
    S_assert_error(&r, "/value_type", "live claims");
    api_result_free(&r);
    assert_int_equal(S_version(wf), v); /* nothing written */
    api_get_ok(&wf->api, "/v1/metrics/foreign_fighters_departed", &r);
    assert_string_equal(ju_str(json_object_get(r.json, "data"), "unit"), "people");
    api_result_free(&r);
}

/* The cumulative flag is read by the cumulative_decrease rule at once, both ways. */
static void test_cumulative_flag_applies_at_once(void **state)
{
    struct writable_fixture *wf = *state;
    const char *q = "/v1/conflicts?rule=cumulative_decrease&metric=foreign_fighters_departed";
    char before[4096], after[4096];
    S_ids(wf, q, before, sizeof before);
    assert_true(strlen(before) > 0);
    assert_int_equal(
        S_status(wf, "PATCH", "/v1/metrics/foreign_fighters_departed", "{\"cumulative\":false}"),
        200);
    assert_int_equal(S_total(wf, q), 0);
    assert_int_equal(
        S_status(wf, "PATCH", "/v1/metrics/foreign_fighters_departed", "{\"cumulative\":true}"),
        200);
    S_ids(wf, q, after, sizeof after);
    assert_string_equal(after, before); /* the same findings, the same stable ids */
}

/* ---- relations ------------------------------------------------------------------- */

static void test_relation_bad_writes_store_nothing(void **state)
{
    struct writable_fixture *wf = *state;
    static const struct {
        const char *body, *pointer, *words;
    } cases[] = {
        {"{\"id\":\"r1\",\"kind\":\"part_whole\",\"metric\":\"foreign_fighters_killed\","
         "\"whole\":\"no_such_metric\"}",
         "/whole", "unknown metric 'no_such_metric'"},
        {"{\"id\":\"r2\",\"kind\":\"part_whole\",\"metric\":\"foreign_fighters_incl_diaspora\","
         "\"whole\":\"foreign_fighters_killed\"}",
         "/whole", "cycle of part/whole relations"},
        {"{\"id\":\"r3\",\"kind\":\"part_whole\",\"metric\":\"foreign_fighters_killed\","
         "\"whole\":\"foreign_fighters_killed\"}",
         "/whole", "not a part of itself"},
        {"{\"id\":\"r4\",\"kind\":\"sum\",\"metric\":\"foreign_fighters_killed\",\"parts\":["
         "\"foreign_fighters_departed\",\"foreign_fighters_from_place\"]}",
         "/parts", "cycle of part/whole relations"},
        {"{\"id\":\"r5\",\"kind\":\"share\",\"metric\":\"foreign_fighters_share_from_place\","
         "\"whole\":\"foreign_fighters_departed\",\"part\":\"program_start_date\"}",
         "/part", "a relation compares figures of one unit"},
        {"{\"id\":\"r6\",\"kind\":\"share\",\"metric\":\"foreign_fighters_killed\",\"whole\":"
         "\"foreign_fighters_departed\",\"part\":\"foreign_fighters_from_place\"}",
         "/metric", "not 'percent'"},
        {"{\"id\":\"r7\",\"kind\":\"range\",\"metric\":\"individual_sentence\",\"whole\":"
         "\"foreign_fighters_departed\"}",
         "/whole", "not used by a 'range' relation"},
        {"{\"id\":\"r8\",\"kind\":\"range\",\"metric\":\"individual_sentence\"}", "/min",
         "min, max or both"},
        {"{\"id\":\"r9\",\"kind\":\"part_whole\",\"metric\":\"foreign_fighters_from_place\","
         "\"whole\":\"foreign_fighters_departed\",\"whole_place\":\"dgapr\"}",
         "/whole_place", "not a place"},
        {"{\"id\":\"r10\",\"kind\":\"sum\",\"metric\":\"foreign_fighters_departed\",\"parts\":["
         "\"foreign_fighters_killed\"]}",
         "/parts", "2 to 32"},
    };
    json_int_t v = S_version(wf);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct api_result r;
        S_write(wf, "POST", "/v1/relations", cases[i].body, false, &r);
        S_assert_error(&r, cases[i].pointer, cases[i].words);
        api_result_free(&r);
        char target[64];
        snprintf(target, sizeof target, "/v1/relations/r%zu", i + 1);
        api_get_problem(&wf->api, target, 404, NULL);
    }
    assert_int_equal(S_version(wf), v);
}

/* A relation removed stops the rule; declared again, the same findings come back. */
static void test_relation_remove_and_declare_again(void **state)
{
    struct writable_fixture *wf = *state;
    const char *q = "/v1/conflicts?rule=part_whole";
    struct api_result r;
    api_get_ok(&wf->api, "/v1/relations/graduates_within_participants", &r);
    json_t *rel = json_deep_copy(json_object_get(r.json, "data"));
    api_result_free(&r);
    json_object_del(rel, "revision");
    json_object_del(rel, "links");
    char *body = json_dumps(rel, JSON_COMPACT);
    json_decref(rel);
    char before[4096], after[4096];
    S_ids(wf, q, before, sizeof before);
    assert_non_null(strstr(before, "part_whole-"));

    assert_int_equal(S_status(wf, "DELETE", "/v1/relations/graduates_within_participants", NULL),
                     204);
    api_get_problem(&wf->api, "/v1/relations/graduates_within_participants", 410, NULL);
    S_ids(wf, q, after, sizeof after);
    assert_string_not_equal(after, before);
    assert_int_equal(S_status(wf, "POST", "/v1/relations", body), 201);
    S_ids(wf, q, after, sizeof after);
    assert_string_equal(after, before);
    free(body);

    api_get_ok(&wf->api, "/v1/relations/graduates_within_participants/revisions", &r);
    json_t *revs = api_data(&r);
    assert_int_equal(json_array_size(revs), 2);
    assert_string_equal(ju_str(json_array_get(revs, 0), "action"), "delete");
    assert_string_equal(ju_str(json_array_get(revs, 1), "action"), "create");
    api_result_free(&r);
}

static void test_relation_patch_and_metric_lists_it(void **state)
{
    struct writable_fixture *wf = *state;
    struct api_result r;
    S_write(wf, "POST", "/v1/relations",
            "{\"id\":\"killed_within_incl_diaspora\",\"kind\":\"part_whole\",\"metric\":"
            "\"foreign_fighters_killed\",\"whole\":\"foreign_fighters_incl_diaspora\"}",
            false, &r);
    assert_int_equal(r.status, 201);
    const char *etag = api_header(&r, "ETag");
    assert_non_null(etag);
    char if_match[80];
    snprintf(if_match, sizeof if_match, "If-Match: %s", etag);
    api_result_free(&r);
    api_get_ok(&wf->api, "/v1/metrics/foreign_fighters_killed", &r);
    assert_true(ju_has_string(json_object_get(json_object_get(r.json, "data"), "relations"),
                              "killed_within_incl_diaspora"));
    api_result_free(&r);
    api_get_ok(&wf->api, "/v1/relations?metric=foreign_fighters_incl_diaspora&kind=part_whole", &r);
    assert_non_null(ju_find(api_data(&r), "id", "killed_within_incl_diaspora"));
    api_result_free(&r);
    const char *h[] = {"Authorization: Bearer " TOKEN_WRITE,
                       "Content-Type: application/merge-patch+json", "If-Match: \"1-w\"", NULL};
    api_request(&wf->api, "PATCH", "/v1/relations/killed_within_incl_diaspora", h,
                "{\"note\":\"Late.\"}", &r);
    assert_int_equal(r.status, 412);
    api_result_free(&r);
    h[2] = if_match;
    api_request(&wf->api, "PATCH", "/v1/relations/killed_within_incl_diaspora", h,
                "{\"note\":\"The dead are among those who left.\"}", &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    /* The kind changes only with the members it takes. */
    S_write(wf, "PATCH", "/v1/relations/killed_within_incl_diaspora", "{\"kind\":\"range\"}", false,
            &r);
    S_assert_error(&r, "/whole", "not used by a 'range' relation");
    api_result_free(&r);
}

/* ---- curated conflicts ------------------------------------------------------------ */

#define NEW_CONFLICT                                                                      \
    "{\"id\":\"curated-test-sentences\",\"a\":[\"berman-013\"],\"b\":[\"mohammed-072\"]," \
    "\"explanation\":\"One text gives prison terms; the other a program of a few months.\"}"

static void test_curated_conflict_lifecycle(void **state)
{
    struct writable_fixture *wf = *state;
    struct api_result r;
    json_int_t curated = S_total(wf, "/v1/conflicts?class=curated");
    S_write(wf, "POST", "/v1/conflicts", NEW_CONFLICT, false, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(api_header(&r, "Location"), "/v1/conflicts/curated-test-sentences");
    assert_string_equal(ju_str(json_object_get(r.json, "data"), "certainty"), "definite");
    api_result_free(&r);
    assert_int_equal(S_status(wf, "POST", "/v1/conflicts", NEW_CONFLICT), 409);
    assert_int_equal(S_total(wf, "/v1/conflicts?class=curated"), curated + 1);
    api_get_ok(&wf->api, "/v1/conflicts/curated-test-sentences", &r);
    json_t *d = json_object_get(r.json, "data");
    assert_string_equal(ju_str(d, "rule"), "curated");
    assert_string_equal(ju_str(json_object_get(d, "a"), "claim"), "berman-013");
    assert_non_null(strstr(ju_str(json_object_get(d, "a"), "quote"), "five to 18 years"));
    api_result_free(&r);
    assert_int_equal(S_total(wf, "/v1/conflicts?class=curated&source=berman-2019-returnees"), 1);

    /* A claim a live curated conflict cites stays. */
    S_write(wf, "DELETE", "/v1/claims/berman-013", NULL, false, &r);
    assert_int_equal(r.status, 409);
    assert_non_null(strstr(ju_str(r.json, "detail"), "curated conflict"));
    api_result_free(&r);

    /* possible needs the reading under which it dissolves. */
    S_write(wf, "PATCH", "/v1/conflicts/curated-test-sentences", "{\"certainty\":\"possible\"}",
            false, &r);
    S_assert_error(&r, "/dissolves_if", "required");
    api_result_free(&r);
    assert_int_equal(S_status(wf, "PATCH", "/v1/conflicts/curated-test-sentences",
                              "{\"certainty\":\"possible\",\"dissolves_if\":\"unless the two "
                              "texts speak of different people\"}"),
                     200);
    api_get_ok(&wf->api, "/v1/conflicts/curated-test-sentences", &r);
    assert_string_equal(ju_str(json_object_get(r.json, "data"), "certainty"), "possible");
    api_result_free(&r);

    /* Deleted: gone from the list, 410 by id; restored: back. */
    assert_int_equal(S_status(wf, "DELETE", "/v1/conflicts/curated-test-sentences", NULL), 204);
    api_get_problem(&wf->api, "/v1/conflicts/curated-test-sentences", 410, NULL);
    assert_int_equal(S_total(wf, "/v1/conflicts?class=curated"), curated);
    /* Now berman-013 may go; the conflict cannot come back without it. */
    assert_int_equal(S_status(wf, "DELETE", "/v1/claims/berman-013", NULL), 204);
    S_write(wf, "POST", "/v1/conflicts/curated-test-sentences/restore", NULL, true, &r);
    assert_int_equal(r.status, 409);
    api_result_free(&r);
    S_write(wf, "POST", "/v1/claims/berman-013/restore", NULL, true, &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    S_write(wf, "POST", "/v1/conflicts/curated-test-sentences/restore", NULL, true, &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    api_get_ok(&wf->api, "/v1/conflicts/curated-test-sentences/revisions", &r);
    assert_int_equal(api_total(&r), 4); /* create, update, delete, restore */
    api_result_free(&r);
}

static void test_curated_conflict_bad_writes(void **state)
{
    struct writable_fixture *wf = *state;
    struct api_result r;
    assert_int_equal(S_status(wf, "DELETE", "/v1/claims/berman-020", NULL), 204);
    S_write(wf, "POST", "/v1/conflicts",
            "{\"id\":\"not-curated\",\"a\":[\"berman-020\",\"no-such-claim\",\"mipa-017\"],"
            "\"b\":[\"mipa-017\",\"berman-004\",\"berman-004\"],\"certainty\":\"maybe\","
            "\"dissolves_if\":\"x\"}",
            false, &r);
    S_assert_error(&r, "/id", "'curated-'");
    S_assert_error(&r, "/a/0", "is deleted");
    S_assert_error(&r, "/a/1", "unknown claim 'no-such-claim'");
    S_assert_error(&r, "/a/2", "on both sides");
    S_assert_error(&r, "/b/2", "listed twice");
    S_assert_error(&r, "/certainty", "definite, possible");
    S_assert_error(&r, "/explanation", "required");
    api_result_free(&r);
    S_write(wf, "POST", "/v1/conflicts", "{\"id\":\"curated-x\",\"a\":[],\"b\":\"mipa-017\"}",
            false, &r);
    S_assert_error(&r, "/a", "1 to 8 claim ids");
    S_assert_error(&r, "/b", "1 to 8 claim ids");
    api_result_free(&r);
    /* A rule's finding is not written. */
    char ids[8192];
    S_ids(wf, "/v1/conflicts?rule=interval&limit=1", ids, sizeof ids);
    char target[200];
    snprintf(target, sizeof target, "/v1/conflicts/%.*s", (int)strcspn(ids, ","), ids);
    api_get_ok(&wf->api, target, &r);
    api_result_free(&r);
    assert_int_equal(S_status(wf, "PATCH", target, "{\"explanation\":\"x\"}"), 404);
    assert_int_equal(S_status(wf, "DELETE", target, NULL), 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seed_catalog_passes_the_api_validators, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_metric_create_read_patch_revisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metric_bad_writes_name_the_problem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metric_unit_bound_to_claims_and_relations, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cumulative_flag_applies_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relation_bad_writes_store_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relation_remove_and_declare_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relation_patch_and_metric_lists_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_curated_conflict_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_curated_conflict_bad_writes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
