#include "claim_repo.h"

#include "buf.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

const char *const claim_sort_keys[] = {"as_of", "value", "id", "source", "metric", "kind", NULL};

/*
 * What a claim rests on, as one JSON object: the cited work (its footnote or inline
 * reference, and how it covers the claim), the relay chain (the curated rows of
 * claim_relay, else the default: the claimant, the source's authors when they are not
 * the claimant, the publishers), and the claims it repeats and that repeat it.
 */
#define CLAIM_PROVENANCE                                                                        \
    "json_object('rests_on', CASE WHEN fn.seq IS NULL THEN NULL ELSE json_object('source', "    \
    "fn.id, 'title', fn.title, 'in_base', json(iif(fn.kind <> 'cited', 'true', 'false')), "     \
    "'note', (SELECT min(label) FROM citation WHERE citing_seq = c.source_seq AND cited_seq = " \
    "c.footnote_seq), 'scope', c.footnote_scope) END, 'chain', json(CASE WHEN EXISTS (SELECT "  \
    "1 FROM claim_relay WHERE claim_seq = c.seq) THEN (SELECT json_group_array(json_object("    \
    "'role', r.role, 'name', r.name, 'entity', re.id, 'inferred', json(iif(r.inferred, "        \
    "'true', 'false')), 'basis', r.basis)) FROM (SELECT * FROM claim_relay WHERE claim_seq = "  \
    "c.seq ORDER BY position) r LEFT JOIN entity re ON re.seq = r.entity_seq) ELSE (SELECT "    \
    "json_group_array(json(x)) FROM (SELECT 0 AS k, json_object('role', 'claimant', 'name', "   \
    "c.claimant, 'entity', ce.id, 'inferred', json('false'), 'basis', 'the claim''s "           \
    "claimant') AS x UNION ALL SELECT 1, json_object('role', 'relay', 'name', (SELECT "         \
    "group_concat(value, ', ') FROM json_each(s.authors)), 'entity', NULL, 'inferred', "        \
    "json('false'), 'basis', 'the source''s authors') WHERE c.claimant_kind <> 'author' AND "   \
    "json_array_length(s.authors) > 0 UNION ALL SELECT 2, json_object('role', 'publisher', "    \
    "'name', s.publisher, 'entity', NULL, 'inferred', json('false'), 'basis', 'the source''s "  \
    "publisher') WHERE s.publisher IS NOT NULL UNION ALL SELECT 3, json_object('role', "        \
    "'publisher', 'name', s.original_publisher, 'entity', NULL, 'inferred', json('false'), "    \
    "'basis', 'the source''s original publisher') WHERE s.original_publisher IS NOT NULL "      \
    "ORDER BY k)) END), 'repeats', json((SELECT json_group_array(json_object('claim', t.id, "   \
    "'source', ts.id, 'basis', l.basis)) FROM (SELECT * FROM claim_link WHERE claim_seq = "     \
    "c.seq AND relation = 'repeats' ORDER BY target_seq) l JOIN claim t ON t.seq = "            \
    "l.target_seq AND t.deleted_at IS NULL JOIN source ts ON ts.seq = t.source_seq)), "         \
    "'repeated_by', json((SELECT json_group_array(json_object('claim', t.id, 'source', ts.id, " \
    "'basis', l.basis)) FROM (SELECT * FROM claim_link WHERE target_seq = c.seq AND relation "  \
    "= 'repeats' ORDER BY claim_seq) l JOIN claim t ON t.seq = l.claim_seq AND t.deleted_at "   \
    "IS NULL JOIN source ts ON ts.seq = t.source_seq)))"

