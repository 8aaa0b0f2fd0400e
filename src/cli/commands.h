/* The predoff subcommands: one table in main.c, one file each. */
#ifndef PD_CLI_COMMANDS_H
#define PD_CLI_COMMANDS_H

#include "args.h"

/* Exit statuses of the command contract (formats.md). */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE_OTHER = 1, CLI_EXIT_BAD_INPUT = 2 };

typedef struct cli_command {
    const char *name;
    const char *usage;   /* after "predoff NAME " */
    const char *summary;
    const cli_flag *flags; /* the command's own flags, or NULL */
    int uses_scenario;     /* takes the scenario flags too */
    int (*run)(const cli_parsed *p);
} cli_command;

/* Prints err to standard error and returns the exit status it calls for. */
int cli_fail(const pd_error *err);
/* Prints usage and flags of a command. */
void cli_usage(FILE *f, const cli_command *c);

int cli_cmd_plan(const cli_parsed *p);
int cli_cmd_eval(const cli_parsed *p);
int cli_cmd_compare(const cli_parsed *p);
int cli_cmd_experiment(const cli_parsed *p);
int cli_cmd_run(const cli_parsed *p);
int cli_cmd_profile(const cli_parsed *p);
int cli_cmd_serve(const cli_parsed *p);
int cli_cmd_infer(const cli_parsed *p);
int cli_cmd_loadgen(const cli_parsed *p);
int cli_cmd_keygen(const cli_parsed *p);
int cli_cmd_models(const cli_parsed *p);
int cli_cmd_show(const cli_parsed *p);
int cli_cmd_profiles(const cli_parsed *p);
int cli_cmd_solvers(const cli_parsed *p);
int cli_cmd_fit(const cli_parsed *p);
int cli_cmd_timings(const cli_parsed *p);
int cli_cmd_probe(const cli_parsed *p);
int cli_cmd_train(const cli_parsed *p);
int cli_cmd_import(const cli_parsed *p);
int cli_cmd_accuracy(const cli_parsed *p);
int cli_cmd_dataset_sample(const cli_parsed *p);
extern const cli_flag cli_cmd_plan_flags[], cli_cmd_eval_flags[], cli_cmd_compare_flags[],
    cli_cmd_experiment_flags[], cli_cmd_fit_flags[], cli_cmd_timings_flags[], cli_cmd_run_flags[], cli_cmd_profile_flags[],
    cli_cmd_serve_flags[], cli_cmd_infer_flags[], cli_cmd_loadgen_flags[], cli_cmd_probe_flags[],
    cli_cmd_keygen_flags[], cli_cmd_train_flags[], cli_cmd_accuracy_flags[],
    cli_cmd_dataset_sample_flags[], cli_cmd_import_flags[], cli_cmd_models_flags[];

#endif
