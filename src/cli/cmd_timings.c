/* predoff timings: layer times measured elsewhere (shape columns and times) made into the
 * timings CSV that `predoff fit` reads, with an optional held-out share. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "timings_file.h"
#include "predoff/measure.h"

const cli_flag cli_cmd_timings_flags[] = {
    {"-o", "TIMINGS.csv", "where the completed timings go (required)"},
    {"--test-share", "P", "move a share P in [0, 1] of the rows, drawn at random, to --test-out"},
    {"--test-out", "TEST.csv", "where the held-out rows go (with --test-share; for fit --test)"},
    {"--seed", "N", "the draw of the held-out rows (default 1)"},
    {NULL, NULL, NULL},
};

typedef struct timings_args {
    const char *out, *test_out;
    double share;
    unsigned long long seed;
} timings_args;

static pd_status read_args(const cli_parsed *p, timings_args *a, pd_error *err)
{
    *a = (timings_args){.share = -1.0, .seed = 1};
    if (p->n_pos < 1)
        return pd_error_set(err, PD_EINPUT, "timings takes one or more SHAPES.csv");
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        pd_status st = PD_OK;
        if (cli_is(o, "-o"))
            a->out = o->value;
        else if (cli_is(o, "--test-out"))
            a->test_out = o->value;
        else if (cli_is(o, "--test-share"))
            st = cli_real("--test-share", o->value, 0, 1, &a->share, err);
        else if (cli_is(o, "--seed"))
            st = cli_u64("--seed", o->value, &a->seed, err);
        if (st)
            return st;
    }
    if (!a->out)
        return pd_error_set(err, PD_EINPUT, "-o TIMINGS.csv is required");
    if ((a->share >= 0) != (a->test_out != NULL))
        return pd_error_set(err, PD_EINPUT, "--test-share and --test-out go together");
    if (a->test_out && strcmp(a->test_out, a->out) == 0)
        return pd_error_set(err, PD_EINPUT, "--test-out and -o name the same file");
    return PD_OK;
}

/* The rows of one file, completed, appended to t. */
static pd_status read_one(const char *path, pd_timings *t, pd_error *err)
{
    pd_timings one = {0};
    pd_status st = pd_timings_read_shapes_csv(path, &one, err);
    if (!st && (st = pd_timings_complete(&one, err)))
        pd_error_prefix(err, path);
    for (size_t i = 0; !st && i < one.n; i++)
        st = pd_timings_add(t, &one.rows[i], err);
    pd_timings_free(&one);
    return st;
}

int cli_cmd_timings(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    timings_args a;
    if (read_args(p, &a, &err))
        return cli_fail(&err);
    pd_timings t = {0}, test = {0};
    pd_status st = PD_OK;
    for (size_t i = 0; !st && i < p->n_pos; i++)
        st = read_one(p->pos[i], &t, &err);
    if (!st && a.test_out)
        st = pd_timings_split(&t, a.share, (uint64_t)a.seed, &test, &err);
    if (!st)
        st = cli_write_timings(a.out, &t, &err);
    if (!st && a.test_out)
        st = cli_write_timings(a.test_out, &test, &err);
    if (!st) {
        printf("%zu timings from %zu file%s -> %s", t.n + test.n, p->n_pos,
               p->n_pos == 1 ? "" : "s", a.out);
        if (a.test_out)
            printf(" (%zu), %zu held out (seed %llu) -> %s", t.n, test.n, a.seed, a.test_out);
        printf("\n");
    }
    pd_timings_free(&t);
    pd_timings_free(&test);
    return st ? cli_fail(&err) : CLI_EXIT_OK;
}
