/* DAG networks against PyTorch: tests/fixtures/dag-residual and dag-inception
 * (tools/make_dag_fixtures.py: nn.Modules written by hand, residual adds, a
 * squeeze-and-excitation gate, depthwise, dilated, rectangular and unevenly padded
 * convolutions, batch norm, the activations, an inception block's concat). Every exit,
 * alone, on 1 and 2 threads, within 1e-5 of PyTorch relative to the largest logit; runs
 * split at the cuts a net allows give the same floats; the buffers are planned by
 * liveness. */
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
#include "predoff/weights.h"
#include "rel_error.h"

typedef struct fixture {
    pd_graph *g;
    pd_weights *w;
    char dir[512];
} fixture;

static void open_fixture(fixture *f, const char *name)
{
    pd_error err;
    char path[640];
    snprintf(f->dir, sizeof f->dir, "%s/tests/fixtures/%s", PD_SOURCE_DIR, name);
    snprintf(path, sizeof path, "%s/model.json", f->dir);
    if (pd_graph_open(path, &f->g, &err))
        fail_msg("%s", err.msg);
    snprintf(path, sizeof path, "%s/weights.safetensors", f->dir);
    if (pd_weights_read_safetensors(path, &f->w, &err))
        fail_msg("%s", err.msg);
}

static void close_fixture(fixture *f)
{
    pd_weights_free(f->w);
    pd_graph_free(f->g);
}

static void read_npy(const fixture *f, const char *name, pd_array *a)
{
    char path[700];
    pd_error err;
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    if (pd_npy_read(path, a, &err))
        fail_msg("%s", err.msg);
}

static const char *const nets[] = {"dag-residual", "dag-inception"};

/* Every allocation predoff's code makes, counted: this test is linked with --wrap for
 * malloc, calloc, realloc and aligned_alloc (tests/CMakeLists.txt), so the calls of the
 * library's objects come here first. (OpenBLAS's own, inside its shared library, do not.) */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
static size_t allocations;
void *__wrap_malloc(size_t n)
{
    allocations++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t size)
{
    allocations++;
    return __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n)
{
    allocations++;
    return __real_realloc(p, n);
}
void *__wrap_aligned_alloc(size_t align, size_t n)
{
    allocations++;
    return __real_aligned_alloc(align, n);
}

/* pd_net_run and pd_net_run_span allocate nothing: every exit of both DAGs, whole and cut, 1 and 2 threads,
 * once the net is made. */
static void test_run_allocates_nothing(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof nets / sizeof nets[0]; m++) {
        fixture f;
        open_fixture(&f, nets[m]);
        pd_array x;
        read_npy(&f, "input-0.npy", &x);
        for (int threads = 1; threads <= 2; threads++) {
            pd_net *net = NULL;
            size_t before = allocations;
            assert_int_equal(pd_net_new(f.g, f.w, "weights", threads, &net, NULL), PD_OK);
            assert_true(allocations > before); /* the counter sees the library's calls */
            before = allocations;
            for (size_t k = 0; k < f.g->n_exits; k++) {
                size_t len, n, n_mid;
                const float *out, *mid;
                pd_net_path(net, k, &len);
                assert_int_equal(pd_net_run(net, k, 0, len, x.data, x.count, &out, &n, NULL,
                                            NULL),
                                 PD_OK);
                const float *given[64] = {x.data}; /* and the span run */
                assert_true(len < 64);
                assert_int_equal(pd_net_run_span(net, k, 0, len, given, NULL, NULL), PD_OK);
                for (size_t cut = 1; cut < len; cut++)
                    if (pd_net_can_cut(net, k, cut)) {
                        assert_int_equal(pd_net_run(net, k, 0, cut, x.data, x.count, &mid,
                                                    &n_mid, NULL, NULL),
                                         PD_OK);
                        assert_int_equal(pd_net_run(net, k, cut, len, mid, n_mid, &out, &n,
                                                    NULL, NULL),
                                         PD_OK);
                    }
            }
            assert_int_equal(allocations, before);
            pd_net_free(net);
        }
        pd_array_free(&x);
        close_fixture(&f);
    }
}

