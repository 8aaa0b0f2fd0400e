/* Model + scenario flags -> problem, shared by plan, eval and compare. */
#include "setup.h"

#include <string.h>

#include "scenario_flags.h"
#include "predoff/onnx.h"
#include "predoff/runtime.h"
#include "predoff/solve.h"

pd_status cli_setup_open(const cli_parsed *p, cli_setup *s, pd_error *err)
{
    memset(s, 0, sizeof *s);
    if (p->n_pos != 1)
        return pd_error_set(err, PD_EINPUT,
                            "expected one MODEL (a built-in name or a JSON file), got %zu arguments",
                            p->n_pos);
    return cli_setup_model(p, p->pos[0], s, err);
}

/* --accuracy-from needs the model, so it is applied here rather than with the other
 * scenario flags; it and --exit-accuracy exclude each other. Without either, a model any
 * of whose exits lacks an accuracy takes, for all its exits, the measured ones the
 * repository ships under its name, if any (models/accuracy/MODEL.json, compiled in). */
static pd_status apply_accuracy_from(const cli_parsed *p, cli_setup *s, pd_error *err)
{
    const char *from = NULL;
    int exit_accuracy = 0;
    for (size_t i = 0; i < p->n_opts; i++) {
        if (cli_is(&p->opts[i], "--accuracy-from"))
            from = p->opts[i].value;
        exit_accuracy |= cli_is(&p->opts[i], "--exit-accuracy");
    }
    if (!from)
        return exit_accuracy ? PD_OK : pd_scenario_default_accuracies(&s->sc, s->g, err);
    if (exit_accuracy)
        return pd_error_set(err, PD_EINPUT, "give --exit-accuracy or --accuracy-from %s, not both",
                            from);
    return pd_scenario_read_accuracies(&s->sc, s->g, from, err);
}

pd_status cli_setup_begin(const cli_parsed *p, const char *model, cli_setup *s, pd_error *err)
{
    memset(s, 0, sizeof *s);
    pd_status st = pd_model_open(model, &s->g, NULL, err);
    if (!st) /* the engine's features: profiles may read them */
        st = pd_graph_set_feature_hook(s->g, &pd_runtime_hook, err);
    if (!st) {
        st = cli_scenario_build(p, &s->sc, err);
        if (st)
            memset(&s->sc, 0, sizeof s->sc); /* freed by the builder */
        if (!st)
            st = apply_accuracy_from(p, s, err);
    }
    if (st)
        cli_setup_close(s);
    return st;
}

pd_status cli_setup_finish(cli_setup *s, pd_error *err)
{
    pd_status st = pd_problem_build(s->g, &s->sc, &s->pb, err);
    if (st)
        cli_setup_close(s);
    return st;
}

pd_status cli_setup_model(const cli_parsed *p, const char *model, cli_setup *s, pd_error *err)
{
    pd_status st = cli_setup_begin(p, model, s, err);
    return st ? st : cli_setup_finish(s, err);
}

void cli_setup_close(cli_setup *s)
{
    pd_problem_free(s->pb);
    pd_scenario_free(&s->sc);
    pd_graph_free(s->g);
    memset(s, 0, sizeof *s);
}

/* Applies the solver flags of plan and compare; sets *solver_name if --solver is given. */
pd_status cli_solve_flags(const cli_parsed *p, pd_solve_options *opt, const char **solver_name,
                             const char **json, pd_error *err)
{
    pd_solve_options_init(opt);
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        if (cli_is(o, "--solver"))
            *solver_name = o->value;
        else if (cli_is(o, "--json"))
            *json = o->value;
        else if (cli_is(o, "--seed")) {
            unsigned long long seed;
            if (cli_u64("--seed", o->value, &seed, err))
                return PD_EINPUT;
            opt->seed = seed;
        } else if (cli_is(o, "--max-placements")) {
            if (cli_real("--max-placements", o->value, 1.0, 1e15, &opt->max_placements, err))
                return PD_EINPUT;
        } else if (cli_is(o, "--deadline")) {
            if (cli_real("--deadline", o->value, 1e-9, 1e12, &opt->deadline_ms, err))
                return PD_EINPUT;
        } else if (cli_is(o, "--crossover")) {
            if (cli_real("--crossover", o->value, 0.0, 1.0, &opt->ga.crossover, err))
                return PD_EINPUT;
        } else if (cli_is(o, "--mutation")) {
            if (cli_real("--mutation", o->value, 0.0, 1.0, &opt->ga.mutation, err))
                return PD_EINPUT;
        } else if (cli_is(o, "--scaling")) {
            if (cli_real("--scaling", o->value, 1.0, 100.0, &opt->ga.scaling, err))
                return PD_EINPUT;
        } else {
            size_t *target = cli_is(o, "--population")    ? &opt->ga.population
                             : cli_is(o, "--generations") ? &opt->ga.generations
                             : cli_is(o, "--elitism")     ? &opt->ga.elitism
                                                          : NULL;
            unsigned long long v;
            if (target) {
                if (cli_u64(o->flag->name, o->value, &v, err))
                    return PD_EINPUT;
                if (v > 1000000)
                    return pd_error_set(err, PD_EINPUT, "%s: %llu is more than 1000000",
                                        o->flag->name, v);
                *target = (size_t)v;
            }
        }
    }
    return pd_ga_params_check(&opt->ga, err);
}

