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

#endif
