/* The fit's choices as flags (fit_flags.h). */
#include <string.h>

#include "fit_flags.h"

static const char *const models[] = {"linear", "boosted", "auto"};
static const char *const features[] = {"paper", "macs", "auto"};

/* The index of value in names[0..n), or n. */
static size_t which(const char *value, const char *const *names, size_t n)
{
    size_t c = 0;
    while (c < n && strcmp(value, names[c]) != 0)
        c++;
    return c;
}

pd_status cli_model_choice(const char *value, pd_model_choice *out, pd_error *err)
{
    size_t c = which(value, models, 3);
    if (c == 3)
        return pd_error_set(err, PD_EINPUT, "--model: \"%s\" is not linear, boosted or auto",
                            value);
    *out = (pd_model_choice)c;
    return PD_OK;
}

pd_status cli_feature_choice(const char *value, pd_feature_choice *out, pd_error *err)
{
    size_t c = which(value, features, 3);
    if (c == 3)
        return pd_error_set(err, PD_EINPUT, "--features: \"%s\" is not paper, macs or auto",
                            value);
    *out = (pd_feature_choice)c;
    return PD_OK;
}

void cli_default_features(pd_fit_options *o, int features_given)
{
    if (!features_given && o->model != PD_MODEL_LINEAR)
        o->features = PD_FEATURES_AUTO;
}

const char *cli_model_name(pd_model_choice c)
{
    return (size_t)c < 3 ? models[c] : "?";
}

const char *cli_feature_name(pd_feature_choice c)
{
    return (size_t)c < 3 ? features[c] : "?";
}
