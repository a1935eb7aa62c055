/* The SQL functions of every connection (db_functions.h). */
#include "db_functions.h"

#include "buf.h"

#include <math.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * marsad_fold(text): the text with every word replaced by the token FTS5's
 * unicode61 tokenizer makes of it, the one the search index uses
 * (remove_diacritics 2): case-folded beyond ASCII (SQLite's lower() and NOCASE
 * fold A-Z only) and without diacritics; everything between words is kept as
 * it is. Case-insensitive substring filters compare folded text, so
 * "claimant=ÉTAT" finds "état" as /v1/search would, and punctuation still has
 * to match.
 */
struct fold_fn {
    fts5_tokenizer api;
    Fts5Tokenizer *tok;
};

struct fold_out {
    struct buf b;
    const char *text;
    size_t len, pos; /* bytes of text copied so far */
};

static int S_fold_token(void *ctx, int flags, const char *token, int n, int start, int end)
{
    (void)flags;
    struct fold_out *o = ctx;
    if (start < 0 || end < start || (size_t)end > o->len || (size_t)start < o->pos)
        return SQLITE_ERROR;
    buf_append(&o->b, o->text + o->pos, (size_t)start - o->pos);
    buf_append(&o->b, token, (size_t)n);
    o->pos = (size_t)end;
    return o->b.oom ? SQLITE_NOMEM : SQLITE_OK;
}

static void S_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const struct fold_fn *f = sqlite3_user_data(ctx);
    const char *text = (const char *)sqlite3_value_text(argv[0]);
    if (!text) {
        sqlite3_result_null(ctx);
        return;
    }
    struct fold_out o = {.text = text, .len = (size_t)sqlite3_value_bytes(argv[0])};
    buf_init(&o.b);
    int rc = f->api.xTokenize(f->tok, &o, FTS5_TOKENIZE_DOCUMENT, text, (int)o.len, S_fold_token);
    if (rc == SQLITE_OK)
        buf_append(&o.b, text + o.pos, o.len - o.pos);
    if (rc != SQLITE_OK || o.b.oom) {
        buf_free(&o.b);
        if (rc == SQLITE_NOMEM || o.b.oom)
            sqlite3_result_error_nomem(ctx);
        else
            sqlite3_result_error(ctx, "marsad_fold: tokenizer error", -1);
        return;
    }
    sqlite3_result_text(ctx, o.b.len ? o.b.data : "", (int)o.b.len, SQLITE_TRANSIENT);
    buf_free(&o.b);
}

static void S_fold_free(void *p)
{
    struct fold_fn *f = p;
    if (f && f->tok)
        f->api.xDelete(f->tok);
    free(f);
}

/*
 * marsad_words(text): the tokens FTS5's unicode61 tokenizer (remove_diacritics 2)
 * makes of text, joined by single spaces: "Abu Mus’ab al-Zarqawi" is
 * "abu mus ab al zarqawi". Two names are the same words when their marsad_words
 * are equal, whatever their case, accents and punctuation.
 */
struct words_out {
    struct buf b;
};

static int S_words_token(void *ctx, int flags, const char *token, int n, int start, int end)
{
    (void)flags;
    (void)start;
    (void)end;
    struct words_out *o = ctx;
    if (o->b.len)
        buf_putc(&o->b, ' ');
    buf_append(&o->b, token, (size_t)n);
    return o->b.oom ? SQLITE_NOMEM : SQLITE_OK;
}

static void S_words(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const struct fold_fn *f = sqlite3_user_data(ctx);
    const char *text = (const char *)sqlite3_value_text(argv[0]);
    if (!text) {
        sqlite3_result_null(ctx);
        return;
    }
    struct words_out o;
    buf_init(&o.b);
    int rc = f->api.xTokenize(f->tok, &o, FTS5_TOKENIZE_DOCUMENT, text,
                              sqlite3_value_bytes(argv[0]), S_words_token);
    if (rc != SQLITE_OK || o.b.oom) {
        buf_free(&o.b);
        if (rc == SQLITE_NOMEM || o.b.oom)
            sqlite3_result_error_nomem(ctx);
        else
            sqlite3_result_error(ctx, "marsad_words: tokenizer error", -1);
        return;
    }
    sqlite3_result_text(ctx, o.b.len ? o.b.data : "", (int)o.b.len, SQLITE_TRANSIENT);
    buf_free(&o.b);
}

