/* eio_proxy.c - the client's address behind reverse proxies.
 *
 * A request that reaches the server through nginx comes from nginx's
 * address; the client's is in X-Forwarded-For, which anyone can also
 * send directly. So the header is read only when the TCP peer is one of
 * the configured trusted proxies (eio_options.trusted_proxies), and then
 * from the right: each proxy appends the address it saw, so the rightmost
 * entry that is not itself a trusted proxy is the first one nobody we
 * trust can vouch beyond. Entries further left are the client's own
 * words. */
#include "eio_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* At most this many X-Forwarded-For entries are looked at. */
#define XFF_MAX_HOPS 32

struct eiop_proxy {
    uint8_t addr[16]; /* IPv4 as an IPv4-mapped IPv6 address */
    unsigned bits;    /* prefix length over the 16 bytes */
};

/* Parses an address into 16 bytes; IPv4 (and ::ffff:a.b.c.d) become
 * mapped IPv6, so that one comparison serves both families. */
static bool parse_addr(const char *s, uint8_t out[16], bool *v4)
{
    struct in_addr a4;

    if (inet_pton(AF_INET, s, &a4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &a4, 4);
        *v4 = true;
        return true;
    }
    if (inet_pton(AF_INET6, s, out) != 1)
        return false;
    *v4 = false;
    return true;
}

/* Copies the blank-trimmed text between s and e into buf. */
static bool trim_copy(const char *s, const char *e, char *buf, size_t len)
{
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    if (s == e || (size_t)(e - s) >= len)
        return false;
    memcpy(buf, s, (size_t)(e - s));
    buf[e - s] = '\0';
    return true;
}

/* "addr" or "addr/bits"; IPv4 prefixes count IPv4 bits. */
static bool parse_entry(const char *s, const char *e, struct eiop_proxy *p)
{
    char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
    bool v4;
    long bits;

    if (!trim_copy(s, e, buf, sizeof buf))
        return false;
    slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    if (!parse_addr(buf, p->addr, &v4))
        return false;
    p->bits = 128;
    if (!slash)
        return true;
    bits = strtol(slash + 1, &end, 10);
    if (end == slash + 1 || *end || bits < 0 || bits > (v4 ? 32 : 128))
        return false;
    p->bits = (unsigned)bits + (v4 ? 96 : 0);
    return true;
}

int eiop_proxies_parse(const char *list, struct eiop_proxy **out, size_t *count)
{
    size_t n = 1, i = 0;
    struct eiop_proxy *v;

    *out = NULL;
    *count = 0;
    if (!list)
        return 0;
    for (const char *c = list; *c; c++)
        n += *c == ',';
    v = calloc(n, sizeof *v);
    if (!v)
        return -1;
    for (const char *s = list;; i++) {
        const char *e = strchr(s, ',');
        if (!e)
            e = s + strlen(s);
        if (!parse_entry(s, e, &v[i])) {
            free(v);
            return -1;
        }
        if (!*e)
            break;
        s = e + 1;
    }
    *out = v;
    *count = i + 1;
    return 0;
}

static bool in_prefix(const struct eiop_proxy *p, const uint8_t a[16])
{
    unsigned full = p->bits / 8, rest = p->bits % 8;

    if (memcmp(p->addr, a, full) != 0)
        return false;
    if (!rest)
        return true;
    return ((p->addr[full] ^ a[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

static bool trusted(const struct eiop_proxy *v, size_t n, const char *addr)
{
    uint8_t a[16];
    bool v4;

    if (!parse_addr(addr, a, &v4))
        return false;
    for (size_t i = 0; i < n; i++)
        if (in_prefix(&v[i], a))
            return true;
    return false;
}

/* Writes the canonical text of addr (mapped IPv4 shown as IPv4). */
static void canonical(const char *addr, char *out, size_t len)
{
    uint8_t a[16];
    bool v4;

    if (!parse_addr(addr, a, &v4)) {
        snprintf(out, len, "%s", addr);
        return;
    }
    if (v4 || (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0))
        inet_ntop(AF_INET, a + 12, out, (socklen_t)len);
    else
        inet_ntop(AF_INET6, a, out, (socklen_t)len);
}

void eiop_client_addr(const struct eiop_proxy *v, size_t n, const char *peer,
                      const char *xff, char *out, size_t len)
{
    char cur[INET6_ADDRSTRLEN + 8], hop[INET6_ADDRSTRLEN + 8];
    const char *end = xff ? xff + strlen(xff) : NULL;
    uint8_t scratch[16];
    bool v4;

    canonical(peer, cur, sizeof cur);
    for (int hops = 0; end && hops < XFF_MAX_HOPS && trusted(v, n, cur);
         hops++) {
        const char *s = end;
        while (s > xff && s[-1] != ',')
            s--;
        if (!trim_copy(s, end, hop, sizeof hop) ||
            !parse_addr(hop, scratch, &v4))
            break; /* garbage: the last proxy we trust is all we know */
        canonical(hop, cur, sizeof cur);
        end = s > xff ? s - 1 : NULL;
    }
    snprintf(out, len, "%s", cur);
}
