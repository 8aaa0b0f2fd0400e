/* predoff fit --report FILE.json (formats.md, "Fit report"). */
#ifndef PD_CLI_FIT_REPORT_H
#define PD_CLI_FIT_REPORT_H

#include "predoff/measure.h"

/* Writes, per entry of prof that has samples in q (the fit's quality rows), its samples,
 * model, features, MAPE, within_10 and CV MAPE, and when test is not NULL the test_ fields
 * over the rows of test that entry costs; undefined numbers are null. */
pd_status cli_fit_report(const char *path, const pd_profile *prof, const pd_fit_quality *q,
                         const pd_timings *test, pd_error *err);

#endif
