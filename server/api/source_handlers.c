#include "app.h"
#include "claim_repo.h"
#include "export.h"
#include "handlers.h"
#include "list.h"
#include "query.h"
#include "source_json.h"
#include "source_repo.h"
#include "vocab.h"

#include <stdio.h>
#include <string.h>

/* claims_by_kind always lists every claim kind, in the order of vocab_claim_kinds. */
static const char *const list_params[] = {"limit", "offset",   "cursor", "format", "sort", "kind",
                                          "cites", "cited_by", "q",      "fields", NULL};
/* The members of an item of the collection, for fields= (list_fields()). */
static const char *const source_field_names[] = {"id",
                                                 "title",
                                                 "authors",
                                                 "publisher",
                                                 "original_publisher",
                                                 "published",
                                                 "published_precision",
                                                 "published_basis",
                                                 "written",
                                                 "written_precision",
                                                 "url",
                                                 "kind",
                                                 "language",
                                                 "note",
                                                 "claim_count",
                                                 "has_text",
                                                 "text_sha256",
                                                 "links",
                                                 NULL};

static const char *const no_params[] = {NULL};
static const char *const text_params[] = {"claim", "format", NULL};
static const char *const text_formats[] = {"text", "html", NULL};

/* The parsed request of the sources collection. */
struct sources_query {
    struct source_filter f;
    struct list_params lp;
    struct sort_key sort[3];
    size_t nsort;
    struct buf kind, cites, cited_by;
};

static void S_parse(struct http_request *req, struct query_errors *qe, struct sources_query *q)
{
    struct source_filter *f = &q->f;
    list_parse(req, qe, &q->lp);
    list_fields(req, qe, &q->lp, source_field_names, 1, "a source");
    q->nsort = query_sort(req, qe, "sort", source_sort_keys, q->sort, 3);
    if (q->nsort && q->lp.has_cursor)
        query_error(qe, "cursor", "works with the default order only; drop sort or use offset");
    if (query_list_json(req, qe, "kind", vocab_source_kinds, &q->kind))
        f->kind_json = buf_str(&q->kind);
    if (query_list_json(req, qe, "cites", NULL, &q->cites))
        f->cites_json = buf_str(&q->cites);
    if (query_list_json(req, qe, "cited_by", NULL, &q->cited_by))
        f->cited_by_json = buf_str(&q->cited_by);
    f->title = query_string(req, qe, "q", 200);
}

static bool S_emit(void *ctx, const struct source_row *r)
{
    struct list_ctx *lc = ctx;
    source_json_write(list_item_begin(lc), r);
    list_item_end(lc, r->seq);
    return true;
}

void sources_list(struct http_request *req, struct http_response *res)
{
    struct sources_query q;
    struct query_errors qe;
    memset(&q, 0, sizeof q);
    buf_init(&q.kind);
    buf_init(&q.cites);
    buf_init(&q.cited_by);
    query_errors_init(&qe);
    S_parse(req, &qe, &q);
    query_finish(req, &qe, list_params);
    if (qe.n) {
        query_fail(res, req, &qe);
    } else {
        struct db_conn *c = NULL;
        int64_t total = 0;
        enum app_status st = app_db_reader(req->app, &c);
        if (st == APP_OK)
            st = source_repo_count(c, &q.f, &total);
        struct list_ctx lc;
        q.lp.no_keyset = q.nsort > 0; /* keyset paging follows the default order only */
        list_begin(&lc, req, res, &q.lp, source_csv_columns);
        if (st == APP_OK)
            st = source_repo_list(c, &q.f, q.sort, q.nsort, list_fetch_limit(&q.lp), q.lp.offset,
                                  q.lp.has_cursor, q.lp.after, S_emit, &lc);
        if (st != APP_OK)
            app_db_error(req, res, st, "listing sources");
        else
            list_end(&lc, total);
        list_free(&lc);
    }
    buf_free(&q.kind);
    buf_free(&q.cites);
    buf_free(&q.cited_by);
}

