#include "log.h"

#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
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

void log_now_iso(char *out, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int w =
        snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L);
    if (w < 0 || (size_t)w >= n)
        out[0] = '\0';
}

static void S_write_line(const struct logger *lg, struct buf *b)
{
    buf_putc(b, '\n');
    if (b->oom)
        return;
    const char *p = b->data;
    size_t left = b->len;
    while (left > 0) {
        ssize_t w = write(lg->fd, p, left);
        if (w <= 0)
            return; /* logging must never take the server down */
        p += w;
        left -= (size_t)w;
    }
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

void log_access(const struct logger *lg, const struct log_access *a)
{
    if (!lg || LOG_INFO > lg->level)
        return;
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
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
    S_write_line(lg, &b);
    buf_free(&b);
}
