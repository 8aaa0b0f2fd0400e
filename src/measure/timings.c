/* The timings array (one row per timed layer) and the rules its values obey. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "measure/timing_rules.h"
#include "predoff/rng.h"

pd_status pd_timings_add(pd_timings *t, const pd_layer_timing *row, pd_error *err)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        if (cap < t->cap || cap > SIZE_MAX / sizeof *t->rows)
            return pd_error_set(err, PD_ENOMEM, "out of memory (%zu timings)", t->n);
        pd_layer_timing *rows = realloc(t->rows, cap * sizeof *rows);
        if (!rows)
            return pd_error_set(err, PD_ENOMEM, "out of memory (%zu timings)", t->n);
        t->rows = rows;
        t->cap = cap;
    }
    t->rows[t->n++] = *row;
    return PD_OK;
}

size_t pd_timings_drop_below(pd_timings *t, const double min_ms[PD_LAYER_TYPE_COUNT])
{
    size_t kept = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!(t->rows[i].median_ms < min_ms[t->rows[i].type]))
            t->rows[kept++] = t->rows[i];
    size_t dropped = t->n - kept;
    t->n = kept;
    return dropped;
}

void pd_timings_free(pd_timings *t)
{
    if (!t)
        return;
    free(t->rows);
    *t = (pd_timings){0};
}

const char *pd_csv_column_name(int column)
{
    switch (column) {
    case PD_CSV_SOURCE: return "source";
    case PD_CSV_LAYER: return "layer";
    case PD_CSV_TYPE: return "type";
    case PD_CSV_MEDIAN: return "median_ms";
    case PD_CSV_P10: return "p10_ms";
    case PD_CSV_P90: return "p90_ms";
    case PD_CSV_MEAN: return "mean_ms";
    case PD_CSV_REPEATS: return "repeats";
    case PD_CSV_KIND: return "kind";
    case PD_CSV_FUSED_INTO: return "fused_into";
    case PD_CSV_WARM: return "warm_ms";
    case PD_CSV_REUSE: return "reuse_ms";
    case PD_CSV_REUSE_BYTES: return "reuse_bytes";
    case PD_CSV_REUSE_RUN_MS: return "reuse_run_ms";
    default: break;
    }
    if (column >= PD_CSV_FEATURE0 && column < PD_CSV_MEDIAN)
        return pd_feature_name((pd_feature)(column - PD_CSV_FEATURE0));
    if (column >= PD_CSV_SHAPE0 && column < PD_CSV_FUSED_INTO)
        return pd_shape_column_name((pd_shape_column)(column - PD_CSV_SHAPE0));
    return "?";
}

const char *pd_timing_feature_problem(double v)
{
    if (isnan(v))
        return NULL;
    if (v < 0)
        return "must be >= 0";
    if (!(v <= PD_TIMING_MAX_FEATURE))
        return "is beyond 1e15";
    return NULL;
}

const char *pd_timing_ms_problem(double v, int required)
{
    if (isnan(v))
        return required ? "must be given" : NULL;
    if (!(v > 0))
        return "must be > 0";
    if (v < PD_TIMING_MIN_MS || v > PD_TIMING_MAX_MS)
        return "is outside [1e-9, 1e9] ms";
    return NULL;
}

const char *pd_timing_reuse_problem(double reuse_ms, double reuse_bytes)
{
    if (reuse_ms == 0.0)
        return reuse_bytes == 0.0 ? NULL : "is given without reuse_ms";
    if (reuse_bytes == 0.0)
        return "must be given with reuse_ms";
    if (!(reuse_bytes > 0) || !(reuse_bytes <= PD_TIMING_MAX_FEATURE))
        return "must be in (0, 1e15]";
    return NULL;
}

const char *pd_timing_row_problem(const pd_layer_timing *row, const char **column)
{
    const char *why;
    if ((unsigned)row->type >= PD_LAYER_TYPE_COUNT) {
        *column = pd_csv_column_name(PD_CSV_TYPE);
        return "is not a layer type";
    }
    if (row->kind != PD_KIND_NONE && pd_layer_kind_type(row->kind) != row->type) {
        *column = pd_csv_column_name(PD_CSV_KIND);
        return "is not a kind of the row's type";
    }
    for (int f = 0; f < PD_FEATURE_COUNT; f++)
        if ((why = pd_timing_feature_problem(row->features[f]))) {
            *column = pd_csv_column_name(PD_CSV_FEATURE0 + f);
            return why;
        }
    for (int c = 0; c < PD_SHAPE_COLUMN_COUNT; c++)
        if ((why = pd_timing_feature_problem(row->shape[c]))) {
            *column = pd_csv_column_name(PD_CSV_SHAPE0 + c);
            return why;
        }
    const double ms[] = {row->median_ms, row->p10_ms, row->p90_ms, row->mean_ms};
    for (int k = 0; k < 4; k++)
        if ((why = pd_timing_ms_problem(ms[k], k == 0))) {
            *column = pd_csv_column_name(PD_CSV_MEDIAN + k);
            return why;
        }
    if (row->warm_ms != 0.0 && (why = pd_timing_ms_problem(row->warm_ms, 1))) {
        *column = pd_csv_column_name(PD_CSV_WARM);
        return why;
    }
    if (row->reuse_ms != 0.0 && (why = pd_timing_ms_problem(row->reuse_ms, 1))) {
        *column = pd_csv_column_name(PD_CSV_REUSE);
        return why;
    }
    if ((why = pd_timing_reuse_problem(row->reuse_ms, row->reuse_bytes))) {
        *column = pd_csv_column_name(PD_CSV_REUSE_BYTES);
        return why;
    }
    if (row->reuse_run_ms != 0.0 &&
        (why = row->reuse_ms == 0.0 ? "is given without reuse_ms"
                                    : pd_timing_ms_problem(row->reuse_run_ms, 1))) {
        *column = pd_csv_column_name(PD_CSV_REUSE_RUN_MS);
        return why;
    }
    if (row->repeats > PD_TIMING_MAX_REPEATS) {
        *column = pd_csv_column_name(PD_CSV_REPEATS);
        return "is beyond 1000000000";
    }
    return NULL;
}

double pd_timing_own_run_bytes(const pd_layer_timing *row)
{
    return row->features[PD_FEAT_IN_BYTES] + row->features[PD_FEAT_WEIGHT_BYTES] +
           row->features[PD_FEAT_OUT_BYTES];
}

pd_status pd_timings_use_mean(pd_timings *t, pd_error *err)
{
    for (size_t i = 0; i < t->n; i++)
        if (isnan(t->rows[i].mean_ms))
            return pd_error_set(err, PD_EINPUT,
                                "timing %zu (layer \"%s\") has no mean_ms: profile it again with "
                                "this version of predoff profile",
                                i + 1, t->rows[i].layer);
    for (size_t i = 0; i < t->n; i++) {
        t->rows[i].median_ms = t->rows[i].mean_ms;
        t->rows[i].warm_ms = 0.0; /* medians: no twins of another statistic */
        t->rows[i].reuse_ms = t->rows[i].reuse_bytes = t->rows[i].reuse_run_ms = 0.0;
    }
    return PD_OK;
}

