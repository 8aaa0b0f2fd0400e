/* Whether this CPU runs the runtime's hand-vectorised convolutions (winograd.c,
 * conv_direct.c): AVX2 and FMA on x86-64, as those files are written with their
 * intrinsics. One answer for the runtime, its benchmark and its tests. */
#include "predoff/runtime.h"

bool pd_runtime_vector_convolutions(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}
