/*
 * Claim candidates over HTTP: POST /v1/extract for a text sent in the request
 * (stores nothing), GET /v1/sources/{id}/candidates for a stored source, with
 * each candidate marked by the claim that already states it.
 */
#include "app.h"
#include "extract.h"
#include "extract_json.h"
#include "extract_repo.h"
#include "handlers.h"
#include "list.h"
#include "query.h"
#include "source_repo.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const extract_params[] = {"published", "author", NULL};
static const char *const candidates_params[] = {"covered", "limit",  "offset",
                                                "cursor",  "format", NULL};
/* The CSV columns of a candidate (objects such as spans stay in the JSON forms). */
static const char *const candidate_csv_columns[] = {
    "id",         "rule",       "kind",     "confidence",     "quote",      "quote_start",
    "quote_end",  "figure",     "value",    "lower",          "upper",      "bound",
    "vague_term", "unit",       "currency", "value_date",     "as_of",      "period_start",
    "period_end", "time_basis", "claimant", "claimant_basis", "covered_by", NULL};
static const char *const covered_values[] = {"true", "false", NULL};

/* Writes {"data": [...], "meta": {"total", "text_chars"}}: every candidate of text. */
static void S_answer(struct http_request *req, struct http_response *res, const char *text,
                     size_t len, const struct ex_options *opt)
{
    struct ex_result r;
    struct ex_offsets off;
    ex_result_init(&r);
    if (!ex_extract(text, len, opt, &r) || !ex_offsets_init(&off, text, len)) {
        ex_result_free(&r);
        app_db_error(req, res, APP_ENOMEM, "extracting candidates");
        return;
    }
    struct jw w;
    http_json_begin(res, &w);
    jw_obj_begin(&w);
    jw_key(&w, "data");
    jw_arr_begin(&w);
    for (size_t i = 0; i < r.n; i++)
        ex_candidate_json(&w, &off, &r.items[i], false, NULL);
    jw_arr_end(&w);
    jw_key(&w, "meta");
    jw_obj_begin(&w);
    jw_kint(&w, "total", (int64_t)r.n);
    jw_kint(&w, "text_chars", (int64_t)ex_offsets_cp(&off, len));
    jw_obj_end(&w);
    jw_obj_end(&w);
    ex_offsets_free(&off);
    ex_result_free(&r);
    if (res->body.oom)
        app_db_error(req, res, APP_ENOMEM, "writing candidates");
}

/* The content type's media type, compared without parameters. */
static bool S_media(const char *ct, const char *want)
{
    size_t n = ct ? strcspn(ct, "; ") : 0;
    return ct && n == strlen(want) && strncasecmp(ct, want, n) == 0;
}

void extract_post(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    query_errors_init(&qe);
    struct pdate pd;
    bool has_date = false;
    (void)query_date(req, &qe, "published", &pd, &has_date);
    const char *author = query_string(req, &qe, "author", 200);
    query_finish(req, &qe, extract_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        return;
    }
    const char *ct = http_header(req, "Content-Type");
    bool json = S_media(ct, "application/json"), plain = S_media(ct, "text/plain");
    if (!json && !plain) {
        const char *msg = "send the text as application/json {\"text\": ...} or as text/plain";
        struct problem_error e = {.header = "Content-Type", .detail = msg};
        http_problem(res, req, 415, "unsupported-media-type", msg, &e, 1);
        http_response_header(res, "Accept-Post", "application/json, text/plain");
        return;
    }
    const char *body = req->body ? req->body : "";
    size_t bad = utf8_invalid_at(body, req->body_len);
    if (bad < req->body_len) {
        char msg[160];
        snprintf(msg, sizeof msg, "the body is not UTF-8: invalid byte 0x%02X at byte offset %zu",
                 (unsigned)(unsigned char)body[bad], bad);
        http_problem(res, req, 422, "validation-failed", msg, NULL, 0);
        return;
    }
    struct ex_options opt = {has_date ? http_query(req, "published") : NULL, author, NULL, 0};
    struct extract_catalog cat = {0};
    struct db_conn *c = NULL;
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = extract_repo_catalog(c, &cat);
    if (st != APP_OK) {
        app_db_error(req, res, st, "reading the metric catalog");
        return;
    }
    opt.metrics = cat.m;
    opt.nmetrics = cat.n;
    if (plain) {
        S_answer(req, res, body, req->body_len, &opt);
    } else {
        struct ex_request in;
        char err[240];
        const char *ptr = NULL;
        unsigned code = ex_request_parse(body, req->body_len, &in, err, sizeof err, &ptr);
        if (code == 400) {
            http_problem(res, req, 400, "malformed-body", err, NULL, 0);
        } else if (code == 422) {
            struct problem_error e = {.pointer = ptr, .detail = err};
            http_problem(res, req, 422, "validation-failed", err, &e, 1);
        } else if (code != 0) {
            app_db_error(req, res, APP_ENOMEM, "reading the body");
        } else {
            if (in.published != NULL)
                opt.published = in.published;
            if (in.author != NULL)
                opt.author = in.author;
            S_answer(req, res, in.text ? in.text : "", in.len, &opt);
        }
        ex_request_free(&in);
    }
    extract_catalog_free(&cat);
}

