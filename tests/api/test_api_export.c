/*
 * GET /v1/export (NDJSON) and GET /v1/export.sqlite over a real socket (an in-process
 * server on port 0 over a private copy of the database, libcurl as the client): the
 * header's counts against the lines and the collections, a line against GET by id,
 * ETag and 304, the SQLite copy's integrity, claims and absence of tokens, and a write
 * changing both tags.
 */
#include "json_util.h"
#include "server.h"
#include "sha256.h"
#include "write_repo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#define TOKEN_WRITE "mrs_export-writer-secret-0123456789abcdefghij"

static const char *const types[] = {"source",  "entity", "metric",  "relation",
                                    "program", "claim",  "conflict"};
#define NTYPES 7

/* A collection's meta.total for each type, in the order of types[]. */
static const char *const collections[NTYPES] = {
    "/v1/sources?limit=1",   "/v1/entities?limit=1", "/v1/statistics?all=true&limit=1",
    "/v1/relations?limit=1", "/v1/programs?limit=1", "/v1/claims?limit=1",
    "/v1/conflicts?limit=1",
};

struct fx {
    struct test_server ts;
    char token_hash[65];
};

static int setup(void **state)
{
    char err[256];
    struct fx *f = calloc(1, sizeof *f);
    if (!f || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(f);
        return -1;
    }
    if (test_server_start(&f->ts, NULL, err, sizeof err) != 0) {
        print_error("server: %s\n", err);
        free(f);
        return -1;
    }
    /* A token in the database, so that the copy has one to leave out. */
    struct db_conn *w = NULL;
    sha256_hex(TOKEN_WRITE, strlen(TOKEN_WRITE), f->token_hash);
    if (db_pool_writer(&f->ts.app->db, &w) != APP_OK)
        return -1;
    enum app_status st =
        token_repo_create(w, "exporter", f->token_hash, "write", "2026-01-01T00:00:00Z");
    db_pool_writer_release(&f->ts.app->db);
    if (st != APP_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f) {
        test_server_stop(&f->ts);
        free(f);
    }
    curl_global_cleanup();
    return 0;
}

static void S_get(struct fx *f, const char *path, const char *inm, struct tc_result *r)
{
    char url[512], h[200];
    const char *headers[] = {NULL, NULL};
    if (inm) {
        snprintf(h, sizeof h, "If-None-Match: %s", inm);
        headers[0] = h;
    }
    assert_int_equal(tc_request(NULL, "GET", test_server_url(&f->ts, path, url, sizeof url),
                                inm ? headers : NULL, NULL, 0, r),
                     0);
}

/* GETs a JSON document and returns it parsed (200 asserted). */
static json_t *S_json(struct fx *f, const char *path)
{
    struct tc_result r;
    S_get(f, path, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *j = tc_json(&r);
    assert_non_null(j);
    tc_result_free(&r);
    return j;
}

/* The export, parsed line by line into an array (the header first). */
static json_t *S_lines(struct fx *f, char *etag, size_t n)
{
    struct tc_result r;
    S_get(f, "/v1/export", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "Content-Type"), "application/x-ndjson");
    const char *tag = tc_header(&r, "ETag");
    assert_non_null(tag);
    if (etag)
        snprintf(etag, n, "%s", tag);
    json_t *lines = json_array();
    char *p = r.body;
    assert_true(r.body_len > 0);
    assert_int_equal(r.body[r.body_len - 1], '\n');
    while (*p) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl);
        /* Every line is one object whose first member is its type. */
        assert_memory_equal(p, "{\"type\":\"", 9);
        json_error_t e;
        json_t *o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &e);
        if (!o)
            fail_msg("line %zu: %s", json_array_size(lines) + 1, e.text);
        assert_true(json_is_object(o));
        assert_true(json_is_string(json_object_get(o, "type")));
        json_array_append_new(lines, o);
        p = nl + 1;
    }
    tc_result_free(&r);
    return lines;
}

static int S_type_index(const char *t)
{
    for (int i = 0; i < NTYPES; i++)
        if (strcmp(types[i], t) == 0)
            return i;
    return -1;
}

