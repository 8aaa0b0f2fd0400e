/* Output folders and gnuplot: the experiments write data and scripts, gnuplot draws. */
#ifndef PD_CLI_PLOT_H
#define PD_CLI_PLOT_H

#include <stdio.h>

#include "predoff/error.h"

/* Creates a folder and its missing parents. */
pd_status out_mkdir(const char *path, pd_error *err);
/* Opens dir/name for writing. */
FILE *out_open(const char *dir, const char *name, pd_error *err);
/* Closes f, reporting a failed write as an error naming dir/name. */
pd_status out_close(FILE *f, const char *dir, const char *name, pd_error *err);
/* Runs `gnuplot script` inside dir; fails with a clear message when gnuplot is missing. */
pd_status plot_run(const char *dir, const char *script, pd_error *err);

#endif
