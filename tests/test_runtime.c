/* Whole networks against PyTorch: the committed fixtures (tools/make_fixtures.py) hold
 * PyTorch's weights, inputs and every exit's logits; the runtime must give the same within
 * a relative 1e-4, layer by layer for b-lenet, with the net's work on one thread and split
 * over two. Also: a path run in pieces equals the path run at once, bit for bit (the split
 * runtime ships exactly these pieces); a net on 1, 2 or 3 threads agrees with one thread to
 * float rounding and repeats itself bit for bit, and nets of different counts keep theirs
 * side by side; the profiler's reads between runs (touching the buffers, flushing the
 * weights) leave a run's outputs as they were. */
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
#include <unistd.h>

#include "core/pages.h"
#include "predoff/graph.h"
#include "predoff/npy.h"
#include "predoff/runtime.h"
#include "predoff/weights.h"
#include "rel_error.h"

typedef struct fixture {
    pd_graph *g;
    pd_weights *w;
    pd_net *net;
    char dir[512];
} fixture;

static void open_fixture(fixture *f, const char *model, int threads)
{
    pd_error err;
    snprintf(f->dir, sizeof f->dir, "%s/tests/fixtures/%s", PD_SOURCE_DIR, model);
    char path[640];
    snprintf(path, sizeof path, "%s/weights.safetensors", f->dir);
    assert_int_equal(pd_graph_open(model, &f->g, &err), PD_OK);
    if (pd_weights_read_safetensors(path, &f->w, &err))
        fail_msg("%s", err.msg);
    if (pd_net_new(f->g, f->w, path, threads, &f->net, &err))
        fail_msg("%s", err.msg);
}

static void close_fixture(fixture *f)
{
    pd_net_free(f->net);
    pd_weights_free(f->w);
    pd_graph_free(f->g);
}

static void read_npy(const fixture *f, const char *name, pd_array *a)
{
    char path[640];
    pd_error err;
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    if (pd_npy_read(path, a, &err))
        fail_msg("%s", err.msg);
}

static void check_exits_on(const char *model, int threads)
{
    fixture f;
    open_fixture(&f, model, threads);
    assert_int_equal(pd_net_threads(f.net), threads);
    for (int input = 0; input < 2; input++) {
        char name[128];
        snprintf(name, sizeof name, "input-%d.npy", input);
        pd_array x;
        read_npy(&f, name, &x);
        for (size_t k = 0; k < f.g->n_exits; k++) {
            size_t len, n;
            const float *out;
            pd_net_path(f.net, k, &len);
            assert_int_equal(pd_net_run(f.net, k, 0, len, x.data, x.count, &out, &n, NULL, NULL),
                             PD_OK);
            pd_array want;
            snprintf(name, sizeof name, "exit-%s-%d.npy", f.g->layers[f.g->exits[k]].name, input);
            read_npy(&f, name, &want);
            assert_int_equal(n, want.count);
            double e = rel_error(out, want.data, n);
            print_message("%s input %d exit %s, %d threads: relative error %.2e\n", model,
                          input, f.g->layers[f.g->exits[k]].name, threads, e);
            assert_true(e < 1e-4);
            pd_array_free(&want);
        }
        pd_array_free(&x);
    }
    close_fixture(&f);
}

static void check_exits(const char *model)
{
    check_exits_on(model, 1);
    check_exits_on(model, 2);
}

static void test_b_lenet_exits(void **state)
{
    (void)state;
    check_exits("b-lenet");
}

static void test_b_alexnet_exits(void **state)
{
    (void)state;
    check_exits("b-alexnet");
}

/* b-lenet's trunk, one layer at a time, against PyTorch's intermediate outputs. */
/* Runs path positions [from, to) of exit k on `in` and returns a copy of the output (the
 * caller frees it); *n receives its length. */
