/* The baselines Pre-DNNOff is judged against, under the same cost model:
 * - Edgent (Li, Zhou, Chen 2018; TWC 2020): mobile and edge only. Exits are tried from the
 *   most accurate down; each gets its best single partition point (a prefix of its path on
 *   the mobile, the rest on the edge, all-mobile and all-edge included); the first whose
 *   latency meets the deadline (none given: the most accurate) serves every task.
 * - Neurosurgeon (Kang et al. 2017): no early exit; the trunk's exit with its best single
 *   partition point between the mobile and the edge (the cloud if there is no edge).
 * On a DAG a partition point is a cut of A(k) in topological order that one tensor
 * crosses (pd_topology_sub_cuts, the split runtime's rule), and Neurosurgeon's trunk is
 * the most accurate exit's sub-graph. Layers outside the chosen sub-graph stay on the
 * mobile.
 * - Every layer on one tier; each task still takes the exit its requirement calls for.
 * Pins (--pin): Edgent and Neurosurgeon take only the cuts that keep the pins of the
 * sub-graph's layers (pinned to the mobile before the cut, to the server after it) and put
 * the other pinned layers on their pins; a one-tier baseline keeps them when they are all
 * on its tier. A baseline that cannot says so. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/branches.h"
#include "predoff/solve.h"
#include "solve/internal.h"

int pd_slot_of_tier(const pd_problem *pb, pd_tier t)
{
    for (int s = 0; s < pb->n_tiers; s++)
        if (pb->tier[s] == t)
            return s;
    return -1;
}

pd_status pd_solve_all_on(const pd_problem *pb, pd_tier tier, pd_slot *placement, pd_error *err)
{
    int s = pd_slot_of_tier(pb, tier);
    if (s < 0)
        return pd_error_set(err, PD_EINPUT, "solver %s: the scenario has no %s tier (see --tiers)",
                            pd_tier_name(tier), pd_tier_name(tier));
    size_t other = 0;
    for (size_t i = 0; pb->pin && i < pb->n_layers; i++)
        other += pb->pin[i] != PD_SLOT_FREE && pb->pin[i] != s;
    if (other)
        return pd_error_set(err, PD_EINPUT,
                            "solver %s cannot honour --pin: it runs every layer on the %s tier, "
                            "and %zu pinned layer%s elsewhere",
                            pd_tier_name(tier), pd_tier_name(tier), other,
                            other == 1 ? " is" : "s are");
    memset(placement, s, pb->n_layers * sizeof *placement);
    return PD_OK;
}

void pd_pin_off_sub(const pd_problem *pb, size_t k, pd_slot *placement)
{
    for (size_t i = 0; pb->pin && i < pb->n_layers; i++)
        if (pb->pin[i] != PD_SLOT_FREE && !pd_topology_in_sub(pb->topo, k, i))
            placement[i] = pb->pin[i];
}

/* The best single cut of exit k's sub-graph A(k) between the mobile (the layers before the
 * cut in topological order) and `server` (the rest), over the cuts one tensor crosses
 * (pd_topology_sub_cuts: on a tree, every position of the path; the input's, where
 * everything is on the server; and the end, where nothing is). Writes it into placement
 * (other layers untouched) and returns its latency. Every cut is costed in one pass, the
 * terms as running sums: with one tensor crossing, a cut's latency is the compute of each
 * side, that tensor up, the result back (and each side's loading). Costing each of the
 * len + 1 placements by walking the path made Neurosurgeon and Edgent quadratic, 30 s on
 * a chain of 100k layers. list and cross hold n_layers and n_layers + 1 entries. Only the
 * cuts that keep the pins are taken; with none, *latency is INFINITY and placement is left
 * as it was. */
