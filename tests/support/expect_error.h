/* The check every parser test makes of a rejection: PD_EINPUT, a message that starts with
 * the file's name and holds each expected fragment. Include after cmocka.h. */
#ifndef PD_EXPECT_ERROR_H
#define PD_EXPECT_ERROR_H

#include <stdarg.h>
#include <string.h>

#include "predoff/error.h"

/* `wants` is a NULL-terminated list of fragments the message must hold. */
static inline void expect_input_error(const char *input, pd_status st, const pd_error *err,
                                      const char *file, va_list wants)
{
    if (st != PD_EINPUT)
        fail_msg("%s\n  status %d, want PD_EINPUT (message: %s)", input, (int)st, err->msg);
    assert_int_equal(err->status, PD_EINPUT);
    size_t n = strlen(file);
    if (strncmp(err->msg, file, n) != 0 || strncmp(err->msg + n, ": ", 2) != 0)
        fail_msg("%s\n  message does not start with the file: %s", input, err->msg);
    for (const char *want; (want = va_arg(wants, const char *));)
        if (!strstr(err->msg, want))
            fail_msg("%s\n  message lacks <%s>: %s", input, want, err->msg);
}

#endif
