/*
 * Classes of curation error, checked mechanically in the built database
 * (MARSAD_TEST_DB, read-only) against each claim's quote and the stored text around
 * it. Each check lists every offending claim and fails once with their count.
 */
#define _GNU_SOURCE /* strcasestr */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static sqlite3 *db;
static size_t nviol;

static void V(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void V(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("    ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    nviol++;
}

static int setup(void **state)
{
    (void)state;
    const char *path = getenv("MARSAD_TEST_DB");
    if (!path || sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        printf("[audit] cannot open MARSAD_TEST_DB\n");
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sqlite3_close(db);
    return 0;
}

/* One claim with its quote's place in the stored text. */
struct claim {
    const char *id, *quote, *statement, *note, *bound, *metric, *metric_label, *kind;
    const char *value_date, *period_end, *footnote, *footnote_label, *footnote_scope;
    const char *source_published, *source_authors;
    bool has_value, has_lower, has_upper;
    double value, lower, upper;
    const char *text; /* the source's stored text */
    size_t text_len, b0, b1;
    int64_t source_seq;
};

static const char SQL_CLAIMS[] =
    "SELECT c.id, c.quote, c.statement, c.note, c.bound, m.id, m.label, c.kind, c.value_date, "
    "c.period_end, fn.id, (SELECT group_concat(label, ' ') FROM citation WHERE citing_seq = "
    "c.source_seq AND cited_seq = c.footnote_seq), c.footnote_scope, s.published, s.authors, "
    "c.value, c.lower, c.upper, t.body, c.byte_start, c.byte_end, c.source_seq FROM claim c JOIN "
    "source s ON s.seq = c.source_seq JOIN source_text t ON t.source_seq = c.source_seq LEFT JOIN "
    "metric m ON m.seq = c.metric_seq LEFT JOIN source fn ON fn.seq = c.footnote_seq WHERE "
    "c.deleted_at IS NULL ORDER BY c.seq";

typedef void (*claim_fn)(const struct claim *c);

static void S_each(claim_fn fn)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, SQL_CLAIMS, -1, &st, NULL), SQLITE_OK);
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct claim c = {0};
        int i = 0;
        const char **s[] = {&c.id,
                            &c.quote,
                            &c.statement,
                            &c.note,
                            &c.bound,
                            &c.metric,
                            &c.metric_label,
                            &c.kind,
                            &c.value_date,
                            &c.period_end,
                            &c.footnote,
                            &c.footnote_label,
                            &c.footnote_scope,
                            &c.source_published,
                            &c.source_authors};
        for (; i < 15; i++)
            *s[i] = (const char *)sqlite3_column_text(st, i);
        c.has_value = sqlite3_column_type(st, 15) != SQLITE_NULL;
        c.value = sqlite3_column_double(st, 15);
        c.has_lower = sqlite3_column_type(st, 16) != SQLITE_NULL;
        c.lower = sqlite3_column_double(st, 16);
        c.has_upper = sqlite3_column_type(st, 17) != SQLITE_NULL;
        c.upper = sqlite3_column_double(st, 17);
        c.text = (const char *)sqlite3_column_text(st, 18);
        c.text_len = (size_t)sqlite3_column_bytes(st, 18);
        c.b0 = (size_t)sqlite3_column_int64(st, 19);
        c.b1 = (size_t)sqlite3_column_int64(st, 20);
        c.source_seq = sqlite3_column_int64(st, 21);
        fn(&c);
        n++;
    }
    sqlite3_finalize(st);
    assert_true(n > 100);
}

/* A figure of the claim (value, lower or upper) equal to v. */
static bool S_is_figure(const struct claim *c, double v)
{
    double eps = 1e-9 * fmax(1.0, fabs(v));
    return (c->has_value && fabs(c->value - v) <= eps) ||
           (c->has_lower && fabs(c->lower - v) <= eps) ||
           (c->has_upper && fabs(c->upper - v) <= eps);
}

/* The number written at p ("1,000", "36", "1.5"): its length, 0 when none. */
static size_t S_number(const char *p, const char *end, double *v)
{
    char buf[32];
    size_t n = 0, len = 0;
    while (p + len < end && (isdigit((unsigned char)p[len]) ||
                             ((p[len] == ',' || p[len] == '.') && p + len + 1 < end &&
                              isdigit((unsigned char)p[len + 1]) && len > 0))) {
        if (p[len] != ',' && n < sizeof buf - 1)
            buf[n++] = p[len];
        len++;
    }
    buf[n] = '\0';
    if (!len)
        return 0;
    *v = strtod(buf, NULL);
    return len;
}

