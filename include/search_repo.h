/* SQL for full-text search over the search_index FTS5 table. */
#ifndef MARSAD_SEARCH_REPO_H
#define MARSAD_SEARCH_REPO_H

#include "buf.h"
#include "db.h"
#include "search.h"
#include "status.h"

#include <stdbool.h>
#include <stdint.h>

struct search_filter {
    const char *fts;        /* a sanitized FTS5 expression (query_fts_expr); required */
    const char *types_json; /* JSON array of doc types (any of), or NULL for every type */
};

/*
 * Lists the live records matching f, best first: bm25 with weights title 5,
 * body 1, aliases 2, ties by type then id. Calls fn per hit.
 */
enum app_status search_repo_list(struct db_conn *c, const struct search_filter *f, int64_t limit,
                                 int64_t offset, search_hit_fn fn, void *ctx) APP_MUST_CHECK;
/* The number of live records matching f. */
enum app_status search_repo_count(struct db_conn *c, const struct search_filter *f,
                                  int64_t *out) APP_MUST_CHECK;

/*
 * Names searched as the records they name: when a run of the words of `text` is a
 * name or alias of exactly one entity or live program (compared as FTS5 tokens: case,
 * accents and punctuation aside), the longest such run from the left is replaced by
 * the OR of every name and alias of that record as phrases, the other words are kept
 * (the last one a prefix when the text ends on it), all ANDed. *expanded tells whether
 * some run was (out is then the expression); when not, out is left alone and the
 * caller keeps query_fts_expr's. A name of several records is not expanded.
 */
enum app_status search_repo_expand(struct db_conn *c, const char *text, struct buf *out,
                                   bool *expanded) APP_MUST_CHECK;

/* Fills the index from the tables (every live claim, source and program). */
enum app_status search_repo_rebuild(struct db_conn *c) APP_MUST_CHECK;
/* Replaces the index row of one record (doc_type "claim", "source" or "program"); a
 * deleted record is left out. */
enum app_status search_repo_reindex(struct db_conn *c, const char *doc_type,
                                    const char *id) APP_MUST_CHECK;

#endif
