#include "provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void prov_findings_init(struct prov_findings *f, bool changed_only, bool with_unlinked)
{
    memset(f, 0, sizeof *f);
    f->changed_only = changed_only;
    f->with_unlinked = with_unlinked;
}

void prov_findings_free(struct prov_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        for (size_t k = 0; k < f->v[i].nowned; k++)
            free(f->v[i].owned[k]);
    }
    free(f->v);
    f->v = NULL;
    f->n = f->cap = 0;
}

/* A copy of s owned by x (NULL stays NULL); sets *oom when the copy fails. */
static const char *S_dup(struct prov_finding *x, const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = x->nowned < PROV_FINDING_STRINGS ? strdup(s) : NULL;
    if (!d) {
        *oom = true;
        return NULL;
    }
    x->owned[x->nowned++] = d;
    return d;
}

static void S_side_copy(struct prov_finding *x, struct prov_side *to, const struct prov_side *from,
                        bool *oom)
{
    *to = *from;
    struct drift_claim *c = &to->c;
    const struct drift_claim *o = &from->c;
    c->id = S_dup(x, o->id, oom);
    c->quote = S_dup(x, o->quote, oom);
    c->metric = S_dup(x, o->metric, oom);
    c->metric_kind = S_dup(x, o->metric_kind, oom);
    c->bound = S_dup(x, o->bound, oom);
    c->vague_term = S_dup(x, o->vague_term, oom);
    c->unit = S_dup(x, o->unit, oom);
    c->value_date = S_dup(x, o->value_date, oom);
    c->value_text = S_dup(x, o->value_text, oom);
    c->as_of = S_dup(x, o->as_of, oom);
    c->period_start = S_dup(x, o->period_start, oom);
    c->period_end = S_dup(x, o->period_end, oom);
    c->subject = S_dup(x, o->subject, oom);
    c->attribute = S_dup(x, o->attribute, oom);
    to->source_id = S_dup(x, from->source_id, oom);
    to->claimant = S_dup(x, from->claimant, oom);
    to->place_id = S_dup(x, from->place_id, oom);
}

bool prov_findings_collect(void *ctx, const struct prov_link_row *row)
{
    struct prov_findings *f = ctx;
    if (!row->has_target && !f->with_unlinked)
        return true;
    struct drift_result d;
    memset(&d, 0, sizeof d);
    d.status = DRIFT_NOT_COMPARED;
    if (row->has_target)
        drift_compare(&row->original.c, &row->repeat.c, &d);
    if (f->changed_only && d.status != DRIFT_CHANGED)
        return true;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        struct prov_finding *v = realloc(f->v, cap * sizeof *v);
        if (!v) {
            f->status = APP_ENOMEM;
            return false;
        }
        f->v = v;
        f->cap = cap;
    }
    struct prov_finding *x = &f->v[f->n++];
    bool oom = false;
    x->nowned = 0;
    S_side_copy(x, &x->original, &row->original, &oom);
    S_side_copy(x, &x->repeat, &row->repeat, &oom);
    x->basis = S_dup(x, row->basis, &oom);
    x->note = S_dup(x, row->note, &oom);
    x->note_scope = S_dup(x, row->note_scope, &oom);
    x->has_target = row->has_target;
    x->d = d;
    if (oom) {
        f->status = APP_ENOMEM;
        return false;
    }
    return true;
}

void prov_finding_id(const struct prov_finding *f, char *out, size_t n)
{
    int w = snprintf(out, n, "drift-%s-%s", f->original.c.id, f->repeat.c.id);
    if (w < 0 && n)
        out[0] = '\0';
}

static void S_num(struct jw *w, const char *key, bool has, double v)
{
    jw_key(w, key);
    if (has)
        jw_double(w, v);
    else
        jw_null(w);
}

/* One side as an object (a value: the caller wrote its key, or is in an array). */
static void S_side(struct jw *w, const struct prov_side *s);

void prov_json_side(struct jw *w, const char *key, const struct prov_side *s)
{
    jw_key(w, key);
    S_side(w, s);
}

static void S_side(struct jw *w, const struct prov_side *s)
{
    const struct drift_claim *c = &s->c;
    jw_obj_begin(w);
    jw_kstr(w, "claim", c->id);
    jw_kstr(w, "source", s->source_id);
    jw_kstr(w, "claimant", s->claimant);
    jw_kstr(w, "quote", c->quote);
    S_num(w, "value", c->has_value, c->value);
    S_num(w, "lower", c->has_lower, c->lower);
    S_num(w, "upper", c->has_upper, c->upper);
    jw_kstr(w, "bound", c->bound);
    jw_kstr(w, "vague_term", c->vague_term);
    jw_kstr(w, "unit", c->unit);
    jw_kstr(w, "value_date", c->value_date);
    jw_kstr(w, "as_of", c->as_of);
    jw_kstr(w, "period_start", c->period_start);
    jw_kstr(w, "period_end", c->period_end);
    jw_kstr(w, "place", s->place_id);
    jw_kstr(w, "subject", c->subject);
    jw_kstr(w, "subject_type", !c->subject ? NULL : s->subject_is_program ? "program" : "entity");
    jw_obj_end(w);
}

