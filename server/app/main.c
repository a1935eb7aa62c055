/*
 * marsad: parse the command line, open and migrate the database, serve until
 * SIGTERM or SIGINT, shut down cleanly.
 */
#include "app.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "export.h"
#include "http_server.h"
#include "log.h"
#include "meta_repo.h"
#include "routes.h"
#include "seed.h"
#include "statistic_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "marsad " MARSAD_VERSION " - evidence base on Morocco's policy on violent extremism\n"
    "\n"
    "Usage:\n"
    "  marsad serve [options]        serve the HTTP API (marsad serve --help for options)\n"
    "  marsad build-db --out PATH    write the default database built from the curated data\n"
    "  marsad token create --name NAME --scope write|admin --db PATH\n"
    "                                create a write token; prints it once\n"
    "  marsad token list --db PATH   list tokens (names and scopes, never secrets)\n"
    "  marsad token revoke NAME --db PATH\n"
    "  marsad backup --db PATH OUT   consistent snapshot, safe while the server runs\n"
    "  marsad extract FILE [--published DATE] [--author NAME] [--db PATH]\n"
    "                                claim candidates of a text, as NDJSON\n"
    "  marsad --help                 this text\n"
    "  marsad --version              the version\n";

static const char *S_getenv(const char *name)
{
    return getenv(name);
}

static void S_boot_id(char out[17])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[8] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && read(fd, r, sizeof r) == (ssize_t)sizeof r;
    if (fd >= 0)
        close(fd);
    if (!ok) {
        unsigned long long t = (unsigned long long)time(NULL) ^ (unsigned long long)getpid();
        for (int i = 0; i < 8; i++)
            r[i] = (unsigned char)(t >> (8 * i));
    }
    for (int i = 0; i < 8; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[16] = '\0';
}

/* Creates the default database at path when no file is there. */
static int S_ensure_db(const struct config *cfg, const struct logger *lg)
{
    struct stat st;
    if (stat(cfg->db_path, &st) == 0)
        return 0;
    if (cfg->read_only) {
        fprintf(stderr, "marsad: --db '%s' does not exist and --read-only forbids creating it\n",
                cfg->db_path);
        return 2;
    }
    char err[1024];
    log_msg(lg, LOG_INFO, "creating the default database at %s", cfg->db_path);
    if (seed_build(cfg->db_path, err, sizeof err) != APP_OK) {
        fprintf(stderr, "marsad: cannot create the default database: %s\n", err);
        return 1;
    }
    return 0;
}

/* Applies pending migrations through a short-lived writer connection. */
static int S_migrate(const struct config *cfg, const struct logger *lg)
{
    /* Nothing is written to a file that is not a Marsad database already (an empty file
     * included: S_ensure_db() creates the default database only where there is none). */
    char why[300];
    if (!db_is_marsad(cfg->db_path, why, sizeof why)) {
        fprintf(stderr,
                "marsad: '%s' is not a Marsad database (%s); nothing was written to it. Point "
                "--db at a Marsad database, or at a path with no file to create the default one\n",
                cfg->db_path, why);
        return 1;
    }
    struct db_conn *c = NULL;
    int from = 0, to = 0;
    enum app_status s = db_open(cfg->db_path, cfg->read_only, &c);
    if (s == APP_OK && !cfg->read_only)
        s = db_migrate(c, &from, &to);
    else if (s == APP_OK && (s = db_user_version(c, &from)) == APP_OK)
        to = from; /* read-only: nothing migrated */
    if (s != APP_OK) {
        fprintf(stderr, "marsad: cannot open or migrate '%s': %s (%s)\n", cfg->db_path,
                app_status_str(s), db_errmsg(c));
        db_close(c);
        return 1;
    }
    if (cfg->read_only && from != db_schema_version()) {
        fprintf(stderr, "marsad: '%s' has schema version %d, this binary needs %d\n", cfg->db_path,
                from, db_schema_version());
        db_close(c);
        return 1;
    }
    if (to != from)
        log_msg(lg, LOG_INFO, "migrated %s from schema version %d to %d", cfg->db_path, from, to);
    db_close(c);
    return 0;
}

