/* A profile's boosted entry (formats.md, "learned models"): its fields checked, its model
 * file read from beside the profile. */
#include <stdio.h>
#include <string.h>

#include "core/json_util.h"
#include "cost/boosted.h"

#define MAX_FILE_NAME 255

/* Why `name` cannot name a file beside the profile, or NULL: relative, no ".." part, no
 * backslash or control character, not empty, not too long. */
static const char *bad_file_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > MAX_FILE_NAME)
        return "must be a file name of 1 to 255 bytes";
    if (name[0] == '/')
        return "must be relative to the profile";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == '\\' || name[i] == 0x7f)
            return "holds a control character or a backslash";
    for (const char *p = name; p;) { /* each part between slashes */
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return "must not leave the profile's directory (\"..\")";
        p = slash ? slash + 1 : NULL;
    }
    return NULL;
}

/* The entry's "base" (a linear model over some of its features) and "base_min_ms" (its
 * floor, > 0) into goal; neither, or both, and not with "per". */
static pd_status read_base(const cJSON *obj, const int *cols, int n, pd_boosted_target *goal,
                           pd_error *err)
{
    const cJSON *base = cJSON_GetObjectItemCaseSensitive(obj, "base");
    const cJSON *floor = cJSON_GetObjectItemCaseSensitive(obj, "base_min_ms");
    if (!base && !floor)
        return PD_OK;
    if (!base || !floor)
        return pd_error_set(err, PD_EINPUT, "fields \"base\" and \"base_min_ms\" go together");
    if (goal->per >= 0)
        return pd_error_set(err, PD_EINPUT, "an entry has \"per\" or \"base\", not both");
    pd_linear_model lin = {0};
    if (pd_profile_read_linear(base, &lin, err))
        return pd_error_prefix(err, "base");
    if (lin.n < 1)
        return pd_error_set(err, PD_EINPUT, "base: at least one feature is needed");
    for (int j = 0; j < lin.n; j++) {
        goal->base_col[j] = -1;
        for (int k = 0; k < n; k++)
            if (cols[k] == (int)lin.features[j])
                goal->base_col[j] = k;
        if (goal->base_col[j] < 0)
            return pd_error_set(err, PD_EINPUT, "base: feature \"%s\" is not one of the "
                                "entry's features", pd_feature_name(lin.features[j]));
        goal->base_coef[j] = lin.coef[j];
    }
    goal->n_base = lin.n;
    goal->base_intercept = lin.intercept;
    return pd_json_real(floor, "base_min_ms", 1e-9, 1e9, &goal->base_min_ms, err);
}

pd_status pd_profile_read_boosted(const cJSON *obj, const char *dir, pd_linear_model *m,
                                  pd_error *err)
{
    static const char *const keys[] = {"model",        "file", "features", "target", "per",
                                       "base",         "base_min_ms", NULL};
    if (pd_json_known_keys(obj, keys, err))
        return PD_EINPUT;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(obj, "model");
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(obj, "file");
    const cJSON *feats = cJSON_GetObjectItemCaseSensitive(obj, "features");
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(obj, "target");
    if (!cJSON_IsString(model) || strcmp(model->valuestring, "boosted") != 0)
        return pd_error_set(err, PD_EINPUT, "field \"model\" must be \"boosted\" (or leave it out "
                            "for a linear model)");
    if (!cJSON_IsString(file))
        return pd_error_set(err, PD_EINPUT, "field \"file\" must name the model file");
    const char *why = bad_file_name(file->valuestring);
    if (why)
        return pd_error_set(err, PD_EINPUT, "field \"file\" (\"%.64s\") %s", file->valuestring, why);
    int n = cJSON_IsArray(feats) ? cJSON_GetArraySize(feats) : -1;
    if (n < 1 || n > PD_COLUMN_COUNT)
        return pd_error_set(err, PD_EINPUT, "field \"features\" must be an array of 1 to %d names",
                            PD_COLUMN_COUNT);
    int cols[PD_COLUMN_COUNT], k = 0;
    for (const cJSON *f = feats->child; f; f = f->next, k++) {
        cols[k] = cJSON_IsString(f) ? pd_column_parse(f->valuestring) : PD_COLUMN_COUNT;
        if (cols[k] == PD_COLUMN_COUNT)
            return pd_error_set(err, PD_EINPUT, "features: \"%.64s\" is not a feature or shape "
                                "column (formats.md, \"Timings CSV\")",
                                cJSON_IsString(f) ? f->valuestring : "?");
        for (int j = 0; j < k; j++)
            if (cols[j] == cols[k])
                return pd_error_set(err, PD_EINPUT, "feature \"%s\" given twice",
                                    pd_column_name(cols[k]));
    }
    pd_boosted_target goal = {.log = false, .per = -1};
    if (target) {
        if (!cJSON_IsString(target) || (strcmp(target->valuestring, "ms") != 0 &&
                                        strcmp(target->valuestring, "log_ms") != 0))
            return pd_error_set(err, PD_EINPUT, "field \"target\" must be \"ms\" or \"log_ms\"");
        goal.log = strcmp(target->valuestring, "log_ms") == 0;
    }
    const cJSON *per = cJSON_GetObjectItemCaseSensitive(obj, "per");
    for (int j = 0; per && j < n; j++)
        if (cJSON_IsString(per) && strcmp(per->valuestring, pd_column_name(cols[j])) == 0)
            goal.per = j;
    if (per && goal.per < 0)
        return pd_error_set(err, PD_EINPUT, "field \"per\" must name one of the features");
    pd_status st = read_base(obj, cols, n, &goal, err);
    if (st)
        return st;
    if (!dir)
        return pd_error_set(err, PD_EINPUT, "a boosted model's file is read beside its profile, "
                            "and this profile is not a file");
    char path[4096 + MAX_FILE_NAME + 2];
    size_t dl = strlen(dir);
    if (dl > 4096)
        return pd_error_set(err, PD_EINPUT, "the profile's directory is too long");
    snprintf(path, sizeof path, "%s%s%s", dir, dl && dir[dl - 1] != '/' ? "/" : "",
             file->valuestring);
    st = pd_boosted_read(path, file->valuestring, cols, n, goal, &m->boosted, err);
    if (st)
        return st; /* the message starts with the model file's path */
    m->present = true;
    m->n = 0;
    return PD_OK;
}
