#define _GNU_SOURCE /* memmem */
#include "write_json.h"
#include "write_fields.h"

#include "extract.h"

#include "evidence.h"
#include "pdate.h"
#include "sha256.h"
#include "vocab.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void write_errors_add(struct write_errors *we, const char *pointer, const char *fmt, ...)
{
    we->total++;
    if (we->n >= WRITE_MAX_ERRORS)
        return;
    size_t i = we->n++;
    int w = snprintf(we->pointer[i], sizeof we->pointer[i], "%s", pointer);
    if (w < 0)
        we->pointer[i][0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    w = vsnprintf(we->msg[i], sizeof we->msg[i], fmt, ap);
    va_end(ap);
    if (w < 0)
        we->msg[i][0] = '\0';
    we->e[i].parameter = NULL;
    we->e[i].header = NULL;
    we->e[i].pointer = we->pointer[i];
    we->e[i].detail = we->msg[i];
}

json_t *write_json_parse(const char *body, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        int w = snprintf(err, errlen, "malformed JSON at line %d, column %d: %s", je.line,
                         je.column, je.text);
        if (w < 0 && errlen)
            err[0] = '\0';
        return NULL;
    }
    if (!json_is_object(j)) {
        snprintf(err, errlen, "the body must be a JSON object");
        json_decref(j);
        return NULL;
    }
    return j;
}

void write_json_merge_patch(json_t *target, const json_t *patch)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)patch, k, v) {
        if (json_is_null(v)) {
            json_object_del(target, k);
        } else if (json_is_object(v)) {
            json_t *t = json_object_get(target, k);
            if (!json_is_object(t)) {
                t = json_object();
                json_object_set_new(target, k, t);
            }
            write_json_merge_patch(t, v);
        } else {
            json_object_set(target, k, v);
        }
    }
}

json_t *write_json_from_text(const char *text)
{
    return json_loads(text, 0, NULL);
}

const char *write_resource_name(enum write_resource r)
{
    static const char *const names[WRITE_NRESOURCES] = {"source", "claim",    "program",
                                                        "metric", "relation", "conflict"};
    return (unsigned)r < WRITE_NRESOURCES ? names[r] : "record";
}

/* ---- field helpers ------------------------------------------------------- */

static void S_ptr(char *out, size_t n, const char *key)
{
    int w = snprintf(out, n, "/%s", key);
    if (w < 0 && n)
        out[0] = '\0';
}

void wf_err(struct vctx *v, const char *key, const char *fmt, ...)
{
    char ptr[96], msg[200];
    S_ptr(ptr, sizeof ptr, key);
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    write_errors_add(v->we, ptr, "%s", w < 0 ? "invalid" : msg);
}

/* The answer of a lookup: found; a failure is kept in v->failed (the first one). */
static bool S_found(struct vctx *v, enum app_status s)
{
    if (s != APP_OK && s != APP_ENOTFOUND && v->failed == APP_OK)
        v->failed = s;
    return s == APP_OK;
}

bool wf_exists(struct vctx *v, const char *table, const char *id)
{
    return S_found(v, v->lk->exists(v->lk->ctx, table, id));
}

bool wf_entity_kind(struct vctx *v, const char *id, char *out, size_t n)
{
    if (S_found(v, v->lk->entity_kind(v->lk->ctx, id, out, n)))
        return true;
    if (n)
        out[0] = '\0';
    return false;
}

bool wf_metric(struct vctx *v, const char *id, char *unit, size_t un, char *vtype, size_t vn)
{
    if (S_found(v, v->lk->metric(v->lk->ctx, id, unit, un, vtype, vn)))
        return true;
    if (un)
        unit[0] = '\0';
    if (vn)
        vtype[0] = '\0';
    return false;
}

bool wf_source_text(struct vctx *v, const char *id, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    if (S_found(v, v->lk->source_text(v->lk->ctx, id, text, len)) && *text)
        return true;
    free(*text);
    *text = NULL;
    return false;
}

