/*
 * Integrity of the write path through the real route table (socket-free):
 * a restored claim points at its quote in the source's current text, or is
 * refused; revisions keep large fields once and page by size; a PATCH that
 * changes nothing changes nothing; claim ids are generated past any taken one.
 */
#include "buf.h"
#include "json_util.h"
#include "writable.h"

#include <sqlite3.h>
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
    snprintf(target, sizeof target, "/v1/sources/%s/text/%s", source, claim);
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

/* ---- revisions -------------------------------------------------------------- */

/* A text of n bytes: numbered sentences, so that no two regions look alike. */
static char *S_big_text(size_t n)
{
    char *t = malloc(n + 64);
    assert_non_null(t);
    size_t len = 0;
    for (unsigned i = 0; len < n; i++)
        len += (size_t)snprintf(t + len, 64, "Sentence number %u of a long text. ", i);
    t[n] = '\0';
    return t;
}

/* One integer from SQL over the fixture's database file. */
static long long S_sql_int(struct writable_fixture *wf, const char *sql)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(wf->db_path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(h));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

static void S_note_patches(struct writable_fixture *wf, const char *target, int n)
{
    for (int i = 0; i < n; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"note\":\"note %d\"}", i);
        S_ok(wf, 200, "PATCH", target, TOKEN_WRITE, body);
    }
}

static void test_revisions_store_large_fields_once(void **state)
{
    struct writable_fixture *wf = *state;
    char *text = S_big_text(200 * 1000);
    S_source(wf, "big-src", text);
    S_note_patches(wf, "/v1/sources/big-src", 10);
    /* Eleven revisions, one copy of the text. */
    assert_int_equal(S_sql_int(wf, "SELECT count(*) FROM revision WHERE resource_id = 'big-src'"),
                     11);
    assert_int_equal(S_sql_int(wf, "SELECT count(*) FROM revision_blob"), 1);
    assert_int_equal(S_sql_int(wf, "SELECT length(body) FROM revision_blob"),
                     (long long)strlen(text));
    assert_true(S_sql_int(wf, "SELECT max(max(length(before)), max(length(after))) FROM "
                              "revision WHERE resource_id = 'big-src'") < 2000);

    /* Read back, every revision carries the text as written. */
    struct api_result r;
    S_expect(wf, 200, "GET", "/v1/sources/big-src/revisions?limit=20", NULL, NULL, &r);
    json_t *data = json_object_get(r.json, "data");
    assert_int_equal(json_array_size(data), 11);
    for (size_t i = 0; i < 11; i++) {
        json_t *rev = json_array_get(data, i);
        assert_string_equal(ju_str(json_object_get(rev, "after"), "text"), text);
        if (i > 0)
            assert_string_equal(ju_str(json_object_get(rev, "before"), "text"), text);
    }
    api_result_free(&r);
    free(text);
}

static void test_revisions_page_by_size(void **state)
{
    struct writable_fixture *wf = *state;
    char *text = S_big_text(900 * 1000);
    S_source(wf, "huge-src", text);
    S_note_patches(wf, "/v1/sources/huge-src", 6);
    /* Seven revisions of about 1.8 MB each (text before and after): one page cannot hold
     * them all; each page stops after the revision that takes it past 4 MiB. */
    size_t seen = 0;
    char target[300] = "/v1/sources/huge-src/revisions?limit=100";
    for (int page = 0; page < 10 && target[0]; page++) {
        struct api_result r;
        S_expect(wf, 200, "GET", target, NULL, NULL, &r);
        assert_true(r.body_len <= 4u * 1024 * 1024 + 2 * 1024 * 1024);
        json_t *data = json_object_get(r.json, "data");
        size_t n = json_array_size(data);
        assert_true(n >= 1 && n < 7);
        for (size_t i = 0; i < n; i++) {
            json_t *rev = json_array_get(data, i);
            assert_int_equal(json_integer_value(json_object_get(rev, "revision")) > 0, 1);
            assert_string_equal(ju_str(json_object_get(rev, "after"), "text"), text);
        }
        seen += n;
        json_t *meta = json_object_get(r.json, "meta");
        assert_int_equal(json_integer_value(json_object_get(meta, "total")), 7);
        assert_int_equal(json_integer_value(json_object_get(meta, "count")), (json_int_t)n);
        const char *next = ju_str(json_object_get(r.json, "links"), "next");
        if (next)
            snprintf(target, sizeof target, "%s", next);
        else
            target[0] = '\0';
        api_result_free(&r);
    }
    assert_int_equal(seen, 7);
    assert_string_equal(target, "");
    free(text);
}

/* meta.revision of a write response. */
static json_int_t S_revision_of(const struct api_result *r)
{
    return json_integer_value(json_object_get(json_object_get(r->json, "meta"), "revision"));
}

static json_int_t S_dataset_version(struct writable_fixture *wf)
{
    struct api_result r;
    S_expect(wf, 200, "GET", "/version", NULL, NULL, &r);
    json_int_t v = json_integer_value(json_object_get(r.json, "dataset_version"));
    api_result_free(&r);
    return v;
}

