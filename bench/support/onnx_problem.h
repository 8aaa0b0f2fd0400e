/* The scenario the DAG benchmarks plan the multi-exit ONNX networks in. */
#ifndef PD_BENCH_ONNX_PROBLEM_H
#define PD_BENCH_ONNX_PROBLEM_H

#include "predoff/graph.h"
#include "predoff/objective.h"

/* DIR/ARCH/model.onnx (tools/make_onnx_models.py's), its weights dropped, with the
 * runtime's feature hook set (the built-in x86 profiles read runtime_macs). */
pd_status bench_onnx_open(const char *dir, const char *arch, pd_graph **out, pd_error *err);

/* g (three exits) planned on `n_tiers` tiers (2: mobile and edge; 3: and the cloud): mobile
 * x86-1core, edge and cloud x86-2core (the built-in profiles measured on the build
 * machine), exit accuracies 0.55, 0.62, 0.70, `rate_bps` both ways over the mobile-edge
 * link, the rest the defaults (the paper's demand N(0.625, 0.053), wired 1 Gbps). */
pd_status bench_onnx_problem(const pd_graph *g, double rate_bps, int n_tiers, pd_problem **out,
                             pd_error *err);

#endif
