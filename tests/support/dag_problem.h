/* Random DAG problems shaped like real networks, for the tests of the DAG solvers. */
#ifndef PD_DAG_PROBLEM_H
#define PD_DAG_PROBLEM_H

#include <stdbool.h>

#include "predoff/objective.h"
#include "predoff/rng.h"

typedef struct dag_config {
    int n_tiers;        /* 2 or 3 */
    bool cloud_only;    /* 2 tiers: the second is the cloud */
    int load;           /* 0: no loading term; 1: intercepts and slopes that may go below 0
                         * (the clamp binds now and then); 2: never below 0 */
    size_t max_blocks;  /* blocks: 2 .. max_blocks (at least 2) */
} dag_config;

/* A random network made of blocks, as real ones are: plain layers, residual blocks (an add
 * of a two-layer branch and the block's input, or of its projection), inception blocks (a
 * concat of two or three branches), a long skip (an add with an earlier block's output),
 * side exits (a head on the current tensor, now and then also reading an earlier one),
 * and an exit at the end; always a DAG, not a tree. Random costs as random_problem.c's;
 * tiers mobile and then edge and cloud (cloud_only: the cloud alone). */
pd_status dag_block_problem(pd_rng *rng, const dag_config *c, pd_problem **out, pd_error *err);

/* The t-th random problem of the DAG tests: blocks (mostly, up to 8), or random_problem.c's
 * DAGs, whose far reads leave few single cuts; 2 and 3 tiers, now and then mobile + cloud;
 * loading (that may clamp) every other one. */
pd_status dag_random(pd_rng *rng, int trial, pd_problem **out, pd_error *err);

/* Pins up to `most` random layers (drawn with repeats) to random slots; only PD_ENOMEM fails. */
pd_status dag_random_pins(pd_rng *rng, pd_problem *pb, size_t most, pd_error *err);

#endif
