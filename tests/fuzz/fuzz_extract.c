/*
 * The claim-candidate extractor on arbitrary text (invalid UTF-8 is rejected
 * first, as the API does), with a small catalog so the metric suggestion runs.
 *
 * Invariants: every span lies inside the text and inside the candidate's quote
 * (figure) or the text (time, claimant from another sentence); candidates come
 * in text order; every candidate writes as JSON without running out of room;
 * a bound with one end sets exactly that end.
 */
#include "fuzz_common.h"

#include "buf.h"
#include "extract.h"
#include "extract_json.h"

static const struct ex_metric catalog[] = {
    {"foreign_fighters_departed", "Moroccan foreign fighters who left Morocco",
     "Moroccan nationals who have left Morocco to join armed groups.", "people", "number"},
    {"event_date", "Date of an event", "The date of the event named as subject.", "date", "date"},
    {"time_served", "Time served", "Years in prison.", "years", "number"},
    {"share", "Share of returnees", "Percent of returnees.", "percent", "number"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    if (utf8_invalid_at(text, size) < size)
        return 0;
    struct ex_options opt = {size > 0 && data[0] % 2 ? "2019-03-13" : "2015", "An Author", catalog,
                             sizeof catalog / sizeof catalog[0]};
    struct ex_result r;
    ex_result_init(&r);
    FUZZ_CHECK(ex_extract(text, size, &opt, &r));
    struct ex_offsets off;
    FUZZ_CHECK(ex_offsets_init(&off, text, size));
    size_t prev = 0;
    for (size_t i = 0; i < r.n; i++) {
        const struct ex_candidate *c = &r.items[i];
        FUZZ_CHECK(c->rule != NULL && c->kind != NULL && c->bound != NULL);
        FUZZ_CHECK(c->quote.b0 < c->quote.b1 && c->quote.b1 <= size);
        FUZZ_CHECK(c->figure.b0 < c->figure.b1 && c->figure.b1 <= size);
        FUZZ_CHECK(c->figure.b0 >= c->quote.b0 && c->figure.b1 <= c->quote.b1);
        FUZZ_CHECK(c->figure.b0 >= prev);
        prev = c->figure.b0;
        const struct ex_span *sp[] = {&c->bound_span, &c->unit_span, &c->time_span,
                                      &c->claimant_span};
        for (size_t k = 0; k < sizeof sp / sizeof sp[0]; k++)
            FUZZ_CHECK(sp[k]->b1 == 0 || (sp[k]->b0 < sp[k]->b1 && sp[k]->b1 <= size));
        bool date = strcmp(c->rule, "date") == 0;
        if (date)
            FUZZ_CHECK(c->value_date[0] != '\0' && !c->has_value && !c->has_lower);
        if (!date && (strcmp(c->bound, "at_least") == 0 || strcmp(c->bound, "more_than") == 0))
            FUZZ_CHECK(c->has_lower && !c->has_upper);
        if (strcmp(c->bound, "range") == 0 && !date)
            FUZZ_CHECK(c->has_lower && c->has_upper && c->lower < c->upper);
        if (strcmp(c->bound, "vague") == 0)
            FUZZ_CHECK(!c->has_value && !c->has_lower && !c->has_upper && c->vague_term[0]);
        struct buf b;
        buf_init(&b);
        struct jw w;
        jw_init(&w, &b);
        ex_candidate_json(&w, &off, c, true, NULL);
        FUZZ_CHECK(!b.oom && b.len > 0 && w.depth == 0);
        buf_free(&b);
    }
    ex_offsets_free(&off);
    ex_result_free(&r);
    return 0;
}
