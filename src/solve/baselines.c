/* The baselines Pre-DNNOff is judged against, under the same cost model:
 * - Edgent (Li, Zhou, Chen 2018; TWC 2020): mobile and edge only. Exits are tried from the
 *   most accurate down; each gets its best single partition point (a prefix of its path on
 *   the mobile, the rest on the edge, all-mobile and all-edge included); the first whose
 *   latency meets the deadline (none given: the most accurate) serves every task.
 * - Neurosurgeon (Kang et al. 2017): no early exit; the trunk's exit with its best single
 *   partition point between the mobile and the edge (the cloud if there is no edge).
 * - Every layer on one tier; each task still takes the exit its requirement calls for. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/branches.h"
#include "predoff/solve.h"

static int slot_of(const pd_problem *pb, pd_tier t)
{
    for (int s = 0; s < pb->n_tiers; s++)
        if (pb->tier[s] == t)
            return s;
    return -1;
}

pd_status pd_solve_all_on(const pd_problem *pb, pd_tier tier, pd_slot *placement, pd_error *err)
{
    int s = slot_of(pb, tier);
    if (s < 0)
        return pd_error_set(err, PD_EINPUT, "solver %s: the scenario has no %s tier (see --tiers)",
                            pd_tier_name(tier), pd_tier_name(tier));
    memset(placement, s, pb->n_layers * sizeof *placement);
    return PD_OK;
}

/* The best single partition of exit k's path between the mobile (a prefix) and `server`;
 * writes it into placement (other layers untouched) and returns its latency. Every prefix
 * is costed in one pass (pd_objective_single_exit's terms, kept as running sums): costing
 * each of the len + 1 placements by walking the path made Neurosurgeon and Edgent
 * quadratic, 30 s on a chain of 100k layers. */
static double best_partition(const pd_problem *pb, size_t k, int server, pd_slot *placement,
                             int32_t *path)
{
    size_t len = 0, nt = (size_t)pb->n_tiers;
    pd_sub_walk w = pd_sub_walk_begin(pb->topo, k);
    for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;)
        path[len++] = v;
    /* path[len-1] is the root: the first `prefix` layers from the root stay on the mobile */
    int32_t exit = path[0];
    double mobile = 0.0, on_server = 0.0; /* compute and loading of each side */
    for (size_t i = 0; i < len; i++) {
        size_t v = (size_t)path[i];
        on_server += pb->compute_ms[v * nt + (size_t)server];
        if (pb->load_on)
            on_server += pb->load_ms[v * nt + (size_t)server];
    }
    double best = INFINITY;
    size_t best_prefix = len;
    for (size_t prefix = 0; prefix <= len; prefix++) {
        if (prefix > 0) { /* the layer path[len - prefix] moves to the mobile */
            size_t v = (size_t)path[len - prefix];
            on_server -= pb->compute_ms[v * nt + (size_t)server];
            mobile += pb->compute_ms[v * nt];
            if (pb->load_on) {
                on_server -= pb->load_ms[v * nt + (size_t)server];
                mobile += pb->load_ms[v * nt];
            }
        }
        /* the one hop: the input up (prefix 0), a layer's output up, or none (all mobile) */
        double hop = prefix == 0     ? pd_transfer_ms(pb, 0, server, pb->input_bytes)
                     : prefix < len ? pd_transfer_ms(pb, 0, server, pb->out_bytes[path[len - prefix]])
                                    : 0.0;
        double back = prefix < len ? pd_transfer_ms(pb, server, 0, pb->out_bytes[exit]) : 0.0;
        double t = mobile + (prefix < len ? on_server : 0.0) + hop + back + pb->parse_ms;
        if (pb->load_on)
            t += (prefix > 0 ? pb->load_fixed_ms[0] : 0.0) +
                 (prefix < len ? pb->load_fixed_ms[server] : 0.0);
        if (t < best) {
            best = t;
            best_prefix = prefix;
        }
    }
    for (size_t i = 0; i < len; i++)
        placement[path[len - 1 - i]] = (pd_slot)(i < best_prefix ? 0 : server);
    /* the figure of the placement chosen, summed as the objective sums it */
    return pd_objective_single_exit(pb, placement, k);
}

