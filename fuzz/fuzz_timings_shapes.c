/* libFuzzer harness: timings from elsewhere. The shapes CSV reader
 * (pd_timings_parse_shapes_csv), then pd_timings_complete on what parses. A completed file
 * must write (pd_timings_write_csv), read back with fit's reader (pd_timings_parse_csv) to
 * the same rows, and complete again to the same rows (completing is idempotent). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/measure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static void check_error(pd_status st, const pd_error *err, const char *prefix)
{
    if (err->status != st || err->msg[0] == '\0' || strchr(err->msg, '\n') ||
        strncmp(err->msg, prefix, strlen(prefix)) != 0)
        abort();
}

/* a and b hold the same rows, bit for bit (NaN for "not given"). */
static void same_rows(const pd_timings *a, const pd_timings *b)
{
    if (a->n != b->n)
        abort();
    for (size_t i = 0; i < a->n; i++) {
        const pd_layer_timing *x = &a->rows[i], *y = &b->rows[i];
        int ok = strcmp(x->source, y->source) == 0 && strcmp(x->layer, y->layer) == 0 &&
                 x->type == y->type && x->kind == y->kind && same(x->median_ms, y->median_ms) &&
                 same(x->p10_ms, y->p10_ms) && same(x->p90_ms, y->p90_ms) &&
                 same(x->mean_ms, y->mean_ms) && x->repeats == y->repeats;
        for (int k = 0; k < PD_FEATURE_COUNT; k++)
            ok = ok && same(x->features[k], y->features[k]);
        for (int k = 0; k < PD_SHAPE_COLUMN_COUNT; k++)
            ok = ok && same(x->shape[k], y->shape[k]);
        if (!ok)
            abort();
    }
}

/* What a completed row holds: a type predoff builds, a name, every feature and shape
 * column a finite number, not negative. */
static void check_completed(const pd_timings *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const pd_layer_timing *r = &t->rows[i];
        if (r->type == PD_LAYER_OPAQUE || (unsigned)r->type >= PD_LAYER_TYPE_COUNT ||
            (unsigned)r->kind >= PD_LAYER_KIND_COUNT || !r->layer[0] ||
            !memchr(r->layer, '\0', sizeof r->layer))
            abort();
        for (int k = 0; k < PD_FEATURE_COUNT; k++)
            if (!(r->features[k] >= 0 && isfinite(r->features[k])))
                abort();
        for (int k = 0; k < PD_SHAPE_COLUMN_COUNT; k++)
            if (!(r->shape[k] >= 0 && isfinite(r->shape[k])))
                abort();
    }
}

/* Writes t as a timings CSV; fit's reader takes it back with the same rows, and completing
 * those again changes nothing. */
static void round_trip(const pd_timings *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    pd_status st = pd_timings_write_csv(t, f);
    if (fclose(f) != 0 || st != PD_OK)
        abort();
    pd_timings back = {0};
    pd_error err;
    if (pd_timings_parse_csv(buf, len, "back", &back, &err) != PD_OK)
        abort();
    same_rows(t, &back);
    st = pd_timings_complete(&back, &err);
    if (st != PD_OK && st != PD_ENOMEM)
        abort();
    if (st == PD_OK)
        same_rows(t, &back);
    pd_timings_free(&back);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_timings t = {0};
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_timings_parse_shapes_csv((const char *)data, size, "fuzz", &t, &err);
    if (st != PD_OK) {
        check_error(st, &err, "fuzz: line ");
        if (t.n != 0)
            abort();
        pd_timings_free(&t);
        return 0;
    }
    st = pd_timings_complete(&t, &err);
    if (st == PD_OK) {
        check_completed(&t);
        round_trip(&t);
    } else if (st != PD_ENOMEM) {
        check_error(st, &err, "row ");
        if (st != PD_EINPUT && st != PD_ELIMIT)
            abort();
    }
    pd_timings_free(&t);
    return 0;
}
