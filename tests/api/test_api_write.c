/*
 * The curation API (POST / PATCH / DELETE / restore / revisions) through the
 * router, without sockets, on a private writable copy of the database: every
 * test gets a fresh copy and its own tokens. Effects are read back through GET.
 */
#include "json_util.h"
#include "sha256.h"
#include "writable.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <sqlite3.h>

#define BERMAN       "berman-2019-returnees"
#define TOKEN_WRITE  "mrs_test-writer-secret-0123456789abcdefghijkl"
#define TOKEN_ADMIN  "mrs_test-admin-secret-ZYXWVUTSRQPONMLKJIHGFED"
#define TOKEN_REVOKE "mrs_test-revoked-secret-qwertyuiopasdfghjklz"
#define TOKEN_BOGUS  "mrs_test-never-issued-secret-mnbvcxzlkjhgfd"
/* A quote that occurs once in the Berman text, after an en dash (3 UTF-8 bytes). */
#define QUOTE_UNIQUE "or soon will be."
/* The quote of berman-014: unique, and fits the returnees_arrested metric. */
#define QUOTE_ARREST "To date, Morocco has apprehended less than 200 such returnees"
#define QUOTE_TWICE  "To date,"

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

/* ---- request helpers ------------------------------------------------------ */

/*
 * One request: token (NULL: no Authorization), ctype (NULL: no Content-Type),
 * and up to four more "Name: value" headers.
 */
static void S_req(struct writable_fixture *wf, const char *method, const char *target,
                  const char *token, const char *ctype, const char *const *extra, const char *body,
                  struct api_result *out)
{
    char auth[400], ct[200];
    const char *h[8];
    size_t n = 0;
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h[n++] = auth;
    }
    if (ctype) {
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
        h[n++] = ct;
    }
    for (size_t i = 0; extra && extra[i] && n < 7; i++)
        h[n++] = extra[i];
    h[n] = NULL;
    api_request(&wf->api, method, target, h, body, out);
}

static void S_get(struct writable_fixture *wf, const char *target, struct api_result *out)
{
    api_get(&wf->api, target, out);
}

static json_int_t S_int(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* dataset_version from GET /version. */
static json_int_t S_version(struct writable_fixture *wf)
{
    struct api_result r;
    S_get(wf, "/version", &r);
    assert_int_equal(r.status, 200);
    json_int_t v = S_int(r.json, "dataset_version");
    api_result_free(&r);
    return v;
}

/* A valid claim on the Berman text (caller json_decref()s). */
static json_t *S_claim(const char *quote, const char *statement)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "source", BERMAN, "quote", quote,
                          "statement", statement, "kind", "assessment", "claimant",
                          "Ilan I. Berman", "claimant_kind", "author", "topics", "returnees");
    assert_non_null(c);
    return c;
}

/* A statistic on QUOTE_ARREST with the given bound (numbers set by the caller). */
static json_t *S_stat(const char *bound)
{
    json_t *c = S_claim(QUOTE_ARREST, "Statistic under test.");
    json_object_set_new(c, "kind", json_string("statistic"));
    json_object_set_new(c, "metric", json_string("returnees_arrested"));
    json_object_set_new(c, "unit", json_string("people"));
    json_object_set_new(c, "bound", json_string(bound));
    return c;
}

/* A document as compact JSON text (stolen; the text is malloc'd). */
static char *S_dump(json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    assert_non_null(text);
    return text;
}

/* POSTs a JSON document (stolen) to a collection with the writer's token. */
static void S_post(struct writable_fixture *wf, const char *collection, json_t *doc,
                   struct api_result *out)
{
    char *body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    assert_non_null(body);
    S_req(wf, "POST", collection, TOKEN_WRITE, "application/json", NULL, body, out);
    free(body);
}

/* Creates a claim, asserting 201; returns its id (malloc'd). */
static char *S_create(struct writable_fixture *wf, json_t *doc)
{
    struct api_result r;
    S_post(wf, "/v1/claims", doc, &r);
    if (r.status != 201)
        fail_msg("POST /v1/claims: %u %s", r.status, r.body);
    const char *id = ju_str(json_object_get(r.json, "data"), "id");
    assert_non_null(id);
    char *out = strdup(id);
    assert_non_null(out);
    api_result_free(&r);
    return out;
}

static void S_patch(struct writable_fixture *wf, const char *target, const char *token,
                    const char *const *extra, const char *body, struct api_result *out)
{
    S_req(wf, "PATCH", target, token, "application/merge-patch+json", extra, body, out);
}

/* Status of GET target. */
static unsigned S_status(struct writable_fixture *wf, const char *target)
{
    struct api_result r;
    S_get(wf, target, &r);
    unsigned st = r.status;
    api_result_free(&r);
    return st;
}

static int S_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Asserts a 422 problem whose errors name exactly these JSON pointers
 * (a multiset, any order; NULL-terminated).
 */
static void S_assert_pointers(const struct api_result *r, const char *const *expected)
{
    api_assert_problem(r, 422, NULL);
    assert_string_equal(ju_str(r->json, "type"), "/problems/validation-failed");
    json_t *errs = json_object_get(r->json, "errors");
    assert_true(json_is_array(errs));
    size_t ne = 0;
    while (expected[ne])
        ne++;
    const char *got[64], *want[64];
    size_t ng = json_array_size(errs);
    if (ng != ne || ng > 64)
        fail_msg("expected %zu errors, got %zu: %s", ne, ng, r->body);
    for (size_t i = 0; i < ng; i++) {
        json_t *e = json_array_get(errs, i);
        got[i] = ju_str(e, "pointer");
        assert_non_null(got[i]);
        assert_non_null(ju_str(e, "detail"));
        want[i] = expected[i];
    }
    qsort(got, ng, sizeof got[0], S_cmp);
    qsort(want, ne, sizeof want[0], S_cmp);
    for (size_t i = 0; i < ng; i++) {
        if (strcmp(got[i], want[i]) != 0)
            fail_msg("pointer %zu: expected %s, got %s: %s", i, want[i], got[i], r->body);
    }
}

/* The detail of the first error naming this pointer. */
static const char *S_detail_of(const struct api_result *r, const char *pointer)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(r->json, "errors"), i, e) {
        const char *p = ju_str(e, "pointer");
        if (p && strcmp(p, pointer) == 0)
            return ju_str(e, "detail");
    }
    fail_msg("no error with pointer %s: %s", pointer, r->body);
    return NULL;
}

/* Byte offset of the code point at index cp in UTF-8 text. */
static size_t S_cp_to_byte(const char *text, size_t len, size_t cp)
{
    size_t seen = 0;
    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)text[i] & 0xC0) != 0x80) {
            if (seen == cp)
                return i;
            seen++;
        }
    }
    assert_int_equal(seen, cp); /* one past the end is fine */
    return len;
}

/* The stored text of a source through GET /v1/sources/{id}/text (malloc'd). */
static char *S_text(struct writable_fixture *wf, const char *source, size_t *len)
{
    char target[300];
    snprintf(target, sizeof target, "/v1/sources/%s/text", source);
    struct api_result r;
    S_get(wf, target, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "text/plain"));
    char *t = r.body;
    *len = r.body_len;
    r.body = NULL;
    api_result_free(&r);
    return t;
}

/* true when the list at target (a JSON collection) holds an item with this id. */
static bool S_list_has(struct writable_fixture *wf, const char *target, const char *id,
                       json_int_t *total)
{
    struct api_result r;
    S_get(wf, target, &r);
    assert_int_equal(r.status, 200);
    bool found = ju_find(json_object_get(r.json, "data"), "id", id) != NULL;
    if (total)
        *total = S_int(json_object_get(r.json, "meta"), "total");
    api_result_free(&r);
    return found;
}

/* The revisions of a record as a new reference to the data array. */
static json_t *S_revisions(struct writable_fixture *wf, const char *collection, const char *id)
{
    char target[300];
    snprintf(target, sizeof target, "/v1/%s/%s/revisions", collection, id);
    struct api_result r;
    S_get(wf, target, &r);
    if (r.status != 200)
        fail_msg("GET %s: %u %s", target, r.status, r.body);
    json_t *data = json_incref(json_object_get(r.json, "data"));
    assert_true(json_is_array(data));
    assert_int_equal(S_int(json_object_get(r.json, "meta"), "total"), json_array_size(data));
    api_result_free(&r);
    return data;
}

/* ---- authentication -------------------------------------------------------- */

static void test_401_without_authorization(void **state)
{
    struct writable_fixture *wf = *state;
    json_int_t v0 = S_version(wf);
    char *body = S_dump(S_claim(QUOTE_UNIQUE, "x"));
    struct api_result r;
    const char *methods[] = {"POST", "PATCH", "DELETE", "POST"};
    const char *targets[] = {"/v1/claims", "/v1/claims/berman-014", "/v1/claims/berman-014",
                             "/v1/claims/berman-014/restore"};
    for (size_t i = 0; i < 4; i++) {
        S_req(wf, methods[i], targets[i], NULL, "application/json", NULL, body, &r);
        api_assert_problem(&r, 401, NULL);
        const char *www = api_header(&r, "WWW-Authenticate");
        assert_non_null(www);
        assert_true(strncmp(www, "Bearer", 6) == 0);
        assert_null(strstr(www, "invalid_token")); /* no credentials is not a bad one */
        api_result_free(&r);
    }
    free(body);
    assert_int_equal(S_version(wf), v0);
    assert_int_equal(S_status(wf, "/v1/claims/berman-014"), 200);
}

