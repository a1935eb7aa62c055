/* What the extractor needs from the database: the catalog and a stored source. */
#ifndef MARSAD_EXTRACT_REPO_H
#define MARSAD_EXTRACT_REPO_H

#include "db.h"
#include "extract.h"
#include "status.h"

/* The metric catalog; free with extract_catalog_free(). */
struct extract_catalog {
    struct ex_metric *m;
    size_t n;
    char **owned; /* the strings m points to */
    size_t nowned, capowned;
};

/* A stored source: its text, date, default claimant and its live claims. */
struct extract_source {
    char *text;
    size_t len;
    char *published; /* when it was written, else published; NULL when unknown */
    char *author;    /* the authors joined with " and ", else the publisher; NULL if neither */
    struct ex_claim_ref *claims;
    size_t nclaims;
    char **owned; /* the strings claims point to */
    size_t nowned, capowned;
};

enum app_status extract_repo_catalog(struct db_conn *c, struct extract_catalog *out) APP_MUST_CHECK;
void extract_catalog_free(struct extract_catalog *cat);

/* APP_ENOTFOUND when there is no live source with this id or it has no text. */
enum app_status extract_repo_source(struct db_conn *c, const char *id,
                                    struct extract_source *out) APP_MUST_CHECK;
void extract_source_free(struct extract_source *s);

#endif
