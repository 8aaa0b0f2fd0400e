/* The per-epoch order of the training samples, a pure function of the seed and the epoch. */
#include "predoff/dataset.h"
#include "predoff/rng.h"

void pd_dataset_shuffle(size_t n, uint64_t seed, uint64_t epoch, size_t *order)
{
    pd_rng r;
    pd_rng_seed(&r, seed + UINT64_C(0x9E3779B97F4A7C15) * (epoch + 1));
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n; i-- > 1;) {
        size_t j = (size_t)pd_rng_below(&r, (uint64_t)i + 1);
        size_t keep = order[i];
        order[i] = order[j];
        order[j] = keep;
    }
}
