/*
 * The curated evidence base, checked in the built database (MARSAD_TEST_DB,
 * opened read-only) against the rules of db/seed/README.md and the files under
 * db/sources/. Each check collects every offending record, prints them, and
 * fails once with their count, so one run names everything that is wrong.
 */
#include "buf.h"
#include "pdate.h"
#include "sha256.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAIN_SOURCES   5
#define MIN_CLAIMS     150
#define MOHAMMED_NOTES 28
#define MAX_LISTED     200

struct ctx {
    sqlite3 *db;
    const char *db_path;
    const char *bin;
    bool curated; /* the curated seed (counts of its documents apply), not a generated one */
};

/* ---- violations: collected, printed, then one failure -------------------- */

struct viol {
    struct buf b;
    size_t n;
};

static void V_init(struct viol *v)
{
    buf_init(&v->b);
    v->n = 0;
}

static void V_add(struct viol *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void V_add(struct viol *v, const char *fmt, ...)
{
    v->n++;
    if (v->n > MAX_LISTED)
        return;
    char line[640];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        line[0] = '\0';
    buf_puts(&v->b, "    ");
    buf_puts(&v->b, line);
    buf_putc(&v->b, '\n');
}

/* Prints the violations under a title and frees them; returns their number. */
static size_t V_done(struct viol *v, const char *title)
{
    size_t n = v->n;
    if (n) {
        printf("[data] %s: %zu violation(s):\n%s", title, n, buf_str(&v->b));
        if (n > MAX_LISTED)
            printf("    ... and %zu more\n", n - MAX_LISTED);
        fflush(stdout);
    }
    buf_free(&v->b);
    v->n = 0;
    return n;
}

/* ---- small helpers ------------------------------------------------------- */

static sqlite3_stmt *S_prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        printf("[data] SQL error: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* The first column of the first row as an integer; -1 on error or no row. */
static sqlite3_int64 S_scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = S_prep(db, sql);
    sqlite3_int64 v = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *S_col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static bool S_null(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL;
}

static size_t S_bytes(sqlite3_stmt *st, int i)
{
    int n = sqlite3_column_bytes(st, i);
    return n > 0 ? (size_t)n : 0;
}

/* Whole file into a NUL-terminated allocation; NULL when it cannot be read. */
static char *S_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    bool err = ferror(f) != 0;
    fclose(f);
    if (err || b.oom) {
        buf_free(&b);
        return NULL;
    }
    if (b.len == 0) {
        *len = 0;
        return calloc(1, 1);
    }
    return buf_steal(&b, len);
}

/* Strict UTF-8: one code point at s[i..n); its length in bytes, 0 when invalid. */
static size_t U_next(const unsigned char *s, size_t n, size_t i, uint32_t *cp)
{
    unsigned char c = s[i];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1Fu;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0Fu;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n - i < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i + k] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/*
 * Byte offset of every code point of s, plus n at the end: (*count + 1)
 * entries. NULL when s is not valid UTF-8 (*bad_at is the byte offset) or on
 * allocation failure (*bad_at is n).
 */
static size_t *U_offsets(const char *s, size_t n, size_t *count, size_t *bad_at)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t *off = malloc((n + 1) * sizeof *off);
    *count = 0;
    *bad_at = n;
    if (!off)
        return NULL;
    size_t i = 0, k = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = U_next(u, n, i, &cp);
        if (!len) {
            *bad_at = i;
            free(off);
            return NULL;
        }
        off[k++] = i;
        i += len;
    }
    off[k] = n;
    *count = k;
    return off;
}

/* A short printable excerpt of s (for messages). */
static const char *S_excerpt(const char *s, size_t n, char out[72])
{
    size_t k = n < 60 ? n : 60;
    memcpy(out, s, k);
    out[k] = '\0';
    for (size_t i = 0; i < k; i++) {
        if (out[i] == '\n' || out[i] == '\r' || out[i] == '\t')
            out[i] = ' ';
    }
    if (n > k)
        memcpy(out + k, "...", 4);
    return out;
}

static bool S_canonical_date(const char *s, struct pdate *d)
{
    char back[16];
    return pdate_parse(s, d) && pdate_format(d, back, sizeof back) && strcmp(back, s) == 0;
}

/* ---- setup --------------------------------------------------------------- */

