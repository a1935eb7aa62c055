/*
 * Validation of the catalog the consistency rules read, written through the curation
 * API like the evidence: metrics (what a figure counts), the relations between them
 * (part_whole, sum, share, range: docs/method.md) and curated conflicts (disagreements
 * in kind that no rule computes). What one record can show is checked here; what
 * needs the whole catalog (a cycle of part/whole relations, claims already given in a
 * metric's unit) is checked by the repository after the write, in its transaction.
 */
#include "consistency.h"
#include "vocab.h"
#include "write_fields.h"

#include <stdio.h>
#include <string.h>

static const char *const metric_fields[] = {
    "id",         "label",           "unit",   "value_type", "definition", "counting_basis",
    "cumulative", "one_per_subject", "source", NULL};
static const char *const value_types[] = {"number", "date", NULL};

static const char *const metric_read_only[] = {"relations", "revision", "links", NULL};
static const char *const relation_read_only[] = {"revision", "links", NULL};
static const char *const conflict_read_only[] = {
    "rule",  "class",  "metric",  "relation", "place",    "subject", "of",
    "sides", "reason", "changes", "link",     "revision", "links",   NULL};

const char *const *catalog_read_only(enum write_resource r)
{
    return r == WRITE_METRIC     ? metric_read_only
           : r == WRITE_RELATION ? relation_read_only
                                 : conflict_read_only;
}

/* A boolean member, false when absent (so the stored record always has it). */
static void S_flag(struct vctx *v, const char *key)
{
    json_t *j = json_object_get(v->doc, key);
    if (!j) {
        json_object_set_new(v->doc, key, json_false());
    } else if (!json_is_boolean(j)) {
        wf_err(v, key, "must be true or false");
    }
}

static enum app_status S_metric(struct vctx *v, bool creating)
{
    wf_unknown(v, metric_fields);
    const char *id = wf_slug(v, "id", true);
    if (creating && id && wf_exists(v, "metric", id))
        return APP_ECONFLICT;
    wf_str(v, "label", true, 300);
    wf_str(v, "unit", true, 40);
    wf_enum(v, "value_type", true, value_types);
    wf_str(v, "definition", true, 2000);
    wf_str(v, "counting_basis", true, 2000);
    S_flag(v, "cumulative");
    S_flag(v, "one_per_subject");
    wf_ref(v, "source", "source");
    return APP_OK;
}

/* ---- relations ------------------------------------------------------------ */

static const char *const relation_fields[] = {
    "id", "kind", "metric", "whole", "part", "parts", "min", "max", "whole_place", "note", NULL};

/* A metric a relation names: its unit and value type into m (false when unknown). */
struct named_metric {
    const char *id;
    char unit[64], vtype[16];
    bool known;
};

static void S_metric_ref(struct vctx *v, const char *key, bool required, struct named_metric *m)
{
    memset(m, 0, sizeof *m);
    m->id = wf_str(v, key, required, 200);
    if (!m->id)
        return;
    m->known = wf_metric(v, m->id, m->unit, sizeof m->unit, m->vtype, sizeof m->vtype);
    if (!m->known)
        wf_err(v, key, "unknown metric '%.80s'", m->id);
}

/* A member the kind does not take. */
static void S_forbid(struct vctx *v, const char *key, const char *kind)
{
    if (wf_present(v, key))
        wf_err(v, key, "is not used by a '%s' relation; leave it out", kind);
}

/* Both metrics known and counted in the same unit; an error at key when not. */
static void S_same_unit(struct vctx *v, const char *key, const struct named_metric *a,
                        const struct named_metric *b)
{
    if (a->known && b->known && strcmp(a->unit, b->unit) != 0)
        wf_err(v, key,
               "metric '%.60s' is in '%s' but '%.60s' is in '%s': a relation compares "
               "figures of one unit",
               b->id, b->unit, a->id, a->unit);
}

static void S_number(struct vctx *v, const char *key, const struct named_metric *m)
{
    if (m->known && strcmp(m->vtype, "number") != 0)
        wf_err(v, key, "metric '%.80s' holds %ss; this relation compares numbers", m->id, m->vtype);
}

static void S_not_self(struct vctx *v, const char *key, const struct named_metric *own,
                       const struct named_metric *m)
{
    if (own->id && m->id && strcmp(own->id, m->id) == 0)
        wf_err(v, key, "names the relation's own metric '%.80s': a metric is not a part of itself",
               m->id);
}

