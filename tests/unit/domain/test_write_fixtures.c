/*
 * The write validators on a folder of fixtures, as jansson's test suites are run: each
 * file of tests/fixtures/write/ is {"resource", "creating", "doc", "errors"}, and
 * validating doc must give exactly the JSON pointers of `errors` (none: the record is
 * accepted, and its normalized form validates again). The database is a small fixed
 * world behind struct write_lookup, so a fixture says everything it depends on:
 *
 *   sources   src-a (its text is SOURCE_TEXT below), src-notext (no stored text)
 *   metrics   ff_departed (people, number), program_start (date, date)
 *   entities  morocco (place), bcij (organization); programs: musalaha; topics: returnees
 *
 * A new case is a new file; the suite fails on a folder without valid and invalid cases
 * for every resource it names.
 */
#include "write_json.h"

#include <dirent.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define FIXTURES "tests/fixtures/write"

static const char SOURCE_TEXT[] =
    "In 2016 more than 1,500 Moroccans had left for Syria; at least 1,600 by 2017. "
    "The Musalaha program began in 2017. 1,500 again: 1,500.";

static bool S_in(const char *id, const char *const *set)
{
    for (size_t i = 0; set[i]; i++)
        if (strcmp(set[i], id) == 0)
            return true;
    return false;
}

static enum app_status L_exists(void *ctx, const char *table, const char *id)
{
    (void)ctx;
    static const char *const sources[] = {"src-a", "src-notext", NULL};
    static const char *const metrics[] = {"ff_departed", "program_start", NULL};
    static const char *const entities[] = {"morocco", "bcij", NULL};
    static const char *const programs[] = {"musalaha", NULL};
    static const char *const topics[] = {"returnees", NULL};
    static const char *const claims[] = {"src-a-001", NULL};
    static const char *const none[] = {NULL};
    const char *const *set = strcmp(table, "source") == 0   ? sources
                             : strcmp(table, "metric") == 0 ? metrics
                             : strcmp(table, "entity") == 0 ? entities
                             : strcmp(table, "program") == 0 || !strcmp(table, "program_any")
                                 ? programs
                             : strcmp(table, "topic") == 0                                 ? topics
                             : strcmp(table, "claim") == 0 || !strcmp(table, "claim_live") ? claims
                                                                                           : none;
    return S_in(id, set) ? APP_OK : APP_ENOTFOUND;
}

static enum app_status L_entity_kind(void *ctx, const char *id, char *out, size_t n)
{
    (void)ctx;
    if (strcmp(id, "morocco") == 0)
        snprintf(out, n, "place");
    else if (strcmp(id, "bcij") == 0)
        snprintf(out, n, "organization");
    else
        return APP_ENOTFOUND;
    return APP_OK;
}

static enum app_status L_metric(void *ctx, const char *id, char *unit, size_t un, char *vtype,
                                size_t vn)
{
    (void)ctx;
    if (strcmp(id, "ff_departed") == 0) {
        snprintf(unit, un, "people");
        snprintf(vtype, vn, "number");
    } else if (strcmp(id, "program_start") == 0) {
        snprintf(unit, un, "date");
        snprintf(vtype, vn, "date");
    } else {
        return APP_ENOTFOUND;
    }
    return APP_OK;
}

static enum app_status L_text(void *ctx, const char *id, char **text, size_t *len)
{
    (void)ctx;
    if (strcmp(id, "src-a") != 0)
        return APP_ENOTFOUND;
    *text = strdup(SOURCE_TEXT);
    if (!*text)
        return APP_ENOMEM;
    *len = sizeof SOURCE_TEXT - 1;
    return APP_OK;
}

static enum app_status L_next_id(void *ctx, const char *source, char *out, size_t n)
{
    (void)ctx;
    int w = snprintf(out, n, "%s-002", source);
    return w > 0 && (size_t)w < n ? APP_OK : APP_ENOTFOUND;
}

static const struct write_lookup lookup = {NULL,     L_exists, L_entity_kind,
                                           L_metric, L_text,   L_next_id};

static bool S_resource(const char *name, enum write_resource *out)
{
    for (int r = 0; r < WRITE_NRESOURCES; r++) {
        if (strcmp(write_resource_name((enum write_resource)r), name) == 0) {
            *out = (enum write_resource)r;
            return true;
        }
    }
    return false;
}

