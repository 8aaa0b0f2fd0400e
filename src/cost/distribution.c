/* Accuracy-requirement distributions and their CDFs. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/stats.h"
#include "predoff/scenario.h"

enum { MAX_HISTORY_FILE = 64 << 20 };

/* Two numbers "X,Y" with nothing after them. */
static int parse_pair(const char *s, double *x, double *y)
{
    char *end;
    errno = 0;
    *x = strtod(s, &end);
    if (end == s || *end != ',' || errno)
        return -1;
    s = end + 1;
    *y = strtod(s, &end);
    if (end == s || *end != '\0' || errno)
        return -1;
    return isfinite(*x) && isfinite(*y) ? 0 : -1;
}

pd_status pd_distribution_history(const double *values, size_t n, const char *label,
                                  pd_distribution *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return pd_error_set(err, PD_EINPUT, "%s: no past requirements", label);
    out->samples = malloc(n * sizeof *out->samples);
    if (!out->samples)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    memcpy(out->samples, values, n * sizeof *values);
    pd_sort_doubles(out->samples, n);
    out->kind = PD_DIST_HISTORY;
    out->n = n;
    snprintf(out->spec, sizeof out->spec, "history:%s", label);
    return PD_OK;
}

static pd_status read_history(const char *path, pd_distribution *out, pd_error *err)
{
    char *text = NULL;
    size_t len = 0;
    pd_status st = pd_read_file(path, MAX_HISTORY_FILE, &text, &len, err);
    if (st)
        return st;
    size_t cap = 64, n = 0, line = 0;
    double *v = malloc(cap * sizeof *v);
    if (!v) {
        free(text);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    /* split at each '\n' (strtok would merge blank lines and miscount them) */
    for (char *tok = text, *next; tok && !st; tok = next) {
        char *nl = strchr(tok, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        line++;
        while (*tok == ' ' || *tok == '\t')
            tok++;
        size_t tl = strlen(tok);
        while (tl && (tok[tl - 1] == '\r' || tok[tl - 1] == ' ' || tok[tl - 1] == '\t'))
            tok[--tl] = '\0';
        if (!*tok || *tok == '#')
            continue;
        char *end;
        errno = 0;
        double x = strtod(tok, &end);
        if (end == tok || *end || errno || !(x >= 0.0 && x <= 1.0)) {
            st = pd_error_set(err, PD_EINPUT,
                              "%s: line %zu: \"%.32s\" is not an accuracy requirement in [0, 1]",
                              path, line, tok);
            break;
        }
        if (n == cap) {
            double *nv = realloc(v, 2 * cap * sizeof *v);
            if (!nv) {
                st = pd_error_set(err, PD_ENOMEM, "out of memory");
                break;
            }
            v = nv;
            cap *= 2;
        }
        v[n++] = x;
    }
    free(text);
    if (!st)
        st = pd_distribution_history(v, n, path, out, err);
    free(v);
    return st;
}

pd_status pd_distribution_parse(const char *spec, pd_distribution *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    const char *colon = strchr(spec, ':');
    size_t kind_len = colon ? (size_t)(colon - spec) : 0;
    const char *args = colon ? colon + 1 : "";
    pd_status st = PD_OK;
    if (kind_len == 7 && strncmp(spec, "history", 7) == 0) {
        if (!*args)
            return pd_error_set(err, PD_EINPUT, "--accuracy-dist history:FILE needs a file");
        return read_history(args, out, err);
    } else if (kind_len == 6 && strncmp(spec, "normal", 6) == 0) {
        out->kind = PD_DIST_NORMAL;
        if (parse_pair(args, &out->a, &out->b))
            st = pd_error_set(err, PD_EINPUT, "accuracy distribution \"%s\": expected normal:MU,SIGMA",
                              spec);
        else if (!(out->b > 0.0))
            st = pd_error_set(err, PD_EINPUT,
                              "accuracy distribution \"%s\": sigma must be positive", spec);
    } else if (kind_len == 7 && strncmp(spec, "uniform", 7) == 0) {
        out->kind = PD_DIST_UNIFORM;
        if (parse_pair(args, &out->a, &out->b))
            st = pd_error_set(err, PD_EINPUT, "accuracy distribution \"%s\": expected uniform:A,B",
                              spec);
        else if (!(out->a < out->b))
            st = pd_error_set(err, PD_EINPUT, "accuracy distribution \"%s\": needs A < B", spec);
    } else {
        st = pd_error_set(err, PD_EINPUT,
                          "accuracy distribution \"%s\": expected normal:MU,SIGMA, uniform:A,B "
                          "or history:FILE",
                          spec);
    }
    if (!st)
        snprintf(out->spec, sizeof out->spec, "%s", spec);
    return st;
}

void pd_distribution_free(pd_distribution *d)
{
    if (d) {
        free(d->samples);
        d->samples = NULL;
        d->n = 0;
    }
}

double pd_distribution_cdf(const pd_distribution *d, double x)
{
    switch (d->kind) {
    case PD_DIST_NORMAL: return 0.5 * erfc(-(x - d->a) / (d->b * sqrt(2.0)));
    case PD_DIST_UNIFORM:
        if (x <= d->a)
            return 0.0;
        if (x >= d->b)
            return 1.0;
        return (x - d->a) / (d->b - d->a);
    case PD_DIST_HISTORY: {
        /* the step CDF: the share of past requirements <= x (upper bound search) */
        size_t lo = 0, hi = d->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (d->samples[mid] <= x)
                lo = mid + 1;
            else
                hi = mid;
        }
        return (double)lo / (double)d->n;
    }
    }
    return 0.0;
}

double pd_distribution_sample(const pd_distribution *d, double u1, double u2)
{
    switch (d->kind) {
    case PD_DIST_NORMAL: {
        /* Box-Muller; 1 - u1 is in (0, 1], so the log is finite */
        double r = sqrt(-2.0 * log(1.0 - u1));
        return d->a + d->b * r * cos(2.0 * 3.14159265358979323846 * u2);
    }
    case PD_DIST_UNIFORM: return d->a + (d->b - d->a) * u1;
    case PD_DIST_HISTORY: {
        size_t i = (size_t)(u1 * (double)d->n);
        return d->samples[i < d->n ? i : d->n - 1];
    }
    }
    return 0.0;
}
