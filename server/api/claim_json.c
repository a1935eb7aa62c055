#include "claim_json.h"

#include "pdate.h"
#include "statistic_analysis.h"
#include "stats.h"

#include <math.h>
#include <string.h>

const char *const claim_field_names[] = {
    "id",           "source",     "quote",      "quote_start", "quote_end",     "statement",
    "kind",         "metric",     "value",      "lower",       "upper",         "bound",
    "vague_term",   "unit",       "value_date", "value_text",  "as_of",         "period_start",
    "period_end",   "time_basis", "place",      "claimant",    "claimant_kind", "claimant_entity",
    "subject_type", "subject",    "attribute",  "entities",    "topics",        "footnote",
    "note",         "scope",      "interval",   "policy",      "candidate",     "revision",
    "provenance",   "links",      NULL};

size_t claim_csv_columns(uint64_t fields, const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t k = 0; claim_field_names[k] && n + 1 < cap; k++) {
        /* links are the API's own paths, not evidence: left out of the spreadsheet; the
         * nested members (the interval read, its policy row, the provenance chain) are in
         * the JSON and NDJSON forms, not in cells */
        const char *f = claim_field_names[k];
        if (strcmp(f, "links") == 0 || strcmp(f, "interval") == 0 || strcmp(f, "policy") == 0 ||
            strcmp(f, "provenance") == 0 || !(fields & ((uint64_t)1 << k)))
            continue;
        out[n++] = claim_field_names[k];
    }
    out[n] = NULL;
    return n;
}

enum {
    F_ID,
    F_SOURCE,
    F_QUOTE,
    F_QUOTE_START,
    F_QUOTE_END,
    F_STATEMENT,
    F_KIND,
    F_METRIC,
    F_VALUE,
    F_LOWER,
    F_UPPER,
    F_BOUND,
    F_VAGUE,
    F_UNIT,
    F_VALUE_DATE,
    F_VALUE_TEXT,
    F_AS_OF,
    F_PERIOD_START,
    F_PERIOD_END,
    F_TIME_BASIS,
    F_PLACE,
    F_CLAIMANT,
    F_CLAIMANT_KIND,
    F_CLAIMANT_ENTITY,
    F_SUBJECT_TYPE,
    F_SUBJECT,
    F_ATTRIBUTE,
    F_ENTITIES,
    F_TOPICS,
    F_FOOTNOTE,
    F_NOTE,
    F_SCOPE,
    F_INTERVAL,
    F_POLICY,
    F_CANDIDATE,
    F_REVISION,
    F_PROVENANCE,
    F_LINKS,
};

#define ON(f) (fields & ((uint64_t)1 << (f)))

static void S_num(struct jw *w, const char *key, bool has, double v)
{
    jw_key(w, key);
    if (has)
        jw_double(w, v);
    else
        jw_null(w);
}

static void S_rawarr(struct jw *w, const char *key, const char *json)
{
    jw_key(w, key);
    if (json)
        jw_raw(w, json, strlen(json));
    else
        jw_raw(w, "[]", 2);
}

static bool S_is_date(const struct claim_row *r)
{
    return r->metric_value_type != NULL && strcmp(r->metric_value_type, "date") == 0;
}

/* An interval end: a number, a day as YYYY-MM-DD, or null when unbounded. */
static void S_end(struct jw *w, const char *key, double v, bool is_date)
{
    jw_key(w, key);
    if (!isfinite(v)) {
        jw_null(w);
        return;
    }
    if (!is_date) {
        jw_double(w, v);
        return;
    }
    char iso[16];
    stat_day_iso((int64_t)floor(v), iso, sizeof iso);
    jw_str(w, iso);
}

/*
 * "interval": what the consistency rules read the claim's figure as, by the bound
 * policy (stats_policy[]); null for a claim without a metric or a usable figure.
 */
static void S_interval(struct jw *w, const struct claim_row *r)
{
    enum stats_bound b;
    struct stats_interval iv;
    bool is_date = S_is_date(r);
    jw_key(w, "interval");
    if (r->metric_id == NULL || !stats_bound_parse(r->bound, &b)) {
        jw_null(w);
        return;
    }
    if (is_date) {
        struct pdate d;
        if (r->value_date == NULL || !pdate_parse(r->value_date, &d)) {
            jw_null(w);
            return;
        }
        iv = stats_date_interval(b, pdate_first_day(&d), pdate_last_day(&d));
    } else {
        struct stats_value v = {b,        r->has_value, r->has_lower, r->has_upper,
                                r->value, r->lower,     r->upper};
        iv = stats_value_interval(&v);
    }
    jw_obj_begin(w);
    S_end(w, "lo", iv.lo, is_date);
    S_end(w, "hi", iv.hi, is_date);
    jw_kbool(w, "lo_open", iv.lo_open);
    jw_kbool(w, "hi_open", iv.hi_open);
    jw_obj_end(w);
}

/* "policy": the row of the bound policy that gave the interval. */
static void S_policy(struct jw *w, const struct claim_row *r)
{
    enum stats_bound b;
    jw_key(w, "policy");
    if (r->metric_id == NULL || !stats_bound_parse(r->bound, &b)) {
        jw_null(w);
        return;
    }
    const struct stats_policy_row *p = stats_policy_of(b);
    jw_obj_begin(w);
    jw_kstr(w, "bound", p->name);
    jw_kstr(w, "reads_as", S_is_date(r) ? p->date : p->number);
    jw_obj_end(w);
}

