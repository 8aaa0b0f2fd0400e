/* A known law of run_ms for boosted trees to learn (tests/test_boosted.c, bench_boosted
 * --run-ms): a sweep-like row given its second time, taken after a buffer read and a wait. */
#ifndef PD_TEST_REUSE_LAW_H
#define PD_TEST_REUSE_LAW_H

#include <stddef.h>

#include "predoff/measure.h"

/* Row r, timed cold (run_bytes and run_ms the sweep's cold ones), gets reuse_ms as a run
 * of 16 MiB that waits the k-th of nine times from 0.5 to 20 ms (cycling) would take it:
 * half its time under 5 ms, all of it past. */
void reuse_law(pd_layer_timing *r, size_t k);

#endif
