/* The compute kernels of the DAG layer types (src/nn/kernels.h) against plain references
 * written from PyTorch's definitions, in double: relative error under 1e-5 on random inputs
 * of awkward sizes (odd channels, 1x1 maps, lengths that are no multiple of 8 or 16), NaN
 * exactly where PyTorch gives NaN, in-place calls equal to out-of-place ones, and the
 * convolutions split over 1 and 2 threads equal to the reference and to themselves, run
 * after run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/kernels.h"
#include "nn/pool_window.h"
#include "nn/workers.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"

#define TOL 1e-5
/* Winograd's minimal filtering in floats errs about ten times more than a direct sum (its
 * transforms add and subtract multiples of the inputs): the net's F(4, 3) layers of
 * test_net_runs_general_conv, over 16 seeds of weights and inputs, came to at most 2.2e-5
 * of the largest output (median 6.6e-6), the other paths to at most 1.8e-6; at TOL the
 * test passed or failed by the seed it drew. */
#define WINOGRAD_TOL 1e-4

static float *floats(size_t n)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    assert_non_null(v);
    return v;
}

static double *doubles(size_t n)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    assert_non_null(v);
    return v;
}

static float *random_floats(pd_rng *r, size_t n, float lo, float hi)
{
    float *v = floats(n);
    for (size_t i = 0; i < n; i++)
        v[i] = lo + (hi - lo) * (float)pd_rng_uniform(r);
    return v;
}

/* NaN written where a kernel should write: an output it skips then shows. */
static float *poisoned(size_t n)
{
    float *v = floats(n);
    memset(v, 0xff, (n ? n : 1) * sizeof *v);
    return v;
}

static int64_t below(pd_rng *r, int64_t n)
{
    return (int64_t)pd_rng_below(r, (uint64_t)n);
}

/* got against want: NaN exactly where want is NaN, an infinity exactly where want has it,
 * and |got - want| <= tol max(|want|, floor) elsewhere. floor = norm_floor(want) gives the
 * error relative to the largest value (for sums, where one output can cancel to near 0). */
static void expect_close(const char *what, const float *got, const double *want, size_t n,
                         double tol, double floor)
{
    for (size_t i = 0; i < n; i++) {
        double g = got[i], w = want[i];
        bool ok;
        if (isnan(w) || isinf(w))
            ok = isnan(w) ? isnan(g) : g == w;
        else
            ok = isfinite(g) && fabs(g - w) <= tol * fmax(fabs(w), floor);
        if (!ok) {
            print_error("%s: element %zu of %zu is %.9g, want %.9g\n", what, i, n, g, w);
            fail();
        }
    }
}

static double norm_floor(const double *want, size_t n)
{
    double m = 1e-6;
    for (size_t i = 0; i < n; i++)
        if (isfinite(want[i]))
            m = fmax(m, fabs(want[i]));
    return m;
}

/* ---- convolution ---- */

static int64_t out_h(const pd_k_conv_geom *g)
{
    return pd_k_conv_out_h(g);
}

static int64_t out_w(const pd_k_conv_geom *g)
{
    return pd_k_conv_out_w(g);
}

static size_t in_elems(const pd_k_conv_geom *g)
{
    return (size_t)(g->c * g->h * g->w);
}

static size_t out_elems(const pd_k_conv_geom *g)
{
    return (size_t)(g->filters * out_h(g) * out_w(g));
}

static size_t weight_elems(const pd_k_conv_geom *g)
{
    return (size_t)(g->filters * (g->c / g->groups) * g->kh * g->kw);
}

/* The activation a test runs a convolution with: 0 none, 1 ReLU, 2 ReLU capped at 0.5 (as
 * ReLU6 is at 6: 0.5, so that random sums pass it often), 3 SiLU. */
static pd_act act_of(int kind)
{
    if (kind == 3)
        return pd_act_silu();
    pd_act a = kind ? pd_act_relu() : pd_act_none();
    if (kind == 2)
        a.cap = 0.5f;
    return a;
}

/* PyTorch's conv2d, one output at a time, then its ReLU (which keeps NaN), then the cap
 * (min, NaN kept). */
static void ref_conv(const pd_k_conv_geom *g, const float *w, const float *b, const float *in,
                     pd_act act, double *out)
{
    const int64_t OH = out_h(g), OW = out_w(g), cg = g->c / g->groups, fg = g->filters / g->groups;
    for (int64_t f = 0; f < g->filters; f++) {
        const int64_t group = f / fg;
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                double s = b ? b[f] : 0.0;
                for (int64_t c = 0; c < cg; c++)
                    for (int64_t ky = 0; ky < g->kh; ky++)
                        for (int64_t kx = 0; kx < g->kw; kx++) {
                            int64_t iy = oy * g->sh - g->pt + ky * g->dh;
                            int64_t ix = ox * g->sw - g->pl + kx * g->dw;
                            if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w)
                                continue; /* zero padding */
                            s += (double)w[((f * cg + c) * g->kh + ky) * g->kw + kx] *
                                 in[((group * cg + c) * g->h + iy) * g->w + ix];
                        }
                if (act.relu && s <= 0.0)
                    s = 0.0;
                if (act.relu && s > act.cap)
                    s = act.cap;
                if (act.silu)
                    s = s / (1.0 + exp(-s));
                out[(f * OH + oy) * OW + ox] = s;
            }
    }
}

/* Every way of running g against the reference: pd_k_conv, the sgemm path, the depthwise
 * loop (when g is depthwise), and pd_k_conv_split over 1 and 2 threads, twice each. */
