/* /v1/sources, /v1/sources/{id}, its claims and its stored text, through the router. */
#include "api.h"
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

/* Number of Unicode code points in UTF-8 text. */
static size_t S_codepoints(const char *s, size_t n)
{
    size_t cp = 0;
    for (size_t i = 0; i < n; i++)
        cp += ((unsigned char)s[i] & 0xC0) != 0x80;
    return cp;
}

/* Byte offset of code point `cp` in UTF-8 text of n bytes. */
static size_t S_byte_at(const char *s, size_t n, int64_t cp)
{
    size_t i = 0;
    int64_t seen = 0;
    for (; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (seen == cp)
                return i;
            seen++;
        }
    }
    return i;
}

/* Case-insensitive (ASCII) substring test. */
static bool S_icontains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        if (strncasecmp(p, needle, n) == 0)
            return true;
    }
    return false;
}

static void test_list_envelope_and_items(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/sources?limit=3", &r);
    json_t *data = api_data(&r);
    assert_int_equal(json_array_size(data), 3);
    json_int_t total = api_total(&r);
    assert_int_equal(total, 38); /* the five documents and the 33 works they cite */
    assert_string_equal(api_header(&r, "X-Total-Count"), "38");
    assert_non_null(strstr(api_header(&r, "Link"), "rel=\"next\""));
    json_t *first = json_array_get(data, 0);
    assert_string_equal(ju_str(first, "id"), "masbah-2015-foreign-fighters");
    assert_string_equal(json_string_value(json_array_get(json_object_get(first, "authors"), 0)),
                        "Mohammed Masbah");
    assert_string_equal(ju_str(first, "published"), "2015");
    assert_string_equal(ju_str(first, "published_precision"), "year");
    assert_non_null(ju_str(first, "published_basis"));
    assert_string_equal(ju_str(first, "kind"), "analysis");
    assert_string_equal(ju_str(first, "language"), "en");
    assert_true(json_is_true(json_object_get(first, "has_text")));
    assert_int_equal(strlen(ju_str(first, "text_sha256")), 64);
    assert_int_equal(
        json_integer_value(json_object_get(first, "claim_count")),
        api_total_of(&api_fx, "/v1/claims?source=masbah-2015-foreign-fighters&limit=1"));
    json_t *links = json_object_get(first, "links");
    assert_string_equal(ju_str(links, "self"), "/v1/sources/masbah-2015-foreign-fighters");
    assert_string_equal(ju_str(links, "claims"), "/v1/sources/masbah-2015-foreign-fighters/claims");
    assert_string_equal(ju_str(links, "text"), "/v1/sources/masbah-2015-foreign-fighters/text");
    const char *keys[] = {"id",
                          "title",
                          "authors",
                          "publisher",
                          "original_publisher",
                          "published",
                          "published_precision",
                          "published_basis",
                          "written",
                          "written_precision",
                          "url",
                          "kind",
                          "language",
                          "note",
                          "claim_count",
                          "has_text",
                          "text_sha256",
                          "links"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (!json_object_get(first, keys[i]))
            fail_msg("source item lacks '%s'", keys[i]);
    }
    api_result_free(&r);
}

static void test_cited_works_have_no_text(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/sources?kind=cited&limit=1000", &r);
    json_t *data = api_data(&r);
    assert_int_equal(api_total(&r), 33);
    assert_int_equal(json_array_size(data), 33);
    size_t i;
    json_t *s;
    json_array_foreach(data, i, s) {
        assert_string_equal(ju_str(s, "kind"), "cited");
        assert_true(json_is_false(json_object_get(s, "has_text")));
        assert_true(json_is_null(json_object_get(s, "text_sha256")));
        assert_true(json_is_null(json_object_get(json_object_get(s, "links"), "text")));
        assert_int_equal(json_integer_value(json_object_get(s, "claim_count")), 0);
    }
    json_t *c12 = ju_find(data, "id", "cite-mohammed-12");
    assert_non_null(c12);
    assert_string_equal(ju_str(c12, "publisher"), "Sky News Arabia");
    assert_string_equal(ju_str(c12, "published"), "2014-10-26");
    assert_string_equal(ju_str(c12, "language"), "ar");
    api_result_free(&r);
}

