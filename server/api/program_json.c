#include "program_json.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const program_csv_columns[] = {"id",           "name",           "kind",
                                           "aliases",      "description",    "claim_count",
                                           "source_count", "mentions_count", NULL};

void program_json_members(struct jw *w, const struct program_row *r)
{
    jw_kstr(w, "id", r->id);
    jw_kstr(w, "name", r->name);
    jw_kstr(w, "kind", r->kind);
    jw_key(w, "aliases");
    if (r->aliases_json)
        jw_raw(w, r->aliases_json, strlen(r->aliases_json));
    else
        jw_raw(w, "[]", 2);
    jw_kstr(w, "description", r->description);
    jw_kint(w, "claim_count", r->claim_count);
    jw_kint(w, "source_count", r->source_count);
    jw_kint(w, "mentions_count", r->mentions_count);
    jw_key(w, "links");
    jw_obj_begin(w);
    jw_klink(w, "self", "/v1/programs/", r->id, NULL);
    jw_klink(w, "claims", "/v1/programs/", r->id, "/claims");
    jw_obj_end(w);
}

const char *program_attribute_key(const struct stat_obs *o)
{
    return o->r.attribute ? o->r.attribute : o->r.metric_id;
}

/* The schema's attribute order; metric ids used as attributes come after, by name. */
static const char *const attribute_order[] = {
    "name",   "start_date",   "lead_agency",  "oversight",  "partners",
    "aim",    "target_group", "eligibility",  "components", "round_length",
    "places", "applicants",   "participants", "graduates",  "outcome",
    "status", "legal_basis",  "penalty",      NULL};

static size_t S_rank(const char *attr)
{
    size_t i = 0;
    for (; attribute_order[i]; i++) {
        if (strcmp(attribute_order[i], attr) == 0)
            return i;
    }
    return i;
}

enum value_kind { V_TEXT, V_NUMBER, V_DATE };

static enum value_kind S_kind(const struct stat_obs *o)
{
    if (o->r.metric_id == NULL)
        return V_TEXT;
    return o->is_date ? V_DATE : V_NUMBER;
}

static bool S_streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Same variant: the same value stated the same way. Text compares case-insensitively. */
static bool S_same_value(const struct stat_obs *a, const struct stat_obs *b)
{
    enum value_kind k = S_kind(a);
    const struct stat_claim_row *x = &a->r, *y = &b->r;
    if (k != S_kind(b))
        return false;
    if (k == V_TEXT) {
        if (x->value_text == NULL || y->value_text == NULL)
            return x->value_text == y->value_text;
        return strcasecmp(x->value_text, y->value_text) == 0;
    }
    if (!S_streq(x->metric_id, y->metric_id) || !S_streq(x->bound, y->bound))
        return false;
    if (k == V_DATE)
        return S_streq(x->value_date, y->value_date);
    return x->has_value == y->has_value && (!x->has_value || x->value == y->value) &&
           x->has_lower == y->has_lower && (!x->has_lower || x->lower == y->lower) &&
           x->has_upper == y->has_upper && (!x->has_upper || x->upper == y->upper) &&
           S_streq(x->vague_term, y->vague_term);
}

/* Set indexes of the claims in seq order. */
static int S_cmp_seq(const void *pa, const void *pb, const struct stat_set *s)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int64_t x = s->v[a].r.seq, y = s->v[b].r.seq;
    return (x > y) - (x < y);
}

/* Attribute order: rank, then name. */
static int S_cmp_attr(const char *a, const char *b)
{
    size_t ra = S_rank(a), rb = S_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return strcmp(a, b);
}