static int group_setup(void **state)
{
    static struct ctx C;
    C.db_path = getenv("MARSAD_TEST_DB");
    C.bin = getenv("MARSAD_BIN");
    C.curated = true;
    if (!C.db_path || !*C.db_path) {
        printf("[data] MARSAD_TEST_DB is not set (run through `make test-run`)\n");
        return -1;
    }
    if (sqlite3_open_v2(C.db_path, &C.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        printf("[data] cannot open %s: %s\n", C.db_path, C.db ? sqlite3_errmsg(C.db) : "?");
        sqlite3_close(C.db);
        C.db = NULL;
        return -1;
    }
    *state = &C;
    return 0;
}

static int group_teardown(void **state)
{
    struct ctx *C = *state;
    if (C && C->db)
        sqlite3_close(C->db);
    if (C)
        C->db = NULL;
    return 0;
}

/*
 * The generator (marsad-synth, the benchmark's databases) is held to the same data
 * invariants as the curated seed: a database of GENERATED_CLAIMS claims in a temporary
 * directory, checked by the general checks below (those that do not count the curated
 * documents).
 */
#define GENERATED_CLAIMS 3000
static char generated_dir[64];

static int generated_setup(void **state)
{
    static struct ctx G;
    memset(&G, 0, sizeof G);
    G.bin = getenv("MARSAD_SYNTH");
    if (!G.bin || !*G.bin) {
        printf("[generated] MARSAD_SYNTH is not set (run through `make test-run`)\n");
        return -1;
    }
    snprintf(generated_dir, sizeof generated_dir, "/tmp/marsad-generated-XXXXXX");
    if (!mkdtemp(generated_dir))
        return -1;
    static char path[128];
    snprintf(path, sizeof path, "%s/generated.db", generated_dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' --claims %d --out '%s' --seed 7 >/dev/null", G.bin,
             GENERATED_CLAIMS, path);
    int rc = system(cmd);
    if (rc != 0 || sqlite3_open_v2(path, &G.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        printf("[generated] %s failed (%d)\n", cmd, rc);
        return -1;
    }
    G.db_path = path;
    *state = &G;
    return 0;
}

static int generated_teardown(void **state)
{
    group_teardown(state);
    char path[128];
    snprintf(path, sizeof path, "%s/generated.db", generated_dir);
    unlink(path);
    rmdir(generated_dir);
    return 0;
}

/* ---- 0. the test's own tools --------------------------------------------- */

static void test_utf8_decoder_and_sha256(void **state)
{
    (void)state;
    /* a, e-acute (2 bytes), euro (3 bytes), emoji (4 bytes) */
    static const char ok[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
    size_t n = 0, bad = 0;
    size_t *off = U_offsets(ok, sizeof ok - 1, &n, &bad);
    assert_non_null(off);
    size_t want[] = {0, 1, 3, 6, 10};
    bool same = n == 4;
    for (size_t i = 0; same && i < 5; i++)
        same = off[i] == want[i];
    free(off);
    assert_true(same);

    static const char *const invalid[] = {"\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                          "\xE2\x82", "\x80",         "ab\xFF"};
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
        off = U_offsets(invalid[i], strlen(invalid[i]), &n, &bad);
        bool rejected = off == NULL;
        free(off);
        assert_true(rejected);
    }

    /* FIPS 180-2 test vector: the seed uses the same code, so prove it first. */
    char hex[65];
    sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* ---- 1. quotes and offsets ----------------------------------------------- */

static void test_quotes_match_offsets(void **state)
{
    struct ctx *C = *state;
    sqlite3_stmt *st = S_prep(C->db, "SELECT c.id, c.source_seq, c.quote, c.quote_start, "
                                     "c.quote_end, c.byte_start, c.byte_end, t.body "
                                     "FROM claim c LEFT JOIN source_text t "
                                     "ON t.source_seq = c.source_seq ORDER BY c.source_seq, c.seq");
    assert_non_null(st);
    struct viol v;
    V_init(&v);
    sqlite3_int64 cur = -1;
    size_t *off = NULL, nchars = 0;
    bool cur_bad = false;
    size_t claims = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        claims++;
        const char *id = S_col(st, 0);
        sqlite3_int64 seq = sqlite3_column_int64(st, 1);
        const char *quote = S_col(st, 2);
        size_t qlen = S_bytes(st, 2);
        sqlite3_int64 q0 = sqlite3_column_int64(st, 3), q1 = sqlite3_column_int64(st, 4);
        sqlite3_int64 b0 = sqlite3_column_int64(st, 5), b1 = sqlite3_column_int64(st, 6);
        if (S_null(st, 7)) {
            V_add(&v, "%s: its source has no stored text", id);
            continue;
        }
        const char *body = S_col(st, 7);
        size_t blen = S_bytes(st, 7);
        if (seq != cur) {
            free(off);
            size_t bad = 0;
            off = U_offsets(body, blen, &nchars, &bad);
            cur = seq;
            cur_bad = off == NULL;
            if (cur_bad)
                V_add(&v, "%s: stored text of source seq %lld is not valid UTF-8 at byte %zu", id,
                      (long long)seq, bad);
        }
        if (cur_bad || !quote)
            continue;
        /* bytes */
        if (b0 < 0 || b1 < b0 || (size_t)b1 > blen) {
            V_add(&v, "%s: byte range [%lld, %lld) outside the text (%zu bytes)", id, (long long)b0,
                  (long long)b1, blen);
        } else if ((size_t)(b1 - b0) != qlen || memcmp(body + b0, quote, qlen) != 0) {
            char ex[72];
            V_add(&v, "%s: text bytes [%lld, %lld) are \"%s\", not the quote", id, (long long)b0,
                  (long long)b1, S_excerpt(body + b0, (size_t)(b1 - b0), ex));
        }
        /* code points */
        if (q0 < 0 || q1 <= q0 || (size_t)q1 > nchars) {
            V_add(&v, "%s: code point range [%lld, %lld) outside the text (%zu code points)", id,
                  (long long)q0, (long long)q1, nchars);
            continue;
        }
        size_t c0 = off[q0], c1 = off[q1];
        if (c1 - c0 != qlen || memcmp(body + c0, quote, qlen) != 0) {
            char ex[72];
            V_add(&v, "%s: text code points [%lld, %lld) are \"%s\", not the quote", id,
                  (long long)q0, (long long)q1, S_excerpt(body + c0, c1 - c0, ex));
        } else if ((sqlite3_int64)c0 != b0 || (sqlite3_int64)c1 != b1) {
            V_add(&v, "%s: code point offsets give bytes [%zu, %zu), stored [%lld, %lld)", id, c0,
                  c1, (long long)b0, (long long)b1);
        }
    }
    free(off);
    sqlite3_finalize(st);
    size_t bad = V_done(&v, "quotes vs stored text");
    assert_true(claims > 0);
    assert_int_equal(bad, 0);
}

/* ---- 2. stored text digests and sizes ------------------------------------ */

static void test_text_sha256_and_sizes(void **state)
{
    struct ctx *C = *state;
    struct viol v;
    V_init(&v);
    sqlite3_stmt *st =
        S_prep(C->db, "SELECT s.id, t.body, t.sha256, t.chars, t.bytes FROM source_text t "
                      "JOIN source s ON s.seq = t.source_seq ORDER BY s.seq");
    assert_non_null(st);
    size_t texts = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        texts++;
        const char *id = S_col(st, 0);
        const char *body = S_col(st, 1);
        size_t blen = S_bytes(st, 1);
        const char *sha = S_col(st, 2);
        sqlite3_int64 chars = sqlite3_column_int64(st, 3);
        sqlite3_int64 bytes = sqlite3_column_int64(st, 4);
        char hex[65];
        sha256_hex(body ? body : "", blen, hex);
        if (!sha || strcmp(hex, sha) != 0)
            V_add(&v, "%s: sha256 is %s, stored %s", id, hex, sha ? sha : "(null)");
        if ((sqlite3_int64)blen != bytes)
            V_add(&v, "%s: body has %zu bytes, stored %lld", id, blen, (long long)bytes);
        size_t n = 0, bad = 0;
        size_t *off = U_offsets(body ? body : "", blen, &n, &bad);
        if (!off)
            V_add(&v, "%s: body is not valid UTF-8 at byte %zu", id, bad);
        else if ((sqlite3_int64)n != chars)
            V_add(&v, "%s: body has %zu code points, stored %lld", id, n, (long long)chars);
        free(off);
    }
    sqlite3_finalize(st);
    /* Every document (not a cited work) has its stored text. */
    st = S_prep(C->db, "SELECT id FROM source s WHERE kind <> 'cited' AND NOT EXISTS "
                       "(SELECT 1 FROM source_text t WHERE t.source_seq = s.seq) ORDER BY seq");
    assert_non_null(st);
    while (sqlite3_step(st) == SQLITE_ROW)
        V_add(&v, "%s: document without a stored text", S_col(st, 0));
    sqlite3_finalize(st);
    size_t bad = V_done(&v, "stored text digests");
    if (C->curated)
        assert_int_equal(texts, MAIN_SOURCES);
    assert_true(texts > 0);
    assert_int_equal(bad, 0);
}

/* ---- 3. stored texts are the originals minus furniture ------------------- */

/* The next line of s[*pos..n) (without '\n'); false at the end. */
static bool S_line(const char *s, size_t n, size_t *pos, const char **line, size_t *len)
{
    if (*pos >= n)
        return false;
    const char *nl = memchr(s + *pos, '\n', n - *pos);
    size_t end = nl ? (size_t)(nl - s) : n;
    *line = s + *pos;
    *len = end - *pos;
    *pos = end + 1;
    return true;
}

static bool S_contains(const char *hay, size_t hn, const char *needle, size_t nn)
{
    if (nn == 0)
        return true;
    for (size_t i = 0; i + nn <= hn; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nn) == 0)
            return true;
    }
    return false;
}

