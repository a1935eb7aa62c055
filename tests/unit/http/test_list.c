/*
 * The collection writer's CSV (server/http/list.c): the formula guard for each character OWASP
 * names, numbers left alone, arrays joined, line breaks kept inside quoted cells, the byte
 * order mark of bom=1, the representation a .csv or .ndjson path names, JSON escapes
 * decoded into cells, and sparse fieldsets (fields=) in every representation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "list.h"

#include <stdio.h>
#include <string.h>

static const char *const columns[] = {"text", "n", "tags", NULL};

/* The CSV of one item per JSON text in items[], through list_begin .. list_end. */
static void S_csv(const char *target, const char *const *items, size_t n, struct http_response *res)
{
    struct http_request req;
    struct query_errors qe;
    struct list_params lp;
    char err[128];
    memset(&req, 0, sizeof req);
    req.method = HTTP_GET;
    assert_int_equal(http_request_parse_target(&req, target, err, sizeof err), 0);
    query_errors_init(&qe);
    list_parse(&req, &qe, &lp);
    assert_int_equal(qe.n, 0);
    assert_int_equal(lp.format, LIST_CSV);
    http_response_init(res);
    struct list_ctx lc;
    list_begin(&lc, &req, res, &lp, columns);
    for (size_t i = 0; i < n; i++) {
        struct jw *w = list_item_begin(&lc);
        jw_raw(w, items[i], strlen(items[i]));
        list_item_end(&lc, (int64_t)i + 1);
    }
    list_end(&lc, (int64_t)n);
    list_free(&lc);
    buf_putc(&res->body, '\0');
    res->body.len--;
    http_request_free(&req);
}

/* The second line of a CSV body (the one data row). */
static void S_row(const char *target, const char *item, char *out, size_t cap)
{
    struct http_response res;
    const char *items[] = {item};
    S_csv(target, items, 1, &res);
    const char *body = res.body.data;
    const char *nl = strstr(body, "\r\n");
    assert_non_null(nl);
    const char *end = body + res.body.len;
    assert_true(end - (nl + 2) >= 2);
    assert_memory_equal(end - 2, "\r\n", 2);
    size_t len = (size_t)(end - 2 - (nl + 2));
    assert_true(len < cap);
    memcpy(out, nl + 2, len);
    out[len] = '\0';
    http_response_free(&res);
}

static void test_formula_guard_each_character(void **state)
{
    (void)state;
    static const struct {
        const char *item, *row;
    } cases[] = {
        {"{\"text\":\"=1+1\"}", "\"'=1+1\",,"},
        {"{\"text\":\"+212 5\"}", "\"'+212 5\",,"},
        {"{\"text\":\"-2+3\"}", "\"'-2+3\",,"},
        {"{\"text\":\"@SUM(A1)\"}", "\"'@SUM(A1)\",,"},
        {"{\"text\":\"\\tcmd\"}", "\"'\tcmd\",,"},
        {"{\"text\":\"\\rcmd\"}", "\"'\rcmd\",,"},
        /* a quote inside is doubled after the guard */
        {"{\"text\":\"=HYPERLINK(\\\"x\\\")\"}", "\"'=HYPERLINK(\"\"x\"\")\",,"},
        /* not at the start: left alone */
        {"{\"text\":\"a=b\"}", "a=b,,"},
        /* numbers are not texts: a negative number stays a number */
        {"{\"n\":-3}", ",-3,"},
        {"{\"n\":-0.5}", ",-0.5,"},
        /* a joined array that starts like a formula is guarded too */
        {"{\"tags\":[\"=x\",\"y\"]}", ",,\"'=x; y\""},
    };
    char row[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        S_row("/v1/x.csv", cases[i].item, row, sizeof row);
        assert_string_equal(row, cases[i].row);
    }
}

