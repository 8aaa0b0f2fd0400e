/* One loop, compiled three times: for AVX-512, for AVX2 with FMA and for the baseline
 * x86-64 (elsewhere, the baseline only), the CPU choosing at run time. No build flag ties
 * the binary to a CPU. PD_CPU_CLONES(name, (params), (args)) defines `static void
 * name(params)` calling `name_body(args)`, a static inline always_inline function the
 * file writes once in portable C for the compiler to vectorise. */
#ifndef PD_NN_CPU_CLONES_H
#define PD_NN_CPU_CLONES_H

#define PD_INLINE static inline __attribute__((always_inline))

/* GCC vectorises for 256 bits unless told 512; clang takes no such target option */
#if defined(__clang__)
#define PD_AVX512_TARGET "avx512f,avx512bw,avx512dq"
#else
#define PD_AVX512_TARGET "avx512f,avx512bw,avx512dq,prefer-vector-width=512"
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#define PD_CPU_CLONES(name, params, args)                                                    \
    __attribute__((target(PD_AVX512_TARGET))) static void                                    \
    name##_avx512 params                                                                      \
    {                                                                                         \
        name##_body args;                                                                     \
    }                                                                                         \
    __attribute__((target("avx2,fma"))) static void name##_avx2 params                        \
    {                                                                                         \
        name##_body args;                                                                     \
    }                                                                                         \
    static void name params                                                                   \
    {                                                                                         \
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&       \
            __builtin_cpu_supports("avx512dq"))                                               \
            name##_avx512 args;                                                               \
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))            \
            name##_avx2 args;                                                                 \
        else                                                                                  \
            name##_body args;                                                                 \
    }
#else
#define PD_CPU_CLONES(name, params, args)                                                    \
    static void name params                                                                   \
    {                                                                                         \
        name##_body args;                                                                     \
    }
#endif

#endif
