#define _GNU_SOURCE /* memmem */
/* The seed's claims, their provenance (chains, repeats, links) and the curated conflicts. */
#include "seed_internal.h"

#include "evidence.h"
#include "pdate.h"
#include "search_repo.h"
#include "write_repo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * A curated claim as the API takes it: the seed's own members of provenance (chain,
 * repeats, footnote_scope) are checked by the loader below, and a period is the API's
 * period_start and period_end.
 */
static enum app_status S_claim_as_api(struct loader *L, const char *source_id, json_t *c,
                                      const char *id)
{
    static const char *const seed_only[] = {"chain", "repeats", "footnote_scope"};
    json_t *doc = seed_without(c, seed_only, sizeof seed_only / sizeof seed_only[0]);
    if (!doc)
        return seed_fail(L, "%s: out of memory", id);
    json_object_set_new(doc, "source", json_string(source_id));
    json_t *period = json_object_get(doc, "period");
    if (json_is_array(period) && json_array_size(period) == 2) {
        json_object_set(doc, "period_start", json_array_get(period, 0));
        json_object_set(doc, "period_end", json_array_get(period, 1));
        json_object_del(doc, "period");
    }
    return seed_as_api(L, WRITE_CLAIM, doc, id);
}

static const char SQL_CLAIM[] =
    "INSERT INTO claim (id, source_seq, quote, quote_start, quote_end, byte_start, byte_end, "
    "statement, kind, metric_seq, value, lower, upper, bound, vague_term, unit, value_date, "
    "value_text, as_of, period_start, period_end, time_start, time_end, time_basis, place_seq, "
    "claimant, claimant_kind, claimant_entity_seq, subject_program_seq, subject_entity_seq, "
    "attribute, footnote_seq, note, footnote_scope, scope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
    "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, "
    "?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35)";

/* Links are resolved once every claims file is in: a claim may repeat one loaded later. */
const char SEED_SQL_PENDING_LINKS[] =
    "CREATE TEMP TABLE pending_link (claim_seq INTEGER NOT NULL, target TEXT NOT NULL, "
    "basis TEXT, file TEXT NOT NULL)";
