/* NumPy .npy files (format 1.0 and 2.0, '<f4', C order): tensors on the command line. */
#ifndef PREDOFF_NPY_H
#define PREDOFF_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { PD_NPY_MAX_DIMS = 8 };

typedef struct pd_array {
    int ndim;
    int64_t dims[PD_NPY_MAX_DIMS];
    size_t count;  /* number of elements */
    float *data;   /* owned, 64-byte aligned */
} pd_array;

/* Reads a .npy file of little-endian float32 in C order; anything else (another dtype,
 * Fortran order, a truncated file, a malformed header) is an error naming the file. */
pd_status pd_npy_read(const char *path, pd_array *out, pd_error *err);
/* The same from bytes in memory. */
pd_status pd_npy_parse(const uint8_t *bytes, size_t len, const char *source, pd_array *out,
                       pd_error *err);
/* Writes a float32 array as .npy format 1.0. */
pd_status pd_npy_write(const char *path, const float *data, int ndim, const int64_t *dims,
                       pd_error *err);
void pd_array_free(pd_array *a);

#ifdef __cplusplus
}
#endif
#endif
