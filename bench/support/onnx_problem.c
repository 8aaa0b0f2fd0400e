/* The scenario of bench_exact_dag and bench_ga_dag (onnx_problem.h). */
#include "onnx_problem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/onnx.h"
#include "predoff/runtime.h"
#include "predoff/scenario.h"
#include "predoff/weights.h"

pd_status bench_onnx_open(const char *dir, const char *arch, pd_graph **out, pd_error *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/model.onnx", dir, arch);
    pd_weights *w;
    pd_status st = pd_model_open(path, out, &w, err);
    if (st)
        return st;
    pd_weights_free(w);
    return pd_graph_set_feature_hook(*out, &pd_runtime_hook, err);
}

pd_status bench_onnx_problem(const pd_graph *g, double rate_bps, int n_tiers, pd_problem **out,
                             pd_error *err)
{
    static const double acc[] = {0.55, 0.62, 0.70};
    if (g->n_exits != 3 || n_tiers < 2 || n_tiers > 3)
        return pd_error_set(err, PD_EINPUT, "bench: a model of 3 exits on 2 or 3 tiers");
    pd_scenario sc;
    pd_status st = pd_scenario_init(&sc, err);
    if (st)
        return st;
    sc.uses[PD_TIER_CLOUD] = n_tiers == 3;
    const char *prof[PD_TIER_COUNT] = {"x86-1core", "x86-2core", "x86-2core"};
    for (int t = 0; t < PD_TIER_COUNT && !st; t++) {
        pd_profile_free(sc.profile[t]);
        sc.profile[t] = NULL;
        st = pd_profile_open(prof[t], &sc.profile[t], err);
    }
    sc.uplink_bps = sc.downlink_bps = rate_bps;
    if (!st && !(sc.exit_accuracy = malloc(sizeof acc)))
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
    if (!st) {
        memcpy(sc.exit_accuracy, acc, sizeof acc);
        sc.n_exit_accuracy = 3;
        st = pd_problem_build(g, &sc, out, err);
    }
    pd_scenario_free(&sc);
    return st;
}
