/* The exact solver: a dynamic program over the tree (Bokhari 1981; Towsley 1986); a DAG goes
 * to the minimum cut of exact_dag.c. A pinned layer's only slot is its pin's.
 * Without the loading term the objective is a sum of per-layer and per-edge terms,
 * so each subtree's best cost given its parent's tier is computed bottom up in
 * O(layers x tiers^2). The loading term charges a tier's intercept once if it runs
 * any layer; the DP then runs once per set of usable tiers, and the cheapest
 * (DP cost + intercepts of that set) is optimal: the set actually used is among them.
 * A tier's loading is clamped at 0 (cost-model.md), which binds only when its intercept
 * or a slope is negative; then the loading of a tier is max(0, linear), a knapsack-like
 * coupling no DP over the tree captures. For such tiers the DP also runs with their
 * loading taken as 0 (every variant costs no more than the real, clamped objective), and
 * the best of the variants' placements by the clamped objective is kept. Exact when no
 * tier's loading can go below 0; otherwise the best of these candidates, not proven
 * optimal (tests/test_solve.c measures it against brute force). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/solve.h"

enum { MOBILE_SLOT = 0 };

typedef struct dp_work {
    double *acc;    /* [layer * tiers]: best cost of the subtree with the layer on a slot */
    pd_slot *best;  /* [layer * tiers]: the layer's best slot given its parent's slot */
} dp_work;

/* One DP restricted to the slots in `allowed` (a bit mask), the loading slopes of the slots
 * in `no_load` left out; returns the cost. */
static double dp_run(const pd_problem *pb, unsigned allowed, unsigned no_load, dp_work *w,
                     pd_slot *placement)
{
    size_t n = pb->n_layers, nt = (size_t)pb->n_tiers;
    int slots[PD_MAX_TIERS], ns = 0;
    for (int s = 0; s < pb->n_tiers; s++)
        if (allowed & (1u << s))
            slots[ns++] = s;

    for (size_t i = 0; i < n; i++)
        for (size_t s = 0; s < nt; s++)
            w->acc[i * nt + s] =
                pb->weight[i] * pb->compute_ms[i * nt + s] +
                (pb->load_on && !(no_load & (1u << s)) ? pb->load_ms[i * nt + s] : 0.0);
    for (size_t k = 0; k < pb->n_exits; k++) {
        size_t e = (size_t)pb->exit_layer[k];
        for (size_t s = 0; s < nt; s++)
            w->acc[e * nt + s] +=
                pb->exit_prob[k] * pd_transfer_ms(pb, (int)s, MOBILE_SLOT, pb->out_bytes[e]);
    }

    const int32_t *parent = pd_topology_tree_parents(pb->topo); /* pd_solve_exact: a tree */
    double total = 0.0;
    for (size_t v = n; v-- > 0;) {
        int32_t p = parent[v];
        double bytes = p < 0 ? pb->input_bytes : pb->out_bytes[p];
        const double *cv = &w->acc[v * nt];
        /* the network input comes from the mobile: only that parent slot matters */
        int n_from = p < 0 ? 1 : pb->n_tiers;
        for (int j = 0; j < n_from; j++) {
            if (p >= 0 && !(allowed & (1u << j)))
                continue;
            double best = INFINITY;
            int arg = slots[0], pin = pd_problem_pin_of(pb, v);
            for (int q = 0; q < ns; q++) {
                int k = slots[q];
                if (pin != PD_SLOT_FREE && k != pin)
                    continue;
                double c = cv[k] + pb->weight[v] * pd_transfer_ms(pb, j, k, bytes);
                if (c < best) {
                    best = c;
                    arg = k;
                }
            }
            w->best[v * nt + (size_t)j] = (pd_slot)arg;
            if (p < 0)
                total += best;
            else
                w->acc[(size_t)p * nt + (size_t)j] += best;
        }
    }
    for (size_t v = 0; v < n; v++) {
        int32_t p = parent[v];
        size_t from = p < 0 ? MOBILE_SLOT : placement[p];
        placement[v] = w->best[v * nt + from];
    }
    return total;
}

pd_status pd_solve_exact(const pd_problem *pb, const pd_solve_options *opt, pd_slot *placement,
                         pd_error *err)
{
    if (!pb->topo->tree)
        return pd_solve_exact_dag(pb, opt, placement, err);
    size_t cells = pb->n_layers * (size_t)pb->n_tiers;
    dp_work w = {malloc(cells * sizeof *w.acc), malloc(cells * sizeof *w.best)};
    pd_slot *trial = pb->load_on ? malloc(pb->n_layers * sizeof *trial) : NULL;
    if (!w.acc || !w.best || (pb->load_on && !trial)) {
        free(w.acc);
        free(w.best);
        free(trial);
        return pd_error_set(err, PD_ENOMEM, "exact: out of memory for %zu layers", pb->n_layers);
    }
    unsigned all = (1u << pb->n_tiers) - 1u;
    if (!pb->load_on) {
        dp_run(pb, all, 0u, &w, placement);
    } else {
        const unsigned clampable = pd_problem_clampable_slots(pb),
                       pinned = pd_problem_pinned_slots(pb);
        double best = INFINITY;
        for (unsigned mask = 1; mask <= all; mask++) {
            if ((mask & pinned) != pinned)
                continue; /* a pinned layer's slot is in use */
            unsigned maybe = mask & clampable;
            /* every subset of the set's clampable slots, the empty one first */
            for (unsigned z = 0;; z = (z - maybe) & maybe) {
                double c = dp_run(pb, mask, z, &w, trial);
                if (maybe) {
                    c = pd_objective(pb, trial);
                } else {
                    for (int s = 0; s < pb->n_tiers; s++)
                        if (mask & (1u << s))
                            c += pb->load_fixed_ms[s];
                }
                if (c < best) {
                    best = c;
                    memcpy(placement, trial, pb->n_layers * sizeof *trial);
                }
                if (z == maybe)
                    break;
            }
        }
    }
    free(w.acc);
    free(w.best);
    free(trial);
    return PD_OK;
}
