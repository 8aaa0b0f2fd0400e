/* libFuzzer harness: the placement object of a plan (pd_placement_from_json),
 * read against the built-in b-alexnet and the default scenario, built once. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/objective.h"
#include "predoff/placement.h"
#include "predoff/scenario.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Built once in LLVMFuzzerInitialize and read-only afterwards; freed at exit. */
static pd_graph *model;
static pd_problem *problem;
static pd_slot *placement;

static void release(void)
{
    free(placement);
    pd_problem_free(problem);
    pd_graph_free(model);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pd_error err;
    pd_error_clear(&err);
    pd_scenario sc;
    if (pd_graph_open("b-alexnet", &model, &err) || pd_scenario_init(&sc, &err)) {
        fprintf(stderr, "fuzz_placement: %s\n", err.msg);
        abort();
    }
    pd_status st = pd_problem_build(model, &sc, &problem, &err);
    pd_scenario_free(&sc);
    if (st) {
        fprintf(stderr, "fuzz_placement: %s\n", err.msg);
        abort();
    }
    placement = calloc(model->n_layers, sizeof *placement);
    if (!placement) {
        fprintf(stderr, "fuzz_placement: out of memory\n");
        abort();
    }
    atexit(release);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_placement_from_json((const char *)data, size, "fuzz", model, problem,
                                          placement, &err);
    if (st != PD_OK) {
        if (err.status != st || err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (err.status != PD_OK)
        abort();
    /* every slot written is one of the problem's tiers */
    for (size_t i = 0; i < model->n_layers; i++)
        if ((int)placement[i] >= problem->n_tiers)
            abort();
    volatile double sink = pd_objective(problem, placement);
    (void)sink;
    return 0;
}
