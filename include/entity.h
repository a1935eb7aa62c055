/* An entity as read from the database: borrowed pointers valid during one row callback. */
#ifndef MARSAD_ENTITY_H
#define MARSAD_ENTITY_H

#include <stdbool.h>
#include <stdint.h>

struct entity_row {
    int64_t seq;
    const char *id;
    const char *kind; /* person, organization, armed_group, place, event */
    const char *name;
    const char *description;
    const char *aliases_json; /* JSON array text, sorted */
    int64_t claim_count;      /* claims mentioning it or having it as subject, place or claimant */
};

/* Called once per row; return false to stop. */
typedef bool (*entity_row_fn)(void *ctx, const struct entity_row *row);

/* A claim involving an entity, in brief. */
struct entity_claim_row {
    const char *id;
    const char *source_id;
    const char *statement;
    const char *kind;
};
typedef bool (*entity_claim_fn)(void *ctx, const struct entity_claim_row *row);

#endif
