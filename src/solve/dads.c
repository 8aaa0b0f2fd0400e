/* DADS (Hu, Bao, Wang, Liu, INFOCOM 2019: DNN surgery, its light-load case), the baseline
 * that cuts a DAG, under predoff's cost model:
 * - Two tiers: the mobile and the scenario's first server tier (the edge, else the cloud).
 * - No early exit: the most accurate exit serves every task.
 * - That exit's sub-graph A(k) parted by one minimum s-t cut into a mobile part and a server
 *   part, the data flowing one way: a layer that reads a tensor computed on the server runs
 *   on the server (the surgery's partition: the mobile's part is closed under inputs, and
 *   only the result comes back). On a chain that is the best single cut, Neurosurgeon's; on
 *   a DAG any number of tensors may cross. The cut is exact_dag.c's, one way, on the problem
 *   restricted to A(k), the two tiers and the one exit (probability 1).
 * - Layers off A(k) stay on the mobile, as the other baselines leave them (they never run).
 * - Pins: one way, a layer of A(k) pinned to the mobile holds its inputs there, and one
 *   pinned to the server its readers there; a pin to a third tier, or a layer pinned to the
 *   mobile that depends on one pinned to the server, is refused. Pinned layers off A(k) go
 *   on their pins. */
#include <stdlib.h>
#include <string.h>

#include "predoff/solve.h"
#include "solve/internal.h"

/* pb restricted to A(k) = list[0 .. len) (topological order), the mobile and slot `server`,
 * with exit k alone, of probability 1; pos[v] is v's index in the list. Unpinned. */
static pd_status restrict_problem(const pd_problem *pb, size_t k, int server,
                                  const int32_t *list, size_t len, const int32_t *pos,
                                  pd_problem **out, pd_error *err)
{
    const pd_topology *t = pb->topo;
    size_t nt = (size_t)pb->n_tiers, n_in = 0;
    for (size_t i = 0; i < len; i++)
        n_in += t->in_start[list[i] + 1] - t->in_start[list[i]];
    size_t *start = malloc((len + 1) * sizeof *start);
    int32_t *ids = malloc(n_in * sizeof *ids);
    pd_problem *sub = NULL;
    pd_status st = start && ids ? pd_problem_new(len, 2, 1, pb->load_on, &sub, err)
                                : pd_error_set(err, PD_ENOMEM, "dads: out of memory");
    if (!st) {
        const int slot[2] = {0, server};
        sub->tier[1] = pb->tier[server];
        sub->input_bytes = pb->input_bytes;
        sub->parse_ms = pb->parse_ms;
        for (int a = 0; a < 2; a++) {
            sub->load_fixed_ms[a] = pb->load_fixed_ms[slot[a]];
            for (int b = 0; b < 2; b++) {
                sub->ms_per_byte[a][b] = pb->ms_per_byte[slot[a]][slot[b]];
                sub->hop_ms[a][b] = pb->hop_ms[slot[a]][slot[b]];
            }
        }
        start[0] = 0;
        for (size_t i = 0; i < len; i++) {
            size_t v = (size_t)list[i], m;
            const int32_t *in = pd_topology_inputs(t, v, &m);
            for (size_t j = 0; j < m; j++) /* A(k) holds every input of its layers */
                ids[start[i] + j] = in[j] < 0 ? PD_TENSOR_INPUT : pos[in[j]];
            start[i + 1] = start[i] + m;
            sub->out_bytes[i] = pb->out_bytes[v];
            for (int a = 0; a < 2; a++) {
                sub->compute_ms[i * 2 + (size_t)a] = pb->compute_ms[v * nt + (size_t)slot[a]];
                if (pb->load_on)
                    sub->load_ms[i * 2 + (size_t)a] = pb->load_ms[v * nt + (size_t)slot[a]];
            }
        }
        sub->exit_layer[0] = (int32_t)len - 1; /* the exit: every other layer is its ancestor */
        sub->exit_accuracy[0] = pb->exit_accuracy[k];
        sub->exit_prob[0] = 1.0;
        st = pd_problem_set_inputs(sub, start, ids, err);
        if (!st)
            st = pd_problem_set_weights(sub, err);
    }
    free(start);
    free(ids);
    if (st)
        pd_problem_free(sub);
    else
        *out = sub;
    return st;
}

