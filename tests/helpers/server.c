#include "server.h"

#include "db.h"
#include "export.h"
#include "log.h"
#include "meta_repo.h"
#include "routes.h"
#include "statistic_cache.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void S_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void S_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (n < 0)
        err[0] = '\0';
}

static void S_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

uint64_t th_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void th_rmtree(const char *path)
{
    if (!path || !path[0])
        return;
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        (void)unlink(path);
        return;
    }
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char child[4096];
            int w = snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            if (w > 0 && (size_t)w < sizeof child)
                th_rmtree(child);
        }
        closedir(d);
    }
    (void)rmdir(path);
}

int th_mkdtemp(char *out, size_t n)
{
    const char *base = getenv("TMPDIR");
    if (!base || !base[0])
        base = "/tmp";
    int w = snprintf(out, n, "%s/marsad-test-XXXXXX", base);
    if (w < 0 || (size_t)w >= n)
        return -1;
    if (!mkdtemp(out)) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

int th_copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    int rc = 0;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -1;
            break;
        }
        if (r == 0)
            break;
        size_t left = (size_t)r;
        const char *p = buf;
        while (left > 0) {
            ssize_t wr = write(out, p, left);
            if (wr < 0 && errno == EINTR)
                continue;
            if (wr <= 0) {
                rc = -1;
                break;
            }
            p += wr;
            left -= (size_t)wr;
        }
        if (rc != 0)
            break;
    }
    close(in);
    if (close(out) != 0)
        rc = -1;
    return rc;
}

int th_test_db_copy(char *dir, size_t dirn, const char *name, char *db, size_t dbn)
{
    const char *src = getenv("MARSAD_TEST_DB");
    if (!src || th_mkdtemp(dir, dirn) != 0)
        return -1;
    int w = snprintf(db, dbn, "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= dbn || th_copy_file(src, db) != 0) {
        th_rmtree(dir);
        return -1;
    }
    return 0;
}

