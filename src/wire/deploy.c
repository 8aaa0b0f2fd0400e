/* A deployment: the model, weights and plan one tier holds, and the step it takes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/file.h"
#include "core/json_util.h"
#include "predoff/deploy.h"
#include "predoff/objective.h"
#include "predoff/onnx.h"
#include "predoff/placement.h"
#include "predoff/split.h"

void pd_deployment_free(pd_deployment *d)
{
    if (!d)
        return;
    pd_net_free(d->net);
    pd_weights_free(d->w);
    for (size_t k = 0; d->exits && k < d->g->n_exits; k++) {
        free(d->exits[k].at);
        free(d->exits[k].cut);
        free(d->exits[k].last);
    }
    free(d->exits);
    pd_graph_free(d->g);
    free(d->tier_of);
    free(d->exit_latency_ms);
    free(d->exit_accuracy);
    free(d->max_hops);
    free(d->layer_ms);
    free(d->run_ms);
    free(d);
}

/* FNV-1a of the model's JSON text: the built-in's, or the file's. */
static pd_status hash_model(const char *model, uint64_t *h, pd_error *err)
{
    size_t n;
    const pd_builtin_model *m = pd_builtin_models(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(m[i].name, model) == 0) {
            *h = pd_wire_hash(*h, m[i].json, m[i].json_len);
            return PD_OK;
        }
    char *text;
    size_t len;
    pd_status st = pd_read_file(model, (size_t)1 << 31, &text, &len, err); /* ONNX: 2 GB */
    if (!st) {
        *h = pd_wire_hash(*h, text, len);
        free(text);
    }
    return st;
}

/* The plan's "exits": each exit's predicted latency and accuracy, by name. */
static pd_status read_plan_exits(const char *text, size_t len, const char *source,
                                 pd_deployment *d, pd_error *err)
{
    cJSON *root = NULL;
    if (pd_json_parse(text, len, &root, err))
        return pd_error_prefix(err, source);
    pd_status st = PD_OK;
    const cJSON *expected = cJSON_GetObjectItemCaseSensitive(root, "expected_latency_ms");
    d->expected_ms = NAN;
    if (expected && pd_json_real(expected, "expected_latency_ms", 0, 1e12, &d->expected_ms, err))
        st = pd_error_prefix(err, source);
    const cJSON *exits = cJSON_GetObjectItemCaseSensitive(root, "exits"), *e;
    if (exits && !cJSON_IsArray(exits))
        st = pd_error_set(err, PD_EINPUT, "%s: \"exits\" must be an array", source);
    cJSON_ArrayForEach(e, exits)
    {
        if (st)
            break;
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "exit");
        int32_t layer = cJSON_IsString(name) ? pd_graph_find(d->g, name->valuestring) : -1;
        size_t k = 0;
        while (k < d->g->n_exits && d->g->exits[k] != layer)
            k++;
        if (k == d->g->n_exits) {
            st = pd_error_set(err, PD_EINPUT, "%s: exits: \"%.64s\" is not an exit of \"%s\"",
                              source, cJSON_IsString(name) ? name->valuestring : "?", d->g->name);
            break;
        }
        const cJSON *lat = cJSON_GetObjectItemCaseSensitive(e, "latency_ms");
        const cJSON *acc = cJSON_GetObjectItemCaseSensitive(e, "accuracy");
        if ((lat && pd_json_real(lat, "latency_ms", 0, 1e12, &d->exit_latency_ms[k], err)) ||
            (acc && pd_json_real(acc, "accuracy", 0, 1, &d->exit_accuracy[k], err)))
            st = pd_error_prefix(err, source);
    }
    cJSON_Delete(root);
    return st;
}

