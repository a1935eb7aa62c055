/*
 * The curation API: authenticated POST / PATCH / DELETE on sources, claims and
 * programs, restore, and the revision history. Every change runs in one
 * transaction on the writer connection, advances the dataset version and
 * leaves a revision with the record before and after: nothing is lost.
 */
#include "app.h"
#include "catalog_repo.h"
#include "handlers.h"
#include "list.h"
#include "log.h"
#include "meta_repo.h"
#include "query.h"
#include "router.h"
#include "sha256.h"
#include "write_json.h"
#include "write_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* jansson's handle, opaque here: write_json.c owns the library. */
typedef struct json_t json_t;

struct principal {
    char name[128];
    char scope[16];
};

static void S_unauthorized(struct http_response *res, struct http_request *req, const char *why,
                           bool invalid)
{
    http_problem(res, req, 401, "unauthorized", why, NULL, 0);
    http_response_header(res, "WWW-Authenticate",
                         invalid ? "Bearer realm=\"marsad\", error=\"invalid_token\""
                                 : "Bearer realm=\"marsad\"");
}

/* Authenticates the bearer token; admin_needed asks for the admin scope. */
static bool S_auth(struct http_request *req, struct http_response *res, bool admin_needed,
                   struct principal *who)
{
    const char *h = http_header(req, "Authorization");
    if (!h || !*h) {
        S_unauthorized(res, req, "this operation needs 'Authorization: Bearer <token>'", false);
        return false;
    }
    if (strncasecmp(h, "Bearer ", 7) != 0) {
        S_unauthorized(res, req, "only Bearer tokens are accepted", true);
        return false;
    }
    const char *tok = h + 7;
    while (*tok == ' ')
        tok++;
    size_t n = strlen(tok);
    if (n == 0 || n > 256) {
        S_unauthorized(res, req, "the token is missing or malformed", true);
        return false;
    }
    char hex[65];
    sha256_hex(tok, n, hex);
    struct db_conn *c = NULL;
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = token_repo_find(c, hex, who->name, sizeof who->name, who->scope, sizeof who->scope);
    if (st == APP_ENOTFOUND) {
        S_unauthorized(res, req, "the token is unknown or revoked", true);
        return false;
    }
    if (st != APP_OK) {
        app_db_error(req, res, st, "checking the token");
        return false;
    }
    if (admin_needed && strcmp(who->scope, "admin") != 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "token '%.100s' has scope '%s'; this operation needs 'admin'",
                 who->name, who->scope);
        http_problem(res, req, 403, "forbidden", msg, NULL, 0);
        return false;
    }
    return true;
}

/* Refuses writes on a read-only server. */
static bool S_writable(struct http_request *req, struct http_response *res)
{
    if (!req->app->cfg->read_only)
        return true;
    http_problem(res, req, 405, "read-only", "this server runs with --read-only: no writes", NULL,
                 0);
    http_response_header(res, "Allow", "GET, HEAD, OPTIONS");
    return false;
}

