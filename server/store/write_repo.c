#define _GNU_SOURCE /* memmem */
#include "write_repo.h"

#include "catalog_repo.h"
#include "search_repo.h"
#include "sha256.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *write_repo_table(enum write_resource r)
{
    return write_resource_name(r);
}

/* ---- lookups ------------------------------------------------------------- */

static const char SQL_EXISTS_SOURCE[] = "SELECT 1 FROM source WHERE id = ?1 AND deleted_at IS NULL";
static const char SQL_EXISTS_CLAIM[] = "SELECT 1 FROM claim WHERE id = ?1";
static const char SQL_EXISTS_METRIC[] = "SELECT 1 FROM metric WHERE id = ?1";
static const char SQL_EXISTS_ENTITY[] = "SELECT 1 FROM entity WHERE id = ?1";
static const char SQL_EXISTS_PROGRAM[] =
    "SELECT 1 FROM program WHERE id = ?1 AND deleted_at IS NULL";
static const char SQL_EXISTS_PROGRAM_ANY[] = "SELECT 1 FROM program WHERE id = ?1";
static const char SQL_EXISTS_TOPIC[] = "SELECT 1 FROM topic WHERE id = ?1";
static const char SQL_EXISTS_CLAIM_LIVE[] =
    "SELECT 1 FROM claim WHERE id = ?1 AND deleted_at IS NULL";
static const char SQL_EXISTS_RELATION[] = "SELECT 1 FROM metric_relation WHERE id = ?1";
static const char SQL_EXISTS_CONFLICT[] = "SELECT 1 FROM curated_conflict WHERE id = substr(?1, "
                                          "9) AND substr(?1, 1, 8) = '" WRITE_CURATED_PREFIX "'";

/* The row a lookup's step gives: APP_OK for a row, APP_ENOTFOUND for none, else the error. */
static enum app_status S_row(int rc)
{
    return rc == SQLITE_ROW ? APP_OK : rc == SQLITE_DONE ? APP_ENOTFOUND : db_status(rc);
}

enum app_status write_repo_exists(struct db_conn *c, const char *table, const char *id)
{
    const char *sql = strcmp(table, "source") == 0        ? SQL_EXISTS_SOURCE
                      : strcmp(table, "claim") == 0       ? SQL_EXISTS_CLAIM
                      : strcmp(table, "metric") == 0      ? SQL_EXISTS_METRIC
                      : strcmp(table, "entity") == 0      ? SQL_EXISTS_ENTITY
                      : strcmp(table, "program") == 0     ? SQL_EXISTS_PROGRAM
                      : strcmp(table, "program_any") == 0 ? SQL_EXISTS_PROGRAM_ANY
                      : strcmp(table, "topic") == 0       ? SQL_EXISTS_TOPIC
                      : strcmp(table, "claim_live") == 0  ? SQL_EXISTS_CLAIM_LIVE
                      : strcmp(table, "relation") == 0    ? SQL_EXISTS_RELATION
                      : strcmp(table, "conflict") == 0    ? SQL_EXISTS_CONFLICT
                                                          : NULL;
    sqlite3_stmt *st = NULL;
    if (!sql)
        return APP_EDB; /* a table validation does not look up: the caller's mistake */
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    s = S_row(sqlite3_step(st));
    sqlite3_reset(st);
    return s;
}

static bool S_copy_col(sqlite3_stmt *st, int i, char *out, size_t n)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    int w = snprintf(out, n, "%s", v ? (const char *)v : "");
    return v && w >= 0 && (size_t)w < n;
}

static const char SQL_ENTITY_KIND[] = "SELECT kind FROM entity WHERE id = ?1";

enum app_status write_repo_entity_kind(struct db_conn *c, const char *id, char *out, size_t n)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_ENTITY_KIND, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    s = S_row(sqlite3_step(st));
    if (s == APP_OK && !S_copy_col(st, 0, out, n))
        s = APP_ETOOBIG; /* a kind longer than the caller's buffer */
    sqlite3_reset(st);
    return s;
}

static const char SQL_METRIC[] = "SELECT unit, value_type FROM metric WHERE id = ?1";

enum app_status write_repo_metric(struct db_conn *c, const char *id, char *unit, size_t un,
                                  char *vtype, size_t vn)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_METRIC, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    s = S_row(sqlite3_step(st));
    if (s == APP_OK) {
        /* a metric without a unit has an empty one */
        bool unit_ok = S_copy_col(st, 0, unit, un) || sqlite3_column_type(st, 0) == SQLITE_NULL;
        if (!unit_ok || !S_copy_col(st, 1, vtype, vn))
            s = APP_ETOOBIG;
    }
    sqlite3_reset(st);
    return s;
}

static const char SQL_TEXT[] = "SELECT t.body FROM source s JOIN source_text t ON t.source_seq = "
                               "s.seq WHERE s.id = ?1 AND s.deleted_at IS NULL";

enum app_status write_repo_source_text(struct db_conn *c, const char *id, char **text, size_t *len)
{
    sqlite3_stmt *st = NULL;
    *text = NULL;
    enum app_status s = db_stmt(c, SQL_TEXT, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    s = S_row(sqlite3_step(st));
    if (s == APP_OK) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        const unsigned char *body = sqlite3_column_text(st, 0);
        *text = body ? malloc(n + 1) : NULL;
        if (!*text) {
            s = body ? APP_ENOMEM : APP_ENOTFOUND;
        } else {
            memcpy(*text, body, n);
            (*text)[n] = '\0';
            *len = n;
        }
    }
    sqlite3_reset(st);
    return s;
}

