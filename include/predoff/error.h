/* Status codes and the error record every fallible call fills. */
#ifndef PREDOFF_ERROR_H
#define PREDOFF_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. PD_EINPUT is the user's fault (bad file, flag or value);
 * the command line maps it to exit status 2, every other failure to 1. */
typedef enum pd_status {
    PD_OK = 0,
    PD_EINPUT = 1,  /* malformed or invalid input */
    PD_ENOMEM = 2,  /* out of memory */
    PD_EIO = 3,     /* a file could not be read or written */
    PD_ELIMIT = 4,  /* the request is valid but beyond a documented limit */
} pd_status;

enum { PD_ERROR_MSG_MAX = 512 };

/* One human-readable line describing the first failure. */
typedef struct pd_error {
    pd_status status;
    char msg[PD_ERROR_MSG_MAX];
} pd_error;

/* Resets err to "no error". err may be NULL. */
void pd_error_clear(pd_error *err);

/* Records status and a printf-style message in err (if not NULL); returns status. */
pd_status pd_error_set(pd_error *err, pd_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the message already in err. Returns err's status. */
pd_status pd_error_prefix(pd_error *err, const char *prefix);

#ifdef __cplusplus
}
#endif
#endif
