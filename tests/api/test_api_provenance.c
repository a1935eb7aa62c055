/*
 * Provenance through the router, without sockets: what a claim rests on, its relay
 * chain, the claims it repeats, the provenance filters, /v1/sources/{id}/derived, the
 * citation graph and drift findings in /v1/conflicts.
 */
#include "api.h"
#include "drift.h"
#include "provenance_repo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define CITING "mohammed-2020-counterterrorism"
#define CITED  "berman-2019-returnees"

static const char *S_s(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Code-point offsets [*c0, *c1) of the line of the stored text holding needle. */
static void S_line_of(const char *source, const char *needle, json_int_t *c0, json_int_t *c1)
{
    char path[256];
    snprintf(path, sizeof path, "db/sources/%s.txt", source);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[1 << 17];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *hit = strstr(text, needle);
    assert_non_null(hit);
    const char *b = hit, *e = hit;
    while (b > text && b[-1] != '\n')
        b--;
    while (*e && *e != '\n')
        e++;
    json_int_t cp = 0;
    for (const char *p = text; p < e; p++) {
        if (p == b)
            *c0 = cp;
        if (((unsigned char)*p & 0xC0) != 0x80)
            cp++;
    }
    *c1 = cp;
}

/*
 * Every claim of the 2020 article's paragraph closed by note 20 rests on the Berman
 * article and links to a Berman claim it repeats; each link is readable from both ends.
 */
static void test_note_paragraph_rests_on_cited_work(void **state)
{
    (void)state;
    json_int_t p0 = 0, p1 = 0;
    S_line_of(CITING, "[20]", &p0, &p1);
    struct api_result r;
    api_get_ok(&api_fx, "/v1/claims?source=" CITING "&limit=1000", &r);
    size_t i, in_paragraph = 0;
    json_t *c;
    json_array_foreach(api_data(&r), i, c) {
        json_int_t q0 = json_integer_value(json_object_get(c, "quote_start"));
        json_int_t q1 = json_integer_value(json_object_get(c, "quote_end"));
        if (q0 < p0 || q1 > p1)
            continue;
        in_paragraph++;
        json_t *prov = json_object_get(c, "provenance");
        json_t *rests = json_object_get(prov, "rests_on");
        assert_string_equal(S_s(rests, "source"), CITED);
        assert_string_equal(S_s(rests, "note"), "20");
        assert_true(json_is_true(json_object_get(rests, "in_base")));
        json_t *reps = json_object_get(prov, "repeats");
        assert_true(json_array_size(reps) >= 1);
        size_t k;
        json_t *l;
        json_array_foreach(reps, k, l) {
            assert_string_equal(S_s(l, "source"), CITED);
            assert_non_null(S_s(l, "basis"));
            /* The repeated claim lists this one among those that repeat it. */
            char target[128];
            snprintf(target, sizeof target, "/v1/claims/%s", S_s(l, "claim"));
            struct api_result t;
            api_get_ok(&api_fx, target, &t);
            json_t *back = json_object_get(
                json_object_get(json_object_get(t.json, "data"), "provenance"), "repeated_by");
            bool found = false;
            size_t j;
            json_t *b;
            json_array_foreach(back, j, b) {
                if (strcmp(S_s(b, "claim"), S_s(c, "id")) == 0)
                    found = true;
            }
            assert_true(found);
            api_result_free(&t);
        }
    }
    assert_true(in_paragraph >= 10);
    api_result_free(&r);
}

/* A relayed estimate: claimant, relaying author and publisher are three roles. */
static void test_chain_separates_roles(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/claims?source=" CITED "&claimant=International%20Crisis%20Group", &r);
    json_t *c = json_array_get(api_data(&r), 0);
    assert_non_null(c);
    json_t *chain = json_object_get(json_object_get(c, "provenance"), "chain");
    assert_true(json_array_size(chain) >= 3);
    assert_string_equal(S_s(json_array_get(chain, 0), "role"), "claimant");
    assert_string_equal(S_s(json_array_get(chain, 0), "entity"), "international-crisis-group");
    assert_string_equal(S_s(json_array_get(chain, 1), "role"), "relay");
    assert_non_null(strstr(S_s(json_array_get(chain, 1), "name"), "Berman"));
    assert_string_equal(S_s(json_array_get(chain, 2), "role"), "publisher");
    api_result_free(&r);
}

/* Whatever is marked inferred says why; at least one identity in the base is inferred. */
static void test_inferred_parts_have_a_basis(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/claims?limit=1000&fields=id,provenance", &r);
    size_t i, inferred = 0;
    json_t *c;
    json_array_foreach(api_data(&r), i, c) {
        size_t k;
        json_t *e;
        json_array_foreach(json_object_get(json_object_get(c, "provenance"), "chain"), k, e) {
            const char *role = S_s(e, "role");
            assert_true(strcmp(role, "claimant") == 0 || strcmp(role, "relay") == 0 ||
                        strcmp(role, "publisher") == 0);
            assert_non_null(S_s(e, "name"));
            if (json_is_true(json_object_get(e, "inferred"))) {
                inferred++;
                assert_non_null(S_s(e, "basis"));
            }
        }
    }
    assert_true(inferred >= 1);
    api_result_free(&r);
}

/* The three changes the 2020 article made to what it took from Berman are drift findings. */
static void test_drift_findings_in_conflicts(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/conflicts?source=" CITED "&limit=1000", &r);
    size_t i, drift = 0;
    bool round = false, start = false, pardon = false;
    json_t *c;
    json_array_foreach(api_data(&r), i, c) {
        if (strcmp(S_s(c, "rule"), "drift") != 0)
            continue; /* the findings of the other rules */
        assert_string_equal(S_s(c, "rule"), "drift");
        assert_string_equal(S_s(c, "class"), "drift");
        assert_non_null(S_s(c, "id"));
        assert_non_null(S_s(c, "explanation"));
        const char *cert = S_s(c, "certainty");
        assert_true(strcmp(cert, "definite") == 0 || strcmp(cert, "possible") == 0);
        json_t *a = json_object_get(c, "a"), *b = json_object_get(c, "b");
        assert_non_null(S_s(a, "quote"));
        assert_non_null(S_s(b, "quote"));
        /* b repeats a: the link says so, and b's claim lists a among what it repeats */
        json_t *link = json_object_get(c, "link");
        assert_string_equal(S_s(link, "claim"), S_s(b, "claim"));
        assert_string_equal(S_s(link, "target"), S_s(a, "claim"));
        json_t *ch = json_object_get(c, "changes");
        assert_true(json_array_size(ch) >= 1);
        json_t *c0 = json_array_get(ch, 0);
        drift++;
        if (strcmp(S_s(c0, "from"), "2 months") == 0 && strcmp(S_s(c0, "to"), "2 to 3 months") == 0)
            round = strcmp(cert, "definite") == 0;
        if (strcmp(S_s(c0, "field"), "start") == 0 && strcmp(S_s(c0, "to"), "2017") == 0)
            start = strstr(S_s(c0, "from"), "computed") != NULL;
        if (strcmp(S_s(c0, "from"), "more than 50 percent") == 0)
            pardon = strcmp(cert, "possible") == 0;
    }
    assert_true(drift >= 3);
    assert_true(round);
    assert_true(start);
    assert_true(pardon);
    api_result_free(&r);
    /* A metric filter keeps only the findings on that metric. */
    api_get_ok(&api_fx, "/v1/conflicts?metric=program_round_length&limit=1000", &r);
    size_t n = 0;
    json_array_foreach(api_data(&r), i, c) {
        if (S_s(c, "rule"))
            n++;
    }
    assert_int_equal(n, 1);
    api_result_free(&r);
}

/* /v1/sources/{id}/derived lists what rests on the source, with kept or changed. */
static void test_derived(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/sources/" CITED "/derived?limit=1000", &r);
    json_int_t rests = api_total_of(&api_fx, "/v1/claims?rests_on=" CITED "&limit=1");
    assert_int_equal(api_total(&r), rests);
    assert_true(rests >= 10);
    size_t i, changed = 0;
    json_t *d;
    json_array_foreach(api_data(&r), i, d) {
        assert_string_not_equal(S_s(d, "source"), CITED);
        const char *status = S_s(d, "status");
        size_t k;
        json_t *rep;
        bool any_changed = false;
        json_array_foreach(json_object_get(d, "repeats"), k, rep) {
            const char *rs = S_s(rep, "status");
            if (strcmp(rs, "changed") == 0) {
                any_changed = true;
                assert_non_null(S_s(rep, "conflict"));
                assert_true(json_array_size(json_object_get(rep, "changes")) >= 1);
            } else {
                assert_null(S_s(rep, "conflict"));
            }
        }
        if (any_changed) {
            changed++;
            assert_string_equal(status, "changed");
        }
    }
    assert_true(changed >= 3);
    api_result_free(&r);
    /* Paging and errors. */
    api_get_ok(&api_fx, "/v1/sources/" CITED "/derived?limit=2&offset=1", &r);
    assert_int_equal(json_array_size(api_data(&r)), 2);
    api_result_free(&r);
    api_get_problem(&api_fx, "/v1/sources/no-such-source/derived", 404, NULL);
    api_get_problem(&api_fx, "/v1/sources/" CITED "/derived?sort=id", 400, "sort");
    /* A source nothing rests on has an empty list. */
    api_get_ok(&api_fx, "/v1/sources/" CITING "/derived", &r);
    assert_int_equal(api_total(&r), 0);
    api_result_free(&r);
}

/* rests_on, relayed_by and claimant through entities. */
static void test_provenance_filters(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/claims?rests_on=" CITED "&limit=1000", &r);
    size_t i;
    json_t *c;
    json_array_foreach(api_data(&r), i, c) {
        json_t *prov = json_object_get(c, "provenance");
        const char *fn = S_s(json_object_get(prov, "rests_on"), "source");
        bool linked = false;
        size_t k;
        json_t *l;
        json_array_foreach(json_object_get(prov, "repeats"), k, l) {
            linked |= strcmp(S_s(l, "source"), CITED) == 0;
        }
        assert_true((fn && strcmp(fn, CITED) == 0) || linked);
    }
    api_result_free(&r);
    /* relayed_by: the relay in every chain; the author's own claims are not relayed. */
    api_get_ok(&api_fx, "/v1/claims?relayed_by=Berman&limit=1000", &r);
    assert_true(json_array_size(api_data(&r)) >= 1);
    json_array_foreach(api_data(&r), i, c) {
        assert_string_not_equal(S_s(c, "claimant_kind"), "author");
        bool relay = false;
        size_t k;
        json_t *e;
        json_array_foreach(json_object_get(json_object_get(c, "provenance"), "chain"), k, e) {
            relay |= strcmp(S_s(e, "role"), "relay") == 0 && strstr(S_s(e, "name"), "Berman");
        }
        assert_true(relay);
    }
    api_result_free(&r);
    assert_int_equal(api_total_of(&api_fx, "/v1/claims?relayed_by=ilan-berman&limit=1"),
                     api_total_of(&api_fx, "/v1/claims?relayed_by=Berman&limit=1"));
    /* claimant through the entity's spellings: a spelling the claim's text does not use. */
    json_int_t by_alias = api_total_of(&api_fx, "/v1/claims?claimant=Mohammed%20Rafiki&limit=1");
    json_int_t by_entity = api_total_of(&api_fx, "/v1/claims?claimant=abu-hafs&limit=1");
    assert_true(by_entity >= 1);
    assert_true(by_alias >= by_entity);
    assert_int_equal(api_total_of(&api_fx, "/v1/claims?claimant=no-such-claimant-xyz&limit=1"), 0);
}

/* The citation graph either way: each citation links to the source and what rests on it. */
static void test_citation_graph(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/sources/" CITED, &r);
    json_t *data = json_object_get(r.json, "data");
    assert_string_equal(S_s(json_object_get(data, "links"), "derived"),
                        "/v1/sources/" CITED "/derived");
    json_t *by = json_object_get(data, "cited_by");
    bool found = false;
    size_t i;
    json_t *c;
    json_array_foreach(by, i, c) {
        if (strcmp(S_s(c, "id"), CITING) == 0) {
            found = true;
            assert_string_equal(S_s(json_object_get(c, "links"), "self"), "/v1/sources/" CITING);
        }
    }
    assert_true(found);
    api_result_free(&r);
    api_get_ok(&api_fx, "/v1/sources/" CITING, &r);
    found = false;
    json_array_foreach(json_object_get(json_object_get(r.json, "data"), "cites"), i, c) {
        if (strcmp(S_s(c, "id"), CITED) == 0) {
            found = true;
            assert_string_equal(S_s(json_object_get(c, "links"), "derived"),
                                "/v1/sources/" CITED "/derived");
        }
    }
    assert_true(found);
    api_result_free(&r);
}

/*
 * A kept repetition is one source: Al-Monitor repeats Masbah's "September 2014"
 * unchanged, so the two claims on the program's start are one independent source; the
 * repeats of Berman that changed what they took stay sources of their own.
 */
static void test_kept_repetition_counts_once(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/sources/masbah-2015-foreign-fighters/derived?limit=1000", &r);
    size_t i, kept = 0;
    json_t *d;
    json_array_foreach(api_data(&r), i, d) {
        if (strcmp(S_s(d, "status"), "kept") == 0)
            kept++;
    }
    assert_true(kept >= 1);
    api_result_free(&r);

    struct db_conn *c = NULL;
    assert_int_equal(app_db_reader(api_fx.app, &c), APP_OK);
    struct drift_edge *edges = NULL;
    size_t nedges = 0;
    assert_int_equal(prov_repo_edges(c, &edges, &nedges), APP_OK);
    assert_true(nedges >= 15);
    /* A kept edge merges its two claims' sources; a changed one does not. */
    size_t kept_at = SIZE_MAX, changed_at = SIZE_MAX;
    for (size_t k = 0; k < nedges; k++) {
        if (edges[k].kept && kept_at == SIZE_MAX)
            kept_at = k;
        if (!edges[k].kept && changed_at == SIZE_MAX)
            changed_at = k;
    }
    assert_true(kept_at != SIZE_MAX);
    assert_true(changed_at != SIZE_MAX);
    struct drift_obs two[2] = {{edges[kept_at].claim_seq, 1}, {edges[kept_at].target_seq, 2}};
    assert_int_equal(drift_independent_sources(two, 2, NULL, 0), 2);
    assert_int_equal(drift_independent_sources(two, 2, edges, nedges), 1);
    struct drift_obs other[2] = {{edges[changed_at].claim_seq, 1},
                                 {edges[changed_at].target_seq, 2}};
    assert_int_equal(drift_independent_sources(other, 2, edges, nedges), 2);
    free(edges);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_note_paragraph_rests_on_cited_work),
        cmocka_unit_test(test_chain_separates_roles),
        cmocka_unit_test(test_inferred_parts_have_a_basis),
        cmocka_unit_test(test_drift_findings_in_conflicts),
        cmocka_unit_test(test_derived),
        cmocka_unit_test(test_provenance_filters),
        cmocka_unit_test(test_citation_graph),
        cmocka_unit_test(test_kept_repetition_counts_once),
    };
    return cmocka_run_group_tests(tests, api_group_setup, api_group_teardown);
}