static void test_list_filters(void **state)
{
    (void)state;
    struct api_result r;
    /* kind: comma list, any of */
    api_get_ok(&api_fx, "/v1/sources?kind=analysis,op-ed", &r);
    assert_int_equal(api_total(&r), 4);
    size_t i;
    json_t *s;
    json_array_foreach(api_data(&r), i, s) {
        const char *k = ju_str(s, "kind");
        assert_true(strcmp(k, "analysis") == 0 || strcmp(k, "op-ed") == 0);
    }
    api_result_free(&r);
    /* cites: the works a source cites, including a stored document */
    api_get_ok(&api_fx, "/v1/sources?cites=mohammed-2020-counterterrorism&limit=100", &r);
    assert_int_equal(api_total(&r), 30);
    assert_non_null(ju_find(api_data(&r), "id", "berman-2019-returnees"));
    assert_non_null(ju_find(api_data(&r), "id", "cite-mohammed-18b"));
    assert_null(ju_find(api_data(&r), "id", "cite-mipa-1"));
    api_result_free(&r);
    api_get_ok(&api_fx, "/v1/sources?cites=mipa-2023-reintegration", &r);
    assert_int_equal(api_total(&r), 4);
    json_array_foreach(api_data(&r), i, s) {
        assert_int_equal(strncmp(ju_str(s, "id"), "cite-mipa-", 10), 0);
    }
    api_result_free(&r);
    /* cited_by: the works citing it */
    api_get_ok(&api_fx, "/v1/sources?cited_by=berman-2019-returnees", &r);
    assert_int_equal(api_total(&r), 1);
    assert_string_equal(ju_str(json_array_get(api_data(&r), 0), "id"),
                        "mohammed-2020-counterterrorism");
    api_result_free(&r);
    assert_int_equal(api_total_of(&api_fx, "/v1/sources?cited_by=masbah-2015-foreign-fighters"), 0);
    assert_int_equal(api_total_of(&api_fx, "/v1/sources?cites=no-such-source"), 0);
    /* cites and kind combine */
    assert_int_equal(
        api_total_of(&api_fx, "/v1/sources?cites=mohammed-2020-counterterrorism&kind=op-ed"), 1);
    /* q: case-insensitive substring of the title */
    api_get_ok(&api_fx, "/v1/sources?q=rAbAt%20is%20coping", &r);
    assert_int_equal(api_total(&r), 1);
    assert_string_equal(ju_str(json_array_get(api_data(&r), 0), "id"), "berman-2019-returnees");
    api_result_free(&r);
    api_get_ok(&api_fx, "/v1/sources?q=interview&kind=cited", &r);
    assert_true(api_total(&r) >= 4);
    json_array_foreach(api_data(&r), i, s) {
        assert_true(S_icontains(ju_str(s, "title"), "interview"));
    }
    api_result_free(&r);
    assert_int_equal(api_total_of(&api_fx, "/v1/sources?q=zzzz-no-title"), 0);
}

static void test_list_sort(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/sources?sort=-published&limit=1000", &r);
    json_t *data = api_data(&r);
    assert_int_equal(json_array_size(data), 38);
    const char *prev = NULL;
    bool seen_null = false;
    size_t i;
    json_t *s;
    json_array_foreach(data, i, s) {
        const char *p = ju_str(s, "published");
        if (!p) {
            seen_null = true;
            continue;
        }
        assert_false(seen_null); /* undated last */
        if (prev)
            assert_true(strcmp(prev, p) >= 0);
        prev = p;
    }
    assert_string_equal(ju_str(json_array_get(data, 0), "id"), "mipa-2023-reintegration");
    api_result_free(&r);

    api_get_ok(&api_fx, "/v1/sources?sort=title&limit=1000", &r);
    prev = NULL;
    json_array_foreach(api_data(&r), i, s) {
        const char *t = ju_str(s, "title");
        if (prev)
            assert_true(strcasecmp(prev, t) <= 0);
        prev = t;
    }
    api_result_free(&r);

    /* a sorted page offers offset links, never a cursor (cursors follow the default order) */
    api_get_ok(&api_fx, "/v1/sources?sort=title&limit=5", &r);
    assert_true(json_is_null(json_object_get(json_object_get(r.json, "meta"), "next_cursor")));
    assert_non_null(ju_str(json_object_get(r.json, "links"), "next"));
    api_result_free(&r);

    api_get_ok(&api_fx, "/v1/sources?sort=-id&limit=1000", &r);
    prev = NULL;
    json_array_foreach(api_data(&r), i, s) {
        const char *id = ju_str(s, "id");
        if (prev)
            assert_true(strcmp(prev, id) > 0);
        prev = id;
    }
    api_result_free(&r);
}

