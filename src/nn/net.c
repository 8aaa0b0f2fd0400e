/* A model ready to run: weights bound to layers, exit paths and buffers planned once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "forward.h"
#include "predoff/runtime.h"
#include "threads.h"
#include "workers.h"

struct pd_net {
    const pd_graph *g;
    const float **w, **b;   /* [n_layers]: the layer's weights and bias, or NULL */
    float **prep;           /* [n_layers]: the weights as the layer's pass prepared them, or NULL */
    float *buf[2];          /* activations, each as large as the largest tensor */
    float *scratch;         /* the largest scratch any layer needs */
    size_t max_elems;
    int32_t *paths;         /* every exit's path from the root, one after the other */
    size_t *path_start;     /* [n_exits + 1] */
    int threads;            /* each layer's work is split over this many threads */
    pd_workers *pool;       /* threads - 1 of them (NULL for one thread) */
};

static void *alloc_floats(size_t n)
{
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}

void pd_net_free(pd_net *net)
{
    if (!net)
        return;
    pd_workers_free(net->pool);
    for (size_t i = 0; net->prep && i < net->g->n_layers; i++)
        free(net->prep[i]);
    free(net->prep);
    free(net->w);
    free(net->b);
    free(net->buf[0]);
    free(net->buf[1]);
    free(net->scratch);
    free(net->paths);
    free(net->path_start);
    free(net);
}

/* Each exit's sub-graph A(k) in topological order, one after the other (today's kernels
 * are all of one input, so every model the runtime takes is a tree and A(k) a chain). */
static pd_status plan_paths(pd_net *net, pd_error *err)
{
    const pd_graph *g = net->g;
    const pd_topology *t = g->topo;
    size_t total = 0;
    for (size_t k = 0; k < g->n_exits; k++)
        total += t->sub_len[k];
    net->paths = malloc(total * sizeof *net->paths);
    net->path_start = malloc((g->n_exits + 1) * sizeof *net->path_start);
    if (!net->paths || !net->path_start)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    size_t pos = 0;
    for (size_t k = 0; k < g->n_exits; k++) {
        net->path_start[k] = pos;
        pd_topology_sub_list(t, k, net->paths + pos);
        pos += t->sub_len[k];
    }
    net->path_start[g->n_exits] = pos;
    return PD_OK;
}

