/*
 * The consistency rules: cons_run() on claims, metrics and relations decoded from
 * arbitrary bytes (any interval ends, infinities and NaNs included; any indexes,
 * including ones out of range).
 *
 * Invariants: no crash or leak; every finding names claims in range, at most
 * CONS_SIDE_MAX a side, a known class and certainty, an explanation, a possible
 * finding says under which reading it dissolves, a definite one does not; ids are
 * unique; an internal finding restates one whose claims all come from one source.
 */
#include "fuzz_common.h"

#include "consistency.h"

#include <math.h>

struct reader {
    const uint8_t *p;
    size_t n;
};

static uint8_t S_u8(struct reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

static double S_num(struct reader *r)
{
    uint8_t k = S_u8(r);
    switch (k % 8) {
    case 0:
        return INFINITY;
    case 1:
        return -INFINITY;
    case 2:
        return (double)S_u8(r) / 7.0;
    default:
        return (double)(int8_t)S_u8(r) * (k % 5 + 1);
    }
}

static uint32_t S_ix(struct reader *r, uint32_t n)
{
    uint8_t b = S_u8(r);
    return b == 255 ? CONS_NONE : b % (n + 1); /* n itself is out of range */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char ids[64][8];
    static const char *const rel_ids[] = {"r0", "r1", "r2", "r3"}; /* unique, as in the catalog */
    static const char *const bounds[] = {"exact", "approx", "at_least", "almost"};
    struct reader r = {data, size};
    struct cons_metric m[4];
    struct cons_relation rel[4];
    uint32_t parts[4][3];
    struct cons_claim c[64];
    size_t nm = 1 + S_u8(&r) % 4, nr = S_u8(&r) % 5, n = S_u8(&r) % 65;
    for (size_t i = 0; i < nm; i++) {
        uint8_t f = S_u8(&r);
        m[i].id = "m";
        m[i].cumulative = f & 1;
        m[i].one_per_subject = f & 2;
        m[i].is_date = f & 4;
    }
    for (size_t i = 0; i < nr; i++) {
        memset(&rel[i], 0, sizeof rel[i]);
        rel[i].id = rel_ids[i];
        rel[i].kind = (enum cons_rel_kind)(S_u8(&r) % 4);
        rel[i].metric = S_ix(&r, (uint32_t)nm);
        rel[i].whole = S_ix(&r, (uint32_t)nm);
        rel[i].part = S_ix(&r, (uint32_t)nm);
        rel[i].min = S_ix(&r, (uint32_t)nm);
        rel[i].max = S_ix(&r, (uint32_t)nm);
        rel[i].whole_place = S_ix(&r, 3);
        rel[i].nparts = S_u8(&r) % 4;
        for (size_t k = 0; k < rel[i].nparts; k++)
            parts[i][k] = S_ix(&r, (uint32_t)nm);
        rel[i].parts = rel[i].nparts ? parts[i] : NULL;
    }
    for (size_t i = 0; i < n; i++) {
        struct cons_claim *x = &c[i];
        memset(x, 0, sizeof *x);
        snprintf(ids[i], sizeof ids[i], "c%zu", i);
        x->id = ids[i];
        x->seq = (int64_t)i;
        x->source = S_u8(&r) % 3;
        x->source_id = "s";
        x->metric = S_ix(&r, (uint32_t)nm);
        x->place = S_ix(&r, 3);
        x->subject = S_ix(&r, 3);
        x->subject_is_program = S_u8(&r) & 1;
        x->scope = S_ix(&r, 2);
        x->scope_text = x->scope == CONS_NONE ? NULL : "scope";
        x->subject_id = "subject";
        uint8_t f = S_u8(&r);
        x->has_period = f & 1;
        x->comparable = f & 2;
        x->has_point = f & 4;
        x->bound = bounds[(f >> 3) % 4];
        x->iv.lo = S_num(&r);
        x->iv.hi = S_num(&r);
        x->iv.lo_open = f & 64;
        x->iv.hi_open = f & 128;
        x->point = S_num(&r);
        x->when.has_time = S_u8(&r) & 1;
        x->when.start = (int8_t)S_u8(&r);
        x->when.end = x->when.start + S_u8(&r) % 8;
        x->repeats = SIZE_MAX;
    }
    struct cons_input in = {c, n, m, nm, rel, nr, NULL, NULL};
    struct cons_findings out;
    cons_findings_init(&out, S_u8(&r) % 4 == 0 ? 3 : 0);
    cons_run(&in, &out);
    for (size_t k = 0; k < out.n && !out.oom; k++) {
        const struct cons_finding *x = &out.v[k];
        FUZZ_CHECK(x->nside[0] >= 1 && x->nside[0] <= CONS_SIDE_MAX);
        FUZZ_CHECK(x->nside[1] <= CONS_SIDE_MAX);
        for (int s = 0; s < 2; s++) {
            for (size_t i = 0; i < x->nside[s]; i++)
                FUZZ_CHECK(x->side[s][i] < n);
        }
        FUZZ_CHECK(cons_class_name(x->cls) != NULL);
        FUZZ_CHECK(cons_certainty_name(x->certainty) != NULL);
        FUZZ_CHECK(x->explanation != NULL);
        FUZZ_CHECK((x->certainty == CONS_POSSIBLE) == (x->dissolves_if != NULL));
        if (x->cls == CONS_INTERNAL) {
            FUZZ_CHECK(x->of[0] != '\0');
            for (int s = 0; s < 2; s++) {
                for (size_t i = 0; i < x->nside[s]; i++)
                    FUZZ_CHECK(c[x->side[s][i]].source == c[x->side[0][0]].source);
            }
        }
        for (size_t j = 0; j < k; j++)
            FUZZ_CHECK(strcmp(out.v[j].id, x->id) != 0 || out.v[j].rule != x->rule ||
                       strcmp(x->rule, "internal") == 0);
    }
    cons_findings_free(&out);
    return 0;
}
