/* Random trees and scenarios for property tests and benchmarks. */
#ifndef PD_RANDOM_PROBLEM_H
#define PD_RANDOM_PROBLEM_H

#include "predoff/objective.h"
#include "predoff/rng.h"

typedef struct rp_config {
    size_t n_layers;
    int n_tiers;         /* 1 to 3: mobile, edge, cloud */
    int load;            /* with the model-loading term */
    double branch_prob;  /* chance a layer forks from a random earlier layer */
} rp_config;

/* A random problem: a tree whose leaves (and some inner layers) are exits,
 * random compute times, sizes, link rates, delays and demand. */
pd_status rp_make(pd_rng *rng, const rp_config *c, pd_problem **out, pd_error *err);

#endif
