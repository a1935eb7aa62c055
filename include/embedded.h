/* Files compiled into the binary (migrations, seed data, source texts, API documents). */
#ifndef MARSAD_EMBEDDED_H
#define MARSAD_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name; /* repository path, e.g. "db/migrations/0001_init.sql" */
    const unsigned char *data;
    size_t len;
};

/* Sorted by name. */
extern const struct embedded_file embedded_files[];
extern const size_t embedded_nfiles;

/* The file with this exact name, or NULL. */
const struct embedded_file *embedded_find(const char *name);

#endif
