#define _GNU_SOURCE /* memmem */
#include "seed.h"

#include "db.h"
#include "embedded.h"
#include "evidence.h"
#include "pdate.h"
#include "search_repo.h"
#include "sha256.h"
#include "write_json.h"
#include "write_repo.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct loader {
    const struct embedded_file *files; /* the curated files, sorted by name */
    size_t nfiles;
    struct db_conn *conn; /* the database being built; the API's lookups read it */
    sqlite3 *db;
    char *err;
    size_t errlen;
    const char *file; /* file being loaded, for messages */
    struct sha256 inputs;
};

static enum app_status S_fail(struct loader *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum app_status S_fail(struct loader *L, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    n = snprintf(L->err, L->errlen, "%s: %s", L->file ? L->file : "seed", msg);
    if (n < 0 && L->errlen)
        L->err[0] = '\0';
    return APP_EINVAL;
}

/* The curated file with this exact name, or NULL. */
static const struct embedded_file *S_file(const struct loader *L, const char *name)
{
    for (size_t i = 0; i < L->nfiles; i++)
        if (strcmp(L->files[i].name, name) == 0)
            return &L->files[i];
    return NULL;
}

static json_t *S_load(struct loader *L, const char *name)
{
    const struct embedded_file *f = S_file(L, name);
    L->file = name;
    if (!f) {
        S_fail(L, "file is missing from the build");
        return NULL;
    }
    sha256_update(&L->inputs, name, strlen(name) + 1);
    sha256_update(&L->inputs, f->data, f->len);
    json_error_t je;
    json_t *j = json_loadb((const char *)f->data, f->len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        S_fail(L, "invalid JSON at line %d: %s", je.line, je.text);
    return j;
}

/* A string member, NULL when absent or null; *bad set when present with another type. */
static const char *S_str(json_t *o, const char *key, bool *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = true;
        return NULL;
    }
    return json_string_value(v);
}

static enum app_status S_need(struct loader *L, const char *id, const char *key, const char *v,
                              bool bad)
{
    if (bad || !v || !*v)
        return S_fail(L, "%s: '%s' must be a non-empty string", id ? id : "?", key);
    return APP_OK;
}

static sqlite3_stmt *S_prep(struct loader *L, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(L->db, sql, -1, &st, NULL) != SQLITE_OK) {
        S_fail(L, "SQL error: %s", sqlite3_errmsg(L->db));
        return NULL;
    }
    return st;
}

static void S_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void S_bind_seq(sqlite3_stmt *st, int i, sqlite3_int64 seq)
{
    if (seq > 0)
        sqlite3_bind_int64(st, i, seq);
    else
        sqlite3_bind_null(st, i);
}

/* Steps an insert and resets it; on failure names the record. */
static enum app_status S_step(struct loader *L, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return S_fail(L, "%s: %s", what, sqlite3_errmsg(L->db));
    return APP_OK;
}

