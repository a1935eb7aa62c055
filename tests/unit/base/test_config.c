/* Configuration: defaults, environment, flags (flags win), validation, path checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fake environment: NULL-terminated name/value pairs. */
static const char *const *fake_env;

static const char *S_getenv(const char *name)
{
    for (size_t i = 0; fake_env && fake_env[i]; i += 2) {
        if (strcmp(fake_env[i], name) == 0)
            return fake_env[i + 1];
    }
    return NULL;
}

struct run {
    struct config cfg;
    char err[512];
    enum app_status st;
};

/* Runs config_parse on "marsad serve <args...>" (args NULL-terminated) with env pairs. */
static void S_parse(struct run *r, const char *const *env, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)(uintptr_t) "marsad";
    argv[argc++] = (char *)(uintptr_t) "serve";
    for (size_t i = 0; args && args[i]; i++) {
        assert_true(argc < 31);
        argv[argc++] = (char *)(uintptr_t)args[i];
    }
    argv[argc] = NULL;
    fake_env = env;
    memset(r->err, 'x', sizeof r->err - 1);
    r->err[sizeof r->err - 1] = '\0';
    r->st = config_parse(&r->cfg, argc, argv, 2, env ? S_getenv : NULL, r->err, sizeof r->err);
    fake_env = NULL;
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void S_expect_ok(struct run *r)
{
    if (r->st != APP_OK)
        fail_msg("config_parse failed (%s): %s", app_status_str(r->st), r->err);
    assert_string_equal(r->err, "");
}

/* Parses flags that must be rejected with a message containing each needle. */
static void S_reject(const char *const *env, const char *const *args, const char *n1,
                     const char *n2)
{
    struct run r;
    S_parse(&r, env, args);
    if (r.st != APP_EINVAL)
        fail_msg("want EINVAL, got %s (err '%s')", app_status_str(r.st), r.err);
    if (n1 && !strstr(r.err, n1))
        fail_msg("error '%s' lacks '%s'", r.err, n1);
    if (n2 && !strstr(r.err, n2))
        fail_msg("error '%s' lacks '%s'", r.err, n2);
    assert_null(strchr(r.err, '\n')); /* one line, no newline */
}

static void test_defaults(void **state)
{
    (void)state;
    struct run r;
    S_parse(&r, NULL, NULL);
    S_expect_ok(&r);
    assert_string_equal(r.cfg.host, "127.0.0.1");
    assert_int_equal(r.cfg.port, 8080);
    assert_string_equal(r.cfg.db_path, "marsad.db");
    assert_in_range(r.cfg.threads, 1, 256);
    assert_string_equal(r.cfg.cors_origin, "*");
    assert_int_equal(r.cfg.log_level, LOG_INFO);
    assert_int_equal(r.cfg.max_body, 1024 * 1024);
    assert_int_equal(r.cfg.log_buffer, 64 * 1024);
    assert_int_equal(r.cfg.conn_memory, 40 * 1024);
    assert_int_equal(r.cfg.timeout_s, 30);
    assert_int_equal(r.cfg.cache_max_age, 60);
    assert_int_equal(r.cfg.max_conns, 1024);
    assert_int_equal(r.cfg.max_conns_per_ip, 0);
    assert_false(r.cfg.read_only);

    /* An empty environment changes nothing. */
    static const char *const empty[] = {NULL};
    S_parse(&r, empty, NULL);
    S_expect_ok(&r);
    assert_int_equal(r.cfg.port, 8080);
}

