/* The structure of a layer graph, computed once (topology.h). */
#include <stdlib.h>
#include <string.h>

#include "predoff/topology.h"

void pd_topology_free(pd_topology *t)
{
    if (!t)
        return;
    free(t->in_start);
    free(t->in_ids);
    free(t->rd_start);
    free(t->rd_ids);
    free(t->order);
    free(t->exits);
    free(t->sub_len);
    free(t->pre);
    free(t->size);
    free(t->member);
    free(t->sub_start);
    free(t->sub_ids);
    free(t);
}

static pd_status check_inputs(size_t n, const size_t *in_start, const int32_t *in_ids,
                              size_t n_exits, const int32_t *exits, pd_error *err)
{
    if (n == 0 || n > (size_t)INT32_MAX - 2)
        return pd_error_set(err, PD_EINPUT, "a layer graph needs 1 to %d layers", INT32_MAX - 2);
    if (n_exits == 0)
        return pd_error_set(err, PD_EINPUT, "a layer graph needs an exit");
    if (in_start[0] != 0)
        return pd_error_set(err, PD_EINPUT, "layer 0: inputs do not start at 0");
    for (size_t i = 0; i < n; i++) {
        if (in_start[i + 1] <= in_start[i])
            return pd_error_set(err, PD_EINPUT, "layer %zu reads no tensor", i);
        for (size_t j = in_start[i]; j < in_start[i + 1]; j++)
            if (in_ids[j] < PD_TENSOR_INPUT || in_ids[j] >= (int32_t)i)
                return pd_error_set(err, PD_EINPUT,
                                    "layer %zu: input %d does not come before it", i, in_ids[j]);
    }
    for (size_t k = 0; k < n_exits; k++)
        if (exits[k] < 0 || (size_t)exits[k] >= n)
            return pd_error_set(err, PD_EINPUT, "exit %zu: no layer %d", k, exits[k]);
    return PD_OK;
}

/* Whether layer i's j-th input repeats an earlier one (a layer reading a tensor twice). */
static bool repeated(const pd_topology *t, size_t i, size_t j)
{
    for (size_t a = t->in_start[i]; a < j; a++)
        if (t->in_ids[a] == t->in_ids[j])
            return true;
    return false;
}

/* Readers per tensor by counting sort; a layer reading one tensor twice is listed once. */
static pd_status build_readers(pd_topology *t)
{
    size_t n = t->n_layers;
    t->rd_start = calloc(n + 2, sizeof *t->rd_start);
    t->rd_ids = malloc(t->in_start[n] * sizeof *t->rd_ids);
    size_t *fill = malloc((n + 1) * sizeof *fill);
    if (!t->rd_start || !t->rd_ids || !fill) {
        free(fill);
        return PD_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = t->in_start[i]; j < t->in_start[i + 1]; j++)
            if (!repeated(t, i, j))
                t->rd_start[(size_t)(t->in_ids[j] + 2)]++;
    for (size_t u = 0; u <= n; u++) {
        t->rd_start[u + 1] += t->rd_start[u];
        fill[u] = t->rd_start[u];
    }
    for (size_t i = 0; i < n; i++) /* in layer order, so each list is ascending */
        for (size_t j = t->in_start[i]; j < t->in_start[i + 1]; j++)
            if (!repeated(t, i, j))
                t->rd_ids[fill[(size_t)(t->in_ids[j] + 1)]++] = (int32_t)i;
    free(fill);
    return PD_OK;
}

/* A forest: preorder numbers and subtree sizes, parents before children. */
static pd_status build_tree(pd_topology *t)
{
    size_t n = t->n_layers;
    t->pre = malloc(n * sizeof *t->pre);
    t->size = malloc(n * sizeof *t->size);
    size_t *cursor = malloc(n * sizeof *cursor);
    size_t *depth = malloc(n * sizeof *depth);
    if (!t->pre || !t->size || !cursor || !depth) {
        free(cursor);
        free(depth);
        return PD_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        t->size[i] = 1;
    for (size_t i = n; i-- > 0;)
        if (t->in_ids[i] >= 0)
            t->size[t->in_ids[i]] += t->size[i];
    size_t roots = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t p = t->in_ids[i];
        if (p < 0) {
            t->pre[i] = roots;
            roots += t->size[i];
            depth[i] = 1;
        } else {
            t->pre[i] = cursor[p];
            cursor[p] += t->size[i];
            depth[i] = depth[p] + 1;
        }
        cursor[i] = t->pre[i] + 1;
    }
    for (size_t k = 0; k < t->n_exits; k++)
        t->sub_len[k] = depth[t->exits[k]];
    free(cursor);
    free(depth);
    return PD_OK;
}

