/* The tier presets compiled into the library, kept as JSON under profiles/. */
#include "predoff/profile.h"

#include "embedded_profiles.h" /* generated from the files in profiles/ */

#define EMBEDDED(sym) sym, sizeof sym - 1

static const pd_preset_profile presets[] = {
    {"paper-rpi3b", EMBEDDED(pd_profile_paper_rpi3b)},
    {"paper-laptop", EMBEDDED(pd_profile_paper_laptop)},
    {"paper-cloud", EMBEDDED(pd_profile_paper_cloud)},
    {"paper-literal-rpi3b", EMBEDDED(pd_profile_paper_literal_rpi3b)},
    {"paper-literal-laptop", EMBEDDED(pd_profile_paper_literal_laptop)},
    {"x86-2core", EMBEDDED(pd_profile_x86_2core)},
    {"x86-1core", EMBEDDED(pd_profile_x86_1core)},
};

const pd_preset_profile *pd_preset_profiles(size_t *count)
{
    *count = sizeof presets / sizeof presets[0];
    return presets;
}
