/* The models compiled into the library, kept as JSON under models/. */
#include "predoff/graph.h"

#include "embedded_models.h" /* generated from the files in models/ */

#define EMBEDDED(sym) sym, sizeof sym - 1

static const pd_builtin_model models[] = {
    {"b-alexnet",
     "Branchy-AlexNet of the paper's section 5: 5 exits, input [3, 32, 32] "
     "(exit accuracies assumed, see docs/REPRODUCTION.md)",
     EMBEDDED(pd_model_b_alexnet)},
    {"b-alexnet-gray",
     "b-alexnet with one input channel, [1, 32, 32], for Fashion-MNIST padded to 32 x 32: "
     "5 exits (exit accuracies measured, models/accuracy/)",
     EMBEDDED(pd_model_b_alexnet_gray)},
    {"b-lenet", "BranchyNet's B-LeNet: 2 exits, input [1, 28, 28] "
     "(exit accuracies measured, models/accuracy/)",
     EMBEDDED(pd_model_b_lenet)},
};

const pd_builtin_model *pd_builtin_models(size_t *count)
{
    *count = sizeof models / sizeof models[0];
    return models;
}
