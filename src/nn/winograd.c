/* Convolution by F(m x m, r x r), eight channels or filters to a vector (AVX2 and FMA), the
 * product over channels sixteen filters to a vector where the CPU has AVX-512.
 *
 * A pass, or one part of a split pass, owns a range of the output's m x m tiles (row-major
 * over the tile grid) and a block of scratch; when the output has too few tiles to share
 * (b-alexnet's 8 x 8 maps are four tiles of F(4 x 4, 3 x 3)), each part takes all of them
 * for a range of filters instead. It copies the input rows its tiles read into
 * a zero-padded block in H, W, C order (channels innermost, so eight channels are one
 * load), then takes its tiles GROUP at a time through three steps:
 *   1. each tile's input transform, V = B^T d B, into v[xi][tile][c] (xi = 0 .. n^2 - 1);
 *   2. for each xi and 16 filters, the product over channels M[xi][tile][f] =
 *      sum_c V[xi][tile][c] U[xi][f][c], with the filters' transform U prepared once per
 *      net, by a kernel that takes up to 6 of the group's tiles at once (per channel: two
 *      vectors of U, a broadcast of V per tile, two FMAs per tile). The group's tiles are
 *      cut into kernel blocks as even as can be (8 tiles as 4 + 4, not 6 + 2: each tile
 *      is two chains of FMAs, and fewer than eight chains wait on the FMA's latency), and
 *      the 16 filters' U stays in the L1 cache across them. With AVX-512 the kernel takes 32
 *      filters (two blocks of U) by up to 6 tiles, one vector a tile and block (1.07x on
 *      ResNet-18, alternated: the transforms stay AVX2);
 *   3. each tile's output transform, Y = A^T M A, plus the bias (and ReLU), written to the
 *      output in C, H, W order.
 * Parts share only the input and U, so no part waits for another.
 *
 * Measured on b-alexnet's trunk (docs/PERFORMANCE.md): F(4, 3) and F(4, 5) against F(2, 3)
 * and F(2, 5) made conv2 1.6x faster and the trunk 1.1x; groups of 16 tiles rather than 6
 * made no difference until the xi stride stopped being a power of two. */
#include "winograd.h"

#include <string.h>

#include "predoff/runtime.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "act_avx.h"
#define HAVE_WINOGRAD 1
#define TARGET __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline, target("avx2,fma")))
#define INLINE512 static inline __attribute__((always_inline, target("avx512f")))
#endif

#define GROUP 16 /* tiles taken through the three steps together */
#define KERNEL_TILES 6 /* the most tiles the product kernel takes at once */
/* A split pass gives each part its own tiles when it has at least this many a part, or too
 * few blocks of 16 filters to go round; otherwise each part takes every tile, for its own
 * filters (and transforms the input as well). */
#define SPLIT_TILES 8
/* ... and a part takes its own filters, every tile, when the filters' U is larger than
 * this: parts splitting the tiles would each read all of it from memory (ResNet-18's 3 x 3
 * layers on 14 x 14 and 7 x 7 maps: 9.4 and 37.7 MB), parts splitting the filters read
 * half each, and the input transform they both do is small beside the product. */
#define SPLIT_U_BYTES (4.0 * 1024 * 1024)
/* The prepared floats: A^T at 0 (m x n <= 64), B^T at BT_AT (n x n <= 64), the bias at
 * HEADER (F16, zeros past F), then U. */
#define BT_AT 64
#define HEADER 128

typedef struct wshape {
    int64_t C, F, F16, H, W, pad, OH, OW;
    int m, r, n, P;
    int64_t TW, TH, T, PW;
    /* floats from one xi's tiles to the next in v and M: a group's, plus 64 bytes, so that
     * a tile's n^2 values are not a power of two apart (they would share a few sets of
     * the L1 cache and evict each other) */
    int64_t vs, ms;
    int64_t fb0, fb1; /* the part's blocks of 16 filters (all, unless it splits filters) */
} wshape;

static size_t round16(size_t n)
{
    return (n + 15) / 16 * 16;
}

