/* Plain convolutions that are not 1 x 1, Winograd's or direct (strided layers, the 7 x 7
 * and 3 x 3 stems, kernels on too few channels for Winograd) by im2col and the packed
 * product of panels.h, out[F, HW] = W[F, C k k] col[C k k, HW] + bias, the activation
 * applied as each output leaves the registers. AVX-512 or AVX2 with FMA, chosen at run
 * time; without either, conv.c keeps its sgemm. */
#ifndef PD_NN_CONV_PACKED_H
#define PD_NN_CONV_PACKED_H

#include <stdbool.h>
#include <stddef.h>

#include "forward.h"
#include "workers.h"

/* Whether a layer with prepared weights runs here: plain (pd_conv_is_plain), not a 1 x 1
 * stride-1 unpadded one, not Winograd's (pd_winograd_tile) nor direct (pd_direct_conv),
 * on a CPU with the packed product. */
bool pd_packed_conv(const pd_layer *l);

/* The prepared weights: the filters (F x C k k) in panels (pd_panels_pack). */
size_t pd_packed_prepared_floats(const pd_layer *l);
void pd_packed_prepare(const pd_layer *l, const float *w, const float *b, float *prep);

/* The scratch the layer needs split over `threads` parts (1: on the calling thread). */
size_t pd_packed_scratch_floats(const pd_layer *l, int threads);

/* The layer from a->prep into a->out, a->act applied, its work split over w (NULL: the
 * calling thread alone; a->scratch then holds pd_packed_scratch_floats(l, 1) floats, else
 * that for pd_workers_count(w)). Every output is summed the same way whatever the split. */
void pd_packed_forward(const pd_forward_args *a, pd_workers *w);

#endif
