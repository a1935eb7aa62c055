#include "extract_json.h"

#include "pdate.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_BLOCK 64

bool ex_offsets_init(struct ex_offsets *o, const char *text, size_t n)
{
    o->text = text;
    o->n = n;
    o->nblock = n / S_BLOCK + 1;
    o->block = malloc(o->nblock * sizeof *o->block);
    if (o->block == NULL)
        return false;
    size_t cp = 0;
    for (size_t k = 0; k < o->nblock; k++) {
        o->block[k] = cp;
        size_t end = (k + 1) * S_BLOCK < n ? (k + 1) * S_BLOCK : n;
        for (size_t i = k * S_BLOCK; i < end; i++)
            if (((unsigned char)text[i] & 0xC0) != 0x80)
                cp++;
    }
    return true;
}

void ex_offsets_free(struct ex_offsets *o)
{
    free(o->block);
    o->block = NULL;
}

size_t ex_offsets_cp(const struct ex_offsets *o, size_t byte)
{
    if (byte > o->n)
        byte = o->n;
    size_t k = byte / S_BLOCK;
    size_t cp = o->block[k];
    for (size_t i = k * S_BLOCK; i < byte; i++)
        if (((unsigned char)o->text[i] & 0xC0) != 0x80)
            cp++;
    return cp;
}

static void S_kspan(struct jw *w, const struct ex_offsets *o, const char *key,
                    const struct ex_span *sp)
{
    if (sp->b1 == 0)
        return;
    jw_key(w, key);
    jw_arr_begin(w);
    jw_int(w, (int64_t)ex_offsets_cp(o, sp->b0));
    jw_int(w, (int64_t)ex_offsets_cp(o, sp->b1));
    jw_arr_end(w);
}

static void S_kopt(struct jw *w, const char *key, const char *s)
{
    if (s != NULL && s[0] != '\0')
        jw_kstr(w, key, s);
}

void ex_candidate_id(const struct ex_offsets *o, const struct ex_candidate *c, char *out, size_t n)
{
    snprintf(out, n, "%s@%zu-%zu", c->rule, ex_offsets_cp(o, c->figure.b0),
             ex_offsets_cp(o, c->figure.b1));
}

void ex_candidate_json(struct jw *w, const struct ex_offsets *o, const struct ex_candidate *c,
                       bool with_coverage, const char *covered_by)
{
    char id[64];
    ex_candidate_id(o, c, id, sizeof id);
    jw_obj_begin(w);
    jw_kstr(w, "id", id);
    jw_kstr(w, "rule", c->rule);
    jw_kstr(w, "kind", c->kind);
    jw_key(w, "confidence");
    jw_double(w, c->confidence);
    jw_key(w, "quote");
    jw_strn(w, o->text + c->quote.b0, c->quote.b1 - c->quote.b0);
    jw_kint(w, "quote_start", (int64_t)ex_offsets_cp(o, c->quote.b0));
    jw_kint(w, "quote_end", (int64_t)ex_offsets_cp(o, c->quote.b1));
    jw_key(w, "figure");
    jw_strn(w, o->text + c->figure.b0, c->figure.b1 - c->figure.b0);
    if (c->has_value) {
        jw_key(w, "value");
        jw_double(w, c->value);
    }
    if (c->has_lower) {
        jw_key(w, "lower");
        jw_double(w, c->lower);
    }
    if (c->has_upper) {
        jw_key(w, "upper");
        jw_double(w, c->upper);
    }
    jw_kstr(w, "bound", c->bound);
    S_kopt(w, "vague_term", c->vague_term);
    S_kopt(w, "unit", c->unit);
    S_kopt(w, "currency", c->currency);
    if (c->has_conversion) {
        jw_key(w, "conversion");
        jw_obj_begin(w);
        jw_key(w, "value");
        jw_double(w, c->conversion_value);
        jw_kstr(w, "currency", c->conversion_currency);
        jw_kstr(w, "bound", c->conversion_bound);
        jw_obj_end(w);
    }
    S_kopt(w, "value_date", c->value_date);
    S_kopt(w, "as_of", c->as_of);
    S_kopt(w, "period_start", c->period_start);
    S_kopt(w, "period_end", c->period_end);
    S_kopt(w, "time_basis", c->time_basis);
    S_kopt(w, "claimant", c->claimant);
    jw_kstr(w, "claimant_basis", c->claimant_basis);
    jw_key(w, "suggested_metric");
    if (c->metric != NULL) {
        jw_obj_begin(w);
        jw_kstr(w, "id", c->metric);
        if (c->metric_unit != NULL)
            jw_kstr(w, "unit", c->metric_unit);
        jw_key(w, "score");
        jw_double(w, c->metric_score);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "spans");
    jw_obj_begin(w);
    S_kspan(w, o, "figure", &c->figure);
    S_kspan(w, o, "bound", &c->bound_span);
    S_kspan(w, o, "unit", &c->unit_span);
    S_kspan(w, o, "time", &c->time_span);
    S_kspan(w, o, "claimant", &c->claimant_span);
    jw_obj_end(w);
    if (with_coverage)
        jw_kstr(w, "covered_by", covered_by);
    jw_obj_end(w);
}

