/* libFuzzer harness: an XGBoost JSON model file as a boosted profile entry over four
 * columns reads it: the size and form check (pd_boosted_check, cJSON), and when that passes
 * XGBoost's own loader and a prediction of three fixed layers (each time finite or +inf
 * when the leaves say so, never NaN or below 0); the model written again by XGBoost and
 * read back predicts the same. A check that refuses the text must leave XGBoost unloaded. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cost/boosted.h"
#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* in_elems, out_elems, macs, channels: the seeds' models read these, in this order. */
static const int cols[] = {PD_FEAT_IN_ELEMS, PD_FEAT_OUT_ELEMS, PD_FEAT_MACS,
                           PD_FEATURE_COUNT + PD_SHAPE_CHANNELS};
static const double rows[3][4] = {
    {3072, 32768, 2457600, 3}, {1e6, 1e6, 0, 64}, {0, 0, 0, 0}};

static void predict3(const pd_boosted *b, double out[3])
{
    pd_error err;
    if (pd_boosted_predict(b, &rows[0][0], 3, out, &err) != PD_OK)
        abort(); /* a checked model XGBoost loaded predicts */
    for (int i = 0; i < 3; i++)
        if (!(out[i] >= 0.0))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    pd_error err;
    pd_error_clear(&err);
    bool checked = pd_boosted_check(text, size, cols, 4, &err) == PD_OK;
    for (int log = 0; log < 3; log++) {
        pd_boosted *b = NULL;
        /* ms; log ms per mac; log ms over a linear base of two columns, floored */
        pd_boosted_target target = {.log = log >= 1, .per = log == 1 ? 2 : -1};
        if (log == 2)
            target = (pd_boosted_target){.log = true, .per = -1, .n_base = 2,
                                         .base_col = {2, 0}, .base_coef = {1e-6, 2e-5},
                                         .base_intercept = -0.01, .base_min_ms = 1e-3};
        pd_status st = pd_boosted_from_text(text, size, cols, 4, target, "f.xgb.json", &b, &err);
        if (st != PD_OK) {
            if (b || !err.msg[0] || err.status != st)
                abort();
            continue; /* refused by the check, or by XGBoost after it */
        }
        if (!checked)
            abort(); /* XGBoost saw text the check refused */
        double a[3], c[3];
        predict3(b, a);
        char *again;
        size_t len;
        if (pd_boosted_save_json(b, &again, &len, &err) != PD_OK)
            abort();
        pd_boosted *back = NULL;
        if (pd_boosted_from_text(again, len, cols, 4, target, NULL, &back, &err) != PD_OK)
            abort(); /* what XGBoost writes, the check and XGBoost read back */
        predict3(back, c);
        for (int i = 0; i < 3; i++)
            if (a[i] != c[i])
                abort();
        free(again);
        pd_boosted_free(back);
        pd_boosted_free(b);
    }
    return 0;
}
