#include "search_repo.h"

#include "buf.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/*
 * A row's rowid is seq * 4 + the kind (migration 0007): 0 claim, 1 program, 2 source,
 * the order of the type names, so "rowid & 3" sorts and filters by type without
 * reading the stored columns. The index holds live records only (every write replaces
 * its record's row in the same transaction), so a hit needs no join to be counted.
 * ?1 is an FTS5 expression, ?2 a JSON array of doc types or NULL.
 * The table is never aliased: FTS5's MATCH and auxiliary functions name it.
 */
#define SEARCH_WHERE                                                                         \
    " FROM search_index WHERE search_index MATCH ?1"                                         \
    " AND (?2 IS NULL OR (search_index.rowid & 3) IN (SELECT CASE value WHEN 'claim' THEN 0" \
    " WHEN 'program' THEN 1 WHEN 'source' THEN 2 END FROM json_each(?2)))"

/*
 * The page: bm25 with weights title 5, body 1, aliases 2, extra 1 (marsad_rank, which
 * does not score the rows that cannot reach the first ?3 = limit + offset), ties by
 * type then id; the id is read only for rows that were scored (a pruned row's 1.0
 * sorts last). ?4 limit, ?5 offset.
 */
static const char SQL_PAGE[] =
    "SELECT search_index.rowid, marsad_rank(search_index, ?3, 0.0, 0.0, 5.0, 1.0, 2.0, 1.0)"
    " AS score" SEARCH_WHERE " ORDER BY score, search_index.rowid & 3,"
    " CASE WHEN score > 0 THEN NULL ELSE search_index.doc_id END LIMIT ?4 OFFSET ?5";

/*
 * The hits of the page with what they show: snippets of the evidence (body: a claim's
 * quote) and of the title (a claim's statement), the title highlighted, and a claim's
 * source id and statement; in the page's order (the position in ?2, a JSON array of
 * the page's rowids). One MATCH for the page: the rowid test is kept from FTS5 (+),
 * which would otherwise run the match again per rowid (a prefix term's doclists are
 * merged in full each time); so FTS5 walks the hits once and the snippets are cut for
 * the page only.
 */
static const char SQL_HITS[] =
    "SELECT (SELECT key FROM json_each(?2) WHERE value = search_index.rowid) AS pos,"
    " search_index.doc_type, search_index.doc_id, search_index.title,"
    " snippet(search_index, 3, '" SEARCH_MARK_OPEN "', '" SEARCH_MARK_CLOSE
    "', '\xe2\x80\xa6', 16),"
    " snippet(search_index, 2, '" SEARCH_MARK_OPEN "', '" SEARCH_MARK_CLOSE
    "', '\xe2\x80\xa6', 16),"
    " highlight(search_index, 2, '" SEARCH_MARK_OPEN "', '" SEARCH_MARK_CLOSE "'),"
    " cs.id, c.statement FROM search_index"
    " LEFT JOIN claim c ON (search_index.rowid & 3) = 0 AND c.seq = search_index.rowid >> 2"
    " LEFT JOIN source cs ON cs.seq = c.source_seq"
    " WHERE search_index MATCH ?1 AND +search_index.rowid IN (SELECT value FROM json_each(?2))"
    " ORDER BY pos";

static const char SQL_COUNT[] = "SELECT count(*)" SEARCH_WHERE;

static void S_bind_filter(sqlite3_stmt *st, const struct search_filter *f)
{
    sqlite3_bind_text(st, 1, f->fts, -1, SQLITE_STATIC);
    if (f->types_json)
        sqlite3_bind_text(st, 2, f->types_json, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
}

/* The names of the field a snippet was cut from: {body, title} per kind. */
static void S_fields(const char *type, const char **body, const char **title)
{
    if (type && strcmp(type, "source") == 0) {
        *body = "note";
        *title = "title";
    } else if (type && strcmp(type, "program") == 0) {
        *body = "description";
        *title = "name";
    } else {
        *body = "quote";
        *title = "statement";
    }
}

/* The page's rows, then the caller's hit callback, for db_rows(). */
struct visit {
    int64_t n, cap;
    double *score;
    struct buf ids; /* JSON array of the page's rowids */
    search_hit_fn fn;
    void *ctx;
};

static bool S_page_row(void *ctx, sqlite3_stmt *st)
{
    struct visit *v = ctx;
    if (v->n >= v->cap)
        return false;
    buf_printf(&v->ids, "%s%lld", v->n ? "," : "[", (long long)sqlite3_column_int64(st, 0));
    v->score[v->n++] = sqlite3_column_double(st, 1);
    return true;
}

static bool S_hit(void *ctx, sqlite3_stmt *st)
{
    const struct visit *v = ctx;
    int64_t pos = sqlite3_column_int64(st, 0);
    struct search_hit h;
    h.type = db_column_text(st, 1);
    h.id = db_column_text(st, 2);
    h.title = db_column_text(st, 3);
    const char *body_snippet = db_column_text(st, 4);
    const char *title_snippet = db_column_text(st, 5);
    const char *body_field, *title_field;
    S_fields(h.type, &body_field, &title_field);
    /* The evidence when it holds a match, else the title when it does, else the evidence. */
    bool body_hit = body_snippet && strchr(body_snippet, SEARCH_MARK_OPEN[0]);
    bool title_hit = title_snippet && strchr(title_snippet, SEARCH_MARK_OPEN[0]);
    if (!body_hit && title_hit) {
        h.snippet = title_snippet;
        h.snippet_field = title_field;
    } else {
        h.snippet = body_snippet;
        h.snippet_field = body_field;
    }
    h.title_snippet = db_column_text(st, 6);
    h.score = pos >= 0 && pos < v->n ? v->score[pos] : 0.0;
    h.source_id = db_column_text(st, 7);
    h.statement = db_column_text(st, 8);
    return v->fn(v->ctx, &h);
}

enum app_status search_repo_list(struct db_conn *c, const struct search_filter *f, int64_t limit,
                                 int64_t offset, search_hit_fn fn, void *ctx)
{
    if (limit <= 0)
        return APP_OK;
    struct visit v = {0, limit, NULL, {0}, fn, ctx};
    buf_init(&v.ids);
    v.score = malloc((size_t)limit * sizeof *v.score);
    if (!v.score)
        return APP_ENOMEM;
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_PAGE, &st);
    if (s == APP_OK) {
        S_bind_filter(st, f);
        sqlite3_bind_int64(st, 3, limit + offset);
        sqlite3_bind_int64(st, 4, limit);
        sqlite3_bind_int64(st, 5, offset);
        s = db_rows(st, S_page_row, &v);
    }
    buf_putc(&v.ids, ']');
    if (s == APP_OK && v.ids.oom)
        s = APP_ENOMEM;
    if (s == APP_OK && v.n > 0 && (s = db_stmt(c, SQL_HITS, &st)) == APP_OK) {
        sqlite3_bind_text(st, 1, f->fts, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, buf_str(&v.ids), -1, SQLITE_STATIC);
        s = db_rows(st, S_hit, &v);
    }
    free(v.score);
    buf_free(&v.ids);
    return s;
}

enum app_status search_repo_count(struct db_conn *c, const struct search_filter *f, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_COUNT, &st);
    if (s != APP_OK)
        return s;
    S_bind_filter(st, f);
    return db_step_i64(st, out);
}

