/* One place for escaping names the CLI prints: layer, exit and model names, notes, and
 * the error messages that quote them. */
#include "safe_name.h"

#include <stdio.h>
#include <string.h>

/* Bytes at s that form one printable character (0 when s[0] does not start one). */
static size_t printable_at(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return c >= 0x20 && c != 0x7F;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        if (c == 0xC2)
            lo = 0xA0; /* C2 80..9F are the C1 controls */
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return len;
}

const char *cli_safe_name(const char *name, char *buf, size_t size)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t i = 0, k;
    while (s[i] && (k = printable_at(s + i)) > 0)
        i += k;
    if (!s[i])
        return name;
    size_t out = 0;
    for (i = 0; s[i];) {
        k = printable_at(s + i);
        size_t need = k ? k : 4;
        if (out + need + 4 > size) { /* room left for "..." and the terminator */
            memcpy(buf + out, "...", 4);
            return buf;
        }
        if (k)
            memcpy(buf + out, s + i, k);
        else
            snprintf(buf + out, 5, "\\x%02x", s[i]);
        out += need;
        i += k ? k : 1;
    }
    buf[out] = '\0';
    return buf;
}
