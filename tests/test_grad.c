/* Each layer type's training passes (src/train/) against central finite differences:
 * with a random R, the objective L = sum R . out (in double) has dL/dout = R, so the
 * backward pass's din, dW and db must equal the finite differences of L wrt every input,
 * weight and bias element. Small shapes, a batch of 2, and several configurations per
 * type (stride, padding, ceil mode, odd sizes, even LRN windows). Inputs stay away from
 * ReLU's kink and max pooling's ties by more than the step. Also: backward adds to what
 * din, dW and db hold, and dropout's mask and eval mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/graph.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"
#include "train/grad.h"

enum { BATCH = 2 };

static pd_graph *one_layer(int64_t c, int64_t h, int64_t w, const char *layer)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"name\": \"t\", \"input\": [%lld, %lld, %lld], \"layers\": "
             "[{\"name\": \"l\", %s, \"exit\": true}]}",
             (long long)c, (long long)h, (long long)w, layer);
    pd_graph *g = NULL;
    pd_error err;
    if (pd_graph_from_json(json, strlen(json), "test", &g, &err))
        fail_msg("%s: %s", layer, err.msg);
    return g;
}

static float *floats(size_t n)
{
    float *v = calloc(n ? n : 1, sizeof *v);
    assert_non_null(v);
    return v;
}

/* A layer with its buffers, the objective's R, and the RNG seed dropout draws from. */
typedef struct rig {
    const pd_layer *l;
    const pd_grad_op *op;
    size_t n_in, n_out, n_w, n_b;
    float *in, *out, *w, *b, *r, *din, *dw, *db, *aux, *scratch;
    pd_rng rng;
} rig;

static void rig_new(rig *z, const pd_layer *l)
{
    memset(z, 0, sizeof *z);
    z->l = l;
    z->op = pd_grad_op_of(l->type);
    z->n_in = BATCH * (size_t)pd_shape_elems(l->in);
    z->n_out = BATCH * (size_t)pd_shape_elems(l->out);
    if (l->type == PD_LAYER_CONV) {
        z->n_w = (size_t)(l->p.filters * l->in.c * l->p.kernel * l->p.kernel);
        z->n_b = (size_t)l->p.filters;
    } else if (l->type == PD_LAYER_FC) {
        z->n_w = (size_t)(l->p.outputs * pd_shape_elems(l->in));
        z->n_b = (size_t)l->p.outputs;
    }
    z->in = floats(z->n_in);
    z->out = floats(z->n_out);
    z->r = floats(z->n_out);
    z->din = floats(z->n_in);
    z->w = floats(z->n_w);
    z->b = floats(z->n_b);
    z->dw = floats(z->n_w);
    z->db = floats(z->n_b);
    z->aux = floats(z->op->aux_floats(l, BATCH));
    /* the LRN pass reads its scratch as doubles: keep it aligned */
    size_t ns = z->op->scratch_floats(l, BATCH, 1);
    z->scratch = aligned_alloc(64, ((ns ? ns : 1) * sizeof(float) + 63) / 64 * 64);
    assert_non_null(z->scratch);
}

static void rig_free(rig *z)
{
    free(z->in);
    free(z->out);
    free(z->r);
    free(z->din);
    free(z->w);
    free(z->b);
    free(z->dw);
    free(z->db);
    free(z->aux);
    free(z->scratch);
}

static pd_grad_args args(rig *z, bool training)
{
    pd_grad_args a = {.l = z->l, .batch = BATCH, .w = z->n_w ? z->w : NULL,
                      .b = z->n_b ? z->b : NULL, .in = z->in, .out = z->out, .dout = z->r,
                      .din = z->din, .dw = z->n_w ? z->dw : NULL, .db = z->n_b ? z->db : NULL,
                      .aux = z->aux, .scratch = z->scratch, .rng = &z->rng,
                      .training = training};
    return a;
}