/*
 * What the index holds for each kind of record (the rowid and columns of migration
 * 0007). Claims carry the aliases of every entity and program they mention or are
 * about, so one spelling finds the others. One definition serves the full rebuild and
 * the per-record update.
 */
#define INDEX_CLAIM                                                                                \
    "INSERT INTO search_index (rowid, doc_type, doc_id, title, body, aliases, extra) SELECT "      \
    "c.seq * 4, 'claim', c.id, c.statement, c.quote, (SELECT group_concat(a, ' ') FROM (SELECT "   \
    "ea.alias AS a FROM claim_mention m JOIN entity_alias ea ON ea.entity_seq = m.entity_seq "     \
    "WHERE m.claim_seq = c.seq UNION SELECT e.name FROM claim_mention m JOIN entity e ON e.seq = " \
    "m.entity_seq WHERE m.claim_seq = c.seq UNION SELECT pa.alias FROM claim_mention m JOIN "      \
    "program_alias pa ON pa.program_seq = m.program_seq WHERE m.claim_seq = c.seq UNION SELECT "   \
    "p.name FROM claim_mention m JOIN program p ON p.seq = m.program_seq WHERE m.claim_seq = "     \
    "c.seq UNION SELECT p.name FROM program p WHERE p.seq = c.subject_program_seq UNION SELECT "   \
    "pa.alias FROM program_alias pa WHERE pa.program_seq = c.subject_program_seq ORDER BY 1)), "   \
    "c.claimant || ' ' || coalesce(c.value_text, '') || ' ' || coalesce(c.note, '') FROM claim c " \
    "WHERE c.deleted_at IS NULL"