/* Column list shared by every claim query; S_row() reads it by position. */
#define CLAIM_COLUMNS                                                                            \
    "c.seq, c.id, s.id, c.quote, c.quote_start, c.quote_end, c.statement, c.kind, m.id, "        \
    "c.value, c.lower, c.upper, c.bound, c.vague_term, c.unit, c.value_date, c.value_text, "     \
    "c.as_of, c.period_start, c.period_end, c.time_basis, pl.id, c.claimant, c.claimant_kind, "  \
    "ce.id, sp.id, se.id, c.attribute, fn.id, c.note, c.revision, c.created_at, c.updated_at, "  \
    "(SELECT json_group_array(topic_id) FROM (SELECT topic_id FROM claim_topic WHERE "           \
    "claim_seq = c.seq ORDER BY topic_id)), "                                                    \
    "(SELECT json_group_array(x) FROM (SELECT coalesce(e.id, p.id) AS x FROM claim_mention cm "  \
    "LEFT JOIN entity e ON e.seq = cm.entity_seq LEFT JOIN program p ON p.seq = cm.program_seq " \
    "WHERE cm.claim_seq = c.seq ORDER BY x)), "                                                  \
    "s.title, s.publisher, s.published, s.kind, m.label, m.unit, m.value_type, c.time_start, "   \
    "c.time_end, c.scope, c.candidate, " CLAIM_PROVENANCE

#define CLAIM_FROM                                            \
    " FROM claim c JOIN source s ON s.seq = c.source_seq"     \
    " LEFT JOIN metric m ON m.seq = c.metric_seq"             \
    " LEFT JOIN entity pl ON pl.seq = c.place_seq"            \
    " LEFT JOIN entity ce ON ce.seq = c.claimant_entity_seq"  \
    " LEFT JOIN program sp ON sp.seq = c.subject_program_seq" \
    " LEFT JOIN entity se ON se.seq = c.subject_entity_seq"   \
    " LEFT JOIN source fn ON fn.seq = c.footnote_seq"

/* Filter fragments: static text with named parameters only. */
#define IDS(p) " IN (SELECT value FROM json_each(" p "))"
static const char F_SOURCE[] =
    " AND c.source_seq IN (SELECT seq FROM source WHERE id" IDS(":source") ")";
static const char F_METRIC[] =
    " AND c.metric_seq IN (SELECT seq FROM metric WHERE id" IDS(":metric") ")";
static const char F_PROGRAM[] =
    " AND (c.subject_program_seq IN (SELECT seq FROM program WHERE id" IDS(
        ":program") ")"
                    " OR c.seq IN (SELECT cm.claim_seq FROM claim_mention cm JOIN program p ON "
                    "p.seq = "
                    "cm.program_seq WHERE p.id" IDS(":program") "))";
static const char F_ENTITY[] = " AND (c.subject_entity_seq IN (SELECT seq FROM entity WHERE id" IDS(
    ":entity") ")"
               " OR c.place_seq IN (SELECT seq FROM entity WHERE id" IDS(
                   ":entity") ")"
                              " OR c.claimant_entity_seq IN (SELECT seq FROM entity WHERE id" IDS(
                                  ":entity") ")"
                                             " OR c.seq IN (SELECT cm.claim_seq FROM claim_mention "
                                             "cm JOIN entity e ON e.seq = "
                                             "cm.entity_seq WHERE e.id" IDS(":entity") "))";
/*
 * One id (the common case) compares with '=': SQLite then walks the index in
 * its (column, seq) order and stops after a page, where "IN (subquery)" makes
 * it read and sort every matching row first.
 */
static const char F_SOURCE_ONE[] =
    " AND c.source_seq = (SELECT seq FROM source WHERE id = (:source ->> 0))";
static const char F_METRIC_ONE[] =
    " AND c.metric_seq = (SELECT seq FROM metric WHERE id = (:metric ->> 0))";
static const char F_PLACE_ONE[] =
    " AND c.place_seq = (SELECT seq FROM entity WHERE id = (:place ->> 0))";
static const char F_KIND_ONE[] = " AND c.kind = (:kind ->> 0)";

static const char F_PLACE[] =
    " AND c.place_seq IN (SELECT seq FROM entity WHERE id" IDS(":place") ")";
/* Case-insensitive beyond ASCII: the claimant text folded as the search index folds it
 * (db.h); or, through the claimant's entity, its id, name or any spelling, whole. */