static void check_conv_with(const pd_k_conv_geom *g, const float *w, const float *b,
                            const float *in, int act_kind)
{
    assert_true(pd_k_conv_valid(g));
    size_t n_out = out_elems(g);
    double *want = doubles(n_out);
    const pd_act act = act_of(act_kind);
    ref_conv(g, w, b, in, act, want);
    double fl = norm_floor(want, n_out);
    char what[200];
    snprintf(what, sizeof what,
             "conv c%lld %lldx%lld f%lld groups %lld k %lldx%lld s %lldx%lld d %lldx%lld "
             "pad %lld,%lld,%lld,%lld%s%s",
             (long long)g->c, (long long)g->h, (long long)g->w, (long long)g->filters,
             (long long)g->groups, (long long)g->kh, (long long)g->kw, (long long)g->sh,
             (long long)g->sw, (long long)g->dh, (long long)g->dw, (long long)g->pt,
             (long long)g->pl, (long long)g->pb, (long long)g->pr, b ? "" : " no bias",
             act_kind == 3 ? " silu" : act_kind == 2 ? " relu capped at 0.5" : act_kind ? " relu" : "");

    float *out = poisoned(n_out);
    float *scratch = floats(pd_k_conv_scratch_floats(g)); /* exactly: ASan sees overruns */
    pd_k_conv(g, w, b, in, out, scratch, act);
    expect_close(what, out, want, n_out, TOL, fl);
    if (act.silu) { /* the floats of the separate SiLU pass */
        float *plain = poisoned(n_out);
        pd_k_conv(g, w, b, in, plain, scratch, pd_act_none());
        pd_k_silu(plain, plain, n_out);
        assert_memory_equal(plain, out, n_out * sizeof *out);
        free(plain);
    }

    float *gemm = poisoned(n_out);
    float *gemm_scratch = floats(pd_k_conv_gemm_scratch_floats(g));
    pd_k_conv_gemm(g, w, b, in, gemm, gemm_scratch, act);
    expect_close(what, gemm, want, n_out, TOL, fl);

    if (pd_k_conv_is_depthwise(g)) {
        assert_int_equal(pd_k_conv_scratch_floats(g), pd_k_depthwise_scratch_floats(g));
        float *direct = poisoned(n_out);
        pd_k_conv_depthwise(g, w, b, in, direct, scratch, act);
        expect_close(what, direct, want, n_out, TOL, fl);
        assert_memory_equal(direct, out, n_out * sizeof *out); /* pd_k_conv took this loop */
        free(direct);
    }

    for (int threads = 1; threads <= 2; threads++) {
        pd_workers *pool = NULL;
        assert_int_equal(pd_workers_new(threads, &pool, NULL), PD_OK);
        float *first = poisoned(n_out), *again = poisoned(n_out);
        size_t n_split = pd_k_conv_split_scratch_floats(g, threads);
        float *split = floats(n_split); /* exactly: ASan sees overruns */
        pd_k_conv_split(g, w, b, in, first, split, act, pool);
        expect_close(what, first, want, n_out, TOL, fl);
        memset(split, 0xff, n_split * sizeof *split);
        pd_k_conv_split(g, w, b, in, again, split, act, pool);
        free(split);
        assert_memory_equal(first, again, n_out * sizeof *first);
        if (pd_k_conv_is_depthwise(g)) /* each output summed the same way, whatever the split */
            assert_memory_equal(first, out, n_out * sizeof *first);
        free(first);
        free(again);
        pd_workers_free(pool);
    }
    free(gemm);
    free(gemm_scratch);
    free(out);
    free(scratch);
    free(want);
}

/* Random weights, bias and input for g. */
static void check_conv(pd_rng *r, const pd_k_conv_geom *g, bool bias, int act_kind)
{
    float *w = random_floats(r, weight_elems(g), -1.0f, 1.0f);
    float *b = random_floats(r, (size_t)g->filters, -1.0f, 1.0f);
    float *in = random_floats(r, in_elems(g), -1.0f, 1.0f);
    check_conv_with(g, w, bias ? b : NULL, in, act_kind);
    free(w);
    free(b);
    free(in);
}

static pd_k_conv_geom geom(int64_t c, int64_t h, int64_t w, int64_t filters, int64_t groups,
                           int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                           int64_t pt, int64_t pl, int64_t pb, int64_t pr)
{
    pd_k_conv_geom g = {c, h, w, filters, groups, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr};
    return g;
}

static void test_conv_output_shape(void **state)
{
    (void)state;
    /* floor((n + lo + hi - d (k - 1) - 1) / s) + 1, as torch.nn.Conv2d documents */
    assert_int_equal(pd_k_conv_out(7, 1, 1, 3, 2, 1), 4);
    assert_int_equal(pd_k_conv_out(8, 1, 1, 3, 2, 1), 4);
    assert_int_equal(pd_k_conv_out(9, 0, 1, 3, 2, 1), 4); /* asymmetric */
    assert_int_equal(pd_k_conv_out(5, 0, 0, 3, 1, 2), 1); /* dilated span 5 */
    assert_int_equal(pd_k_conv_out(4, 0, 0, 3, 1, 2), 0); /* span 5 > 4 */
    assert_int_equal(pd_k_conv_out(1, 1, 1, 3, 1, 1), 1);
    assert_int_equal(pd_k_conv_out(10, 3, 0, 7, 3, 1), 3);

    pd_k_conv_geom g = geom(6, 10, 12, 9, 3, 3, 5, 2, 1, 1, 2, 1, 0, 2, 3);
    assert_true(pd_k_conv_valid(&g));
    assert_int_equal(pd_k_conv_out_h(&g), 6);  /* (10 + 3 - 2 - 1) / 2 + 1 */
    assert_int_equal(pd_k_conv_out_w(&g), 7);  /* (12 + 3 - 8 - 1) / 1 + 1 */
    pd_k_conv_geom bad = g;
    bad.groups = 4; /* divides neither 6 nor 9 */
    assert_false(pd_k_conv_valid(&bad));
    bad = g;
    bad.filters = 10; /* 3 does not divide 10 */
    assert_false(pd_k_conv_valid(&bad));
    bad = g;
    bad.sw = 0;
    assert_false(pd_k_conv_valid(&bad));
    bad = g;
    bad.pl = -1;
    assert_false(pd_k_conv_valid(&bad));
    bad = g;
    bad.dh = 0;
    assert_false(pd_k_conv_valid(&bad));
    bad = g;
    bad.kh = 13; /* the padded input's 13 rows exactly */
    assert_true(pd_k_conv_valid(&bad));
    bad.kh = 14;
    assert_false(pd_k_conv_valid(&bad));
    bad = g;
    bad.h = (int64_t)INT_MAX + 1;
    assert_false(pd_k_conv_valid(&bad));
    bad = g;
    bad.h = 1 << 20, bad.w = 1 << 12; /* a plane past int */
    assert_false(pd_k_conv_valid(&bad));
}

