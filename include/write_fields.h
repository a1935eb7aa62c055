/*
 * Field checks shared by the validators of the write API (write_json.c for sources,
 * claims and programs; catalog_json.c for metrics, relations and curated conflicts).
 * Each check reads one member of the document under validation and, when it is
 * wrong, records an error at that member's JSON pointer; none stops at the first.
 */
#ifndef MARSAD_WRITE_FIELDS_H
#define MARSAD_WRITE_FIELDS_H

#include "write_json.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct vctx {
    json_t *doc;
    struct write_errors *we;
    const struct write_lookup *lk;
    enum app_status failed; /* the first lookup that could not answer (APP_OK: none) */
};

/*
 * The lookups, through v->lk: true when the record is there. A lookup that fails (not
 * APP_OK nor APP_ENOTFOUND) answers false with its outputs empty and is kept in
 * v->failed, which the validation returns instead of its errors (the errors made of
 * the false answer are never shown).
 */
bool wf_exists(struct vctx *v, const char *table, const char *id);
bool wf_entity_kind(struct vctx *v, const char *id, char *out, size_t n);
bool wf_metric(struct vctx *v, const char *id, char *unit, size_t un, char *vtype, size_t vn);
/* The stored text (malloc'd, *text NULL when the source has none or the lookup failed). */
bool wf_source_text(struct vctx *v, const char *id, char **text, size_t *len);
bool wf_next_claim_id(struct vctx *v, const char *source, char *out, size_t n);

void wf_err(struct vctx *v, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The member is there and not null. */
bool wf_present(struct vctx *v, const char *key);
/* An error for every member not in allowed (NULL-terminated). */
void wf_unknown(struct vctx *v, const char *const *allowed);
/* A non-empty string of at most max bytes without NUL, or NULL (error when required). */
const char *wf_str(struct vctx *v, const char *key, bool required, size_t max);
/* A string that is one of allowed, or NULL. */
const char *wf_enum(struct vctx *v, const char *key, bool required, const char *const *allowed);
/* An identifier: 1-80 of a-z, 0-9, '-', '_', starting with a letter or digit. */
const char *wf_slug(struct vctx *v, const char *key, bool required);
/* A number into *out; false when absent or not a number (the latter an error). */
bool wf_num(struct vctx *v, const char *key, double *out);
/* An array of strings (at most 100), each the id of a live record of table or table2. */
size_t wf_ids(struct vctx *v, const char *key, bool required, const char *table,
              const char *table2);
/* A string naming a live record of table. */
void wf_ref(struct vctx *v, const char *key, const char *table);
bool wf_in_list(const char *const *list, const char *k);

/*
 * The catalog's validators (catalog_json.c): a metric, a relation between metrics, a
 * curated conflict. APP_ECONFLICT when creating a record whose id is taken; otherwise
 * the errors are in v->we.
 */
enum app_status catalog_validate(enum write_resource r, struct vctx *v, bool creating);
/* The members a catalog record's GET shows that writes do not take (NULL-terminated). */
const char *const *catalog_read_only(enum write_resource r);

#endif
