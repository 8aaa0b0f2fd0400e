/* The exact solver on any layer graph, by one minimum s-t cut (cost-model.md, "Objective";
 * docs/DESIGN.md, "The exact solver on DAGs", has the construction worked through).
 *
 * Slots lie on a line (mobile, edge, cloud); link j joins slot j - 1 and slot j. Each layer
 * l has a variable y_j(l) = [s(l) >= j] per link, y_2 <= y_1, and a variable is 1 when its
 * node is on the sink's side of the cut. A layer's compute (and loading slope) is linear in
 * them. A tensor u crosses link j upwards, for the readers N that some exits give it, when
 * y_j(u) = 0 and some y_j(v) = 1, v in N; downwards when y_j(u) = 1 and some y_j(v) = 0:
 * directed hyperedges, each exact with one auxiliary node (a plain edge for one reader).
 * The network input is on the mobile (the source's side on every link), and the mobile reads
 * an exit's own output for that exit. The p_k weights: a tensor's crossings are charged per
 * exit k with the readers of A(k); exits that give the tensor the same readers are one
 * group, one set of hyperedges weighted by the group's sum of p_k.
 *
 * Pins and the tiers a mask leaves out fix variables (they become the source or the sink,
 * or y_2 the same node as y_1 when the edge alone is left out), so no edge of infinite
 * capacity leaves the source or enters the sink: the flow through every "infinite" edge is
 * bounded by finite capacities, whose sum the large capacity standing for infinity exceeds
 * a million-fold. The loading term is handled as the tree DP handles it (exact.c): one cut
 * per set of tiers in use, and the clampable tiers' variants, the best by the objective.
 *
 * One way (pd_exact_dag_one_way, DADS's partition): data flows away from the mobile only,
 * every reader of a tensor on the tier of its layer or beyond, y_j(u) <= y_j(v) for each
 * input u of v: an infinite edge v -> u, as y_2 <= y_1 is one.
 *
 * The max-flow is igraph's (push-relabel, capacities as doubles). igraph's error handler
 * is set to return, not abort, for the duration of a call; Debian's igraph is built without
 * thread safety, so this solver must not run in two threads at once. */
#include <igraph.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/solve.h"
#include "solve/internal.h"

enum { SRC = 0, SNK = 1 };
#define INF_FACTOR 1e6 /* "infinite" capacity: this many times the sum of the finite ones */

/* Per tensor, the reader sets its exits give it, one group per distinct set. */
typedef struct groups {
    size_t n, cap;
    int32_t *tensor;   /* PD_TENSOR_INPUT or a layer */
    double *weight;    /* sum of p_k over the group's exits */
    unsigned char *mobile; /* the mobile reads it too: the output of an exit of the group */
    size_t *start;     /* [n + 1]: readers[start[g] .. start[g + 1]) */
    int32_t *readers;
    size_t n_readers, cap_readers;
} groups;

static void groups_free(groups *g)
{
    free(g->tensor);
    free(g->weight);
    free(g->mobile);
    free(g->start);
    free(g->readers);
}

/* p grown to hold `need` items of `size` bytes (*cap items now), or NULL when out of memory
 * (p is then as it was). */
static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(p, c * size);
    if (q)
        *cap = c;
    return q;
}

static bool groups_add(groups *g, int32_t u, double weight, bool mobile, const int32_t *rd,
                       size_t d, const uint64_t *sig)
{
    if (g->n + 2 > g->cap) {
        size_t c = g->cap ? 2 * g->cap : 256;
        int32_t *t = realloc(g->tensor, c * sizeof *t);
        if (t)
            g->tensor = t;
        double *w = realloc(g->weight, c * sizeof *w);
        if (w)
            g->weight = w;
        unsigned char *m = realloc(g->mobile, c * sizeof *m);
        if (m)
            g->mobile = m;
        size_t *s = realloc(g->start, (c + 1) * sizeof *s);
        if (s)
            g->start = s;
        if (!t || !w || !m || !s)
            return false;
        g->cap = c;
    }
    int32_t *r = grow(g->readers, &g->cap_readers, g->n_readers + d, sizeof *g->readers);
    if (!r)
        return false;
    g->readers = r;
    if (g->n == 0)
        g->start[0] = 0;
    g->tensor[g->n] = u;
    g->weight[g->n] = weight;
    g->mobile[g->n] = mobile;
    for (size_t j = 0; j < d; j++)
        if ((sig[j / 64] >> (j % 64)) & 1u)
            g->readers[g->n_readers++] = rd[j];
    g->start[++g->n] = g->n_readers;
    return true;
}

