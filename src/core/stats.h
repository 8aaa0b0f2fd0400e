/* Order statistics of timings: sorting and quantiles, shared by every report. */
#ifndef PD_CORE_STATS_H
#define PD_CORE_STATS_H

#include <stddef.h>

/* Sorts v ascending. */
void pd_sort_doubles(double *v, size_t n);

/* The q-quantile (0 <= q <= 1) of sorted v (n >= 1), by linear interpolation between order
 * statistics: q = 0.5 is the median (the mean of the middle two for even n). */
double pd_quantile_sorted(const double *v, size_t n, double q);

#endif
