/* Timings from elsewhere (issue 16, point 2): rows that give a layer's type, its raw shape
 * columns and its time, measured by another framework or on another device, completed
 * with the features predoff's own layers would have, so that `fit` reads them as it reads
 * the profiler's. Each row's layer is built as a one-layer model through the model reader,
 * which checks its shape as it checks any model's. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "measure/timing_rules.h"
#include "predoff/runtime.h"

#define SIDE_MAX 1000000.0 /* beyond this a shape column is a typing mistake */

void pd_timing_describe(const pd_graph *g, size_t i, pd_layer_timing *row)
{
    const pd_layer *l = &g->layers[i];
    row->type = l->type;
    row->kind = pd_layer_kind_of(l);
    pd_graph engine = *g; /* a view of g with the engine timed, this runtime (its run_bytes
                           * g's: pd_timing_describe's callers set their own) */
    engine.engine = &pd_runtime_hook;
    for (int f = 0; f < PD_FEATURE_COUNT; f++)
        row->features[f] = pd_graph_feature(&engine, i, (pd_feature)f);
    for (int c = 0; c < PD_SHAPE_COLUMN_COUNT; c++)
        row->shape[c] = pd_layer_shape_column(l, (pd_shape_column)c);
}

/* Shape column c of row as a whole number in [lo, SIDE_MAX] into *v; `fallback` when not
 * given (a negative fallback: the column is required). */
static pd_status whole(const pd_layer_timing *row, size_t at, pd_shape_column c, double lo,
                       double fallback, long *v, pd_error *err)
{
    double x = row->shape[c];
    if (isnan(x)) {
        if (fallback < 0)
            return pd_error_set(err, PD_EINPUT,
                                "row %zu (layer \"%s\", %s): column \"%s\" is needed", at + 1,
                                row->layer, pd_layer_type_name(row->type),
                                pd_shape_column_name(c));
        x = fallback;
    }
    if (!(x >= lo && x <= SIDE_MAX) || x != floor(x))
        return pd_error_set(err, PD_EINPUT,
                            "row %zu (layer \"%s\"): column \"%s\": %g is not a whole number "
                            "from %g to %g",
                            at + 1, row->layer, pd_shape_column_name(c), x, lo, SIDE_MAX);
    *v = (long)x;
    return PD_OK;
}

/* The JSON model of row's layer into buf: input [channels, height, width], one layer "l"
 * of the row's type (and kind) with the parameters its shape columns give. */
static pd_status model_json(const pd_layer_timing *row, size_t at, char *buf, size_t n,
                            pd_error *err)
{
    long c = 0, h = 0, w = 0;
    pd_status st;
    if ((st = whole(row, at, PD_SHAPE_CHANNELS, 1, -1, &c, err)) ||
        (st = whole(row, at, PD_SHAPE_HEIGHT, 1, 1, &h, err)) ||
        (st = whole(row, at, PD_SHAPE_WIDTH, 1, (double)h, &w, err)))
        return st;
    char fields[256];
    const char *type = pd_layer_type_name(row->type);
    if (row->type == PD_LAYER_CONV) {
        long f = 0, kh = 0, kw = 0, s = 0, p = 0, g = 0;
        if ((st = whole(row, at, PD_SHAPE_FILTERS, 1, -1, &f, err)) ||
            (st = whole(row, at, PD_SHAPE_KERNEL_H, 1, -1, &kh, err)) ||
            (st = whole(row, at, PD_SHAPE_KERNEL_W, 1, (double)kh, &kw, err)) ||
            (st = whole(row, at, PD_SHAPE_STRIDE, 1, 1, &s, err)) ||
            (st = whole(row, at, PD_SHAPE_PAD, 0, 0, &p, err)) ||
            (st = whole(row, at, PD_SHAPE_GROUPS, 1, 1, &g, err)))
            return st;
        snprintf(fields, sizeof fields,
                 "\"type\": \"conv\", \"filters\": %ld, \"kernel\": [%ld, %ld], "
                 "\"stride\": %ld, \"pad\": %ld, \"groups\": %ld",
                 f, kh, kw, s, p, g);
    } else if (row->type == PD_LAYER_FC) {
        long o = 0;
        if ((st = whole(row, at, PD_SHAPE_OUT_CHANNELS, 1, -1, &o, err)))
            return st;
        snprintf(fields, sizeof fields, "\"type\": \"fc\", \"outputs\": %ld", o);
    } else if (row->type == PD_LAYER_POOL &&
               (row->kind == PD_KIND_POOL_GLOBAL || row->kind == PD_KIND_POOL_GLOBAL_MAX)) {
        snprintf(fields, sizeof fields, "\"type\": \"pool\", \"mode\": \"%s\", \"global\": true",
                 row->kind == PD_KIND_POOL_GLOBAL ? "avg" : "max");
    } else if (row->type == PD_LAYER_POOL) { /* the kind says the mode: pool/avg, else max */
        long k = 0, s = 0, p = 0;
        if ((st = whole(row, at, PD_SHAPE_KERNEL_H, 1, -1, &k, err)) ||
            (st = whole(row, at, PD_SHAPE_STRIDE, 1, (double)k, &s, err)) ||
            (st = whole(row, at, PD_SHAPE_PAD, 0, 0, &p, err)))
            return st;
        snprintf(fields, sizeof fields,
                 "\"type\": \"pool\", \"mode\": \"%s\", \"kernel\": %ld, \"stride\": %ld, "
                 "\"pad\": %ld",
                 row->kind == PD_KIND_POOL_AVG ? "avg" : "max", k, s, p);
    } else if (row->type == PD_LAYER_ADD || row->type == PD_LAYER_MUL ||
               row->type == PD_LAYER_CONCAT) { /* two inputs of the row's shape */
        snprintf(fields, sizeof fields, "\"type\": \"%s\", \"inputs\": [\"@input\", \"@input\"]",
                 type);
    } else {
        snprintf(fields, sizeof fields, "\"type\": \"%s\"", type);
    }
    int len = snprintf(buf, n,
                       "{\"name\": \"row\", \"input\": [%ld, %ld, %ld], \"layers\": "
                       "[{\"name\": \"l\", %s, \"exit\": true}]}",
                       c, h, w, fields);
    if (len < 0 || (size_t)len >= n)
        return pd_error_set(err, PD_ELIMIT, "row %zu: its model is too long", at + 1);
    return PD_OK;
}

