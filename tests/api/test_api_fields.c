/*
 * fields= on every collection, through the router without sockets. The member names a
 * collection accepts are read from the spec the server serves (the pattern of its
 * `fields` parameter), so the spec, the names the handler knows and the items it writes
 * are checked against each other:
 *
 *   - a whole item has no member the spec does not name;
 *   - fields=NAME keeps the members that always come and NAME, with NAME's value as in
 *     the whole item, and the envelope says which members it kept;
 *   - the CSV header is the whole header without the columns not asked for, and NDJSON
 *     lines are as sparse as the JSON items;
 *   - a name the collection does not have is a 400 naming the parameter.
 */
#include "api.h"
#include "csv_doc.h"
#include "json_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_NAMES 64

struct collection {
    const char *path;  /* the JSON list, with its required query if any */
    const char *param; /* the spec's components.parameters entry for fields */
    const char *keep;  /* the members that always come, comma-separated */
};

static const struct collection collections[] = {
    {"/v1/claims?kind=statistic", "ClaimFields", "id"},
    {"/v1/events?", "ClaimFields", "id"},
    {"/v1/sources?", "SourceFields", "id"},
    {"/v1/programs?", "ProgramFields", "id"},
    {"/v1/entities?", "EntityFields", "id"},
    {"/v1/statistics?", "StatisticFields", "id"},
    {"/v1/conflicts?", "ConflictFields", "id"},
    {"/v1/metrics?", "MetricFields", "id"},
    {"/v1/relations?", "RelationFields", "id"},
    {"/v1/search?q=returnees", "SearchHitFields", "type,id"},
};

struct names {
    char buf[2048];
    const char *v[MAX_NAMES];
    size_t n;
};

static json_t *spec;

static int S_setup(void **state)
{
    if (api_group_setup(state) != 0)
        return -1;
    struct api_result r;
    api_get(&api_fx, "/openapi.json", &r);
    spec = json_incref(r.json);
    api_result_free(&r);
    return spec ? 0 : -1;
}

static int S_teardown(void **state)
{
    json_decref(spec);
    return api_group_teardown(state);
}

/* The names of a fields parameter: the first group of its pattern, ^(a|b|c)(,(a|b|c)){0,N}$. */
static void S_names(const char *param, struct names *out)
{
    json_t *p =
        json_object_get(json_object_get(json_object_get(spec, "components"), "parameters"), param);
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "name")), "fields");
    const char *pat = json_string_value(json_object_get(json_object_get(p, "schema"), "pattern"));
    assert_non_null(pat);
    assert_true(strncmp(pat, "^(", 2) == 0);
    const char *end = strchr(pat, ')');
    assert_non_null(end);
    size_t len = (size_t)(end - pat - 2);
    assert_true(len < sizeof out->buf);
    memcpy(out->buf, pat + 2, len);
    out->buf[len] = '\0';
    out->n = 0;
    for (char *s = out->buf; s;) {
        char *bar = strchr(s, '|');
        if (bar)
            *bar = '\0';
        assert_true(out->n < MAX_NAMES);
        out->v[out->n++] = s;
        s = bar ? bar + 1 : NULL;
    }
}

static bool S_in(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *s = list; *s;) {
        const char *c = strchr(s, ',');
        size_t len = c ? (size_t)(c - s) : strlen(s);
        if (len == n && memcmp(s, name, n) == 0)
            return true;
        s = c ? c + 1 : s + len;
    }
    return false;
}

static bool S_named(const struct names *nm, const char *key)
{
    for (size_t i = 0; i < nm->n; i++) {
        if (strcmp(nm->v[i], key) == 0)
            return true;
    }
    return false;
}

static void S_target(char *out, size_t n, const struct collection *c, const char *suffix,
                     const char *query)
{
    const char *q = strchr(c->path, '?');
    assert_non_null(q);
    const char *rest = q + 1;
    int w = snprintf(out, n, "%.*s%s?%s%s%s", (int)(q - c->path), c->path, suffix, rest,
                     *rest ? "&" : "", query);
    assert_true(w > 0 && (size_t)w < n);
}

/* The first line of a CSV body (without a CRLF), copied into out. */
static void S_header(const struct api_result *r, char *out, size_t n)
{
    const char *crlf = strstr(r->body, "\r\n");
    assert_non_null(crlf);
    size_t len = (size_t)(crlf - r->body);
    assert_true(len < n);
    memcpy(out, r->body, len);
    out[len] = '\0';
}

/* The header of the whole CSV restricted to the kept columns, in its order. */
static void S_expected_header(const char *whole, const char *keep, const char *name, char *out,
                              size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (const char *s = whole; *s;) {
        const char *c = strchr(s, ',');
        size_t len = c ? (size_t)(c - s) : strlen(s);
        char col[128];
        assert_true(len < sizeof col);
        memcpy(col, s, len);
        col[len] = '\0';
        /* a column "a.claim" (a member of the object a) goes with the member a */
        col[strcspn(col, ".")] = '\0';
        if (S_in(keep, col) || strcmp(col, name) == 0) {
            memcpy(col, s, len);
            col[len] = '\0';
            int w = snprintf(out + o, n - o, "%s%s", o ? "," : "", col);
            assert_true(w > 0 && (size_t)w < n - o);
            o += (size_t)w;
        }
        s = c ? c + 1 : s + len;
    }
}