static const char SQL_PENDING_LINK[] =
    "INSERT INTO pending_link (claim_seq, target, basis, file) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_RELAY[] = "INSERT INTO claim_relay (claim_seq, position, role, name, "
                                "entity_seq, inferred, basis) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

struct claim_ctx {
    sqlite3_stmt *ins;
    sqlite3_stmt *topic;
    sqlite3_stmt *mention;
    sqlite3_stmt *relay;
    sqlite3_stmt *link;
    const char *file;
    sqlite3_int64 source_seq;
    const char *source_id;
    const char *text;
    size_t text_len;
};

/* Binds a JSON number (or null) member. */
static enum app_status S_bind_num(struct loader *L, sqlite3_stmt *st, int idx, json_t *c,
                                  const char *key, const char *id)
{
    json_t *v = json_object_get(c, key);
    if (!v || json_is_null(v)) {
        sqlite3_bind_null(st, idx);
        return APP_OK;
    }
    if (!json_is_number(v))
        return seed_fail(L, "%s: '%s' must be a number", id, key);
    sqlite3_bind_double(st, idx, json_number_value(v));
    return APP_OK;
}

/* Binds the seq of an entity or program reference; fails when it does not resolve. */
enum app_status seed_bind_ref(struct loader *L, sqlite3_stmt *st, int idx, const char *table,
                              const char *ref, const char *id, const char *key)
{
    if (!ref) {
        sqlite3_bind_null(st, idx);
        return APP_OK;
    }
    sqlite3_int64 seq = seed_seq(L, table, ref);
    if (!seq)
        return seed_fail(L, "%s: '%s' refers to unknown %s '%s'", id, key, table, ref);
    sqlite3_bind_int64(st, idx, seq);
    return APP_OK;
}

static enum app_status S_window(struct loader *L, const char *id, const char *as_of, const char *p0,
                                const char *p1, int64_t *t0, int64_t *t1, bool *has)
{
    struct pdate a, b;
    *has = false;
    if (as_of) {
        if (!pdate_parse(as_of, &a))
            return seed_fail(L, "%s: 'as_of' is not a date: %s", id, as_of);
        *t0 = pdate_first_day(&a);
        *t1 = pdate_last_day(&a);
        *has = true;
    } else if (p0 || p1) {
        if (!p0 || !p1 || !pdate_parse(p0, &a) || !pdate_parse(p1, &b))
            return seed_fail(L, "%s: 'period' must hold two dates", id);
        *t0 = pdate_first_day(&a);
        *t1 = pdate_last_day(&b);
        if (*t0 > *t1)
            return seed_fail(L, "%s: 'period' ends before it starts", id);
        *has = true;
    }
    return APP_OK;
}

/* "chain": [{role, name, entity?, inferred?, basis?}, ...] into claim_relay, in order. */
static enum app_status S_chain(struct loader *L, struct claim_ctx *cx, json_t *c,
                               sqlite3_int64 cseq, const char *id)
{
    json_t *chain = json_object_get(c, "chain");
    if (!chain)
        return APP_OK;
    if (!json_is_array(chain) || json_array_size(chain) == 0)
        return seed_fail(L, "%s: 'chain' must be a non-empty array", id);
    size_t i;
    json_t *e;
    json_array_foreach(chain, i, e) {
        bool bad = false;
        const char *role = seed_str(e, "role", &bad);
        const char *name = seed_str(e, "name", &bad);
        const char *basis = seed_str(e, "basis", &bad);
        json_t *inf = json_object_get(e, "inferred");
        enum app_status s;
        if (!json_is_object(e) || (inf && !json_is_boolean(inf)))
            return seed_fail(L, "%s: chain[%zu] must be {role, name, entity, inferred, basis}", id,
                             i);
        if ((s = seed_need(L, id, "chain role", role, bad)) ||
            (s = seed_need(L, id, "chain name", name, bad)))
            return s;
        sqlite3_bind_int64(cx->relay, 1, cseq);
        sqlite3_bind_int64(cx->relay, 2, (sqlite3_int64)i);
        seed_bind_text(cx->relay, 3, role);
        seed_bind_text(cx->relay, 4, name);
        if ((s = seed_bind_ref(L, cx->relay, 5, "entity", seed_str(e, "entity", &bad), id,
                               "chain entity")))
            return s;
        sqlite3_bind_int(cx->relay, 6, json_is_true(inf) ? 1 : 0);
        seed_bind_text(cx->relay, 7, basis);
        if (bad)
            return seed_fail(L, "%s: chain[%zu] has a non-string value", id, i);
        if ((s = seed_step(L, cx->relay, id)))
            return s;
    }
    return APP_OK;
}

/* "repeats": [{claim, basis}, ...]: kept until every claim is loaded (seed_links). */
static enum app_status S_repeats(struct loader *L, struct claim_ctx *cx, json_t *c,
                                 sqlite3_int64 cseq, const char *id)
{
    json_t *rep = json_object_get(c, "repeats");
    if (!rep)
        return APP_OK;
    if (!json_is_array(rep))
        return seed_fail(L, "%s: 'repeats' must be an array", id);
    size_t i;
    json_t *e;
    json_array_foreach(rep, i, e) {
        bool bad = false;
        const char *target = seed_str(e, "claim", &bad);
        const char *basis = seed_str(e, "basis", &bad);
        enum app_status s;
        if ((s = seed_need(L, id, "repeats claim", target, bad)) ||
            (s = seed_need(L, id, "repeats basis", basis, bad)))
            return s;
        sqlite3_bind_int64(cx->link, 1, cseq);
        seed_bind_text(cx->link, 2, target);
        seed_bind_text(cx->link, 3, basis);
        seed_bind_text(cx->link, 4, cx->file);
        if ((s = seed_step(L, cx->link, id)))
            return s;
    }
    return APP_OK;
}

/* The links kept by S_repeats(), each to a claim that must exist by now. */
enum app_status seed_links(struct loader *L)
{
    enum app_status s = APP_OK;
    L->file = "claim links";
    sqlite3_stmt *bad =
        seed_prep(L, "SELECT p.file, c.id, p.target FROM pending_link p JOIN claim "
                     "c ON c.seq = p.claim_seq LEFT JOIN claim t ON t.id = p.target "
                     "WHERE t.seq IS NULL ORDER BY p.rowid LIMIT 1");
    if (!bad)
        return APP_EINVAL;
    if (sqlite3_step(bad) == SQLITE_ROW) {
        L->file = (const char *)sqlite3_column_text(bad, 0);
        s = seed_fail(L, "%s: 'repeats' names unknown claim '%s'", sqlite3_column_text(bad, 1),
                      sqlite3_column_text(bad, 2));
        L->file = "claim links";
    }
    sqlite3_finalize(bad);
    if (s)
        return s;
    sqlite3_stmt *ins =
        seed_prep(L, "INSERT INTO claim_link (claim_seq, target_seq, relation, "
                     "basis) SELECT p.claim_seq, t.seq, 'repeats', p.basis FROM "
                     "pending_link p JOIN claim t ON t.id = p.target ORDER BY p.rowid");
    if (!ins)
        return APP_EINVAL;
    s = seed_step(L, ins, "claim_link");
    sqlite3_finalize(ins);
    return s;
}

static enum app_status S_claim(struct loader *L, struct claim_ctx *cx, json_t *c)
{
    sqlite3_stmt *st = cx->ins;
    enum app_status s;
    bool bad = false;
    const char *id = seed_str(c, "id", &bad);
    const char *quote = seed_str(c, "quote", &bad);
    const char *statement = seed_str(c, "statement", &bad);
    const char *kind = seed_str(c, "kind", &bad);
    const char *claimant = seed_str(c, "claimant", &bad);
    const char *claimant_kind = seed_str(c, "claimant_kind", &bad);
    if ((s = seed_need(L, id, "id", id, bad)) || (s = seed_need(L, id, "quote", quote, bad)) ||
        (s = seed_need(L, id, "statement", statement, bad)) ||
        (s = seed_need(L, id, "kind", kind, bad)) ||
        (s = seed_need(L, id, "claimant", claimant, bad)) ||
        (s = seed_need(L, id, "claimant_kind", claimant_kind, bad)))
        return s;
    if ((s = S_claim_as_api(L, cx->source_id, c, id)) != APP_OK)
        return s;

    /* Locate the quote: the occurrence-th verbatim match in the stored text. */
    json_t *occ = json_object_get(c, "occurrence");
    json_int_t want = occ ? json_integer_value(occ) : 1;
    if (occ && (!json_is_integer(occ) || want < 1))
        return seed_fail(L, "%s: 'occurrence' must be a positive integer", id);
    /* The rule and the words of the write API (evidence.h): a curated record that would
     * be refused there fails the build here, with the same message. */
    size_t qlen = strlen(quote);
    struct quote_place at;
    enum quote_fit fit =
        evidence_find_quote(cx->text, cx->text_len, quote, qlen, occ ? (int64_t)want : 0, &at);
    if (fit != QUOTE_FOUND) {
        char msg[200];
        const char *member = evidence_quote_problem(fit, &at, cx->source_id, msg, sizeof msg);
        return seed_fail(L, "%s: /%s: %s", id, member, msg);
    }
    size_t c0 = at.cp_start;
    size_t c1 = at.cp_end;

    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, cx->source_seq);
    sqlite3_bind_text(st, 3, quote, (int)qlen, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)c0);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)c1);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)at.byte_start);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)at.byte_end);
    seed_bind_text(st, 8, statement);
    seed_bind_text(st, 9, kind);
    const char *metric = seed_str(c, "metric", &bad);
    if ((s = seed_bind_ref(L, st, 10, "metric", metric, id, "metric")) ||
        (s = S_bind_num(L, st, 11, c, "value", id)) ||
        (s = S_bind_num(L, st, 12, c, "lower", id)) || (s = S_bind_num(L, st, 13, c, "upper", id)))
        return s;
    seed_bind_text(st, 14, seed_str(c, "bound", &bad));
    seed_bind_text(st, 15, seed_str(c, "vague_term", &bad));
    seed_bind_text(st, 16, seed_str(c, "unit", &bad));
    const char *vdate = seed_str(c, "value_date", &bad);
    struct pdate vd;
    if (vdate && !pdate_parse(vdate, &vd))
        return seed_fail(L, "%s: 'value_date' is not a date: %s", id, vdate);
    seed_bind_text(st, 17, vdate);
    seed_bind_text(st, 18, seed_str(c, "value_text", &bad));
    const char *as_of = seed_str(c, "as_of", &bad);
    json_t *period = json_object_get(c, "period");
    const char *p0 = NULL, *p1 = NULL;
    if (period) {
        if (!json_is_array(period) || json_array_size(period) != 2 ||
            !json_is_string(json_array_get(period, 0)) ||
            !json_is_string(json_array_get(period, 1)))
            return seed_fail(L, "%s: 'period' must be [start, end]", id);
        p0 = json_string_value(json_array_get(period, 0));
        p1 = json_string_value(json_array_get(period, 1));
    }
    int64_t t0 = 0, t1 = 0;
    bool has_time = false;
    if ((s = S_window(L, id, as_of, p0, p1, &t0, &t1, &has_time)))
        return s;
    seed_bind_text(st, 19, as_of);
    seed_bind_text(st, 20, p0);
    seed_bind_text(st, 21, p1);
    if (has_time) {
        sqlite3_bind_int64(st, 22, t0);
        sqlite3_bind_int64(st, 23, t1);
    }
    seed_bind_text(st, 24, seed_str(c, "time_basis", &bad));
    const char *place = seed_str(c, "place", &bad);
    if ((s = seed_bind_ref(L, st, 25, "entity", place, id, "place")))
        return s;
    seed_bind_text(st, 26, claimant);
    seed_bind_text(st, 27, claimant_kind);
    if ((s = seed_bind_ref(L, st, 28, "entity", seed_str(c, "claimant_entity", &bad), id,
                           "claimant_entity")))
        return s;
    const char *subject = seed_str(c, "subject", &bad);
    if (subject && seed_seq(L, "program", subject)) {
        if ((s = seed_bind_ref(L, st, 29, "program", subject, id, "subject")))
            return s;
    } else if ((s = seed_bind_ref(L, st, 30, "entity", subject, id, "subject"))) {
        return s;
    }
    seed_bind_text(st, 31, seed_str(c, "attribute", &bad));
    const char *foot = seed_str(c, "footnote", &bad);
    if ((s = seed_bind_ref(L, st, 32, "source", foot, id, "footnote")))
        return s;
    seed_bind_text(st, 33, seed_str(c, "note", &bad));
    const char *scope = seed_str(c, "footnote_scope", &bad);
    if (scope && !foot)
        return seed_fail(L, "%s: 'footnote_scope' needs a 'footnote'", id);
    seed_bind_text(st, 34, scope);
    seed_bind_text(st, 35, seed_str(c, "scope", &bad));
    if (bad)
        return seed_fail(L, "%s: a text field has a non-string value", id);
    if ((s = seed_step(L, st, id)))
        return s;
    sqlite3_int64 cseq = sqlite3_last_insert_rowid(L->db);
    if ((s = S_chain(L, cx, c, cseq, id)) || (s = S_repeats(L, cx, c, cseq, id)))
        return s;

    json_t *topics = json_object_get(c, "topics");
    if (!json_is_array(topics) || json_array_size(topics) == 0)
        return seed_fail(L, "%s: 'topics' must be a non-empty array", id);
    size_t i;
    json_t *t;
    json_array_foreach(topics, i, t) {
        if (!json_is_string(t))
            return seed_fail(L, "%s: topics must be strings", id);
        sqlite3_bind_int64(cx->topic, 1, cseq);
        seed_bind_text(cx->topic, 2, json_string_value(t));
        if ((s = seed_step(L, cx->topic, id)))
            return s;
    }
    json_t *ents = json_object_get(c, "entities");
    if (ents && !json_is_array(ents))
        return seed_fail(L, "%s: 'entities' must be an array", id);
    json_array_foreach(ents, i, t) {
        const char *ref = json_is_string(t) ? json_string_value(t) : NULL;
        sqlite3_int64 eseq = seed_seq(L, "entity", ref);
        sqlite3_int64 pseq = eseq ? 0 : seed_seq(L, "program", ref);
        if (!eseq && !pseq)
            return seed_fail(L, "%s: mentions unknown entity or program '%s'", id, ref ? ref : "?");
        sqlite3_bind_int64(cx->mention, 1, cseq);
        seed_bind_seq(cx->mention, 2, eseq);
        seed_bind_seq(cx->mention, 3, pseq);
        int rc = sqlite3_step(cx->mention);
        sqlite3_reset(cx->mention);
        sqlite3_clear_bindings(cx->mention);
        if (rc != SQLITE_DONE && rc != SQLITE_CONSTRAINT_UNIQUE)
            return seed_fail(L, "%s: %s", id, sqlite3_errmsg(L->db));
    }
    return APP_OK;
}

