/* A training pass split over the trainer's workers by samples. */
#include "grad.h"

#include "nn/workers.h"

size_t pd_grad_part_start(size_t batch, int part, int parts)
{
    size_t q = batch / (size_t)parts, r = batch % (size_t)parts, p = (size_t)part;
    return p * q + (p < r ? p : r);
}

typedef struct split_ctx {
    const pd_grad_args *a;
    pd_grad_part_fn fn;
} split_ctx;

static void run_part(void *ctx, int part, int parts)
{
    const split_ctx *c = ctx;
    size_t s0 = pd_grad_part_start(c->a->batch, part, parts),
           s1 = pd_grad_part_start(c->a->batch, part + 1, parts);
    c->fn(c->a, s0, s1, part, parts);
}

int pd_grad_parts(const pd_grad_args *a)
{
    return a->workers && a->batch > 1 ? pd_workers_count(a->workers) : 1;
}

void pd_grad_split(const pd_grad_args *a, pd_grad_part_fn fn)
{
    split_ctx c = {a, fn};
    if (pd_grad_parts(a) == 1)
        fn(a, 0, a->batch, 0, 1);
    else
        pd_workers_run(a->workers, run_part, &c);
}
