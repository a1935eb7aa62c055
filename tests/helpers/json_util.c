#include "json_util.h"

#include <stddef.h>
#include <string.h>

const char *ju_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

json_int_t ju_int(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

json_t *ju_find(const json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) {
        const char *v = ju_str(x, key);
        if (v && strcmp(v, value) == 0)
            return x;
    }
    return NULL;
}

bool ju_has_string(const json_t *arr, const char *s)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) {
        if (json_is_string(x) && strcmp(json_string_value(x), s) == 0)
            return true;
    }
    return false;
}