/* Rejects every query parameter not in `allowed`; true when the request may go on. */
static bool S_params_ok(struct http_request *req, struct http_response *res,
                        const char *const *allowed, const char **claim)
{
    struct query_errors qe;
    query_errors_init(&qe);
    if (claim)
        *claim = query_string(req, &qe, "claim", 200);
    query_finish(req, &qe, allowed);
    if (qe.n)
        query_fail(res, req, &qe);
    return qe.n == 0;
}

struct get_ctx {
    struct jw *w;
    int64_t seq;
    int64_t counts[VOCAB_NCLAIM_KINDS];
    bool has_text;
};

static bool S_get_row(void *ctx, const struct source_row *r)
{
    struct get_ctx *g = ctx;
    struct jw *w = g->w;
    g->seq = r->seq;
    g->has_text = r->has_text;
    if (!w)
        return false;
    source_json_members(w, r);
    source_json_text_member(w, r);
    return false;
}

static bool S_kind_count(void *ctx, const char *kind, int64_t n)
{
    struct get_ctx *g = ctx;
    for (size_t i = 0; i < VOCAB_NCLAIM_KINDS; i++) {
        if (kind && strcmp(kind, vocab_claim_kinds[i]) == 0)
            g->counts[i] = n;
    }
    return true;
}

static bool S_cite(void *ctx, const struct source_citation_row *r)
{
    source_json_citation(ctx, r, true);
    return true;
}

static bool S_cited_by(void *ctx, const struct source_citation_row *r)
{
    source_json_citation(ctx, r, false);
    return true;
}

/*
 * The members of source `id` as GET /v1/sources/{id} gives them in "data" (the open
 * object w): the source, its stored text's digest, its claims by kind, what it cites and
 * what cites it. APP_ENOTFOUND (nothing written) when absent or deleted.
 */
static enum app_status S_doc(struct db_conn *c, const char *id, struct jw *w)
{
    struct get_ctx g;
    memset(&g, 0, sizeof g);
    g.w = w;
    enum app_status st = source_repo_get(c, id, S_get_row, &g);
    if (st == APP_OK)
        st = source_repo_claim_kinds(c, g.seq, S_kind_count, &g);
    if (st == APP_OK) {
        jw_key(w, "claims_by_kind");
        jw_obj_begin(w);
        for (size_t i = 0; i < VOCAB_NCLAIM_KINDS; i++)
            jw_kint(w, vocab_claim_kinds[i], g.counts[i]);
        jw_obj_end(w);
        jw_key(w, "cites");
        jw_arr_begin(w);
        st = source_repo_cites(c, g.seq, S_cite, w);
        jw_arr_end(w);
    }
    if (st == APP_OK) {
        jw_key(w, "cited_by");
        jw_arr_begin(w);
        st = source_repo_cited_by(c, g.seq, S_cited_by, w);
        jw_arr_end(w);
    }
    return st;
}

void sources_get(struct http_request *req, struct http_response *res)
{
    if (!S_params_ok(req, res, no_params, NULL))
        return;
    const char *id = http_path_param(req, "id");
    struct db_conn *c = NULL;
    struct jw w;
    http_json_begin(res, &w);
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK) {
        jw_obj_begin(&w);
        jw_key(&w, "data");
        jw_obj_begin(&w);
        st = S_doc(c, id, &w);
    }
    if (st == APP_OK) {
        jw_obj_end(&w);
        jw_obj_end(&w);
        res->cacheable = true;
    }
    if (st == APP_ENOTFOUND)
        api_absent(req, res, c, WRITE_SOURCE, id, NULL);
    else if (st != APP_OK)
        app_db_error(req, res, st, "reading a source");
}

static bool S_export_id(void *ctx, const struct source_row *r)
{
    export_ids_add(ctx, r->id);
    return true;
}

static bool S_export_text(void *ctx, const struct source_text_row *r)
{
    struct jw *w = ctx;
    jw_key(w, "content");
    jw_strn(w, r->body, r->len);
    return false;
}