/* Every tensor's groups: for each exit k whose A(k) needs it, its readers in A(k) (and the
 * mobile, for k's own output) as a bit set; exits with equal sets share a group. */
static pd_status build_groups(const pd_problem *pb, groups *gr, pd_error *err)
{
    const pd_topology *t = pb->topo;
    memset(gr, 0, sizeof *gr);
    uint64_t *sig = NULL;  /* the tensor's groups' sets so far, `words` each */
    double *weight = NULL; /* their weights */
    size_t cap_sig = 0, cap_w = 0;
    pd_status st = PD_OK;
    for (int32_t u = PD_TENSOR_INPUT; u < (int32_t)pb->n_layers && !st; u++) {
        size_t d;
        const int32_t *rd = pd_topology_readers(t, u, &d);
        size_t words = (d + 1 + 63) / 64, n_local = 0;
        for (size_t k = 0; k < pb->n_exits; k++) {
            if (!(pb->exit_prob[k] > 0.0) || (u >= 0 && !pd_topology_in_sub(t, k, (size_t)u)))
                continue;
            uint64_t *s2 = grow(sig, &cap_sig, (n_local + 1) * words, sizeof *sig);
            if (s2)
                sig = s2;
            double *w2 = s2 ? grow(weight, &cap_w, n_local + 1, sizeof *weight) : NULL;
            if (w2)
                weight = w2;
            if (!s2 || !w2) {
                st = pd_error_set(err, PD_ENOMEM, "exact: out of memory");
                break;
            }
            uint64_t *mine = sig + n_local * words;
            memset(mine, 0, words * sizeof *mine);
            bool any = false;
            for (size_t j = 0; j < d; j++)
                if (pd_topology_in_sub(t, k, (size_t)rd[j])) {
                    mine[j / 64] |= (uint64_t)1 << (j % 64);
                    any = true;
                }
            if (u == pb->exit_layer[k]) {
                mine[d / 64] |= (uint64_t)1 << (d % 64);
                any = true;
            }
            if (!any)
                continue; /* needed by no layer of A(k): not a tensor A(k) needs */
            size_t g = 0;
            while (g < n_local && memcmp(sig + g * words, mine, words * sizeof *mine) != 0)
                g++;
            if (g < n_local)
                weight[g] += pb->exit_prob[k];
            else
                weight[n_local++] = pb->exit_prob[k];
        }
        for (size_t g = 0; g < n_local && !st; g++) {
            const uint64_t *s = sig + g * words;
            if (!groups_add(gr, u, weight[g], (s[d / 64] >> (d % 64)) & 1u, rd, d, s))
                st = pd_error_set(err, PD_ENOMEM, "exact: out of memory");
        }
    }
    free(sig);
    free(weight);
    if (st)
        groups_free(gr);
    return st;
}

/* The working arrays of one cut, sized for the largest. */
typedef struct cut_work {
    size_t n_vars;          /* (tiers - 1) * layers */
    int32_t *var;           /* [link * layers + layer]: its node */
    double *lin;            /* [node]: the coefficient of y(node) */
    igraph_integer_t *edge; /* [2 * edges] */
    double *capacity;       /* [edges]; < 0 while it stands for infinity */
    char *side;             /* [node]: 1 on the sink's side */
    int32_t *free_nodes;    /* the free readers of one hyperedge */
    size_t max_nodes, max_edges, max_readers;
    size_t n_nodes, n_edges;
} cut_work;

static void add_edge(cut_work *w, int32_t from, int32_t to, double capacity)
{
    if (capacity == 0.0)
        return;
    w->edge[2 * w->n_edges] = from;
    w->edge[2 * w->n_edges + 1] = to;
    w->capacity[w->n_edges++] = capacity;
}

/* A tensor's crossing of one link in one direction, for its readers' nodes: up, the cost
 * c [y(U) = 0 and some y(v) = 1]; down, c [y(U) = 1 and some y(v) = 0]. `fixed_far` says a
 * reader is fixed beyond the link as seen from U (the sink's side going up, the source's
 * going down); `nf` free readers are in w->free_nodes. */