static wshape shape_of(const pd_layer *l)
{
    wshape s;
    s.C = l->in.c, s.F = l->p.filters, s.F16 = (int64_t)round16((size_t)s.F);
    s.H = l->in.h, s.W = l->in.w, s.pad = l->p.pad, s.OH = l->out.h, s.OW = l->out.w;
    s.m = pd_winograd_tile(l), s.r = (int)l->p.kernel, s.n = s.m + s.r - 1, s.P = s.n * s.n;
    s.TH = (s.OH + s.m - 1) / s.m, s.TW = (s.OW + s.m - 1) / s.m, s.T = s.TH * s.TW;
    s.PW = s.TW * s.m + s.r - 1;
    s.vs = GROUP * s.C + 16, s.ms = GROUP * s.F16 + 16;
    s.fb0 = 0, s.fb1 = s.F16 / 16;
    return s;
}

int pd_winograd_tile(const pd_layer *l)
{
    return pd_runtime_vector_convolutions() ? pd_layer_winograd_tile(l) : 0;
}

size_t pd_winograd_prepared_floats(const pd_layer *l)
{
    if (!pd_winograd_tile(l))
        return 0;
    wshape s = shape_of(l);
    return HEADER + (size_t)s.F16 + (size_t)s.P * (size_t)s.F16 * (size_t)s.C;
}

void pd_winograd_prepare(const pd_layer *l, const float *w, const float *b, float *prep)
{
    wshape s = shape_of(l);
    const int n = s.n, r = s.r;
    double at[PD_WINOGRAD_MAX_N * PD_WINOGRAD_MAX_N], g[PD_WINOGRAD_MAX_N * PD_WINOGRAD_MAX_N],
        bt[PD_WINOGRAD_MAX_N * PD_WINOGRAD_MAX_N];
    pd_winograd_matrices(s.m, r, at, g, bt);
    memset(prep, 0, pd_winograd_prepared_floats(l) * sizeof *prep);
    for (int i = 0; i < s.m * n; i++)
        prep[i] = (float)at[i];
    for (int i = 0; i < n * n; i++)
        prep[BT_AT + i] = (float)bt[i];
    if (b) /* else zeros, as memset left them: a bias-free layer */
        memcpy(prep + HEADER, b, (size_t)s.F * sizeof *prep);
    float *u = prep + HEADER + s.F16;
    for (int64_t f = 0; f < s.F; f++)
        for (int64_t c = 0; c < s.C; c++) {
            const float *k = w + (f * s.C + c) * r * r;
            double gk[PD_WINOGRAD_MAX_N * PD_WINOGRAD_MAX_N]; /* G k, n x r */
            for (int i = 0; i < n; i++)
                for (int x = 0; x < r; x++) {
                    double acc = 0.0;
                    for (int y = 0; y < r; y++)
                        acc += g[i * r + y] * (double)k[y * r + x];
                    gk[i * r + x] = acc;
                }
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) {
                    double acc = 0.0;
                    for (int x = 0; x < r; x++)
                        acc += gk[i * r + x] * g[j * r + x];
                    int64_t xi = i * n + j;
                    u[((xi * (s.F16 / 16) + f / 16) * s.C + c) * 16 + f % 16] = (float)acc;
                }
        }
}

/* One part's scratch: the padded input rows, then v and M for a group of tiles. */
static size_t din_floats(const wshape *s)
{
    return round16((size_t)((s->TH * s->m + s->r - 1) * s->PW * s->C));
}

static size_t part_floats(const wshape *s)
{
    return din_floats(s) + (size_t)(s->P * s->vs) + (size_t)(s->P * s->ms);
}

size_t pd_winograd_scratch_floats(const pd_layer *l, int parts)
{
    if (!pd_winograd_tile(l))
        return 0;
    wshape s = shape_of(l);
    return (size_t)(parts > 0 ? parts : 1) * part_floats(&s);
}

#ifdef HAVE_WINOGRAD

/* Padded rows [y_lo, y_hi) of the input into din[y - y_lo][x][c], zeros outside it. */
static void gather_rows(const wshape *s, const float *in, float *din, int64_t y_lo, int64_t y_hi)
{
    memset(din, 0, (size_t)((y_hi - y_lo) * s->PW * s->C) * sizeof *din);
    for (int64_t yy = y_lo; yy < y_hi; yy++) {
        int64_t y = yy - s->pad;
        if (y < 0 || y >= s->H)
            continue;
        float *row = din + ((yy - y_lo) * s->PW + s->pad) * s->C;
        for (int64_t c = 0; c < s->C; c++) {
            const float *src = in + (c * s->H + y) * s->W;
            for (int64_t x = 0; x < s->W; x++)
                row[x * s->C + c] = src[x];
        }
    }
}

/* out[i][x] = sum_y mat[i][y] in[y][x] for i < rows, x and y < n: the left half of a
 * transform (B^T d, A^T M), eight channels or filters to a vector; rows and n constants
 * once inlined. */
