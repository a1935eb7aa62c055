/* Small jansson accessors shared by the API suites. */
#ifndef MARSAD_TEST_JSON_UTIL_H
#define MARSAD_TEST_JSON_UTIL_H

#include <jansson.h>
#include <stdbool.h>

/* The string member `key` of o, or NULL (absent, not a string, or o not an object). */
const char *ju_str(const json_t *o, const char *key);
/* The integer member `key` of o, or 0. */
json_int_t ju_int(const json_t *o, const char *key);
/* The first object of arr whose string member `key` equals value, or NULL. */
json_t *ju_find(const json_t *arr, const char *key, const char *value);
/* Whether arr holds the string s. */
bool ju_has_string(const json_t *arr, const char *s);

#endif
