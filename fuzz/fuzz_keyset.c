/* libFuzzer harness: an --authorized-keys file (pd_keyset_read), and the lookups of what it
 * accepted: every key counted must be found, and nothing past them. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "predoff/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) { /* one file, rewritten for each input */
        snprintf(path, sizeof path, "/tmp/fuzz-keyset-%ld", (long)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    pd_keyset *k = NULL;
    pd_error err;
    pd_error_clear(&err);
    if (pd_keyset_read(path, &k, &err) == PD_OK) {
        if (pd_keyset_count(k) > size / 40 + 1)
            abort(); /* a key takes 40 bytes of the file at least */
        /* each line that parses as a bare key must be found */
        const char *s = (const char *)data;
        for (size_t at = 0; at + 40 <= size; at++) {
            if (at && s[at - 1] != '\n')
                continue;
            if (at + 40 < size && s[at + 40] != '\n' && s[at + 40] != '\r' &&
                s[at + 40] != ' ' && s[at + 40] != '\t')
                continue;
            char z85[41];
            memcpy(z85, s + at, 40);
            z85[40] = '\0';
            uint8_t key[32];
            if (pd_curve_is_z85(z85, 40) && zmq_z85_decode(key, z85) && !pd_keyset_has(k, key))
                abort();
        }
        pd_keyset_has_z85(k, "not a key");
    } else if (k || !err.msg[0]) {
        abort(); /* a refusal hands nothing out and says why */
    }
    pd_keyset_free(k);
    return 0;
}
