/* Growable buffer, JSON string escaping, shortest doubles, and the streaming JSON writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "buf.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_empty(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_str(&b), "");
    buf_append(&b, "x", 0); /* zero bytes: no allocation needed */
    assert_int_equal(b.len, 0);
    size_t len = 99;
    char *p = buf_steal(&b, &len);
    assert_null(p);
    assert_int_equal(len, 0);
    buf_free(&b);
}

static void test_growth(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    char chunk[37];
    for (size_t i = 0; i < sizeof chunk; i++)
        chunk[i] = (char)('a' + i % 26);
    size_t total = 0;
    for (int i = 0; i < 1000; i++) {
        buf_append(&b, chunk, (size_t)(i % 37));
        total += (size_t)(i % 37);
        assert_int_equal(b.len, total);
        if (total == 0)
            continue; /* nothing appended yet: no allocation either */
        assert_true(b.cap > b.len);
        assert_int_equal(b.data[b.len], '\0');
    }
    assert_false(b.oom);
    /* Content check: replay the same pattern. */
    size_t off = 0;
    for (int i = 0; i < 1000; i++) {
        assert_memory_equal(b.data + off, chunk, (size_t)(i % 37));
        off += (size_t)(i % 37);
    }
    assert_int_equal(strlen(buf_str(&b)), total);
    buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_puts_putc_reset(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "hello");
    buf_putc(&b, ',');
    buf_putc(&b, ' ');
    buf_puts(&b, "world");
    buf_puts(&b, "");
    assert_string_equal(buf_str(&b), "hello, world");
    assert_int_equal(b.len, 12);
    size_t cap = b.cap;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, cap); /* keeps the allocation */
    assert_string_equal(buf_str(&b), "");
    buf_puts(&b, "again");
    assert_string_equal(buf_str(&b), "again");
    buf_free(&b);
}

static void test_printf(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "%d-%s-%.2f", 42, "x", 1.5);
    assert_string_equal(buf_str(&b), "42-x-1.50");
    buf_printf(&b, "%s", "");
    assert_int_equal(b.len, 9);

    /* Longer than the internal 256-byte fast path. */
    char big[1000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    buf_printf(&b, "[%s]%zu", big, sizeof big);
    assert_int_equal(b.len, 9 + 1 + 999 + 1 + 4);
    assert_memory_equal(b.data, "42-x-1.50[q", 11);
    assert_string_equal(b.data + b.len - 6, "q]1000");
    assert_false(b.oom);
    buf_free(&b);
}

static void test_printf_exact_boundaries(void **state)
{
    (void)state;
    /* Around 255/256 bytes the formatter switches path; every length must be exact. */
    for (size_t n = 250; n <= 260; n++) {
        struct buf b;
        buf_init(&b);
        buf_putc(&b, '<');
        buf_printf(&b, "%0*d", (int)n, 7);
        assert_int_equal(b.len, n + 1);
        assert_int_equal(b.data[n], '7');
        assert_int_equal(b.data[n + 1], '\0');
        assert_int_equal(strlen(buf_str(&b)), n + 1);
        buf_free(&b);
    }
}

static void test_steal(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "take me");
    size_t len = 0;
    char *p = buf_steal(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, 7);
    assert_string_equal(p, "take me");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(p);

    buf_puts(&b, "x");
    p = buf_steal(&b, NULL);
    assert_string_equal(p, "x");
    free(p);
}

static void test_oom_is_sticky(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "abc");
    b.oom = true; /* as after a failed allocation */
    buf_puts(&b, "def");
    buf_printf(&b, "%d", 1);
    assert_int_equal(b.len, 3);
    assert_string_equal(buf_str(&b), "");
    size_t len = 5;
    assert_null(buf_steal(&b, &len)); /* frees the data itself */
    assert_int_equal(len, 0);
    assert_false(b.oom);
    buf_free(&b);

    /* A size that cannot be represented sets oom instead of overflowing. */
    buf_init(&b);
    buf_puts(&b, "x");
    buf_append(&b, "y", SIZE_MAX);
    assert_true(b.oom);
    assert_int_equal(b.len, 1);
    buf_reset(&b); /* reset clears the flag */
    assert_false(b.oom);
    buf_puts(&b, "ok");
    assert_string_equal(buf_str(&b), "ok");
    buf_free(&b);
}