/*
 * Generated claim ids are "<prefix>-<n>": one more than the largest number already
 * used after "<prefix>-". The claims are matched by a range of the id index
 * (ids from "<prefix>-" up to "<prefix>." compare as BINARY text), never by LIKE,
 * whose '_' and '%' would match other sources' ids and which folds ASCII case.
 * Only suffixes of 1 to 18 digits count, so n + 1 never overflows; should that
 * id be taken all the same, the lowest free number is used.
 */
#define NEXT_ID_NUMS                                                                           \
    "SELECT CAST(substr(c.id, length(p.p) + 2) AS INTEGER) AS v FROM claim c, p WHERE c.id > " \
    "p.p || '-' AND c.id < p.p || '.' AND length(c.id) - length(p.p) BETWEEN 2 AND 19 AND "    \
    "NOT substr(c.id, length(p.p) + 2) GLOB '*[^0-9]*'"
static const char SQL_NEXT_ID[] =
    "WITH p(p) AS (SELECT coalesce(prefix, id) FROM source WHERE id = ?1), n(v) AS (" NEXT_ID_NUMS
    ") SELECT p.p, coalesce((SELECT max(v) FROM n), 0) + 1 FROM p";
static const char SQL_NEXT_FREE_ID[] =
    "WITH p(p) AS (SELECT coalesce(prefix, id) FROM source WHERE id = ?1), n(v) AS (" NEXT_ID_NUMS
    ") SELECT p.p, (SELECT min(v) + 1 FROM (SELECT 0 AS v UNION SELECT v FROM n) WHERE v + 1 NOT "
    "IN (SELECT v FROM n)) FROM p";

/* The id the query gives for source: APP_ENOTFOUND when none fits (no such source, or
 * an id too long for out). */
static enum app_status S_format_id(struct db_conn *c, const char *sql, const char *source,
                                   char *out, size_t n)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    s = S_row(sqlite3_step(st));
    if (s == APP_OK) {
        int w = sqlite3_column_type(st, 1) == SQLITE_INTEGER
                    ? snprintf(out, n, "%s-%03lld", db_column_text(st, 0),
                               (long long)sqlite3_column_int64(st, 1))
                    : -1;
        if (w <= 0 || (size_t)w >= n)
            s = APP_ENOTFOUND;
    }
    sqlite3_reset(st);
    return s;
}

enum app_status write_repo_next_claim_id(struct db_conn *c, const char *source, char *out, size_t n)
{
    enum app_status s = S_format_id(c, SQL_NEXT_ID, source, out, n);
    if (s == APP_OK)
        s = write_repo_exists(c, "claim", out);
    if (s != APP_OK) /* APP_ENOTFOUND: the id is free; an error, or no id, as it is */
        return s == APP_ENOTFOUND ? APP_OK : s;
    s = S_format_id(c, SQL_NEXT_FREE_ID, source, out, n);
    if (s == APP_OK)
        s = write_repo_exists(c, "claim", out);
    return s == APP_ENOTFOUND ? APP_OK : s == APP_OK ? APP_ENOTFOUND : s;
}

enum app_status write_repo_deleted(struct db_conn *c, enum write_resource r, const char *id,
                                   bool *deleted)
{
    static const char *const sql[] = {
        [WRITE_SOURCE] = "SELECT 1 FROM source WHERE id = ?1 AND deleted_at IS NOT NULL",
        [WRITE_CLAIM] = "SELECT 1 FROM claim WHERE id = ?1 AND deleted_at IS NOT NULL",
        [WRITE_PROGRAM] = "SELECT 1 FROM program WHERE id = ?1 AND deleted_at IS NOT NULL",
    };
    *deleted = false;
    if ((unsigned)r >= sizeof sql / sizeof sql[0] || !sql[r])
        return APP_OK;
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql[r], &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    s = S_row(sqlite3_step(st));
    sqlite3_reset(st);
    *deleted = s == APP_OK;
    return s == APP_ENOTFOUND ? APP_OK : s;
}

static enum app_status L_exists(void *ctx, const char *table, const char *id)
{
    return write_repo_exists(ctx, table, id);
}

static enum app_status L_entity_kind(void *ctx, const char *id, char *out, size_t n)
{
    return write_repo_entity_kind(ctx, id, out, n);
}

static enum app_status L_metric(void *ctx, const char *id, char *unit, size_t un, char *vtype,
                                size_t vn)
{
    return write_repo_metric(ctx, id, unit, un, vtype, vn);
}

static enum app_status L_text(void *ctx, const char *id, char **text, size_t *len)
{
    return write_repo_source_text(ctx, id, text, len);
}

static enum app_status L_next_id(void *ctx, const char *source, char *out, size_t n)
{
    return write_repo_next_claim_id(ctx, source, out, n);
}

struct write_lookup write_repo_lookup(struct db_conn *c)
{
    struct write_lookup lk = {c, L_exists, L_entity_kind, L_metric, L_text, L_next_id};
    return lk;
}

/* ---- records as JSON --------------------------------------------------- */