static float *run_copy(fixture *f, size_t k, size_t from, size_t to, const float *in,
                       size_t in_n, size_t *n)
{
    const float *out;
    assert_int_equal(pd_net_run(f->net, k, from, to, in, in_n, &out, n, NULL, NULL), PD_OK);
    float *copy = malloc(*n * sizeof *copy);
    assert_non_null(copy);
    memcpy(copy, out, *n * sizeof *copy);
    return copy;
}

static void test_b_lenet_layer_by_layer(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "b-lenet", 2);
    pd_array x;
    read_npy(&f, "input-0.npy", &x);
    size_t trunk = f.g->n_exits - 1, len;
    const int32_t *path = pd_net_path(f.net, trunk, &len);
    float *cur = malloc(x.count * sizeof *cur);
    assert_non_null(cur);
    memcpy(cur, x.data, x.count * sizeof *cur);
    size_t cur_n = x.count;
    for (size_t i = 0; i < len; i++) {
        size_t n;
        float *next = run_copy(&f, trunk, i, i + 1, cur, cur_n, &n);
        free(cur);
        cur = next;
        cur_n = n;
        char name[128];
        snprintf(name, sizeof name, "layer-%s.npy", f.g->layers[path[i]].name);
        pd_array want;
        read_npy(&f, name, &want);
        assert_int_equal(n, want.count);
        assert_true(rel_error(cur, want.data, n) < 1e-4);
        pd_array_free(&want);
    }
    free(cur);
    pd_array_free(&x);
    close_fixture(&f);
}

/* Any split of any exit's path, run piece by piece, equals the whole run exactly, also when
 * the second piece reads the first's output where the net left it. */
static void test_pieces_equal_whole(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "b-alexnet", 2);
    pd_array x;
    read_npy(&f, "input-1.npy", &x);
    for (size_t k = 0; k < f.g->n_exits; k++) {
        size_t len, n_whole;
        const float *out;
        pd_net_path(f.net, k, &len);
        float *whole = run_copy(&f, k, 0, len, x.data, x.count, &n_whole);
        for (size_t cut = 1; cut < len; cut++) {
            size_t n_mid, n_end;
            float *mid = run_copy(&f, k, 0, cut, x.data, x.count, &n_mid);
            assert_int_equal(pd_net_run(f.net, k, cut, len, mid, n_mid, &out, &n_end, NULL, NULL),
                             PD_OK);
            assert_int_equal(n_end, n_whole);
            assert_memory_equal(out, whole, n_whole * sizeof *whole);
            /* the same with the first piece's output fed back as it is, in the net's buffer */
            const float *first;
            assert_int_equal(
                pd_net_run(f.net, k, 0, cut, x.data, x.count, &first, &n_mid, NULL, NULL), PD_OK);
            assert_int_equal(pd_net_run(f.net, k, cut, len, first, n_mid, &out, &n_end, NULL, NULL),
                             PD_OK);
            assert_memory_equal(out, whole, n_whole * sizeof *whole);
            free(mid);
        }
        free(whole);
    }
    pd_array_free(&x);
    close_fixture(&f);
}

/* A ReLU that follows a convolution in the same run is applied in the convolution's pass:
 * its time is 0 and the convolution's holds it; run alone, it has its own. (That the
 * outputs are the same either way is test_pieces_equal_whole: its cuts fall between.) */
static void test_relu_fused_into_conv(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "b-alexnet", 2);
    pd_array x;
    read_npy(&f, "input-1.npy", &x);
    size_t trunk = f.g->n_exits - 1, len, n;
    const int32_t *path = pd_net_path(f.net, trunk, &len);
    const float *out;
    double ms[64];
    assert_true(len <= 64);
    assert_int_equal(pd_net_run(f.net, trunk, 0, len, x.data, x.count, &out, &n, ms, NULL), PD_OK);
    int fused = 0;
    for (size_t i = 1; i < len; i++) {
        pd_layer_type t = f.g->layers[path[i]].type, before = f.g->layers[path[i - 1]].type;
        if (t == PD_LAYER_RELU && before == PD_LAYER_CONV) {
            assert_true(ms[i] == 0.0);
            assert_true(ms[i - 1] > 0.0);
            fused++;
        } else {
            assert_true(ms[i] > 0.0);
        }
    }
    assert_int_equal(fused, 5); /* relu1 to relu5 */
    size_t relu1 = 1;
    assert_int_equal(f.g->layers[path[relu1]].type, PD_LAYER_RELU);
    size_t n_conv;
    float *conv1 = run_copy(&f, trunk, 0, 1, x.data, x.count, &n_conv);
    assert_int_equal(pd_net_run(f.net, trunk, relu1, relu1 + 1, conv1, n_conv, &out, &n, ms, NULL),
                     PD_OK);
    assert_true(ms[0] > 0.0);
    free(conv1);
    pd_array_free(&x);
    close_fixture(&f);
}

