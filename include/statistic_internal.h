/*
 * What the statistic_*.c files of the domain share and nothing else uses: a stable merge
 * sort generator, string ranks and the comparability helpers the sweeps reuse. Not part of
 * the module's interface (statistic_analysis.h).
 */
#ifndef MARSAD_STATISTIC_INTERNAL_H
#define MARSAD_STATISTIC_INTERNAL_H

#include "statistic_analysis.h"
#include "status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A stable merge sort of T v[0..n) by LESS(a, b) (pointers to T), with room
 * for n elements in tmp; insertion sort for short runs. qsort()'s comparator
 * calls and byte-wise copies cost several times the integer comparisons of
 * these keys, on paths that sort every observation of a metric.
 */
#define STAT_DEFINE_SORT(name, T, LESS)                            \
    static void name(T *v, T *tmp, size_t n)                       \
    {                                                              \
        if (n <= 12) {                                             \
            for (size_t i_ = 1; i_ < n; i_++) {                    \
                T x_ = v[i_];                                      \
                size_t j_ = i_;                                    \
                for (; j_ > 0 && LESS(&x_, &v[j_ - 1]); j_--)      \
                    v[j_] = v[j_ - 1];                             \
                v[j_] = x_;                                        \
            }                                                      \
            return;                                                \
        }                                                          \
        size_t h_ = n / 2, i_ = 0, j_ = h_, k_ = 0;                \
        name(v, tmp, h_);                                          \
        name(v + h_, tmp, n - h_);                                 \
        if (!LESS(&v[h_], &v[h_ - 1]))                             \
            return; /* the halves are in order already */          \
        while (i_ < h_ && j_ < n)                                  \
            tmp[k_++] = LESS(&v[j_], &v[i_]) ? v[j_++] : v[i_++];  \
        while (i_ < h_)                                            \
            tmp[k_++] = v[i_++];                                   \
        memcpy(v, tmp, k_ * sizeof *v); /* v[j_..n) is in place */ \
    }

/*
 * Ranks v[0..n) so that integer order is strcmp order: rank[i] is 0 for NULL, else 1 +
 * the position of v[i] among the distinct strings, sorted (equal strings, equal ranks).
 * rank may be NULL to count them only. *distinct: how many distinct non-NULL strings.
 */
enum app_status stat_rank(const char *const *v, size_t n, uint32_t *rank,
                          size_t *distinct) APP_MUST_CHECK;
/* strcmp with NULL first. */
int stat_strcmp0(const char *a, const char *b);
/* Counts over different spans measure different things: two claims that each cover a
 * period compare only when the periods are the same. */
bool stat_same_periods(const struct stat_obs *a, const struct stat_obs *b);

#endif
