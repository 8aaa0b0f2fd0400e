/* The activation a convolution applies to its outputs in its own pass, while they are in
 * registers or cache: none, PyTorch's ReLU, that ReLU capped (ReLU6: a Clip(0, 6) after
 * the layer), or SiLU (x sigmoid(x): a Sigmoid and a Mul after it), for such layers that
 * follow the convolution on the path (net_plan.c). */
#ifndef PD_NN_ACT_H
#define PD_NN_ACT_H

#include <math.h>
#include <stdbool.h>

typedef struct pd_act {
    bool relu;  /* apply pd_relu */
    float cap;  /* then min(x, cap), NaN kept: +inf for a plain ReLU */
    bool silu;  /* or (not with relu) x sigmoid(x), as pd_k_silu computes it */
} pd_act;

/* ReLU as PyTorch's: max(0, x), but NaN stays NaN (x <= 0 is false for it), so a NaN
 * input is not passed on as a clean 0. Every ReLU of the runtime, fused or not, is this. */
static inline float pd_relu(float x)
{
    return !(x <= 0.0f) ? x : 0.0f;
}

static inline pd_act pd_act_none(void)
{
    return (pd_act){.relu = false, .cap = INFINITY, .silu = false};
}

static inline pd_act pd_act_relu(void)
{
    return (pd_act){.relu = true, .cap = INFINITY, .silu = false};
}

static inline pd_act pd_act_silu(void)
{
    return (pd_act){.relu = false, .cap = INFINITY, .silu = true};
}

static inline bool pd_act_on(pd_act a)
{
    return a.relu || a.silu;
}

/* a's ReLU (and cap) applied to one value; SiLU is not done here but by pd_k_silu or
 * pd_silu8, so that a fused SiLU gives the floats of the separate pass. A Clip(0, cap) run
 * apart gives the same but for -0: it keeps -0 where this gives +0 (the two compare
 * equal). */
static inline float pd_act1(pd_act a, float x)
{
    if (!a.relu)
        return x;
    x = pd_relu(x);
    return x > a.cap ? a.cap : x;
}

#endif
