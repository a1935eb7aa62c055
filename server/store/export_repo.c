#include "export_repo.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* What must not leave the server: the curation tokens' hashes (see db/migrations). */
static const char SQL_SCRUB[] = "DELETE FROM api_token; VACUUM;";

/* Pages copied per backup step, between two looks at the time budget. */
#define BACKUP_STEP_PAGES 256

static enum app_status S_status(int rc)
{
    enum app_status st = db_status(rc);
    return st == APP_OK ? APP_EDB : st;
}

enum app_status export_repo_sqlite(struct db_conn *c, char **out, size_t *len)
{
    sqlite3 *dst = NULL;
    sqlite3_backup *b = NULL;
    sqlite3_int64 size = 0;
    unsigned char *image = NULL;
    bool copied = false; /* image is a copy of the pages (sqlite3_free() it) */
    enum app_status st = APP_OK;
    *out = NULL;
    *len = 0;
    int rc = sqlite3_open_v2(":memory:", &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        st = S_status(rc);
        goto out;
    }
    db_deadline_watch(dst); /* the VACUUM below reads under the request's time budget */
    b = sqlite3_backup_init(dst, "main", db_handle(c), "main");
    if (!b) {
        st = S_status(sqlite3_errcode(dst));
        goto out;
    }
    /*
     * In steps, looking at the time budget between them. c's read transaction stays open
     * over all of them (the backup opens none of its own when one is open), so every page
     * comes from the request's snapshot whatever commits meanwhile.
     */
    do {
        rc = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
        if (rc == SQLITE_OK && db_deadline_passed())
            rc = SQLITE_INTERRUPT;
    } while (rc == SQLITE_OK);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        st = S_status(rc);
        goto out;
    }
    rc = sqlite3_exec(dst, SQL_SCRUB, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        st = S_status(rc);
        goto out;
    }
    /* The in-memory database's own pages, valid until it is closed: copied once, below. */
    image = sqlite3_serialize(dst, "main", &size, SQLITE_SERIALIZE_NOCOPY);
    if (!image) {
        image = sqlite3_serialize(dst, "main", &size, 0); /* not contiguous: a copy */
        copied = image != NULL;
    }
    if (!image || size < 100) {
        st = APP_ENOMEM;
        goto out;
    }
    *out = malloc((size_t)size);
    if (*out) {
        memcpy(*out, image, (size_t)size);
        /* File format bytes 18 and 19: 1, a rollback-journal file, whatever the source's
         * journal mode; it opens read-only with no -wal or -shm file beside it. */
        (*out)[18] = 1;
        (*out)[19] = 1;
        *len = (size_t)size;
    } else {
        st = APP_ENOMEM;
    }
out:
    if (copied)
        sqlite3_free(image);
    sqlite3_close(dst);
    return st;
}
