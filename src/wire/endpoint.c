/* Which listening endpoints only this machine can reach: an allow-list, so that a transport
 * or an address form nobody thought of is not local by default. */
#include <arpa/inet.h>
#include <string.h>

#include "predoff/node.h"

/* A port: digits (1 to 65535) or ZeroMQ's "*" (a free port chosen at bind). */
static int is_port(const char *s)
{
    if (strcmp(s, "*") == 0)
        return 1;
    size_t n = strlen(s);
    if (n == 0 || n > 5)
        return 0;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

int pd_endpoint_is_local(const char *endpoint)
{
    if (strncmp(endpoint, "ipc://", 6) == 0)
        return endpoint[6] != '\0';
    if (strncmp(endpoint, "tcp://", 6) != 0)
        return 0;
    const char *host = endpoint + 6;
    const char *colon = strrchr(host, ':');
    if (!colon || !is_port(colon + 1))
        return 0;
    size_t n = (size_t)(colon - host);
    char name[64];
    if (n == 0 || n >= sizeof name)
        return 0;
    memcpy(name, host, n);
    name[n] = '\0';
    if (strcmp(name, "localhost") == 0 || strcmp(name, "[::1]") == 0)
        return 1;
    struct in_addr a;
    /* inet_pton takes only the dotted quad: no "127.0.0.1.example.com", no "127.1" */
    return inet_pton(AF_INET, name, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}
