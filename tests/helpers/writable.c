#include "writable.h"

#include "db.h"
#include "export.h"
#include "log.h"
#include "meta_repo.h"
#include "routes.h"
#include "server.h"
#include "sha256.h"
#include "statistic_cache.h"
#include "testutil.h"
#include "write_repo.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parses the base flags plus extra_args into wf->api.cfg. */
static int S_config(struct writable_fixture *wf, const char *const *extra_args)
{
    const char *base[] = {"--db", wf->db_path, "--log-level", "debug"};
    int argc = 0;
    char **argv = tu_argv(base, sizeof base / sizeof base[0], extra_args, &argc);
    if (!argv)
        return -1;
    char err[512] = "";
    bool ok = config_parse(&wf->api.cfg, argc, argv, 0, NULL, err, sizeof err) == APP_OK;
    tu_vec_free(argv);
    return ok ? 0 : -1;
}

int writable_open(struct writable_fixture *wf, const char *const *extra_args)
{
    memset(wf, 0, sizeof *wf);
    wf->log_fd = -1;
    const char *src = getenv("MARSAD_TEST_DB");
    if (!src || !src[0] || th_mkdtemp(wf->dir, sizeof wf->dir) != 0)
        return -1;
    char wal_src[600], wal_dst[600];
    int w1 = snprintf(wf->db_path, sizeof wf->db_path, "%s/marsad.db", wf->dir);
    int w2 = snprintf(wf->log_path, sizeof wf->log_path, "%s/app.log", wf->dir);
    int w3 = snprintf(wal_src, sizeof wal_src, "%s-wal", src);
    int w4 = snprintf(wal_dst, sizeof wal_dst, "%s-wal", wf->db_path);
    if (w1 < 0 || w2 < 0 || w3 < 0 || w4 < 0 || (size_t)w3 >= sizeof wal_src)
        goto fail;
    if (th_copy_file(src, wf->db_path) != 0)
        goto fail;
    if (access(wal_src, F_OK) == 0 && th_copy_file(wal_src, wal_dst) != 0)
        goto fail;
    wf->log_fd = open(wf->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (wf->log_fd < 0 || S_config(wf, extra_args) != 0)
        goto fail;

    /* As `marsad serve` does: bring the schema up to date first. */
    struct db_conn *c = NULL;
    int from = 0, to = 0;
    enum app_status st = db_open(wf->db_path, false, &c);
    if (st == APP_OK)
        st = db_migrate(c, &from, &to);
    db_close(c);
    c = NULL;
    if (st != APP_OK)
        goto fail;

    wf->api.app = calloc(1, sizeof *wf->api.app);
    if (!wf->api.app)
        goto fail;
    struct app *app = wf->api.app;
    app->cfg = &wf->api.cfg;
    app->log.level = LOG_DEBUG;
    app->log.fd = wf->log_fd;
    app->routes = routes_table;
    app->nroutes = routes_count;
    app->route_guard = routes_guard;
    app->mhd_version = "test";
    app->sqlite_version = "test";
    memcpy(app->boot_id, "0000000000000000", 17);
    if (db_pool_init(&app->db, wf->db_path, wf->api.cfg.read_only) != APP_OK)
        goto fail;
    wf->pool_open = true;
    uint64_t v = 0;
    if (db_pool_reader(&app->db, &c) != APP_OK || meta_repo_dataset_version(c, &v) != APP_OK)
        goto fail;
    atomic_store(&app->dataset_version, v);
    app->stat_cache = stat_cache_new();
    app->export_cache = export_cache_new();
    return 0;

fail:
    writable_close(wf);
    return -1;
}

void writable_close(struct writable_fixture *wf)
{
    if (wf->pool_open && wf->api.app) {
        db_pool_close(&wf->api.app->db);
        stat_cache_free(wf->api.app->stat_cache);
        export_cache_free(wf->api.app->export_cache);
        wf->pool_open = false;
    }
    free(wf->api.app);
    wf->api.app = NULL;
    if (wf->log_fd >= 0) {
        close(wf->log_fd);
        wf->log_fd = -1;
    }
    th_rmtree(wf->dir);
    wf->dir[0] = '\0';
}

int writable_token(struct writable_fixture *wf, const char *name, const char *scope,
                   const char *plaintext)
{
    char hex[65], now[32];
    sha256_hex(plaintext, strlen(plaintext), hex);
    log_now_iso(now, sizeof now);
    struct db_conn *w = NULL;
    if (!wf->api.app || db_pool_writer(&wf->api.app->db, &w) != APP_OK)
        return -1;
    enum app_status st = token_repo_create(w, name, hex, scope, now);
    db_pool_writer_release(&wf->api.app->db);
    return st == APP_OK ? 0 : -1;
}

int writable_revoke(struct writable_fixture *wf, const char *name)
{
    char now[32];
    log_now_iso(now, sizeof now);
    struct db_conn *w = NULL;
    if (!wf->api.app || db_pool_writer(&wf->api.app->db, &w) != APP_OK)
        return -1;
    enum app_status st = token_repo_revoke(w, name, now);
    db_pool_writer_release(&wf->api.app->db);
    return st == APP_OK ? 0 : -1;
}

char *writable_log(const struct writable_fixture *wf)
{
    return th_read_file(wf->log_path, NULL);
}