/*
 * marsad_rank(search_index, k, weight...): FTS5's bm25() with per-column weights,
 * the same arithmetic in the same order, so the same doubles; but a query that wants
 * only the k best rows (ORDER BY marsad_rank LIMIT k) need not score every hit. The
 * k best scores so far are kept in a min-heap; a row whose score cannot reach the
 * k-th best even at the shortest length it can have (at least as many tokens as its
 * matches' offsets say) is not scored, and a row scored below the k-th best is not
 * kept: either gets 1.0, above every real score (bm25 is never positive), so it sorts
 * after the k rows that beat it and never reaches the page; only the rows that enter
 * the k best need the ties' keys read.
 * bm25 decreases with the row's length, so that bound is exact arithmetic on smaller
 * operands: IEEE operations are monotonic, no row that belongs in the page is skipped,
 * ties included. The row's length is what costs (a %_docsize read per row); the
 * match counts are already in memory. k <= 0 or k > RANK_MAX_K scores every row.
 */
#define RANK_MAX_K   5000
#define RANK_PRUNED  1.0
#define RANK_MAX_PHR 64
#define RANK_MAX_COL 16

struct rank_data {
    int nphrase;
    double avgdl;
    double idf[RANK_MAX_PHR];
    double freq[RANK_MAX_PHR];
    int colend[RANK_MAX_COL]; /* per column, the offset past the row's last match */
    int64_t k, n;             /* heap capacity and size */
    double *heap;             /* min-heap of the k best scores (positive: higher is better) */
    int64_t last_rowid;       /* the row last scored, and its result (a row may be asked twice) */
    double last;
    bool has_last;
};

static void S_rank_free(void *p)
{
    struct rank_data *d = p;
    if (d)
        free(d->heap);
    free(d);
}

static int S_count_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
    (void)api;
    (void)fts;
    (*(int64_t *)ctx)++;
    return SQLITE_OK;
}

static int S_rank_data(const Fts5ExtensionApi *api, Fts5Context *fts, int64_t k,
                       struct rank_data **out)
{
    struct rank_data *d = api->xGetAuxdata(fts, 0);
    if (d) {
        *out = d;
        return SQLITE_OK;
    }
    int nphrase = api->xPhraseCount(fts);
    if (nphrase > RANK_MAX_PHR)
        return SQLITE_ERROR;
    d = calloc(1, sizeof *d);
    if (!d)
        return SQLITE_NOMEM;
    d->nphrase = nphrase;
    if (k > 0 && k <= RANK_MAX_K) {
        d->heap = malloc((size_t)k * sizeof *d->heap);
        if (!d->heap) {
            free(d);
            return SQLITE_NOMEM;
        }
        d->k = k;
    }
    sqlite3_int64 nrow = 0, ntoken = 0;
    int rc = api->xRowCount(fts, &nrow);
    if (rc == SQLITE_OK)
        rc = api->xColumnTotalSize(fts, -1, &ntoken);
    if (rc == SQLITE_OK)
        d->avgdl = (double)ntoken / (double)nrow;
    for (int i = 0; rc == SQLITE_OK && i < nphrase; i++) {
        int64_t nhit = 0;
        rc = api->xQueryPhrase(fts, i, &nhit, S_count_cb);
        if (rc == SQLITE_OK) {
            double idf = log(((double)nrow - (double)nhit + 0.5) / ((double)nhit + 0.5));
            if (idf <= 0.0)
                idf = 1e-6;
            d->idf[i] = idf;
        }
    }
    if (rc == SQLITE_OK)
        rc = api->xSetAuxdata(fts, d, S_rank_free);
    else
        S_rank_free(d);
    if (rc == SQLITE_OK)
        *out = d;
    return rc;
}

