/* The one route table. */
#ifndef MARSAD_ROUTES_H
#define MARSAD_ROUTES_H

#include "router.h"

extern const struct route routes_table[];
extern const size_t routes_count;

#endif