static void S_parts(struct vctx *v, const struct named_metric *own)
{
    json_t *a = json_object_get(v->doc, "parts");
    if (!a) {
        wf_err(v, "parts", "is required by a 'sum' relation: the metrics that add up to '%.80s'",
               own->id ? own->id : "its metric");
        return;
    }
    if (!json_is_array(a) || json_array_size(a) < 2 || json_array_size(a) > 32) {
        wf_err(v, "parts", "must be an array of 2 to 32 metric ids");
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
        char ptr[96];
        snprintf(ptr, sizeof ptr, "/parts/%zu", i);
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 200) {
            write_errors_add(v->we, ptr, "must be a metric id");
            continue;
        }
        struct named_metric m = {.id = json_string_value(e)};
        m.known = wf_metric(v, m.id, m.unit, sizeof m.unit, m.vtype, sizeof m.vtype);
        if (!m.known) {
            write_errors_add(v->we, ptr, "unknown metric '%.80s'", m.id);
            continue;
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(json_string_value(json_array_get(a, k)), m.id) == 0)
                write_errors_add(v->we, ptr, "metric '%.80s' is listed twice", m.id);
        }
        if (own->id && strcmp(own->id, m.id) == 0)
            write_errors_add(v->we, ptr, "is the whole itself: a sum's parts are other metrics");
        else if (own->known && strcmp(own->unit, m.unit) != 0)
            write_errors_add(v->we, ptr,
                             "metric '%.60s' is in '%s' but the whole '%.60s' is in '%s': parts "
                             "add up in the whole's unit",
                             m.id, m.unit, own->id, own->unit);
    }
}

static enum app_status S_relation(struct vctx *v, bool creating)
{
    wf_unknown(v, relation_fields);
    const char *id = wf_slug(v, "id", true);
    if (creating && id && wf_exists(v, "relation", id))
        return APP_ECONFLICT;
    const char *kind = wf_enum(v, "kind", true, vocab_relation_kinds);
    struct named_metric own, whole, part, lo, hi;
    S_metric_ref(v, "metric", true, &own);
    wf_str(v, "note", false, 2000);
    const char *place = wf_str(v, "whole_place", false, 200);
    if (place) {
        char k[32];
        if (!wf_entity_kind(v, place, k, sizeof k))
            wf_err(v, "whole_place", "unknown entity '%.80s'", place);
        else if (strcmp(k, "place") != 0)
            wf_err(v, "whole_place", "entity '%.80s' is a %s, not a place", place, k);
    }
    if (!kind)
        return APP_OK;
    bool part_whole = strcmp(kind, "part_whole") == 0, share = strcmp(kind, "share") == 0;
    bool sum = strcmp(kind, "sum") == 0, range = strcmp(kind, "range") == 0;
    S_metric_ref(v, "whole", part_whole || share, &whole);
    S_metric_ref(v, "part", share, &part);
    S_metric_ref(v, "min", false, &lo);
    S_metric_ref(v, "max", false, &hi);
    if (!part_whole && !share) {
        S_forbid(v, "whole", kind);
        S_forbid(v, "whole_place", kind);
    }
    if (!share)
        S_forbid(v, "part", kind);
    if (!sum)
        S_forbid(v, "parts", kind);
    if (!range) {
        S_forbid(v, "min", kind);
        S_forbid(v, "max", kind);
    }
    if (part_whole) {
        S_not_self(v, "whole", &own, &whole);
        S_same_unit(v, "whole", &own, &whole);
        S_number(v, "metric", &own);
    } else if (sum) {
        S_number(v, "metric", &own);
        S_parts(v, &own);
    } else if (share) {
        S_not_self(v, "whole", &own, &whole);
        S_not_self(v, "part", &own, &part);
        S_same_unit(v, "part", &whole, &part);
        S_number(v, "whole", &whole);
        if (own.known && strcmp(own.unit, "percent") != 0)
            wf_err(v, "metric", "a share is a percentage: metric '%.80s' is in '%s', not 'percent'",
                   own.id, own.unit);
        if (part.id && whole.id && strcmp(part.id, whole.id) == 0)
            wf_err(v, "part", "is the whole: a share is of one metric over another");
    } else {
        if (!lo.id && !hi.id)
            wf_err(v, "min", "a 'range' relation needs min, max or both");
        S_not_self(v, "min", &own, &lo);
        S_not_self(v, "max", &own, &hi);
        S_same_unit(v, "min", &own, &lo);
        S_same_unit(v, "max", &own, &hi);
    }
    return APP_OK;
}

