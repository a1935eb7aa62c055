/*
 * Test fixtures for talking HTTP over real sockets:
 *   - an in-process server (struct app + http_server_start on 127.0.0.1:0) over a
 *     private copy of $MARSAD_TEST_DB;
 *   - a subprocess fixture running $MARSAD_BIN with stdout/stderr captured to files;
 *   - a small libcurl wrapper returning status, headers and body.
 * Every fixture owns a mkdtemp directory that its stop/cleanup function removes.
 */
#ifndef MARSAD_TEST_SERVER_H
#define MARSAD_TEST_SERVER_H

#include "app.h"
#include "config.h"
#include "http_server.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Recursively removes a directory tree (no-op for NULL or ""). */
void th_rmtree(const char *path);
/* Creates a fresh temporary directory into out (>= 64 bytes). Returns 0 on success. */
int th_mkdtemp(char *out, size_t n);
/* Copies a file. Returns 0 on success. */
int th_copy_file(const char *from, const char *to);
/*
 * Creates a fresh temporary directory (into dir) holding a copy of
 * $MARSAD_TEST_DB named `name` (its path into db). Returns 0 on success; on
 * failure nothing is left behind.
 */
int th_test_db_copy(char *dir, size_t dirn, const char *name, char *db, size_t dbn);
/* cmocka group setup/teardown for suites that use libcurl: curl_global_init/cleanup. */
int th_curl_group_setup(void **state);
int th_curl_group_teardown(void **state);
/* Reads a whole file into a malloc'd NUL-terminated buffer (NULL on failure). */
char *th_read_file(const char *path, size_t *len);
/*
 * A TCP connection to 127.0.0.1:port from the local address `source` (NULL:
 * 127.0.0.1), with TCP_NODELAY; -1 (errno kept) when it cannot be made.
 */
int th_connect_from(uint16_t port, const char *source);
/* Sends all n bytes (no SIGPIPE); false when the peer closed or an error occurred. */
bool th_send_all(int fd, const char *s, size_t n);
/* Milliseconds on the monotonic clock. */
uint64_t th_now_ms(void);

/* ---- (a) in-process server --------------------------------------------- */

struct test_server {
    struct config cfg;
    struct app *app; /* heap: the struct is large */
    struct http_server *srv;
    char dir[256];      /* private temporary directory */
    char db_path[512];  /* copy of $MARSAD_TEST_DB */
    char log_path[512]; /* the server's JSON log lines */
    int log_fd;
    bool pool_open;
    uint16_t port;
    char base_url[64]; /* "http://127.0.0.1:PORT" */
};

/*
 * Starts a server on 127.0.0.1 with an OS-chosen port over a copy of
 * $MARSAD_TEST_DB. extra_args is a NULL-terminated list of additional
 * `marsad serve` flags (may be NULL), e.g. {"--max-body", "1k", NULL}.
 * Returns 0 on success; on failure everything is cleaned up and err says why.
 */
int test_server_start(struct test_server *ts, const char *const *extra_args, char *err,
                      size_t errlen);
/* Stops the server, closes the database, removes the directory. Safe to call twice. */
void test_server_stop(struct test_server *ts);
/* base_url + path into out; returns out. */
const char *test_server_url(const struct test_server *ts, const char *path, char *out, size_t n);

/* ---- (b) subprocess ----------------------------------------------------- */

struct test_proc {
    pid_t pid;       /* > 0 while the child is not reaped */
    int exit_status; /* waitpid() status once reaped */
    bool reaped;
    char dir[256]; /* holds stdout.log and stderr.log */
    char out_path[512];
    char err_path[512];
    uint16_t port; /* learned from the "listening on" log line */
    char base_url[64];
};

/*
 * Runs $MARSAD_BIN with args (NULL-terminated, without argv[0]). The child's
 * environment is this process's minus every MARSAD_* variable, plus env
 * ("NAME=value" strings, NULL-terminated, may be NULL). stdout and stderr go to
 * files in the fixture's own temporary directory. Returns 0 on success.
 */
int test_proc_spawn(struct test_proc *p, const char *const *args, const char *const *env);
/* Reads stderr until the "listening on http://127.0.0.1:PORT" JSON line appears. 0 on success. */
int test_proc_wait_listening(struct test_proc *p, unsigned timeout_ms);
/* Polls stderr until it contains needle; returns 0 when found, -1 on timeout or child exit. */
int test_proc_wait_stderr(struct test_proc *p, const char *needle, unsigned timeout_ms);
/* Waits for exit; returns 0 when reaped within the deadline (status in exit_status). */
int test_proc_wait(struct test_proc *p, unsigned timeout_ms);
/* Exit code when the child exited normally, -1 when it was killed by a signal or not reaped. */
int test_proc_exit_code(const struct test_proc *p);
/* Sends a signal to a live child. */
int test_proc_signal(struct test_proc *p, int sig);
/* Captured output (malloc'd, caller frees). */
char *test_proc_stdout(const struct test_proc *p);
char *test_proc_stderr(const struct test_proc *p);
/* Kills (SIGKILL) a child still running, reaps it, removes the directory. Safe to call twice. */
void test_proc_cleanup(struct test_proc *p);
/* spawn + wait with a deadline; kills the child on timeout. Returns the exit code or -1. */
int test_proc_run(struct test_proc *p, const char *const *args, const char *const *env,
                  unsigned timeout_ms);

/* ---- (c) libcurl -------------------------------------------------------- */

struct tc_result {
    CURLcode code; /* CURLE_OK when the transfer worked */
    long status;
    char **headers; /* "Name: value" lines of the final response, CRLF stripped */
    size_t nheaders;
    size_t cap_headers;
    char *body; /* NUL-terminated */
    size_t body_len;
    size_t body_cap;
    long num_connects; /* CURLINFO_NUM_CONNECTS of this transfer */
    char error[CURL_ERROR_SIZE];
};

/*
 * Performs one request. easy may be NULL (a fresh handle is used and
 * freed) or a handle the caller keeps to reuse its connection; it is
 * curl_easy_reset() first, which keeps live connections. method: "GET",
 * "HEAD", "POST", or anything else (sent as a custom request). headers:
 * NULL-terminated "Name: value" list or NULL. body may be NULL.
 * Returns 0 when the transfer completed (any HTTP status), -1 otherwise.
 */
int tc_request(CURL *easy, const char *method, const char *url, const char *const *headers,
               const char *body, size_t body_len, struct tc_result *out);
/* Shorthand for a GET without extra headers. */
int tc_get(CURL *easy, const char *url, struct tc_result *out);
void tc_result_free(struct tc_result *r);
/* Value of the first header `name` (case-insensitive), or NULL. */
const char *tc_header(const struct tc_result *r, const char *name);
/* True when the comma-separated header value lists token (case-insensitive). */
bool tc_has_token(const char *value, const char *token);
/* The body parsed as JSON (caller json_decref()s), or NULL. */
json_t *tc_json(const struct tc_result *r);

#endif
