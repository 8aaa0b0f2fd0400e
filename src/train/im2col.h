/* The column matrix of a convolution and its adjoint, for one sample [C][H][W]:
 * col[(c, ky, kx)][(oy, ox)] = in[c][oy*s - p + ky][ox*s - p + kx], zero outside.
 * Row r of the matrix starts at col + r * ld (ld >= OH OW), so the columns of several
 * samples can sit side by side in one matrix. */
#ifndef PD_TRAIN_IM2COL_H
#define PD_TRAIN_IM2COL_H

#include <stddef.h>

#include "predoff/graph.h"

/* col receives (C k k) rows of OH OW floats, ld apart, for conv layer l. */
void pd_im2col(const pd_layer *l, const float *in, float *col, size_t ld);
/* The adjoint: in[c][y][x] += every col entry that im2col would have read from it. */
void pd_col2im_add(const pd_layer *l, const float *col, size_t ld, float *in);

#endif
