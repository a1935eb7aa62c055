/* Leveled JSON-lines logging to one file descriptor. One write() per line. */
#ifndef MARSAD_LOG_H
#define MARSAD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct logger {
    enum log_level level;
    int fd;
};

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