bool wf_next_claim_id(struct vctx *v, const char *source, char *out, size_t n)
{
    if (S_found(v, v->lk->next_claim_id(v->lk->ctx, source, out, n)))
        return true;
    if (n)
        out[0] = '\0';
    return false;
}

bool wf_present(struct vctx *v, const char *key)
{
    json_t *j = json_object_get(v->doc, key);
    return j && !json_is_null(j);
}

/* Drops explicit nulls so "absent" has one representation. */
static void S_drop_nulls(json_t *doc)
{
    const char *k;
    json_t *val;
    void *tmp;
    json_object_foreach_safe(doc, tmp, k, val) {
        if (json_is_null(val))
            json_object_del(doc, k);
    }
}

void wf_unknown(struct vctx *v, const char *const *allowed)
{
    const char *k;
    json_t *val;
    json_object_foreach(v->doc, k, val) {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++) {
            if (strcmp(k, allowed[i]) == 0)
                ok = true;
        }
        if (!ok)
            wf_err(v, k, "unknown field");
    }
}

const char *wf_str(struct vctx *v, const char *key, bool required, size_t max)
{
    json_t *j = json_object_get(v->doc, key);
    if (!j || json_is_null(j)) {
        if (required)
            wf_err(v, key, "is required");
        return NULL;
    }
    if (!json_is_string(j)) {
        wf_err(v, key, "must be a string");
        return NULL;
    }
    size_t n = json_string_length(j);
    if (n == 0) {
        wf_err(v, key, "must not be empty");
        return NULL;
    }
    if (n > max) {
        wf_err(v, key, "is longer than %zu bytes", max);
        return NULL;
    }
    if (strlen(json_string_value(j)) != n) {
        wf_err(v, key, "must not contain NUL characters");
        return NULL;
    }
    return json_string_value(j);
}

const char *wf_enum(struct vctx *v, const char *key, bool required, const char *const *allowed)
{
    const char *s = wf_str(v, key, required, 64);
    if (!s)
        return NULL;
    for (size_t i = 0; allowed[i]; i++) {
        if (strcmp(s, allowed[i]) == 0)
            return s;
    }
    char list[300];
    size_t len = 0;
    list[0] = '\0';
    for (size_t i = 0; allowed[i]; i++) {
        int w = snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", allowed[i]);
        if (w < 0 || (size_t)w >= sizeof list - len)
            break;
        len += (size_t)w;
    }
    wf_err(v, key, "must be one of: %s", list);
    return NULL;
}

static bool S_slug_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 80)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0) ||
              (c == '_' && i > 0)))
            return false;
    }
    return true;
}

const char *wf_slug(struct vctx *v, const char *key, bool required)
{
    const char *s = wf_str(v, key, required, 80);
    if (s && !S_slug_ok(s)) {
        wf_err(v, key,
               "must be 1-80 characters of a-z, 0-9, '-' and '_', starting with a letter or digit");
        return NULL;
    }
    return s;
}

static bool S_date(struct vctx *v, const char *key, struct pdate *d)
{
    const char *s = wf_str(v, key, false, 10);
    if (!s)
        return false;
    if (!pdate_parse(s, d)) {
        wf_err(v, key, "must be a real date as YYYY, YYYY-MM or YYYY-MM-DD");
        return false;
    }
    return true;
}

bool wf_num(struct vctx *v, const char *key, double *out)
{
    json_t *j = json_object_get(v->doc, key);
    if (!j || json_is_null(j))
        return false;
    if (!json_is_number(j)) {
        wf_err(v, key, "must be a number");
        return false;
    }
    *out = json_number_value(j);
    return true;
}

