/* The mobile's load generator: many requests from many client threads, each with its own
 * accuracy requirement drawn from a distribution, every answer optionally checked. */
#ifndef PREDOFF_LOADGEN_H
#define PREDOFF_LOADGEN_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/node.h"
#include "predoff/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pd_loadgen_options {
    const char *model, *weights, *plan, *server; /* weights NULL: random from weights_seed */
    uint64_t weights_seed;
    size_t clients;        /* threads, each its own connection (1) */
    int threads;           /* each client's net splits a layer over these (0: the default) */
    size_t requests;       /* how many in all (0: as many as the duration allows) */
    double duration_s;     /* stop issuing after this long (0: no limit) */
    double rate;           /* requests per second in all, evenly spaced (0: back to back) */
    const pd_distribution *demand;
    uint64_t seed;         /* requirements and inputs */
    double timeout_ms;
    int verify;            /* also run each request on the mobile alone and compare bit for bit */
    const pd_curve_key *server_key; /* CURVE: the server's public key (NULL: plain) */
    const pd_curve_key *client_key; /* with server_key: the clients' key pair */
} pd_loadgen_options;

typedef struct pd_loadgen_record {
    uint32_t exit;
    double requirement;
    double start_ms;       /* when it was sent, from the run's start */
    double total_ms, compute_ms[3], transfer_ms;
    int fell_back;
    int mismatch;          /* verify: the answer differed from the mobile's own */
    int failed;            /* the request failed (the error counted in the report) */
} pd_loadgen_record;

typedef struct pd_loadgen_report {
    size_t n;                    /* requests issued */
    pd_loadgen_record *records;  /* [n], owned */
    double wall_s;
    size_t failures;
    char first_failure[PD_ERROR_MSG_MAX];
} pd_loadgen_report;

pd_status pd_loadgen_run(const pd_loadgen_options *o, pd_loadgen_report *out, pd_error *err);
void pd_loadgen_report_free(pd_loadgen_report *r);
/* Writes the records as CSV, one line a request in the order they were numbered:
 * request,start_ms,exit,total_ms,mobile_ms,edge_ms,cloud_ms,fell_back,failed,mismatch. */
pd_status pd_loadgen_records_write(const char *path, const pd_loadgen_report *r,
                                   pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