#define INDEX_SOURCE                                                                            \
    "INSERT INTO search_index (rowid, doc_type, doc_id, title, body, aliases, extra) SELECT "   \
    "s.seq * 4 + 2, 'source', s.id, s.title, coalesce(s.note, ''), '', coalesce(s.publisher, "  \
    "'') || ' ' || coalesce(s.original_publisher, '') || ' ' || s.authors FROM source s WHERE " \
    "s.deleted_at IS NULL"
#define INDEX_PROGRAM                                                                           \
    "INSERT INTO search_index (rowid, doc_type, doc_id, title, body, aliases, extra) SELECT "   \
    "p.seq * 4 + 1, 'program', p.id, p.name, coalesce(p.description, ''), (SELECT "             \
    "group_concat(alias, ' ') FROM (SELECT alias FROM program_alias WHERE program_seq = p.seq " \
    "ORDER BY alias)), '' FROM program p WHERE p.deleted_at IS NULL"

static const char SQL_REBUILD[] =
    "DELETE FROM search_index; " INDEX_CLAIM " ORDER BY c.seq; " INDEX_SOURCE
    " ORDER BY s.seq; " INDEX_PROGRAM " ORDER BY p.seq;";
/* A record's row, by rowid: FTS5 reads that one row's tokens to take them out. */
static const char SQL_UNINDEX_CLAIM[] =
    "DELETE FROM search_index WHERE rowid = (SELECT seq * 4 FROM claim WHERE id = ?1)";
static const char SQL_UNINDEX_SOURCE[] =
    "DELETE FROM search_index WHERE rowid = (SELECT seq * 4 + 2 FROM source WHERE id = ?1)";
static const char SQL_UNINDEX_PROGRAM[] =
    "DELETE FROM search_index WHERE rowid = (SELECT seq * 4 + 1 FROM program WHERE id = ?1)";
static const char SQL_INDEX_CLAIM[] = INDEX_CLAIM " AND c.id = ?1";
static const char SQL_INDEX_SOURCE[] = INDEX_SOURCE " AND s.id = ?1";
static const char SQL_INDEX_PROGRAM[] = INDEX_PROGRAM " AND p.id = ?1";

enum app_status search_repo_rebuild(struct db_conn *c)
{
    return db_exec(c, SQL_REBUILD);
}

static enum app_status S_run(struct db_conn *c, const char *sql, const char *id)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
}

enum app_status search_repo_reindex(struct db_conn *c, const char *doc_type, const char *id)
{
    bool claim = strcmp(doc_type, "claim") == 0, source = strcmp(doc_type, "source") == 0;
    enum app_status s = S_run(c,
                              claim    ? SQL_UNINDEX_CLAIM
                              : source ? SQL_UNINDEX_SOURCE
                                       : SQL_UNINDEX_PROGRAM,
                              id);
    if (s != APP_OK)
        return s;
    return S_run(c, claim ? SQL_INDEX_CLAIM : source ? SQL_INDEX_SOURCE : SQL_INDEX_PROGRAM, id);
}

/*
 * The catalog's names as words (marsad_words): every entity's name and aliases, every
 * live program's name and aliases, each with its record ("e<seq>", "p<seq>").
 */
#define CATALOG_NAMES                                                                         \
    "SELECT 'e' || seq AS owner, marsad_words(name) AS w FROM entity UNION ALL SELECT 'e' "   \
    "|| entity_seq, marsad_words(alias) FROM entity_alias UNION ALL SELECT 'p' || seq, "      \
    "marsad_words(name) FROM program WHERE deleted_at IS NULL UNION ALL SELECT 'p' || "       \
    "pa.program_seq, marsad_words(pa.alias) FROM program_alias pa JOIN program p ON p.seq = " \
    "pa.program_seq WHERE p.deleted_at IS NULL"

