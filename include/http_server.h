/* The only module that knows libmicrohttpd: daemon, request state, responses, access log. */
#ifndef MARSAD_HTTP_SERVER_H
#define MARSAD_HTTP_SERVER_H

#include "app.h"
#include "status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_TARGET       8192  /* longer request targets get 414 */
#define HTTP_MAX_HEADER_BYTES 16384 /* larger header sections get 431 */

struct http_server;

/* Starts listening (port 0 picks a free port). */
enum app_status http_server_start(struct app *app, struct http_server **out) APP_MUST_CHECK;
/* The port actually bound. */
uint16_t http_server_port(const struct http_server *s);
/*
 * Stops accepting, waits up to grace_ms for requests in flight to finish,
 * then stops the daemon and frees it.
 */
void http_server_stop(struct http_server *s, unsigned grace_ms);
/*
 * True while the last write failed on the server's side (500, 507) less than a
 * minute ago and none has succeeded since; out (n bytes) then says how and when.
 * /readyz reports it.
 */
bool http_server_write_failing(struct http_server *s, char *out, size_t n);
/* "0.9.75" */
const char *http_server_library_version(void);

#endif