INLINE void left_multiply(const int rows, const int n, const float *mat,
                          __m256 (*in)[PD_WINOGRAD_MAX_N], __m256 (*out)[PD_WINOGRAD_MAX_N])
{
    for (int i = 0; i < rows; i++)
        for (int x = 0; x < n; x++) {
            __m256 acc = _mm256_setzero_ps();
            for (int y = 0; y < n; y++)
                acc = _mm256_fmadd_ps(_mm256_set1_ps(mat[i * n + y]), in[y][x], acc);
            out[i][x] = acc;
        }
}

/* Tile t's input transform into v[xi][j][c], all channels; n a constant once inlined. */
INLINE void input_tile(const int n, const wshape *s, const float *bt, const float *din,
                       int64_t y_lo, int64_t t, int j, float *v)
{
    const int64_t ty = t / s->TW, tx = t % s->TW, C = s->C;
    const float *base = din + ((ty * s->m - y_lo) * s->PW + tx * s->m) * C;
    for (int64_t c = 0; c < C; c += 8) {
        __m256 d[PD_WINOGRAD_MAX_N][PD_WINOGRAD_MAX_N], tmp[PD_WINOGRAD_MAX_N][PD_WINOGRAD_MAX_N];
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++)
                d[y][x] = _mm256_loadu_ps(base + (y * s->PW + x) * C + c);
        left_multiply(n, n, bt, d, tmp);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++) {
                __m256 acc = _mm256_setzero_ps();
                for (int x = 0; x < n; x++)
                    acc = _mm256_fmadd_ps(tmp[i][x], _mm256_set1_ps(bt[k * n + x]), acc);
                _mm256_storeu_ps(v + (i * n + k) * s->vs + j * C + c, acc);
            }
    }
}

/* mm[j][0..16) = sum_c v[j][c] u[c][0..16) for nt tiles j; nt a constant once inlined. */
INLINE void product(const int nt, const float *u, const float *v, int64_t C, float *mm,
                    int64_t F16)
{
    __m256 lo[KERNEL_TILES], hi[KERNEL_TILES];
    for (int j = 0; j < nt; j++)
        lo[j] = hi[j] = _mm256_setzero_ps();
    for (int64_t c = 0; c < C; c++) {
        __m256 u0 = _mm256_loadu_ps(u + c * 16), u1 = _mm256_loadu_ps(u + c * 16 + 8);
        for (int j = 0; j < nt; j++) {
            __m256 x = _mm256_broadcast_ss(v + j * C + c);
            lo[j] = _mm256_fmadd_ps(x, u0, lo[j]);
            hi[j] = _mm256_fmadd_ps(x, u1, hi[j]);
        }
    }
    for (int j = 0; j < nt; j++) {
        _mm256_storeu_ps(mm + j * F16, lo[j]);
        _mm256_storeu_ps(mm + j * F16 + 8, hi[j]);
    }
}

/* Tile t's output transform from mm[xi][j][f], plus bias and ReLU, into out; n and m
 * constants once inlined. */
INLINE void output_tile(const int n, const int m, const wshape *s, const float *at,
                        const float *bias, const float *mm, int64_t t, int j, pd_act act,
                        float *out)
{
    const int64_t ty = t / s->TW, tx = t % s->TW, OH = s->OH, OW = s->OW;
    const int64_t f1 = s->fb1 * 16 < s->F ? s->fb1 * 16 : s->F;
    for (int64_t f0 = s->fb0 * 16; f0 < f1; f0 += 8) {
        __m256 mv[PD_WINOGRAD_MAX_N][PD_WINOGRAD_MAX_N], tmp[PD_WINOGRAD_MAX_N][PD_WINOGRAD_MAX_N];
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++)
                mv[y][x] = _mm256_loadu_ps(mm + (y * n + x) * s->ms + j * s->F16 + f0);
        left_multiply(m, n, at, mv, tmp);
        const __m256 b = _mm256_loadu_ps(bias + f0), zero = _mm256_setzero_ps(),
                     cap = _mm256_set1_ps(act.cap);
        const int64_t lanes = s->F - f0 < 8 ? s->F - f0 : 8;
        for (int i = 0; i < m; i++)
            for (int k = 0; k < m; k++) {
                __m256 acc = b;
                for (int x = 0; x < n; x++)
                    acc = _mm256_fmadd_ps(tmp[i][x], _mm256_set1_ps(at[k * n + x]), acc);
                if (pd_act_on(act))
                    acc = pd_act8(acc, act.silu, zero, cap);
                int64_t oy = ty * m + i, ox = tx * m + k;
                if (oy >= OH || ox >= OW)
                    continue;
                float lane[8];
                _mm256_storeu_ps(lane, acc);
                float *o = out + (f0 * OH + oy) * OW + ox;
                for (int64_t q = 0; q < lanes; q++)
                    o[q * OH * OW] = lane[q];
            }
    }
}

