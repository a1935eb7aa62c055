/* /v1/search through the router, without sockets. */
#include "api.h"
#include "json_util.h"
#include "list.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The hit with this type and id, or NULL. */
static json_t *S_find(json_t *data, const char *type, const char *id)
{
    size_t i;
    json_t *h;
    json_array_foreach(data, i, h) {
        if (strcmp(ju_str(h, "type"), type) == 0 && strcmp(ju_str(h, "id"), id) == 0)
            return h;
    }
    return NULL;
}

static size_t S_count_prefix(json_t *data, const char *prefix)
{
    size_t n = 0, i;
    json_t *h;
    json_array_foreach(data, i, h) {
        if (strcmp(ju_str(h, "type"), "claim") == 0 &&
            strncmp(ju_str(h, "id"), prefix, strlen(prefix)) == 0)
            n++;
    }
    return n;
}

/* The text of an HTML snippet: without the <mark> and </mark> markers, entities decoded. */
static void S_unmark(const char *s, char *out, size_t n)
{
    static const struct {
        const char *entity;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    size_t o = 0;
    while (*s && o + 1 < n) {
        if (strncmp(s, "<mark>", 6) == 0) {
            s += 6;
            continue;
        }
        if (strncmp(s, "</mark>", 7) == 0) {
            s += 7;
            continue;
        }
        /* Any other markup would be the record's text unescaped. */
        assert_true(*s != '<' && *s != '>' && *s != '"' && *s != '\'');
        size_t k = 0;
        while (*s == '&' && k < sizeof ents / sizeof ents[0] &&
               strncmp(s, ents[k].entity, strlen(ents[k].entity)) != 0)
            k++;
        if (*s == '&') {
            assert_true(k < sizeof ents / sizeof ents[0]);
            out[o++] = ents[k].c;
            s += strlen(ents[k].entity);
        } else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
}

/* Every hit is well formed, ranked by score then type then id, and links to its record. */
static void S_check_hits(json_t *data)
{
    size_t i;
    json_t *h;
    double prev_score = -1e300;
    const char *prev_type = "", *prev_id = "";
    json_array_foreach(data, i, h) {
        const char *type = ju_str(h, "type"), *id = ju_str(h, "id");
        assert_non_null(type);
        assert_non_null(id);
        assert_non_null(ju_str(h, "title"));
        assert_non_null(ju_str(h, "snippet"));
        json_t *score = json_object_get(h, "score");
        assert_true(json_is_number(score));
        double sc = json_number_value(score);
        assert_true(sc <= 0.0); /* bm25 in SQLite: more negative is better */
        assert_true(sc >= prev_score);
        if (sc == prev_score) {
            int c = strcmp(prev_type, type);
            assert_true(c < 0 || (c == 0 && strcmp(prev_id, id) < 0));
        }
        prev_score = sc;
        prev_type = type;
        prev_id = id;
        /* highlight() only adds markers to the title. */
        char plain[2048];
        S_unmark(ju_str(h, "title_snippet"), plain, sizeof plain);
        assert_string_equal(plain, ju_str(h, "title"));
        char self[256];
        const char *coll = strcmp(type, "claim") == 0    ? "claims"
                           : strcmp(type, "source") == 0 ? "sources"
                                                         : "programs";
        assert_true(strcmp(type, "claim") == 0 || strcmp(type, "source") == 0 ||
                    strcmp(type, "program") == 0);
        snprintf(self, sizeof self, "/v1/%s/%s", coll, id);
        assert_string_equal(ju_str(json_object_get(h, "links"), "self"), self);
        if (strcmp(type, "claim") == 0) {
            assert_non_null(ju_str(h, "source"));
            assert_string_equal(ju_str(h, "statement"), ju_str(h, "title"));
        } else {
            assert_null(json_object_get(h, "source"));
            assert_null(json_object_get(h, "statement"));
        }
    }
}

static void test_alias_both_ways(void **state)
{
    (void)state;
    struct api_result a, b;
    api_get(&api_fx, "/v1/search?q=Moussalaha&limit=1000", &a);
    api_get(&api_fx, "/v1/search?q=Musalaha&limit=1000", &b);
    assert_int_equal(a.status, 200);
    assert_int_equal(b.status, 200);
    assert_true(a.res.cacheable);
    json_t *da = api_data(&a), *db = api_data(&b);
    S_check_hits(da);
    S_check_hits(db);
    assert_int_equal(json_array_size(da), api_total(&a));
    /* Each spelling finds claims from both documents, whichever spelling they use. */
    assert_true(S_count_prefix(da, "mipa-") >= 20);
    assert_true(S_count_prefix(da, "berman-") >= 15);
    assert_true(S_count_prefix(db, "mipa-") >= 20);
    assert_true(S_count_prefix(db, "berman-") >= 15);
    /* berman-028 says "Musalaha", mipa-034 says "Moussalaha": found by the other spelling. */
    json_t *h = S_find(da, "claim", "berman-028");
    assert_non_null(h);
    assert_null(strstr(ju_str(h, "statement"), "Moussalaha"));
    assert_string_equal(ju_str(h, "source"), "berman-2019-returnees");
    h = S_find(db, "claim", "mipa-034");
    assert_non_null(h);
    assert_null(strstr(ju_str(h, "statement"), "Musalaha"));
    assert_string_equal(ju_str(h, "source"), "mipa-2023-reintegration");
    /* The two result sets overlap on claims of both documents. */
    size_t both_mipa = 0, both_berman = 0, i;
    json_t *x;
    json_array_foreach(da, i, x) {
        if (strcmp(ju_str(x, "type"), "claim") != 0 || !S_find(db, "claim", ju_str(x, "id")))
            continue;
        if (strncmp(ju_str(x, "id"), "mipa-", 5) == 0)
            both_mipa++;
        if (strncmp(ju_str(x, "id"), "berman-", 7) == 0)
            both_berman++;
    }
    assert_true(both_mipa >= 20);
    assert_true(both_berman >= 15);
    /* The program itself, linked to its record. */
    h = S_find(da, "program", "musalaha");
    assert_non_null(h);
    assert_string_equal(ju_str(json_object_get(h, "links"), "self"), "/v1/programs/musalaha");
    /* Its name says "Musalaha": "Moussalaha" is one of its aliases, so the search is for
     * every name of the program and the title's own spelling is marked. */
    assert_non_null(strstr(ju_str(h, "title_snippet"), "<mark>Musalaha"));
    /* A source whose title names the program. */
    h = S_find(da, "source", "cite-mipa-1");
    assert_non_null(h);
    assert_non_null(strstr(ju_str(h, "title_snippet"), "<mark>Moussalaha"));
    assert_string_equal(ju_str(json_object_get(h, "links"), "self"), "/v1/sources/cite-mipa-1");
    api_result_free(&a);
    api_result_free(&b);
}

static void test_haloui_across_sources(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/search?q=Haloui&type=claim&limit=100", &r);
    assert_int_equal(r.status, 200);
    json_t *data = api_data(&r);
    S_check_hits(data);
    assert_true(api_total(&r) >= 8);
    /* Claims mentioning anas-el-haloui, in three documents. */
    const char *ids[] = {"almonitor-051", "almonitor-052", "masbah-051", "mipa-077",
                         "mipa-078",      "mipa-079",      "mipa-080",   "mipa-081"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        if (!S_find(data, "claim", ids[i]))
            fail_msg("'Haloui' does not find %s", ids[i]);
    }
    assert_string_equal(ju_str(S_find(data, "claim", "masbah-051"), "source"),
                        "masbah-2015-foreign-fighters");
    assert_string_equal(ju_str(S_find(data, "claim", "almonitor-051"), "source"),
                        "almonitor-2017-returnees");
    /* Matches in the body are marked in the snippet; long bodies are cut with an ellipsis. */
    size_t marked = 0, cut = 0, i;
    json_t *h;
    json_array_foreach(data, i, h) {
        if (strstr(ju_str(h, "snippet"), "Haloui</mark>"))
            marked++;
        if (strstr(ju_str(h, "snippet"), "\xe2\x80\xa6"))
            cut++;
    }
    assert_true(marked >= 3);
    assert_true(cut >= 1);
    assert_non_null(strstr(ju_str(S_find(data, "claim", "almonitor-051"), "title_snippet"),
                           "el-Haloui</mark>"));
    /* Case and diacritics do not matter; the last word also matches as a prefix. */
    struct api_result u;
    api_get(&api_fx, "/v1/search?q=HAL%C3%93UI&type=claim&limit=100", &u);
    assert_int_equal(u.status, 200);
    assert_int_equal(api_total(&u), api_total(&r));
    api_result_free(&u);
    api_get(&api_fx, "/v1/search?q=Halo&type=claim&limit=100", &u);
    assert_int_equal(u.status, 200);
    assert_true(api_total(&u) >= api_total(&r));
    api_result_free(&u);
    api_result_free(&r);
}

static void test_every_word_must_match(void **state)
{
    (void)state;
    struct api_result one, two;
    api_get(&api_fx, "/v1/search?q=Musalaha&limit=1000", &one);
    api_get(&api_fx, "/v1/search?q=Musalaha%20amnesty&limit=1000", &two);
    assert_int_equal(two.status, 200);
    assert_true(api_total(&two) >= 1);
    assert_true(api_total(&two) < api_total(&one));
    assert_non_null(S_find(api_data(&two), "claim", "berman-038"));
    size_t i;
    json_t *h;
    json_array_foreach(api_data(&two), i, h) {
        assert_non_null(S_find(api_data(&one), ju_str(h, "type"), ju_str(h, "id")));
    }
    api_result_free(&one);
    api_result_free(&two);
}

static void test_type_filter(void **state)
{
    (void)state;
    struct api_result all, prog, cs;
    api_get(&api_fx, "/v1/search?q=Musalaha&limit=1000", &all);
    api_get(&api_fx, "/v1/search?q=Musalaha&type=program&limit=1000", &prog);
    api_get(&api_fx, "/v1/search?q=Musalaha&type=claim,source&limit=1000", &cs);
    assert_int_equal(prog.status, 200);
    assert_int_equal(cs.status, 200);
    S_check_hits(api_data(&prog));
    assert_true(api_total(&prog) >= 1);
    assert_non_null(S_find(api_data(&prog), "program", "musalaha"));
    size_t i;
    json_t *h;
    json_array_foreach(api_data(&prog), i, h) {
        assert_string_equal(ju_str(h, "type"), "program");
    }
    json_array_foreach(api_data(&cs), i, h) {
        assert_string_not_equal(ju_str(h, "type"), "program");
    }
    assert_int_equal(api_total(&prog) + api_total(&cs), api_total(&all));
    api_result_free(&all);
    api_result_free(&prog);
    api_result_free(&cs);
    api_get_problem(&api_fx, "/v1/search?q=Musalaha&type=entity", 400, "type");
    api_get_problem(&api_fx, "/v1/search?q=Musalaha&type=claim,,source", 400, "type");
}

static void test_paging_consistent(void **state)
{
    (void)state;
    struct api_result all;
    api_get(&api_fx, "/v1/search?q=Musalaha&limit=1000", &all);
    json_int_t total = api_total(&all);
    assert_true(total > 14);
    json_t *ad = api_data(&all);
    char target[256], num[32];
    size_t seen = 0;
    for (json_int_t off = 0; off < total; off += 7) {
        struct api_result r;
        snprintf(target, sizeof target, "/v1/search?q=Musalaha&limit=7&offset=%lld",
                 (long long)off);
        api_get(&api_fx, target, &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(api_total(&r), total);
        snprintf(num, sizeof num, "%lld", (long long)total);
        assert_string_equal(api_header(&r, "X-Total-Count"), num);
        json_t *meta = json_object_get(r.json, "meta");
        json_t *links = json_object_get(r.json, "links");
        assert_int_equal(json_integer_value(json_object_get(meta, "offset")), off);
        /* Ranked hits have no keyset position: no cursor is ever offered. */
        assert_true(json_is_null(json_object_get(meta, "next_cursor")));
        bool last = off + 7 >= total;
        assert_int_equal(json_is_null(json_object_get(links, "next")), last);
        assert_int_equal(strstr(api_header(&r, "Link"), "rel=\"next\"") == NULL, last);
        json_t *d = api_data(&r);
        size_t i;
        json_t *h;
        json_array_foreach(d, i, h) {
            json_t *g = json_array_get(ad, seen + i);
            assert_string_equal(ju_str(h, "id"), ju_str(g, "id"));
            assert_string_equal(ju_str(h, "type"), ju_str(g, "type"));
        }
        seen += json_array_size(d);
        assert_int_equal(json_integer_value(json_object_get(meta, "count")), json_array_size(d));
        api_result_free(&r);
    }
    assert_int_equal(seen, total);
    api_result_free(&all);
    /* Past the end: an empty page with the same total. */
    api_get(&api_fx, "/v1/search?q=Musalaha&offset=100000", &all);
    assert_int_equal(all.status, 200);
    assert_int_equal(json_array_size(api_data(&all)), 0);
    assert_int_equal(api_total(&all), total);
    api_result_free(&all);
    /* No match at all is an empty list, not an error. */
    api_get(&api_fx, "/v1/search?q=zzyzxqqv", &all);
    assert_int_equal(all.status, 200);
    assert_int_equal(api_total(&all), 0);
    assert_string_equal(api_header(&all, "X-Total-Count"), "0");
    api_result_free(&all);
}

static void test_hostile_queries(void **state)
{
    (void)state;
    /* Percent-encoded: '"', AND, ((, NEAR(, *, a:b, "' OR 1=1 --", and FTS5 syntax. */
    const char *const qs[] = {
        "%22",
        "AND",
        "%28%28",
        "NEAR%28",
        "*",
        "a%3Ab",
        "%27%20OR%201%3D1%20--",
        "AND%20OR%20%28",
        "%22Musalaha",
        "title%3AMusalaha",
        "%7Btitle%20body%7D%3A%20x",
        "Musalaha%20NOT%20berman",
        "NEAR%28Musalaha%20DGAPR%2C%205%29",
        "%5EMusalaha",
        "-Musalaha",
        "Musalaha%2A%2A",
        "%27%3B%20DROP%20TABLE%20claim%3B%20--",
        "%E2%80%9C%E2%80%9D",
        "%D8%A7%D9%84%D9%85%D8%BA%D8%B1%D8%A8",
        "%F0%9F%98%80",
        "rank%3A1",
        "OR",
        "NOT",
        "%00",
        "%ZZ",
    };
    size_t ok = 0;
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        char target[256];
        struct api_result r;
        snprintf(target, sizeof target, "/v1/search?q=%s", qs[i]);
        api_get(&api_fx, target, &r);
        if (r.status == 200) {
            ok++;
            assert_non_null(r.json);
            S_check_hits(api_data(&r));
            assert_true(api_total(&r) >= (json_int_t)json_array_size(api_data(&r)));
        } else if (r.status == 400) {
            assert_string_equal(r.content_type, "application/problem+json");
        } else {
            fail_msg("q=%s answered %u: %s", qs[i], r.status, r.body);
        }
        api_result_free(&r);
    }
    assert_true(ok >= 15);
    struct api_result r;
    /* No word at all: 400 naming q. */
    const char *const empty[] = {"%22", "%28%28", "*", "%22%22%20%2A%20%28%29", "%2D%2D"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        char target[128];
        snprintf(target, sizeof target, "/v1/search?q=%s", empty[i]);
        api_get_problem(&api_fx, target, 400, "q");
    }
    /* Operators are searched as words, never run. */
    api_get(&api_fx, "/v1/search?q=Musalaha%20OR%20Haloui", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(api_total(&r), 0);
    api_result_free(&r);
    api_get(&api_fx, "/v1/search?q=%27%20OR%201%3D1%20--", &r);
    assert_int_equal(r.status, 200);
    assert_true(api_total(&r) < 100);
    api_result_free(&r);
    /* The Arabic alias of Morocco finds records. */
    api_get(&api_fx, "/v1/search?q=%D8%A7%D9%84%D9%85%D8%BA%D8%B1%D8%A8&type=claim", &r);
    assert_int_equal(r.status, 200);
    assert_true(api_total(&r) >= 1);
    api_result_free(&r);
}

static void test_errors_name_parameters(void **state)
{
    (void)state;
    struct api_result r;
    api_get_problem(&api_fx, "/v1/search", 400, "q");
    api_get_problem(&api_fx, "/v1/search?q=", 400, "q");
    char target[512] = "/v1/search?q=";
    size_t n = strlen(target);
    for (size_t i = 0; i < 201; i++)
        target[n + i] = 'a';
    target[n + 201] = '\0';
    api_get_problem(&api_fx, target, 400, "q");
    target[n + 200] = '\0'; /* 200 bytes is allowed */
    api_get(&api_fx, target, &r);
    assert_int_equal(r.status, 200);
    api_result_free(&r);
    api_get_problem(&api_fx, "/v1/search?q=Musalaha&q=Haloui", 400, "q");
    api_get_problem(&api_fx, "/v1/search?q=Musalaha&bogus=1", 400, "bogus");
    api_get_problem(&api_fx, "/v1/search?q=Musalaha&sort=score", 400, "sort");
    api_get_problem(&api_fx, "/v1/search?q=Musalaha&limit=0", 400, "limit");
    api_get_problem(&api_fx, "/v1/search?q=Musalaha&offset=-1", 400, "offset");
    api_get_problem(&api_fx, "/v1/search?q=Musalaha&format=xml", 400, "format");
    /* Even a well-formed cursor: ranking has no keyset. */
    char cur[64];
    list_cursor_encode(5, cur, sizeof cur);
    snprintf(target, sizeof target, "/v1/search?q=Musalaha&cursor=%s", cur);
    api_get_problem(&api_fx, target, 400, "cursor");
    api_get_problem(&api_fx, "/v1/search?q=Musalaha&cursor=garbage", 400, "cursor");
    /* Every error at once. */
    api_get(&api_fx, "/v1/search?type=x&limit=5000", &r);
    api_assert_problem(&r, 400, "q");
    api_assert_problem(&r, 400, "type");
    api_assert_problem(&r, 400, "limit");
    api_result_free(&r);
    api_request(&api_fx, "POST", "/v1/search?q=Musalaha", NULL, "{}", &r);
    assert_int_equal(r.status, 405);
    api_result_free(&r);
}

/* q percent-encoded into a search target for claims: every byte but letters and digits. */
static void S_claim_search(const char *q, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = (size_t)snprintf(out, n, "/v1/search?type=claim&limit=1000&q=");
    for (const unsigned char *p = (const unsigned char *)q; *p && o + 4 < n; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
}

/* The sorted, comma-joined ids of the claims a search for q finds (at most 1000). */
static void S_claim_ids(const char *q, char *out, size_t n)
{
    char target[600];
    S_claim_search(q, target, sizeof target);
    struct api_result r;
    api_get_ok(&api_fx, target, &r);
    json_t *data = api_data(&r);
    assert_true(api_total(&r) == (json_int_t)json_array_size(data));
    size_t m = json_array_size(data);
    const char **ids = calloc(m ? m : 1, sizeof *ids);
    assert_non_null(ids);
    for (size_t i = 0; i < m; i++)
        ids[i] = ju_str(json_array_get(data, i), "id");
    for (size_t i = 1; i < m; i++) /* insertion sort: a few dozen ids */
        for (size_t j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
            const char *t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < m; i++) {
        int w = snprintf(out + o, n - o, "%s%s", i ? "," : "", ids[i]);
        assert_true(w > 0 && (size_t)w < n - o);
        o += (size_t)w;
    }
    free(ids);
    api_result_free(&r);
}

/*
 * Any name of an entity finds the same claims: for every entity with aliases, its
 * name and each alias give one claim id set, whichever spelling the claims use.
 */
static void test_every_alias_same_claims(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/entities?limit=1000", &r);
    json_t *data = api_data(&r);
    size_t i, checked = 0, names = 0;
    json_t *e;
    static char first[65536], other[65536];
    json_array_foreach(data, i, e) {
        json_t *aliases = json_object_get(e, "aliases");
        if (json_array_size(aliases) == 0)
            continue;
        S_claim_ids(ju_str(e, "name"), first, sizeof first);
        size_t k;
        json_t *a;
        json_array_foreach(aliases, k, a) {
            S_claim_ids(json_string_value(a), other, sizeof other);
            if (strcmp(first, other) != 0)
                fail_msg("entity %s: '%s' finds [%s], its name finds [%s]", ju_str(e, "id"),
                         json_string_value(a), other, first);
            names++;
        }
        checked++;
    }
    assert_true(checked >= 100);
    assert_true(names >= 200);
    api_result_free(&r);
    /* The same person by three spellings; and one not in the text of every claim. */
    S_claim_ids("Abu Hafs", first, sizeof first);
    S_claim_ids("Mohammed Rafiki", other, sizeof other);
    assert_string_equal(first, other);
    S_claim_ids("abdelwahab AL RAFIQI", other, sizeof other);
    assert_string_equal(first, other);
    assert_non_null(strstr(first, "almonitor-016")); /* says "Abdelwahab al-Rafiqi" */
    assert_non_null(strstr(first, "mipa-028"));      /* says "Mohammed Rafiki" */
    /* A name with other words: those words must match too. */
    S_claim_ids("Abu Hafs pardoned", other, sizeof other);
    assert_true(strlen(other) > 0 && strlen(other) < strlen(first));
}

/* The lower-case ASCII words of `name` (a word with any other byte is left out, as the
 * tokenizer folds it), appended to `out` as " w1 w2 ... " (each padded by spaces). */
static void S_name_words(const char *name, char *out, size_t n)
{
    size_t o = strlen(out);
    const char *p = name;
    while (*p) {
        while (*p && !isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80))
            p++;
        const char *w = p;
        bool ascii = true;
        while (*p && (isalnum((unsigned char)*p) || ((unsigned char)*p & 0x80))) {
            ascii = ascii && !((unsigned char)*p & 0x80);
            p++;
        }
        if (p > w && ascii && o + (size_t)(p - w) + 3 < n) {
            if (o == 0)
                out[o++] = ' ';
            for (const char *t = w; t < p; t++)
                out[o++] = (char)tolower((unsigned char)*t);
            out[o++] = ' ';
            out[o] = '\0';
        }
    }
}

/* Every name (and alias) of every entity and program, as " words " per record. */
struct catalog_words {
    char words[512][1024];
    char id[512][96];
    bool person[512];
    size_t n;
};

static void S_catalog_words(struct catalog_words *cw)
{
    static const char *const lists[] = {"/v1/entities?limit=1000", "/v1/programs?limit=1000"};
    cw->n = 0;
    for (size_t l = 0; l < 2; l++) {
        struct api_result r;
        api_get_ok(&api_fx, lists[l], &r);
        size_t i;
        json_t *e;
        json_array_foreach(api_data(&r), i, e) {
            assert_true(cw->n < 512);
            cw->words[cw->n][0] = '\0';
            S_name_words(ju_str(e, "name"), cw->words[cw->n], sizeof cw->words[cw->n]);
            size_t k;
            json_t *a;
            json_array_foreach(json_object_get(e, "aliases"), k, a)
                S_name_words(json_string_value(a), cw->words[cw->n], sizeof cw->words[cw->n]);
            snprintf(cw->id[cw->n], sizeof cw->id[cw->n], "%s", ju_str(e, "id"));
            cw->person[cw->n] = l == 0 && strcmp(ju_str(e, "kind"), "person") == 0;
            cw->n++;
        }
        api_result_free(&r);
    }
}

/* Whether every id of the comma-joined sorted list `part` is in `all`. */
static bool S_ids_within(const char *part, const char *all)
{
    char want[128];
    static char padded[65600];
    snprintf(padded, sizeof padded, ",%s,", all);
    for (const char *p = part; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        snprintf(want, sizeof want, ",%.*s,", (int)len, p);
        if (!strstr(padded, want))
            return false;
        p += len + (c ? 1 : 0);
    }
    return true;
}

/*
 * A word of a person's name that no other record's names hold (a surname alone, as
 * "Rafiki") names that person: it finds every claim the person's name finds, and the
 * claims with the word itself. A word several records share names none of them.
 */
static void test_part_of_person_name(void **state)
{
    (void)state;
    static struct catalog_words cw;
    static char whole[65536], part[65536];
    S_catalog_words(&cw);
    size_t checked = 0;
    for (size_t i = 0; i < cw.n; i++) {
        if (!cw.person[i])
            continue;
        /* each word of the person's names held by no other record */
        for (const char *p = cw.words[i] + 1; *p;) {
            const char *sp = strchr(p, ' ');
            char w[128], pad[132];
            snprintf(w, sizeof w, "%.*s", (int)(sp - p), p);
            p = sp + 1;
            snprintf(pad, sizeof pad, " %s ", w);
            bool unique = strlen(w) >= 3 && !strstr(p, pad); /* first time in this record */
            for (size_t j = 0; unique && j < cw.n; j++)
                unique = j == i || !strstr(cw.words[j], pad);
            if (!unique)
                continue;
            struct api_result r;
            char url[256];
            snprintf(url, sizeof url, "/v1/entities/%s", cw.id[i]);
            api_get_ok(&api_fx, url, &r);
            S_claim_ids(ju_str(api_data(&r), "name"), whole, sizeof whole);
            api_result_free(&r);
            S_claim_ids(w, part, sizeof part);
            if (!S_ids_within(whole, part))
                fail_msg("entity %s: '%s' finds [%s], its name finds [%s]", cw.id[i], w, part,
                         whole);
            checked++;
        }
    }
    assert_true(checked >= 20);
    /* The example: the surname and the kunya find the same claims. */
    S_claim_ids("Rafiki", part, sizeof part);
    S_claim_ids("Abu Hafs", whole, sizeof whole);
    assert_string_equal(part, whole);
    assert_non_null(strstr(part, "almonitor-016")); /* says "Abdelwahab al-Rafiqi" only */
}

/* Snippets are cut from the quote, else the statement; never the claimant or the notes. */
static void test_snippet_from_evidence(void **state)
{
    (void)state;
    struct api_result r;
    api_get_ok(&api_fx, "/v1/search?q=Rafiki&type=claim&limit=1000", &r);
    json_t *data = api_data(&r);
    assert_true(json_array_size(data) > 0);
    size_t i, quotes = 0;
    json_t *h;
    json_array_foreach(data, i, h) {
        const char *field = ju_str(h, "snippet_field");
        char plain[4096];
        S_unmark(ju_str(h, "snippet"), plain, sizeof plain);
        assert_null(strstr(plain, "Masbah and Souad Ahmadoun")); /* mipa's claimant */
        assert_true(strcmp(field, "quote") == 0 || strcmp(field, "statement") == 0);
        if (strcmp(field, "quote") == 0)
            quotes++;
        /* The words around the marks are the field's own, in order. */
        char one[128];
        struct api_result c;
        snprintf(one, sizeof one, "/v1/claims/%s", ju_str(h, "id"));
        api_get_ok(&api_fx, one, &c);
        const char *text = ju_str(json_object_get(c.json, "data"), field);
        assert_non_null(text);
        const char *p = plain;
        if (strncmp(p, "\xe2\x80\xa6", 3) == 0)
            p += 3;
        char head[24];
        size_t n = strcspn(p, "\xe2");
        if (n > sizeof head - 1)
            n = sizeof head - 1;
        memcpy(head, p, n);
        head[n] = '\0';
        if (!strstr(text, head))
            fail_msg("%s: snippet '%s' is not from its %s '%s'", ju_str(h, "id"), plain, field,
                     text);
        api_result_free(&c);
    }
    assert_true(quotes > 0);
    /* mipa-028's quote names Rafiki: its snippet marks his name in the quote. */
    h = S_find(data, "claim", "mipa-028");
    assert_non_null(h);
    assert_string_equal(ju_str(h, "snippet_field"), "quote");
    assert_non_null(strstr(ju_str(h, "snippet"), "Rafiki</mark>"));
    api_result_free(&r);
}

static void test_csv_and_ndjson(void **state)
{
    (void)state;
    struct api_result r;
    api_get(&api_fx, "/v1/search?q=Haloui&type=claim&limit=3&format=csv", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    const char *header =
        "type,id,title,snippet,snippet_field,title_snippet,score,source,statement\r\n";
    assert_true(strncmp(r.body, header, strlen(header)) == 0);
    assert_non_null(strstr(r.body, "\r\nclaim,"));
    size_t lines = 0;
    for (const char *p = r.body; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 4);
    assert_non_null(api_header(&r, "X-Total-Count"));
    api_result_free(&r);
    const char *const accept[] = {"Accept: application/x-ndjson", NULL};
    api_request(&api_fx, "GET", "/v1/search?q=Musalaha&type=program&limit=2", accept, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/x-ndjson");
    const char *nl = strchr(r.body, '\n');
    assert_non_null(nl);
    json_t *first = json_loadb(r.body, (size_t)(nl - r.body), 0, NULL);
    assert_non_null(first);
    assert_string_equal(ju_str(first, "type"), "program");
    assert_non_null(ju_str(json_object_get(first, "links"), "self"));
    json_decref(first);
    api_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alias_both_ways),
        cmocka_unit_test(test_haloui_across_sources),
        cmocka_unit_test(test_every_word_must_match),
        cmocka_unit_test(test_type_filter),
        cmocka_unit_test(test_paging_consistent),
        cmocka_unit_test(test_hostile_queries),
        cmocka_unit_test(test_errors_name_parameters),
        cmocka_unit_test(test_csv_and_ndjson),
        cmocka_unit_test(test_every_alias_same_claims),
        cmocka_unit_test(test_part_of_person_name),
        cmocka_unit_test(test_snippet_from_evidence),
    };
    return cmocka_run_group_tests(tests, api_group_setup, api_group_teardown);
}
