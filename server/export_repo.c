#include "export_repo.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* What must not leave the server: the curation tokens' hashes (see db/migrations). */
static const char SQL_SCRUB[] = "DELETE FROM api_token; VACUUM;";

enum app_status export_repo_sqlite(struct db_conn *c, char **out, size_t *len)
{
    sqlite3 *dst = NULL;
    sqlite3_backup *b = NULL;
    unsigned char *image = NULL;
    sqlite3_int64 size = 0;
    enum app_status st = APP_OK;
    *out = NULL;
    *len = 0;
    int rc = sqlite3_open_v2(":memory:", &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        st = rc == SQLITE_NOMEM ? APP_ENOMEM : APP_EDB;
        goto out;
    }
    b = sqlite3_backup_init(dst, "main", db_handle(c), "main");
    if (!b) {
        st = db_status(sqlite3_errcode(dst));
        if (st == APP_OK)
            st = APP_EDB;
        goto out;
    }
    /* Every page in one step: one read of one snapshot, never restarted by a writer. */
    rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        st = db_status(rc);
        if (st == APP_OK)
            st = APP_EDB;
        goto out;
    }
    rc = sqlite3_exec(dst, SQL_SCRUB, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        st = db_status(rc);
        if (st == APP_OK)
            st = APP_EDB;
        goto out;
    }
    image = sqlite3_serialize(dst, "main", &size, 0);
    if (!image || size < 100) {
        st = APP_ENOMEM;
        goto out;
    }
    *out = malloc((size_t)size);
    if (!*out) {
        st = APP_ENOMEM;
        goto out;
    }
    memcpy(*out, image, (size_t)size);
    /* File format bytes 18 and 19: 1 (rollback journal), whatever the source's WAL mode. */
    (*out)[18] = 1;
    (*out)[19] = 1;
    *len = (size_t)size;
out:
    sqlite3_free(image);
    sqlite3_close(dst);
    return st;
}
