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

#endif
