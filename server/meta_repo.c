#include "meta_repo.h"

#include <sqlite3.h>

static const char SQL_VERSION[] = "SELECT version FROM dataset WHERE id = 1";

enum app_status meta_repo_dataset_version(struct db_conn *c, uint64_t *out)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_VERSION, &st);
    if (s != APP_OK)
        return s;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        sqlite3_int64 v = sqlite3_column_int64(st, 0);
        *out = v < 0 ? 0u : (uint64_t)v;
        s = APP_OK;
    } else {
        s = rc == SQLITE_DONE ? APP_ENOTFOUND : db_status(rc);
    }
    sqlite3_reset(st);
    return s;
}