static void test_env_applied(void **state)
{
    (void)state;
    static const char *const env[] = {
        "MARSAD_HOST",
        "0.0.0.0",
        "MARSAD_PORT",
        "9000",
        "MARSAD_DB",
        "/tmp/e.db",
        "MARSAD_THREADS",
        "4",
        "MARSAD_LOG_LEVEL",
        "debug",
        "MARSAD_MAX_BODY",
        "2k",
        "MARSAD_LOG_BUFFER",
        "0",
        "MARSAD_TIMEOUT",
        "5",
        "MARSAD_CACHE_MAX_AGE",
        "0",
        "MARSAD_READ_ONLY",
        "true",
        "MARSAD_CORS_ORIGIN",
        "",
        "MARSAD_MAX_CONNECTIONS",
        "10",
        "MARSAD_MAX_CONNECTIONS_PER_IP",
        "3",
        "UNRELATED",
        "x",
        NULL,
    };
    struct run r;
    S_parse(&r, env, NULL);
    S_expect_ok(&r);
    assert_string_equal(r.cfg.host, "0.0.0.0");
    assert_int_equal(r.cfg.port, 9000);
    assert_string_equal(r.cfg.db_path, "/tmp/e.db");
    assert_int_equal(r.cfg.threads, 4);
    assert_int_equal(r.cfg.log_level, LOG_DEBUG);
    assert_int_equal(r.cfg.max_body, 2048);
    assert_int_equal(r.cfg.log_buffer, 0);
    assert_int_equal(r.cfg.timeout_s, 5);
    assert_int_equal(r.cfg.cache_max_age, 0);
    assert_true(r.cfg.read_only);
    assert_string_equal(r.cfg.cors_origin, ""); /* empty disables CORS */
    assert_int_equal(r.cfg.max_conns, 10);
    assert_int_equal(r.cfg.max_conns_per_ip, 3);
}

static void test_flags_win_over_env(void **state)
{
    (void)state;
    static const char *const env[] = {
        "MARSAD_PORT",      "9000", "MARSAD_HOST", "0.0.0.0", "MARSAD_LOG_LEVEL", "error",
        "MARSAD_READ_ONLY", "1",    NULL};
    struct run r;
    S_parse(&r, env, ARGS("--port", "9100", "--log-level", "warn", "--read-only=false"));
    S_expect_ok(&r);
    assert_int_equal(r.cfg.port, 9100);
    assert_int_equal(r.cfg.log_level, LOG_WARN);
    assert_false(r.cfg.read_only);
    assert_string_equal(r.cfg.host, "0.0.0.0"); /* env kept where no flag was given */
}

static void test_bad_env_names_variable(void **state)
{
    (void)state;
    static const char *const env[] = {"MARSAD_PORT", "abc", NULL};
    S_reject(env, NULL, "MARSAD_PORT", "'abc'");
    static const char *const env2[] = {"MARSAD_THREADS", "0", NULL};
    S_reject(env2, ARGS("--threads", "4"), "MARSAD_THREADS", NULL);
}

static void test_port(void **state)
{
    (void)state;
    struct run r;
    S_parse(&r, NULL, ARGS("--port", "0"));
    S_expect_ok(&r);
    assert_int_equal(r.cfg.port, 0);
    S_parse(&r, NULL, ARGS("--port", "65535"));
    S_expect_ok(&r);
    assert_int_equal(r.cfg.port, 65535);

    S_reject(NULL, ARGS("--port", "70000"), "--port", "70000");
    S_reject(NULL, ARGS("--port", "65536"), "--port", NULL);
    S_reject(NULL, ARGS("--port", "-1"), "--port", "'-1'");
    S_reject(NULL, ARGS("--port", "abc"), "--port", "'abc'");
    S_reject(NULL, ARGS("--port", "80x"), "--port", NULL);
    S_reject(NULL, ARGS("--port", " 80"), "--port", NULL);
    S_reject(NULL, ARGS("--port="), "--port", NULL);
    S_reject(NULL, ARGS("--port", "99999999999999999999999"), "--port", NULL);
}

static void test_threads(void **state)
{
    (void)state;
    struct run r;
    S_parse(&r, NULL, ARGS("--threads", "1"));
    S_expect_ok(&r);
    assert_int_equal(r.cfg.threads, 1);
    S_parse(&r, NULL, ARGS("--threads", "256"));
    S_expect_ok(&r);
    assert_int_equal(r.cfg.threads, 256);
    S_reject(NULL, ARGS("--threads", "0"), "--threads", "1 to 256");
    S_reject(NULL, ARGS("--threads", "257"), "--threads", "'257'");
}

static void test_connection_memory(void **state)
{
    (void)state;
    struct run r;
    S_parse(&r, NULL, ARGS("--connection-memory", "16k"));
    S_expect_ok(&r);
    assert_int_equal(r.cfg.conn_memory, 16 * 1024);
    S_parse(&r, NULL, ARGS("--connection-memory", "1m"));
    S_expect_ok(&r);
    assert_int_equal(r.cfg.conn_memory, 1024 * 1024);
    S_reject(NULL, ARGS("--connection-memory", "16383"), "--connection-memory", "16k to 1m");
    S_reject(NULL, ARGS("--connection-memory", "1025k"), "--connection-memory", "'1025k'");
    S_reject(NULL, ARGS("--connection-memory", "lots"), "--connection-memory", NULL);
}

