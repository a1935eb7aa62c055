#include "routes.h"

#include "handlers.h"

const struct route routes_table[] = {
    {HTTP_GET, "/healthz", health_healthz},    {HTTP_GET, "/readyz", health_readyz},
    {HTTP_GET, "/version", health_version},    {HTTP_GET, "/metrics", health_metrics},
    {HTTP_GET, "/v1", health_v1_index},        {HTTP_GET, "/v1/claims", claims_list},
    {HTTP_GET, "/v1/claims/{id}", claims_get},
};

const size_t routes_count = sizeof routes_table / sizeof routes_table[0];