/* product() for nt tiles, nt a constant in each case. */
INLINE void product_nt(int nt, const float *u, const float *v, int64_t C, float *mm, int64_t F16)
{
    switch (nt) {
    case 1: product(1, u, v, C, mm, F16); break;
    case 2: product(2, u, v, C, mm, F16); break;
    case 3: product(3, u, v, C, mm, F16); break;
    case 4: product(4, u, v, C, mm, F16); break;
    case 5: product(5, u, v, C, mm, F16); break;
    default: product(6, u, v, C, mm, F16); break;
    }
}

/* The products of the group's g tiles, cut into kernel blocks as even as can be: for each
 * xi and block of 16 filters, every block of tiles, so that a group reads each of its
 * filters' U once (a part's U is read once a group: on a 7 x 7 map, once). */
INLINE void products(const wshape *s, const float *u, const float *v, float *mm, int g)
{
    const int64_t FB = s->F16 / 16;
    const int blocks = (g + KERNEL_TILES - 1) / KERNEL_TILES;
    for (int64_t xi = 0; xi < s->P; xi++)
        for (int64_t fb = s->fb0; fb < s->fb1; fb++)
            for (int b = 0, j0 = 0; b < blocks; b++) {
                const int nt = g / blocks + (b < g % blocks);
                product_nt(nt, u + (xi * FB + fb) * s->C * 16, v + xi * s->vs + j0 * s->C, s->C,
                           mm + xi * s->ms + j0 * s->F16 + fb * 16, s->F16);
                j0 += nt;
            }
}

/* The same product with AVX-512: mm[j][0 .. 16 w) for nt tiles j and w = 1 or 2 blocks of
 * 16 filters (the second block's u at u + 16 C), one vector of 16 filters a tile and
 * block, so 2 nt sums in registers; nt and w constants once inlined. */
INLINE512 void product512(const int nt, const int w, const float *u, const float *v, int64_t C,
                          float *mm, int64_t F16)
{
    __m512 acc[KERNEL_TILES][2];
    for (int j = 0; j < nt; j++)
        acc[j][0] = acc[j][1] = _mm512_setzero_ps();
    for (int64_t c = 0; c < C; c++) {
        const __m512 u0 = _mm512_loadu_ps(u + c * 16),
                     u1 = w > 1 ? _mm512_loadu_ps(u + (C + c) * 16) : u0;
        for (int j = 0; j < nt; j++) {
            const __m512 x = _mm512_set1_ps(v[j * C + c]);
            acc[j][0] = _mm512_fmadd_ps(x, u0, acc[j][0]);
            if (w > 1)
                acc[j][1] = _mm512_fmadd_ps(x, u1, acc[j][1]);
        }
    }
    for (int j = 0; j < nt; j++) {
        _mm512_storeu_ps(mm + j * F16, acc[j][0]);
        if (w > 1)
            _mm512_storeu_ps(mm + j * F16 + 16, acc[j][1]);
    }
}

/* product512() for nt tiles and w blocks, both constants in each case. */
INLINE512 void product512_nt(int nt, int w, const float *u, const float *v, int64_t C, float *mm,
                             int64_t F16)
{
#define PRODUCT512_W(NT)                                                                       \
    (w > 1 ? product512(NT, 2, u, v, C, mm, F16) : product512(NT, 1, u, v, C, mm, F16))
    switch (nt) {
    case 1: PRODUCT512_W(1); break;
    case 2: PRODUCT512_W(2); break;
    case 3: PRODUCT512_W(3); break;
    case 4: PRODUCT512_W(4); break;
    case 5: PRODUCT512_W(5); break;
    default: PRODUCT512_W(6); break;
    }
#undef PRODUCT512_W
}

/* products() with AVX-512, 32 filters at a time; called, not inlined, from the AVX2 code
 * around it. */