/* An array of strings, each checked by `table` existence when given. */
size_t wf_ids(struct vctx *v, const char *key, bool required, const char *table, const char *table2)
{
    json_t *a = json_object_get(v->doc, key);
    if (!a || json_is_null(a)) {
        if (required)
            wf_err(v, key, "is required");
        return 0;
    }
    if (!json_is_array(a)) {
        wf_err(v, key, "must be an array of strings");
        return 0;
    }
    if (required && json_array_size(a) == 0)
        wf_err(v, key, "must not be empty");
    if (json_array_size(a) > 100) {
        wf_err(v, key, "has more than 100 items");
        return 0;
    }
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
        char ptr[96];
        int w = snprintf(ptr, sizeof ptr, "/%s/%zu", key, i);
        if (w < 0)
            ptr[0] = '\0';
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 300) {
            write_errors_add(v->we, ptr, "must be a non-empty string of at most 300 bytes");
            continue;
        }
        const char *id = json_string_value(e);
        if (table && !wf_exists(v, table, id) && !(table2 && wf_exists(v, table2, id)))
            write_errors_add(v->we, ptr, "unknown %s%s%s '%.80s'", table, table2 ? " or " : "",
                             table2 ? table2 : "", id);
    }
    return json_array_size(a);
}

void wf_ref(struct vctx *v, const char *key, const char *table)
{
    const char *id = wf_str(v, key, false, 200);
    if (id && !wf_exists(v, table, id))
        wf_err(v, key, "unknown %s '%.80s'", table, id);
}

static void S_set_int(json_t *doc, const char *key, long long x)
{
    json_object_set_new(doc, key, json_integer(x));
}

/* ---- claims ---------------------------------------------------------------- */

/* The members GET shows that the input does not take: computed by the server. */
static const char *const claim_read_only[] = {
    "quote_start", "quote_end", "subject_type", "revision", "source_record", "metric_record",
    "links",       "context",   "interval",     "policy",   "provenance",    NULL};
static const char *const source_read_only[] = {"claims_by_kind",
                                               "cites",
                                               "cited_by",
                                               "published_precision",
                                               "written_precision",
                                               "claim_count",
                                               "has_text",
                                               "text_sha256",
                                               "links",
                                               NULL};
static const char *const program_read_only[] = {
    "vocab_program_attributes", "claim_count", "source_count", "mentions_count", "links", NULL};

bool wf_in_list(const char *const *list, const char *k)
{
    for (size_t i = 0; list[i]; i++) {
        if (strcmp(list[i], k) == 0)
            return true;
    }
    return false;
}

void write_json_drop_read_only(enum write_resource r, json_t *body, const char *view,
                               struct write_errors *we)
{
    const char *const *ro = r == WRITE_CLAIM     ? claim_read_only
                            : r == WRITE_SOURCE  ? source_read_only
                            : r == WRITE_PROGRAM ? program_read_only
                                                 : catalog_read_only(r);
    json_t *data = NULL;
    if (view) {
        json_t *v = json_loads(view, 0, NULL);
        data = json_incref(json_object_get(v, "data"));
        json_decref(v);
    }
    const char *k;
    json_t *val;
    void *tmp;
    json_object_foreach_safe(body, tmp, k, val) {
        json_t *was = data ? json_object_get(data, k) : NULL;
        bool read_only = wf_in_list(ro, k);
        if (strcmp(k, "context") == 0 || (was && json_equal(was, val)) || (read_only && !data)) {
            json_object_del(body, k);
        } else if (read_only) {
            char ptr[80];
            snprintf(ptr, sizeof ptr, "/%s", k);
            write_errors_add(we, ptr,
                             "is computed by the server (read-only): send it back unchanged "
                             "or leave it out");
        }
    }
    json_decref(data);
}

static const char *const claim_fields[] = {
    "id",           "source",        "quote",           "occurrence",
    "statement",    "kind",          "metric",          "value",
    "lower",        "upper",         "bound",           "vague_term",
    "unit",         "value_date",    "value_text",      "as_of",
    "period_start", "period_end",    "time_basis",      "place",
    "claimant",     "claimant_kind", "claimant_entity", "subject",
    "attribute",    "entities",      "topics",          "footnote",
    "note",         "scope",         "candidate",       NULL};