static void test_header_counts_lines_and_collections(void **state)
{
    struct fx *f = *state;
    json_t *lines = S_lines(f, NULL, 0);
    json_t *head = json_array_get(lines, 0);
    assert_string_equal(ju_str(head, "type"), "export");
    json_t *counts = json_object_get(head, "counts");
    assert_true(json_is_object(counts));
    json_t *v = S_json(f, "/version");
    assert_int_equal(ju_int(head, "dataset_version"), ju_int(v, "dataset_version"));
    assert_int_equal(ju_int(head, "schema_version"), ju_int(v, "schema_version"));
    json_decref(v);

    json_int_t seen[NTYPES] = {0};
    int last = -1;
    for (size_t i = 1; i < json_array_size(lines); i++) {
        const char *t = ju_str(json_array_get(lines, i), "type");
        int k = S_type_index(t);
        if (k < 0)
            fail_msg("line %zu: unknown type '%s'", i + 1, t);
        /* The documented order: every line of a type together, the types in order. */
        assert_true(k >= last);
        last = k;
        seen[k]++;
    }
    for (int k = 0; k < NTYPES; k++) {
        json_t *list = S_json(f, collections[k]);
        json_int_t total = ju_int(json_object_get(list, "meta"), "total");
        json_decref(list);
        assert_true(seen[k] > 0);
        assert_int_equal(ju_int(counts, types[k]), seen[k]);
        if (seen[k] != total)
            fail_msg("%s: %lld lines, %s has %lld", types[k], (long long)seen[k], collections[k],
                     (long long)total);
    }
    json_decref(lines);
}

/* The line without its "type" equals the data of GET path. */
static void S_assert_same(struct fx *f, json_t *line, const char *path)
{
    json_t *copy = json_deep_copy(line);
    json_object_del(copy, "type");
    json_object_del(copy, "content"); /* a source's text, GET /v1/sources/{id}/text */
    json_t *doc = S_json(f, path);
    if (!json_equal(copy, json_object_get(doc, "data"))) {
        char *a = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("%s differs from its export line: %.300s", path, a ? a : "");
    }
    json_decref(doc);
    json_decref(copy);
}

static void test_lines_equal_get_by_id(void **state)
{
    struct fx *f = *state;
    json_t *lines = S_lines(f, NULL, 0);
    /* by the index of types[]: the GET by id each line repeats (metrics: the list) */
    static const char *const prefix[NTYPES] = {
        "/v1/sources/",  "/v1/entities/", NULL, "/v1/relations/",
        "/v1/programs/", "/v1/claims/",   NULL};
    const int claim = S_type_index("claim");
    int checked[NTYPES] = {0};
    bool berman004 = false;
    char path[300];
    for (size_t i = 1; i < json_array_size(lines); i++) {
        json_t *o = json_array_get(lines, i);
        int k = S_type_index(ju_str(o, "type"));
        const char *id = ju_str(o, "id");
        if (k < 0 || k >= NTYPES || !prefix[k])
            continue;
        /* claims: every one; other types: the first three */
        if (k != claim && checked[k] >= 3)
            continue;
        snprintf(path, sizeof path, "%s%s", prefix[k], id);
        S_assert_same(f, o, path);
        checked[k]++;
        if (k == claim && strcmp(id, "berman-004") == 0)
            berman004 = true;
    }
    assert_true(berman004);
    for (int k = 0; k < NTYPES; k++)
        if (prefix[k])
            assert_true(checked[k] > 0);
    json_decref(lines);
}

static void test_source_lines_hold_their_text(void **state)
{
    struct fx *f = *state;
    json_t *lines = S_lines(f, NULL, 0);
    size_t with_text = 0;
    for (size_t i = 1; i < json_array_size(lines); i++) {
        json_t *o = json_array_get(lines, i);
        if (strcmp(ju_str(o, "type"), "source") != 0)
            continue;
        json_t *content = json_object_get(o, "content");
        assert_non_null(content);
        if (json_is_null(content)) {
            assert_true(json_is_null(json_object_get(o, "text")));
            continue;
        }
        char url[512], path[300];
        struct tc_result r;
        snprintf(path, sizeof path, "/v1/sources/%s/text", ju_str(o, "id"));
        assert_int_equal(tc_get(NULL, test_server_url(&f->ts, path, url, sizeof url), &r), 0);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.body_len, json_string_length(content));
        assert_memory_equal(r.body, json_string_value(content), r.body_len);
        assert_int_equal((json_int_t)r.body_len, ju_int(json_object_get(o, "text"), "bytes"));
        tc_result_free(&r);
        with_text++;
    }
    assert_true(with_text >= 5);
    json_decref(lines);
}

