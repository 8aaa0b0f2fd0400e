/* What every benchmark prints and measures with: a monotonic clock, the CPU, the date. */
#ifndef PD_BENCH_UTIL_H
#define PD_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Milliseconds on CLOCK_MONOTONIC. */
double bench_now_ms(void);
/* The CPU's model name from /proc/cpuinfo, or "unknown". */
void bench_cpu_model(char *buf, size_t n);
/* The current UTC date and time, "YYYY-MM-DD HH:MM:SS UTC". */
void bench_date(char *buf, size_t n);
/* The q-quantile (0 to 1) of n values, linear between order statistics, as numpy's
 * default; it sorts v in place. NaN for n == 0. */
double bench_quantile(double *v, size_t n, double q);
/* A whole decimal integer in [lo, hi] (a benchmark's flag), into *out; false for anything
 * else ("1.5", "x", out of range). */
bool bench_int_arg(const char *s, long lo, long hi, int *out);

/* A flag no benchmark option took: "--help" or "-h" prints usage to standard output and
 * is 0, anything else prints it to standard error and is 2 (main's exit status). */
int bench_usage_exit(const char *arg, void (*usage)(FILE *));

/* A field of /proc/self/status (VmRSS, VmHWM) in KiB, or -1 where there is none. */
long bench_proc_status_kib(const char *field);
/* Resets this process's peak resident set to its current one (Linux clear_refs "5");
 * false where that cannot be done. */
bool bench_reset_peak_rss(void);

#endif
