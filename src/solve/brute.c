/* The exhaustive solver: every placement, each evaluated exit by exit. It is the
 * slow, obvious reference the exact solver is tested against. Pinned layers keep their
 * slot: only the free layers' placements are tried. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/solve.h"

pd_status pd_solve_brute(const pd_problem *pb, const pd_solve_options *opt, pd_slot *placement,
                         pd_error *err)
{
    size_t n = pb->n_layers, n_free = n - pd_problem_n_pinned(pb);
    double count = pow((double)pb->n_tiers, (double)n_free);
    if (count > opt->max_placements)
        return pd_error_set(err, PD_ELIMIT,
                            "brute: %d^%zu = %.3g placements is beyond the limit of %.3g; use "
                            "--solver exact (same optimum) or raise --max-placements",
                            pb->n_tiers, n_free, count, opt->max_placements);
    pd_slot *cur = calloc(n, sizeof *cur);
    size_t *free_at = malloc((n_free ? n_free : 1) * sizeof *free_at);
    if (!cur || !free_at) {
        free(cur);
        free(free_at);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t i = 0, f = 0; i < n; i++) {
        int pin = pd_problem_pin_of(pb, i);
        if (pin == PD_SLOT_FREE)
            free_at[f++] = i;
        else
            cur[i] = (pd_slot)pin;
    }
    double best = INFINITY;
    for (;;) {
        double e = pd_objective_by_exits(pb, cur);
        if (e < best) {
            best = e;
            memcpy(placement, cur, n * sizeof *cur);
        }
        /* next placement of the free layers, as a number in base n_tiers */
        size_t i = 0;
        while (i < n_free && ++cur[free_at[i]] == pb->n_tiers)
            cur[free_at[i++]] = 0;
        if (i == n_free)
            break;
    }
    free(cur);
    free(free_at);
    return PD_OK;
}
