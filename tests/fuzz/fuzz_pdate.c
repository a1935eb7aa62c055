/*
 * Partial dates: pdate_parse() on arbitrary text.
 *
 * Invariants: a parsed date is in range, formats back to exactly the input,
 * and covers a window of 1 day, a whole month (28-31 days) or a whole year
 * (365-366 days); only YYYY, YYYY-MM and YYYY-MM-DD shapes parse.
 */
#include "fuzz_common.h"

#include "pdate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    struct pdate d;
    if (pdate_parse(s, &d)) {
        size_t n = strlen(s);
        FUZZ_CHECK(n == 4 || n == 7 || n == 10);
        FUZZ_CHECK(d.year >= 1 && d.year <= 9999);
        FUZZ_CHECK((int)d.precision == (n == 4 ? 1 : n == 7 ? 2 : 3));
        FUZZ_CHECK(d.precision == PDATE_YEAR ? d.month == 0 : d.month >= 1 && d.month <= 12);
        FUZZ_CHECK(d.precision == PDATE_DAY ? d.day >= 1 && d.day <= 31 : d.day == 0);
        char back[16];
        FUZZ_CHECK(pdate_format(&d, back, sizeof back));
        FUZZ_CHECK(strcmp(back, s) == 0);
        int64_t first = pdate_first_day(&d), last = pdate_last_day(&d);
        int64_t span = last - first + 1;
        switch (d.precision) {
        case PDATE_YEAR:
            FUZZ_CHECK(span == 365 || span == 366);
            break;
        case PDATE_MONTH:
            FUZZ_CHECK(span >= 28 && span <= 31);
            break;
        case PDATE_DAY:
            FUZZ_CHECK(span == 1);
            break;
        }
        /* The window starts on the first day the date names. */
        FUZZ_CHECK(pdate_days_from_civil(d.year, d.month ? d.month : 1, d.day ? d.day : 1) ==
                   first);
        FUZZ_CHECK(pdate_precision_name(d.precision)[0] != 'u');
    }
    free(s);
    return 0;
}