static void test_cursor_paging_covers_all(void **state)
{
    (void)state;
    char target[256] = "/v1/sources?limit=7";
    char seen[64][64];
    size_t n = 0;
    for (int guard = 0; guard < 20; guard++) {
        struct api_result r;
        api_get_ok(&api_fx, target, &r);
        size_t i;
        json_t *s;
        json_array_foreach(api_data(&r), i, s) {
            assert_true(n < 64);
            for (size_t k = 0; k < n; k++)
                assert_string_not_equal(seen[k], ju_str(s, "id"));
            snprintf(seen[n++], sizeof seen[0], "%s", ju_str(s, "id"));
        }
        const char *next = api_next_cursor(&r);
        if (!next) {
            api_result_free(&r);
            break;
        }
        snprintf(target, sizeof target, "/v1/sources?limit=7&cursor=%s", next);
        api_result_free(&r);
    }
    assert_int_equal(n, 38);
}

static void test_list_errors(void **state)
{
    (void)state;
    static const struct {
        const char *target, *param;
    } cases[] = {
        {"/v1/sources?kind=blog", "kind"},
        {"/v1/sources?kind=news,,cited", "kind"},
        {"/v1/sources?sort=year", "sort"},
        {"/v1/sources?sort=title,title", "sort"},
        {"/v1/sources?bogus=1", "bogus"},
        {"/v1/sources?limit=0", "limit"},
        {"/v1/sources?limit=1001", "limit"},
        {"/v1/sources?offset=-1", "offset"},
        {"/v1/sources?cursor=garbage", "cursor"},
        {"/v1/sources?sort=id&cursor=azE6Mg", "cursor"},
        {"/v1/sources?cites=", "cites"},
        {"/v1/sources?cited_by=", "cited_by"},
        {"/v1/sources?q=", "q"},
        {"/v1/sources?format=xml", "format"},
        {"/v1/sources?kind=news&kind=cited", "kind"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        api_get_problem(&api_fx, cases[i].target, 400, cases[i].param);
    }
    char longq[300] = "/v1/sources?q=";
    size_t at = strlen(longq);
    memset(longq + at, 'a', 201);
    longq[at + 201] = '\0';
    api_get_problem(&api_fx, longq, 400, "q");
}

static void test_list_csv(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/sources.csv?kind=op-ed", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    assert_int_equal(strncmp(r.body, "id,title,authors,publisher,", 27), 0);
    /* the authors array joined, not a JSON text */
    assert_non_null(strstr(r.body, "\r\nberman-2019-returnees,How Rabat Is Coping With ISIS "
                                   "Returnees,Ilan I. Berman,"));
    api_result_free(&r);
    /* the older form on the JSON path answers the same */
    struct api_result old;
    api_get(&api_fx, "/v1/sources?format=csv&kind=op-ed", &old);
    api_get(&api_fx, "/v1/sources.csv?kind=op-ed", &r);
    assert_int_equal(old.body_len, r.body_len);
    assert_memory_equal(old.body, r.body, r.body_len);
    api_result_free(&old);
    api_result_free(&r);
}

static void test_get_mohammed_cites(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/sources/mohammed-2020-counterterrorism", &r);
    json_t *d = api_data(&r);
    assert_string_equal(ju_str(d, "id"), "mohammed-2020-counterterrorism");
    json_t *cites = json_object_get(d, "cites");
    assert_int_equal(json_array_size(cites), 30); /* notes 18 and 19 cite two works each */
    long prev = 0;
    size_t labels = 0;
    bool found20 = false;
    size_t i;
    json_t *c;
    json_array_foreach(cites, i, c) {
        long label = strtol(ju_str(c, "label"), NULL, 10);
        assert_true(label >= prev);
        if (label != prev)
            labels++;
        prev = label;
        assert_non_null(ju_str(c, "title"));
        assert_non_null(json_object_get(c, "note"));
        if (strcmp(ju_str(c, "label"), "20") == 0) {
            assert_string_equal(ju_str(c, "id"), "berman-2019-returnees");
            assert_string_equal(ju_str(c, "title"), "How Rabat Is Coping With ISIS Returnees");
            assert_non_null(strstr(ju_str(c, "note"), "Pundicity"));
            found20 = true;
        }
    }
    assert_int_equal(labels, 28);
    assert_int_equal(prev, 28);
    assert_true(found20);
    assert_string_equal(ju_str(json_array_get(cites, 0), "id"), "cite-mohammed-1");
    assert_int_equal(json_array_size(json_object_get(d, "cited_by")), 0);

    /* claims_by_kind: every kind, adding up to claim_count and to the claims list */
    json_t *byk = json_object_get(d, "claims_by_kind");
    assert_int_equal(json_object_size(byk), 6);
    json_int_t sum = 0;
    const char *k;
    json_t *v;
    json_object_foreach(byk, k, v) {
        sum += json_integer_value(v);
        char target[160];
        snprintf(target, sizeof target,
                 "/v1/claims?source=mohammed-2020-counterterrorism&kind=%s&limit=1", k);
        assert_int_equal(json_integer_value(v), api_total_of(&api_fx, target));
    }
    assert_int_equal(sum, json_integer_value(json_object_get(d, "claim_count")));
    assert_int_equal(json_integer_value(json_object_get(byk, "policy")), 40);
    assert_int_equal(json_integer_value(json_object_get(byk, "testimony")), 0);

    json_t *text = json_object_get(d, "text");
    assert_true(json_is_object(text));
    assert_string_equal(ju_str(text, "sha256"), ju_str(d, "text_sha256"));
    /* the text holds Arabic: more bytes than characters */
    assert_true(json_integer_value(json_object_get(text, "bytes")) >
                json_integer_value(json_object_get(text, "chars")));
    api_result_free(&r);
}

static void test_get_berman_cited_by(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/sources/berman-2019-returnees", &r);
    json_t *d = api_data(&r);
    assert_string_equal(ju_str(d, "original_publisher"), "Al-Hurra Digital");
    assert_string_equal(ju_str(d, "published_precision"), "day");
    json_t *by = json_object_get(d, "cited_by");
    assert_int_equal(json_array_size(by), 1);
    json_t *c = json_array_get(by, 0);
    assert_string_equal(ju_str(c, "id"), "mohammed-2020-counterterrorism");
    assert_string_equal(ju_str(c, "label"), "20");
    assert_non_null(ju_str(c, "title"));
    assert_null(json_object_get(c, "note"));
    assert_int_equal(json_array_size(json_object_get(d, "cites")), 0);
    api_result_free(&r);
}

static void test_get_cited_work(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/sources/cite-mohammed-12", &r);
    json_t *d = api_data(&r);
    assert_string_equal(ju_str(d, "kind"), "cited");
    assert_true(json_is_null(json_object_get(d, "text")));
    assert_true(json_is_false(json_object_get(d, "has_text")));
    json_t *by = json_object_get(d, "cited_by");
    assert_int_equal(json_array_size(by), 1);
    assert_string_equal(ju_str(json_array_get(by, 0), "id"), "mohammed-2020-counterterrorism");
    assert_string_equal(ju_str(json_array_get(by, 0), "label"), "12");
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(d, "claims_by_kind"), k, v) {
        assert_int_equal(json_integer_value(v), 0);
    }
    api_result_free(&r);
}