/* Each exit alone (a fresh net per exit, so no other exit has run before it), 1 and 2
 * threads, both inputs. */
static void test_exits_match_pytorch(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof nets / sizeof nets[0]; m++) {
        fixture f;
        open_fixture(&f, nets[m]);
        assert_false(f.g->topo->tree);
        for (size_t k = 0; k < f.g->n_exits; k++)
            for (int threads = 1; threads <= 2; threads++) {
                pd_net *net = NULL;
                pd_error err;
                if (pd_net_new(f.g, f.w, "weights", threads, &net, &err))
                    fail_msg("%s", err.msg);
                for (int i = 0; i < 2; i++) {
                    char name[160];
                    pd_array x, want;
                    snprintf(name, sizeof name, "input-%d.npy", i);
                    read_npy(&f, name, &x);
                    snprintf(name, sizeof name, "exit-%s-%d.npy",
                             f.g->layers[f.g->exits[k]].name, i);
                    read_npy(&f, name, &want);
                    size_t len, n;
                    const float *out;
                    pd_net_path(net, k, &len);
                    assert_int_equal(pd_net_run(net, k, 0, len, x.data, x.count, &out, &n, NULL,
                                                &err),
                                     PD_OK);
                    assert_int_equal(n, want.count);
                    double e = rel_error(out, want.data, n);
                    if (!(e < 1e-5))
                        fail_msg("%s exit %s input %d, %d threads: relative error %g",
                                 nets[m], f.g->layers[f.g->exits[k]].name, i, threads, e);
                    pd_array_free(&x);
                    pd_array_free(&want);
                }
                pd_net_free(net);
            }
        close_fixture(&f);
    }
}

/* A run cut where one tensor crosses, then resumed from its output, gives the whole
 * run's floats; a cut that several cross is refused, naming the exit. */
static void test_runs_cut_where_one_tensor_crosses(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof nets / sizeof nets[0]; m++) {
        fixture f;
        open_fixture(&f, nets[m]);
        pd_net *net = NULL;
        pd_error err;
        assert_int_equal(pd_net_new(f.g, f.w, "weights", 1, &net, &err), PD_OK);
        pd_array x;
        read_npy(&f, "input-1.npy", &x);
        for (size_t k = 0; k < f.g->n_exits; k++) {
            size_t len, n, n_mid, n_end;
            const float *out, *mid, *end;
            pd_net_path(net, k, &len);
            assert_int_equal(pd_net_run(net, k, 0, len, x.data, x.count, &out, &n, NULL, NULL),
                             PD_OK);
            float *whole = malloc(n * sizeof *whole);
            assert_non_null(whole);
            memcpy(whole, out, n * sizeof *whole);
            size_t allowed = 0, refused = 0;
            for (size_t cut = 1; cut < len; cut++) {
                if (!pd_net_can_cut(net, k, cut)) {
                    refused++;
                    assert_int_equal(pd_net_run(net, k, cut, len, x.data, x.count, &end, &n_end,
                                                NULL, &err),
                                     PD_EINPUT);
                    assert_non_null(strstr(err.msg, "more than one tensor crosses"));
                    continue;
                }
                allowed++;
                assert_int_equal(pd_net_run(net, k, 0, cut, x.data, x.count, &mid, &n_mid, NULL,
                                            NULL),
                                 PD_OK);
                /* from the net's own buffer, and from a copy of it */
                float *copy = malloc(n_mid * sizeof *copy);
                assert_non_null(copy);
                memcpy(copy, mid, n_mid * sizeof *copy);
                assert_int_equal(pd_net_run(net, k, cut, len, mid, n_mid, &end, &n_end, NULL,
                                            NULL),
                                 PD_OK);
                assert_int_equal(n_end, n);
                assert_memory_equal(end, whole, n * sizeof *whole);
                assert_int_equal(pd_net_run(net, k, cut, len, copy, n_mid, &end, &n_end, NULL,
                                            NULL),
                                 PD_OK);
                assert_memory_equal(end, whole, n * sizeof *whole);
                free(copy);
            }
            assert_true(allowed > 0); /* the trunk's chains */
            assert_true(refused > 0); /* inside the residual and the inception block */
            free(whole);
        }
        pd_array_free(&x);
        pd_net_free(net);
        close_fixture(&f);
    }
}

