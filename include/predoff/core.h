/* The core module (src/core/): errors, a seeded random generator, a tree's branches. It
 * depends on nothing else of predoff. */
#ifndef PREDOFF_CORE_H
#define PREDOFF_CORE_H

#include "predoff/error.h"
#include "predoff/rng.h"
#include "predoff/branches.h"

#endif