static void S_check_derived(struct viol *v, const char *id, const char *body, size_t blen)
{
    char spath[512], opath[512];
    int a = snprintf(spath, sizeof spath, "db/sources/%s.txt", id);
    int b = snprintf(opath, sizeof opath, "db/sources/original/%s.txt", id);
    if (a < 0 || (size_t)a >= sizeof spath || b < 0 || (size_t)b >= sizeof opath) {
        V_add(v, "%s: id too long for a path", id);
        return;
    }
    size_t slen = 0, olen = 0;
    char *stored = S_slurp(spath, &slen);
    char *orig = S_slurp(opath, &olen);
    if (!stored)
        V_add(v, "%s: cannot read %s (tests run from the repo root)", id, spath);
    if (!orig)
        V_add(v, "%s: cannot read %s", id, opath);
    if (stored && (slen != blen || memcmp(stored, body, blen) != 0))
        V_add(v, "%s: database body (%zu bytes) differs from %s (%zu bytes)", id, blen, spath,
              slen);
    if (stored && orig) {
        /* Greedy in-order embedding: each stored line uses up one original line. */
        size_t sp = 0, op = 0, sline = 0;
        const char *s, *o;
        size_t sn, on;
        while (S_line(stored, slen, &sp, &s, &sn)) {
            sline++;
            bool found = false;
            while (!found && S_line(orig, olen, &op, &o, &on))
                found = S_contains(o, on, s, sn);
            if (!found) {
                char ex[72];
                V_add(v, "%s: stored line %zu (\"%s\") is not in a later line of the original", id,
                      sline, S_excerpt(s, sn, ex));
                break;
            }
        }
        if (sline == 0)
            V_add(v, "%s: stored text is empty", id);
    }
    free(stored);
    free(orig);
}