/* seq of the row with this id in table (entity, program, source, metric); 0 when absent. */
static sqlite3_int64 S_seq(struct loader *L, const char *table, const char *id)
{
    char sql[96];
    int n = snprintf(sql, sizeof sql, "SELECT seq FROM %s WHERE id = ?1", table);
    if (n < 0 || (size_t)n >= sizeof sql || !id)
        return 0;
    sqlite3_stmt *st = NULL;
    sqlite3_int64 seq = 0;
    if (sqlite3_prepare_v2(L->db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            seq = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return seq;
}

static enum app_status S_topics(struct loader *L)
{
    enum app_status s = APP_OK;
    json_t *arr = S_load(L, "db/seed/topics.json");
    sqlite3_stmt *st =
        arr ? S_prep(L, "INSERT INTO topic (id, label, description) VALUES (?1, ?2, ?3)") : NULL;
    if (!st) {
        s = APP_EINVAL;
        goto out;
    }
    size_t i;
    json_t *t;
    json_array_foreach(arr, i, t) {
        bool bad = false;
        const char *id = S_str(t, "id", &bad);
        const char *label = S_str(t, "label", &bad);
        const char *desc = S_str(t, "description", &bad);
        if ((s = S_need(L, id, "id", id, bad)) || (s = S_need(L, id, "label", label, bad)) ||
            (s = S_need(L, id, "description", desc, bad)))
            goto out;
        S_bind_text(st, 1, id);
        S_bind_text(st, 2, label);
        S_bind_text(st, 3, desc);
        if ((s = S_step(L, st, id)))
            goto out;
    }
out:
    sqlite3_finalize(st);
    json_decref(arr);
    return s;
}

/* The write API's lookups over the database being built (struct write_lookup). */
static enum app_status L_exists(void *ctx, const char *table, const char *id)
{
    return write_repo_exists(((struct loader *)ctx)->conn, table, id);
}

static enum app_status L_entity_kind(void *ctx, const char *id, char *out, size_t n)
{
    return write_repo_entity_kind(((struct loader *)ctx)->conn, id, out, n);
}

static enum app_status L_metric(void *ctx, const char *id, char *unit, size_t un, char *vtype,
                                size_t vn)
{
    return write_repo_metric(((struct loader *)ctx)->conn, id, unit, un, vtype, vn);
}

static enum app_status L_text(void *ctx, const char *id, char **text, size_t *len)
{
    return write_repo_source_text(((struct loader *)ctx)->conn, id, text, len);
}

static enum app_status L_next_id(void *ctx, const char *source, char *out, size_t n)
{
    return write_repo_next_claim_id(((struct loader *)ctx)->conn, source, out, n);
}

/*
 * A curated record goes through the write API's validator before it is loaded (doc: its
 * members as a POST would send them, taken), so the seed and the API accept and refuse the
 * same records with the same words: the message names the member by its JSON pointer.
 */
static enum app_status S_as_api(struct loader *L, enum write_resource r, json_t *doc,
                                const char *id)
{
    if (!doc)
        return S_fail(L, "%s: out of memory", id);
    const struct write_lookup lk = {L, L_exists, L_entity_kind, L_metric, L_text, L_next_id};
    struct write_errors we;
    memset(&we, 0, sizeof we);
    char *out = NULL;
    enum app_status st = write_json_validate(r, doc, true, &lk, &we, &out);
    free(out);
    json_decref(doc);
    if (st == APP_EINVAL && we.n)
        return S_fail(L, "%s: %s: %s%s", id, we.pointer[0], we.msg[0],
                      we.total > 1 ? " (and more: POST it to the API to see them all)" : "");
    if (st == APP_ECONFLICT)
        return S_fail(L, "%s: the id is taken", id);
    if (st != APP_OK)
        return S_fail(L, "%s: validating: %s (%s)", id, app_status_str(st), db_errmsg(L->conn));
    return APP_OK;
}

/* A copy of o without the members the seed has and the API does not take. */
static json_t *S_without(const json_t *o, const char *const *drop, size_t n)
{
    json_t *doc = json_deep_copy(o);
    for (size_t i = 0; doc && i < n; i++)
        json_object_del(doc, drop[i]);
    return doc;
}

/*
 * A curated claim as the API takes it: the seed's own members of provenance (chain,
 * repeats, footnote_scope) are checked by the loader below, and a period is the API's
 * period_start and period_end.
 */
static enum app_status S_claim_as_api(struct loader *L, const char *source_id, json_t *c,
                                      const char *id)
{
    static const char *const seed_only[] = {"chain", "repeats", "footnote_scope"};
    json_t *doc = S_without(c, seed_only, sizeof seed_only / sizeof seed_only[0]);
    if (!doc)
        return S_fail(L, "%s: out of memory", id);
    json_object_set_new(doc, "source", json_string(source_id));
    json_t *period = json_object_get(doc, "period");
    if (json_is_array(period) && json_array_size(period) == 2) {
        json_object_set(doc, "period_start", json_array_get(period, 0));
        json_object_set(doc, "period_end", json_array_get(period, 1));
        json_object_del(doc, "period");
    }
    return S_as_api(L, WRITE_CLAIM, doc, id);
}

static enum app_status S_metrics(struct loader *L, json_t *arr, sqlite3_int64 source_seq)
{
    enum app_status s = APP_OK;
    sqlite3_stmt *st = S_prep(L, "INSERT INTO metric (id, label, unit, value_type, definition, "
                                 "counting_basis, source_seq, one_per_subject, cumulative) VALUES "
                                 "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st)
        return APP_EINVAL;
    size_t i;
    json_t *m;
    json_array_foreach(arr, i, m) {
        bool bad = false;
        const char *f[6] = {"id", "label", "unit", "value_type", "definition", "counting_basis"};
        const char *v[6];
        for (int k = 0; k < 6; k++) {
            v[k] = S_str(m, f[k], &bad);
            if ((s = S_need(L, v[0], f[k], v[k], bad)))
                goto out;
            S_bind_text(st, k + 1, v[k]);
        }
        S_bind_seq(st, 7, source_seq);
        /* As the API takes a metric (its relations are loaded and checked as relations). */
        static const char *const seed_only[] = {"relations"};
        if ((s = S_as_api(L, WRITE_METRIC, S_without(m, seed_only, 1), v[0])) != APP_OK)
            goto out;
        json_t *once = json_object_get(m, "one_per_subject");
        if (once && !json_is_boolean(once)) {
            s = S_fail(L, "%s: 'one_per_subject' must be true or false", v[0]);
            goto out;
        }
        sqlite3_bind_int(st, 8, json_is_true(once) ? 1 : 0);
        json_t *cum = json_object_get(m, "cumulative");
        if (cum && !json_is_boolean(cum)) {
            s = S_fail(L, "%s: 'cumulative' must be true or false", v[0]);
            goto out;
        }
        sqlite3_bind_int(st, 9, json_is_true(cum) ? 1 : 0);
        if ((s = S_step(L, st, v[0])))
            goto out;
    }
out:
    sqlite3_finalize(st);
    return s;
}

static enum app_status S_bind_ref(struct loader *L, sqlite3_stmt *st, int idx, const char *table,
                                  const char *ref, const char *id, const char *key);

/* Binds the seq of metric id `key` of relation o; fails when named and unknown. */
static enum app_status S_rel_ref(struct loader *L, sqlite3_stmt *st, int idx, json_t *o,
                                 const char *key, const char *table, const char *rid)
{
    bool bad = false;
    const char *ref = S_str(o, key, &bad);
    if (bad)
        return S_fail(L, "%s: '%s' must be a string", rid, key);
    return S_bind_ref(L, st, idx, table, ref, rid, key);
}

/*
 * The relations each metric of arr declares ("relations": [{id, kind, whole, part,
 * parts, min, max, whole_place, note}]), after every metric is in: a relation may
 * name a metric declared later. The schema's CHECKs say which kind takes which member.
 * "metric", when given, is the relation's own metric instead of the declaring one.
 */
static enum app_status S_relations(struct loader *L, json_t *arr)
{
    enum app_status s = APP_OK;
    sqlite3_stmt *st = S_prep(L, "INSERT INTO metric_relation (id, kind, metric_seq, whole_seq, "
                                 "part_seq, min_seq, max_seq, whole_place_seq, note) VALUES (?1, "
                                 "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    sqlite3_stmt *part = S_prep(L, "INSERT INTO metric_relation_part (relation_seq, metric_seq) "
                                   "VALUES (?1, ?2)");
    if (!st || !part) {
        s = APP_EINVAL;
        goto out;
    }
    size_t i, k;
    json_t *m, *r;
    json_array_foreach(arr, i, m) {
        bool bad = false;
        const char *mid = S_str(m, "id", &bad);
        json_t *rels = json_object_get(m, "relations");
        if (!rels)
            continue;
        if (!json_is_array(rels)) {
            s = S_fail(L, "%s: 'relations' must be an array", mid ? mid : "?");
            goto out;
        }
        json_array_foreach(rels, k, r) {
            const char *rid = S_str(r, "id", &bad);
            const char *kind = S_str(r, "kind", &bad);
            if ((s = S_need(L, mid, "relations[].id", rid, bad)) ||
                (s = S_need(L, rid, "kind", kind, bad)))
                goto out;
            S_bind_text(st, 1, rid);
            S_bind_text(st, 2, kind);
            /* "metric" names the relation's own metric when it is not the declaring one
             * (a relation to a document's metric declared in that document). */
            const char *own = S_str(r, "metric", &bad);
            if ((s = S_bind_ref(L, st, 3, "metric", own ? own : mid, rid, "metric")) ||
                (s = S_rel_ref(L, st, 4, r, "whole", "metric", rid)) ||
                (s = S_rel_ref(L, st, 5, r, "part", "metric", rid)) ||
                (s = S_rel_ref(L, st, 6, r, "min", "metric", rid)) ||
                (s = S_rel_ref(L, st, 7, r, "max", "metric", rid)) ||
                (s = S_rel_ref(L, st, 8, r, "whole_place", "entity", rid)))
                goto out;
            S_bind_text(st, 9, S_str(r, "note", &bad));
            if ((s = S_step(L, st, rid)))
                goto out;
            sqlite3_int64 rseq = sqlite3_last_insert_rowid(L->db);
            json_t *parts = json_object_get(r, "parts");
            if (parts && !json_is_array(parts)) {
                s = S_fail(L, "%s: 'parts' must be an array of metric ids", rid);
                goto out;
            }
            if (strcmp(kind, "sum") == 0 && json_array_size(parts) < 2) {
                s = S_fail(L, "%s: a sum names at least two parts", rid);
                goto out;
            }
            size_t j;
            json_t *p;
            json_array_foreach(parts, j, p) {
                const char *pid = json_is_string(p) ? json_string_value(p) : NULL;
                sqlite3_bind_int64(part, 1, rseq);
                if ((s = S_bind_ref(L, part, 2, "metric", pid ? pid : "?", rid, "parts")) ||
                    (s = S_step(L, part, rid)))
                    goto out;
            }
        }
    }
out:
    sqlite3_finalize(st);
    sqlite3_finalize(part);
    return s;
}

static enum app_status S_aliases(struct loader *L, sqlite3_stmt *st, sqlite3_int64 seq, json_t *o,
                                 const char *id)
{
    json_t *aliases = json_object_get(o, "aliases");
    if (!aliases)
        return APP_OK;
    if (!json_is_array(aliases))
        return S_fail(L, "%s: 'aliases' must be an array", id);
    size_t i;
    json_t *a;
    json_array_foreach(aliases, i, a) {
        if (!json_is_string(a) || !*json_string_value(a))
            return S_fail(L, "%s: aliases must be non-empty strings", id);
        /* The same alias twice is a curation slip, not worth a failure. */
        bool dup = false;
        for (size_t k = 0; k < i; k++) {
            if (strcmp(json_string_value(json_array_get(aliases, k)), json_string_value(a)) == 0)
                dup = true;
        }
        if (dup)
            continue;
        sqlite3_bind_int64(st, 1, seq);
        S_bind_text(st, 2, json_string_value(a));
        enum app_status s = S_step(L, st, id);
        if (s)
            return s;
    }
    return APP_OK;
}

static enum app_status S_entities(struct loader *L, json_t *arr)
{
    enum app_status s = APP_OK;
    sqlite3_stmt *st =
        S_prep(L, "INSERT INTO entity (id, kind, name, description) VALUES (?1, ?2, ?3, ?4)");
    sqlite3_stmt *al = S_prep(L, "INSERT INTO entity_alias (entity_seq, alias) VALUES (?1, ?2)");
    if (!st || !al) {
        s = APP_EINVAL;
        goto out;
    }
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        bool bad = false;
        const char *id = S_str(e, "id", &bad);
        const char *kind = S_str(e, "kind", &bad);
        const char *name = S_str(e, "name", &bad);
        const char *desc = S_str(e, "description", &bad);
        if ((s = S_need(L, id, "id", id, bad)) || (s = S_need(L, id, "kind", kind, bad)) ||
            (s = S_need(L, id, "name", name, bad)))
            goto out;
        if (S_seq(L, "program", id)) {
            s = S_fail(L, "%s: id is already used by a program", id);
            goto out;
        }
        S_bind_text(st, 1, id);
        S_bind_text(st, 2, kind);
        S_bind_text(st, 3, name);
        S_bind_text(st, 4, desc);
        if ((s = S_step(L, st, id)))
            goto out;
        if ((s = S_aliases(L, al, sqlite3_last_insert_rowid(L->db), e, id)))
            goto out;
    }
out:
    sqlite3_finalize(st);
    sqlite3_finalize(al);
    return s;
}

static enum app_status S_programs(struct loader *L)
{
    enum app_status s = APP_OK;
    json_t *arr = S_load(L, "db/seed/programs.json");
    sqlite3_stmt *st =
        arr ? S_prep(L, "INSERT INTO program (id, name, kind, description) VALUES (?1, ?2, ?3, ?4)")
            : NULL;
    sqlite3_stmt *al =
        arr ? S_prep(L, "INSERT INTO program_alias (program_seq, alias) VALUES (?1, ?2)") : NULL;
    if (!st || !al) {
        s = APP_EINVAL;
        goto out;
    }
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p) {
        bool bad = false;
        const char *id = S_str(p, "id", &bad);
        const char *name = S_str(p, "name", &bad);
        const char *kind = S_str(p, "kind", &bad);
        const char *desc = S_str(p, "description", &bad);
        if ((s = S_need(L, id, "id", id, bad)) || (s = S_need(L, id, "name", name, bad)) ||
            (s = S_need(L, id, "kind", kind, bad)) ||
            (s = S_as_api(L, WRITE_PROGRAM, json_deep_copy(p), id)))
            goto out;
        S_bind_text(st, 1, id);
        S_bind_text(st, 2, name);
        S_bind_text(st, 3, kind);
        S_bind_text(st, 4, desc);
        if ((s = S_step(L, st, id)))
            goto out;
        if ((s = S_aliases(L, al, sqlite3_last_insert_rowid(L->db), p, id)))
            goto out;
    }
out:
    sqlite3_finalize(st);
    sqlite3_finalize(al);
    json_decref(arr);
    return s;
}

static const char SQL_SOURCE[] =
    "INSERT INTO source (id, prefix, title, authors, publisher, original_publisher, published, "
    "published_precision, published_basis, written, written_precision, url, kind, language, note) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

/* Inserts one source record (main or cited). */
static enum app_status S_source(struct loader *L, sqlite3_stmt *st, json_t *o, const char *kind)
{
    bool bad = false;
    const char *id = S_str(o, "id", &bad);
    const char *title = S_str(o, "title", &bad);
    enum app_status s;
    if ((s = S_need(L, id, "id", id, bad)) || (s = S_need(L, id, "title", title, bad)))
        return s;
    /* As the API takes it: the claim id prefix and the precisions (which the API derives)
     * are the seed's; the text is a file of db/sources/, checked when it is stored; a cited
     * work's label and ref belong to its citation. */
    static const char *const seed_only[] = {
        "prefix", "published_precision", "written_precision", "text", "label", "ref"};
    json_t *doc = S_without(o, seed_only, sizeof seed_only / sizeof seed_only[0]);
    if (doc && kind)
        json_object_set_new(doc, "kind", json_string(kind));
    if (doc && !json_is_string(json_object_get(doc, "language")))
        json_object_set_new(doc, "language", json_string("und")); /* as it is stored */
    if ((s = S_as_api(L, WRITE_SOURCE, doc, id)) != APP_OK)
        return s;
    json_t *authors = json_object_get(o, "authors");
    json_t *empty = NULL;
    if (!authors || !json_is_array(authors))
        authors = empty = json_array();
    char *aj = json_dumps(authors, JSON_COMPACT);
    json_decref(empty);
    const char *lang = S_str(o, "language", &bad);
    const char *k = kind ? kind : S_str(o, "kind", &bad);
    S_bind_text(st, 1, id);
    S_bind_text(st, 2, S_str(o, "prefix", &bad));
    S_bind_text(st, 3, title);
    S_bind_text(st, 4, aj ? aj : "[]");
    S_bind_text(st, 5, S_str(o, "publisher", &bad));
    S_bind_text(st, 6, S_str(o, "original_publisher", &bad));
    S_bind_text(st, 7, S_str(o, "published", &bad));
    S_bind_text(st, 8, S_str(o, "published_precision", &bad));
    S_bind_text(st, 9, S_str(o, "published_basis", &bad));
    S_bind_text(st, 10, S_str(o, "written", &bad));
    S_bind_text(st, 11, S_str(o, "written_precision", &bad));
    S_bind_text(st, 12, S_str(o, "url", &bad));
    S_bind_text(st, 13, k);
    S_bind_text(st, 14, lang ? lang : "und");
    S_bind_text(st, 15, S_str(o, "note", &bad));
    free(aj);
    if (bad)
        return S_fail(L, "%s: a text field has a non-string value", id);
    const char *pub = S_str(o, "published", &bad);
    struct pdate d;
    if (pub && !pdate_parse(pub, &d))
        return S_fail(L, "%s: 'published' is not a date: %s", id, pub);
    return S_step(L, st, id);
}

/* The five documents and their stored texts. */
static enum app_status S_sources(struct loader *L)
{
    enum app_status s = APP_OK;
    json_t *arr = S_load(L, "db/seed/sources.json");
    sqlite3_stmt *st = arr ? S_prep(L, SQL_SOURCE) : NULL;
    sqlite3_stmt *tx = arr ? S_prep(L, "INSERT INTO source_text (source_seq, body, sha256, chars, "
                                       "bytes) VALUES (?1, ?2, ?3, ?4, ?5)")
                           : NULL;
    if (!st || !tx) {
        s = APP_EINVAL;
        goto out;
    }
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        L->file = "db/seed/sources.json";
        if ((s = S_source(L, st, o, NULL)))
            goto out;
        sqlite3_int64 seq = sqlite3_last_insert_rowid(L->db);
        bool bad = false;
        const char *id = S_str(o, "id", &bad);
        const char *text = S_str(o, "text", &bad);
        if (!text)
            continue;
        char path[512];
        int n = snprintf(path, sizeof path, "db/sources/%s", text);
        const struct embedded_file *f = (n > 0 && (size_t)n < sizeof path) ? S_file(L, path) : NULL;
        if (!f) {
            s = S_fail(L, "%s: stored text '%s' is missing", id, text);
            goto out;
        }
        sha256_update(&L->inputs, path, strlen(path) + 1);
        sha256_update(&L->inputs, f->data, f->len);
        char hex[65];
        sha256_hex(f->data, f->len, hex);
        sqlite3_bind_int64(tx, 1, seq);
        sqlite3_bind_text(tx, 2, (const char *)f->data, (int)f->len, SQLITE_STATIC);
        sqlite3_bind_text(tx, 3, hex, 64, SQLITE_TRANSIENT);
        sqlite3_bind_int64(tx, 4,
                           (sqlite3_int64)evidence_codepoints((const char *)f->data, f->len));
        sqlite3_bind_int64(tx, 5, (sqlite3_int64)f->len);
        if ((s = S_step(L, tx, id)))
            goto out;
    }
out:
    sqlite3_finalize(st);
    sqlite3_finalize(tx);
    json_decref(arr);
    return s;
}