/* Checks the media type (parameters such as charset allowed). */
static bool S_content_type(struct http_request *req, struct http_response *res, bool patch)
{
    const char *ct = http_header(req, "Content-Type");
    size_t n = ct ? strcspn(ct, "; ") : 0;
    bool ok =
        ct && ((n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
               (patch && n == 28 && strncasecmp(ct, "application/merge-patch+json", 28) == 0));
    if (ok)
        return true;
    char msg[200];
    snprintf(msg, sizeof msg, "send the body as %s",
             patch ? "application/merge-patch+json (RFC 7396)" : "application/json");
    struct problem_error e = {.header = "Content-Type", .detail = msg};
    http_problem(res, req, 415, "unsupported-media-type", msg, &e, 1);
    http_response_header(res, patch ? "Accept-Patch" : "Accept-Post",
                         patch ? "application/merge-patch+json, application/json"
                               : "application/json");
    return false;
}

static json_t *S_body(struct http_request *req, struct http_response *res)
{
    char err[256];
    if (!req->body || req->body_len == 0) {
        http_problem(res, req, 400, "malformed-body", "the request has no body", NULL, 0);
        return NULL;
    }
    json_t *j = write_json_parse(req->body, req->body_len, err, sizeof err);
    if (!j)
        http_problem(res, req, 400, "malformed-body", err, NULL, 0);
    return j;
}

/* The optional X-Change-Reason header, checked for size. */
static bool S_reason(struct http_request *req, struct http_response *res, const char **out)
{
    const char *r = http_header(req, "X-Change-Reason");
    *out = r;
    if (r && strlen(r) > 500) {
        struct problem_error e = {.header = "X-Change-Reason", .detail = "at most 500 bytes"};
        http_problem(res, req, 400, "invalid-header", "X-Change-Reason is longer than 500 bytes",
                     &e, 1);
        return false;
    }
    /* Kept in the revision and served as JSON text: UTF-8 without control characters. */
    bool control = false;
    for (const unsigned char *p = (const unsigned char *)r; p && *p; p++)
        control |= (*p < 0x20 && *p != '\t') || *p == 0x7F;
    if (r && (control || !http_valid_utf8(r, strlen(r)))) {
        struct problem_error e = {.header = "X-Change-Reason",
                                  .detail = "must be UTF-8 text without control characters"};
        http_problem(res, req, 400, "invalid-header",
                     "X-Change-Reason is not UTF-8 text without control characters", &e, 1);
        return false;
    }
    return true;
}

/* A tag of a response served at or after dataset version *ctx ("42-..."), or "*". */
static bool S_fresh_tag(const void *ctx, const char *tag, size_t n, bool weak)
{
    const int64_t *changed_in = ctx;
    (void)weak;
    if (n == 1 && tag[0] == '*')
        return true;
    char buf[64];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, tag, n);
    buf[n] = '\0';
    const char *p = buf[0] == '"' ? buf + 1 : buf;
    char *end = NULL;
    long long v = strtoll(p, &end, 10);
    return end != p && *end == '-' && v >= *changed_in;
}

/*
 * If-Match: a tag from any response served after the record last changed.
 * Marsad's tags start with the dataset version ("42-..."): the precondition
 * holds when that version is at or after the record's last change.
 */
static bool S_if_match(struct http_request *req, struct http_response *res,
                       const struct write_state *ws)
{
    const char *im = http_header(req, "If-Match");
    if (!im || http_etag_list(im, S_fresh_tag, &ws->changed_in))
        return true;
    char msg[200];
    snprintf(msg, sizeof msg,
             "the record changed at dataset version %lld, after the version of the tag given; "
             "fetch it again",
             (long long)ws->changed_in);
    struct problem_error e = {.header = "If-Match", .detail = msg};
    http_problem(res, req, 412, "precondition-failed", msg, &e, 1);
    return false;
}

/* Answers 422 listing every validation error, or 409 for a taken id; any other status is
 * the server's (a lookup the database could not answer), logged with the cause the writer
 * connection w reports (NULL: none). */
static void S_invalid(struct http_request *req, struct http_response *res, enum app_status st,
                      const struct write_errors *we, const char *what, struct db_conn *w)
{
    if (st == APP_ECONFLICT) {
        char msg[160];
        snprintf(msg, sizeof msg, "a %s with this id already exists", what);
        http_problem(res, req, 409, "conflict", msg, NULL, 0);
        return;
    }
    if (st == APP_EINVAL) {
        char msg[160];
        size_t total = we->total > we->n ? we->total : we->n;
        if (total > we->n)
            snprintf(msg, sizeof msg, "the %s has %zu errors; the first %zu are listed in errors",
                     what, total, we->n);
        else
            snprintf(msg, sizeof msg, "the %s has %zu invalid field%s; see errors", what, total,
                     total == 1 ? "" : "s");
        http_problem(res, req, 422, "validation-failed", msg, we->e, we->n);
        return;
    }
    char cause[300];
    snprintf(cause, sizeof cause, "validating the %s (%s)", what, w ? db_errmsg(w) : "-");
    app_db_error(req, res, st, cause);
}