static const char F_CLAIMANT[] =
    " AND EXISTS (SELECT 1 FROM json_each(:claimant) j WHERE " DB_FOLD_CONTAINS(
        "c.claimant",
        "j.value") " OR c.claimant_entity_seq IN (SELECT seq FROM entity WHERE id = j.value "
                   "OR name = j.value COLLATE NOCASE UNION SELECT entity_seq FROM entity_alias "
                   "WHERE alias = "
                   "j.value COLLATE NOCASE))";
static const char F_RESTS_ON[] = " AND (c.footnote_seq IN (SELECT seq FROM source WHERE id" IDS(
    ":rests_on") ") OR c.seq IN (SELECT l.claim_seq FROM claim_link l JOIN claim t ON t.seq "
                 "= l.target_seq AND t.deleted_at IS NULL JOIN source ts ON ts.seq = "
                 "t.source_seq WHERE ts.id" IDS(":rests_on") "))";
/* A name or entity id j.value relays the claim: curated relays, else the source's authors. */
static const char F_RELAYED_BY[] =
    " AND EXISTS (SELECT 1 FROM json_each(:relayed_by) j WHERE CASE WHEN EXISTS (SELECT 1 FROM "
    "claim_relay WHERE claim_seq = c.seq) THEN EXISTS (SELECT 1 FROM claim_relay r LEFT JOIN "
    "entity re ON re.seq = r.entity_seq WHERE r.claim_seq = c.seq AND r.role = 'relay' AND "
    "(re.id = j.value OR instr(lower(r.name), lower(j.value)) > 0)) ELSE c.claimant_kind <> "
    "'author' AND EXISTS (SELECT 1 FROM source s2, json_each(s2.authors) a WHERE s2.seq = "
    "c.source_seq AND (instr(lower(a.value), lower(j.value)) > 0 OR a.value IN (SELECT alias "
    "FROM entity_alias WHERE entity_seq = (SELECT seq FROM entity WHERE id = j.value)) OR "
    "a.value = (SELECT name FROM entity WHERE id = j.value))) END)";
static const char F_KIND[] = " AND c.kind" IDS(":kind");
static const char F_TOPIC[] =
    " AND c.seq IN (SELECT claim_seq FROM claim_topic WHERE topic_id" IDS(":topic") ")";
static const char F_SUBJECT[] =
    " AND (c.subject_program_seq IN (SELECT seq FROM program WHERE id" IDS(
        ":subject") ")"
                    " OR c.subject_entity_seq IN (SELECT seq FROM entity WHERE id" IDS(
                        ":subject") "))";
static const char F_ID[] = " AND c.id" IDS(":id");
static const char F_FROM[] = " AND c.time_end >= :from";
static const char F_TO[] = " AND c.time_start <= :to";
/*
 * The timeline (dated_only) also takes the claims whose value is a date and that have no
 * time window (a program's start, a law's date): their days are those of value_date, a
 * partial date (YYYY, YYYY-MM or YYYY-MM-DD), counted like time_start from 1970-01-01.
 */
#define VD_FIRST                                                                                 \
    "CAST(julianday(CASE length(c.value_date) WHEN 4 THEN c.value_date || '-01-01' WHEN 7 THEN " \
    "c.value_date || '-01' ELSE c.value_date END) - 2440587.5 AS INTEGER)"
#define VD_LAST                                                                                  \
    "CAST(julianday(CASE length(c.value_date) WHEN 4 THEN c.value_date || '-12-31' WHEN 7 THEN " \
    "date(c.value_date || '-01', '+1 month', '-1 day') ELSE c.value_date END) - 2440587.5 AS "   \
    "INTEGER)"
