/* Direct convolution for stride-1 layers with few filters (conv_direct.c); conv.c picks it
 * for the layers pd_direct_conv accepts. */
#ifndef PD_NN_CONV_DIRECT_H
#define PD_NN_CONV_DIRECT_H

#include <stddef.h>

#include "forward.h"

/* Whether this convolution runs directly: the graph's rule (pd_layer_direct_conv), on a
 * CPU with AVX2 and FMA. */
int pd_direct_conv(const pd_layer *l);

/* Scratch for a pass split into `parts` (each part pads the input rows it reads). */
size_t pd_direct_scratch_floats(const pd_layer *l, int parts);
/* Part `part` of `parts` of the pass: a range of output rows of every filter, from a->w
 * and a->b into a->out; a->act is applied as well. */
void pd_direct_part(const pd_forward_args *a, int part, int parts);

#endif