static void test_401_bad_or_revoked_token(void **state)
{
    struct writable_fixture *wf = *state;
    assert_int_equal(writable_token(wf, "temp", "admin", TOKEN_REVOKE), 0);
    struct api_result r;
    /* Valid first: an unknown record is a 404, so the token was accepted. */
    S_req(wf, "DELETE", "/v1/claims/no-such-claim", TOKEN_REVOKE, NULL, NULL, NULL, &r);
    api_assert_problem(&r, 404, NULL);
    api_result_free(&r);
    assert_int_equal(writable_revoke(wf, "temp"), 0);

    const char *tokens[] = {TOKEN_REVOKE, TOKEN_BOGUS, ""};
    for (size_t i = 0; i < 3; i++) {
        S_req(wf, "DELETE", "/v1/claims/no-such-claim", tokens[i], NULL, NULL, NULL, &r);
        api_assert_problem(&r, 401, NULL);
        const char *www = api_header(&r, "WWW-Authenticate");
        assert_non_null(www);
        assert_non_null(strstr(www, "error=\"invalid_token\""));
        api_result_free(&r);
    }
    /* Another scheme. */
    const char *basic[] = {"Authorization: Basic dXNlcjpwYXNz", NULL};
    S_req(wf, "DELETE", "/v1/claims/berman-014", NULL, NULL, basic, NULL, &r);
    api_assert_problem(&r, 401, NULL);
    assert_non_null(strstr(api_header(&r, "WWW-Authenticate"), "invalid_token"));
    api_result_free(&r);
    /* The hash of a token is not a token. */
    char hex[65];
    sha256_hex(TOKEN_WRITE, strlen(TOKEN_WRITE), hex);
    S_req(wf, "DELETE", "/v1/claims/berman-014", hex, NULL, NULL, NULL, &r);
    api_assert_problem(&r, 401, NULL);
    api_result_free(&r);
    assert_int_equal(S_status(wf, "/v1/claims/berman-014"), 200);
}

static void test_restore_needs_admin(void **state)
{
    struct writable_fixture *wf = *state;
    char *id = S_create(wf, S_claim(QUOTE_UNIQUE, "Claim deleted then restored."));
    char target[200], restore[220];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    snprintf(restore, sizeof restore, "/v1/claims/%s/restore", id);
    struct api_result r;
    S_req(wf, "DELETE", target, TOKEN_WRITE, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 204);
    api_result_free(&r);
    json_int_t v = S_version(wf);

    S_req(wf, "POST", restore, TOKEN_WRITE, NULL, NULL, NULL, &r);
    api_assert_problem(&r, 403, NULL);
    assert_string_equal(ju_str(r.json, "type"), "/problems/forbidden");
    assert_non_null(strstr(ju_str(r.json, "detail"), "admin"));
    api_result_free(&r);
    assert_int_equal(S_status(wf, target), 410);
    assert_int_equal(S_version(wf), v);

    S_req(wf, "POST", restore, TOKEN_ADMIN, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ju_str(json_object_get(r.json, "data"), "id"), id);
    assert_int_equal(S_int(json_object_get(r.json, "meta"), "dataset_version"), v + 1);
    api_result_free(&r);
    assert_int_equal(S_status(wf, target), 200);
    assert_int_equal(S_version(wf), v + 1);
    free(id);
}

/* ---- media type and body --------------------------------------------------- */

static void test_415_wrong_content_type(void **state)
{
    struct writable_fixture *wf = *state;
    json_int_t v0 = S_version(wf);
    char *body = S_dump(S_claim(QUOTE_UNIQUE, "Media type test."));
    const char *bad_post[] = {"text/plain", "application/x-www-form-urlencoded",
                              "application/merge-patch+json", "application/jsonx", NULL};
    struct api_result r;
    for (size_t i = 0; i <= 4; i++) {
        /* i == 4: no Content-Type at all */
        S_req(wf, "POST", "/v1/claims", TOKEN_WRITE, bad_post[i], NULL, body, &r);
        api_assert_problem(&r, 415, NULL);
        json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);
        assert_string_equal(ju_str(e, "header"), "Content-Type");
        assert_non_null(api_header(&r, "Accept-Post"));
        api_result_free(&r);
    }
    const char *bad_patch[] = {"text/plain", "application/json-patch+json", NULL};
    for (size_t i = 0; i < 2; i++) {
        S_req(wf, "PATCH", "/v1/claims/berman-014", TOKEN_WRITE, bad_patch[i], NULL,
              "{\"note\":\"x\"}", &r);
        api_assert_problem(&r, 415, NULL);
        const char *ap = api_header(&r, "Accept-Patch");
        assert_non_null(ap);
        assert_non_null(strstr(ap, "application/merge-patch+json"));
        api_result_free(&r);
    }
    assert_int_equal(S_version(wf), v0);

    /* Parameters are fine; PATCH takes both media types. */
    S_req(wf, "POST", "/v1/claims", TOKEN_WRITE, "application/json; charset=utf-8", NULL, body, &r);
    assert_int_equal(r.status, 201);
    api_result_free(&r);
    const char *good_patch[] = {"application/merge-patch+json", "application/json",
                                "Application/Merge-Patch+JSON; charset=utf-8"};
    for (size_t i = 0; i < 3; i++) {
        char patch[80], note[32];
        snprintf(note, sizeof note, "note %zu", i);
        snprintf(patch, sizeof patch, "{\"note\":\"%s\"}", note);
        S_req(wf, "PATCH", "/v1/claims/berman-014", TOKEN_WRITE, good_patch[i], NULL, patch, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(ju_str(json_object_get(r.json, "data"), "note"), note);
        api_result_free(&r);
    }
    free(body);
    assert_int_equal(S_version(wf), v0 + 4);
}

static void test_400_malformed_bodies(void **state)
{
    struct writable_fixture *wf = *state;
    json_int_t v0 = S_version(wf);
    const char *bodies[] = {
        "{",
        "{\"source\":\"" BERMAN "\",\"source\":\"" BERMAN "\"}", /* duplicate key */
        "",
        "[1,2]",
        "\"a string\"",
        "{\"quote\":\"x\"} trailing",
    };
    struct api_result r;
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        S_req(wf, "POST", "/v1/claims", TOKEN_WRITE, "application/json", NULL, bodies[i], &r);
        api_assert_problem(&r, 400, NULL);
        assert_string_equal(ju_str(r.json, "type"), "/problems/malformed-body");
        api_result_free(&r);
        S_patch(wf, "/v1/claims/berman-014", TOKEN_WRITE, NULL, bodies[i], &r);
        api_assert_problem(&r, 400, NULL);
        api_result_free(&r);
    }
    /* No body at all. */
    S_req(wf, "POST", "/v1/sources", TOKEN_WRITE, "application/json", NULL, NULL, &r);
    api_assert_problem(&r, 400, NULL);
    assert_non_null(strstr(ju_str(r.json, "detail"), "no body"));
    api_result_free(&r);
    /* The duplicate key is named. */
    S_req(wf, "POST", "/v1/programs", TOKEN_WRITE, "application/json", NULL,
          "{\"id\":\"p-dup\",\"name\":\"a\",\"name\":\"b\",\"kind\":\"program\"}", &r);
    api_assert_problem(&r, 400, NULL);
    assert_non_null(strstr(ju_str(r.json, "detail"), "duplicate"));
    api_result_free(&r);
    assert_int_equal(S_version(wf), v0);
}

/* ---- validation ------------------------------------------------------------ */

static void test_422_lists_every_problem(void **state)
{
    struct writable_fixture *wf = *state;
    json_int_t v0 = S_version(wf);
    json_t *c = S_claim("This sentence is nowhere in the stored text.", "Many problems.");
    json_object_set_new(c, "kind", json_string("statistic"));
    json_object_set_new(c, "metric", json_string("returnees_arrested"));
    json_object_set_new(c, "unit", json_string("percent"));
    json_object_set_new(c, "bound", json_string("range"));
    json_object_set_new(c, "value", json_integer(200));
    json_object_set_new(c, "as_of", json_string("2015-02-29"));
    json_object_set_new(c, "period_start", json_string("2014"));
    json_object_set_new(c, "period_end", json_string("2015"));
    json_object_set_new(c, "subject", json_string("morocco"));
    json_object_set_new(c, "attribute", json_string("graduates"));
    json_object_set_new(c, "entities", json_pack("[s, s]", "morocco", "no-such-entity-xyz"));
    json_object_set_new(c, "topics", json_pack("[s]", "no-such-topic-xyz"));
    json_object_set_new(c, "colour", json_string("blue"));
    struct api_result r;
    S_post(wf, "/v1/claims", c, &r);
    const char *want[] = {"/quote",     "/unit",       "/lower",    "/upper",  "/as_of", "/as_of",
                          "/attribute", "/entities/1", "/topics/0", "/colour", NULL};
    S_assert_pointers(&r, want);
    assert_non_null(strstr(S_detail_of(&r, "/quote"), "verbatim"));
    assert_non_null(strstr(S_detail_of(&r, "/unit"), "people"));
    assert_non_null(strstr(S_detail_of(&r, "/colour"), "unknown field"));
    assert_non_null(strstr(S_detail_of(&r, "/attribute"), "program"));
    assert_non_null(strstr(ju_str(r.json, "detail"), "10 invalid fields"));
    api_result_free(&r);

    /* Unknown references, each with its own pointer. */
    c = S_claim(QUOTE_ARREST, "Unknown references.");
    json_object_set_new(c, "kind", json_string("statistic"));
    json_object_set_new(c, "metric", json_string("no_such_metric"));
    json_object_set_new(c, "unit", json_string("people"));
    json_object_set_new(c, "bound", json_string("exact"));
    json_object_set_new(c, "value", json_integer(3));
    json_object_set_new(c, "place", json_string("ilan-berman")); /* a person */
    json_object_set_new(c, "claimant_entity", json_string("nobody-zz"));
    json_object_set_new(c, "footnote", json_string("no-such-source"));
    json_object_set_new(c, "kind", json_string("gossip"));
    S_post(wf, "/v1/claims", c, &r);
    const char *want2[] = {"/metric", "/place", "/claimant_entity", "/footnote", "/kind", NULL};
    S_assert_pointers(&r, want2);
    assert_non_null(strstr(S_detail_of(&r, "/metric"), "unknown metric"));
    api_result_free(&r);

    /* Required members missing, an unknown source. */
    S_req(wf, "POST", "/v1/claims", TOKEN_WRITE, "application/json", NULL,
          "{\"source\":\"no-such-source\",\"quote\":\"x\"}", &r);
    const char *want3[] = {"/source",        "/statement", "/kind", "/claimant",
                           "/claimant_kind", "/topics",    NULL};
    S_assert_pointers(&r, want3);
    api_result_free(&r);
    assert_int_equal(S_version(wf), v0);
}