pd_status pd_deployment_open(const char *model, const char *weights_path, uint64_t seed,
                             const char *plan_path, int threads, pd_deployment **out,
                             pd_error *err)
{
    *out = NULL;
    pd_deployment *d = calloc(1, sizeof *d);
    if (!d)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    char *text = NULL;
    size_t len = 0;
    uint64_t h = PD_WIRE_HASH_SEED;
    pd_weights *own = NULL; /* an ONNX model's initializers */
    pd_status st = pd_model_open(model, &d->g, &own, err);
    if (!st) /* the engine's features: the tiers' profiles may read them */
        st = pd_graph_set_feature_hook(d->g, &pd_runtime_hook, err);
    if (!st)
        st = hash_model(model, &h, err);
    if (!st && weights_path && own && strcmp(weights_path, model) == 0) {
        d->w = own; /* the model's hash covers its weights */
        own = NULL;
    } else if (!st && weights_path) {
        st = pd_weights_read_safetensors(weights_path, &d->w, err);
        if (!st) /* to run: on huge pages (src/core/pages.h) */
            st = pd_weights_pack(d->w, err);
        if (!st)
            st = pd_read_file(weights_path, (size_t)1 << 34, &text, &len, err);
        if (!st)
            h = pd_wire_hash(h, text, len);
        free(text);
        text = NULL;
    } else if (!st) {
        st = pd_weights_random(d->g, seed, &d->w, err);
        h = pd_wire_hash(h, &seed, sizeof seed);
    }
    pd_weights_free(own);
    if (!st)
        st = pd_net_new(d->g, d->w, weights_path ? weights_path : "random weights", threads,
                        &d->net, err);
    if (!st) {
        size_t n = d->g->n_layers, e = d->g->n_exits, max_in = (size_t)pd_shape_elems(d->g->input);
        for (size_t i = 0; i < n; i++) {
            size_t c = (size_t)pd_shape_elems(d->g->layers[i].out);
            max_in = c > max_in ? c : max_in;
        }
        d->tier_of = malloc(n * sizeof *d->tier_of);
        d->exits = calloc(e, sizeof *d->exits);
        d->exit_latency_ms = malloc(e * sizeof *d->exit_latency_ms);
        d->exit_accuracy = malloc(e * sizeof *d->exit_accuracy);
        d->max_floats = max_in;
        d->max_hops = calloc(e, sizeof *d->max_hops);
        d->layer_ms = calloc(n, sizeof *d->layer_ms);
        d->run_ms = calloc(n ? n : 1, sizeof *d->run_ms); /* a path is at most every layer */
        if (!d->tier_of || !d->exits || !d->exit_latency_ms || !d->exit_accuracy ||
            !d->max_hops || !d->layer_ms || !d->run_ms)
            st = pd_error_set(err, PD_ENOMEM, "out of memory");
        for (size_t k = 0; k < e && !st; k++) {
            pd_exit_plan *x = &d->exits[k];
            x->list = pd_net_path(d->net, k, &x->len);
            x->at = malloc((x->len ? x->len : 1) * sizeof *x->at);
            x->cut = malloc((x->len + 1) * PD_LINK_DIRS * sizeof *x->cut);
            x->last = malloc((x->len + 1) * PD_TIER_COUNT * sizeof *x->last);
            if (!x->at || !x->cut || !x->last)
                st = pd_error_set(err, PD_ENOMEM, "out of memory");
        }
    }
    if (!st)
        st = pd_read_file(plan_path, PD_MAX_TEXT_FILE, &text, &len, err);
    if (!st)
        st = pd_deployment_read_plan(d, text, len, plan_path, err);
    free(text);
    if (st) {
        pd_deployment_free(d);
        return st;
    }
    d->model_hash = h;
    *out = d;
    return PD_OK;
}

/* Transfers between processes from tier a to tier b: the mobile reaches the cloud through
 * the edge. */
static unsigned distance(pd_tier a, pd_tier b)
{
    return a == b ? 0 : (a == PD_TIER_EDGE || b == PD_TIER_EDGE) ? 1 : 2;
}

/* The most hops a request to exit k may make: every transfer its path needs under the plan
 * (back to the mobile at the end), and never fewer than 2 x tiers + 1. */
static uint16_t path_hops(const pd_deployment *d, uint32_t k)
{
    size_t len;
    const int32_t *path = pd_net_path(d->net, k, &len);
    pd_tier at = PD_TIER_MOBILE;
    size_t hops = 0;
    for (size_t i = 0; i < len; i++) {
        hops += distance(at, d->tier_of[path[i]]);
        at = d->tier_of[path[i]];
    }
    hops += distance(at, PD_TIER_MOBILE);
    size_t floor = 2 * PD_TIER_COUNT + 1;
    hops = hops > floor ? hops : floor;
    return (uint16_t)(hops < UINT16_MAX ? hops : UINT16_MAX - 1);
}

