#include "meta_repo.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

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

enum app_status meta_repo_probe(struct db_conn *c, char *failed, size_t n)
{
    sqlite3 *h = db_handle(c);
    snprintf(failed, n, "sqlite_schema");
    sqlite3_stmt *list = NULL;
    int rc = sqlite3_prepare_v2(h, "SELECT name FROM sqlite_schema WHERE type = 'table'", -1, &list,
                                NULL);
    if (rc != SQLITE_OK)
        return db_status(rc);
    enum app_status s = APP_OK;
    while (s == APP_OK && (rc = sqlite3_step(list)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(list, 0);
        char *sql = name ? sqlite3_mprintf("SELECT * FROM \"%w\" LIMIT 1", name) : NULL;
        if (!sql) {
            s = APP_ENOMEM;
            break;
        }
        sqlite3_stmt *probe = NULL;
        int prc = sqlite3_prepare_v2(h, sql, -1, &probe, NULL);
        if (prc == SQLITE_OK)
            prc = sqlite3_step(probe);
        sqlite3_finalize(probe);
        sqlite3_free(sql);
        if (prc != SQLITE_ROW && prc != SQLITE_DONE) {
            snprintf(failed, n, "%s", name);
            s = db_status(prc) == APP_OK ? APP_EDB : db_status(prc);
        }
    }
    if (s == APP_OK && rc != SQLITE_DONE)
        s = db_status(rc);
    sqlite3_finalize(list);
    if (s == APP_OK && n)
        failed[0] = '\0';
    return s;
}