struct bound_case {
    const char *bound;
    const char *numbers; /* JSON object merged into the claim */
    const char *pointers[4];
};

static void test_422_bounds(void **state)
{
    struct writable_fixture *wf = *state;
    json_int_t v0 = S_version(wf);
    static const struct bound_case cases[] = {
        {"range", "{\"value\":5}", {"/lower", "/upper"}},
        {"range", "{\"lower\":820,\"upper\":800}", {"/upper"}},
        {"at_least", "{\"value\":200,\"lower\":150}", {"/lower"}},
        {"more_than", "{\"value\":200,\"lower\":250}", {"/lower", "/lower"}}, /* != and > value */
        {"up_to", "{\"value\":200,\"upper\":300}", {"/upper"}},
        {"exact", "{\"value\":200,\"upper\":300}", {"/upper"}},
        {"vague", "{\"value\":12,\"vague_term\":\"dozens\"}", {"/value"}},
        {"vague", "{}", {"/vague_term"}},
        {"approx", "{\"vague_term\":\"dozens\",\"value\":3}", {"/vague_term"}},
        {"exact", "{}", {"/value"}},
        {"exact", "{\"value\":\"200\"}", {"/value", "/value"}}, /* not a number, so missing */
        {"roughly", "{\"value\":200}", {"/bound"}},
        {"exact", "{\"value\":200,\"value_date\":\"2019\"}", {"/value_date"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *c = S_stat(cases[i].bound);
        json_t *nums = json_loads(cases[i].numbers, 0, NULL);
        assert_non_null(nums);
        json_object_update(c, nums);
        json_decref(nums);
        struct api_result r;
        S_post(wf, "/v1/claims", c, &r);
        const char *want[5] = {0};
        for (size_t k = 0; k < 4 && cases[i].pointers[k]; k++)
            want[k] = cases[i].pointers[k];
        if (r.status != 422)
            fail_msg("case %zu (%s %s): %u %s", i, cases[i].bound, cases[i].numbers, r.status,
                     r.body);
        S_assert_pointers(&r, want);
        api_result_free(&r);
    }
    /* Numbers without a metric. */
    json_t *c = S_claim(QUOTE_ARREST, "Numbers without a metric.");
    json_object_set_new(c, "value", json_integer(200));
    json_object_set_new(c, "unit", json_string("people"));
    struct api_result r;
    S_post(wf, "/v1/claims", c, &r);
    const char *want[] = {"/value", "/unit", NULL};
    S_assert_pointers(&r, want);
    api_result_free(&r);
    assert_int_equal(S_version(wf), v0);

    /* at_least without lower: lower is value. */
    c = S_stat("at_least");
    json_object_set_new(c, "value", json_integer(254));
    char *id = S_create(wf, c);
    char target[200];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    S_get(wf, target, &r);
    assert_int_equal(r.status, 200);
    json_t *d = json_object_get(r.json, "data");
    assert_true(json_number_value(json_object_get(d, "value")) == 254.0);
    assert_true(json_number_value(json_object_get(d, "lower")) == 254.0);
    assert_true(json_is_null(json_object_get(d, "upper")));
    api_result_free(&r);
    free(id);

    /* "almost 200": stored as written, read as the upper end only, with the policy row. */
    c = S_stat("almost");
    json_object_set_new(c, "value", json_integer(200));
    json_object_set_new(c, "scope", json_string("returnees from Syria only"));
    id = S_create(wf, c);
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    S_get(wf, target, &r);
    assert_int_equal(r.status, 200);
    d = json_object_get(r.json, "data");
    assert_string_equal(ju_str(d, "bound"), "almost");
    assert_true(json_number_value(json_object_get(d, "upper")) == 200.0);
    assert_string_equal(ju_str(d, "scope"), "returnees from Syria only");
    json_t *iv = json_object_get(d, "interval");
    assert_true(json_is_null(json_object_get(iv, "lo")));
    assert_true(json_number_value(json_object_get(iv, "hi")) == 200.0);
    assert_string_equal(ju_str(json_object_get(d, "policy"), "bound"), "almost");
    api_result_free(&r);
    free(id);

    /* "almost" with an upper end above the figure; a scope without a metric. */
    c = S_stat("almost");
    json_object_set_new(c, "value", json_integer(200));
    json_object_set_new(c, "upper", json_integer(250));
    S_post(wf, "/v1/claims", c, &r);
    const char *want_upper[] = {"/upper", NULL};
    S_assert_pointers(&r, want_upper);
    api_result_free(&r);
    c = S_claim(QUOTE_ARREST, "A scope without a figure.");
    json_object_set_new(c, "scope", json_string("Syria only"));
    S_post(wf, "/v1/claims", c, &r);
    const char *want_scope[] = {"/scope", NULL};
    S_assert_pointers(&r, want_scope);
    api_result_free(&r);
}

/* True when /v1/conflicts?... lists a finding of rule whose sides include claim id. */
static bool S_conflict_with(struct writable_fixture *wf, const char *target, const char *rule,
                            const char *id)
{
    struct api_result r;
    S_get(wf, target, &r);
    assert_int_equal(r.status, 200);
    bool found = false;
    size_t i, k, j;
    json_t *c, *side, *cl;
    json_array_foreach(json_object_get(r.json, "data"), i, c) {
        if (strcmp(json_string_value(json_object_get(c, "rule")), rule) != 0)
            continue;
        json_array_foreach(json_object_get(c, "sides"), k, side) {
            json_array_foreach(json_object_get(side, "claims"), j, cl) {
                found = found || strcmp(json_string_value(json_object_get(cl, "claim")), id) == 0;
            }
        }
    }
    api_result_free(&r);
    return found;
}

/* A claim written through the API meets every rule at once, with no change to the seed. */
static void test_new_claims_meet_the_rules(void **state)
{
    struct writable_fixture *wf = *state;
    /* A cumulative count that goes down: "around 900" who had left, as of 2020. */
    json_t *c = S_claim(QUOTE_ARREST, "Around 900 Moroccans had left to fight by 2020.");
    json_object_set_new(c, "kind", json_string("statistic"));
    json_object_set_new(c, "metric", json_string("foreign_fighters_departed"));
    json_object_set_new(c, "unit", json_string("people"));
    json_object_set_new(c, "bound", json_string("approx"));
    json_object_set_new(c, "value", json_integer(900));
    json_object_set_new(c, "as_of", json_string("2020"));
    json_object_set_new(c, "place", json_string("morocco"));
    char *id = S_create(wf, c);
    assert_true(S_conflict_with(wf, "/v1/conflicts?rule=cumulative_decrease&limit=1000",
                                "cumulative_decrease", id));
    /* and the statistic's series shows it as reported */
    struct api_result r;
    S_get(wf, "/v1/statistics/foreign_fighters_departed", &r);
    json_t *series = json_object_get(json_object_get(r.json, "data"), "series");
    json_t *main = json_array_get(series, 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(main, "latest"), "claim")), id);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(main, "lowest"), "claim")), id);
    api_result_free(&r);
    free(id);

    /* A share that does not match its counts: 50 percent of the 700 AQI fighters were
     * Moroccans, against 36 of them in the same records. */
    c = S_claim(QUOTE_ARREST, "Half of AQI's foreign fighters were Moroccans.");
    json_object_set_new(c, "kind", json_string("statistic"));
    json_object_set_new(c, "metric", json_string("moroccan_share_of_group_foreign_fighters"));
    json_object_set_new(c, "unit", json_string("percent"));
    json_object_set_new(c, "bound", json_string("exact"));
    json_object_set_new(c, "value", json_integer(50));
    json_object_set_new(c, "as_of", json_string("2007"));
    json_object_set_new(c, "place", json_string("iraq"));
    json_object_set_new(c, "subject", json_string("aqi"));
    id = S_create(wf, c);
    assert_true(S_conflict_with(wf, "/v1/conflicts?rule=share_arithmetic&limit=1000",
                                "share_arithmetic", id));
    /* exactly 36 of exactly 700 is 5.1 percent: 50 percent cannot be read to fit */
    assert_true(
        S_conflict_with(wf, "/v1/conflicts?certainty=definite&limit=1000", "share_arithmetic", id));
    assert_false(
        S_conflict_with(wf, "/v1/conflicts?certainty=possible&limit=1000", "share_arithmetic", id));
    free(id);
}

