/* Bytes in memory read in order, inflated on the way when they are gzip-compressed. */
#ifndef PD_DATA_UNZIP_H
#define PD_DATA_UNZIP_H

#include <stddef.h>
#include <stdint.h>

#ifndef ZLIB_CONST
#define ZLIB_CONST /* next_in points to const bytes */
#endif
#include <zlib.h>

#include "predoff/error.h"

typedef struct pd_unzip {
    const uint8_t *in; /* all the stored bytes (borrowed) */
    size_t len;
    size_t pos;        /* stored bytes consumed so far */
    const char *name;  /* names the bytes in messages */
    int gzip;          /* 1 when the bytes start with gzip's magic 1f 8b */
    int inflating;     /* z is initialised */
    int ended;         /* no more bytes: the plain bytes or the last gzip member are done */
    z_stream z;
} pd_unzip;

/* Starts reading bytes[0..len): gzip (one member or several, one after another) when they
 * start with 1f 8b, else plain. pd_unzip_close releases what it holds. */
pd_status pd_unzip_open(pd_unzip *u, const uint8_t *bytes, size_t len, const char *name,
                        pd_error *err);

/* Reads up to n bytes into dst; *got < n only at the end of the data. A corrupt or truncated
 * gzip stream, or stored bytes after the last gzip member, are PD_EINPUT naming the source;
 * zlib out of memory is PD_ENOMEM. */
pd_status pd_unzip_read(pd_unzip *u, uint8_t *dst, size_t n, size_t *got, pd_error *err);

void pd_unzip_close(pd_unzip *u);

#endif
