#include "statistic_json.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/*
 * The CSV columns: the metric, then its summary flattened ("summary.lowest.value", ...),
 * each figure with its claim, bound and date, so a row reads without opening JSON. The
 * series and the links are in the JSON and NDJSON forms.
 */
const char *const stat_metric_csv_columns[] = {"id",
                                               "label",
                                               "unit",
                                               "value_type",
                                               "definition",
                                               "counting_basis",
                                               "source",
                                               "summary.claims",
                                               "summary.sources",
                                               "summary.claimants",
                                               "summary.lowest.claim",
                                               "summary.lowest.source",
                                               "summary.lowest.claimant",
                                               "summary.lowest.value",
                                               "summary.lowest.lower",
                                               "summary.lowest.upper",
                                               "summary.lowest.bound",
                                               "summary.lowest.vague_term",
                                               "summary.lowest.unit",
                                               "summary.lowest.value_date",
                                               "summary.lowest.as_of",
                                               "summary.lowest.period_start",
                                               "summary.lowest.period_end",
                                               "summary.highest.claim",
                                               "summary.highest.source",
                                               "summary.highest.claimant",
                                               "summary.highest.value",
                                               "summary.highest.lower",
                                               "summary.highest.upper",
                                               "summary.highest.bound",
                                               "summary.highest.vague_term",
                                               "summary.highest.unit",
                                               "summary.highest.value_date",
                                               "summary.highest.as_of",
                                               "summary.highest.period_start",
                                               "summary.highest.period_end",
                                               "summary.unbounded_below",
                                               "summary.unbounded_above",
                                               "summary.series",
                                               "summary.median",
                                               "summary.spread",
                                               "summary.spread_unit",
                                               "summary.latest.claim",
                                               "summary.latest.source",
                                               "summary.latest.value",
                                               "summary.latest.lower",
                                               "summary.latest.upper",
                                               "summary.latest.bound",
                                               "summary.latest.vague_term",
                                               "summary.latest.unit",
                                               "summary.latest.value_date",
                                               "summary.latest.as_of",
                                               "summary.latest.period_start",
                                               "summary.latest.period_end",
                                               "summary.disagreements",
                                               "summary.disagreements_truncated",
                                               NULL};

void stat_json_metric_members(struct jw *w, const struct metric_row *m)
{
    jw_kstr(w, "id", m->id);
    jw_kstr(w, "label", m->label);
    jw_kstr(w, "unit", m->unit);
    jw_kstr(w, "value_type", m->value_type);
    jw_kstr(w, "definition", m->definition);
    jw_kstr(w, "counting_basis", m->counting_basis);
    jw_kstr(w, "source", m->source_id);
}

/* A double; integral values (most counts) skip printf, a hot path on long timelines. */
static void S_double(struct jw *w, double v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    if (!(v == floor(v) && fabs(v) < 1e15)) {
        jw_double(w, v);
        return;
    }
    uint64_t u = (uint64_t)fabs(v);
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        tmp[--i] = '-';
    jw_raw(w, tmp + i, sizeof tmp - i);
}

static void S_num(struct jw *w, const char *key, bool has, double v)
{
    jw_key(w, key);
    if (has)
        S_double(w, v);
    else
        jw_null(w);
}

/* A number, or a day count as YYYY-MM-DD; null when not finite. */
static void S_edge(struct jw *w, double v, bool is_date)
{
    char iso[16];
    if (!isfinite(v)) {
        jw_null(w);
    } else if (is_date) {
        stat_day_iso((int64_t)floor(v), iso, sizeof iso);
        jw_str(w, iso);
    } else {
        S_double(w, v);
    }
}

static void S_kedge(struct jw *w, const char *key, double v, bool is_date)
{
    jw_key(w, key);
    S_edge(w, v, is_date);
}

void stat_json_value_members(struct jw *w, const struct stat_obs *o)
{
    const struct stat_claim_row *r = &o->r;
    S_num(w, "value", r->has_value, r->value);
    S_num(w, "lower", r->has_lower, r->lower);
    S_num(w, "upper", r->has_upper, r->upper);
    jw_kstr(w, "bound", r->bound);
    jw_kstr(w, "vague_term", r->vague_term);
    jw_kstr(w, "unit", r->unit);
    jw_kstr(w, "value_date", r->value_date);
}

static void S_time_members(struct jw *w, const struct stat_claim_row *r)
{
    jw_kstr(w, "as_of", r->as_of);
    jw_kstr(w, "period_start", r->period_start);
    jw_kstr(w, "period_end", r->period_end);
}

/* A figure as its claim reports it: {claim, source, value, ..., period_end}, or null. */
static void S_figure(struct jw *w, const char *key, const struct stat_set *s, size_t idx,
                     bool claimant)
{
    jw_key(w, key);
    if (idx >= s->n) {
        jw_null(w);
        return;
    }
    const struct stat_obs *o = &s->v[idx];
    jw_obj_begin(w);
    jw_kstr(w, "claim", o->r.id);
    jw_kstr(w, "source", o->r.source_id);
    if (claimant)
        jw_kstr(w, "claimant", o->r.claimant);
    stat_json_value_members(w, o);
    S_time_members(w, &o->r);
    jw_obj_end(w);
}

