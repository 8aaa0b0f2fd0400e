/* IDX files, the format of MNIST and Fashion-MNIST: plain or gzip-compressed. */
#ifndef PREDOFF_IDX_H
#define PREDOFF_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    PD_IDX_MAX_DIMS = 4,         /* images [count, height, width] need 3 */
    PD_IDX_TYPE_UBYTE = 0x08,    /* the one data type read */
};
/* The most data an IDX file may hold, and the largest file read (data, header and a
 * gzip wrapper's overhead): Fashion-MNIST's training images are 47 MB. */
#define PD_IDX_MAX_DATA ((size_t)1 << 30)
#define PD_IDX_MAX_FILE (PD_IDX_MAX_DATA + ((size_t)1 << 20))

/* An IDX array of unsigned bytes in C order. */
typedef struct pd_idx {
    int ndim;                      /* 1 to PD_IDX_MAX_DIMS */
    int64_t dims[PD_IDX_MAX_DIMS]; /* each at least 1; 0 past ndim */
    size_t count;                  /* number of elements (bytes) */
    uint8_t *data;                 /* owned; count bytes */
} pd_idx;

/* Reads an IDX file: the magic 00 00 08 ndim, ndim big-endian u32 sizes, then exactly
 * their product of bytes. The file may be gzip-compressed (detected by its magic 1f 8b).
 * A wrong magic, another data type, 0 or more than PD_IDX_MAX_DIMS dimensions, a size of 0,
 * more than PD_IDX_MAX_DATA bytes, truncated or extra data, or corrupt gzip data is
 * PD_EINPUT with one line naming the file; so is a file that cannot be opened. A failed
 * read is PD_EIO. On failure *out is empty. */
pd_status pd_idx_read(const char *path, pd_idx *out, pd_error *err);

/* The same from bytes in memory (plain or gzip); `source` names them in messages. */
pd_status pd_idx_parse(const uint8_t *bytes, size_t len, const char *source, pd_idx *out,
                       pd_error *err);

/* Frees the data and empties a; pd_idx_free(NULL) and freeing twice are no-ops. */
void pd_idx_free(pd_idx *a);

#ifdef __cplusplus
}
#endif
#endif