/* Works cited in a document's notes become sources of kind 'cited' linked by citations. */
static enum app_status S_cited(struct loader *L, json_t *cited, sqlite3_int64 citing)
{
    enum app_status s = APP_OK;
    if (!cited)
        return APP_OK;
    if (!json_is_array(cited))
        return S_fail(L, "'cited' must be an array");
    sqlite3_stmt *st = S_prep(L, SQL_SOURCE);
    sqlite3_stmt *cit = S_prep(L, "INSERT INTO citation (citing_seq, cited_seq, label, note) "
                                  "VALUES (?1, ?2, ?3, ?4)");
    if (!st || !cit) {
        s = APP_EINVAL;
        goto out;
    }
    size_t i;
    json_t *c;
    json_array_foreach(cited, i, c) {
        bool bad = false;
        const char *ref = S_str(c, "ref", &bad);
        const char *label = S_str(c, "label", &bad);
        const char *note = S_str(c, "note", &bad);
        sqlite3_int64 seq;
        if ((s = S_need(L, ref, "label", label, bad)))
            goto out;
        if (ref) {
            seq = S_seq(L, "source", ref);
            if (!seq) {
                s = S_fail(L, "cited ref '%s' is not a source", ref);
                goto out;
            }
        } else {
            if ((s = S_source(L, st, c, "cited")))
                goto out;
            seq = sqlite3_last_insert_rowid(L->db);
        }
        sqlite3_bind_int64(cit, 1, citing);
        sqlite3_bind_int64(cit, 2, seq);
        S_bind_text(cit, 3, label);
        S_bind_text(cit, 4, note);
        if ((s = S_step(L, cit, label)))
            goto out;
    }
out:
    sqlite3_finalize(st);
    sqlite3_finalize(cit);
    return s;
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
static const char SQL_PENDING_LINKS[] =
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
        return S_fail(L, "%s: '%s' must be a number", id, key);
    sqlite3_bind_double(st, idx, json_number_value(v));
    return APP_OK;
}

