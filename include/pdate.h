/* Partial dates (2014, 2014-06, 2014-06-30) and the day windows they cover. Pure. */
#ifndef MARSAD_PDATE_H
#define MARSAD_PDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pdate_precision { PDATE_YEAR = 1, PDATE_MONTH = 2, PDATE_DAY = 3 };

struct pdate {
    int year;  /* 1..9999 */
    int month; /* 1..12, 0 when precision is YEAR */
    int day;   /* 1..31, 0 unless precision is DAY */
    enum pdate_precision precision;
};

/* Parses YYYY, YYYY-MM or YYYY-MM-DD; rejects impossible dates (2015-02-29). */
bool pdate_parse(const char *s, struct pdate *out);
/* Days since 1970-01-01 of the first and last day the date covers. */
int64_t pdate_first_day(const struct pdate *d);
int64_t pdate_last_day(const struct pdate *d);
/* Days since 1970-01-01 for a civil date (proleptic Gregorian). */
int64_t pdate_days_from_civil(int y, int m, int d);
/* Formats back to the canonical text; returns false if it does not fit. */
bool pdate_format(const struct pdate *d, char *out, size_t n);
const char *pdate_precision_name(enum pdate_precision p);

#endif