/* L = sum R . out, after a forward pass in training mode with the RNG at seed 7. */
static double objective(rig *z)
{
    pd_rng_seed(&z->rng, 7);
    pd_grad_args a = args(z, true);
    z->op->forward(&a);
    double s = 0.0;
    for (size_t i = 0; i < z->n_out; i++)
        s += (double)z->r[i] * z->out[i];
    return s;
}

/* max |numeric - analytic| over v's elements, relative to the largest |analytic|. */
static double fd_error(rig *z, float *v, size_t n, const float *analytic, float eps)
{
    double worst = 0.0, scale = 1e-3;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(analytic[i]));
    for (size_t i = 0; i < n; i++) {
        float keep = v[i];
        v[i] = keep + eps;
        double up = objective(z);
        v[i] = keep - eps;
        double down = objective(z);
        v[i] = keep;
        double num = (up - down) / (2.0 * (double)eps);
        worst = fmax(worst, fabs(num - analytic[i]) / scale);
    }
    return worst;
}

typedef enum values { SMOOTH, AWAY_FROM_ZERO, DISTINCT } values;

static void fill(rig *z, pd_rng *r, values kind)
{
    for (size_t i = 0; i < z->n_in; i++) {
        float v = (float)(2.0 * pd_rng_uniform(r) - 1.0);
        if (kind == AWAY_FROM_ZERO && fabsf(v) < 0.05f)
            v += v < 0 ? -0.1f : 0.1f;
        z->in[i] = v;
    }
    if (kind == DISTINCT) { /* a shuffled ladder: values 0.03 apart, so no ties */
        for (size_t i = 0; i < z->n_in; i++)
            z->in[i] = 0.03f * (float)i - 0.015f * (float)z->n_in;
        for (size_t i = z->n_in; i > 1; i--) {
            size_t j = (size_t)pd_rng_below(r, i);
            float t = z->in[i - 1];
            z->in[i - 1] = z->in[j];
            z->in[j] = t;
        }
    }
    for (size_t i = 0; i < z->n_w; i++)
        z->w[i] = (float)(pd_rng_uniform(r) - 0.5);
    for (size_t i = 0; i < z->n_b; i++)
        z->b[i] = (float)(pd_rng_uniform(r) - 0.5);
    for (size_t i = 0; i < z->n_out; i++)
        z->r[i] = (float)(2.0 * pd_rng_uniform(r) - 1.0);
}

/* One configuration: backward (adding to buffers that already hold 0.25) against finite
 * differences of din, dW and db. */
static void check_layer(int64_t c, int64_t h, int64_t w, const char *layer, values kind,
                        float eps, double tol)
{
    pd_graph *g = one_layer(c, h, w, layer);
    rig z;
    rig_new(&z, &g->layers[0]);
    pd_rng r;
    pd_rng_seed(&r, (uint64_t)(c * 1000 + h * 10 + w));
    fill(&z, &r, kind);
    for (size_t i = 0; i < z.n_in; i++)
        z.din[i] = 0.25f;
    for (size_t i = 0; i < z.n_w; i++)
        z.dw[i] = 0.25f;
    for (size_t i = 0; i < z.n_b; i++)
        z.db[i] = 0.25f;
    objective(&z);
    pd_grad_args a = args(&z, true);
    z.op->backward(&a);
    for (size_t i = 0; i < z.n_in; i++)
        z.din[i] -= 0.25f;
    for (size_t i = 0; i < z.n_w; i++)
        z.dw[i] -= 0.25f;
    for (size_t i = 0; i < z.n_b; i++)
        z.db[i] -= 0.25f;
    double e_in = fd_error(&z, z.in, z.n_in, z.din, eps);
    double e_w = fd_error(&z, z.w, z.n_w, z.dw, eps);
    double e_b = fd_error(&z, z.b, z.n_b, z.db, eps);
    if (e_in > tol || e_w > tol || e_b > tol)
        fail_msg("%s on %lldx%lldx%lld: relative error din %.2e, dW %.2e, db %.2e", layer,
                 (long long)c, (long long)h, (long long)w, e_in, e_w, e_b);
    rig_free(&z);
    pd_graph_free(g);
}

