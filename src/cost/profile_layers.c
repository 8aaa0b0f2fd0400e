/* Every layer's compute time on a tier at once: the layers a boosted entry costs are
 * predicted together, one XGBoost call per entry, not one per layer (a model of 10^5 layers
 * would otherwise spend seconds in the calls' overhead alone). Trees that read run_ms (how
 * long a layer's data wait between two runs holding it) are given the time of that run as
 * the prediction itself sums it: first from the runs the trees' linear bases add up to,
 * then again from the sums, until they settle (pd_graph_run_sums). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cost/boosted.h"

/* Passes after the first at most, and the change of every run's time below which they stop. */
#define RUN_PASSES 4
#define RUN_SETTLED 0.01

/* Column c of layer i; with `own`, as a pass of its own: nothing fused into it; run_ms from
 * run[i] (NULL: not known). */
static double column(const pd_graph *g, size_t i, int c, bool own, const double *run)
{
    if (c == PD_FEAT_RUN_MS)
        return run ? run[i] : NAN;
    return own && (c == PD_FEAT_FUSED_ACT_ELEMS || c == PD_FEAT_FUSED_EXP_ELEMS)
               ? 0.0
               : pd_graph_column(g, i, c);
}

/* The rows of the layers of g that entry m costs (model[i], NULL for a layer with a measured
 * time), their columns gathered, predicted in one call; times into ms. With base_only, no
 * call: the trees' linear base instead (a first guess; 0 where they have none). */
static pd_status predict_entry(const pd_graph *g, const pd_linear_model *m,
                               const pd_linear_model *const *model, bool own, bool base_only,
                               const double *run, double *ms, size_t *rows, double *x,
                               pd_error *err)
{
    int n_cols;
    const int *cols = pd_boosted_columns(m->boosted, &n_cols);
    size_t n = 0;
    for (size_t i = 0; i < g->n_layers; i++) {
        if (model[i] != m)
            continue;
        for (int k = 0; k < n_cols; k++)
            x[n * (size_t)n_cols + (size_t)k] = column(g, i, cols[k], own, run);
        rows[n++] = i;
    }
    double *y = x + n * (size_t)n_cols; /* after the rows: room for n_layers more */
    const pd_boosted_target t = pd_boosted_target_of(m->boosted);
    for (size_t r = 0; base_only && r < n; r++)
        y[r] = t.n_base > 0 ? m->boosted->scale * pd_boosted_base(&t, x + r * (size_t)n_cols)
                            : 0.0;
    pd_status st = base_only ? PD_OK : pd_boosted_predict(m->boosted, x, n, y, err);
    for (size_t r = 0; !st && r < n; r++)
        ms[rows[r]] = y[r];
    return st;
}

/* Whether an entry's trees read run_ms. */
static bool entry_reads_run_ms(const pd_linear_model *m)
{
    int n = 0;
    const int *cols = m && m->boosted ? pd_boosted_columns(m->boosted, &n) : NULL;
    for (int k = 0; k < n; k++)
        if (cols[k] == PD_FEAT_RUN_MS)
            return true;
    return false;
}

/* Whether the trees that cost some layer (model[i], NULL: measured) read run_ms: only then
 * need the runs be settled (a profile's other entries' trees may read it). */
static bool reads_run_ms(const pd_linear_model *const *model, size_t n)
{
    const pd_linear_model *seen = NULL; /* runs of one entry: each asked once in a row */
    for (size_t i = 0; i < n; i++) {
        if (model[i] == seen || !model[i])
            continue;
        if (entry_reads_run_ms(model[i]))
            return true;
        seen = model[i];
    }
    return false;
}

/* What layers_ms needs for the boosted entries: each layer's entry (NULL: its time measured),
 * found once, and rows and their columns (then their times). */
typedef struct batch {
    const pd_linear_model **model;
    size_t *rows;
    double *x;
} batch;

/* The boosted entries' layers into ms, run_ms from run (NULL: not known); with base_only,
 * their linear bases (predict_entry). */
static pd_status predict_boosted(const pd_profile *p, const pd_graph *g, const batch *b,
                                 bool own, bool base_only, const double *run, double *ms,
                                 pd_error *err)
{
    pd_status st = PD_OK;
    for (int e = 0; !st && e < PD_PROFILE_ENTRIES; e++) {
        const pd_linear_model *m = pd_profile_entry(p, e);
        if (m->present && m->boosted)
            st = predict_entry(g, m, b->model, own, base_only, run, ms, b->rows, b->x, err);
    }
    return st;
}

/* The time of the run holding each layer into run (pd_graph_run_sums), as the layers'
 * times ms (a run's: on a tier that fuses, fused layers in their producers') add up; work:
 * n_layers doubles. */
static pd_status run_times(const pd_profile *p, const pd_graph *g, const double *ms,
                           double *work, double *run, pd_error *err)
{
    for (size_t i = 0; i < g->n_layers; i++)
        work[i] = p->fuses && pd_graph_fused_into(g, i) >= 0 ? 0.0 : ms[i];
    return pd_graph_run_sums(g, work, run, err);
}

