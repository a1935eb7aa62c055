#include "conflict_engine.h"

#include "statistic_json.h"
#include "statistic_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The CSV columns: the finding, then each side's principal claim flattened ("a.claim",
 * "a.quote", ...: the members of a and b), so a spreadsheet row reads the two claims
 * side by side. `sides` (a side of several claims) is in the JSON and NDJSON forms.
 */
const char *const conflict_csv_columns[] = {"id",
                                            "rule",
                                            "class",
                                            "certainty",
                                            "metric",
                                            "relation",
                                            "place",
                                            "subject",
                                            "of",
                                            "dissolves_if",
                                            "explanation",
                                            "reason",
                                            "a.claim",
                                            "a.source",
                                            "a.claimant",
                                            "a.quote",
                                            "a.value",
                                            "a.lower",
                                            "a.upper",
                                            "a.bound",
                                            "a.vague_term",
                                            "a.unit",
                                            "a.value_date",
                                            "a.as_of",
                                            "a.period_start",
                                            "a.period_end",
                                            "a.place",
                                            "a.subject_type",
                                            "a.subject",
                                            "b.claim",
                                            "b.source",
                                            "b.claimant",
                                            "b.quote",
                                            "b.value",
                                            "b.lower",
                                            "b.upper",
                                            "b.bound",
                                            "b.vague_term",
                                            "b.unit",
                                            "b.value_date",
                                            "b.as_of",
                                            "b.period_start",
                                            "b.period_end",
                                            "b.place",
                                            "b.subject_type",
                                            "b.subject",
                                            NULL};

void conflict_world_init(struct conflict_world *w)
{
    memset(w, 0, sizeof *w);
    stat_set_init(&w->set);
    stat_arena_init(&w->arena);
    cons_findings_init(&w->f, CONFLICT_MAX_PER_RULE_METRIC);
}

void conflict_world_free(struct conflict_world *w)
{
    cons_findings_free(&w->f);
    stat_set_free(&w->set);
    stat_arena_free(&w->arena);
    free(w->cm);
    free(w->cr);
    free(w->parts);
    free(w->cc);
    free(w->names);
    free(w->by_seq);
    free(w->cur);
    memset(w, 0, sizeof *w);
}

/* The rank of a string among those seen (CONS_NONE for NULL); CONS_NONE - 1 on failure. */
static uint32_t S_intern(struct conflict_world *w, const char *s)
{
    if (s == NULL)
        return CONS_NONE;
    for (size_t i = 0; i < w->nnames; i++) {
        if (strcmp(w->names[i], s) == 0)
            return (uint32_t)i;
    }
    if (w->nnames == w->capnames) {
        size_t cap = w->capnames ? w->capnames * 2 : 64;
        const char **v = realloc(w->names, cap * sizeof *v);
        if (v == NULL)
            return CONS_NONE - 1;
        w->names = v;
        w->capnames = cap;
    }
    w->names[w->nnames] = s;
    return (uint32_t)w->nnames++;
}

/* The index of metric id among w->cm (CONS_NONE when unknown). */
static uint32_t S_metric(const struct conflict_world *w, const char *id)
{
    for (size_t i = 0; id != NULL && i < w->nm; i++) {
        if (strcmp(w->cm[i].id, id) == 0)
            return (uint32_t)i;
    }
    return CONS_NONE;
}

struct S_load {
    struct conflict_world *w;
    size_t cap, rcap, pcap, nparts;
    bool oom;
};

static bool S_metric_row(void *ctx, const struct metric_row *r)
{
    struct S_load *L = ctx;
    struct conflict_world *w = L->w;
    if (w->nm == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 64;
        struct cons_metric *v = realloc(w->cm, cap * sizeof *v);
        if (v == NULL) {
            L->oom = true;
            return false;
        }
        w->cm = v;
        L->cap = cap;
    }
    struct cons_metric *m = &w->cm[w->nm++];
    m->id = stat_arena_dup(&w->arena, r->id);
    m->cumulative = r->cumulative;
    m->one_per_subject = r->one_per_subject;
    m->is_date = r->value_type != NULL && strcmp(r->value_type, "date") == 0;
    L->oom = L->oom || w->arena.oom;
    return !L->oom;
}

