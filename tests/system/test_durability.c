/*
 * The write path of the marsad binary as a process ($MARSAD_BIN): the token
 * commands, ETag preconditions over real HTTP, online backups, and the crash
 * test (SIGKILL in the middle of a burst of writes: every acknowledged write
 * survives, the database stays intact).
 */
#include "server.h"
#include "sha256.h"

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define RUN_TIMEOUT_MS    30000u
#define LISTEN_TIMEOUT_MS 20000u
#define STOP_TIMEOUT_MS   15000u
#define BERMAN            "berman-2019-returnees"
#define QUOTE_UNIQUE      "or soon will be."

struct fx {
    struct test_proc srv;
    char dir[256];
    char db[512]; /* a copy of $MARSAD_TEST_DB */
    CURL *easy;
};

static int S_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->srv.pid = -1;
    f->srv.reaped = true;
    if (th_test_db_copy(f->dir, sizeof f->dir, "live.db", f->db, sizeof f->db) != 0) {
        free(f);
        return -1;
    }
    f->easy = curl_easy_init();
    if (!f->easy) {
        th_rmtree(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int S_teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    test_proc_cleanup(&f->srv);
    curl_easy_cleanup(f->easy);
    th_rmtree(f->dir);
    free(f);
    *state = NULL;
    return 0;
}

/* ---- the command line -------------------------------------------------------- */

/* Runs `marsad args...`; returns the exit code, captured output in *out / *err (malloc'd). */
static int S_cli(const char *const *args, char **out, char **err)
{
    struct test_proc p;
    int rc = test_proc_run(&p, args, NULL, RUN_TIMEOUT_MS);
    char *o = test_proc_stdout(&p), *e = test_proc_stderr(&p);
    test_proc_cleanup(&p);
    assert_non_null(o);
    assert_non_null(e);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    return rc;
}

/* true when s holds a run of 64 hex digits (what a SHA-256 looks like). */
static bool S_has_hex64(const char *s)
{
    size_t run = 0;
    for (; *s; s++) {
        bool hex = (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F');
        run = hex ? run + 1 : 0;
        if (run >= 64)
            return true;
    }
    return false;
}

/* `marsad token create`: asserts stdout is the token alone; copies it into tok. */
static void S_token_create(struct fx *f, const char *name, const char *scope, char *tok, size_t n)
{
    const char *args[] = {"token", "create", "--name", name, "--scope", scope, "--db", f->db, NULL};
    char *out = NULL, *err = NULL;
    int rc = S_cli(args, &out, &err);
    if (rc != 0)
        fail_msg("token create exited %d: %s", rc, err);
    size_t len = strlen(out);
    /* one line: "mrs_" and 44 base64url characters, then the newline */
    assert_int_equal(len, 4 + 44 + 1);
    assert_true(strncmp(out, "mrs_", 4) == 0);
    assert_int_equal(out[len - 1], '\n');
    assert_int_equal(strcspn(out, "\n"), len - 1);
    for (size_t i = 4; i < len - 1; i++) {
        char c = out[i];
        assert_true((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_');
    }
    assert_null(strstr(err, out + 4)); /* not echoed on stderr either */
    assert_true(len - 1 < n);
    memcpy(tok, out, len - 1);
    tok[len - 1] = '\0';
    free(out);
    free(err);
}

/* ---- the server ------------------------------------------------------------------ */

static void S_serve(struct fx *f)
{
    const char *args[] = {"serve", "--host", "127.0.0.1", "--port", "0",
                          "--db",  f->db,    "--threads", "4",      NULL};
    assert_int_equal(test_proc_spawn(&f->srv, args, NULL), 0);
    if (test_proc_wait_listening(&f->srv, LISTEN_TIMEOUT_MS) != 0) {
        char *e = test_proc_stderr(&f->srv);
        fail_msg("the server did not start: %s", e ? e : "");
    }
}

/* SIGTERM, then a clean exit. Returns the server's stderr (malloc'd) and cleans up. */
static char *S_stop(struct fx *f)
{
    assert_int_equal(test_proc_signal(&f->srv, SIGTERM), 0);
    assert_int_equal(test_proc_wait(&f->srv, STOP_TIMEOUT_MS), 0);
    assert_int_equal(test_proc_exit_code(&f->srv), 0);
    char *log = test_proc_stderr(&f->srv);
    assert_non_null(log);
    test_proc_cleanup(&f->srv);
    return log;
}

static const char *S_url(const struct test_proc *p, const char *path, char *out, size_t n)
{
    int w = snprintf(out, n, "%s%s", p->base_url, path);
    assert_true(w > 0 && (size_t)w < n);
    return out;
}

/*
 * POSTs a claim with a distinct statement. Returns the HTTP status (0 when the
 * transfer failed); on 201 copies the new id (from Location) into id.
 */
static long S_post_claim(CURL *easy, const char *base_url, const char *token, const char *statement,
                         char *id, size_t n)
{
    char url[128], auth[200], body[512];
    snprintf(url, sizeof url, "%s/v1/claims", base_url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    int w = snprintf(body, sizeof body,
                     "{\"source\":\"" BERMAN "\",\"quote\":\"" QUOTE_UNIQUE "\",\"statement\":"
                     "\"%s\",\"kind\":\"assessment\",\"claimant\":\"Ilan I. Berman\","
                     "\"claimant_kind\":\"author\",\"topics\":[\"returnees\"]}",
                     statement);
    if (w < 0 || (size_t)w >= sizeof body)
        return -1;
    const char *h[] = {auth, "Content-Type: application/json", NULL};
    struct tc_result r;
    long status = 0;
    if (tc_request(easy, "POST", url, h, body, (size_t)w, &r) == 0) {
        status = r.status;
        const char *loc = tc_header(&r, "Location");
        if (status == 201 && loc && strncmp(loc, "/v1/claims/", 11) == 0 && strlen(loc + 11) < n)
            memcpy(id, loc + 11, strlen(loc + 11) + 1);
        else if (status == 201)
            status = -2; /* a 201 without a usable Location */
    }
    tc_result_free(&r);
    return status;
}

/* Status of GET path. */
static long S_get_status(struct fx *f, const struct test_proc *p, const char *path)
{
    char url[512];
    struct tc_result r;
    assert_int_equal(tc_get(f->easy, S_url(p, path, url, sizeof url), &r), 0);
    long st = r.status;
    tc_result_free(&r);
    return st;
}

/* An integer member of the JSON at path (nested under `object` when not NULL). */
static json_int_t S_get_int(struct fx *f, const char *path, const char *object, const char *key)
{
    char url[512];
    struct tc_result r;
    assert_int_equal(tc_get(f->easy, S_url(&f->srv, path, url, sizeof url), &r), 0);
    assert_int_equal(r.status, 200);
    json_t *j = tc_json(&r);
    assert_non_null(j);
    json_t *o = object ? json_object_get(j, object) : j;
    json_t *v = json_object_get(o, key);
    assert_true(json_is_integer(v));
    json_int_t out = json_integer_value(v);
    json_decref(j);
    tc_result_free(&r);
    return out;
}

/* ---- sqlite3, directly --------------------------------------------------------- */

static sqlite3 *S_open_ro(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void S_assert_integrity(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    assert_int_equal(sqlite3_step(st), SQLITE_DONE); /* one row: nothing else to report */
    sqlite3_finalize(st);
}

static long long S_scalar(sqlite3 *db, const char *sql, const char *arg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static long long S_claim_count(const char *path)
{
    sqlite3 *db = S_open_ro(path);
    long long n = S_scalar(db, "SELECT count(*) FROM claim", NULL);
    sqlite3_close(db);
    return n;
}

/* ---- tokens -------------------------------------------------------------------- */

static void test_token_commands(void **state)
{
    struct fx *f = *state;
    char writer[64], admin[64];
    S_token_create(f, "alice", "write", writer, sizeof writer);
    S_token_create(f, "root", "admin", admin, sizeof admin);
    assert_string_not_equal(writer, admin);

    /* A taken name, a bad scope: nothing on stdout. */
    char *out = NULL;
    const char *dup[] = {"token", "create", "--name", "alice", "--scope",
                         "write", "--db",   f->db,    NULL};
    assert_int_equal(S_cli(dup, &out, NULL), 1);
    assert_string_equal(out, "");
    free(out);
    const char *bad[] = {"token", "create", "--name", "bob", "--scope", "god", "--db", f->db, NULL};
    assert_int_equal(S_cli(bad, &out, NULL), 2);
    assert_string_equal(out, "");
    free(out);

    /* list: names and scopes, never a secret or a hash. */
    const char *list[] = {"token", "list", "--db", f->db, NULL};
    char *err = NULL;
    assert_int_equal(S_cli(list, &out, &err), 0);
    assert_non_null(strstr(out, "alice"));
    assert_non_null(strstr(out, "root"));
    assert_non_null(strstr(out, "admin"));
    assert_null(strstr(out, "bob"));
    const char *toks[] = {writer, admin};
    for (size_t i = 0; i < 2; i++) {
        char hex[65];
        sha256_hex(toks[i], strlen(toks[i]), hex);
        assert_null(strstr(out, toks[i]));
        assert_null(strstr(out, toks[i] + 4));
        assert_null(strstr(out, hex));
        assert_null(strstr(err, hex));
    }
    assert_false(S_has_hex64(out));
    assert_null(strstr(out, "mrs_"));
    free(out);
    free(err);

    /* The tokens work against a running server; revoking takes effect at once. */
    S_serve(f);
    char id[64] = "";
    assert_int_equal(
        S_post_claim(f->easy, f->srv.base_url, writer, "Token test one.", id, sizeof id), 201);
    const char *revoke[] = {"token", "revoke", "alice", "--db", f->db, NULL};
    assert_int_equal(S_cli(revoke, &out, &err), 0);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "alice"));
    free(out);
    free(err);

    char url[256], auth[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", writer);
    const char *h[] = {auth, "Content-Type: application/json", NULL};
    struct tc_result r;
    assert_int_equal(
        tc_request(f->easy, "POST", S_url(&f->srv, "/v1/claims", url, sizeof url), h, "{}", 2, &r),
        0);
    assert_int_equal(r.status, 401);
    const char *www = tc_header(&r, "WWW-Authenticate");
    assert_non_null(www);
    assert_non_null(strstr(www, "invalid_token"));
    tc_result_free(&r);
    assert_int_equal(S_cli(revoke, NULL, NULL), 1); /* already revoked */

    assert_int_equal(S_cli(list, &out, NULL), 0);
    const char *line = strstr(out, "alice");
    assert_non_null(line);
    const char *eol = strchr(line, '\n');
    const char *rv = strstr(line, "revoked");
    assert_true(rv && (!eol || rv < eol));
    assert_false(S_has_hex64(out));
    free(out);

    /* The admin token is still good. */
    char target[128];
    snprintf(target, sizeof target, "/v1/claims/%s", id);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", admin);
    const char *ha[] = {auth, NULL};
    assert_int_equal(
        tc_request(f->easy, "DELETE", S_url(&f->srv, target, url, sizeof url), ha, NULL, 0, &r), 0);
    assert_int_equal(r.status, 204);
    tc_result_free(&r);
    assert_int_equal(S_get_status(f, &f->srv, target), 410);

    /* No secret reached the server's log. */
    char *log = S_stop(f);
    assert_non_null(strstr(log, "/v1/claims")); /* the access log ran */
    for (size_t i = 0; i < 2; i++) {
        char hex[65];
        sha256_hex(toks[i], strlen(toks[i]), hex);
        assert_null(strstr(log, toks[i] + 4));
        assert_null(strstr(log, hex));
    }
    free(log);
}

/* ---- ETags and preconditions over HTTP ------------------------------------------ */

/* GET path; copies its ETag into tag. Returns the status. */
static long S_get_etag(struct fx *f, const char *path, const char *inm, char *tag, size_t n)
{
    char url[512], h[200];
    snprintf(h, sizeof h, "If-None-Match: %s", inm ? inm : "");
    const char *hs[] = {h, NULL};
    struct tc_result r;
    assert_int_equal(tc_request(f->easy, "GET", S_url(&f->srv, path, url, sizeof url),
                                inm ? hs : NULL, NULL, 0, &r),
                     0);
    const char *e = tc_header(&r, "ETag");
    assert_non_null(e);
    assert_true(strlen(e) < n);
    memcpy(tag, e, strlen(e) + 1);
    long st = r.status;
    tc_result_free(&r);
    return st;
}

static long S_patch(struct fx *f, const char *path, const char *token, const char *if_match,
                    const char *body)
{
    char url[512], auth[200], im[200];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(im, sizeof im, "If-Match: %s", if_match);
    const char *h[] = {auth, "Content-Type: application/merge-patch+json", im, NULL};
    struct tc_result r;
    assert_int_equal(tc_request(f->easy, "PATCH", S_url(&f->srv, path, url, sizeof url), h, body,
                                strlen(body), &r),
                     0);
    long st = r.status;
    tc_result_free(&r);
    return st;
}

static void test_etag_preconditions_over_http(void **state)
{
    struct fx *f = *state;
    char tok[64];
    S_token_create(f, "editor", "write", tok, sizeof tok);
    S_serve(f);
    const char *one = "/v1/claims/berman-014";
    const char *list = "/v1/claims?source=" BERMAN "&limit=5";
    char e1[128], l1[128], e2[128], l2[128], tmp[128];
    assert_int_equal(S_get_etag(f, one, NULL, e1, sizeof e1), 200);
    assert_int_equal(S_get_etag(f, list, NULL, l1, sizeof l1), 200);
    assert_int_equal(S_get_etag(f, list, l1, tmp, sizeof tmp), 304);

    /* If-Match with the tag of an earlier GET: the change goes through once. */
    assert_int_equal(S_patch(f, one, tok, e1, "{\"note\":\"patched over http\"}"), 200);
    assert_int_equal(S_patch(f, one, tok, e1, "{\"note\":\"lost update\"}"), 412);
    assert_int_equal(S_patch(f, one, tok, "*", "{\"note\":\"forced\"}"), 200);

    /* Every ETag changed with the data. */
    assert_int_equal(S_get_etag(f, one, NULL, e2, sizeof e2), 200);
    assert_string_not_equal(e1, e2);
    assert_int_equal(S_get_etag(f, list, l1, l2, sizeof l2), 200); /* not 304 any more */
    assert_string_not_equal(l1, l2);
    assert_int_equal(S_get_etag(f, list, l2, tmp, sizeof tmp), 304);
    assert_int_equal(S_patch(f, one, tok, e2, "{\"note\":null}"), 200);
    assert_int_equal(S_patch(f, one, tok, e2, "{\"note\":\"stale again\"}"), 412);

    /* A claim created elsewhere changes the list tag too. */
    char id[64];
    assert_int_equal(S_post_claim(f->easy, f->srv.base_url, tok, "ETag test claim.", id, sizeof id),
                     201);
    char l3[128];
    assert_int_equal(S_get_etag(f, list, l2, l3, sizeof l3), 200);
    assert_string_not_equal(l2, l3);
    char *log = S_stop(f);
    assert_null(strstr(log, tok + 4));
    free(log);
}

/* ---- backups ---------------------------------------------------------------- */

struct writer_arg {
    const char *base_url;
    const char *token;
    int n;
    int ok; /* 201s */
};

static void *S_writer(void *arg)
{
    struct writer_arg *a = arg;
    CURL *easy = curl_easy_init();
    for (int i = 0; easy && i < a->n; i++) {
        char stmt[96], id[64];
        snprintf(stmt, sizeof stmt, "Claim written during a backup, number %d.", i);
        if (S_post_claim(easy, a->base_url, a->token, stmt, id, sizeof id) == 201)
            a->ok++;
    }
    curl_easy_cleanup(easy);
    return NULL;
}

static void test_backup_while_serving(void **state)
{
    struct fx *f = *state;
    char tok[64];
    S_token_create(f, "backupper", "write", tok, sizeof tok);
    long long seed = S_claim_count(f->db);
    S_serve(f);
    char ids[5][64];
    for (int i = 0; i < 5; i++) {
        char stmt[64];
        snprintf(stmt, sizeof stmt, "Claim before the backup, number %d.", i);
        assert_int_equal(S_post_claim(f->easy, f->srv.base_url, tok, stmt, ids[i], 64), 201);
    }

    /* A quiet server: the snapshot holds exactly what the live database holds. */
    char out1[600], out2[600];
    snprintf(out1, sizeof out1, "%s/backup1.db", f->dir);
    snprintf(out2, sizeof out2, "%s/backup2.db", f->dir);
    const char *args[] = {"backup", "--db", f->db, out1, NULL};
    char *out = NULL, *err = NULL;
    int rc = S_cli(args, &out, &err);
    if (rc != 0)
        fail_msg("backup exited %d: %s", rc, err);
    assert_non_null(strstr(err, "integrity ok"));
    free(out);
    free(err);
    sqlite3 *b = S_open_ro(out1);
    S_assert_integrity(b);
    long long n1 = S_scalar(b, "SELECT count(*) FROM claim", NULL);
    assert_int_equal(n1, seed + 5);
    assert_int_equal(n1, S_claim_count(f->db));
    for (int i = 0; i < 5; i++)
        assert_int_equal(S_scalar(b, "SELECT count(*) FROM claim WHERE id = ?1", ids[i]), 1);
    assert_int_equal(S_scalar(b, "SELECT version FROM dataset", NULL),
                     S_get_int(f, "/version", NULL, "dataset_version"));
    sqlite3_close(b);

    /* While another client writes: still a consistent snapshot. */
    long long before = S_claim_count(f->db);
    struct writer_arg wa = {f->srv.base_url, tok, 40, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, S_writer, &wa), 0);
    const char *args2[] = {"backup", "--db", f->db, out2, NULL};
    rc = S_cli(args2, NULL, NULL);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(wa.ok, 40);
    long long after = S_claim_count(f->db);
    assert_int_equal(after, before + 40);
    b = S_open_ro(out2);
    S_assert_integrity(b);
    long long n2 = S_scalar(b, "SELECT count(*) FROM claim", NULL);
    assert_true(n2 >= before && n2 <= after);
    /* Each claim, its revision and its dataset version arrive together, or none does. */
    sqlite3 *seed_db = S_open_ro(getenv("MARSAD_TEST_DB"));
    long long v_seed = S_scalar(seed_db, "SELECT version FROM dataset", NULL);
    long long r_seed = S_scalar(seed_db, "SELECT count(*) FROM revision", NULL);
    sqlite3_close(seed_db);
    long long revs = S_scalar(b, "SELECT count(*) FROM revision", NULL) - r_seed;
    assert_int_equal(revs, n2 - seed);
    assert_int_equal(S_scalar(b, "SELECT version FROM dataset", NULL) - v_seed, revs);
    sqlite3_close(b);
    free(S_stop(f));
}

/* ---- the crash test ------------------------------------------------------------ */

#define BURST_PER_THREAD 150
#define KILL_AFTER       100

struct burst {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const char *base_url;
    const char *token;
    size_t acks;
    char ids[2 * BURST_PER_THREAD][64];
    int finished; /* workers done */
    int unexpected;
    long unexpected_status;
    pid_t pid;
    size_t acks_at_kill;
    bool killed;
};

struct worker {
    struct burst *b;
    int tid;
};

static void *S_burst_worker(void *arg)
{
    struct worker *w = arg;
    struct burst *b = w->b;
    CURL *easy = curl_easy_init();
    for (int i = 0; easy && i < BURST_PER_THREAD; i++) {
        char stmt[96], id[64] = "";
        snprintf(stmt, sizeof stmt, "Crash burst claim from thread %d, number %d.", w->tid, i);
        long st = S_post_claim(easy, b->base_url, b->token, stmt, id, sizeof id);
        if (st == 0)
            break; /* the server is gone */
        pthread_mutex_lock(&b->mu);
        if (st == 201) {
            memcpy(b->ids[b->acks], id, sizeof id);
            b->acks++;
        } else {
            b->unexpected++;
            b->unexpected_status = st;
        }
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
        if (st != 201)
            break;
    }
    curl_easy_cleanup(easy);
    pthread_mutex_lock(&b->mu);
    b->finished++;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* Waits (condition variable, with a deadline) for KILL_AFTER acks, then SIGKILLs the server. */
static void *S_killer(void *arg)
{
    struct burst *b = arg;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 120;
    pthread_mutex_lock(&b->mu);
    while (b->acks < KILL_AFTER && b->finished < 2 && b->unexpected == 0) {
        if (pthread_cond_timedwait(&b->cv, &b->mu, &deadline) != 0)
            break;
    }
    b->acks_at_kill = b->acks;
    b->killed = kill(b->pid, SIGKILL) == 0;
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

static void test_crash_keeps_acknowledged_writes(void **state)
{
    struct fx *f = *state;
    char tok[64];
    S_token_create(f, "burster", "write", tok, sizeof tok);
    S_serve(f);
    json_int_t v0 = S_get_int(f, "/version", NULL, "dataset_version");
    json_int_t total0 = S_get_int(f, "/v1/claims?source=" BERMAN "&limit=1", "meta", "total");

    struct burst *b = calloc(1, sizeof *b);
    assert_non_null(b);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->base_url = f->srv.base_url;
    b->token = tok;
    b->pid = f->srv.pid;
    struct worker w[2] = {{b, 0}, {b, 1}};
    pthread_t th[3];
    assert_int_equal(pthread_create(&th[0], NULL, S_burst_worker, &w[0]), 0);
    assert_int_equal(pthread_create(&th[1], NULL, S_burst_worker, &w[1]), 0);
    assert_int_equal(pthread_create(&th[2], NULL, S_killer, b), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);

    if (b->unexpected)
        fail_msg("a write answered %ld before the kill", b->unexpected_status);
    assert_true(b->killed);
    assert_true(b->acks_at_kill >= KILL_AFTER);
    /* Killed in the middle: the burst did not get to finish. */
    assert_true(b->acks < 2 * BURST_PER_THREAD);
    assert_int_equal(test_proc_wait(&f->srv, STOP_TIMEOUT_MS), 0);
    assert_true(WIFSIGNALED(f->srv.exit_status));
    assert_int_equal(WTERMSIG(f->srv.exit_status), SIGKILL);
    test_proc_cleanup(&f->srv);

    /* Restart on the same file: every acknowledged claim is there. */
    S_serve(f);
    for (size_t i = 0; i < b->acks; i++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/claims/%s", b->ids[i]);
        long st = S_get_status(f, &f->srv, path);
        if (st != 200)
            fail_msg("acknowledged claim %s answers %ld after the crash", b->ids[i], st);
    }
    /* At most the two requests in flight at the kill committed without an answer. */
    json_int_t total1 = S_get_int(f, "/v1/claims?source=" BERMAN "&limit=1", "meta", "total");
    json_int_t created = total1 - total0;
    assert_true(created >= (json_int_t)b->acks && created <= (json_int_t)b->acks + 2);
    /* Each create advanced the version once, in the same transaction. */
    assert_int_equal(S_get_int(f, "/version", NULL, "dataset_version"), v0 + created);
    /* The database still takes writes. */
    char id[64];
    assert_int_equal(
        S_post_claim(f->easy, f->srv.base_url, tok, "Written after the crash.", id, sizeof id),
        201);
    free(S_stop(f));

    sqlite3 *db = S_open_ro(f->db);
    S_assert_integrity(db);
    for (size_t i = 0; i < b->acks; i++)
        assert_int_equal(S_scalar(db, "SELECT count(*) FROM claim WHERE id = ?1", b->ids[i]), 1);
    sqlite3 *seed_db = S_open_ro(getenv("MARSAD_TEST_DB"));
    long long r_seed = S_scalar(seed_db, "SELECT count(*) FROM revision", NULL);
    sqlite3_close(seed_db);
    assert_int_equal(S_scalar(db, "SELECT count(*) FROM revision", NULL) - r_seed, created + 1);
    assert_int_equal(
        S_scalar(db, "SELECT count(*) FROM claim WHERE statement LIKE 'Crash burst%'", NULL),
        created);
    sqlite3_close(db);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_token_commands, S_setup, S_teardown),
        cmocka_unit_test_setup_teardown(test_etag_preconditions_over_http, S_setup, S_teardown),
        cmocka_unit_test_setup_teardown(test_backup_while_serving, S_setup, S_teardown),
        cmocka_unit_test_setup_teardown(test_crash_keeps_acknowledged_writes, S_setup, S_teardown),
    };
    return cmocka_run_group_tests(tests, th_curl_group_setup, th_curl_group_teardown);
}
