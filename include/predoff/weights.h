/* A model's weights (src/nn/): the tensors each layer of a graph needs, checked against the
 * graph, or drawn from a seed. The tensor set itself and its files are io.h's. */
#ifndef PREDOFF_WEIGHTS_H
#define PREDOFF_WEIGHTS_H

#include <stdint.h>

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Weights for every layer of g with PyTorch's default initialisation ranges
 * (uniform in +-1/sqrt(fan_in)), drawn from the seed: for timing and tests. */
pd_status pd_weights_random(const pd_graph *g, uint64_t seed, pd_weights **out, pd_error *err);

/* Checks that w has "<layer>.weight" and "<layer>.bias" for every layer of g that has
 * weights, with PyTorch's shapes (conv [F, C, k, k], fc [O, I], bias [F] or [O]).
 * `source` names the weights file in messages, which also name the tensor. */
pd_status pd_weights_check(const pd_weights *w, const pd_graph *g, const char *source,
                           pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