#define EV_START "coalesce(c.time_start, " VD_FIRST ")"
#define EV_END   "coalesce(c.time_end, " VD_LAST ")"
static const char F_DATED_EV[] = " AND (c.time_start IS NOT NULL OR c.value_date IS NOT NULL)";
static const char F_FROM_EV[] = " AND " EV_END " >= :from";
static const char F_TO_EV[] = " AND " EV_START " <= :to";
static const char F_NUMERIC[] = " AND coalesce(c.value, c.lower, c.upper) IS NOT NULL";
static const char F_NOT_NUMERIC[] = " AND coalesce(c.value, c.lower, c.upper) IS NULL";
static const char F_VMIN[] = " AND coalesce(c.upper, c.value, c.lower) >= :vmin";
static const char F_VMAX[] = " AND coalesce(c.lower, c.value, c.upper) <= :vmax";
/* Claim rows of the search index are keyed seq * 4 (migration 0007). */
static const char F_FTS[] = " AND c.seq IN (SELECT rowid >> 2 FROM search_index WHERE "
                            "search_index MATCH :fts AND (rowid & 3) = 0)";

static void S_where(struct buf *b, const struct claim_filter *f)
{
    buf_puts(b, " WHERE c.deleted_at IS NULL");
    if (f->source_json)
        buf_puts(b, strchr(f->source_json, ',') ? F_SOURCE : F_SOURCE_ONE);
    if (f->metric_json)
        buf_puts(b, strchr(f->metric_json, ',') ? F_METRIC : F_METRIC_ONE);
    if (f->program_json)
        buf_puts(b, F_PROGRAM);
    if (f->entity_json)
        buf_puts(b, F_ENTITY);
    if (f->place_json)
        buf_puts(b, strchr(f->place_json, ',') ? F_PLACE : F_PLACE_ONE);
    if (f->claimant_json)
        buf_puts(b, F_CLAIMANT);
    if (f->rests_on_json)
        buf_puts(b, F_RESTS_ON);
    if (f->relayed_by_json)
        buf_puts(b, F_RELAYED_BY);
    if (f->kind_json)
        buf_puts(b, strchr(f->kind_json, ',') ? F_KIND : F_KIND_ONE);
    if (f->topic_json)
        buf_puts(b, F_TOPIC);
    if (f->subject_json)
        buf_puts(b, F_SUBJECT);
    if (f->id_json)
        buf_puts(b, F_ID);
    if (f->has_from)
        buf_puts(b, f->dated_only ? F_FROM_EV : F_FROM);
    if (f->has_to)
        buf_puts(b, f->dated_only ? F_TO_EV : F_TO);
    if (f->dated_only)
        buf_puts(b, F_DATED_EV);
    if (f->numeric == 1)
        buf_puts(b, F_NUMERIC);
    else if (f->numeric == 2)
        buf_puts(b, F_NOT_NUMERIC);
    if (f->has_vmin)
        buf_puts(b, F_VMIN);
    if (f->has_vmax)
        buf_puts(b, F_VMAX);
    if (f->fts)
        buf_puts(b, F_FTS);
}

static void S_bind_filter(sqlite3_stmt *st, const void *filter)
{
    const struct claim_filter *f = filter;
    db_bind_named_text(st, ":source", f->source_json);
    db_bind_named_text(st, ":metric", f->metric_json);
    db_bind_named_text(st, ":program", f->program_json);
    db_bind_named_text(st, ":entity", f->entity_json);
    db_bind_named_text(st, ":place", f->place_json);
    db_bind_named_text(st, ":claimant", f->claimant_json);
    db_bind_named_text(st, ":rests_on", f->rests_on_json);
    db_bind_named_text(st, ":relayed_by", f->relayed_by_json);
    db_bind_named_text(st, ":kind", f->kind_json);
    db_bind_named_text(st, ":topic", f->topic_json);
    db_bind_named_text(st, ":id", f->id_json);
    db_bind_named_text(st, ":subject", f->subject_json);
    db_bind_named_text(st, ":fts", f->fts);
    if (f->has_from)
        db_bind_named_i64(st, ":from", f->from_day);
    if (f->has_to)
        db_bind_named_i64(st, ":to", f->to_day);
    if (f->has_vmin)
        db_bind_named_double(st, ":vmin", f->vmin);
    if (f->has_vmax)
        db_bind_named_double(st, ":vmax", f->vmax);
}

