#include "search_json.h"

#include <string.h>

const char *const search_csv_columns[] = {
    "type", "id", "title", "snippet", "title_snippet", "score", "source", "statement", NULL};

/* The collection path of each doc type; the type names are the index's own. */
static const char *S_collection(const char *type)
{
    if (type && strcmp(type, "claim") == 0)
        return "/v1/claims/";
    if (type && strcmp(type, "source") == 0)
        return "/v1/sources/";
    if (type && strcmp(type, "program") == 0)
        return "/v1/programs/";
    return NULL;
}

void search_json_write(struct jw *w, const struct search_hit *h)
{
    bool is_claim = h->type && strcmp(h->type, "claim") == 0;
    jw_obj_begin(w);
    jw_kstr(w, "type", h->type);
    jw_kstr(w, "id", h->id);
    jw_kstr(w, "title", h->title);
    jw_kstr(w, "snippet", h->snippet ? h->snippet : "");
    jw_kstr(w, "title_snippet", h->title_snippet ? h->title_snippet : "");
    jw_key(w, "score");
    jw_double(w, h->score);
    if (is_claim) {
        jw_kstr(w, "source", h->source_id);
        jw_kstr(w, "statement", h->statement);
    }
    jw_key(w, "links");
    jw_obj_begin(w);
    const char *coll = S_collection(h->type);
    if (coll && h->id)
        jw_klink(w, "self", coll, h->id, NULL);
    else
        jw_kstr(w, "self", NULL);
    if (is_claim && h->source_id)
        jw_klink(w, "source", "/v1/sources/", h->source_id, NULL);
    jw_obj_end(w);
    jw_obj_end(w);
}