/* Escapes s[0..n) and compares with want. */
static void S_esc(const char *s, size_t n, const char *want)
{
    struct buf b;
    buf_init(&b);
    buf_json_escape(&b, s, n);
    if (strcmp(buf_str(&b), want) != 0)
        fail_msg("escape gave '%s', want '%s'", buf_str(&b), want);
    buf_free(&b);
}

#define ESC(lit, want) S_esc(lit, sizeof(lit) - 1, want)

static void test_escape_basics(void **state)
{
    (void)state;
    ESC("", "");
    ESC("plain text / 123", "plain text / 123");
    ESC("say \"hi\"", "say \\\"hi\\\"");
    ESC("back\\slash", "back\\\\slash");
    ESC("a\nb\rc\td", "a\\nb\\rc\\td");
    ESC("\x01\x1f\b\f", "\\u0001\\u001f\\u0008\\u000c");
    ESC("\x7f", "\x7f");      /* DEL needs no escape in JSON */
    ESC("a\0b", "a\\u0000b"); /* NUL inside the length */
}

static void test_escape_utf8(void **state)
{
    (void)state;
    ESC("caf\xC3\xA9", "caf\xC3\xA9");                           /* 2 bytes */
    ESC("\xE2\x82\xAC 5", "\xE2\x82\xAC 5");                     /* 3 bytes */
    ESC("\xF0\x9F\x98\x80!", "\xF0\x9F\x98\x80!");               /* 4 bytes */
    ESC("\xD8\xB9\xD8\xB1\xD8\xA8", "\xD8\xB9\xD8\xB1\xD8\xA8"); /* Arabic */
    ESC("\xEF\xBF\xBF", "\xEF\xBF\xBF");                         /* U+FFFF is valid */
    ESC("\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF");                 /* U+10FFFF */
}

#define FFFD "\xEF\xBF\xBD"

static void test_escape_invalid_bytes(void **state)
{
    (void)state;
    ESC("a\xFF"
        "b",
        "a" FFFD "b");
    ESC("\x80", FFFD);                            /* lone continuation */
    ESC("\xC3", FFFD);                            /* truncated at the end */
    ESC("\xC3(", FFFD "(");                       /* bad continuation */
    ESC("\xE2\x82", FFFD FFFD);                   /* truncated 3-byte */
    ESC("\xC0\xAF", FFFD FFFD);                   /* overlong */
    ESC("\xED\xA0\x80", FFFD FFFD FFFD);          /* surrogate */
    ESC("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* > U+10FFFF */
    ESC("\xF5", FFFD);
    ESC("ok\xC3\xA9\xFF\"", "ok\xC3\xA9" FFFD "\\\"");
}

/* Every escaped byte string must be valid JSON; valid UTF-8 must round-trip exactly. */
static void test_escape_always_valid_json(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; round++) {
        unsigned char raw[24];
        size_t n = (size_t)(round % 24);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            raw[i] = (unsigned char)(seed >> 16);
            if (round % 3 == 0)
                raw[i] &= 0x7f; /* plenty of pure-ASCII (control-heavy) cases */
        }
        struct buf b;
        buf_init(&b);
        buf_putc(&b, '"');
        buf_json_escape(&b, (const char *)raw, n);
        buf_putc(&b, '"');
        json_error_t jerr;
        json_t *j = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        if (!j)
            fail_msg("round %d: invalid JSON (%s): %s", round, jerr.text, b.data);
        assert_true(json_is_string(j));
        if (round % 3 == 0) {
            assert_int_equal(json_string_length(j), n);
            assert_memory_equal(json_string_value(j), raw, n);
        }
        json_decref(j);
        buf_free(&b);
    }
}

static void S_dbl(double d, const char *want)
{
    struct buf b;
    buf_init(&b);
    buf_double(&b, d);
    if (strcmp(buf_str(&b), want) != 0)
        fail_msg("buf_double(%.17g) gave '%s', want '%s'", d, buf_str(&b), want);
    buf_free(&b);
}