static const char SQL_LOAD_CLAIM[] = "SELECT c.deleted_at IS NOT NULL, c.revision, " CHANGED_IN(
    "claim",
    "c.id") ", "
            "json_object('id', c.id, 'source', s.id, 'quote', c.quote, 'occurrence', ?2, "
            "'statement', c.statement, 'kind', c.kind, 'metric', m.id, 'value', c.value, 'lower', "
            "c.lower, 'upper', c.upper, 'bound', c.bound, 'vague_term', c.vague_term, 'unit', "
            "c.unit, "
            "'value_date', c.value_date, 'value_text', c.value_text, 'as_of', c.as_of, "
            "'period_start', "
            "c.period_start, 'period_end', c.period_end, 'time_basis', c.time_basis, 'place', "
            "pl.id, "
            "'claimant', c.claimant, 'claimant_kind', c.claimant_kind, 'claimant_entity', ce.id, "
            "'subject', coalesce(sp.id, se.id), 'attribute', c.attribute, 'entities', "
            "json((SELECT json_group_array(x) FROM (SELECT coalesce(e.id, p.id) AS x FROM "
            "claim_mention "
            "cm LEFT JOIN entity e ON e.seq = cm.entity_seq LEFT JOIN program p ON p.seq = "
            "cm.program_seq WHERE cm.claim_seq = c.seq ORDER BY x))), 'topics', json((SELECT "
            "json_group_array(topic_id) FROM (SELECT topic_id FROM claim_topic WHERE claim_seq = "
            "c.seq "
            "ORDER BY topic_id))), 'footnote', fn.id, 'note', c.note, 'scope', c.scope, "
            "'candidate', c.candidate) "
            "FROM claim c JOIN source s ON s.seq = c.source_seq LEFT JOIN metric m ON m.seq = "
            "c.metric_seq LEFT JOIN entity pl ON pl.seq = c.place_seq LEFT JOIN entity ce ON "
            "ce.seq = "
            "c.claimant_entity_seq LEFT JOIN program sp ON sp.seq = c.subject_program_seq LEFT "
            "JOIN "
            "entity se ON se.seq = c.subject_entity_seq LEFT JOIN source fn ON fn.seq = "
            "c.footnote_seq "
            "WHERE c.id = ?1";

static const char SQL_LOAD_SOURCE[] = "SELECT s.deleted_at IS NOT NULL, s.revision, " CHANGED_IN(
    "source",
    "s.id") ", "
            "json_object('id', s.id, 'title', s.title, 'authors', json(s.authors), 'publisher', "
            "s.publisher, 'original_publisher', s.original_publisher, 'published', s.published, "
            "'published_basis', s.published_basis, 'written', s.written, 'url', s.url, 'kind', "
            "s.kind, "
            "'language', s.language, 'note', s.note, 'text', t.body) "
            "FROM source s LEFT JOIN source_text t ON t.source_seq = s.seq WHERE s.id = ?1";

static const char SQL_LOAD_PROGRAM[] = "SELECT p.deleted_at IS NOT NULL, p.revision, " CHANGED_IN(
    "program",
    "p.id") ", "
            "json_object('id', p.id, 'name', p.name, 'kind', p.kind, 'aliases', json((SELECT "
            "json_group_array(alias) FROM (SELECT alias FROM program_alias WHERE program_seq = "
            "p.seq "
            "ORDER BY alias))), 'description', p.description) FROM program p WHERE p.id = ?1";

/* Which occurrence of its quote a claim points at, or 0 when the quote is unique. */
static const char SQL_OCCURRENCE[] = "SELECT c.quote, c.byte_start, t.body FROM claim c JOIN "
                                     "source_text t ON t.source_seq = c.source_seq WHERE c.id = ?1";

static int64_t S_occurrence(struct db_conn *c, const char *id)
{
    sqlite3_stmt *st = NULL;
    int64_t occ = 0;
    if (db_stmt(c, SQL_OCCURRENCE, &st) != APP_OK)
        return 0;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *q = db_column_text(st, 0);
        size_t qlen = (size_t)sqlite3_column_bytes(st, 0);
        int64_t at = sqlite3_column_int64(st, 1);
        const char *body = db_column_text(st, 2);
        size_t blen = (size_t)sqlite3_column_bytes(st, 2);
        int64_t count = 0, mine = 0;
        for (const char *p = body; q && body && p < body + blen;) {
            const char *m = memmem(p, (size_t)(body + blen - p), q, qlen);
            if (!m)
                break;
            count++;
            if (m - body == at)
                mine = count;
            p = m + 1;
        }
        occ = count > 1 ? mine : 0;
    }
    sqlite3_reset(st);
    return occ;
}

enum app_status write_repo_load(struct db_conn *c, enum write_resource r, const char *id,
                                struct write_state *out)
{
    if (r >= WRITE_METRIC)
        return catalog_repo_load(c, r, id, out);
    memset(out, 0, sizeof *out);
    const char *sql = r == WRITE_CLAIM    ? SQL_LOAD_CLAIM
                      : r == WRITE_SOURCE ? SQL_LOAD_SOURCE
                                          : SQL_LOAD_PROGRAM;
    int64_t occ = r == WRITE_CLAIM ? S_occurrence(c, id) : 0;
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (r == WRITE_CLAIM && occ > 0)
        sqlite3_bind_int64(st, 2, occ);
    return write_state_step(st, out);
}

