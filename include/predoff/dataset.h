/* Labelled image data sets stored as IDX pairs (MNIST, Fashion-MNIST), and batches of
 * float32 network inputs made from them. */
#ifndef PREDOFF_DATASET_H
#define PREDOFF_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"
#include "predoff/idx.h"

#ifdef __cplusplus
extern "C" {
#endif

/* count images of channels x height x width unsigned bytes, each with a label. */
typedef struct pd_dataset {
    size_t count;
    int channels;     /* 1: IDX images are grey */
    int height, width;
    int classes;      /* labels lie in [0, classes) */
    uint8_t *pixels;  /* owned; count x channels x height x width, C order */
    uint8_t *labels;  /* owned; count */
} pd_dataset;

/* Loads a split from dir: split "train" reads train-images-idx3-ubyte and
 * train-labels-idx1-ubyte, split "test" reads t10k-images-idx3-ubyte and
 * t10k-labels-idx1-ubyte, each as named or else with ".gz" added (the plain file wins when
 * both exist). classes is the number of classes, 1 to 256, or 0 for the largest label + 1.
 * Images must be IDX [count, height, width], labels [count]; a count that differs, or a
 * label at or above classes, is PD_EINPUT naming the files. On failure *out is empty. */
pd_status pd_dataset_load(const char *dir, const char *split, int classes, pd_dataset *out,
                          pd_error *err);

/* The same from IDX arrays already read; images_name and labels_name name them in messages.
 * On success the data of both moves into *out (images->data and labels->data become NULL,
 * the arrays are emptied); on failure they are left as they were and *out is empty. */
pd_status pd_dataset_adopt_idx(pd_idx *images, const char *images_name, pd_idx *labels,
                               const char *labels_name, int classes, pd_dataset *out,
                               pd_error *err);

/* Each channel's mean and standard deviation over the whole set, of pixels scaled to
 * [0, 1]: mean[c], std[c] for c < d->channels (Fashion-MNIST's training set: 0.2860,
 * 0.3530). A set with no images gives 0 and 1. */
void pd_dataset_stats(const pd_dataset *d, double *mean, double *std);

/* How pd_dataset_batch turns pixels into network inputs. */
typedef struct pd_batch_format {
    int height, width;  /* output size, at least the images'; the image is centred, the
                           border zero-padded (Fashion-MNIST 28 x 28 -> 32 x 32: 2 each side;
                           an odd surplus puts the extra row or column at the bottom, right) */
    const float *mean;  /* per channel; x = (pixel / 255 - mean[c]) / std[c] */
    const float *std;   /* per channel, finite and > 0 */
} pd_batch_format;

/* Writes n inputs, samples indices[0..n), into out: n x channels x f->height x f->width
 * floats (C, H, W for each sample). A padded cell is a pixel of value 0 (black) and is
 * normalised like the others, as torchvision's Pad before ToTensor and Normalize does:
 * with mean 0 and std 1 it is 0. An index at or beyond d->count, an output smaller than the
 * images, or a std that is not finite and positive is PD_EINPUT, and out is not written.
 * Pure compute: no I/O, no allocation. */
pd_status pd_dataset_batch(const pd_dataset *d, const size_t *indices, size_t n,
                           const pd_batch_format *f, float *out, pd_error *err);

/* The order in which training visits n samples in a given epoch (0 for the first):
 * indices 0..n-1 shuffled by Fisher-Yates (for i = n-1 down to 1, swap i with
 * pd_rng_below(r, i + 1)) with a pd_rng seeded with seed + 0x9E3779B97F4A7C15 * (epoch + 1)
 * (mod 2^64). A pure function of (n, seed, epoch): a resumed run sees the same orders. */
void pd_dataset_shuffle(size_t n, uint64_t seed, uint64_t epoch, size_t *order);

/* Frees the pixels and labels and empties d; NULL and freeing twice are no-ops. */
void pd_dataset_free(pd_dataset *d);

#ifdef __cplusplus
}
#endif
#endif