/* Reads CLAIM_COLUMNS; returns the index of the first column after them. */
static int S_row(sqlite3_stmt *st, struct claim_row *r)
{
    int i = 0;
    *r = (struct claim_row){0};
    r->seq = sqlite3_column_int64(st, i++);
    r->id = db_column_text(st, i++);
    r->source_id = db_column_text(st, i++);
    r->quote = db_column_text(st, i++);
    r->quote_start = sqlite3_column_int64(st, i++);
    r->quote_end = sqlite3_column_int64(st, i++);
    r->statement = db_column_text(st, i++);
    r->kind = db_column_text(st, i++);
    r->metric_id = db_column_text(st, i++);
    r->has_value = db_column_double(st, i++, &r->value);
    r->has_lower = db_column_double(st, i++, &r->lower);
    r->has_upper = db_column_double(st, i++, &r->upper);
    r->bound = db_column_text(st, i++);
    r->vague_term = db_column_text(st, i++);
    r->unit = db_column_text(st, i++);
    r->value_date = db_column_text(st, i++);
    r->value_text = db_column_text(st, i++);
    r->as_of = db_column_text(st, i++);
    r->period_start = db_column_text(st, i++);
    r->period_end = db_column_text(st, i++);
    r->time_basis = db_column_text(st, i++);
    r->place_id = db_column_text(st, i++);
    r->claimant = db_column_text(st, i++);
    r->claimant_kind = db_column_text(st, i++);
    r->claimant_entity_id = db_column_text(st, i++);
    r->subject_program_id = db_column_text(st, i++);
    r->subject_entity_id = db_column_text(st, i++);
    r->attribute = db_column_text(st, i++);
    r->footnote_id = db_column_text(st, i++);
    r->note = db_column_text(st, i++);
    r->revision = sqlite3_column_int64(st, i++);
    r->created_at = db_column_text(st, i++);
    r->updated_at = db_column_text(st, i++);
    r->topics_json = db_column_text(st, i++);
    r->mentions_json = db_column_text(st, i++);
    r->source_title = db_column_text(st, i++);
    r->source_publisher = db_column_text(st, i++);
    r->source_published = db_column_text(st, i++);
    r->source_kind = db_column_text(st, i++);
    r->metric_label = db_column_text(st, i++);
    r->metric_unit = db_column_text(st, i++);
    r->metric_value_type = db_column_text(st, i++);
    r->has_time = sqlite3_column_type(st, i) != SQLITE_NULL;
    r->time_start = sqlite3_column_int64(st, i++);
    r->time_end = sqlite3_column_int64(st, i++);
    r->scope = db_column_text(st, i++);
    r->candidate = db_column_text(st, i++);
    r->provenance_json = db_column_text(st, i++);
    return i;
}

/* The caller's row callback, for db_rows(). */
struct visit {
    claim_row_fn fn;
    void *ctx;
};

static bool S_visit(void *ctx, sqlite3_stmt *st)
{
    const struct visit *v = ctx;
    struct claim_row row;
    S_row(st, &row);
    row.context_before = row.context_after = NULL;
    return v->fn(v->ctx, &row);
}

/* ORDER BY fragments per sort key: ascending and descending; NULLs always last. */
static const char *const order_sql[][2] = {
    {"c.time_start IS NULL, c.time_start ASC, c.time_end ASC",
     "c.time_start IS NULL, c.time_end DESC, c.time_start DESC"},
    {"coalesce(c.value, c.lower, c.upper) IS NULL, coalesce(c.value, c.lower, c.upper) ASC",
     "coalesce(c.value, c.lower, c.upper) IS NULL, coalesce(c.value, c.lower, c.upper) DESC"},
    {"c.id ASC", "c.id DESC"},
    {"s.id ASC", "s.id DESC"},
    {"m.id IS NULL, m.id ASC", "m.id IS NULL, m.id DESC"},
    {"c.kind ASC", "c.kind DESC"},
    /* CLAIM_SORT_EVENT_DATE: the timeline's days, the window's or value_date's */
    {EV_START " ASC, " EV_END " ASC", EV_END " DESC, " EV_START " DESC"},
};