/*
 * A person's names as words: a run of words inside one of them (a surname alone, the
 * kunya without the given name) names the person when it names no record whole and
 * no other person in part.
 */
#define PERSON_NAMES                                                                           \
    "SELECT 'e' || seq AS owner, marsad_words(name) AS w FROM entity WHERE kind = 'person' "   \
    "UNION ALL SELECT 'e' || ea.entity_seq, marsad_words(ea.alias) FROM entity_alias ea JOIN " \
    "entity e ON e.seq = ea.entity_seq WHERE e.kind = 'person'"

/* For each run of query words (?1: a JSON array of the runs' words), the records it
 * names (a JSON array), how many entities and programs those are, and whether the run
 * is only part of a person's name (1) rather than a whole name (0). */
static const char SQL_RUN_OWNERS[] =
    "WITH names AS MATERIALIZED (" CATALOG_NAMES "), persons AS MATERIALIZED (" PERSON_NAMES
    "), runs AS (SELECT key AS pos, value AS w FROM json_each(?1)), whole AS (SELECT r.pos, "
    "n.owner FROM runs r JOIN names n ON n.w = r.w), part AS (SELECT r.pos, p.owner FROM runs r "
    "JOIN persons p ON instr(' ' || p.w || ' ', ' ' || r.w || ' ') > 0 WHERE r.pos NOT IN "
    "(SELECT pos FROM whole)), hits AS (SELECT pos, owner, 0 AS part FROM whole UNION SELECT "
    "pos, owner, 1 FROM part) SELECT pos, json_group_array(DISTINCT owner), count(DISTINCT "
    "CASE WHEN owner GLOB 'e*' THEN owner END), count(DISTINCT CASE WHEN owner GLOB 'p*' THEN "
    "owner END), max(part) FROM hits GROUP BY pos";

/*
 * Every name of the records ?1 (a JSON array) and of the records of the other kind
 * that share a name with one of them (an entity and a program recorded for the same
 * body), as words, once each, in order.
 */
static const char SQL_OWNER_NAMES[] =
    "WITH names AS MATERIALIZED (" CATALOG_NAMES "), g AS (SELECT value AS owner FROM "
    "json_each(?1)), linked AS (SELECT owner FROM g UNION SELECT n2.owner FROM names n1 JOIN "
    "names n2 ON n2.w = n1.w AND substr(n2.owner, 1, 1) <> substr(n1.owner, 1, 1) WHERE "
    "n1.owner IN (SELECT owner FROM g)) SELECT DISTINCT w FROM names WHERE owner IN (SELECT "
    "owner FROM linked) AND w <> '' ORDER BY w";

static const char SQL_WORDS[] = "SELECT marsad_words(?1)";

#define EXPR_MAX_WORDS 16
#define OWNERS_MAX     64

/* The query's words (at most EXPR_MAX_WORDS), pointing into `words` split in place. */
struct qwords {
    char *w[EXPR_MAX_WORDS];
    size_t n;
    /* [i][j]: the records words i..j name, a JSON array ("" when none or ambiguous) */
    char owner[EXPR_MAX_WORDS][EXPR_MAX_WORDS][OWNERS_MAX];
    /* [i][j]: words i..j are only part of the record's name (searched as well) */
    bool part[EXPR_MAX_WORDS][EXPR_MAX_WORDS];
};

static void S_phrase(struct buf *out, const char *words)
{
    buf_putc(out, '"');
    for (const char *p = words; *p; p++) {
        if (*p == '"')
            buf_putc(out, '"');
        buf_putc(out, *p);
    }
    buf_putc(out, '"');
}

/* Appends the OR of every name of the records `owner` (a JSON array) as phrases, after
 * the words `part` themselves when they are not a whole name (NULL when they are). */
static enum app_status S_owner_group(struct db_conn *c, const char *owner, const char *part,
                                     struct buf *out)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_OWNER_NAMES, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    buf_putc(out, '(');
    int rc, n = 0;
    if (part) {
        S_phrase(out, part);
        n++;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++)
            buf_puts(out, " OR ");
        S_phrase(out, db_column_text(st, 0));
    }
    sqlite3_reset(st);
    buf_putc(out, ')');
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
}

