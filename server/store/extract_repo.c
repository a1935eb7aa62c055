#include "extract_repo.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static char *S_dup(const unsigned char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen((const char *)s);
    char *d = malloc(n + 1);
    if (d != NULL)
        memcpy(d, s, n + 1);
    return d;
}

/* A copy kept in an owner list; *oom set when either allocation fails. */
static const char *S_keep(char ***owned, size_t *n, size_t *cap, const unsigned char *s, bool *oom)
{
    if (s == NULL)
        return NULL;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        char **nv = realloc(*owned, nc * sizeof *nv);
        if (nv == NULL) {
            *oom = true;
            return NULL;
        }
        *owned = nv;
        *cap = nc;
    }
    char *d = S_dup(s);
    if (d == NULL) {
        *oom = true;
        return NULL;
    }
    (*owned)[(*n)++] = d;
    return d;
}

static void S_free_owned(char **owned, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    free(owned);
}

static const char SQL_CATALOG[] =
    "SELECT id, label, definition, unit, value_type FROM metric ORDER BY seq";

enum app_status extract_repo_catalog(struct db_conn *c, struct extract_catalog *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_CATALOG, &st);
    if (s != APP_OK)
        return s;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            struct ex_metric *nm = realloc(out->m, nc * sizeof *nm);
            if (nm == NULL) {
                s = APP_ENOMEM;
                break;
            }
            out->m = nm;
            cap = nc;
        }
        struct ex_metric *m = &out->m[out->n++];
        bool oom = false;
        m->id = S_keep(&out->owned, &out->nowned, &out->capowned, sqlite3_column_text(st, 0), &oom);
        m->label =
            S_keep(&out->owned, &out->nowned, &out->capowned, sqlite3_column_text(st, 1), &oom);
        m->definition =
            S_keep(&out->owned, &out->nowned, &out->capowned, sqlite3_column_text(st, 2), &oom);
        m->unit =
            S_keep(&out->owned, &out->nowned, &out->capowned, sqlite3_column_text(st, 3), &oom);
        m->value_type =
            S_keep(&out->owned, &out->nowned, &out->capowned, sqlite3_column_text(st, 4), &oom);
        if (oom || m->id == NULL) {
            s = APP_ENOMEM;
            break;
        }
    }
    if (s == APP_OK && rc != SQLITE_DONE)
        s = db_status(rc);
    sqlite3_reset(st);
    if (s != APP_OK)
        extract_catalog_free(out);
    return s;
}

void extract_catalog_free(struct extract_catalog *cat)
{
    S_free_owned(cat->owned, cat->nowned);
    free(cat->m);
    memset(cat, 0, sizeof *cat);
}

/* The document's date is when it was written where the record knows it (a republished
 * paper's "currently" is the writing's present); the default claimant is the authors
 * joined, else the publisher. */
static const char SQL_SOURCE[] =
    "SELECT s.seq, t.body, coalesce(s.written, s.published), "
    "(SELECT group_concat(value, ' and ') FROM json_each(s.authors)), s.publisher "
    "FROM source s JOIN source_text t ON t.source_seq = s.seq "
    "WHERE s.id = ?1 AND s.deleted_at IS NULL";

static const char SQL_CLAIMS[] =
    "SELECT id, byte_start, byte_end, value, lower, upper, bound, value_date, unit, candidate "
    "FROM claim "
    "WHERE source_seq = ?1 AND deleted_at IS NULL ORDER BY byte_start, seq";

static bool S_opt(sqlite3_stmt *st, int i, double *v)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return false;
    *v = sqlite3_column_double(st, i);
    return true;
}

static enum app_status S_claims(struct db_conn *c, sqlite3_int64 seq, struct extract_source *out)
{
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_CLAIMS, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_int64(st, 1, seq);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->nclaims == cap) {
            size_t nc = cap ? cap * 2 : 128;
            struct ex_claim_ref *nv = realloc(out->claims, nc * sizeof *nv);
            if (nv == NULL) {
                s = APP_ENOMEM;
                break;
            }
            out->claims = nv;
            cap = nc;
        }
        struct ex_claim_ref *k = &out->claims[out->nclaims++];
        memset(k, 0, sizeof *k);
        bool oom = false;
        k->id = S_keep(&out->owned, &out->nowned, &out->capowned, sqlite3_column_text(st, 0), &oom);
        k->b0 = (size_t)sqlite3_column_int64(st, 1);
        k->b1 = (size_t)sqlite3_column_int64(st, 2);
        k->has_value = S_opt(st, 3, &k->value);
        k->has_lower = S_opt(st, 4, &k->lower);
        k->has_upper = S_opt(st, 5, &k->upper);
        k->bound =
            S_keep(&out->owned, &out->nowned, &out->capowned, sqlite3_column_text(st, 6), &oom);
        k->value_date =
            S_keep(&out->owned, &out->nowned, &out->capowned, sqlite3_column_text(st, 7), &oom);
        k->unit =
            S_keep(&out->owned, &out->nowned, &out->capowned, sqlite3_column_text(st, 8), &oom);
        k->candidate =
            S_keep(&out->owned, &out->nowned, &out->capowned, sqlite3_column_text(st, 9), &oom);
        if (oom || k->id == NULL) {
            s = APP_ENOMEM;
            break;
        }
    }
    if (s == APP_OK && rc != SQLITE_DONE)
        s = db_status(rc);
    sqlite3_reset(st);
    return s;
}

enum app_status extract_repo_source(struct db_conn *c, const char *id, struct extract_source *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    enum app_status s = db_stmt(c, SQL_SOURCE, &st);
    if (s != APP_OK)
        return s;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_int64 seq = 0;
    if (rc == SQLITE_ROW) {
        seq = sqlite3_column_int64(st, 0);
        out->len = (size_t)sqlite3_column_bytes(st, 1);
        out->text = S_dup(sqlite3_column_text(st, 1));
        out->published = S_dup(sqlite3_column_text(st, 2));
        const unsigned char *a = sqlite3_column_text(st, 3);
        out->author = S_dup(a != NULL && a[0] != '\0' ? a : sqlite3_column_text(st, 4));
        if (out->text == NULL)
            s = APP_ENOMEM;
    } else {
        s = rc == SQLITE_DONE ? APP_ENOTFOUND : db_status(rc);
    }
    sqlite3_reset(st);
    if (s == APP_OK)
        s = S_claims(c, seq, out);
    if (s != APP_OK)
        extract_source_free(out);
    return s;
}

void extract_source_free(struct extract_source *s)
{
    free(s->text);
    free(s->published);
    free(s->author);
    S_free_owned(s->owned, s->nowned);
    free(s->claims);
    memset(s, 0, sizeof *s);
}
