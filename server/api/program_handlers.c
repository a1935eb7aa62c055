#include "app.h"
#include "claim_repo.h"
#include "conflict_engine.h"
#include "export.h"
#include "handlers.h"
#include "list.h"
#include "program_json.h"
#include "program_repo.h"
#include "query.h"
#include "statistic_analysis.h"
#include "statistic_repo.h"
#include "vocab.h"
#include "write_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const list_params[] = {"limit", "offset", "cursor", "format", "kind",
                                          "q",     "sort",   "fields", NULL};
/* The members of an item of the collection, for fields= (list_fields()). */
static const char *const program_field_names[] = {
    "id",          "name",         "kind",           "aliases", "description",
    "claim_count", "source_count", "mentions_count", "links",   NULL};

static const char *const no_params[] = {NULL};

static bool S_emit(void *ctx, const struct program_row *r)
{
    struct list_ctx *lc = ctx;
    struct jw *w = list_item_begin(lc);
    jw_obj_begin(w);
    program_json_members(w, r);
    jw_obj_end(w);
    list_item_end(lc, r->seq);
    return true;
}

void programs_list(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    struct list_params lp;
    struct program_filter f = {NULL, NULL};
    struct sort_key sort[2];
    size_t nsort;
    struct buf kinds;

    buf_init(&kinds);
    query_errors_init(&qe);
    list_parse(req, &qe, &lp);
    list_fields(req, &qe, &lp, program_field_names, 1, "a program");
    nsort = query_sort(req, &qe, "sort", program_sort_keys, sort, 2);
    if (nsort && lp.has_cursor)
        query_error(&qe, "cursor", "works with the default order only; drop sort or use offset");
    if (query_list_json(req, &qe, "kind", vocab_program_kinds, &kinds))
        f.kind_json = buf_str(&kinds);
    f.q = query_string(req, &qe, "q", 200);
    query_finish(req, &qe, list_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        buf_free(&kinds);
        return;
    }
    struct db_conn *c = NULL;
    int64_t total = 0;
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = program_repo_count(c, &f, &total);
    struct list_ctx lc;
    lp.no_keyset = nsort > 0; /* keyset paging follows the default order only */
    list_begin(&lc, req, res, &lp, program_csv_columns);
    if (st == APP_OK)
        st = program_repo_list(c, &f, sort, nsort, list_fetch_limit(&lp), lp.offset, lp.has_cursor,
                               lp.after, S_emit, &lc);
    if (st != APP_OK)
        app_db_error(req, res, st, "listing programs");
    else
        list_end(&lc, total);
    list_free(&lc);
    buf_free(&kinds);
}

/* A program row kept past its callback: the strings copied. */
struct one_program {
    struct stat_arena arena;
    struct program_row row;
    bool oom;
};

static bool S_one(void *ctx, const struct program_row *r)
{
    struct one_program *o = ctx;
    struct stat_arena *a = &o->arena;
    o->row = *r;
    o->row.id = stat_arena_dup(a, r->id);
    o->row.name = stat_arena_dup(a, r->name);
    o->row.kind = stat_arena_dup(a, r->kind);
    o->row.description = stat_arena_dup(a, r->description);
    o->row.aliases_json = stat_arena_dup(a, r->aliases_json);
    o->oom = a->oom;
    return false;
}

/* Only pairs of claims that state the same attribute. */
static bool S_same_attribute(void *ctx, const struct stat_obs *a, const struct stat_obs *b)
{
    (void)ctx;
    return strcmp(program_attribute_key(a), program_attribute_key(b)) == 0;
}

/*
 * The members of program `id` as GET /v1/programs/{id} has them in "data" (open object
 * w): the program and its attributes with their disagreements and the conflicts of the
 * world (loaded once by the caller) they take part in. APP_ENOTFOUND (nothing written)
 * when absent or deleted.
 */
static int S_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static enum app_status S_doc(struct db_conn *c, const char *id, struct jw *w,
                             struct conflict_world *world, bool *loaded)
{
    struct one_program one = {.oom = false};
    struct stat_set set;
    struct stat_pairs pairs;
    struct stat_claim_filter f;

