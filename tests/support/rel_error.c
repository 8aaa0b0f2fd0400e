/* max |got - want| / max |want| (want's scale floored at 1e-12). */
#include "rel_error.h"

#include <math.h>

double rel_error(const float *got, const float *want, size_t n)
{
    double scale = 1e-12, worst = 0.0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs((double)got[i] - want[i]));
    return worst / scale;
}