/* A tensor as messages name it: "the network input" or "layer "x"'s output". */
static void tensor_text(const pd_deployment *d, uint32_t name, char *out, size_t cap)
{
    if (name == PD_WIRE_INPUT)
        snprintf(out, cap, "the network input");
    else if (name <= d->g->n_layers)
        snprintf(out, cap, "layer \"%.64s\"'s output", d->g->layers[name - 1].name);
    else
        snprintf(out, cap, "layer %u, which the model (%zu layers) does not have",
                 (unsigned)(name - 1), d->g->n_layers);
}

/* Tensor e of exit plan x as messages name it. */
static uint32_t name_of(const pd_exit_plan *x, size_t e)
{
    return e == 0 ? PD_WIRE_INPUT : (uint32_t)x->list[e - 1] + 1;
}

static size_t tensor_floats(const pd_deployment *d, const pd_exit_plan *x, size_t e)
{
    return (size_t)pd_shape_elems(e == 0 ? d->g->input : d->g->layers[x->list[e - 1]].out);
}

/* Exit k's schedule under the placement: the crossings, each tensor's last readers by
 * side, and the check that each message can be sent at all (at most PD_WIRE_MAX_TENSORS
 * tensors and PD_WIRE_MAX_FLOATS floats); d->max_message and d->max_held grow to fit. */
static pd_status plan_exit(pd_deployment *d, size_t k, const char *source, pd_error *err)
{
    pd_exit_plan *x = &d->exits[k];
    const pd_topology *t = d->g->topo;
    const size_t cuts = x->len + 1;
    for (size_t p = 0; p < x->len; p++)
        x->at[p] = d->tier_of[x->list[p]];
    pd_status st = pd_split_crossings(t, k, x->list, x->len, d->tier_of, x->cut, err);
    if (st)
        return st;
    int32_t *pos_of = malloc((d->g->n_layers ? d->g->n_layers : 1) * sizeof *pos_of);
    size_t *count = calloc(cuts * PD_LINK_DIRS, sizeof *count);
    size_t *floats = calloc(cuts * PD_LINK_DIRS, sizeof *floats);
    if (!pos_of || !count || !floats) {
        free(pos_of);
        free(count);
        free(floats);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < d->g->n_layers; i++)
        pos_of[i] = -1;
    for (size_t p = 0; p < x->len; p++)
        pos_of[x->list[p]] = (int32_t)p;
    for (size_t e = 0; e < cuts; e++) {
        int32_t *last = x->last + e * PD_TIER_COUNT;
        last[0] = last[1] = last[2] = -1;
        size_t n;
        const int32_t *rd = pd_topology_readers(t, e == 0 ? PD_TENSOR_INPUT : x->list[e - 1], &n);
        for (size_t j = 0; j < n; j++) {
            int32_t r = pos_of[rd[j]];
            if (r < 0)
                continue;
            last[0] = r > last[0] ? r : last[0];
            if (x->at[r] != PD_TIER_MOBILE)
                last[1] = r > last[1] ? r : last[1];
            if (x->at[r] == PD_TIER_CLOUD)
                last[2] = r > last[2] ? r : last[2];
        }
        if (e == x->len)
            last[0] = (int32_t)x->len; /* the result stays on the mobile to the end */
        for (int dir = 0; dir < PD_LINK_DIRS; dir++) {
            int32_t c = x->cut[e * PD_LINK_DIRS + (size_t)dir];
            if (c >= 0) {
                count[(size_t)c * PD_LINK_DIRS + (size_t)dir]++;
                floats[(size_t)c * PD_LINK_DIRS + (size_t)dir] += tensor_floats(d, x, e);
            }
        }
    }
    for (size_t c = 0; c < cuts && !st; c++)
        for (int dir = 0; dir < PD_LINK_DIRS && !st; dir++) {
            size_t n = count[c * PD_LINK_DIRS + (size_t)dir];
            size_t f = floats[c * PD_LINK_DIRS + (size_t)dir];
            if (n > PD_WIRE_MAX_TENSORS || f > PD_WIRE_MAX_FLOATS)
                st = pd_error_set(err, PD_EINPUT,
                                  "%s: exit \"%.64s\": the plan sends %zu tensors of %zu floats "
                                  "%s at once (at position %zu); a message carries at most %d "
                                  "tensors of %d floats", source,
                                  d->g->layers[d->g->exits[k]].name, n, f,
                                  pd_link_dir_name((pd_link_dir)dir), c, PD_WIRE_MAX_TENSORS,
                                  PD_WIRE_MAX_FLOATS);
            size_t bytes = PD_WIRE_HEADER_BYTES + n * PD_WIRE_TENSOR_BYTES + f * sizeof(float);
            d->max_message = bytes > d->max_message ? bytes : d->max_message;
        }
    /* the most one tier holds of a request at once: every tensor alive at a cut, at most */
    for (size_t c = 0; c < cuts; c++) {
        size_t held = 0;
        for (size_t e = 0; e <= c; e++)
            if (x->last[e * PD_TIER_COUNT] >= (int32_t)c)
                held += tensor_floats(d, x, e);
        d->max_held = held > d->max_held ? held : d->max_held;
    }
    free(pos_of);
    free(count);
    free(floats);
    return st;
}