/* 201/200 body: the record as stored, with its revision facts. */
static void S_record_response(struct http_response *res, unsigned status, const char *doc,
                              int64_t revision, uint64_t version)
{
    struct jw w;
    http_json_begin(res, &w);
    res->status = status;
    char *pub = write_json_public(doc);
    jw_obj_begin(&w);
    jw_key(&w, "data");
    if (pub)
        jw_raw(&w, pub, strlen(pub));
    else
        jw_null(&w);
    jw_key(&w, "meta");
    jw_obj_begin(&w);
    jw_kint(&w, "revision", revision);
    jw_kint(&w, "dataset_version", (int64_t)version);
    jw_obj_end(&w);
    jw_obj_end(&w);
    free(pub);
    char etag[48];
    snprintf(etag, sizeof etag, "\"%llu-w\"", (unsigned long long)version);
    http_response_header(res, "ETag", etag);
}

static const char *S_what(enum write_resource r)
{
    return write_resource_name(r);
}

/*
 * What the whole catalog says against a metric or relation just written (in the write's
 * transaction): a cycle of part/whole relations, a unit that no longer fits its claims or
 * relations. APP_EINVAL with the problems in we.
 */
static enum app_status S_catalog_check(struct db_conn *w, enum write_resource r, const char *id,
                                       const char *before, struct write_errors *we)
{
    if (r < WRITE_METRIC)
        return APP_OK;
    struct catalog_problems p;
    enum app_status st = catalog_repo_check(w, r, id, before, &p);
    for (size_t i = 0; st == APP_OK && i < p.n; i++)
        write_errors_add(we, p.pointer[i], "%s", p.msg[i]);
    return st == APP_OK && p.n ? APP_EINVAL : st;
}

/* A change to one record, as its revision records it. */
struct change {
    enum write_resource r;
    const char *id;
    const char *action; /* "create", "update", "delete", "restore" */
    const struct principal *who;
    const char *reason;
    const char *now;
};

/*
 * After the write that gave st: bumps the dataset version into *version,
 * records the revision (before/after), then commits and publishes the new
 * version, or rolls back.
 */
static enum app_status S_finish(struct app *app, struct db_conn *w, enum app_status st,
                                const struct change *ch, const char *before, const char *after,
                                uint64_t *version)
{
    if (st == APP_OK)
        st = write_repo_bump_version(w, ch->now, version);
    if (st == APP_OK)
        st = write_repo_revision(w, ch->r, ch->id, ch->action, ch->who->name, ch->reason, ch->now,
                                 before, after, *version);
    if (st == APP_OK) {
        /* Known as this process's own before any reader can see it committed. */
        atomic_store(&app->written_version, *version);
        st = db_commit(w);
    }
    if (st != APP_OK) {
        db_rollback(w);
        return st;
    }
    atomic_store(&app->dataset_version, *version);
    return APP_OK;
}

/* Opens the writer and begins a transaction; false when that failed (answered, writer released). */
static bool S_begin(struct http_request *req, struct http_response *res, struct db_conn **w)
{
    struct app *app = req->app;
    enum app_status st = db_pool_writer(&app->db, w);
    if (st != APP_OK) {
        app_db_error(req, res, st, "opening the writer");
        return false;
    }
    if ((st = db_begin(*w)) != APP_OK) {
        app_db_error(req, res, st, "starting a transaction");
        db_pool_writer_release(&app->db);
        return false;
    }
    return true;
}

