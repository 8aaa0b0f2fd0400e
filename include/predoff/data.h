/* Data sets (src/data/): IDX images and labels, batches, shuffles, normalisation. */
#ifndef PREDOFF_DATA_H
#define PREDOFF_DATA_H

#include "predoff/dataset.h"

#endif