pd_status pd_deployment_read_plan(pd_deployment *d, const char *text, size_t len,
                                  const char *source, pd_error *err)
{
    for (size_t k = 0; k < d->g->n_exits; k++) {
        const pd_layer *l = &d->g->layers[d->g->exits[k]];
        d->exit_latency_ms[k] = NAN;
        d->exit_accuracy[k] = l->has_accuracy ? l->accuracy : NAN;
    }
    pd_status st = pd_placement_tiers_from_json(text, len, source, d->g, d->tier_of, err);
    if (st)
        return st;
    /* an ECHO of the largest tensor, and an ERROR, fit too */
    size_t echo = PD_WIRE_HEADER_BYTES + PD_WIRE_TENSOR_BYTES + d->max_floats * sizeof(float);
    d->max_message = echo > PD_WIRE_HEADER_BYTES + PD_WIRE_MAX_TEXT
                         ? echo
                         : PD_WIRE_HEADER_BYTES + PD_WIRE_MAX_TEXT;
    d->max_held = 0;
    for (size_t k = 0; k < d->g->n_exits && !st; k++)
        st = plan_exit(d, k, source, err);
    if (st)
        return st;
    d->plan_hash = PD_WIRE_HASH_SEED;
    for (size_t i = 0; i < d->g->n_layers; i++) {
        uint8_t t = (uint8_t)d->tier_of[i];
        d->plan_hash = pd_wire_hash(d->plan_hash, &t, 1);
    }
    for (size_t k = 0; k < d->g->n_exits; k++)
        d->max_hops[k] = path_hops(d, (uint32_t)k);
    return read_plan_exits(text, len, source, d, err);
}

pd_tier pd_deployment_tier_at(const pd_deployment *d, uint32_t exit, uint32_t pos)
{
    if (exit >= d->g->n_exits)
        return PD_TIER_COUNT;
    const pd_exit_plan *x = &d->exits[exit];
    return pos < x->len ? x->at[pos] : PD_TIER_COUNT;
}

uint32_t pd_deployment_tensor_dims(const pd_deployment *d, uint32_t name,
                                   uint32_t dims[PD_WIRE_MAX_DIMS])
{
    memset(dims, 0, PD_WIRE_MAX_DIMS * sizeof *dims);
    if (name > d->g->n_layers)
        return 0;
    pd_shape s = name == PD_WIRE_INPUT ? d->g->input : d->g->layers[name - 1].out;
    dims[0] = (uint32_t)s.c;
    if (name != PD_WIRE_INPUT && s.h == 1 && s.w == 1)
        return 1;
    dims[1] = (uint32_t)s.h;
    dims[2] = (uint32_t)s.w;
    return 3;
}

pd_tier pd_link_receiver(pd_link_dir d)
{
    return d == PD_TO_CLOUD ? PD_TIER_CLOUD : d == PD_TO_MOBILE ? PD_TIER_MOBILE : PD_TIER_EDGE;
}

static pd_tier link_sender(pd_link_dir d)
{
    return d == PD_TO_EDGE ? PD_TIER_MOBILE : d == PD_FROM_CLOUD ? PD_TIER_CLOUD : PD_TIER_EDGE;
}

static void shape_text(uint32_t ndim, const uint32_t *dims, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "[");
    for (uint32_t i = 0; i < ndim && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%u", i ? ", " : "", (unsigned)dims[i]);
    if (n < cap)
        snprintf(out + n, cap - n, "]");
}

/* The tensors crossing dir at cut c of x, for a message: the network input, "a", "b"
 * (cut short at cap). */