static bool S_relation_row(void *ctx, const struct relation_row *r)
{
    struct S_load *L = ctx;
    struct conflict_world *w = L->w;
    if (w->nr == L->rcap) {
        size_t cap = L->rcap ? L->rcap * 2 : 16;
        struct cons_relation *v = realloc(w->cr, cap * sizeof *v);
        if (v == NULL) {
            L->oom = true;
            return false;
        }
        w->cr = v;
        L->rcap = cap;
    }
    struct cons_relation *x = &w->cr[w->nr++];
    memset(x, 0, sizeof *x);
    struct stat_arena *a = &w->arena;
    x->id = stat_arena_dup(a, r->id);
    const char *k = r->kind ? r->kind : "";
    x->kind = !strcmp(k, "sum")     ? CONS_SUM
              : !strcmp(k, "share") ? CONS_SHARE
              : !strcmp(k, "range") ? CONS_RANGE
                                    : CONS_PART_WHOLE;
    x->metric = S_metric(w, r->metric);
    x->whole = S_metric(w, r->whole);
    x->part = S_metric(w, r->part);
    x->min = S_metric(w, r->min);
    x->max = S_metric(w, r->max);
    /* the place is a rank: interned now, before the claims */
    const char *pl = stat_arena_dup(a, r->whole_place);
    x->whole_place = S_intern(w, pl);
    const char *parts = r->parts;
    x->parts = NULL;
    x->nparts = 0;
    for (const char *p = parts; p != NULL && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char id[256];
        if (n < sizeof id) {
            memcpy(id, p, n);
            id[n] = '\0';
            if (L->nparts == L->pcap) {
                size_t cap = L->pcap ? L->pcap * 2 : 16;
                uint32_t *v = realloc(w->parts, cap * sizeof *v);
                if (v == NULL) {
                    L->oom = true;
                    return false;
                }
                w->parts = v;
                L->pcap = cap;
            }
            w->parts[L->nparts++] = S_metric(w, id);
            x->nparts++;
        }
        p = e ? e + 1 : p + n;
    }
    /* parts point into w->parts once it stops moving (S_fix_parts()) */
    x->parts = (const uint32_t *)(uintptr_t)(L->nparts - x->nparts);
    L->oom = L->oom || a->oom || x->whole_place == CONS_NONE - 1;
    return !L->oom;
}

static void S_fix_parts(struct conflict_world *w)
{
    for (size_t i = 0; i < w->nr; i++) {
        size_t off = (size_t)(uintptr_t)w->cr[i].parts;
        w->cr[i].parts = w->cr[i].nparts ? w->parts + off : NULL;
    }
}

static int S_cmp_seq(const void *pa, const void *pb)
{
    const int64_t *a = pa, *b = pb;
    return a[0] < b[0] ? -1 : a[0] > b[0];
}

static enum app_status S_claims(struct conflict_world *w)
{
    size_t n = w->set.n;
    w->cc = calloc(n ? n : 1, sizeof *w->cc);
    int64_t *by_seq = malloc((n ? n : 1) * 2 * sizeof *by_seq); /* (seq, index) pairs */
    if (w->cc == NULL || by_seq == NULL) {
        free(by_seq);
        return APP_ENOMEM;
    }
    w->by_seq = by_seq;
    for (size_t i = 0; i < n; i++) {
        by_seq[2 * i] = w->set.v[i].r.seq;
        by_seq[2 * i + 1] = (int64_t)i;
    }
    if (n > 1)
        qsort(by_seq, n, 2 * sizeof *by_seq, S_cmp_seq);
    w->by_seq = by_seq;
    for (size_t i = 0; i < n; i++) {
        const struct stat_obs *o = &w->set.v[i];
        const struct stat_claim_row *r = &o->r;
        struct cons_claim *c = &w->cc[i];
        c->id = r->id;
        c->seq = r->seq;
        c->source = r->source_seq;
        c->source_id = r->source_id;
        c->metric = S_metric(w, r->metric_id);
        c->place = S_intern(w, r->place_id);
        c->subject = S_intern(w, r->subject_id);
        c->subject_is_program = r->subject_is_program;
        c->subject_id = r->subject_id;
        c->scope = S_intern(w, r->scope);
        c->scope_text = r->scope;
        if (c->place == CONS_NONE - 1 || c->subject == CONS_NONE - 1 || c->scope == CONS_NONE - 1)
            return APP_ENOMEM;
        c->has_period = r->has_period;
        c->comparable = o->comparable;
        c->iv = o->iv;
        c->when = o->when;
        c->bound = r->bound;
        if (o->is_date) {
            c->has_point = o->has_figure;
            c->point = o->fig_lo;
        } else {
            c->has_point = r->has_value;
            c->point = r->value;
        }
        c->repeats = SIZE_MAX;
        if (r->repeats_seq != 0) {
            int64_t key[2] = {r->repeats_seq, 0};
            const int64_t *hit = bsearch(key, by_seq, n, 2 * sizeof *by_seq, S_cmp_seq);
            if (hit)
                c->repeats = (size_t)hit[1];
        }
    }
    return APP_OK;
}

