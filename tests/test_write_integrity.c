/*
 * Integrity of the write path through the real route table (socket-free):
 * a restored claim points at its quote in the source's current text, or is
 * refused; revisions keep large fields once and page by size; a PATCH that
 * changes nothing changes nothing; claim ids are generated past any taken one.
 */
#include "json_util.h"
#include "writable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define TOKEN_WRITE "mrs_test-integrity-writer-0123456789abcdefgh"
#define TOKEN_ADMIN "mrs_test-integrity-admin-ZYXWVUTSRQPONMLKJIH"

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

/* One request with a token (NULL: none), a content type (NULL: none) and up to 4 more headers. */
static void S_req(struct writable_fixture *wf, const char *method, const char *target,
                  const char *token, const char *ctype, const char *const *extra, const char *body,
                  struct api_result *out)
{
    char auth[200], ct[120];
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

/* A request that must answer `status`; the result is the caller's to free. */
static void S_expect(struct writable_fixture *wf, unsigned status, const char *method,
                     const char *target, const char *token, const char *body,
                     struct api_result *out)
{
    const char *ctype = !body                          ? NULL
                        : strcmp(method, "PATCH") == 0 ? "application/merge-patch+json"
                                                       : "application/json";
    S_req(wf, method, target, token, ctype, NULL, body, out);
    if (out->status != status)
        fail_msg("%s %s: %u (want %u) %s", method, target, out->status, status, out->body);
}

static void S_ok(struct writable_fixture *wf, unsigned status, const char *method,
                 const char *target, const char *token, const char *body)
{
    struct api_result r;
    S_expect(wf, status, method, target, token, body, &r);
    api_result_free(&r);
}

/* GET target's data member's integer `key`. */
static json_int_t S_data_int(struct writable_fixture *wf, const char *target, const char *key)
{
    struct api_result r;
    api_get(&wf->api, target, &r);
    if (r.status != 200)
        fail_msg("GET %s: %u %s", target, r.status, r.body);
    json_t *v = json_object_get(json_object_get(r.json, "data"), key);
    assert_true(json_is_integer(v));
    json_int_t out = json_integer_value(v);
    api_result_free(&r);
    return out;
}

/* The source's text served for a claim (malloc'd). */
static char *S_claim_passage(struct writable_fixture *wf, const char *source, const char *claim)
{
    char target[300];
    snprintf(target, sizeof target, "/v1/sources/%s/text?claim=%s", source, claim);
    struct api_result r;
    api_get(&wf->api, target, &r);
    if (r.status != 200)
        fail_msg("GET %s: %u %s", target, r.status, r.body);
    const char *q = ju_str(json_object_get(r.json, "data"), "quote");
    if (!q)
        q = ju_str(r.json, "quote");
    if (!q)
        q = ju_str(json_object_get(r.json, "data"), "text");
    if (!q)
        fail_msg("GET %s: no quote in %s", target, r.body);
    char *out = strdup(q);
    api_result_free(&r);
    return out;
}

/* Creates a source with this text (no claims yet). */
static void S_source(struct writable_fixture *wf, const char *id, const char *text)
{
    json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "title", "Integrity test source",
                          "kind", "analysis", "language", "en", "text", text);
    char *body = json_dumps(s, JSON_COMPACT);
    json_decref(s);
    S_ok(wf, 201, "POST", "/v1/sources", TOKEN_WRITE, body);
    free(body);
}

/* Creates a claim quoting `quote` in source; returns its id (malloc'd). */
static char *S_claim(struct writable_fixture *wf, const char *source, const char *id,
                     const char *quote)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "source", source, "quote", quote,
                          "statement", "A claim under test.", "kind", "assessment", "claimant",
                          "Test Author", "claimant_kind", "author", "topics", "returnees");
    if (id)
        json_object_set_new(c, "id", json_string(id));
    char *body = json_dumps(c, JSON_COMPACT);
    json_decref(c);
    struct api_result r;
    S_expect(wf, 201, "POST", "/v1/claims", TOKEN_WRITE, body, &r);
    free(body);
    char *out = strdup(ju_str(json_object_get(r.json, "data"), "id"));
    api_result_free(&r);
    return out;
}

static void S_set_text(struct writable_fixture *wf, const char *source, const char *text)
{
    char target[200];
    snprintf(target, sizeof target, "/v1/sources/%s", source);
    json_t *p = json_pack("{s:s}", "text", text);
    char *body = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    S_ok(wf, 200, "PATCH", target, TOKEN_WRITE, body);
    free(body);
}

/* ---- restore -------------------------------------------------------------- */

static void test_restore_recomputes_offsets(void **state)
{
    struct writable_fixture *wf = *state;
    static const char quote[] = "The moving sentence.";
    S_source(wf, "restore-src", "Alpha. The moving sentence. Omega.");
    char *id = S_claim(wf, "restore-src", NULL, quote);
    char target[200], restore[220];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    snprintf(restore, sizeof restore, "/v1/claims/%s/restore", id);
    assert_int_equal(S_data_int(wf, target, "quote_start"), 7);

    /* Deleted, the claim no longer holds the text: it changes, the quote moves. */
    S_ok(wf, 204, "DELETE", target, TOKEN_WRITE, NULL);
    S_set_text(wf, "restore-src",
               "A much longer opening paragraph comes first now. The moving sentence. Omega.");
    S_ok(wf, 200, "POST", restore, TOKEN_ADMIN, NULL);
    assert_int_equal(S_data_int(wf, target, "quote_start"), 49);
    assert_int_equal(S_data_int(wf, target, "quote_end"), 49 + (json_int_t)strlen(quote));
    char *passage = S_claim_passage(wf, "restore-src", id);
    assert_string_equal(passage, quote);
    free(passage);

    /* The text loses the quote: the restore is refused, naming the quote. */
    S_ok(wf, 204, "DELETE", target, TOKEN_WRITE, NULL);
    S_set_text(wf, "restore-src", "Short.");
    struct api_result r;
    S_expect(wf, 409, "POST", restore, TOKEN_ADMIN, NULL, &r);
    api_assert_problem(&r, 409, NULL);
    json_t *errs = json_object_get(r.json, "errors");
    assert_true(json_array_size(errs) >= 1);
    assert_string_equal(ju_str(json_array_get(errs, 0), "pointer"), "/quote");
    api_result_free(&r);
    /* Still deleted. */
    S_ok(wf, 410, "GET", target, NULL, NULL);
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restore_recomputes_offsets, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
