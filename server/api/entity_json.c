#include "entity_json.h"

#include <string.h>

const char *const entity_csv_columns[] = {"id",          "kind",        "name", "aliases",
                                          "description", "claim_count", NULL};

void entity_json_members(struct jw *w, const struct entity_row *r)
{
    jw_kstr(w, "id", r->id);
    jw_kstr(w, "kind", r->kind);
    jw_kstr(w, "name", r->name);
    jw_key(w, "aliases");
    if (r->aliases_json)
        jw_raw(w, r->aliases_json, strlen(r->aliases_json));
    else
        jw_raw(w, "[]", 2);
    jw_kstr(w, "description", r->description);
    jw_kint(w, "claim_count", r->claim_count);

    jw_key(w, "links");
    jw_obj_begin(w);
    jw_klink(w, "self", "/v1/entities/", r->id, NULL);
    jw_klink(w, "claims", "/v1/claims?entity=", r->id, NULL);
    jw_obj_end(w);
}

void entity_json_write(struct jw *w, const struct entity_row *r)
{
    jw_obj_begin(w);
    entity_json_members(w, r);
    jw_obj_end(w);
}

void entity_json_claim(struct jw *w, const struct entity_claim_row *r)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", r->id);
    jw_kstr(w, "source", r->source_id);
    jw_kstr(w, "statement", r->statement);
    jw_kstr(w, "kind", r->kind);
    jw_obj_end(w);
}
