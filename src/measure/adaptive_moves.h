/* The neighbours of a sweep point, where the adaptive sweep times next: the point's
 * single-layer model with one parameter stepped, inside the ranges real networks use and
 * of the same kind (a depthwise convolution stays depthwise, a pointwise one 1 x 1). */
#ifndef PD_MEASURE_ADAPTIVE_MOVES_H
#define PD_MEASURE_ADAPTIVE_MOVES_H

#include "predoff/graph.h"

/* The moves: channels, map side, and filters (a conv's) or outputs (an fc's), each times
 * 1/2, 2/3, 3/2 or 2; the kernel one step down or up (a conv's odd sizes, a pool's by one);
 * the stride 1 <-> 2; a grouped conv's groups halved or doubled. */
enum { PD_SWEEP_MOVES = 17 };

/* Neighbour `move` (below PD_SWEEP_MOVES) of g, a sweep point's model (input [c, h, h],
 * its timed layer last): a new graph in *out, or NULL there when the move does not apply to
 * the layer, leaves the ranges, changes the kind or makes no valid model. Fails only for
 * want of memory. */
pd_status pd_sweep_neighbour(const pd_graph *g, int move, pd_graph **out, pd_error *err);

#endif
