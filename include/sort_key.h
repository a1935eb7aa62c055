/* One key of a requested sort order (sort=-as_of,value), shared by query parsing and SQL. */
#ifndef MARSAD_SORT_KEY_H
#define MARSAD_SORT_KEY_H

#include <stdbool.h>

struct sort_key {
    int key; /* index into the allowed keys */
    bool desc;
};

#endif
