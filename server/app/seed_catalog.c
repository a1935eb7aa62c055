/* The seed's catalog: topics, metrics and their relations, entities, programs, sources. */
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

enum app_status seed_topics(struct loader *L)
{
    enum app_status s = APP_OK;
    json_t *arr = seed_load(L, "db/seed/topics.json");
    sqlite3_stmt *st =
        arr ? seed_prep(L, "INSERT INTO topic (id, label, description) VALUES (?1, ?2, ?3)") : NULL;
    if (!st) {
        s = APP_EINVAL;
        goto out;
    }
    size_t i;
    json_t *t;
    json_array_foreach(arr, i, t) {
        bool bad = false;
        const char *id = seed_str(t, "id", &bad);
        const char *label = seed_str(t, "label", &bad);
        const char *desc = seed_str(t, "description", &bad);
        if ((s = seed_need(L, id, "id", id, bad)) || (s = seed_need(L, id, "label", label, bad)) ||
            (s = seed_need(L, id, "description", desc, bad)))
            goto out;
        seed_bind_text(st, 1, id);
        seed_bind_text(st, 2, label);
        seed_bind_text(st, 3, desc);
        if ((s = seed_step(L, st, id)))
            goto out;
    }
out:
    sqlite3_finalize(st);
    json_decref(arr);
    return s;
}

enum app_status seed_metrics(struct loader *L, json_t *arr, sqlite3_int64 source_seq)
{
    enum app_status s = APP_OK;
    sqlite3_stmt *st =
        seed_prep(L, "INSERT INTO metric (id, label, unit, value_type, definition, "
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
            v[k] = seed_str(m, f[k], &bad);
            if ((s = seed_need(L, v[0], f[k], v[k], bad)))
                goto out;
            seed_bind_text(st, k + 1, v[k]);
        }
        seed_bind_seq(st, 7, source_seq);
        /* As the API takes a metric (its relations are loaded and checked as relations). */
        static const char *const seed_only[] = {"relations"};
        if ((s = seed_as_api(L, WRITE_METRIC, seed_without(m, seed_only, 1), v[0])) != APP_OK)
            goto out;
        json_t *once = json_object_get(m, "one_per_subject");
        if (once && !json_is_boolean(once)) {
            s = seed_fail(L, "%s: 'one_per_subject' must be true or false", v[0]);
            goto out;
        }
        sqlite3_bind_int(st, 8, json_is_true(once) ? 1 : 0);
        json_t *cum = json_object_get(m, "cumulative");
        if (cum && !json_is_boolean(cum)) {
            s = seed_fail(L, "%s: 'cumulative' must be true or false", v[0]);
            goto out;
        }
        sqlite3_bind_int(st, 9, json_is_true(cum) ? 1 : 0);
        if ((s = seed_step(L, st, v[0])))
            goto out;
    }
out:
    sqlite3_finalize(st);
    return s;
}

/* Binds the seq of metric id `key` of relation o; fails when named and unknown. */
static enum app_status S_rel_ref(struct loader *L, sqlite3_stmt *st, int idx, json_t *o,
                                 const char *key, const char *table, const char *rid)
{
    bool bad = false;
    const char *ref = seed_str(o, key, &bad);
    if (bad)
        return seed_fail(L, "%s: '%s' must be a string", rid, key);
    return seed_bind_ref(L, st, idx, table, ref, rid, key);
}

/*
 * The relations each metric of arr declares ("relations": [{id, kind, whole, part,
 * parts, min, max, whole_place, note}]), after every metric is in: a relation may
 * name a metric declared later. The schema's CHECKs say which kind takes which member.
 * "metric", when given, is the relation's own metric instead of the declaring one.
 */
