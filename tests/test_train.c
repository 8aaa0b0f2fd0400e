/* The whole-model training step (include/predoff/train.h): the tree's gradients against
 * finite differences of the total loss, the sum at a branch point, a few steps lowering
 * the loss, a NaN loss refused without touching the weights, evaluation against the
 * inference runtime, b-alexnet's dropout steps reproducible from the seed, and two SGD
 * steps of b-lenet equal to PyTorch's on the fixtures of tools/make_train_fixtures.py
 * (tests/fixtures/b-lenet-train/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/graph.h"
#include "predoff/npy.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"
#include "predoff/train.h"
#include "predoff/weights.h"
#include "rel_error.h"

/* A small tree: conv0 branches into an exit through relu and fc (a), and a trunk of
 * avg pool, lrn, max pool (ceil), dropout-free conv and fc (b). conv0 gets its gradient
 * from both children. */
static const char *tree_json =
    "{\"name\": \"tree\", \"input\": [2, 7, 7], \"layers\": ["
    "{\"name\": \"conv0\", \"type\": \"conv\", \"filters\": 3, \"kernel\": 3, \"pad\": 1},"
    "{\"name\": \"a_relu\", \"type\": \"relu\"},"
    "{\"name\": \"a_fc\", \"type\": \"fc\", \"outputs\": 4, \"exit\": true},"
    "{\"name\": \"b_pool\", \"type\": \"pool\", \"mode\": \"avg\", \"kernel\": 3, \"stride\": 2,"
    " \"pad\": 1, \"input\": \"conv0\"},"
    "{\"name\": \"b_lrn\", \"type\": \"lrn\", \"size\": 3, \"alpha\": 0.5, \"beta\": 0.75, \"k\": 1},"
    "{\"name\": \"b_conv\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 2},"
    "{\"name\": \"b_max\", \"type\": \"pool\", \"mode\": \"max\", \"kernel\": 2, \"stride\": 2,"
    " \"ceil\": true},"
    "{\"name\": \"b_fc\", \"type\": \"fc\", \"outputs\": 4, \"exit\": true}]}";

enum { TREE_BATCH = 3 };

static pd_graph *tree(void)
{
    pd_graph *g = NULL;
    pd_error err;
    if (pd_graph_from_json(tree_json, strlen(tree_json), "tree", &g, &err))
        fail_msg("%s", err.msg);
    return g;
}

static void random_batch(pd_rng *r, size_t n, float *x, size_t batch, uint8_t *labels,
                         unsigned classes)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(2.0 * pd_rng_uniform(r) - 1.0);
    for (size_t s = 0; s < batch; s++)
        labels[s] = (uint8_t)pd_rng_below(r, classes);
}

static pd_trainer *new_trainer(const pd_graph *g, pd_weights *w, size_t batch,
                               const double *exit_weights)
{
    pd_train_config c;
    pd_train_config_default(&c);
    c.batch = batch;
    c.exit_weights = exit_weights;
    c.threads = 1; /* small products; the machine is shared */
    pd_trainer *t = NULL;
    pd_error err;
    if (pd_trainer_new(g, w, &c, &t, &err))
        fail_msg("%s", err.msg);
    return t;
}

static double loss_of(pd_trainer *t, const float *x, const uint8_t *labels, size_t batch)
{
    pd_train_stats s;
    pd_error err;
    if (pd_trainer_backprop(t, x, labels, batch, &s, &err))
        fail_msg("%s", err.msg);
    return s.loss;
}

/* Every weight and bias of the tree: the gradient equals the central difference of the
 * total loss (weights 1 and 0.5 on the two exits), relative to the tensor's largest. */
