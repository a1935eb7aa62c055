/*
 * Socket-free API fixture: a struct app over $MARSAD_TEST_DB (opened read-only)
 * and requests dispatched through the real route table, so handler, repository
 * and encoder run exactly as behind the server, minus libmicrohttpd.
 */
#ifndef MARSAD_TEST_API_H
#define MARSAD_TEST_API_H

#include "app.h"
#include "http.h"

#include <jansson.h>
#include <stdbool.h>

struct api_fixture {
    struct config cfg;
    struct app *app;
};

/* Sets up the fixture (cmocka group setup friendly); returns 0 on success. */
int api_fixture_open(struct api_fixture *fx);
void api_fixture_close(struct api_fixture *fx);

struct api_result {
    unsigned status;
    const char *content_type;
    char *body; /* NUL-terminated, malloc'd */
    size_t body_len;
    json_t *json;             /* parsed body when it is JSON, else NULL */
    struct http_response res; /* headers live here */
};

/*
 * Dispatches METHOD target (e.g. "/v1/claims?limit=2") with optional request
 * headers ("Name: value" strings, NULL-terminated) and body.
 */
void api_request(struct api_fixture *fx, const char *method, const char *target,
                 const char *const *headers, const char *body, struct api_result *out);
/* GET shorthand. */
void api_get(struct api_fixture *fx, const char *target, struct api_result *out);
const char *api_header(const struct api_result *r, const char *name);
void api_result_free(struct api_result *r);

/* Asserts a problem+json body with this status naming `parameter` (NULL: any). */
void api_assert_problem(const struct api_result *r, unsigned status, const char *parameter);
/* GETs target and asserts the problem as api_assert_problem() does. */
void api_get_problem(struct api_fixture *fx, const char *target, unsigned status,
                     const char *parameter);

/* The fixture of the read-only suites, opened and closed by a cmocka group's setup/teardown. */
extern struct api_fixture api_fx;
int api_group_setup(void **state);
int api_group_teardown(void **state);

/* GETs target, asserting 200, application/json and cacheable (free the result). */
void api_get_ok(struct api_fixture *fx, const char *target, struct api_result *r);
/* The "data" member of a collection, meta.total and meta.next_cursor (NULL when absent). */
json_t *api_data(const struct api_result *r);
json_int_t api_total(const struct api_result *r);
const char *api_next_cursor(const struct api_result *r);
/* meta.total of a target, through api_get_ok(). */
json_int_t api_total_of(struct api_fixture *fx, const char *target);
/*
 * Pages through base (a target with a query) by next_cursor, appending
 * "&cursor=...", asserting 200 on each of at most 100 pages; returns how many
 * items the pages held.
 */
size_t api_count_by_cursor(struct api_fixture *fx, const char *base);

#endif