static void test_get_errors(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/sources/no-such-source", &r);
    api_assert_problem(&r, 404, NULL);
    assert_non_null(strstr(r.body, "no-such-source"));
    api_result_free(&r);
    api_get_problem(&api_fx, "/v1/sources/berman-2019-returnees?fields=id", 400, "fields");
    api_request(&api_fx, "POST", "/v1/sources/berman-2019-returnees", NULL, "{}", &r);
    assert_int_equal(r.status, 405);
    api_result_free(&r);
}

static void test_source_claims(void **state)
{
    (void)state;
    struct api_result r;
    /* as many as the claims file holds (db/seed/claims/berman-2019-returnees.json) */
    json_int_t n = api_total_of(&api_fx, "/v1/claims?source=berman-2019-returnees&limit=1");
    assert_true(n >= 45);
    api_get_ok(&api_fx, "/v1/sources/berman-2019-returnees/claims?limit=1000", &r);
    assert_int_equal(api_total(&r), n);
    assert_int_equal(json_array_size(api_data(&r)), n);
    size_t i;
    json_t *c;
    json_array_foreach(api_data(&r), i, c) {
        assert_string_equal(ju_str(c, "source"), "berman-2019-returnees");
        assert_int_equal(strncmp(ju_str(c, "id"), "berman-", 7), 0);
    }
    char total[32];
    snprintf(total, sizeof total, "%lld", (long long)n);
    assert_string_equal(api_header(&r, "X-Total-Count"), total);
    api_result_free(&r);
    /* every claims list parameter works */
    api_get_ok(
        &api_fx,
        "/v1/sources/berman-2019-returnees/claims?kind=statistic&sort=-value&fields=id,value", &r);
    assert_int_equal(api_total(&r), 11);
    json_t *first = json_array_get(api_data(&r), 0);
    assert_null(json_object_get(first, "quote"));
    assert_non_null(json_object_get(first, "value"));
    api_result_free(&r);
    /* the same as /v1/claims?source= */
    assert_int_equal(api_total_of(&api_fx, "/v1/sources/mipa-2023-reintegration/claims"),
                     api_total_of(&api_fx, "/v1/claims?source=mipa-2023-reintegration"));
    /* a cited work exists and has no claims */
    api_get_ok(&api_fx, "/v1/sources/cite-mohammed-12/claims", &r);
    assert_int_equal(api_total(&r), 0);
    api_result_free(&r);
    api_get_problem(&api_fx, "/v1/sources/no-such-source/claims", 404, NULL);
    api_get_problem(&api_fx,
                    "/v1/sources/berman-2019-returnees/claims?source=mipa-2023-reintegration", 400,
                    "source");
    api_get_problem(&api_fx, "/v1/sources/berman-2019-returnees/claims?kind=rumour", 400, "kind");
    api_get_problem(&api_fx, "/v1/sources/berman-2019-returnees/claims?bogus=1", 400, "bogus");
}