enum app_status sources_export(struct db_conn *c, struct export_writer *x)
{
    struct source_filter f;
    memset(&f, 0, sizeof f);
    export_ids_reset(x);
    enum app_status st = source_repo_list(c, &f, NULL, 0, -1, 0, false, 0, S_export_id, x);
    if (st == APP_OK && x->ids.oom)
        st = APP_ENOMEM;
    for (const char *id = export_ids_next(x, NULL); id && st == APP_OK;
         id = export_ids_next(x, id)) {
        struct jw *w = export_line_begin(x, EXPORT_SOURCE);
        st = S_doc(c, id, w);
        /* The full stored text, which GET /v1/sources/{id}/text serves. */
        if (st == APP_OK) {
            st = source_repo_text(c, id, S_export_text, w);
            if (st == APP_ENOTFOUND) {
                jw_key(w, "content");
                jw_null(w);
                st = APP_OK;
            }
        }
        export_line_end(x);
    }
    return st;
}

/*
 * Looks up the source a sub-resource belongs to into g (without writing it).
 * False when it answered: 404/410, or an error while `doing`.
 */
static bool S_parent(struct http_request *req, struct http_response *res, const char *id,
                     struct db_conn **c, struct get_ctx *g, const char *doing)
{
    memset(g, 0, sizeof *g);
    enum app_status st = app_db_reader(req->app, c);
    if (st == APP_OK)
        st = source_repo_get(*c, id, S_get_row, g);
    if (st == APP_ENOTFOUND)
        api_absent(req, res, *c, WRITE_SOURCE, id, NULL);
    else if (st != APP_OK)
        app_db_error(req, res, st, doing);
    return st == APP_OK;
}

void sources_claims(struct http_request *req, struct http_response *res)
{
    const char *id = http_path_param(req, "id");
    struct db_conn *c = NULL;
    struct get_ctx g;
    if (!S_parent(req, res, id, &c, &g, "reading a source"))
        return;
    struct buf ids;
    struct jw w;
    buf_init(&ids);
    jw_init(&w, &ids);
    jw_arr_begin(&w);
    jw_str(&w, id);
    jw_arr_end(&w);
    struct claim_filter preset;
    memset(&preset, 0, sizeof preset);
    preset.source_json = buf_str(&ids);
    if (ids.oom)
        app_db_error(req, res, APP_ENOMEM, "listing a source's claims");
    else
        claims_collection(req, res, &preset);
    buf_free(&ids);
}

struct text_ctx {
    struct http_response *res;
    const char *source_id;
};

static bool S_text_body(void *ctx, const struct source_text_row *r)
{
    struct text_ctx *t = ctx;
    t->res->status = 200;
    t->res->content_type = "text/plain; charset=utf-8";
    buf_reset(&t->res->body);
    buf_append(&t->res->body, r->body, r->len);
    return false;
}

static bool S_quote(void *ctx, const struct source_quote_row *r)
{
    struct text_ctx *t = ctx;
    struct jw w;
    http_json_begin(t->res, &w);
    source_json_quote(&w, t->source_id, r);
    return false;
}

/* The text as an HTML fragment, the quote between start and end (code points) in <mark>. */
struct html_ctx {
    struct http_response *res;
    const char *claim;
    bool mark;
    int64_t start, end;
};

static bool S_quote_pos(void *ctx, const struct source_quote_row *r)
{
    struct html_ctx *h = ctx;
    h->mark = true;
    h->start = r->start;
    h->end = r->end;
    return false;
}

