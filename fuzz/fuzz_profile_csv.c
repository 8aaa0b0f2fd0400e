/* libFuzzer harness: the profile CSV reader (pd_timings_parse_csv), then the fitter on
 * what parses (every feature choice, 2 folds). What parses must write back and read back
 * equal; every fitted profile must write as JSON that pd_profile_from_json reads back
 * equal. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/measure.h"
#include "predoff/profile.h"
#include "timings_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes t as CSV, reads it back: the same rows. */
static void csv_round_trip(const pd_timings *t)
{
    pd_timings back = {0};
    if (write_read_back(t, &back))
        pd_timings_free(&back);
}

/* Writes p as JSON, reads it back: the same models. */
static void json_round_trip(const pd_profile *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    pd_error err;
    pd_status st = pd_profile_write_json(p, f, &err);
    if (fclose(f) != 0 || st != PD_OK)
        abort();
    pd_profile *back = NULL;
    if (pd_profile_from_json(buf, len, "fitted.json", &back, &err) != PD_OK)
        abort();
    for (int t = 0; t < PD_LAYER_TYPE_COUNT + PD_LAYER_KIND_COUNT; t++) {
        const pd_linear_model *a = t < PD_LAYER_TYPE_COUNT ? &p->layer[t]
                                                           : &p->kind[t - PD_LAYER_TYPE_COUNT];
        const pd_linear_model *b = t < PD_LAYER_TYPE_COUNT ? &back->layer[t]
                                                           : &back->kind[t - PD_LAYER_TYPE_COUNT];
        if (a->present != b->present || a->n != b->n || !(a->intercept == b->intercept))
            abort();
        for (int j = 0; j < a->n; j++)
            if (a->features[j] != b->features[j] || !(a->coef[j] == b->coef[j]))
                abort();
    }
    if (strcmp(p->name, back->name) != 0 || strcmp(p->note, back->note) != 0)
        abort();
    pd_profile_free(back);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_timings t = {0};
    if (!parse_input(pd_timings_parse_csv, data, size, &t))
        return 0;
    pd_error err;
    pd_status st;
    csv_round_trip(&t);
    for (int choice = PD_FEATURES_PAPER; choice <= PD_FEATURES_AUTO; choice++) {
        pd_fit_options o;
        pd_fit_options_init(&o);
        o.features = (pd_feature_choice)choice;
        o.folds = 2;
        pd_profile *p = NULL;
        pd_fit_quality q[PD_FIT_QUALITY_ROWS];
        st = pd_fit_profile(&t, &o, "fuzz", &p, q, &err);
        if (st != PD_OK) {
            if (st == PD_ENOMEM)
                continue;
            check_error(st, &err, "");
            if (st != PD_EINPUT || p != NULL)
                abort();
            continue;
        }
        size_t samples = 0;
        for (int k = 0; k < PD_FIT_QUALITY_ROWS; k++) { /* the types', then the kinds' */
            int is_kind = k >= PD_LAYER_TYPE_COUNT;
            const pd_linear_model *m = is_kind ? &p->kind[k - PD_LAYER_TYPE_COUNT] : &p->layer[k];
            if ((q[k].samples > 0) != m->present ||
                q[k].kind != (is_kind ? (pd_layer_kind)(k - PD_LAYER_TYPE_COUNT) : PD_KIND_NONE) ||
                (!is_kind && q[k].type != (pd_layer_type)k))
                abort();
            if (q[k].samples && (!(q[k].mape >= 0) || (q[k].samples >= 2 && isnan(q[k].cv_mape))))
                abort();
            samples += q[k].samples;
        }
        if (samples != t.n)
            abort();
        json_round_trip(p);
        pd_profile_free(p);
    }
    pd_timings_free(&t);
    return 0;
}
