/*
 * Request bodies of the write API: write_json_parse(), write_json_validate()
 * for every resource with a stub write_lookup (no database), and
 * write_json_merge_patch(), write_json_public().
 *
 * Input: a body, optionally followed by "\n--patch--\n" and a merge patch.
 * Invariants: parse gives an object or a message; validation either succeeds
 * with normalized JSON whose public form validates again (what a PATCH with
 * an empty patch does), or fails with errors whose pointers start with '/'
 * and whose problem document is valid JSON; a merge patch follows RFC 7396
 * and applying it twice changes nothing more.
 */
#include "fuzz_common.h"

#include "buf.h"
#include "http.h"
#include "write_json.h"

#include <jansson.h>

static const char source_text[] =
    "In 2016 more than 1,500 Moroccans had left for Syria and Iraq; at least 1,600 by 2017. "
    "The Moussalaha program began in 2017. 1,500 again: 1,500.";

/* Deterministic fake database: ids starting with a-m exist; p... are places; d... metrics are
 * dates; an id starting with 'y' makes the lookup fail (as a database error would), which
 * validation must report as that error, never as a missing record. */
static bool lookup_failed; /* a lookup failed during the current validation */

static enum app_status S_fail_on_y(const char *id)
{
    if (id[0] != 'y')
        return APP_OK;
    lookup_failed = true;
    return APP_EDB;
}

static enum app_status L_exists(void *ctx, const char *table, const char *id)
{
    (void)ctx;
    FUZZ_CHECK(table && id);
    if (S_fail_on_y(id) != APP_OK)
        return APP_EDB;
    return id[0] >= 'a' && id[0] <= 'm' ? APP_OK : APP_ENOTFOUND;
}

static enum app_status L_entity_kind(void *ctx, const char *id, char *out, size_t n)
{
    (void)ctx;
    if (S_fail_on_y(id) != APP_OK)
        return APP_EDB;
    if (id[0] < 'a' || id[0] > 'p')
        return APP_ENOTFOUND;
    snprintf(out, n, "%s", id[0] == 'p' ? "place" : "organization");
    return APP_OK;
}

static enum app_status L_metric(void *ctx, const char *id, char *unit, size_t un, char *vtype,
                                size_t vn)
{
    (void)ctx;
    if (S_fail_on_y(id) != APP_OK)
        return APP_EDB;
    if (id[0] < 'a' || id[0] > 'm')
        return APP_ENOTFOUND;
    bool date = id[0] == 'd';
    snprintf(unit, un, "%s", date ? "date" : "people");
    snprintf(vtype, vn, "%s", date ? "date" : "count");
    return APP_OK;
}

static enum app_status L_text(void *ctx, const char *id, char **text, size_t *len)
{
    (void)ctx;
    if (S_fail_on_y(id) != APP_OK)
        return APP_EDB;
    if (id[0] == 'z')
        return APP_ENOTFOUND;
    *text = malloc(sizeof source_text);
    FUZZ_CHECK(*text != NULL);
    memcpy(*text, source_text, sizeof source_text);
    *len = sizeof source_text - 1;
    return APP_OK;
}

static enum app_status L_next_id(void *ctx, const char *source, char *out, size_t n)
{
    (void)ctx;
    if (S_fail_on_y(source) != APP_OK)
        return APP_EDB;
    int w = snprintf(out, n, "%s-900", source);
    return w > 0 && (size_t)w < n ? APP_OK : APP_ENOTFOUND;
}

static const struct write_lookup lookup = {NULL,     L_exists, L_entity_kind,
                                           L_metric, L_text,   L_next_id};

static void S_check_problem(const struct write_errors *we)
{
    FUZZ_CHECK(we->n >= 1 && we->n <= WRITE_MAX_ERRORS);
    for (size_t i = 0; i < we->n; i++)
        FUZZ_CHECK(we->e[i].pointer && we->e[i].pointer[0] == '/' && we->e[i].detail);
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.request_id = "fuzz";
    struct http_response res;
    http_response_init(&res);
    http_problem(&res, &req, 422, "invalid-body", "invalid", we->e, we->n);
    json_t *j = json_loadb(res.body.data, res.body.len, 0, NULL);
    FUZZ_CHECK(json_is_object(j));
    FUZZ_CHECK(json_array_size(json_object_get(j, "errors")) == we->n);
    json_decref(j);
    http_response_free(&res);
}

