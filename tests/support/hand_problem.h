/* The small problem the tests work out by hand. */
#ifndef PD_HAND_PROBLEM_H
#define PD_HAND_PROBLEM_H

#include "predoff/objective.h"

/* Three layers: L0 (root), L1 (exit A, acc 0.6), L2 (exit B, acc 0.8), both children of L0.
 * Tiers mobile (slot 0) and edge (slot 1). Uplink 8 Mbps = 0.001 ms/byte, downlink 4 Mbps =
 * 0.002 ms/byte. Input 100 bytes; outputs L0 1000, L1 10, L2 20 bytes.
 * Compute (mobile, edge): L0 (10, 2), L1 (4, 1), L2 (6, 3).
 * Demand uniform:0.5,0.9: F(0.6) = 0.25, F(0.8) = 0.75, so p_A = 0.25 and p_B = 0.5 plus the
 * unmet 0.25 = 0.75.
 * With `load`: loading intercepts mobile 3 ms, edge 14 ms; 0.1 ms per layer on the edge. */
pd_problem *hand_problem(int load);

#endif
