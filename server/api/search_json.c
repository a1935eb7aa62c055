#include "search_json.h"

#include <string.h>

const char *const search_csv_columns[] = {
    "type",          "id",    "title",  "snippet",   "snippet_field",
    "title_snippet", "score", "source", "statement", NULL};

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

/*
 * A snippet as HTML: the record's text escaped (& < > " '), the marks FTS5 put
 * around matches as <mark>...</mark>, the only markup that comes out.
 */
static void S_snippet(struct jw *w, const char *key, const char *snippet)
{
    struct buf b;
    buf_init(&b);
    bool open = false;
    for (const char *p = snippet ? snippet : ""; *p; p++) {
        if (*p == SEARCH_MARK_OPEN[0] || *p == SEARCH_MARK_CLOSE[0]) {
            bool opens = *p == SEARCH_MARK_OPEN[0];
            if (opens != open)
                buf_puts(&b, opens ? "<mark>" : "</mark>");
            open = opens;
            continue;
        }
        switch (*p) {
        case '&':
            buf_puts(&b, "&amp;");
            break;
        case '<':
            buf_puts(&b, "&lt;");
            break;
        case '>':
            buf_puts(&b, "&gt;");
            break;
        case '"':
            buf_puts(&b, "&quot;");
            break;
        case '\'':
            buf_puts(&b, "&#39;");
            break;
        default:
            buf_putc(&b, *p);
        }
    }
    if (open)
        buf_puts(&b, "</mark>");
    jw_kstr(w, key, b.data && !b.oom ? b.data : "");
    buf_free(&b);
}

void search_json_write(struct jw *w, const struct search_hit *h)
{
    bool is_claim = h->type && strcmp(h->type, "claim") == 0;
    jw_obj_begin(w);
    jw_kstr(w, "type", h->type);
    jw_kstr(w, "id", h->id);
    jw_kstr(w, "title", h->title);
    S_snippet(w, "snippet", h->snippet);
    jw_kstr(w, "snippet_field", h->snippet_field);
    S_snippet(w, "title_snippet", h->title_snippet);
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
