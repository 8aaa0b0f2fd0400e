/* A seeded random number generator (xoshiro256**), passed explicitly. */
#ifndef PREDOFF_RNG_H
#define PREDOFF_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pd_rng {
    uint64_t s[4];
} pd_rng;

/* Seeds the state through splitmix64, so any seed (0 included) is fine. */
void pd_rng_seed(pd_rng *r, uint64_t seed);
uint64_t pd_rng_next(pd_rng *r);
/* Uniform in [0, 1). */
double pd_rng_uniform(pd_rng *r);
/* Uniform integer in [0, n), n > 0. */
uint64_t pd_rng_below(pd_rng *r, uint64_t n);

#ifdef __cplusplus
}
#endif
#endif
