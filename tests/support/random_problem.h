/* Random trees, DAGs and scenarios for property tests and benchmarks. */
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

/* A random DAG: each layer reads one to three earlier tensors (the network input among
 * them), with chance branch_prob of more than one, as an add or a concat would; the
 * layers no one reads, and some others, are exits. At least one layer has two inputs
 * when there are two layers or more. The rest as rp_make. */
pd_status rp_make_dag(pd_rng *rng, const rp_config *c, pd_problem **out, pd_error *err);

/* A large random DAG for benchmarks: n layers, 3 tiers or fewer, layer i > 0 reading one to
 * three distinct tensors (two on average before duplicates are merged): the layer before
 * it, and others drawn from the 64 layers before it or, one time in four, from any layer
 * before it or the input; n_exits exits (at most n), the last layer and others drawn at
 * random. Outputs of 1 kB to 1 MB, compute a random work at speeds 1, 0.4 and 0.2 (mobile,
 * edge, cloud) with noise, rates and delays as rp_make_dag's, so that optima use every tier;
 * no loading term. */
pd_status rp_make_dag_sized(pd_rng *rng, size_t n, size_t n_exits, int n_tiers, pd_problem **out,
                            pd_error *err);

#endif
