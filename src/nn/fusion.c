/* Which layers predoff's runtime runs inside another layer's pass: the one rule, on the
 * graph alone, that the net's activation plan (net_plan.c) follows and that the planner
 * reads through the graph's engine hook (pd_runtime_hook), so that a plan costs a fused
 * layer where its time really is.
 *
 * Three fusions, each holding in every exit whose sub-graph has the layers (so a rule on
 * the graph, not on one exit's order, and a layer's cost one for every exit): a ReLU or
 * Clip(0, cap) right after the convolution it reads (in each exit's order) and is the one
 * reader of there, applied in the convolution's output pass; a sigmoid right before the
 * multiply of its own input by it, the pair one SiLU pass in the multiply's turn; and such
 * a pair right after the convolution it alone reads, the SiLU in the convolution's pass. */
#include "forward.h"
#include "net_plan.h"
#include "predoff/runtime.h"

/* Whether tensor u (a layer) is read by exactly the layers `want[0..n)` and is no exit. */
static bool read_only_by(const pd_graph *g, int32_t u, const int32_t *want, size_t n)
{
    if (g->layers[u].is_exit)
        return false;
    size_t nr;
    const int32_t *rd = pd_topology_readers(g->topo, u, &nr);
    size_t distinct = 0;
    for (size_t j = 0; j < nr; j++) {
        if (j && rd[j] == rd[j - 1])
            continue;
        bool listed = false;
        for (size_t k = 0; k < n; k++)
            listed |= rd[j] == want[k];
        if (!listed)
            return false;
        distinct++;
    }
    return distinct == n;
}

/* Whether layer s is a sigmoid that only the next layer reads, a multiply of s's input by
 * s, all of one size: x sigmoid(x), run as one pass. */
static bool silu_pair(const pd_graph *g, size_t s)
{
    if (s + 1 >= g->n_layers || g->layers[s].type != PD_LAYER_SIGMOID ||
        g->layers[s + 1].type != PD_LAYER_MUL)
        return false;
    size_t n_s, n_m;
    const int32_t *in_s = pd_topology_inputs(g->topo, s, &n_s),
                  *in_m = pd_topology_inputs(g->topo, s + 1, &n_m);
    const int32_t me = (int32_t)s, next = (int32_t)s + 1;
    if (n_s != 1 || n_m != 2 || !read_only_by(g, me, &next, 1))
        return false;
    const int32_t x = in_s[0];
    const pd_shape xs = x == PD_TENSOR_INPUT ? g->input : g->layers[x].out;
    return ((in_m[0] == x && in_m[1] == me) || (in_m[1] == x && in_m[0] == me)) &&
           pd_shape_elems(xs) == pd_shape_elems(g->layers[s + 1].out);
}

/* Whether layer c is a convolution whose SiLU pair follows it, the pair its only readers,
 * the multiply's first input the convolution (the multiply writes over it, so the
 * convolution's pass can write the SiLU into the multiply's buffer). */
static bool conv_silu(const pd_graph *g, size_t c)
{
    if (c + 2 >= g->n_layers || !pd_forward_fuses_relu(g->layers[c].type) || !silu_pair(g, c + 1))
        return false;
    size_t n_s, n_m;
    const int32_t *in_s = pd_topology_inputs(g->topo, c + 1, &n_s),
                  *in_m = pd_topology_inputs(g->topo, c + 2, &n_m);
    const int32_t readers[2] = {(int32_t)c + 1, (int32_t)c + 2};
    return in_s[0] == (int32_t)c && in_m[0] == (int32_t)c && read_only_by(g, (int32_t)c, readers, 2);
}

/* Beyond these a ReLU is not looked for farther from its convolution: a rule of bounded cost
 * (the planner asks it of every layer), and a graph that far from the common case runs the
 * ReLU in a pass of its own. */
enum { FUSE_MAX_GAP = 64, FUSE_MAX_READERS = 8 };

/* Whether the activation a, which reads only convolution p, runs in p's pass: every reader
 * of p is such an activation, and no exit's sub-graph holding a holds another of them or
 * a layer between p and a (b-alexnet's branches each read conv1 through a ReLU of their
 * own: each exit has one of them, right after conv1). */
