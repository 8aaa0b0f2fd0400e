/* A tier made slower or faster than its profile: every compute time times a factor. */
#include <stdio.h>
#include <stdlib.h>

#include "cost/boosted.h"
#include "predoff/profile.h"

static void scale_model(pd_linear_model *m, double factor)
{
    if (m->boosted) /* its predictions, times the factor */
        m->boosted->scale *= factor;
    for (int i = 0; i < m->n; i++)
        m->coef[i] *= factor;
    m->intercept *= factor;
}

pd_status pd_profile_scale(pd_profile *p, double factor, pd_error *err)
{
    if (!(factor >= PD_PROFILE_SCALE_MIN && factor <= PD_PROFILE_SCALE_MAX)) /* NaN fails */
        return pd_error_set(err, PD_EINPUT, "profile \"%.64s\": a factor of %g is outside [%g, %g]",
                            p->name, factor, PD_PROFILE_SCALE_MIN, PD_PROFILE_SCALE_MAX);
    for (size_t m = 0; m < p->n_measured; m++)
        for (size_t i = 0; i < p->measured[m].n; i++)
            if (p->measured[m].layer[i].ms * factor > PD_MEASURED_MAX_MS)
                return pd_error_set(err, PD_EINPUT,
                                    "profile \"%.64s\": measured.%.64s.%.64s: %g ms times %g is "
                                    "more than %g ms",
                                    p->name, p->measured[m].model, p->measured[m].layer[i].layer,
                                    p->measured[m].layer[i].ms, factor, PD_MEASURED_MAX_MS);
    int len = snprintf(NULL, 0, "%s x%g", p->name, factor);
    char *name = len > 0 ? malloc((size_t)len + 1) : NULL;
    if (!name)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    snprintf(name, (size_t)len + 1, "%s x%g", p->name, factor);
    free(p->name);
    p->name = name;
    for (int t = 0; t < PD_LAYER_TYPE_COUNT; t++)
        scale_model(&p->layer[t], factor);
    for (int k = 0; k < PD_LAYER_KIND_COUNT; k++)
        scale_model(&p->kind[k], factor);
    for (size_t m = 0; m < p->n_measured; m++)
        for (size_t i = 0; i < p->measured[m].n; i++)
            p->measured[m].layer[i].ms *= factor;
    return PD_OK;
}
