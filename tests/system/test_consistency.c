/*
 * Reads under concurrent writes, over real HTTP: every response describes one
 * committed state. Writers change a claim's note and add and remove claims of
 * a source while readers fetch the claim and the source's claims; afterwards
 * each read is checked against the writers' own log of (dataset version,
 * change): the body, meta.total and X-Total-Count must be those of the version
 * the ETag names, never an older or newer one.
 */
#include "server.h"
#include "sha256.h"
#include "write_repo.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define SOURCE    "berman-2019-returnees"
#define CLAIM     "berman-011"
#define TOKEN     "mrs_test-consistency-secret-0123456789abcdef"
#define WRITES    40 /* per writer */
#define READERS   3
#define MAX_READS 4000 /* per reader */

struct write_log {
    uint64_t version[2 * WRITES];
    int delta[2 * WRITES]; /* claims added (+1) or removed (-1); 0 for a note change */
    int note[2 * WRITES];  /* the note's number for a note change */
    size_t n;
    char fail[256];
};

struct read_log {
    uint64_t version;
    bool list;
    int note;      /* single read: the note's number (-1: the curated note) */
    long long len; /* list read: items in data */
    long long total;
    long long header;
};

struct ctx {
    struct test_server ts;
    atomic_int writers_left;
};

struct reader {
    struct ctx *cx;
    struct read_log *reads;
    size_t n;
    char fail[256];
};

/* The dataset version at the start of a tag ("42-..." or W/"42-..."); 0 when unparsable. */
static uint64_t S_tag_version(const char *tag)
{
    if (!tag)
        return 0;
    if (tag[0] == 'W' && tag[1] == '/')
        tag += 2;
    if (*tag == '"')
        tag++;
    char *end = NULL;
    unsigned long long v = strtoull(tag, &end, 10);
    return end != tag && *end == '-' ? (uint64_t)v : 0;
}

static int S_note_number(const char *note)
{
    int n = -1;
    if (note && sscanf(note, "note %d", &n) == 1)
        return n;
    return -1;
}

static int S_write(CURL *easy, const char *method, const char *url, const char *body,
                   uint64_t *version, char *id, size_t idn)
{
    const char *h[] = {"Authorization: Bearer " TOKEN,
                       strcmp(method, "PATCH") == 0 ? "Content-Type: application/merge-patch+json"
                                                    : "Content-Type: application/json",
                       NULL};
    struct tc_result r;
    if (tc_request(easy, method, url, h, body, body ? strlen(body) : 0, &r) != 0)
        return -1;
    int status = (int)r.status;
    json_t *j = tc_json(&r);
    json_t *meta = json_object_get(j, "meta");
    *version = (uint64_t)json_integer_value(json_object_get(meta, "dataset_version"));
    const char *tag = tc_header(&r, "ETag");
    if (!*version && tag)
        *version = S_tag_version(tag);
    if (id) {
        const char *s = json_string_value(json_object_get(json_object_get(j, "data"), "id"));
        snprintf(id, idn, "%s", s ? s : "");
    }
    json_decref(j);
    tc_result_free(&r);
    return status;
}

struct writer {
    struct ctx *cx;
    bool adds; /* true: adds and removes claims; false: changes the note */
    struct write_log log;
};