/* Shapes chosen to hit each path and edge: 1x1 maps, the 1x1 convolution that reads its
 * input as columns, many filters per group (sgemm's row-major case), MobileNet's depthwise
 * layers with TF-style asymmetric padding, a channel multiplier (groups = c < filters). */
static void test_conv_fixed(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 11);
    const pd_k_conv_geom gs[] = {
        geom(3, 1, 1, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),     /* 1x1 map, padded */
        geom(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),     /* a single product */
        geom(5, 7, 9, 7, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),     /* pointwise */
        geom(6, 7, 9, 4, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),     /* pointwise, grouped */
        geom(5, 7, 9, 7, 1, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0),     /* 1x1 stride 2 */
        geom(3, 11, 13, 33, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),  /* 33 filters: row-major */
        geom(6, 9, 10, 66, 2, 3, 2, 2, 1, 1, 1, 0, 1, 1, 0),   /* 33 a group */
        geom(5, 9, 9, 5, 5, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),     /* depthwise, TF "same" */
        geom(7, 8, 8, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),     /* depthwise 3x3 */
        geom(7, 17, 15, 7, 7, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2),   /* depthwise 5x5 stride 2 */
        geom(3, 12, 11, 3, 3, 3, 3, 3, 1, 2, 3, 2, 3, 1, 0),   /* depthwise, odd everything */
        geom(3, 1, 1, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),     /* depthwise on a 1x1 map */
        geom(4, 8, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),     /* channel multiplier 2 */
        geom(2, 12, 10, 3, 1, 3, 3, 1, 1, 3, 2, 3, 2, 3, 2),   /* dilated */
        geom(3, 9, 14, 4, 1, 2, 5, 3, 2, 1, 1, 0, 2, 1, 0),    /* rectangular */
    };
    for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++)
        for (int variant = 0; variant < 8; variant++)
            check_conv(&r, &gs[i], variant & 1, variant / 2);
}

static pd_k_conv_geom random_geom(pd_rng *r, bool depthwise)
{
    for (;;) {
        pd_k_conv_geom g;
        if (depthwise) {
            g.c = g.groups = g.filters = 1 + below(r, 9);
        } else {
            g.groups = 1 + below(r, 3);
            g.c = g.groups * (1 + below(r, 4));
            g.filters = g.groups * (below(r, 6) == 0 ? 32 + below(r, 3) : 1 + below(r, 5));
        }
        g.h = 1 + below(r, 11);
        g.w = 1 + below(r, 11);
        g.kh = 1 + below(r, 4);
        g.kw = 1 + below(r, 4);
        g.sh = 1 + below(r, 3);
        g.sw = 1 + below(r, 3);
        g.dh = 1 + below(r, 3);
        g.dw = 1 + below(r, 3);
        g.pt = below(r, 3);
        g.pl = below(r, 3);
        g.pb = below(r, 3);
        g.pr = below(r, 3);
        if (pd_k_conv_valid(&g))
            return g;
    }
}

static void test_conv_random(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 12);
    for (int t = 0; t < 300; t++) {
        pd_k_conv_geom g = random_geom(&r, t % 3 == 0);
        check_conv(&r, &g, below(&r, 2), (int)below(&r, 4));
    }
}

/* Large enough that the split versions hand them to the pool. */
static void test_conv_split(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 13);
    const pd_k_conv_geom gs[] = {
        geom(16, 17, 23, 48, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),  /* sgemm, row-major */
        geom(16, 17, 23, 20, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),  /* four groups of 5 */
        geom(24, 21, 19, 96, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),  /* pointwise, grouped */
        geom(32, 31, 31, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), /* depthwise */
        geom(64, 45, 45, 64, 64, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2), /* depthwise, dilated */
        geom(33, 40, 33, 33, 33, 5, 3, 1, 2, 1, 1, 2, 1, 2, 1), /* depthwise, odd */
        /* depthwise outputs narrower than 16: sixteen channels to a vector, the last block
         * partial, split by blocks */
        geom(600, 14, 14, 600, 600, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
        geom(520, 13, 15, 520, 520, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2),
        geom(300, 12, 12, 300, 300, 3, 3, 1, 1, 2, 2, 1, 2, 2, 1), /* dilated, uneven */
    };
    for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++) {
        assert_true(pd_k_conv_splits(&gs[i]));
        check_conv(&r, &gs[i], i % 2 == 0, i % 3 == 0);
    }
    pd_k_conv_geom small = geom(3, 4, 4, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1);
    assert_false(pd_k_conv_splits(&small));
}

/* A NaN in the input reaches exactly the outputs whose window covers it (NaN times any
 * weight is NaN, as in PyTorch), the ReLU keeps it, and no other output. */
static void test_conv_nan(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 14);
    for (int t = 0; t < 60; t++) {
        pd_k_conv_geom g = random_geom(&r, t % 2 == 0);
        float *w = random_floats(&r, weight_elems(&g), 0.1f, 1.0f); /* no zero weight */
        float *b = random_floats(&r, (size_t)g.filters, -1.0f, 1.0f);
        float *in = random_floats(&r, in_elems(&g), -1.0f, 1.0f);
        in[below(&r, (int64_t)in_elems(&g))] = NAN;
        if (below(&r, 2))
            in[below(&r, (int64_t)in_elems(&g))] = NAN;
        check_conv_with(&g, w, b, in, t % 4);
        free(w);
        free(b);
        free(in);
    }
}

