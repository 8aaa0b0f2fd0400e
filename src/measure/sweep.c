/* The sweep: each layer type timed over a grid of shapes, one single-layer model each. */
#include <stdio.h>
#include <string.h>

#include "predoff/measure.h"

/* One grid point: the input shape and the layer's JSON fields. */
typedef struct sweep_point {
    int c, hw;
    char layer[160];
} sweep_point;

/* Calls fn for every point of the grid, in order; returns how many there are. */
static size_t grid(void (*fn)(void *ctx, const sweep_point *p), void *ctx)
{
    /* small and odd sizes too: real models have 5-filter layers and 17x17 maps */
    static const int conv_c[] = {1, 3, 8, 16, 32, 64, 96}, conv_hw[] = {7, 12, 17, 24, 32},
                     conv_f[] = {4, 10, 16, 32, 64, 96}, conv_k[] = {1, 3, 5};
    static const int fc_in[] = {64, 256, 720, 1024, 2048, 4096},
                     fc_out[] = {10, 32, 84, 128, 256, 512};
    static const int el_c[] = {16, 32, 64, 96}, el_hw[] = {4, 8, 16, 32};
    static const char *const elementwise[] = {"relu", "dropout", "lrn"};
    size_t n = 0;
    sweep_point p;
#define EMIT()                                                                                   \
    do {                                                                                         \
        if (fn)                                                                                  \
            fn(ctx, &p);                                                                         \
        n++;                                                                                     \
    } while (0)
#define COUNT(a) (sizeof a / sizeof a[0])
    for (size_t a = 0; a < COUNT(conv_c); a++)
        for (size_t b = 0; b < COUNT(conv_hw); b++)
            for (size_t f = 0; f < COUNT(conv_f); f++)
                for (size_t k = 0; k < COUNT(conv_k); k++)
                    for (int s = 1; s <= 2; s++) {
                        if (s == 2 && (conv_hw[b] < 12 || conv_k[k] == 1))
                            continue;
                        p.c = conv_c[a];
                        p.hw = conv_hw[b];
                        snprintf(p.layer, sizeof p.layer,
                                 "\"type\": \"conv\", \"filters\": %d, \"kernel\": %d, "
                                 "\"stride\": %d, \"pad\": %d",
                                 conv_f[f], conv_k[k], s, conv_k[k] / 2);
                        EMIT();
                    }
    for (size_t a = 0; a < COUNT(fc_in); a++)
        for (size_t b = 0; b < COUNT(fc_out); b++) {
            p.c = fc_in[a];
            p.hw = 1;
            snprintf(p.layer, sizeof p.layer, "\"type\": \"fc\", \"outputs\": %d", fc_out[b]);
            EMIT();
        }
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 1; b < 4; b++)
            for (int k = 2; k <= 3; k++)
                for (int m = 0; m < 2; m++) {
                    p.c = el_c[a];
                    p.hw = el_hw[b];
                    snprintf(p.layer, sizeof p.layer,
                             "\"type\": \"pool\", \"mode\": \"%s\", \"kernel\": %d, \"stride\": 2, "
                             "\"pad\": %d",
                             m ? "avg" : "max", k, k / 2);
                    EMIT();
                }
    for (size_t t = 0; t < 3; t++)
        for (size_t a = 0; a < 4; a++)
            for (size_t b = 0; b < 4; b++) {
                p.c = el_c[a];
                p.hw = el_hw[b];
                snprintf(p.layer, sizeof p.layer, "\"type\": \"%s\"", elementwise[t]);
                EMIT();
            }
#undef COUNT
#undef EMIT
    return n;
}

size_t pd_profile_sweep_size(void)
{
    return grid(NULL, NULL);
}

typedef struct sweep_ctx {
    const pd_profiler_options *o;
    pd_timings *out;
    pd_error *err;
    pd_status st;
    size_t done, total;
} sweep_ctx;

static void time_point(void *vctx, const sweep_point *p)
{
    sweep_ctx *ctx = vctx;
    if (ctx->st)
        return;
    char json[512];
    snprintf(json, sizeof json,
             "{\"name\": \"sweep\", \"input\": [%d, %d, %d], \"layers\": "
             "[{\"name\": \"l\", %s, \"exit\": true}]}",
             p->c, p->hw, p->hw, p->layer);
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_profiler_options one = *ctx->o;
    one.progress = NULL;
    ctx->st = pd_graph_from_json(json, strlen(json), "sweep", &g, ctx->err);
    if (!ctx->st)
        ctx->st = pd_weights_random(g, ctx->o->seed + ctx->done, &w, ctx->err);
    size_t first = ctx->out->n;
    if (!ctx->st)
        ctx->st = pd_profile_model(g, w, &one, ctx->out, ctx->err);
    if (!ctx->st) /* name the row after its shape so a reader can tell the points apart */
        for (size_t i = first; i < ctx->out->n; i++)
            snprintf(ctx->out->rows[i].layer, sizeof ctx->out->rows[i].layer, "%s-%zu",
                     pd_layer_type_name(g->layers[0].type), ctx->done);
    pd_weights_free(w);
    pd_graph_free(g);
    ctx->done++;
    if (!ctx->st && ctx->o->progress)
        ctx->o->progress(ctx->o->progress_ctx, ctx->done, ctx->total);
}

pd_status pd_profile_sweep(const pd_profiler_options *o, pd_timings *out, pd_error *err)
{
    sweep_ctx ctx = {o, out, err, PD_OK, 0, pd_profile_sweep_size()};
    grid(time_point, &ctx);
    return ctx.st;
}