static void names_text(const pd_deployment *d, const pd_exit_plan *x, size_t c, pd_link_dir dir,
                       char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t e = 0; e <= x->len && n < cap; e++)
        if (x->cut[e * PD_LINK_DIRS + dir] == (int32_t)c)
            n += (size_t)snprintf(out + n, cap - n, e ? "%s\"%.48s\"" : "%sthe network input",
                                  n ? ", " : "", e ? d->g->layers[x->list[e - 1]].name : "");
    if (n == 0)
        snprintf(out, cap, "none");
}

pd_wire_code pd_deployment_check(const pd_deployment *d, const pd_wire_msg *m, pd_link_dir dir,
                                 pd_error *err)
{
    const pd_tier at = pd_link_receiver(dir), from = link_sender(dir);
    const char *me = pd_tier_name(at);
    if (m->kind != PD_WIRE_TENSOR && m->kind != PD_WIRE_RESULT) {
        pd_error_set(err, PD_EINPUT, "expected a tensor or a result, got message kind %d",
                     (int)m->kind);
        return PD_WIRE_EREQUEST;
    }
    if (m->model_hash != d->model_hash) {
        pd_error_set(err, PD_EINPUT,
                     "model or weights differ between tiers (hash %016llx, this %s has %016llx)",
                     (unsigned long long)m->model_hash, me, (unsigned long long)d->model_hash);
        return PD_WIRE_EMODEL;
    }
    if (m->plan_hash != d->plan_hash) {
        pd_error_set(err, PD_EINPUT,
                     "the placement differs between tiers (plan hash %016llx, this %s has "
                     "%016llx)",
                     (unsigned long long)m->plan_hash, me, (unsigned long long)d->plan_hash);
        return PD_WIRE_EPLAN;
    }
    if (m->exit >= d->g->n_exits) {
        pd_error_set(err, PD_EINPUT, "no exit %u (the model has %zu)", (unsigned)m->exit,
                     d->g->n_exits);
        return PD_WIRE_EREQUEST;
    }
    const pd_exit_plan *x = &d->exits[m->exit];
    const size_t len = x->len;
    if (m->kind == PD_WIRE_TENSOR ? m->next >= len : m->next != len) {
        pd_error_set(err, PD_EINPUT, "%s at position %u of exit %u, whose path has %zu layers",
                     m->kind == PD_WIRE_TENSOR ? "a tensor" : "a result", (unsigned)m->next,
                     (unsigned)m->exit, len);
        return PD_WIRE_EREQUEST;
    }
    if (m->hops > d->max_hops[m->exit]) {
        pd_error_set(err, PD_EINPUT, "the request has made %u hops, over the %u its exit needs",
                     (unsigned)m->hops, (unsigned)d->max_hops[m->exit]);
        return PD_WIRE_EHOPS;
    }
    if (!pd_split_handover(x->at, len, m->next, dir)) {
        char there[96];
        if (m->next < len)
            snprintf(there, sizeof there, "layer \"%.64s\" there runs on the %s",
                     d->g->layers[x->list[m->next]].name, pd_tier_name(x->at[m->next]));
        else
            snprintf(there, sizeof there, "the result goes to the mobile there");
        pd_error_set(err, PD_EINPUT, "the plan does not hand exit %u from the %s to the %s at "
                     "position %u: %s, after the %s's %s", (unsigned)m->exit, pd_tier_name(from),
                     me, (unsigned)m->next, there,
                     pd_tier_name(m->next ? x->at[m->next - 1] : PD_TIER_MOBILE),
                     m->next ? "layer" : "input");
        return PD_WIRE_EREQUEST;
    }
    /* the tensors: exactly those crossing dir at this cut, in order, each of its shape */
    size_t want = 0;
    for (size_t e = 0; e <= len; e++)
        want += x->cut[e * PD_LINK_DIRS + dir] == (int32_t)m->next;
    if (m->n_tensors != want) {
        char names[256];
        names_text(d, x, m->next, dir, names, sizeof names);
        pd_error_set(err, PD_EINPUT, "position %u of exit %u: the %s takes %zu tensors from the "
                     "%s there (%s), the message holds %u", (unsigned)m->next, (unsigned)m->exit,
                     me, want, pd_tier_name(from), names, (unsigned)m->n_tensors);
        return PD_WIRE_EREQUEST;
    }
    size_t e = 0;
    for (uint32_t i = 0; i < m->n_tensors; i++, e++) {
        while (x->cut[e * PD_LINK_DIRS + dir] != (int32_t)m->next)
            e++;
        const pd_wire_tensor *t = &m->tensor[i];
        char got[160], wanted[160];
        if (t->name != name_of(x, e)) {
            tensor_text(d, t->name, got, sizeof got);
            tensor_text(d, name_of(x, e), wanted, sizeof wanted);
            pd_error_set(err, PD_EINPUT, "position %u of exit %u: tensor %u is %s; the %s takes "
                         "%s there", (unsigned)m->next, (unsigned)m->exit, (unsigned)i, got, me,
                         wanted);
            return PD_WIRE_EREQUEST;
        }
        uint32_t dims[PD_WIRE_MAX_DIMS];
        uint32_t ndim = pd_deployment_tensor_dims(d, t->name, dims);
        if (t->ndim != ndim || memcmp(t->dims, dims, sizeof dims) != 0) {
            char a[80], b[80];
            shape_text(ndim, dims, a, sizeof a);
            shape_text(t->ndim, t->dims, b, sizeof b);
            tensor_text(d, t->name, wanted, sizeof wanted);
            pd_error_set(err, PD_EINPUT, "position %u of exit %u takes %s of shape %s, the "
                         "message holds %s", (unsigned)m->next, (unsigned)m->exit, wanted, a, b);
            return PD_WIRE_EREQUEST;
        }
    }
    return PD_WIRE_OK;
}