int th_curl_group_setup(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int th_curl_group_teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

char *th_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, n = 0;
    char *data = malloc(cap);
    while (data) {
        if (n + 1 >= cap) {
            char *bigger = realloc(data, cap * 2);
            if (!bigger) {
                free(data);
                data = NULL;
                break;
            }
            data = bigger;
            cap *= 2;
        }
        ssize_t r = read(fd, data + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(data);
            data = NULL;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (data) {
        data[n] = '\0';
        if (len)
            *len = n;
    }
    return data;
}

/* ---- (a) in-process server --------------------------------------------- */

static void S_boot_id(char out[17])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[8] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && read(fd, r, sizeof r) == (ssize_t)sizeof r;
    if (fd >= 0)
        close(fd);
    if (!ok) {
        uint64_t t = th_now_ms() ^ ((uint64_t)getpid() << 32);
        for (int i = 0; i < 8; i++)
            r[i] = (unsigned char)(t >> (8 * i));
    }
    for (int i = 0; i < 8; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[16] = '\0';
}

const char *test_server_url(const struct test_server *ts, const char *path, char *out, size_t n)
{
    int w = snprintf(out, n, "%s%s", ts->base_url, path);
    if (w < 0 || (size_t)w >= n)
        out[0] = '\0';
    return out;
}

/* Parses the base flags plus extra_args into ts->cfg. */
static int S_server_config(struct test_server *ts, const char *const *extra_args, char *err,
                           size_t errlen)
{
    const char *base[] = {"--host", "127.0.0.1", "--port",    "0",
                          "--db",   ts->db_path, "--threads", "4"};
    int argc = 0;
    char **argv = tu_argv(base, sizeof base / sizeof base[0], extra_args, &argc);
    if (!argv) {
        S_err(err, errlen, "out of memory");
        return -1;
    }
    char cerr[512] = "";
    bool ok = config_parse(&ts->cfg, argc, argv, 0, NULL, cerr, sizeof cerr) == APP_OK;
    if (!ok)
        S_err(err, errlen, "config_parse: %s", cerr);
    /* Under valgrind (make valgrind sets MARSAD_VALGRIND) every query runs tens of times
     * slower: the query time budget is off unless the test sets one (test_query_budget). */
    bool budget_set = false;
    for (size_t i = 0; extra_args && extra_args[i]; i++)
        budget_set |= strncmp(extra_args[i], "--query-timeout", 15) == 0;
    if (ok && !budget_set && getenv("MARSAD_VALGRIND") != NULL)
        ts->cfg.query_timeout_ms = 0;
    tu_vec_free(argv);
    return ok ? 0 : -1;
}

int test_server_start(struct test_server *ts, const char *const *extra_args, char *err,
                      size_t errlen)
{
    memset(ts, 0, sizeof *ts);
    ts->log_fd = -1;
    signal(SIGPIPE, SIG_IGN);
    const char *src = getenv("MARSAD_TEST_DB");
    if (!src || !src[0]) {
        S_err(err, errlen, "MARSAD_TEST_DB is not set");
        return -1;
    }
    if (th_mkdtemp(ts->dir, sizeof ts->dir) != 0) {
        S_err(err, errlen, "mkdtemp: %s", strerror(errno));
        return -1;
    }
    char wal_src[600], wal_dst[600];
    int w1 = snprintf(ts->db_path, sizeof ts->db_path, "%s/marsad.db", ts->dir);
    int w2 = snprintf(ts->log_path, sizeof ts->log_path, "%s/server.log", ts->dir);
    int w3 = snprintf(wal_src, sizeof wal_src, "%s-wal", src);
    int w4 = snprintf(wal_dst, sizeof wal_dst, "%s-wal", ts->db_path);
    if (w1 < 0 || w2 < 0 || w3 < 0 || w4 < 0 || (size_t)w3 >= sizeof wal_src) {
        S_err(err, errlen, "path too long");
        goto fail;
    }
    if (th_copy_file(src, ts->db_path) != 0) {
        S_err(err, errlen, "cannot copy %s: %s", src, strerror(errno));
        goto fail;
    }
    if (access(wal_src, F_OK) == 0 && th_copy_file(wal_src, wal_dst) != 0) {
        S_err(err, errlen, "cannot copy %s", wal_src);
        goto fail;
    }
    ts->log_fd = open(ts->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (ts->log_fd < 0) {
        S_err(err, errlen, "cannot open %s", ts->log_path);
        goto fail;
    }
    if (S_server_config(ts, extra_args, err, errlen) != 0)
        goto fail;

    ts->app = calloc(1, sizeof *ts->app);
    if (!ts->app) {
        S_err(err, errlen, "out of memory");
        goto fail;
    }
    struct app *app = ts->app;
    app->cfg = &ts->cfg;
    app->log.level = ts->cfg.log_level;
    app->log.fd = ts->log_fd;
    if (!log_buffer_start(&app->log, ts->cfg.log_buffer, CONFIG_LOG_FLUSH_MS)) {
        S_err(err, errlen, "log_buffer_start failed");
        goto fail;
    }
    app->routes = routes_table;
    app->nroutes = routes_count;
    app->route_guard = routes_guard;
    app->started_at = time(NULL);
    app->mhd_version = http_server_library_version();
    app->sqlite_version = sqlite3_libversion();
    S_boot_id(app->boot_id);

    /* As `marsad serve` does: bring the schema up to date first. */
    struct db_conn *c = NULL;
    int from = 0, to = 0;
    enum app_status st = db_open(ts->db_path, false, &c);
    if (st == APP_OK)
        st = db_migrate(c, &from, &to);
    db_close(c);
    c = NULL;
    if (st != APP_OK) {
        S_err(err, errlen, "cannot open or migrate %s: %s", ts->db_path, app_status_str(st));
        goto fail;
    }
    if (db_pool_init(&app->db, ts->db_path, ts->cfg.read_only) != APP_OK) {
        S_err(err, errlen, "db_pool_init failed");
        goto fail;
    }
    ts->pool_open = true;
    uint64_t version = 0;
    st = db_pool_reader(&app->db, &c);
    if (st == APP_OK)
        st = meta_repo_dataset_version(c, &version);
    if (st != APP_OK) {
        S_err(err, errlen, "dataset version: %s", app_status_str(st));
        goto fail;
    }
    atomic_store(&app->dataset_version, version);
    app->stat_cache = stat_cache_new();
    app->export_cache = export_cache_new();

    if (http_server_start(app, &ts->srv) != APP_OK) {
        ts->srv = NULL;
        S_err(err, errlen, "http_server_start failed: %s", strerror(errno));
        goto fail;
    }
    ts->port = http_server_port(ts->srv);
    int w = snprintf(ts->base_url, sizeof ts->base_url, "http://127.0.0.1:%u", (unsigned)ts->port);
    if (w < 0 || ts->port == 0) {
        S_err(err, errlen, "no port bound");
        goto fail;
    }
    return 0;

fail:
    test_server_stop(ts);
    return -1;
}

void test_server_stop(struct test_server *ts)
{
    if (ts->srv) {
        http_server_stop(ts->srv, 2000);
        ts->srv = NULL;
    }
    if (ts->app)
        log_buffer_stop(&ts->app->log);
    if (ts->pool_open && ts->app) {
        db_pool_close(&ts->app->db);
        stat_cache_free(ts->app->stat_cache);
        export_cache_free(ts->app->export_cache);
        ts->pool_open = false;
    }
    if (ts->log_fd >= 0) {
        close(ts->log_fd);
        ts->log_fd = -1;
    }
    free(ts->app);
    ts->app = NULL;
    th_rmtree(ts->dir);
    ts->dir[0] = '\0';
}

/* ---- (b) subprocess ----------------------------------------------------- */

static char **S_child_env(const char *const *extra)
{
    size_t n = 0, k = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    while (extra && extra[k])
        k++;
    char **env = calloc(n + k + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], "MARSAD_", 7) == 0)
            continue;
        if (!(env[j++] = tu_strdup(environ[i])))
            goto oom;
    }
    for (size_t i = 0; i < k; i++) {
        if (!(env[j++] = tu_strdup(extra[i])))
            goto oom;
    }
    return env;
oom:
    tu_vec_free(env);
    return NULL;
}