/* ---- "almost N" is the bound almost on N ---------------------------------- */

static void S_almost(const struct claim *c)
{
    static const char *const words[] = {"almost ", "nearly ", NULL};
    for (size_t w = 0; words[w]; w++) {
        for (const char *p = c->quote; (p = strstr(p, words[w])) != NULL; p++) {
            double v;
            const char *q = p + strlen(words[w]);
            if (S_number(q, q + strlen(q), &v) && S_is_figure(c, v) &&
                (!c->bound || strcmp(c->bound, "almost") != 0))
                V("%s: '%s%.0f' is bound %s, not almost", c->id, words[w], v,
                  c->bound ? c->bound : "(none)");
        }
    }
}

static void test_almost_is_its_own_bound(void **state)
{
    (void)state;
    nviol = 0;
    printf("[audit] almost N\n");
    S_each(S_almost);
    assert_int_equal(nviol, 0);
}

/* ---- a count in parentheses without a bound word of its own is exact ---------- */

static bool S_has_bound_word(const char *s, size_t n)
{
    static const char *const words[] = {"about",    "around",  "some",          "estimated",
                                        "nearly",   "almost",  "over",          "more than",
                                        "at least", "up to",   "less than",     "fewer",
                                        "ca.",      "roughly", "approximately", NULL};
    for (size_t i = 0; words[i]; i++) {
        size_t wl = strlen(words[i]);
        for (size_t k = 0; k + wl <= n; k++) {
            if (strncasecmp(s + k, words[i], wl) == 0)
                return true;
        }
    }
    return false;
}

static void S_parenthetical(const struct claim *c)
{
    if (!c->metric || !c->bound || strcmp(c->bound, "vague") == 0 || c->value_date)
        return;
    for (const char *open = strchr(c->quote, '('); open; open = strchr(open + 1, '(')) {
        const char *close = strchr(open, ')');
        if (!close)
            break;
        for (const char *p = open + 1; p < close; p++) {
            double v;
            size_t len = isdigit((unsigned char)*p) && !isdigit((unsigned char)p[-1])
                             ? S_number(p, close, &v)
                             : 0;
            if (!len)
                continue;
            if (S_is_figure(c, v) && !S_has_bound_word(open + 1, (size_t)(p - open - 1)) &&
                strcmp(c->bound, "exact") != 0)
                V("%s: the count in parentheses (%.*s) has no bound word, but the claim is %s",
                  c->id, (int)(close - open - 1), open + 1, c->bound);
            p += len - 1;
        }
    }
}

static void test_parenthetical_count_is_exact(void **state)
{
    (void)state;
    nviol = 0;
    printf("[audit] parenthetical counts\n");
    S_each(S_parenthetical);
    assert_int_equal(nviol, 0);
}

/* ---- a claim inside the reach of a note names the note's work ------------------ */