void prov_json_changes(struct jw *w, const struct drift_result *d)
{
    jw_key(w, "changes");
    jw_arr_begin(w);
    for (size_t i = 0; i < d->n; i++) {
        jw_obj_begin(w);
        jw_kstr(w, "field", d->v[i].field);
        jw_kstr(w, "from", d->v[i].from);
        jw_kstr(w, "to", d->v[i].to);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void prov_json_finding_members(struct jw *w, const struct prov_finding *f)
{
    char id[300];
    prov_finding_id(f, id, sizeof id);
    const struct drift_claim *o = &f->original.c, *p = &f->repeat.c;
    jw_kstr(w, "id", id);
    jw_kstr(w, "rule", "drift");
    jw_kstr(w, "class", "drift");
    jw_kstr(w, "certainty", f->d.definite ? "definite" : "possible");
    /* a possible drift dissolves under the reading its explanation gives */
    jw_kstr(w, "dissolves_if", f->d.definite ? NULL : f->d.explanation);
    jw_kstr(w, "relation", "repeats");
    jw_kstr(w, "of", NULL);
    jw_kstr(w, "explanation", f->d.explanation);
    jw_kstr(w, "metric", o->metric ? o->metric : p->metric);
    jw_kstr(w, "place", f->original.place_id ? f->original.place_id : f->repeat.place_id);
    jw_kstr(w, "subject", o->subject ? o->subject : p->subject);
    prov_json_side(w, "a", &f->original);
    prov_json_side(w, "b", &f->repeat);
    jw_key(w, "sides");
    jw_arr_begin(w);
    const struct prov_side *sides[2] = {&f->original, &f->repeat};
    static const char *const roles[2] = {"original", "repeat"};
    for (int k = 0; k < 2; k++) {
        jw_obj_begin(w);
        jw_kstr(w, "role", roles[k]);
        jw_key(w, "claims");
        jw_arr_begin(w);
        S_side(w, sides[k]);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_kstr(w, "reason", f->d.explanation);
    prov_json_changes(w, &f->d);
    jw_key(w, "link");
    jw_obj_begin(w);
    jw_kstr(w, "relation", "repeats");
    jw_kstr(w, "claim", p->id);
    jw_kstr(w, "target", o->id);
    jw_kstr(w, "basis", f->basis);
    jw_obj_end(w);
}

void prov_json_finding(struct jw *w, const struct prov_finding *f)
{
    jw_obj_begin(w);
    prov_json_finding_members(w, f);
    jw_obj_end(w);
}

void prov_json_derived(struct jw *w, const struct prov_finding *from, const struct prov_finding *to)
{
    const struct prov_finding *f = from;
    bool changed = false, kept = false, linked = false;
    for (const struct prov_finding *x = from; x < to; x++) {
        linked |= x->has_target;
        changed |= x->d.status == DRIFT_CHANGED;
        kept |= x->has_target && x->d.status == DRIFT_KEPT;
    }
    jw_obj_begin(w);
    jw_kstr(w, "claim", f->repeat.c.id);
    jw_kstr(w, "source", f->repeat.source_id);
    jw_kstr(w, "claimant", f->repeat.claimant);
    jw_kstr(w, "quote", f->repeat.c.quote);
    jw_key(w, "rests_on");
    if (f->note || f->note_scope) {
        jw_obj_begin(w);
        jw_kstr(w, "note", f->note);
        jw_kstr(w, "scope", f->note_scope);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_kstr(w, "status",
            !linked   ? "unlinked"
            : changed ? "changed"
            : kept    ? "kept"
                      : "not_compared");
    jw_key(w, "repeats");
    jw_arr_begin(w);
    for (const struct prov_finding *x = from; x < to; x++) {
        if (!x->has_target)
            continue;
        jw_obj_begin(w);
        jw_kstr(w, "claim", x->original.c.id);
        jw_kstr(w, "quote", x->original.c.quote);
        jw_kstr(w, "status", drift_status_name(x->d.status));
        jw_kstr(w, "certainty",
                x->d.status != DRIFT_CHANGED ? NULL
                : x->d.definite              ? "definite"
                                             : "possible");
        prov_json_changes(w, &x->d);
        jw_kstr(w, "explanation", x->d.explanation);
        jw_kstr(w, "basis", x->basis);
        if (x->d.status == DRIFT_CHANGED) {
            char id[300];
            prov_finding_id(x, id, sizeof id);
            jw_kstr(w, "conflict", id);
        } else {
            jw_kstr(w, "conflict", NULL);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "links");
    jw_obj_begin(w);
    jw_klink(w, "claim", "/v1/claims/", f->repeat.c.id, NULL);
    jw_obj_end(w);
    jw_obj_end(w);
}