/* The buffers are reused: they hold under half of every tensor at once, and within twice
 * the peak of live tensors of each exit (the graph's liveness, pd_graph_exit_peak_bytes).
 * On a tree (b-lenet) they are at most two of the largest tensor, as before the planner. */
static void test_buffers_by_liveness(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof nets / sizeof nets[0]; m++) {
        fixture f;
        open_fixture(&f, nets[m]);
        pd_net *net = NULL;
        assert_int_equal(pd_net_new(f.g, f.w, "weights", 1, &net, NULL), PD_OK);
        double all = 0, held = 4.0 * (double)pd_net_buffer_floats(net);
        for (size_t i = 0; i < f.g->n_layers; i++)
            all += 4.0 * (double)pd_shape_elems(f.g->layers[i].out);
        for (size_t k = 0; k < f.g->n_exits; k++) {
            double peak;
            assert_int_equal(pd_graph_exit_peak_bytes(f.g, k, &peak, NULL), PD_OK);
            /* in-place layers can hold less than the peak of live tensors; greedy slots
             * with growth, fragmented, more: within twice it (dag-inception holds 1.19x) */
            assert_true(held <= 2.0 * peak);
        }
        assert_true(held < all / 2);
        pd_net_free(net);
        close_fixture(&f);
    }
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_net *net = NULL;
    assert_int_equal(pd_graph_open("b-lenet", &g, NULL), PD_OK);
    assert_int_equal(pd_weights_random(g, 1, &w, NULL), PD_OK);
    assert_int_equal(pd_net_new(g, w, "random", 1, &net, NULL), PD_OK);
    size_t largest = 0;
    for (size_t i = 0; i < g->n_layers; i++)
        if ((size_t)pd_shape_elems(g->layers[i].out) > largest)
            largest = (size_t)pd_shape_elems(g->layers[i].out);
    assert_true(pd_net_buffer_floats(net) <= 2 * largest);
    pd_net_free(net);
    pd_weights_free(w);
    pd_graph_free(g);
}

static pd_net *net_of_json(const char *json, pd_graph **g, pd_weights **w, int threads)
{
    pd_error err;
    pd_net *net = NULL;
    if (pd_graph_from_json(json, strlen(json), "t.json", g, &err) ||
        pd_weights_random(*g, 5, w, &err) || pd_net_new(*g, *w, "random", threads, &net, &err))
        fail_msg("%s", err.msg);
    return net;
}

/* add(a, b, a) writes over a only if it does not read a again after its first write:
 * (a + b) + a and (b + a) + a are the same floats (addition commutes exactly), so the two
 * models give the same bits. Planned in place over a, the first gave 2 (a + b). */