enum app_status claim_repo_list(struct db_conn *c, const struct claim_filter *f,
                                const struct sort_key *sort, size_t nsort, int64_t limit,
                                int64_t offset, bool keyset, int64_t after, claim_row_fn fn,
                                void *ctx)
{
    const struct db_page pg = {"c.seq", order_sql, sort, nsort, limit, offset, keyset, after};
    struct visit v = {fn, ctx};
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT " CLAIM_COLUMNS CLAIM_FROM);
    S_where(&sql, f);
    return db_page_rows(c, &sql, &pg, S_bind_filter, f, S_visit, &v);
}

enum app_status claim_repo_count(struct db_conn *c, const struct claim_filter *f, int64_t *out)
{
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT count(*) FROM claim c");
    S_where(&sql, f);
    return db_count_buf(c, &sql, S_bind_filter, f, out);
}

/*
 * The claim and the stored text around its quote, in one statement (one read
 * transaction). The windows are cut by byte offsets, 4 bytes per code point
 * asked for (the longest UTF-8 sequence), which costs nothing however far into
 * the text the quote is; S_visit_context() trims them to whole code points.
 */
static const char SQL_GET_CONTEXT[] =
    "SELECT " CLAIM_COLUMNS ", substr(CAST(t.body AS BLOB), max(c.byte_start - 4 * ?2, 0) + 1, "
    "c.byte_start - max(c.byte_start - 4 * ?2, 0)), substr(CAST(t.body AS BLOB), c.byte_end + 1, "
    "4 * ?2), ?2" CLAIM_FROM " LEFT JOIN source_text t ON t.source_seq = c.source_seq"
    " WHERE c.id = ?1 AND c.deleted_at IS NULL";

static bool S_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* The last `chars` code points of p[0..n): skips a sequence cut at the front. */
static size_t S_tail_chars(const unsigned char *p, size_t n, int64_t chars, size_t *skip)
{
    size_t start = n;
    int64_t k = 0;
    while (start > 0 && k < chars) {
        start--;
        while (start > 0 && S_cont(p[start]))
            start--;
        if (S_cont(p[start]))
            break; /* only continuation bytes left: the cut sequence */
        k++;
    }
    *skip = start;
    return n - start;
}

/* The first `chars` whole code points of p[0..n): drops a sequence cut at the end. */
static size_t S_head_chars(const unsigned char *p, size_t n, int64_t chars)
{
    size_t i = 0;
    int64_t k = 0;
    while (i < n && k < chars) {
        size_t len = p[i] < 0x80 ? 1 : p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : 2;
        if (i + len > n)
            break;
        i += len;
        k++;
    }
    return i;
}

static bool S_visit_context(void *ctx, sqlite3_stmt *st)
{
    const struct visit *v = ctx;
    struct claim_row row;
    int i = S_row(st, &row);
    const unsigned char *before = sqlite3_column_blob(st, i);
    size_t nb = (size_t)sqlite3_column_bytes(st, i);
    const unsigned char *after = sqlite3_column_blob(st, i + 1);
    size_t na = (size_t)sqlite3_column_bytes(st, i + 1);
    int64_t chars = sqlite3_column_int64(st, i + 2);
    if (sqlite3_column_type(st, i) == SQLITE_NULL || sqlite3_column_type(st, i + 1) == SQLITE_NULL)
        return v->fn(v->ctx, &row); /* no stored text */
    size_t skip = 0;
    row.context_before_len = before ? S_tail_chars(before, nb, chars, &skip) : 0;
    row.context_before = before ? (const char *)before + skip : "";
    row.context_after_len = after ? S_head_chars(after, na, chars) : 0;
    row.context_after = after ? (const char *)after : "";
    return v->fn(v->ctx, &row);
}

enum app_status claim_repo_get_context(struct db_conn *c, const char *id, int chars,
                                       claim_row_fn fn, void *ctx)
{
    struct visit v = {fn, ctx};
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_GET_CONTEXT, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, chars);
    return db_rows_found(st, S_visit_context, &v);
}