static pd_status best_partition(const pd_problem *pb, size_t k, int server, pd_slot *placement,
                                int32_t *list, int32_t *cross, double *latency, pd_error *err)
{
    const pd_topology *topo = pb->topo;
    size_t len = topo->sub_len[k], nt = (size_t)pb->n_tiers;
    pd_topology_sub_list(topo, k, list);
    if (pd_topology_sub_cuts(topo, k, list, cross, err))
        return err ? err->status : PD_ENOMEM;
    int32_t exit = list[len - 1];
    size_t lo = 0, hi = len; /* the cuts that keep the pins: lo .. hi */
    for (size_t i = 0; pb->pin && i < len; i++) {
        int pin = pb->pin[list[i]];
        if (pin == 0)
            lo = i + 1 > lo ? i + 1 : lo;
        else if (pin == server)
            hi = i < hi ? i : hi;
        else if (pin != PD_SLOT_FREE)
            lo = len + 1; /* a third tier: no cut */
    }
    double mobile = 0.0, on_server = 0.0; /* compute and loading of each side */
    double mobile_load = 0.0, server_load = 0.0; /* the loading alone, for its clamp */
    for (size_t i = len; i-- > 0;) { /* from the exit back, as the path walk summed them */
        size_t v = (size_t)list[i];
        on_server += pb->compute_ms[v * nt + (size_t)server];
        if (pb->load_on) {
            on_server += pb->load_ms[v * nt + (size_t)server];
            server_load += pb->load_ms[v * nt + (size_t)server];
        }
    }
    double best = INFINITY;
    size_t best_cut = len;
    for (size_t cut = 0; cut <= len; cut++) {
        if (cut > 0) { /* the layer list[cut - 1] moves to the mobile */
            size_t v = (size_t)list[cut - 1];
            on_server -= pb->compute_ms[v * nt + (size_t)server];
            mobile += pb->compute_ms[v * nt];
            if (pb->load_on) {
                on_server -= pb->load_ms[v * nt + (size_t)server];
                mobile += pb->load_ms[v * nt];
                server_load -= pb->load_ms[v * nt + (size_t)server];
                mobile_load += pb->load_ms[v * nt];
            }
        }
        int32_t u = cross[cut];
        if (u == PD_CUT_SEVERAL || cut < lo || cut > hi)
            continue;
        /* the one hop: the tensor crossing up (the input at cut 0), or none (all mobile) */
        double hop = cut < len ? pd_transfer_ms(pb, 0, server,
                                                u < 0 ? pb->input_bytes : pb->out_bytes[u])
                               : 0.0;
        double back = cut < len ? pd_transfer_ms(pb, server, 0, pb->out_bytes[exit]) : 0.0;
        double t = mobile + (cut < len ? on_server : 0.0) + hop + back + pb->parse_ms;
        if (pb->load_on) {
            t += (cut > 0 ? pb->load_fixed_ms[0] : 0.0) +
                 (cut < len ? pb->load_fixed_ms[server] : 0.0);
            /* a tier's loading is clamped at 0 (cost-model.md); added apart, so where no
             * clamp binds the figure is the sums' alone */
            double m = pb->load_fixed_ms[0] + mobile_load;
            double e = pb->load_fixed_ms[server] + server_load;
            t -= (cut > 0 && m < 0.0 ? m : 0.0) + (cut < len && e < 0.0 ? e : 0.0);
        }
        if (t < best) {
            best = t;
            best_cut = cut;
        }
    }
    if (best == INFINITY) {
        *latency = INFINITY;
        return PD_OK;
    }
    for (size_t i = 0; i < len; i++)
        placement[list[i]] = (pd_slot)(i < best_cut ? 0 : server);
    /* the figure of the placement chosen, summed as the objective sums it */
    *latency = pd_objective_single_exit(pb, placement, k);
    return PD_OK;
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
    int edge = pd_slot_of_tier(pb, PD_TIER_EDGE);
    if (edge < 0)
        return pd_error_set(err, PD_EINPUT, "edgent: needs the edge tier (Edgent is mobile + edge)");
    size_t n_exits = pb->n_exits, n = pb->n_layers;
    size_t *order = malloc(n_exits * sizeof *order);
    int32_t *list = malloc(n * sizeof *list), *cross = malloc((n + 1) * sizeof *cross);
    pd_slot *trial = calloc(n, sizeof *trial); /* only the sub-graph's layers are read */
    if (!order || !list || !cross || !trial) {
        free(order);
        free(list);
        free(cross);
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
    pd_status st = PD_OK;
    for (size_t r = 0; r < n_exits && !st; r++) {
        size_t k = order[r];
        double t;
        if ((st = best_partition(pb, k, edge, trial, list, cross, &t, err)))
            break;
        if (t == INFINITY)
            continue; /* no single cut of this exit keeps the pins */
        bool meets = opt->deadline_ms <= 0.0 || t <= opt->deadline_ms;
        if (meets || t < fastest) {
            /* until an exit meets the deadline, hold on to the fastest configuration */
            fastest = t;
            memset(sol->placement, 0, n * sizeof *sol->placement);
            pd_sub_walk w = pd_sub_walk_begin(pb->topo, k);
            for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;)
                sol->placement[v] = trial[v];
            pd_pin_off_sub(pb, k, sol->placement);
            sol->served_exit = (int32_t)k;
            sol->deadline_missed = !meets;
        }
        if (meets)
            break;
    }
    free(order);
    free(list);
    free(cross);
    free(trial);
    if (!st && sol->served_exit < 0)
        return pd_error_set(err, PD_EINPUT,
                            "edgent cannot honour --pin: no exit has a single mobile/edge cut that "
                            "keeps the pinned layers on their tiers");
    return st;
}