/*
 * Curated conflicts (db/seed/conflicts.json): [{id, a: [claim ids], b: [claim ids],
 * certainty, dissolves_if, explanation}], after every claim is in.
 */
enum app_status seed_conflicts(struct loader *L)
{
    enum app_status s = APP_OK;
    json_t *arr = seed_load(L, "db/seed/conflicts.json");
    sqlite3_stmt *st = arr ? seed_prep(L, "INSERT INTO curated_conflict (id, certainty, "
                                          "dissolves_if, explanation) VALUES (?1, ?2, ?3, ?4)")
                           : NULL;
    sqlite3_stmt *cl = arr ? seed_prep(L, "INSERT INTO curated_conflict_claim (conflict_seq, "
                                          "claim_seq, side) VALUES (?1, ?2, ?3)")
                           : NULL;
    if (!st || !cl) {
        s = APP_EINVAL;
        goto out;
    }
    size_t i;
    json_t *c;
    json_array_foreach(arr, i, c) {
        bool bad = false;
        const char *id = seed_str(c, "id", &bad);
        const char *expl = seed_str(c, "explanation", &bad);
        const char *cert = seed_str(c, "certainty", &bad);
        if ((s = seed_need(L, id, "id", id, bad)) ||
            (s = seed_need(L, id, "explanation", expl, bad)))
            goto out;
        seed_bind_text(st, 1, id);
        seed_bind_text(st, 2, cert ? cert : "definite");
        seed_bind_text(st, 3, seed_str(c, "dissolves_if", &bad));
        seed_bind_text(st, 4, expl);
        if (bad) {
            s = seed_fail(L, "%s: a text field has a non-string value", id);
            goto out;
        }
        if ((s = seed_step(L, st, id)))
            goto out;
        sqlite3_int64 cseq = sqlite3_last_insert_rowid(L->db);
        for (int side = 0; side < 2; side++) {
            json_t *ids = json_object_get(c, side == 0 ? "a" : "b");
            if (!json_is_array(ids) || json_array_size(ids) == 0) {
                s = seed_fail(L, "%s: '%s' must be a non-empty array of claim ids", id,
                              side == 0 ? "a" : "b");
                goto out;
            }
            size_t k;
            json_t *x;
            json_array_foreach(ids, k, x) {
                sqlite3_bind_int64(cl, 1, cseq);
                sqlite3_bind_int(cl, 3, side);
                if ((s = seed_bind_ref(L, cl, 2, "claim",
                                       json_is_string(x) ? json_string_value(x) : "?", id,
                                       side == 0 ? "a" : "b")) ||
                    (s = seed_step(L, cl, id)))
                    goto out;
            }
        }
    }
out:
    sqlite3_finalize(st);
    sqlite3_finalize(cl);
    json_decref(arr);
    return s;
}