/* Runs one fixture; returns whether it expected errors. */
static bool S_case(const char *path, const char *name)
{
    json_error_t e;
    json_t *fx = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
    if (!fx)
        fail_msg("%s: %s (line %d)", name, e.text, e.line);
    enum write_resource r = WRITE_CLAIM;
    const char *res = json_string_value(json_object_get(fx, "resource"));
    if (!res || !S_resource(res, &r))
        fail_msg("%s: 'resource' must name a resource", name);
    json_t *want = json_object_get(fx, "errors");
    json_t *doc = json_deep_copy(json_object_get(fx, "doc"));
    if (!json_is_array(want) || !json_is_object(doc))
        fail_msg("%s: needs 'doc' (an object) and 'errors' (an array)", name);
    bool creating = json_is_true(json_object_get(fx, "creating"));
    struct write_errors we;
    memset(&we, 0, sizeof we);
    char *out = NULL;
    enum app_status st = write_json_validate(r, doc, creating, &lookup, &we, &out);
    /* the pointers found, against those expected, both ways */
    for (size_t i = 0; i < we.n; i++) {
        bool expected = false;
        for (size_t k = 0; k < json_array_size(want) && !expected; k++)
            expected = strcmp(json_string_value(json_array_get(want, k)), we.pointer[i]) == 0;
        if (!expected)
            fail_msg("%s: unexpected error at %s: %s", name, we.pointer[i], we.msg[i]);
    }
    for (size_t k = 0; k < json_array_size(want); k++) {
        const char *p = json_string_value(json_array_get(want, k));
        bool found = false;
        for (size_t i = 0; i < we.n && !found; i++)
            found = strcmp(we.pointer[i], p) == 0;
        if (!found)
            fail_msg("%s: no error at %s (status %s)", name, p, app_status_str(st));
    }
    if (json_array_size(want) == 0) {
        if (st != APP_OK || !out)
            fail_msg("%s: refused (%s)", name, app_status_str(st));
        /* the normalized record as the API shows it, sent back, is accepted as it is */
        char *pub = write_json_public(out);
        assert_non_null(pub);
        json_t *again = write_json_from_text(pub);
        free(pub);
        assert_non_null(again);
        struct write_errors we2;
        memset(&we2, 0, sizeof we2);
        char *out2 = NULL;
        if (write_json_validate(r, again, false, &lookup, &we2, &out2) != APP_OK)
            fail_msg("%s: its normalized form no longer validates (%s: %s)", name,
                     we2.n ? we2.pointer[0] : "-", we2.n ? we2.msg[0] : "-");
        free(out2);
        write_json_free(again);
    } else {
        assert_int_equal(st, APP_EINVAL);
        assert_null(out);
    }
    bool expects_errors = json_array_size(want) > 0;
    free(out);
    json_decref(doc);
    json_decref(fx);
    return expects_errors;
}

static void test_fixtures(void **state)
{
    (void)state;
    DIR *d = opendir(FIXTURES);
    assert_non_null(d);
    struct dirent *ent;
    size_t valid = 0, invalid = 0;
    bool seen_valid[WRITE_NRESOURCES] = {0}, seen_invalid[WRITE_NRESOURCES] = {0};
    while ((ent = readdir(d)) != NULL) {
        size_t n = strlen(ent->d_name);
        if (n < 6 || strcmp(ent->d_name + n - 5, ".json") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", FIXTURES, ent->d_name);
        bool bad = S_case(path, ent->d_name);
        /* the name says what the case is */
        if (strncmp(ent->d_name, bad ? "invalid-" : "valid-", bad ? 8 : 6) != 0)
            fail_msg("%s: a case %s errors is named %s-...", ent->d_name, bad ? "with" : "without",
                     bad ? "invalid" : "valid");
        json_t *fx = json_load_file(path, 0, NULL);
        enum write_resource r = WRITE_CLAIM;
        assert_true(S_resource(json_string_value(json_object_get(fx, "resource")), &r));
        json_decref(fx);
        (bad ? seen_invalid : seen_valid)[r] = true;
        bad ? invalid++ : valid++;
    }
    closedir(d);
    assert_true(valid >= 5 && invalid >= 15);
    const enum write_resource covered[] = {WRITE_CLAIM, WRITE_SOURCE, WRITE_PROGRAM};
    for (size_t i = 0; i < sizeof covered / sizeof covered[0]; i++)
        assert_true(seen_valid[covered[i]] && seen_invalid[covered[i]]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
