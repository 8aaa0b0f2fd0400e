/* 1 x 1 convolutions (stride 1, no padding, one group: MobileNets' expansions and
 * projections, SqueezeNet's squeezes, inception's reductions) by a register-blocked
 * product of our own, out[F, N] = W[F, C] in[C, N] + bias: each output written once, with
 * its bias and ReLU, where an sgemm with a bias first written into its output reads and
 * writes it again. AVX-512 or AVX2 with FMA, chosen at run time; without either, conv.c
 * keeps its sgemm. */
#ifndef PD_NN_CONV_POINTWISE_H
#define PD_NN_CONV_POINTWISE_H

#include <stdbool.h>
#include <stddef.h>

#include "forward.h"

/* Whether this layer runs here: a plain 1 x 1, stride-1, unpadded convolution, on a CPU
 * with AVX-512 or AVX2 and FMA. */
bool pd_pointwise_conv(const pd_layer *l);

/* The prepared weights: filters in panels of 12, [panel][C][12] (zeros past F), then the
 * bias in the same panels. */
size_t pd_pointwise_prepared_floats(const pd_layer *l);
void pd_pointwise_prepare(const pd_layer *l, const float *w, const float *b, float *prep);

/* Part `part` of `parts`: a range of (pixels, filters) blocks, from a->prep, into a->out;
 * a->act is applied (act.h). Every output is summed the same way whatever the split. */
void pd_pointwise_part(const pd_forward_args *a, int part, int parts);

#endif