/* Neurosurgeon's network: on a tree the trunk of pd_branches (the longest path), whose
 * last layer must be an exit; on a DAG the sub-graph of the most accurate exit. */
static pd_status trunk_exit(const pd_problem *pb, int32_t *exit, pd_error *err)
{
    *exit = -1;
    if (!pb->topo->tree) {
        *exit = (int32_t)pd_problem_best_exit(pb);
        return PD_OK;
    }
    pd_branches br;
    if (pd_branches_build(pb->n_layers, pd_topology_tree_parents(pb->topo), &br, err))
        return err ? err->status : PD_ENOMEM;
    int32_t trunk_end = br.order[br.start[1] - 1];
    pd_branches_free(&br);
    for (size_t k = 0; k < pb->n_exits; k++)
        if (pb->exit_layer[k] == trunk_end)
            *exit = (int32_t)k;
    if (*exit < 0)
        return pd_error_set(err, PD_EINPUT, "neurosurgeon: the trunk's last layer is not an exit");
    return PD_OK;
}

pd_status pd_solve_neurosurgeon(const pd_problem *pb, const pd_solve_options *opt,
                                pd_solution *sol, pd_error *err)
{
    (void)opt;
    int server = pd_slot_of_tier(pb, PD_TIER_EDGE);
    if (server < 0)
        server = pd_slot_of_tier(pb, PD_TIER_CLOUD);
    sol->served_exit = -1;
    int32_t k;
    pd_status st = trunk_exit(pb, &k, err);
    if (st)
        return st;
    size_t n = pb->n_layers;
    int32_t *list = malloc(n * sizeof *list), *cross = malloc((n + 1) * sizeof *cross);
    if (!list || !cross) {
        free(list);
        free(cross);
        return pd_error_set(err, PD_ENOMEM, "neurosurgeon: out of memory");
    }
    sol->served_exit = k;
    memset(sol->placement, 0, n * sizeof *sol->placement);
    double t = 0.0;
    if (server >= 0)
        st = best_partition(pb, (size_t)k, server, sol->placement, list, cross, &t, err);
    free(list);
    free(cross);
    if (!st && t == INFINITY)
        return pd_error_set(err, PD_EINPUT,
                            "neurosurgeon cannot honour --pin: no single cut of the trunk's exit "
                            "between the mobile and the %s keeps the pinned layers on their tiers",
                            pd_tier_name(pb->tier[server]));
    if (!st)
        pd_pin_off_sub(pb, (size_t)k, sol->placement);
    return st;
}
