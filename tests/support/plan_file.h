/* A plan file for the split-runtime tests: every layer of a model on one tier. */
#ifndef PD_PLAN_FILE_H
#define PD_PLAN_FILE_H

#include <stddef.h>

#include "predoff/graph.h"
#include "predoff/scenario.h"

/* Writes {"placement": {layer: tier, ...}} for every layer of `model` to a fresh temporary
 * file and puts its path in path (at least 32 bytes). Returns 0, or -1 on failure. */
int plan_file_all_on(const char *model, const char *tier, char *path, size_t size);

/* The same with exceptions: `overrides` is "layer=tier,layer=tier" (or NULL). */
int plan_file_spec(const char *model, const char *tier, const char *overrides, char *path,
                   size_t size);

/* The same for a model already open, each layer on tiers[layer]. */
int plan_file_tiers(const pd_graph *g, const pd_tier *tiers, char *path, size_t size);

#endif