pd_status pd_net_new(const pd_graph *g, const pd_weights *w, const char *source, int threads,
                     pd_net **out, pd_error *err)
{
    *out = NULL;
    int n_threads;
    if (pd_threads_resolve(threads, g->name, &n_threads, err))
        return PD_EINPUT;
    for (size_t i = 0; i < g->n_layers; i++)
        if (!pd_forward_op_of(g->layers[i].type))
            return pd_error_set(err, PD_ELIMIT,
                                "model \"%.64s\": the runtime cannot run layers of type \"%s\" "
                                "yet (layer \"%.64s\")",
                                g->name, pd_layer_type_name(g->layers[i].type), g->layers[i].name);
    if (pd_weights_check(w, g, source, err))
        return err ? err->status : PD_EINPUT;
    pd_weights_index *ix;
    if (pd_weights_index_new(w, &ix, err))
        return PD_ENOMEM;
    pd_net *net = calloc(1, sizeof *net);
    if (!net) {
        pd_weights_index_free(ix);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    net->g = g;
    net->threads = n_threads;
    net->w = calloc(g->n_layers, sizeof *net->w);
    net->b = calloc(g->n_layers, sizeof *net->b);
    net->prep = calloc(g->n_layers, sizeof *net->prep);
    if (!net->w || !net->b || !net->prep) {
        pd_weights_index_free(ix);
        pd_net_free(net);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    size_t max_elems = (size_t)pd_shape_elems(g->input), max_scratch = 0;
    for (size_t i = 0; i < g->n_layers; i++) {
        const pd_layer *l = &g->layers[i];
        size_t e = (size_t)pd_shape_elems(l->out);
        max_elems = e > max_elems ? e : max_elems;
        const pd_forward_op *op = pd_forward_op_of(l->type);
        size_t s = net->threads > 1 && op->forward_split && op->split_scratch_floats
                       ? op->split_scratch_floats(l, net->threads)
                       : op->scratch_floats(l);
        max_scratch = s > max_scratch ? s : max_scratch;
        if (pd_layer_weight_count(l) > 0) { /* pd_weights_check has found them */
            const pd_named_tensor *bias = pd_weights_index_find_joined(ix, l->name, ".bias");
            net->w[i] = pd_weights_index_find_joined(ix, l->name, ".weight")->data;
            net->b[i] = l->p.bias && bias ? bias->data : NULL; /* "bias": false has none */
        }
        size_t np = op->prepared_floats ? op->prepared_floats(l) : 0;
        if (np > 0) {
            net->prep[i] = alloc_floats(np);
            if (!net->prep[i]) {
                pd_weights_index_free(ix);
                pd_net_free(net);
                return pd_error_set(err, PD_ENOMEM, "out of memory for layer \"%s\"'s weights",
                                    l->name);
            }
            op->prepare(l, net->w[i], net->b[i], net->prep[i]);
        }
    }
    pd_weights_index_free(ix);
    net->max_elems = max_elems;
    net->buf[0] = alloc_floats(max_elems);
    net->buf[1] = alloc_floats(max_elems);
    net->scratch = alloc_floats(max_scratch);
    if (!net->buf[0] || !net->buf[1] || !net->scratch) {
        pd_net_free(net);
        return pd_error_set(err, PD_ENOMEM, "out of memory for the model's buffers");
    }
    pd_status st = plan_paths(net, err);
    if (!st)
        st = pd_workers_new(net->threads, &net->pool, err);
    if (st) {
        pd_net_free(net);
        return st;
    }
    *out = net;
    return PD_OK;
}

int pd_net_threads(const pd_net *net)
{
    return net->threads;
}

const int32_t *pd_net_path(const pd_net *net, size_t exit, size_t *len)
{
    *len = net->path_start[exit + 1] - net->path_start[exit];
    return net->paths + net->path_start[exit];
}

pd_status pd_net_run(pd_net *net, size_t exit, size_t from, size_t to, const float *input,
                     size_t input_count, const float **output, size_t *output_count,
                     double *layer_ms, pd_error *err)
{
    const pd_graph *g = net->g;
    if (exit >= g->n_exits)
        return pd_error_set(err, PD_EINPUT, "no exit %zu (the model has %zu)", exit, g->n_exits);
    size_t len;
    const int32_t *path = pd_net_path(net, exit, &len);
    if (from >= to || to > len)
        return pd_error_set(err, PD_EINPUT, "layers %zu..%zu are not a run of the %zu layers of "
                            "exit \"%s\"", from, to, len, g->layers[g->exits[exit]].name);
    const pd_layer *first = &g->layers[path[from]];
    size_t want = (size_t)pd_shape_elems(first->in);
    if (input_count != want)
        return pd_error_set(err, PD_EINPUT,
                            "layer \"%s\" takes %lldx%lldx%lld = %zu values, got %zu",
                            first->name, (long long)first->in.c, (long long)first->in.h,
                            (long long)first->in.w, want, input_count);
    const float *cur = input;
    /* the buffers alternate per pass (a fused ReLU writes none); the first writes the one
     * the input is not in, as the input may be the previous run's output */
    size_t passes = input == net->buf[0];
    for (size_t i = from; i < to; i++) {
        int32_t v = path[i];
        float *dst = net->buf[passes++ % 2];
        /* a ReLU next on the path, in this run, is applied in this layer's pass */
        bool fuse = i + 1 < to && pd_forward_fuses_relu(g->layers[v].type) &&
                    g->layers[path[i + 1]].type == PD_LAYER_RELU;
        pd_forward_args a = {&g->layers[v], net->w[v], net->b[v], cur, dst, net->scratch, fuse,
                             net->prep[v]};
        double t0 = layer_ms ? pd_now_ms() : 0.0;
        const pd_forward_op *op = pd_forward_op_of(g->layers[v].type);
        if (net->pool && op->forward_split)
            op->forward_split(&a, net->pool);
        else
            op->forward(&a);
        if (layer_ms)
            layer_ms[i - from] = pd_now_ms() - t0;
        if (fuse && layer_ms)
            layer_ms[i + 1 - from] = 0.0; /* its time is in the layer before */
        i += fuse;
        cur = dst;
    }
    *output = cur;
    *output_count = (size_t)pd_shape_elems(g->layers[path[to - 1]].out);
    return PD_OK;
}
