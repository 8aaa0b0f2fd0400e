/* The exhaustive solver: every placement, each evaluated exit by exit. It is the
 * slow, obvious reference the exact solver is tested against. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/solve.h"

pd_status pd_solve_brute(const pd_problem *pb, const pd_solve_options *opt, pd_slot *placement,
                         pd_error *err)
{
    double count = pow((double)pb->n_tiers, (double)pb->n_layers);
    if (count > opt->max_placements && pb->topo->tree)
        return pd_error_set(err, PD_ELIMIT,
                            "brute: %d^%zu = %.3g placements is beyond the limit of %.3g; use "
                            "--solver exact (same optimum) or raise --max-placements",
                            pb->n_tiers, pb->n_layers, count, opt->max_placements);
    if (count > opt->max_placements) /* the tree DP does not take a DAG */
        return pd_error_set(err, PD_ELIMIT,
                            "brute: %d^%zu = %.3g placements is beyond the limit of %.3g; on a "
                            "DAG use --solver neurosurgeon or edgent (single cuts), mobile, edge "
                            "or cloud (one tier), a model of fewer layers, or raise "
                            "--max-placements",
                            pb->n_tiers, pb->n_layers, count, opt->max_placements);
    pd_slot *cur = calloc(pb->n_layers, sizeof *cur);
    if (!cur)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    double best = INFINITY;
    for (;;) {
        double e = pd_objective_by_exits(pb, cur);
        if (e < best) {
            best = e;
            memcpy(placement, cur, pb->n_layers * sizeof *cur);
        }
        /* next placement, as a number in base n_tiers */
        size_t i = 0;
        while (i < pb->n_layers && ++cur[i] == pb->n_tiers)
            cur[i++] = 0;
        if (i == pb->n_layers)
            break;
    }
    free(cur);
    return PD_OK;
}
