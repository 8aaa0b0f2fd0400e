/* The machine's peak of fused multiply-adds, float32, measured: independent FMA chains on
 * T threads at once, the widest vectors the CPU has chosen at run time (the binary is
 * built for any x86-64; no build flag ties it to this CPU). */
#ifndef PD_BENCH_FMA_PEAK_H
#define PD_BENCH_FMA_PEAK_H

#include <stdbool.h>

typedef enum bench_fma_isa {
    BENCH_FMA_AVX512F, /* 16 floats a zmm register */
    BENCH_FMA_AVX2,    /* 8 floats a ymm register, AVX2 and FMA */
    BENCH_FMA_SCALAR,  /* one float at a time: the fallback */
    BENCH_FMA_ISA_COUNT
} bench_fma_isa;

/* "avx512f", "avx2+fma" or "scalar". */
const char *bench_fma_isa_name(bench_fma_isa isa);
/* Whether this CPU (and its OS) runs isa; the scalar one always. */
bool bench_fma_supported(bench_fma_isa isa);
/* The widest isa this CPU runs. */
bench_fma_isa bench_fma_best(void);

/* GFLOPS (2 a multiply-add) of `threads` threads (1 to 256) running isa's FMA chains at
 * once: the median of `reps` repetitions (1 to 1000) of about `rep_ms` ms each, after one
 * unmeasured. Returns a negative value if isa is not supported, an argument is out of
 * range, or threads cannot be made. */
double bench_fma_peak(bench_fma_isa isa, int threads, int reps, double rep_ms);

#endif
