/* predoff compare: every solver on one scenario, side by side. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "safe_name.h"
#include "commands.h"
#include "report.h"
#include "setup.h"
#include "predoff/study.h"

const cli_flag cli_cmd_compare_flags[] = {
    {"--repeats", "N", "time each solver N times and report the median (default 5)"},
    CLI_SOLVER_FLAGS,
    {NULL, NULL, NULL},
};

int cli_cmd_compare(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    pd_solve_options opt;
    const char *unused_solver = NULL, *unused_json = NULL;
    if (cli_solve_flags(p, &opt, &unused_solver, &unused_json, &err))
        return cli_fail(&err);
    double repeats = 5;
    for (size_t i = 0; i < p->n_opts; i++)
        if (cli_is(&p->opts[i], "--repeats") &&
            cli_real("--repeats", p->opts[i].value, 1, 1000, &repeats, &err))
            return cli_fail(&err);
    cli_setup s;
    if (cli_setup_open(p, &s, &err))
        return cli_fail(&err);
    size_t n;
    pd_solvers(&n);
    pd_solver_result *r = malloc(n * sizeof *r);
    int status = CLI_EXIT_OK;
    if (!r || pd_compare_solvers(s.pb, &opt, (size_t)repeats, r, &err)) {
        if (!r)
            pd_error_set(&err, PD_ENOMEM, "out of memory");
        status = cli_fail(&err);
    } else {
        char nb[CLI_NAME_BUF];
        printf("model: %s (%zu layers, %zu exits)\n", cli_safe_name(s.g->name, nb, sizeof nb), s.g->n_layers,
               s.g->n_exits);
        cli_report_scenario_line(stdout, &s.sc);
        cli_report_measured_line(stdout, &s.sc, s.g);
        printf("\n");
        cli_report_comparison(stdout, s.g, s.pb, r, n, "exact");
    }
    free(r);
    cli_setup_close(&s);
    return status;
}