static void test_add_reading_its_first_input_again(void **state)
{
    (void)state;
    static const char *const orders[] = {"\"a\", \"b\", \"a\"", "\"b\", \"a\", \"a\""};
    float out[2][10];
    for (int o = 0; o < 2; o++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"name\": \"t\", \"input\": [2, 5, 5], \"layers\": ["
                 "{\"name\": \"a\", \"type\": \"conv\", \"filters\": 3, \"kernel\": 1},"
                 "{\"name\": \"b\", \"type\": \"conv\", \"filters\": 3, \"kernel\": 1, "
                 "\"input\": \"@input\"},"
                 "{\"name\": \"s\", \"type\": \"add\", \"inputs\": [%s]},"
                 "{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 10, \"exit\": true}]}",
                 orders[o]);
        pd_graph *g = NULL;
        pd_weights *w = NULL;
        pd_net *net = net_of_json(json, &g, &w, 1);
        float x[50];
        for (int i = 0; i < 50; i++)
            x[i] = (float)(i % 7) - 3.0f;
        size_t len, n;
        const float *y;
        pd_net_path(net, 0, &len);
        assert_int_equal(pd_net_run(net, 0, 0, len, x, 50, &y, &n, NULL, NULL), PD_OK);
        assert_int_equal(n, 10);
        memcpy(out[o], y, sizeof out[o]);
        pd_net_free(net);
        pd_weights_free(w);
        pd_graph_free(g);
    }
    assert_memory_equal(out[0], out[1], sizeof out[0]);
}

/* A run's input may be another exit's output, lying in a buffer this exit's plan gives to
 * another tensor: the net copies it aside before it writes (the two exits below place
 * tensor a in different buffers). Same floats as from a copy of the caller's. */
static void test_input_from_another_exits_buffer(void **state)
{
    (void)state;
    static const char json[] =
        "{\"name\": \"x1\", \"input\": [1, 4, 4], \"layers\": ["
        "{\"name\": \"a\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 1},"
        "{\"name\": \"b\", \"type\": \"conv\", \"filters\": 2, \"kernel\": 1},"
        "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 8, \"kernel\": 1},"
        "{\"name\": \"d\", \"type\": \"fc\", \"outputs\": 10, \"exit\": true},"
        "{\"name\": \"e\", \"type\": \"pool\", \"mode\": \"max\", \"kernel\": 3, \"stride\": 1, "
        "\"pad\": 1, \"input\": \"a\"},"
        "{\"name\": \"e2\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 3, \"pad\": 1},"
        "{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 10, \"exit\": true}]}";
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_net *net = net_of_json(json, &g, &w, 1);
    float x[16], copy[16], want[10];
    for (int i = 0; i < 16; i++)
        x[i] = (float)i / 4.0f - 2.0f;
    size_t len, n, n_a;
    const float *a, *y;
    pd_net_path(net, 1, &len);
    assert_int_equal(pd_net_run(net, 0, 0, 1, x, 16, &a, &n_a, NULL, NULL), PD_OK); /* exit d */
    assert_int_equal(n_a, 16);
    memcpy(copy, a, sizeof copy);
    assert_int_equal(pd_net_run(net, 1, 1, len, copy, 16, &y, &n, NULL, NULL), PD_OK);
    memcpy(want, y, sizeof want);
    assert_int_equal(pd_net_run(net, 0, 0, 1, x, 16, &a, &n_a, NULL, NULL), PD_OK);
    assert_int_equal(pd_net_run(net, 1, 1, len, a, 16, &y, &n, NULL, NULL), PD_OK); /* exit f */
    assert_memory_equal(y, want, sizeof want);
    pd_net_free(net);
    pd_weights_free(w);
    pd_graph_free(g);
}

/* SiLU as PyTorch exports it, a Sigmoid and a Mul of its input by it, runs as one pass (the
 * sigmoid's time is 0: its multiply did the work) with x sigmoid(x), and after a
 * convolution that only the pair reads, the multiply writing over it (x times sigmoid(x),
 * as PyTorch exports SiLU), in the convolution's own pass (the multiply's time 0 too),
 * giving the same floats, unless another exit reads the convolution (its pass then one
 * cost in every exit: its own); a multiply of another tensor by a sigmoid stays two passes. */
