/* An exit's verdict: the top class, its softmax probability, and the softmax's entropy. */
#include <math.h>

#include "predoff/runtime.h"

void pd_exit_summarise(const float *logits, size_t n, pd_exit_summary *out)
{
    size_t top = 0, bad = 0;
    for (size_t i = 0; i < n; i++) {
        bad += !isfinite(logits[i]);
        /* the first NaN is the maximum, as torch.argmax has it */
        if (!isnan(logits[top]) && (isnan(logits[i]) || logits[i] > logits[top]))
            top = i;
    }
    out->finite = bad == 0;
    out->non_finite = bad;
    /* softmax with the maximum subtracted, so exp never overflows */
    double m = logits[top], z = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)logits[i] - m;
        z += exp(d);
        s += d * exp(d);
    }
    out->top_class = top;
    out->probability = 1.0 / z;
    /* H = -sum p log p with p_i = e^{d_i} / z: H = log z - (sum d_i e^{d_i}) / z */
    out->entropy = log(z) - s / z;
}
