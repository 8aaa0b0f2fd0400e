/* Checks shared by the harnesses of the timings CSVs (fuzz_profile_csv,
 * fuzz_timings_shapes): an error record's form, rows equal bit for bit, the writer's output
 * read back by fit's reader. */
#ifndef PD_FUZZ_TIMINGS_CHECK_H
#define PD_FUZZ_TIMINGS_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/measure.h"

static inline int same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* A failure's record: its status, one line, starting with prefix. */
static inline void check_error(pd_status st, const pd_error *err, const char *prefix)
{
    if (err->status != st || err->msg[0] == '\0' || strchr(err->msg, '\n') ||
        strncmp(err->msg, prefix, strlen(prefix)) != 0)
        abort();
}

/* a and b hold the same rows, bit for bit (NaN for "not given"). */
static inline void same_rows(const pd_timings *a, const pd_timings *b)
{
    if (a->n != b->n)
        abort();
    for (size_t i = 0; i < a->n; i++) {
        const pd_layer_timing *x = &a->rows[i], *y = &b->rows[i];
        int ok = strcmp(x->source, y->source) == 0 && strcmp(x->layer, y->layer) == 0 &&
                 x->type == y->type && x->kind == y->kind && same(x->median_ms, y->median_ms) &&
                 same(x->p10_ms, y->p10_ms) && same(x->p90_ms, y->p90_ms) &&
                 same(x->mean_ms, y->mean_ms) && same(x->warm_ms, y->warm_ms) &&
                 same(x->reuse_ms, y->reuse_ms) && same(x->reuse_bytes, y->reuse_bytes) &&
                 same(x->reuse_run_ms, y->reuse_run_ms) && x->repeats == y->repeats;
        for (int k = 0; k < PD_FEATURE_COUNT; k++)
            ok = ok && same(x->features[k], y->features[k]);
        for (int k = 0; k < PD_SHAPE_COLUMN_COUNT; k++)
            ok = ok && same(x->shape[k], y->shape[k]);
        if (!ok)
            abort();
    }
}

typedef pd_status (*timings_parser)(const char *, size_t, const char *, pd_timings *,
                                    pd_error *);

/* The input through parse (source "fuzz") into *t: 1 when it parses; else 0, the rejection
 * checked (its status, one line "fuzz: line ...", no rows left). */
static inline int parse_input(timings_parser parse, const uint8_t *data, size_t size,
                              pd_timings *t)
{
    pd_error err;
    pd_error_clear(&err);
    pd_status st = parse((const char *)data, size, "fuzz", t, &err);
    if (st == PD_OK)
        return 1;
    check_error(st, &err, "fuzz: line ");
    if (t->n != 0)
        abort();
    pd_timings_free(t);
    return 0;
}

/* Writes t as a timings CSV and reads it back with fit's reader into *back (the same
 * rows, or abort); 0 when out of memory for the text. */
static inline int write_read_back(const pd_timings *t, pd_timings *back)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return 0;
    pd_status st = pd_timings_write_csv(t, f);
    if (fclose(f) != 0 || st != PD_OK)
        abort();
    pd_error err;
    if (pd_timings_parse_csv(buf, len, "back", back, &err) != PD_OK)
        abort();
    free(buf);
    same_rows(t, back);
    return 1;
}

#endif
