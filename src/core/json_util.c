/* Strict reading of JSON values: every rejection names the field and value; and writing. */
#include "json_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

pd_status pd_json_known_keys(const cJSON *obj, const char *const *allowed, pd_error *err)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = it->string && strcmp(it->string, *a) == 0;
        if (!known)
            return pd_error_set(err, PD_EINPUT, "unknown field \"%.64s\"",
                                it->string ? it->string : "");
        const cJSON *later;
        for (later = it->next; later; later = later->next)
            if (later->string && strcmp(later->string, it->string) == 0)
                return pd_error_set(err, PD_EINPUT, "field \"%.64s\" given twice", it->string);
    }
    return PD_OK;
}

pd_status pd_json_real(const cJSON *item, const char *field, double min, double max, double *out,
                       pd_error *err)
{
    if (!cJSON_IsNumber(item))
        return pd_error_set(err, PD_EINPUT, "field \"%s\" must be a number", field);
    double v = item->valuedouble;
    if (!isfinite(v) || v < min || v > max)
        return pd_error_set(err, PD_EINPUT, "field \"%s\" is %.10g, outside [%g, %g]", field, v, min,
                            max);
    *out = v;
    return PD_OK;
}

pd_status pd_json_int(const cJSON *item, const char *field, int64_t min, int64_t max,
                      int64_t *out, pd_error *err)
{
    if (!cJSON_IsNumber(item))
        return pd_error_set(err, PD_EINPUT, "field \"%s\" must be an integer", field);
    double v = item->valuedouble;
    if (!isfinite(v) || v != floor(v) || v < (double)min || v > (double)max)
        return pd_error_set(err, PD_EINPUT, "field \"%s\" is %g; expected an integer in [%lld, %lld]",
                            field, v, (long long)min, (long long)max);
    *out = (int64_t)v;
    return PD_OK;
}

pd_status pd_json_parse(const char *text, size_t len, cJSON **out, pd_error *err)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        size_t at = end && end >= text ? (size_t)(end - text) : 0;
        return pd_error_set(err, PD_EINPUT, "not valid JSON (near byte %zu)", at);
    }
    *out = root;
    return PD_OK;
}

/* The first number in the tree that is not finite (cJSON would print it as null). */
static const cJSON *non_finite(const cJSON *item)
{
    if (cJSON_IsNumber(item) && !isfinite(item->valuedouble))
        return item;
    for (const cJSON *c = item->child; c; c = c->next) {
        const cJSON *bad = non_finite(c);
        if (bad)
            return bad;
    }
    return NULL;
}

pd_status pd_json_write(const cJSON *root, const char *path, pd_error *err)
{
    const cJSON *nf = non_finite(root);
    if (nf)
        return pd_error_set(err, PD_EINPUT,
                            "%s: not written: field \"%.64s\" is %g, not a finite number",
                            strcmp(path, "-") == 0 ? "standard output" : path,
                            nf->string ? nf->string : "(array item)", nf->valuedouble);
    char *text = cJSON_Print(root);
    if (!text)
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory", path);
    pd_status st = PD_OK;
    if (strcmp(path, "-") == 0) {
        if (fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout))
            st = pd_error_set(err, PD_EIO, "standard output: write failed");
    } else {
        FILE *f = fopen(path, "w");
        if (!f) {
            st = pd_error_set(err, PD_EINPUT, "%s: %s", path, strerror(errno));
        } else {
            int bad = fputs(text, f) == EOF || fputc('\n', f) == EOF;
            bad |= fclose(f) != 0;
            if (bad)
                st = pd_error_set(err, PD_EIO, "%s: write failed", path);
        }
    }
    cJSON_free(text);
    return st;
}
