/* The cost module (src/cost/): tier profiles, scenarios, the problem a model and a
 * scenario make, the objective E[L], and plans. */
#ifndef PREDOFF_COST_H
#define PREDOFF_COST_H

#include "predoff/profile.h"
#include "predoff/scenario.h"
#include "predoff/objective.h"
#include "predoff/placement.h"

#endif
