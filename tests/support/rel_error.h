/* How far a float32 result is from a reference: max |got - want| / max |want|. */
#ifndef PD_TEST_REL_ERROR_H
#define PD_TEST_REL_ERROR_H

#include <stddef.h>

double rel_error(const float *got, const float *want, size_t n);

#endif