/* The five stored documents. */
static const char *const documents[] = {"masbah-2015-foreign-fighters", "almonitor-2017-returnees",
                                        "berman-2019-returnees", "mohammed-2020-counterterrorism",
                                        "mipa-2023-reintegration"};

static void test_text_matches_sha256(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof documents / sizeof documents[0]; i++) {
        char target[160];
        struct api_result meta, text;
        snprintf(target, sizeof target, "/v1/sources/%s", documents[i]);
        api_get_ok(&api_fx, target, &meta);
        json_t *t = json_object_get(api_data(&meta), "text");
        snprintf(target, sizeof target, "/v1/sources/%s/text", documents[i]);
        api_get(&api_fx, target, &text);
        assert_int_equal(text.status, 200);
        assert_string_equal(text.content_type, "text/plain; charset=utf-8");
        assert_true(text.res.cacheable);
        char hex[65];
        sha256_hex(text.body, text.body_len, hex);
        assert_string_equal(hex, ju_str(t, "sha256"));
        assert_int_equal(text.body_len, json_integer_value(json_object_get(t, "bytes")));
        assert_int_equal(S_codepoints(text.body, text.body_len),
                         json_integer_value(json_object_get(t, "chars")));
        api_result_free(&text);
        api_result_free(&meta);
    }
}