static void *S_writer(void *arg)
{
    struct writer *w = arg;
    CURL *easy = curl_easy_init();
    char url[256], body[512], id[128];
    for (int i = 0; easy && i < WRITES && !w->log.fail[0]; i++) {
        uint64_t v = 0;
        if (w->adds) {
            snprintf(body, sizeof body,
                     "{\"source\":\"" SOURCE "\",\"quote\":\"or soon will be.\",\"statement\":"
                     "\"Concurrent claim %d.\",\"kind\":\"assessment\",\"claimant\":\"Ilan I. "
                     "Berman\",\"claimant_kind\":\"author\",\"topics\":[\"returnees\"]}",
                     i);
            int st =
                S_write(easy, "POST", test_server_url(&w->cx->ts, "/v1/claims", url, sizeof url),
                        body, &v, id, sizeof id);
            if (st != 201 || !v || !id[0]) {
                snprintf(w->log.fail, sizeof w->log.fail, "POST answered %d", st);
                break;
            }
            w->log.version[w->log.n] = v;
            w->log.delta[w->log.n++] = 1;
            char path[200];
            snprintf(path, sizeof path, "/v1/claims/%s", id);
            st = S_write(easy, "DELETE", test_server_url(&w->cx->ts, path, url, sizeof url), NULL,
                         &v, NULL, 0);
            if (st != 204) {
                snprintf(w->log.fail, sizeof w->log.fail, "DELETE answered %d", st);
                break;
            }
            /* A 204 has no body: the version is the next read's business. The delete's
             * version is learned from the revision history after the run. */
            w->log.version[w->log.n] = 0;
            w->log.delta[w->log.n++] = -1;
        } else {
            snprintf(body, sizeof body, "{\"note\":\"note %d\"}", i);
            int st = S_write(easy, "PATCH",
                             test_server_url(&w->cx->ts, "/v1/claims/" CLAIM, url, sizeof url),
                             body, &v, NULL, 0);
            if (st != 200 || !v) {
                snprintf(w->log.fail, sizeof w->log.fail, "PATCH answered %d", st);
                break;
            }
            w->log.version[w->log.n] = v;
            w->log.note[w->log.n++] = i;
        }
    }
    curl_easy_cleanup(easy);
    atomic_fetch_sub(&w->cx->writers_left, 1);
    return NULL;
}

static void S_read_one(struct reader *rd, CURL *easy, bool list)
{
    char url[256];
    const char *path = list ? "/v1/claims?limit=1000" : "/v1/claims/" CLAIM;
    struct tc_result r;
    if (tc_get(easy, test_server_url(&rd->cx->ts, path, url, sizeof url), &r) != 0) {
        snprintf(rd->fail, sizeof rd->fail, "GET %s failed", path);
        return;
    }
    struct read_log *e = &rd->reads[rd->n];
    e->list = list;
    e->version = S_tag_version(tc_header(&r, "ETag"));
    json_t *j = tc_json(&r);
    if (r.status != 200 || !e->version || !j) {
        snprintf(rd->fail, sizeof rd->fail, "GET %s: %ld, tag %s", path, r.status,
                 tc_header(&r, "ETag") ? tc_header(&r, "ETag") : "none");
    } else if (list) {
        const char *h = tc_header(&r, "X-Total-Count");
        e->len = (long long)json_array_size(json_object_get(j, "data"));
        e->total = json_integer_value(json_object_get(json_object_get(j, "meta"), "total"));
        e->header = h ? strtoll(h, NULL, 10) : -1;
        rd->n++;
    } else {
        e->note =
            S_note_number(json_string_value(json_object_get(json_object_get(j, "data"), "note")));
        rd->n++;
    }
    json_decref(j);
    tc_result_free(&r);
}

static void *S_reader(void *arg)
{
    struct reader *rd = arg;
    CURL *easy = curl_easy_init();
    for (size_t i = 0; easy && rd->n < MAX_READS && !rd->fail[0]; i++) {
        if (atomic_load(&rd->cx->writers_left) == 0)
            break;
        S_read_one(rd, easy, i % 2 == 0);
    }
    curl_easy_cleanup(easy);
    return NULL;
}

/* The delete's versions, which a 204 does not carry, from the revision history. */
static void S_fill_delete_versions(struct ctx *cx, struct write_log *log)
{
    struct db_conn *c = NULL;
    assert_int_equal(db_open(cx->ts.db_path, true, &c), APP_OK);
    sqlite3_stmt *st = NULL;
    static const char SQL[] = "SELECT dataset_version FROM revision WHERE resource = 'claim' AND "
                              "action = 'delete' ORDER BY seq";
    assert_int_equal(db_stmt(c, SQL, &st), APP_OK);
    for (size_t i = 0; i < log->n; i++) {
        if (log->delta[i] != -1)
            continue;
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        log->version[i] = (uint64_t)sqlite3_column_int64(st, 0);
        assert_true(log->version[i] > log->version[i - 1]);
    }
    sqlite3_reset(st);
    db_close(c);
}

