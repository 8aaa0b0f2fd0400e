/* Strict reading of JSON values with messages that name the field; writing a document. */
#ifndef PD_JSON_UTIL_H
#define PD_JSON_UTIL_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "predoff/error.h"

/* Fails, naming the first key of obj that is not in the NULL-terminated list. */
pd_status pd_json_known_keys(const cJSON *obj, const char *const *allowed, pd_error *err);
/* A finite number in [min, max]. */
pd_status pd_json_real(const cJSON *item, const char *field, double min, double max, double *out,
                       pd_error *err);
/* An integral number in [min, max]. */
pd_status pd_json_int(const cJSON *item, const char *field, int64_t min, int64_t max,
                      int64_t *out, pd_error *err);
/* Parses text (not NUL-terminated, len bytes) into *out; the message gives the byte offset. */
pd_status pd_json_parse(const char *text, size_t len, cJSON **out, pd_error *err);
/* Writes root, indented, and a newline to path ("-": standard output). A path that cannot
 * be opened is PD_EINPUT naming it and why; a failed write PD_EIO. root stays the caller's.
 * A number that is not finite (which cJSON would print as null) is PD_EINPUT naming its
 * field, and nothing is written. */
pd_status pd_json_write(const cJSON *root, const char *path, pd_error *err);

#endif