pd_status pd_deployment_warm(pd_deployment *d, pd_error *err)
{
    size_t longest = 0;
    for (size_t k = 0; k < d->g->n_exits; k++)
        longest = d->exits[k].len > longest ? d->exits[k].len : longest;
    double *ms = malloc((longest ? longest : 1) * sizeof *ms);
    float *zero = calloc(d->max_floats ? d->max_floats : 1, sizeof *zero);
    pd_status st = ms && zero ? PD_OK : pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t k = 0; k < d->g->n_exits && !st; k++) {
        size_t len = d->exits[k].len, count;
        const float *out;
        st = pd_net_run(d->net, k, 0, len, zero, (size_t)pd_shape_elems(d->g->input), &out,
                        &count, ms, err);
        for (size_t i = 0; i < len && !st; i++)
            d->layer_ms[d->exits[k].list[i]] = ms[i];
    }
    free(ms);
    free(zero);
    d->learn_times = !st;
    return st;
}

double pd_deployment_estimate_ms(const pd_deployment *d, uint32_t exit, uint32_t pos)
{
    if (exit >= d->g->n_exits)
        return 0;
    const pd_exit_plan *x = &d->exits[exit];
    double sum = 0;
    for (size_t i = pos; i < x->len && x->at[i] != PD_TIER_MOBILE; i++)
        sum += d->layer_ms[x->list[i]];
    return sum;
}

/* --- a request's tensors */

