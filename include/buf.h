/*
 * A growable byte buffer with a sticky error flag, and a streaming JSON writer
 * on top of it.
 *
 * After an allocation failure every further append is a no-op and `oom` stays
 * set, so a caller builds a whole document and checks once at the end.
 * The data is always NUL-terminated when len > 0 or after buf_str().
 */
#ifndef MARSAD_BUF_H
#define MARSAD_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Makes room for n more bytes at once (sets oom when it cannot). */
void buf_reserve(struct buf *b, size_t n);
void buf_append(struct buf *b, const void *p, size_t n);
/* Inserts p[0..n) before the contents (p must not point into b). */
void buf_prepend(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A NUL-terminated view of the contents ("" when empty or after OOM). */
const char *buf_str(struct buf *b);
/* Hands the allocation to the caller (free() it); the buffer is left empty. */
char *buf_steal(struct buf *b, size_t *len);

/*
 * The byte offset of the first invalid UTF-8 sequence in s[0..n) (an overlong form, a
 * surrogate, a code point past U+10FFFF, a truncated or stray byte), or n when all of
 * it is valid. The one UTF-8 check of the project.
 */
size_t utf8_invalid_at(const char *s, size_t n);

/* Appends `s` as a JSON string body (no quotes), escaping as RFC 8259 requires.
 * Invalid UTF-8 bytes are replaced by U+FFFD so the output is always valid JSON. */
void buf_json_escape(struct buf *b, const char *s, size_t n);
/* Appends s[0..n) with & < > " ' written as HTML character references. */
void buf_html_escape(struct buf *b, const char *s, size_t n);
/* Writes v in decimal at p (at most 20 bytes, no NUL); returns the end. */
char *fmt_u64(char *p, uint64_t v);
/* Appends `d` in the shortest form that reads back as the same double. */
void buf_double(struct buf *b, double d);

#define JW_MAX_DEPTH 32

/* Streaming JSON writer: jw_key() then a value inside objects, values in arrays. */
struct jw {
    struct buf *b;
    int depth;
    bool first[JW_MAX_DEPTH];
    bool after_key;
};

void jw_init(struct jw *w, struct buf *b);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s); /* NULL writes null */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Writes pre-encoded JSON text as one value. */
void jw_raw(struct jw *w, const char *json, size_t n);

/* Inside an open object, the members of the pre-encoded JSON object obj ("{...}"). */
void jw_members(struct jw *w, const char *obj, size_t n);

/* Shorthands for "key": value. */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kbool(struct jw *w, const char *key, bool v);
/* "key": "<prefix><id><suffix>": a link from a path, an id and an optional suffix (NULL for
 * none), written without a temporary buffer. */
void jw_klink(struct jw *w, const char *key, const char *prefix, const char *id,
              const char *suffix);

#endif
