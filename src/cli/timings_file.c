/* Writing a timings CSV to a path. */
#include <stdio.h>

#include "timings_file.h"

pd_status cli_write_timings(const char *path, const pd_timings *t, pd_error *err)
{
    return cli_write_timings_predicted(path, t, NULL, err);
}

pd_status cli_write_timings_predicted(const char *path, const pd_timings *t, const double *pred,
                                      pd_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return pd_error_set(err, PD_EINPUT, "%s: cannot write", path);
    pd_status st = pd_timings_write_csv_predicted(t, pred, f);
    if (fclose(f) != 0 || st)
        return pd_error_set(err, PD_EIO, "%s: write failed", path);
    return PD_OK;
}