static void test_texts_derived_from_originals(void **state)
{
    struct ctx *C = *state;
    struct viol v;
    V_init(&v);
    sqlite3_stmt *st = S_prep(C->db, "SELECT s.id, t.body FROM source_text t "
                                     "JOIN source s ON s.seq = t.source_seq ORDER BY s.seq");
    assert_non_null(st);
    size_t texts = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        texts++;
        const char *body = S_col(st, 1);
        S_check_derived(&v, S_col(st, 0), body ? body : "", S_bytes(st, 1));
    }
    sqlite3_finalize(st);
    size_t bad = V_done(&v, "stored texts vs originals");
    assert_int_equal(texts, MAIN_SOURCES);
    assert_int_equal(bad, 0);
}

/* ---- 4. numeric claims --------------------------------------------------- */

static void S_check_metric_claim(struct viol *v, sqlite3_stmt *st)
{
    const char *id = S_col(st, 0);
    const char *metric = S_col(st, 1);
    const char *munit = S_col(st, 2);
    bool is_date = strcmp(S_col(st, 3), "date") == 0;
    const char *unit = S_col(st, 4);
    const char *bound = S_col(st, 5);
    bool hv = !S_null(st, 6), hl = !S_null(st, 7), hu = !S_null(st, 8);
    double val = sqlite3_column_double(st, 6);
    double lo = sqlite3_column_double(st, 7);
    double up = sqlite3_column_double(st, 8);
    const char *vdate = S_col(st, 9);
    const char *vague = S_col(st, 10);

    if (!unit || strcmp(unit, munit) != 0)
        V_add(v, "%s: unit '%s' is not the unit '%s' of metric %s", id, unit ? unit : "(null)",
              munit, metric);
    if (!bound) {
        V_add(v, "%s: metric %s without a bound", id, metric);
        return;
    }
    if (is_date) {
        struct pdate d;
        if (!vdate)
            V_add(v, "%s: date metric %s without a value_date", id, metric);
        else if (!S_canonical_date(vdate, &d))
            V_add(v, "%s: value_date '%s' is not a canonical partial date", id, vdate);
        if (hv || hl || hu)
            V_add(v, "%s: date metric %s with a numeric value/lower/upper", id, metric);
    } else if (vdate) {
        V_add(v, "%s: number metric %s with a value_date '%s'", id, metric, vdate);
    }
    if (vague && strcmp(bound, "vague") != 0)
        V_add(v, "%s: vague_term '%s' with bound '%s'", id, vague, bound);

    if (strcmp(bound, "exact") == 0 || strcmp(bound, "approx") == 0) {
        if (!is_date && !hv)
            V_add(v, "%s: bound %s without a value", id, bound);
    } else if (strcmp(bound, "at_least") == 0 || strcmp(bound, "more_than") == 0) {
        if (!is_date && !(hv && hl && lo == val))
            V_add(v, "%s: bound %s needs lower = value", id, bound);
    } else if (strcmp(bound, "up_to") == 0 || strcmp(bound, "less_than") == 0 ||
               strcmp(bound, "almost") == 0) {
        if (!is_date && !(hv && hu && up == val))
            V_add(v, "%s: bound %s needs upper = value", id, bound);
    } else if (strcmp(bound, "range") == 0) {
        if (!(hl && hu) && !(is_date && vdate))
            V_add(v, "%s: bound range needs lower and upper", id);
    } else if (strcmp(bound, "vague") == 0) {
        if (hv || hl || hu)
            V_add(v, "%s: bound vague with a number", id);
        if (!vague || !*vague)
            V_add(v, "%s: bound vague without a vague_term", id);
    } else {
        V_add(v, "%s: unknown bound '%s'", id, bound);
    }
    if (hl && hv && !(lo <= val))
        V_add(v, "%s: lower %g > value %g", id, lo, val);
    if (hv && hu && !(val <= up))
        V_add(v, "%s: value %g > upper %g", id, val, up);
    if (hl && hu && !(lo <= up))
        V_add(v, "%s: lower %g > upper %g", id, lo, up);
}