pd_status pd_store_open(const pd_deployment *d, uint32_t exit, const float *input,
                        pd_store *s, pd_error *err)
{
    memset(s, 0, sizeof *s);
    if (exit >= d->g->n_exits)
        return pd_error_set(err, PD_EINPUT, "no exit %u (the model has %zu)", (unsigned)exit,
                            d->g->n_exits);
    s->exit = exit;
    s->len = d->exits[exit].len;
    s->t = calloc(s->len + 1, sizeof *s->t);
    s->n = calloc(s->len + 1, sizeof *s->n);
    if (!s->t || !s->n) {
        pd_store_close(s);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    s->t[0] = (float *)input; /* borrowed, never written through (n[0] stays 0) */
    return PD_OK;
}

void pd_store_drop(pd_store *s, size_t e)
{
    if (!s->t || e > s->len)
        return;
    if (s->n[e]) /* an owned copy; a borrowed input (n 0) is only forgotten */
        free(s->t[e]);
    s->floats -= s->n[e];
    s->n[e] = 0;
    s->t[e] = NULL;
}

void pd_store_close(pd_store *s)
{
    for (size_t e = 0; s->t && s->n && e <= s->len; e++)
        pd_store_drop(s, e);
    free(s->t);
    free(s->n);
    memset(s, 0, sizeof *s);
}

pd_status pd_store_put(pd_store *s, size_t e, const void *data, size_t count, pd_error *err)
{
    if (e > s->len || count == 0)
        return pd_error_set(err, PD_EINPUT, "no tensor %zu of %zu floats in a request of %zu "
                            "layers", e, count, s->len);
    float *copy = malloc(count * sizeof *copy);
    if (!copy)
        return pd_error_set(err, PD_ENOMEM, "out of memory for a request's tensors");
    memcpy(copy, data, count * sizeof *copy);
    pd_store_drop(s, e);
    s->t[e] = copy;
    s->n[e] = count;
    s->floats += count;
    return PD_OK;
}

bool pd_deployment_keeps(const pd_deployment *d, uint32_t exit, pd_tier holder, size_t e,
                         size_t cut, bool sent)
{
    if (exit >= d->g->n_exits || holder >= PD_TIER_COUNT)
        return false;
    const pd_exit_plan *x = &d->exits[exit];
    if (e > x->len)
        return false;
    if (x->last[e * PD_TIER_COUNT + holder] >= (int32_t)cut)
        return true;
    static const pd_link_dir sends[PD_TIER_COUNT][2] = {
        {PD_TO_EDGE, PD_TO_EDGE}, {PD_TO_CLOUD, PD_TO_MOBILE}, {PD_FROM_CLOUD, PD_FROM_CLOUD}};
    for (int j = 0; j < 2; j++) {
        int32_t c = x->cut[e * PD_LINK_DIRS + sends[holder][j]];
        if (c > (int32_t)cut || (!sent && c == (int32_t)cut))
            return true;
    }
    return false;
}

void pd_deployment_prune(const pd_deployment *d, pd_store *s, pd_tier holder, size_t cut,
                         bool sent)
{
    for (size_t e = 0; e <= s->len; e++)
        if (s->t[e] && !pd_deployment_keeps(d, s->exit, holder, e, cut, sent))
            pd_store_drop(s, e);
}

bool pd_deployment_cloud_holds(const pd_deployment *d, uint32_t exit, size_t cut)
{
    const pd_exit_plan *x = &d->exits[exit];
    for (size_t e = 0; e <= x->len && e <= cut; e++) {
        int32_t in = x->cut[e * PD_LINK_DIRS + PD_TO_CLOUD];
        int has = (e > 0 && x->at[e - 1] == PD_TIER_CLOUD) || (in >= 0 && (size_t)in <= cut);
        if (has && pd_deployment_keeps(d, exit, PD_TIER_CLOUD, e, cut, true))
            return true;
    }
    return false;
}

size_t pd_deployment_next_visit(const pd_deployment *d, uint32_t exit, pd_tier tier,
                                size_t cut)
{
    const pd_exit_plan *x = &d->exits[exit];
    pd_link_dir in = tier == PD_TIER_CLOUD ? PD_TO_CLOUD : PD_TO_EDGE;
    for (size_t c = cut + 1; c <= x->len; c++)
        if (pd_split_handover(x->at, x->len, c, in))
            return c;
    return x->len + 1;
}

/* Tensor e for a layer's name (layer + 1) or the input's: its position + 1, found in the
 * ascending list (topological order is the index order); len + 1 when A(k) lacks it. */
static size_t e_of(const pd_exit_plan *x, uint32_t name)
{
    if (name == PD_WIRE_INPUT)
        return 0;
    size_t lo = 0, hi = x->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uint32_t)x->list[mid] + 1 < name)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < x->len && (uint32_t)x->list[lo] + 1 == name ? lo + 1 : x->len + 1;
}

pd_status pd_deployment_take(const pd_deployment *d, pd_store *s, const pd_wire_msg *m,
                             pd_error *err)
{
    const pd_exit_plan *x = &d->exits[s->exit];
    for (uint32_t i = 0; i < m->n_tensors; i++) {
        size_t e = e_of(x, m->tensor[i].name);
        if (e > x->len || m->tensor[i].count != tensor_floats(d, x, e))
            return pd_error_set(err, PD_EINPUT, "tensor %u of the message is not one of exit "
                                "%u's", (unsigned)i, (unsigned)s->exit);
        pd_status st = pd_store_put(s, e, m->tensor[i].data, m->tensor[i].count, err);
        if (st)
            return st;
    }
    return PD_OK;
}

