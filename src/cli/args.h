/* Command-line flags as tables, so parsing and --help cannot drift apart. */
#ifndef PD_CLI_ARGS_H
#define PD_CLI_ARGS_H

#include <stddef.h>
#include <stdio.h>

#include "predoff/error.h"

typedef struct cli_flag {
    const char *name;  /* "--solver" */
    const char *arg;   /* "NAME", or NULL for a flag without a value */
    const char *help;
} cli_flag;

typedef struct cli_opt {
    const cli_flag *flag;
    const char *value; /* NULL for flags without a value */
} cli_opt;

enum { CLI_MAX_ARGS = 256 };

typedef struct cli_parsed {
    size_t n_opts, n_pos;
    cli_opt opts[CLI_MAX_ARGS];
    const char *pos[CLI_MAX_ARGS];
    int help;
} cli_parsed;

/* Parses argv (after the command name) against up to two flag tables, each
 * ended by an entry with a NULL name. "--flag value" and "--flag=value" work. */
pd_status cli_parse(int argc, char **argv, const cli_flag *a, const cli_flag *b, cli_parsed *out,
                    pd_error *err);
/* Prints one table's flags for --help. */
void cli_print_flags(FILE *f, const cli_flag *flags);
/* Whether opt is the flag with that name. */
int cli_is(const cli_opt *opt, const char *name);

/* Strict number parsing: the whole text, finite, within [min, max]. */
pd_status cli_real(const char *flag, const char *text, double min, double max, double *out,
                   pd_error *err);
pd_status cli_u64(const char *flag, const char *text, unsigned long long *out, pd_error *err);
/* An integer in [min, max]: optional sign and decimal digits, nothing else. */
pd_status cli_int(const char *flag, const char *text, int min, int max, int *out, pd_error *err);

/* --threads, one row for every command that makes a net or trainer; cli_threads reads its
 * value (1 to PD_THREADS_MAX). Not given, a command passes 0: pd_threads_default(). */
#define CLI_THREADS_FLAG                                                                       \
    {                                                                                          \
        "--threads", "T",                                                                      \
            "threads each layer's work is split over, 1 to 256 (default: the online CPUs, "    \
            "at most 8)"                                                                       \
    }
pd_status cli_threads(const char *text, int *out, pd_error *err);

/* The items of a comma-separated list, one per call: *item and *len receive the next one
 * (possibly empty) and *cursor moves past it; false when the list is used up. */
int cli_list_next(const char **cursor, const char **item, size_t *len);

/* A comma-separated list of finite numbers into out[0..max): the count, or -1 when an item
 * is empty or not a whole number text (strtod), or there are more than max. The caller
 * checks ranges and counts and words its own message. */
int cli_reals(const char *text, double *out, size_t max);

#endif