static bool act_fuses(const pd_graph *g, int32_t p, int32_t a)
{
    if (g->layers[p].is_exit || !pd_forward_fuses_relu(g->layers[p].type) ||
        a - p > FUSE_MAX_GAP)
        return false;
    size_t nr;
    const int32_t *rd = pd_topology_readers(g->topo, p, &nr);
    if (nr > FUSE_MAX_READERS)
        return false;
    for (size_t j = 0; j < nr; j++) {
        size_t n;
        const int32_t *in = pd_topology_inputs(g->topo, (size_t)rd[j], &n);
        if (n != 1 || !pd_net_plan_fusable_act(&g->layers[rd[j]]) || in[0] != p)
            return false;
    }
    if (nr == 1 && a == p + 1)
        return true; /* the common case: nothing else can be in between */
    for (size_t k = 0; k < g->n_exits; k++) {
        if (!pd_topology_in_sub(g->topo, k, (size_t)a))
            continue;
        for (size_t j = 0; j < nr; j++)
            if (rd[j] != a && pd_topology_in_sub(g->topo, k, (size_t)rd[j]))
                return false;
        for (int32_t v = p + 1; v < a; v++)
            if (pd_topology_in_sub(g->topo, k, (size_t)v))
                return false;
    }
    return true;
}

int32_t pd_runtime_fused_into(const pd_graph *g, size_t i)
{
    if (i >= g->n_layers)
        return -1;
    const pd_layer *l = &g->layers[i];
    if (pd_net_plan_fusable_act(l)) { /* into the convolution it reads */
        size_t n;
        const int32_t *in = pd_topology_inputs(g->topo, i, &n);
        if (n == 1 && in[0] >= 0 && act_fuses(g, in[0], (int32_t)i))
            return in[0];
    }
    if (i > 0 && conv_silu(g, i - 1)) /* the sigmoid of a convolution's SiLU */
        return (int32_t)i - 1;
    if (i > 1 && l->type == PD_LAYER_MUL && conv_silu(g, i - 2)) /* its multiply */
        return (int32_t)i - 2;
    if (silu_pair(g, i)) /* a sigmoid, into its multiply's SiLU pass */
        return (int32_t)i + 1;
    return -1;
}

/* The SiLU's sigmoid that runs in layer i's pass (i < n_layers): i - 1 for a multiply's, i + 1
 * for the pair after a convolution; -1 if none. One rule for both fused features below. */
static int32_t fused_sigmoid(const pd_graph *g, size_t i)
{
    if (i > 0 && pd_runtime_fused_into(g, i - 1) == (int32_t)i) /* a multiply's sigmoid */
        return (int32_t)i - 1;
    return conv_silu(g, i) ? (int32_t)i + 1 : -1; /* the pair after a convolution */
}

double pd_runtime_fused_elems(const pd_graph *g, size_t i)
{
    if (i >= g->n_layers)
        return 0.0;
    const int32_t sig = fused_sigmoid(g, i);
    if (sig >= 0) /* the sigmoid, and after a convolution the pair's multiply too */
        return (double)pd_shape_elems(g->layers[sig].out) +
               ((size_t)sig > i ? (double)pd_shape_elems(g->layers[i + 2].out) : 0.0);
    size_t nr;
    const int32_t *rd = pd_topology_readers(g->topo, (int32_t)i, &nr);
    for (size_t j = 0; j < nr; j++) /* a ReLU (one a run: each exit holds one) */
        if (pd_runtime_fused_into(g, (size_t)rd[j]) == (int32_t)i)
            return (double)pd_shape_elems(g->layers[i].out);
    return 0.0;
}

double pd_runtime_fused_exp_elems(const pd_graph *g, size_t i)
{
    const int32_t sig = i < g->n_layers ? fused_sigmoid(g, i) : -1;
    return sig >= 0 ? (double)pd_shape_elems(g->layers[sig].out) : 0.0;
}

static double engine_feature(const pd_graph *g, size_t i, pd_feature f)
{
    return f == PD_FEAT_FUSED_ACT_ELEMS   ? pd_runtime_fused_elems(g, i)
           : f == PD_FEAT_FUSED_EXP_ELEMS ? pd_runtime_fused_exp_elems(g, i)
                                          : pd_runtime_feature(&g->layers[i], f);
}

const pd_engine_hook pd_runtime_hook = {engine_feature, pd_runtime_fused_into,
                                       pd_runtime_weight_bytes, pd_runtime_scratch_bytes};