/* Whether no run's time moved by more than RUN_SETTLED of it from before to after (the
 * times the layers were predicted at, and what they then add up to). */
static bool settled(const double *before, const double *after, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabs(after[i] - before[i]) <= RUN_SETTLED * fabs(before[i])))
            return false;
    return true;
}

/* The runs' times as the trees settle on them (a run's layers, fused as it runs them), into
 * run, and the layers' times predicted at them into ms (n_layers doubles each, run, ms and
 * work: two of them). */
static pd_status settle_runs(const pd_profile *p, const pd_graph *g, const batch *b, double *ms,
                             double *run, double *work, pd_error *err)
{
    const size_t n = g->n_layers;
    /* a first guess: the runs as the trees' linear bases add them up, which costs no
     * prediction (a long run then settles in two) */
    pd_status st = predict_boosted(p, g, b, false, true, NULL, ms, err);
    if (!st)
        st = run_times(p, g, ms, work, run, err);
    if (!st)
        st = predict_boosted(p, g, b, false, false, run, ms, err);
    double *next = work + n;
    if (!st)
        st = run_times(p, g, ms, work, next, err);
    for (int pass = 0; !st && pass < RUN_PASSES && !settled(run, next, n); pass++) {
        for (size_t i = 0; i < n; i++)
            run[i] = next[i];
        if (!(st = predict_boosted(p, g, b, false, false, run, ms, err)))
            st = run_times(p, g, ms, work, next, err);
    }
    return st;
}

/* Every layer's time into ms, and with own (may be NULL) as a pass of its own, nothing
 * fused into it. Trees that read run_ms are settled once, on the runs as the tier runs
 * them (ms's times), and both predictions read those runs. */
static pd_status layers_ms(const pd_profile *p, const pd_graph *g, double *ms, double *own,
                           pd_error *err)
{
    size_t n = g->n_layers;
    batch b = {calloc(n ? n : 1, sizeof *b.model), NULL, NULL};
    if (!b.model)
        return pd_error_set(err, PD_ENOMEM, "out of memory (%zu layers)", n);
    int boosted = 0, most = 0;
    for (size_t i = 0; i < n; i++) {
        const pd_layer *l = &g->layers[i];
        const pd_linear_model *m = pd_profile_model_for(p, l->type, pd_layer_kind_of(l));
        double t;
        const bool measured = pd_profile_measured_ms(p, g, i, &t);
        b.model[i] = measured ? NULL : m;
        if (!measured && m->boosted) {
            int c;
            pd_boosted_columns(m->boosted, &c);
            most = c > most ? c : most;
            boosted = 1;
            continue;
        }
        ms[i] = measured ? t : pd_profile_layer_ms(p, g, i);
        if (own && measured) {
            own[i] = t;
        } else if (own) {
            double f[PD_FEATURE_COUNT];
            for (int k = 0; k < PD_FEATURE_COUNT; k++)
                f[k] = column(g, i, k, true, NULL);
            double v = pd_linear_predict(m, f);
            own[i] = v > 0.0 ? v : 0.0;
        }
    }
    pd_status st = PD_OK;
    double *run = NULL;
    const bool runs = boosted && reads_run_ms(b.model, n);
    if (boosted) {
        size_t cells = n * (size_t)(most + 1); /* the rows' columns, then their times */
        b.rows = malloc(n * sizeof *b.rows);
        b.x = cells / (size_t)(most + 1) == n ? malloc(cells * sizeof *b.x) : NULL;
        /* run, then two more (settle_runs' work) */
        run = runs && n <= SIZE_MAX / sizeof *run / 3 ? malloc(3 * n * sizeof *run) : NULL;
        if (!b.rows || !b.x || (runs && !run))
            st = pd_error_set(err, PD_ENOMEM, "out of memory (%zu layers)", n);
    }
    if (!st && runs) /* the runs' times from a run's layers (fused), ms settled with them */
        st = settle_runs(p, g, &b, ms, run, run + n, err);
    else if (!st && boosted)
        st = predict_boosted(p, g, &b, false, false, NULL, ms, err);
    if (!st && boosted && own)
        st = predict_boosted(p, g, &b, true, false, runs ? run : NULL, own, err);
    free(b.rows);
    free(b.x);
    free(b.model);
    free(run);
    return st;
}

pd_status pd_profile_layers_ms(const pd_profile *p, const pd_graph *g, double *ms,
                               pd_error *err)
{
    return layers_ms(p, g, ms, NULL, err);
}

pd_status pd_profile_layers_own_ms(const pd_profile *p, const pd_graph *g, double *ms,
                                   pd_error *err)
{
    /* the plain times too: the runs are settled on them */
    double *plain = malloc((g->n_layers ? g->n_layers : 1) * sizeof *plain);
    if (!plain)
        return pd_error_set(err, PD_ENOMEM, "out of memory (%zu layers)", g->n_layers);
    pd_status st = layers_ms(p, g, plain, ms, err);
    free(plain);
    return st;
}

pd_status pd_profile_layers_both_ms(const pd_profile *p, const pd_graph *g, double *ms,
                                    double *own, pd_error *err)
{
    return layers_ms(p, g, ms, own, err);
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