static double S_bm25(const struct rank_data *d, double len)
{
    const double k1 = 1.2;
    const double b = 0.75;
    double score = 0.0;
    for (int i = 0; i < d->nphrase; i++)
        score += d->idf[i] *
                 ((d->freq[i] * (k1 + 1.0)) / (d->freq[i] + k1 * (1 - b + b * len / d->avgdl)));
    return score;
}

static void S_heap_push(struct rank_data *d, double s)
{
    if (d->n < d->k) {
        int64_t i = d->n++;
        while (i > 0 && d->heap[(i - 1) / 2] > s) {
            d->heap[i] = d->heap[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        d->heap[i] = s;
        return;
    }
    if (s <= d->heap[0])
        return;
    int64_t i = 0;
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, m = i;
        double v = s;
        if (l < d->n && d->heap[l] < v) {
            m = l;
            v = d->heap[l];
        }
        if (r < d->n && d->heap[r] < v)
            m = r;
        if (m == i)
            break;
        d->heap[i] = d->heap[m];
        i = m;
    }
    d->heap[i] = s;
}

static void S_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                   sqlite3_value **val)
{
    int64_t k = nval > 0 ? sqlite3_value_int64(val[0]) : 0;
    struct rank_data *d = NULL;
    int rc = S_rank_data(api, fts, k, &d);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    int64_t rowid = api->xRowid(fts);
    if (d->has_last && d->last_rowid == rowid) {
        sqlite3_result_double(ctx, d->last);
        return;
    }
    memset(d->freq, 0, sizeof d->freq);
    memset(d->colend, 0, sizeof d->colend);
    int ninst = 0;
    rc = api->xInstCount(fts, &ninst);
    for (int i = 0; rc == SQLITE_OK && i < ninst; i++) {
        int ip, ic, io;
        rc = api->xInst(fts, i, &ip, &ic, &io);
        if (rc == SQLITE_OK && ip >= 0 && ip < d->nphrase) {
            double w = (nval - 1 > ic) ? sqlite3_value_double(val[ic + 1]) : 1.0;
            d->freq[ip] += w;
            if (ic >= 0 && ic < RANK_MAX_COL && io + 1 > d->colend[ic])
                d->colend[ic] = io + 1;
        }
    }
    double result = RANK_PRUNED;
    if (rc == SQLITE_OK) {
        /* The row has at least as many tokens in a column as its last match's offset + 1. */
        int minlen = 0;
        for (int i = 0; i < RANK_MAX_COL; i++)
            minlen += d->colend[i];
        bool full = d->k && d->n == d->k;
        if (!full || !(S_bm25(d, (double)minlen) < d->heap[0])) {
            int ntok = 0;
            rc = api->xColumnSize(fts, -1, &ntok);
            if (rc == SQLITE_OK) {
                double score = S_bm25(d, (double)ntok);
                /* Worse than k rows already seen: not in the k best either. */
                if (!full || !(score < d->heap[0]))
                    result = -1.0 * score;
                if (d->k)
                    S_heap_push(d, score);
            }
        }
    }
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    d->last_rowid = rowid;
    d->last = result;
    d->has_last = true;
    sqlite3_result_double(ctx, result);
}

int db_register_functions(sqlite3 *h)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        (void)sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (!api)
        return rc == SQLITE_OK ? SQLITE_ERROR : rc;
    struct fold_fn *f = calloc(1, sizeof *f);
    if (!f)
        return SQLITE_NOMEM;
    void *ud = NULL;
    static const char *const args[] = {"remove_diacritics", "2"};
    rc = api->xFindTokenizer(api, "unicode61", &ud, &f->api);
    if (rc == SQLITE_OK)
        rc = f->api.xCreate(ud, (const char **)(uintptr_t)args, 2, &f->tok);
    if (rc != SQLITE_OK) {
        free(f);
        return rc;
    }
    rc = sqlite3_create_function_v2(h, "marsad_fold", 1,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, f,
                                    S_fold, NULL, NULL, S_fold_free);
    /* marsad_words shares the tokenizer that marsad_fold owns (and frees). */
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(h, "marsad_words", 1,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, f,
                                        S_words, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = api->xCreateFunction(api, "marsad_rank", NULL, S_rank, NULL);
    return rc;
}