static void test_reads_describe_one_version(void **state)
{
    (void)state;
    struct ctx *cx = calloc(1, sizeof *cx);
    assert_non_null(cx);
    char err[256];
    if (test_server_start(&cx->ts, (const char *const[]){"--threads", "4", NULL}, err,
                          sizeof err) != 0)
        fail_msg("server: %s", err);
    char hex[65], now[32];
    sha256_hex(TOKEN, strlen(TOKEN), hex);
    log_now_iso(now, sizeof now);
    struct db_conn *w = NULL;
    assert_int_equal(db_pool_writer(&cx->ts.app->db, &w), APP_OK);
    assert_int_equal(token_repo_create(w, "consistency", hex, "admin", now), APP_OK);
    db_pool_writer_release(&cx->ts.app->db);

    /* The state before any write: the curated note and count at the starting version. */
    struct reader base = {.cx = cx};
    base.reads = calloc(2, sizeof *base.reads);
    assert_non_null(base.reads);
    CURL *easy = curl_easy_init();
    assert_non_null(easy);
    S_read_one(&base, easy, true);
    S_read_one(&base, easy, false);
    curl_easy_cleanup(easy);
    assert_string_equal(base.fail, "");
    long long count0 = base.reads[0].total;
    uint64_t v0 = base.reads[0].version;
    assert_true(count0 > 0);
    assert_int_equal(base.reads[1].note, -1);

    struct writer wr[2] = {{.cx = cx, .adds = false}, {.cx = cx, .adds = true}};
    struct reader rd[READERS];
    pthread_t wt[2], rt[READERS];
    atomic_store(&cx->writers_left, 2);
    for (size_t i = 0; i < READERS; i++) {
        rd[i] = (struct reader){.cx = cx};
        rd[i].reads = calloc(MAX_READS, sizeof *rd[i].reads);
        assert_non_null(rd[i].reads);
        assert_int_equal(pthread_create(&rt[i], NULL, S_reader, &rd[i]), 0);
    }
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&wt[i], NULL, S_writer, &wr[i]), 0);
    for (size_t i = 0; i < 2; i++)
        pthread_join(wt[i], NULL);
    for (size_t i = 0; i < READERS; i++)
        pthread_join(rt[i], NULL);
    S_fill_delete_versions(cx, &wr[1].log);
    test_server_stop(&cx->ts);
    assert_string_equal(wr[0].log.fail, "");
    assert_string_equal(wr[1].log.fail, "");
    assert_int_equal(wr[0].log.n, WRITES);
    assert_int_equal(wr[1].log.n, 2 * WRITES);

    size_t checked = 0, single = 0, lists = 0;
    for (size_t i = 0; i < READERS; i++) {
        assert_string_equal(rd[i].fail, "");
        for (size_t k = 0; k < rd[i].n; k++) {
            const struct read_log *e = &rd[i].reads[k];
            assert_true(e->version >= v0);
            if (e->list) {
                /* The counts of one response agree, and are those of the tag's version. */
                long long want = count0;
                for (size_t m = 0; m < wr[1].log.n; m++) {
                    if (wr[1].log.version[m] <= e->version)
                        want += wr[1].log.delta[m];
                }
                if (e->len != e->total || e->header != e->total || e->total != want)
                    fail_msg("GET /v1/claims?limit=1000 tagged version %llu: %lld items, "
                             "meta.total %lld, X-Total-Count %lld; that version has %lld",
                             (unsigned long long)e->version, e->len, e->total, e->header, want);
                lists++;
            } else {
                /* The note is the one the last write at or before the tag's version set. */
                int want = -1;
                for (size_t m = 0; m < wr[0].log.n; m++) {
                    if (wr[0].log.version[m] <= e->version)
                        want = wr[0].log.note[m];
                }
                if (e->note != want)
                    fail_msg("GET /v1/claims/" CLAIM " tagged version %llu carries note %d; "
                             "that version has note %d",
                             (unsigned long long)e->version, e->note, want);
                single++;
            }
            checked++;
        }
    }
    assert_true(single > 0);
    assert_true(lists > 0);
    assert_true(checked == single + lists);
    print_message("%zu single and %zu list reads checked\n", single, lists);
    free(base.reads);
    for (size_t i = 0; i < READERS; i++)
        free(rd[i].reads);
    free(cx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_describe_one_version),
    };
    return cmocka_run_group_tests(tests, th_curl_group_setup, th_curl_group_teardown);
}