int test_proc_spawn(struct test_proc *p, const char *const *args, const char *const *env)
{
    memset(p, 0, sizeof *p);
    p->pid = -1;
    const char *bin = getenv("MARSAD_BIN");
    if (!bin || !bin[0])
        return -1;
    if (th_mkdtemp(p->dir, sizeof p->dir) != 0)
        return -1;
    int w1 = snprintf(p->out_path, sizeof p->out_path, "%s/stdout.log", p->dir);
    int w2 = snprintf(p->err_path, sizeof p->err_path, "%s/stderr.log", p->dir);
    if (w1 < 0 || w2 < 0)
        return -1;
    size_t nargs = 0;
    while (args && args[nargs])
        nargs++;
    char **argv = calloc(nargs + 2, sizeof *argv);
    char **envp = S_child_env(env);
    int outfd = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int errfd = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    bool ok = argv && envp && outfd >= 0 && errfd >= 0 && nullfd >= 0;
    if (ok) {
        argv[0] = tu_strdup(bin);
        ok = argv[0] != NULL;
        for (size_t i = 0; i < nargs && ok; i++) {
            argv[i + 1] = tu_strdup(args[i]);
            ok = argv[i + 1] != NULL;
        }
    }
    if (ok) {
        pid_t pid = fork();
        if (pid == 0) {
            /* Only async-signal-safe calls between fork and exec. */
            if (dup2(nullfd, 0) < 0 || dup2(outfd, 1) < 0 || dup2(errfd, 2) < 0)
                _exit(126);
            execve(argv[0], argv, envp);
            _exit(127);
        }
        p->pid = pid;
        ok = pid > 0;
    }
    tu_vec_free(argv);
    tu_vec_free(envp);
    if (outfd >= 0)
        close(outfd);
    if (errfd >= 0)
        close(errfd);
    if (nullfd >= 0)
        close(nullfd);
    return ok ? 0 : -1;
}

/* Reaps the child if it has exited; returns true when it is gone. */
static bool S_reap(struct test_proc *p)
{
    if (p->reaped)
        return true;
    if (p->pid <= 0)
        return false;
    int status = 0;
    pid_t r = waitpid(p->pid, &status, WNOHANG);
    if (r == p->pid) {
        p->exit_status = status;
        p->reaped = true;
        return true;
    }
    return false;
}

