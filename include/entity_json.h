/* Encodes entities with the streaming writer. */
#ifndef MARSAD_ENTITY_JSON_H
#define MARSAD_ENTITY_JSON_H

#include "buf.h"
#include "entity.h"

/* Columns of the CSV export, NULL-terminated. */
extern const char *const entity_csv_columns[];

/* Writes the members of one entity (no braces), links included. */
void entity_json_members(struct jw *w, const struct entity_row *r);
/* Writes one entity as an object. */
void entity_json_write(struct jw *w, const struct entity_row *r);
/* Writes one claim involving an entity: {id, source, statement, kind}. */
void entity_json_claim(struct jw *w, const struct entity_claim_row *r);

#endif
