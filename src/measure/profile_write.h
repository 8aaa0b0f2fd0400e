/* Writing a profile whose boosted entries are named apart from their files' own names. */
#ifndef PD_MEASURE_PROFILE_WRITE_H
#define PD_MEASURE_PROFILE_WRITE_H

#include <stdio.h>

#include "predoff/measure.h"

/* pd_profile_write_json, with files[e] (when files is not NULL) the file that boosted
 * entry e names in place of its own. */
pd_status pd_profile_write_json_named(const pd_profile *p, FILE *f,
                                      const char *const files[PD_PROFILE_ENTRIES], pd_error *err);

#endif