static void test_max_body(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t want;
    } good[] = {
        {"1", 1},
        {"100", 100},
        {"1k", 1024},
        {"1K", 1024},
        {"2m", 2 * 1024 * 1024},
        {"2M", 2 * 1024 * 1024},
        {"64m", 64 * 1024 * 1024},
        {"65536k", 64 * 1024 * 1024},
        {"67108864", 64 * 1024 * 1024},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct run r;
        S_parse(&r, NULL, ARGS("--max-body", good[i].in));
        S_expect_ok(&r);
        assert_int_equal(r.cfg.max_body, good[i].want);
    }
    S_reject(NULL, ARGS("--max-body", "0"), "--max-body", "'0'");
    S_reject(NULL, ARGS("--max-body", "0k"), "--max-body", NULL);
    S_reject(NULL, ARGS("--max-body", "65m"), "--max-body", "'65m'");
    S_reject(NULL, ARGS("--max-body", "65537k"), "--max-body", NULL);
    S_reject(NULL, ARGS("--max-body", "67108865"), "--max-body", NULL);
    S_reject(NULL, ARGS("--max-body", "1g"), "--max-body", NULL);
    S_reject(NULL, ARGS("--max-body", "k"), "--max-body", NULL);
    S_reject(NULL, ARGS("--max-body", ""), "--max-body", NULL);
    S_reject(NULL, ARGS("--max-body", "1kk"), "--max-body", NULL);
    S_reject(NULL, ARGS("--max-body", "-1k"), "--max-body", NULL);
    S_reject(NULL, ARGS("--max-body", "99999999999999999999m"), "--max-body", NULL);
}

static void test_log_buffer(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t want;
    } good[] = {{"0", 0}, {"0k", 0}, {"1", 1}, {"8k", 8192}, {"16m", 16 * 1024 * 1024}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct run r;
        S_parse(&r, NULL, ARGS("--log-buffer", good[i].in));
        S_expect_ok(&r);
        assert_int_equal(r.cfg.log_buffer, good[i].want);
    }
    S_reject(NULL, ARGS("--log-buffer", "17m"), "--log-buffer", "'17m'");
    S_reject(NULL, ARGS("--log-buffer", "-1"), "--log-buffer", NULL);
    S_reject(NULL, ARGS("--log-buffer", ""), "--log-buffer", NULL);
    S_reject(NULL, ARGS("--log-buffer", "1g"), "--log-buffer", NULL);
}

static void test_log_level(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        enum log_level want;
    } good[] = {{"error", LOG_ERROR}, {"warn", LOG_WARN}, {"info", LOG_INFO}, {"debug", LOG_DEBUG}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct run r;
        S_parse(&r, NULL, ARGS("--log-level", good[i].in));
        S_expect_ok(&r);
        assert_int_equal(r.cfg.log_level, good[i].want);
    }
    S_reject(NULL, ARGS("--log-level", "bogus"), "--log-level", "'bogus'");
    S_reject(NULL, ARGS("--log-level", ""), "--log-level", NULL);
}

static void test_other_ranges(void **state)
{
    (void)state;
    struct run r;
    S_parse(&r, NULL, ARGS("--timeout", "3600", "--cache-max-age", "86400"));
    S_expect_ok(&r);
    assert_int_equal(r.cfg.timeout_s, 3600);
    assert_int_equal(r.cfg.cache_max_age, 86400);
    S_reject(NULL, ARGS("--timeout", "0"), "--timeout", NULL);
    S_reject(NULL, ARGS("--timeout", "3601"), "--timeout", NULL);
    S_reject(NULL, ARGS("--cache-max-age", "86401"), "--cache-max-age", NULL);
    S_reject(NULL, ARGS("--max-connections", "0"), "--max-connections", NULL);
    S_reject(NULL, ARGS("--max-connections-per-ip", "100001"), "--max-connections-per-ip", NULL);
    S_reject(NULL, ARGS("--host", ""), "--host", "empty");
    S_reject(NULL, ARGS("--db", ""), "--db", "empty");
    S_reject(NULL, ARGS("--cors-origin", "http://a b"), "--cors-origin", NULL);
    S_reject(NULL, ARGS("--read-only=maybe"), "--read-only", "'maybe'");
}

