/* predoff eval: the expected latency of a given placement. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/file.h"
#include "predoff/placement.h"
#include "report.h"
#include "safe_name.h"
#include "setup.h"

const cli_flag cli_cmd_eval_flags[] = {
    {"--placement", "PLAN.json", "plan file whose \"placement\" object is evaluated (required)"},
    {"--json", "FILE", "also write the result as plan JSON (\"-\": standard output, no report)"},
    {NULL, NULL, NULL},
};

/* The error for a placement that puts a pinned layer elsewhere. */
static pd_status pin_broken(const cli_setup *s, const char *path, size_t layer, pd_slot at,
                            pd_error *err)
{
    char nb[CLI_NAME_BUF];
    return pd_error_set(err, PD_EINPUT,
                        "%s: the placement puts layer \"%s\" on the %s; --pin puts it on the %s",
                        path, cli_safe_name(s->g->layers[layer].name, nb, sizeof nb),
                        pd_tier_name(s->pb->tier[at]),
                        pd_tier_name(s->pb->tier[s->pb->pin[layer]]));
}

int cli_cmd_eval(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    const char *plan_path = NULL, *json = NULL;
    for (size_t i = 0; i < p->n_opts; i++) {
        if (cli_is(&p->opts[i], "--placement"))
            plan_path = p->opts[i].value;
        else if (cli_is(&p->opts[i], "--json"))
            json = p->opts[i].value;
    }
    if (!plan_path) {
        pd_error_set(&err, PD_EINPUT, "eval needs --placement PLAN.json");
        return cli_fail(&err);
    }
    cli_setup s;
    if (cli_setup_open(p, &s, &err))
        return cli_fail(&err);
    char *text = NULL;
    size_t len = 0;
    pd_slot *placement = calloc(s.g->n_layers, sizeof *placement);
    pd_evaluation ev = {0};
    int status = CLI_EXIT_OK;
    if (!placement)
        pd_error_set(&err, PD_ENOMEM, "out of memory");
    size_t broken;
    if (!placement || pd_read_file(plan_path, PD_MAX_TEXT_FILE, &text, &len, &err) ||
        pd_placement_from_json(text, len, plan_path, s.g, s.pb, placement, &err) ||
        (!pd_problem_pins_kept(s.pb, placement, &broken) &&
         pin_broken(&s, plan_path, broken, placement[broken], &err)) ||
        pd_evaluate(s.pb, placement, &ev, &err)) {
        status = cli_fail(&err);
    } else {
        pd_plan plan;
        pd_plan_init(&plan, s.g, &s.sc, s.pb, "eval", placement, &ev);
        if (!json || strcmp(json, "-") != 0)
            cli_report_text(stdout, &plan, NULL);
        if (json && pd_plan_write(&plan, json, &err))
            status = cli_fail(&err);
    }
    pd_evaluation_free(&ev);
    free(text);
    free(placement);
    cli_setup_close(&s);
    return status;
}
