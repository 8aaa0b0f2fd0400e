/* predoff plan: solve for a placement and report it. */
#include <string.h>

#include "commands.h"
#include "report.h"
#include "setup.h"
#include "predoff/solve.h"

const cli_flag cli_cmd_plan_flags[] = {
    {"--solver", "NAME",
     "exact (default), ga, brute, edgent, neurosurgeon, dads, mobile, edge, cloud"},
    {"--json", "FILE", "also write the plan as JSON (\"-\": standard output, no report)"},
    CLI_SOLVER_FLAGS,
    {NULL, NULL, NULL},
};

int cli_cmd_plan(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    pd_solve_options opt;
    const char *solver_name = "exact", *json = NULL;
    if (cli_solve_flags(p, &opt, &solver_name, &json, &err))
        return cli_fail(&err);
    const pd_solver *solver = pd_solver_find(solver_name);
    if (!solver) {
        pd_error_set(&err, PD_EINPUT, "--solver: unknown solver \"%s\" (predoff solvers lists them)",
                     solver_name);
        return cli_fail(&err);
    }
    cli_setup s;
    if (cli_setup_open(p, &s, &err))
        return cli_fail(&err);
    pd_solution sol;
    pd_evaluation ev = {0};
    int status = CLI_EXIT_OK;
    if (pd_solve(solver, s.pb, &opt, &sol, &err)) {
        status = cli_fail(&err);
    } else {
        if (pd_evaluate(s.pb, sol.placement, &ev, &err)) {
            status = cli_fail(&err);
        } else {
            pd_plan plan;
            pd_plan_ga ga;
            pd_plan_init(&plan, s.g, &s.sc, s.pb, solver->name, sol.placement, &ev);
            pd_plan_from_solution(&plan, &sol, &opt, &ga);
            if (!json || strcmp(json, "-") != 0)
                cli_report_text(stdout, &plan, &opt);
            if (json && pd_plan_write(&plan, json, &err))
                status = cli_fail(&err);
        }
        pd_evaluation_free(&ev);
        pd_solution_free(&sol);
    }
    cli_setup_close(&s);
    return status;
}
