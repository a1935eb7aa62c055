/* Candidate claims as JSON, with offsets in code points. */
#ifndef MARSAD_EXTRACT_JSON_H
#define MARSAD_EXTRACT_JSON_H

#include "buf.h"
#include "extract.h"

/* Byte-to-code-point offsets of one text, answered in O(1) after a linear index. */
struct ex_offsets {
    const char *text;
    size_t n;
    size_t *block; /* code points before each 64-byte block */
    size_t nblock;
};

/* Returns false when memory ran out. */
bool ex_offsets_init(struct ex_offsets *o, const char *text, size_t n);
void ex_offsets_free(struct ex_offsets *o);
size_t ex_offsets_cp(const struct ex_offsets *o, size_t byte);

/* A candidate's stable id, "<rule>@<figure start>-<figure end>" in code points. */
void ex_candidate_id(const struct ex_offsets *o, const struct ex_candidate *c, char *out, size_t n);

/*
 * Writes one candidate as a JSON object. covered_by is the id of a claim that
 * already states it (written as "covered_by", null when NULL); pass
 * with_coverage false to leave the member out.
 */
void ex_candidate_json(struct jw *w, const struct ex_offsets *o, const struct ex_candidate *c,
                       bool with_coverage, const char *covered_by);

/* The body of POST /v1/extract. */
struct ex_request {
    char *text;
    size_t len;
    char *published; /* NULL when absent */
    char *author;    /* NULL when absent */
};

/*
 * Parses and checks a JSON body {"text", "published"?, "author"?}. Returns 0, or
 * the status to answer (400 malformed JSON, 422 a member that is wrong) with err
 * naming the problem and *pointer the JSON pointer of the member (or NULL).
 */
unsigned ex_request_parse(const char *body, size_t len, struct ex_request *out, char *err,
                          size_t errlen, const char **pointer);
void ex_request_free(struct ex_request *r);

#endif
