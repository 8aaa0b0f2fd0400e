/* The FMA peak: each thread runs 12 independent chains c = c * a + b, enough to cover an
 * FMA's latency (4 cycles) times its throughput (2 a cycle) on current x86-64 cores, so the
 * chains never wait on each other. The vector kernels are compiled for their instruction
 * sets with target attributes and chosen at run time with __builtin_cpu_supports. */
#include "fma_peak.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "bench_util.h"

#if defined(__x86_64__) || defined(__i386__)
#define BENCH_FMA_X86 1
#include <immintrin.h>
#endif

enum { CHAINS = 12, MAX_THREADS = 256 };

/* a < 1 and b small keep every chain bounded and away from denormals: c -> b / (1 - a). */
#define FMA_A 0.999f
#define FMA_B 0.001f

#define CHAIN_STEP(fma)                                                                    \
    do {                                                                                   \
        c0 = fma(c0, a, b);                                                                \
        c1 = fma(c1, a, b);                                                                \
        c2 = fma(c2, a, b);                                                                \
        c3 = fma(c3, a, b);                                                                \
        c4 = fma(c4, a, b);                                                                \
        c5 = fma(c5, a, b);                                                                \
        c6 = fma(c6, a, b);                                                                \
        c7 = fma(c7, a, b);                                                                \
        c8 = fma(c8, a, b);                                                                \
        c9 = fma(c9, a, b);                                                                \
        c10 = fma(c10, a, b);                                                              \
        c11 = fma(c11, a, b);                                                              \
    } while (0)

#ifdef BENCH_FMA_X86
__attribute__((target("avx512f"))) static float chains_avx512(long iters)
{
    const __m512 a = _mm512_set1_ps(FMA_A), b = _mm512_set1_ps(FMA_B);
    __m512 c0 = _mm512_set1_ps(0.0f), c1 = _mm512_set1_ps(0.1f), c2 = _mm512_set1_ps(0.2f),
           c3 = _mm512_set1_ps(0.3f), c4 = _mm512_set1_ps(0.4f), c5 = _mm512_set1_ps(0.5f),
           c6 = _mm512_set1_ps(0.6f), c7 = _mm512_set1_ps(0.7f), c8 = _mm512_set1_ps(0.8f),
           c9 = _mm512_set1_ps(0.9f), c10 = _mm512_set1_ps(1.0f), c11 = _mm512_set1_ps(1.1f);
    for (long i = 0; i < iters; i++)
        CHAIN_STEP(_mm512_fmadd_ps);
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                             _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)));
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static float chains_avx2(long iters)
{
    const __m256 a = _mm256_set1_ps(FMA_A), b = _mm256_set1_ps(FMA_B);
    __m256 c0 = _mm256_set1_ps(0.0f), c1 = _mm256_set1_ps(0.1f), c2 = _mm256_set1_ps(0.2f),
           c3 = _mm256_set1_ps(0.3f), c4 = _mm256_set1_ps(0.4f), c5 = _mm256_set1_ps(0.5f),
           c6 = _mm256_set1_ps(0.6f), c7 = _mm256_set1_ps(0.7f), c8 = _mm256_set1_ps(0.8f),
           c9 = _mm256_set1_ps(0.9f), c10 = _mm256_set1_ps(1.0f), c11 = _mm256_set1_ps(1.1f);
    for (long i = 0; i < iters; i++)
        CHAIN_STEP(_mm256_fmadd_ps);
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                             _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
    float v[8];
    _mm256_storeu_ps(v, s);
    return v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
}
#endif

static inline float mul_add(float c, float a, float b)
{
    return c * a + b;
}

static float chains_scalar(long iters)
{
    const float a = FMA_A, b = FMA_B;
    float c0 = 0.0f, c1 = 0.1f, c2 = 0.2f, c3 = 0.3f, c4 = 0.4f, c5 = 0.5f, c6 = 0.6f,
          c7 = 0.7f, c8 = 0.8f, c9 = 0.9f, c10 = 1.0f, c11 = 1.1f;
    for (long i = 0; i < iters; i++)
        CHAIN_STEP(mul_add);
    return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
}

