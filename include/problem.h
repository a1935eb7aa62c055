/*
 * One entry of an RFC 9457 problem's `errors`: what was wrong, named by the query
 * parameter, the JSON pointer into the body or the request header at fault. Its own
 * header so that validation (write_json.h) and the repositories that share its types
 * can name problems without seeing the HTTP layer (http.h builds the body).
 */
#ifndef MARSAD_PROBLEM_H
#define MARSAD_PROBLEM_H

struct problem_error {
    const char *parameter; /* query parameter, or NULL */
    const char *pointer;   /* JSON pointer into the request body, or NULL */
    const char *header;    /* request header, or NULL */
    const char *detail;
};

#endif