static void S_isort(size_t *v, size_t n, const struct stat_set *s)
{
    for (size_t i = 1; i < n; i++) {
        size_t x = v[i];
        size_t j = i;
        while (j > 0 && S_cmp_seq(&v[j - 1], &x, s) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void S_variant_value(struct jw *w, const struct stat_obs *o)
{
    const struct stat_claim_row *r = &o->r;
    enum value_kind k = S_kind(o);
    jw_kstr(w, "value_type", k == V_TEXT ? "text" : k == V_DATE ? "date" : "number");
    jw_key(w, "value");
    if (k == V_TEXT)
        jw_str(w, r->value_text);
    else if (k == V_DATE)
        jw_str(w, r->value_date);
    else if (r->has_value)
        jw_double(w, r->value);
    else
        jw_null(w);
    jw_kstr(w, "metric", r->metric_id);
    jw_kstr(w, "bound", r->bound);
    jw_key(w, "lower");
    if (r->has_lower)
        jw_double(w, r->lower);
    else
        jw_null(w);
    jw_key(w, "upper");
    if (r->has_upper)
        jw_double(w, r->upper);
    else
        jw_null(w);
    jw_kstr(w, "unit", r->unit);
    jw_kstr(w, "vague_term", r->vague_term);
}

static void S_claim(struct jw *w, const struct stat_obs *o)
{
    const struct stat_claim_row *r = &o->r;
    jw_obj_begin(w);
    jw_kstr(w, "id", r->id);
    jw_kstr(w, "source", r->source_id);
    jw_kstr(w, "quote", r->quote);
    jw_kstr(w, "claimant", r->claimant);
    jw_kstr(w, "as_of", r->as_of);
    jw_kstr(w, "period_start", r->period_start);
    jw_kstr(w, "period_end", r->period_end);
    jw_kstr(w, "place", r->place_id);
    jw_kstr(w, "value_text", r->value_text);
    jw_obj_end(w);
}

/* The variants of one attribute: members[0..n) are set indexes in seq order. */
static void S_variants(struct jw *w, const struct stat_set *s, const size_t *members, size_t n,
                       bool *done, size_t *nvariants)
{
    *nvariants = 0;
    jw_key(w, "variants");
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        const struct stat_obs *first = &s->v[members[i]];
        (*nvariants)++;
        jw_obj_begin(w);
        S_variant_value(w, first);
        jw_key(w, "sources");
        jw_arr_begin(w);
        for (size_t j = i; j < n; j++) {
            const struct stat_obs *o = &s->v[members[j]];
            if (done[j] || !S_same_value(first, o))
                continue;
            bool seen = false;
            for (size_t k = i; k < j && !seen; k++) {
                const struct stat_obs *p = &s->v[members[k]];
                seen =
                    !done[k] && S_same_value(first, p) && S_streq(p->r.source_id, o->r.source_id);
            }
            if (!seen)
                jw_str(w, o->r.source_id);
        }
        jw_arr_end(w);
        jw_key(w, "claims");
        jw_arr_begin(w);
        for (size_t j = i; j < n; j++) {
            const struct stat_obs *o = &s->v[members[j]];
            if (done[j] || !S_same_value(first, o))
                continue;
            S_claim(w, o);
        }
        jw_arr_end(w);
        jw_obj_end(w);
        for (size_t j = n; j-- > i;) {
            if (!done[j] && S_same_value(first, &s->v[members[j]]))
                done[j] = true;
        }
    }
    jw_arr_end(w);
}

/* Writes one attribute: members are the set indexes whose key is attr. */
static void S_attribute(struct jw *w, const struct stat_set *s, const struct stat_pairs *pairs,
                        const struct program_findings *pf, const char *attr, const size_t *members,
                        size_t n, bool *done)
{
    size_t nvariants = 0, npairs = 0;
    bool all_comparable = true;
    jw_obj_begin(w);
    jw_kstr(w, "attribute", attr);
    memset(done, 0, n * sizeof *done);
    S_variants(w, s, members, n, done, &nvariants);
    for (size_t i = 0; i < n; i++) {
        if (!s->v[members[i]].comparable)
            all_comparable = false;
    }
    jw_key(w, "disagreements");
    jw_arr_begin(w);
    for (size_t i = 0; i < pairs->n; i++) {
        const struct stat_obs *a = &s->v[pairs->v[i].a];
        if (strcmp(program_attribute_key(a), attr) != 0)
            continue;
        npairs++;
        jw_obj_begin(w);
        jw_kstr(w, "a", a->r.id);
        jw_kstr(w, "b", s->v[pairs->v[i].b].r.id);
        struct buf why;
        buf_init(&why);
        stat_reason(a, &s->v[pairs->v[i].b], &why);
        jw_kstr(w, "reason", buf_str(&why));
        if (why.oom)
            w->b->oom = true;
        buf_free(&why);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "disagreement");
    if (npairs > 0)
        jw_bool(w, true);
    else if (nvariants <= 1 || all_comparable)
        jw_bool(w, false);
    else
        jw_null(w); /* text values: variants, but no way to decide a contradiction */
    /* The conflicts (/v1/conflicts/{id}) that cite a claim of this attribute, each once. */
    jw_key(w, "conflicts");
    jw_arr_begin(w);
    for (size_t k = 0; pf && k < pf->n; k++) {
        bool mine = false, before = false;
        for (size_t i = 0; i < n && !mine; i++)
            mine = strcmp(s->v[members[i]].r.id, pf->claim[k]) == 0;
        for (size_t e = 0; mine && e < k && !before; e++) {
            if (strcmp(pf->finding[e], pf->finding[k]) != 0)
                continue;
            for (size_t i = 0; i < n && !before; i++)
                before = strcmp(s->v[members[i]].r.id, pf->claim[e]) == 0;
        }
        if (mine && !before)
            jw_str(w, pf->finding[k]);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

void program_json_attributes(struct jw *w, const struct stat_set *s, const struct stat_pairs *pairs,
                             const struct program_findings *pf)
{
    size_t n = s->n;
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    size_t *members = malloc((n ? n : 1) * sizeof *members);
    bool *done = malloc((n ? n : 1) * sizeof *done);
    bool *written = calloc(n ? n : 1, sizeof *written);
    jw_key(w, "attributes");
    if (order == NULL || members == NULL || done == NULL || written == NULL) {
        w->b->oom = true;
        jw_null(w);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    S_isort(order, n, s);
    jw_arr_begin(w);
    for (;;) {
        /* The next attribute in attribute order among those not yet written. */
        const char *next = NULL;
        for (size_t i = 0; i < n; i++) {
            const char *k = program_attribute_key(&s->v[order[i]]);
            if (!written[i] && k && (next == NULL || S_cmp_attr(k, next) < 0))
                next = k;
        }
        if (next == NULL)
            break;
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const char *k = program_attribute_key(&s->v[order[i]]);
            if (!written[i] && k && strcmp(k, next) == 0) {
                members[m++] = order[i];
                written[i] = true;
            }
        }
        S_attribute(w, s, pairs, pf, next, members, m, done);
    }
    jw_arr_end(w);
out:
    free(order);
    free(members);
    free(done);
    free(written);
}
