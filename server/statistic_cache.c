#include "statistic_cache.h"

#include "app.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct S_entry {
    char *key; /* NULL: free slot */
    unsigned status;
    const char *content_type;
    char *body;
    size_t len;
    size_t nheaders;
    struct http_header headers[HTTP_MAX_HEADERS];
    uint64_t used; /* LRU clock */
};

static pthread_mutex_t S_lock = PTHREAD_MUTEX_INITIALIZER;
static struct S_entry S_slots[STAT_CACHE_SLOTS];
static size_t S_bytes;
static uint64_t S_clock;

/* db path, dataset version, target and Accept, newline-separated. */
char *stat_cache_key(const struct http_request *req)
{
    struct buf b;
    const struct app *app = req->app;
    const char *accept = http_header(req, "Accept");
    buf_init(&b);
    buf_puts(&b, app && app->cfg ? app->cfg->db_path : "");
    buf_printf(&b, "\n%llu\n",
               app ? (unsigned long long)atomic_load(&req->app->dataset_version) : 0ULL);
    buf_puts(&b, req->target ? req->target : "");
    buf_putc(&b, '\n');
    buf_puts(&b, accept ? accept : "");
    if (b.oom) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b, NULL);
}

static void S_drop(struct S_entry *e)
{
    if (e->key == NULL)
        return;
    S_bytes -= e->len;
    for (size_t i = 0; i < e->nheaders; i++)
        free(e->headers[i].value);
    free(e->key);
    free(e->body);
    memset(e, 0, sizeof *e);
}

bool stat_cache_get(const char *key, struct http_response *res)
{
    bool hit = false;
    if (key == NULL)
        return false;
    pthread_mutex_lock(&S_lock);
    for (size_t i = 0; i < STAT_CACHE_SLOTS && !hit; i++) {
        struct S_entry *e = &S_slots[i];
        if (e->key == NULL || strcmp(e->key, key) != 0)
            continue;
        buf_reset(&res->body);
        buf_append(&res->body, e->body, e->len);
        if (res->body.oom)
            break;
        res->status = e->status;
        res->content_type = e->content_type;
        res->cacheable = true;
        for (size_t h = 0; h < e->nheaders; h++)
            http_response_header(res, e->headers[h].name, e->headers[h].value);
        e->used = ++S_clock;
        hit = true;
    }
    pthread_mutex_unlock(&S_lock);
    return hit;
}

/* Copies a response into a detached entry; false on OOM. */
static bool S_fill(struct S_entry *e, char *key, const struct http_response *res)
{
    memset(e, 0, sizeof *e);
    e->key = key;
    e->status = res->status;
    e->content_type = res->content_type;
    e->len = res->body.len;
    e->body = malloc(e->len ? e->len : 1);
    if (e->body == NULL)
        return false;
    if (e->len)
        memcpy(e->body, res->body.data, e->len);
    for (size_t i = 0; i < res->nheaders; i++) {
        size_t n = strlen(res->headers[i].value) + 1;
        char *v = malloc(n);
        if (v == NULL)
            return false;
        memcpy(v, res->headers[i].value, n);
        memcpy(e->headers[i].name, res->headers[i].name, sizeof e->headers[i].name);
        e->headers[i].value = v;
        e->nheaders++;
    }
    return true;
}

static void S_free_detached(struct S_entry *e)
{
    for (size_t i = 0; i < e->nheaders; i++)
        free(e->headers[i].value);
    free(e->key);
    free(e->body);
}

void stat_cache_put(const char *key, const struct http_response *res)
{
    struct S_entry e;
    if (key == NULL || res->status != 200 || res->body.oom ||
        res->body.len > STAT_CACHE_MAX_BYTES / 4)
        return;
    size_t n = strlen(key) + 1;
    char *copy = malloc(n);
    if (copy == NULL)
        return;
    memcpy(copy, key, n);
    if (!S_fill(&e, copy, res)) {
        S_free_detached(&e);
        return;
    }
    pthread_mutex_lock(&S_lock);
    /* Same key (a concurrent miss) or stale: replace; then evict LRU to fit. */
    for (size_t i = 0; i < STAT_CACHE_SLOTS; i++) {
        if (S_slots[i].key != NULL && strcmp(S_slots[i].key, copy) == 0)
            S_drop(&S_slots[i]);
    }
    for (;;) {
        struct S_entry *victim = NULL, *free_slot = NULL;
        for (size_t i = 0; i < STAT_CACHE_SLOTS; i++) {
            struct S_entry *s = &S_slots[i];
            if (s->key == NULL) {
                if (free_slot == NULL)
                    free_slot = s;
            } else if (victim == NULL || s->used < victim->used) {
                victim = s;
            }
        }
        if (free_slot != NULL && S_bytes + e.len <= STAT_CACHE_MAX_BYTES) {
            e.used = ++S_clock;
            *free_slot = e;
            S_bytes += e.len;
            break;
        }
        if (victim == NULL) { /* cannot happen: the entry is at most a quarter of the budget */
            S_free_detached(&e);
            break;
        }
        S_drop(victim);
    }
    pthread_mutex_unlock(&S_lock);
}

void stat_cache_clear(void)
{
    pthread_mutex_lock(&S_lock);
    for (size_t i = 0; i < STAT_CACHE_SLOTS; i++)
        S_drop(&S_slots[i]);
    pthread_mutex_unlock(&S_lock);
}