/* Every exit of `model` on nets of 1, 2 and 3 threads: each within 1e-5 of one thread,
 * and the same floats on a second run. */
static void check_threads_agree(const char *model)
{
    float *one[8] = {0};
    for (int threads = 1; threads <= 3; threads++) {
        fixture f;
        open_fixture(&f, model, threads);
        assert_int_equal(pd_net_threads(f.net), threads);
        assert_true(f.g->n_exits <= 8);
        pd_array x;
        read_npy(&f, "input-0.npy", &x);
        for (size_t k = 0; k < f.g->n_exits; k++) {
            size_t len, n;
            const float *out;
            pd_net_path(f.net, k, &len);
            float *first = run_copy(&f, k, 0, len, x.data, x.count, &n);
            assert_int_equal(pd_net_run(f.net, k, 0, len, x.data, x.count, &out, &n, NULL, NULL),
                             PD_OK);
            assert_memory_equal(out, first, n * sizeof *first);
            if (threads == 1) {
                one[k] = first;
            } else {
                double e = rel_error(first, one[k], n);
                print_message("%s exit %s, %d threads against 1: relative difference %.2e\n",
                              model, f.g->layers[f.g->exits[k]].name, threads, e);
                assert_true(e < 1e-5);
                free(first);
            }
        }
        pd_array_free(&x);
        close_fixture(&f);
    }
    for (size_t k = 0; k < 8; k++)
        free(one[k]);
}

static void test_threads_agree(void **state)
{
    (void)state;
    check_threads_agree("b-lenet");
    check_threads_agree("b-alexnet");
}

/* What the profiler does between runs, reading every activation buffer and the scratch
 * (pd_net_touch_buffers) and flushing each layer's weights (pd_net_evict), is a read: the
 * runs after it give the same outputs bit for bit, on one thread and split over three (the
 * lines dealt in other parts); under ASan, a buffer's size taken wrong is a read past it. */
static void check_touch_leaves_results(const char *model, size_t n_in, int threads)
{
    fixture f;
    open_fixture(&f, model, threads);
    pd_net_touch_buffers(f.net); /* before any run: nothing written yet */
    float *x = malloc(n_in * sizeof *x), *first = NULL;
    assert_non_null(x);
    for (size_t i = 0; i < n_in; i++)
        x[i] = (float)((i * 37 % 101) / 50.0 - 1.0);
    size_t exit = f.g->n_exits - 1, len, n = 0, n0 = 0;
    pd_net_path(f.net, exit, &len);
    const float *out;
    for (int r = 0; r < 2; r++) {
        assert_int_equal(pd_net_run(f.net, exit, 0, len, x, n_in, &out, &n, NULL, NULL), PD_OK);
        if (r == 0) {
            n0 = n;
            first = malloc(n * sizeof *first);
            assert_non_null(first);
            memcpy(first, out, n * sizeof *first);
        }
        pd_net_touch_buffers(f.net);
        for (size_t l = 0; l < f.g->n_layers; l++)
            pd_net_evict(f.net, l);
    }
    assert_int_equal(n, n0);
    assert_memory_equal(out, first, n * sizeof *out);
    free(first);
    free(x);
    close_fixture(&f);
}

static void test_touch_leaves_results(void **state)
{
    (void)state;
    check_touch_leaves_results("b-lenet", 784, 1);
    check_touch_leaves_results("b-alexnet", 3 * 32 * 32, 3);
}

