/* The exits in the order a sample meets them on its way from the input: by where each
 * branch leaves the trunk (the longest exit path), the trunk's own exit last. */
#ifndef PD_CLI_EXIT_ORDER_H
#define PD_CLI_EXIT_ORDER_H

#include <stddef.h>

#include "predoff/error.h"
#include "predoff/graph.h"

/* order[i] is the model-order index (into g->exits) of the i-th exit met. */
pd_status cli_exit_order(const pd_graph *g, size_t *order, pd_error *err);

#endif
