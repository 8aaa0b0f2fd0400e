/* libFuzzer harness: tier latency profiles (pd_profile_from_json), then every
 * linear model a parsed profile holds (the types', and the kinds' as the cost model picks
 * them), on one fixed feature vector; every measured table (each layer found by its name
 * with its time, the times in range, a name it lacks not found), the profile against a fixed
 * model "fz" (coverage, and each layer's time: a measured one as it is), and the tables
 * written (pd_profile_write_json) and read back the same. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/measure.h"
#include "predoff/profile.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A model whose name and layer names the seeds' tables use: an opaque layer, then a relu
 * and an fc, one exit. */
static pd_graph *fz;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char json[] =
        "{\"name\": \"fz\", \"input\": [3, 8, 8], \"layers\": ["
        "{\"name\": \"a\", \"type\": \"opaque\", \"shape\": [4, 4, 4], \"macs\": 1000},"
        "{\"name\": \"b\", \"type\": \"relu\"},"
        "{\"name\": \"c\", \"type\": \"fc\", \"outputs\": 10, \"exit\": true}]}";
    pd_error err;
    if (pd_graph_from_json(json, sizeof json - 1, "fz", &fz, &err) != PD_OK)
        abort();
    return 0;
}

/* Each table's layers found by name with their times; a longer name not found. */
static void check_tables(const pd_profile *p)
{
    for (size_t m = 0; m < p->n_measured; m++) {
        const pd_measured_model *t = &p->measured[m];
        if (!t->model[0] || t->n == 0 || pd_profile_measured_for(p, t->model) != t)
            abort(); /* named, not empty, found first under its own name (each name once) */
        for (size_t i = 0; i < t->n; i++) {
            double ms = -1.0;
            const pd_measured_layer *l = &t->layer[i];
            if (!l->layer[0] || !(l->ms >= 0.0 && l->ms <= PD_MEASURED_MAX_MS) ||
                !pd_measured_find(t, l->layer, &ms) || ms != l->ms)
                abort();
            if (i > 0 && strcmp(t->layer[t->by_name[i - 1]].layer,
                                t->layer[t->by_name[i]].layer) >= 0)
                abort(); /* sorted, each name once */
        }
        char longer[PD_MEASURED_MAX_NAME + 2]; /* a name found exactly when listed */
        snprintf(longer, sizeof longer, "%s\x7f", t->layer[0].layer);
        bool listed = false;
        for (size_t i = 0; i < t->n; i++)
            listed |= strcmp(t->layer[i].layer, longer) == 0;
        double ms;
        if (pd_measured_find(t, longer, &ms) != listed)
            abort();
    }
}

/* Coverage of fz and each of its layers' times: a measured time exactly, else a prediction
 * at 0 or more. */
static void check_model(const pd_profile *p)
{
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_profile_covers(p, fz, &err);
    if ((st != PD_OK) != (err.status != PD_OK) || (st && !err.msg[0]))
        abort();
    if (st)
        return;
    for (size_t i = 0; i < fz->n_layers; i++) {
        double ms, t = pd_profile_layer_ms(p, fz, i);
        if (pd_profile_measured_ms(p, fz, i, &ms) ? t != ms : !(t >= 0.0))
            abort();
    }
}

/* Written and read back: the same tables, in the same order, to the bit. */
static void check_round_trip(const pd_profile *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    pd_error err;
    pd_status st = pd_profile_write_json(p, f, &err);
    if (fclose(f) != 0 || st) { /* a model the writer refuses (1e12 bounds alike): not here */
        free(buf);
        return;
    }
    pd_profile *back = NULL;
    if (pd_profile_from_json(buf, len, "back", &back, &err) != PD_OK)
        abort();
    if (back->n_measured != p->n_measured)
        abort();
    for (size_t m = 0; m < p->n_measured; m++) {
        const pd_measured_model *a = &p->measured[m], *b = &back->measured[m];
        if (strcmp(a->model, b->model) != 0 || a->n != b->n)
            abort();
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->layer[i].layer, b->layer[i].layer) != 0 || a->layer[i].ms != b->layer[i].ms)
                abort();
    }
    pd_profile_free(back);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const double features[PD_FEATURE_COUNT] = {
        [PD_FEAT_IN_ELEMS] = 3072.0,       [PD_FEAT_OUT_ELEMS] = 32768.0,
        [PD_FEAT_IN_BYTES] = 12288.0,      [PD_FEAT_OUT_BYTES] = 131072.0,
        [PD_FEAT_KERNEL_FILTERS] = 800.0,  [PD_FEAT_KERNEL_FILTERS_CHANNELS] = 2400.0,
        [PD_FEAT_MACS] = 2457600.0,        [PD_FEAT_WEIGHT_BYTES] = 9728.0,
        [PD_FEAT_MODEL_BYTES] = 1.5e6,     [PD_FEAT_RUNTIME_MACS] = 2097152.0,
        [PD_FEAT_TRANSFORM_ELEMS] = 98304.0, [PD_FEAT_FUSED_ACT_ELEMS] = 32768.0,
        [PD_FEAT_RUN_BYTES] = 2.0e6,       [PD_FEAT_FUSED_EXP_ELEMS] = 16384.0,
        [PD_FEAT_RUN_MS] = 3.0,
    };
    _Static_assert(PD_FEATURE_COUNT == 15, "a value for every feature above");
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
    check_tables(p);
    check_model(p);
    check_round_trip(p);
    pd_profile_free(p);
    return 0;
}