static bool S_curated_row(void *ctx, const struct curated_row *r)
{
    struct conflict_world *w = ctx;
    if (w->ncur == w->capcur) {
        size_t cap = w->capcur ? w->capcur * 2 : 8;
        struct curated *v = realloc(w->cur, cap * sizeof *v);
        if (v == NULL)
            return false;
        w->cur = v;
        w->capcur = cap;
    }
    struct stat_arena *a = &w->arena;
    struct curated *x = &w->cur[w->ncur++];
    x->id = stat_arena_dup(a, r->id);
    x->certainty = stat_arena_dup(a, r->certainty);
    x->dissolves_if = stat_arena_dup(a, r->dissolves_if);
    x->explanation = stat_arena_dup(a, r->explanation);
    x->side_a = stat_arena_dup(a, r->side_a);
    x->side_b = stat_arena_dup(a, r->side_b);
    return !a->oom;
}

/* Set indexes of the comma-separated seqs (at most CONS_SIDE_MAX; unknown ones skipped). */
static size_t S_side(const struct conflict_world *w, const char *seqs, size_t *out)
{
    size_t k = 0;
    for (const char *p = seqs; p != NULL && *p && k < CONS_SIDE_MAX;) {
        char *end = NULL;
        long long v = strtoll(p, &end, 10);
        if (end == p)
            break;
        int64_t key[2] = {(int64_t)v, 0};
        const int64_t *hit =
            w->set.n ? bsearch(key, w->by_seq, w->set.n, 2 * sizeof *w->by_seq, S_cmp_seq) : NULL;
        if (hit)
            out[k++] = (size_t)hit[1];
        p = *end == ',' ? end + 1 : end;
    }
    return k;
}

/* The curated conflicts as findings of rule curated, class curated, after the rules'. */
static void S_curated(struct conflict_world *w, const struct cons_input *in)
{
    for (size_t i = 0; i < w->ncur; i++) {
        const struct curated *x = &w->cur[i];
        size_t a[CONS_SIDE_MAX], b[CONS_SIDE_MAX];
        size_t na = S_side(w, x->side_a, a), nb = S_side(w, x->side_b, b);
        if (na == 0 || nb == 0)
            continue; /* a side whose claims are all deleted: nothing left to disagree */
        bool possible = x->certainty && strcmp(x->certainty, "possible") == 0;
        if (cons_emit(&w->f, in, "curated", NULL, CONS_CURATED, "a", a, na, "b", b, nb,
                      possible ? (x->dissolves_if ? x->dissolves_if : "") : NULL, x->explanation)) {
            struct cons_finding *f = &w->f.v[w->f.n - 1];
            snprintf(f->id, sizeof f->id, "curated-%.38s", x->id);
        }
    }
}

/* Appends the claims without metric that curated conflicts cite. */
static enum app_status S_curated_claims(struct db_conn *c, struct conflict_world *w)
{
    struct buf seqs;
    buf_init(&seqs);
    buf_putc(&seqs, '[');
    bool first = true;
    for (size_t i = 0; i < w->ncur; i++) {
        const char *sides[2] = {w->cur[i].side_a, w->cur[i].side_b};
        for (int s = 0; s < 2; s++) {
            if (sides[s] == NULL || !*sides[s])
                continue;
            if (!first)
                buf_putc(&seqs, ',');
            buf_puts(&seqs, sides[s]);
            first = false;
        }
    }
    buf_putc(&seqs, ']');
    enum app_status st = APP_OK;
    if (seqs.oom) {
        st = APP_ENOMEM;
    } else if (!first) {
        struct stat_claim_filter f;
        memset(&f, 0, sizeof f);
        f.seq_json = buf_str(&seqs);
        f.without_metric = true;
        st = stat_repo_claims(c, &f, stat_set_collect, &w->set);
        if (st == APP_OK)
            st = w->set.status;
    }
    buf_free(&seqs);
    return st;
}

