/* What a measured layer timing may hold: one set of rules for the CSV reader, the CSV
 * writer and the fitter, so a file one of them accepts the others accept too. */
#ifndef PD_MEASURE_TIMING_RULES_H
#define PD_MEASURE_TIMING_RULES_H

#include "predoff/measure.h"

/* Beyond these a value is a typing mistake, and the fit's arithmetic stays finite. */
#define PD_TIMING_MIN_MS 1e-9
#define PD_TIMING_MAX_MS 1e9
#define PD_TIMING_MAX_FEATURE 1e15
#define PD_TIMING_MAX_REPEATS 1000000000u

/* NULL when v may stand in a feature column (NaN: not given), else what is wrong with it. */
const char *pd_timing_feature_problem(double v);
/* NULL when v may stand as a time in ms (NaN, "not given", only if !required), else why not. */
const char *pd_timing_ms_problem(double v, int required);
/* NULL when reuse_bytes may stand beside reuse_ms (each 0 when not given: both are, or
 * neither), else what is wrong with reuse_bytes. */
const char *pd_timing_reuse_problem(double reuse_ms, double reuse_bytes);
/* The first value of row that breaks a rule: returns the complaint and sets *column to the
 * CSV column's name; NULL when the row is fine (text fields are not checked). */
const char *pd_timing_row_problem(const pd_layer_timing *row, const char **column);

/* What one run of row's layer alone touches: its input, weights and output bytes (a warm
 * sweep point's run, as the sweep and the trees' warm twins take it). */
double pd_timing_own_run_bytes(const pd_layer_timing *row);

/* The CSV columns the reader knows, in the order the writer puts them. */
enum {
    PD_CSV_SOURCE,
    PD_CSV_LAYER,
    PD_CSV_TYPE,
    PD_CSV_FEATURE0,
    PD_CSV_MEDIAN = PD_CSV_FEATURE0 + PD_FEATURE_COUNT,
    PD_CSV_P10,
    PD_CSV_P90,
    PD_CSV_MEAN,
    PD_CSV_REPEATS,
    PD_CSV_KIND, /* appended after the columns of the first format */
    PD_CSV_SHAPE0, /* the raw shape columns (pd_shape_column), appended after kind */
    PD_CSV_FUSED_INTO = PD_CSV_SHAPE0 + PD_SHAPE_COLUMN_COUNT, /* appended after them */
    PD_CSV_WARM, /* warm_ms, appended after fused_into */
    PD_CSV_REUSE, /* reuse_ms and reuse_bytes, appended after warm_ms */
    PD_CSV_REUSE_BYTES,
    PD_CSV_REUSE_RUN_MS, /* reuse_run_ms, appended after reuse_bytes */
    PD_CSV_COLUMNS
};
const char *pd_csv_column_name(int column);

#endif
