/* The scenario flags shared by plan, eval and compare. */
#ifndef PD_CLI_SCENARIO_FLAGS_H
#define PD_CLI_SCENARIO_FLAGS_H

#include "args.h"
#include "predoff/scenario.h"

extern const cli_flag cli_scenario_flags[];

/* Starts from the paper's scenario and applies every scenario flag in p. */
pd_status cli_scenario_build(const cli_parsed *p, pd_scenario *sc, pd_error *err);

#endif
