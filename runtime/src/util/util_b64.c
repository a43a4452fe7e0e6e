/* util_b64.c - strict base64 (RFC 4648) in both alphabets, for the
 * Engine.IO polling payloads and the signed cookies: one string decodes
 * only if it is the one encode writes. */
#include "util.h"

#include <stdint.h>

static const char b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t util_b64_len(size_t n, bool url)
{
    return url ? n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0) : (n + 2) / 3 * 4;
}

void util_b64_encode(const uint8_t *in, size_t n, bool url, char *out)
{
    const char *abc = url ? b64_url : b64_std;
    size_t i = 0;

    for (; i + 3 <= n; i += 3) {
        uint32_t v =
            (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

        *out++ = abc[v >> 18];
        *out++ = abc[v >> 12 & 63];
        *out++ = abc[v >> 6 & 63];
        *out++ = abc[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0);

        *out++ = abc[v >> 18];
        *out++ = abc[v >> 12 & 63];
        if (i + 1 < n)
            *out++ = abc[v >> 6 & 63];
        else if (!url)
            *out++ = '=';
        if (!url)
            *out++ = '=';
    }
}

static int b64_value(char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

/* Strips the standard alphabet's padding; -1 if it is misplaced. */
static long b64_unpad(const char *in, size_t n)
{
    size_t pad = 0;

    if (n % 4 != 0)
        return -1;
    while (pad < 2 && pad < n && in[n - 1 - pad] == '=')
        pad++;
    if (pad > 0 && (n - pad) % 4 != 4 - pad)
        return -1;
    return (long)(n - pad);
}

long util_b64_decode(const char *in, size_t n, bool url, uint8_t *out)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    long o = 0;

    if (!url) {
        long m = b64_unpad(in, n);

        if (m < 0)
            return -1;
        n = (size_t)m;
    }
    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(in[i], url);

        if (v < 0)
            return -1;
        acc = (acc << 6 | (uint32_t)v) & 0xFFFFFF;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (out)
                out[o] = (uint8_t)(acc >> bits);
            o++;
        }
    }
    /* Non-zero unused bits would make several strings decode alike. */
    if (acc & ((1u << bits) - 1))
        return -1;
    return o;
}