/* "<rule>@<start>-<end>" with a rule of the extractor and code point offsets, start < end. */
static bool S_candidate_id(const char *s)
{
    const char *at = strchr(s, '@');
    if (at == NULL)
        return false;
    bool known = false;
    for (size_t i = 0; ex_rules[i] && !known; i++)
        known = strlen(ex_rules[i]) == (size_t)(at - s) &&
                strncmp(s, ex_rules[i], (size_t)(at - s)) == 0;
    char *end = NULL;
    if (!known || at[1] < '0' || at[1] > '9')
        return false;
    unsigned long long a = strtoull(at + 1, &end, 10);
    if (*end != '-' || end[1] < '0' || end[1] > '9')
        return false;
    unsigned long long b = strtoull(end + 1, &end, 10);
    return *end == '\0' && a < b;
}

static void S_claim_quote(struct vctx *v, const char *source)
{
    const char *quote = wf_str(v, "quote", true, 5000);
    json_t *occ = json_object_get(v->doc, "occurrence");
    json_int_t want = 1;
    if (occ && !json_is_null(occ)) {
        if (!json_is_integer(occ) || json_integer_value(occ) < 1) {
            wf_err(v, "occurrence", "must be a positive integer");
            return;
        }
        want = json_integer_value(occ);
    }
    char *text = NULL;
    size_t tlen = 0;
    if (!quote || !source)
        return;
    if (!wf_source_text(v, source, &text, &tlen)) {
        wf_err(v, "source", "source '%.80s' has no stored text to quote from", source);
        return;
    }
    struct quote_place at;
    enum quote_fit fit = evidence_find_quote(text, tlen, quote, strlen(quote),
                                             occ && !json_is_null(occ) ? want : 0, &at);
    if (fit != QUOTE_FOUND) {
        char msg[200];
        const char *member = evidence_quote_problem(fit, &at, source, msg, sizeof msg);
        wf_err(v, member, "%s", msg);
    } else {
        S_set_int(v->doc, "_byte_start", (long long)at.byte_start);
        S_set_int(v->doc, "_byte_end", (long long)at.byte_end);
        S_set_int(v->doc, "_quote_start", (long long)at.cp_start);
        S_set_int(v->doc, "_quote_end", (long long)at.cp_end);
    }
    free(text);
}