/* Binds the seq of an entity or program reference; fails when it does not resolve. */
static enum app_status S_bind_ref(struct loader *L, sqlite3_stmt *st, int idx, const char *table,
                                  const char *ref, const char *id, const char *key)
{
    if (!ref) {
        sqlite3_bind_null(st, idx);
        return APP_OK;
    }
    sqlite3_int64 seq = S_seq(L, table, ref);
    if (!seq)
        return S_fail(L, "%s: '%s' refers to unknown %s '%s'", id, key, table, ref);
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
            return S_fail(L, "%s: 'as_of' is not a date: %s", id, as_of);
        *t0 = pdate_first_day(&a);
        *t1 = pdate_last_day(&a);
        *has = true;
    } else if (p0 || p1) {
        if (!p0 || !p1 || !pdate_parse(p0, &a) || !pdate_parse(p1, &b))
            return S_fail(L, "%s: 'period' must hold two dates", id);
        *t0 = pdate_first_day(&a);
        *t1 = pdate_last_day(&b);
        if (*t0 > *t1)
            return S_fail(L, "%s: 'period' ends before it starts", id);
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
        return S_fail(L, "%s: 'chain' must be a non-empty array", id);
    size_t i;
    json_t *e;
    json_array_foreach(chain, i, e) {
        bool bad = false;
        const char *role = S_str(e, "role", &bad);
        const char *name = S_str(e, "name", &bad);
        const char *basis = S_str(e, "basis", &bad);
        json_t *inf = json_object_get(e, "inferred");
        enum app_status s;
        if (!json_is_object(e) || (inf && !json_is_boolean(inf)))
            return S_fail(L, "%s: chain[%zu] must be {role, name, entity, inferred, basis}", id, i);
        if ((s = S_need(L, id, "chain role", role, bad)) ||
            (s = S_need(L, id, "chain name", name, bad)))
            return s;
        sqlite3_bind_int64(cx->relay, 1, cseq);
        sqlite3_bind_int64(cx->relay, 2, (sqlite3_int64)i);
        S_bind_text(cx->relay, 3, role);
        S_bind_text(cx->relay, 4, name);
        if ((s = S_bind_ref(L, cx->relay, 5, "entity", S_str(e, "entity", &bad), id,
                            "chain entity")))
            return s;
        sqlite3_bind_int(cx->relay, 6, json_is_true(inf) ? 1 : 0);
        S_bind_text(cx->relay, 7, basis);
        if (bad)
            return S_fail(L, "%s: chain[%zu] has a non-string value", id, i);
        if ((s = S_step(L, cx->relay, id)))
            return s;
    }
    return APP_OK;
}