static void add_crossing(cut_work *w, bool up, int32_t U, double c, bool fixed_far, size_t nf)
{
    int32_t near = up ? SRC : SNK, far = up ? SNK : SRC;
    if (U == far || !(c > 0.0))
        return; /* the tensor is beyond the link already */
    if (fixed_far) { /* the crossing happens whenever U is on the near side */
        if (U != near)
            w->lin[U] += up ? -c : c;
        return;
    }
    if (nf == 0)
        return;
    if (nf == 1) {
        int32_t v = w->free_nodes[0];
        if (U == near)
            w->lin[v] += up ? c : -c;
        else if (up)
            add_edge(w, U, v, c);
        else
            add_edge(w, v, U, c);
        return;
    }
    int32_t a = (int32_t)w->n_nodes++;
    w->lin[a] = 0.0;
    if (up) {
        add_edge(w, U, a, c);
        for (size_t i = 0; i < nf; i++)
            add_edge(w, a, w->free_nodes[i], -1.0);
    } else {
        for (size_t i = 0; i < nf; i++)
            add_edge(w, w->free_nodes[i], a, -1.0);
        add_edge(w, a, U, c);
    }
}

/* Per-link transfer costs: [link][0] up (slot j - 1 to j), [link][1] down. */
typedef struct links {
    double rate[PD_MAX_TIERS][2], hop[PD_MAX_TIERS][2];
} links;

/* One way: y_j(u) <= y_j(v) for every input u of every layer v, on every link. A pair that a
 * pin or the mask fixes needs no edge when it holds; broken, the set is infeasible (false).
 * One end fixed against the other free would need an infinite edge at the source or the sink:
 * the caller closes its pins along the graph first, so that none is. */
static pd_status add_one_way(const pd_problem *pb, cut_work *w, bool *feasible, pd_error *err)
{
    size_t n = pb->n_layers, n_links = (size_t)pb->n_tiers - 1;
    *feasible = false;
    for (size_t v = 0; v < n; v++) {
        size_t m;
        const int32_t *in = pd_topology_inputs(pb->topo, v, &m);
        for (size_t i = 0; i < m; i++) {
            if (in[i] < 0)
                continue; /* the network input is on the mobile, below every tier */
            for (size_t j = 0; j < n_links; j++) {
                int32_t a = w->var[j * n + v], b = w->var[j * n + (size_t)in[i]];
                if (a == b || a == SNK || b == SRC)
                    continue;
                if (a == SRC && b == SNK)
                    return PD_OK;
                if (a < 2 || b < 2)
                    return pd_error_set(err, PD_EINPUT,
                                        "exact: a one-way cut needs its pins closed along the "
                                        "graph (layer %zu and its input %d)", v, in[i]);
                add_edge(w, a, b, -1.0);
            }
        }
    }
    *feasible = true;
    return PD_OK;
}

/* One minimum cut with every layer on a slot of `mask` (and its pin), the loading slopes of
 * the slots in `no_load` left out, one way if asked. *feasible is false when a pin lies
 * outside the mask (or, one way, when the pins break the order). */