static void S_claim_numbers(struct vctx *v)
{
    const char *metric = wf_str(v, "metric", false, 200);
    const char *bound = wf_enum(v, "bound", false, vocab_bounds);
    const char *unit = wf_str(v, "unit", false, 40);
    double value = 0, lower = 0, upper = 0;
    bool hv = wf_num(v, "value", &value);
    bool hl = wf_num(v, "lower", &lower);
    bool hu = wf_num(v, "upper", &upper);
    struct pdate vd;
    bool hd = S_date(v, "value_date", &vd);
    const char *vague = wf_str(v, "vague_term", false, 60);
    if (!metric) {
        const char *stray[] = {"value", "lower",      "upper",     "bound",
                               "unit",  "value_date", "vague_term"};
        for (size_t i = 0; i < sizeof stray / sizeof stray[0]; i++) {
            if (wf_present(v, stray[i]))
                wf_err(v, stray[i], "needs a metric");
        }
        return;
    }
    char munit[64], vtype[16];
    if (!wf_metric(v, metric, munit, sizeof munit, vtype, sizeof vtype)) {
        wf_err(v, "metric", "unknown metric '%.80s'", metric);
        return;
    }
    if (!unit)
        wf_err(v, "unit", "is required with a metric (the metric's unit is '%s')", munit);
    else if (strcmp(unit, munit) != 0)
        wf_err(v, "unit", "must be the metric's unit '%s'", munit);
    if (!bound) {
        if (!wf_present(v, "bound"))
            wf_err(v, "bound", "is required with a metric");
        return;
    }
    if (strcmp(vtype, "date") == 0) {
        if (!hd && !wf_present(v, "value_date"))
            wf_err(v, "value_date", "is required: metric '%s' takes a date", metric);
        if (hv || hl || hu)
            wf_err(v,
                   hv   ? "value"
                   : hl ? "lower"
                        : "upper",
                   "must be absent: metric '%s' takes a date in value_date", metric);
        return;
    }
    if (wf_present(v, "value_date"))
        wf_err(v, "value_date", "must be absent: metric '%s' takes a number", metric);
    if (strcmp(bound, "vague") == 0) {
        if (hv || hl || hu)
            wf_err(v,
                   hv   ? "value"
                   : hl ? "lower"
                        : "upper",
                   "must be absent when bound is 'vague' (never invent a number)");
        if (!vague)
            wf_err(v, "vague_term", "is required when bound is 'vague' (the text's own word)");
        return;
    }
    if (vague)
        wf_err(v, "vague_term", "is only for bound 'vague'");
    if (strcmp(bound, "range") == 0) {
        if (!hl)
            wf_err(v, "lower", "is required when bound is 'range'");
        if (!hu)
            wf_err(v, "upper", "is required when bound is 'range'");
    } else if (!hv) {
        wf_err(v, "value", "is required when bound is '%s'", bound);
        return;
    }
    if ((strcmp(bound, "at_least") == 0 || strcmp(bound, "more_than") == 0)) {
        if (hl && lower != value)
            wf_err(v, "lower", "must equal value when bound is '%s'", bound);
        else if (!hl) {
            json_object_set_new(v->doc, "lower", json_real(value));
            lower = value;
            hl = true;
        }
    }
    if ((strcmp(bound, "up_to") == 0 || strcmp(bound, "less_than") == 0 ||
         strcmp(bound, "almost") == 0)) {
        if (hu && upper != value)
            wf_err(v, "upper", "must equal value when bound is '%s'", bound);
        else if (!hu) {
            json_object_set_new(v->doc, "upper", json_real(value));
            upper = value;
            hu = true;
        }
    }
    if (strcmp(bound, "exact") == 0 && ((hl && lower != value) || (hu && upper != value)))
        wf_err(v, hl && lower != value ? "lower" : "upper",
               "must equal value (or be absent) when bound is 'exact'");
    if (hl && hu && lower > upper)
        wf_err(v, "upper", "must not be below lower");
    if (hv && hl && lower > value)
        wf_err(v, "lower", "must not be above value");
    if (hv && hu && value > upper)
        wf_err(v, "upper", "must not be below value");
}

static void S_claim_time(struct vctx *v)
{
    struct pdate a, b, c;
    bool ha = S_date(v, "as_of", &a);
    bool hb = S_date(v, "period_start", &b);
    bool hc = S_date(v, "period_end", &c);
    bool pa = wf_present(v, "as_of"), pb = wf_present(v, "period_start"),
         pc = wf_present(v, "period_end");
    if (pa && (pb || pc))
        wf_err(v, "as_of", "cannot be combined with a period");
    if (pb != pc)
        wf_err(v, pb ? "period_end" : "period_start",
               "a period needs both period_start and period_end");
    if (ha && !pb && !pc) {
        S_set_int(v->doc, "_time_start", (long long)pdate_first_day(&a));
        S_set_int(v->doc, "_time_end", (long long)pdate_last_day(&a));
    } else if (hb && hc && !pa) {
        if (pdate_first_day(&b) > pdate_last_day(&c))
            wf_err(v, "period_end", "must not be before period_start");
        else {
            S_set_int(v->doc, "_time_start", (long long)pdate_first_day(&b));
            S_set_int(v->doc, "_time_end", (long long)pdate_last_day(&c));
        }
    }
}

