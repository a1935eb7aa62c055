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

struct stat_cache {
    pthread_mutex_t lock;
    struct S_entry slots[STAT_CACHE_SLOTS];
    size_t bytes;
    uint64_t clock;
    uint64_t version; /* newest dataset version seen; older entries are dropped */
};

struct stat_cache *stat_cache_new(void)
{
    struct stat_cache *c = calloc(1, sizeof *c);
    if (c)
        pthread_mutex_init(&c->lock, NULL);
    return c;
}

/* Dataset version, target and Accept, newline-separated. */
char *stat_cache_key(const struct http_request *req)
{
    struct buf b;
    const struct app *app = req->app;
    const char *accept = http_header(req, "Accept");
    buf_init(&b);
    /* The version of the request's snapshot: the one its body is computed from. */
    uint64_t version = 0;
    if (app && app_snapshot_version(req->app, &version) != APP_OK)
        return NULL;
    buf_printf(&b, "%llu\n", (unsigned long long)version);
    buf_puts(&b, req->target ? req->target : "");
    buf_putc(&b, '\n');
    buf_puts(&b, accept ? accept : "");
    if (b.oom) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b, NULL);
}

static void S_drop(struct stat_cache *c, struct S_entry *e)
{
    if (e->key == NULL)
        return;
    c->bytes -= e->len;
    for (size_t i = 0; i < e->nheaders; i++)
        free(e->headers[i].value);
    free(e->key);
    free(e->body);
    memset(e, 0, sizeof *e);
}

bool stat_cache_get(struct stat_cache *c, const char *key, struct http_response *res)
{
    bool hit = false;
    if (c == NULL || key == NULL)
        return false;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < STAT_CACHE_SLOTS && !hit; i++) {
        struct S_entry *e = &c->slots[i];
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
        e->used = ++c->clock;
        hit = true;
    }
    pthread_mutex_unlock(&c->lock);
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

void stat_cache_put(struct stat_cache *c, const char *key, const struct http_response *res)
{
    struct S_entry e;
    if (c == NULL || key == NULL || res->status != 200 || res->body.oom ||
        res->body.len > STAT_CACHE_MAX_BYTES / 4)
        return;
    uint64_t version = strtoull(key, NULL, 10);
    size_t n = strlen(key) + 1;
    char *copy = malloc(n);
    if (copy == NULL)
        return;
    memcpy(copy, key, n);
    if (!S_fill(&e, copy, res)) {
        S_free_detached(&e);
        return;
    }
    pthread_mutex_lock(&c->lock);
    if (version < c->version) { /* computed from data a write has replaced since */
        pthread_mutex_unlock(&c->lock);
        S_free_detached(&e);
        return;
    }
    /* A newer dataset: every entry is stale. The same key (a concurrent miss): replace. */
    for (size_t i = 0; i < STAT_CACHE_SLOTS; i++) {
        if (c->slots[i].key != NULL && (version > c->version || strcmp(c->slots[i].key, copy) == 0))
            S_drop(c, &c->slots[i]);
    }
    c->version = version;
    for (;;) {
        struct S_entry *victim = NULL, *free_slot = NULL;
        for (size_t i = 0; i < STAT_CACHE_SLOTS; i++) {
            struct S_entry *s = &c->slots[i];
            if (s->key == NULL) {
                if (free_slot == NULL)
                    free_slot = s;
            } else if (victim == NULL || s->used < victim->used) {
                victim = s;
            }
        }
        if (free_slot != NULL && c->bytes + e.len <= STAT_CACHE_MAX_BYTES) {
            e.used = ++c->clock;
            *free_slot = e;
            c->bytes += e.len;
            break;
        }
        if (victim == NULL) { /* cannot happen: the entry is at most a quarter of the budget */
            S_free_detached(&e);
            break;
        }
        S_drop(c, victim);
    }
    pthread_mutex_unlock(&c->lock);
}

void stat_cache_clear(struct stat_cache *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < STAT_CACHE_SLOTS; i++)
        S_drop(c, &c->slots[i]);
    pthread_mutex_unlock(&c->lock);
}

void stat_cache_free(struct stat_cache *c)
{
    if (c == NULL)
        return;
    stat_cache_clear(c);
    pthread_mutex_destroy(&c->lock);
    free(c);
}