static void test_silu_runs_as_one_pass(void **state)
{
    (void)state;
    static const char *const muls[] = {"\"a\", \"s\"", "\"s\", \"a\"", "\"b\", \"s\"",
                                       "\"a\", \"s\""};
    for (int v = 0; v < 4; v++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"name\": \"t\", \"input\": [2, 5, 5], \"layers\": ["
                 "{\"name\": \"b\", \"type\": \"conv\", \"filters\": 3, \"kernel\": 1},"
                 "{\"name\": \"a\", \"type\": \"conv\", \"filters\": 3, \"kernel\": 1, "
                 "\"input\": \"@input\"},"
                 "{\"name\": \"s\", \"type\": \"sigmoid\"},"
                 "{\"name\": \"m\", \"type\": \"mul\", \"inputs\": [%s]},"
                 "{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 10, \"exit\": true},"
                 "{\"name\": \"fb\", \"type\": \"fc\", \"outputs\": 10, \"exit\": true, "
                 "\"input\": \"b\"},"
                 "{\"name\": \"fa\", \"type\": \"fc\", \"outputs\": 10, \"exit\": true, "
                 "\"input\": \"%s\"}]}",
                 muls[v], v == 3 ? "m" : "a");
        pd_graph *g = NULL;
        pd_weights *w = NULL;
        pd_net *net = net_of_json(json, &g, &w, 1);
        float x[50], a[75], b[75];
        for (int i = 0; i < 50; i++)
            x[i] = (float)(i % 9) - 4.0f;
        size_t len, n;
        const float *y;
        const int32_t *path = pd_net_path(net, 0, &len);
        assert_int_equal(len, v != 2 ? 4 : 5); /* a, s, m, f; and b first when m reads it */
        const size_t at = len - 3;         /* s */
        assert_string_equal(g->layers[path[at]].name, "s");
        assert_int_equal(pd_net_run(net, 1, 0, 1, x, 50, &y, &n, NULL, NULL), PD_OK); /* b */
        memcpy(b, y, sizeof b);
        if (v == 3) /* a, the first position of exit 0's path */
            assert_int_equal(pd_net_run(net, 0, 0, 1, x, 50, &y, &n, NULL, NULL), PD_OK);
        else
            assert_int_equal(pd_net_run(net, 2, 0, 1, x, 50, &y, &n, NULL, NULL), PD_OK);
        memcpy(a, y, sizeof a);
        double ms[5] = {-1, -1, -1, -1, -1};
        assert_int_equal(pd_net_run(net, 0, 0, at + 2, x, 50, &y, &n, ms, NULL), PD_OK);
        assert_int_equal(n, 75);
        for (int i = 0; i < 75; i++) {
            double sig = 1.0 / (1.0 + exp(-(double)a[i]));
            double want = (v != 2 ? (double)a[i] : (double)b[i]) * sig;
            assert_true(fabs(y[i] - want) <= 1e-6 * (1.0 + fabs(want)));
        }
        if (v <= 1) { /* m writes over s, not over a (v 1); or exit fa reads a, which runs
                       * there alone (v 0), so a's pass is one cost for every exit: its own */
            assert_true(ms[at] == 0.0 && ms[at + 1] > 0.0);
            assert_true(pd_net_fused(net, 0, at) && !pd_net_fused(net, 0, at + 1));
            assert_int_equal(pd_runtime_fused_into(g, (size_t)path[at]), path[at + 1]);
            assert_int_equal(pd_runtime_fused_into(g, (size_t)path[at + 1]), -1);
        } else if (v == 3) {
            assert_true(ms[at] == 0.0); /* the sigmoid did not run on its own */
            /* nor the multiply, which writes over a: the convolution's pass computed the
             * SiLU, the floats the SiLU pass gives when the run starts at the sigmoid */
            assert_true(ms[at + 1] == 0.0);
            assert_true(pd_net_fused(net, 0, at) && pd_net_fused(net, 0, at + 1));
            assert_false(pd_net_fused(net, 0, at - 1));
            assert_int_equal(pd_runtime_fused_into(g, (size_t)path[at]), path[at - 1]);
            assert_int_equal(pd_runtime_fused_into(g, (size_t)path[at + 1]), path[at - 1]);
            assert_true(pd_runtime_fused_elems(g, (size_t)path[at - 1]) == 150.0);
            float fused[75];
            memcpy(fused, y, sizeof fused);
            assert_int_equal(pd_net_run(net, 0, at, at + 2, a, 75, &y, &n, ms, NULL), PD_OK);
            assert_true(ms[1] > 0.0); /* alone, the multiply ran the SiLU pass */
            assert_memory_equal(y, fused, sizeof fused);
        } else { /* m multiplies b by the sigmoid of a */
            assert_true(ms[at] > 0.0);
            assert_false(pd_net_fused(net, 0, at + 1));
        }
        pd_net_free(net);
        pd_weights_free(w);
        pd_graph_free(g);
    }
}