/* The runtime's threads are its own: making a net sets OpenBLAS to one thread a call,
 * and it stays so during and after a run. */
static void test_blas_one_thread_a_call(void **state)
{
    (void)state;
    openblas_set_num_threads(2);
    fixture f;
    open_fixture(&f, "b-lenet", 2);
    assert_int_equal(openblas_get_num_threads(), 1);
    assert_int_equal(pd_net_threads(f.net), 2);
    float x[784] = {0};
    const float *out;
    size_t n, len;
    pd_net_path(f.net, 1, &len);
    assert_int_equal(pd_net_run(f.net, 1, 0, len, x, 784, &out, &n, NULL, NULL), PD_OK);
    assert_int_equal(openblas_get_num_threads(), 1);
    close_fixture(&f);
    assert_int_equal(openblas_get_num_threads(), 1);
}

/* The count is each net's own: nets of 1, 2 and the default count live side by side, each
 * keeps its count whatever is made after it, and their runs, interleaved, agree. */
static void test_nets_keep_their_threads(void **state)
{
    (void)state;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int want_default = cpus < 1 ? 1 : cpus > PD_THREADS_DEFAULT_MAX ? PD_THREADS_DEFAULT_MAX
                                                                  : (int)cpus;
    assert_int_equal(pd_threads_default(), want_default);
    fixture one, two, dflt;
    open_fixture(&one, "b-alexnet", 1);
    open_fixture(&two, "b-alexnet", 2);
    open_fixture(&dflt, "b-alexnet", 0);
    assert_int_equal(pd_net_threads(one.net), 1);
    assert_int_equal(pd_net_threads(two.net), 2);
    assert_int_equal(pd_net_threads(dflt.net), want_default);
    pd_array x;
    read_npy(&one, "input-0.npy", &x);
    size_t trunk = one.g->n_exits - 1, len, n;
    pd_net_path(one.net, trunk, &len);
    for (int round = 0; round < 2; round++) {
        float *a = run_copy(&one, trunk, 0, len, x.data, x.count, &n);
        float *b = run_copy(&two, trunk, 0, len, x.data, x.count, &n);
        float *c = run_copy(&dflt, trunk, 0, len, x.data, x.count, &n);
        assert_true(rel_error(b, a, n) < 1e-5);
        assert_true(rel_error(c, a, n) < 1e-5);
        free(a);
        free(b);
        free(c);
    }
    assert_int_equal(pd_net_threads(one.net), 1);
    assert_int_equal(pd_net_threads(two.net), 2);
    pd_array_free(&x);
    close_fixture(&dflt);
    close_fixture(&two);
    close_fixture(&one);
}

/* A count out of range is refused, naming the model and the count. */
static void test_net_rejects_bad_threads(void **state)
{
    (void)state;
    pd_graph *g;
    pd_weights *w;
    pd_net *net;
    pd_error err;
    assert_int_equal(pd_graph_open("b-lenet", &g, &err), PD_OK);
    assert_int_equal(pd_weights_random(g, 1, &w, &err), PD_OK);
    assert_int_equal(pd_net_new(g, w, "w", -1, &net, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "\"b-lenet\": -1 threads"));
    assert_int_equal(pd_net_new(g, w, "w", PD_THREADS_MAX + 1, &net, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "257 threads"));
    pd_weights_free(w);
    pd_graph_free(g);
}

static void test_run_rejects_bad_requests(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "b-lenet", 2);
    float x[784] = {0};
    const float *out;
    size_t n, len;
    pd_error err;
    pd_net_path(f.net, 0, &len);
    assert_int_equal(pd_net_run(f.net, 0, 0, len, x, 783, &out, &n, NULL, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "784"));
    assert_int_equal(pd_net_run(f.net, 0, 2, 2, x, 784, &out, &n, NULL, &err), PD_EINPUT);
    assert_int_equal(pd_net_run(f.net, 0, 0, len + 1, x, 784, &out, &n, NULL, &err), PD_EINPUT);
    assert_int_equal(pd_net_run(f.net, 9, 0, 1, x, 784, &out, &n, NULL, &err), PD_EINPUT);
    /* timings: one per layer, none negative */
    double ms[32];
    assert_int_equal(pd_net_run(f.net, 0, 0, len, x, 784, &out, &n, ms, &err), PD_OK);
    for (size_t i = 0; i < len; i++)
        assert_true(ms[i] >= 0.0);
    close_fixture(&f);
}