/* Labels of a source's notes (cited works), one string "1 2 3 ..." with spaces. */
static bool S_is_label(int64_t source_seq, const char *label)
{
    sqlite3_stmt *st = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM citation WHERE citing_seq = ?1 AND label = ?2", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, source_seq);
        sqlite3_bind_text(st, 2, label, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
}

/*
 * A note marker at t[i]: "[12]", or digits right after a sentence's end (".", "?", a
 * closing quote) and before a space, a capital or the end of the line, when a note of
 * the source has that label. *len is the marker's length, label its digits.
 */
static bool S_marker(const struct claim *c, size_t i, size_t le, size_t *len, char label[8])
{
    const char *t = c->text;
    size_t k = 0;
    if (t[i] == '[') {
        while (i + 1 + k < le && isdigit((unsigned char)t[i + 1 + k]) && k < 6)
            k++;
        if (!k || i + 1 + k >= le || t[i + 1 + k] != ']')
            return false;
        memcpy(label, t + i + 1, k);
        label[k] = '\0';
        *len = k + 2;
        return S_is_label(c->source_seq, label);
    }
    if (!isdigit((unsigned char)t[i]) || i == 0)
        return false;
    unsigned char before = (unsigned char)t[i - 1];
    bool closing = before == '.' || before == '?' || before == '"' ||
                   (i >= 3 && (unsigned char)t[i - 3] == 0xE2 && (unsigned char)t[i - 2] == 0x80 &&
                    (before == 0x9D || before == 0x99)); /* ” ’ */
    if (!closing)
        return false;
    while (i + k < le && isdigit((unsigned char)t[i + k]) && k < 2)
        k++;
    if (i + k < le && !(t[i + k] == ' ' || isupper((unsigned char)t[i + k]) ||
                        (unsigned char)t[i + k] == 0xC2)) /* no-break space */
        return false;
    memcpy(label, t + i, k);
    label[k] = '\0';
    *len = k;
    return S_is_label(c->source_seq, label);
}

/* A sentence ends in t[a..b): ". X", ".” X", "? X". */
static bool S_sentence_end(const char *t, size_t a, size_t b)
{
    for (size_t i = a; i + 2 < b; i++) {
        if (t[i] != '.' && t[i] != '?' && t[i] != '!')
            continue;
        size_t j = i + 1;
        if (j + 2 < b && (unsigned char)t[j] == 0xE2 && (unsigned char)t[j + 1] == 0x80)
            j += 3;
        else if (t[j] == '"' || t[j] == ')')
            j++;
        bool space = false;
        while (j < b &&
               (t[j] == ' ' || (unsigned char)t[j] == 0xC2 || (unsigned char)t[j] == 0xA0)) {
            space = true;
            j++;
        }
        if (space && j < b &&
            (isupper((unsigned char)t[j]) || isdigit((unsigned char)t[j]) ||
             (unsigned char)t[j] == 0xE2))
            return true;
    }
    return false;
}

static bool S_label_in(const char *labels, const char *label)
{
    if (!labels)
        return false;
    size_t n = strlen(label);
    for (const char *p = labels; (p = strstr(p, label)) != NULL; p++) {
        if ((p == labels || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    }
    return false;
}

static void S_footnote(const struct claim *c)
{
    if (c->footnote && !c->footnote_scope)
        V("%s: has a footnote but no footnote_scope", c->id);
    const char *t = c->text;
    size_t ls = c->b0, le = c->b1;
    while (ls > 0 && t[ls - 1] != '\n')
        ls--;
    while (le < c->text_len && t[le] != '\n')
        le++;
    char allowed[8][8];
    size_t nallowed = 0, nmarks = 0, last_end = 0;
    char only[8] = "";
    bool after_seen = false;
    for (size_t i = ls; i < le; i++) {
        size_t len;
        char label[8];
        if (!S_marker(c, i, le, &len, label))
            continue;
        nmarks++;
        snprintf(only, sizeof only, "%s", label);
        last_end = i + len;
        if (i >= c->b0 && i < c->b1 && nallowed < 8)
            snprintf(allowed[nallowed++], 8, "%s", label);
        else if (i >= c->b1 && !after_seen) {
            after_seen = true;
            size_t from = c->b1 >= c->b0 + 4 ? c->b1 - 4 : c->b0;
            if (!S_sentence_end(t, from, i) && nallowed < 8)
                snprintf(allowed[nallowed++], 8, "%s", label);
        }
        i += len - 1;
    }
    const char *scope = "sentence";
    if (!nallowed && nmarks == 1) {
        bool at_end = true;
        for (size_t i = last_end; i < le; i++)
            at_end &= t[i] == ' ' || t[i] == '\r';
        if (at_end) {
            snprintf(allowed[nallowed++], 8, "%s", only);
            scope = "paragraph";
        }
    }
    if (!nallowed)
        return;
    for (size_t k = 0; k < nallowed; k++) {
        if (S_label_in(c->footnote_label, allowed[k]))
            return;
    }
    V("%s: note %s covers its %s, but the claim's footnote is %s", c->id, allowed[0], scope,
      c->footnote ? c->footnote : "missing");
}

static void test_note_covers_claim(void **state)
{
    (void)state;
    nviol = 0;
    printf("[audit] footnotes\n");
    S_each(S_footnote);
    assert_int_equal(nviol, 0);
}

/* ---- a hedge of the text stays in the statement ------------------------------ */

/* The quote without line-end hyphenation ("alleg-\nedly") and with spaces for line ends. */
static void S_flat(const char *quote, char *q, size_t size)
{
    size_t n = 0;
    for (const char *p = quote; *p && n < size - 1; p++) {
        if (p[0] == '-' && p[1] == '\n') {
            p++;
            continue;
        }
        q[n++] = *p == '\n' ? ' ' : *p;
    }
    q[n] = '\0';
}

static void S_hedge(const struct claim *c)
{
    static const char *const hedges[][2] = {
        {"tend to", "tend"},
        {"tends to", "tend"},
        {"ostensibly", "ostensibl"},
        {"reportedly", "reported"},
        {"allegedly", "alleged"},
        {"according to some", "according to some"},
        {"it remains doubtful", "doubt"},
    };
    char q[4096];
    S_flat(c->quote, q, sizeof q);
    for (size_t i = 0; i < sizeof hedges / sizeof hedges[0]; i++) {
        if (!strcasestr(q, hedges[i][0]))
            continue;
        if (!strcasestr(c->statement, hedges[i][1]) &&
            !(c->note && strcasestr(c->note, hedges[i][1])))
            V("%s: the quote says '%s'; the statement drops it: %s", c->id, hedges[i][0],
              c->statement);
    }
}

static void test_hedges_kept(void **state)
{
    (void)state;
    nviol = 0;
    printf("[audit] hedges\n");
    S_each(S_hedge);
    assert_int_equal(nviol, 0);
}

/* ---- "until mid-2015" does not end a period at the end of 2015 ---------------- */

static void S_mid_year(const struct claim *c)
{
    if (!c->period_end || strlen(c->period_end) != 4)
        return;
    char q[4096], pat[16];
    S_flat(c->quote, q, sizeof q);
    snprintf(pat, sizeof pat, "mid-%s", c->period_end);
    if (strstr(q, pat))
        V("%s: the period ends '%s' in the text, stored as the whole year %s", c->id, pat,
          c->period_end);
}

static void test_mid_year_period_end(void **state)
{
    (void)state;
    nviol = 0;
    printf("[audit] mid-year period ends\n");
    S_each(S_mid_year);
    assert_int_equal(nviol, 0);
}

/* ---- a document's byline is metadata, not an event it reports --------------- */

static void S_byline(const struct claim *c)
{
    if (!c->kind || strcmp(c->kind, "event") != 0 || !c->value_date || !c->source_published ||
        strcmp(c->value_date, c->source_published) != 0 || !c->source_authors)
        return;
    /* authors is a JSON array of strings: look for any of them in the quote */
    const char *a = c->source_authors;
    while ((a = strchr(a, '"')) != NULL) {
        const char *e = strchr(a + 1, '"');
        if (!e)
            break;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(e - a - 1), a + 1);
        if (*name && strstr(c->quote, name))
            V("%s: the byline (%s, %s) is the source's publication date, not an event", c->id, name,
              c->value_date);
        a = e + 1;
    }
}

static void test_byline_is_not_an_event(void **state)
{
    (void)state;
    nviol = 0;
    printf("[audit] bylines\n");
    S_each(S_byline);
    assert_int_equal(nviol, 0);
}

/* ---- every number written in digits in a quote is a figure of a claim --------- */

struct span {
    size_t b0, b1;
    bool has_value, has_lower, has_upper;
    double value, lower, upper;
    char metric[96];
};

static bool S_skip_number(const char *t, size_t i, size_t len, double v)
{
    /* years, note markers, list items ("3. "), article numbers, days of months, names */
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    bool comma = memchr(t + i, ',', len) != NULL;
    if (!comma && v >= 1900 && v <= 2099 && len == 4)
        return true;
    if (i > 0 && (t[i - 1] == '[' || t[i - 1] == '-'))
        return true;
    if (t[i + len] == '.' && (i == 0 || t[i - 1] == '\n' || t[i - 1] == ' ') && len <= 2 &&
        t[i + len + 1] == ' ' && (i < 2 || t[i - 1] == '\n' || t[i - 2] == '\n'))
        return true;
    if (i >= 8 && strncmp(t + i - 8, "Article ", 8) == 0)
        return true;
    for (size_t m = 0; m < 12; m++) {
        size_t ml = strlen(months[m]);
        if (i >= ml + 1 && strncmp(t + i - ml - 1, months[m], ml) == 0)
            return true;
    }
    return false;
}

static void test_digits_are_figures(void **state)
{
    (void)state;
    nviol = 0;
    printf("[audit] numbers in digits\n");
    sqlite3_stmt *src = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT source_seq, body FROM source_text", -1, &src, NULL),
        SQLITE_OK);
    size_t checked = 0;
    while (sqlite3_step(src) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(src, 0);
        const char *t = (const char *)sqlite3_column_text(src, 1);
        sqlite3_stmt *st = NULL;
        assert_int_equal(
            sqlite3_prepare_v2(db,
                               "SELECT c.byte_start, c.byte_end, c.value, c.lower, c.upper, "
                               "coalesce(m.id || ' ' || m.label, ''), c.id FROM claim c LEFT JOIN "
                               "metric m ON m.seq = c.metric_seq WHERE c.source_seq = ?1 AND "
                               "c.deleted_at IS NULL",
                               -1, &st, NULL),
            SQLITE_OK);
        sqlite3_bind_int64(st, 1, seq);
        struct span *sp = NULL;
        size_t n = 0, cap = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                sp = realloc(sp, cap * sizeof *sp);
                assert_non_null(sp);
            }
            struct span *s = &sp[n++];
            s->b0 = (size_t)sqlite3_column_int64(st, 0);
            s->b1 = (size_t)sqlite3_column_int64(st, 1);
            s->has_value = sqlite3_column_type(st, 2) != SQLITE_NULL;
            s->value = sqlite3_column_double(st, 2);
            s->has_lower = sqlite3_column_type(st, 3) != SQLITE_NULL;
            s->lower = sqlite3_column_double(st, 3);
            s->has_upper = sqlite3_column_type(st, 4) != SQLITE_NULL;
            s->upper = sqlite3_column_double(st, 4);
            snprintf(s->metric, sizeof s->metric, "%s", (const char *)sqlite3_column_text(st, 5));
        }
        sqlite3_finalize(st);
        /* every digit run inside some claim's quote */
        for (size_t k = 0; k < n; k++) {
            for (size_t i = sp[k].b0; i < sp[k].b1; i++) {
                if (!isdigit((unsigned char)t[i]) || (i > 0 && (isdigit((unsigned char)t[i - 1]) ||
                                                                isalpha((unsigned char)t[i - 1]))))
                    continue;
                double v;
                size_t len = S_number(t + i, t + sp[k].b1, &v);
                if (!len)
                    continue;
                if (S_skip_number(t, i, len, v)) {
                    i += len - 1;
                    continue;
                }
                double mult = 1;
                if (strncmp(t + i + len, " million", 8) == 0)
                    mult = 1e6;
                char digits[32];
                snprintf(digits, sizeof digits, "%.*s", (int)len, t + i);
                bool ok = false;
                for (size_t j = 0; j < n && !ok; j++) {
                    if (sp[j].b0 > i || sp[j].b1 < i + len)
                        continue;
                    double x = v * mult, eps = 1e-9 * fmax(1.0, x);
                    ok = (sp[j].has_value && fabs(sp[j].value - x) <= eps) ||
                         (sp[j].has_lower && fabs(sp[j].lower - x) <= eps) ||
                         (sp[j].has_upper && fabs(sp[j].upper - x) <= eps) ||
                         strstr(sp[j].metric, digits) != NULL;
                }
                checked++;
                if (!ok) {
                    V("'%.*s' at byte %zu (in the quote of a claim of source %lld) is no claim's "
                      "figure: ...%.40s...",
                      (int)len, t + i, i, (long long)seq, t + (i > 30 ? i - 30 : 0));
                    /* once per position */
                }
                i += len - 1;
            }
        }
        free(sp);
    }
    sqlite3_finalize(src);
    printf("[audit] %zu numbers checked\n", checked);
    assert_true(checked > 100);
    assert_int_equal(nviol, 0);
}

/* ---- a program's start is filed as its start_date ---------------------------- */

static void test_program_start_attribute(void **state)
{
    (void)state;
    nviol = 0;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(
                         db,
                         "SELECT c.id, coalesce(c.attribute, '(none)') FROM claim c JOIN metric m "
                         "ON m.seq = c.metric_seq WHERE m.id = 'program_start_date' AND "
                         "c.subject_program_seq IS NOT NULL AND c.attribute IS NOT 'start_date' "
                         "AND c.deleted_at IS NULL",
                         -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        V("%s: a program's start date filed under attribute %s", sqlite3_column_text(st, 0),
          sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    assert_int_equal(nviol, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_almost_is_its_own_bound),
        cmocka_unit_test(test_parenthetical_count_is_exact),
        cmocka_unit_test(test_note_covers_claim),
        cmocka_unit_test(test_hedges_kept),
        cmocka_unit_test(test_mid_year_period_end),
        cmocka_unit_test(test_byline_is_not_an_event),
        cmocka_unit_test(test_digits_are_figures),
        cmocka_unit_test(test_program_start_attribute),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