static char *S_copy(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

unsigned ex_request_parse(const char *body, size_t len, struct ex_request *out, char *err,
                          size_t errlen, const char **pointer)
{
    memset(out, 0, sizeof *out);
    *pointer = NULL;
    json_error_t je;
    json_t *j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL) {
        snprintf(err, errlen, "malformed JSON at line %d, column %d: %s", je.line, je.column,
                 je.text);
        return 400;
    }
    unsigned status = 0;
    const char *k;
    json_t *v;
    if (!json_is_object(j)) {
        snprintf(err, errlen, "the body must be a JSON object with a member 'text'");
        status = 400;
        goto done;
    }
    json_object_foreach(j, k, v) {
        if (strcmp(k, "text") != 0 && strcmp(k, "published") != 0 && strcmp(k, "author") != 0) {
            snprintf(err, errlen, "unknown member '%.60s' (allowed: text, published, author)", k);
            *pointer = "";
            status = 422;
            goto done;
        }
    }
    v = json_object_get(j, "text");
    if (!json_is_string(v)) {
        snprintf(err, errlen, "'text' is required and must be a string");
        *pointer = "/text";
        status = 422;
        goto done;
    }
    out->len = json_string_length(v);
    out->text = S_copy(json_string_value(v), out->len);
    v = json_object_get(j, "published");
    if (v != NULL && !json_is_null(v)) {
        struct pdate pd;
        if (!json_is_string(v) || !pdate_parse(json_string_value(v), &pd)) {
            snprintf(err, errlen, "'published' must be a date: YYYY, YYYY-MM or YYYY-MM-DD");
            *pointer = "/published";
            status = 422;
            goto done;
        }
        out->published = S_copy(json_string_value(v), strlen(json_string_value(v)));
    }
    v = json_object_get(j, "author");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_string(v) || json_string_length(v) > 200) {
            snprintf(err, errlen, "'author' must be a string of at most 200 bytes");
            *pointer = "/author";
            status = 422;
            goto done;
        }
        out->author = S_copy(json_string_value(v), json_string_length(v));
    }
    if (out->text == NULL ||
        (json_object_get(j, "published") && json_is_string(json_object_get(j, "published")) &&
         out->published == NULL) ||
        (json_is_string(json_object_get(j, "author")) && out->author == NULL)) {
        snprintf(err, errlen, "out of memory");
        status = 500;
    }
done:
    json_decref(j);
    if (status != 0)
        ex_request_free(out);
    return status;
}

void ex_request_free(struct ex_request *r)
{
    free(r->text);
    free(r->published);
    free(r->author);
    memset(r, 0, sizeof *r);
}