static void test_text_claim_offsets(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t d = 0; d < sizeof documents / sizeof documents[0]; d++) {
        char target[200];
        struct api_result text, claims;
        snprintf(target, sizeof target, "/v1/sources/%s/text", documents[d]);
        api_get(&api_fx, target, &text);
        assert_int_equal(text.status, 200);
        char hex[65];
        sha256_hex(text.body, text.body_len, hex);
        snprintf(target, sizeof target,
                 "/v1/sources/%s/claims?limit=1000&fields=id,quote,quote_start,quote_end",
                 documents[d]);
        api_get_ok(&api_fx, target, &claims);
        size_t i;
        json_t *c;
        json_array_foreach(api_data(&claims), i, c) {
            struct api_result q;
            snprintf(target, sizeof target, "/v1/sources/%s/text/%s", documents[d],
                     ju_str(c, "id"));
            api_get_ok(&api_fx, target, &q);
            json_t *qd = api_data(&q);
            assert_string_equal(ju_str(qd, "source"), documents[d]);
            assert_string_equal(ju_str(qd, "claim"), ju_str(c, "id"));
            assert_string_equal(ju_str(qd, "sha256"), hex);
            json_int_t start = json_integer_value(json_object_get(qd, "start"));
            json_int_t end = json_integer_value(json_object_get(qd, "end"));
            assert_int_equal(start, json_integer_value(json_object_get(c, "quote_start")));
            assert_int_equal(end, json_integer_value(json_object_get(c, "quote_end")));
            /* the code point offsets cut the quote out of the served text */
            size_t b0 = S_byte_at(text.body, text.body_len, start);
            size_t b1 = S_byte_at(text.body, text.body_len, end);
            const char *quote = ju_str(c, "quote");
            assert_int_equal(b1 - b0, strlen(quote));
            assert_memory_equal(text.body + b0, quote, b1 - b0);
            assert_string_equal(ju_str(qd, "quote"), quote);
            api_result_free(&q);
            checked++;
        }
        api_result_free(&claims);
        api_result_free(&text);
    }
    assert_true(checked >= 500);
}

/* Undoes the five character references buf_html_escape() writes; NULL on any other '&'. */
static char *S_unescape(const char *s, size_t n)
{
    static const struct {
        const char *ref;
        char c;
    } refs[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    char *out = malloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; out && i < n;) {
        if (s[i] != '&') {
            out[o++] = s[i++];
            continue;
        }
        size_t k = 0;
        while (k < 5 && strncmp(s + i, refs[k].ref, strlen(refs[k].ref)) != 0)
            k++;
        if (k == 5) {
            free(out);
            return NULL;
        }
        out[o++] = refs[k].c;
        i += strlen(refs[k].ref);
    }
    if (out)
        out[o] = '\0';
    return out;
}

/*
 * format=html: the stored text, escaped, in one <pre>, each claim's quote (and nothing else)
 * in <mark id="claim-ID">; with the markup taken out and the references undone it is the
 * stored text byte for byte.
 */