/* The items of a comma-separated list, one per call (possibly empty). */
static int list_next(const char **cursor, const char **item, size_t *len)
{
    const char *c = *cursor;
    if (!c)
        return 0;
    const char *comma = strchr(c, ',');
    *item = c;
    *len = comma ? (size_t)(comma - c) : strlen(c);
    *cursor = comma ? comma + 1 : NULL;
    return 1;
}

/* Whether list item [item, item + len) is `name`. */
static int is_item(const char *item, size_t len, const char *name)
{
    return strlen(name) == len && strncmp(item, name, len) == 0;
}

/* Whether `source` is one of the comma-separated names in `list`. */
static int listed(const char *list, const char *source)
{
    const char *item;
    size_t len;
    for (const char *c = list; list_next(&c, &item, &len);)
        if (is_item(item, len, source))
            return 1;
    return 0;
}

/* Moves the rows i of t for which pick(t, i, ctx) holds (i their index before the move) to
 * `to`, both keeping their order; on failure every row is in t or `to` once, the one that
 * failed left in t. */
typedef bool (*row_pick)(const pd_timings *t, size_t i, const void *ctx);
static pd_status move_rows(pd_timings *t, row_pick pick, const void *ctx, pd_timings *to,
                           pd_error *err)
{
    size_t kept = 0;
    for (size_t i = 0; i < t->n; i++) { /* rows[i] is still itself: only rows below move */
        if (!pick(t, i, ctx)) {
            t->rows[kept++] = t->rows[i];
            continue;
        }
        pd_status st = pd_timings_add(to, &t->rows[i], err);
        if (st) {
            memmove(t->rows + kept, t->rows + i, (t->n - i) * sizeof *t->rows);
            t->n = kept + (t->n - i);
            return st;
        }
    }
    t->n = kept;
    return PD_OK;
}

static bool source_listed(const pd_timings *t, size_t i, const void *list)
{
    return listed(list, t->rows[i].source);
}

pd_status pd_timings_hold_out(pd_timings *t, const char *list, const char *name,
                              pd_timings *held, pd_error *err)
{
    pd_status st = move_rows(t, source_listed, list, held, err);
    if (st)
        return st;
    const char *item;
    size_t len;
    for (const char *c = list; list_next(&c, &item, &len);) {
        size_t i = 0;
        while (i < held->n && !is_item(item, len, held->rows[i].source))
            i++;
        if (i == held->n)
            return pd_error_set(err, PD_EINPUT, "%s has no timings from \"%.*s\"", name,
                                (int)len, item);
    }
    return PD_OK;
}

static bool marked(const pd_timings *t, size_t i, const void *marks)
{
    (void)t;
    return ((const unsigned char *)marks)[i] != 0;
}

pd_status pd_timings_split(pd_timings *t, double share, uint64_t seed, pd_timings *test,
                           pd_error *err)
{
    if (!(share >= 0.0 && share <= 1.0))
        return pd_error_set(err, PD_EINPUT, "a test share of %g is not in [0, 1]", share);
    const size_t want = (size_t)llround(share * (double)t->n);
    size_t *order = malloc((t->n ? t->n : 1) * sizeof *order);
    unsigned char *chosen = calloc(t->n ? t->n : 1, 1);
    pd_status st = order && chosen ? PD_OK : pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_rng rng;
    pd_rng_seed(&rng, seed);
    for (size_t i = 0; !st && i < t->n; i++)
        order[i] = i;
    for (size_t i = 0; !st && i < want; i++) { /* the first `want` of a shuffle */
        size_t j = i + (size_t)pd_rng_below(&rng, (uint64_t)(t->n - i));
        size_t k = order[i];
        order[i] = order[j];
        order[j] = k;
        chosen[order[i]] = 1;
    }
    if (!st)
        st = move_rows(t, marked, chosen, test, err);
    free(order);
    free(chosen);
    return st;
}
