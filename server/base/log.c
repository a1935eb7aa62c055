#include "log.h"

#include "buf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {"error", "warn", "info", "debug"};

bool log_level_parse(const char *s, enum log_level *out)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return true;
        }
    }
    return false;
}

const char *log_level_name(enum log_level level)
{
    return level_names[level];
}

/* Two decimal digits. */
static void S_d2(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

void log_now_iso(char *out, size_t n)
{
    /* The date and time of day change once a second: format them once per second per thread. */
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[20]; /* 2026-01-02T03:04:05 */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (n < 25) {
        if (n > 0)
            out[0] = '\0';
        return;
    }
    if (ts.tv_sec != cached_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        int year = tm.tm_year + 1900;
        if (year < 0 || year > 9999) {
            out[0] = '\0';
            return;
        }
        S_d2(cached, year / 100);
        S_d2(cached + 2, year % 100);
        cached[4] = '-';
        S_d2(cached + 5, tm.tm_mon + 1);
        cached[7] = '-';
        S_d2(cached + 8, tm.tm_mday);
        cached[10] = 'T';
        S_d2(cached + 11, tm.tm_hour);
        cached[13] = ':';
        S_d2(cached + 14, tm.tm_min);
        cached[16] = ':';
        S_d2(cached + 17, tm.tm_sec);
        cached[19] = '.';
        cached_sec = ts.tv_sec;
    }
    int ms = (int)(ts.tv_nsec / 1000000L);
    memcpy(out, cached, 20);
    out[20] = (char)('0' + ms / 100);
    S_d2(out + 21, ms % 100);
    out[23] = 'Z';
    out[24] = '\0';
}

static void S_write_all(int fd, const char *p, size_t left)
{
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w <= 0)
            return; /* logging must never take the server down */
        p += w;
        left -= (size_t)w;
    }
}

static void S_write_line(const struct logger *lg, struct buf *b)
{
    buf_putc(b, '\n');
    if (!b->oom)
        S_write_all(lg->fd, b->data, b->len);
}

static void S_begin(struct jw *w, enum log_level level)
{
    char now[32];
    log_now_iso(now, sizeof now);
    jw_obj_begin(w);
    jw_kstr(w, "time", now);
    jw_kstr(w, "level", level_names[level]);
}

