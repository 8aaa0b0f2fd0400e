/* Command-line flags as tables: one parser, one help printer. */
#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/runtime.h"

_Static_assert(PD_THREADS_MAX == 256 && PD_THREADS_DEFAULT_MAX == 8,
               "CLI_THREADS_FLAG's help names these numbers");

static const cli_flag *find(const cli_flag *t, const char *name, size_t len)
{
    for (; t && t->name; t++)
        if (strlen(t->name) == len && strncmp(t->name, name, len) == 0)
            return t;
    return NULL;
}

pd_status cli_parse(int argc, char **argv, const cli_flag *a, const cli_flag *b, cli_parsed *out,
                    pd_error *err)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            out->help = 1;
            continue;
        }
        /* "--name", or a short "-o" that a table lists; anything else is an argument */
        int is_flag = strncmp(s, "--", 2) == 0 && s[2] != '\0';
        if (!is_flag && s[0] == '-' && s[1] != '\0' && s[1] != '-')
            is_flag = find(a, s, strlen(s)) || find(b, s, strlen(s));
        if (!is_flag) {
            if (out->n_pos == CLI_MAX_ARGS)
                return pd_error_set(err, PD_EINPUT, "too many arguments");
            out->pos[out->n_pos++] = s;
            continue;
        }
        const char *eq = strchr(s, '=');
        size_t len = eq ? (size_t)(eq - s) : strlen(s);
        const cli_flag *f = find(a, s, len);
        if (!f)
            f = find(b, s, len);
        if (!f)
            return pd_error_set(err, PD_EINPUT, "unknown flag %.*s (see --help)", (int)len, s);
        const char *value = NULL;
        if (f->arg) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                return pd_error_set(err, PD_EINPUT, "%s needs a value (%s)", f->name, f->arg);
        } else if (eq) {
            return pd_error_set(err, PD_EINPUT, "%s takes no value", f->name);
        }
        if (out->n_opts == CLI_MAX_ARGS)
            return pd_error_set(err, PD_EINPUT, "too many flags");
        out->opts[out->n_opts++] = (cli_opt){f, value};
    }
    return PD_OK;
}

void cli_print_flags(FILE *f, const cli_flag *flags)
{
    for (; flags->name; flags++) {
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", flags->name, flags->arg ? " " : "",
                 flags->arg ? flags->arg : "");
        fprintf(f, "  %-26s %s\n", left, flags->help);
    }
}

int cli_is(const cli_opt *opt, const char *name)
{
    return strcmp(opt->flag->name, name) == 0;
}

pd_status cli_real(const char *flag, const char *text, double min, double max, double *out,
                   pd_error *err)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno || !isfinite(v))
        return pd_error_set(err, PD_EINPUT, "%s: \"%s\" is not a number", flag, text);
    if (v < min || v > max)
        return pd_error_set(err, PD_EINPUT, "%s: %s is outside [%g, %g]", flag, text, min, max);
    *out = v;
    return PD_OK;
}

pd_status cli_u64(const char *flag, const char *text, unsigned long long *out, pd_error *err)
{
    char *end;
    errno = 0;
    if (text[0] == '-' || text[0] == '\0')
        return pd_error_set(err, PD_EINPUT, "%s: \"%s\" is not a non-negative integer", flag, text);
    unsigned long long v = strtoull(text, &end, 10);
    if (*end || errno)
        return pd_error_set(err, PD_EINPUT, "%s: \"%s\" is not a non-negative integer", flag, text);
    *out = v;
    return PD_OK;
}

pd_status cli_int(const char *flag, const char *text, int min, int max, int *out, pd_error *err)
{
    const char *digits = text + (text[0] == '-' || text[0] == '+');
    char *end = NULL;
    errno = 0;
    long v = *digits >= '0' && *digits <= '9' ? strtol(text, &end, 10) : 0;
    if (!end || *end || errno)
        return pd_error_set(err, PD_EINPUT, "%s: \"%s\" is not an integer", flag, text);
    if (v < min || v > max)
        return pd_error_set(err, PD_EINPUT, "%s: %s is outside [%d, %d]", flag, text, min, max);
    *out = (int)v;
    return PD_OK;
}

pd_status cli_threads(const char *text, int *out, pd_error *err)
{
    return cli_int("--threads", text, 1, PD_THREADS_MAX, out, err);
}

int cli_list_next(const char **cursor, const char **item, size_t *len)
{
    const char *c = *cursor;
    if (!c)
        return 0;
    const char *comma = strchr(c, ',');
    *item = c;
    *len = comma ? (size_t)(comma - c) : strlen(c);
    *cursor = comma ? comma + 1 : NULL;
    return 1;
}

int cli_reals(const char *text, double *out, size_t max)
{
    size_t n = 0;
    const char *item;
    size_t len;
    for (const char *c = text; cli_list_next(&c, &item, &len);) {
        char buf[64], *end;
        if (len == 0 || len >= sizeof buf || n == max)
            return -1;
        memcpy(buf, item, len);
        buf[len] = '\0';
        errno = 0;
        double v = strtod(buf, &end);
        if (end == buf || *end || errno || !isfinite(v))
            return -1;
        out[n++] = v;
    }
    return (int)n;
}
