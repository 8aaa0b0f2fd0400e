/* libFuzzer harness: the exit-accuracy file (pd_scenario_parse_accuracies), as `predoff
 * accuracy -o` writes it, read against the built-in b-lenet and b-alexnet-gray. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/scenario.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Opened once in LLVMFuzzerInitialize and read-only afterwards; freed at exit. */
static pd_graph *models[2];

static void release(void)
{
    pd_graph_free(models[0]);
    pd_graph_free(models[1]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pd_error err;
    pd_error_clear(&err);
    if (pd_graph_open("b-lenet", &models[0], &err) ||
        pd_graph_open("b-alexnet-gray", &models[1], &err)) {
        fprintf(stderr, "fuzz_accuracy: %s\n", err.msg);
        abort();
    }
    atexit(release);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int m = 0; m < 2; m++) {
        pd_scenario sc;
        pd_error err;
        pd_error_clear(&err);
        if (pd_scenario_init(&sc, &err))
            abort();
        pd_status st = pd_scenario_parse_accuracies(&sc, models[m], (const char *)data, size,
                                                    "fuzz.json", &err);
        if (st == PD_OK) { /* what it accepted is a full set of accuracies in [0, 1] */
            if (sc.n_exit_accuracy != models[m]->n_exits)
                abort();
            for (size_t k = 0; k < sc.n_exit_accuracy; k++)
                if (!(sc.exit_accuracy[k] >= 0.0 && sc.exit_accuracy[k] <= 1.0))
                    abort();
        } else if (!err.msg[0]) {
            abort(); /* a refusal always says why */
        }
        pd_scenario_free(&sc);
    }
    return 0;
}
