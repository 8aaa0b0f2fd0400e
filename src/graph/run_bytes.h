/* What one run touches (PD_FEAT_RUN_BYTES): computed once, when a graph is finished. */
#ifndef PD_GRAPH_RUN_BYTES_H
#define PD_GRAPH_RUN_BYTES_H

#include "predoff/graph.h"

/* Fills g->exit_run_bytes, g->layer_run_bytes and g->exits_by_run (graph.h) from g's
 * layers and topology. O(layers) on a tree; on a DAG O(sum of |A(k)|), which the topology
 * bounds. Only PD_ENOMEM fails. */
pd_status pd_graph_measure_runs(pd_graph *g, pd_error *err);

#endif