/* "repeats": [{claim, basis}, ...]: kept until every claim is loaded (S_links). */
static enum app_status S_repeats(struct loader *L, struct claim_ctx *cx, json_t *c,
                                 sqlite3_int64 cseq, const char *id)
{
    json_t *rep = json_object_get(c, "repeats");
    if (!rep)
        return APP_OK;
    if (!json_is_array(rep))
        return S_fail(L, "%s: 'repeats' must be an array", id);
    size_t i;
    json_t *e;
    json_array_foreach(rep, i, e) {
        bool bad = false;
        const char *target = S_str(e, "claim", &bad);
        const char *basis = S_str(e, "basis", &bad);
        enum app_status s;
        if ((s = S_need(L, id, "repeats claim", target, bad)) ||
            (s = S_need(L, id, "repeats basis", basis, bad)))
            return s;
        sqlite3_bind_int64(cx->link, 1, cseq);
        S_bind_text(cx->link, 2, target);
        S_bind_text(cx->link, 3, basis);
        S_bind_text(cx->link, 4, cx->file);
        if ((s = S_step(L, cx->link, id)))
            return s;
    }
    return APP_OK;
}

/* The links kept by S_repeats(), each to a claim that must exist by now. */
static enum app_status S_links(struct loader *L)
{
    enum app_status s = APP_OK;
    L->file = "claim links";
    sqlite3_stmt *bad = S_prep(L, "SELECT p.file, c.id, p.target FROM pending_link p JOIN claim "
                                  "c ON c.seq = p.claim_seq LEFT JOIN claim t ON t.id = p.target "
                                  "WHERE t.seq IS NULL ORDER BY p.rowid LIMIT 1");
    if (!bad)
        return APP_EINVAL;
    if (sqlite3_step(bad) == SQLITE_ROW) {
        L->file = (const char *)sqlite3_column_text(bad, 0);
        s = S_fail(L, "%s: 'repeats' names unknown claim '%s'", sqlite3_column_text(bad, 1),
                   sqlite3_column_text(bad, 2));
        L->file = "claim links";
    }
    sqlite3_finalize(bad);
    if (s)
        return s;
    sqlite3_stmt *ins =
        S_prep(L, "INSERT INTO claim_link (claim_seq, target_seq, relation, "
                  "basis) SELECT p.claim_seq, t.seq, 'repeats', p.basis FROM "
                  "pending_link p JOIN claim t ON t.id = p.target ORDER BY p.rowid");
    if (!ins)
        return APP_EINVAL;
    s = S_step(L, ins, "claim_link");
    sqlite3_finalize(ins);
    return s;
}

