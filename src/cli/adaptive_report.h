/* What `predoff profile --adaptive` shows: a block on a terminal, redrawn after each round
 * (the time against the budget, and per type and kind the rows, CV MAPE and share within
 * 10%), and the before/after figures on standard output at the end. */
#ifndef PD_CLI_ADAPTIVE_REPORT_H
#define PD_CLI_ADAPTIVE_REPORT_H

#include <stdio.h>

#include "predoff/adaptive.h"

typedef struct cli_adaptive_bar {
    FILE *tty; /* where the block is drawn */
    int lines; /* how many it took last time (0: none drawn yet) */
} cli_adaptive_bar;

/* pd_adaptive_options' progress: ctx is a cli_adaptive_bar. */
void cli_adaptive_progress(void *ctx, const pd_adaptive_state *s);

/* The points, rounds and time, the fit that guided it, and per type and kind the CV
 * figures on the coarse grid and at the end. */
void cli_adaptive_summary(FILE *f, const pd_adaptive_result *r, const pd_fit_options *fit,
                          double seconds, double budget_s);

#endif
