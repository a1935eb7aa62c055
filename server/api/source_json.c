#include "source_json.h"

#include <string.h>

const char *const source_csv_columns[] = {"id",
                                          "title",
                                          "authors",
                                          "publisher",
                                          "original_publisher",
                                          "published",
                                          "published_precision",
                                          "published_basis",
                                          "written",
                                          "written_precision",
                                          "url",
                                          "kind",
                                          "language",
                                          "note",
                                          "claim_count",
                                          "has_text",
                                          "text_sha256",
                                          NULL};

void source_json_members(struct jw *w, const struct source_row *r)
{
    jw_kstr(w, "id", r->id);
    jw_kstr(w, "title", r->title);
    jw_key(w, "authors");
    if (r->authors_json)
        jw_raw(w, r->authors_json, strlen(r->authors_json));
    else
        jw_raw(w, "[]", 2);
    jw_kstr(w, "publisher", r->publisher);
    jw_kstr(w, "original_publisher", r->original_publisher);
    jw_kstr(w, "published", r->published);
    jw_kstr(w, "published_precision", r->published_precision);
    jw_kstr(w, "published_basis", r->published_basis);
    jw_kstr(w, "written", r->written);
    jw_kstr(w, "written_precision", r->written_precision);
    jw_kstr(w, "url", r->url);
    jw_kstr(w, "kind", r->kind);
    jw_kstr(w, "language", r->language);
    jw_kstr(w, "note", r->note);
    jw_kint(w, "claim_count", r->claim_count);
    jw_kbool(w, "has_text", r->has_text);
    jw_kstr(w, "text_sha256", r->has_text ? r->text_sha256 : NULL);

    jw_key(w, "links");
    jw_obj_begin(w);
    jw_klink(w, "self", "/v1/sources/", r->id, NULL);
    jw_klink(w, "claims", "/v1/sources/", r->id, "/claims");
    jw_klink(w, "derived", "/v1/sources/", r->id, "/derived");
    if (r->has_text)
        jw_klink(w, "text", "/v1/sources/", r->id, "/text");
    else
        jw_kstr(w, "text", NULL);
    jw_obj_end(w);
}

void source_json_write(struct jw *w, const struct source_row *r)
{
    jw_obj_begin(w);
    source_json_members(w, r);
    jw_obj_end(w);
}

void source_json_text_member(struct jw *w, const struct source_row *r)
{
    jw_key(w, "text");
    if (!r->has_text) {
        jw_null(w);
        return;
    }
    jw_obj_begin(w);
    jw_kstr(w, "sha256", r->text_sha256);
    jw_kint(w, "chars", r->text_chars);
    jw_kint(w, "bytes", r->text_bytes);
    jw_obj_end(w);
}

void source_json_citation(struct jw *w, const struct source_citation_row *r, bool with_note)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", r->id);
    jw_kstr(w, "title", r->title);
    jw_kstr(w, "label", r->label);
    if (with_note)
        jw_kstr(w, "note", r->note);
    jw_key(w, "links");
    jw_obj_begin(w);
    jw_klink(w, "self", "/v1/sources/", r->id, NULL);
    jw_klink(w, "derived", "/v1/sources/", r->id, "/derived");
    jw_obj_end(w);
    jw_obj_end(w);
}

void source_json_quote(struct jw *w, const char *source_id, const struct source_quote_row *r)
{
    jw_obj_begin(w);
    jw_key(w, "data");
    jw_obj_begin(w);
    jw_kstr(w, "source", source_id);
    jw_kstr(w, "claim", r->claim_id);
    jw_kint(w, "start", r->start);
    jw_kint(w, "end", r->end);
    jw_kstr(w, "quote", r->quote);
    jw_kstr(w, "sha256", r->sha256);
    jw_obj_end(w);
    jw_obj_end(w);
}
