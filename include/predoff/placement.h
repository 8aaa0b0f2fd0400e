/* Reading a placement back from a plan file. */
#ifndef PREDOFF_PLACEMENT_H
#define PREDOFF_PLACEMENT_H

#include <stddef.h>

#include "predoff/graph.h"
#include "predoff/objective.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the "placement" object of a plan JSON (other fields are ignored):
 * every layer of g named once, each on a tier of pb. Writes g->n_layers slots. */
pd_status pd_placement_from_json(const char *text, size_t len, const char *source,
                                 const pd_graph *g, const pd_problem *pb, pd_slot *placement,
                                 pd_error *err);

/* The same, without a scenario: each layer's tier (g->n_layers values). */
pd_status pd_placement_tiers_from_json(const char *text, size_t len, const char *source,
                                       const pd_graph *g, pd_tier *tiers, pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