static enum app_status S_claim(struct loader *L, struct claim_ctx *cx, json_t *c)
{
    sqlite3_stmt *st = cx->ins;
    enum app_status s;
    bool bad = false;
    const char *id = S_str(c, "id", &bad);
    const char *quote = S_str(c, "quote", &bad);
    const char *statement = S_str(c, "statement", &bad);
    const char *kind = S_str(c, "kind", &bad);
    const char *claimant = S_str(c, "claimant", &bad);
    const char *claimant_kind = S_str(c, "claimant_kind", &bad);
    if ((s = S_need(L, id, "id", id, bad)) || (s = S_need(L, id, "quote", quote, bad)) ||
        (s = S_need(L, id, "statement", statement, bad)) ||
        (s = S_need(L, id, "kind", kind, bad)) || (s = S_need(L, id, "claimant", claimant, bad)) ||
        (s = S_need(L, id, "claimant_kind", claimant_kind, bad)))
        return s;
    if ((s = S_claim_as_api(L, cx->source_id, c, id)) != APP_OK)
        return s;

    /* Locate the quote: the occurrence-th verbatim match in the stored text. */
    json_t *occ = json_object_get(c, "occurrence");
    json_int_t want = occ ? json_integer_value(occ) : 1;
    if (occ && (!json_is_integer(occ) || want < 1))
        return S_fail(L, "%s: 'occurrence' must be a positive integer", id);
    /* The rule and the words of the write API (evidence.h): a curated record that would
     * be refused there fails the build here, with the same message. */
    size_t qlen = strlen(quote);
    struct quote_place at;
    enum quote_fit fit =
        evidence_find_quote(cx->text, cx->text_len, quote, qlen, occ ? (int64_t)want : 0, &at);
    if (fit != QUOTE_FOUND) {
        char msg[200];
        const char *member = evidence_quote_problem(fit, &at, cx->source_id, msg, sizeof msg);
        return S_fail(L, "%s: /%s: %s", id, member, msg);
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
    S_bind_text(st, 8, statement);
    S_bind_text(st, 9, kind);
    const char *metric = S_str(c, "metric", &bad);
    if ((s = S_bind_ref(L, st, 10, "metric", metric, id, "metric")) ||
        (s = S_bind_num(L, st, 11, c, "value", id)) ||
        (s = S_bind_num(L, st, 12, c, "lower", id)) || (s = S_bind_num(L, st, 13, c, "upper", id)))
        return s;
    S_bind_text(st, 14, S_str(c, "bound", &bad));
    S_bind_text(st, 15, S_str(c, "vague_term", &bad));
    S_bind_text(st, 16, S_str(c, "unit", &bad));
    const char *vdate = S_str(c, "value_date", &bad);
    struct pdate vd;
    if (vdate && !pdate_parse(vdate, &vd))
        return S_fail(L, "%s: 'value_date' is not a date: %s", id, vdate);
    S_bind_text(st, 17, vdate);
    S_bind_text(st, 18, S_str(c, "value_text", &bad));
    const char *as_of = S_str(c, "as_of", &bad);
    json_t *period = json_object_get(c, "period");
    const char *p0 = NULL, *p1 = NULL;
    if (period) {
        if (!json_is_array(period) || json_array_size(period) != 2 ||
            !json_is_string(json_array_get(period, 0)) ||
            !json_is_string(json_array_get(period, 1)))
            return S_fail(L, "%s: 'period' must be [start, end]", id);
        p0 = json_string_value(json_array_get(period, 0));
        p1 = json_string_value(json_array_get(period, 1));
    }
    int64_t t0 = 0, t1 = 0;
    bool has_time = false;
    if ((s = S_window(L, id, as_of, p0, p1, &t0, &t1, &has_time)))
        return s;
    S_bind_text(st, 19, as_of);
    S_bind_text(st, 20, p0);
    S_bind_text(st, 21, p1);
    if (has_time) {
        sqlite3_bind_int64(st, 22, t0);
        sqlite3_bind_int64(st, 23, t1);
    }
    S_bind_text(st, 24, S_str(c, "time_basis", &bad));
    const char *place = S_str(c, "place", &bad);
    if ((s = S_bind_ref(L, st, 25, "entity", place, id, "place")))
        return s;
    S_bind_text(st, 26, claimant);
    S_bind_text(st, 27, claimant_kind);
    if ((s = S_bind_ref(L, st, 28, "entity", S_str(c, "claimant_entity", &bad), id,
                        "claimant_entity")))
        return s;
    const char *subject = S_str(c, "subject", &bad);
    if (subject && S_seq(L, "program", subject)) {
        if ((s = S_bind_ref(L, st, 29, "program", subject, id, "subject")))
            return s;
    } else if ((s = S_bind_ref(L, st, 30, "entity", subject, id, "subject"))) {
        return s;
    }
    S_bind_text(st, 31, S_str(c, "attribute", &bad));
    const char *foot = S_str(c, "footnote", &bad);
    if ((s = S_bind_ref(L, st, 32, "source", foot, id, "footnote")))
        return s;
    S_bind_text(st, 33, S_str(c, "note", &bad));
    const char *scope = S_str(c, "footnote_scope", &bad);
    if (scope && !foot)
        return S_fail(L, "%s: 'footnote_scope' needs a 'footnote'", id);
    S_bind_text(st, 34, scope);
    S_bind_text(st, 35, S_str(c, "scope", &bad));
    if (bad)
        return S_fail(L, "%s: a text field has a non-string value", id);
    if ((s = S_step(L, st, id)))
        return s;
    sqlite3_int64 cseq = sqlite3_last_insert_rowid(L->db);
    if ((s = S_chain(L, cx, c, cseq, id)) || (s = S_repeats(L, cx, c, cseq, id)))
        return s;

    json_t *topics = json_object_get(c, "topics");
    if (!json_is_array(topics) || json_array_size(topics) == 0)
        return S_fail(L, "%s: 'topics' must be a non-empty array", id);
    size_t i;
    json_t *t;
    json_array_foreach(topics, i, t) {
        if (!json_is_string(t))
            return S_fail(L, "%s: topics must be strings", id);
        sqlite3_bind_int64(cx->topic, 1, cseq);
        S_bind_text(cx->topic, 2, json_string_value(t));
        if ((s = S_step(L, cx->topic, id)))
            return s;
    }
    json_t *ents = json_object_get(c, "entities");
    if (ents && !json_is_array(ents))
        return S_fail(L, "%s: 'entities' must be an array", id);
    json_array_foreach(ents, i, t) {
        const char *ref = json_is_string(t) ? json_string_value(t) : NULL;
        sqlite3_int64 eseq = S_seq(L, "entity", ref);
        sqlite3_int64 pseq = eseq ? 0 : S_seq(L, "program", ref);
        if (!eseq && !pseq)
            return S_fail(L, "%s: mentions unknown entity or program '%s'", id, ref ? ref : "?");
        sqlite3_bind_int64(cx->mention, 1, cseq);
        S_bind_seq(cx->mention, 2, eseq);
        S_bind_seq(cx->mention, 3, pseq);
        int rc = sqlite3_step(cx->mention);
        sqlite3_reset(cx->mention);
        sqlite3_clear_bindings(cx->mention);
        if (rc != SQLITE_DONE && rc != SQLITE_CONSTRAINT_UNIQUE)
            return S_fail(L, "%s: %s", id, sqlite3_errmsg(L->db));
    }
    return APP_OK;
}

/*
 * Curated conflicts (db/seed/conflicts.json): [{id, a: [claim ids], b: [claim ids],
 * certainty, dissolves_if, explanation}], after every claim is in.
 */
static enum app_status S_conflicts(struct loader *L)
{
    enum app_status s = APP_OK;
    json_t *arr = S_load(L, "db/seed/conflicts.json");
    sqlite3_stmt *st = arr ? S_prep(L, "INSERT INTO curated_conflict (id, certainty, "
                                       "dissolves_if, explanation) VALUES (?1, ?2, ?3, ?4)")
                           : NULL;
    sqlite3_stmt *cl = arr ? S_prep(L, "INSERT INTO curated_conflict_claim (conflict_seq, "
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
        const char *id = S_str(c, "id", &bad);
        const char *expl = S_str(c, "explanation", &bad);
        const char *cert = S_str(c, "certainty", &bad);
        if ((s = S_need(L, id, "id", id, bad)) || (s = S_need(L, id, "explanation", expl, bad)))
            goto out;
        S_bind_text(st, 1, id);
        S_bind_text(st, 2, cert ? cert : "definite");
        S_bind_text(st, 3, S_str(c, "dissolves_if", &bad));
        S_bind_text(st, 4, expl);
        if (bad) {
            s = S_fail(L, "%s: a text field has a non-string value", id);
            goto out;
        }
        if ((s = S_step(L, st, id)))
            goto out;
        sqlite3_int64 cseq = sqlite3_last_insert_rowid(L->db);
        for (int side = 0; side < 2; side++) {
            json_t *ids = json_object_get(c, side == 0 ? "a" : "b");
            if (!json_is_array(ids) || json_array_size(ids) == 0) {
                s = S_fail(L, "%s: '%s' must be a non-empty array of claim ids", id,
                           side == 0 ? "a" : "b");
                goto out;
            }
            size_t k;
            json_t *x;
            json_array_foreach(ids, k, x) {
                sqlite3_bind_int64(cl, 1, cseq);
                sqlite3_bind_int(cl, 3, side);
                if ((s = S_bind_ref(L, cl, 2, "claim",
                                    json_is_string(x) ? json_string_value(x) : "?", id,
                                    side == 0 ? "a" : "b")) ||
                    (s = S_step(L, cl, id)))
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
static enum app_status S_claims_file(struct loader *L, const char *name)
{
    enum app_status s = APP_OK;
    struct claim_ctx cx = {0};
    json_t *doc = S_load(L, name);
    if (!doc)
        return APP_EINVAL;
    bool bad = false;
    const char *src = S_str(doc, "source", &bad);
    cx.source_seq = S_seq(L, "source", src);
    cx.source_id = src;
    if (!cx.source_seq) {
        s = S_fail(L, "'source' must name a source in sources.json");
        goto out;
    }
    sqlite3_stmt *tx = S_prep(L, "SELECT body FROM source_text WHERE source_seq = ?1");
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
        s = S_fail(L, "source '%s' has no stored text", src);
        goto out;
    }
    cx.text = text;
    json_t *ents = json_object_get(doc, "entities");
    if (ents && (s = S_entities(L, ents)))
        goto out_text;
    json_t *metrics = json_object_get(doc, "metrics");
    if (metrics && ((s = S_metrics(L, metrics, cx.source_seq)) || (s = S_relations(L, metrics))))
        goto out_text;
    if ((s = S_cited(L, json_object_get(doc, "cited"), cx.source_seq)))
        goto out_text;
    cx.ins = S_prep(L, SQL_CLAIM);
    cx.topic = S_prep(L, "INSERT INTO claim_topic (claim_seq, topic_id) VALUES (?1, ?2)");
    cx.mention = S_prep(L, "INSERT INTO claim_mention (claim_seq, entity_seq, program_seq) "
                           "VALUES (?1, ?2, ?3)");
    cx.relay = S_prep(L, SQL_RELAY);
    cx.link = S_prep(L, SQL_PENDING_LINK);
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

enum app_status seed_build(const char *out_path, char *err, size_t errlen)
{
    return seed_build_from(embedded_files, embedded_nfiles, out_path, err, errlen);
}

enum app_status seed_build_from(const struct embedded_file *files, size_t nfiles,
                                const char *out_path, char *err, size_t errlen)
{
    struct loader L = {.files = files, .nfiles = nfiles, .err = err, .errlen = errlen};
    sha256_init(&L.inputs);
    enum app_status s = APP_OK;
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return S_fail(&L, "database path too long");
    unlink(tmp);
    struct db_conn *conn = NULL;
    s = db_open(tmp, false, &conn);
    if (s != APP_OK)
        return S_fail(&L, "cannot create %s: %s", tmp, app_status_str(s));
    L.conn = conn;
    L.db = db_handle(conn);
    /* The build writes one file in one transaction; WAL is turned on by the server. */
    int from = 0, to = 0;
    if ((s = db_exec(conn, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF")) ||
        (s = db_migrate(conn, &from, &to))) {
        S_fail(&L, "migrations failed: %s", db_errmsg(conn));
        goto out;
    }
    if ((s = db_begin(conn)))
        goto out;
    if ((s = S_topics(&L)) || (s = S_programs(&L)))
        goto out;
    json_t *ents = S_load(&L, "db/seed/entities.json");
    if (!ents) {
        s = APP_EINVAL;
        goto out;
    }
    s = S_entities(&L, ents);
    json_decref(ents);
    if (s)
        goto out;
    json_t *metrics = S_load(&L, "db/seed/metrics.json");
    if (!metrics) {
        s = APP_EINVAL;
        goto out;
    }
    s = S_metrics(&L, metrics, 0);
    if (s == APP_OK)
        s = S_relations(&L, metrics);
    json_decref(metrics);
    if (s || (s = S_sources(&L)))
        goto out;
    static const char prefix[] = "db/seed/claims/";
    if ((s = db_exec(conn, SQL_PENDING_LINKS)))
        goto out;
    for (size_t i = 0; i < L.nfiles; i++) {
        const char *name = L.files[i].name;
        if (strncmp(name, prefix, sizeof prefix - 1) == 0 &&
            (s = S_claims_file(&L, name)) != APP_OK)
            goto out;
    }
    if ((s = S_links(&L)) || (s = db_exec(conn, "DROP TABLE pending_link")))
        goto out;
    if ((s = S_conflicts(&L)) != APP_OK)
        goto out;
    L.file = "search index";
    if (search_repo_rebuild(conn) != APP_OK) {
        s = S_fail(&L, "%s", db_errmsg(conn));
        goto out;
    }
    unsigned char digest[32];
    char hex[65];
    sha256_final(&L.inputs, digest);
    sha256_to_hex(digest, hex);
    sqlite3_stmt *st =
        S_prep(&L, "INSERT INTO dataset (id, version, inputs_sha256) VALUES (1, 1, ?1)");
    if (!st) {
        s = APP_EINVAL;
        goto out;
    }
    sqlite3_bind_text(st, 1, hex, 64, SQLITE_TRANSIENT);
    s = S_step(&L, st, "dataset");
    sqlite3_finalize(st);
    if (s)
        goto out;
    if ((s = db_commit(conn))) {
        S_fail(&L, "commit failed: %s", db_errmsg(conn));
        goto out;
    }
out:
    if (s != APP_OK)
        db_rollback(conn);
    db_close(conn);
    if (s == APP_OK && rename(tmp, out_path) != 0)
        s = S_fail(&L, "cannot rename %s to %s", tmp, out_path);
    if (s != APP_OK)
        unlink(tmp);
    return s;
}
