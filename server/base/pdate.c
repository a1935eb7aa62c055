#include "pdate.h"

#include <stdio.h>
#include <string.h>

static bool S_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int S_mdays(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && S_leap(y) ? 29 : days[m - 1];
}

static bool S_digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool pdate_parse(const char *s, struct pdate *out)
{
    size_t n = strlen(s);
    struct pdate d = {0, 0, 0, PDATE_YEAR};
    if (n != 4 && n != 7 && n != 10)
        return false;
    if (!S_digits(s, 4, &d.year) || d.year < 1)
        return false;
    if (n >= 7) {
        if (s[4] != '-' || !S_digits(s + 5, 2, &d.month) || d.month < 1 || d.month > 12)
            return false;
        d.precision = PDATE_MONTH;
    }
    if (n == 10) {
        if (s[7] != '-' || !S_digits(s + 8, 2, &d.day) || d.day < 1 ||
            d.day > S_mdays(d.year, d.month))
            return false;
        d.precision = PDATE_DAY;
    }
    *out = d;
    return true;
}

/* Howard Hinnant's days_from_civil. */
int64_t pdate_days_from_civil(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t mp = (m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t pdate_first_day(const struct pdate *d)
{
    return pdate_days_from_civil(d->year, d->month ? d->month : 1, d->day ? d->day : 1);
}

int64_t pdate_last_day(const struct pdate *d)
{
    switch (d->precision) {
    case PDATE_YEAR:
        return pdate_days_from_civil(d->year, 12, 31);
    case PDATE_MONTH:
        return pdate_days_from_civil(d->year, d->month, S_mdays(d->year, d->month));
    case PDATE_DAY:
        break;
    }
    return pdate_days_from_civil(d->year, d->month, d->day);
}

bool pdate_format(const struct pdate *d, char *out, size_t n)
{
    int w;
    switch (d->precision) {
    case PDATE_YEAR:
        w = snprintf(out, n, "%04d", d->year);
        break;
    case PDATE_MONTH:
        w = snprintf(out, n, "%04d-%02d", d->year, d->month);
        break;
    default:
        w = snprintf(out, n, "%04d-%02d-%02d", d->year, d->month, d->day);
        break;
    }
    return w > 0 && (size_t)w < n;
}

const char *pdate_precision_name(enum pdate_precision p)
{
    switch (p) {
    case PDATE_YEAR:
        return "year";
    case PDATE_MONTH:
        return "month";
    case PDATE_DAY:
        return "day";
    }
    return "unknown";
}