static void test_text_html_marks_the_quote(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t d = 0; d < sizeof documents / sizeof documents[0]; d++) {
        char target[200];
        struct api_result text, claims;
        snprintf(target, sizeof target, "/v1/sources/%s/text", documents[d]);
        api_get(&api_fx, target, &text);
        assert_int_equal(text.status, 200);
        snprintf(target, sizeof target, "/v1/sources/%s/claims?limit=30&fields=id,quote",
                 documents[d]);
        api_get_ok(&api_fx, target, &claims);
        size_t i;
        json_t *c;
        json_array_foreach(api_data(&claims), i, c) {
            struct api_result h;
            const char *id = ju_str(c, "id");
            snprintf(target, sizeof target, "/v1/sources/%s/text?format=html&claim=%s",
                     documents[d], id);
            api_get(&api_fx, target, &h);
            assert_int_equal(h.status, 200);
            assert_string_equal(h.content_type, "text/html; charset=utf-8");
            const char *open = "<pre class=\"marsad-text\">", *close = "</pre>\n";
            assert_true(h.body_len > strlen(open) + strlen(close));
            assert_memory_equal(h.body, open, strlen(open));
            assert_string_equal(h.body + h.body_len - strlen(close), close);
            char mark[160];
            snprintf(mark, sizeof mark, "<mark id=\"claim-%s\">", id);
            const char *m0 = strstr(h.body, mark);
            assert_non_null(m0);
            assert_null(strstr(m0 + 1, "<mark"));
            const char *q0 = m0 + strlen(mark);
            const char *m1 = strstr(q0, "</mark>");
            assert_non_null(m1);
            /* no raw markup inside the text: every < is ours */
            char *quote = S_unescape(q0, (size_t)(m1 - q0));
            assert_non_null(quote);
            assert_string_equal(quote, ju_str(c, "quote"));
            free(quote);
            struct buf plain;
            buf_init(&plain);
            size_t a = strlen(open);
            buf_append(&plain, h.body + a, (size_t)(m0 - h.body) - a);
            buf_append(&plain, q0, (size_t)(m1 - q0));
            const char *rest = m1 + strlen("</mark>");
            buf_append(&plain, rest, (size_t)(h.body + h.body_len - strlen(close) - rest));
            assert_null(memchr(plain.data, '<', plain.len));
            char *back = S_unescape(plain.data, plain.len);
            assert_non_null(back);
            assert_int_equal(strlen(back), text.body_len);
            assert_memory_equal(back, text.body, text.body_len);
            free(back);
            buf_free(&plain);
            api_result_free(&h);
            checked++;
        }
        api_result_free(&claims);
        api_result_free(&text);
    }
    assert_true(checked >= 100);
    /* without a claim: the escaped text, nothing marked */
    struct api_result h;
    api_get(&api_fx, "/v1/sources/berman-2019-returnees/text?format=html", &h);
    assert_int_equal(h.status, 200);
    assert_null(strstr(h.body, "<mark"));
    assert_non_null(strstr(h.body, "Morocco&#39;s"));
    api_result_free(&h);
}