/* Exit indices from the most accurate down (the reverse of the spec's serving order). */
static int cmp_desc(const void *a, const void *b, const pd_problem *pb)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double x = pb->exit_accuracy[i], y = pb->exit_accuracy[j];
    if (x != y)
        return x > y ? -1 : 1;
    return (pb->exit_layer[i] < pb->exit_layer[j]) - (pb->exit_layer[i] > pb->exit_layer[j]);
}

pd_status pd_solve_edgent(const pd_problem *pb, const pd_solve_options *opt, pd_solution *sol,
                          pd_error *err)
{
    if (!pb->topo->tree)
        return pd_problem_need_tree(pb, "solver edgent: one partition point on a path",
                                    err);
    int edge = slot_of(pb, PD_TIER_EDGE);
    if (edge < 0)
        return pd_error_set(err, PD_EINPUT, "edgent: needs the edge tier (Edgent is mobile + edge)");
    size_t n_exits = pb->n_exits;
    size_t *order = malloc(n_exits * sizeof *order);
    int32_t *path = malloc(pb->n_layers * sizeof *path);
    pd_slot *trial = calloc(pb->n_layers, sizeof *trial); /* only path layers are read */
    if (!order || !path || !trial) {
        free(order);
        free(path);
        free(trial);
        return pd_error_set(err, PD_ENOMEM, "edgent: out of memory");
    }
    for (size_t k = 0; k < n_exits; k++)
        order[k] = k;
    /* insertion sort with the problem as context; exits are few */
    for (size_t i = 1; i < n_exits; i++)
        for (size_t j = i; j > 0 && cmp_desc(&order[j], &order[j - 1], pb) < 0; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    double fastest = INFINITY;
    sol->served_exit = -1;
    for (size_t r = 0; r < n_exits; r++) {
        size_t k = order[r];
        double t = best_partition(pb, k, edge, trial, path);
        bool meets = opt->deadline_ms <= 0.0 || t <= opt->deadline_ms;
        if (meets || t < fastest) {
            /* until an exit meets the deadline, hold on to the fastest configuration */
            fastest = t;
            memset(sol->placement, 0, pb->n_layers * sizeof *sol->placement);
            pd_sub_walk w = pd_sub_walk_begin(pb->topo, k);
            for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;)
                sol->placement[v] = trial[v];
            sol->served_exit = (int32_t)k;
            sol->deadline_missed = !meets;
        }
        if (meets)
            break;
    }
    free(order);
    free(path);
    free(trial);
    return PD_OK;
}

pd_status pd_solve_neurosurgeon(const pd_problem *pb, const pd_solve_options *opt,
                                pd_solution *sol, pd_error *err)
{
    (void)opt;
    int server = slot_of(pb, PD_TIER_EDGE);
    if (server < 0)
        server = slot_of(pb, PD_TIER_CLOUD);
    if (!pb->topo->tree)
        return pd_problem_need_tree(pb, "solver neurosurgeon: one partition point on the trunk",
                                    err);
    pd_branches br;
    if (pd_branches_build(pb->n_layers, pd_topology_tree_parents(pb->topo), &br, err))
        return err ? err->status : PD_ENOMEM;
    int32_t trunk_end = br.order[br.start[1] - 1];
    pd_branches_free(&br);
    int32_t *path = malloc(pb->n_layers * sizeof *path);
    if (!path)
        return pd_error_set(err, PD_ENOMEM, "neurosurgeon: out of memory");
    sol->served_exit = -1;
    for (size_t k = 0; k < pb->n_exits; k++)
        if (pb->exit_layer[k] == trunk_end)
            sol->served_exit = (int32_t)k;
    pd_status st = PD_OK;
    if (sol->served_exit < 0) {
        st = pd_error_set(err, PD_EINPUT, "neurosurgeon: the trunk's last layer is not an exit");
    } else {
        memset(sol->placement, 0, pb->n_layers * sizeof *sol->placement);
        if (server >= 0)
            best_partition(pb, (size_t)sol->served_exit, server, sol->placement, path);
    }
    free(path);
    return st;
}