/* A DAG: A(k) marked from the exit down the index order, then listed ascending. */
static pd_status build_dag(pd_topology *t, pd_error *err)
{
    size_t n = t->n_layers, ne = t->n_exits;
    if ((double)n * (double)ne > PD_TOPOLOGY_MAX_DAG_PAIRS)
        return pd_error_set(err, PD_ELIMIT,
                            "a graph of %zu layers (not a tree) with %zu exits is beyond the "
                            "limit of %.0f exits x layers",
                            n, ne, PD_TOPOLOGY_MAX_DAG_PAIRS);
    t->words = (n + 63) / 64;
    t->member = calloc(ne * t->words, sizeof *t->member);
    t->sub_start = malloc(ne * sizeof *t->sub_start);
    if (!t->member || !t->sub_start)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    size_t total = 0;
    for (size_t k = 0; k < ne; k++) {
        uint64_t *m = t->member + k * t->words;
        size_t e = (size_t)t->exits[k], len = 0;
        m[e / 64] |= (uint64_t)1 << (e % 64);
        for (size_t v = e + 1; v-- > 0;) {
            if (!((m[v / 64] >> (v % 64)) & 1u))
                continue;
            len++;
            for (size_t j = t->in_start[v]; j < t->in_start[v + 1]; j++) {
                int32_t u = t->in_ids[j];
                if (u >= 0)
                    m[(size_t)u / 64] |= (uint64_t)1 << ((size_t)u % 64);
            }
        }
        t->sub_start[k] = total;
        t->sub_len[k] = len;
        total += len;
    }
    t->sub_ids = malloc((total ? total : 1) * sizeof *t->sub_ids);
    if (!t->sub_ids)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t k = 0; k < ne; k++) {
        size_t at = t->sub_start[k];
        for (size_t v = 0; v <= (size_t)t->exits[k]; v++)
            if (pd_topology_in_sub(t, k, v))
                t->sub_ids[at++] = (int32_t)v;
    }
    return PD_OK;
}

pd_status pd_topology_new(size_t n_layers, const size_t *in_start, const int32_t *in_ids,
                          size_t n_exits, const int32_t *exits, pd_topology **out,
                          pd_error *err)
{
    *out = NULL;
    if (check_inputs(n_layers, in_start, in_ids, n_exits, exits, err))
        return PD_EINPUT;
    pd_topology *t = calloc(1, sizeof *t);
    if (!t)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    size_t n = n_layers, edges = in_start[n];
    t->n_layers = n;
    t->n_exits = n_exits;
    t->first_join = -1;
    t->in_start = malloc((n + 1) * sizeof *t->in_start);
    t->in_ids = malloc(edges * sizeof *t->in_ids);
    t->order = malloc(n * sizeof *t->order);
    t->exits = malloc(n_exits * sizeof *t->exits);
    t->sub_len = calloc(n_exits, sizeof *t->sub_len);
    if (!t->in_start || !t->in_ids || !t->order || !t->exits || !t->sub_len) {
        pd_topology_free(t);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    memcpy(t->in_start, in_start, (n + 1) * sizeof *in_start);
    memcpy(t->in_ids, in_ids, edges * sizeof *in_ids);
    memcpy(t->exits, exits, n_exits * sizeof *exits);
    for (size_t i = 0; i < n; i++) {
        t->order[i] = (int32_t)i;
        if (t->first_join < 0 && in_start[i + 1] - in_start[i] > 1) {
            t->first_join = (int32_t)i;
            t->first_join_inputs = in_start[i + 1] - in_start[i];
        }
    }
    t->tree = t->first_join < 0;
    pd_status st = build_readers(t) ? pd_error_set(err, PD_ENOMEM, "out of memory") : PD_OK;
    if (!st)
        st = t->tree ? (build_tree(t) ? pd_error_set(err, PD_ENOMEM, "out of memory") : PD_OK)
                     : build_dag(t, err);
    if (st) {
        pd_topology_free(t);
        return st;
    }
    *out = t;
    return PD_OK;
}

pd_status pd_topology_copy(const pd_topology *t, pd_topology **out, pd_error *err)
{
    return pd_topology_new(t->n_layers, t->in_start, t->in_ids, t->n_exits, t->exits, out, err);
}

void pd_topology_sub_list(const pd_topology *t, size_t k, int32_t *out)
{
    size_t at = t->sub_len[k];
    pd_sub_walk w = pd_sub_walk_begin(t, k);
    for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;)
        out[--at] = v;
}

