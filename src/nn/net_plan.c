/* A net's activation plan (net_plan.h): liveness over each exit's A(k) in topological
 * order. On a tree it comes to two buffers taken in turn, as before: a layer's input is
 * free once it has run, and a ReLU writes over the convolution before it. */
#include <stdlib.h>
#include <string.h>

#include "net_plan.h"
#include "predoff/runtime.h"

void pd_net_plan_free(pd_net_plan *p)
{
    if (!p)
        return;
    free(p->start);
    free(p->layer);
    free(p->out_slot);
    free(p->fuse_relu);
    free(p->fuse_silu);
    free(p->silu);
    free(p->in_start);
    free(p->in_pos);
    free(p->in_shape);
    free(p->cut_ok);
    free(p->slot_floats);
    free(p->first_pos);
    memset(p, 0, sizeof *p);
}

/* The scratch of one exit's planning, as large as the largest exit needs. */
typedef struct work {
    int32_t *pos_of;     /* [n_layers]: a layer's position in the exit being planned */
    int32_t *last_read;  /* [len]: the last position reading each position's output */
    int32_t *slot_of;    /* [len] */
    int *count;          /* [len + 2]: tensors crossing each cut, as differences */
    bool *busy;          /* [slots so far] */
    size_t busy_cap;
} work;

/* A free slot for `need` floats: the smallest free one that holds it, else the largest
 * free one (grown), else a new one. Returns -1 when memory runs out. */
static int32_t take_slot(pd_net_plan *p, work *w, size_t need)
{
    int32_t best = -1, largest = -1;
    for (size_t s = 0; s < p->n_slots; s++) {
        if (w->busy[s])
            continue;
        if (p->slot_floats[s] >= need && (best < 0 || p->slot_floats[s] < p->slot_floats[best]))
            best = (int32_t)s;
        if (largest < 0 || p->slot_floats[s] > p->slot_floats[largest])
            largest = (int32_t)s;
    }
    if (best < 0 && largest >= 0)
        best = largest;
    if (best < 0) {
        if (p->n_slots == w->busy_cap) {
            size_t cap = w->busy_cap ? 2 * w->busy_cap : 8;
            bool *b = realloc(w->busy, cap * sizeof *b);
            size_t *f = realloc(p->slot_floats, cap * sizeof *f);
            if (b)
                w->busy = b;
            if (f)
                p->slot_floats = f;
            if (!b || !f)
                return -1;
            w->busy_cap = cap;
        }
        best = (int32_t)p->n_slots++;
        p->slot_floats[best] = 0;
    }
    if (p->slot_floats[best] < need)
        p->slot_floats[best] = need;
    w->busy[best] = true;
    return best;
}

static pd_status plan_exit(const pd_graph *g, size_t k, const bool *in_place,
                           const int32_t *fused_into, pd_net_plan *p, work *w, size_t *refs)
{
    const pd_topology *t = g->topo;
    const size_t base = p->start[k], len = p->start[k + 1] - base;
    const int32_t *A = p->layer + base;
    for (size_t q = 0; q < len; q++) {
        w->pos_of[A[q]] = (int32_t)q;
        w->last_read[q] = -1;
    }
    memset(w->busy, 0, p->n_slots * sizeof *w->busy);
    int32_t input_last = -1;
    for (size_t q = 0; q < len; q++) {
        size_t n;
        const int32_t *in = pd_topology_inputs(t, (size_t)A[q], &n);
        p->in_start[base + q] = *refs;
        for (size_t j = 0; j < n; j++, (*refs)++) {
            int32_t from = in[j] == PD_TENSOR_INPUT ? -1 : w->pos_of[in[j]];
            p->in_pos[*refs] = from;
            p->in_shape[*refs] = from < 0 ? g->input : g->layers[in[j]].out;
            if (from < 0)
                input_last = (int32_t)q;
            else
                w->last_read[from] = (int32_t)q;
        }
        if (n > p->max_inputs)
            p->max_inputs = n;
    }
    p->in_start[base + len] = *refs;
    /* cut c lies before position c: tensor q crosses it when q < c <= last_read[q], the
     * input when 0 < c <= input_last; counted by differences, then summed */
    memset(w->count, 0, (len + 2) * sizeof *w->count);
    for (size_t q = 0; q < len; q++)
        if (w->last_read[q] > (int32_t)q) {
            w->count[q + 1]++;
            w->count[w->last_read[q] + 1]--;
        }
    if (input_last > 0) {
        w->count[1]++;
        w->count[input_last + 1]--;
    }
    bool *cut = p->cut_ok + pd_net_plan_cut(p, k);
    int crossing = 0;
    for (size_t c = 0; c <= len; c++) {
        crossing += w->count[c];
        cut[c] = c == 0 || c == len || crossing == 1;
    }
    /* the fusions are the runtime's rule (pd_runtime_fused_into), which holds in every
     * exit with the layers: the fused layers come right after (or, a SiLU's sigmoid, right
     * before) the layer whose pass runs them, and write over its output */
    for (size_t q = 0; q < len; q++)
        p->silu[base + q] = g->layers[A[q]].type == PD_LAYER_SIGMOID && q + 1 < len &&
                            (fused_into[A[q]] == A[q + 1] ||
                             (q > 0 && fused_into[A[q]] == A[q - 1]));
    for (size_t q = 0; q < len; q++) {
        const pd_layer *l = &g->layers[A[q]];
        const size_t first = p->in_start[base + q];
        const int32_t src = p->in_pos[first];
        /* over its first input when that input dies here and is a layer's (not the
         * caller's); a ReLU after a convolution is such a case, and the conv fuses it */
        bool over = in_place[l->type] && src >= 0 && w->last_read[src] == (int32_t)q;
        /* a pass reads its first two inputs before it writes, the third and later after
         * (add sums them in turn): not over an input it reads again there */
        for (size_t j = first + 2; over && j < p->in_start[base + q + 1]; j++)
            over = p->in_pos[j] != src;
        int32_t s = over ? w->slot_of[src] : take_slot(p, w, (size_t)pd_shape_elems(l->out));
        if (s < 0)
            return PD_ENOMEM;
        if (over && p->slot_floats[s] < (size_t)pd_shape_elems(l->out))
            p->slot_floats[s] = (size_t)pd_shape_elems(l->out);
        w->slot_of[q] = s;
        p->out_slot[base + q] = s;
        p->fuse_relu[base + q] = false;
        if (over && pd_net_plan_fusable_act(l) && src == (int32_t)q - 1 &&
            fused_into[A[q]] == A[src])
            p->fuse_relu[base + src] = true;
        for (size_t j = first; j < p->in_start[base + q + 1]; j++) {
            int32_t from = p->in_pos[j];
            if (from >= 0 && w->last_read[from] == (int32_t)q && w->slot_of[from] != s)
                w->busy[w->slot_of[from]] = false;
        }
    }
    /* a convolution whose output only a SiLU pair reads, the multiply writing over it: the
     * convolution's pass computes the SiLU into its own slot, which is the multiply's */
    for (size_t q = 0; q < len; q++) {
        p->fuse_silu[base + q] =
            q + 2 < len && p->silu[base + q + 1] && fused_into[A[q + 1]] == A[q] &&
            fused_into[A[q + 2]] == A[q] && w->last_read[q] == (int32_t)q + 2 &&
            p->out_slot[base + q + 2] == p->out_slot[base + q];
    }
    return PD_OK;
}