enum app_status seed_relations(struct loader *L, json_t *arr)
{
    enum app_status s = APP_OK;
    sqlite3_stmt *st =
        seed_prep(L, "INSERT INTO metric_relation (id, kind, metric_seq, whole_seq, "
                     "part_seq, min_seq, max_seq, whole_place_seq, note) VALUES (?1, "
                     "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    sqlite3_stmt *part = seed_prep(L, "INSERT INTO metric_relation_part (relation_seq, metric_seq) "
                                      "VALUES (?1, ?2)");
    if (!st || !part) {
        s = APP_EINVAL;
        goto out;
    }
    size_t i, k;
    json_t *m, *r;
    json_array_foreach(arr, i, m) {
        bool bad = false;
        const char *mid = seed_str(m, "id", &bad);
        json_t *rels = json_object_get(m, "relations");
        if (!rels)
            continue;
        if (!json_is_array(rels)) {
            s = seed_fail(L, "%s: 'relations' must be an array", mid ? mid : "?");
            goto out;
        }
        json_array_foreach(rels, k, r) {
            const char *rid = seed_str(r, "id", &bad);
            const char *kind = seed_str(r, "kind", &bad);
            if ((s = seed_need(L, mid, "relations[].id", rid, bad)) ||
                (s = seed_need(L, rid, "kind", kind, bad)))
                goto out;
            seed_bind_text(st, 1, rid);
            seed_bind_text(st, 2, kind);
            /* "metric" names the relation's own metric when it is not the declaring one
             * (a relation to a document's metric declared in that document). */
            const char *own = seed_str(r, "metric", &bad);
            if ((s = seed_bind_ref(L, st, 3, "metric", own ? own : mid, rid, "metric")) ||
                (s = S_rel_ref(L, st, 4, r, "whole", "metric", rid)) ||
                (s = S_rel_ref(L, st, 5, r, "part", "metric", rid)) ||
                (s = S_rel_ref(L, st, 6, r, "min", "metric", rid)) ||
                (s = S_rel_ref(L, st, 7, r, "max", "metric", rid)) ||
                (s = S_rel_ref(L, st, 8, r, "whole_place", "entity", rid)))
                goto out;
            seed_bind_text(st, 9, seed_str(r, "note", &bad));
            if ((s = seed_step(L, st, rid)))
                goto out;
            sqlite3_int64 rseq = sqlite3_last_insert_rowid(L->db);
            json_t *parts = json_object_get(r, "parts");
            if (parts && !json_is_array(parts)) {
                s = seed_fail(L, "%s: 'parts' must be an array of metric ids", rid);
                goto out;
            }
            if (strcmp(kind, "sum") == 0 && json_array_size(parts) < 2) {
                s = seed_fail(L, "%s: a sum names at least two parts", rid);
                goto out;
            }
            size_t j;
            json_t *p;
            json_array_foreach(parts, j, p) {
                const char *pid = json_is_string(p) ? json_string_value(p) : NULL;
                sqlite3_bind_int64(part, 1, rseq);
                if ((s = seed_bind_ref(L, part, 2, "metric", pid ? pid : "?", rid, "parts")) ||
                    (s = seed_step(L, part, rid)))
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
        return seed_fail(L, "%s: 'aliases' must be an array", id);
    size_t i;
    json_t *a;
    json_array_foreach(aliases, i, a) {
        if (!json_is_string(a) || !*json_string_value(a))
            return seed_fail(L, "%s: aliases must be non-empty strings", id);
        /* The same alias twice is a curation slip, not worth a failure. */
        bool dup = false;
        for (size_t k = 0; k < i; k++) {
            if (strcmp(json_string_value(json_array_get(aliases, k)), json_string_value(a)) == 0)
                dup = true;
        }
        if (dup)
            continue;
        sqlite3_bind_int64(st, 1, seq);
        seed_bind_text(st, 2, json_string_value(a));
        enum app_status s = seed_step(L, st, id);
        if (s)
            return s;
    }
    return APP_OK;
}

enum app_status seed_entities(struct loader *L, json_t *arr)
{
    enum app_status s = APP_OK;
    sqlite3_stmt *st =
        seed_prep(L, "INSERT INTO entity (id, kind, name, description) VALUES (?1, ?2, ?3, ?4)");
    sqlite3_stmt *al = seed_prep(L, "INSERT INTO entity_alias (entity_seq, alias) VALUES (?1, ?2)");
    if (!st || !al) {
        s = APP_EINVAL;
        goto out;
    }
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        bool bad = false;
        const char *id = seed_str(e, "id", &bad);
        const char *kind = seed_str(e, "kind", &bad);
        const char *name = seed_str(e, "name", &bad);
        const char *desc = seed_str(e, "description", &bad);
        if ((s = seed_need(L, id, "id", id, bad)) || (s = seed_need(L, id, "kind", kind, bad)) ||
            (s = seed_need(L, id, "name", name, bad)))
            goto out;
        if (seed_seq(L, "program", id)) {
            s = seed_fail(L, "%s: id is already used by a program", id);
            goto out;
        }
        seed_bind_text(st, 1, id);
        seed_bind_text(st, 2, kind);
        seed_bind_text(st, 3, name);
        seed_bind_text(st, 4, desc);
        if ((s = seed_step(L, st, id)))
            goto out;
        if ((s = S_aliases(L, al, sqlite3_last_insert_rowid(L->db), e, id)))
            goto out;
    }
out:
    sqlite3_finalize(st);
    sqlite3_finalize(al);
    return s;
}

enum app_status seed_programs(struct loader *L)
{
    enum app_status s = APP_OK;
    json_t *arr = seed_load(L, "db/seed/programs.json");
    sqlite3_stmt *st =
        arr ? seed_prep(L,
                        "INSERT INTO program (id, name, kind, description) VALUES (?1, ?2, ?3, ?4)")
            : NULL;
    sqlite3_stmt *al =
        arr ? seed_prep(L, "INSERT INTO program_alias (program_seq, alias) VALUES (?1, ?2)") : NULL;
    if (!st || !al) {
        s = APP_EINVAL;
        goto out;
    }
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p) {
        bool bad = false;
        const char *id = seed_str(p, "id", &bad);
        const char *name = seed_str(p, "name", &bad);
        const char *kind = seed_str(p, "kind", &bad);
        const char *desc = seed_str(p, "description", &bad);
        if ((s = seed_need(L, id, "id", id, bad)) || (s = seed_need(L, id, "name", name, bad)) ||
            (s = seed_need(L, id, "kind", kind, bad)) ||
            (s = seed_as_api(L, WRITE_PROGRAM, json_deep_copy(p), id)))
            goto out;
        seed_bind_text(st, 1, id);
        seed_bind_text(st, 2, name);
        seed_bind_text(st, 3, kind);
        seed_bind_text(st, 4, desc);
        if ((s = seed_step(L, st, id)))
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
    const char *id = seed_str(o, "id", &bad);
    const char *title = seed_str(o, "title", &bad);
    enum app_status s;
    if ((s = seed_need(L, id, "id", id, bad)) || (s = seed_need(L, id, "title", title, bad)))
        return s;
    /* As the API takes it: the claim id prefix and the precisions (which the API derives)
     * are the seed's; the text is a file of db/sources/, checked when it is stored; a cited
     * work's label and ref belong to its citation. */
    static const char *const seed_only[] = {
        "prefix", "published_precision", "written_precision", "text", "label", "ref"};
    json_t *doc = seed_without(o, seed_only, sizeof seed_only / sizeof seed_only[0]);
    if (doc && kind)
        json_object_set_new(doc, "kind", json_string(kind));
    if (doc && !json_is_string(json_object_get(doc, "language")))
        json_object_set_new(doc, "language", json_string("und")); /* as it is stored */
    if ((s = seed_as_api(L, WRITE_SOURCE, doc, id)) != APP_OK)
        return s;
    json_t *authors = json_object_get(o, "authors");
    json_t *empty = NULL;
    if (!authors || !json_is_array(authors))
        authors = empty = json_array();
    char *aj = json_dumps(authors, JSON_COMPACT);
    json_decref(empty);
    const char *lang = seed_str(o, "language", &bad);
    const char *k = kind ? kind : seed_str(o, "kind", &bad);
    seed_bind_text(st, 1, id);
    seed_bind_text(st, 2, seed_str(o, "prefix", &bad));
    seed_bind_text(st, 3, title);
    seed_bind_text(st, 4, aj ? aj : "[]");
    seed_bind_text(st, 5, seed_str(o, "publisher", &bad));
    seed_bind_text(st, 6, seed_str(o, "original_publisher", &bad));
    seed_bind_text(st, 7, seed_str(o, "published", &bad));
    seed_bind_text(st, 8, seed_str(o, "published_precision", &bad));
    seed_bind_text(st, 9, seed_str(o, "published_basis", &bad));
    seed_bind_text(st, 10, seed_str(o, "written", &bad));
    seed_bind_text(st, 11, seed_str(o, "written_precision", &bad));
    seed_bind_text(st, 12, seed_str(o, "url", &bad));
    seed_bind_text(st, 13, k);
    seed_bind_text(st, 14, lang ? lang : "und");
    seed_bind_text(st, 15, seed_str(o, "note", &bad));
    free(aj);
    if (bad)
        return seed_fail(L, "%s: a text field has a non-string value", id);
    const char *pub = seed_str(o, "published", &bad);
    struct pdate d;
    if (pub && !pdate_parse(pub, &d))
        return seed_fail(L, "%s: 'published' is not a date: %s", id, pub);
    return seed_step(L, st, id);
}

/* The five documents and their stored texts. */
enum app_status seed_sources(struct loader *L)
{
    enum app_status s = APP_OK;
    json_t *arr = seed_load(L, "db/seed/sources.json");
    sqlite3_stmt *st = arr ? seed_prep(L, SQL_SOURCE) : NULL;
    sqlite3_stmt *tx =
        arr ? seed_prep(L, "INSERT INTO source_text (source_seq, body, sha256, chars, "
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
        const char *id = seed_str(o, "id", &bad);
        const char *text = seed_str(o, "text", &bad);
        if (!text)
            continue;
        char path[512];
        int n = snprintf(path, sizeof path, "db/sources/%s", text);
        const struct embedded_file *f =
            (n > 0 && (size_t)n < sizeof path) ? seed_file(L, path) : NULL;
        if (!f) {
            s = seed_fail(L, "%s: stored text '%s' is missing", id, text);
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
        if ((s = seed_step(L, tx, id)))
            goto out;
    }
out:
    sqlite3_finalize(st);
    sqlite3_finalize(tx);
    json_decref(arr);
    return s;
}

/* Works cited in a document's notes become sources of kind 'cited' linked by citations. */
enum app_status seed_cited(struct loader *L, json_t *cited, sqlite3_int64 citing)
{
    enum app_status s = APP_OK;
    if (!cited)
        return APP_OK;
    if (!json_is_array(cited))
        return seed_fail(L, "'cited' must be an array");
    sqlite3_stmt *st = seed_prep(L, SQL_SOURCE);
    sqlite3_stmt *cit = seed_prep(L, "INSERT INTO citation (citing_seq, cited_seq, label, note) "
                                     "VALUES (?1, ?2, ?3, ?4)");
    if (!st || !cit) {
        s = APP_EINVAL;
        goto out;
    }
    size_t i;
    json_t *c;
    json_array_foreach(cited, i, c) {
        bool bad = false;
        const char *ref = seed_str(c, "ref", &bad);
        const char *label = seed_str(c, "label", &bad);
        const char *note = seed_str(c, "note", &bad);
        sqlite3_int64 seq;
        if ((s = seed_need(L, ref, "label", label, bad)))
            goto out;
        if (ref) {
            seq = seed_seq(L, "source", ref);
            if (!seq) {
                s = seed_fail(L, "cited ref '%s' is not a source", ref);
                goto out;
            }
        } else {
            if ((s = S_source(L, st, c, "cited")))
                goto out;
            seq = sqlite3_last_insert_rowid(L->db);
        }
        sqlite3_bind_int64(cit, 1, citing);
        sqlite3_bind_int64(cit, 2, seq);
        seed_bind_text(cit, 3, label);
        seed_bind_text(cit, 4, note);
        if ((s = seed_step(L, cit, label)))
            goto out;
    }
out:
    sqlite3_finalize(st);
    sqlite3_finalize(cit);
    return s;
}
