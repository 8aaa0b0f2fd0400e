/* The inference engine (src/nn/): nets that run a graph's exits with its weights, and
 * those weights' checks. */
#ifndef PREDOFF_NN_H
#define PREDOFF_NN_H

#include "predoff/runtime.h"
#include "predoff/weights.h"

#endif