static void test_conv(void **state)
{
    (void)state;
    check_layer(2, 5, 5, "\"type\": \"conv\", \"filters\": 3, \"kernel\": 3", SMOOTH, 1e-2f, 1e-3);
    check_layer(3, 7, 6, "\"type\": \"conv\", \"filters\": 2, \"kernel\": 3, \"stride\": 2, \"pad\": 1",
                SMOOTH, 1e-2f, 1e-3);
    check_layer(1, 6, 6, "\"type\": \"conv\", \"filters\": 5, \"kernel\": 5, \"pad\": 3", SMOOTH,
                1e-2f, 1e-3);
    check_layer(4, 3, 5, "\"type\": \"conv\", \"filters\": 3, \"kernel\": 1", SMOOTH, 1e-2f, 1e-3);
    check_layer(2, 9, 9, "\"type\": \"conv\", \"filters\": 33, \"kernel\": 2, \"stride\": 3",
                SMOOTH, 1e-2f, 1e-3);
}

static void test_relu(void **state)
{
    (void)state;
    check_layer(3, 4, 5, "\"type\": \"relu\"", AWAY_FROM_ZERO, 1e-2f, 1e-3);
}

static void test_max_pool(void **state)
{
    (void)state;
    const char *max = "\"type\": \"pool\", \"mode\": \"max\"";
    char layer[256];
    struct { int64_t h, w, k, s, p; int ceil; } cfg[] = {
        {6, 6, 2, 2, 0, 0}, {7, 7, 2, 2, 0, 1}, {5, 8, 3, 2, 1, 0},
        {9, 7, 3, 2, 1, 1}, {6, 5, 3, 1, 1, 0}, {17, 17, 2, 2, 0, 1},
    };
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        snprintf(layer, sizeof layer, "%s, \"kernel\": %lld, \"stride\": %lld, \"pad\": %lld, "
                 "\"ceil\": %s", max, (long long)cfg[i].k, (long long)cfg[i].s,
                 (long long)cfg[i].p, cfg[i].ceil ? "true" : "false");
        check_layer(2, cfg[i].h, cfg[i].w, layer, DISTINCT, 1e-3f, 1e-3);
    }
}

/* Max pooling's gradient goes to the first maximum of a window with ties (PyTorch's). */
static void test_max_pool_ties(void **state)
{
    (void)state;
    pd_graph *g = one_layer(1, 2, 2, "\"type\": \"pool\", \"mode\": \"max\", \"kernel\": 2");
    rig z;
    rig_new(&z, &g->layers[0]);
    for (size_t i = 0; i < z.n_in; i++)
        z.in[i] = 1.0f;
    z.r[0] = 1.0f;
    z.r[1] = 2.0f;
    pd_grad_args a = args(&z, true);
    z.op->forward(&a);
    z.op->backward(&a);
    float want[8] = {1, 0, 0, 0, 2, 0, 0, 0};
    for (size_t i = 0; i < 8; i++)
        assert_true(z.din[i] == want[i]);
    rig_free(&z);
    pd_graph_free(g);
}

static void test_avg_pool(void **state)
{
    (void)state;
    const char *avg = "\"type\": \"pool\", \"mode\": \"avg\"";
    char layer[256];
    struct { int64_t h, w, k, s, p; int ceil; } cfg[] = {
        {6, 6, 2, 2, 0, 0}, {7, 7, 2, 2, 0, 1}, {5, 8, 3, 2, 1, 0}, {9, 7, 3, 2, 1, 1},
        {6, 5, 3, 1, 1, 0}, {8, 8, 4, 3, 2, 1},
    };
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        snprintf(layer, sizeof layer, "%s, \"kernel\": %lld, \"stride\": %lld, \"pad\": %lld, "
                 "\"ceil\": %s", avg, (long long)cfg[i].k, (long long)cfg[i].s,
                 (long long)cfg[i].p, cfg[i].ceil ? "true" : "false");
        check_layer(3, cfg[i].h, cfg[i].w, layer, SMOOTH, 1e-2f, 1e-3);
    }
}