pd_status pd_deployment_fill(const pd_deployment *d, const pd_store *s, size_t cut,
                             pd_link_dir dir, pd_wire_msg *m, pd_error *err)
{
    const pd_exit_plan *x = &d->exits[s->exit];
    m->n_tensors = 0;
    for (size_t e = 0; e <= x->len; e++) {
        if (x->cut[e * PD_LINK_DIRS + dir] != (int32_t)cut)
            continue;
        if (!s->t[e]) {
            char what[160];
            tensor_text(d, name_of(x, e), what, sizeof what);
            return pd_error_set(err, PD_EINPUT, "exit %u: %s, which goes %s at position %zu, is "
                                "not held here", (unsigned)s->exit, what, pd_link_dir_name(dir),
                                cut);
        }
        if (m->n_tensors == PD_WIRE_MAX_TENSORS) /* refused when the plan was read */
            return pd_error_set(err, PD_EINPUT, "more than %d tensors in a message",
                                PD_WIRE_MAX_TENSORS);
        pd_wire_tensor *t = &m->tensor[m->n_tensors++];
        t->name = name_of(x, e);
        t->ndim = pd_deployment_tensor_dims(d, t->name, t->dims);
        t->count = tensor_floats(d, x, e);
        t->data = s->t[e];
    }
    return PD_OK;
}

void pd_deployment_tensor_text(const pd_deployment *d, uint32_t exit, size_t e, char *out,
                               size_t cap)
{
    if (exit < d->g->n_exits && e <= d->exits[exit].len)
        tensor_text(d, name_of(&d->exits[exit], e), out, cap);
    else
        snprintf(out, cap, "no tensor");
}

long pd_deployment_missing(const pd_deployment *d, const pd_store *s, size_t from, size_t to)
{
    const pd_exit_plan *x = &d->exits[s->exit];
    const pd_topology *t = d->g->topo;
    for (size_t p = from; p < to && p < x->len; p++) {
        size_t n;
        const int32_t *in = pd_topology_inputs(t, (size_t)x->list[p], &n);
        for (size_t j = 0; j < n; j++) {
            size_t e = in[j] == PD_TENSOR_INPUT ? 0 : e_of(x, (uint32_t)in[j] + 1);
            if (e <= from && !s->t[e])
                return (long)e;
        }
    }
    return -1;
}

pd_status pd_deployment_run(pd_deployment *d, pd_store *s, size_t from, size_t to,
                            pd_tier holder, pd_tier ran_on, double compute_ms[3],
                            pd_error *err)
{
    const pd_exit_plan *x = &d->exits[s->exit];
    long gap = pd_deployment_missing(d, s, from, to);
    if (gap >= 0) {
        char what[160];
        tensor_text(d, name_of(x, (size_t)gap), what, sizeof what);
        return pd_error_set(err, PD_EINPUT, "exit %u: the layers from position %zu read %s, "
                            "which this %s does not hold", (unsigned)s->exit, from, what,
                            pd_tier_name(ran_on));
    }
    double t0 = pd_now_ms();
    pd_status st = pd_net_run_span(d->net, s->exit, from, to, (const float *const *)s->t,
                                   d->run_ms, err);
    if (st)
        return st;
    for (size_t i = from; d->learn_times && i < to; i++) {
        double t = d->run_ms[i - from], *known = &d->layer_ms[x->list[i]];
        *known = t > *known ? t : 0.9 * *known + 0.1 * t;
    }
    compute_ms[ran_on] += pd_now_ms() - t0;
    for (size_t q = from; q < to; q++)
        if (pd_deployment_keeps(d, s->exit, holder, q + 1, to, false) &&
            (st = pd_store_put(s, q + 1, pd_net_output_at(d->net, s->exit, q),
                               tensor_floats(d, x, q + 1), err)))
            return st;
    return PD_OK;
}

pd_status pd_deployment_exit_for(const pd_deployment *d, double requirement, uint32_t *exit,
                                 pd_error *err)
{
    for (size_t k = 0; k < d->g->n_exits; k++)
        if (isnan(d->exit_accuracy[k]))
            return pd_error_set(err, PD_EINPUT,
                                "exit \"%s\" has no accuracy (in neither the plan nor the model)",
                                d->g->layers[d->g->exits[k]].name);
    *exit = (uint32_t)pd_choose_exit(d->exit_accuracy, d->g->exits, d->g->n_exits, requirement);
    return PD_OK;
}