static void test_double_text(void **state)
{
    (void)state;
    S_dbl(0.1, "0.1");
    S_dbl(44.354, "44.354");
    S_dbl(-44.354, "-44.354");
    S_dbl(1e300, "1e+300");
    S_dbl(1.5, "1.5");
    S_dbl(0.0, "0");
    S_dbl(3.0, "3");
    S_dbl(-2.0, "-2");
    S_dbl(123456789.0, "123456789");
    S_dbl(0.1 + 0.2, "0.30000000000000004");
    S_dbl(1.0 / 3.0, "0.3333333333333333");
    S_dbl(NAN, "null");
    S_dbl(INFINITY, "null");
    S_dbl(-INFINITY, "null");
}

static void test_double_round_trips(void **state)
{
    (void)state;
    static const double vals[] = {0.1,
                                  44.354,
                                  1e300,
                                  -1e-300,
                                  5e-324,
                                  2.2250738585072014e-308,
                                  1.7976931348623157e308,
                                  9007199254740993.0,
                                  123456789012.5,
                                  1e15,
                                  1e16,
                                  0.30000000000000004,
                                  2.0 / 3.0,
                                  -0.0,
                                  99.99,
                                  1e21,
                                  1e-7};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        struct buf b;
        buf_init(&b);
        buf_double(&b, vals[i]);
        char *end = NULL;
        double back = strtod(buf_str(&b), &end);
        assert_int_equal(*end, '\0');
        if (back != vals[i])
            fail_msg("%.17g printed as '%s' reads back as %.17g", vals[i], buf_str(&b), back);
        /* And it is a JSON number jansson accepts. */
        json_t *j = json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL);
        assert_non_null(j);
        assert_true(json_is_number(j));
        json_decref(j);
        buf_free(&b);
    }
}

static void test_double_integers_no_fraction(void **state)
{
    (void)state;
    for (int64_t v = -1000; v <= 1000; v += 7) {
        char want[32];
        snprintf(want, sizeof want, "%lld", (long long)v);
        S_dbl((double)v, want);
    }
    S_dbl(999999999999999.0, "999999999999999");
}

static void test_writer_nesting(void **state)
{
    (void)state;
    struct buf b;
    struct jw w;
    buf_init(&b);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kstr(&w, "name", "Mar\"sad\"\n");
    jw_kint(&w, "n", -42);
    jw_kbool(&w, "ok", true);
    jw_key(&w, "nothing");
    jw_null(&w);
    jw_key(&w, "list");
    jw_arr_begin(&w);
    jw_int(&w, 1);
    jw_double(&w, 2.5);
    jw_str(&w, "three");
    jw_str(&w, NULL);
    jw_bool(&w, false);
    jw_obj_begin(&w);
    jw_kstr(&w, "deep", "yes");
    jw_key(&w, "empty_arr");
    jw_arr_begin(&w);
    jw_arr_end(&w);
    jw_key(&w, "empty_obj");
    jw_obj_begin(&w);
    jw_obj_end(&w);
    jw_obj_end(&w);
    jw_arr_begin(&w);
    jw_arr_begin(&w);
    jw_arr_end(&w);
    jw_arr_end(&w);
    jw_arr_end(&w);
    jw_key(&w, "raw");
    jw_raw(&w, "{\"pre\":[1,2]}", 13);
    jw_key(&w, "partial");
    jw_strn(&w, "abcdef", 3);
    jw_key(&w, "nan");
    jw_double(&w, NAN);
    jw_key(&w, "min");
    jw_int(&w, INT64_MIN);
    jw_key(&w, "k\"ey");
    jw_int(&w, 0);
    jw_obj_end(&w);
    assert_false(b.oom);
    assert_int_equal(w.depth, 0);

    static const char want[] =
        "{\"name\":\"Mar\\\"sad\\\"\\n\",\"n\":-42,\"ok\":true,\"nothing\":null,"
        "\"list\":[1,2.5,\"three\",null,false,{\"deep\":\"yes\",\"empty_arr\":[],"
        "\"empty_obj\":{}},[[]]],\"raw\":{\"pre\":[1,2]},\"partial\":\"abc\",\"nan\":null,"
        "\"min\":-9223372036854775808,\"k\\\"ey\":0}";
    assert_string_equal(buf_str(&b), want);

    json_error_t jerr;
    json_t *j = json_loadb(b.data, b.len, 0, &jerr);
    if (!j)
        fail_msg("writer output is not JSON (%s): %s", jerr.text, b.data);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "Mar\"sad\"\n");
    assert_int_equal(json_integer_value(json_object_get(j, "min")), INT64_MIN);
    json_t *list = json_object_get(j, "list");
    assert_int_equal(json_array_size(list), 7);
    assert_true(json_real_value(json_array_get(list, 1)) == 2.5);
    assert_true(json_is_null(json_array_get(list, 3)));

    /* Round trip: jansson's compact encoding (insertion order) equals ours. */
    char *again = json_dumps(j, JSON_COMPACT);
    assert_non_null(again);
    assert_string_equal(again, want);
    free(again);
    json_decref(j);
    buf_free(&b);
}