static enum app_status S_claim(struct vctx *v, bool creating)
{
    wf_unknown(v, claim_fields);
    const char *source = wf_str(v, "source", true, 200);
    if (source && !wf_exists(v, "source", source)) {
        wf_err(v, "source", "unknown source '%.80s'", source);
        source = NULL;
    }
    const char *id = wf_slug(v, "id", !creating);
    if (creating && id && wf_exists(v, "claim", id))
        return APP_ECONFLICT;
    if (creating && !id && source && !wf_present(v, "id")) {
        char gen[128];
        /* A generated id obeys the rules of a given one, or PATCH would refuse it later. */
        if (wf_next_claim_id(v, source, gen, sizeof gen) && S_slug_ok(gen))
            json_object_set_new(v->doc, "id", json_string(gen));
        else
            wf_err(v, "id",
                   "is required: no valid id (at most 80 characters) can be made from "
                   "source '%.80s'",
                   source);
    }
    S_claim_quote(v, source);
    wf_str(v, "statement", true, 2000);
    wf_enum(v, "kind", true, vocab_claim_kinds);
    S_claim_numbers(v);
    wf_str(v, "value_text", false, 500);
    S_claim_time(v);
    wf_str(v, "time_basis", false, 1000);
    const char *place = wf_str(v, "place", false, 200);
    char kind[32];
    if (place && (!wf_entity_kind(v, place, kind, sizeof kind) || strcmp(kind, "place") != 0))
        wf_err(v, "place", "must be the id of an entity of kind place");
    wf_str(v, "claimant", true, 300);
    wf_enum(v, "claimant_kind", true, vocab_claimant_kinds);
    wf_ref(v, "claimant_entity", "entity");
    const char *subject = wf_str(v, "subject", false, 200);
    bool subject_program = subject && wf_exists(v, "program", subject);
    if (subject && !subject_program && !wf_exists(v, "entity", subject))
        wf_err(v, "subject", "unknown program or entity '%.80s'", subject);
    if (wf_enum(v, "attribute", false, vocab_program_attributes) && !subject_program)
        wf_err(v, "attribute", "needs a program as subject");
    wf_ids(v, "entities", false, "entity", "program");
    wf_ids(v, "topics", true, "topic", NULL);
    wf_ref(v, "footnote", "source");
    wf_str(v, "note", false, 2000);
    if (wf_str(v, "scope", false, 200) && !wf_present(v, "metric"))
        wf_err(v, "scope", "needs a metric (it qualifies what the figure counts)");
    const char *cand = wf_str(v, "candidate", false, 80);
    if (cand && !S_candidate_id(cand))
        wf_err(
            v, "candidate",
            "must be a candidate id as /v1/extract gives it: <rule>@<start>-<end> (digits@43-46)");
    return APP_OK;
}

/* ---- sources and programs ------------------------------------------------ */

static const char *const source_fields[] = {"id",
                                            "title",
                                            "authors",
                                            "publisher",
                                            "original_publisher",
                                            "published",
                                            "published_basis",
                                            "written",
                                            "url",
                                            "kind",
                                            "language",
                                            "note",
                                            "text",
                                            NULL};