/* Runs exit k of net from x in random spans (boundaries drawn with `rng`), every tensor a
 * span reads from before it handed over in memory of the caller's, as the split runtime
 * does between tiers; returns 1 when the exit's output has the floats of `whole`. */
static int spans_equal_whole(const pd_graph *g, pd_net *net, size_t k, const float *x,
                             const float *whole, pd_rng *rng)
{
    size_t len;
    const int32_t *path = pd_net_path(net, k, &len);
    float **held = calloc(len + 1, sizeof *held);
    int32_t *pos_of = malloc(g->n_layers * sizeof *pos_of);
    assert_non_null(held);
    assert_non_null(pos_of);
    for (size_t q = 0; q < len; q++)
        pos_of[path[q]] = (int32_t)q;
    held[0] = (float *)x;
    size_t from = 0;
    while (from < len) {
        size_t to = from + 1 + (size_t)pd_rng_below(rng, len - from < 4 ? len - from : 4);
        to = to > len ? len : to;
        assert_int_equal(pd_net_run_span(net, k, from, to, (const float *const *)held, NULL, NULL),
                         PD_OK);
        /* copy out what a later span reads (the net's buffers are the next span's) */
        for (size_t q = from; q < to; q++) {
            size_t n_rd;
            const int32_t *rd = pd_topology_readers(g->topo, path[q], &n_rd);
            int later = q == len - 1;
            for (size_t j = 0; j < n_rd; j++)
                later |= pd_topology_in_sub(g->topo, k, (size_t)rd[j]) &&
                         pos_of[rd[j]] >= (int32_t)to;
            if (!later)
                continue;
            size_t n = (size_t)pd_shape_elems(g->layers[path[q]].out);
            held[q + 1] = malloc(n * sizeof(float));
            assert_non_null(held[q + 1]);
            memcpy(held[q + 1], pd_net_output_at(net, k, q), n * sizeof(float));
        }
        from = to;
    }
    size_t n = (size_t)pd_shape_elems(g->layers[path[len - 1]].out);
    int same = memcmp(held[len], whole, n * sizeof *whole) == 0;
    for (size_t q = 1; q <= len; q++)
        free(held[q]);
    free(held);
    free(pos_of);
    return same;
}

/* A run split anywhere, however many tensors cross each cut (a DAG placed across tiers),
 * with those tensors handed over in the caller's memory, gives the whole run's floats:
 * both DAG fixtures, b-lenet, and SiLU pairs cut between their sigmoid and multiply; 1 and
 * 2 threads. A span missing a tensor it reads, or given one in the net's own buffers, is
 * refused. */
