/* predoff compare: every solver on one scenario, side by side. */
#include <math.h>
#include <stdio.h>

#include "commands.h"
#include "report.h"
#include "setup.h"
#include "predoff/solve.h"

const cli_flag cmd_compare_flags[] = {
    CLI_SOLVER_FLAGS,
    {NULL, NULL, NULL},
};

int cmd_compare(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    pd_solve_options opt;
    const char *unused_solver = NULL, *unused_json = NULL;
    if (cli_solve_flags(p, &opt, &unused_solver, &unused_json, &err))
        return cli_fail(&err);
    cli_setup s;
    if (cli_setup_open(p, &s, &err))
        return cli_fail(&err);
    size_t n;
    const pd_solver *solvers = pd_solvers(&n);
    double exact = NAN;
    pd_solution sol;
    if (!pd_solve(pd_solver_find("exact"), s.pb, &opt, &sol, &err)) {
        exact = sol.objective_ms;
        pd_solution_free(&sol);
    }
    printf("model: %s (%zu layers, %zu exits)\n", s.g->name, s.g->n_layers, s.g->n_exits);
    report_scenario_line(stdout, &s.sc);
    printf("\n%-14s %16s %12s %14s\n", "solver", "expected (ms)", "vs exact", "solve (ms)");
    int status = EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        pd_error_clear(&err);
        if (pd_solve(&solvers[i], s.pb, &opt, &sol, &err)) {
            /* a solver that does not apply to this scenario is shown, not fatal */
            if (err.status != PD_ELIMIT && err.status != PD_EINPUT)
                status = cli_fail(&err);
            printf("%-14s n/a: %s\n", solvers[i].name, err.msg);
            continue;
        }
        printf("%-14s %16.3f %+11.2f%% %14.4f\n", solvers[i].name, sol.objective_ms,
               100.0 * (sol.objective_ms - exact) / exact, sol.solve_ms);
        pd_solution_free(&sol);
    }
    cli_setup_close(&s);
    return status;
}
