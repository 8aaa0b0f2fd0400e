/* Measured exit accuracies compiled into the library, kept as JSON in models/accuracy/. */
#include <stddef.h>
#include <string.h>

#include "embedded_accuracys.h" /* generated from the JSON files in models/accuracy/ */
#include "predoff/graph.h"

const char *pd_builtin_accuracy(const char *model, size_t *len)
{
    for (size_t i = 0; pd_accuracy_files[i].name; i++)
        if (strcmp(pd_accuracy_files[i].name, model) == 0) {
            *len = pd_accuracy_files[i].len;
            return pd_accuracy_files[i].text;
        }
    *len = 0;
    return NULL;
}
