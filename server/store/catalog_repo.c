#include "catalog_repo.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A curated conflict's API id is "curated-<stored id>". */
#define CURATED_ID(col)    "'" WRITE_CURATED_PREFIX "' || " col
#define BY_CURATED_ID(col) col " = substr(?1, 9) AND substr(?1, 1, 8) = '" WRITE_CURATED_PREFIX "'"

static const char SQL_LOAD_METRIC[] = "SELECT 0, m.revision, " CHANGED_IN(
    "metric",
    "m.id") ", json_object('id', m.id, 'label', "
            "m.label, 'unit', m.unit, 'value_type', m.value_type, 'definition', m.definition, "
            "'counting_basis', m.counting_basis, 'cumulative', json(CASE WHEN m.cumulative THEN "
            "'true' "
            "ELSE 'false' END), 'one_per_subject', json(CASE WHEN m.one_per_subject THEN 'true' "
            "ELSE "
            "'false' END), 'source', s.id) FROM metric m LEFT JOIN source s ON s.seq = "
            "m.source_seq "
            "WHERE m.id = ?1";

static const char SQL_LOAD_RELATION[] = "SELECT 0, r.revision, " CHANGED_IN(
    "relation", "r.id") ", json_object('id', r.id, 'kind', "
                        "r.kind, 'metric', m.id, 'whole', w.id, 'part', p.id, 'parts', CASE WHEN "
                        "r.kind = 'sum' THEN "
                        "json((SELECT json_group_array(x) FROM (SELECT pm.id AS x FROM "
                        "metric_relation_part rp JOIN "
                        "metric pm ON pm.seq = rp.metric_seq WHERE rp.relation_seq = r.seq ORDER "
                        "BY rp.rowid))) END, "
                        "'min', mn.id, 'max', mx.id, 'whole_place', pl.id, 'note', r.note) FROM "
                        "metric_relation r "
                        "JOIN metric m ON m.seq = r.metric_seq LEFT JOIN metric w ON w.seq = "
                        "r.whole_seq LEFT JOIN "
                        "metric p ON p.seq = r.part_seq LEFT JOIN metric mn ON mn.seq = r.min_seq "
                        "LEFT JOIN metric "
                        "mx ON mx.seq = r.max_seq LEFT JOIN entity pl ON pl.seq = "
                        "r.whole_place_seq WHERE r.id = ?1";

#define CONFLICT_SIDE(n)                                                                      \
    "json((SELECT json_group_array(x) FROM (SELECT c.id AS x FROM curated_conflict_claim cc " \
    "JOIN claim c ON c.seq = cc.claim_seq WHERE cc.conflict_seq = k.seq AND cc.side = " n     \
    " ORDER BY cc.rowid)))"

static const char
    SQL_LOAD_CONFLICT[] =
        "SELECT k.deleted_at IS NOT NULL, k.revision, " CHANGED_IN("conflict", CURATED_ID("k.id")) ", json_object('id', " CURATED_ID(
            "k.id") ", 'a', " CONFLICT_SIDE("0") ", 'b', " CONFLICT_SIDE("1") ", 'certainty', "
                                                                              "k.certainty, "
                                                                              "'dissolves_if', "
                                                                              "k.dissolves_if, "
                                                                              "'explanation', "
                                                                              "k.explanation) FROM "
                                                                              "curated_conflict k "
                                                                              "WHERE"
                                                                              " " BY_CURATED_ID(
                                                                                  "k.id");

enum app_status catalog_repo_load(struct db_conn *c, enum write_resource r, const char *id,
                                  struct write_state *out)
{
    memset(out, 0, sizeof *out);
    const char *sql = r == WRITE_METRIC     ? SQL_LOAD_METRIC
                      : r == WRITE_RELATION ? SQL_LOAD_RELATION
                                            : SQL_LOAD_CONFLICT;
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, sql, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return write_state_step(st, out);
}

/* ---- inserts and updates ---------------------------------------------------- */

#define METRIC_COLS \
    "label, unit, value_type, definition, counting_basis, cumulative, one_per_subject, source_seq"
#define METRIC_VALUES                                                                     \
    "d->>'label', d->>'unit', d->>'value_type', d->>'definition', d->>'counting_basis', " \
    "d->>'cumulative', d->>'one_per_subject', (SELECT seq FROM source WHERE id = d->>'source')"
static const char SQL_INS_METRIC[] = "INSERT INTO metric (id, " METRIC_COLS ", updated_at) SELECT "
                                     "d->>'id', " METRIC_VALUES ", ?3 FROM (SELECT ?1 AS d)";
