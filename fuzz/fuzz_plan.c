/* libFuzzer harness: a plan file as the split runtime reads it (src/wire/deploy.c): the
 * placement as tiers and the exits' predictions and accuracies, against b-lenet. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "predoff/deploy.h"

static pd_deployment *d;

static void close_deployment(void)
{
    pd_deployment_free(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[] = "/tmp/pd-fuzz-plan-XXXXXX";
    int fd = mkstemp(path);
    pd_graph *g;
    if (fd < 0 || pd_graph_open("b-lenet", &g, NULL))
        abort();
    FILE *f = fdopen(fd, "w");
    fprintf(f, "{\"placement\": {");
    for (size_t i = 0; i < g->n_layers; i++)
        fprintf(f, "%s\"%s\": \"edge\"", i ? ", " : "", g->layers[i].name);
    fprintf(f, "}}");
    fclose(f);
    pd_graph_free(g);
    if (pd_deployment_open("b-lenet", NULL, 1, path, 1, &d, NULL))
        abort();
    unlink(path);
    atexit(close_deployment);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_deployment_read_plan(d, (const char *)data, size, "plan.json", &err);
    if (st && (err.status != st || !err.msg[0]))
        abort(); /* a failure must say why */
    if (!st)
        for (size_t k = 0; k < d->g->n_exits; k++)
            (void)pd_deployment_tier_at(d, (uint32_t)k, 0);
    return 0;
}
