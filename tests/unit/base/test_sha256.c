/* SHA-256 against the FIPS 180-2 / NIST example vectors, and streaming equivalence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sha256.h"

#include <stdlib.h>
#include <string.h>

static void S_expect_hex(const void *data, size_t n, const char *want)
{
    char hex[65];
    memset(hex, 'x', sizeof hex);
    sha256_hex(data, n, hex);
    assert_int_equal(hex[64], '\0');
    assert_string_equal(hex, want);
}

static void test_empty(void **state)
{
    (void)state;
    S_expect_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_abc(void **state)
{
    (void)state;
    S_expect_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_448_bit_vector(void **state)
{
    (void)state;
    static const char msg[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_int_equal(strlen(msg) * 8, 448);
    S_expect_hex(msg, strlen(msg),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_896_bit_vector(void **state)
{
    (void)state;
    static const char msg[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                              "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    assert_int_equal(strlen(msg), 112);
    S_expect_hex(msg, strlen(msg),
                 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
    (void)state;
    static const char want[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    size_t n = 1000000;
    char *m = malloc(n);
    assert_non_null(m);
    memset(m, 'a', n);
    S_expect_hex(m, n, want);

    /* The same message fed in uneven chunks (crossing block boundaries). */
    struct sha256 s;
    sha256_init(&s);
    size_t off = 0, step = 1;
    while (off < n) {
        size_t k = step < n - off ? step : n - off;
        sha256_update(&s, m + off, k);
        off += k;
        step = step * 7 % 131 + 1;
    }
    unsigned char digest[32];
    char hex[65];
    sha256_final(&s, digest);
    sha256_to_hex(digest, hex);
    assert_string_equal(hex, want);
    free(m);
}

/* Messages whose padding lands exactly on or around a block boundary. */
static void test_padding_boundaries(void **state)
{
    (void)state;
    char a[64];
    memset(a, 'a', sizeof a);
    S_expect_hex(a, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    S_expect_hex(a, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    S_expect_hex(a, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

static void test_streaming_matches_one_shot(void **state)
{
    (void)state;
    unsigned char data[300];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 31 + 7);
    for (size_t len = 0; len <= sizeof data; len += 13) {
        char one[65], split[65];
        sha256_hex(data, len, one);
        for (size_t cut = 0; cut <= len; cut += 29) {
            struct sha256 s;
            unsigned char d[32];
            sha256_init(&s);
            sha256_update(&s, data, cut);
            sha256_update(&s, data + cut, 0);
            sha256_update(&s, data + cut, len - cut);
            sha256_final(&s, d);
            sha256_to_hex(d, split);
            assert_string_equal(one, split);
        }
    }
}

static void test_to_hex_lowercase(void **state)
{
    (void)state;
    unsigned char d[32];
    for (int i = 0; i < 32; i++)
        d[i] = (unsigned char)(0xF0 + (i % 16));
    char hex[65];
    sha256_to_hex(d, hex);
    assert_int_equal(strlen(hex), 64);
    assert_memory_equal(hex, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_abc),
        cmocka_unit_test(test_448_bit_vector),
        cmocka_unit_test(test_896_bit_vector),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_padding_boundaries),
        cmocka_unit_test(test_streaming_matches_one_shot),
        cmocka_unit_test(test_to_hex_lowercase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