/* The candidates of a stored source as a list (paged, JSON, CSV or NDJSON), in text order. */
static void S_list(struct http_request *req, struct http_response *res,
                   const struct list_params *lp, const struct extract_source *src,
                   const struct ex_options *opt, int covered)
{
    struct ex_result r;
    struct ex_offsets off;
    ex_result_init(&r);
    if (!ex_extract(src->text, src->len, opt, &r) || !ex_offsets_init(&off, src->text, src->len)) {
        ex_result_free(&r);
        app_db_error(req, res, APP_ENOMEM, "extracting candidates");
        return;
    }
    struct list_ctx lc;
    list_begin(&lc, req, res, lp, candidate_csv_columns);
    int64_t k = 0, total = 0;
    for (size_t i = 0; i < r.n; i++) {
        const char *by = NULL;
        char cid[64];
        ex_candidate_id(&off, &r.items[i], cid, sizeof cid);
        /* a claim accepted from this candidate, else one that states the same figure */
        for (size_t c = 0; c < src->nclaims && by == NULL; c++)
            if (src->claims[c].candidate != NULL && strcmp(src->claims[c].candidate, cid) == 0)
                by = src->claims[c].id;
        for (size_t c = 0; c < src->nclaims && by == NULL; c++)
            if (ex_covers(&src->claims[c], &r.items[i]))
                by = src->claims[c].id;
        if ((covered == 0 && by != NULL) || (covered == 1 && by == NULL))
            continue;
        k++; /* the position among the candidates shown: the paging key */
        total++;
        if (lp->has_cursor ? k <= lp->after : k <= lp->offset)
            continue;
        if ((int64_t)(k - 1 - (lp->has_cursor ? lp->after : lp->offset)) >= list_fetch_limit(lp))
            continue; /* past the page and its look-ahead row */
        ex_candidate_json(list_item_begin(&lc), &off, &r.items[i], true, by);
        list_item_end(&lc, k);
    }
    list_end(&lc, total);
    list_free(&lc);
    ex_offsets_free(&off);
    ex_result_free(&r);
}

void sources_candidates(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    query_errors_init(&qe);
    struct list_params lp;
    list_parse(req, &qe, &lp);
    int covered = -1;
    if (!query_enum(req, &qe, "covered", covered_values, &covered))
        covered = -1;
    else
        covered = covered == 0 ? 1 : 0; /* "true" -> only covered, "false" -> only new */
    query_finish(req, &qe, candidates_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        return;
    }
    const char *id = http_path_param(req, "id");
    struct db_conn *c = NULL;
    struct extract_source src;
    struct extract_catalog cat = {0};
    memset(&src, 0, sizeof src);
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = extract_repo_source(c, id, &src);
    if (st == APP_ENOTFOUND) {
        api_absent(req, res, c, WRITE_SOURCE, id, " that has a stored text");
        return;
    }
    if (st == APP_OK)
        st = extract_repo_catalog(c, &cat);
    if (st != APP_OK) {
        app_db_error(req, res, st, "reading a source for its candidates");
        extract_source_free(&src);
        return;
    }
    struct ex_options opt = {src.published, src.author, cat.m, cat.n};
    S_list(req, res, &lp, &src, &opt, covered);
    if (res->status == 200 && !res->body.oom)
        res->cacheable = true;
    else if (res->body.oom)
        app_db_error(req, res, APP_ENOMEM, "writing candidates");
    extract_catalog_free(&cat);
    extract_source_free(&src);
}
