/*
 * Computed responses of the statistics and conflicts endpoints, kept per
 * dataset version. Those answers are a pure function of the dataset version
 * and the request (the same premise as the ETag), but computing one reads
 * every claim on a metric and encodes its whole timeline, so a repeated
 * request is served from here. Keyed by dataset version, request target and
 * Accept header; the first entry of a newer version drops every older one, so
 * an entry never outlives the data it was computed from. Bounded (entries and
 * bytes), least recently used out first, thread-safe. One cache per server
 * (struct app); a NULL cache caches nothing.
 */
#ifndef MARSAD_STATISTIC_CACHE_H
#define MARSAD_STATISTIC_CACHE_H

#include "http.h"

#include <stdbool.h>

#define STAT_CACHE_SLOTS     32
#define STAT_CACHE_MAX_BYTES (8u * 1024u * 1024u)

struct stat_cache;

/* A new, empty cache (NULL when out of memory: the server then caches nothing). */
struct stat_cache *stat_cache_new(void);
void stat_cache_free(struct stat_cache *c);

/*
 * The cache key of a request (malloc'd; NULL when out of memory, which makes
 * get and put no-ops). Take it BEFORE reading the database, so a write that
 * lands meanwhile can only make an entry newer than its version, never older.
 */
char *stat_cache_key(const struct http_request *req);
/* Fills res (status, content type, body, headers) and returns true on a hit. */
bool stat_cache_get(struct stat_cache *c, const char *key, struct http_response *res);
/* Stores a 200 response under key (others are ignored). */
void stat_cache_put(struct stat_cache *c, const char *key, const struct http_response *res);
/* Drops every entry. */
void stat_cache_clear(struct stat_cache *c);

#endif