/* The row's given shape columns (and kind) against the built layer's: a column the layer
 * does not take as given (a pool's kernel_w, a relu's filters) is refused, not dropped. */
static pd_status check_built(const pd_layer_timing *given, const pd_layer_timing *built,
                             size_t at, pd_error *err)
{
    const char *type = pd_layer_type_name(given->type);
    for (int c = 0; c < PD_SHAPE_COLUMN_COUNT; c++) {
        double a = given->shape[c], b = built->shape[c];
        if (isnan(a) || a == b)
            continue;
        if (b == 0 && c != PD_SHAPE_PAD)
            return pd_error_set(err, PD_EINPUT,
                                "row %zu (layer \"%s\"): column \"%s\" is %g, but a %s has "
                                "none (leave it empty)",
                                at + 1, given->layer, pd_shape_column_name((pd_shape_column)c),
                                a, type);
        return pd_error_set(err, PD_EINPUT,
                            "row %zu (layer \"%s\"): column \"%s\" is %g, but a %s of the "
                            "row's other columns gives %g",
                            at + 1, given->layer, pd_shape_column_name((pd_shape_column)c), a,
                            type, b);
    }
    if (given->kind != PD_KIND_NONE && given->kind != built->kind)
        return pd_error_set(err, PD_EINPUT,
                            "row %zu (layer \"%s\"): kind \"%s\", but its shape columns make a "
                            "\"%s\"",
                            at + 1, given->layer, pd_layer_model_name(given->type, given->kind),
                            pd_layer_model_name(built->type, built->kind));
    const char *column, *why = pd_timing_row_problem(built, &column);
    if (why) { /* a layer the model reader takes, but too large for a timings CSV */
        double v = pd_timing_column(built, pd_column_parse(column));
        return pd_error_set(err, PD_EINPUT,
                            "row %zu (layer \"%s\"): the %s's \"%s\", %g, %s: a timings CSV "
                            "cannot hold it",
                            at + 1, given->layer, type, column, v, why);
    }
    return PD_OK;
}

pd_status pd_timings_complete(pd_timings *t, pd_error *err)
{
    for (size_t i = 0; i < t->n; i++) {
        pd_layer_timing *row = &t->rows[i];
        if (row->type == PD_LAYER_OPAQUE || (unsigned)row->type >= PD_LAYER_TYPE_COUNT)
            return pd_error_set(err, PD_EINPUT, "row %zu (layer \"%s\"): not a layer type "
                                "predoff builds", i + 1, row->layer);
        char json[512];
        pd_graph *g = NULL;
        pd_status st = model_json(row, i, json, sizeof json, err);
        char where[160];
        snprintf(where, sizeof where, "row %zu (layer \"%.64s\")", i + 1, row->layer);
        if (!st) /* its messages start "<where>: layer \"l\": " */
            st = pd_graph_from_json(json, strlen(json), where, &g, err);
        if (st)
            return st;
        pd_layer_timing built = *row;
        pd_timing_describe(g, g->n_layers - 1, &built);
        pd_graph_free(g);
        if ((st = check_built(row, &built, i, err)))
            return st;
        *row = built;
        for (int f = 0; f < PD_FEATURE_COUNT; f++) /* what predoff's kernels would do is not */
            if (pd_feature_of_engine((pd_feature)f)) /* what the timed engine did */
                row->features[f] = NAN;
        /* nor is the layer's one-layer model what it was timed in (unknown: a trees' column
         * only if given) */
        row->features[PD_FEAT_RUN_BYTES] = NAN;
        if (!row->layer[0])
            snprintf(row->layer, sizeof row->layer, "%s-%zu", pd_layer_type_name(row->type),
                     i + 1);
    }
    return PD_OK;
}