static void test_writer_top_level_array(void **state)
{
    (void)state;
    struct buf b;
    struct jw w;
    buf_init(&b);
    jw_init(&w, &b);
    jw_arr_begin(&w);
    for (int i = 0; i < 5; i++) {
        jw_obj_begin(&w);
        jw_kint(&w, "i", i);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    assert_string_equal(buf_str(&b), "[{\"i\":0},{\"i\":1},{\"i\":2},{\"i\":3},{\"i\":4}]");
    buf_free(&b);
}

static void test_writer_depth_limit(void **state)
{
    (void)state;
    struct buf b;
    struct jw w;
    buf_init(&b);
    jw_init(&w, &b);
    for (int i = 0; i < JW_MAX_DEPTH - 1; i++)
        jw_arr_begin(&w);
    assert_false(b.oom);
    assert_int_equal(w.depth, JW_MAX_DEPTH - 1);
    for (int i = 0; i < JW_MAX_DEPTH - 1; i++)
        jw_arr_end(&w);
    assert_int_equal(w.depth, 0);
    json_t *j = json_loadb(b.data, b.len, 0, NULL);
    assert_non_null(j);
    json_decref(j);

    /* One level deeper than the writer supports: the document is marked failed. */
    buf_reset(&b);
    jw_init(&w, &b);
    for (int i = 0; i < JW_MAX_DEPTH; i++)
        jw_arr_begin(&w);
    assert_true(b.oom);
    assert_string_equal(buf_str(&b), "");
    buf_free(&b);
}

static void test_prepend(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    buf_prepend(&b, "tail", 4);
    assert_string_equal(buf_str(&b), "tail");
    buf_prepend(&b, "head\n", 5);
    assert_string_equal(buf_str(&b), "head\ntail");
    assert_int_equal(b.len, 9);
    buf_prepend(&b, "", 0);
    assert_int_equal(b.len, 9);
    /* Past a growth: the contents move whole. */
    char big[5000];
    memset(big, 'x', sizeof big);
    buf_prepend(&b, big, sizeof big);
    assert_int_equal(b.len, 5009);
    assert_int_equal(b.data[4999], 'x');
    assert_string_equal(b.data + 5000, "head\ntail");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_puts_putc_reset),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_printf_exact_boundaries),
        cmocka_unit_test(test_steal),
        cmocka_unit_test(test_prepend),
        cmocka_unit_test(test_oom_is_sticky),
        cmocka_unit_test(test_escape_basics),
        cmocka_unit_test(test_escape_utf8),
        cmocka_unit_test(test_escape_invalid_bytes),
        cmocka_unit_test(test_escape_always_valid_json),
        cmocka_unit_test(test_double_text),
        cmocka_unit_test(test_double_round_trips),
        cmocka_unit_test(test_double_integers_no_fraction),
        cmocka_unit_test(test_writer_nesting),
        cmocka_unit_test(test_writer_top_level_array),
        cmocka_unit_test(test_writer_depth_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
