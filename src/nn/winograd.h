/* Convolution by Winograd's minimal filtering F(m x m, r x r): each n x n tile of the input
 * (n = m + r - 1) and each filter are carried into a transform domain where the
 * convolution is n^2 independent products over channels, then m x m outputs come back
 * out of each tile. For F(4 x 4, 3 x 3) that is 36 multiplies for 16 outputs where the
 * direct convolution takes 144; for F(4 x 4, 5 x 5), 64 for 16 where it takes 400. The
 * filters' transform is done once, when a net binds its weights (pd_winograd_prepare);
 * the inputs' and outputs' on every inference. conv.c picks this path for the layers
 * pd_winograd_tile accepts and im2col for the rest. */
#ifndef PD_NN_WINOGRAD_H
#define PD_NN_WINOGRAD_H

#include <stddef.h>

#include "forward.h"

/* n = m + r - 1 is at most this. */
#define PD_WINOGRAD_MAX_N 8

/* F(m, r)'s matrices, row-major: at m x n, g n x r, bt n x n (winograd_matrices.c). */
void pd_winograd_matrices(int m, int r, double *at, double *g, double *bt);

/* The output tile m this convolution runs with, or 0 when it runs as im2col: the graph's
 * rule (pd_layer_winograd_tile: stride 1, a 3 x 3 or 5 x 5 kernel, at least 16 input
 * channels, a multiple of 8, and 16 filters; m 4 or 2, whichever multiplies less), on a
 * CPU with AVX2 and FMA. */
int pd_winograd_tile(const pd_layer *l);

/* The floats of a layer's prepared weights: the transforms' matrices, the bias, and the
 * filters in the transform domain. */
size_t pd_winograd_prepared_floats(const pd_layer *l);
/* Fills `prep` from the layer's weights w (F x C x r x r) and bias b (F). */
void pd_winograd_prepare(const pd_layer *l, const float *w, const float *b, float *prep);

/* Scratch for a pass split into `parts` (each part has a block of its own). */
size_t pd_winograd_scratch_floats(const pd_layer *l, int parts);
/* Part `part` of `parts` of the pass: a range of the output's tiles, from a->prep (a->w
 * and a->b are not read), into a->out; a->act is applied as well. */
void pd_winograd_part(const pd_forward_args *a, int part, int parts);

#endif
