/* Every layer's compute time on a tier at once: the layers a boosted entry costs are
 * predicted together, one XGBoost call per entry, not one per layer (a model of 10^5 layers
 * would otherwise spend seconds in the calls' overhead alone). */
#include <stdlib.h>

#include "cost/boosted.h"

/* Column c of layer i; with `own`, as a pass of its own: nothing fused into it. */
static double column(const pd_graph *g, size_t i, int c, bool own)
{
    return own && (c == PD_FEAT_FUSED_ACT_ELEMS || c == PD_FEAT_FUSED_EXP_ELEMS)
               ? 0.0
               : pd_graph_column(g, i, c);
}

/* The rows of the layers of g that entry m costs (and that have no measured time), their
 * columns gathered, predicted in one call; times into ms. */
static pd_status predict_entry(const pd_profile *p, const pd_graph *g, const pd_linear_model *m,
                               const bool *measured, bool own, double *ms, size_t *rows,
                               double *x, pd_error *err)
{
    int n_cols;
    const int *cols = pd_boosted_columns(m->boosted, &n_cols);
    size_t n = 0;
    for (size_t i = 0; i < g->n_layers; i++) {
        const pd_layer *l = &g->layers[i];
        if (measured[i] || pd_profile_model_for(p, l->type, pd_layer_kind_of(l)) != m)
            continue;
        for (int k = 0; k < n_cols; k++)
            x[n * (size_t)n_cols + (size_t)k] = column(g, i, cols[k], own);
        rows[n++] = i;
    }
    double *y = x + n * (size_t)n_cols; /* after the rows: room for n_layers more */
    pd_status st = pd_boosted_predict(m->boosted, x, n, y, err);
    for (size_t r = 0; !st && r < n; r++)
        ms[rows[r]] = y[r];
    return st;
}

static pd_status layers_ms(const pd_profile *p, const pd_graph *g, bool own, double *ms,
                           pd_error *err)
{
    size_t n = g->n_layers;
    bool *measured = calloc(n ? n : 1, sizeof *measured);
    if (!measured)
        return pd_error_set(err, PD_ENOMEM, "out of memory (%zu layers)", n);
    int boosted = 0, most = 0;
    for (size_t i = 0; i < n; i++) {
        const pd_layer *l = &g->layers[i];
        const pd_linear_model *m = pd_profile_model_for(p, l->type, pd_layer_kind_of(l));
        measured[i] = pd_profile_measured_ms(p, g, i, &ms[i]);
        if (!measured[i] && m->boosted) {
            int c;
            pd_boosted_columns(m->boosted, &c);
            most = c > most ? c : most;
            boosted = 1;
        } else if (!measured[i] && !own) {
            ms[i] = pd_profile_layer_ms(p, g, i);
        } else if (!measured[i]) {
            double f[PD_FEATURE_COUNT];
            for (int k = 0; k < PD_FEATURE_COUNT; k++)
                f[k] = column(g, i, k, true);
            double t = pd_linear_predict(m, f);
            ms[i] = t > 0.0 ? t : 0.0;
        }
    }
    pd_status st = PD_OK;
    size_t *rows = NULL;
    double *x = NULL;
    if (boosted) {
        size_t cells = n * (size_t)(most + 1); /* the rows' columns, then their times */
        rows = malloc(n * sizeof *rows);
        x = cells / (size_t)(most + 1) == n ? malloc(cells * sizeof *x) : NULL;
        if (!rows || !x)
            st = pd_error_set(err, PD_ENOMEM, "out of memory (%zu layers)", n);
    }
    for (int e = 0; boosted && !st && e < PD_PROFILE_ENTRIES; e++) {
        const pd_linear_model *m = pd_profile_entry(p, e);
        if (m->present && m->boosted)
            st = predict_entry(p, g, m, measured, own, ms, rows, x, err);
    }
    free(rows);
    free(x);
    free(measured);
    return st;
}

pd_status pd_profile_layers_ms(const pd_profile *p, const pd_graph *g, double *ms,
                               pd_error *err)
{
    return layers_ms(p, g, false, ms, err);
}

pd_status pd_profile_layers_own_ms(const pd_profile *p, const pd_graph *g, double *ms,
                                   pd_error *err)
{
    return layers_ms(p, g, true, ms, err);
}

const pd_linear_model *pd_profile_entry(const pd_profile *p, int e)
{
    return e < PD_LAYER_TYPE_COUNT ? &p->layer[e] : &p->kind[e - PD_LAYER_TYPE_COUNT];
}

const char *pd_profile_entry_name(int e)
{
    return e < PD_LAYER_TYPE_COUNT ? pd_layer_type_name((pd_layer_type)e)
                                   : pd_layer_kind_name((pd_layer_kind)(e - PD_LAYER_TYPE_COUNT));
}