static void S_validate(json_t *doc, enum write_resource r, bool creating)
{
    json_t *copy = json_deep_copy(doc);
    FUZZ_CHECK(copy != NULL);
    struct write_errors we;
    memset(&we, 0, sizeof we);
    char *out = NULL;
    lookup_failed = false;
    enum app_status st = write_json_validate(r, copy, creating, &lookup, &we, &out);
    /* a failed lookup is the validation's answer, whatever else is wrong */
    FUZZ_CHECK(lookup_failed == (st == APP_EDB));
    if (st == APP_EDB) {
        FUZZ_CHECK(out == NULL);
        write_json_free(copy);
        return;
    }
    if (st == APP_OK) {
        FUZZ_CHECK(out != NULL && we.n == 0);
        json_t *norm = json_loads(out, 0, NULL);
        FUZZ_CHECK(json_is_object(norm));
        json_decref(norm);
        char *pub = write_json_public(out);
        FUZZ_CHECK(pub != NULL);
        json_t *again = write_json_from_text(pub);
        FUZZ_CHECK(json_is_object(again));
        struct write_errors we2;
        memset(&we2, 0, sizeof we2);
        char *out2 = NULL;
        enum app_status st2 = write_json_validate(r, again, false, &lookup, &we2, &out2);
        if (st2 != APP_OK) {
            fprintf(stderr, "accepted record no longer validates: %s\n", pub);
            for (size_t i = 0; i < we2.n; i++)
                fprintf(stderr, "  %s: %s\n", we2.pointer[i], we2.msg[i]);
        }
        FUZZ_CHECK(st2 == APP_OK);
        free(out2);
        write_json_free(again);
        free(pub);
        free(out);
    } else if (st == APP_EINVAL) {
        FUZZ_CHECK(out == NULL);
        S_check_problem(&we);
    } else {
        FUZZ_CHECK(st == APP_ECONFLICT && creating && out == NULL);
    }
    write_json_free(copy);
}

/* RFC 7396 section 2 on one level, checked after the patch was applied. */
static void S_check_patched(json_t *target, json_t *patch)
{
    FUZZ_CHECK(json_is_object(target));
    const char *k;
    json_t *v;
    json_object_foreach(patch, k, v) {
        json_t *t = json_object_get(target, k);
        if (json_is_null(v))
            FUZZ_CHECK(t == NULL);
        else if (json_is_object(v))
            S_check_patched(t, v);
        else
            FUZZ_CHECK(t && json_equal(t, v));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char sep[] = "\n--patch--\n";
    const char *body = (const char *)data;
    size_t blen = size;
    const char *patch_text = NULL;
    size_t plen = 0;
    for (size_t i = 0; i + sizeof sep - 1 <= size; i++) {
        if (memcmp(data + i, sep, sizeof sep - 1) == 0) {
            blen = i;
            patch_text = body + i + sizeof sep - 1;
            plen = size - i - (sizeof sep - 1);
            break;
        }
    }
    char err[256] = "";
    json_t *doc = write_json_parse(body, blen, err, sizeof err);
    if (!doc) {
        FUZZ_CHECK(err[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(json_is_object(doc));
    for (int r = 0; r < WRITE_NRESOURCES; r++) {
        S_validate(doc, (enum write_resource)r, true);
        S_validate(doc, (enum write_resource)r, false);
    }

    if (patch_text) {
        json_t *patch = write_json_parse(patch_text, plen, err, sizeof err);
        if (patch) {
            write_json_merge_patch(doc, patch);
            S_check_patched(doc, patch);
            json_t *once = json_deep_copy(doc);
            FUZZ_CHECK(once != NULL);
            write_json_merge_patch(doc, patch);
            FUZZ_CHECK(json_equal(once, doc));
            json_decref(once);
            S_validate(doc, WRITE_CLAIM, false);
            write_json_free(patch);
        }
    }
    write_json_free(doc);
    return 0;
}
