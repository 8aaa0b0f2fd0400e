/* Writing a timings CSV to a path, for the commands that make one (profile, timings). */
#ifndef PD_CLI_TIMINGS_FILE_H
#define PD_CLI_TIMINGS_FILE_H

#include "predoff/measure.h"

/* Writes t to path; "<path>: cannot write" or "<path>: write failed" on error. */
pd_status cli_write_timings(const char *path, const pd_timings *t, pd_error *err);
/* The same with the column predicted_ms (pred[t->n], or none for NULL; predoff fit
 * --predictions). */
pd_status cli_write_timings_predicted(const char *path, const pd_timings *t, const double *pred,
                                      pd_error *err);

#endif
