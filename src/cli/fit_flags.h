/* The fit's choices as flags (`fit`, and `profile --adaptive`, whose sampling follows a
 * fit's cross-validated error): one parser for both commands. */
#ifndef PD_CLI_FIT_FLAGS_H
#define PD_CLI_FIT_FLAGS_H

#include "predoff/measure.h"

/* --model linear|boosted|auto. */
pd_status cli_model_choice(const char *value, pd_model_choice *out, pd_error *err);
/* --features paper|macs|auto. */
pd_status cli_feature_choice(const char *value, pd_feature_choice *out, pd_error *err);
/* --features' default when it was not given: auto with trees (they correct the linear
 * model: the better it is, the less they have to learn), paper with a linear fit. */
void cli_default_features(pd_fit_options *o, int features_given);
/* The flag's words for a choice: "boosted", "auto" ... */
const char *cli_model_name(pd_model_choice c);
const char *cli_feature_name(pd_feature_choice c);

#endif