/* The pins of A(k) on sub, closed one way: pinned to the mobile, every input there too;
 * pinned to the server, every reader (forwards, in topological order, then backwards). */
static pd_status close_pins(const pd_problem *pb, int server, const int32_t *list,
                            pd_problem *sub, pd_error *err)
{
    size_t len = sub->n_layers;
    const char *name = pd_tier_name(pb->tier[server]);
    pd_slot *f = malloc(len * sizeof *f);
    if (!f)
        return pd_error_set(err, PD_ENOMEM, "dads: out of memory");
    pd_status st = PD_OK;
    for (size_t i = 0; i < len && !st; i++) {
        int pin = pd_problem_pin_of(pb, (size_t)list[i]);
        f[i] = pin == PD_SLOT_FREE ? PD_SLOT_FREE : pin == 0 ? 0 : 1;
        if (pin != PD_SLOT_FREE && pin != 0 && pin != server)
            st = pd_error_set(err, PD_EINPUT,
                              "dads cannot honour --pin: a layer of the most accurate exit's "
                              "sub-graph is pinned to the %s, and DADS cuts between the mobile "
                              "and the %s", pd_tier_name(pb->tier[pin]), name);
    }
    for (size_t i = 0; i < len && !st; i++) {
        size_t m;
        const int32_t *in = pd_topology_inputs(sub->topo, i, &m);
        for (size_t j = 0; j < m && !st; j++)
            if (in[j] >= 0 && f[in[j]] == 1) {
                if (f[i] == 0)
                    st = pd_error_set(err, PD_EINPUT,
                                      "dads cannot honour --pin: a layer pinned to the mobile "
                                      "depends on one pinned to the %s, and DADS offloads one "
                                      "way (what the %s computes stays there)", name, name);
                f[i] = 1;
            }
    }
    for (size_t i = len; i-- > 0 && !st;)
        if (f[i] == 0) {
            size_t m;
            const int32_t *in = pd_topology_inputs(sub->topo, i, &m);
            for (size_t j = 0; j < m; j++)
                if (in[j] >= 0)
                    f[in[j]] = 0; /* never 1 here: that was refused going forwards */
        }
    for (size_t i = 0; i < len && !st; i++)
        if (f[i] != PD_SLOT_FREE)
            st = pd_problem_pin(sub, i, f[i], err);
    free(f);
    return st;
}

pd_status pd_solve_dads(const pd_problem *pb, const pd_solve_options *opt, pd_solution *sol,
                        pd_error *err)
{
    (void)opt;
    size_t n = pb->n_layers, k = pd_problem_best_exit(pb);
    int server = pd_slot_of_tier(pb, PD_TIER_EDGE);
    if (server < 0)
        server = pd_slot_of_tier(pb, PD_TIER_CLOUD);
    memset(sol->placement, 0, n * sizeof *sol->placement);
    sol->served_exit = (int32_t)k;
    if (server < 0) { /* the mobile alone */
        pd_pin_off_sub(pb, k, sol->placement);
        return PD_OK;
    }
    size_t len = pb->topo->sub_len[k];
    int32_t *list = malloc(len * sizeof *list), *pos = malloc(n * sizeof *pos);
    pd_slot *cut = malloc(len * sizeof *cut);
    pd_problem *sub = NULL;
    pd_status st = list && pos && cut ? PD_OK
                                      : pd_error_set(err, PD_ENOMEM, "dads: out of memory");
    if (!st) {
        pd_topology_sub_list(pb->topo, k, list);
        for (size_t i = 0; i < len; i++)
            pos[list[i]] = (int32_t)i;
        st = restrict_problem(pb, k, server, list, len, pos, &sub, err);
    }
    if (!st)
        st = close_pins(pb, server, list, sub, err);
    if (!st)
        st = pd_exact_dag_one_way(sub, cut, err);
    if (!st) {
        for (size_t i = 0; i < len; i++)
            sol->placement[list[i]] = (pd_slot)(cut[i] ? server : 0);
        pd_pin_off_sub(pb, k, sol->placement);
    }
    pd_problem_free(sub);
    free(list);
    free(pos);
    free(cut);
    return st;
}
