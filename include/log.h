/*
 * Leveled JSON-lines logging to one file descriptor.
 *
 * Messages are written at once, one write() per line. Access lines are too,
 * unless log_buffer_start() gave the logger a buffer: then each thread gathers
 * its access lines and writes them in one write() when they pass the size, or
 * at the latest `flush_ms` after the first of them (a flusher thread sees to
 * idle threads), and log_buffer_stop() writes what is left.
 */
#ifndef MARSAD_LOG_H
#define MARSAD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct log_sink; /* the per-thread access-line buffers, when buffering */

struct logger {
    enum log_level level;
    int fd;
    struct log_sink *sink; /* NULL: one write() per access line */
};

/*
 * Buffers access lines: `bytes` per thread (0 leaves the logger unbuffered),
 * written no later than `flush_ms` after they were logged. Returns false when
 * the buffers or the flusher thread cannot be set up (the logger stays
 * unbuffered and still works).
 */
bool log_buffer_start(struct logger *lg, size_t bytes, unsigned flush_ms);
/* Writes every pending line and stops buffering. Call when no thread logs any more. */
void log_buffer_stop(struct logger *lg);

/* Parses "error", "warn", "info", "debug". Returns false when unknown. */
bool log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);

/* {"time":..,"level":..,"msg":..} */
void log_msg(const struct logger *lg, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct log_access {
    const char *method;
    const char *path; /* raw request target, query included */
    unsigned status;
    uint64_t bytes;
    uint64_t duration_us;
    const char *request_id;
    const char *remote;
};

/* One access-log line, written at level info. */
void log_access(const struct logger *lg, const struct log_access *a);

/* Formats the current UTC time as 2026-01-02T03:04:05.678Z into out (>= 25 bytes). */
void log_now_iso(char *out, size_t n);

#endif