static void test_tree_gradients(void **state)
{
    (void)state;
    pd_graph *g = tree();
    pd_weights *w;
    pd_error err;
    assert_int_equal(pd_weights_random(g, 11, &w, &err), PD_OK);
    const double ew[2] = {1.0, 0.5};
    pd_trainer *t = new_trainer(g, w, TREE_BATCH, ew);
    pd_rng r;
    pd_rng_seed(&r, 4);
    size_t n = TREE_BATCH * (size_t)pd_shape_elems(g->input);
    float *x = malloc(n * sizeof *x);
    uint8_t labels[TREE_BATCH];
    assert_non_null(x);
    random_batch(&r, n, x, TREE_BATCH, labels, 4);
    loss_of(t, x, labels, TREE_BATCH);
    const pd_weights *grads = pd_trainer_gradients(t);
    pd_weights *want;
    assert_int_equal(pd_weights_random(g, 11, &want, &err), PD_OK); /* a copy, overwritten */
    for (size_t i = 0; i < want->n; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s.grad", want->tensors[i].name);
        const pd_named_tensor *gt = pd_weights_find(grads, name);
        assert_non_null(gt);
        memcpy(want->tensors[i].data, gt->data, gt->count * sizeof(float));
    }
    const float eps = 1e-3f;
    for (size_t i = 0; i < w->n; i++) {
        pd_named_tensor *p = &w->tensors[i];
        const float *an = pd_weights_find(want, p->name)->data;
        double scale = 1e-4, worst = 0.0;
        for (size_t j = 0; j < p->count; j++)
            scale = fmax(scale, fabs(an[j]));
        for (size_t j = 0; j < p->count; j++) {
            float keep = p->data[j];
            p->data[j] = keep + eps;
            double up = loss_of(t, x, labels, TREE_BATCH);
            p->data[j] = keep - eps;
            double down = loss_of(t, x, labels, TREE_BATCH);
            p->data[j] = keep;
            worst = fmax(worst, fabs((up - down) / (2.0 * eps) - an[j]) / scale);
        }
        if (worst > 5e-3)
            fail_msg("%s: gradient vs finite differences %.2e", p->name, worst);
    }
    pd_weights_free(want);
    free(x);
    pd_trainer_free(t);
    pd_weights_free(w);
    pd_graph_free(g);
}

/* At the branch point the gradients of the two exits add: with exit weights (a, b) the
 * gradient is a times exit 1's alone plus b times exit 2's alone. */
static void test_branch_point_sums(void **state)
{
    (void)state;
    pd_graph *g = tree();
    pd_weights *w;
    pd_error err;
    assert_int_equal(pd_weights_random(g, 12, &w, &err), PD_OK);
    pd_rng r;
    pd_rng_seed(&r, 5);
    size_t n = TREE_BATCH * (size_t)pd_shape_elems(g->input);
    float *x = malloc(n * sizeof *x);
    uint8_t labels[TREE_BATCH];
    assert_non_null(x);
    random_batch(&r, n, x, TREE_BATCH, labels, 4);
    const double only_a[2] = {1.0, 0.0}, only_b[2] = {0.0, 1.0}, both[2] = {0.7, 1.3};
    pd_trainer *ta = new_trainer(g, w, TREE_BATCH, only_a);
    pd_trainer *tb = new_trainer(g, w, TREE_BATCH, only_b);
    pd_trainer *tab = new_trainer(g, w, TREE_BATCH, both);
    loss_of(ta, x, labels, TREE_BATCH);
    loss_of(tb, x, labels, TREE_BATCH);
    loss_of(tab, x, labels, TREE_BATCH);
    const pd_weights *ga = pd_trainer_gradients(ta), *gb = pd_trainer_gradients(tb),
                     *gab = pd_trainer_gradients(tab);
    int conv0_from_both = 0;
    for (size_t i = 0; i < ga->n; i++) {
        const char *name = ga->tensors[i].name;
        double na = 0.0, nb = 0.0;
        for (size_t j = 0; j < ga->tensors[i].count; j++) {
            double a = ga->tensors[i].data[j], b = gb->tensors[i].data[j];
            assert_float_equal(gab->tensors[i].data[j], 0.7 * a + 1.3 * b, 1e-5);
            na = fmax(na, fabs(a));
            nb = fmax(nb, fabs(b));
        }
        if (strncmp(name, "conv0.", 6) == 0)
            conv0_from_both += na > 0 && nb > 0;
        else if (name[0] == 'a')
            assert_true(nb == 0.0); /* exit b's loss does not reach branch a */
        else
            assert_true(na == 0.0);
    }
    assert_int_equal(conv0_from_both, 2);
    pd_trainer_free(ta);
    pd_trainer_free(tb);
    pd_trainer_free(tab);
    free(x);
    pd_weights_free(w);
    pd_graph_free(g);
}