__attribute__((target("avx512f"), noinline)) static void products512(const wshape *s,
                                                                    const float *u,
                                                                    const float *v, float *mm,
                                                                    int g)
{
    const int64_t FB = s->F16 / 16;
    const int blocks = (g + KERNEL_TILES - 1) / KERNEL_TILES;
    for (int64_t xi = 0; xi < s->P; xi++)
        for (int64_t fb = s->fb0; fb < s->fb1; fb += 2)
            for (int b = 0, j0 = 0; b < blocks; b++) {
                const int nt = g / blocks + (b < g % blocks);
                product512_nt(nt, fb + 1 < s->fb1 ? 2 : 1, u + (xi * FB + fb) * s->C * 16,
                              v + xi * s->vs + j0 * s->C, s->C,
                              mm + xi * s->ms + j0 * s->F16 + fb * 16, s->F16);
                j0 += nt;
            }
}

/* A group of g tiles from tile t0, steps 1 to 3; n and m constants once inlined. */
INLINE void tile_group(const int n, const int m, const wshape *s, const float *prep,
                       const float *din, int64_t y_lo, int64_t t0, int g, float *v, float *mm,
                       pd_act act, bool wide, float *out)
{
    const float *at = prep, *bt = prep + BT_AT, *bias = prep + HEADER, *u = bias + s->F16;
    for (int j = 0; j < g; j++)
        input_tile(n, s, bt, din, y_lo, t0 + j, j, v);
    if (wide)
        products512(s, u, v, mm, g);
    else
        products(s, u, v, mm, g);
    for (int j = 0; j < g; j++)
        output_tile(n, m, s, at, bias, mm, t0 + j, j, act, out);
}

/* The tile groups of one F(m, r), with n = m + r - 1 fixed for the compiler. */
#define TILE_GROUPS(N, M)                                                                      \
    static TARGET void groups_##N##_##M(const wshape *s, const float *prep, const float *din,  \
                                        int64_t y_lo, int64_t t0, int64_t t1, float *v,         \
                                        float *mm, pd_act act, bool wide, float *out)            \
    {                                                                                          \
        for (int64_t t = t0; t < t1; t += GROUP)                                               \
            tile_group(N, M, s, prep, din, y_lo, t, (int)(t1 - t < GROUP ? t1 - t : GROUP), v, \
                       mm, act, wide, out);                                                   \
    }
TILE_GROUPS(4, 2) /* F(2, 3) */
TILE_GROUPS(6, 2) /* F(2, 5) */
TILE_GROUPS(6, 4) /* F(4, 3) */
TILE_GROUPS(8, 4) /* F(4, 5) */

#endif

void pd_winograd_part(const pd_forward_args *a, int part, int parts)
{
#ifdef HAVE_WINOGRAD
    wshape s = shape_of(a->l);
    int64_t t0 = 0, t1 = s.T;
    const int64_t FB = s.F16 / 16;
    const bool large_u = (double)s.P * (double)s.F16 * (double)s.C * sizeof(float) > SPLIT_U_BYTES;
    if ((s.T >= SPLIT_TILES * parts && !large_u) || FB < parts)
        t0 = s.T * part / parts, t1 = s.T * (part + 1) / parts;
    else /* too few tiles: each part takes them all, for its own filters */
        s.fb0 = FB * part / parts, s.fb1 = FB * (part + 1) / parts;
    if (t1 <= t0 || s.fb1 <= s.fb0)
        return;
    float *din = a->scratch + (size_t)part * part_floats(&s);
    float *v = din + din_floats(&s), *mm = v + s.P * s.vs;
    const int64_t y_lo = t0 / s.TW * s.m, y_hi = (t1 - 1) / s.TW * s.m + s.n;
    gather_rows(&s, a->in, din, y_lo, y_hi);
    void (*groups)(const wshape *, const float *, const float *, int64_t, int64_t, int64_t,
                   float *, float *, pd_act, bool, float *) = NULL;
    switch (s.m * 10 + s.r) { /* the F(m, r) that pd_layer_winograd_tile can choose */
    case 23: groups = groups_4_2; break;
    case 25: groups = groups_6_2; break;
    case 43: groups = groups_6_4; break;
    case 45: groups = groups_8_4; break;
    default: return; /* none other: the rule gives only these */
    }
    groups(&s, a->prep, din, y_lo, t0, t1, v, mm, a->act, __builtin_cpu_supports("avx512f"),
           a->out);
#else
    (void)a, (void)part, (void)parts; /* pd_winograd_tile is 0: conv.c never comes here */
#endif
}
