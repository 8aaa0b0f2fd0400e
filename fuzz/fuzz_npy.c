/* libFuzzer harness: NumPy .npy files (pd_npy_parse). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/error.h"
#include "predoff/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_error err;
    pd_error_clear(&err);
    pd_array a;
    pd_status st = pd_npy_parse(data, size, "fuzz", &a, &err);
    if (st != PD_OK) {
        /* a failure is recorded, names the source, and leaves an empty array */
        if (err.status != st || strncmp(err.msg, "fuzz: ", 6) != 0 || a.data != NULL ||
            a.ndim != 0 || a.count != 0 || strchr(err.msg, '\n'))
            abort();
        return 0;
    }
    if (err.status != PD_OK || !a.data || (uintptr_t)a.data % 64 != 0 || a.ndim < 0 ||
        a.ndim > PD_NPY_MAX_DIMS)
        abort();
    size_t count = 1;
    for (int d = 0; d < a.ndim; d++)
        count *= (size_t)a.dims[d];
    if (count != a.count || 4 * count > size || memcmp(a.data, data + size - 4 * count, 4 * count))
        abort();
    pd_array_free(&a);
    if (a.data)
        abort();
    return 0;
}