int test_proc_wait(struct test_proc *p, unsigned timeout_ms)
{
    uint64_t deadline = th_now_ms() + timeout_ms;
    for (;;) {
        if (S_reap(p))
            return 0;
        if (p->pid <= 0 || th_now_ms() >= deadline)
            return -1;
        S_sleep_ms(5);
    }
}

int test_proc_exit_code(const struct test_proc *p)
{
    if (!p->reaped || !WIFEXITED(p->exit_status))
        return -1;
    return WEXITSTATUS(p->exit_status);
}

int test_proc_signal(struct test_proc *p, int sig)
{
    if (p->pid <= 0 || p->reaped)
        return -1;
    return kill(p->pid, sig);
}

char *test_proc_stdout(const struct test_proc *p)
{
    return th_read_file(p->out_path, NULL);
}

char *test_proc_stderr(const struct test_proc *p)
{
    return th_read_file(p->err_path, NULL);
}

int test_proc_wait_stderr(struct test_proc *p, const char *needle, unsigned timeout_ms)
{
    uint64_t deadline = th_now_ms() + timeout_ms;
    for (;;) {
        bool gone = S_reap(p);
        char *text = test_proc_stderr(p);
        bool found = text && strstr(text, needle) != NULL;
        free(text);
        if (found)
            return 0;
        if (gone || th_now_ms() >= deadline)
            return -1;
        S_sleep_ms(10);
    }
}

/* Finds the port in a complete JSON log line whose msg announces the listener. */
static bool S_listening_port(const char *line, size_t len, uint16_t *port)
{
    static const char prefix[] = "listening on http://127.0.0.1:";
    json_error_t jerr;
    json_t *j = json_loadb(line, len, 0, &jerr);
    if (!j)
        return false;
    bool ok = false;
    const char *msg = json_string_value(json_object_get(j, "msg"));
    const char *at = msg ? strstr(msg, prefix) : NULL;
    if (at) {
        char *end = NULL;
        errno = 0;
        long v = strtol(at + sizeof prefix - 1, &end, 10);
        if (errno == 0 && end != at + sizeof prefix - 1 && v > 0 && v <= 65535) {
            *port = (uint16_t)v;
            ok = true;
        }
    }
    json_decref(j);
    return ok;
}

int test_proc_wait_listening(struct test_proc *p, unsigned timeout_ms)
{
    uint64_t deadline = th_now_ms() + timeout_ms;
    for (;;) {
        bool gone = S_reap(p);
        char *text = test_proc_stderr(p);
        bool found = false;
        for (const char *line = text; line && *line && !found;) {
            const char *nl = strchr(line, '\n');
            if (!nl)
                break; /* an incomplete line: read again later */
            found = S_listening_port(line, (size_t)(nl - line), &p->port);
            line = nl + 1;
        }
        free(text);
        if (found) {
            int w =
                snprintf(p->base_url, sizeof p->base_url, "http://127.0.0.1:%u", (unsigned)p->port);
            return w > 0 ? 0 : -1;
        }
        if (gone || th_now_ms() >= deadline)
            return -1;
        S_sleep_ms(10);
    }
}

void test_proc_cleanup(struct test_proc *p)
{
    if (p->pid > 0 && !p->reaped) {
        (void)kill(p->pid, SIGKILL);
        int status = 0;
        while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR) {
        }
        p->exit_status = status;
        p->reaped = true;
    }
    th_rmtree(p->dir);
    p->dir[0] = '\0';
}

int test_proc_run(struct test_proc *p, const char *const *args, const char *const *env,
                  unsigned timeout_ms)
{
    if (test_proc_spawn(p, args, env) != 0)
        return -1;
    if (test_proc_wait(p, timeout_ms) != 0) {
        (void)test_proc_signal(p, SIGKILL);
        (void)test_proc_wait(p, 5000);
        return -1;
    }
    return test_proc_exit_code(p);
}

/* ---- (c) libcurl -------------------------------------------------------- */

static size_t S_on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct tc_result *r = userdata;
    if (nmemb != 0 && size > SIZE_MAX / nmemb)
        return 0;
    size_t n = size * nmemb;
    if (r->body_len + n + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 1024;
        while (cap < r->body_len + n + 1)
            cap *= 2;
        char *bigger = realloc(r->body, cap);
        if (!bigger)
            return 0;
        r->body = bigger;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, ptr, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return n;
}