bool write_guard(struct http_request *req, struct http_response *res, unsigned flags)
{
    struct principal who;
    if (!(flags & ROUTE_WRITE))
        return true;
    if (!S_writable(req, res) || !S_auth(req, res, (flags & ROUTE_ADMIN) != 0, &who))
        return false;
    if ((flags & (ROUTE_JSON_BODY | ROUTE_MERGE_PATCH)) &&
        !S_content_type(req, res, (flags & ROUTE_MERGE_PATCH) != 0))
        return false;
    snprintf(req->principal, sizeof req->principal, "%s", who.name);
    snprintf(req->scope, sizeof req->scope, "%s", who.scope);
    req->guarded = true;
    return true;
}

/* Who the guard let in (the route table guards every write before its handler runs). */
static void S_who(const struct http_request *req, struct principal *who)
{
    snprintf(who->name, sizeof who->name, "%s", req->principal);
    snprintf(who->scope, sizeof who->scope, "%s", req->scope);
}

/* The reason header of a guarded write, then its body; NULL when one failed (and answered). */
static json_t *S_write_body(struct http_request *req, struct http_response *res,
                            struct principal *who, const char **reason)
{
    S_who(req, who);
    if (!S_reason(req, res, reason))
        return NULL;
    return S_body(req, res);
}

static void S_create(struct http_request *req, struct http_response *res, enum write_resource r)
{
    struct principal who;
    const char *reason = NULL;
    json_t *doc = S_write_body(req, res, &who, &reason);
    if (!doc)
        return;
    struct app *app = req->app;
    struct db_conn *w = NULL;
    char *norm = NULL, *pub = NULL;
    enum app_status st = db_pool_writer(&app->db, &w);
    if (st != APP_OK) {
        write_json_free(doc);
        app_db_error(req, res, st, "opening the writer");
        return;
    }
    st = db_begin(w);
    const struct write_lookup lk = write_repo_lookup(w);
    struct write_errors we = {0};
    write_json_drop_read_only(r, doc, NULL, &we); /* a create ignores computed members */
    if (st == APP_OK)
        st = write_json_validate(r, doc, true, &lk, &we, &norm);
    if (st != APP_OK) {
        S_invalid(req, res, st, &we, S_what(r), w);
        db_rollback(w);
        db_pool_writer_release(&app->db);
        write_json_free(doc);
        return;
    }
    char now[32];
    log_now_iso(now, sizeof now);
    uint64_t version = 0;
    pub = write_json_public(norm);
    /* the id as validation left it in the document (given, or generated for a claim) */
    char id[128] = "";
    const char *vid = write_json_str(doc, "id");
    if (vid && strlen(vid) < sizeof id)
        memcpy(id, vid, strlen(vid) + 1);
    st = pub ? write_repo_insert(w, r, norm, now) : APP_ENOMEM;
    if (st == APP_OK && (st = S_catalog_check(w, r, id, NULL, &we)) == APP_EINVAL) {
        S_invalid(req, res, st, &we, S_what(r), w);
        db_rollback(w);
        db_pool_writer_release(&app->db);
        goto free_all;
    }
    const struct change ch = {r, id, "create", &who, reason, now};
    st = S_finish(app, w, st, &ch, NULL, pub, &version);
    db_pool_writer_release(&app->db);
    if (st == APP_OK) {
        char loc[200];
        snprintf(loc, sizeof loc, "/v1/%ss/%s", S_what(r), id);
        S_record_response(res, 201, norm, 1, version);
        http_response_header(res, "Location", loc);
        log_msg(&app->log, LOG_INFO, "created %s %s by %s", S_what(r), id, who.name);
    } else if (st == APP_ECONFLICT) {
        http_problem(res, req, 409, "conflict", "the record conflicts with an existing one", NULL,
                     0);
    } else {
        app_db_error(req, res, st, "writing");
    }
free_all:
    free(norm);
    free(pub);
    write_json_free(doc);
}

