/* What every benchmark prints and measures with: a monotonic clock, the CPU, the date. */
#ifndef PD_BENCH_UTIL_H
#define PD_BENCH_UTIL_H

#include <stddef.h>

/* Milliseconds on CLOCK_MONOTONIC. */
double bench_now_ms(void);
/* The CPU's model name from /proc/cpuinfo, or "unknown". */
void bench_cpu_model(char *buf, size_t n);
/* The current UTC date and time, "YYYY-MM-DD HH:MM:SS UTC". */
void bench_date(char *buf, size_t n);
/* The q-quantile (0 to 1) of n values, linear between order statistics, as numpy's
 * default; it sorts v in place. NaN for n == 0. */
double bench_quantile(double *v, size_t n, double q);

#endif