/* ---- batch norm ---- */

static void test_bn(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 21);
    const int64_t cs[] = {1, 3, 7, 16}, hws[] = {1, 5, 49, 67};
    const double epss[] = {1e-5, 1e-3};
    for (size_t ci = 0; ci < 4; ci++)
        for (size_t hi = 0; hi < 4; hi++)
            for (size_t ei = 0; ei < 2; ei++) {
                const int64_t c = cs[ci], hw = hws[hi];
                const size_t n = (size_t)(c * hw);
                const double eps = epss[ei];
                float *weight = random_floats(&r, (size_t)c, -2.0f, 2.0f);
                float *bias = random_floats(&r, (size_t)c, -1.0f, 1.0f);
                float *mean = random_floats(&r, (size_t)c, -1.0f, 1.0f);
                float *var = random_floats(&r, (size_t)c, 0.01f, 3.0f);
                var[c - 1] = 0.0f; /* eps alone under the root */
                float *in = random_floats(&r, n, -3.0f, 3.0f);
                in[below(&r, (int64_t)n)] = NAN;
                double *want = doubles(n);
                for (int64_t ch = 0; ch < c; ch++)
                    for (int64_t i = 0; i < hw; i++)
                        want[ch * hw + i] = ((double)in[ch * hw + i] - mean[ch]) /
                                                sqrt((double)var[ch] + eps) * weight[ch] +
                                            bias[ch];
                float *scale = floats((size_t)c), *shift = floats((size_t)c);
                pd_k_bn_prepare(c, weight, bias, mean, var, eps, scale, shift);
                float *out = poisoned(n);
                pd_k_bn(c, hw, scale, shift, in, out);
                expect_close("bn", out, want, n, TOL, norm_floor(want, n));
                pd_k_bn(c, hw, scale, shift, in, in); /* in place */
                assert_memory_equal(in, out, n * sizeof *out);
                free(weight), free(bias), free(mean), free(var), free(in), free(want);
                free(scale), free(shift), free(out);
            }
}

/* ---- add, mul, concat ---- */

static void test_add(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 31);
    const size_t ns[] = {1, 7, 255, 256, 257, 1003};
    const int counts[] = {2, 3, 5};
    for (size_t ni = 0; ni < 6; ni++)
        for (size_t ki = 0; ki < 3; ki++) {
            const size_t n = ns[ni];
            const int k = counts[ki];
            float *in[5];
            for (int j = 0; j < k; j++)
                in[j] = random_floats(&r, n, -1.0f, 1.0f);
            in[k - 1][below(&r, (int64_t)n)] = NAN;
            double *want = doubles(n);
            for (size_t i = 0; i < n; i++) {
                want[i] = 0.0;
                for (int j = 0; j < k; j++)
                    want[i] += in[j][i];
            }
            float *out = poisoned(n);
            pd_k_add((const float *const *)in, k, n, out);
            expect_close("add", out, want, n, TOL, norm_floor(want, n));
            /* out the first input, then the last: the same floats */
            for (int into = 0; into < k; into += k - 1) {
                float *keep = floats(n);
                memcpy(keep, in[into], n * sizeof *keep);
                pd_k_add((const float *const *)in, k, n, in[into]);
                assert_memory_equal(in[into], out, n * sizeof *out);
                memcpy(in[into], keep, n * sizeof *keep);
                free(keep);
            }
            for (int j = 0; j < k; j++)
                free(in[j]);
            free(want);
            free(out);
        }
}

static void test_mul(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 32);
    const int64_t cs[] = {1, 3, 17}, hws[] = {1, 7, 49, 50};
    for (size_t ci = 0; ci < 3; ci++)
        for (size_t hi = 0; hi < 4; hi++) {
            const int64_t c = cs[ci], hw = hws[hi];
            const size_t n = (size_t)(c * hw);
            float *a = random_floats(&r, n, -2.0f, 2.0f), *b = random_floats(&r, n, -2.0f, 2.0f);
            float *s = random_floats(&r, (size_t)c, 0.0f, 1.0f);
            a[below(&r, (int64_t)n)] = NAN;
            s[c - 1] = NAN; /* the last channel all NaN */
            double *want = doubles(n), *want_ch = doubles(n);
            for (int64_t ch = 0; ch < c; ch++)
                for (int64_t i = 0; i < hw; i++) {
                    size_t at = (size_t)(ch * hw + i);
                    want[at] = (double)a[at] * b[at];
                    want_ch[at] = (double)a[at] * s[ch];
                }
            float *out = poisoned(n), *out_ch = poisoned(n);
            pd_k_mul(a, b, n, out);
            expect_close("mul", out, want, n, TOL, 1e-30);
            pd_k_mul_channels(a, s, c, hw, out_ch);
            expect_close("mul [C, 1, 1]", out_ch, want_ch, n, TOL, 1e-30);
            float *copy = floats(n);
            memcpy(copy, b, n * sizeof *copy);
            pd_k_mul(a, copy, n, copy); /* into the second */
            assert_memory_equal(copy, out, n * sizeof *out);
            pd_k_mul_channels(a, s, c, hw, a); /* into the first */
            assert_memory_equal(a, out_ch, n * sizeof *out);
            free(a), free(b), free(s), free(want), free(want_ch), free(out), free(out_ch);
            free(copy);
        }
}

