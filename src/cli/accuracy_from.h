/* --accuracy-from ACC.json: exit accuracies measured by predoff accuracy, for plans. */
#ifndef PD_CLI_ACCURACY_FROM_H
#define PD_CLI_ACCURACY_FROM_H

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/scenario.h"

/* Reads path ({"model": NAME, "exits": {exit: accuracy, ...}, ...}) and sets sc's exit
 * accuracies in g's exit order. A file for another model, an exit of g missing from
 * "exits", or an accuracy outside [0, 1] is PD_EINPUT naming the file. */
pd_status cli_accuracy_from(const char *path, const pd_graph *g, pd_scenario *sc,
                            pd_error *err);

/* The same from the text of such a file; `source` names it in messages. */
pd_status cli_accuracy_from_text(const char *text, size_t len, const char *source,
                                 const pd_graph *g, pd_scenario *sc, pd_error *err);

#endif
