/*
 * buf_json_escape() (and the jw_* writer on top of it, and buf_double()).
 *
 * Invariants: the escaped bytes between quotes always parse back with jansson
 * as one string; valid UTF-8 input comes back byte for byte; a document of
 * keys and strings written with jw_* parses; a finite double written by
 * buf_double() reads back as the same double.
 */
#include "fuzz_common.h"

#include "buf.h"

#include <jansson.h>
#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf b;
    buf_init(&b);
    buf_putc(&b, '"');
    buf_json_escape(&b, (const char *)data, size);
    buf_putc(&b, '"');
    FUZZ_CHECK(!b.oom);
    json_error_t je;
    json_t *j = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j)
        fprintf(stderr, "not JSON (%s): %.*s\n", je.text, (int)b.len, b.data);
    FUZZ_CHECK(json_is_string(j));
    if (fuzz_valid_utf8(data, size)) {
        FUZZ_CHECK(json_string_length(j) == size);
        FUZZ_CHECK(size == 0 || memcmp(json_string_value(j), data, size) == 0);
    }
    json_decref(j);

    /* The same bytes as a key and as values inside a document. */
    buf_reset(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "k");
    jw_strn(&w, (const char *)data, size);
    char *key = fuzz_cstr(data, size);
    jw_kstr(&w, key, key);
    jw_key(&w, "a");
    jw_arr_begin(&w);
    jw_strn(&w, (const char *)data, size / 2);
    jw_null(&w);
    jw_arr_end(&w);
    jw_obj_end(&w);
    free(key);
    j = json_loadb(b.data, b.len, JSON_ALLOW_NUL, &je);
    if (!j)
        fprintf(stderr, "not JSON (%s): %.*s\n", je.text, (int)b.len, b.data);
    FUZZ_CHECK(json_is_object(j));
    json_decref(j);

    if (size >= sizeof(double)) {
        double d;
        memcpy(&d, data, sizeof d);
        buf_reset(&b);
        buf_double(&b, d);
        FUZZ_CHECK(!b.oom && b.len > 0);
        j = json_loadb(b.data, b.len, JSON_DECODE_ANY, &je);
        if (!j)
            fprintf(stderr, "not JSON (%s): %.*s\n", je.text, (int)b.len, b.data);
        FUZZ_CHECK(j != NULL);
        if (isfinite(d))
            FUZZ_CHECK(json_is_number(j) && json_number_value(j) == d);
        else
            FUZZ_CHECK(json_is_null(j));
        json_decref(j);
    }
    buf_free(&b);
    return 0;
}