static void test_metric_relation_and_conflict_lines_equal_list_items(void **state)
{
    struct fx *f = *state;
    json_t *lines = S_lines(f, NULL, 0);
    json_t *metrics = S_json(f, "/v1/statistics?all=true&limit=1000");
    json_t *conflicts = S_json(f, "/v1/conflicts?limit=1000");
    json_t *relations = S_json(f, "/v1/relations?limit=1000");
    size_t m = 0, c = 0, rl = 0;
    for (size_t i = 1; i < json_array_size(lines); i++) {
        json_t *o = json_deep_copy(json_array_get(lines, i));
        const char *t = ju_str(o, "type");
        json_t *want = NULL;
        if (strcmp(t, "metric") == 0)
            want = json_array_get(json_object_get(metrics, "data"), m++);
        else if (strcmp(t, "conflict") == 0)
            want = json_array_get(json_object_get(conflicts, "data"), c++);
        else if (strcmp(t, "relation") == 0)
            want = json_array_get(json_object_get(relations, "data"), rl++);
        if (want) {
            json_object_del(o, "type");
            assert_true(json_equal(o, want));
        }
        json_decref(o);
    }
    assert_int_equal(m, json_array_size(json_object_get(metrics, "data")));
    assert_int_equal(c, json_array_size(json_object_get(conflicts, "data")));
    assert_int_equal(rl, json_array_size(json_object_get(relations, "data")));
    assert_true(rl > 0);
    json_decref(relations);
    json_decref(metrics);
    json_decref(conflicts);
    json_decref(lines);
}

/* GETs path, returns its ETag (strong, naming the dataset version) and checks 304. */
static void S_etag_304(struct fx *f, const char *path, char *tag, size_t n)
{
    struct tc_result r;
    S_get(f, path, NULL, &r);
    assert_int_equal(r.status, 200);
    const char *t = tc_header(&r, "ETag");
    assert_non_null(t);
    assert_true(t[0] == '"'); /* strong: no W/ */
    snprintf(tag, n, "%s", t);
    tc_result_free(&r);
    S_get(f, path, tag, &r);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(tc_header(&r, "ETag"), tag);
    tc_result_free(&r);
}

static void test_etag_and_304(void **state)
{
    struct fx *f = *state;
    char a[128], b[128];
    S_etag_304(f, "/v1/export", a, sizeof a);
    S_etag_304(f, "/v1/export.sqlite", b, sizeof b);
    assert_string_not_equal(a, b);
    /* Both tags start with the dataset version the header line gives. */
    json_t *lines = S_lines(f, NULL, 0);
    char v[32];
    snprintf(v, sizeof v, "\"%lld-",
             (long long)ju_int(json_array_get(lines, 0), "dataset_version"));
    assert_memory_equal(a, v, strlen(v));
    assert_memory_equal(b, v, strlen(v));
    json_decref(lines);
}

static void test_unknown_parameter(void **state)
{
    struct fx *f = *state;
    const char *const paths[] = {"/v1/export?limit=5", "/v1/export.sqlite?x=1"};
    for (size_t i = 0; i < 2; i++) {
        struct tc_result r;
        S_get(f, paths[i], NULL, &r);
        assert_int_equal(r.status, 400);
        assert_string_equal(tc_header(&r, "Content-Type"), "application/problem+json");
        json_t *j = tc_json(&r);
        json_t *e = json_array_get(json_object_get(j, "errors"), 0);
        assert_string_equal(ju_str(e, "parameter"), i == 0 ? "limit" : "x");
        json_decref(j);
        tc_result_free(&r);
    }
}

/* True when needle[0..n) occurs in hay[0..len). */
static bool S_contains(const char *hay, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

/* Downloads the SQLite copy into a file of the server's directory; returns its ETag. */
static void S_download(struct fx *f, const char *file, char *tag, size_t n)
{
    struct tc_result r;
    S_get(f, "/v1/export.sqlite", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "Content-Type"), "application/vnd.sqlite3");
    const char *cd = tc_header(&r, "Content-Disposition");
    assert_non_null(cd);
    assert_memory_equal(cd, "attachment; filename=\"marsad-", 29);
    assert_non_null(strstr(cd, ".sqlite\""));
    assert_true(r.body_len > 100);
    assert_memory_equal(r.body, "SQLite format 3", 16);
    /* No byte of the copy holds the token's hash, not even in a free page. */
    assert_false(S_contains(r.body, r.body_len, f->token_hash, 64));
    FILE *out = fopen(file, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(r.body, 1, r.body_len, out), r.body_len);
    assert_int_equal(fclose(out), 0);
    snprintf(tag, n, "%s", tc_header(&r, "ETag"));
    tc_result_free(&r);
}