    stat_arena_init(&one.arena);
    stat_set_init(&set);
    stat_pairs_init(&pairs);
    memset(&f, 0, sizeof f);
    enum app_status st = program_repo_get(c, id, S_one, &one);
    if (st == APP_OK && one.oom)
        st = APP_ENOMEM;
    if (st == APP_OK) {
        f.program_seq = one.row.seq;
        f.with_attributes = true;
        st = stat_repo_claims(c, &f, stat_set_collect, &set);
    }
    if (st == APP_OK)
        st = set.status;
    if (st == APP_OK)
        st = stat_find_disagreements(&set, STAT_MAX_DISAGREEMENTS, STAT_MAX_DISAGREEMENTS,
                                     S_same_attribute, NULL, &pairs);
    /* The findings that cite this program's claims, for the conflicts of each attribute:
     * the program's claim ids sorted, each finding's claims looked up among them. */
    struct program_findings pf = {NULL, NULL, 0};
    if (st == APP_OK && !*loaded) { /* once per request, and only for a program that is */
        st = conflict_world_load(c, world);
        *loaded = st == APP_OK;
    }
    const char **mine = st == APP_OK ? malloc((set.n ? set.n : 1) * sizeof *mine) : NULL;
    if (st == APP_OK && !mine)
        st = APP_ENOMEM;
    for (size_t i = 0; st == APP_OK && i < set.n; i++)
        mine[i] = set.v[i].r.id;
    if (st == APP_OK)
        qsort(mine, set.n, sizeof *mine, S_cmp_str);
    size_t cap = 0;
    for (size_t i = 0; st == APP_OK && i < world->f.n; i++) {
        const struct cons_finding *x = &world->f.v[i];
        for (int sd = 0; sd < 2 && st == APP_OK; sd++) {
            for (size_t k = 0; k < x->nside[sd]; k++) {
                const char *cid = world->set.v[x->side[sd][k]].r.id;
                if (!bsearch(&cid, mine, set.n, sizeof *mine, S_cmp_str))
                    continue;
                if (pf.n == cap) {
                    cap = cap ? cap * 2 : 16;
                    const char **a = realloc(pf.claim, cap * sizeof *a);
                    if (a)
                        pf.claim = a;
                    const char **b = a ? realloc(pf.finding, cap * sizeof *b) : NULL;
                    if (!a || !b) {
                        st = APP_ENOMEM;
                        break;
                    }
                    pf.finding = b;
                }
                pf.claim[pf.n] = cid;
                pf.finding[pf.n++] = x->id;
            }
        }
    }
    if (st == APP_OK) {
        program_json_members(w, &one.row);
        program_json_attributes(w, &set, &pairs, &pf);
    }
    free(mine);
    free(pf.claim);
    free(pf.finding);
    stat_pairs_free(&pairs);
    stat_set_free(&set);
    stat_arena_free(&one.arena);
    return st;
}

void programs_get(struct http_request *req, struct http_response *res)
{
    struct query_errors qe;
    const char *id = http_path_param(req, "id");

    query_errors_init(&qe);
    query_finish(req, &qe, no_params);
    if (qe.n) {
        query_fail(res, req, &qe);
        return;
    }
    struct db_conn *c = NULL;
    struct jw w;
    struct conflict_world world;
    bool loaded = false;
    conflict_world_init(&world);
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK) {
        http_json_begin(res, &w);
        jw_obj_begin(&w);
        jw_key(&w, "data");
        jw_obj_begin(&w);
        st = S_doc(c, id, &w, &world, &loaded);
    }
    if (st == APP_OK) {
        jw_obj_end(&w);
        jw_obj_end(&w);
        res->cacheable = true;
    } else if (st == APP_ENOTFOUND) {
        api_absent(req, res, c, WRITE_PROGRAM, id, NULL);
    } else {
        app_db_error(req, res, st, "reading a program");
    }
    conflict_world_free(&world);
}

static bool S_export_id(void *ctx, const struct program_row *r)
{
    export_ids_add(ctx, r->id);
    return true;
}

enum app_status programs_export(struct db_conn *c, struct export_writer *x)
{
    struct program_filter f = {NULL, NULL};
    export_ids_reset(x);
    enum app_status st = program_repo_list(c, &f, NULL, 0, -1, 0, false, 0, S_export_id, x);
    if (st == APP_OK && x->ids.oom)
        st = APP_ENOMEM;
    struct conflict_world world;
    bool loaded = false;
    conflict_world_init(&world);
    for (const char *id = export_ids_next(x, NULL); id && st == APP_OK;
         id = export_ids_next(x, id)) {
        st = S_doc(c, id, export_line_begin(x, EXPORT_PROGRAM), &world, &loaded);
        export_line_end(x);
    }
    conflict_world_free(&world);
    return st;
}

static bool S_exists(void *ctx, const struct program_row *r)
{
    (void)ctx;
    (void)r;
    return false;
}

void programs_claims(struct http_request *req, struct http_response *res)
{
    const char *id = http_path_param(req, "id");
    struct db_conn *c = NULL;
    enum app_status st = app_db_reader(req->app, &c);
    if (st == APP_OK)
        st = program_repo_get(c, id, S_exists, NULL);
    if (st == APP_ENOTFOUND) {
        api_absent(req, res, c, WRITE_PROGRAM, id, NULL);
        return;
    }
    if (st != APP_OK) {
        app_db_error(req, res, st, "reading a program");
        return;
    }
    struct buf ids;
    struct jw w;
    struct claim_filter preset;
    buf_init(&ids);
    jw_init(&w, &ids);
    jw_arr_begin(&w);
    jw_str(&w, id);
    jw_arr_end(&w);
    memset(&preset, 0, sizeof preset);
    preset.program_json = buf_str(&ids);
    if (ids.oom)
        app_db_error(req, res, APP_ENOMEM, "listing a program's claims");
    else
        claims_collection(req, res, &preset);
    buf_free(&ids);
}