pd_status pd_net_plan_make(const pd_graph *g, const bool *in_place, pd_net_plan *p,
                           pd_error *err)
{
    memset(p, 0, sizeof *p);
    const pd_topology *t = g->topo;
    size_t total = 0, refs_total = 0, longest = 0;
    p->n_exits = g->n_exits;
    p->start = malloc((g->n_exits + 1) * sizeof *p->start);
    if (!p->start)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t k = 0; k < g->n_exits; k++) {
        p->start[k] = total;
        total += t->sub_len[k];
        longest = t->sub_len[k] > longest ? t->sub_len[k] : longest;
    }
    p->start[g->n_exits] = total;
    p->layer = malloc((total ? total : 1) * sizeof *p->layer);
    if (!p->layer) {
        pd_net_plan_free(p);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < g->n_exits; k++) {
        pd_topology_sub_list(t, k, p->layer + p->start[k]);
        for (size_t q = p->start[k]; q < p->start[k + 1]; q++) {
            size_t n;
            pd_topology_inputs(t, (size_t)p->layer[q], &n);
            refs_total += n;
        }
    }
    p->first_pos = malloc((g->n_layers ? g->n_layers : 1) * sizeof *p->first_pos);
    if (!p->first_pos) {
        pd_net_plan_free(p);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < g->n_layers; i++)
        p->first_pos[i] = SIZE_MAX;
    for (size_t q = total; q-- > 0;) /* from the back: the first exit's position wins */
        p->first_pos[p->layer[q]] = q;
    work w = {0};
    p->out_slot = malloc((total ? total : 1) * sizeof *p->out_slot);
    p->fuse_relu = malloc((total ? total : 1) * sizeof *p->fuse_relu);
    p->silu = malloc((total ? total : 1) * sizeof *p->silu);
    p->fuse_silu = malloc((total ? total : 1) * sizeof *p->fuse_silu);
    p->in_start = malloc((total + 1) * sizeof *p->in_start);
    p->in_pos = malloc((refs_total ? refs_total : 1) * sizeof *p->in_pos);
    p->in_shape = malloc((refs_total ? refs_total : 1) * sizeof *p->in_shape);
    p->cut_ok = malloc((total + g->n_exits) * sizeof *p->cut_ok);
    w.pos_of = malloc((g->n_layers ? g->n_layers : 1) * sizeof *w.pos_of);
    w.last_read = malloc((longest ? longest : 1) * sizeof *w.last_read);
    w.slot_of = malloc((longest ? longest : 1) * sizeof *w.slot_of);
    w.count = malloc((longest + 2) * sizeof *w.count);
    w.busy = malloc(8 * sizeof *w.busy);
    p->slot_floats = malloc(8 * sizeof *p->slot_floats);
    w.busy_cap = 8;
    int32_t *fused_into = malloc((g->n_layers ? g->n_layers : 1) * sizeof *fused_into);
    for (size_t i = 0; fused_into && i < g->n_layers; i++)
        fused_into[i] = pd_runtime_fused_into(g, i);
    pd_status st = fused_into ? PD_OK : PD_ENOMEM;
    if (st || !p->out_slot || !p->fuse_relu || !p->silu || !p->fuse_silu || !p->in_start || !p->in_pos || !p->in_shape ||
        !p->cut_ok || !w.pos_of || !w.last_read || !w.slot_of || !w.count || !w.busy ||
        !p->slot_floats)
        st = PD_ENOMEM;
    size_t refs = 0;
    for (size_t k = 0; k < g->n_exits && !st; k++)
        st = plan_exit(g, k, in_place, fused_into, p, &w, &refs);
    free(fused_into);
    free(w.pos_of);
    free(w.last_read);
    free(w.slot_of);
    free(w.count);
    free(w.busy);
    if (st) {
        pd_net_plan_free(p);
        return pd_error_set(err, PD_ENOMEM, "out of memory planning the model's buffers");
    }
    return PD_OK;
}
