/*
 * Provenance through the router, without sockets: what a claim rests on, its relay
 * chain, the claims it repeats, the provenance filters, /v1/sources/{id}/derived, the
 * citation graph and drift findings in /v1/conflicts.
 */
#include "api.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_note_paragraph_rests_on_cited_work),
        cmocka_unit_test(test_chain_separates_roles),
        cmocka_unit_test(test_inferred_parts_have_a_basis),
    };
    return cmocka_run_group_tests(tests, api_group_setup, api_group_teardown);
}
