/* The one clock for timings: CLOCK_MONOTONIC, in milliseconds. */
#ifndef PD_CLOCK_H
#define PD_CLOCK_H

double pd_now_ms(void);

#endif