static const char SQL_UPD_METRIC[] = "UPDATE metric SET (" METRIC_COLS ") = (SELECT " METRIC_VALUES
                                     " FROM (SELECT ?1 AS d)), revision = revision + 1, "
                                     "updated_at = ?3 WHERE id = ?2";

#define RELATION_COLS \
    "kind, metric_seq, whole_seq, part_seq, min_seq, max_seq, whole_place_seq, note"
#define RELATION_VALUES                                                                      \
    "d->>'kind', (SELECT seq FROM metric WHERE id = d->>'metric'), (SELECT seq FROM metric " \
    "WHERE id = d->>'whole'), (SELECT seq FROM metric WHERE id = d->>'part'), (SELECT seq "  \
    "FROM metric WHERE id = d->>'min'), (SELECT seq FROM metric WHERE id = d->>'max'), "     \
    "(SELECT seq FROM entity WHERE id = d->>'whole_place'), d->>'note'"
static const char SQL_INS_RELATION[] =
    "INSERT INTO metric_relation (id, " RELATION_COLS ", created_at, updated_at) SELECT "
    "d->>'id', " RELATION_VALUES ", ?3, ?3 FROM (SELECT ?1 AS d)";
static const char SQL_UPD_RELATION[] =
    "UPDATE metric_relation SET (" RELATION_COLS ") = (SELECT " RELATION_VALUES
    " FROM (SELECT ?1 AS d)), revision = revision + 1, updated_at = ?3 WHERE id = ?2";
static const char SQL_DEL_PARTS[] = "DELETE FROM metric_relation_part WHERE relation_seq = "
                                    "(SELECT seq FROM metric_relation WHERE id = ?1)";
static const char SQL_INS_PARTS[] =
    "INSERT INTO metric_relation_part (relation_seq, metric_seq) SELECT (SELECT seq FROM "
    "metric_relation WHERE id = ?2), m.seq FROM json_each(?1, '$.parts') j JOIN metric m ON "
    "m.id = j.value ORDER BY j.key";
static const char SQL_DEL_RELATION[] = "DELETE FROM metric_relation WHERE id = ?1";

static const char SQL_INS_CONFLICT[] =
    "INSERT INTO curated_conflict (id, certainty, dissolves_if, explanation, created_at, "
    "updated_at) SELECT substr(d->>'id', 9), d->>'certainty', d->>'dissolves_if', "
    "d->>'explanation', ?3, ?3 FROM (SELECT ?1 AS d)";
static const char SQL_UPD_CONFLICT[] =
    "UPDATE curated_conflict SET (certainty, dissolves_if, explanation) = (SELECT "
    "d->>'certainty', d->>'dissolves_if', d->>'explanation' FROM (SELECT ?1 AS d)), revision = "
    "revision + 1, updated_at = ?3 WHERE id = substr(?2, 9)";
static const char SQL_DEL_SIDES[] =
    "DELETE FROM curated_conflict_claim WHERE conflict_seq = (SELECT seq FROM curated_conflict "
    "k WHERE " BY_CURATED_ID("k.id") ")";
static const char SQL_INS_SIDES[] =
    "INSERT INTO curated_conflict_claim (conflict_seq, claim_seq, side) SELECT (SELECT seq FROM "
    "curated_conflict WHERE id = substr(?2, 9)), c.seq, s.side FROM (SELECT 0 AS side, '$.a' AS "
    "p UNION ALL SELECT 1, '$.b') s, json_each(?1, s.p) j JOIN claim c ON c.id = j.value ORDER "
    "BY s.side, j.key";
static const char SQL_SET_DELETED_CONFLICT[] =
    "UPDATE curated_conflict SET deleted_at = ?2, revision = revision + 1, updated_at = ?3 "
    "WHERE " BY_CURATED_ID("id");
static const char SQL_LIVE_CONFLICT[] =
    "UPDATE curated_conflict SET deleted_at = NULL WHERE " BY_CURATED_ID("id");

/* Runs a cached statement binding ?1..?3 as text (NULL binds NULL). */
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

static enum app_status S_children(struct db_conn *c, enum write_resource r, const char *id,
                                  const char *doc)
{
    enum app_status s = APP_OK;
    if (r == WRITE_RELATION) {
        if ((s = S_exec(c, SQL_DEL_PARTS, id, NULL, NULL)) == APP_OK)
            s = S_exec(c, SQL_INS_PARTS, doc, id, NULL);
    } else if (r == WRITE_CONFLICT) {
        if ((s = S_exec(c, SQL_DEL_SIDES, id, NULL, NULL)) == APP_OK)
            s = S_exec(c, SQL_INS_SIDES, doc, id, NULL);
    }
    return s;
}