enum app_status search_repo_expand(struct db_conn *c, const char *text, struct buf *out,
                                   bool *expanded)
{
    *expanded = false;
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_WORDS, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    struct buf words;
    buf_init(&words);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        buf_puts(&words, db_column_text(st, 0) ? db_column_text(st, 0) : "");
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) {
        buf_free(&words);
        return db_status(rc);
    }
    struct qwords *q = calloc(1, sizeof *q);
    struct buf runs;
    buf_init(&runs);
    if (!q || words.oom) {
        free(q);
        buf_free(&words);
        return APP_ENOMEM;
    }
    /* Split the words and list every run i..j as one JSON array of strings (words are
     * tokens: letters and digits, never a quote or a backslash). */
    char *p = words.len ? words.data : NULL;
    while (p && *p && q->n < EXPR_MAX_WORDS) {
        q->w[q->n++] = p;
        char *sp = strchr(p, ' ');
        if (!sp)
            break;
        *sp = '\0';
        p = sp + 1;
    }
    buf_putc(&runs, '[');
    for (size_t i = 0; i < q->n; i++) {
        for (size_t j = i; j < q->n; j++) {
            buf_puts(&runs, i || j ? ",\"" : "\"");
            for (size_t k = i; k <= j; k++) {
                if (k > i)
                    buf_putc(&runs, ' ');
                for (const char *t = q->w[k]; *t; t++) {
                    if (*t == '"' || *t == '\\')
                        buf_putc(&runs, '\\');
                    buf_putc(&runs, *t);
                }
            }
            buf_putc(&runs, '"');
        }
    }
    buf_putc(&runs, ']');
    s = runs.oom ? APP_ENOMEM : db_stmt(c, SQL_RUN_OWNERS, &st);
    if (s == APP_OK) {
        sqlite3_bind_text(st, 1, buf_str(&runs), -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            /* pos counts the runs in the order they were listed. */
            int64_t pos = sqlite3_column_int64(st, 0);
            const char *owner = db_column_text(st, 1);
            /* A name of several entities (or programs) says nothing of which. */
            if (sqlite3_column_int64(st, 2) > 1 || sqlite3_column_int64(st, 3) > 1 || !owner ||
                strlen(owner) >= OWNERS_MAX)
                continue;
            for (size_t i = 0; i < q->n; i++) {
                int64_t nrun = (int64_t)(q->n - i);
                if (pos < nrun) {
                    memcpy(q->owner[i][i + (size_t)pos], owner, strlen(owner) + 1);
                    q->part[i][i + (size_t)pos] = sqlite3_column_int64(st, 4) != 0;
                    break;
                }
                pos -= nrun;
            }
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            s = db_status(rc);
    }
    /* Leftmost longest runs that name one record become the OR of its names. */
    bool any = false;
    for (size_t i = 0; s == APP_OK && i < q->n; i++)
        for (size_t j = i; j < q->n; j++)
            any = any || q->owner[i][j][0];
    if (s == APP_OK && any) {
        buf_reset(out);
        size_t ends = strlen(text);
        bool open_end = ends && ((unsigned char)text[ends - 1] >= 0x80 ||
                                 (text[ends - 1] >= '0' && text[ends - 1] <= '9') ||
                                 (text[ends - 1] >= 'a' && text[ends - 1] <= 'z') ||
                                 (text[ends - 1] >= 'A' && text[ends - 1] <= 'Z'));
        for (size_t i = 0; s == APP_OK && i < q->n;) {
            size_t j = q->n;
            while (j > i && !q->owner[i][j - 1][0])
                j--;
            if (i)
                buf_puts(out, " AND ");
            if (j > i) {
                struct buf part;
                buf_init(&part);
                for (size_t k = i; q->part[i][j - 1] && k < j; k++) {
                    if (k > i)
                        buf_putc(&part, ' ');
                    buf_puts(&part, q->w[k]);
                }
                s = part.oom ? APP_ENOMEM
                             : S_owner_group(c, q->owner[i][j - 1],
                                             q->part[i][j - 1] ? buf_str(&part) : NULL, out);
                buf_free(&part);
                i = j;
            } else {
                S_phrase(out, q->w[i]);
                if (i + 1 == q->n && open_end)
                    buf_putc(out, '*');
                i++;
            }
        }
        if (s == APP_OK && out->oom)
            s = APP_ENOMEM;
        *expanded = s == APP_OK;
    }
    free(q);
    buf_free(&runs);
    buf_free(&words);
    return s;
}
