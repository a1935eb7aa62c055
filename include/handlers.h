/*
 * Every request handler, one group per resource file; and each resource's lines of the
 * export, written with its GET by id writer.
 */
#ifndef MARSAD_HANDLERS_H
#define MARSAD_HANDLERS_H

#include "http.h"
#include "status.h"
#include "write_json.h"

struct db_conn;
struct export_writer;

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

/* source_handlers.c */
void sources_list(struct http_request *req, struct http_response *res);
void sources_get(struct http_request *req, struct http_response *res);
void sources_claims(struct http_request *req, struct http_response *res);
void sources_text(struct http_request *req, struct http_response *res);
void sources_text_quote(struct http_request *req, struct http_response *res);
/* provenance_handlers.c */
void sources_derived(struct http_request *req, struct http_response *res);

/* extract_handlers.c */
void extract_post(struct http_request *req, struct http_response *res);
void sources_candidates(struct http_request *req, struct http_response *res);

/* entity_handlers.c */
void entities_list(struct http_request *req, struct http_response *res);
void entities_get(struct http_request *req, struct http_response *res);

/* event_handlers.c */
void events_list(struct http_request *req, struct http_response *res);

/* program_handlers.c */
void programs_list(struct http_request *req, struct http_response *res);
void programs_get(struct http_request *req, struct http_response *res);
void programs_claims(struct http_request *req, struct http_response *res);

/* statistic_handlers.c, conflict_handlers.c */
void statistics_list(struct http_request *req, struct http_response *res);
void statistics_get(struct http_request *req, struct http_response *res);
void conflicts_list(struct http_request *req, struct http_response *res);
void conflicts_get(struct http_request *req, struct http_response *res);
void sources_consistency(struct http_request *req, struct http_response *res);

/* search_handlers.c */
void search_list(struct http_request *req, struct http_response *res);

/* docs_handlers.c: openapi.yaml, openapi.json and the Redoc page, compiled in */
void docs_openapi_yaml(struct http_request *req, struct http_response *res);
void docs_openapi_json(struct http_request *req, struct http_response *res);
void docs_page(struct http_request *req, struct http_response *res);
void docs_redoc_js(struct http_request *req, struct http_response *res);
void docs_explorer_page(struct http_request *req, struct http_response *res);
void docs_explorer_file(struct http_request *req, struct http_response *res);

/*
 * absent.c: the answer for a record of r that a read did not find: 410 when it was
 * deleted (or, for a relation, removed) and its revisions remain, else 404 ("no <name>
 * with id '<id>'" and suffix_404, which may be NULL); a 5xx when the database cannot say.
 */
void api_absent(struct http_request *req, struct http_response *res, struct db_conn *c,
                enum write_resource r, const char *id, const char *suffix_404);

/*
 * export_handlers.c: GET /v1/export (NDJSON) and GET /v1/export.sqlite. Each *_export()
 * below appends the lines of one resource type (export.h), in the resource's default
 * order, every line with the members its GET by id has in "data"; deleted records are left
 * out. They read through c, inside the request's snapshot.
 */
void export_ndjson(struct http_request *req, struct http_response *res);
void export_sqlite(struct http_request *req, struct http_response *res);
/* source_handlers.c: plus "content", the stored text (null when there is none) */
enum app_status sources_export(struct db_conn *c, struct export_writer *x) APP_MUST_CHECK;
/* entity_handlers.c */
enum app_status entities_export(struct db_conn *c, struct export_writer *x) APP_MUST_CHECK;
/* statistic_handlers.c: every metric, as an item of /v1/statistics?all=true */
enum app_status statistics_export(struct db_conn *c, struct export_writer *x) APP_MUST_CHECK;
/* catalog_handlers.c: every relation between metrics, as an item of /v1/relations */
enum app_status relations_export(struct db_conn *c, struct export_writer *x) APP_MUST_CHECK;
/* program_handlers.c */
enum app_status programs_export(struct db_conn *c, struct export_writer *x) APP_MUST_CHECK;
/* claim_handlers.c: with the default context of GET /v1/claims/{id} */
enum app_status claims_export(struct db_conn *c, struct export_writer *x) APP_MUST_CHECK;
/* conflict_handlers.c: every conflict, as an item of /v1/conflicts */
enum app_status conflicts_export(struct db_conn *c, struct export_writer *x) APP_MUST_CHECK;

/* write_handlers.c: the curation API */
/*
 * The route guard of the curation API (routes_guard): what a route's flags demand, in
 * order: a writable server (405), a known token (401) with the admin scope for
 * ROUTE_ADMIN (403), the body's media type for ROUTE_JSON_BODY / ROUTE_MERGE_PATCH (415).
 * The router runs it before the handler, and the transport when the headers are complete
 * so that an unauthenticated body is never read; false when one failed, with the answer
 * in res. On success req->guarded, req->principal and req->scope are set.
 */
bool write_guard(struct http_request *req, struct http_response *res, unsigned flags);
#define WRITE_HANDLER_DECLS(name)                                             \
    void name##_create(struct http_request *req, struct http_response *res);  \
    void name##_patch(struct http_request *req, struct http_response *res);   \
    void name##_delete(struct http_request *req, struct http_response *res);  \
    void name##_restore(struct http_request *req, struct http_response *res); \
    void name##_revisions(struct http_request *req, struct http_response *res);
WRITE_HANDLER_DECLS(write_claims)
WRITE_HANDLER_DECLS(write_sources)
WRITE_HANDLER_DECLS(write_programs)
WRITE_HANDLER_DECLS(write_conflicts)
void write_metrics_create(struct http_request *req, struct http_response *res);
void write_metrics_patch(struct http_request *req, struct http_response *res);
void write_metrics_revisions(struct http_request *req, struct http_response *res);
void write_relations_create(struct http_request *req, struct http_response *res);
void write_relations_patch(struct http_request *req, struct http_response *res);
void write_relations_delete(struct http_request *req, struct http_response *res);
void write_relations_revisions(struct http_request *req, struct http_response *res);

/* catalog_handlers.c: the metrics and the relations between them */
void metrics_list(struct http_request *req, struct http_response *res);
void metrics_get(struct http_request *req, struct http_response *res);
void relations_list(struct http_request *req, struct http_response *res);
void relations_get(struct http_request *req, struct http_response *res);

#endif