/*
 * Another process may write the database this one serves: the writable
 * instance behind read-only replicas, or a second server on the same file.
 * Every VERSION_WATCH_MS this thread reads the dataset version on its own
 * connection and publishes a newer one, so ETags and the statistics cache
 * follow within that time (well inside the responses' max-age). Writes made
 * by this process publish their version at once (write_handlers.c).
 */
#define VERSION_WATCH_MS 1000

struct version_watch {
    struct app *app;
    const char *db_path;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    pthread_t thread;
};

static void *S_version_watch(void *arg)
{
    struct version_watch *vw = arg;
    struct db_conn *c = NULL;
    if (db_open(vw->db_path, true, &c) != APP_OK) {
        log_msg(&vw->app->log, LOG_WARN,
                "cannot open %s to follow the dataset version; changes made by other processes "
                "show in ETags only after a restart",
                vw->db_path);
        return NULL;
    }
    pthread_mutex_lock(&vw->mu);
    while (!vw->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += VERSION_WATCH_MS / 1000;
        until.tv_nsec += (long)(VERSION_WATCH_MS % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&vw->cv, &vw->mu, &until);
        if (vw->stop)
            break;
        uint64_t v = 0;
        if (meta_repo_dataset_version(c, &v) != APP_OK)
            continue;
        if (app_observe_version(vw->app, v))
            log_msg(&vw->app->log, LOG_INFO, "dataset version %llu (written by another process)",
                    (unsigned long long)v);
    }
    pthread_mutex_unlock(&vw->mu);
    db_close(c);
    return NULL;
}

static bool S_version_watch_start(struct version_watch *vw, struct app *app, const char *db_path)
{
    memset(vw, 0, sizeof *vw);
    vw->app = app;
    vw->db_path = db_path;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return false;
    bool ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
              pthread_cond_init(&vw->cv, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok)
        return false;
    if (pthread_mutex_init(&vw->mu, NULL) != 0) {
        pthread_cond_destroy(&vw->cv);
        return false;
    }
    if (pthread_create(&vw->thread, NULL, S_version_watch, vw) != 0) {
        pthread_mutex_destroy(&vw->mu);
        pthread_cond_destroy(&vw->cv);
        return false;
    }
    return true;
}

static void S_version_watch_stop(struct version_watch *vw)
{
    pthread_mutex_lock(&vw->mu);
    vw->stop = true;
    pthread_cond_signal(&vw->cv);
    pthread_mutex_unlock(&vw->mu);
    pthread_join(vw->thread, NULL);
    pthread_mutex_destroy(&vw->mu);
    pthread_cond_destroy(&vw->cv);
}

/*
 * glibc raises its mmap threshold after each large free, up to 32 MiB, so a few large
 * responses (a statistics page, a CSV export) leave the heap holding their size for good
 * and RSS drifts upwards under load. A fixed threshold keeps every buffer of 256 KiB or
 * more in its own mapping, returned to the system when freed, and a heap top over
 * 1 MiB is trimmed: RSS follows the memory in use.
 */
static void S_malloc_policy(void)
{
    (void)mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    (void)mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
}