static void test_422_dates(void **state)
{
    struct writable_fixture *wf = *state;
    json_int_t v0 = S_version(wf);
    struct {
        const char *members;
        const char *pointers[3];
    } cases[] = {
        {"{\"as_of\":\"2015-02-29\"}", {"/as_of"}},
        {"{\"as_of\":\"2019-13\"}", {"/as_of"}},
        {"{\"as_of\":\"19\"}", {"/as_of"}},
        {"{\"as_of\":\"2019-03\",\"period_start\":\"2018\",\"period_end\":\"2019\"}", {"/as_of"}},
        {"{\"period_start\":\"2018\"}", {"/period_end"}},
        {"{\"period_start\":\"2019\",\"period_end\":\"2018\"}", {"/period_end"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *c = S_claim(QUOTE_UNIQUE, "Dated claim.");
        json_t *m = json_loads(cases[i].members, 0, NULL);
        assert_non_null(m);
        json_object_update(c, m);
        json_decref(m);
        struct api_result r;
        S_post(wf, "/v1/claims", c, &r);
        const char *want[4] = {cases[i].pointers[0], cases[i].pointers[1], cases[i].pointers[2]};
        S_assert_pointers(&r, want);
        api_result_free(&r);
    }
    assert_int_equal(S_version(wf), v0);
    /* A leap day is a real date. */
    json_t *c = S_claim(QUOTE_UNIQUE, "Leap day claim.");
    json_object_set_new(c, "as_of", json_string("2016-02-29"));
    char *id = S_create(wf, c);
    char target[200];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    struct api_result r;
    S_get(wf, target, &r);
    assert_string_equal(ju_str(json_object_get(r.json, "data"), "as_of"), "2016-02-29");
    api_result_free(&r);
    free(id);
}

/* ---- creating -------------------------------------------------------------- */

/* The next generated id of a seeded source: its prefix and one past the highest number. */
static void S_next_id(struct writable_fixture *wf, const char *source, const char *prefix,
                      char *out, size_t n)
{
    char target[300];
    snprintf(target, sizeof target, "/v1/claims?source=%s&limit=1000&fields=id", source);
    struct api_result r;
    S_get(wf, target, &r);
    assert_int_equal(r.status, 200);
    long max = 0;
    size_t i;
    json_t *item;
    size_t plen = strlen(prefix);
    json_array_foreach(json_object_get(r.json, "data"), i, item) {
        const char *id = ju_str(item, "id");
        assert_non_null(id);
        if (strncmp(id, prefix, plen) == 0 && id[plen] == '-') {
            long k = strtol(id + plen + 1, NULL, 10);
            if (k > max)
                max = k;
        }
    }
    assert_true(max > 0);
    api_result_free(&r);
    snprintf(out, n, "%s-%03ld", prefix, max + 1);
}

static void test_create_claim(void **state)
{
    struct writable_fixture *wf = *state;
    json_int_t v0 = S_version(wf);
    char expect_id[64];
    S_next_id(wf, BERMAN, "berman", expect_id, sizeof expect_id);
    json_int_t total0 = 0;
    assert_false(S_list_has(wf, "/v1/claims?source=" BERMAN "&limit=1000", expect_id, &total0));

    json_t *c = S_claim(QUOTE_UNIQUE, "The zorblaxian problem will soon reach other states.");
    json_object_set_new(c, "as_of", json_string("2019-03"));
    json_object_set_new(c, "note", json_string("created by test_create_claim"));
    char *body = json_dumps(c, JSON_COMPACT);
    json_decref(c);
    const char *reason[] = {"X-Change-Reason: first curation", NULL};
    struct api_result r;
    S_req(wf, "POST", "/v1/claims", TOKEN_WRITE, "application/json", reason, body, &r);
    free(body);
    if (r.status != 201)
        fail_msg("%u %s", r.status, r.body);
    char loc[128];
    snprintf(loc, sizeof loc, "/v1/claims/%s", expect_id);
    assert_string_equal(api_header(&r, "Location"), loc);
    assert_string_equal(r.content_type, "application/json");
    json_t *d = json_object_get(r.json, "data");
    assert_string_equal(ju_str(d, "id"), expect_id);
    assert_string_equal(ju_str(d, "source"), BERMAN);
    assert_string_equal(ju_str(d, "quote"), QUOTE_UNIQUE);
    assert_null(json_object_get(d, "_quote_start")); /* derived members stay inside */
    json_t *meta = json_object_get(r.json, "meta");
    assert_int_equal(S_int(meta, "revision"), 1);
    assert_int_equal(S_int(meta, "dataset_version"), v0 + 1);
    char etag[64];
    snprintf(etag, sizeof etag, "\"%lld-w\"", (long long)(v0 + 1));
    assert_string_equal(api_header(&r, "ETag"), etag);
    api_result_free(&r);

    /* The dataset version advanced by exactly one. */
    assert_int_equal(S_version(wf), v0 + 1);

    /* GET: the offsets slice the stored text, in code points. */
    S_get(wf, loc, &r);
    assert_int_equal(r.status, 200);
    d = json_object_get(r.json, "data");
    json_int_t qs = S_int(d, "quote_start"), qe = S_int(d, "quote_end");
    assert_string_equal(ju_str(d, "as_of"), "2019-03");
    assert_string_equal(ju_str(d, "note"), "created by test_create_claim");
    assert_int_equal(S_int(d, "revision"), 1);
    api_result_free(&r);
    size_t tlen = 0;
    char *text = S_text(wf, BERMAN, &tlen);
    size_t b0 = S_cp_to_byte(text, tlen, (size_t)qs);
    size_t b1 = S_cp_to_byte(text, tlen, (size_t)qe);
    assert_int_equal(b1 - b0, strlen(QUOTE_UNIQUE));
    assert_memory_equal(text + b0, QUOTE_UNIQUE, strlen(QUOTE_UNIQUE));
    /* Code points, not bytes: an en dash (3 bytes) comes before the quote. */
    const char *hit = strstr(text, QUOTE_UNIQUE);
    assert_non_null(hit);
    assert_int_equal((size_t)(hit - text), b0);
    assert_true((json_int_t)b0 > qs);
    free(text);

    /* The quote endpoint agrees. */
    char qt[200];
    snprintf(qt, sizeof qt, "/v1/sources/" BERMAN "/text/%s", expect_id);
    S_get(wf, qt, &r);
    assert_int_equal(r.status, 200);
    d = json_object_get(r.json, "data");
    assert_int_equal(S_int(d, "start"), qs);
    assert_int_equal(S_int(d, "end"), qe);
    assert_string_equal(ju_str(d, "quote"), QUOTE_UNIQUE);
    api_result_free(&r);

    /* Lists and search see it. */
    json_int_t total1 = 0;
    assert_true(S_list_has(wf, "/v1/claims?source=" BERMAN "&limit=1000", expect_id, &total1));
    assert_int_equal(total1, total0 + 1);
    assert_true(S_list_has(wf, "/v1/search?q=zorblaxian", expect_id, NULL));

    /* One revision: create, by the token's name, with the reason. */
    json_t *revs = S_revisions(wf, "claims", expect_id);
    assert_int_equal(json_array_size(revs), 1);
    json_t *rv = json_array_get(revs, 0);
    assert_string_equal(ju_str(rv, "action"), "create");
    assert_string_equal(ju_str(rv, "actor"), "writer");
    assert_string_equal(ju_str(rv, "reason"), "first curation");
    assert_int_equal(S_int(rv, "dataset_version"), v0 + 1);
    assert_true(json_is_null(json_object_get(rv, "before")));
    assert_string_equal(ju_str(json_object_get(rv, "after"), "id"), expect_id);
    assert_string_equal(ju_str(json_object_get(rv, "after"), "quote"), QUOTE_UNIQUE);
    json_decref(revs);

    /* Creating again with the now taken id: 409, nothing written. */
    c = S_claim(QUOTE_UNIQUE, "Same id again.");
    json_object_set_new(c, "id", json_string(expect_id));
    S_post(wf, "/v1/claims", c, &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    assert_int_equal(S_version(wf), v0 + 1);

    /* The next one gets the next number. */
    char *id2 = S_create(wf, S_claim(QUOTE_UNIQUE, "Second claim."));
    char expect2[64];
    S_next_id(wf, BERMAN, "berman", expect2, sizeof expect2);
    assert_true(strcmp(id2, expect_id) > 0);
    assert_int_equal(strtol(id2 + 7, NULL, 10), strtol(expect_id + 7, NULL, 10) + 1);
    assert_int_equal(strtol(expect2 + 7, NULL, 10), strtol(id2 + 7, NULL, 10) + 1);
    free(id2);
}

static void test_quote_occurrence(void **state)
{
    struct writable_fixture *wf = *state;
    size_t tlen = 0;
    char *text = S_text(wf, BERMAN, &tlen);
    const char *second = NULL;
    long count = 0;
    for (const char *p = strstr(text, QUOTE_TWICE); p; p = strstr(p + 1, QUOTE_TWICE)) {
        if (++count == 2)
            second = p;
    }
    assert_true(count >= 2);
    assert_non_null(second);

    struct api_result r;
    S_post(wf, "/v1/claims", S_claim(QUOTE_TWICE, "Ambiguous quote."), &r);
    const char *want_q[] = {"/quote", NULL};
    S_assert_pointers(&r, want_q);
    assert_non_null(strstr(S_detail_of(&r, "/quote"), "occurrence"));
    api_result_free(&r);

    json_t *c = S_claim(QUOTE_TWICE, "Past the last occurrence.");
    json_object_set_new(c, "occurrence", json_integer(count + 1));
    S_post(wf, "/v1/claims", c, &r);
    const char *want_o[] = {"/occurrence", NULL};
    S_assert_pointers(&r, want_o);
    api_result_free(&r);
    const char *bad_occ[] = {"0", "-1", "1.5", "\"2\""};
    for (size_t i = 0; i < 4; i++) {
        c = S_claim(QUOTE_TWICE, "Bad occurrence.");
        json_object_set_new(c, "occurrence", json_loads(bad_occ[i], JSON_DECODE_ANY, NULL));
        S_post(wf, "/v1/claims", c, &r);
        S_assert_pointers(&r, want_o);
        api_result_free(&r);
    }

    c = S_claim(QUOTE_TWICE, "The second occurrence.");
    json_object_set_new(c, "occurrence", json_integer(2));
    char *id = S_create(wf, c);
    char target[200];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    S_get(wf, target, &r);
    assert_int_equal(r.status, 200);
    json_t *d = json_object_get(r.json, "data");
    size_t b0 = S_cp_to_byte(text, tlen, (size_t)S_int(d, "quote_start"));
    size_t b1 = S_cp_to_byte(text, tlen, (size_t)S_int(d, "quote_end"));
    assert_int_equal(b0, (size_t)(second - text));
    assert_int_equal(b1 - b0, strlen(QUOTE_TWICE));
    api_result_free(&r);

    /* A PATCH that leaves the quote alone keeps the occurrence it points at. */
    S_patch(wf, target, TOKEN_WRITE, NULL, "{\"note\":\"kept\"}", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(S_int(json_object_get(r.json, "data"), "occurrence"), 2);
    api_result_free(&r);
    S_get(wf, target, &r);
    d = json_object_get(r.json, "data");
    assert_int_equal(S_cp_to_byte(text, tlen, (size_t)S_int(d, "quote_start")),
                     (size_t)(second - text));
    api_result_free(&r);
    free(id);
    free(text);
}

static void test_create_source_and_program(void **state)
{
    struct writable_fixture *wf = *state;
    json_int_t v0 = S_version(wf);
    static const char text[] = "Alpha beta gamma. The quorvex test sentence. Alpha beta.";
    json_t *s = json_pack("{s:s, s:s, s:[s], s:s, s:s, s:s, s:s}", "id", "test-src", "title",
                          "A quorvex source for tests", "authors", "Test Author", "kind",
                          "analysis", "language", "en", "published", "2020-05", "text", text);
    char *sbody = json_dumps(s, JSON_COMPACT);
    json_decref(s);
    struct api_result r;
    S_req(wf, "POST", "/v1/sources", TOKEN_WRITE, "application/json", NULL, sbody, &r);
    if (r.status != 201)
        fail_msg("%u %s", r.status, r.body);
    assert_string_equal(api_header(&r, "Location"), "/v1/sources/test-src");
    assert_string_equal(ju_str(json_object_get(r.json, "data"), "id"), "test-src");
    api_result_free(&r);
    assert_int_equal(S_status(wf, "/v1/sources/test-src"), 200);
    size_t tlen = 0;
    char *stored = S_text(wf, "test-src", &tlen);
    assert_int_equal(tlen, strlen(text));
    assert_memory_equal(stored, text, tlen);
    free(stored);
    S_get(wf, "/v1/sources/test-src", &r);
    assert_string_equal(ju_str(json_object_get(r.json, "data"), "title"),
                        "A quorvex source for tests");
    api_result_free(&r);

    /* Same id again: 409. */
    S_req(wf, "POST", "/v1/sources", TOKEN_WRITE, "application/json", NULL, sbody, &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    free(sbody);
    /* A seeded id: 409. */
    s = json_pack("{s:s, s:s, s:s, s:s}", "id", BERMAN, "title", "t", "kind", "news", "language",
                  "en");
    S_post(wf, "/v1/sources", s, &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    /* Invalid source: every problem listed. */
    s = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[i]}", "id", "Bad Id!", "kind", "blog", "language",
                  "English", "url", "ftp://x", "published", "2020-02-30", "authors", 7);
    S_post(wf, "/v1/sources", s, &r);
    const char *want_s[] = {"/id",  "/title",     "/kind",      "/language",
                            "/url", "/published", "/authors/0", NULL};
    S_assert_pointers(&r, want_s);
    api_result_free(&r);

    /* A claim on the new source gets an id made from the source id. */
    json_t *c = S_claim("The quorvex test sentence.", "A claim on a new source.");
    json_object_set_new(c, "source", json_string("test-src"));
    char *cid = S_create(wf, c);
    assert_string_equal(cid, "test-src-001");
    free(cid);
    assert_true(S_list_has(wf, "/v1/claims?source=test-src", "test-src-001", NULL));

    /* Programs. */
    json_t *p = json_pack("{s:s, s:s, s:s, s:[s, s], s:s}", "id", "test-program", "name",
                          "Plumbrook Rehabilitation Scheme", "kind", "program", "aliases", "PRS",
                          "Plumbrook", "description", "A program created by a test.");
    char *pbody = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    S_req(wf, "POST", "/v1/programs", TOKEN_WRITE, "application/json", NULL, pbody, &r);
    if (r.status != 201)
        fail_msg("%u %s", r.status, r.body);
    assert_string_equal(api_header(&r, "Location"), "/v1/programs/test-program");
    api_result_free(&r);
    S_get(wf, "/v1/programs/test-program", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ju_str(json_object_get(r.json, "data"), "name"),
                        "Plumbrook Rehabilitation Scheme");
    api_result_free(&r);
    S_req(wf, "POST", "/v1/programs", TOKEN_WRITE, "application/json", NULL, pbody, &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    free(pbody);
    /* Program ids share the namespace of entities. */
    p = json_pack("{s:s, s:s, s:s}", "id", "morocco", "name", "Morocco", "kind", "program");
    S_post(wf, "/v1/programs", p, &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    p = json_pack("{s:s, s:s}", "id", "p2", "kind", "plan");
    S_post(wf, "/v1/programs", p, &r);
    const char *want_p[] = {"/name", "/kind", NULL};
    S_assert_pointers(&r, want_p);
    api_result_free(&r);
    assert_true(S_list_has(wf, "/v1/search?q=plumbrook&type=program", "test-program", NULL));
    json_t *revs = S_revisions(wf, "programs", "test-program");
    assert_int_equal(json_array_size(revs), 1);
    assert_string_equal(ju_str(json_array_get(revs, 0), "action"), "create");
    /* The same revision as a CSV row: the record after as compact JSON in its cell. */
    S_get(wf, "/v1/programs/test-program/revisions.csv", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    const char *hdr = "revision,action,actor,reason,at,dataset_version,before,after\r\n";
    assert_true(strncmp(r.body, hdr, strlen(hdr)) == 0);
    char row0[64];
    snprintf(row0, sizeof row0, "%lld,create,",
             (long long)S_int(json_array_get(revs, 0), "revision"));
    assert_true(strncmp(r.body + strlen(hdr), row0, strlen(row0)) == 0);
    assert_non_null(strstr(r.body, "\"{\"\"aliases\"\":"));
    assert_non_null(strstr(r.body, "\"\"id\"\":\"\"test-program\"\""));
    api_result_free(&r);
    json_decref(revs);

    /* The new program can be a claim's subject with an attribute. */
    c = S_claim(QUOTE_UNIQUE, "A claim about the test program.");
    json_object_set_new(c, "subject", json_string("test-program"));
    json_object_set_new(c, "attribute", json_string("outcome"));
    json_object_set_new(c, "entities", json_pack("[s]", "test-program"));
    cid = S_create(wf, c);
    free(cid);
    /* source, claim, program, claim */
    assert_int_equal(S_version(wf), v0 + 4);
}

/* ---- PATCH ----------------------------------------------------------------- */

static void test_patch_merge_semantics(void **state)
{
    struct writable_fixture *wf = *state;
    json_t *c = S_claim(QUOTE_UNIQUE, "Statement before the patch.");
    json_object_set_new(c, "note", json_string("n1"));
    json_object_set_new(c, "place", json_string("morocco"));
    json_object_set_new(c, "entities", json_pack("[s]", "morocco"));
    char *id = S_create(wf, c);
    char target[200];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    json_int_t v0 = S_version(wf);

    struct api_result r;
    const char *reason[] = {"X-Change-Reason: fix the statement", NULL};
    S_patch(wf, target, TOKEN_WRITE, reason,
            "{\"note\":null,\"statement\":\"Statement after the patch.\",\"topics\":"
            "[\"returnees\",\"prisons\"]}",
            &r);
    if (r.status != 200)
        fail_msg("%u %s", r.status, r.body);
    json_t *d = json_object_get(r.json, "data");
    assert_null(json_object_get(d, "note"));
    assert_string_equal(ju_str(d, "statement"), "Statement after the patch.");
    assert_string_equal(ju_str(d, "place"), "morocco");
    assert_int_equal(S_int(json_object_get(r.json, "meta"), "revision"), 2);
    api_result_free(&r);

    S_get(wf, target, &r);
    d = json_object_get(r.json, "data");
    assert_true(json_is_null(json_object_get(d, "note")));
    assert_string_equal(ju_str(d, "statement"), "Statement after the patch.");
    assert_string_equal(ju_str(d, "place"), "morocco"); /* untouched member kept */
    assert_string_equal(ju_str(d, "quote"), QUOTE_UNIQUE);
    assert_int_equal(json_array_size(json_object_get(d, "topics")), 2);
    assert_int_equal(S_int(d, "revision"), 2);
    api_result_free(&r);
    assert_int_equal(S_version(wf), v0 + 1);
    assert_true(S_list_has(wf, "/v1/claims?topic=prisons&source=" BERMAN "&limit=1000", id, NULL));

    /* id is immutable: changing or removing it is a 422 at /id. */
    const char *bad[] = {"{\"id\":\"berman-999\"}", "{\"id\":null}"};
    for (size_t i = 0; i < 2; i++) {
        S_patch(wf, target, TOKEN_WRITE, NULL, bad[i], &r);
        const char *want[] = {"/id", NULL};
        S_assert_pointers(&r, want);
        api_result_free(&r);
    }
    /* Validation applies to the merged record. */
    S_patch(wf, target, TOKEN_WRITE, NULL,
            "{\"quote\":\"not in the text at all\",\"colour\":\"red\",\"kind\":null}", &r);
    const char *want[] = {"/quote", "/colour", "/kind", NULL};
    S_assert_pointers(&r, want);
    api_result_free(&r);
    assert_int_equal(S_status(wf, "/v1/claims/berman-999"), 404);
    assert_int_equal(S_version(wf), v0 + 1);
    /* Unknown record. */
    S_patch(wf, "/v1/claims/no-such-claim", TOKEN_WRITE, NULL, "{\"note\":\"x\"}", &r);
    api_assert_problem(&r, 404, NULL);
    api_result_free(&r);

    /* The revision records before and after, who and why. */
    json_t *revs = S_revisions(wf, "claims", id);
    assert_int_equal(json_array_size(revs), 2);
    json_t *u = json_array_get(revs, 1);
    assert_string_equal(ju_str(u, "action"), "update");
    assert_string_equal(ju_str(u, "actor"), "writer");
    assert_string_equal(ju_str(u, "reason"), "fix the statement");
    assert_int_equal(S_int(u, "dataset_version"), v0 + 1);
    json_t *before = json_object_get(u, "before"), *after = json_object_get(u, "after");
    assert_string_equal(ju_str(before, "note"), "n1");
    assert_string_equal(ju_str(before, "statement"), "Statement before the patch.");
    assert_true(json_object_get(after, "note") == NULL ||
                json_is_null(json_object_get(after, "note")));
    assert_string_equal(ju_str(after, "statement"), "Statement after the patch.");
    assert_true(S_int(json_array_get(revs, 0), "revision") < S_int(u, "revision"));
    json_decref(revs);
    free(id);
}

static void test_patch_if_match(void **state)
{
    struct writable_fixture *wf = *state;
    char *id = S_create(wf, S_claim(QUOTE_UNIQUE, "Conditional updates."));
    char target[200];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    json_int_t v = S_version(wf);
    /*
     * A GET now would carry the tag "<dataset version>-<hash of the request>"
     * (http_server.c adds it behind the socket); build one the same way.
     */
    char get_tag[80], stale_hdr[120], hdr[120];
    snprintf(get_tag, sizeof get_tag, "\"%lld-00c0ffee00c0ffee\"", (long long)v);
    snprintf(hdr, sizeof hdr, "If-Match: %s", get_tag);
    const char *im[] = {hdr, NULL};
    struct api_result r;
    S_patch(wf, target, TOKEN_WRITE, im, "{\"note\":\"first\"}", &r);
    assert_int_equal(r.status, 200);
    const char *new_tag = api_header(&r, "ETag");
    assert_non_null(new_tag);
    char new_hdr[120];
    snprintf(new_hdr, sizeof new_hdr, "If-Match: %s", new_tag);
    api_result_free(&r);

    /* The same tag again: the record changed after it. */
    snprintf(stale_hdr, sizeof stale_hdr, "If-Match: %s", get_tag);
    const char *stale[] = {stale_hdr, NULL};
    S_patch(wf, target, TOKEN_WRITE, stale, "{\"note\":\"second\"}", &r);
    api_assert_problem(&r, 412, NULL);
    json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);
    assert_string_equal(ju_str(e, "header"), "If-Match");
    api_result_free(&r);
    S_req(wf, "DELETE", target, TOKEN_WRITE, NULL, stale, NULL, &r);
    api_assert_problem(&r, 412, NULL);
    api_result_free(&r);
    const char *garbage[] = {"If-Match: \"not-a-tag\"", NULL};
    S_patch(wf, target, TOKEN_WRITE, garbage, "{\"note\":\"second\"}", &r);
    api_assert_problem(&r, 412, NULL);
    api_result_free(&r);
    S_get(wf, target, &r);
    assert_string_equal(ju_str(json_object_get(r.json, "data"), "note"), "first");
    assert_int_equal(S_int(json_object_get(r.json, "data"), "revision"), 2);
    api_result_free(&r);

    /* The tag of the PATCH response is current. */
    const char *fresh[] = {new_hdr, NULL};
    S_patch(wf, target, TOKEN_WRITE, fresh, "{\"note\":\"second\"}", &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    /* "*" always matches an existing record; a list matches when one member does. */
    const char *star[] = {"If-Match: *", NULL};
    S_patch(wf, target, TOKEN_WRITE, star, "{\"note\":\"third\"}", &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    char list_hdr[200];
    snprintf(list_hdr, sizeof list_hdr, "If-Match: \"1-aaaa\", \"%lld-bbbb\"",
             (long long)S_version(wf));
    const char *list[] = {list_hdr, NULL};
    S_patch(wf, target, TOKEN_WRITE, list, "{\"note\":\"fourth\"}", &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    /* "*" on a record that does not exist is still a 404. */
    S_patch(wf, "/v1/claims/no-such-claim", TOKEN_WRITE, star, "{\"note\":\"x\"}", &r);
    api_assert_problem(&r, 404, NULL);
    api_result_free(&r);

    json_t *revs = S_revisions(wf, "claims", id);
    assert_int_equal(json_array_size(revs), 5); /* create + 4 updates; the 412s left nothing */
    assert_string_equal(ju_str(json_object_get(json_array_get(revs, 4), "after"), "note"),
                        "fourth");
    json_decref(revs);
    free(id);
}

/* The items of a JSON list, without the members a write is expected to change. */
static json_t *S_items(struct writable_fixture *wf, const char *target)
{
    struct api_result r;
    S_get(wf, target, &r);
    assert_int_equal(r.status, 200);
    json_t *data = json_incref(json_object_get(r.json, "data"));
    assert_true(json_array_size(data) > 0);
    assert_int_equal(S_int(json_object_get(r.json, "meta"), "total"), json_array_size(data));
    size_t i;
    json_t *item;
    json_array_foreach(data, i, item) {
        json_object_del(item, "revision");
        json_object_del(item, "updated_at");
    }
    api_result_free(&r);
    return data;
}

static void test_empty_patch_is_lossless(void **state)
{
    /* Every seeded record survives the write path unchanged: PATCH {} re-validates it from its
     * stored form, finds nothing changed, and writes nothing. */
    struct writable_fixture *wf = *state;
    const char *lists[] = {"/v1/claims?limit=1000", "/v1/sources?limit=1000",
                           "/v1/programs?limit=1000"};
    const char *collections[] = {"claims", "sources", "programs"};
    json_int_t v0 = S_version(wf);
    size_t writes = 0;
    for (size_t k = 0; k < 3; k++) {
        json_t *before = S_items(wf, lists[k]);
        size_t i;
        json_t *item;
        json_array_foreach(before, i, item) {
            char target[300];
            snprintf(target, sizeof target, "/v1/%s/%s", collections[k], ju_str(item, "id"));
            struct api_result r;
            S_patch(wf, target, TOKEN_WRITE, NULL, "{}", &r);
            if (r.status != 200)
                fail_msg("PATCH {} %s: %u %s", target, r.status, r.body);
            api_result_free(&r);
            writes++;
        }
        json_t *after = S_items(wf, lists[k]);
        assert_int_equal(json_array_size(after), json_array_size(before));
        json_array_foreach(before, i, item) {
            json_t *other = json_array_get(after, i);
            if (!json_equal(item, other)) {
                char *a = json_dumps(item, JSON_COMPACT), *b = json_dumps(other, JSON_COMPACT);
                fail_msg("%s changed:\n%s\n%s", lists[k], a, b);
            }
        }
        json_decref(before);
        json_decref(after);
    }
    assert_true(writes > 0);
    assert_int_equal(S_version(wf), v0); /* nothing changed: no write, no new version */
}

/* ---- DELETE and restore ---------------------------------------------------- */

static void test_delete_and_restore(void **state)
{
    struct writable_fixture *wf = *state;
    char *id = S_create(wf, S_claim(QUOTE_UNIQUE, "The vintrelious claim to delete."));
    char target[200], restore[220];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    snprintf(restore, sizeof restore, "/v1/claims/%s/restore", id);
    const char *list = "/v1/claims?source=" BERMAN "&limit=1000";
    const char *search = "/v1/search?q=vintrelious";
    json_int_t total0 = 0, total = 0;
    assert_true(S_list_has(wf, list, id, &total0));
    assert_true(S_list_has(wf, search, id, NULL));
    struct api_result r;
    S_patch(wf, target, TOKEN_WRITE, NULL, "{\"note\":\"edited once\"}", &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    json_int_t v = S_version(wf);

    const char *why[] = {"X-Change-Reason: duplicate of another claim", NULL};
    S_req(wf, "DELETE", target, TOKEN_WRITE, NULL, why, NULL, &r);
    assert_int_equal(r.status, 204);
    assert_int_equal(r.body_len, 0);
    api_result_free(&r);
    assert_int_equal(S_version(wf), v + 1);

    S_get(wf, target, &r);
    api_assert_problem(&r, 410, NULL);
    api_result_free(&r);
    assert_false(S_list_has(wf, list, id, &total));
    assert_int_equal(total, total0 - 1);
    assert_false(S_list_has(wf, search, id, NULL));
    char qt[240];
    snprintf(qt, sizeof qt, "/v1/sources/" BERMAN "/text/%s", id);
    assert_int_equal(S_status(wf, qt), 404);

    /* A deleted record takes no PATCH and no second DELETE. */
    S_patch(wf, target, TOKEN_WRITE, NULL, "{\"note\":\"x\"}", &r);
    api_assert_problem(&r, 410, NULL);
    api_result_free(&r);
    S_req(wf, "DELETE", target, TOKEN_ADMIN, NULL, NULL, NULL, &r);
    api_assert_problem(&r, 410, NULL);
    api_result_free(&r);
    /* Its id stays taken. */
    json_t *c = S_claim(QUOTE_UNIQUE, "Reusing a deleted id.");
    json_object_set_new(c, "id", json_string(id));
    S_post(wf, "/v1/claims", c, &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    assert_int_equal(S_version(wf), v + 1);

    const char *why2[] = {"X-Change-Reason: not a duplicate after all", NULL};
    S_req(wf, "POST", restore, TOKEN_ADMIN, NULL, why2, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ju_str(json_object_get(r.json, "data"), "note"), "edited once");
    api_result_free(&r);
    assert_int_equal(S_status(wf, target), 200);
    assert_true(S_list_has(wf, list, id, &total));
    assert_int_equal(total, total0);
    assert_true(S_list_has(wf, search, id, NULL));
    /* Restoring a live record is a conflict. */
    S_req(wf, "POST", restore, TOKEN_ADMIN, NULL, NULL, NULL, &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    S_req(wf, "POST", "/v1/claims/no-such-claim/restore", TOKEN_ADMIN, NULL, NULL, NULL, &r);
    api_assert_problem(&r, 404, NULL);
    api_result_free(&r);
    assert_int_equal(S_version(wf), v + 2);

    json_t *revs = S_revisions(wf, "claims", id);
    const char *actions[] = {"create", "update", "delete", "restore"};
    const char *actors[] = {"writer", "writer", "writer", "boss"};
    assert_int_equal(json_array_size(revs), 4);
    json_int_t prev = 0;
    for (size_t i = 0; i < 4; i++) {
        json_t *rv = json_array_get(revs, i);
        assert_string_equal(ju_str(rv, "action"), actions[i]);
        assert_string_equal(ju_str(rv, "actor"), actors[i]);
        assert_true(S_int(rv, "revision") > prev);
        prev = S_int(rv, "revision");
        assert_non_null(ju_str(rv, "at"));
    }
    assert_string_equal(ju_str(json_array_get(revs, 2), "reason"), "duplicate of another claim");
    assert_string_equal(ju_str(json_array_get(revs, 3), "reason"), "not a duplicate after all");
    assert_int_equal(S_int(json_array_get(revs, 2), "dataset_version"), v + 1);
    assert_int_equal(S_int(json_array_get(revs, 3), "dataset_version"), v + 2);
    json_decref(revs);
    free(id);
}

static void test_delete_source_with_live_claims(void **state)
{
    struct writable_fixture *wf = *state;
    json_int_t v = S_version(wf);
    struct api_result r;
    S_req(wf, "DELETE", "/v1/sources/" BERMAN, TOKEN_ADMIN, NULL, NULL, NULL, &r);
    api_assert_problem(&r, 409, NULL);
    assert_non_null(strstr(ju_str(r.json, "detail"), "live claims"));
    api_result_free(&r);
    assert_int_equal(S_status(wf, "/v1/sources/" BERMAN), 200);
    assert_int_equal(S_version(wf), v);

    /* A source whose only claim is deleted can go, and come back. */
    json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", "short-lived", "title", "Short",
                          "kind", "news", "language", "en", "text", "One sentence only.");
    S_post(wf, "/v1/sources", s, &r);
    assert_int_equal(r.status, 201);
    api_result_free(&r);
    json_t *c = S_claim("One sentence only.", "The only claim.");
    json_object_set_new(c, "source", json_string("short-lived"));
    char *id = S_create(wf, c);
    S_req(wf, "DELETE", "/v1/sources/short-lived", TOKEN_WRITE, NULL, NULL, NULL, &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    char target[200];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    S_req(wf, "DELETE", target, TOKEN_WRITE, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 204);
    api_result_free(&r);
    S_req(wf, "DELETE", "/v1/sources/short-lived", TOKEN_WRITE, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 204);
    api_result_free(&r);
    unsigned gone = S_status(wf, "/v1/sources/short-lived");
    assert_true(gone == 404 || gone == 410);
    assert_false(S_list_has(wf, "/v1/sources?limit=1000", "short-lived", NULL));
    /* No new claim can quote a deleted source. */
    c = S_claim("One sentence only.", "Another claim.");
    json_object_set_new(c, "source", json_string("short-lived"));
    S_post(wf, "/v1/claims", c, &r);
    const char *want[] = {"/source", NULL};
    S_assert_pointers(&r, want);
    api_result_free(&r);
    S_req(wf, "POST", "/v1/sources/short-lived/restore", TOKEN_ADMIN, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    assert_int_equal(S_status(wf, "/v1/sources/short-lived"), 200);
    json_t *revs = S_revisions(wf, "sources", "short-lived");
    assert_int_equal(json_array_size(revs), 3);
    assert_string_equal(ju_str(json_array_get(revs, 2), "action"), "restore");
    json_decref(revs);

    /* The stored text cannot change under live claims. */
    S_patch(wf, "/v1/sources/" BERMAN, TOKEN_WRITE, NULL, "{\"text\":\"Rewritten.\"}", &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    S_patch(wf, "/v1/sources/" BERMAN, TOKEN_WRITE, NULL, "{\"text\":null}", &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    free(id);
}

/* ---- read-only server and logging ------------------------------------------ */

static void test_read_only_refuses_writes(void **state)
{
    (void)state;
    struct writable_fixture ro;
    const char *args[] = {"--read-only", NULL};
    assert_int_equal(writable_open(&ro, args), 0);
    assert_true(ro.api.cfg.read_only);
    json_int_t v = S_version(&ro);
    const char *methods[] = {"POST", "PATCH", "DELETE", "POST", "POST", "POST"};
    const char *targets[] = {"/v1/claims",
                             "/v1/claims/berman-014",
                             "/v1/claims/berman-014",
                             "/v1/claims/berman-014/restore",
                             "/v1/sources",
                             "/v1/programs"};
    for (size_t i = 0; i < 6; i++) {
        struct api_result r;
        S_req(&ro, methods[i], targets[i], TOKEN_WRITE, "application/json", NULL,
              "{\"note\":\"x\"}", &r);
        api_assert_problem(&r, 405, NULL);
        const char *allow = api_header(&r, "Allow");
        assert_non_null(allow);
        assert_null(strstr(allow, "POST"));
        api_result_free(&r);
    }
    assert_int_equal(S_status(&ro, "/v1/claims/berman-014"), 200);
    assert_int_equal(S_version(&ro), v);
    writable_close(&ro);
}

static void test_no_secret_in_log(void **state)
{
    struct writable_fixture *wf = *state;
    struct api_result r;
    char *id = S_create(wf, S_claim(QUOTE_UNIQUE, "A logged claim."));
    char target[200], restore[220];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    snprintf(restore, sizeof restore, "/v1/claims/%s/restore", id);
    S_patch(wf, target, TOKEN_WRITE, NULL, "{\"note\":\"x\"}", &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    S_req(wf, "DELETE", target, TOKEN_WRITE, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 204);
    api_result_free(&r);
    S_req(wf, "POST", restore, TOKEN_WRITE, NULL, NULL, NULL, &r); /* 403 */
    assert_int_equal(r.status, 403);
    api_result_free(&r);
    S_req(wf, "POST", restore, TOKEN_ADMIN, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    S_req(wf, "DELETE", target, TOKEN_BOGUS, NULL, NULL, NULL, &r); /* 401 */
    assert_int_equal(r.status, 401);
    api_result_free(&r);
    S_req(wf, "POST", "/v1/claims", TOKEN_WRITE, "application/json", NULL, "{bad", &r);
    assert_int_equal(r.status, 400);
    api_result_free(&r);

    char *log = writable_log(wf);
    assert_non_null(log);
    /* Something was logged, so the absence below means something. */
    assert_non_null(strstr(log, "created claim"));
    assert_non_null(strstr(log, "restored claim"));
    const char *secrets[] = {TOKEN_WRITE, TOKEN_ADMIN, TOKEN_BOGUS, "mrs_test"};
    for (size_t i = 0; i < 4; i++) {
        if (strstr(log, secrets[i]))
            fail_msg("the log holds a secret (%s): %s", secrets[i], log);
    }
    const char *plain[] = {TOKEN_WRITE, TOKEN_ADMIN};
    for (size_t i = 0; i < 2; i++) {
        char hex[65];
        sha256_hex(plain[i], strlen(plain[i]), hex);
        assert_null(strstr(log, hex));
    }
    free(log);
    free(id);
}

/* ---- regressions: referential checks on patch, restore and delete ---------------- */

/*
 * Read-only round trips: each record's GET body, sent back whole with one member changed,
 * changes that member only; a changed computed member is a 422 at its pointer; and a create
 * ignores computed members.
 */
static void S_round_trip(struct writable_fixture *wf, const char *target, const char *member,
                         const char *value, const char *computed)
{
    struct api_result r;
    S_get(wf, target, &r);
    assert_int_equal(r.status, 200);
    json_t *data = json_deep_copy(json_object_get(r.json, "data"));
    api_result_free(&r);
    assert_non_null(json_object_get(data, computed));
    json_object_set_new(data, member, json_string(value));
    char *body = json_dumps(data, JSON_COMPACT);
    S_patch(wf, target, TOKEN_WRITE, NULL, body, &r);
    if (r.status != 200)
        fail_msg("PATCH %s with its GET body: %u %s", target, r.status, r.body);
    api_result_free(&r);
    free(body);
    S_get(wf, target, &r);
    json_t *now = json_object_get(r.json, "data");
    assert_string_equal(ju_str(now, member), value);
    /* every other member as it was, but the revision (and counts and links) */
    const char *k;
    json_t *v;
    json_object_foreach(data, k, v) {
        if (strcmp(k, member) != 0 && strcmp(k, "revision") != 0)
            assert_true(json_equal(v, json_object_get(now, k)));
    }
    api_result_free(&r);
    /* a computed member changed: refused, named */
    json_object_set_new(data, computed, json_integer(123456));
    json_object_set_new(data, "revision", json_incref(json_object_get(data, "revision")));
    body = json_dumps(data, JSON_COMPACT);
    S_patch(wf, target, TOKEN_WRITE, NULL, body, &r);
    api_assert_problem(&r, 422, NULL);
    char ptr[64];
    snprintf(ptr, sizeof ptr, "/%s", computed);
    assert_non_null(strstr(r.body, ptr));
    assert_non_null(strstr(r.body, "computed by the server"));
    api_result_free(&r);
    free(body);
    json_decref(data);
}

static void test_read_only_round_trip(void **state)
{
    struct writable_fixture *wf = *state;
    S_round_trip(wf, "/v1/claims/berman-004", "note", "Sent back whole.", "quote_start");
    S_round_trip(wf, "/v1/sources/" BERMAN, "note", "Sent back whole.", "claim_count");
    S_round_trip(wf, "/v1/programs/musalaha", "description", "Sent back whole.", "mentions_count");
    /* a create ignores the computed members it is given */
    json_t *c = S_claim(QUOTE_UNIQUE, "A claim created with computed members.");
    json_object_set_new(c, "quote_start", json_integer(1));
    json_object_set_new(c, "revision", json_integer(99));
    json_object_set_new(c, "links", json_pack("{s:s}", "self", "/elsewhere"));
    char *id = S_create(wf, c);
    char target[200];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    struct api_result r;
    S_get(wf, target, &r);
    json_t *d = json_object_get(r.json, "data");
    assert_int_equal(S_int(d, "revision"), 1);
    assert_true(S_int(d, "quote_start") != 1);
    api_result_free(&r);
    free(id);
}

static void test_patch_source_metadata_with_claims(void **state)
{
    struct writable_fixture *wf = *state;
    struct api_result r;
    /* Members sorted after "text" (title, url, written) are not the text. */
    S_patch(wf, "/v1/sources/" BERMAN, TOKEN_WRITE, NULL, "{\"title\":\"Retitled\"}", &r);
    if (r.status != 200)
        fail_msg("retitling a source with claims: %u %s", r.status, r.body);
    api_result_free(&r);
    S_get(wf, "/v1/sources/" BERMAN, &r);
    assert_string_equal(ju_str(json_object_get(r.json, "data"), "title"), "Retitled");
    api_result_free(&r);

    /* A text holding '}' still cannot change under its claims. */
    json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", "brace-src", "title", "Braces", "kind",
                          "news", "language", "en", "text", "Alpha } beta.");
    S_post(wf, "/v1/sources", s, &r);
    assert_int_equal(r.status, 201);
    api_result_free(&r);
    json_t *c = S_claim("Alpha", "A claim on a text with a brace.");
    json_object_set_new(c, "source", json_string("brace-src"));
    char *id = S_create(wf, c);
    S_patch(wf, "/v1/sources/brace-src", TOKEN_WRITE, NULL, "{\"text\":\"Alpha } gamma.\"}", &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    size_t len = 0;
    char *text = S_text(wf, "brace-src", &len);
    assert_string_equal(text, "Alpha } beta.");
    free(text);
    free(id);
}

static void test_restore_claim_of_deleted_source(void **state)
{
    struct writable_fixture *wf = *state;
    struct api_result r;
    json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", "gone-src", "title", "Gone", "kind",
                          "news", "language", "en", "text", "Hello world.");
    S_post(wf, "/v1/sources", s, &r);
    assert_int_equal(r.status, 201);
    api_result_free(&r);
    json_t *c = S_claim("Hello world.", "A claim whose source goes away.");
    json_object_set_new(c, "source", json_string("gone-src"));
    char *id = S_create(wf, c);
    char target[200], restore[220];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    snprintf(restore, sizeof restore, "/v1/claims/%s/restore", id);
    S_req(wf, "DELETE", target, TOKEN_WRITE, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 204);
    api_result_free(&r);
    S_req(wf, "DELETE", "/v1/sources/gone-src", TOKEN_WRITE, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 204);
    api_result_free(&r);
    /* Restoring the claim would make a live claim on a deleted source. */
    S_req(wf, "POST", restore, TOKEN_ADMIN, NULL, NULL, NULL, &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    assert_int_equal(S_status(wf, target), 410);
    free(id);
}

static void test_delete_referenced_records(void **state)
{
    struct writable_fixture *wf = *state;
    struct api_result r;
    /* berman-043 has musalaha as subject; mipa-038 has cite-mipa-1 as footnote. */
    S_req(wf, "DELETE", "/v1/programs/musalaha", TOKEN_ADMIN, NULL, NULL, NULL, &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    S_req(wf, "DELETE", "/v1/sources/cite-mipa-1", TOKEN_ADMIN, NULL, NULL, NULL, &r);
    api_assert_problem(&r, 409, NULL);
    api_result_free(&r);
    /* So the claims stay editable. */
    const char *targets[] = {"/v1/claims/berman-043", "/v1/claims/mipa-038"};
    for (size_t i = 0; i < 2; i++) {
        S_patch(wf, targets[i], TOKEN_WRITE, NULL, "{\"note\":\"still editable\"}", &r);
        if (r.status != 200)
            fail_msg("PATCH %s: %u %s", targets[i], r.status, r.body);
        api_result_free(&r);
    }
}

/*
 * Checks an HTML snippet: the only markup is <mark>...</mark>, around the search
 * term; the record's markup is there as text (escaped); returns how many marks.
 */
static size_t S_check_snippet(const char *html, const char *what)
{
    size_t marks = 0;
    for (const char *p = html; *p; p++) {
        if (strncmp(p, "<mark>", 6) == 0) {
            if (strncasecmp(p + 6, "zqxmark</mark>", 14) != 0)
                fail_msg("%s: a mark around something else: %s", what, html);
            marks++;
            p += 6 + 14 - 1;
            continue;
        }
        if (*p == '<' || *p == '>' || *p == '"' || *p == '\'')
            fail_msg("%s: record text unescaped: %s", what, html);
        if (*p == '&' && strncmp(p, "&amp;", 5) != 0 && strncmp(p, "&lt;", 4) != 0 &&
            strncmp(p, "&gt;", 4) != 0 && strncmp(p, "&quot;", 6) != 0 &&
            strncmp(p, "&#39;", 5) != 0)
            fail_msg("%s: a bare '&': %s", what, html);
    }
    return marks;
}

/* Markup in every searchable field comes back escaped in the snippets, marks kept. */
static void test_search_snippets_escape_markup(void **state)
{
    struct writable_fixture *wf = *state;
    /* One token FTS5 finds in every field, wrapped in markup of every kind. */
#define EVIL(field) \
    "<img src=x onerror=alert(1)> \"" field "\" zqxmark <script>x</script> 'q' &amp; </mark>"
    static const char text[] = "Before. " EVIL("quote") " After.";
    json_t *src =
        json_pack("{s:s, s:s, s:[s], s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", "evil-src", "title",
                  EVIL("title"), "authors", EVIL("authors"), "kind", "analysis", "language", "en",
                  "published", "2020-05", "text", text, "publisher", EVIL("publisher"),
                  "original_publisher", EVIL("original_publisher"), "note", EVIL("note"));
    struct api_result r;
    S_post(wf, "/v1/sources", src, &r);
    if (r.status != 201)
        fail_msg("POST source: %u %s", r.status, r.body);
    api_result_free(&r);
    json_t *c = S_claim(EVIL("quote"), EVIL("statement"));
    json_object_set_new(c, "source", json_string("evil-src"));
    json_object_set_new(c, "claimant", json_string(EVIL("claimant")));
    json_object_set_new(c, "note", json_string(EVIL("note")));
    json_object_set_new(c, "value_text", json_string(EVIL("value_text")));
    free(S_create(wf, c));
    json_t *p =
        json_pack("{s:s, s:s, s:s, s:[s], s:s}", "id", "evil-program", "name", EVIL("name"), "kind",
                  "program", "aliases", EVIL("alias"), "description", EVIL("description"));
    S_post(wf, "/v1/programs", p, &r);
    if (r.status != 201)
        fail_msg("POST program: %u %s", r.status, r.body);
    api_result_free(&r);
#undef EVIL
    S_get(wf, "/v1/search?q=zqxmark&limit=50", &r);
    assert_int_equal(r.status, 200);
    json_t *data = json_object_get(r.json, "data");
    size_t i, marks = 0, types = 0;
    json_t *h;
    json_array_foreach(data, i, h) {
        const char *type = ju_str(h, "type");
        types |= strcmp(type, "claim") == 0 ? 1u : strcmp(type, "source") == 0 ? 2u : 4u;
        marks += S_check_snippet(ju_str(h, "snippet"), "snippet");
        marks += S_check_snippet(ju_str(h, "title_snippet"), "title_snippet");
        /* The markup is kept as text. */
        assert_non_null(strstr(ju_str(h, "title_snippet"), "&lt;img src=x onerror=alert(1)&gt;"));
    }
    assert_int_equal(types, 7); /* a claim, a source and a program */
    assert_true(marks >= 6);    /* both snippets of each of the three */
    api_result_free(&r);
}

/*
 * Errors are not absence: when a lookup validation makes cannot be answered (here the
 * topic table is gone from under the server, as a damaged database would be), the write
 * fails as the server's fault (5xx, its cause logged) instead of a 422 that blames the
 * record ("topics/0 does not exist"); nothing is written.
 */
static void test_lookup_error_is_not_absence(void **state)
{
    struct writable_fixture *wf = *state;
    json_int_t v0 = S_version(wf);
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open(wf->db_path, &raw), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(raw, "PRAGMA foreign_keys = OFF; ALTER TABLE topic RENAME TO topic_gone",
                          NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fail_msg("rename: %s", err ? err : "?");
    sqlite3_close(raw);

    json_t *c = S_claim(QUOTE_UNIQUE, "A claim whose topic cannot be looked up.");
    struct api_result r;
    S_post(wf, "/v1/claims", c, &r);
    if (r.status < 500)
        fail_msg("a failed lookup answered %u: %s", r.status, r.body);
    assert_string_equal(r.content_type, "application/problem+json");
    assert_null(strstr(r.body, "does not exist"));
    api_result_free(&r);
    char *log = writable_log(wf);
    assert_non_null(log);
    assert_non_null(strstr(log, "topic")); /* the cause, for the operator */
    free(log);
    assert_int_equal(S_version(wf), v0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_401_without_authorization, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_error_is_not_absence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_401_bad_or_revoked_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_needs_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_415_wrong_content_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_400_malformed_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_422_lists_every_problem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_422_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_claims_meet_the_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_422_dates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_claim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quote_occurrence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_source_and_program, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patch_merge_semantics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patch_if_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_patch_is_lossless, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_and_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_source_with_live_claims, setup, teardown),
        cmocka_unit_test(test_read_only_refuses_writes),
        cmocka_unit_test_setup_teardown(test_no_secret_in_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patch_source_metadata_with_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_claim_of_deleted_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_referenced_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_snippets_escape_markup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