static void test_concat(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 33);
    const int64_t chans[][3] = {{1, 1, 0}, {3, 5, 0}, {2, 7, 1}, {16, 3, 9}};
    const int64_t hws[] = {1, 13};
    for (size_t t = 0; t < 4; t++)
        for (size_t hi = 0; hi < 2; hi++) {
            const int k = chans[t][2] ? 3 : 2;
            const int64_t hw = hws[hi];
            float *in[3];
            int64_t total = 0;
            for (int j = 0; j < k; j++) {
                in[j] = random_floats(&r, (size_t)(chans[t][j] * hw), -1.0f, 1.0f);
                total += chans[t][j];
            }
            float *out = poisoned((size_t)(total * hw));
            pd_k_concat((const float *const *)in, chans[t], k, hw, out);
            int64_t ch = 0;
            for (int j = 0; j < k; j++)
                for (int64_t cj = 0; cj < chans[t][j]; cj++, ch++)
                    for (int64_t i = 0; i < hw; i++)
                        assert_true(out[ch * hw + i] == in[j][cj * hw + i]);
            assert_int_equal(ch, total);
            for (int j = 0; j < k; j++)
                free(in[j]);
            free(out);
        }
}

/* ---- activations ---- */

static const float specials[] = {
    NAN,    INFINITY, -INFINITY, 0.0f,   -0.0f,  3.0f,   -3.0f,       6.0f,       -6.0f,
    100.0f, -100.0f,  1e-30f,    -1e-30f, 88.0f, -88.0f, 87.5f,       -87.5f,     89.0f,
    -89.0f, 20.0f,    -20.0f,    0.5f,   -0.5f,  1.0f,   2.9999998f,  -2.9999998f, -2.5f};

typedef struct act_case {
    const char *name;
    double (*ref)(double x, const double *p);
    void (*run)(const float *in, float *out, size_t n, const float *p);
    float p[2];
    double floor; /* of the relative error's scale: see expect_close */
} act_case;

static double ref_clip(double x, const double *p)
{
    return isnan(x) ? x : fmin(fmax(x, p[0]), p[1]);
}

static double ref_sigmoid(double x, const double *p)
{
    (void)p;
    return 1.0 / (1.0 + exp(-x));
}

static double ref_hardsigmoid(double x, const double *p)
{
    return isnan(x) ? x : fmax(0.0, fmin(1.0, p[0] * x + p[1]));
}

static double ref_hardswish(double x, const double *p)
{
    (void)p;
    return isnan(x) ? x : x * fmin(fmax(x + 3.0, 0.0), 6.0) / 6.0; /* -inf * 0: NaN */
}

static void run_clip(const float *in, float *out, size_t n, const float *p)
{
    pd_k_clip(in, out, n, p[0], p[1]);
}

static void run_sigmoid(const float *in, float *out, size_t n, const float *p)
{
    (void)p;
    pd_k_sigmoid(in, out, n);
}

static void run_hardsigmoid(const float *in, float *out, size_t n, const float *p)
{
    pd_k_hardsigmoid(in, out, n, p[0], p[1]);
}

static void run_hardswish(const float *in, float *out, size_t n, const float *p)
{
    (void)p;
    pd_k_hardswish(in, out, n);
}

static void check_act(const act_case *a, const float *in, size_t n)
{
    /* the reference's parameters: PyTorch's exact 1/6 for hardsigmoid's default */
    double p[2] = {a->p[0], a->p[1]};
    if (a->run == run_hardsigmoid && a->p[0] == 1.0f / 6.0f)
        p[0] = 1.0 / 6.0;
    double *want = doubles(n);
    for (size_t i = 0; i < n; i++)
        want[i] = a->ref(in[i], p);
    float *out = poisoned(n);
    a->run(in, out, n, a->p);
    expect_close(a->name, out, want, n, a->run == run_clip ? 0.0 : TOL, a->floor);
    float *inplace = floats(n);
    memcpy(inplace, in, n * sizeof *inplace);
    a->run(inplace, inplace, n, a->p);
    assert_memory_equal(inplace, out, n * sizeof *out);
    /* each value as it comes out alone: no position (a vector's tail) computes differently */
    for (size_t i = 0; i < n && i < 40; i++) {
        float one;
        a->run(in + i, &one, 1, a->p);
        assert_memory_equal(&one, out + i, sizeof one);
    }
    free(want);
    free(out);
    free(inplace);
}

static void test_activations(void **state)
{
    (void)state;
    const act_case cases[] = {
        {"clip (relu6)", ref_clip, run_clip, {0.0f, 6.0f}, 1e-30},
        {"clip (-1.5, 2.25)", ref_clip, run_clip, {-1.5f, 2.25f}, 1e-30},
        {"clip (min > max)", ref_clip, run_clip, {2.0f, -1.0f}, 1e-30},
        {"sigmoid", ref_sigmoid, run_sigmoid, {0.0f, 0.0f}, 1e-30},
        {"hardsigmoid (PyTorch's)", ref_hardsigmoid, run_hardsigmoid, {1.0f / 6.0f, 0.5f}, 1e-30},
        /* alpha x + beta cancels near the zero: the error relative to the output's range */
        {"hardsigmoid (0.2, 0.5)", ref_hardsigmoid, run_hardsigmoid, {0.2f, 0.5f}, 1.0},
        {"hardswish", ref_hardswish, run_hardswish, {0.0f, 0.0f}, 1e-30},
    };
    pd_rng r;
    pd_rng_seed(&r, 41);
    const size_t ns[] = {1, 7, 8, 9, 15, 16, 17, 1003};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        check_act(&cases[c], specials, sizeof specials / sizeof specials[0]);
        for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++) {
            float *in = random_floats(&r, ns[ni], -10.0f, 10.0f);
            in[below(&r, (int64_t)ns[ni])] = NAN;
            check_act(&cases[c], in, ns[ni]);
            free(in);
        }
    }
    /* values PyTorch gives, worked by hand */
    const float x[] = {-INFINITY, INFINITY, -3.0f, 3.0f, 1.5f, -1.0f};
    float y[6];
    pd_k_hardswish(x, y, 6);
    assert_true(isnan(y[0])); /* -inf * 0 */
    assert_true(y[1] == INFINITY && y[2] == 0.0f && y[3] == 3.0f);
    assert_true(y[4] == 1.5f * 4.5f / 6.0f && y[5] == -1.0f * 2.0f / 6.0f);
    pd_k_hardsigmoid(x, y, 6, 1.0f / 6.0f, 0.5f);
    assert_true(y[0] == 0.0f && y[1] == 1.0f && y[2] == 0.0f && y[3] == 1.0f);
    assert_true(y[4] == 4.5f / 6.0f && y[5] == 2.0f / 6.0f);
    pd_k_sigmoid(x, y, 6);
    assert_true(y[0] == 0.0f && y[1] == 1.0f);
}

