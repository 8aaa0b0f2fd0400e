/* predoff: the command table and its dispatch. Each command lives in its own file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "safe_name.h"
#include "scenario_flags.h"

static const cli_command commands[] = {
    {"plan", "MODEL [scenario flags] [--solver NAME] [--json FILE]",
     "place each layer on mobile, edge or cloud for the lowest expected latency",
     cli_cmd_plan_flags, 1, cli_cmd_plan},
    {"eval", "MODEL --placement PLAN.json [scenario flags] [--json FILE]",
     "evaluate a given placement under a scenario", cli_cmd_eval_flags, 1, cli_cmd_eval},
    {"compare", "MODEL [scenario flags]",
     "plan with every solver and print their expected latencies side by side",
     cli_cmd_compare_flags, 1, cli_cmd_compare},
    {"experiment",
     "paper|fmnist|dag [--model MODEL] [--accuracy-from ACC.json] [--models DIR] "
     "[scenario flags] [--out DIR] [--runs N] [--points N]",
     "paper: the paper's section-5 experiment (every solver, 20 GA runs, a bandwidth sweep, "
     "pictures); fmnist: the same with measured exit accuracies and a demand centred among "
     "them; dag: six ONNX architectures, every solver, 0.1 to 1000 Mbps, two and three tiers",
     cli_cmd_experiment_flags, 1, cli_cmd_experiment},
    {"fit", "PROFILE.csv [--features paper|macs|auto] [--model linear|boosted|auto] [--folds K] "
            "[--name NAME] [--report FIT.json] -o TIER.json",
     "fit a tier profile (a linear model, or boosted trees, per layer type) to measured layer "
     "times",
     cli_cmd_fit_flags, 0, cli_cmd_fit},
    {"timings", "SHAPES.csv... -o TIMINGS.csv [--test-share P --test-out TEST.csv] [--seed N]",
     "layer times measured elsewhere (type, shape columns, median_ms) as the timings CSV that "
     "fit reads, predoff's features added",
     cli_cmd_timings_flags, 0, cli_cmd_timings},
    {"run", "MODEL --weights W.safetensors --input X.npy (--exit NAME | --accuracy A [--accuracy-from ACC.json]) [-o OUT.npy]",
     "run inputs through the model to an exit: top class, probability, entropy, time",
     cli_cmd_run_flags, 0, cli_cmd_run},
    {"profile", "MODEL... [--weights W | --random-weights SEED] [--repeat N] [--rounds R] [--sweep [--adaptive --budget MINUTES]] -o PROFILE.csv",
     "time every layer (and, with --sweep, a grid of shapes per layer type) into a CSV",
     cli_cmd_profile_flags, 0, cli_cmd_profile},
    {"serve", "MODEL --tier edge|cloud --listen ENDPOINT --plan PLAN.json [--cloud ENDPOINT]",
     "run the edge's or the cloud's share of a plan for mobile clients (ZeroMQ)",
     cli_cmd_serve_flags, 0, cli_cmd_serve},
    {"infer", "MODEL --plan PLAN.json --server ENDPOINT --input X.npy (--accuracy A | --exit NAME)",
     "one input from the mobile through the plan's tiers: the answer, times, the prediction",
     cli_cmd_infer_flags, 0, cli_cmd_infer},
    {"loadgen", "MODEL --plan PLAN.json --server ENDPOINT (--requests N | --duration S) [--clients N]",
     "many requests through the plan's tiers: throughput, percentiles, measured vs predicted",
     cli_cmd_loadgen_flags, 0, cli_cmd_loadgen},
    {"probe", "--server ENDPOINT [--sizes F1,F2,..] [--repeat N] [--json FILE]",
     "measure the link to a running server: per-hop delay and rate for plan's flags",
     cli_cmd_probe_flags, 0, cli_cmd_probe},
    {"train", "MODEL --data DIR [--epochs N] [--batch B] [--lr X] [--checkpoint FILE [--resume]] -o W.safetensors",
     "train every exit jointly (BranchyNet) on an IDX data set, with exact-resume checkpoints",
     cli_cmd_train_flags, 0, cli_cmd_train},
    {"accuracy", "MODEL --weights W.safetensors --data DIR [--split test|train] [-o ACC.json]",
     "each exit's accuracy on a data set, and BranchyNet's entropy-threshold exits",
     cli_cmd_accuracy_flags, 0, cli_cmd_accuracy},
    {"dataset-sample", "MODEL --data DIR --index I [--count N] [--weights W] -o X.npy",
     "images of a data set as a network input (.npy), normalised as W's metadata says",
     cli_cmd_dataset_sample_flags, 0, cli_cmd_dataset_sample},
    {"import", "X.onnx -o M.json --weights-out W.safetensors",
     "an ONNX model as predoff's JSON model description and safetensors weights",
     cli_cmd_import_flags, 0, cli_cmd_import},
    {"keygen", "NAME [--force]", "a CURVE key pair for a server or a client: NAME.key and NAME.pub",
     cli_cmd_keygen_flags, 0, cli_cmd_keygen},
    {"models", "[--sweep-net K]", "list the built-in models (or print one of the sweep's networks)",
     cli_cmd_models_flags, 0, cli_cmd_models},
    {"show", "MODEL", "print each layer: shapes, features, MACs, bytes, exits using it", NULL, 0,
     cli_cmd_show},
    {"profiles", "", "list the built-in tier profiles", NULL, 0, cli_cmd_profiles},
    {"solvers", "", "list the solvers", NULL, 0, cli_cmd_solvers},
};

int cli_fail(const pd_error *err)
{
    char msg[4 * PD_ERROR_MSG_MAX]; /* messages quote names from models and files */
    fprintf(stderr, "predoff: %s\n", err->msg[0] ? cli_safe_name(err->msg, msg, sizeof msg) : "failed");
    return err->status == PD_EINPUT || err->status == PD_ELIMIT ? CLI_EXIT_BAD_INPUT
                                                                 : CLI_EXIT_FAILURE_OTHER;
}