/* Loads the record for PATCH/DELETE/restore, answering 404/410/412 itself. */
static bool S_load(struct http_request *req, struct http_response *res, struct db_conn *w,
                   enum write_resource r, const char *id, struct write_state *ws, bool want_deleted)
{
    enum app_status st = write_repo_load(w, r, id, ws);
    if (st != APP_OK) {
        app_db_error(req, res, st, "reading the record");
        return false;
    }
    char msg[200];
    if (!ws->found) {
        snprintf(msg, sizeof msg, "no %s with id '%.100s'", S_what(r), id);
        http_problem(res, req, 404, "not-found", msg, NULL, 0);
        return false;
    }
    if (ws->deleted && !want_deleted) {
        snprintf(msg, sizeof msg, "%s '%.100s' was deleted; an admin can restore it", S_what(r),
                 id);
        http_problem(res, req, 410, "gone", msg, NULL, 0);
        return false;
    }
    if (!ws->deleted && want_deleted) {
        snprintf(msg, sizeof msg, "%s '%.100s' is not deleted", S_what(r), id);
        http_problem(res, req, 409, "conflict", msg, NULL, 0);
        return false;
    }
    return S_if_match(req, res, ws);
}

/*
 * The record as GET /v1/<what>s/<id> answers it (the body, malloc'd JSON text), by routing
 * that GET inside this request: the read-only members of a PATCH are compared with it.
 * NULL when it could not be read.
 */
static char *S_read_view(struct http_request *req, enum write_resource r, const char *id)
{
    char target[300], err[128];
    int n = snprintf(target, sizeof target, "/v1/%ss/%s", S_what(r), id);
    if (n < 0 || (size_t)n >= sizeof target || strpbrk(id, "?#%/"))
        return NULL;
    struct http_request sub;
    memset(&sub, 0, sizeof sub);
    sub.method = HTTP_GET;
    if (http_request_parse_target(&sub, target, err, sizeof err) != 0) {
        http_request_free(&sub);
        return NULL;
    }
    sub.app = req->app;
    sub.thread_ctx = req->thread_ctx;
    sub.request_id = req->request_id;
    struct http_response out;
    http_response_init(&out);
    router_dispatch(req->app->routes, req->app->nroutes, req->app->route_guard, &sub, &out);
    char *view = NULL;
    if (out.status == 200 && !out.body.oom) {
        view = malloc(out.body.len + 1);
        if (view) {
            memcpy(view, out.body.data, out.body.len);
            view[out.body.len] = '\0';
        }
    }
    http_response_free(&out);
    http_request_free(&sub);
    return view;
}