static void test_lrn(void **state)
{
    (void)state;
    check_layer(5, 3, 3, "\"type\": \"lrn\", \"size\": 3, \"alpha\": 0.5, \"beta\": 0.75, \"k\": 1",
                SMOOTH, 1e-3f, 2e-3);
    check_layer(6, 2, 3, "\"type\": \"lrn\", \"size\": 4, \"alpha\": 1.0, \"beta\": 0.6, \"k\": 2",
                SMOOTH, 1e-3f, 2e-3);
    check_layer(3, 3, 2, "\"type\": \"lrn\", \"size\": 5, \"alpha\": 2.0, \"beta\": 0.75, \"k\": 1",
                SMOOTH, 1e-3f, 2e-3);
    check_layer(7, 1, 1, "\"type\": \"lrn\", \"size\": 2, \"alpha\": 0.3, \"beta\": 1.5, \"k\": 1",
                SMOOTH, 1e-3f, 2e-3);
}

static void test_fc(void **state)
{
    (void)state;
    check_layer(2, 3, 3, "\"type\": \"fc\", \"outputs\": 4", SMOOTH, 1e-2f, 1e-3);
    check_layer(5, 1, 1, "\"type\": \"fc\", \"outputs\": 1", SMOOTH, 1e-2f, 1e-3);
}

/* Training mode: about p of the elements dropped, the others scaled by 1/(1-p); the
 * gradient follows the mask (finite differences with the same seed). Eval: identity. */
static void test_dropout(void **state)
{
    (void)state;
    check_layer(4, 5, 5, "\"type\": \"dropout\", \"ratio\": 0.3", SMOOTH, 1e-2f, 1e-3);
    pd_graph *g = one_layer(10, 10, 10, "\"type\": \"dropout\", \"ratio\": 0.25");
    rig z;
    rig_new(&z, &g->layers[0]);
    pd_rng r;
    pd_rng_seed(&r, 3);
    fill(&z, &r, SMOOTH);
    objective(&z);
    size_t dropped = 0;
    for (size_t i = 0; i < z.n_in; i++) {
        if (z.out[i] == 0.0f)
            dropped++;
        else
            assert_float_equal(z.out[i], z.in[i] / 0.75f, 1e-6);
    }
    assert_in_range(dropped, z.n_in / 4 - 60, z.n_in / 4 + 60);
    pd_grad_args a = args(&z, false);
    z.op->forward(&a);
    assert_memory_equal(z.out, z.in, z.n_in * sizeof(float));
    rig_free(&z);
    pd_graph_free(g);
}

/* The training forward passes give the inference runtime's outputs. */
static void test_first_layer_needs_no_din(void **state)
{
    (void)state;
    const char *layers[] = {"\"type\": \"conv\", \"filters\": 2, \"kernel\": 3",
                            "\"type\": \"relu\"", "\"type\": \"pool\", \"kernel\": 2",
                            "\"type\": \"lrn\", \"size\": 3", "\"type\": \"dropout\"",
                            "\"type\": \"fc\", \"outputs\": 3"};
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        pd_graph *g = one_layer(3, 4, 4, layers[i]);
        rig z;
        rig_new(&z, &g->layers[0]);
        pd_rng r;
        pd_rng_seed(&r, 5);
        fill(&z, &r, SMOOTH);
        objective(&z);
        pd_grad_args a = args(&z, true);
        a.din = NULL;
        z.op->backward(&a); /* must not touch din */
        rig_free(&z);
        pd_graph_free(g);
    }
}

int main(void)
{
    openblas_set_num_threads(1); /* one thread a call, as a trainer sets it */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv),       cmocka_unit_test(test_relu),
        cmocka_unit_test(test_max_pool),   cmocka_unit_test(test_max_pool_ties),
        cmocka_unit_test(test_avg_pool),   cmocka_unit_test(test_lrn),
        cmocka_unit_test(test_fc),         cmocka_unit_test(test_dropout),
        cmocka_unit_test(test_first_layer_needs_no_din),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