static void test_numeric_claims(void **state)
{
    struct ctx *C = *state;
    struct viol v;
    V_init(&v);
    sqlite3_stmt *st = S_prep(C->db, "SELECT c.id, m.id, m.unit, m.value_type, c.unit, c.bound, "
                                     "c.value, c.lower, c.upper, c.value_date, c.vague_term "
                                     "FROM claim c JOIN metric m ON m.seq = c.metric_seq "
                                     "ORDER BY c.seq");
    assert_non_null(st);
    size_t numeric = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        numeric++;
        S_check_metric_claim(&v, st);
    }
    sqlite3_finalize(st);
    st = S_prep(C->db, "SELECT id, value IS NOT NULL, lower IS NOT NULL, upper IS NOT NULL, "
                       "bound IS NOT NULL, unit IS NOT NULL, vague_term IS NOT NULL, "
                       "value_date IS NOT NULL FROM claim WHERE metric_seq IS NULL ORDER BY seq");
    assert_non_null(st);
    static const char *const what[] = {"value", "lower",      "upper",     "bound",
                                       "unit",  "vague_term", "value_date"};
    size_t plain = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        plain++;
        for (int i = 0; i < 7; i++) {
            if (sqlite3_column_int(st, i + 1))
                V_add(&v, "%s: no metric but has a %s", S_col(st, 0), what[i]);
        }
    }
    sqlite3_finalize(st);
    size_t bad = V_done(&v, "numeric claims");
    assert_true(numeric > 0);
    assert_true(plain > 0);
    assert_int_equal(bad, 0);
}

/* ---- 5. references ------------------------------------------------------- */

static void S_rows(struct viol *v, sqlite3 *db, const char *sql, const char *fmt_what)
{
    sqlite3_stmt *st = S_prep(db, sql);
    if (!st) {
        V_add(v, "query failed: %s", sql);
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        char row[400];
        size_t len = 0;
        row[0] = '\0';
        for (int i = 0; i < sqlite3_column_count(st) && len < sizeof row; i++) {
            const char *t = S_col(st, i);
            int n = snprintf(row + len, sizeof row - len, "%s%s", i ? " | " : "", t ? t : "NULL");
            if (n < 0)
                break;
            len += (size_t)n;
        }
        V_add(v, "%s: %s", fmt_what, row);
    }
    sqlite3_finalize(st);
}

static void test_references_resolve(void **state)
{
    struct ctx *C = *state;
    struct viol v;
    V_init(&v);
    S_rows(&v, C->db, "PRAGMA foreign_key_check", "foreign key broken (table, rowid, parent, fk)");
    S_rows(&v, C->db,
           "SELECT coalesce(c.id, '#' || ct.claim_seq), ct.topic_id FROM claim_topic ct "
           "LEFT JOIN claim c ON c.seq = ct.claim_seq LEFT JOIN topic t ON t.id = ct.topic_id "
           "WHERE t.id IS NULL OR c.id IS NULL ORDER BY ct.claim_seq",
           "claim_topic with an unknown claim or topic");
    S_rows(&v, C->db,
           "SELECT id FROM claim c WHERE NOT EXISTS "
           "(SELECT 1 FROM claim_topic ct WHERE ct.claim_seq = c.seq) ORDER BY seq",
           "claim without a topic");
    S_rows(&v, C->db,
           "SELECT ci.citing_seq, ci.cited_seq, ci.label FROM citation ci "
           "WHERE NOT EXISTS (SELECT 1 FROM source s WHERE s.seq = ci.citing_seq) "
           "OR NOT EXISTS (SELECT 1 FROM source s WHERE s.seq = ci.cited_seq) "
           "ORDER BY 1, 3",
           "citation with a missing endpoint (citing, cited, label)");
    S_rows(&v, C->db,
           "SELECT id FROM source s WHERE kind = 'cited' AND NOT EXISTS "
           "(SELECT 1 FROM citation ci WHERE ci.cited_seq = s.seq) ORDER BY seq",
           "cited work that no source cites");
    sqlite3_int64 cites = S_scalar(C->db, "SELECT count(*) FROM citation");
    size_t bad = V_done(&v, "references");
    assert_true(cites > 0);
    assert_int_equal(bad, 0);
}

/* ---- 6. duplicates and ids ----------------------------------------------- */