static void S_clear_headers(struct tc_result *r)
{
    for (size_t i = 0; i < r->nheaders; i++)
        free(r->headers[i]);
    r->nheaders = 0;
}

static size_t S_on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct tc_result *r = userdata;
    if (nmemb != 0 && size > SIZE_MAX / nmemb)
        return 0;
    size_t n = size * nmemb;
    size_t len = n;
    while (len > 0 && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n'))
        len--;
    if (len >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
        S_clear_headers(r); /* a new response (after 100 Continue, or a redirect) */
        return n;
    }
    if (len == 0)
        return n;
    if (r->nheaders == r->cap_headers) {
        size_t cap = r->cap_headers ? r->cap_headers * 2 : 16;
        char **bigger = realloc(r->headers, cap * sizeof *bigger);
        if (!bigger)
            return 0;
        r->headers = bigger;
        r->cap_headers = cap;
    }
    char *line = malloc(len + 1);
    if (!line)
        return 0;
    memcpy(line, ptr, len);
    line[len] = '\0';
    r->headers[r->nheaders++] = line;
    return n;
}

int tc_request(CURL *easy, const char *method, const char *url, const char *const *headers,
               const char *body, size_t body_len, struct tc_result *out)
{
    memset(out, 0, sizeof *out);
    out->code = CURLE_FAILED_INIT;
    CURL *h = easy;
    if (h)
        curl_easy_reset(h); /* keeps the live connections */
    else
        h = curl_easy_init();
    if (!h)
        return -1;
    struct curl_slist *list = NULL;
    bool ok = true;
    for (size_t i = 0; headers && headers[i] && ok; i++) {
        struct curl_slist *next = curl_slist_append(list, headers[i]);
        if (next)
            list = next;
        else
            ok = false;
    }
    if (ok) {
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, out->error);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, S_on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, S_on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
        curl_easy_setopt(h, CURLOPT_PROXY, "");
        if (strcmp(method, "GET") == 0) {
            curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        } else if (strcmp(method, "HEAD") == 0) {
            curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        } else if (strcmp(method, "POST") == 0) {
            curl_easy_setopt(h, CURLOPT_POST, 1L);
        } else {
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        }
        if (body || strcmp(method, "POST") == 0) {
            /* A POST without a body must not make curl read stdin. */
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
        }
        if (list)
            curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
        out->code = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
        curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &out->num_connects);
    }
    curl_slist_free_all(list);
    if (!easy)
        curl_easy_cleanup(h);
    else
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL); /* out->error may go away */
    if (!out->body) {
        out->body = calloc(1, 1);
        out->body_cap = out->body ? 1 : 0;
    }
    return ok && out->code == CURLE_OK && out->body ? 0 : -1;
}

int tc_get(CURL *easy, const char *url, struct tc_result *out)
{
    return tc_request(easy, "GET", url, NULL, NULL, 0, out);
}

void tc_result_free(struct tc_result *r)
{
    S_clear_headers(r);
    free(r->headers);
    free(r->body);
    r->headers = NULL;
    r->cap_headers = 0;
    r->body = NULL;
    r->body_len = 0;
    r->body_cap = 0;
}

const char *tc_header(const struct tc_result *r, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < r->nheaders; i++) {
        const char *h = r->headers[i];
        if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
            const char *v = h + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
    }
    return NULL;
}

bool tc_has_token(const char *value, const char *token)
{
    if (!value)
        return false;
    size_t tn = strlen(token);
    const char *p = value;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - start) == tn && strncasecmp(start, token, tn) == 0)
            return true;
    }
    return false;
}

json_t *tc_json(const struct tc_result *r)
{
    if (!r->body)
        return NULL;
    json_error_t jerr;
    return json_loadb(r->body, r->body_len, 0, &jerr);
}

int th_connect_from(uint16_t port, const char *source)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a;
    if (source) {
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        if (inet_pton(AF_INET, source, &a.sin_addr) != 1 ||
            bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
            goto fail;
    }
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
fail:;
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

bool th_send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        s += w;
        n -= (size_t)w;
    }
    return true;
}