static void test_text_errors(void **state)
{
    (void)state;
    static const struct {
        const char *target;
        unsigned status;
        const char *param;
    } cases[] = {
        {"/v1/sources/cite-mohammed-12/text", 404, NULL},
        {"/v1/sources/no-such-source/text", 404, NULL},
        {"/v1/sources/no-such-source/text/berman-004", 404, NULL},
        {"/v1/sources/berman-2019-returnees/text/mipa-001", 404, NULL},
        {"/v1/sources/berman-2019-returnees/text/berman-999", 404, NULL},
        {"/v1/sources/cite-mohammed-12/text/berman-004", 404, NULL},
        {"/v1/sources/berman-2019-returnees/text/berman-004?context=3", 400, "context"},
        {"/v1/sources/no-such-source/text?format=html&claim=berman-004", 404, NULL},
        {"/v1/sources/berman-2019-returnees/text?format=html&claim=mipa-001", 404, NULL},
        {"/v1/sources/berman-2019-returnees/text?format=html&claim=", 400, "claim"},
        {"/v1/sources/berman-2019-returnees/text?offset=3", 400, "offset"},
        {"/v1/sources/berman-2019-returnees/text?format=pdf", 400, "format"},
        /* the offsets are at /text/{claim}: the text is never JSON */
        {"/v1/sources/berman-2019-returnees/text?claim=berman-004", 400, "claim"},
        {"/v1/sources/berman-2019-returnees/text?format=html&claim=berman-004&claim=berman-005",
         400, "claim"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        api_get_problem(&api_fx, cases[i].target, cases[i].status, cases[i].param);
    }
}

/* GET through the writable fixture's app. */
static void S_wget(struct writable_fixture *wf, const char *target, struct api_result *r)
{
    api_get(&wf->api, target, r);
}

static json_int_t S_wint(struct writable_fixture *wf, const char *target, const char *member,
                         const char *sub)
{
    struct api_result r;
    S_wget(wf, target, &r);
    if (r.status != 200)
        fail_msg("GET %s: %u %s", target, r.status, r.body);
    json_t *v = json_object_get(r.json, "data");
    v = member ? json_object_get(v, member)
               : json_object_get(json_object_get(r.json, "meta"), "total");
    if (sub)
        v = json_object_get(v, sub);
    json_int_t n = json_integer_value(v);
    api_result_free(&r);
    return n;
}

static void test_deleted_records(void **state)
{
    (void)state;
    struct writable_fixture wf;
    assert_int_equal(writable_open(&wf, NULL), 0);
    assert_int_equal(writable_token(&wf, "curator", "write", "sources-test-secret"), 0);
    const char *const auth[] = {"Authorization: Bearer sources-test-secret", NULL};
    struct api_result r;

    /* a deleted claim leaves the counts, the kinds and the text endpoint */
    json_int_t before = S_wint(&wf, "/v1/sources/berman-2019-returnees", "claim_count", NULL);
    api_request(&wf.api, "DELETE", "/v1/claims/berman-004", auth, NULL, &r);
    assert_int_equal(r.status, 204);
    api_result_free(&r);
    assert_int_equal(S_wint(&wf, "/v1/sources/berman-2019-returnees", "claim_count", NULL),
                     before - 1);
    assert_int_equal(
        S_wint(&wf, "/v1/sources/berman-2019-returnees", "claims_by_kind", "statistic"), 10);
    assert_int_equal(S_wint(&wf, "/v1/sources/berman-2019-returnees/claims", NULL, NULL),
                     before - 1);
    /* and the claim counts of the entities it involved */
    json_int_t morocco = api_total_of(&api_fx, "/v1/claims?entity=morocco&limit=1");
    assert_int_equal(S_wint(&wf, "/v1/entities/morocco", "claim_count", NULL), morocco - 1);
    assert_int_equal(S_wint(&wf, "/v1/claims?entity=morocco&limit=1", NULL, NULL), morocco - 1);
    S_wget(&wf, "/v1/entities?q=International%20Crisis", &r);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(api_data(&r), 0), "claim_count")),
        api_total_of(&api_fx, "/v1/claims?entity=international-crisis-group&limit=1") - 1);
    api_result_free(&r);
    S_wget(&wf, "/v1/sources/berman-2019-returnees/text/berman-004", &r);
    api_assert_problem(&r, 404, NULL);
    api_result_free(&r);
    S_wget(&wf, "/v1/sources/berman-2019-returnees/text/berman-005", &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);

    /* a deleted source (one no claim cites as its note) answers 410 everywhere and leaves
     * the lists and the graph */
    api_request(&wf.api, "DELETE", "/v1/sources/cite-mohammed-19a", auth, NULL, &r);
    assert_int_equal(r.status, 204);
    api_result_free(&r);
    const char *gone[] = {"/v1/sources/cite-mohammed-19a", "/v1/sources/cite-mohammed-19a/claims",
                          "/v1/sources/cite-mohammed-19a/text"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        S_wget(&wf, gone[i], &r);
        api_assert_problem(&r, 410, NULL);
        api_result_free(&r);
    }
    assert_int_equal(S_wint(&wf, "/v1/sources", NULL, NULL), 37);
    assert_int_equal(S_wint(&wf, "/v1/sources?cites=mohammed-2020-counterterrorism", NULL, NULL),
                     29);
    S_wget(&wf, "/v1/sources/mohammed-2020-counterterrorism", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(api_data(&r), "cites")), 29);
    assert_null(ju_find(json_object_get(api_data(&r), "cites"), "id", "cite-mohammed-19a"));
    api_result_free(&r);
    writable_close(&wf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_envelope_and_items),
        cmocka_unit_test(test_cited_works_have_no_text),
        cmocka_unit_test(test_list_filters),
        cmocka_unit_test(test_list_sort),
        cmocka_unit_test(test_cursor_paging_covers_all),
        cmocka_unit_test(test_list_errors),
        cmocka_unit_test(test_list_csv),
        cmocka_unit_test(test_get_mohammed_cites),
        cmocka_unit_test(test_get_berman_cited_by),
        cmocka_unit_test(test_get_cited_work),
        cmocka_unit_test(test_get_errors),
        cmocka_unit_test(test_source_claims),
        cmocka_unit_test(test_text_matches_sha256),
        cmocka_unit_test(test_text_claim_offsets),
        cmocka_unit_test(test_text_html_marks_the_quote),
        cmocka_unit_test(test_text_errors),
        cmocka_unit_test(test_deleted_records),
    };
    return cmocka_run_group_tests(tests, api_group_setup, api_group_teardown);
}
