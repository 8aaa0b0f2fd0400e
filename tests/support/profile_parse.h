/* The parse-or-fail helpers of the profile tests (test_profile, test_measured): a profile
 * or model that must read, a profile that must be refused. Include after cmocka.h and
 * expect_error.h. */
#ifndef PD_PROFILE_PARSE_H
#define PD_PROFILE_PARSE_H

#include <stdarg.h>
#include <string.h>

#include "predoff/graph.h"
#include "predoff/profile.h"

static inline pd_profile *parse_ok(const char *json)
{
    pd_profile *p = NULL;
    pd_error err;
    pd_error_clear(&err);
    if (pd_profile_from_json(json, strlen(json), "ok.json", &p, &err) != PD_OK)
        fail_msg("%s\n  rejected: %s", json, err.msg);
    assert_non_null(p);
    return p;
}

/* Parses json as "prof.json": PD_EINPUT, a message starting with the file and
 * holding each of the NULL-terminated strings. */
static inline void bad_profile(const char *json, ...)
{
    pd_profile *p = (pd_profile *)0x1;
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_profile_from_json(json, strlen(json), "prof.json", &p, &err);
    assert_null(p);
    va_list ap;
    va_start(ap, json);
    expect_input_error(json, st, &err, "prof.json", ap);
    va_end(ap);
}

static inline pd_graph *graph_ok(const char *json)
{
    pd_graph *g = NULL;
    pd_error err;
    pd_error_clear(&err);
    if (pd_graph_from_json(json, strlen(json), "g.json", &g, &err) != PD_OK)
        fail_msg("%s\n  rejected: %s", json, err.msg);
    return g;
}

#endif