enum app_status write_state_step(struct sqlite3_stmt *st, struct write_state *out)
{
    enum app_status s;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->found = true;
        out->deleted = sqlite3_column_int(st, 0) != 0;
        out->revision = sqlite3_column_int64(st, 1);
        out->changed_in = sqlite3_column_int64(st, 2);
        size_t n = (size_t)sqlite3_column_bytes(st, 3);
        out->json = malloc(n + 1);
        if (out->json) {
            memcpy(out->json, sqlite3_column_text(st, 3), n);
            out->json[n] = '\0';
        }
        s = out->json ? APP_OK : APP_ENOMEM;
    } else {
        s = rc == SQLITE_DONE ? APP_OK : db_status(rc);
    }
    sqlite3_reset(st);
    return s;
}

void write_state_free(struct write_state *s)
{
    free(s->json);
    s->json = NULL;
}

/* ---- inserts and updates ----------------------------------------------- */

#define CLAIM_VALUES                                                                            \
    "(SELECT seq FROM source WHERE id = d->>'source'), d->>'quote', d->>'_quote_start', "       \
    "d->>'_quote_end', d->>'_byte_start', d->>'_byte_end', d->>'statement', d->>'kind', "       \
    "(SELECT seq FROM metric WHERE id = d->>'metric'), d->>'value', d->>'lower', d->>'upper', " \
    "d->>'bound', d->>'vague_term', d->>'unit', d->>'value_date', d->>'value_text', "           \
    "d->>'as_of', d->>'period_start', d->>'period_end', d->>'_time_start', d->>'_time_end', "   \
    "d->>'time_basis', (SELECT seq FROM entity WHERE id = d->>'place'), d->>'claimant', "       \
    "d->>'claimant_kind', (SELECT seq FROM entity WHERE id = d->>'claimant_entity'), "          \
    "(SELECT seq FROM program WHERE id = d->>'subject'), (SELECT seq FROM entity WHERE id = "   \
    "d->>'subject' AND NOT EXISTS (SELECT 1 FROM program WHERE id = d->>'subject')), "          \
    "d->>'attribute', (SELECT seq FROM source WHERE id = d->>'footnote'), d->>'note', "         \
    "d->>'scope', d->>'candidate'"

#define CLAIM_COLS                                                                              \
    "source_seq, quote, quote_start, quote_end, byte_start, byte_end, statement, kind, "        \
    "metric_seq, value, lower, upper, bound, vague_term, unit, value_date, value_text, as_of, " \
    "period_start, period_end, time_start, time_end, time_basis, place_seq, claimant, "         \
    "claimant_kind, claimant_entity_seq, subject_program_seq, subject_entity_seq, attribute, "  \
    "footnote_seq, note, scope, candidate"

static const char SQL_INS_CLAIM[] =
    "INSERT INTO claim (id, " CLAIM_COLS ", created_at, updated_at) "
    "SELECT d->>'id', " CLAIM_VALUES ", ?2, ?2 FROM (SELECT ?1 AS d)";
static const char SQL_UPD_CLAIM[] = "UPDATE claim SET (" CLAIM_COLS ") = (SELECT " CLAIM_VALUES
                                    " FROM (SELECT ?1 AS d)), revision = revision + 1, "
                                    "updated_at = ?3 WHERE id = ?2";
static const char SQL_DEL_TOPICS[] =
    "DELETE FROM claim_topic WHERE claim_seq = (SELECT seq FROM claim WHERE id = ?1)";
static const char SQL_INS_TOPICS[] =
    "INSERT OR IGNORE INTO claim_topic (claim_seq, topic_id) SELECT (SELECT seq FROM claim WHERE "
    "id = ?2), value FROM json_each(?1, '$.topics')";
static const char SQL_DEL_MENTIONS[] =
    "DELETE FROM claim_mention WHERE claim_seq = (SELECT seq FROM claim WHERE id = ?1)";
static const char SQL_INS_MENTIONS[] =
    "INSERT OR IGNORE INTO claim_mention (claim_seq, entity_seq, program_seq) SELECT (SELECT seq "
    "FROM claim WHERE id = ?2), e.seq, CASE WHEN e.seq IS NULL THEN p.seq END FROM "
    "json_each(?1, '$.entities') j LEFT JOIN entity e ON e.id = j.value LEFT JOIN program p ON "
    "p.id = j.value WHERE e.seq IS NOT NULL OR p.seq IS NOT NULL";

#define SOURCE_COLS                                                                   \
    "title, authors, publisher, original_publisher, published, published_precision, " \
    "published_basis, written, written_precision, url, kind, language, note"
#define SOURCE_VALUES                                                                        \
    "d->>'title', coalesce(d->'authors', '[]'), d->>'publisher', d->>'original_publisher', " \
    "d->>'published', d->>'_published_precision', d->>'published_basis', d->>'written', "    \
    "d->>'_written_precision', d->>'url', d->>'kind', d->>'language', d->>'note'"

static const char SQL_INS_SOURCE[] =
    "INSERT INTO source (id, " SOURCE_COLS ", created_at, "
    "updated_at) SELECT d->>'id', " SOURCE_VALUES ", ?2, ?2 FROM (SELECT ?1 AS d)";
