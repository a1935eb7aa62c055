/*
 * Keyset cursors: list_cursor_decode() on arbitrary text, and the
 * encode/decode round trip on arbitrary positions.
 *
 * Invariants: a cursor that decodes is canonical (it re-encodes to the same
 * text) and holds a position >= 0; every position >= 0 round-trips; negative
 * positions never decode; a short output buffer gets "".
 */
#include "fuzz_common.h"

#include "list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    int64_t after = -1;
    if (list_cursor_decode(s, &after)) {
        FUZZ_CHECK(after >= 0);
        char again[64];
        list_cursor_encode(after, again, sizeof again);
        FUZZ_CHECK(strcmp(again, s) == 0);
    }
    free(s);

    if (size >= 8) {
        int64_t v;
        memcpy(&v, data, sizeof v);
        char enc[64];
        list_cursor_encode(v, enc, sizeof enc);
        FUZZ_CHECK(enc[0] != '\0' && strlen(enc) < sizeof enc);
        for (const char *p = enc; *p; p++)
            FUZZ_CHECK((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                       (*p >= '0' && *p <= '9') || *p == '-' || *p == '_');
        int64_t back = -1;
        bool ok = list_cursor_decode(enc, &back);
        if (v >= 0)
            FUZZ_CHECK(ok && back == v);
        else
            FUZZ_CHECK(!ok);
        char small[16] = "untouched";
        list_cursor_encode(v, small, sizeof small);
        FUZZ_CHECK(small[0] == '\0');
    }
    return 0;
}
