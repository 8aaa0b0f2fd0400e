/* Network inputs from a data set: pixels scaled to [0, 1], zero-padded, normalised. Pure
 * compute: no I/O, no allocation. */
#include <math.h>
#include <string.h>

#include "predoff/dataset.h"

pd_status pd_dataset_batch(const pd_dataset *d, const size_t *indices, size_t n,
                           const pd_batch_format *f, float *out, pd_error *err)
{
    int C = d->channels, h = d->height, w = d->width, H = f->height, W = f->width;
    if (H < h || W < w)
        return pd_error_set(err, PD_EINPUT,
                            "batch: output %d x %d is smaller than the images' %d x %d", H, W, h,
                            w);
    for (int c = 0; c < C; c++)
        if (!isfinite(f->mean[c]) || !isfinite(f->std[c]) || !(f->std[c] > 0))
            return pd_error_set(err, PD_EINPUT,
                                "batch: channel %d: mean %g, std %g; the std must be finite and "
                                "> 0, the mean finite",
                                c, (double)f->mean[c], (double)f->std[c]);
    for (size_t i = 0; i < n; i++)
        if (indices[i] >= d->count)
            return pd_error_set(err, PD_EINPUT, "batch: index %zu (entry %zu) is beyond the %zu samples",
                                indices[i], i, d->count);
    int top = (H - h) / 2, left = (W - w) / 2;
    size_t image = (size_t)C * (size_t)h * (size_t)w, plane = (size_t)H * (size_t)W;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *src = d->pixels + indices[i] * image;
        for (int c = 0; c < C; c++, src += (size_t)h * (size_t)w) {
            float *dst = out + (i * (size_t)C + (size_t)c) * plane;
            float mean = f->mean[c], std = f->std[c], pad = -mean / std;
            for (size_t k = 0; k < plane; k++)
                dst[k] = pad;
            for (int y = 0; y < h; y++) {
                float *row = dst + (size_t)(y + top) * (size_t)W + (size_t)left;
                const uint8_t *in = src + (size_t)y * (size_t)w;
                for (int x = 0; x < w; x++)
                    row[x] = ((float)in[x] / 255.0f - mean) / std; /* as PyTorch rounds */
            }
        }
    }
    return PD_OK;
}

void pd_dataset_stats(const pd_dataset *d, double *mean, double *std)
{
    size_t plane = (size_t)d->height * (size_t)d->width;
    for (int c = 0; c < d->channels; c++) {
        double sum = 0, sq = 0;
        for (size_t i = 0; i < d->count; i++) {
            const uint8_t *p = d->pixels + (i * (size_t)d->channels + (size_t)c) * plane;
            uint64_t s = 0, q = 0; /* exact per image: at most 2^30 * 255^2 */
            for (size_t k = 0; k < plane; k++) {
                s += p[k];
                q += (uint64_t)p[k] * p[k];
            }
            sum += (double)s;
            sq += (double)q;
        }
        double cells = (double)d->count * (double)plane;
        if (cells == 0) {
            mean[c] = 0;
            std[c] = 1;
            continue;
        }
        double m = sum / cells / 255.0, v = sq / cells / (255.0 * 255.0) - m * m;
        mean[c] = m;
        std[c] = sqrt(v > 0 ? v : 0);
    }
}