void log_msg(const struct logger *lg, enum log_level level, const char *fmt, ...)
{
    if (!lg || level > lg->level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    struct buf b;
    struct jw w;
    buf_init(&b);
    jw_init(&w, &b);
    S_begin(&w, level);
    jw_kstr(&w, "msg", msg);
    jw_obj_end(&w);
    S_write_line(lg, &b);
    buf_free(&b);
}

/* ---- access lines ---- */

/* The line, newline included, through the same writer and opening as log_msg(). */
static void S_access_line(struct buf *b, const struct log_access *a)
{
    struct jw w;
    jw_init(&w, b);
    S_begin(&w, LOG_INFO);
    jw_kstr(&w, "msg", "request");
    jw_kstr(&w, "method", a->method);
    jw_kstr(&w, "path", a->path);
    jw_kint(&w, "status", a->status);
    jw_kint(&w, "bytes", (int64_t)a->bytes);
    jw_kint(&w, "duration_us", (int64_t)a->duration_us);
    jw_kstr(&w, "request_id", a->request_id);
    if (a->remote)
        jw_kstr(&w, "remote", a->remote);
    jw_obj_end(&w);
    buf_putc(b, '\n');
}

/* One thread's pending access lines. */
struct log_tbuf {
    pthread_mutex_t mu; /* the owning thread against the writer thread */
    struct buf b;
    struct log_tbuf *next;
};

/* Lines handed to the writer thread. */
struct log_chunk {
    char *data;
    size_t len;
    struct log_chunk *next;
};

/*
 * Worker threads never write(): a thread whose buffer is full hands it to the
 * writer thread, which also collects idle buffers every flush_ms. When the
 * writer is far behind (more than `limit` bytes queued) a worker waits for it,
 * so a stalled reader of the log slows requests down instead of growing memory.
 */
struct log_sink {
    int fd;
    size_t bytes;
    unsigned flush_ms;
    uint64_t gen;         /* tells this sink from an earlier one at the same address */
    pthread_mutex_t mu;   /* the lists, `queued` and `stop` */
    pthread_cond_t cv;    /* to the writer: lines queued, or stop */
    pthread_cond_t space; /* to the workers: the queue was taken */
    bool stop;
    struct log_tbuf *head;
    struct log_chunk *q_head, *q_tail;
    size_t queued, limit;
    pthread_t writer;
};

static atomic_uint_fast64_t sink_gen;
static _Thread_local struct log_tbuf *tl_buf;
static _Thread_local uint64_t tl_gen;

/* Queues a thread's lines for the writer (k->mu held); false when it cannot. */
static bool S_enqueue(struct log_sink *k, struct buf *b)
{
    if (k->queued + b->len > k->limit)
        return false;
    struct log_chunk *ch = malloc(sizeof *ch);
    if (!ch)
        return false;
    ch->len = b->len;
    ch->data = buf_steal(b, NULL);
    ch->next = NULL;
    if (k->q_tail)
        k->q_tail->next = ch;
    else
        k->q_head = ch;
    k->q_tail = ch;
    k->queued += ch->len;
    return true;
}

/* Writes and frees a list of chunks. */
static void S_write_chunks(int fd, struct log_chunk *ch)
{
    while (ch) {
        struct log_chunk *next = ch->next;
        S_write_all(fd, ch->data, ch->len);
        free(ch->data);
        free(ch);
        ch = next;
    }
}

/* This thread's buffer in the sink, registered on first use; NULL when out of memory. */
static struct log_tbuf *S_thread_buf(struct log_sink *k)
{
    if (tl_gen == k->gen && tl_buf)
        return tl_buf;
    struct log_tbuf *t = calloc(1, sizeof *t);
    if (!t || pthread_mutex_init(&t->mu, NULL) != 0) {
        free(t);
        return NULL;
    }
    buf_init(&t->b);
    pthread_mutex_lock(&k->mu);
    t->next = k->head;
    k->head = t;
    pthread_mutex_unlock(&k->mu);
    tl_buf = t;
    tl_gen = k->gen;
    return t;
}

static void *S_writer(void *arg)
{
    struct log_sink *k = arg;
    pthread_mutex_lock(&k->mu);
    for (;;) {
        bool stopping = k->stop;
        if (!stopping && !k->q_head) {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_nsec += (long)(k->flush_ms % 1000) * 1000000L;
            until.tv_sec += (time_t)(k->flush_ms / 1000) + until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            bool timed_out = pthread_cond_timedwait(&k->cv, &k->mu, &until) != 0;
            stopping = k->stop;
            if (timed_out || stopping) {
                /* Collect what idle threads hold, after what they queued before. */
                /* trylock: a worker takes its own lock, then this one (to queue a full
                 * buffer), so waiting here for its lock could deadlock. A busy buffer is
                 * taken on the next round, or handed over by its thread when full. */
                for (struct log_tbuf *t = k->head; t; t = t->next) {
                    if (pthread_mutex_trylock(&t->mu) != 0)
                        continue;
                    if (t->b.len > 0 && !t->b.oom)
                        (void)S_enqueue(k, &t->b); /* when the queue is full, next round */
                    pthread_mutex_unlock(&t->mu);
                }
            }
        }
        struct log_chunk *ch = k->q_head;
        k->q_head = k->q_tail = NULL;
        k->queued = 0;
        pthread_cond_broadcast(&k->space);
        if (ch) {
            pthread_mutex_unlock(&k->mu);
            S_write_chunks(k->fd, ch);
            pthread_mutex_lock(&k->mu);
        }
        if (stopping && !k->q_head)
            break;
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

bool log_buffer_start(struct logger *lg, size_t bytes, unsigned flush_ms)
{
    if (bytes == 0 || lg->sink)
        return true;
    struct log_sink *k = calloc(1, sizeof *k);
    if (!k)
        return false;
    k->fd = lg->fd;
    k->bytes = bytes;
    k->limit = 16 * bytes;
    k->flush_ms = flush_ms ? flush_ms : 1;
    k->gen = atomic_fetch_add(&sink_gen, 1) + 1;
    pthread_condattr_t ca;
    bool ok = pthread_mutex_init(&k->mu, NULL) == 0;
    if (ok && pthread_condattr_init(&ca) == 0) {
        ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
             pthread_cond_init(&k->cv, &ca) == 0;
        pthread_condattr_destroy(&ca);
        if (ok && pthread_cond_init(&k->space, NULL) != 0) {
            pthread_cond_destroy(&k->cv);
            ok = false;
        }
        if (ok && pthread_create(&k->writer, NULL, S_writer, k) != 0) {
            pthread_cond_destroy(&k->space);
            pthread_cond_destroy(&k->cv);
            ok = false;
        }
        if (!ok)
            pthread_mutex_destroy(&k->mu);
    } else if (ok) {
        pthread_mutex_destroy(&k->mu);
        ok = false;
    }
    if (!ok) {
        free(k);
        return false;
    }
    lg->sink = k;
    return true;
}

void log_buffer_stop(struct logger *lg)
{
    struct log_sink *k = lg->sink;
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    k->stop = true;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->writer, NULL); /* it writes everything queued and held first */
    lg->sink = NULL;
    struct log_tbuf *t = k->head;
    while (t) {
        struct log_tbuf *next = t->next;
        if (t->b.len > 0 && !t->b.oom) /* only when the writer could not queue it */
            S_write_all(k->fd, t->b.data, t->b.len);
        buf_free(&t->b);
        pthread_mutex_destroy(&t->mu);
        free(t);
        t = next;
    }
    pthread_cond_destroy(&k->space);
    pthread_cond_destroy(&k->cv);
    pthread_mutex_destroy(&k->mu);
    free(k);
}

void log_access(const struct logger *lg, const struct log_access *a)
{
    if (!lg || LOG_INFO > lg->level)
        return;
    struct log_sink *k = lg->sink;
    struct log_tbuf *t = k ? S_thread_buf(k) : NULL;
    if (t) {
        pthread_mutex_lock(&t->mu);
        S_access_line(&t->b, a);
        if (t->b.oom) {
            buf_reset(&t->b);
            t->b.oom = false;
        } else if (t->b.len >= k->bytes) {
            pthread_mutex_lock(&k->mu);
            while (!k->stop && k->queued > 0 && k->queued + t->b.len > k->limit)
                pthread_cond_wait(&k->space, &k->mu);
            bool queued = S_enqueue(k, &t->b);
            if (queued)
                pthread_cond_signal(&k->cv);
            pthread_mutex_unlock(&k->mu);
            if (!queued) { /* out of memory, or more than the limit at once */
                S_write_all(k->fd, t->b.data, t->b.len);
                buf_reset(&t->b);
            }
        }
        pthread_mutex_unlock(&t->mu);
        return;
    }
    struct buf b;
    buf_init(&b);
    S_access_line(&b, a);
    if (!b.oom)
        S_write_all(lg->fd, b.data, b.len);
    buf_free(&b);
}
