/*
 * The path router over the real route table: percent-decoding
 * (http_request_parse_target) then router_match() and router_dispatch(). The
 * handlers are stubs generated from server/api/routes.c (gen_route_stubs.sh), so
 * no database is touched.
 *
 * Input: byte 0 picks the method, the rest is the request target.
 * Invariants: dispatch answers 200 (a handler ran), 204 (OPTIONS), 404 or 405
 * with an Allow header; the handler gets non-empty captures, each one raw segment;
 * router_match() agrees with router_dispatch(); problems are valid JSON.
 */
#include "fuzz_common.h"

#include "http.h"
#include "router.h"
#include "routes.h"

#include <jansson.h>

void fuzz_route_hit(struct http_request *req, struct http_response *res, const char *name);

static int hits;

void fuzz_route_hit(struct http_request *req, struct http_response *res, const char *name)
{
    FUZZ_CHECK(name && name[0]);
    FUZZ_CHECK(req->npath <= HTTP_MAX_PATH_PARAMS);
    for (size_t i = 0; i < req->npath; i++) {
        const char *n = req->path_names[i];
        const char *v = req->path_values[i];
        FUZZ_CHECK(n && n[0] && !strchr(n, '}') && !strchr(n, '/'));
        FUZZ_CHECK(v && v[0]);
        FUZZ_CHECK(http_path_param(req, n) != NULL);
        /* The capture is a whole raw segment, decoded: a '/' in it came as "%2F". */
        FUZZ_CHECK(strstr(req->path, v) != NULL);
        FUZZ_CHECK(!strchr(v, '/') || strstr(req->raw_path, "%2F") || strstr(req->raw_path, "%2f"));
    }
    hits++;
    res->status = 200;
}

static const enum http_method methods[] = {HTTP_GET,   HTTP_HEAD,   HTTP_POST,    HTTP_PUT,
                                           HTTP_PATCH, HTTP_DELETE, HTTP_OPTIONS, HTTP_OTHER};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum http_method m = methods[data[0] % (sizeof methods / sizeof methods[0])];
    char *target = fuzz_cstr(data + 1, size - 1);
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.method = m;
    req.request_id = "fuzz";
    char err[256];
    if (http_request_parse_target(&req, target, err, sizeof err) == 0) {
        const struct route *rt = NULL;
        unsigned allowed = 0;
        enum router_match rm = router_match(routes_table, routes_count, &req, &rt, &allowed);
        if (rm == ROUTER_NOT_FOUND)
            FUZZ_CHECK(allowed == 0);
        else
            FUZZ_CHECK((allowed & HTTP_OPTIONS) && (allowed & ~(unsigned)HTTP_OPTIONS));
        if (rm == ROUTER_FOUND)
            FUZZ_CHECK(rt != NULL && rt->pattern[0] == '/');
        char allow[96];
        router_allow_header(allowed, allow, sizeof allow);
        FUZZ_CHECK(strlen(allow) < sizeof allow);

        struct http_response res;
        http_response_init(&res);
        int before = hits;
        router_dispatch(routes_table, routes_count, routes_guard, &req, &res);
        bool ran = hits == before + 1;
        switch (res.status) {
        case 200:
            FUZZ_CHECK(ran && rm == ROUTER_FOUND && m != HTTP_OPTIONS);
            break;
        case 204:
            FUZZ_CHECK(!ran && m == HTTP_OPTIONS && rm != ROUTER_NOT_FOUND);
            FUZZ_CHECK(http_response_get_header(&res, "Allow") != NULL);
            break;
        case 404:
        case 405: {
            FUZZ_CHECK(!ran);
            FUZZ_CHECK(res.status == 404 ? rm == ROUTER_NOT_FOUND
                                         : rm == ROUTER_METHOD_NOT_ALLOWED);
            if (res.status == 405)
                FUZZ_CHECK(http_response_get_header(&res, "Allow") != NULL);
            json_t *j = json_loadb(res.body.data, res.body.len, 0, NULL);
            FUZZ_CHECK(json_is_object(j));
            FUZZ_CHECK(json_integer_value(json_object_get(j, "status")) == (json_int_t)res.status);
            json_decref(j);
            break;
        }
        default:
            fprintf(stderr, "unexpected status %u\n", res.status);
            FUZZ_CHECK(0);
        }
        http_response_free(&res);
    }
    http_request_free(&req);
    free(target);
    return 0;
}