static void test_arrays_joined_and_line_breaks_kept(void **state)
{
    (void)state;
    char row[256];
    S_row("/v1/x.csv", "{\"tags\":[\"returnees\",\"prisons\"],\"n\":2}", row, sizeof row);
    assert_string_equal(row, ",2,returnees; prisons");
    S_row("/v1/x.csv", "{\"tags\":[1,2.5]}", row, sizeof row);
    assert_string_equal(row, ",,1; 2.5");
    S_row("/v1/x.csv", "{\"tags\":[]}", row, sizeof row);
    assert_string_equal(row, ",,");
    /* an array of objects stays JSON */
    S_row("/v1/x.csv", "{\"tags\":[{\"a\":1}]}", row, sizeof row);
    assert_string_equal(row, ",,\"[{\"\"a\"\":1}]\"");
    /* RFC 4180: a line break inside a text is kept inside the quoted cell */
    S_row("/v1/x.csv", "{\"text\":\"Mo-\\nroccans, \\r\\nall\"}", row, sizeof row);
    assert_string_equal(row, "\"Mo-\nroccans, \r\nall\",,");
}

static void test_bom(void **state)
{
    (void)state;
    const char *items[] = {"{\"text\":\"a\"}"};
    struct http_response plain, bom;
    S_csv("/v1/x.csv", items, 1, &plain);
    S_csv("/v1/x.csv?bom=1", items, 1, &bom);
    assert_int_equal(bom.body.len, plain.body.len + 3);
    assert_memory_equal(bom.body.data, "\xEF\xBB\xBF", 3);
    assert_memory_equal(bom.body.data + 3, plain.body.data, plain.body.len);
    http_response_free(&plain);
    http_response_free(&bom);
    S_csv("/v1/x.csv?bom=0", items, 1, &bom);
    assert_memory_equal(bom.body.data, "text,n,tags\r\n", 13);
    http_response_free(&bom);
}

/* JSON escapes become the characters they stand for; whitespace in an item is no member. */
static void test_escapes_decoded(void **state)
{
    (void)state;
    char row[256];
    S_row("/v1/x.csv", "{\"text\":\"a\\\"b\\\\c\\/d \\u00e9 \\ud83d\\ude00 \\u2014\"}", row,
          sizeof row);
    assert_string_equal(row, "\"a\"\"b\\c/d \xC3\xA9 \xF0\x9F\x98\x80 \xE2\x80\x94\",,");
    S_row("/v1/x.csv", "{ \"n\" : 3 ,\n \"text\" : \"x\" , \"tags\" : [ \"p\" , 2 ] }", row,
          sizeof row);
    assert_string_equal(row, "x,3,p; 2");
    /* a string holding brackets, braces and commas does not end its member early */
    S_row("/v1/x.csv", "{\"tags\":[{\"a\":\"]},{\"}],\"n\":-1.5e3,\"text\":true}", row, sizeof row);
    assert_string_equal(row, "true,-1.5e3,\"[{\"\"a\"\":\"\"]},{\"\"}]\"");
}

static const char *const sparse_names[] = {"id", "text", "n", "tags", NULL};

/* A page of items in the representation the target names, with fields= over sparse_names. */
static void S_page(const char *target, const char *const *items, size_t n,
                   struct http_response *res, struct query_errors *qe)
{
    struct http_request req;
    struct list_params lp;
    char err[128];
    memset(&req, 0, sizeof req);
    req.method = HTTP_GET;
    assert_int_equal(http_request_parse_target(&req, target, err, sizeof err), 0);
    query_errors_init(qe);
    list_parse(&req, qe, &lp);
    list_fields(&req, qe, &lp, sparse_names, 1, "a thing");
    http_response_init(res);
    if (qe->n == 0) {
        struct list_ctx lc;
        list_begin(&lc, &req, res, &lp, columns);
        for (size_t i = 0; i < n; i++) {
            struct jw *w = list_item_begin(&lc);
            jw_raw(w, items[i], strlen(items[i]));
            list_item_end(&lc, (int64_t)i + 1);
        }
        list_end(&lc, (int64_t)n);
        list_free(&lc);
    }
    buf_putc(&res->body, '\0');
    res->body.len--;
    http_request_free(&req);
}

