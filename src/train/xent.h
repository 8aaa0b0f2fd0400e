/* Softmax cross-entropy over a batch of one exit's logits, and its gradient. */
#ifndef PD_TRAIN_XENT_H
#define PD_TRAIN_XENT_H

#include <stddef.h>
#include <stdint.h>

/* logits: batch x classes; labels: batch values below classes. Returns the mean over the
 * batch of -log softmax(logits)[label] (in double); adds scale * (softmax - onehot) to
 * dlogits (batch x classes) and counts in *correct the samples whose first top logit is
 * the label. */
double pd_softmax_xent(const float *logits, size_t batch, size_t classes, const uint8_t *labels,
                       double scale, float *dlogits, size_t *correct);

#endif