void claim_json_members(struct jw *w, const struct claim_row *r, uint64_t fields, unsigned include)
{
    if (ON(F_ID))
        jw_kstr(w, "id", r->id);
    if (ON(F_SOURCE))
        jw_kstr(w, "source", r->source_id);
    if (ON(F_QUOTE))
        jw_kstr(w, "quote", r->quote);
    if (ON(F_QUOTE_START))
        jw_kint(w, "quote_start", r->quote_start);
    if (ON(F_QUOTE_END))
        jw_kint(w, "quote_end", r->quote_end);
    if (ON(F_STATEMENT))
        jw_kstr(w, "statement", r->statement);
    if (ON(F_KIND))
        jw_kstr(w, "kind", r->kind);
    if (ON(F_METRIC))
        jw_kstr(w, "metric", r->metric_id);
    if (ON(F_VALUE))
        S_num(w, "value", r->has_value, r->value);
    if (ON(F_LOWER))
        S_num(w, "lower", r->has_lower, r->lower);
    if (ON(F_UPPER))
        S_num(w, "upper", r->has_upper, r->upper);
    if (ON(F_BOUND))
        jw_kstr(w, "bound", r->bound);
    if (ON(F_VAGUE))
        jw_kstr(w, "vague_term", r->vague_term);
    if (ON(F_UNIT))
        jw_kstr(w, "unit", r->unit);
    if (ON(F_VALUE_DATE))
        jw_kstr(w, "value_date", r->value_date);
    if (ON(F_VALUE_TEXT))
        jw_kstr(w, "value_text", r->value_text);
    if (ON(F_AS_OF))
        jw_kstr(w, "as_of", r->as_of);
    if (ON(F_PERIOD_START))
        jw_kstr(w, "period_start", r->period_start);
    if (ON(F_PERIOD_END))
        jw_kstr(w, "period_end", r->period_end);
    if (ON(F_TIME_BASIS))
        jw_kstr(w, "time_basis", r->time_basis);
    if (ON(F_PLACE))
        jw_kstr(w, "place", r->place_id);
    if (ON(F_CLAIMANT))
        jw_kstr(w, "claimant", r->claimant);
    if (ON(F_CLAIMANT_KIND))
        jw_kstr(w, "claimant_kind", r->claimant_kind);
    if (ON(F_CLAIMANT_ENTITY))
        jw_kstr(w, "claimant_entity", r->claimant_entity_id);
    const char *stype = r->subject_program_id ? "program" : r->subject_entity_id ? "entity" : NULL;
    if (ON(F_SUBJECT_TYPE))
        jw_kstr(w, "subject_type", stype);
    if (ON(F_SUBJECT))
        jw_kstr(w, "subject", r->subject_program_id ? r->subject_program_id : r->subject_entity_id);
    if (ON(F_ATTRIBUTE))
        jw_kstr(w, "attribute", r->attribute);
    if (ON(F_ENTITIES))
        S_rawarr(w, "entities", r->mentions_json);
    if (ON(F_TOPICS))
        S_rawarr(w, "topics", r->topics_json);
    if (ON(F_FOOTNOTE))
        jw_kstr(w, "footnote", r->footnote_id);
    if (ON(F_NOTE))
        jw_kstr(w, "note", r->note);
    if (ON(F_SCOPE))
        jw_kstr(w, "scope", r->scope);
    if (ON(F_INTERVAL))
        S_interval(w, r);
    if (ON(F_POLICY))
        S_policy(w, r);
    if (ON(F_CANDIDATE))
        jw_kstr(w, "candidate", r->candidate);
    if (ON(F_REVISION))
        jw_kint(w, "revision", r->revision);
    if (ON(F_PROVENANCE) && r->provenance_json) {
        jw_key(w, "provenance");
        jw_raw(w, r->provenance_json, strlen(r->provenance_json));
    }
    if (include & CLAIM_INCLUDE_SOURCE) {
        jw_key(w, "source_record");
        jw_obj_begin(w);
        jw_kstr(w, "id", r->source_id);
        jw_kstr(w, "title", r->source_title);
        jw_kstr(w, "publisher", r->source_publisher);
        jw_kstr(w, "published", r->source_published);
        jw_kstr(w, "kind", r->source_kind);
        jw_obj_end(w);
    }
    if (include & CLAIM_INCLUDE_METRIC) {
        jw_key(w, "metric_record");
        if (r->metric_id) {
            jw_obj_begin(w);
            jw_kstr(w, "id", r->metric_id);
            jw_kstr(w, "label", r->metric_label);
            jw_kstr(w, "unit", r->metric_unit);
            jw_kstr(w, "value_type", r->metric_value_type);
            jw_obj_end(w);
        } else {
            jw_null(w);
        }
    }
    if (ON(F_LINKS)) {
        jw_key(w, "links");
        jw_obj_begin(w);
        jw_klink(w, "self", "/v1/claims/", r->id, NULL);
        jw_klink(w, "source", "/v1/sources/", r->source_id, NULL);
        if (r->metric_id)
            jw_klink(w, "statistics", "/v1/statistics/", r->metric_id, NULL);
        jw_obj_end(w);
    }
}

void claim_json_write(struct jw *w, const struct claim_row *r, uint64_t fields, unsigned include)
{
    jw_obj_begin(w);
    claim_json_members(w, r, fields, include);
    jw_obj_end(w);
}
