/* A labelled image set from a pair of IDX files: images [count, height, width] and labels
 * [count], checked against each other. */
#include "predoff/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/blob.h"

enum { MAX_CLASSES = 256 }; /* labels are unsigned bytes */

pd_status pd_dataset_adopt_idx(pd_idx *images, const char *images_name, pd_idx *labels,
                               const char *labels_name, int classes, pd_dataset *out,
                               pd_error *err)
{
    memset(out, 0, sizeof *out);
    char shape[128];
    if (classes < 0 || classes > MAX_CLASSES)
        return pd_error_set(err, PD_EINPUT, "%s: %d classes; expected 1 to %d, or 0 for the "
                            "largest label + 1", labels_name, classes, MAX_CLASSES);
    if (images->ndim != 3) {
        pd_format_dims(shape, sizeof shape, images->ndim, images->dims);
        return pd_error_set(err, PD_EINPUT,
                            "%s: shape %s is not images [count, height, width]", images_name,
                            shape);
    }
    if (labels->ndim != 1) {
        pd_format_dims(shape, sizeof shape, labels->ndim, labels->dims);
        return pd_error_set(err, PD_EINPUT, "%s: shape %s is not labels [count]", labels_name,
                            shape);
    }
    if (images->dims[0] != labels->dims[0])
        return pd_error_set(err, PD_EINPUT, "%s: %lld images, but %s: %lld labels", images_name,
                            (long long)images->dims[0], labels_name, (long long)labels->dims[0]);
    size_t count = (size_t)labels->dims[0];
    int top = 0;
    for (size_t i = 0; i < count; i++)
        if (labels->data[i] > top)
            top = labels->data[i];
    if (classes == 0)
        classes = top + 1;
    else if (top >= classes)
        for (size_t i = 0; i < count; i++)
            if (labels->data[i] >= classes)
                return pd_error_set(err, PD_EINPUT,
                                    "%s: label %d of sample %zu is outside [0, %d)", labels_name,
                                    labels->data[i], i, classes);
    *out = (pd_dataset){
        .count = count,
        .channels = 1,
        .height = (int)images->dims[1], /* each at most PD_IDX_MAX_DATA */
        .width = (int)images->dims[2],
        .classes = classes,
        .pixels = images->data,
        .labels = labels->data,
    };
    memset(images, 0, sizeof *images);
    memset(labels, 0, sizeof *labels);
    return PD_OK;
}

/* dir/stem if it exists, else dir/stem.gz if that exists, in a new string (*path). */
static pd_status find_file(const char *dir, const char *stem, char **path, pd_error *err)
{
    size_t n = strlen(dir) + strlen(stem) + 5;
    char *p = malloc(n);
    if (!p)
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory", dir);
    snprintf(p, n, "%s/%s", dir, stem);
    if (access(p, F_OK) != 0) {
        snprintf(p, n, "%s/%s.gz", dir, stem);
        if (access(p, F_OK) != 0) {
            pd_error_set(err, PD_EINPUT, "%s/%s: no such file, nor %s.gz", dir, stem, stem);
            free(p);
            return PD_EINPUT;
        }
    }
    *path = p;
    return PD_OK;
}

pd_status pd_dataset_load(const char *dir, const char *split, int classes, pd_dataset *out,
                          pd_error *err)
{
    memset(out, 0, sizeof *out);
    const char *prefix;
    if (strcmp(split, "train") == 0)
        prefix = "train";
    else if (strcmp(split, "test") == 0)
        prefix = "t10k";
    else
        return pd_error_set(err, PD_EINPUT, "%s: split \"%s\" is neither \"train\" nor \"test\"",
                            dir, split);
    char stem[64], *images_path = NULL, *labels_path = NULL;
    pd_idx images = {0}, labels = {0};
    snprintf(stem, sizeof stem, "%s-images-idx3-ubyte", prefix);
    pd_status st = find_file(dir, stem, &images_path, err);
    snprintf(stem, sizeof stem, "%s-labels-idx1-ubyte", prefix);
    if (!st)
        st = find_file(dir, stem, &labels_path, err);
    if (!st)
        st = pd_idx_read(images_path, &images, err);
    if (!st)
        st = pd_idx_read(labels_path, &labels, err);
    if (!st)
        st = pd_dataset_adopt_idx(&images, images_path, &labels, labels_path, classes, out, err);
    pd_idx_free(&images);
    pd_idx_free(&labels);
    free(images_path);
    free(labels_path);
    return st;
}

void pd_dataset_free(pd_dataset *d)
{
    if (!d)
        return;
    free(d->pixels);
    free(d->labels);
    memset(d, 0, sizeof *d);
}