/* ---- curated conflicts ---------------------------------------------------- */

static const char *const conflict_fields[] = {"id",           "a",           "b", "certainty",
                                              "dissolves_if", "explanation", NULL};
static const char *const certainties[] = {"definite", "possible", NULL};

/* One side: 1..CONS_SIDE_MAX live claims, none twice, none on the other side. */
static void S_side(struct vctx *v, const char *key, const json_t *other)
{
    json_t *a = json_object_get(v->doc, key);
    if (!a) {
        wf_err(v, key, "is required: the ids of the claims on this side");
        return;
    }
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > CONS_SIDE_MAX) {
        wf_err(v, key, "must be an array of 1 to %d claim ids", CONS_SIDE_MAX);
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
        char ptr[96];
        snprintf(ptr, sizeof ptr, "/%s/%zu", key, i);
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 200) {
            write_errors_add(v->we, ptr, "must be a claim id");
            continue;
        }
        const char *id = json_string_value(e);
        if (!wf_exists(v, "claim", id))
            write_errors_add(v->we, ptr, "unknown claim '%.80s'", id);
        else if (!wf_exists(v, "claim_live", id))
            write_errors_add(v->we, ptr, "claim '%.80s' is deleted: a conflict cites live claims",
                             id);
        for (size_t k = 0; k < i; k++) {
            if (json_equal(json_array_get(a, k), e))
                write_errors_add(v->we, ptr, "claim '%.80s' is listed twice", id);
        }
        size_t j;
        json_t *o;
        json_array_foreach(other, j, o) {
            if (json_equal(o, e))
                write_errors_add(v->we, ptr, "claim '%.80s' is on both sides", id);
        }
    }
}

static enum app_status S_conflict(struct vctx *v, bool creating)
{
    wf_unknown(v, conflict_fields);
    const char *id = wf_str(v, "id", true, 100);
    size_t np = strlen(WRITE_CURATED_PREFIX);
    if (id) {
        char slug[128];
        snprintf(slug, sizeof slug, "%s",
                 strncmp(id, WRITE_CURATED_PREFIX, np) == 0 ? id + np : "");
        /* The id shows in findings as "curated-<slug>" within their 48 bytes. */
        bool ok = strncmp(id, WRITE_CURATED_PREFIX, np) == 0 && strlen(id) - np <= 38;
        for (const char *p = slug; ok && *p; p++)
            ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (*p == '-' && p > slug);
        if (!ok || !*slug) {
            wf_err(v, "id",
                   "must be 'curated-' and 1-38 characters of a-z, 0-9 and '-' (computed "
                   "conflicts are named by their rule)");
            id = NULL;
        }
    }
    if (creating && id && wf_exists(v, "conflict", id))
        return APP_ECONFLICT;
    json_t *b = json_object_get(v->doc, "b");
    S_side(v, "a", json_is_array(b) ? b : NULL); /* a claim on both sides: one error, at a */
    S_side(v, "b", NULL);
    const char *cert = wf_enum(v, "certainty", false, certainties);
    if (!wf_present(v, "certainty"))
        json_object_set_new(v->doc, "certainty", json_string("definite"));
    const char *dissolves = wf_str(v, "dissolves_if", false, 500);
    bool possible = cert && strcmp(cert, "possible") == 0;
    if (possible && !dissolves && !wf_present(v, "dissolves_if"))
        wf_err(v, "dissolves_if",
               "is required when certainty is 'possible': the reading under which the "
               "disagreement dissolves");
    if (!possible && wf_present(v, "dissolves_if"))
        wf_err(v, "dissolves_if", "is only for certainty 'possible'");
    wf_str(v, "explanation", true, 2000);
    return APP_OK;
}

enum app_status catalog_validate(enum write_resource r, struct vctx *v, bool creating)
{
    return r == WRITE_METRIC     ? S_metric(v, creating)
           : r == WRITE_RELATION ? S_relation(v, creating)
                                 : S_conflict(v, creating);
}
