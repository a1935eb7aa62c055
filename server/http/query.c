#include "query.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void query_errors_init(struct query_errors *qe)
{
    qe->n = 0;
    qe->total = 0;
}

void query_error(struct query_errors *qe, const char *param, const char *fmt, ...)
{
    qe->total++;
    if (qe->n >= QUERY_MAX_ERRORS)
        return;
    size_t i = qe->n++;
    int w = snprintf(qe->param[i], sizeof qe->param[i], "%s", param);
    if (w < 0 || (size_t)w >= sizeof qe->param[i])
        memcpy(qe->param[i] + sizeof qe->param[i] - 4, "...", 4);
    va_list ap;
    va_start(ap, fmt);
    w = vsnprintf(qe->msg[i], sizeof qe->msg[i], fmt, ap);
    va_end(ap);
    if (w < 0)
        qe->msg[i][0] = '\0';
    qe->e[i].parameter = qe->param[i];
    qe->e[i].pointer = NULL;
    qe->e[i].header = NULL;
    qe->e[i].detail = qe->msg[i];
}

/* Looks a parameter up and rejects an empty value. */
static const char *S_get(struct http_request *req, struct query_errors *qe, const char *name)
{
    const char *v = http_query(req, name);
    if (v && *v == '\0') {
        query_error(qe, name, "must not be empty");
        return NULL;
    }
    return v;
}

bool query_int(struct http_request *req, struct query_errors *qe, const char *name, int64_t lo,
               int64_t hi, int64_t *out)
{
    const char *v = S_get(req, qe, name);
    if (!v)
        return false;
    const char *p = v;
    if (*p == '-' || *p == '+')
        p++;
    bool digits = *p >= '0' && *p <= '9';
    errno = 0;
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    if (!digits || *end != '\0' || errno == ERANGE || x < lo || x > hi) {
        query_error(qe, name, "must be an integer from %lld to %lld, got '%.40s'", (long long)lo,
                    (long long)hi, v);
        return false;
    }
    *out = x;
    return true;
}

bool query_double(struct http_request *req, struct query_errors *qe, const char *name, double *out,
                  bool *present)
{
    *present = false;
    const char *v = S_get(req, qe, name);
    if (!v)
        return false;
    errno = 0;
    char *end = NULL;
    double x = strtod(v, &end);
    bool ok_chars = true;
    for (const char *p = v; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+' || *p == 'e' ||
              *p == 'E'))
            ok_chars = false;
    }
    if (!ok_chars || end == v || *end != '\0' || (errno == ERANGE && fabs(x) == HUGE_VAL) ||
        !isfinite(x)) {
        query_error(qe, name, "must be a finite decimal number, got '%.40s'", v);
        return false;
    }
    *out = x;
    *present = true;
    return true;
}

bool query_date(struct http_request *req, struct query_errors *qe, const char *name,
                struct pdate *out, bool *present)
{
    *present = false;
    const char *v = S_get(req, qe, name);
    if (!v)
        return false;
    if (!pdate_parse(v, out)) {
        query_error(qe, name, "must be a real date as YYYY, YYYY-MM or YYYY-MM-DD, got '%.40s'", v);
        return false;
    }
    *present = true;
    return true;
}

static void S_join(const char *const *allowed, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; allowed[i]; i++) {
        int w = snprintf(out + len, n - len, "%s%s", i ? ", " : "", allowed[i]);
        if (w < 0 || (size_t)w >= n - len)
            return;
        len += (size_t)w;
    }
}

bool query_enum(struct http_request *req, struct query_errors *qe, const char *name,
                const char *const *allowed, int *out)
{
    const char *v = S_get(req, qe, name);
    if (!v)
        return false;
    for (int i = 0; allowed[i]; i++) {
        if (strcmp(v, allowed[i]) == 0) {
            *out = i;
            return true;
        }
    }
    char list[200];
    S_join(allowed, list, sizeof list);
    query_error(qe, name, "must be one of: %s; got '%.40s'", list, v);
    return false;
}

size_t query_list(struct http_request *req, struct query_errors *qe, const char *name,
                  const char **items, char *scratch, size_t scratch_len)
{
    const char *v = S_get(req, qe, name);
    if (!v)
        return 0;
    size_t len = strlen(v);
    if (len + 1 > scratch_len) {
        query_error(qe, name, "is too long (at most %zu bytes)", scratch_len - 1);
        return 0;
    }
    memcpy(scratch, v, len + 1);
    size_t n = 0;
    char *p = scratch;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p == '\0') {
            query_error(qe, name, "has an empty item in its comma list");
            return 0;
        }
        if (n >= QUERY_MAX_LIST) {
            query_error(qe, name, "has more than %d items", QUERY_MAX_LIST);
            return 0;
        }
        if (strlen(p) > 200) {
            query_error(qe, name, "has an item longer than 200 bytes");
            return 0;
        }
        items[n++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    return n;
}