static void S_patch(struct http_request *req, struct http_response *res, enum write_resource r)
{
    struct principal who;
    const char *reason = NULL;
    json_t *patch = S_write_body(req, res, &who, &reason);
    if (!patch)
        return;
    const char *id = http_path_param(req, "id");
    struct app *app = req->app;
    struct db_conn *w = NULL;
    struct write_state ws = {0};
    json_t *cur = NULL;
    char *norm = NULL, *pub = NULL;
    uint64_t version = 0;
    if (!S_begin(req, res, &w)) {
        write_json_free(patch);
        return;
    }
    if (!S_load(req, res, w, r, id, &ws, false))
        goto rollback;
    {
        /* A body read with GET may come back: computed members unchanged are no change. */
        char *view = S_read_view(req, r, id);
        struct write_errors ro = {0};
        write_json_drop_read_only(r, patch, view, &ro);
        free(view);
        if (ro.n) {
            S_invalid(req, res, APP_EINVAL, &ro, S_what(r), NULL);
            goto rollback;
        }
    }
    cur = write_json_from_text(ws.json);
    if (!cur) {
        app_db_error(req, res, APP_ENOMEM, "reading the record");
        goto rollback;
    }
    write_json_merge_patch(cur, patch);
    const struct write_lookup lk = write_repo_lookup(w);
    struct write_errors we = {0};
    enum app_status st = write_json_validate(r, cur, false, &lk, &we, &norm);
    if (st == APP_OK) {
        pub = write_json_public(norm);
        const char *now_id = write_json_str(cur, "id");
        if (!pub || !now_id || strcmp(now_id, id) != 0) {
            write_errors_add(&we, "/id", "is immutable; create a new record instead");
            st = APP_EINVAL;
        }
    }
    if (st == APP_OK && r == WRITE_SOURCE) {
        /*
         * Claims point into the stored text: it cannot change under them.
         * Compare digests: the stored text's against the _sha256 that
         * validation derived for the new one.
         */
        int64_t n = 0;
        char *old_text = NULL;
        size_t olen = 0;
        enum app_status ts = write_repo_source_text(w, id, &old_text, &olen);
        bool had = ts == APP_OK;
        const char *h = write_json_str(cur, "_sha256"); /* derived from the new text */
        bool changed = had != (h != NULL);
        if (had && h) {
            char old_hex[65];
            sha256_hex(old_text, olen, old_hex);
            changed = strcmp(h, old_hex) != 0;
        }
        free(old_text);
        /* The check cannot be skipped: a database error here is the write's error. */
        if (ts != APP_OK && ts != APP_ENOTFOUND)
            st = ts;
        else if (changed)
            st = write_repo_claims_of_source(w, id, &n);
        if (st != APP_OK) {
            app_db_error(req, res, st, "checking the claims that quote the source");
            goto rollback;
        }
        if (changed && n > 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "the stored text cannot change while %lld claims quote it",
                     (long long)n);
            http_problem(res, req, 409, "conflict", msg, NULL, 0);
            goto rollback;
        }
    }
    if (st != APP_OK) {
        S_invalid(req, res, st, &we, S_what(r), w);
        goto rollback;
    }
    char *before = write_json_public(ws.json); /* same form as `after`: diffs show real changes */
    if (before && strcmp(before, pub) == 0) {
        /* A patch that changes nothing ({} or the values already stored) writes nothing:
         * no revision, the same dataset version. */
        free(before);
        st = meta_repo_dataset_version(w, &version);
        if (st == APP_OK)
            S_record_response(res, 200, norm, ws.revision, version);
        else
            app_db_error(req, res, st, "reading the dataset version");
        goto rollback;
    }
    char now[32];
    log_now_iso(now, sizeof now);
    st = write_repo_update(w, r, id, norm, now);
    if (st == APP_OK && (st = S_catalog_check(w, r, id, ws.json, &we)) == APP_EINVAL) {
        free(before);
        S_invalid(req, res, st, &we, S_what(r), w);
        goto rollback;
    }
    const struct change ch = {r, id, "update", &who, reason, now};
    st = S_finish(app, w, st, &ch, before ? before : ws.json, pub, &version);
    free(before);
    if (st == APP_OK) {
        S_record_response(res, 200, norm, ws.revision + 1, version);
        log_msg(&app->log, LOG_INFO, "updated %s %s by %s", S_what(r), id, who.name);
    } else {
        app_db_error(req, res, st, "writing");
    }
    goto out;
rollback:
    db_rollback(w);
out:
    db_pool_writer_release(&app->db);
    write_state_free(&ws);
    write_json_free(cur);
    write_json_free(patch);
    free(norm);
    free(pub);
}

