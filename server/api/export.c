#include "export.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[EXPORT_NTYPES] = {"source",  "entity", "metric",  "relation",
                                                      "program", "claim",  "conflict"};

const char *export_type_name(enum export_type t)
{
    return (unsigned)t < EXPORT_NTYPES ? type_names[t] : "unknown";
}

void export_writer_init(struct export_writer *x, struct buf *out)
{
    memset(x, 0, sizeof *x);
    x->out = out;
    jw_init(&x->w, out);
    buf_init(&x->ids);
}

void export_writer_free(struct export_writer *x)
{
    buf_free(&x->ids);
}

struct jw *export_line_begin(struct export_writer *x, enum export_type t)
{
    /* Every line is a document of its own: no comma carried over from the last one. */
    jw_init(&x->w, x->out);
    jw_obj_begin(&x->w);
    jw_kstr(&x->w, "type", export_type_name(t));
    if ((unsigned)t < EXPORT_NTYPES)
        x->counts[t]++;
    return &x->w;
}

void export_line_end(struct export_writer *x)
{
    jw_obj_end(&x->w);
    buf_putc(x->out, '\n');
}

void export_ids_reset(struct export_writer *x)
{
    buf_reset(&x->ids);
    x->nids = 0;
}

void export_ids_add(struct export_writer *x, const char *id)
{
    if (!id)
        return;
    buf_append(&x->ids, id, strlen(id) + 1);
    x->nids++;
}

const char *export_ids_next(const struct export_writer *x, const char *prev)
{
    if (x->ids.oom || x->ids.len == 0)
        return NULL;
    const char *p = prev ? prev + strlen(prev) + 1 : x->ids.data;
    return p < x->ids.data + x->ids.len ? p : NULL;
}

void export_header(const struct export_writer *x, struct buf *out, uint64_t version, int schema,
                   const char *server_version)
{
    struct jw w;
    jw_init(&w, out);
    jw_obj_begin(&w);
    jw_kstr(&w, "type", "export");
    jw_kint(&w, "dataset_version", version > INT64_MAX ? INT64_MAX : (int64_t)version);
    jw_kint(&w, "schema_version", schema);
    jw_key(&w, "generated_from");
    jw_obj_begin(&w);
    jw_kstr(&w, "server", "marsad");
    jw_kstr(&w, "version", server_version);
    jw_kstr(&w, "api", "/v1");
    jw_obj_end(&w);
    jw_key(&w, "order");
    jw_arr_begin(&w);
    for (int t = 0; t < EXPORT_NTYPES; t++)
        jw_str(&w, type_names[t]);
    jw_arr_end(&w);
    jw_key(&w, "counts");
    jw_obj_begin(&w);
    for (int t = 0; t < EXPORT_NTYPES; t++)
        jw_kint(&w, type_names[t], x->counts[t]);
    jw_obj_end(&w);
    jw_obj_end(&w);
    buf_putc(out, '\n');
}

struct export_cache {
    pthread_mutex_t lock;      /* guards the members below */
    pthread_mutex_t make_lock; /* held while a copy is made */
    uint64_t version;
    char *data; /* NULL: empty */
    size_t len;
};

struct export_cache *export_cache_new(void)
{
    struct export_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return NULL;
    }
    if (pthread_mutex_init(&c->make_lock, NULL) != 0) {
        pthread_mutex_destroy(&c->lock);
        free(c);
        return NULL;
    }
    return c;
}

void export_cache_free(struct export_cache *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->make_lock);
    pthread_mutex_destroy(&c->lock);
    free(c->data);
    free(c);
}

bool export_cache_get(struct export_cache *c, uint64_t version, struct buf *out)
{
    bool hit = false;
    if (!c)
        return false;
    pthread_mutex_lock(&c->lock);
    if (c->data && c->version == version) {
        buf_append(out, c->data, c->len);
        hit = !out->oom;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void export_cache_put_new(struct export_cache *c, uint64_t version, char *data, size_t len)
{
    if (!c || !data || len == 0) {
        free(data);
        return;
    }
    pthread_mutex_lock(&c->lock);
    if (!c->data || version >= c->version) {
        char *old = c->data;
        c->data = data;
        c->len = len;
        c->version = version;
        data = old;
    }
    pthread_mutex_unlock(&c->lock);
    free(data);
}

void export_cache_make_begin(struct export_cache *c)
{
    if (c)
        pthread_mutex_lock(&c->make_lock);
}

void export_cache_make_end(struct export_cache *c)
{
    if (c)
        pthread_mutex_unlock(&c->make_lock);
}