static void test_no_duplicates_and_id_prefixes(void **state)
{
    struct ctx *C = *state;
    struct viol v;
    V_init(&v);
    S_rows(&v, C->db,
           "SELECT group_concat(id, ', ') FROM (SELECT id, source_seq, quote, metric_seq, "
           "statement FROM claim ORDER BY seq) GROUP BY source_seq, quote, metric_seq, statement "
           "HAVING count(*) > 1",
           "claims with the same source, quote, metric and statement");
    S_rows(&v, C->db, "SELECT id, count(*) FROM claim GROUP BY id HAVING count(*) > 1",
           "claim id used more than once");
    sqlite3_stmt *st = S_prep(C->db, "SELECT c.id, s.id, s.prefix FROM claim c "
                                     "JOIN source s ON s.seq = c.source_seq ORDER BY c.seq");
    assert_non_null(st);
    size_t claims = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        claims++;
        const char *id = S_col(st, 0);
        const char *prefix = S_col(st, 2);
        if (!prefix) {
            V_add(&v, "%s: source %s has no prefix", id, S_col(st, 1));
            continue;
        }
        size_t pl = strlen(prefix);
        const char *rest = id + pl + 1;
        bool ok = strncmp(id, prefix, pl) == 0 && id[pl] == '-' && *rest;
        for (const char *p = rest; ok && *p; p++)
            ok = *p >= '0' && *p <= '9';
        if (!ok)
            V_add(&v, "%s: id is not '%s-' followed by digits (source %s)", id, prefix,
                  S_col(st, 1));
    }
    sqlite3_finalize(st);
    size_t bad = V_done(&v, "duplicates and ids");
    assert_true(claims > 0);
    assert_int_equal(bad, 0);
}

/* ---- 7. every program has a claim ---------------------------------------- */

static void test_every_program_has_a_claim(void **state)
{
    struct ctx *C = *state;
    struct viol v;
    V_init(&v);
    S_rows(&v, C->db,
           "SELECT p.id FROM program p WHERE NOT EXISTS "
           "(SELECT 1 FROM claim c WHERE c.subject_program_seq = p.seq) AND NOT EXISTS "
           "(SELECT 1 FROM claim_mention m WHERE m.program_seq = p.seq) ORDER BY p.seq",
           "program without any claim");
    sqlite3_int64 programs = S_scalar(C->db, "SELECT count(*) FROM program");
    size_t bad = V_done(&v, "programs without claims");
    assert_true(programs > 0);
    assert_int_equal(bad, 0);
}

/* ---- 8. time windows ----------------------------------------------------- */

static void test_time_windows(void **state)
{
    struct ctx *C = *state;
    struct viol v;
    V_init(&v);
    sqlite3_stmt *st = S_prep(C->db, "SELECT id, as_of, period_start, period_end, time_start, "
                                     "time_end FROM claim ORDER BY seq");
    assert_non_null(st);
    size_t dated = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = S_col(st, 0);
        const char *as_of = S_col(st, 1), *p0 = S_col(st, 2), *p1 = S_col(st, 3);
        bool ht0 = !S_null(st, 4), ht1 = !S_null(st, 5);
        sqlite3_int64 t0 = sqlite3_column_int64(st, 4), t1 = sqlite3_column_int64(st, 5);
        struct pdate a, b;
        if (as_of && (p0 || p1)) {
            V_add(&v, "%s: both as_of and period", id);
            continue;
        }
        if (!p0 != !p1) {
            V_add(&v, "%s: period has only one end", id);
            continue;
        }
        if (!as_of && !p0) {
            if (ht0 || ht1)
                V_add(&v, "%s: time window without as_of or period", id);
            continue;
        }
        dated++;
        int64_t w0, w1;
        if (as_of) {
            if (!S_canonical_date(as_of, &a)) {
                V_add(&v, "%s: as_of '%s' is not a canonical partial date", id, as_of);
                continue;
            }
            w0 = pdate_first_day(&a);
            w1 = pdate_last_day(&a);
        } else {
            if (!S_canonical_date(p0, &a) || !S_canonical_date(p1, &b)) {
                V_add(&v, "%s: period ['%s', '%s'] is not two canonical partial dates", id, p0, p1);
                continue;
            }
            w0 = pdate_first_day(&a);
            w1 = pdate_last_day(&b);
            if (w0 > w1)
                V_add(&v, "%s: period ['%s', '%s'] ends before it starts", id, p0, p1);
        }
        if (!ht0 || !ht1 || t0 != w0 || t1 != w1)
            V_add(&v, "%s: time window [%s, %s] is not the date window [%lld, %lld]", id,
                  ht0 ? "set" : "NULL", ht1 ? "set" : "NULL", (long long)w0, (long long)w1);
    }
    sqlite3_finalize(st);
    size_t bad = V_done(&v, "time windows");
    assert_true(dated > 0);
    assert_int_equal(bad, 0);
}

/* ---- 9. counts ----------------------------------------------------------- */