static void S_latest(struct jw *w, const struct stat_set *s, const struct stat_summary *sum)
{
    bool has = sum->s.latest != SIZE_MAX && sum->s.latest < sum->nused;
    S_figure(w, "latest", s, has ? sum->used[sum->s.latest] : SIZE_MAX, false);
}

void stat_json_summary(struct jw *w, const struct stat_set *s, const struct stat_summary *sum,
                       const char *unit, size_t disagreements, bool truncated, bool computed_from,
                       size_t nseries)
{
    const struct stats_summary *x = &sum->s;
    bool any = sum->nused > 0;
    bool is_date = sum->is_date;
    jw_key(w, "summary");
    jw_obj_begin(w);
    jw_kint(w, "claims", (int64_t)sum->claims);
    jw_kint(w, "sources", (int64_t)sum->sources);
    jw_kint(w, "claimants", (int64_t)sum->claimants);
    if (computed_from) {
        jw_key(w, "computed_from");
        jw_arr_begin(w);
        for (size_t i = 0; i < sum->nused; i++)
            jw_str(w, s->v[sum->used[i]].r.id);
        jw_arr_end(w);
    }
    /* The lowest and highest figures as the claims report them, never an interval end. */
    S_figure(w, "lowest", s, sum->lowest, true);
    S_figure(w, "highest", s, sum->highest, true);
    jw_kbool(w, "unbounded_below", any && isinf(x->min));
    jw_kbool(w, "unbounded_above", any && isinf(x->max));
    /* A median, spread or latest over several series would pool unlike things: only
     * a metric of one series has them here; each series has its own. */
    bool one = nseries <= 1;
    jw_kint(w, "series", (int64_t)nseries);
    S_kedge(w, "median", one ? x->median : NAN, is_date);
    jw_key(w, "spread");
    if (one && isfinite(x->spread))
        jw_double(w, x->spread);
    else
        jw_null(w);
    jw_kstr(w, "spread_unit", is_date ? "days" : unit);
    if (one)
        S_latest(w, s, sum);
    else
        S_figure(w, "latest", s, SIZE_MAX, false);
    jw_kint(w, "disagreements", (int64_t)disagreements);
    jw_kbool(w, "disagreements_truncated", truncated);
    jw_obj_end(w);
}

void stat_json_policy(struct jw *w, const char *bound, bool is_date)
{
    enum stats_bound b;
    jw_key(w, "policy");
    if (bound == NULL || !stats_bound_parse(bound, &b)) {
        jw_null(w);
        return;
    }
    const struct stats_policy_row *p = stats_policy_of(b);
    jw_obj_begin(w);
    jw_kstr(w, "bound", p->name);
    jw_kstr(w, "reads_as", is_date ? p->date : p->number);
    jw_obj_end(w);
}

static void S_interval(struct jw *w, const struct stat_obs *o)
{
    jw_key(w, "interval");
    if (!o->has_interval) {
        jw_null(w);
        return;
    }
    jw_obj_begin(w);
    S_kedge(w, "lo", o->iv.lo, o->is_date);
    S_kedge(w, "hi", o->iv.hi, o->is_date);
    jw_kbool(w, "lo_open", o->iv.lo_open);
    jw_kbool(w, "hi_open", o->iv.hi_open);
    jw_obj_end(w);
}

static void S_window(struct jw *w, const struct stat_obs *o)
{
    char iso[16];
    jw_key(w, "window");
    if (!o->when.has_time) {
        jw_null(w);
        return;
    }
    jw_obj_begin(w);
    stat_day_iso(o->when.start, iso, sizeof iso);
    jw_kstr(w, "start", iso);
    stat_day_iso(o->when.end, iso, sizeof iso);
    jw_kstr(w, "end", iso);
    jw_obj_end(w);
}

static void S_subject(struct jw *w, const struct stat_claim_row *r)
{
    jw_kstr(w, "subject", r->subject_id);
    jw_kstr(w, "subject_type",
            r->subject_id == NULL   ? NULL
            : r->subject_is_program ? "program"
                                    : "entity");
}

void stat_json_observation(struct jw *w, const struct stat_obs *o)
{
    const struct stat_claim_row *r = &o->r;
    jw_obj_begin(w);
    jw_kstr(w, "claim", r->id);
    jw_kstr(w, "source", r->source_id);
    jw_kstr(w, "claimant", r->claimant);
    jw_kstr(w, "quote", r->quote);
    stat_json_value_members(w, o);
    S_time_members(w, r);
    jw_kstr(w, "place", r->place_id);
    S_subject(w, r);
    jw_kstr(w, "scope", r->scope);
    S_interval(w, o);
    stat_json_policy(w, r->bound, o->is_date);
    S_window(w, o);
    jw_kbool(w, "comparable", o->comparable);
    jw_obj_end(w);
}