/* ---- pooling ---- */

static void test_global_pool(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 51);
    const int64_t cs[] = {1, 3, 17}, hws[] = {1, 7, 15, 16, 17, 49, 3137};
    for (size_t ci = 0; ci < 3; ci++)
        for (size_t hi = 0; hi < 7; hi++) {
            const int64_t c = cs[ci], hw = hws[hi];
            const size_t n = (size_t)(c * hw);
            float *pos = random_floats(&r, n, 0.0f, 1.0f);   /* means without cancellation */
            float *mixed = random_floats(&r, n, -1.0f, 1.0f); /* maxima */
            if (c > 1) { /* channel 1: a NaN somewhere; the last: all -inf */
                pos[hw + below(&r, hw)] = NAN;
                mixed[hw + below(&r, hw)] = NAN;
                for (int64_t i = 0; i < hw; i++)
                    mixed[(c - 1) * hw + i] = -INFINITY;
            }
            double *want_avg = doubles((size_t)c), *want_max = doubles((size_t)c);
            for (int64_t ch = 0; ch < c; ch++) {
                double s = 0.0, m = -INFINITY;
                for (int64_t i = 0; i < hw; i++) {
                    s += pos[ch * hw + i];
                    double v = mixed[ch * hw + i];
                    m = isnan(v) || isnan(m) ? NAN : fmax(m, v);
                }
                want_avg[ch] = s / (double)hw;
                want_max[ch] = m;
            }
            float *avg = poisoned((size_t)c), *max = poisoned((size_t)c);
            pd_k_global_avg_pool(c, hw, pos, avg);
            pd_k_global_max_pool(c, hw, mixed, max);
            expect_close("global average pooling", avg, want_avg, (size_t)c, TOL, 1e-30);
            expect_close("global max pooling", max, want_max, (size_t)c, 0.0, 1e-30);
            free(pos), free(mixed), free(want_avg), free(want_max), free(avg), free(max);
        }
    /* a NaN in each position of a 37-long channel: the maximum is NaN each time */
    float v[37];
    for (int at = 0; at < 37; at++) {
        for (int i = 0; i < 37; i++)
            v[i] = (float)i;
        v[at] = NAN;
        float m;
        pd_k_global_max_pool(1, 37, v, &m);
        assert_true(isnan(m));
    }
}

static void test_pool_out(void **state)
{
    (void)state;
    assert_int_equal(pd_k_pool_out(5, 0, 0, 2, 2, false), 2);
    assert_int_equal(pd_k_pool_out(5, 0, 0, 2, 2, true), 3);  /* the last window half out */
    assert_int_equal(pd_k_pool_out(4, 0, 0, 2, 2, true), 2);
    assert_int_equal(pd_k_pool_out(6, 1, 1, 3, 2, false), 3);
    assert_int_equal(pd_k_pool_out(6, 1, 1, 3, 2, true), 4);
    assert_int_equal(pd_k_pool_out(5, 1, 1, 3, 3, true), 2); /* 3rd would start in the padding */
    assert_int_equal(pd_k_pool_out(2, 0, 0, 3, 1, false), 0);
    /* asymmetric windows agree with the symmetric ones pool.c uses when the pads agree */
    for (int64_t n = 1; n < 9; n++)
        for (int64_t k = 1; k < 5; k++)
            for (int64_t s = 1; s < 4; s++)
                for (int64_t p = 0; p <= k / 2; p++)
                    for (int64_t o = 0; o < 8; o++) {
                        pd_pool_span a = pd_pool_window(o, s, p, k, n),
                                     b = pd_pool_window_pads(o, s, p, p, k, n);
                        assert_true(a.lo == b.lo && a.hi == b.hi && a.padded == b.padded);
                    }
}

/* Average pooling from the definition: the window clipped to the padded input; its size or
 * its input values' count as the divisor. */
static void ref_avg_pool(const pd_k_pool_geom *g, bool include, const float *in, double *out)
{
    for (int64_t ch = 0; ch < g->c; ch++)
        for (int64_t oy = 0; oy < g->oh; oy++)
            for (int64_t ox = 0; ox < g->ow; ox++) {
                int64_t y0 = oy * g->sh - g->pt, x0 = ox * g->sw - g->pl;
                int64_t y1 = y0 + g->kh, x1 = x0 + g->kw;
                if (y1 > g->h + g->pb)
                    y1 = g->h + g->pb;
                if (x1 > g->w + g->pr)
                    x1 = g->w + g->pr;
                double s = 0.0;
                int64_t count = 0;
                for (int64_t y = y0; y < y1; y++)
                    for (int64_t x = x0; x < x1; x++)
                        if (y >= 0 && y < g->h && x >= 0 && x < g->w) {
                            s += in[(ch * g->h + y) * g->w + x];
                            count++;
                        }
                int64_t div = include ? (y1 - y0) * (x1 - x0) : count;
                out[(ch * g->oh + oy) * g->ow + ox] = div > 0 ? s / (double)div : 0.0;
            }
}