static void test_counts(void **state)
{
    struct ctx *C = *state;
    struct viol v;
    V_init(&v);
    sqlite3_int64 claims = S_scalar(C->db, "SELECT count(*) FROM claim");
    if (claims < MIN_CLAIMS)
        V_add(&v, "only %lld claims (want at least %d)", (long long)claims, MIN_CLAIMS);
    sqlite3_int64 docs = S_scalar(C->db, "SELECT count(*) FROM source WHERE kind <> 'cited'");
    if (docs != MAIN_SOURCES)
        V_add(&v, "%lld documents (want %d)", (long long)docs, MAIN_SOURCES);
    S_rows(&v, C->db,
           "SELECT id FROM source s WHERE kind <> 'cited' AND NOT EXISTS "
           "(SELECT 1 FROM claim c WHERE c.source_seq = s.seq) ORDER BY seq",
           "document without claims");

    /* mohammed-2020-counterterrorism: notes 1..28, every one a citation. */
    sqlite3_stmt *st = S_prep(C->db, "SELECT DISTINCT ci.label FROM citation ci "
                                     "JOIN source s ON s.seq = ci.citing_seq "
                                     "WHERE s.id = 'mohammed-2020-counterterrorism'");
    assert_non_null(st);
    bool seen[MOHAMMED_NOTES + 1] = {false};
    size_t labels = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        labels++;
        const char *l = S_col(st, 0);
        char *end = NULL;
        long n = l ? strtol(l, &end, 10) : 0;
        if (!l || end == l || *end || n < 1 || n > MOHAMMED_NOTES)
            V_add(&v, "mohammed-2020-counterterrorism: citation label '%s' is not a note 1..%d",
                  l ? l : "(null)", MOHAMMED_NOTES);
        else
            seen[n] = true;
    }
    sqlite3_finalize(st);
    for (int n = 1; n <= MOHAMMED_NOTES; n++) {
        if (!seen[n])
            V_add(&v, "mohammed-2020-counterterrorism: note %d has no citation", n);
    }
    size_t bad = V_done(&v, "counts");
    assert_int_equal(labels, MOHAMMED_NOTES);
    assert_int_equal(bad, 0);
}

/* ---- 10. determinism ----------------------------------------------------- */

/* Runs cmd through the shell; its stdout into *out (malloc'd). True on exit 0. */
static bool S_run(const char *cmd, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *p = popen(cmd, "r");
    if (!p)
        return false;
    struct buf b;
    buf_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_append(&b, chunk, n);
    int status = pclose(p);
    bool ok = !b.oom && status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok)
        printf("[data] command failed (status %d): %s\n%s\n", status, cmd, buf_str(&b));
    *out = buf_steal(&b, len);
    return ok;
}

static bool S_quotable(const char *s)
{
    return s && *s && !strchr(s, '\'');
}

static bool S_build_and_dump(const char *bin, const char *db, char **dump, size_t *len)
{
    char cmd[8400];
    char *junk = NULL;
    size_t jlen = 0;
    *dump = NULL;
    *len = 0;
    int n = snprintf(cmd, sizeof cmd, "'%s' build-db --out '%s' 2>&1", bin, db);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return false;
    bool ok = S_run(cmd, &junk, &jlen);
    free(junk);
    if (!ok)
        return false;
    n = snprintf(cmd, sizeof cmd, "sqlite3 -readonly '%s' .dump", db);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return false;
    return S_run(cmd, dump, len);
}

static void test_build_is_deterministic(void **state)
{
    struct ctx *C = *state;
    assert_true(S_quotable(C->bin));
    assert_true(S_quotable(C->db_path));
    const char *tmpdir = getenv("TMPDIR");
    char dir[4096];
    int n =
        snprintf(dir, sizeof dir, "%s/marsad-data-XXXXXX", S_quotable(tmpdir) ? tmpdir : "/tmp");
    assert_true(n > 0 && (size_t)n < sizeof dir);
    assert_non_null(mkdtemp(dir));
    char a[4200], tmp[4300];
    snprintf(a, sizeof a, "%s/a.db", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", a);

    char *d1 = NULL, *d2 = NULL, *d3 = NULL;
    size_t l1 = 0, l2 = 0, l3 = 0;
    bool ok1 = S_build_and_dump(C->bin, a, &d1, &l1);
    bool ok2 = ok1 && S_build_and_dump(C->bin, a, &d2, &l2); /* over the first one */
    char cmd[4400];
    n = snprintf(cmd, sizeof cmd, "sqlite3 -readonly '%s' .dump", C->db_path);
    bool ok3 = n > 0 && (size_t)n < sizeof cmd && S_run(cmd, &d3, &l3);

    bool same12 = ok2 && d1 && d2 && l1 == l2 && memcmp(d1, d2, l1) == 0;
    bool same13 = ok1 && ok3 && d1 && d3 && l1 == l3 && memcmp(d1, d3, l1) == 0;
    bool has_claims = ok1 && d1 && strstr(d1, "INSERT INTO claim") != NULL;
    if (ok2 && !same12)
        printf("[data] two builds dump differently (%zu vs %zu bytes)\n", l1, l2);
    if (ok1 && ok3 && !same13)
        printf("[data] a fresh build and %s dump differently (%zu vs %zu bytes)\n", C->db_path, l1,
               l3);
    free(d1);
    free(d2);
    free(d3);
    unlink(a);
    unlink(tmp);
    rmdir(dir);
    assert_true(ok1);
    assert_true(ok2);
    assert_true(ok3);
    assert_true(has_claims);
    assert_true(same12);
    assert_true(same13);
}

/* ---- 11. per-source table ------------------------------------------------ */

static void test_print_per_source_counts(void **state)
{
    struct ctx *C = *state;
    sqlite3_stmt *st = S_prep(C->db, "SELECT s.id, s.kind, count(c.seq), count(c.metric_seq), "
                                     "count(DISTINCT c.metric_seq) FROM source s "
                                     "LEFT JOIN claim c ON c.source_seq = s.seq "
                                     "GROUP BY s.seq ORDER BY s.seq");
    assert_non_null(st);
    printf("[data] claims per source\n");
    printf("  %-34s %-9s %7s %8s %8s\n", "source", "kind", "claims", "numeric", "metrics");
    sqlite3_int64 sum = 0, sum_numeric = 0;
    size_t rows = 0, cited = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *kind = S_col(st, 1);
        sqlite3_int64 nc = sqlite3_column_int64(st, 2);
        sum += nc;
        sum_numeric += sqlite3_column_int64(st, 3);
        if (kind && strcmp(kind, "cited") == 0 && nc == 0) {
            cited++;
            continue;
        }
        rows++;
        printf("  %-34s %-9s %7lld %8lld %8lld\n", S_col(st, 0), kind ? kind : "?", (long long)nc,
               (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4));
    }
    sqlite3_finalize(st);
    sqlite3_int64 metrics = S_scalar(
        C->db, "SELECT count(DISTINCT metric_seq) FROM claim WHERE metric_seq IS NOT NULL");
    printf("  %-34s %-9s %7lld %8lld %8lld\n", "total", "", (long long)sum, (long long)sum_numeric,
           (long long)metrics);
    printf("  (%zu cited works, no claims of their own)\n", cited);
    fflush(stdout);
    assert_int_equal(rows, MAIN_SOURCES);
    assert_int_equal(sum, S_scalar(C->db, "SELECT count(*) FROM claim"));
}

