#include "buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = false;
}

void buf_free(struct buf *b)
{
    free(b->data);
    buf_init(b);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->oom = false;
    if (b->data)
        b->data[0] = '\0';
}

static void S_int(struct buf *b, int64_t v);

static bool S_reserve(struct buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void buf_reserve(struct buf *b, size_t n)
{
    (void)S_reserve(b, n);
}

void buf_append(struct buf *b, const void *p, size_t n)
{
    if (n == 0 || !S_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_prepend(struct buf *b, const void *p, size_t n)
{
    if (n == 0 || !S_reserve(b, n))
        return;
    memmove(b->data + n, b->data, b->len);
    memcpy(b->data, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
    buf_append(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        buf_append(b, small, (size_t)n);
        return;
    }
    if (!S_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    int m = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (m != n) {
        b->oom = true;
        return;
    }
    b->len += (size_t)n;
}

const char *buf_str(struct buf *b)
{
    if (b->oom || !b->data)
        return "";
    return b->data;
}

char *buf_steal(struct buf *b, size_t *len)
{
    char *p = b->oom ? NULL : b->data;
    if (len)
        *len = p ? b->len : 0;
    if (!p)
        free(b->data);
    buf_init(b);
    return p;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t S_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

void buf_json_escape(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* start of the pending run of bytes copied as they are */
    size_t i = 0;
    while (i < n) {
        /* Eight bytes at a time while none needs a look: no control byte, quote,
         * backslash or non-ASCII byte (the zero-byte tests of "Bit Twiddling Hacks"). */
        while (n - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
            uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
            uint64_t flag =
                (w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((bs - ones) & ~bs));
            if (flag & highs)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        size_t ulen = c >= 0x80 ? S_utf8_len(p + i, n - i) : 0;
        if (ulen > 0) {
            i += ulen;
            continue;
        }
        buf_append(b, p + run, i - run);
        switch (c) {
        case '"':
            buf_append(b, "\\\"", 2);
            break;
        case '\\':
            buf_append(b, "\\\\", 2);
            break;
        case '\n':
            buf_append(b, "\\n", 2);
            break;
        case '\r':
            buf_append(b, "\\r", 2);
            break;
        case '\t':
            buf_append(b, "\\t", 2);
            break;
        default:
            if (c < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                buf_append(b, esc, 6);
            } else {
                buf_append(b, "\xEF\xBF\xBD", 3); /* U+FFFD for an invalid byte */
            }
        }
        i++;
        run = i;
    }
    buf_append(b, p + run, n - run);
}

void buf_double(struct buf *b, double d)
{
    if (!isfinite(d)) {
        buf_append(b, "null", 4);
        return;
    }
    if (d == floor(d) && fabs(d) < 1e15) {
        if (d == 0 && signbit(d))
            buf_append(b, "-0", 2); /* as "%.0f" writes it */
        else
            S_int(b, (int64_t)d);
        return;
    }
    char tmp[32];
    for (int prec = 15; prec <= 17; prec++) {
        int n = snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (n < 0 || (size_t)n >= sizeof tmp)
            break;
        if (prec == 17 || strtod(tmp, NULL) == d) {
            buf_append(b, tmp, (size_t)n);
            return;
        }
    }
    b->oom = true;
}

void jw_init(struct jw *w, struct buf *b)
{
    w->b = b;
    w->depth = 0;
    w->first[0] = true;
    w->after_key = false;
}

static void S_sep(struct jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        buf_putc(w->b, ',');
    w->first[w->depth] = false;
}

static void S_open(struct jw *w, char c)
{
    S_sep(w);
    buf_putc(w->b, c);
    if (w->depth + 1 >= JW_MAX_DEPTH) {
        w->b->oom = true;
        return;
    }
    w->depth++;
    w->first[w->depth] = true;
}

static void S_close(struct jw *w, char c)
{
    buf_putc(w->b, c);
    if (w->depth > 0)
        w->depth--;
}

void jw_obj_begin(struct jw *w)
{
    S_open(w, '{');
}

void jw_obj_end(struct jw *w)
{
    S_close(w, '}');
}

void jw_arr_begin(struct jw *w)
{
    S_open(w, '[');
}

void jw_arr_end(struct jw *w)
{
    S_close(w, ']');
}

void jw_key(struct jw *w, const char *key)
{
    S_sep(w);
    size_t n = strlen(key);
    bool plain = true;
    for (size_t i = 0; i < n && plain; i++) {
        unsigned char c = (unsigned char)key[i];
        plain = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
    }
    if (plain && S_reserve(w->b, n + 3)) { /* the usual key: a literal, nothing to escape */
        char *p = w->b->data + w->b->len;
        p[0] = '"';
        memcpy(p + 1, key, n);
        p[n + 1] = '"';
        p[n + 2] = ':';
        w->b->len += n + 3;
        w->b->data[w->b->len] = '\0';
    } else {
        buf_putc(w->b, '"');
        buf_json_escape(w->b, key, n);
        buf_append(w->b, "\":", 2);
    }
    w->after_key = true;
}

void jw_klink(struct jw *w, const char *key, const char *prefix, const char *id, const char *suffix)
{
    jw_key(w, key);
    S_sep(w);
    buf_putc(w->b, '"');
    buf_json_escape(w->b, prefix, strlen(prefix));
    buf_json_escape(w->b, id, strlen(id));
    if (suffix)
        buf_json_escape(w->b, suffix, strlen(suffix));
    buf_putc(w->b, '"');
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
    S_sep(w);
    buf_putc(w->b, '"');
    buf_json_escape(w->b, s, n);
    buf_putc(w->b, '"');
}

void jw_str(struct jw *w, const char *s)
{
    if (!s)
        jw_null(w);
    else
        jw_strn(w, s, strlen(s));
}

char *fmt_u64(char *p, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* Decimal digits of v, sign included. */
static void S_int(struct buf *b, int64_t v)
{
    char tmp[21];
    char *p = tmp;
    if (v < 0)
        *p++ = '-';
    p = fmt_u64(p, v < 0 ? 0u - (uint64_t)v : (uint64_t)v);
    buf_append(b, tmp, (size_t)(p - tmp));
}

void jw_int(struct jw *w, int64_t v)
{
    S_sep(w);
    S_int(w->b, v);
}

void jw_double(struct jw *w, double v)
{
    S_sep(w);
    buf_double(w->b, v);
}

void jw_bool(struct jw *w, bool v)
{
    S_sep(w);
    buf_puts(w->b, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
    S_sep(w);
    buf_append(w->b, "null", 4);
}

void jw_raw(struct jw *w, const char *json, size_t n)
{
    S_sep(w);
    buf_append(w->b, json, n);
}

void jw_members(struct jw *w, const char *obj, size_t n)
{
    if (n < 2 || obj[0] != '{' || obj[n - 1] != '}')
        return;
    size_t i = 1;
    while (i < n - 1 && (obj[i] == ' ' || obj[i] == '\n'))
        i++;
    if (i == n - 1)
        return; /* {} */
    S_sep(w);
    buf_append(w->b, obj + 1, n - 2);
}

void jw_kstr(struct jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s);
}

void jw_kint(struct jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_int(w, v);
}

void jw_kbool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

void buf_html_escape(struct buf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *ref = NULL;
        switch (s[i]) {
        case '&':
            ref = "&amp;";
            break;
        case '<':
            ref = "&lt;";
            break;
        case '>':
            ref = "&gt;";
            break;
        case '"':
            ref = "&quot;";
            break;
        case '\'':
            ref = "&#39;";
            break;
        default:
            continue;
        }
        buf_append(b, s + run, i - run);
        buf_puts(b, ref);
        run = i + 1;
    }
    buf_append(b, s + run, n - run);
}

size_t utf8_invalid_at(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07u;
        } else {
            return i;
        }
        if (i + len > n)
            return i;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += len;
    }
    return n;
}
