/* SQL for sources (publications), their stored texts and the citation graph. */
#ifndef MARSAD_SOURCE_REPO_H
#define MARSAD_SOURCE_REPO_H

#include "db.h"
#include "sort_key.h"
#include "source.h"
#include "status.h"

#include <stdbool.h>
#include <stdint.h>

/* Each *_json member is a JSON array text (any of), or NULL for no filter. */
struct source_filter {
    const char *kind_json;     /* source kinds */
    const char *cites_json;    /* only works cited by one of these sources */
    const char *cited_by_json; /* only works citing one of these sources */
    const char *title;         /* case-insensitive substring of the title, or NULL */
};

enum source_sort_key {
    SOURCE_SORT_PUBLISHED,
    SOURCE_SORT_TITLE,
    SOURCE_SORT_ID,
};
extern const char *const source_sort_keys[]; /* NULL-terminated, indexed by source_sort_key */

/*
 * Lists sources matching f in the given order (default: insertion order),
 * calling fn per row. keyset: only rows with seq > after (default order only).
 */
enum app_status source_repo_list(struct db_conn *c, const struct source_filter *f,
                                 const struct sort_key *sort, size_t nsort, int64_t limit,
                                 int64_t offset, bool keyset, int64_t after, source_row_fn fn,
                                 void *ctx) APP_MUST_CHECK;
enum app_status source_repo_count(struct db_conn *c, const struct source_filter *f,
                                  int64_t *out) APP_MUST_CHECK;
/* One source by id; APP_ENOTFOUND when absent or deleted. */
enum app_status source_repo_get(struct db_conn *c, const char *id, source_row_fn fn,
                                void *ctx) APP_MUST_CHECK;
/* Claim counts per kind of the source with this seq (kinds with no claim are skipped). */
enum app_status source_repo_claim_kinds(struct db_conn *c, int64_t seq, source_kind_count_fn fn,
                                        void *ctx) APP_MUST_CHECK;
/* Works the source with this seq cites, by label numerically. */
enum app_status source_repo_cites(struct db_conn *c, int64_t seq, source_citation_fn fn,
                                  void *ctx) APP_MUST_CHECK;
/* Sources citing the source with this seq. */
enum app_status source_repo_cited_by(struct db_conn *c, int64_t seq, source_citation_fn fn,
                                     void *ctx) APP_MUST_CHECK;
/* The stored text of a source; APP_ENOTFOUND when the source or its text is absent. */
enum app_status source_repo_text(struct db_conn *c, const char *id, source_text_fn fn,
                                 void *ctx) APP_MUST_CHECK;
/*
 * A claim's quote cut from the stored text of source `id`; APP_ENOTFOUND when
 * the claim is not one of that source's (or the source has no text).
 */
enum app_status source_repo_quote(struct db_conn *c, const char *id, const char *claim_id,
                                  source_quote_fn fn, void *ctx) APP_MUST_CHECK;

#endif