static void S_delete_or_restore(struct http_request *req, struct http_response *res,
                                enum write_resource r, bool restore)
{
    struct principal who;
    const char *reason = NULL;
    S_who(req, &who);
    if (!S_reason(req, res, &reason))
        return;
    const char *id = http_path_param(req, "id");
    struct app *app = req->app;
    struct db_conn *w = NULL;
    struct write_state ws = {0};
    uint64_t version = 0;
    enum app_status st = APP_OK;
    char *norm = NULL;
    if (!S_begin(req, res, &w))
        return;
    if (!S_load(req, res, w, r, id, &ws, restore))
        goto rollback;
    if (restore) {
        /* Validated again against the current data: its references (source, subject,
         * footnote...) must still be live, and a claim's quote is found again in the
         * source's current text, which may have changed while the claim was deleted. The
         * record comes back as validated (norm), with the offsets derived now. */
        const struct write_lookup lk = write_repo_lookup(w);
        struct write_errors we = {0};
        json_t *doc = write_json_from_text(ws.json);
        st = doc ? write_json_validate(r, doc, false, &lk, &we, &norm) : APP_ENOMEM;
        write_json_free(doc);
        if (st == APP_EINVAL) {
            http_problem(res, req, 409, "conflict",
                         "the record no longer fits the current data (a reference is gone, or "
                         "the quote is not in the source's current text); see errors",
                         we.e, we.n);
            goto rollback;
        }
        if (st != APP_OK) {
            app_db_error(req, res, st, "validating");
            goto rollback;
        }
    }
    if (!restore && r == WRITE_SOURCE) {
        int64_t n = 0;
        if (write_repo_claims_of_source(w, id, &n) == APP_OK && n > 0) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "source '%.100s' still has %lld live claims; delete them first", id,
                     (long long)n);
            http_problem(res, req, 409, "conflict", msg, NULL, 0);
            goto rollback;
        }
    }
    /* Claims must not be left pointing at a deleted program or cited work, nor a curated
     * conflict citing a deleted claim. */
    if (!restore) {
        int64_t n = 0;
        if (write_repo_claims_referencing(w, r, id, &n) == APP_OK && n > 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "%s '%.100s' is still %s by %lld live %s", S_what(r), id,
                     r == WRITE_CLAIM ? "cited" : "referenced", (long long)n,
                     r == WRITE_CLAIM ? "curated conflicts; edit or delete them first" : "claims");
            http_problem(res, req, 409, "conflict", msg, NULL, 0);
            goto rollback;
        }
    }
    char now[32];
    log_now_iso(now, sizeof now);
    st = restore ? write_repo_restore(w, r, id, norm, now)
                 : write_repo_set_deleted(w, r, id, true, now);
    char *pub = write_json_public(ws.json);
    const struct change ch = {r, id, restore ? "restore" : "delete", &who, reason, now};
    st = S_finish(app, w, st, &ch, pub ? pub : ws.json, restore && pub ? pub : NULL, &version);
    free(pub);
    if (st != APP_OK) {
        app_db_error(req, res, st, "writing");
    } else if (restore) {
        S_record_response(res, 200, norm, ws.revision + 1, version);
        log_msg(&app->log, LOG_INFO, "restored %s %s by %s", S_what(r), id, who.name);
    } else {
        res->status = 204;
        log_msg(&app->log, LOG_INFO, "deleted %s %s by %s", S_what(r), id, who.name);
    }
    goto out;
rollback:
    db_rollback(w);
out:
    db_pool_writer_release(&app->db);
    write_state_free(&ws);
    free(norm);
}

/* ---- revisions ------------------------------------------------------------ */

/*
 * A revisions page stops at `limit` revisions or, after the revision that takes
 * its body past this many bytes, earlier: at least one revision, so a page is at
 * most this plus one revision (two documents, each within --max-body).
 */
#define REVISIONS_PAGE_BYTES (4u * 1024u * 1024u)

struct rev_ctx {
    struct list_ctx *lc;
};

static bool S_rev_emit(void *ctx, const struct revision_row *row)
{
    struct rev_ctx *rc = ctx;
    struct jw *w = list_item_begin(rc->lc);
    jw_obj_begin(w);
    jw_kint(w, "revision", row->seq);
    jw_kstr(w, "action", row->action);
    jw_kstr(w, "actor", row->actor);
    jw_kstr(w, "reason", row->reason);
    jw_kstr(w, "at", row->at);
    jw_kint(w, "dataset_version", row->dataset_version);
    jw_key(w, "before");
    if (row->before)
        jw_raw(w, row->before, strlen(row->before));
    else
        jw_null(w);
    jw_key(w, "after");
    if (row->after)
        jw_raw(w, row->after, strlen(row->after));
    else
        jw_null(w);
    jw_obj_end(w);
    list_item_end(rc->lc, row->seq);
    return rc->lc->res->body.len < REVISIONS_PAGE_BYTES;
}

