/* The one route table. */
#ifndef MARSAD_ROUTES_H
#define MARSAD_ROUTES_H

#include "router.h"

extern const struct route routes_table[];
extern const size_t routes_count;
/* The guard of the table's ROUTE_WRITE routes (write_guard, the curation API's checks). */
extern const route_guard_fn routes_guard;

#endif
