/* The one clock for timings: CLOCK_MONOTONIC never jumps with the wall clock. */
#include "clock.h"

#include <time.h>

double pd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}