static void test_sparse_fields(void **state)
{
    (void)state;
    const char *items[] = {"{\"id\":\"a\",\"text\":\"t, u\",\"n\":1,\"tags\":[\"x\",\"y\"]}",
                           "{\"id\":\"b\",\"text\":null,\"n\":{\"deep\":[1,{\"n\":2}]}}"};
    struct http_response res;
    struct query_errors qe;
    S_page("/v1/x?fields=n", items, 2, &res, &qe);
    assert_int_equal(qe.n, 0);
    assert_non_null(strstr(res.body.data, "{\"data\":[{\"id\":\"a\",\"n\":1},{\"id\":\"b\",\"n\":"
                                          "{\"deep\":[1,{\"n\":2}]}}],"));
    assert_non_null(strstr(res.body.data, ",\"fields\":[\"id\",\"n\"]}"));
    http_response_free(&res);
    S_page("/v1/x.ndjson?fields=tags,text", items, 2, &res, &qe);
    assert_string_equal(res.body.data, "{\"id\":\"a\",\"text\":\"t, u\",\"tags\":[\"x\",\"y\"]}\n"
                                       "{\"id\":\"b\",\"text\":null}\n");
    http_response_free(&res);
    /* CSV keeps the columns asked for, in the columns' order */
    S_page("/v1/x.csv?fields=tags,text", items, 2, &res, &qe);
    assert_string_equal(res.body.data, "text,tags\r\n\"t, u\",x; y\r\n,\r\n");
    http_response_free(&res);
    /* every member asked for is a whole page: no "fields" */
    S_page("/v1/x?fields=id,text,n,tags", items, 1, &res, &qe);
    assert_int_equal(qe.n, 0);
    assert_null(strstr(res.body.data, "\"fields\""));
    assert_non_null(strstr(res.body.data, items[0]));
    http_response_free(&res);
    /* an unknown member is a 400 naming the members there are */
    S_page("/v1/x?fields=text,colour", items, 1, &res, &qe);
    assert_int_equal(qe.n, 1);
    assert_string_equal(qe.param[0], "fields");
    assert_string_equal(qe.msg[0],
                        "unknown field 'colour'; the members of a thing are: id, text, n, tags");
    http_response_free(&res);
    S_page("/v1/x?fields=text,,n", items, 1, &res, &qe);
    assert_int_equal(qe.n, 1);
    http_response_free(&res);
}

/* The path names the representation; format= beside it and bom= off CSV are refused. */
static void test_path_format(void **state)
{
    (void)state;
    enum list_format f = LIST_JSON;
    assert_true(list_path_format("/v1/claims.csv", &f));
    assert_int_equal(f, LIST_CSV);
    assert_true(list_path_format("/v1/sources/x/claims.ndjson", &f));
    assert_int_equal(f, LIST_NDJSON);
    assert_false(list_path_format("/v1/claims", &f));
    assert_false(list_path_format(".csv", &f));
    static const struct {
        const char *target, *param;
    } bad[] = {
        {"/v1/claims.csv?format=json", "format"},
        {"/v1/claims?bom=1", "bom"},
        {"/v1/claims.ndjson?bom=1", "bom"},
        {"/v1/claims.csv?bom=2", "bom"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct http_request req;
        struct query_errors qe;
        struct list_params lp;
        char err[128];
        memset(&req, 0, sizeof req);
        assert_int_equal(http_request_parse_target(&req, bad[i].target, err, sizeof err), 0);
        query_errors_init(&qe);
        list_parse(&req, &qe, &lp);
        assert_int_equal(qe.n, 1);
        assert_string_equal(qe.param[0], bad[i].param);
        http_request_free(&req);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formula_guard_each_character),
        cmocka_unit_test(test_arrays_joined_and_line_breaks_kept),
        cmocka_unit_test(test_escapes_decoded),
        cmocka_unit_test(test_sparse_fields),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_path_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
