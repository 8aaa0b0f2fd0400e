/* A load run's requests, one CSV line each, for a look at them over time. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "predoff/loadgen.h"

pd_status pd_loadgen_records_write(const char *path, const pd_loadgen_report *r, pd_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return pd_error_set(err, PD_EINPUT, "%s: %s", path, strerror(errno));
    fprintf(f, "request,start_ms,exit,total_ms,mobile_ms,edge_ms,cloud_ms,fell_back,failed,"
               "mismatch\n");
    for (size_t i = 0; i < r->n; i++) {
        const pd_loadgen_record *x = &r->records[i];
        fprintf(f, "%zu,%.3f,%u,%.4f,%.4f,%.4f,%.4f,%d,%d,%d\n", i + 1, x->start_ms,
                (unsigned)x->exit, x->total_ms, x->compute_ms[0], x->compute_ms[1],
                x->compute_ms[2], x->fell_back, x->failed, x->mismatch);
    }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    return bad ? pd_error_set(err, PD_EIO, "%s: write failed", path) : PD_OK;
}