static void S_check_collection(const struct collection *c)
{
    struct names nm;
    S_names(c->param, &nm);
    for (const char *s = c->keep; *s;) {
        const char *comma = strchr(s, ',');
        char k[32];
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        memcpy(k, s, len);
        k[len] = '\0';
        assert_true(S_named(&nm, k));
        s = comma ? comma + 1 : s + len;
    }

    char target[512];
    struct api_result whole, whole_csv;
    S_target(target, sizeof target, c, "", "limit=5");
    api_get_ok(&api_fx, target, &whole);
    assert_null(json_object_get(whole.json, "fields")); /* a whole page names no fields */
    json_t *items = api_data(&whole);
    assert_true(json_array_size(items) > 0);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const char *key;
        json_t *v;
        json_object_foreach(it, key, v) {
            if (!S_named(&nm, key))
                fail_msg("%s: member %s is not a name of %s", target, key, c->param);
        }
    }
    S_target(target, sizeof target, c, ".csv", "limit=5");
    api_get(&api_fx, target, &whole_csv);
    assert_int_equal(whole_csv.status, 200);
    char whole_header[2048];
    S_header(&whole_csv, whole_header, sizeof whole_header);

    for (size_t k = 0; k < nm.n; k++) {
        const char *name = nm.v[k];
        char q[128];
        snprintf(q, sizeof q, "limit=5&fields=%s", name);
        struct api_result sp;
        S_target(target, sizeof target, c, "", q);
        api_get_ok(&api_fx, target, &sp);
        /* the envelope: the kept members in the order of the names */
        json_t *fields = json_object_get(sp.json, "fields");
        assert_true(json_is_array(fields));
        size_t f = 0;
        for (size_t j = 0; j < nm.n; j++) {
            if (S_in(c->keep, nm.v[j]) || strcmp(nm.v[j], name) == 0) {
                assert_string_equal(json_string_value(json_array_get(fields, f)), nm.v[j]);
                f++;
            }
        }
        assert_int_equal(json_array_size(fields), f);
        /* the same items, each cut to the kept members with their whole values */
        json_t *data = api_data(&sp);
        assert_int_equal(json_array_size(data), json_array_size(items));
        json_array_foreach(data, i, it) {
            json_t *full = json_array_get(items, i);
            const char *key;
            json_t *v;
            json_object_foreach(it, key, v) {
                if (!S_in(c->keep, key) && strcmp(key, name) != 0)
                    fail_msg("%s: member %s was not asked for", target, key);
                if (!json_equal(v, json_object_get(full, key)))
                    fail_msg("%s: member %s differs from the whole item's", target, key);
            }
            json_object_foreach(full, key, v) {
                if ((S_in(c->keep, key) || strcmp(key, name) == 0) && !json_object_get(it, key))
                    fail_msg("%s: member %s of the whole item is missing", target, key);
            }
        }
        api_result_free(&sp);

        /* CSV: the whole header without the columns not asked for */
        struct api_result csv;
        S_target(target, sizeof target, c, ".csv", q);
        api_get(&api_fx, target, &csv);
        assert_int_equal(csv.status, 200);
        char got[2048], want[2048];
        S_header(&csv, got, sizeof got);
        S_expected_header(whole_header, c->keep, name, want, sizeof want);
        if (strcmp(got, want) != 0)
            fail_msg("%s: CSV header \"%s\", want \"%s\"", target, got, want);
        api_result_free(&csv);

        /* NDJSON: each line as sparse as a JSON item */
        struct api_result nd;
        S_target(target, sizeof target, c, ".ndjson", q);
        api_get(&api_fx, target, &nd);
        assert_int_equal(nd.status, 200);
        size_t lines = 0;
        for (const char *p = nd.body; *p;) {
            const char *nl = strchr(p, '\n');
            assert_non_null(nl);
            json_error_t je;
            json_t *line = json_loadb(p, (size_t)(nl - p), 0, &je);
            assert_non_null(line);
            const char *key;
            json_t *v;
            json_object_foreach(line, key, v) {
                if (!S_in(c->keep, key) && strcmp(key, name) != 0)
                    fail_msg("%s: NDJSON member %s was not asked for", target, key);
            }
            json_decref(line);
            lines++;
            p = nl + 1;
        }
        assert_int_equal(lines, json_array_size(items));
        api_result_free(&nd);
    }

    /* a name the collection does not have, on each representation */
    static const char *const suffixes[] = {"", ".csv", ".ndjson"};
    for (size_t s = 0; s < 3; s++) {
        S_target(target, sizeof target, c, suffixes[s], "fields=id,no_such_member");
        struct api_result bad;
        api_get(&api_fx, target, &bad);
        api_assert_problem(&bad, 400, "fields");
        assert_non_null(strstr(bad.body, "no_such_member"));
        api_result_free(&bad);
    }
    api_result_free(&whole);
    api_result_free(&whole_csv);
}