static void test_patch_that_changes_nothing(void **state)
{
    struct writable_fixture *wf = *state;
    static const char target[] = "/v1/claims/berman-011";
    json_int_t v0 = S_dataset_version(wf);
    long long revs0 = S_sql_int(wf, "SELECT count(*) FROM revision");
    struct api_result r;
    S_expect(wf, 200, "PATCH", target, TOKEN_WRITE, "{}", &r);
    json_int_t rev0 = S_revision_of(&r);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r.json, "meta"), "dataset_version")),
        v0);
    const char *note = ju_str(json_object_get(r.json, "data"), "note");
    assert_non_null(note);
    json_t *same = json_pack("{s:s}", "note", note);
    char *body = json_dumps(same, JSON_COMPACT);
    json_decref(same);
    api_result_free(&r);
    /* The values already stored: nothing changes either. */
    S_expect(wf, 200, "PATCH", target, TOKEN_WRITE, body, &r);
    assert_int_equal(S_revision_of(&r), rev0);
    api_result_free(&r);
    free(body);
    assert_int_equal(S_dataset_version(wf), v0);
    assert_int_equal(S_sql_int(wf, "SELECT count(*) FROM revision"), revs0);
    /* A real change still makes a revision and a version. */
    S_expect(wf, 200, "PATCH", target, TOKEN_WRITE, "{\"note\":\"changed\"}", &r);
    assert_int_equal(S_revision_of(&r), rev0 + 1);
    api_result_free(&r);
    assert_int_equal(S_dataset_version(wf), v0 + 1);
    assert_int_equal(S_sql_int(wf, "SELECT count(*) FROM revision"), revs0 + 1);
}

/* ---- generated ids ---------------------------------------------------------- */

static void S_expect_id(struct writable_fixture *wf, const char *source, const char *given,
                        const char *want)
{
    char *id = S_claim(wf, source, given, "Gamma delta.");
    assert_string_equal(id, want);
    free(id);
}

static void test_generated_ids_past_any_taken(void **state)
{
    struct writable_fixture *wf = *state;
    static const char text[] = "Alpha beta. Gamma delta.";
    S_source(wf, "idgen", text);
    /* The largest 64-bit number taken: the next id does not overflow into a taken one. */
    S_expect_id(wf, "idgen", "idgen-9223372036854775807", "idgen-9223372036854775807");
    S_expect_id(wf, "idgen", NULL, "idgen-001");
    S_expect_id(wf, "idgen", NULL, "idgen-002");
    /* The largest counted number taken, and the id after it: the lowest free number. */
    S_expect_id(wf, "idgen", "idgen-999999999999999999", "idgen-999999999999999999");
    S_expect_id(wf, "idgen", NULL, "idgen-1000000000000000000");
    S_expect_id(wf, "idgen", NULL, "idgen-003");
    S_expect_id(wf, "idgen", "idgen-x12", "idgen-x12"); /* not a number: not counted */
    S_expect_id(wf, "idgen", NULL, "idgen-004");

    /* '_' in a source id matches itself only (LIKE would take it for any character). */
    S_source(wf, "wildyx", text);
    S_source(wf, "wild_x", text);
    S_expect_id(wf, "wildyx", "wildyx-007", "wildyx-007");
    S_expect_id(wf, "wild_x", NULL, "wild_x-001");
    S_expect_id(wf, "wildyx", NULL, "wildyx-008");
}

/* ---- input checks ----------------------------------------------------------- */

static void test_change_reason_must_be_utf8(void **state)
{
    struct writable_fixture *wf = *state;
    static const char *const bad[] = {"X-Change-Reason: caf\xc3", "X-Change-Reason: \xc0\xaf",
                                      "X-Change-Reason: a\x01b", NULL};
    for (size_t i = 0; bad[i]; i++) {
        const char *h[] = {bad[i], NULL};
        struct api_result r;
        S_req(wf, "PATCH", "/v1/claims/berman-011", TOKEN_WRITE, "application/merge-patch+json", h,
              "{\"note\":\"reason test\"}", &r);
        api_assert_problem(&r, 400, NULL);
        json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);
        assert_string_equal(ju_str(e, "header"), "X-Change-Reason");
        api_result_free(&r);
    }
    /* UTF-8 text is kept as given. */
    const char *good[] = {"X-Change-Reason: v\xc3\xa9rifi\xc3\xa9 \xd8\xaa\xd8\xad", NULL};
    struct api_result r;
    S_req(wf, "PATCH", "/v1/claims/berman-011", TOKEN_WRITE, "application/merge-patch+json", good,
          "{\"note\":\"reason test\"}", &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    api_get(&wf->api, "/v1/claims/berman-011/revisions?limit=100", &r);
    json_t *data = json_object_get(r.json, "data");
    assert_string_equal(ju_str(json_array_get(data, json_array_size(data) - 1), "reason"),
                        "v\xc3\xa9rifi\xc3\xa9 \xd8\xaa\xd8\xad");
    api_result_free(&r);
}

