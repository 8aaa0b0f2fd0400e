/* libFuzzer harness: tier latency profiles (pd_profile_from_json), then every
 * linear model a parsed profile holds (the types', and the kinds' as the cost model picks
 * them), on one fixed feature vector. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "predoff/error.h"
#include "predoff/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const double features[PD_FEATURE_COUNT] = {
        [PD_FEAT_IN_ELEMS] = 3072.0,       [PD_FEAT_OUT_ELEMS] = 32768.0,
        [PD_FEAT_IN_BYTES] = 12288.0,      [PD_FEAT_OUT_BYTES] = 131072.0,
        [PD_FEAT_KERNEL_FILTERS] = 800.0,  [PD_FEAT_KERNEL_FILTERS_CHANNELS] = 2400.0,
        [PD_FEAT_MACS] = 2457600.0,        [PD_FEAT_WEIGHT_BYTES] = 9728.0,
        [PD_FEAT_MODEL_BYTES] = 1.5e6,     [PD_FEAT_RUNTIME_MACS] = 2097152.0,
        [PD_FEAT_TRANSFORM_ELEMS] = 98304.0,
    };
    _Static_assert(PD_FEATURE_COUNT == 11, "a value for every feature above");
    pd_error err;
    pd_error_clear(&err);
    pd_profile *p = NULL;
    pd_status st = pd_profile_from_json((const char *)data, size, "fuzz", &p, &err);
    if (st != PD_OK) {
        if (err.status != st || err.msg[0] == '\0' || p != NULL)
            abort();
        return 0;
    }
    if (!p || err.status != PD_OK)
        abort();
    volatile double sink = 0.0;
    for (int t = 0; t < PD_LAYER_TYPE_COUNT; t++)
        if (p->layer[t].present)
            sink += pd_linear_predict(&p->layer[t], features);
    if (p->kind[PD_KIND_NONE].present)
        abort(); /* a model of no kind */
    for (int k = PD_KIND_NONE + 1; k < PD_LAYER_KIND_COUNT; k++) {
        pd_layer_type t = pd_layer_kind_type((pd_layer_kind)k);
        const pd_linear_model *m = pd_profile_model_for(p, t, (pd_layer_kind)k);
        if (m != (p->kind[k].present ? &p->kind[k] : &p->layer[t]))
            abort(); /* a kind's model, else its type's */
        if (m->present)
            sink += pd_linear_predict(m, features);
    }
    if (p->load.present)
        sink += pd_linear_predict(&p->load, features);
    if (p->parse.present)
        sink += pd_linear_predict(&p->parse, features);
    (void)sink;
    pd_profile_free(p);
    return 0;
}
