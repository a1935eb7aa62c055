#include "routes.h"

#include "handlers.h"

const struct route routes_table[] = {
    {HTTP_GET, "/healthz", health_healthz},
    {HTTP_GET, "/readyz", health_readyz},
    {HTTP_GET, "/version", health_version},
    {HTTP_GET, "/metrics", health_metrics},
    {HTTP_GET, "/v1", health_v1_index},
    {HTTP_GET, "/v1/claims", claims_list},
    {HTTP_GET, "/v1/claims/{id}", claims_get},
    {HTTP_POST, "/v1/claims", write_claims_create},
    {HTTP_PATCH, "/v1/claims/{id}", write_claims_patch},
    {HTTP_DELETE, "/v1/claims/{id}", write_claims_delete},
    {HTTP_POST, "/v1/claims/{id}/restore", write_claims_restore},
    {HTTP_GET, "/v1/claims/{id}/revisions", write_claims_revisions},
    {HTTP_POST, "/v1/sources", write_sources_create},
    {HTTP_PATCH, "/v1/sources/{id}", write_sources_patch},
    {HTTP_DELETE, "/v1/sources/{id}", write_sources_delete},
    {HTTP_POST, "/v1/sources/{id}/restore", write_sources_restore},
    {HTTP_GET, "/v1/sources/{id}/revisions", write_sources_revisions},
    {HTTP_POST, "/v1/programs", write_programs_create},
    {HTTP_PATCH, "/v1/programs/{id}", write_programs_patch},
    {HTTP_DELETE, "/v1/programs/{id}", write_programs_delete},
    {HTTP_POST, "/v1/programs/{id}/restore", write_programs_restore},
    {HTTP_GET, "/v1/programs/{id}/revisions", write_programs_revisions},
    {HTTP_GET, "/v1/sources", sources_list},
    {HTTP_GET, "/v1/sources/{id}", sources_get},
    {HTTP_GET, "/v1/sources/{id}/claims", sources_claims},
    {HTTP_GET, "/v1/sources/{id}/text", sources_text},
    {HTTP_GET, "/v1/entities", entities_list},
    {HTTP_GET, "/v1/entities/{id}", entities_get},
    {HTTP_GET, "/v1/events", events_list},
    {HTTP_GET, "/v1/search", search_list},
};

const size_t routes_count = sizeof routes_table / sizeof routes_table[0];