enum app_status catalog_repo_insert(struct db_conn *c, enum write_resource r, const char *id,
                                    const char *doc, const char *now)
{
    const char *sql = r == WRITE_METRIC     ? SQL_INS_METRIC
                      : r == WRITE_RELATION ? SQL_INS_RELATION
                                            : SQL_INS_CONFLICT;
    enum app_status s = S_exec(c, sql, doc, NULL, now);
    return s != APP_OK ? s : S_children(c, r, id, doc);
}

enum app_status catalog_repo_update(struct db_conn *c, enum write_resource r, const char *id,
                                    const char *doc, const char *now)
{
    const char *sql = r == WRITE_METRIC     ? SQL_UPD_METRIC
                      : r == WRITE_RELATION ? SQL_UPD_RELATION
                                            : SQL_UPD_CONFLICT;
    enum app_status s = APP_OK;
    if (r == WRITE_CONFLICT)
        s = S_exec(c, SQL_LIVE_CONFLICT, id, NULL, NULL); /* a restore writes through here */
    if (s == APP_OK)
        s = S_exec(c, sql, doc, id, now);
    return s != APP_OK ? s : S_children(c, r, id, doc);
}

enum app_status catalog_repo_set_deleted(struct db_conn *c, enum write_resource r, const char *id,
                                         bool deleted, const char *now)
{
    if (r == WRITE_CONFLICT)
        return S_exec(c, SQL_SET_DELETED_CONFLICT, id, deleted ? now : NULL, now);
    if (r == WRITE_RELATION && deleted) {
        enum app_status s = S_exec(c, SQL_DEL_PARTS, id, NULL, NULL);
        return s != APP_OK ? s : S_exec(c, SQL_DEL_RELATION, id, NULL, NULL);
    }
    return APP_EINVAL; /* metrics are not deleted; a removed relation is created again */
}

/* ---- checks across the catalog ----------------------------------------------- */

static void S_problem(struct catalog_problems *p, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void S_problem(struct catalog_problems *p, const char *pointer, const char *fmt, ...)
{
    if (p->n >= CATALOG_MAX_PROBLEMS)
        return;
    snprintf(p->pointer[p->n], sizeof p->pointer[p->n], "%s", pointer);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->msg[p->n], sizeof p->msg[p->n], fmt, ap);
    va_end(ap);
    p->n++;
}

/*
 * A metric that would lie within itself: the edges are "part within whole" (part_whole:
 * metric within whole; sum: each part within the sum's metric), walked up from the
 * relation's metric. The catalog had no cycle before this write, so a new one passes
 * through the relation just written, hence through its metric. UNION keeps one row per
 * metric reached: the walk is linear in the catalog.
 */
static const char SQL_CYCLE[] =
    "WITH RECURSIVE e(a, b) AS (SELECT metric_seq, whole_seq FROM metric_relation WHERE kind = "
    "'part_whole' UNION ALL SELECT rp.metric_seq, r.metric_seq FROM metric_relation r JOIN "
    "metric_relation_part rp ON rp.relation_seq = r.seq WHERE r.kind = 'sum'), s(seq) AS "
    "(SELECT metric_seq FROM metric_relation WHERE id = ?1), up(cur) AS (SELECT e.b FROM e, s "
    "WHERE e.a = s.seq UNION SELECT e.b FROM up JOIN e ON e.a = up.cur) SELECT m.id, r.kind FROM "
    "s JOIN metric m ON m.seq = s.seq JOIN metric_relation r ON r.id = ?1 WHERE s.seq IN "
    "(SELECT cur FROM up)";

/* Relations that name metric ?1 and whose metrics no longer share one unit (or a share
 * whose metric is not a percentage). */
static const char SQL_UNIT_BREAKS[] =
    "SELECT r.id, r.kind FROM metric_relation r JOIN metric m ON m.seq = r.metric_seq LEFT "
    "JOIN metric w ON w.seq = r.whole_seq LEFT JOIN metric p ON p.seq = r.part_seq LEFT JOIN "
    "metric mn ON mn.seq = r.min_seq LEFT JOIN metric mx ON mx.seq = r.max_seq WHERE ?1 IN "
    "(m.id, w.id, p.id, mn.id, mx.id) OR EXISTS (SELECT 1 FROM metric_relation_part rp JOIN "
    "metric x ON x.seq = rp.metric_seq WHERE rp.relation_seq = r.seq AND x.id = ?1) OR "
    "(r.kind = 'sum' AND m.id = ?1) GROUP BY r.seq HAVING (r.kind = 'part_whole' AND w.unit <> "
    "m.unit) OR (r.kind = 'share' AND (p.unit <> w.unit OR m.unit <> 'percent')) OR (r.kind = "
    "'range' AND (mn.unit <> m.unit OR mx.unit <> m.unit)) OR (r.kind = 'sum' AND EXISTS "
    "(SELECT 1 FROM metric_relation_part rp JOIN metric x ON x.seq = rp.metric_seq WHERE "
    "rp.relation_seq = r.seq AND x.unit <> m.unit)) ORDER BY r.id";