/* The number at the start of "... has N ..." or "N ..." in a problem's detail. */
static long S_detail_count(const struct api_result *r)
{
    const char *d = ju_str(r->json, "detail");
    assert_non_null(d);
    const char *p = strpbrk(d, "0123456789");
    assert_non_null(p);
    return strtol(p, NULL, 10);
}

static void test_error_counts_are_real(void **state)
{
    struct writable_fixture *wf = *state;
    /* 40 unknown members: more errors than a problem lists. */
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "{\"source\":\"berman-2019-returnees\"");
    for (int i = 0; i < 40; i++)
        buf_printf(&b, ",\"zz_unknown_%d\":1", i);
    buf_putc(&b, '}');
    struct api_result r;
    S_req(wf, "POST", "/v1/claims", TOKEN_WRITE, "application/json", NULL, buf_str(&b), &r);
    buf_free(&b);
    api_assert_problem(&r, 422, NULL);
    size_t listed = json_array_size(json_object_get(r.json, "errors"));
    assert_true(listed > 0);
    assert_true(S_detail_count(&r) >= 40);
    assert_true((size_t)S_detail_count(&r) > listed);
    api_result_free(&r);

    /* The same for query parameters: 12 unknown ones. */
    buf_init(&b);
    buf_puts(&b, "/v1/claims?zz0=1");
    for (int i = 1; i < 12; i++)
        buf_printf(&b, "&zz%d=1", i);
    api_get(&wf->api, buf_str(&b), &r);
    buf_free(&b);
    api_assert_problem(&r, 400, NULL);
    listed = json_array_size(json_object_get(r.json, "errors"));
    assert_int_equal(S_detail_count(&r), 12);
    assert_true(listed < 12);
    api_result_free(&r);
}

/* ---- claimant folding --------------------------------------------------------- */

/* How many claims GET target lists. */
static json_int_t S_total(struct writable_fixture *wf, const char *target)
{
    struct api_result r;
    api_get(&wf->api, target, &r);
    if (r.status != 200)
        fail_msg("GET %s: %u %s", target, r.status, r.body);
    json_int_t n = json_integer_value(json_object_get(json_object_get(r.json, "meta"), "total"));
    api_result_free(&r);
    return n;
}

static void test_claimant_folds_case_beyond_ascii(void **state)
{
    struct writable_fixture *wf = *state;
    S_source(wf, "fold-src", "Alpha beta. Gamma delta.");
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "source", "fold-src", "quote",
                          "Gamma delta.", "statement", "A claim by a non-ASCII claimant.", "kind",
                          "assessment", "claimant", "\xc3\x89TIENNE \xc3\x96ZT\xc3\x9cRK",
                          "claimant_kind", "expert", "topics", "returnees");
    char *body = json_dumps(c, JSON_COMPACT);
    json_decref(c);
    S_ok(wf, 201, "POST", "/v1/claims", TOKEN_WRITE, body);
    free(body);
    /* étienne, öztürk, Öztürk, ÉTIENNE: one claim each time; "ozturk" too (no diacritics, as
     * /v1/search folds). */
    static const char *const q[] = {"%C3%A9tienne",
                                    "%C3%B6zt%C3%BCrk",
                                    "%C3%96zt%C3%BCrk",
                                    "%C3%89TIENNE",
                                    "ozturk",
                                    "tienne%20%C3%B6z",
                                    NULL};
    for (size_t i = 0; q[i]; i++) {
        char target[200];
        snprintf(target, sizeof target, "/v1/claims?source=fold-src&claimant=%s", q[i]);
        if (S_total(wf, target) != 1)
            fail_msg("claimant=%s does not find the claim", q[i]);
    }
    assert_int_equal(S_total(wf, "/v1/claims?source=fold-src&claimant=%C3%A9tiennx"), 0);
    /* Titles fold the same way. */
    json_t *src = json_pack("{s:s, s:s, s:s, s:s}", "id", "fold-title", "title",
                            "\xc3\x9c"
                            "BER DIE \xc3\x89TUDE",
                            "kind", "analysis", "language", "de");
    body = json_dumps(src, JSON_COMPACT);
    json_decref(src);
    S_ok(wf, 201, "POST", "/v1/sources", TOKEN_WRITE, body);
    free(body);
    assert_int_equal(S_total(wf, "/v1/sources?q=%C3%BCber%20die%20%C3%A9t"), 1);
    /* ASCII folding as before. */
    assert_true(S_total(wf, "/v1/claims?claimant=BERMAN") > 0);
    assert_int_equal(S_total(wf, "/v1/claims?claimant=BERMAN"),
                     S_total(wf, "/v1/claims?claimant=berman"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restore_recomputes_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revisions_store_large_fields_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revisions_page_by_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patch_that_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generated_ids_past_any_taken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_reason_must_be_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_counts_are_real, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claimant_folds_case_beyond_ascii, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
