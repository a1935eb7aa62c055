/* Outcome of every fallible function in Marsad. "Not found" is never "failed". */
#ifndef MARSAD_STATUS_H
#define MARSAD_STATUS_H

enum app_status {
    APP_OK = 0,
    APP_ENOTFOUND, /* the thing asked for does not exist */
    APP_EINVAL,    /* the input is malformed */
    APP_ENOMEM,    /* allocation failed */
    APP_ETOOBIG,   /* a size limit was exceeded */
    APP_ECONFLICT, /* a uniqueness or state conflict */
    APP_EBUSY,     /* the database is locked or busy: retry later */
    APP_EIO,       /* an I/O error (file, socket, disk) */
    APP_EDB,       /* any other database error */
    APP_EGONE,     /* the record existed and was deleted */
    APP_EPRECOND,  /* a precondition (If-Match) failed */
    APP_ETIMEOUT,  /* a query ran past its time budget: retry later, or ask for less */
    APP_EFULL,     /* the disk or the database file is full (SQLITE_FULL) */
};

#define APP_MUST_CHECK __attribute__((warn_unused_result))

/* A static string naming the status, e.g. "not found". Never NULL. */
const char *app_status_str(enum app_status st);

#endif
