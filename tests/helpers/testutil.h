/* Small generic helpers shared by the unit tests: temporary directories and files. */
#ifndef MARSAD_TESTUTIL_H
#define MARSAD_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Creates a fresh directory /tmp/marsad-<tag>-XXXXXX and writes its path into
 * out. Returns false (out = "") on failure.
 */
bool tu_mkdtemp(const char *tag, char *out, size_t n);

/* Removes a directory tree (files first, then directories). Returns false on any failure. */
bool tu_rmtree(const char *path);

/* Writes "<dir>/<name>" into out; returns false if it does not fit. */
bool tu_path(char *out, size_t n, const char *dir, const char *name);

/* Creates (or truncates) a file holding `len` bytes of `data`. Returns false on failure. */
bool tu_write_file(const char *path, const void *data, size_t len);

/* A malloc'd copy of s, or NULL. */
char *tu_strdup(const char *s);

/*
 * A NULL-terminated argv of malloc'd copies of base[0..nbase) then of extra
 * (NULL-terminated, may be NULL); *argc is its length. NULL when out of
 * memory. Free it with tu_vec_free().
 */
char **tu_argv(const char *const *base, size_t nbase, const char *const *extra, int *argc);

/* Frees a NULL-terminated vector of malloc'd strings and the vector (NULL: nothing). */
void tu_vec_free(char **v);

#endif