static void S_window_obj(struct jw *w, bool has_time, int64_t start, int64_t end)
{
    char iso[16];
    if (!has_time) {
        jw_null(w);
        return;
    }
    jw_obj_begin(w);
    stat_day_iso(start, iso, sizeof iso);
    jw_kstr(w, "start", iso);
    stat_day_iso(end, iso, sizeof iso);
    jw_kstr(w, "end", iso);
    jw_obj_end(w);
}

void stat_json_series(struct jw *w, const struct stat_set *s, const struct stat_series *x,
                      bool detail)
{
    char why[160];
    bool is_date = x->n > 0 && s->v[x->idx[0]].is_date;
    jw_obj_begin(w);
    jw_kstr(w, "place", x->place);
    jw_kstr(w, "subject", x->subject);
    jw_kstr(w, "subject_type",
            x->subject == NULL      ? NULL
            : x->subject_is_program ? "program"
                                    : "entity");
    jw_kstr(w, "scope", x->scope);
    jw_kint(w, "claims", (int64_t)x->n);
    jw_kint(w, "claimants", (int64_t)x->claimants);
    jw_kint(w, "independent_claimants", (int64_t)x->independent);
    S_figure(w, "lowest", s, x->lowest, true);
    S_figure(w, "highest", s, x->highest, true);
    jw_kbool(w, "unbounded_below", x->unbounded_below);
    jw_kbool(w, "unbounded_above", x->unbounded_above);
    S_figure(w, "latest", s, x->latest, true);
    jw_key(w, "median");
    jw_obj_begin(w);
    S_kedge(w, "value", x->has_median ? x->median : NAN, is_date);
    jw_key(w, "over");
    jw_arr_begin(w);
    for (size_t k = 0; k < x->n_over; k++)
        jw_str(w, s->v[x->median_over[k]].r.id);
    jw_arr_end(w);
    jw_key(w, "left_out");
    jw_arr_begin(w);
    for (size_t k = 0; k < x->n; k++) {
        const struct stat_obs *o = &s->v[x->idx[k]];
        const char *reason = stat_median_exclusion(o, why, sizeof why);
        if (reason == NULL)
            continue;
        jw_obj_begin(w);
        jw_kstr(w, "claim", o->r.id);
        jw_kstr(w, "why", reason);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    if (detail) {
        jw_key(w, "windows");
        jw_arr_begin(w);
        for (size_t k = 0; k < x->nwin; k++) {
            const struct stat_window_env *e = &x->win[k];
            jw_obj_begin(w);
            jw_key(w, "window");
            S_window_obj(w, e->has_time, e->start, e->end);
            jw_kint(w, "claims", (int64_t)e->n);
            S_figure(w, "low", s, e->low, true);
            S_figure(w, "best", s, e->best, true);
            S_figure(w, "high", s, e->high, true);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

static void S_reason(struct jw *w, const struct stat_obs *a, const struct stat_obs *b)
{
    struct buf why;
    buf_init(&why);
    stat_reason(a, b, &why);
    jw_kstr(w, "reason", buf_str(&why));
    if (why.oom)
        w->b->oom = true;
    buf_free(&why);
}

void stat_json_disagreement(struct jw *w, const struct stat_set *s, const struct stat_pair *p)
{
    const struct stat_obs *a = &s->v[p->a], *b = &s->v[p->b];
    jw_obj_begin(w);
    jw_kstr(w, "a", a->r.id);
    jw_kstr(w, "b", b->r.id);
    S_reason(w, a, b);
    jw_obj_end(w);
}

void stat_json_side(struct jw *w, const char *key, const struct stat_obs *o)
{
    const struct stat_claim_row *r = &o->r;
    if (key)
        jw_key(w, key);
    jw_obj_begin(w);
    jw_kstr(w, "claim", r->id);
    jw_kstr(w, "source", r->source_id);
    jw_kstr(w, "claimant", r->claimant);
    jw_kstr(w, "quote", r->quote);
    stat_json_value_members(w, o);
    S_time_members(w, r);
    jw_kstr(w, "place", r->place_id);
    S_subject(w, r);
    jw_obj_end(w);
}

void stat_json_conflict(struct jw *w, const struct stat_set *s, const struct stat_pair *p)
{
    const struct stat_obs *a = &s->v[p->a], *b = &s->v[p->b];
    jw_obj_begin(w);
    jw_kstr(w, "metric", a->r.metric_id);
    jw_kstr(w, "place", a->r.place_id ? a->r.place_id : b->r.place_id);
    jw_kstr(w, "subject", a->r.subject_id ? a->r.subject_id : b->r.subject_id);
    stat_json_side(w, "a", a);
    stat_json_side(w, "b", b);
    S_reason(w, a, b);
    jw_obj_end(w);
}
