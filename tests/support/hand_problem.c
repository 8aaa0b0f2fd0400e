/* The small problem the tests work out by hand (see hand_problem.h). */
#include "hand_problem.h"

#include <stdlib.h>
#include <string.h>

pd_problem *hand_problem(int load)
{
    pd_problem *pb;
    if (pd_problem_new(3, 2, 2, load, &pb, NULL))
        abort();
    const int32_t parent[] = {-1, 0, 0};
    const double compute[] = {10, 2, 4, 1, 6, 3}, bytes[] = {1000, 10, 20};
    memcpy(pb->out_bytes, bytes, sizeof bytes);
    memcpy(pb->compute_ms, compute, sizeof compute);
    pb->input_bytes = 100;
    pb->exit_layer[0] = 1;
    pb->exit_layer[1] = 2;
    pb->exit_accuracy[0] = 0.6;
    pb->exit_accuracy[1] = 0.8;
    if (pd_problem_set_parents(pb, parent, NULL))
        abort();
    pd_problem_set_links(pb, 8e6, 4e6, 1e9, 0.0, 0.0);
    if (load) {
        pb->load_fixed_ms[0] = 3.0;
        pb->load_fixed_ms[1] = 14.0;
        for (int i = 0; i < 3; i++)
            pb->load_ms[i * 2 + 1] = 0.1;
    }
    pd_distribution d = {.kind = PD_DIST_UNIFORM, .a = 0.5, .b = 0.9};
    if (pd_problem_set_demand(pb, &d, NULL))
        abort();
    return pb;
}
