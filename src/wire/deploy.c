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

void pd_deployment_free(pd_deployment *d)
{
    if (!d)
        return;
    pd_net_free(d->net);
    pd_weights_free(d->w);
    pd_graph_free(d->g);
    free(d->tier_of);
    free(d->exit_latency_ms);
    free(d->exit_accuracy);
    free(d->max_hops);
    free(d->layer_ms);
    free(d->run_ms);
    free(d->input);
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
    if (!st) {
        pd_graph_set_feature_hook(d->g, pd_runtime_feature); /* the tiers' profiles may read them */
        st = hash_model(model, &h, err);
    }
    if (!st && weights_path && own && strcmp(weights_path, model) == 0) {
        d->w = own; /* the model's hash covers its weights */
        own = NULL;
    } else if (!st && weights_path) {
        st = pd_weights_read_safetensors(weights_path, &d->w, err);
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
        d->exit_latency_ms = malloc(e * sizeof *d->exit_latency_ms);
        d->exit_accuracy = malloc(e * sizeof *d->exit_accuracy);
        d->input = malloc(max_in * sizeof *d->input);
        d->max_floats = max_in;
        d->max_hops = calloc(e, sizeof *d->max_hops);
        d->layer_ms = calloc(n, sizeof *d->layer_ms);
        d->run_ms = calloc(n ? n : 1, sizeof *d->run_ms); /* a path is at most every layer */
        if (!d->tier_of || !d->exit_latency_ms || !d->exit_accuracy || !d->input ||
            !d->max_hops || !d->layer_ms || !d->run_ms)
            st = pd_error_set(err, PD_ENOMEM, "out of memory");
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
    /* a message carries one tensor: a DAG's exit may change tiers only where one crosses */
    for (size_t k = 0; k < d->g->n_exits; k++) {
        size_t n;
        const int32_t *path = pd_net_path(d->net, k, &n);
        for (size_t p = 1; p < n; p++)
            if (d->tier_of[path[p]] != d->tier_of[path[p - 1]] && !pd_net_can_cut(d->net, k, p))
                return pd_error_set(err, PD_EINPUT,
                                    "%s: exit \"%.64s\": the plan puts \"%.64s\" and \"%.64s\" "
                                    "on different tiers where more than one tensor crosses "
                                    "between them; the split runtime ships one tensor a message",
                                    source, d->g->layers[d->g->exits[k]].name,
                                    d->g->layers[path[p - 1]].name, d->g->layers[path[p]].name);
    }
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
    size_t len;
    const int32_t *path = pd_net_path(d->net, exit, &len);
    return pos < len ? d->tier_of[path[pos]] : PD_TIER_COUNT;
}

uint32_t pd_deployment_shape_at(const pd_deployment *d, uint32_t exit, uint32_t pos,
                                uint32_t dims[PD_WIRE_MAX_DIMS])
{
    memset(dims, 0, PD_WIRE_MAX_DIMS * sizeof *dims);
    if (exit >= d->g->n_exits)
        return 0;
    size_t len;
    const int32_t *path = pd_net_path(d->net, exit, &len);
    if (pos > len)
        return 0;
    pd_shape s = pos == 0 ? d->g->input : d->g->layers[path[pos - 1]].out;
    dims[0] = (uint32_t)s.c;
    if (pos > 0 && s.h == 1 && s.w == 1)
        return 1;
    dims[1] = (uint32_t)s.h;
    dims[2] = (uint32_t)s.w;
    return 3;
}

static void shape_text(uint32_t ndim, const uint32_t *dims, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "[");
    for (uint32_t i = 0; i < ndim && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%u", i ? ", " : "", (unsigned)dims[i]);
    if (n < cap)
        snprintf(out + n, cap - n, "]");
}

pd_wire_code pd_deployment_check(const pd_deployment *d, const pd_wire_msg *m, pd_tier at,
                                 pd_error *err)
{
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
    size_t len;
    pd_net_path(d->net, m->exit, &len);
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
    uint32_t dims[PD_WIRE_MAX_DIMS];
    uint32_t ndim = pd_deployment_shape_at(d, m->exit, m->next, dims);
    if (m->ndim != ndim || memcmp(m->dims, dims, sizeof dims) != 0) {
        char want[80], got[80];
        shape_text(ndim, dims, want, sizeof want);
        shape_text(m->ndim, m->dims, got, sizeof got);
        pd_error_set(err, PD_EINPUT, "position %u of exit %u takes a tensor of shape %s, the "
                     "message holds %s", (unsigned)m->next, (unsigned)m->exit, want, got);
        return PD_WIRE_EREQUEST;
    }
    return PD_WIRE_OK;
}

pd_status pd_deployment_warm(pd_deployment *d, pd_error *err)
{
    memset(d->input, 0, d->max_floats * sizeof *d->input);
    size_t longest = 0;
    for (size_t k = 0; k < d->g->n_exits; k++) {
        size_t len;
        pd_net_path(d->net, k, &len);
        longest = len > longest ? len : longest;
    }
    double *ms = malloc((longest ? longest : 1) * sizeof *ms);
    if (!ms)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_status st = PD_OK;
    for (size_t k = 0; k < d->g->n_exits && !st; k++) {
        size_t len, count;
        const int32_t *path = pd_net_path(d->net, k, &len);
        const float *out;
        st = pd_net_run(d->net, k, 0, len, d->input, (size_t)pd_shape_elems(d->g->input), &out,
                        &count, ms, err);
        for (size_t i = 0; i < len && !st; i++)
            d->layer_ms[path[i]] = ms[i];
    }
    free(ms);
    d->learn_times = !st;
    return st;
}

double pd_deployment_estimate_ms(const pd_deployment *d, uint32_t exit, uint32_t pos)
{
    if (exit >= d->g->n_exits)
        return 0;
    size_t len;
    const int32_t *path = pd_net_path(d->net, exit, &len);
    double sum = 0;
    for (size_t i = pos; i < len && d->tier_of[path[i]] != PD_TIER_MOBILE; i++)
        sum += d->layer_ms[path[i]];
    return sum;
}

pd_status pd_deployment_step(pd_deployment *d, pd_tier tier, pd_wire_msg *m, pd_error *err)
{
    return pd_deployment_step_for(d, tier, tier, m, err);
}

pd_status pd_deployment_step_for(pd_deployment *d, pd_tier tier, pd_tier ran_on,
                                 pd_wire_msg *m, pd_error *err)
{
    const pd_graph *g = d->g;
    /* the same checks as for a message that arrived: hashes, exit, position, hops, shape */
    if (pd_deployment_check(d, m, ran_on, err))
        return PD_EINPUT; /* err may be NULL: the check's faults are all bad input */
    if (m->kind != PD_WIRE_TENSOR)
        return pd_error_set(err, PD_EINPUT, "a result has no layers left to run");
    size_t len;
    const int32_t *path = pd_net_path(d->net, m->exit, &len);
    if (d->tier_of[path[m->next]] != tier)
        return pd_error_set(err, PD_EINPUT, "layer \"%s\" is placed on %s, not on %s",
                            g->layers[path[m->next]].name,
                            pd_tier_name(d->tier_of[path[m->next]]), pd_tier_name(tier));
    size_t want = m->count; /* the shape checked is that layer's input */
    memcpy(d->input, m->data, want * sizeof *d->input);
    size_t end = m->next;
    while (end < len && d->tier_of[path[end]] == tier)
        end++;
    const float *out;
    size_t count;
    double t0 = pd_now_ms();
    pd_status st = pd_net_run(d->net, m->exit, m->next, end, d->input, want, &out, &count,
                              d->run_ms, err);
    if (st)
        return st;
    for (size_t i = m->next; d->learn_times && i < end; i++) {
        double t = d->run_ms[i - m->next], *known = &d->layer_ms[path[i]];
        *known = t > *known ? t : 0.9 * *known + 0.1 * t;
    }
    m->compute_ms[ran_on] += pd_now_ms() - t0;
    m->next = (uint32_t)end;
    m->data = out;
    m->count = count;
    m->ndim = pd_deployment_shape_at(d, m->exit, m->next, m->dims);
    if (end == len)
        m->kind = PD_WIRE_RESULT;
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
