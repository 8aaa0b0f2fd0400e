/* The error record: one line, filled where the failure is found. */
#include "predoff/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A message is one line: control characters from file contents (a name holding a newline)
 * are shown as '?'. */
static void one_line(char *msg)
{
    for (unsigned char *c = (unsigned char *)msg; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            *c = '?';
}

void pd_error_clear(pd_error *err)
{
    if (err) {
        err->status = PD_OK;
        err->msg[0] = '\0';
    }
}

pd_status pd_error_set(pd_error *err, pd_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        one_line(err->msg);
        err->status = status;
    }
    return status;
}

pd_status pd_error_prefix(pd_error *err, const char *prefix)
{
    if (!err)
        return PD_EINPUT;
    /* shift the message right by "prefix: ", truncating its end if need be */
    size_t cap = sizeof err->msg - 1;
    size_t plen = strlen(prefix);
    if (plen > cap - 2)
        plen = cap - 2;
    size_t mlen = strlen(err->msg);
    if (mlen > cap - plen - 2)
        mlen = cap - plen - 2;
    memmove(err->msg + plen + 2, err->msg, mlen);
    memcpy(err->msg, prefix, plen);
    err->msg[plen] = ':';
    err->msg[plen + 1] = ' ';
    err->msg[plen + 2 + mlen] = '\0';
    one_line(err->msg);
    return err->status;
}
