/* The folds of the fitter's cross-validation, one shuffle shared by the linear and the
 * boosted fits so that `--model auto` compares them on the same folds. */
#ifndef PD_MEASURE_FIT_FOLDS_H
#define PD_MEASURE_FIT_FOLDS_H

#include <stdbool.h>
#include <stddef.h>

#include "predoff/measure.h"

/* Rows idx[0..n) of rows shuffled into perm (fold f of k is perm[f*n/k .. (f+1)*n/k)), by
 * a generator seeded from o->seed, the type and the kind (one shuffle per entry, whatever
 * other types the timings hold). The sweep's grid points (source "sweep") are shuffled one
 * by one; a model's rows (any other source) move together, so that its layers fall in one
 * fold (or two, at a fold's edge): a network repeats its blocks, and a fold holding one
 * copy of a block while training on another would score settings on layers they have
 * seen, where a held-out network's are not. Rows with no run_ms (timings brought from
 * elsewhere, each a layer timed alone, and the profiler's in files from before run_ms was
 * written) move by their shape and features instead, whatever their source: the same layer
 * timed twice shares a fold. */
/* Whether rows a and b move together in the folds, as pd_fit_shuffle groups them: two layers
 * of one model timed in its runs, or the same layer (shape and features) timed alone. */
bool pd_fit_same_group(const pd_layer_timing *a, const pd_layer_timing *b);

pd_status pd_fit_shuffle(const pd_layer_timing *rows, const size_t *idx, size_t n,
                         const pd_fit_options *o, pd_layer_type type, pd_layer_kind kind,
                         size_t *perm, pd_error *err);

#endif