void cli_usage(FILE *f, const cli_command *c)
{
    fprintf(f, "usage: predoff %s %s\n  %s\n", c->name, c->usage, c->summary);
    if (c->flags) {
        fprintf(f, "\nflags:\n");
        cli_print_flags(f, c->flags);
    }
    if (c->uses_scenario) {
        fprintf(f, "\nscenario flags (defaults: the paper's section-5 scenario):\n");
        cli_print_flags(f, cli_scenario_flags);
    }
}

static void usage(FILE *f)
{
    fprintf(f, "predoff: plan, evaluate and run the offloading of multi-exit DNNs (Pre-DNNOff)\n\n"
               "usage: predoff COMMAND [ARGS]   (predoff COMMAND --help for its flags)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
}

/* Every command's standard output is checked here, once: a report lost to a full disk or a
 * closed pipe is a failure (exit 1, one line), not a success. */
static int finish(int status)
{
    int flushed = fflush(stdout) == 0;
    int saved = errno;
    if (flushed && !ferror(stdout))
        return status;
    if (status == CLI_EXIT_OK) {
        fprintf(stderr, "predoff: standard output: write failed%s%s\n", flushed ? "" : ": ",
                flushed ? "" : strerror(saved));
        return CLI_EXIT_FAILURE_OTHER;
    }
    return status; /* the command's own failure, already reported */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_BAD_INPUT;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return finish(CLI_EXIT_OK);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const cli_command *c = &commands[i];
        if (strcmp(argv[1], c->name) != 0)
            continue;
        cli_parsed p;
        pd_error err;
        pd_error_clear(&err);
        if (cli_parse(argc - 2, argv + 2, c->flags, c->uses_scenario ? cli_scenario_flags : NULL,
                      &p, &err)) {
            int status = cli_fail(&err);
            fprintf(stderr, "usage: predoff %s %s\n", c->name, c->usage);
            return status;
        }
        if (p.help) {
            cli_usage(stdout, c);
            return finish(CLI_EXIT_OK);
        }
        return finish(c->run(&p));
    }
    fprintf(stderr, "predoff: unknown command \"%s\" (predoff --help lists them)\n", argv[1]);
    return CLI_EXIT_BAD_INPUT;
}