static const char SQL_UPD_SOURCE[] = "UPDATE source SET (" SOURCE_COLS ") = (SELECT " SOURCE_VALUES
                                     " FROM (SELECT ?1 AS d)), revision = revision + 1, "
                                     "updated_at = ?3 WHERE id = ?2";
static const char SQL_DEL_TEXT[] =
    "DELETE FROM source_text WHERE source_seq = (SELECT seq FROM source WHERE id = ?1)";
static const char SQL_INS_TEXT[] =
    "INSERT INTO source_text (source_seq, body, sha256, chars, bytes) SELECT s.seq, d->>'text', "
    "d->>'_sha256', d->>'_chars', d->>'_bytes' FROM (SELECT ?1 AS d) JOIN source s ON s.id = "
    "d->>'id' WHERE d->>'text' IS NOT NULL";

static const char SQL_INS_PROGRAM[] =
    "INSERT INTO program (id, name, kind, description, created_at, updated_at) SELECT d->>'id', "
    "d->>'name', d->>'kind', d->>'description', ?2, ?2 FROM (SELECT ?1 AS d)";
static const char SQL_UPD_PROGRAM[] =
    "UPDATE program SET (name, kind, description) = (SELECT d->>'name', d->>'kind', "
    "d->>'description' FROM (SELECT ?1 AS d)), revision = revision + 1, updated_at = ?3 WHERE "
    "id = ?2";
static const char SQL_DEL_ALIASES[] =
    "DELETE FROM program_alias WHERE program_seq = (SELECT seq FROM program WHERE id = ?1)";
static const char SQL_INS_ALIASES[] =
    "INSERT OR IGNORE INTO program_alias (program_seq, alias) SELECT (SELECT seq FROM program "
    "WHERE id = ?2), value FROM json_each(?1, '$.aliases')";

/* Runs a cached statement binding text parameters 1..n (NULL binds NULL). */
static enum app_status S_exec(struct db_conn *c, const char *sql, const char *a, const char *b,
                              const char *d)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    const char *args[3] = {a, b, d};
    db_bind_texts(st, args, 3);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? APP_OK : db_status(rc);
}

static enum app_status S_reindex(struct db_conn *c, enum write_resource r, const char *id)
{
    return search_repo_reindex(c, write_repo_table(r), id);
}

/* Reads the id back out of a normalized document. */
static const char SQL_DOC_ID[] = "SELECT ?1 ->> 'id'";

static enum app_status S_doc_id(struct db_conn *c, const char *doc, char *out, size_t n)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_DOC_ID, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, doc, -1, SQLITE_STATIC);
    s = sqlite3_step(st) == SQLITE_ROW && S_copy_col(st, 0, out, n) ? APP_OK : APP_EINVAL;
    sqlite3_reset(st);
    return s;
}

static enum app_status S_children(struct db_conn *c, enum write_resource r, const char *id,
                                  const char *doc)
{
    enum app_status s = APP_OK;
    if (r == WRITE_CLAIM) {
        if ((s = S_exec(c, SQL_DEL_TOPICS, id, NULL, NULL)) ||
            (s = S_exec(c, SQL_INS_TOPICS, doc, id, NULL)) ||
            (s = S_exec(c, SQL_DEL_MENTIONS, id, NULL, NULL)) ||
            (s = S_exec(c, SQL_INS_MENTIONS, doc, id, NULL)))
            return s;
    } else if (r == WRITE_SOURCE) {
        if ((s = S_exec(c, SQL_DEL_TEXT, id, NULL, NULL)) ||
            (s = S_exec(c, SQL_INS_TEXT, doc, NULL, NULL)))
            return s;
    } else {
        if ((s = S_exec(c, SQL_DEL_ALIASES, id, NULL, NULL)) ||
            (s = S_exec(c, SQL_INS_ALIASES, doc, id, NULL)))
            return s;
    }
    return S_reindex(c, r, id);
}

enum app_status write_repo_insert(struct db_conn *c, enum write_resource r, const char *doc,
                                  const char *now)
{
    char id[128];
    enum app_status s = S_doc_id(c, doc, id, sizeof id);
    if (s != APP_OK)
        return s;
    if (r >= WRITE_METRIC)
        return catalog_repo_insert(c, r, id, doc, now);
    const char *sql = r == WRITE_CLAIM    ? SQL_INS_CLAIM
                      : r == WRITE_SOURCE ? SQL_INS_SOURCE
                                          : SQL_INS_PROGRAM;
    if ((s = S_exec(c, sql, doc, now, NULL)))
        return s;
    return S_children(c, r, id, doc);
}

enum app_status write_repo_update(struct db_conn *c, enum write_resource r, const char *id,
                                  const char *doc, const char *now)
{
    if (r >= WRITE_METRIC)
        return catalog_repo_update(c, r, id, doc, now);
    const char *sql = r == WRITE_CLAIM    ? SQL_UPD_CLAIM
                      : r == WRITE_SOURCE ? SQL_UPD_SOURCE
                                          : SQL_UPD_PROGRAM;
    enum app_status s = S_exec(c, sql, doc, id, now);
    if (s != APP_OK)
        return s;
    return S_children(c, r, id, doc);
}