static void test_long_values(void **state)
{
    (void)state;
    char host[CONFIG_HOST_MAX + 10];
    memset(host, 'h', sizeof host - 1);
    host[sizeof host - 1] = '\0';
    S_reject(NULL, ARGS("--host", host), "--host", "longer than 255 bytes");
    host[CONFIG_HOST_MAX - 1] = '\0';
    struct run r;
    S_parse(&r, NULL, ARGS("--host", host));
    S_expect_ok(&r);
    assert_int_equal(strlen(r.cfg.host), CONFIG_HOST_MAX - 1);
}

static void test_unknown_option(void **state)
{
    (void)state;
    S_reject(NULL, ARGS("--nope"), "unknown option '--nope'", NULL);
    S_reject(NULL, ARGS("--port", "1", "stray"), "unknown option 'stray'", NULL);
    S_reject(NULL, ARGS("--por", "1"), "unknown option '--por'", NULL);
    S_reject(NULL, ARGS("--port-x=1"), "unknown option", NULL);
    S_reject(NULL, ARGS("-p", "1"), "unknown option '-p'", NULL);
}

static void test_missing_value(void **state)
{
    (void)state;
    S_reject(NULL, ARGS("--port"), "option --port needs a value", NULL);
    S_reject(NULL, ARGS("--host", "::1", "--db"), "option --db needs a value", NULL);
}

static void test_equals_form(void **state)
{
    (void)state;
    struct run r;
    S_parse(&r, NULL,
            ARGS("--port=1234", "--db=/tmp/a=b.db", "--host=::1", "--max-body=3k", "--read-only",
                 "--cors-origin=https://example.org"));
    S_expect_ok(&r);
    assert_int_equal(r.cfg.port, 1234);
    assert_string_equal(r.cfg.db_path, "/tmp/a=b.db"); /* only the first '=' splits */
    assert_string_equal(r.cfg.host, "::1");
    assert_int_equal(r.cfg.max_body, 3072);
    assert_true(r.cfg.read_only);
    assert_string_equal(r.cfg.cors_origin, "https://example.org");

    /* The last occurrence wins. */
    S_parse(&r, NULL, ARGS("--port", "1", "--port=2"));
    S_expect_ok(&r);
    assert_int_equal(r.cfg.port, 2);
}

static void test_help(void **state)
{
    (void)state;
    struct run r;
    S_parse(&r, NULL, ARGS("--help"));
    assert_int_equal(r.st, APP_ENOTFOUND);
    S_parse(&r, NULL, ARGS("--port", "1", "-h"));
    assert_int_equal(r.st, APP_ENOTFOUND);
    assert_non_null(strstr(config_usage, "--port"));
    assert_non_null(strstr(config_usage, "MARSAD_DB"));
}

static void test_first_index_skips_leading_args(void **state)
{
    (void)state;
    char *argv[] = {(char *)(uintptr_t) "marsad", (char *)(uintptr_t) "--port",
                    (char *)(uintptr_t) "bogus", NULL};
    struct config cfg;
    char err[128];
    /* first = 3: nothing to parse, the junk before it is not looked at. */
    assert_int_equal(config_parse(&cfg, 3, argv, 3, NULL, err, sizeof err), APP_OK);
    assert_int_equal(cfg.port, 8080);
    assert_int_equal(config_parse(&cfg, 3, argv, 1, NULL, err, sizeof err), APP_EINVAL);
}

/* config_check_paths on a temporary tree. */
struct paths {
    char dir[256];
};

static int S_paths_setup(void **state)
{
    static struct paths p;
    if (!tu_mkdtemp("unit-config", p.dir, sizeof p.dir))
        return -1;
    *state = &p;
    return 0;
}

static int S_paths_teardown(void **state)
{
    struct paths *p = *state;
    return tu_rmtree(p->dir) ? 0 : -1;
}