enum app_status conflict_world_load(struct db_conn *c, struct conflict_world *w)
{
    struct S_load L = {w, 0, 0, 0, 0, false};
    struct metric_filter mf = {NULL, NULL, true};
    struct stat_claim_filter cf;
    memset(&cf, 0, sizeof cf);
    enum app_status st = stat_repo_snapshot_begin(c);
    if (st != APP_OK)
        return st;
    st = stat_repo_metric_list(c, &mf, 1000000, 0, false, 0, S_metric_row, &L);
    if (st == APP_OK && L.oom)
        st = APP_ENOMEM;
    if (st == APP_OK)
        st = stat_repo_relations(c, S_relation_row, &L);
    if (st == APP_OK && L.oom)
        st = APP_ENOMEM;
    if (st == APP_OK)
        st = stat_repo_claims(c, &cf, stat_set_collect, &w->set);
    if (st == APP_OK)
        st = w->set.status;
    if (st == APP_OK)
        st = stat_repo_curated(c, S_curated_row, w);
    if (st == APP_OK && w->arena.oom)
        st = APP_ENOMEM;
    if (st == APP_OK)
        st = S_curated_claims(c, w);
    stat_repo_snapshot_end(c);
    if (st != APP_OK)
        return st;
    S_fix_parts(w);
    st = S_claims(w);
    if (st != APP_OK)
        return st;
    struct cons_input in = {w->cc, w->set.n, w->cm, w->nm, w->cr, w->nr, NULL, NULL};
    cons_run(&in, &w->f);
    S_curated(w, &in);
    return w->f.oom ? APP_ENOMEM : APP_OK;
}

const char *conflict_metric_id(const struct conflict_world *w, const struct cons_finding *f)
{
    return f->metric < w->nm ? w->cm[f->metric].id : NULL;
}

void conflict_json_finding_members(struct jw *w, const struct conflict_world *cw,
                                   const struct cons_finding *f)
{
    const struct stat_obs *a = &cw->set.v[f->side[0][0]];
    const struct stat_obs *b = f->nside[1] ? &cw->set.v[f->side[1][0]] : a;
    jw_kstr(w, "id", f->id);
    jw_kstr(w, "rule", f->rule);
    jw_kstr(w, "class", cons_class_name(f->cls));
    jw_kstr(w, "certainty", cons_certainty_name(f->certainty));
    jw_kstr(w, "dissolves_if", f->dissolves_if);
    jw_kstr(w, "metric", conflict_metric_id(cw, f));
    jw_kstr(w, "relation", f->relation);
    jw_kstr(w, "place", a->r.place_id ? a->r.place_id : b->r.place_id);
    jw_kstr(w, "subject", a->r.subject_id ? a->r.subject_id : b->r.subject_id);
    jw_kstr(w, "of", f->of[0] ? f->of : NULL);
    stat_json_side(w, "a", a);
    stat_json_side(w, "b", b);
    jw_key(w, "sides");
    jw_arr_begin(w);
    for (int s = 0; s < 2; s++) {
        if (f->nside[s] == 0)
            continue;
        jw_obj_begin(w);
        jw_kstr(w, "role", f->role[s]);
        jw_key(w, "claims");
        jw_arr_begin(w);
        for (size_t i = 0; i < f->nside[s]; i++)
            stat_json_side(w, NULL, &cw->set.v[f->side[s][i]]);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_kstr(w, "explanation", f->explanation);
    jw_kstr(w, "reason", f->explanation);
}

void conflict_json_finding(struct jw *w, const struct conflict_world *cw,
                           const struct cons_finding *f)
{
    jw_obj_begin(w);
    conflict_json_finding_members(w, cw, f);
    jw_obj_end(w);
}
