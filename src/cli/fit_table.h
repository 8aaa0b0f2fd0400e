/* predoff fit's tables on standard output. */
#ifndef PD_CLI_FIT_TABLE_H
#define PD_CLI_FIT_TABLE_H

#include "predoff/measure.h"

/* The fit, a line per type and kind with samples (q: the fit's quality rows): its model
 * (features, or the trees' size), R^2, MAPE, CV MAPE and the share within 10%. */
void cli_fit_table(const pd_profile *prof, const pd_fit_quality *q, const char *csv,
                   const pd_fit_options *opt, const char *min_ms_text, size_t n_timings,
                   size_t n_dropped);
/* The profile's error on timings it was not fitted on, per type and kind of the rows (a
 * kind's apart from its type's, whichever model costs them), naming that model. */
pd_status cli_fit_held_out(const pd_profile *prof, const pd_timings *held, const char *what,
                           pd_error *err);

#endif