static void test_avg_pool(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 52);
    int done = 0;
    while (done < 300) {
        pd_k_pool_geom g;
        g.c = 1 + below(&r, 3);
        g.h = 1 + below(&r, 9);
        g.w = 1 + below(&r, 9);
        g.kh = 1 + below(&r, 4);
        g.kw = 1 + below(&r, 4);
        g.sh = 1 + below(&r, 3);
        g.sw = 1 + below(&r, 3);
        g.pt = below(&r, g.kh / 2 + 1);
        g.pl = below(&r, g.kw / 2 + 1);
        g.pb = below(&r, g.kh / 2 + 1);
        g.pr = below(&r, g.kw / 2 + 1);
        bool ceil = below(&r, 2);
        g.oh = pd_k_pool_out(g.h, g.pt, g.pb, g.kh, g.sh, ceil);
        g.ow = pd_k_pool_out(g.w, g.pl, g.pr, g.kw, g.sw, ceil);
        if (g.oh < 1 || g.ow < 1)
            continue;
        done++;
        size_t n_in = (size_t)(g.c * g.h * g.w), n_out = (size_t)(g.c * g.oh * g.ow);
        float *in = random_floats(&r, n_in, 0.0f, 1.0f);
        if (done % 7 == 0)
            in[below(&r, (int64_t)n_in)] = NAN;
        for (int include = 0; include < 2; include++) {
            double *want = doubles(n_out);
            ref_avg_pool(&g, include, in, want);
            float *out = poisoned(n_out);
            pd_k_avg_pool(&g, include, in, out);
            expect_close(include ? "average pooling" : "average pooling, padding not counted",
                         out, want, n_out, TOL, 1e-30);
            free(want);
            free(out);
        }
        free(in);
    }
    /* 3x3 windows, stride 1, pad 1 on a 2x2 map of ones: every window holds 4 ones in 9 */
    const float ones[4] = {1, 1, 1, 1};
    float out[4];
    pd_k_pool_geom g = {1, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1, 2, 2};
    pd_k_avg_pool(&g, false, ones, out);
    for (int i = 0; i < 4; i++)
        assert_true(out[i] == 1.0f);
    pd_k_avg_pool(&g, true, ones, out);
    for (int i = 0; i < 4; i++)
        assert_true(out[i] == 4.0f / 9.0f);
}


/* The net runs a conv that is not plain through these kernels, a plain 1 x 1 one through
 * its own product (conv_pointwise.c) and a strided one through im2col and that product, with the ReLU or Clip(0, cap) after it in its pass: a
 * model of such layers, random weights, each exit's output on 1 and 2 threads against
 * ref_conv. */