/* Thirty steps of plain SGD on one batch of b-lenet drive the total loss well down (with
 * momentum 0.9 it gets there too, but oscillating: a worse test). */
static void test_steps_reduce_loss(void **state)
{
    (void)state;
    pd_graph *g;
    pd_weights *w;
    pd_error err;
    assert_int_equal(pd_graph_open("b-lenet", &g, &err), PD_OK);
    assert_int_equal(pd_weights_random(g, 3, &w, &err), PD_OK);
    enum { B = 8 };
    pd_train_config c;
    pd_train_config_default(&c);
    c.batch = B;
    c.lr = 0.1;
    c.momentum = 0.0;
    c.threads = 1;
    pd_trainer *t;
    assert_int_equal(pd_trainer_new(g, w, &c, &t, &err), PD_OK);
    pd_rng r;
    pd_rng_seed(&r, 6);
    size_t n = B * (size_t)pd_shape_elems(g->input);
    float *x = malloc(n * sizeof *x);
    uint8_t labels[B];
    assert_non_null(x);
    random_batch(&r, n, x, B, labels, 10);
    pd_train_stats first, last;
    for (int i = 0; i < 30; i++)
        if (pd_trainer_step(t, x, labels, B, i == 0 ? &first : &last, &err))
            fail_msg("%s", err.msg);
    assert_int_equal(pd_trainer_steps(t), 30);
    assert_int_equal(first.n_exits, 2);
    if (!(last.loss < 0.5 * first.loss) || !(last.exit_loss[0] < first.exit_loss[0]) ||
        !(last.exit_loss[1] < first.exit_loss[1]))
        fail_msg("loss %.4f (exits %.4f, %.4f) after 30 steps, %.4f (%.4f, %.4f) at first",
                 last.loss, last.exit_loss[0], last.exit_loss[1], first.loss,
                 first.exit_loss[0], first.exit_loss[1]);
    assert_true(last.exit_correct[0] > first.exit_correct[0]);
    free(x);
    pd_trainer_free(t);
    pd_weights_free(w);
    pd_graph_free(g);
}

/* A NaN weight makes the loss NaN: PD_EINPUT naming the step; weights and momentum stay. */
static void test_nan_loss_refused(void **state)
{
    (void)state;
    pd_graph *g = tree();
    pd_weights *w, *copy;
    pd_error err;
    assert_int_equal(pd_weights_random(g, 13, &w, &err), PD_OK);
    pd_trainer *t = new_trainer(g, w, TREE_BATCH, NULL);
    pd_rng r;
    pd_rng_seed(&r, 8);
    size_t n = TREE_BATCH * (size_t)pd_shape_elems(g->input);
    float *x = malloc(n * sizeof *x);
    uint8_t labels[TREE_BATCH];
    assert_non_null(x);
    random_batch(&r, n, x, TREE_BATCH, labels, 4);
    assert_int_equal(pd_trainer_step(t, x, labels, TREE_BATCH, NULL, &err), PD_OK);
    x[5] = NAN;
    assert_int_equal(pd_weights_random(g, 13, &copy, &err), PD_OK);
    for (size_t i = 0; i < w->n; i++)
        memcpy(copy->tensors[i].data, w->tensors[i].data, w->tensors[i].count * sizeof(float));
    float m0 = pd_trainer_momentum(t)->tensors[0].data[0];
    assert_int_equal(pd_trainer_step(t, x, labels, TREE_BATCH, NULL, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "loss became NaN at step 2"));
    for (size_t i = 0; i < w->n; i++)
        assert_memory_equal(copy->tensors[i].data, w->tensors[i].data,
                            w->tensors[i].count * sizeof(float));
    assert_true(pd_trainer_momentum(t)->tensors[0].data[0] == m0);
    assert_int_equal(pd_trainer_steps(t), 1);
    /* bad labels and batches are refused too */
    x[5] = 0.0f;
    labels[1] = 4;
    assert_int_equal(pd_trainer_step(t, x, labels, TREE_BATCH, NULL, &err), PD_EINPUT);
    labels[1] = 0;
    assert_int_equal(pd_trainer_step(t, x, labels, TREE_BATCH + 1, NULL, &err), PD_EINPUT);
    assert_int_equal(pd_trainer_step(t, x, labels, 0, NULL, &err), PD_EINPUT);
    pd_weights_free(copy);
    free(x);
    pd_trainer_free(t);
    pd_weights_free(w);
    pd_graph_free(g);
}

