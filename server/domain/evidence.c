#define _GNU_SOURCE /* memmem */
#include "evidence.h"

#include <stdio.h>
#include <string.h>

size_t evidence_codepoints(const char *s, size_t n)
{
    size_t cp = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            cp++;
    }
    return cp;
}

enum quote_fit evidence_find_quote(const char *text, size_t tlen, const char *quote, size_t qlen,
                                   int64_t occurrence, struct quote_place *out)
{
    memset(out, 0, sizeof *out);
    int64_t want = occurrence > 0 ? occurrence : 1;
    const char *hit = NULL;
    if (qlen > 0) {
        for (const char *p = text; p < text + tlen;) {
            const char *m = memmem(p, (size_t)(text + tlen - p), quote, qlen);
            if (!m)
                break;
            if (++out->count == want)
                hit = m;
            p = m + 1;
        }
    }
    if (out->count == 0)
        return QUOTE_ABSENT;
    if (!hit)
        return QUOTE_TOO_FEW;
    if (out->count > 1 && occurrence <= 0)
        return QUOTE_AMBIGUOUS;
    out->byte_start = (size_t)(hit - text);
    out->byte_end = out->byte_start + qlen;
    out->cp_start = evidence_codepoints(text, out->byte_start);
    out->cp_end = out->cp_start + evidence_codepoints(quote, qlen);
    return QUOTE_FOUND;
}

const char *evidence_quote_problem(enum quote_fit f, const struct quote_place *p,
                                   const char *source, char *msg, size_t n)
{
    const char *member = "quote";
    switch (f) {
    case QUOTE_FOUND:
        snprintf(msg, n, "fits");
        break;
    case QUOTE_ABSENT:
        snprintf(msg, n, "does not occur verbatim in the stored text of '%.80s'", source);
        break;
    case QUOTE_TOO_FEW:
        member = "occurrence";
        snprintf(msg, n, "the quote occurs only %lld times", (long long)p->count);
        break;
    case QUOTE_AMBIGUOUS:
        snprintf(msg, n, "occurs %lld times in the text; say which with 'occurrence'",
                 (long long)p->count);
        break;
    }
    return member;
}