static sqlite3_int64 S_scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    sqlite3_int64 v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void S_check_copy(struct fx *f, const char *file, json_int_t claims)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    assert_int_equal(S_scalar(db, "SELECT count(*) FROM claim WHERE deleted_at IS NULL"), claims);
    assert_int_equal(S_scalar(db, "SELECT count(*) FROM api_token"), 0);
    /* A rollback-journal file: it opens read-only without -wal or -shm files. */
    assert_int_equal(S_scalar(db, "SELECT count(*) FROM pragma_journal_mode WHERE "
                                  "journal_mode = 'delete'"),
                     1);
    sqlite3_close(db);
    /* The server's own database still has its token. */
    assert_int_equal(sqlite3_open_v2(f->ts.db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(S_scalar(db, "SELECT count(*) FROM api_token"), 1);
    sqlite3_close(db);
}

static json_int_t S_total(struct fx *f, const char *path)
{
    json_t *j = S_json(f, path);
    json_int_t t = ju_int(json_object_get(j, "meta"), "total");
    json_decref(j);
    return t;
}

static void test_sqlite_copy(void **state)
{
    struct fx *f = *state;
    char file[600], tag[128], again[128];
    snprintf(file, sizeof file, "%s/copy.sqlite", f->ts.dir);
    S_download(f, file, tag, sizeof tag);
    S_check_copy(f, file, S_total(f, "/v1/claims?limit=1"));
    /* Kept for the version: the same bytes, the same tag. */
    S_download(f, file, again, sizeof again);
    assert_string_equal(tag, again);
    unlink(file);
}

/* Runs last: it writes. */
static void test_write_changes_both_tags(void **state)
{
    struct fx *f = *state;
    char nd0[128], sq0[128], nd1[128], sq1[128], file[600], url[512];
    S_etag_304(f, "/v1/export", nd0, sizeof nd0);
    S_etag_304(f, "/v1/export.sqlite", sq0, sizeof sq0);
    json_int_t claims0 = S_total(f, "/v1/claims?limit=1");

    const char *const h[] = {"Authorization: Bearer " TOKEN_WRITE,
                             "X-Change-Reason: left out of the export", NULL};
    struct tc_result r;
    assert_int_equal(tc_request(NULL, "DELETE",
                                test_server_url(&f->ts, "/v1/claims/berman-014", url, sizeof url),
                                h, NULL, 0, &r),
                     0);
    assert_int_equal(r.status, 204);
    tc_result_free(&r);

    /* The old tags no longer match: 200 with new ones. */
    S_get(f, "/v1/export", nd0, &r);
    assert_int_equal(r.status, 200);
    tc_result_free(&r);
    S_get(f, "/v1/export.sqlite", sq0, &r);
    assert_int_equal(r.status, 200);
    tc_result_free(&r);
    S_etag_304(f, "/v1/export", nd1, sizeof nd1);
    S_etag_304(f, "/v1/export.sqlite", sq1, sizeof sq1);
    assert_string_not_equal(nd0, nd1);
    assert_string_not_equal(sq0, sq1);

    /* The deleted claim is in neither. */
    json_t *lines = S_lines(f, NULL, 0);
    assert_int_equal(ju_int(json_object_get(json_array_get(lines, 0), "counts"), "claim"),
                     claims0 - 1);
    for (size_t i = 1; i < json_array_size(lines); i++) {
        json_t *o = json_array_get(lines, i);
        if (strcmp(ju_str(o, "type"), "claim") == 0)
            assert_string_not_equal(ju_str(o, "id"), "berman-014");
    }
    json_decref(lines);
    snprintf(file, sizeof file, "%s/after.sqlite", f->ts.dir);
    S_download(f, file, sq1, sizeof sq1);
    S_check_copy(f, file, claims0 - 1);
    unlink(file);
}

/* Under a time budget too small for it, either is a 503 problem saying so, then served. */
static void test_time_budget(void **state)
{
    (void)state;
    struct test_server ts;
    char err[256], url[512];
    memset(&ts, 0, sizeof ts);
    if (test_server_start(&ts, (const char *const[]){"--query-timeout", "1", NULL}, err,
                          sizeof err) != 0)
        fail_msg("server: %s", err);
    const char *const paths[] = {"/v1/export.sqlite", "/v1/export"};
    for (size_t i = 0; i < 2; i++) {
        struct tc_result r;
        assert_int_equal(tc_get(NULL, test_server_url(&ts, paths[i], url, sizeof url), &r), 0);
        assert_int_equal(r.status, 503);
        assert_non_null(tc_header(&r, "Retry-After"));
        json_t *j = tc_json(&r);
        assert_string_equal(ju_str(j, "type"), "/problems/query-timeout");
        json_decref(j);
        tc_result_free(&r);
    }
    test_server_stop(&ts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_counts_lines_and_collections),
        cmocka_unit_test(test_lines_equal_get_by_id),
        cmocka_unit_test(test_source_lines_hold_their_text),
        cmocka_unit_test(test_metric_relation_and_conflict_lines_equal_list_items),
        cmocka_unit_test(test_etag_and_304),
        cmocka_unit_test(test_unknown_parameter),
        cmocka_unit_test(test_sqlite_copy),
        cmocka_unit_test(test_time_budget),
        cmocka_unit_test(test_write_changes_both_tags),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
