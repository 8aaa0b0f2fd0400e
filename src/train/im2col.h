/* The column matrix of a convolution and its adjoint, for one sample [C][H][W]:
 * col[(c, ky, kx)][(oy, ox)] = in[c][oy*s - p + ky][ox*s - p + kx], zero outside. */
#ifndef PD_TRAIN_IM2COL_H
#define PD_TRAIN_IM2COL_H

#include "predoff/graph.h"

/* col receives (C k k) x (OH OW) floats for conv layer l. */
void pd_im2col(const pd_layer *l, const float *in, float *col);
/* The adjoint: in[c][y][x] += every col entry that im2col would have read from it. */
void pd_col2im_add(const pd_layer *l, const float *col, float *in);

#endif