pd_status pd_topology_sub_cuts(const pd_topology *t, size_t k, const int32_t *list,
                               int32_t *cross, pd_error *err)
{
    size_t len = t->sub_len[k];
    /* [tensor + 1]: the position of its last reader in A(k); a layer's own position when
     * none reads it */
    size_t *last = malloc((t->n_layers + 1) * sizeof *last);
    /* cut c: how many tensors cross it and the sum of their ids, by differences */
    long long *count = calloc(len + 2, sizeof *count), *ids = calloc(len + 2, sizeof *ids);
    if (!last || !count || !ids) {
        free(last);
        free(count);
        free(ids);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    last[0] = 0;
    for (size_t p = 0; p < len; p++)
        last[list[p] + 1] = p;
    for (size_t p = 0; p < len; p++) {
        size_t n;
        const int32_t *in = pd_topology_inputs(t, (size_t)list[p], &n);
        for (size_t a = 0; a < n; a++)
            last[in[a] + 1] = p; /* positions ascend: the last write is the last reader */
    }
    /* the input crosses cuts 0 .. its last reader; the output of the layer at p, cuts
     * p + 1 .. its last reader */
    count[0]++;
    ids[0] += PD_TENSOR_INPUT;
    count[last[0] + 1]--;
    ids[last[0] + 1] -= PD_TENSOR_INPUT;
    for (size_t p = 0; p < len; p++) {
        size_t q = last[list[p] + 1];
        if (q > p) {
            count[p + 1]++;
            ids[p + 1] += list[p];
            count[q + 1]--;
            ids[q + 1] -= list[p];
        }
    }
    long long crossing = 0, sum = 0;
    for (size_t c = 0; c < len; c++) {
        crossing += count[c];
        sum += ids[c];
        cross[c] = crossing == 1 ? (int32_t)sum : PD_CUT_SEVERAL;
    }
    cross[0] = PD_TENSOR_INPUT;
    cross[len] = list[len - 1];
    free(last);
    free(count);
    free(ids);
    return PD_OK;
}

pd_status pd_topology_peak_bytes(const pd_topology *t, size_t k, const double *out_bytes,
                                 double input_bytes, double *peak, pd_error *err)
{
    size_t len = t->sub_len[k];
    int32_t *list = malloc(len * sizeof *list);
    /* [tensor + 1]: the step of its last reader in A(k) */
    size_t *last = malloc((t->n_layers + 1) * sizeof *last);
    if (!list || !last) {
        free(list);
        free(last);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    pd_topology_sub_list(t, k, list);
    for (size_t j = 0; j < len; j++) {
        size_t n;
        const int32_t *in = pd_topology_inputs(t, (size_t)list[j], &n);
        for (size_t a = 0; a < n; a++)
            last[in[a] + 1] = j;
    }
    /* byte counts are whole numbers far below 2^53: the sums are exact in any order */
    double alive = input_bytes, most = alive;
    for (size_t j = 0; j < len; j++) {
        size_t v = (size_t)list[j], n;
        alive += out_bytes[v];
        most = alive > most ? alive : most;
        const int32_t *in = pd_topology_inputs(t, v, &n);
        for (size_t a = 0; a < n; a++) {
            bool again = false;
            for (size_t b = 0; b < a && !again; b++)
                again = in[b] == in[a];
            if (!again && last[in[a] + 1] == j)
                alive -= in[a] < 0 ? input_bytes : out_bytes[in[a]];
        }
    }
    free(list);
    free(last);
    *peak = most;
    return PD_OK;
}