static void test_exit_summary(void **state)
{
    (void)state;
    /* logits (0, ln 3): softmax (1/4, 3/4); entropy -(1/4 ln 1/4 + 3/4 ln 3/4) */
    const float logits[] = {0.0f, (float)log(3.0)};
    pd_exit_summary s;
    pd_exit_summarise(logits, 2, &s);
    assert_int_equal(s.top_class, 1);
    assert_true(fabs(s.probability - 0.75) < 1e-6);
    assert_true(fabs(s.entropy - (-(0.25 * log(0.25) + 0.75 * log(0.75)))) < 1e-6);
    /* huge logits do not overflow */
    const float big[] = {1000.0f, 1000.0f, -1000.0f};
    pd_exit_summarise(big, 3, &s);
    assert_true(fabs(s.probability - 0.5) < 1e-9);
    assert_true(fabs(s.entropy - log(2.0)) < 1e-9);
    assert_true(s.finite);
    assert_int_equal(s.non_finite, 0);
    /* a NaN logit: PyTorch's argmax takes it, its softmax is NaN; no finite verdict */
    const float nan_at_2[] = {0.5f, 3.0f, NAN, 1.0f};
    pd_exit_summarise(nan_at_2, 4, &s);
    assert_false(s.finite);
    assert_int_equal(s.non_finite, 1);
    assert_int_equal(s.top_class, 2);
    assert_true(isnan(s.probability) && isnan(s.entropy));
    const float nan_first[] = {NAN, 3.0f, NAN};
    pd_exit_summarise(nan_first, 3, &s);
    assert_int_equal(s.top_class, 0);
    assert_int_equal(s.non_finite, 2);
    /* +infinity: softmax is inf - inf = NaN */
    const float inf[] = {0.0f, INFINITY, 1.0f};
    pd_exit_summarise(inf, 3, &s);
    assert_false(s.finite);
    assert_int_equal(s.top_class, 1);
    assert_true(isnan(s.probability));
}

/* The block a net's buffers share (core/pages.c): 2 MiB-aligned, zeroed, writable to its
 * last byte; no block for 0 bytes or for sizes that cannot be rounded to whole pages. */
static void test_pages_block(void **state)
{
    (void)state;
    size_t bytes = (3u << 20) + 5;
    unsigned char *p = pd_pages_alloc(bytes);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % (2u << 20), 0);
    assert_int_equal(p[0], 0);
    assert_int_equal(p[bytes - 1], 0);
    memset(p, 0xA5, bytes);
    assert_int_equal(p[bytes - 1], 0xA5);
    pd_pages_free(p, bytes);
    pd_pages_free(NULL, 0);
    assert_null(pd_pages_alloc(0));
    assert_null(pd_pages_alloc(SIZE_MAX));
    assert_null(pd_pages_alloc(SIZE_MAX - (1u << 20)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b_lenet_exits),        cmocka_unit_test(test_b_alexnet_exits),
        cmocka_unit_test(test_b_lenet_layer_by_layer), cmocka_unit_test(test_pieces_equal_whole),
        cmocka_unit_test(test_run_rejects_bad_requests), cmocka_unit_test(test_exit_summary),
        cmocka_unit_test(test_threads_agree), cmocka_unit_test(test_relu_fused_into_conv), cmocka_unit_test(test_blas_one_thread_a_call),
        cmocka_unit_test(test_nets_keep_their_threads), cmocka_unit_test(test_touch_leaves_results), cmocka_unit_test(test_net_rejects_bad_threads),
        cmocka_unit_test(test_pages_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