static const char SQL_DEL_CLAIM[] = "UPDATE claim SET deleted_at = ?2, revision = revision + 1, "
                                    "updated_at = ?2 WHERE id = ?1";
static const char SQL_DEL_SOURCE[] = "UPDATE source SET deleted_at = ?2, revision = revision + "
                                     "1, updated_at = ?2 WHERE id = ?1";
static const char SQL_DEL_PROGRAM[] = "UPDATE program SET deleted_at = ?2, revision = revision "
                                      "+ 1, updated_at = ?2 WHERE id = ?1";
static const char SQL_RES_CLAIM[] = "UPDATE claim SET deleted_at = NULL, revision = revision + "
                                    "1, updated_at = ?2 WHERE id = ?1";
static const char SQL_RES_SOURCE[] = "UPDATE source SET deleted_at = NULL, revision = revision "
                                     "+ 1, updated_at = ?2 WHERE id = ?1";
static const char SQL_RES_PROGRAM[] = "UPDATE program SET deleted_at = NULL, revision = "
                                      "revision + 1, updated_at = ?2 WHERE id = ?1";

static const char SQL_LIVE_CLAIM[] = "UPDATE claim SET deleted_at = NULL WHERE id = ?1";
static const char SQL_LIVE_SOURCE[] = "UPDATE source SET deleted_at = NULL WHERE id = ?1";
static const char SQL_LIVE_PROGRAM[] = "UPDATE program SET deleted_at = NULL WHERE id = ?1";

enum app_status write_repo_restore(struct db_conn *c, enum write_resource r, const char *id,
                                   const char *doc, const char *now)
{
    if (r >= WRITE_METRIC)
        return catalog_repo_update(c, r, id, doc, now); /* makes a conflict live */
    const char *sql = r == WRITE_CLAIM    ? SQL_LIVE_CLAIM
                      : r == WRITE_SOURCE ? SQL_LIVE_SOURCE
                                          : SQL_LIVE_PROGRAM;
    enum app_status s = S_exec(c, sql, id, NULL, NULL);
    if (s != APP_OK)
        return s;
    return write_repo_update(c, r, id, doc, now); /* one revision step, and reindexed live */
}

enum app_status write_repo_set_deleted(struct db_conn *c, enum write_resource r, const char *id,
                                       bool deleted, const char *now)
{
    if (r >= WRITE_METRIC)
        return catalog_repo_set_deleted(c, r, id, deleted, now);
    const char *sql;
    if (deleted)
        sql = r == WRITE_CLAIM    ? SQL_DEL_CLAIM
              : r == WRITE_SOURCE ? SQL_DEL_SOURCE
                                  : SQL_DEL_PROGRAM;
    else
        sql = r == WRITE_CLAIM    ? SQL_RES_CLAIM
              : r == WRITE_SOURCE ? SQL_RES_SOURCE
                                  : SQL_RES_PROGRAM;
    enum app_status s = S_exec(c, sql, id, now, NULL);
    if (s != APP_OK)
        return s;
    return S_reindex(c, r, id); /* a deleted record leaves the index */
}

static const char SQL_CLAIMS_OF_SOURCE[] =
    "SELECT count(*) FROM claim c JOIN source s ON s.seq = c.source_seq WHERE s.id = ?1 AND "
    "c.deleted_at IS NULL";

/* Runs a count(*) statement with ?1 (and ?2 unless NULL) bound; *n is 0 when the step fails. */
static enum app_status S_count(struct db_conn *c, const char *sql, const char *a, const char *b,
                               int64_t *n)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    const char *args[2] = {a, b};
    db_bind_texts(st, args, 2);
    *n = 0;
    return db_step_i64(st, n);
}

enum app_status write_repo_claims_of_source(struct db_conn *c, const char *id, int64_t *n)
{
    return S_count(c, SQL_CLAIMS_OF_SOURCE, id, NULL, n);
}

static const char SQL_REFS_SOURCE[] =
    "SELECT count(*) FROM claim c JOIN source s ON s.id = ?1 WHERE c.deleted_at IS NULL AND "
    "(c.source_seq = s.seq OR c.footnote_seq = s.seq)";
static const char SQL_REFS_PROGRAM[] =
    "SELECT count(*) FROM claim c JOIN program p ON p.id = ?1 WHERE c.deleted_at IS NULL AND "
    "(c.subject_program_seq = p.seq OR EXISTS (SELECT 1 FROM claim_mention m WHERE m.claim_seq "
    "= c.seq AND m.program_seq = p.seq))";

enum app_status write_repo_claims_referencing(struct db_conn *c, enum write_resource r,
                                              const char *id, int64_t *n)
{
    *n = 0;
    if (r == WRITE_CLAIM)
        return catalog_repo_conflicts_citing(c, id, n);
    if (r >= WRITE_METRIC)
        return APP_OK;
    return S_count(c, r == WRITE_SOURCE ? SQL_REFS_SOURCE : SQL_REFS_PROGRAM, id, NULL, n);
}

static const char SQL_BUMP[] =
    "UPDATE dataset SET version = version + 1, updated_at = ?1 WHERE id = 1 RETURNING version";

enum app_status write_repo_bump_version(struct db_conn *c, const char *now, uint64_t *out)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_BUMP, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = (uint64_t)sqlite3_column_int64(st, 0);
    /* Drain so the statement completes the UPDATE before reset. */
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
}

