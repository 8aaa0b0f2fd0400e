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
#include "timings_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a completed row holds: a type predoff builds, a name, every feature (but those an
 * engine elsewhere did not tell, and what its run touched and took) and shape column a finite number, not negative. */
static void check_completed(const pd_timings *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const pd_layer_timing *r = &t->rows[i];
        if (r->type == PD_LAYER_OPAQUE || (unsigned)r->type >= PD_LAYER_TYPE_COUNT ||
            (unsigned)r->kind >= PD_LAYER_KIND_COUNT || !r->layer[0] ||
            !memchr(r->layer, '\0', sizeof r->layer))
            abort();
        for (int k = 0; k < PD_FEATURE_COUNT; k++) /* the engine's and what the timed run
                                                    * touched not given, the rest given */
            if (pd_feature_of_engine((pd_feature)k) || k == PD_FEAT_RUN_BYTES ||
                        k == PD_FEAT_RUN_MS
                    ? !isnan(r->features[k])
                                                    : !(r->features[k] >= 0 &&
                                                        isfinite(r->features[k])))
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
    pd_timings back = {0};
    if (!write_read_back(t, &back))
        return;
    pd_error err;
    pd_status st = pd_timings_complete(&back, &err);
    if (st != PD_OK && st != PD_ENOMEM)
        abort();
    if (st == PD_OK)
        same_rows(t, &back);
    pd_timings_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_timings t = {0};
    if (!parse_input(pd_timings_parse_shapes_csv, data, size, &t))
        return 0;
    pd_error err;
    pd_status st = pd_timings_complete(&t, &err);
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