static int lanes(bench_fma_isa isa)
{
    return isa == BENCH_FMA_AVX512F ? 16 : isa == BENCH_FMA_AVX2 ? 8 : 1;
}

static float run_chains(bench_fma_isa isa, long iters)
{
#ifdef BENCH_FMA_X86
    if (isa == BENCH_FMA_AVX512F)
        return chains_avx512(iters);
    if (isa == BENCH_FMA_AVX2)
        return chains_avx2(iters);
#endif
    return chains_scalar(iters);
}

const char *bench_fma_isa_name(bench_fma_isa isa)
{
    static const char *const names[BENCH_FMA_ISA_COUNT] = {"avx512f", "avx2+fma", "scalar"};
    return (unsigned)isa < BENCH_FMA_ISA_COUNT ? names[isa] : "?";
}

bool bench_fma_supported(bench_fma_isa isa)
{
#ifdef BENCH_FMA_X86
    __builtin_cpu_init();
    if (isa == BENCH_FMA_AVX512F)
        return __builtin_cpu_supports("avx512f");
    if (isa == BENCH_FMA_AVX2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return isa == BENCH_FMA_SCALAR;
}

bench_fma_isa bench_fma_best(void)
{
    for (int i = 0; i < BENCH_FMA_ISA_COUNT; i++)
        if (bench_fma_supported((bench_fma_isa)i))
            return (bench_fma_isa)i;
    return BENCH_FMA_SCALAR;
}

typedef struct worker {
    atomic_int *go; /* 0: wait; 1: run; -1: give up (another thread could not be made) */
    bench_fma_isa isa;
    long iters;
    volatile float sink; /* the chains' result, so that they are not optimised away */
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    int go;
    while ((go = atomic_load_explicit(w->go, memory_order_acquire)) == 0)
        sched_yield();
    if (go > 0)
        w->sink = run_chains(w->isa, w->iters);
    return NULL;
}

/* Wall ms of `threads` threads each running iters steps, started together; < 0 on failure. */
static double timed_round(bench_fma_isa isa, int threads, long iters)
{
    pthread_t tid[MAX_THREADS];
    worker w[MAX_THREADS];
    atomic_int go;
    atomic_init(&go, 0);
    int made = 0;
    for (; made < threads; made++) {
        w[made] = (worker){.go = &go, .isa = isa, .iters = iters};
        if (pthread_create(&tid[made], NULL, work, &w[made]) != 0)
            break;
    }
    double t0 = bench_now_ms();
    atomic_store_explicit(&go, made == threads ? 1 : -1, memory_order_release);
    for (int i = 0; i < made; i++)
        pthread_join(tid[i], NULL);
    double ms = bench_now_ms() - t0;
    return made == threads ? ms : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_fma_peak(bench_fma_isa isa, int threads, int reps, double rep_ms)
{
    if (!bench_fma_supported(isa) || threads < 1 || threads > MAX_THREADS || reps < 1 ||
        reps > 1000 || !(rep_ms > 0 && rep_ms <= 10000))
        return -1;
    /* calibration: one thread, a short run, scaled to rep_ms */
    long iters = 1 << 16;
    double ms = timed_round(isa, 1, iters);
    while (ms >= 0 && ms < 2.0 && iters < (1L << 40)) {
        iters *= 4;
        ms = timed_round(isa, 1, iters);
    }
    if (ms < 0)
        return -1;
    iters = (long)((double)iters * rep_ms / (ms > 1e-3 ? ms : 1e-3));
    if (iters < 1)
        iters = 1;
    if (timed_round(isa, threads, iters) < 0) /* unmeasured: clocks and threads settle */
        return -1;
    double *g = malloc((size_t)reps * sizeof *g);
    if (!g)
        return -1;
    double flops = 2.0 * CHAINS * lanes(isa) * (double)iters * threads;
    for (int r = 0; r < reps; r++) {
        ms = timed_round(isa, threads, iters);
        if (ms <= 0) {
            free(g);
            return -1;
        }
        g[r] = flops / (ms * 1e6);
    }
    qsort(g, (size_t)reps, sizeof *g, cmp_double);
    double med = reps % 2 ? g[reps / 2] : 0.5 * (g[reps / 2 - 1] + g[reps / 2]);
    free(g);
    return med;
}