/* ---- revisions ------------------------------------------------------------ */

/*
 * Large members of a revision's documents live once in revision_blob, keyed by
 * their SHA-256, and the document holds {"$blob": "<hex>"} in their place: a
 * hundred revisions of a source whose text never changed store it once.
 */
static const char SQL_LARGE_MEMBERS[] =
    "SELECT key, value FROM json_each(?1) WHERE type = 'text' AND length(CAST(value AS BLOB)) >= "
    "?2";
static const char SQL_BLOB_INS[] = "INSERT INTO revision_blob (sha256, body) VALUES (?1, ?2) ON "
                                   "CONFLICT (sha256) DO NOTHING";
static const char SQL_BLOB_REF[] =
    "SELECT json_set(?1, '$.\"' || ?2 || '\"', json_object('$blob', ?3))";
static const char SQL_BLOB_MEMBERS[] =
    "SELECT j.key, b.body FROM json_each(?1) j JOIN revision_blob b ON b.sha256 = "
    "json_extract(j.value, '$.\"$blob\"') WHERE j.type = 'object'";
static const char SQL_BLOB_SET[] = "SELECT json_set(?1, '$.\"' || ?2 || '\"', ?3)";

/* *doc = json_set(*doc, key, value) through SQL (sql: one of the two above); frees the old one. */
static enum app_status S_json_set(struct db_conn *c, const char *sql, char **doc, const char *key,
                                  const char *value)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    const char *v[] = {*doc, key, value};
    db_bind_texts(st, v, 3);
    int rc = sqlite3_step(st);
    char *out = NULL;
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        out = malloc(n + 1);
        if (out) {
            memcpy(out, sqlite3_column_text(st, 0), n);
            out[n] = '\0';
        }
    }
    sqlite3_reset(st);
    if (!out)
        return rc == SQLITE_ROW ? APP_ENOMEM : db_status(rc);
    free(*doc);
    *doc = out;
    return APP_OK;
}

struct member {
    char *key, *value;
};

/* The members a query over ?1 selects (key, value), malloc'd; *n of them. */
static enum app_status S_members(struct db_conn *c, const char *sql, const char *doc, bool min_len,
                                 struct member **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, doc, -1, SQLITE_STATIC);
    if (min_len)
        sqlite3_bind_int64(st, 2, WRITE_REPO_BLOB_MIN);
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct member *m = realloc(*out, ncap * sizeof *m);
            if (!m)
                break;
            *out = m;
            cap = ncap;
        }
        const char *k = db_column_text(st, 0), *v = db_column_text(st, 1);
        struct member *m = &(*out)[*n];
        m->key = strdup(k ? k : "");
        m->value = strdup(v ? v : "");
        if (!m->key || !m->value) {
            free(m->key);
            free(m->value);
            break;
        }
        (*n)++;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return APP_ENOMEM;
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
}

static void S_members_free(struct member *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].key);
        free(m[i].value);
    }
    free(m);
}

/* The document as stored: every large string member moved into revision_blob. */
static enum app_status S_pack(struct db_conn *c, const char *doc, char **out)
{
    *out = NULL;
    if (!doc)
        return APP_OK;
    if (!(*out = strdup(doc)))
        return APP_ENOMEM;
    struct member *m = NULL;
    size_t n = 0;
    enum app_status s = S_members(c, SQL_LARGE_MEMBERS, doc, true, &m, &n);
    for (size_t i = 0; s == APP_OK && i < n; i++) {
        char hex[65];
        sha256_hex(m[i].value, strlen(m[i].value), hex);
        sqlite3_stmt *st = NULL;
        if ((s = db_stmt(c, SQL_BLOB_INS, &st)) != APP_OK)
            break;
        const char *v[] = {hex, m[i].value};
        db_bind_texts(st, v, 2);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            s = db_status(rc);
        else
            s = S_json_set(c, SQL_BLOB_REF, out, m[i].key, hex);
    }
    S_members_free(m, n);
    if (s != APP_OK) {
        free(*out);
        *out = NULL;
    }
    return s;
}

/* The document as it was written: every {"$blob": ...} member replaced by its text. */
static enum app_status S_unpack(struct db_conn *c, const char *doc, char **out)
{
    *out = NULL;
    if (!doc)
        return APP_OK;
    if (!(*out = strdup(doc)))
        return APP_ENOMEM;
    struct member *m = NULL;
    size_t n = 0;
    enum app_status s = S_members(c, SQL_BLOB_MEMBERS, doc, false, &m, &n);
    for (size_t i = 0; s == APP_OK && i < n; i++)
        s = S_json_set(c, SQL_BLOB_SET, out, m[i].key, m[i].value);
    S_members_free(m, n);
    if (s != APP_OK) {
        free(*out);
        *out = NULL;
    }
    return s;
}

static const char SQL_REVISION[] =
    "INSERT INTO revision (resource, resource_id, action, actor, reason, at, before, after, "
    "dataset_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, json(?7), json(?8), ?9)";