static pd_status cut_once(const pd_problem *pb, const groups *gr, const links *lk, unsigned mask,
                          unsigned no_load, bool one_way, cut_work *w, pd_slot *placement,
                          bool *feasible, pd_error *err)
{
    size_t n = pb->n_layers, nt = (size_t)pb->n_tiers, n_links = nt - 1;
    *feasible = false;
    w->n_nodes = 2;
    w->n_edges = 0;
    w->lin[SRC] = w->lin[SNK] = 0.0;
    for (size_t l = 0; l < n; l++) {
        int pin = pd_problem_pin_of(pb, l);
        unsigned allowed = mask & (pin == PD_SLOT_FREE ? ~0u : 1u << pin);
        if (!allowed)
            return PD_OK;
        int32_t *y1 = &w->var[l], *y2 = n_links > 1 ? &w->var[n + l] : NULL;
        if (!y2) {
            *y1 = allowed == 1u ? SRC : allowed == 2u ? SNK : (int32_t)w->n_nodes++;
        } else {
            switch (allowed) {
            case 1u: *y1 = SRC, *y2 = SRC; break;
            case 2u: *y1 = SNK, *y2 = SRC; break;
            case 4u: *y1 = SNK, *y2 = SNK; break;
            case 3u: *y1 = (int32_t)w->n_nodes++, *y2 = SRC; break;
            case 6u: *y1 = SNK, *y2 = (int32_t)w->n_nodes++; break;
            case 5u: *y1 = (int32_t)w->n_nodes++, *y2 = *y1; break; /* mobile or cloud: y2 = y1 */
            default: *y1 = (int32_t)w->n_nodes++, *y2 = (int32_t)w->n_nodes++; break;
            }
        }
        /* compute (and loading) as f(s) = f0 + (f1 - f0) y1 + (f2 - f1) y2 */
        double f[PD_MAX_TIERS] = {0.0, 0.0, 0.0};
        for (size_t s = 0; s < nt; s++)
            f[s] = pb->weight[l] * pb->compute_ms[l * nt + s] +
                   (pb->load_on && !(no_load & (1u << s)) ? pb->load_ms[l * nt + s] : 0.0);
        if (*y1 >= 2)
            w->lin[*y1] = 0.0;
        if (y2 && *y2 >= 2 && *y2 != *y1)
            w->lin[*y2] = 0.0;
        if (*y1 >= 2)
            w->lin[*y1] += f[1] - f[0];
        if (y2 && *y2 >= 2)
            w->lin[*y2] += f[2] - f[1];
        if (y2 && *y1 >= 2 && *y2 >= 2 && *y1 != *y2)
            add_edge(w, *y1, *y2, -1.0); /* y2 <= y1: never the cloud's side without the edge's */
    }
    if (one_way) {
        bool ordered;
        pd_status st = add_one_way(pb, w, &ordered, err);
        if (st || !ordered)
            return st;
    }
    for (size_t g = 0; g < gr->n; g++) {
        int32_t u = gr->tensor[g];
        double bytes = u < 0 ? pb->input_bytes : pb->out_bytes[u];
        const int32_t *rd = gr->readers + gr->start[g];
        size_t d = gr->start[g + 1] - gr->start[g];
        for (size_t j = 0; j < n_links; j++) {
            int32_t U = u < 0 ? SRC : w->var[j * n + (size_t)u];
            for (int dir = 0; dir < 2; dir++) {
                bool up = dir == 0;
                int32_t far = up ? SNK : SRC;
                bool fixed_far = !up && gr->mobile[g];
                size_t nf = 0;
                for (size_t i = 0; i < d && !fixed_far; i++) {
                    int32_t v = w->var[j * n + (size_t)rd[i]];
                    if (v == far)
                        fixed_far = true;
                    else if (v >= 2)
                        w->free_nodes[nf++] = v;
                }
                double c = gr->weight[g] * (bytes * lk->rate[j][dir] + lk->hop[j][dir]);
                add_crossing(w, up, U, c, fixed_far, nf);
            }
        }
    }
    for (size_t v = 2; v < w->n_nodes; v++) {
        if (w->lin[v] > 0.0)
            add_edge(w, SRC, (int32_t)v, w->lin[v]);
        else if (w->lin[v] < 0.0)
            add_edge(w, (int32_t)v, SNK, -w->lin[v]);
    }
    double finite = 0.0;
    for (size_t e = 0; e < w->n_edges; e++)
        if (w->capacity[e] >= 0.0)
            finite += w->capacity[e];
    double inf = INF_FACTOR * (finite + 1.0);
    if (!isfinite(inf))
        return pd_error_set(err, PD_ELIMIT,
                            "exact: the cut's capacities sum to %g, too large to stand a larger "
                            "one for infinity",
                            finite);
    for (size_t e = 0; e < w->n_edges; e++)
        if (w->capacity[e] < 0.0)
            w->capacity[e] = inf;

    igraph_t graph;
    igraph_vector_int_t edges_view, sink_side;
    igraph_vector_t cap_view;
    igraph_real_t value;
    const igraph_vector_int_t *ev =
        igraph_vector_int_view(&edges_view, w->edge, (igraph_integer_t)(2 * w->n_edges));
    const igraph_vector_t *cv =
        igraph_vector_view(&cap_view, w->capacity, (igraph_integer_t)w->n_edges);
    if (igraph_create(&graph, ev, (igraph_integer_t)w->n_nodes, IGRAPH_DIRECTED) != IGRAPH_SUCCESS)
        return pd_error_set(err, PD_ENOMEM, "exact: igraph could not build the cut's graph of "
                                            "%zu nodes and %zu edges", w->n_nodes, w->n_edges);
    if (igraph_vector_int_init(&sink_side, 0) != IGRAPH_SUCCESS) {
        igraph_destroy(&graph);
        return pd_error_set(err, PD_ENOMEM, "exact: out of memory");
    }
    igraph_error_t ig = igraph_maxflow(&graph, &value, NULL, NULL, NULL, &sink_side, SRC, SNK,
                                       cv, NULL);
    pd_status st = PD_OK;
    if (ig != IGRAPH_SUCCESS) {
        st = pd_error_set(err, ig == IGRAPH_ENOMEM ? PD_ENOMEM : PD_EINPUT,
                          "exact: igraph's max-flow failed (%s) on %zu nodes and %zu edges",
                          igraph_strerror(ig), w->n_nodes, w->n_edges);
    } else if (!(value < inf)) {
        st = pd_error_set(err, PD_EINPUT, "exact: the minimum cut %g crosses an infinite edge",
                          value);
    } else {
        memset(w->side, 0, w->n_nodes);
        igraph_integer_t m = igraph_vector_int_size(&sink_side);
        for (igraph_integer_t i = 0; i < m; i++)
            w->side[VECTOR(sink_side)[i]] = 1;
        if (w->side[SRC] || !w->side[SNK])
            st = pd_error_set(err, PD_EINPUT, "exact: igraph's cut does not part source and sink");
    }
    igraph_vector_int_destroy(&sink_side);
    igraph_destroy(&graph);
    if (st)
        return st;
    w->side[SRC] = 0;
    w->side[SNK] = 1;
    for (size_t l = 0; l < n; l++) {
        int y1 = w->side[w->var[l]], y2 = n_links > 1 ? w->side[w->var[n + l]] : 0;
        if (y2 > y1)
            return pd_error_set(err, PD_EINPUT, "exact: the cut put layer %zu in the cloud "
                                                "without the edge", l);
        placement[l] = (pd_slot)(y1 + y2);
    }
    *feasible = true;
    return PD_OK;
}

