/* predoff's file formats (src/io/): named float32 tensors and safetensors files, .npy
 * arrays (npy.h), IDX data sets, gzip'd or not (idx.h). Nothing here knows a layer. */
#ifndef PREDOFF_IO_H
#define PREDOFF_IO_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"
#include "predoff/idx.h"
#include "predoff/npy.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { PD_MAX_DIMS = 8 };

/* One named float32 tensor, C order. */
typedef struct pd_named_tensor {
    char *name;
    int ndim;
    int64_t dims[PD_MAX_DIMS];
    size_t count;  /* number of elements */
    float *data;   /* owned, 64-byte aligned */
} pd_named_tensor;

/* One string of a safetensors file's "__metadata__" object. */
typedef struct pd_weights_meta {
    char *key;    /* owned, UTF-8 */
    char *value;  /* owned, UTF-8 */
} pd_weights_meta;

typedef struct pd_weights {
    size_t n;
    pd_named_tensor *tensors;  /* owned */
    size_t n_meta;
    pd_weights_meta *meta;     /* owned: the "__metadata__" strings, in file order, keys unique */
    void *block;               /* owned, or NULL: after pd_weights_pack, the tensors' data
                                * lie in it (a tensor's data outside it is its own) */
    size_t block_bytes;
} pd_weights;

/* Reads a safetensors file (F32 tensors only; any other dtype is an error naming the
 * tensor). The header is bounded and validated before any tensor is read. The header's
 * "__metadata__" object, if any, must map keys to strings, each key once; it lands in
 * w->meta. */
pd_status pd_weights_read_safetensors(const char *path, pd_weights **out, pd_error *err);
/* The same from bytes in memory; `source` names them in messages. */
pd_status pd_weights_parse_safetensors(const uint8_t *bytes, size_t len, const char *source,
                                       pd_weights **out, pd_error *err);
/* Writes weights as a safetensors file, w->meta (if any) as its "__metadata__". */
pd_status pd_weights_write_safetensors(const pd_weights *w, const char *path, pd_error *err);
/* The same, atomically: written to PATH.tmp, synced to the disk, renamed over PATH (and the
 * directory synced); when it fails, PATH is as it was and PATH.tmp is gone. PATH becomes a
 * new file: a symbolic link there is replaced, and the permissions are the default ones. */
pd_status pd_weights_replace_safetensors(const pd_weights *w, const char *path, pd_error *err);

/* The tensor with that name (the first, if several have it), or NULL. One lookup scans
 * every tensor: for many, use a pd_weights_index. */
const pd_named_tensor *pd_weights_find(const pd_weights *w, const char *name);

/* w's tensors sorted by name: O(n log n) to build, O(log n) a lookup. It borrows w, which
 * must keep its tensors and their names while the index is used. */
typedef struct pd_weights_index pd_weights_index;
pd_status pd_weights_index_new(const pd_weights *w, pd_weights_index **out, pd_error *err);
void pd_weights_index_free(pd_weights_index *ix);
/* The tensor with that name (the first in w, if several have it), or NULL. */
const pd_named_tensor *pd_weights_index_find(const pd_weights_index *ix, const char *name);
/* The same for the name prefix + suffix ("conv1" ".weight"), without building it. */
const pd_named_tensor *pd_weights_index_find_joined(const pd_weights_index *ix,
                                                    const char *prefix, const char *suffix);

/* The metadata value under key, or NULL. */
const char *pd_weights_meta_get(const pd_weights *w, const char *key);
/* Sets key to a copy of value, replacing an earlier value of the same key. */
pd_status pd_weights_meta_set(pd_weights *w, const char *key, const char *value, pd_error *err);

/* A deep copy of w, tensors and metadata. */
pd_status pd_weights_copy(const pd_weights *w, pd_weights **out, pd_error *err);

void pd_weights_free(pd_weights *w);
/* Moves every tensor's data into one block of whole pages, on transparent huge pages where
 * the kernel offers them, so that a layer's weights cost the same TLB misses in any model
 * (src/core/pages.h). pd_weights_random and the ONNX reader return packed weights, the
 * safetensors reader does not (a checkpoint's tensors move out of what it read); on failure
 * w is as it was. */
pd_status pd_weights_pack(pd_weights *w, pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
