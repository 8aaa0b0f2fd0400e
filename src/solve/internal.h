/* What the solvers' files share and no caller outside src/solve/ needs. */
#ifndef PD_SOLVE_INTERNAL_H
#define PD_SOLVE_INTERNAL_H

#include "predoff/objective.h"

/* The slot of tier t in the problem, or -1 when the scenario lacks it. */
int pd_slot_of_tier(const pd_problem *pb, pd_tier t);

/* The pinned layers off exit k's sub-graph put on their pins (the single-exit baselines'
 * placements leave every other layer off it on the mobile, where it never runs). */
void pd_pin_off_sub(const pd_problem *pb, size_t k, pd_slot *placement);

/* exact_dag.c's minimum cuts with data flowing one way, away from the mobile: every reader
 * of a layer's output on that layer's tier or beyond (DADS's partition). The pins must be
 * closed along the graph, as pd_solve_dads closes them on two tiers (a layer pinned to the
 * mobile has its inputs pinned there too, one pinned to the server its readers); else
 * PD_EINPUT. */
pd_status pd_exact_dag_one_way(const pd_problem *pb, pd_slot *placement, pd_error *err);

#endif
