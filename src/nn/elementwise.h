/* What the elementwise passes share: below this many elements a pass runs on the caller
 * alone (relu.c measured it: memory, not one core, bounds such a pass). */
#ifndef PD_NN_ELEMENTWISE_H
#define PD_NN_ELEMENTWISE_H

#define PD_ELEMENTWISE_SPLIT_MIN ((size_t)1 << 17)

#endif
