/* Every request handler, one group per resource file. */
#ifndef MARSAD_HANDLERS_H
#define MARSAD_HANDLERS_H

#include "http.h"

/* health_handlers.c */
void health_healthz(struct http_request *req, struct http_response *res);
void health_readyz(struct http_request *req, struct http_response *res);
void health_version(struct http_request *req, struct http_response *res);
void health_metrics(struct http_request *req, struct http_response *res);
void health_v1_index(struct http_request *req, struct http_response *res);

/* claim_handlers.c */
struct claim_filter;
void claims_list(struct http_request *req, struct http_response *res);
void claims_get(struct http_request *req, struct http_response *res);
/* A claims collection with filters fixed by the path (sources/{id}/claims, ...). */
void claims_collection(struct http_request *req, struct http_response *res,
                       const struct claim_filter *preset);

#endif
