/* A plan file with every layer of a model on one tier. */
#include "plan_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "predoff/graph.h"

int plan_file_all_on(const char *model, const char *tier, char *path, size_t size)
{
    if (snprintf(path, size, "/tmp/predoff-plan-XXXXXX") >= (int)size)
        return -1;
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    pd_graph *g = NULL;
    if (!f || pd_graph_open(model, &g, NULL)) {
        if (f)
            fclose(f);
        else
            close(fd);
        unlink(path);
        return -1;
    }
    int bad = fprintf(f, "{\"placement\": {") < 0;
    for (size_t i = 0; i < g->n_layers; i++)
        bad |= fprintf(f, "%s\"%s\": \"%s\"", i ? ", " : "", g->layers[i].name, tier) < 0;
    bad |= fprintf(f, "}}") < 0;
    bad |= fclose(f) != 0;
    pd_graph_free(g);
    if (bad) {
        unlink(path);
        return -1;
    }
    return 0;
}