/* Default exit weights are BranchyNet's (1 each); momentum tensors are named after the
 * weights and have their shapes. */
static void test_config_and_state(void **state)
{
    (void)state;
    double d[3] = {0, 0, 0};
    pd_train_default_exit_weights(3, d);
    assert_true(d[0] == 1.0 && d[1] == 1.0 && d[2] == 1.0);
    pd_graph *g = tree();
    pd_weights *w;
    pd_error err;
    assert_int_equal(pd_weights_random(g, 14, &w, &err), PD_OK);
    pd_trainer *t = new_trainer(g, w, 2, NULL);
    pd_weights *m = pd_trainer_momentum(t);
    assert_int_equal(m->n, w->n);
    for (size_t i = 0; i < w->n; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s.momentum", w->tensors[i].name);
        const pd_named_tensor *mt = pd_weights_find(m, name);
        assert_non_null(mt);
        assert_int_equal(mt->count, w->tensors[i].count);
        assert_int_equal(mt->ndim, w->tensors[i].ndim);
    }
    pd_trainer_free(t);
    pd_train_config c;
    pd_train_config_default(&c);
    c.batch = 0;
    assert_int_equal(pd_trainer_new(g, w, &c, &t, &err), PD_EINPUT);
    c.batch = 2;
    double bad[2] = {1.0, -1.0};
    c.exit_weights = bad;
    assert_int_equal(pd_trainer_new(g, w, &c, &t, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "b_fc"));
    c.exit_weights = NULL;
    for (int i = 0; i < 2; i++) { /* a thread count out of range, named */
        c.threads = i ? PD_THREADS_MAX + 1 : -1;
        assert_int_equal(pd_trainer_new(g, w, &c, &t, &err), PD_EINPUT);
        assert_non_null(strstr(err.msg, i ? "257 threads" : "-1 threads"));
    }
    pd_weights_free(w);
    pd_graph_free(g);
}

/* A tensor of the weights that no layer owns is no parameter: weight decay leaves it be. */
static void test_other_tensors_untouched(void **state)
{
    (void)state;
    pd_graph *g = tree();
    pd_weights *w;
    pd_error err;
    assert_int_equal(pd_weights_random(g, 15, &w, &err), PD_OK);
    pd_named_tensor *more = realloc(w->tensors, (w->n + 1) * sizeof *more);
    assert_non_null(more);
    w->tensors = more;
    pd_named_tensor *extra = &w->tensors[w->n++];
    memset(extra, 0, sizeof *extra);
    extra->name = strdup("notes.weight");
    extra->data = aligned_alloc(64, 64);
    assert_non_null(extra->name);
    assert_non_null(extra->data);
    extra->ndim = 1;
    extra->dims[0] = 3;
    extra->count = 3;
    for (size_t i = 0; i < 3; i++)
        extra->data[i] = 1.0f;
    pd_train_config c;
    pd_train_config_default(&c);
    c.batch = TREE_BATCH;
    c.weight_decay = 0.1;
    c.threads = 1;
    pd_trainer *t;
    assert_int_equal(pd_trainer_new(g, w, &c, &t, &err), PD_OK);
    assert_int_equal(pd_trainer_momentum(t)->n, w->n - 1);
    pd_rng r;
    pd_rng_seed(&r, 10);
    size_t n = TREE_BATCH * (size_t)pd_shape_elems(g->input);
    float *x = malloc(n * sizeof *x);
    uint8_t labels[TREE_BATCH];
    assert_non_null(x);
    random_batch(&r, n, x, TREE_BATCH, labels, 4);
    assert_int_equal(pd_trainer_step(t, x, labels, TREE_BATCH, NULL, &err), PD_OK);
    const pd_named_tensor *after = pd_weights_find(w, "notes.weight");
    for (size_t i = 0; i < 3; i++)
        assert_true(after->data[i] == 1.0f);
    free(x);
    pd_trainer_free(t);
    pd_weights_free(w);
    pd_graph_free(g);
}