const char *query_string(struct http_request *req, struct query_errors *qe, const char *name,
                         size_t max_len)
{
    const char *v = S_get(req, qe, name);
    if (v && strlen(v) > max_len) {
        query_error(qe, name, "is too long (at most %zu bytes)", max_len);
        return NULL;
    }
    return v;
}

size_t query_sort(struct http_request *req, struct query_errors *qe, const char *name,
                  const char *const *allowed, struct sort_key *out, size_t max)
{
    const char *items[QUERY_MAX_LIST];
    char scratch[512];
    size_t n = query_list(req, qe, name, items, scratch, sizeof scratch);
    if (n > max) {
        query_error(qe, name, "accepts at most %zu keys", max);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const char *k = items[i];
        bool desc = false;
        if (*k == '-') {
            desc = true;
            k++;
        }
        int found = -1;
        for (int j = 0; allowed[j]; j++) {
            if (strcmp(k, allowed[j]) == 0)
                found = j;
        }
        if (found < 0) {
            char list[200];
            S_join(allowed, list, sizeof list);
            query_error(qe, name,
                        "unknown sort key '%.40s'; allowed: %s (prefix '-' for descending)", k,
                        list);
            return 0;
        }
        for (size_t j = 0; j < i; j++) {
            if (out[j].key == found) {
                query_error(qe, name, "sort key '%.40s' given twice", k);
                return 0;
            }
        }
        out[i].key = found;
        out[i].desc = desc;
    }
    return n;
}

void query_finish(struct http_request *req, struct query_errors *qe, const char *const *allowed)
{
    for (size_t i = 0; i < req->nquery; i++) {
        const struct http_param *p = &req->query[i];
        bool dup = false;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(req->query[j].name, p->name) == 0)
                dup = true;
        }
        if (dup) {
            query_error(qe, p->name, "is given more than once; use one comma-separated list");
            continue;
        }
        if (p->used)
            continue;
        char list[400];
        S_join(allowed, list, sizeof list);
        if (list[0])
            query_error(qe, p->name, "unknown parameter; allowed: %s", list);
        else
            query_error(qe, p->name, "unknown parameter; this resource takes no parameters");
    }
}

void query_fail(struct http_response *res, const struct http_request *req,
                const struct query_errors *qe)
{
    char detail[400];
    int w;
    size_t total = qe->total > qe->n ? qe->total : qe->n;
    if (total == 1)
        w = snprintf(detail, sizeof detail, "invalid query parameter '%s': %s", qe->param[0],
                     qe->msg[0]);
    else if (total > qe->n)
        w = snprintf(detail, sizeof detail,
                     "%zu errors in the query parameters; the first %zu are listed in errors",
                     total, qe->n);
    else
        w = snprintf(detail, sizeof detail, "%zu invalid query parameters; see errors", total);
    http_problem(res, req, 400, "invalid-parameter", w > 0 ? detail : "invalid query parameters",
                 qe->e, qe->n);
}

bool query_fts_expr(const char *text, struct buf *out)
{
    size_t nwords = 0;
    const unsigned char *p = (const unsigned char *)text;
    buf_reset(out);
    while (*p) {
        /* A word is a run of letters, digits and any non-ASCII (UTF-8) bytes. */
        while (*p && !(*p >= 0x80 || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                       (*p >= 'A' && *p <= 'Z')))
            p++;
        const unsigned char *start = p;
        while (*p && (*p >= 0x80 || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                      (*p >= 'A' && *p <= 'Z')))
            p++;
        if (p == start)
            continue;
        if (nwords++)
            buf_putc(out, ' ');
        buf_putc(out, '"');
        buf_append(out, start, (size_t)(p - start));
        buf_putc(out, '"');
        if (!*p)
            buf_putc(out, '*');
        if (nwords >= 16)
            break;
    }
    return nwords > 0 && !out->oom;
}

bool query_list_json(struct http_request *req, struct query_errors *qe, const char *name,
                     const char *const *valid, struct buf *out)
{
    const char *items[QUERY_MAX_LIST];
    char scratch[2048];
    size_t before = qe->n;
    size_t n = query_list(req, qe, name, items, scratch, sizeof scratch);
    if (n == 0 || qe->n != before)
        return false;
    struct jw w;
    buf_reset(out);
    jw_init(&w, out);
    jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        if (valid) {
            bool ok = false;
            for (size_t k = 0; valid[k]; k++) {
                if (strcmp(items[i], valid[k]) == 0)
                    ok = true;
            }
            if (!ok) {
                char list[256];
                S_join(valid, list, sizeof list);
                query_error(qe, name, "'%.40s' is not one of: %s", items[i], list);
                return false;
            }
        }
        jw_str(&w, items[i]);
    }
    jw_arr_end(&w);
    return true;
}
