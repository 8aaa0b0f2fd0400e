/* The folds of the fitter's cross-validation, one shuffle shared by the linear and the
 * boosted fits so that `--model auto` compares them on the same folds. */
#ifndef PD_MEASURE_FIT_FOLDS_H
#define PD_MEASURE_FIT_FOLDS_H

#include <stddef.h>

#include "predoff/measure.h"

/* idx[0..n) shuffled into perm (fold f of k is perm[f*n/k .. (f+1)*n/k)), by a generator
 * seeded from o->seed, the type and the kind (one shuffle per entry, whatever other types
 * the timings hold). */
void pd_fit_shuffle(const size_t *idx, size_t n, const pd_fit_options *o, pd_layer_type type,
                    pd_layer_kind kind, size_t *perm);

#endif