static void test_every_collection(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof collections / sizeof collections[0]; i++)
        S_check_collection(&collections[i]);
}

/* Every list of the spec whose JSON page can be sparse takes a fields parameter on its twins. */
static void test_spec_twins_take_fields(void **state)
{
    (void)state;
    json_t *paths = json_object_get(spec, "paths");
    size_t checked = 0;
    for (size_t i = 0; i < sizeof collections / sizeof collections[0]; i++) {
        const char *path = collections[i].path;
        size_t plen = (size_t)(strchr(path, '?') - path);
        static const char *const suffixes[] = {"", ".csv", ".ndjson"};
        for (size_t s = 0; s < 3; s++) {
            char key[128];
            snprintf(key, sizeof key, "%.*s%s", (int)plen, path, suffixes[s]);
            json_t *params =
                json_object_get(json_object_get(json_object_get(paths, key), "get"), "parameters");
            assert_true(json_is_array(params));
            char want[128];
            snprintf(want, sizeof want, "#/components/parameters/%s", collections[i].param);
            bool found = false;
            size_t k;
            json_t *p;
            json_array_foreach(params, k, p) {
                const char *ref = json_string_value(json_object_get(p, "$ref"));
                found = found || (ref && strcmp(ref, want) == 0);
            }
            if (!found)
                fail_msg("GET %s has no %s parameter", key, collections[i].param);
            checked++;
        }
    }
    assert_int_equal(checked, 3 * (sizeof collections / sizeof collections[0]));
}

/*
 * Every collection's CSV is its JSON in cells, read back with an RFC 4180 reader: one
 * row per item; each column a member (or "a.claim", a member of an object member) whose
 * cell is the member's text as the JSON gives it; every member that fits a cell (a
 * scalar or a list of texts) has a column, so the CSV loses nothing a cell can hold.
 */
static void test_csv_cells_are_the_json(void **state)
{
    (void)state;
    for (size_t ci = 0; ci < sizeof collections / sizeof collections[0]; ci++) {
        const struct collection *c = &collections[ci];
        char target[512];
        struct api_result csv, js;
        S_target(target, sizeof target, c, ".csv", "limit=60");
        api_get(&api_fx, target, &csv);
        assert_int_equal(csv.status, 200);
        S_target(target, sizeof target, c, "", "limit=60");
        api_get_ok(&api_fx, target, &js);
        struct csv_doc d;
        csv_doc_parse(csv.body, csv.body_len, &d);
        json_t *data = api_data(&js);
        assert_true(json_array_size(data) > 0);
        assert_int_equal(d.nrows, json_array_size(data) + 1);
        for (size_t r = 1; r < d.nrows; r++) {
            json_t *item = json_array_get(data, r - 1);
            assert_int_equal(d.ncells[r], d.ncells[0]);
            for (size_t h = 0; h < d.ncells[0]; h++) {
                const char *col = d.rows[0][h];
                /* the member the column's path names ("summary.lowest.claim") */
                json_t *m = item;
                for (const char *p = col; m;) {
                    char seg[64];
                    size_t len = strcspn(p, ".");
                    snprintf(seg, sizeof seg, "%.*s", (int)len, p);
                    m = json_is_object(m) ? json_object_get(m, seg) : NULL;
                    if (!p[len])
                        break;
                    p += len + 1;
                }
                if (m && (json_is_object(m) || (json_is_array(m) && json_array_size(m) &&
                                                !json_is_string(json_array_get(m, 0)))))
                    fail_msg("%s: column %s holds a structure", target, col);
                const char *cell = d.rows[r][h];
                if (m && json_is_real(m)) {
                    char *end = NULL;
                    if (strtod(cell, &end) != json_real_value(m) || *end)
                        fail_msg("%s: row %zu %s: '%s' is not %.17g", target, r, col, cell,
                                 json_real_value(m));
                    continue;
                }
                struct buf want;
                buf_init(&want);
                csv_expected_cell(m, &want);
                if (strcmp(cell, buf_str(&want)) != 0)
                    fail_msg("%s: row %zu %s: '%s', want '%s'", target, r, col, cell,
                             buf_str(&want));
                buf_free(&want);
            }
            /* a member that fits a cell has a column */
            const char *key;
            json_t *v;
            json_object_foreach(item, key, v) {
                bool fits = !json_is_null(v) && !json_is_object(v) && /* null: any shape */
                            !(json_is_array(v) && json_array_size(v) &&
                              !json_is_string(json_array_get(v, 0)));
                bool found = false;
                for (size_t h = 0; h < d.ncells[0] && !found; h++)
                    found = strcmp(d.rows[0][h], key) == 0;
                if (fits && !found)
                    fail_msg("%s: member %s has no column", target, key);
            }
        }
        csv_doc_free(&d);
        api_result_free(&csv);
        api_result_free(&js);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_collection),
        cmocka_unit_test(test_csv_cells_are_the_json),
        cmocka_unit_test(test_spec_twins_take_fields),
    };
    return cmocka_run_group_tests(tests, S_setup, S_teardown);
}