/* One claims file: its entities, metrics, cited works and claims. */
enum app_status seed_claims_file(struct loader *L, const char *name)
{
    enum app_status s = APP_OK;
    struct claim_ctx cx = {0};
    json_t *doc = seed_load(L, name);
    if (!doc)
        return APP_EINVAL;
    bool bad = false;
    const char *src = seed_str(doc, "source", &bad);
    cx.source_seq = seed_seq(L, "source", src);
    cx.source_id = src;
    if (!cx.source_seq) {
        s = seed_fail(L, "'source' must name a source in sources.json");
        goto out;
    }
    sqlite3_stmt *tx = seed_prep(L, "SELECT body FROM source_text WHERE source_seq = ?1");
    if (!tx) {
        s = APP_EINVAL;
        goto out;
    }
    sqlite3_bind_int64(tx, 1, cx.source_seq);
    char *text = NULL;
    if (sqlite3_step(tx) == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(tx, 0);
        text = malloc(n + 1);
        if (text) {
            memcpy(text, sqlite3_column_text(tx, 0), n);
            text[n] = '\0';
            cx.text_len = n;
        }
    }
    sqlite3_finalize(tx);
    if (!text) {
        s = seed_fail(L, "source '%s' has no stored text", src);
        goto out;
    }
    cx.text = text;
    json_t *ents = json_object_get(doc, "entities");
    if (ents && (s = seed_entities(L, ents)))
        goto out_text;
    json_t *metrics = json_object_get(doc, "metrics");
    if (metrics &&
        ((s = seed_metrics(L, metrics, cx.source_seq)) || (s = seed_relations(L, metrics))))
        goto out_text;
    if ((s = seed_cited(L, json_object_get(doc, "cited"), cx.source_seq)))
        goto out_text;
    cx.ins = seed_prep(L, SQL_CLAIM);
    cx.topic = seed_prep(L, "INSERT INTO claim_topic (claim_seq, topic_id) VALUES (?1, ?2)");
    cx.mention = seed_prep(L, "INSERT INTO claim_mention (claim_seq, entity_seq, program_seq) "
                              "VALUES (?1, ?2, ?3)");
    cx.relay = seed_prep(L, SQL_RELAY);
    cx.link = seed_prep(L, SQL_PENDING_LINK);
    cx.file = name;
    if (!cx.ins || !cx.topic || !cx.mention || !cx.relay || !cx.link) {
        s = APP_EINVAL;
        goto out_text;
    }
    json_t *claims = json_object_get(doc, "claims");
    size_t i;
    json_t *c;
    json_array_foreach(claims, i, c) {
        if ((s = S_claim(L, &cx, c)))
            break;
    }
out_text:
    free(text);
out:
    sqlite3_finalize(cx.ins);
    sqlite3_finalize(cx.topic);
    sqlite3_finalize(cx.mention);
    sqlite3_finalize(cx.relay);
    sqlite3_finalize(cx.link);
    json_decref(doc);
    return s;
}