static void test_runs_split_anywhere(void **state)
{
    (void)state;
    static const char silu[] =
        "{\"name\": \"t\", \"input\": [2, 5, 5], \"layers\": ["
        "{\"name\": \"a\", \"type\": \"conv\", \"filters\": 3, \"kernel\": 1},"
        "{\"name\": \"s\", \"type\": \"sigmoid\"},"
        "{\"name\": \"m\", \"type\": \"mul\", \"inputs\": [\"a\", \"s\"]},"
        "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 3, \"kernel\": 1},"
        "{\"name\": \"r\", \"type\": \"relu\"},"
        "{\"name\": \"s2\", \"type\": \"sigmoid\"},"
        "{\"name\": \"m2\", \"type\": \"mul\", \"inputs\": [\"s2\", \"r\"]},"
        "{\"name\": \"j\", \"type\": \"add\", \"inputs\": [\"m2\", \"a\", \"m\"]},"
        "{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 10, \"exit\": true}]}";
    pd_rng rng;
    pd_rng_seed(&rng, 15);
    for (size_t m = 0; m < 4; m++)
        for (int threads = 1; threads <= 2; threads++) {
            fixture f = {0};
            pd_net *net = NULL;
            pd_array x = {0};
            float *xs = NULL;
            size_t in_count;
            if (m < 2) {
                open_fixture(&f, nets[m]);
                read_npy(&f, "input-1.npy", &x);
                assert_int_equal(pd_net_new(f.g, f.w, "weights", threads, &net, NULL), PD_OK);
                xs = x.data;
                in_count = x.count;
            } else {
                if (m == 2) {
                    assert_int_equal(pd_graph_open("b-lenet", &f.g, NULL), PD_OK);
                    assert_int_equal(pd_weights_random(f.g, 3, &f.w, NULL), PD_OK);
                    assert_int_equal(pd_net_new(f.g, f.w, "random", threads, &net, NULL), PD_OK);
                } else {
                    net = net_of_json(silu, &f.g, &f.w, threads);
                }
                in_count = (size_t)pd_shape_elems(f.g->input);
                xs = malloc(in_count * sizeof *xs);
                assert_non_null(xs);
                for (size_t i = 0; i < in_count; i++)
                    xs[i] = (float)pd_rng_uniform(&rng) * 4.0f - 2.0f;
            }
            for (size_t k = 0; k < f.g->n_exits; k++) {
                size_t len, n;
                const float *out;
                pd_net_path(net, k, &len);
                assert_int_equal(pd_net_run(net, k, 0, len, xs, in_count, &out, &n, NULL, NULL),
                                 PD_OK);
                float *whole = malloc(n * sizeof *whole);
                assert_non_null(whole);
                memcpy(whole, out, n * sizeof *whole);
                for (int trial = 0; trial < 12; trial++)
                    if (!spans_equal_whole(f.g, net, k, xs, whole, &rng))
                        fail_msg("model %zu exit %zu, %d threads, trial %d: other floats", m, k,
                                 threads, trial);
                free(whole);
            }
            /* refused: a tensor the span reads is missing, or lies in the net's buffers */
            size_t len;
            pd_net_path(net, 0, &len);
            const float **none = calloc(len + 1, sizeof *none);
            assert_non_null(none);
            pd_error err;
            assert_int_equal(pd_net_run_span(net, 0, 0, 1, none, NULL, &err), PD_EINPUT);
            assert_non_null(strstr(err.msg, "reads the network input, which the run was not given"));
            none[0] = pd_net_output_at(net, 0, 0);
            assert_int_equal(pd_net_run_span(net, 0, 0, 1, none, NULL, &err), PD_EINPUT);
            assert_non_null(strstr(err.msg, "the network input lies in the net's own buffers"));
            free(none);
            if (m < 2)
                pd_array_free(&x);
            else
                free(xs);
            pd_net_free(net);
            pd_weights_free(f.w);
            pd_graph_free(f.g);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exits_match_pytorch),
        cmocka_unit_test(test_runs_cut_where_one_tensor_crosses),
        cmocka_unit_test(test_buffers_by_liveness),
        cmocka_unit_test(test_run_allocates_nothing),
        cmocka_unit_test(test_add_reading_its_first_input_again),
        cmocka_unit_test(test_input_from_another_exits_buffer),
        cmocka_unit_test(test_silu_runs_as_one_pass),
        cmocka_unit_test(test_runs_split_anywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