/* The links' costs per slot pair; the mobile-cloud transfer must be the sum of its two links
 * (pd_problem_set_links makes it so) for the cut to cost a crossing of each alone. */
static pd_status link_costs(const pd_problem *pb, links *lk, pd_error *err)
{
    int nt = pb->n_tiers;
    for (int s = 1; s < nt; s++)
        if (pb->tier[s] <= pb->tier[s - 1])
            return pd_error_set(err, PD_EINPUT, "exact: the problem's tiers are not in order");
    for (int j = 0; j + 1 < nt; j++) {
        lk->rate[j][0] = pb->ms_per_byte[j][j + 1];
        lk->hop[j][0] = pb->hop_ms[j][j + 1];
        lk->rate[j][1] = pb->ms_per_byte[j + 1][j];
        lk->hop[j][1] = pb->hop_ms[j + 1][j];
        for (int d = 0; d < 2; d++)
            if (!(lk->rate[j][d] >= 0.0) || !(lk->hop[j][d] >= 0.0))
                return pd_error_set(err, PD_EINPUT, "exact: a link's cost is negative");
    }
    if (nt == 3) {
        const double(*r)[PD_MAX_TIERS] = pb->ms_per_byte, (*h)[PD_MAX_TIERS] = pb->hop_ms;
        double e[4] = {r[0][2] - r[0][1] - r[1][2], r[2][0] - r[2][1] - r[1][0],
                       h[0][2] - h[0][1] - h[1][2], h[2][0] - h[2][1] - h[1][0]};
        double scale[4] = {r[0][2], r[2][0], h[0][2], h[2][0]};
        for (int i = 0; i < 4; i++)
            if (fabs(e[i]) > 1e-12 * fabs(scale[i]))
                return pd_error_set(err, PD_EINPUT,
                                    "exact: a mobile-cloud transfer must cost its two links' sum");
    }
    for (size_t k = 0; k < pb->n_exits; k++)
        if (!(pb->exit_prob[k] >= 0.0))
            return pd_error_set(err, PD_EINPUT, "exact: exit %zu has a negative probability", k);
    return PD_OK;
}

static void work_free(cut_work *w)
{
    free(w->var);
    free(w->lin);
    free(w->edge);
    free(w->capacity);
    free(w->side);
    free(w->free_nodes);
}