static bool S_text_html(void *ctx, const struct source_text_row *r)
{
    struct html_ctx *h = ctx;
    struct buf *b = &h->res->body;
    h->res->status = 200;
    h->res->content_type = "text/html; charset=utf-8";
    buf_reset(b);
    buf_puts(b, "<pre class=\"marsad-text\">");
    int64_t cp = 0;
    size_t run = 0;
    bool open = false;
    for (size_t i = 0; i <= r->len; i++) {
        bool boundary = i == r->len || ((unsigned char)r->body[i] & 0xC0) != 0x80;
        if (!boundary)
            continue;
        bool at_start = h->mark && !open && cp == h->start;
        bool at_end = open && cp == h->end;
        if (at_start || at_end) {
            buf_html_escape(b, r->body + run, i - run);
            run = i;
            if (at_end) {
                buf_puts(b, "</mark>");
                open = false;
            } else {
                buf_puts(b, "<mark id=\"claim-");
                buf_html_escape(b, h->claim, strlen(h->claim));
                buf_puts(b, "\">");
                open = true;
            }
        }
        if (i < r->len)
            cp++;
    }
    buf_html_escape(b, r->body + run, r->len - run);
    if (open)
        buf_puts(b, "</mark>");
    buf_puts(b, "</pre>\n");
    return false;
}

static void S_no_claim(struct http_request *req, struct http_response *res, const char *id,
                       const char *claim)
{
    char msg[240];
    int n = snprintf(msg, sizeof msg, "no claim with id '%.80s' in source '%.100s'", claim, id);
    http_problem(res, req, 404, "not-found", n > 0 ? msg : "no such claim", NULL, 0);
}

/* The source `id` with a stored text, or false when it answered (404/410, an error). */
static bool S_text_parent(struct http_request *req, struct http_response *res, const char *id,
                          struct db_conn **c)
{
    struct get_ctx g;
    if (!S_parent(req, res, id, c, &g, "reading a source's text"))
        return false;
    if (!g.has_text) {
        char msg[200];
        int n = snprintf(msg, sizeof msg,
                         "source '%.100s' has no stored text (a cited work is known only by "
                         "its reference)",
                         id);
        http_problem(res, req, 404, "not-found", n > 0 ? msg : "no stored text", NULL, 0);
        return false;
    }
    return true;
}

void sources_text(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    int f = 0;
    query_errors_init(&qe);
    const char *claim = query_string(req, &qe, "claim", 200);
    query_enum(req, &qe, "format", text_formats, &f);
    if (claim && f != 1)
        query_error(&qe, "claim",
                    "marks a quote in format=html only; the quote's offsets are at "
                    "/v1/sources/{id}/text/{claim}");
    query_finish(req, &qe, text_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        return;
    }
    const char *id = http_path_param(req, "id");
    struct db_conn *c = NULL;
    if (!S_text_parent(req, res, id, &c))
        return;
    enum app_status st = APP_OK;
    struct text_ctx t = {res, id};
    struct html_ctx h = {res, claim, false, 0, 0};
    if (claim) {
        st = source_repo_quote(c, id, claim, S_quote_pos, &h);
        if (st == APP_ENOTFOUND) {
            S_no_claim(req, res, id, claim);
            return;
        }
    }
    if (st == APP_OK)
        st = f == 1 ? source_repo_text(c, id, S_text_html, &h)
                    : source_repo_text(c, id, S_text_body, &t);
    if (st == APP_OK && res->body.oom)
        st = APP_ENOMEM;
    if (st == APP_OK)
        res->cacheable = true;
    else
        app_db_error(req, res, st, "reading a source's text");
}

void sources_text_quote(struct http_request *req, struct http_response *res)
{
    if (!S_params_ok(req, res, no_params, NULL))
        return;
    const char *id = http_path_param(req, "id");
    const char *claim = http_path_param(req, "claim");
    struct db_conn *c = NULL;
    struct text_ctx t = {res, id};
    if (!S_text_parent(req, res, id, &c))
        return;
    enum app_status st = source_repo_quote(c, id, claim, S_quote, &t);
    if (st == APP_ENOTFOUND) {
        S_no_claim(req, res, id, claim);
        return;
    }
    if (st == APP_OK && res->body.oom)
        st = APP_ENOMEM;
    if (st == APP_OK)
        res->cacheable = true;
    else
        app_db_error(req, res, st, "reading a quote's position");
}