/* Live claims of metric ?1 given in another unit than the metric's. */
static const char SQL_CLAIM_UNITS[] =
    "SELECT count(*), min(c.unit) FROM claim c JOIN metric m ON m.seq = c.metric_seq WHERE m.id "
    "= ?1 AND c.deleted_at IS NULL AND c.unit IS NOT m.unit";
/* Live claims of metric ?1 when its value type changed from ?2's. */
static const char SQL_CLAIM_VTYPE[] =
    "SELECT count(*), m.value_type FROM claim c JOIN metric m ON m.seq = c.metric_seq WHERE m.id "
    "= ?1 AND c.deleted_at IS NULL AND m.value_type IS NOT ?2 ->> 'value_type'";

enum app_status catalog_repo_check(struct db_conn *c, enum write_resource r, const char *id,
                                   const char *before, struct catalog_problems *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    enum app_status s = APP_OK;
    int rc = SQLITE_DONE;
    if (r == WRITE_RELATION) {
        if ((s = db_stmt(c, SQL_CYCLE, &st)) != APP_OK)
            return s;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            bool sum = strcmp(db_column_text(st, 1), "sum") == 0;
            S_problem(out, sum ? "/parts" : "/whole",
                      "makes a cycle of part/whole relations: metric '%.80s' would lie within "
                      "itself",
                      db_column_text(st, 0));
        }
        sqlite3_reset(st);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? APP_OK : db_status(rc);
    }
    if (r != WRITE_METRIC)
        return APP_OK;
    if ((s = db_stmt(c, SQL_UNIT_BREAKS, &st)) != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bool share = strcmp(db_column_text(st, 1), "share") == 0;
        S_problem(out, "/unit", "breaks relation '%.80s' (%s): %s", db_column_text(st, 0),
                  db_column_text(st, 1),
                  share ? "a share is in 'percent', of a part and a whole in one unit"
                        : "its metrics must share one unit");
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_status(rc);
    if ((s = db_stmt(c, SQL_CLAIM_UNITS, &st)) != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0) {
        S_problem(out, "/unit",
                  "%lld live claims give this metric in another unit ('%.60s' among them); "
                  "change them first",
                  (long long)sqlite3_column_int64(st, 0), db_column_text(st, 1));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_status(rc);
    if (!before)
        return APP_OK;
    if ((s = db_stmt(c, SQL_CLAIM_VTYPE, &st)) != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, before, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0) {
        S_problem(out, "/value_type",
                  "cannot become '%.20s' while %lld live claims give this metric's figures",
                  db_column_text(st, 1), (long long)sqlite3_column_int64(st, 0));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? APP_OK : db_status(rc);
}

static const char SQL_CITING[] =
    "SELECT count(DISTINCT k.seq) FROM curated_conflict k JOIN curated_conflict_claim cc ON "
    "cc.conflict_seq = k.seq JOIN claim c ON c.seq = cc.claim_seq WHERE c.id = ?1 AND "
    "k.deleted_at IS NULL";

enum app_status catalog_repo_conflicts_citing(struct db_conn *c, const char *claim_id, int64_t *n)
{
    sqlite3_stmt *st = NULL;
    *n = 0;
    enum app_status s = db_stmt(c, SQL_CITING, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, claim_id, -1, SQLITE_STATIC);
    return db_step_i64(st, n);
}

static const char SQL_HAD_REVISIONS[] =
    "SELECT count(*) FROM revision WHERE resource = ?1 AND resource_id = ?2";

enum app_status catalog_repo_had_revisions(struct db_conn *c, enum write_resource r, const char *id,
                                           bool *out)
{
    sqlite3_stmt *st = NULL;
    int64_t n = 0;
    *out = false;
    enum app_status s = db_stmt(c, SQL_HAD_REVISIONS, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, write_resource_name(r), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    s = db_step_i64(st, &n);
    *out = n > 0;
    return s;
}