static enum app_status S_source(struct vctx *v, bool creating)
{
    wf_unknown(v, source_fields);
    const char *id = wf_slug(v, "id", true);
    if (creating && id && wf_exists(v, "source", id))
        return APP_ECONFLICT;
    wf_str(v, "title", true, 1000);
    json_t *authors = json_object_get(v->doc, "authors");
    if (authors && !json_is_null(authors)) {
        size_t i;
        json_t *a;
        if (!json_is_array(authors))
            wf_err(v, "authors", "must be an array of strings");
        json_array_foreach(authors, i, a) {
            if (!json_is_string(a) || json_string_length(a) == 0 || json_string_length(a) > 300) {
                char ptr[64];
                snprintf(ptr, sizeof ptr, "/authors/%zu", i);
                write_errors_add(v->we, ptr, "must be a non-empty string of at most 300 bytes");
            }
        }
    }
    wf_str(v, "publisher", false, 300);
    wf_str(v, "original_publisher", false, 300);
    struct pdate d;
    if (S_date(v, "published", &d))
        json_object_set_new(v->doc, "_published_precision",
                            json_string(pdate_precision_name(d.precision)));
    if (S_date(v, "written", &d))
        json_object_set_new(v->doc, "_written_precision",
                            json_string(pdate_precision_name(d.precision)));
    wf_str(v, "published_basis", false, 2000);
    const char *url = wf_str(v, "url", false, 2000);
    if (url && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        wf_err(v, "url", "must be an http:// or https:// URL");
    wf_enum(v, "kind", true, vocab_source_kinds);
    const char *lang = wf_str(v, "language", true, 8);
    if (lang) {
        bool ok = strlen(lang) >= 2;
        for (const char *p = lang; *p; p++)
            ok = ok && ((*p >= 'a' && *p <= 'z') || *p == '-');
        if (!ok)
            wf_err(v, "language", "must be a language tag such as 'en' or 'ar' (2-8 of a-z, '-')");
    }
    wf_str(v, "note", false, 2000);
    const char *text = wf_str(v, "text", false, 16u * 1024 * 1024);
    if (text) {
        size_t n = strlen(text);
        char hex[65];
        sha256_hex(text, n, hex);
        json_object_set_new(v->doc, "_sha256", json_string(hex));
        S_set_int(v->doc, "_chars", (long long)evidence_codepoints(text, n));
        S_set_int(v->doc, "_bytes", (long long)n);
    }
    return APP_OK;
}

static const char *const program_fields[] = {"id", "name", "kind", "aliases", "description", NULL};

static enum app_status S_program(struct vctx *v, bool creating)
{
    wf_unknown(v, program_fields);
    const char *id = wf_slug(v, "id", true);
    if (creating && id && (wf_exists(v, "program", id) || wf_exists(v, "entity", id)))
        return APP_ECONFLICT;
    wf_str(v, "name", true, 300);
    wf_enum(v, "kind", true, vocab_program_kinds);
    wf_ids(v, "aliases", false, NULL, NULL);
    wf_str(v, "description", false, 2000);
    return APP_OK;
}

enum app_status write_json_validate(enum write_resource r, json_t *doc, bool creating,
                                    const struct write_lookup *lk, struct write_errors *we,
                                    char **out)
{
    struct vctx v = {doc, we, lk, APP_OK};
    *out = NULL;
    S_drop_nulls(doc);
    enum app_status st;
    switch (r) {
    case WRITE_CLAIM:
        st = S_claim(&v, creating);
        break;
    case WRITE_SOURCE:
        st = S_source(&v, creating);
        break;
    case WRITE_PROGRAM:
        st = S_program(&v, creating);
        break;
    default:
        st = catalog_validate(r, &v, creating);
        break;
    }
    if (v.failed != APP_OK)
        return v.failed; /* the database could not answer: not the record's fault */
    if (st != APP_OK)
        return st;
    if (we->n)
        return APP_EINVAL;
    *out = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    return *out ? APP_OK : APP_ENOMEM;
}

char *write_json_public(const char *doc_text)
{
    json_t *j = json_loads(doc_text, 0, NULL);
    if (!j)
        return NULL;
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(j, tmp, k, v) {
        if (k[0] == '_' || json_is_null(v)) {
            json_object_del(j, k);
        } else if (json_is_real(v)) {
            /* 75.0 from SQLite's REAL column reads back as the 75 that was written */
            double d = json_real_value(v);
            if (d == (double)(json_int_t)d && d > -1e15 && d < 1e15)
                json_object_set_new(j, k, json_integer((json_int_t)d));
        }
    }
    char *out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return out;
}

const char *write_json_str(const json_t *doc, const char *key)
{
    return json_string_value(json_object_get(doc, key));
}

void write_json_free(json_t *j)
{
    json_decref(j);
}