enum app_status write_repo_revision(struct db_conn *c, enum write_resource r, const char *id,
                                    const char *action, const char *actor, const char *reason,
                                    const char *now, const char *before, const char *after,
                                    uint64_t version)
{
    char *pb = NULL, *pa = NULL;
    enum app_status s = S_pack(c, before, &pb);
    if (s == APP_OK)
        s = S_pack(c, after, &pa);
    sqlite3_stmt *st = NULL;
    if (s == APP_OK)
        s = db_stmt(c, SQL_REVISION, &st);
    if (s == APP_OK) {
        const char *v[] = {write_repo_table(r), id, action, actor, reason, now, pb, pa};
        db_bind_texts(st, v, 8);
        sqlite3_bind_int64(st, 9, (sqlite3_int64)version);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        s = rc == SQLITE_DONE ? APP_OK : db_status(rc);
    }
    free(pb);
    free(pa);
    return s;
}

static const char SQL_REVISIONS[] =
    "SELECT seq, action, actor, reason, at, before, after, dataset_version FROM revision WHERE "
    "resource = ?1 AND resource_id = ?2 ORDER BY seq LIMIT ?3 OFFSET ?4";
static const char SQL_REVISIONS_COUNT[] =
    "SELECT count(*) FROM revision WHERE resource = ?1 AND resource_id = ?2";

struct revision_visit {
    struct db_conn *c;
    revision_row_fn fn;
    void *ctx;
    enum app_status st;
};

static bool S_revision_row(void *ctx, sqlite3_stmt *st)
{
    struct revision_visit *v = ctx;
    char *before = NULL, *after = NULL;
    v->st = S_unpack(v->c, db_column_text(st, 5), &before);
    if (v->st == APP_OK)
        v->st = S_unpack(v->c, db_column_text(st, 6), &after);
    bool more = false;
    if (v->st == APP_OK) {
        struct revision_row row = {
            .seq = sqlite3_column_int64(st, 0),
            .action = db_column_text(st, 1),
            .actor = db_column_text(st, 2),
            .reason = db_column_text(st, 3),
            .at = db_column_text(st, 4),
            .before = before,
            .after = after,
            .dataset_version = sqlite3_column_int64(st, 7),
        };
        more = v->fn(v->ctx, &row);
    }
    free(before);
    free(after);
    return more;
}

enum app_status write_repo_revisions(struct db_conn *c, enum write_resource r, const char *id,
                                     int64_t limit, int64_t offset, revision_row_fn fn, void *ctx,
                                     int64_t *total)
{
    struct revision_visit v = {c, fn, ctx, APP_OK};
    sqlite3_stmt *st = NULL;
    enum app_status s = S_count(c, SQL_REVISIONS_COUNT, write_repo_table(r), id, total);
    if (s != APP_OK)
        return s;
    if ((s = db_stmt(c, SQL_REVISIONS, &st)) != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, write_repo_table(r), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, limit);
    sqlite3_bind_int64(st, 4, offset);
    s = db_rows(st, S_revision_row, &v);
    return s == APP_OK ? v.st : s;
}

/* ---- tokens ------------------------------------------------------------- */

static const char SQL_TOKEN_INS[] =
    "INSERT INTO api_token (name, hash, scope, created_at) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_TOKEN_REVOKE[] =
    "UPDATE api_token SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL";
static const char SQL_TOKEN_LIST[] =
    "SELECT name, scope, created_at, revoked_at FROM api_token ORDER BY name";
static const char SQL_TOKEN_ALL[] =
    "SELECT name, scope, hash FROM api_token WHERE revoked_at IS NULL ORDER BY name";

enum app_status token_repo_create(struct db_conn *c, const char *name, const char *hash_hex,
                                  const char *scope, const char *now)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_TOKEN_INS, &st);
    if (s != APP_OK)
        return s;
    const char *v[] = {name, hash_hex, scope, now};
    db_bind_texts(st, v, 4);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? APP_OK : db_status(rc);
}

enum app_status token_repo_revoke(struct db_conn *c, const char *name, const char *now)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_TOKEN_REVOKE, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_status(rc);
    return sqlite3_changes(db_handle(c)) > 0 ? APP_OK : APP_ENOTFOUND;
}

struct token_visit {
    token_row_fn fn;
    void *ctx;
};

static bool S_token_row(void *ctx, sqlite3_stmt *st)
{
    const struct token_visit *v = ctx;
    struct token_row row = {db_column_text(st, 0), db_column_text(st, 1), db_column_text(st, 2),
                            db_column_text(st, 3)};
    return v->fn(v->ctx, &row);
}

enum app_status token_repo_list(struct db_conn *c, token_row_fn fn, void *ctx)
{
    struct token_visit v = {fn, ctx};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_TOKEN_LIST, &st);
    if (s != APP_OK)
        return s;
    return db_rows(st, S_token_row, &v);
}

/* Compares two equal-length strings without an early exit. */
static bool S_ct_equal(const char *a, const char *b, size_t n)
{
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

enum app_status token_repo_find(struct db_conn *c, const char *hash_hex, char *name,
                                size_t name_len, char *scope, size_t scope_len)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_TOKEN_ALL, &st);
    if (s != APP_OK)
        return s;
    bool found = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *h = db_column_text(st, 2);
        bool eq = h && strlen(h) == 64 && S_ct_equal(h, hash_hex, 64);
        if (eq && !found) {
            found = S_copy_col(st, 0, name, name_len) && S_copy_col(st, 1, scope, scope_len);
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_status(rc);
    return found ? APP_OK : APP_ENOTFOUND;
}
