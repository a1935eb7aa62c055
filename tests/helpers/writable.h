/*
 * Socket-free fixture for the write API: a struct app over a private writable
 * copy of $MARSAD_TEST_DB (in a mkdtemp directory), its log lines going to a
 * file of its own, and API tokens with plaintexts the test chooses. Requests go
 * through api_request() of api.h (the real route table and router_dispatch).
 */
#ifndef MARSAD_TEST_WRITABLE_H
#define MARSAD_TEST_WRITABLE_H

#include "api.h"

#include <stdbool.h>
#include <stddef.h>

struct writable_fixture {
    struct api_fixture api; /* api.app->cfg points at api.cfg */
    char dir[256];          /* private temporary directory */
    char db_path[512];      /* the writable copy */
    char log_path[512];     /* the app's JSON log lines */
    int log_fd;
    bool pool_open;
};

/*
 * Copies the database, migrates it as `marsad serve` does and builds the app
 * (read_only false, log level debug, logging to log_path). extra_args is a
 * NULL-terminated list of additional `marsad serve` flags (may be NULL).
 * Returns 0 on success; on failure everything is cleaned up.
 */
int writable_open(struct writable_fixture *wf, const char *const *extra_args);
/* Closes the database, removes the directory. Safe to call twice. */
void writable_close(struct writable_fixture *wf);

/* Stores a token named `name` whose secret is `plaintext` (only its SHA-256 is kept). */
int writable_token(struct writable_fixture *wf, const char *name, const char *scope,
                   const char *plaintext);
/* Revokes the token named `name`. Returns 0 on success. */
int writable_revoke(struct writable_fixture *wf, const char *name);

/* Everything logged so far (malloc'd, NUL-terminated; NULL on failure). */
char *writable_log(const struct writable_fixture *wf);

#endif