static int S_serve(int argc, char **argv)
{
    S_malloc_policy();
    struct config cfg;
    char err[512];
    enum app_status s = config_parse(&cfg, argc, argv, 2, S_getenv, err, sizeof err);
    if (s == APP_ENOTFOUND) {
        fputs(config_usage, stdout);
        return 0;
    }
    if (s != APP_OK || config_check_paths(&cfg, err, sizeof err) != APP_OK) {
        fprintf(stderr, "marsad: %s\n", err);
        return 2;
    }

    static struct app app; /* large; lives for the whole process */
    memset(&app, 0, sizeof app);
    app.cfg = &cfg;
    app.log.level = cfg.log_level;
    app.log.fd = STDERR_FILENO;
    app.routes = routes_table;
    app.nroutes = routes_count;
    app.route_guard = routes_guard;
    app.started_at = time(NULL);
    app.mhd_version = http_server_library_version();
    app.sqlite_version = sqlite3_libversion();
    S_boot_id(app.boot_id);

    int rc = S_ensure_db(&cfg, &app.log);
    if (rc == 0)
        rc = S_migrate(&cfg, &app.log);
    if (rc != 0)
        return rc;
    if (db_pool_init(&app.db, cfg.db_path, cfg.read_only) != APP_OK) {
        fprintf(stderr, "marsad: cannot set up database connections\n");
        return 1;
    }
    struct db_conn *c = NULL;
    uint64_t version = 0;
    s = db_pool_reader(&app.db, &c);
    if (s == APP_OK)
        s = meta_repo_dataset_version(c, &version);
    if (s != APP_OK) {
        fprintf(stderr, "marsad: '%s' is not a Marsad database: %s\n", cfg.db_path,
                app_status_str(s));
        db_pool_close(&app.db);
        return 1;
    }
    atomic_store(&app.dataset_version, version);
    app.stat_cache = stat_cache_new();
    app.export_cache = export_cache_new();

    /* Block the signals in every thread; this one waits for them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (!log_buffer_start(&app.log, cfg.log_buffer, CONFIG_LOG_FLUSH_MS))
        log_msg(&app.log, LOG_WARN, "cannot buffer the access log; writing each line at once");
    struct http_server *srv = NULL;
    if (http_server_start(&app, &srv) != APP_OK) {
        log_buffer_stop(&app.log);
        fprintf(stderr, "marsad: cannot listen on %s:%u: %s\n", cfg.host, (unsigned)cfg.port,
                strerror(errno));
        db_pool_close(&app.db);
        return 1;
    }
    static struct version_watch vw;
    bool watching = S_version_watch_start(&vw, &app, cfg.db_path);
    if (!watching)
        log_msg(&app.log, LOG_WARN, "cannot start the dataset version watch");
    log_msg(&app.log, LOG_INFO, "listening on http://%s:%u (threads=%u, db=%s, version=%s)",
            cfg.host, (unsigned)http_server_port(srv), cfg.threads, cfg.db_path, MARSAD_VERSION);

    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    log_msg(&app.log, LOG_INFO, "received signal %d, finishing requests in flight", sig);
    http_server_stop(srv, 10000);
    if (watching)
        S_version_watch_stop(&vw);
    log_buffer_stop(&app.log);
    db_pool_close(&app.db);
    stat_cache_free(app.stat_cache);
    export_cache_free(app.export_cache);
    log_msg(&app.log, LOG_INFO, "stopped");
    return 0;
}

static int S_build_db(int argc, char **argv)
{
    const char *out = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strncmp(argv[i], "--out=", 6) == 0)
            out = argv[i] + 6;
        else {
            fprintf(stderr,
                    "marsad: build-db: unknown argument '%s' (usage: marsad build-db "
                    "--out PATH)\n",
                    argv[i]);
            return 2;
        }
    }
    if (!out) {
        fprintf(stderr, "marsad: build-db needs --out PATH\n");
        return 2;
    }
    char err[1024];
    if (seed_build(out, err, sizeof err) != APP_OK) {
        fprintf(stderr, "marsad: build-db: %s\n", err);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("marsad %s\n", MARSAD_VERSION);
        return 0;
    }
    if (strcmp(cmd, "serve") == 0)
        return S_serve(argc, argv);
    if (strcmp(cmd, "build-db") == 0)
        return S_build_db(argc, argv);
    if (strcmp(cmd, "token") == 0)
        return cli_token(argc, argv);
    if (strcmp(cmd, "backup") == 0)
        return cli_backup(argc, argv);
    if (strcmp(cmd, "extract") == 0)
        return cli_extract(argc, argv);
    fprintf(stderr, "marsad: unknown command '%s'\n\n%s", cmd, usage);
    return 2;
}