static const char *const rev_params[] = {"limit", "offset", "format", NULL};
/* One CSV row per revision; the records before and after are compact JSON cells. */
static const char *const rev_csv_columns[] = {"revision",        "action", "actor", "reason", "at",
                                              "dataset_version", "before", "after", NULL};

static void S_revisions(struct http_request *req, struct http_response *res, enum write_resource r)
{
    struct query_errors qe;
    struct list_params lp;
    query_errors_init(&qe);
    list_parse(req, &qe, &lp);
    if (lp.has_cursor)
        query_error(&qe, "cursor", "is not supported here; use offset");
    query_finish(req, &qe, rev_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        return;
    }
    const char *id = http_path_param(req, "id");
    struct db_conn *c = NULL;
    struct write_state ws = {0};
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = write_repo_load(c, r, id, &ws);
    bool history = false; /* a removed relation keeps its revisions */
    if (st == APP_OK && !ws.found && r == WRITE_RELATION)
        st = catalog_repo_had_revisions(c, r, id, &history);
    if (st == APP_OK && !ws.found && !history) {
        char msg[200];
        snprintf(msg, sizeof msg, "no %s with id '%.100s'", S_what(r), id);
        http_problem(res, req, 404, "not-found", msg, NULL, 0);
        write_state_free(&ws);
        return;
    }
    write_state_free(&ws);
    int64_t total = 0;
    struct list_ctx lc;
    lp.no_keyset = true;
    list_begin(&lc, req, res, &lp, rev_csv_columns);
    struct rev_ctx rc = {&lc};
    if (st == APP_OK)
        st = write_repo_revisions(c, r, id, lp.limit, lp.offset, S_rev_emit, &rc, &total);
    if (st != APP_OK)
        app_db_error(req, res, st, "reading revisions");
    else
        list_end(&lc, total);
    list_free(&lc);
}

#define WRITE_HANDLERS(name, R)                                                \
    void name##_create(struct http_request *req, struct http_response *res)    \
    {                                                                          \
        S_create(req, res, R);                                                 \
    }                                                                          \
    void name##_patch(struct http_request *req, struct http_response *res)     \
    {                                                                          \
        S_patch(req, res, R);                                                  \
    }                                                                          \
    void name##_delete(struct http_request *req, struct http_response *res)    \
    {                                                                          \
        S_delete_or_restore(req, res, R, false);                               \
    }                                                                          \
    void name##_restore(struct http_request *req, struct http_response *res)   \
    {                                                                          \
        S_delete_or_restore(req, res, R, true);                                \
    }                                                                          \
    void name##_revisions(struct http_request *req, struct http_response *res) \
    {                                                                          \
        S_revisions(req, res, R);                                              \
    }

WRITE_HANDLERS(write_claims, WRITE_CLAIM)
WRITE_HANDLERS(write_sources, WRITE_SOURCE)
WRITE_HANDLERS(write_programs, WRITE_PROGRAM)
WRITE_HANDLERS(write_conflicts, WRITE_CONFLICT)

void write_metrics_create(struct http_request *req, struct http_response *res)
{
    S_create(req, res, WRITE_METRIC);
}
void write_metrics_patch(struct http_request *req, struct http_response *res)
{
    S_patch(req, res, WRITE_METRIC);
}
void write_metrics_revisions(struct http_request *req, struct http_response *res)
{
    S_revisions(req, res, WRITE_METRIC);
}
void write_relations_create(struct http_request *req, struct http_response *res)
{
    S_create(req, res, WRITE_RELATION);
}
void write_relations_patch(struct http_request *req, struct http_response *res)
{
    S_patch(req, res, WRITE_RELATION);
}
void write_relations_delete(struct http_request *req, struct http_response *res)
{
    S_delete_or_restore(req, res, WRITE_RELATION, false);
}
void write_relations_revisions(struct http_request *req, struct http_response *res)
{
    S_revisions(req, res, WRITE_RELATION);
}