static pd_status work_new(const pd_problem *pb, const groups *gr, bool one_way, cut_work *w,
                          pd_error *err)
{
    size_t n = pb->n_layers, n_links = (size_t)pb->n_tiers - 1, max_d = 0;
    memset(w, 0, sizeof *w);
    w->n_vars = n_links * n;
    /* per group and link: two crossings, each an auxiliary node and 1 + readers edges; one
     * way, an edge per link and layer input */
    w->max_nodes = 2 + w->n_vars + 2 * n_links * gr->n;
    w->max_edges = w->n_vars + n + 2 * n_links * (gr->n + gr->n_readers) + w->max_nodes +
                   (one_way ? n_links * pb->topo->in_start[n] : 0);
    for (size_t g = 0; g < gr->n; g++)
        max_d = gr->start[g + 1] - gr->start[g] > max_d ? gr->start[g + 1] - gr->start[g] : max_d;
    w->max_readers = max_d;
    w->var = malloc((w->n_vars ? w->n_vars : 1) * sizeof *w->var);
    w->lin = malloc(w->max_nodes * sizeof *w->lin);
    w->edge = malloc(2 * w->max_edges * sizeof *w->edge);
    w->capacity = malloc(w->max_edges * sizeof *w->capacity);
    w->side = malloc(w->max_nodes);
    w->free_nodes = malloc((max_d ? max_d : 1) * sizeof *w->free_nodes);
    if (!w->var || !w->lin || !w->edge || !w->capacity || !w->side || !w->free_nodes) {
        work_free(w);
        return pd_error_set(err, PD_ENOMEM, "exact: out of memory for a cut of %zu nodes",
                            w->max_nodes);
    }
    return PD_OK;
}

/* The cuts of pd_solve_exact_dag, one way or not. */
static pd_status solve_by_cuts(const pd_problem *pb, bool one_way, pd_slot *placement,
                               pd_error *err)
{
    size_t n = pb->n_layers;
    if (pb->n_tiers == 1) {
        memset(placement, 0, n * sizeof *placement);
        return PD_OK;
    }
    links lk;
    pd_status st = link_costs(pb, &lk, err);
    if (st)
        return st;
    groups gr;
    if ((st = build_groups(pb, &gr, err)))
        return st;
    cut_work w;
    if ((st = work_new(pb, &gr, one_way, &w, err))) {
        groups_free(&gr);
        return st;
    }
    pd_slot *trial = malloc(n * sizeof *trial);
    if (!trial) {
        work_free(&w);
        groups_free(&gr);
        return pd_error_set(err, PD_ENOMEM, "exact: out of memory");
    }
    igraph_error_handler_t *old_error = igraph_set_error_handler(igraph_error_handler_ignore);
    igraph_warning_handler_t *old_warning =
        igraph_set_warning_handler(igraph_warning_handler_ignore);

    const unsigned all = (1u << pb->n_tiers) - 1u, pinned = pd_problem_pinned_slots(pb);
    bool feasible = false, found = false;
    if (!pb->load_on) {
        st = cut_once(pb, &gr, &lk, all, 0u, one_way, &w, placement, &found, err);
    } else {
        const unsigned clampable = pd_problem_clampable_slots(pb);
        double best = INFINITY;
        for (unsigned mask = 1; mask <= all && !st; mask++) {
            if ((mask & pinned) != pinned)
                continue;
            unsigned maybe = mask & clampable;
            /* every subset of the set's clampable slots, the empty one first */
            for (unsigned z = 0; !st; z = (z - maybe) & maybe) {
                st = cut_once(pb, &gr, &lk, mask, z, one_way, &w, trial, &feasible, err);
                if (!st && feasible) {
                    double c = pd_objective(pb, trial);
                    if (c < best || !found) {
                        best = c;
                        found = true;
                        memcpy(placement, trial, n * sizeof *trial);
                    }
                }
                if (z == maybe)
                    break;
            }
        }
    }
    if (!st && !found)
        st = pd_error_set(err, PD_EINPUT, "exact: no placement honours the pins");
    igraph_set_error_handler(old_error);
    igraph_set_warning_handler(old_warning);
    free(trial);
    work_free(&w);
    groups_free(&gr);
    return st;
}

pd_status pd_solve_exact_dag(const pd_problem *pb, const pd_solve_options *opt,
                             pd_slot *placement, pd_error *err)
{
    (void)opt;
    return solve_by_cuts(pb, false, placement, err);
}

pd_status pd_exact_dag_one_way(const pd_problem *pb, pd_slot *placement, pd_error *err)
{
    return solve_by_cuts(pb, true, placement, err);
}