static enum app_status S_check(const char *db_path, bool read_only, char *err, size_t n)
{
    struct config cfg;
    char perr[64];
    assert_int_equal(config_parse(&cfg, 0, NULL, 0, NULL, perr, sizeof perr), APP_OK);
    size_t len = strlen(db_path);
    assert_true(len < sizeof cfg.db_path);
    memcpy(cfg.db_path, db_path, len + 1);
    cfg.read_only = read_only;
    err[0] = '\0';
    return config_check_paths(&cfg, err, n);
}

static void test_check_missing_dir(void **state)
{
    struct paths *p = *state;
    char dir[512], db[600], err[1024];
    assert_true(tu_path(dir, sizeof dir, p->dir, "nope"));
    assert_true(tu_path(db, sizeof db, dir, "x.db"));
    assert_int_equal(S_check(db, false, err, sizeof err), APP_EINVAL);
    if (!strstr(err, dir) || !strstr(err, "does not exist"))
        fail_msg("error '%s' does not name '%s'", err, dir);
}

static void test_check_parent_is_file(void **state)
{
    struct paths *p = *state;
    char file[512], db[600], err[1024];
    assert_true(tu_path(file, sizeof file, p->dir, "plain"));
    assert_true(tu_write_file(file, "x", 1));
    assert_true(tu_path(db, sizeof db, file, "x.db"));
    assert_int_equal(S_check(db, false, err, sizeof err), APP_EINVAL);
    assert_non_null(strstr(err, "is not a directory"));
    assert_non_null(strstr(err, file));
}

static void test_check_db_is_directory(void **state)
{
    struct paths *p = *state;
    char db[512], err[1024];
    assert_true(tu_path(db, sizeof db, p->dir, "sub.db"));
    assert_int_equal(mkdir(db, 0700), 0);
    assert_int_equal(S_check(db, false, err, sizeof err), APP_EINVAL);
    assert_non_null(strstr(err, "not a regular file"));
    assert_non_null(strstr(err, db));
    assert_int_equal(S_check(db, true, err, sizeof err), APP_EINVAL);
}

static void test_check_existing_dir_accepted(void **state)
{
    struct paths *p = *state;
    char db[512], err[1024];
    /* The file need not exist yet. */
    assert_true(tu_path(db, sizeof db, p->dir, "new.db"));
    assert_int_equal(S_check(db, false, err, sizeof err), APP_OK);
    assert_string_equal(err, "");
    /* An existing regular file is fine too. */
    assert_true(tu_write_file(db, "", 0));
    assert_int_equal(S_check(db, false, err, sizeof err), APP_OK);
    assert_int_equal(S_check(db, true, err, sizeof err), APP_OK);
    /* A trailing slash makes the name empty and the path a directory. */
    char dirslash[512];
    snprintf(dirslash, sizeof dirslash, "%s/", p->dir);
    assert_int_equal(S_check(dirslash, false, err, sizeof err), APP_EINVAL);
}

static void test_check_root_dir(void **state)
{
    (void)state;
    char err[256];
    /* "/x" has directory "/", which exists; /proc is never a regular file. */
    assert_int_equal(S_check("/proc", true, err, sizeof err), APP_EINVAL);
    assert_non_null(strstr(err, "not a regular file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_env_applied),
        cmocka_unit_test(test_flags_win_over_env),
        cmocka_unit_test(test_bad_env_names_variable),
        cmocka_unit_test(test_port),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_max_body),
        cmocka_unit_test(test_connection_memory),
        cmocka_unit_test(test_log_buffer),
        cmocka_unit_test(test_log_level),
        cmocka_unit_test(test_other_ranges),
        cmocka_unit_test(test_long_values),
        cmocka_unit_test(test_unknown_option),
        cmocka_unit_test(test_missing_value),
        cmocka_unit_test(test_equals_form),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_first_index_skips_leading_args),
        cmocka_unit_test_setup_teardown(test_check_missing_dir, S_paths_setup, S_paths_teardown),
        cmocka_unit_test_setup_teardown(test_check_parent_is_file, S_paths_setup, S_paths_teardown),
        cmocka_unit_test_setup_teardown(test_check_db_is_directory, S_paths_setup,
                                        S_paths_teardown),
        cmocka_unit_test_setup_teardown(test_check_existing_dir_accepted, S_paths_setup,
                                        S_paths_teardown),
        cmocka_unit_test(test_check_root_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