/* ---- 12. documented disagreements ---------------------------------------- */

static void test_disagreements_present(void **state)
{
    struct ctx *C = *state;
    struct viol v;
    V_init(&v);
    sqlite3_int64 y2016 = S_scalar(
        C->db, "SELECT count(*) FROM claim c JOIN metric m ON m.seq = c.metric_seq "
               "JOIN program p ON p.seq = c.subject_program_seq WHERE m.id = 'program_start_date' "
               "AND p.id = 'musalaha' AND substr(c.value_date, 1, 4) = '2016'");
    sqlite3_int64 y2017 = S_scalar(
        C->db, "SELECT count(*) FROM claim c JOIN metric m ON m.seq = c.metric_seq "
               "JOIN program p ON p.seq = c.subject_program_seq WHERE m.id = 'program_start_date' "
               "AND p.id = 'musalaha' AND substr(c.value_date, 1, 4) = '2017'");
    if (y2016 < 1)
        V_add(&v, "musalaha program_start_date: no claim dated 2016");
    if (y2017 < 1)
        V_add(&v, "musalaha program_start_date: no claim dated 2017");
    sqlite3_int64 ff = S_scalar(C->db, "SELECT count(DISTINCT c.source_seq) FROM claim c JOIN "
                                       "metric m ON m.seq = c.metric_seq "
                                       "WHERE m.id = 'foreign_fighters_departed'");
    if (ff < 4)
        V_add(&v, "foreign_fighters_departed: claims from %lld sources (want at least 4)",
              (long long)ff);
    sqlite3_int64 ip = S_scalar(C->db, "SELECT count(DISTINCT c.source_seq) FROM claim c JOIN "
                                       "metric m ON m.seq = c.metric_seq "
                                       "WHERE m.id = 'islamist_prisoners'");
    if (ip < 2)
        V_add(&v, "islamist_prisoners: claims from %lld sources (want at least 2)", (long long)ip);
    size_t bad = V_done(&v, "disagreements");
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_decoder_and_sha256),
        cmocka_unit_test(test_print_per_source_counts),
        cmocka_unit_test(test_quotes_match_offsets),
        cmocka_unit_test(test_text_sha256_and_sizes),
        cmocka_unit_test(test_texts_derived_from_originals),
        cmocka_unit_test(test_numeric_claims),
        cmocka_unit_test(test_references_resolve),
        cmocka_unit_test(test_no_duplicates_and_id_prefixes),
        cmocka_unit_test(test_every_program_has_a_claim),
        cmocka_unit_test(test_time_windows),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_build_is_deterministic),
        cmocka_unit_test(test_disagreements_present),
    };
    int failed = cmocka_run_group_tests_name("data", tests, group_setup, group_teardown);
    const struct CMUnitTest general[] = {
        cmocka_unit_test(test_quotes_match_offsets),
        cmocka_unit_test(test_text_sha256_and_sizes),
        cmocka_unit_test(test_numeric_claims),
        cmocka_unit_test(test_references_resolve),
        cmocka_unit_test(test_no_duplicates_and_id_prefixes),
        cmocka_unit_test(test_time_windows),
    };
    failed +=
        cmocka_run_group_tests_name("generated", general, generated_setup, generated_teardown);
    return failed;
}
