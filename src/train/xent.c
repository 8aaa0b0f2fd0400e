/* Softmax cross-entropy, PyTorch's F.cross_entropy with mean reduction: per sample
 * log(sum_j e^{z_j - m}) - (z_y - m), m the largest logit, in double. */
#include <math.h>

#include "xent.h"

double pd_softmax_xent(const float *logits, size_t batch, size_t classes, const uint8_t *labels,
                       double scale, float *dlogits, size_t *correct)
{
    double total = 0.0;
    *correct = 0;
    for (size_t s = 0; s < batch; s++) {
        const float *z = logits + s * classes;
        float *dz = dlogits + s * classes;
        size_t top = 0;
        for (size_t j = 1; j < classes; j++)
            if (z[j] > z[top])
                top = j;
        double m = z[top], sum = 0.0;
        for (size_t j = 0; j < classes; j++)
            sum += exp((double)z[j] - m);
        double lse = log(sum);
        total += lse - ((double)z[labels[s]] - m);
        for (size_t j = 0; j < classes; j++) {
            double p = exp((double)z[j] - m - lse);
            dz[j] += (float)(scale * (p - (j == labels[s] ? 1.0 : 0.0)));
        }
        *correct += top == labels[s];
    }
    return total / (double)batch;
}
