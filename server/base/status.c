#include "status.h"

const char *app_status_str(enum app_status st)
{
    switch (st) {
    case APP_OK:
        return "ok";
    case APP_ENOTFOUND:
        return "not found";
    case APP_EINVAL:
        return "invalid input";
    case APP_ENOMEM:
        return "out of memory";
    case APP_ETOOBIG:
        return "too big";
    case APP_ECONFLICT:
        return "conflict";
    case APP_EBUSY:
        return "busy";
    case APP_EIO:
        return "input/output error";
    case APP_EDB:
        return "database error";
    case APP_EGONE:
        return "gone";
    case APP_EPRECOND:
        return "precondition failed";
    case APP_ETIMEOUT:
        return "time budget exceeded";
    case APP_EFULL:
        return "disk or database full (SQLITE_FULL)";
    }
    return "unknown status";
}