static void test_net_runs_general_conv(void **state)
{
    (void)state;
    static const struct {
        const char *layer;
        pd_k_conv_geom g;
        bool bias;
        bool winograd, direct; /* the path the runtime's rule (conv_algorithm.c) names */
    } cases[] = {
        {"\"filters\": 16, \"kernel\": 3, \"stride\": 2, \"pad\": 1, \"groups\": 16",
         {16, 17, 15, 16, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, true, false, false},
        {"\"filters\": 6, \"kernel\": [1, 5], \"pad\": [0, 2], \"groups\": 3, \"bias\": false",
         {9, 11, 13, 6, 3, 1, 5, 1, 1, 1, 1, 0, 2, 0, 2}, false, false, false},
        {"\"filters\": 24, \"kernel\": 3, \"dilation\": 2, \"pad\": [1, 2, 3, 0], "
         "\"stride\": [1, 2]",
         {5, 40, 40, 24, 1, 3, 3, 1, 2, 2, 2, 1, 2, 3, 0}, true, false, false},
        /* plain 1 x 1 (conv_pointwise.c): filters past a panel of 12, pixels past a block,
         * alone and split */
        {"\"filters\": 29, \"kernel\": 1", {37, 9, 11, 29, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
         true, false, false},
        {"\"filters\": 100, \"kernel\": 1", {64, 20, 21, 100, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
         true, false, false},
        /* plain, strided: im2col and the packed product (conv_packed.c, panels.c), a panel over
         * every block of pixels (columns under 1 MB), then a block of pixels through every
         * panel (a 7 x 7 stem's 2025 x 147 columns); a 1 x 1 of stride 2 */
        {"\"filters\": 40, \"kernel\": 3, \"stride\": 2, \"pad\": 1",
         {24, 17, 15, 40, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, true, false, false},
        {"\"filters\": 13, \"kernel\": 7, \"stride\": 2, \"pad\": 3",
         {3, 90, 90, 13, 1, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3}, true, false, false},
        {"\"filters\": 30, \"kernel\": 1, \"stride\": 2",
         {16, 13, 14, 30, 1, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0}, true, false, false},
        /* the stride phases (conv_packed.c) with stride 3 on sides the stride does not
         * divide, stride 2 unpadded, and stride 1 (3 channels: too few for Winograd) */
        {"\"filters\": 14, \"kernel\": 5, \"stride\": 3, \"pad\": 2",
         {8, 19, 23, 14, 1, 5, 5, 3, 3, 1, 1, 2, 2, 2, 2}, true, false, false},
        {"\"filters\": 25, \"kernel\": 3, \"stride\": 2",
         {16, 12, 15, 25, 1, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0}, true, false, false},
        {"\"filters\": 40, \"kernel\": 3, \"pad\": 1",
         {3, 21, 18, 40, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, true, false, false},
        /* plain 3 x 3: Winograd's method (winograd.c) where the CPU has AVX2 */
        {"\"filters\": 40, \"kernel\": 3, \"pad\": 1",
         {32, 14, 14, 40, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, true, true, false},
        /* plain without a bias: the same paths, the sums from zero (MobileNets' and
         * EfficientNets' 1 x 1 layers before a BatchNormalization; they ran by the general
         * kernel, their fused activation in a pass of its own): 1 x 1, strided, direct,
         * Winograd */
        {"\"filters\": 29, \"kernel\": 1, \"bias\": false",
         {37, 9, 11, 29, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0}, false, false, false},
        {"\"filters\": 40, \"kernel\": 3, \"stride\": 2, \"pad\": 1, \"bias\": false",
         {24, 17, 15, 40, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, false, false, false},
        {"\"filters\": 16, \"kernel\": 3, \"pad\": 1, \"bias\": false",
         {3, 21, 18, 16, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, false, false, true},
        {"\"filters\": 40, \"kernel\": 3, \"pad\": 1, \"bias\": false",
         {32, 14, 14, 40, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, false, true, false},
        /* plain 1 x 1 on a 1 x 1 map (squeeze-and-excitation's): the packed product with
         * one pixel a block, alone, split (600 x 1000 multiply-adds: past the split's
         * minimum), without a bias */
        {"\"filters\": 48, \"kernel\": 1", {1152, 1, 1, 48, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
         true, false, false},
        {"\"filters\": 1000, \"kernel\": 1", {600, 1, 1, 1000, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
         true, false, false},
        {"\"filters\": 20, \"kernel\": 1, \"bias\": false",
         {240, 1, 1, 20, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0}, false, false, false},
    };
    /* after each: a ReLU, a ReLU6-like Clip(0, 0.5), SiLU as PyTorch exports it (all run
     * in the convolution's pass), a Clip(-0.5, 0.5) (run apart) */
    static const struct {
        const char *layers;
        int act_kind; /* act_of's */
        bool fused;
    } acts[] = {
        {"{\"name\": \"r\", \"type\": \"relu\", \"exit\": true}", 1, true},
        {"{\"name\": \"r\", \"type\": \"clip\", \"min\": 0, \"max\": 0.5, \"exit\": true}", 2,
         true},
        {"{\"name\": \"s\", \"type\": \"sigmoid\"}, {\"name\": \"r\", \"type\": \"mul\", "
         "\"inputs\": [\"c\", \"s\"], \"exit\": true}",
         3, true},
        {"{\"name\": \"r\", \"type\": \"clip\", \"min\": -0.5, \"max\": 0.5, \"exit\": true}",
         0, false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (size_t ai = 0; ai < sizeof acts / sizeof acts[0]; ai++) {
            const pd_k_conv_geom *g = &cases[i].g;
            char json[512];
            snprintf(json, sizeof json,
                     "{\"name\": \"t\", \"input\": [%lld, %lld, %lld], \"layers\": [{\"name\": "
                     "\"c\", \"type\": \"conv\", %s}, %s]}",
                     (long long)g->c, (long long)g->h, (long long)g->w, cases[i].layer,
                     acts[ai].layers);
            pd_graph *graph = NULL;
            pd_weights *w = NULL;
            pd_error err;
            if (pd_graph_from_json(json, strlen(json), "t.json", &graph, &err) ||
                pd_weights_random(graph, 7 + i, &w, &err))
                fail_msg("%s", err.msg);
            const pd_named_tensor *wt = pd_weights_find(w, "c.weight"),
                                  *bt = pd_weights_find(w, "c.bias");
            assert_non_null(wt);
            assert_true(cases[i].bias ? bt != NULL : bt == NULL);
            pd_rng r;
            pd_rng_seed(&r, 99 + i);
            size_t n_in = in_elems(g), n_out = out_elems(g);
            const size_t len = graph->n_layers;
            assert_int_equal((int64_t)n_out, pd_shape_elems(graph->layers[len - 1].out));
            assert_int_equal(pd_conv_is_plain(&graph->layers[0]), g->groups == 1 &&
                                 g->kh == g->kw && g->sh == g->sw && g->dh == 1 && g->dw == 1 &&
                                 g->pt == g->pl && g->pt == g->pb && g->pt == g->pr);
            assert_int_equal(pd_layer_winograd_tile(&graph->layers[0]) != 0, cases[i].winograd);
            assert_int_equal(pd_layer_direct_conv(&graph->layers[0]), cases[i].direct);
            float *in = random_floats(&r, n_in, -1, 1);
            double *want = doubles(n_out);
            ref_conv(g, wt->data, bt ? bt->data : NULL, in, act_of(acts[ai].act_kind), want);
            if (!acts[ai].fused)
                for (size_t j = 0; j < n_out; j++)
                    want[j] = want[j] < -0.5 ? -0.5 : want[j] > 0.5 ? 0.5 : want[j];
            for (int threads = 1; threads <= 2; threads++) {
                pd_net *net = NULL;
                if (pd_net_new(graph, w, "random", threads, &net, &err))
                    fail_msg("%s", err.msg);
                assert_int_equal(pd_net_fused(net, 0, len - 1), acts[ai].fused);
                const float *out;
                size_t count;
                assert_int_equal(pd_net_run(net, 0, 0, len, in, n_in, &out, &count, NULL, &err),
                                 PD_OK);
                assert_int_equal(count, n_out);
                expect_close("net conv", out, want, n_out,
                             cases[i].winograd ? WINOGRAD_TOL : TOL, norm_floor(want, n_out));
                pd_net_free(net);
            }
            free(in);
            free(want);
            pd_weights_free(w);
            pd_graph_free(graph);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_output_shape), cmocka_unit_test(test_conv_fixed),
        cmocka_unit_test(test_conv_random),       cmocka_unit_test(test_conv_split),
        cmocka_unit_test(test_conv_nan),          cmocka_unit_test(test_bn),
        cmocka_unit_test(test_add),               cmocka_unit_test(test_mul),
        cmocka_unit_test(test_concat),            cmocka_unit_test(test_activations),
        cmocka_unit_test(test_global_pool),       cmocka_unit_test(test_pool_out),
        cmocka_unit_test(test_avg_pool),          cmocka_unit_test(test_net_runs_general_conv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