/* b-alexnet (dropout, lrn, five exits): a step is reproducible from the seed, and the
 * seed matters (dropout draws its masks in training mode); evaluation has no dropout. */
static void alexnet_step(uint64_t seed, pd_weights **out, double *loss)
{
    pd_graph *g;
    pd_error err;
    assert_int_equal(pd_graph_open("b-alexnet", &g, &err), PD_OK);
    assert_int_equal(pd_weights_random(g, 1, out, &err), PD_OK);
    pd_train_config c;
    pd_train_config_default(&c);
    c.batch = 2;
    c.seed = seed;
    c.threads = 1;
    pd_trainer *t;
    assert_int_equal(pd_trainer_new(g, *out, &c, &t, &err), PD_OK);
    pd_rng r;
    pd_rng_seed(&r, 17);
    size_t n = 2 * (size_t)pd_shape_elems(g->input);
    float *x = malloc(n * sizeof *x);
    uint8_t labels[2];
    assert_non_null(x);
    random_batch(&r, n, x, 2, labels, 10);
    pd_exit_summary e1[10], e2[10];
    assert_int_equal(pd_eval_batch(t, x, 2, e1, &err), PD_OK);
    pd_train_stats st;
    if (pd_trainer_step(t, x, labels, 2, &st, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(st.n_exits, 5);
    *loss = st.loss;
    assert_int_equal(pd_eval_batch(t, x, 2, e2, &err), PD_OK); /* new weights: runs */
    assert_int_equal(pd_eval_batch(t, x, 2, e1, &err), PD_OK);
    for (size_t i = 0; i < 10; i++) /* eval twice: the same, no dropout */
        assert_true(e1[i].entropy == e2[i].entropy);
    free(x);
    pd_trainer_free(t);
    pd_graph_free(g);
}

static void test_alexnet_dropout_seeded(void **state)
{
    (void)state;
    pd_weights *a, *b, *c;
    double la, lb, lc;
    alexnet_step(1, &a, &la);
    alexnet_step(1, &b, &lb);
    alexnet_step(2, &c, &lc);
    assert_true(isfinite(la) && la == lb);
    int same_ab = 1, same_ac = 1;
    for (size_t i = 0; i < a->n; i++) {
        same_ab &= memcmp(a->tensors[i].data, b->tensors[i].data,
                          a->tensors[i].count * sizeof(float)) == 0;
        same_ac &= memcmp(a->tensors[i].data, c->tensors[i].data,
                          a->tensors[i].count * sizeof(float)) == 0;
    }
    assert_true(same_ab);
    assert_false(same_ac);
    pd_weights_free(a);
    pd_weights_free(b);
    pd_weights_free(c);
}

/* Split over two threads (each pass takes half the samples, conv sums its parts' dW in
 * part order): the same weights from two runs bit for bit, and within rounding of the
 * single thread's. Five samples, so the parts are unequal. */
static pd_weights *alexnet_steps(int threads)
{
    pd_graph *g;
    pd_weights *w;
    pd_error err;
    assert_int_equal(pd_graph_open("b-alexnet", &g, &err), PD_OK);
    assert_int_equal(pd_weights_random(g, 1, &w, &err), PD_OK);
    pd_train_config c;
    pd_train_config_default(&c);
    c.batch = 5;
    c.threads = threads;
    pd_trainer *t;
    assert_int_equal(pd_trainer_new(g, w, &c, &t, &err), PD_OK);
    assert_int_equal(pd_trainer_threads(t), threads);
    pd_rng r;
    pd_rng_seed(&r, 23);
    size_t n = 5 * (size_t)pd_shape_elems(g->input);
    float *x = malloc(n * sizeof *x);
    uint8_t labels[5];
    assert_non_null(x);
    for (int step = 0; step < 2; step++) {
        random_batch(&r, n, x, 5, labels, 10);
        if (pd_trainer_step(t, x, labels, 5, NULL, &err))
            fail_msg("%s", err.msg);
    }
    free(x);
    pd_trainer_free(t);
    pd_graph_free(g);
    return w;
}

static void test_threads_deterministic(void **state)
{
    (void)state;
    pd_weights *a = alexnet_steps(2), *b = alexnet_steps(2), *c = alexnet_steps(1);
    double worst = 0.0;
    for (size_t i = 0; i < a->n; i++) {
        assert_memory_equal(a->tensors[i].data, b->tensors[i].data,
                            a->tensors[i].count * sizeof(float));
        for (size_t j = 0; j < a->tensors[i].count; j++)
            worst = fmax(worst, fabs((double)a->tensors[i].data[j] - c->tensors[i].data[j]));
    }
    if (worst > 1e-5)
        fail_msg("two threads differ from one by %g", worst);
    pd_weights_free(a);
    pd_weights_free(b);
    pd_weights_free(c);
}

static char fixture_dir[512];

static void read_npy(const char *name, pd_array *a)
{
    char path[700];
    pd_error err;
    snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
    if (pd_npy_read(path, a, &err))
        fail_msg("%s", err.msg);
}

static pd_weights *read_weights(const char *name)
{
    char path[700];
    pd_error err;
    pd_weights *w;
    snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
    if (pd_weights_read_safetensors(path, &w, &err))
        fail_msg("%s", err.msg);
    return w;
}

/* b-lenet: two SGD steps (momentum, weight decay, unequal exit weights, all read from the
 * fixture) from PyTorch's initial weights on two batches of 8: each step's per-exit
 * losses (the second's depends on the first update), then every weight and momentum
 * tensor after the second step, as PyTorch computed them (tools/make_train_fixtures.py). */
static void test_pytorch_steps(void **state)
{
    (void)state;
    snprintf(fixture_dir, sizeof fixture_dir, "%s/tests/fixtures/b-lenet-train", PD_SOURCE_DIR);
    pd_graph *g;
    pd_error err;
    assert_int_equal(pd_graph_open("b-lenet", &g, &err), PD_OK);
    pd_weights *w = read_weights("../b-lenet/weights.safetensors"); /* PyTorch's init, seed 1 */
    pd_array hyper, losses;
    read_npy("hyper.npy", &hyper); /* lr, momentum, weight decay, w_1 .. w_K */
    read_npy("losses.npy", &losses); /* [steps][exits] */
    assert_int_equal(hyper.count, 3 + g->n_exits);
    double ew[PD_TRAIN_MAX_EXITS];
    for (size_t k = 0; k < g->n_exits; k++)
        ew[k] = hyper.data[3 + k];
    pd_train_config c;
    pd_train_config_default(&c);
    c.batch = 8;
    c.lr = hyper.data[0];
    c.momentum = hyper.data[1];
    c.weight_decay = hyper.data[2];
    c.exit_weights = ew;
    c.threads = 1;
    pd_trainer *t;
    if (pd_trainer_new(g, w, &c, &t, &err))
        fail_msg("%s", err.msg);
    size_t steps = (size_t)losses.dims[0];
    assert_int_equal(steps, 2);
    for (size_t step = 0; step < steps; step++) {
        char name[64];
        pd_array x, labels_f;
        snprintf(name, sizeof name, "batch-%zu.npy", step);
        read_npy(name, &x);
        snprintf(name, sizeof name, "labels-%zu.npy", step);
        read_npy(name, &labels_f);
        uint8_t labels[8];
        assert_int_equal(labels_f.count, 8);
        for (size_t s = 0; s < 8; s++)
            labels[s] = (uint8_t)labels_f.data[s];
        pd_train_stats st;
        if (pd_trainer_step(t, x.data, labels, 8, &st, &err))
            fail_msg("%s", err.msg);
        double total = 0.0;
        for (size_t k = 0; k < g->n_exits; k++) {
            double want = losses.data[step * g->n_exits + k];
            if (fabs(st.exit_loss[k] - want) > 1e-5 * fmax(1.0, fabs(want)))
                fail_msg("step %zu, exit %zu: loss %.7f, PyTorch's %.7f", step + 1, k,
                         st.exit_loss[k], want);
            total += ew[k] * want;
        }
        assert_float_equal(st.loss, total, 1e-5 * fmax(1.0, total));
        pd_array_free(&x);
        pd_array_free(&labels_f);
    }
    /* the file holds every "<tensor>" and "<tensor>.momentum" after the last step */
    char name[64];
    snprintf(name, sizeof name, "step-%zu.safetensors", steps);
    pd_weights *after = read_weights(name);
    for (size_t i = 0; i < w->n; i++) {
        const pd_named_tensor *wt = &w->tensors[i];
        char mname[256];
        snprintf(mname, sizeof mname, "%s.momentum", wt->name);
        const pd_named_tensor *want = pd_weights_find(after, wt->name),
                              *wantm = pd_weights_find(after, mname),
                              *gm = pd_weights_find(pd_trainer_momentum(t), mname);
        assert_non_null(want);
        assert_non_null(wantm);
        assert_non_null(gm);
        double e = rel_error(wt->data, want->data, wt->count);
        double em = rel_error(gm->data, wantm->data, wt->count);
        if (e > 1e-4 || em > 1e-4)
            fail_msg("after step %zu, %s: weights differ from PyTorch's by %.2e, momentum by "
                     "%.2e (relative)", steps, wt->name, e, em);
    }
    pd_weights_free(after);
    pd_array_free(&hyper);
    pd_array_free(&losses);
    pd_trainer_free(t);
    pd_weights_free(w);
    pd_graph_free(g);
}

/* Evaluation mode gives, per exit and sample, what the inference runtime gives. */
static void test_eval_matches_runtime(void **state)
{
    (void)state;
    pd_graph *g;
    pd_weights *w;
    pd_error err;
    assert_int_equal(pd_graph_open("b-lenet", &g, &err), PD_OK);
    assert_int_equal(pd_weights_random(g, 21, &w, &err), PD_OK);
    enum { B = 5 };
    pd_trainer *t = new_trainer(g, w, B, NULL);
    pd_net *net;
    assert_int_equal(pd_net_new(g, w, "w", 1, &net, &err), PD_OK);
    pd_rng r;
    pd_rng_seed(&r, 9);
    size_t n1 = (size_t)pd_shape_elems(g->input);
    float *x = malloc(B * n1 * sizeof *x);
    uint8_t labels[B];
    assert_non_null(x);
    random_batch(&r, B * n1, x, B, labels, 10);
    pd_exit_summary got[2 * B];
    assert_int_equal(pd_eval_batch(t, x, B, got, &err), PD_OK);
    for (size_t k = 0; k < g->n_exits; k++)
        for (size_t s = 0; s < B; s++) {
            size_t len, n;
            const float *out;
            pd_net_path(net, k, &len);
            assert_int_equal(pd_net_run(net, k, 0, len, x + s * n1, n1, &out, &n, NULL, &err),
                             PD_OK);
            pd_exit_summary want;
            pd_exit_summarise(out, n, &want);
            assert_int_equal(got[k * B + s].top_class, want.top_class);
            assert_float_equal(got[k * B + s].entropy, want.entropy, 1e-5);
            assert_float_equal(got[k * B + s].probability, want.probability, 1e-5);
        }
    assert_int_equal(pd_eval_batch(t, x, B + 1, got, &err), PD_EINPUT);
    free(x);
    pd_net_free(net);
    pd_trainer_free(t);
    pd_weights_free(w);
    pd_graph_free(g);
}


/* A model with a layer the trainer has no gradient for is refused, naming the type (or
 * what of it) and the layer, before anything is made. */
static void test_untrainable_refused(void **state)
{
    (void)state;
    static const struct {
        const char *layers, *message;
    } cases[] = {
        {"{\"name\": \"n\", \"type\": \"bn\"}",
         "cannot train layers of type \"bn\" yet (layer \"n\")"},
        {"{\"name\": \"s\", \"type\": \"sigmoid\"}",
         "cannot train layers of type \"sigmoid\" yet (layer \"s\")"},
        {"{\"name\": \"c\", \"type\": \"conv\", \"filters\": 2, \"kernel\": 3, \"groups\": 2}",
         "no gradient yet for a conv that is grouped, dilated, rectangular, unevenly padded or "
         "bias-free (layer \"c\")"},
        {"{\"name\": \"p\", \"type\": \"pool\", \"mode\": \"avg\", \"global\": true}",
         "no gradient yet for a global pool (layer \"p\")"},
        {"{\"name\": \"p\", \"type\": \"pool\", \"mode\": \"avg\", \"kernel\": 3, \"stride\": 1, "
         "\"pad\": 1, \"count_include_pad\": false}",
         "no gradient yet for a pool with count_include_pad false (layer \"p\")"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"name\": \"u\", \"input\": [2, 6, 6], \"layers\": [%s, {\"name\": \"f\", "
                 "\"type\": \"fc\", \"outputs\": 3, \"exit\": true}]}",
                 cases[i].layers);
        pd_graph *g = NULL;
        pd_weights *w = NULL;
        pd_error err;
        if (pd_graph_from_json(json, strlen(json), "u.json", &g, &err) ||
            pd_weights_random(g, 1, &w, &err))
            fail_msg("%s: %s", cases[i].layers, err.msg);
        pd_train_config c;
        pd_train_config_default(&c);
        c.threads = 1;
        pd_trainer *t = (pd_trainer *)0x1;
        assert_int_equal(pd_trainer_new(g, w, &c, &t, &err), PD_ELIMIT);
        assert_null(t);
        if (!strstr(err.msg, cases[i].message))
            fail_msg("got \"%s\", wanted \"%s\"", err.msg, cases[i].message);
        pd_weights_free(w);
        pd_graph_free(g);
    }
}

/* BranchyNet's rule on four samples, three exits met in the order 2, 0, 1: a sample leaves
 * at the first exit whose entropy is strictly below t, the last exit takes the rest. */
static void test_entropy_rule(void **state)
{
    (void)state;
    enum { N = 4 };
    static const size_t order[] = {2, 0, 1};
    static const float entropy[3 * N] = {
        0.0f, 0.2f, 0.5f, 0.9f, /* exit 0 */
        0.0f, 0.0f, 0.0f, 0.0f, /* exit 1: last met, never asked */
        0.1f, 0.9f, 0.5f, 0.9f, /* exit 2 */
    };
    static const uint8_t correct[3 * N] = {0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0};
    double acc, mean, share[3];
    /* sample 0 at exit 2, sample 1 at exit 0, samples 2 (0.5 is not below 0.5) and 3 at 1 */
    pd_entropy_rule(3, order, N, correct, entropy, 0.5, &acc, &mean, share);
    assert_true(acc == 0.75);
    assert_true(mean == (1 + 2 + 3 + 3) / 4.0);
    assert_true(share[0] == 0.25 && share[1] == 0.5 && share[2] == 0.25);
    /* nothing is below 0: every sample goes to the last exit met */
    pd_entropy_rule(3, order, N, correct, entropy, 0.0, &acc, &mean, share);
    assert_true(acc == 0.25);
    assert_true(mean == 3.0);
    assert_true(share[0] == 0 && share[1] == 1 && share[2] == 0);
    /* above every entropy: all leave at the first exit met */
    pd_entropy_rule(3, order, N, correct, entropy, 1.0, &acc, &mean, share);
    assert_true(acc == 0.25 && mean == 1.0 && share[2] == 1.0);
    double per_exit[3];
    pd_exit_accuracies(3, N, correct, per_exit);
    assert_true(per_exit[0] == 0.25 && per_exit[1] == 0.25 && per_exit[2] == 0.25);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entropy_rule),
        cmocka_unit_test(test_tree_gradients),     cmocka_unit_test(test_branch_point_sums),
        cmocka_unit_test(test_steps_reduce_loss),  cmocka_unit_test(test_nan_loss_refused),
        cmocka_unit_test(test_config_and_state),   cmocka_unit_test(test_eval_matches_runtime),
        cmocka_unit_test(test_other_tensors_untouched), cmocka_unit_test(test_alexnet_dropout_seeded),
        cmocka_unit_test(test_untrainable_refused), cmocka_unit_test(test_pytorch_steps),      cmocka_unit_test(test_threads_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
