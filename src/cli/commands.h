/* The predoff subcommands: one table in main.c, one file each. */
#ifndef PD_CLI_COMMANDS_H
#define PD_CLI_COMMANDS_H

#include "args.h"

/* Exit statuses of the command contract (formats.md). */
enum { EXIT_OK = 0, EXIT_FAILURE_OTHER = 1, EXIT_BAD_INPUT = 2 };

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

int cmd_plan(const cli_parsed *p);
int cmd_eval(const cli_parsed *p);
int cmd_compare(const cli_parsed *p);
int cmd_experiment(const cli_parsed *p);
int cmd_run(const cli_parsed *p);
int cmd_profile(const cli_parsed *p);
int cmd_serve(const cli_parsed *p);
int cmd_infer(const cli_parsed *p);
int cmd_loadgen(const cli_parsed *p);
int cmd_keygen(const cli_parsed *p);
int cmd_models(const cli_parsed *p);
int cmd_show(const cli_parsed *p);
int cmd_profiles(const cli_parsed *p);
int cmd_solvers(const cli_parsed *p);
int cmd_fit(const cli_parsed *p);
int cmd_probe(const cli_parsed *p);
int cmd_train(const cli_parsed *p);
int cmd_accuracy(const cli_parsed *p);
int cmd_dataset_sample(const cli_parsed *p);
extern const cli_flag cmd_plan_flags[], cmd_eval_flags[], cmd_compare_flags[],
    cmd_experiment_flags[], cmd_fit_flags[], cmd_run_flags[], cmd_profile_flags[],
    cmd_serve_flags[], cmd_infer_flags[], cmd_loadgen_flags[], cmd_probe_flags[], cmd_keygen_flags[],
    cmd_train_flags[], cmd_accuracy_flags[], cmd_dataset_sample_flags[];

#endif
