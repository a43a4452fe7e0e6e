/* util.c - see util.h. */
#include "util.h"

#include <stdlib.h>
#include <time.h>

#include <openssl/rand.h>

int util_random_id(char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[UTIL_ID_LEN];

    /* One byte per character, keeping 6 bits of each: 120 bits. */
    if (RAND_bytes(raw, sizeof raw) != 1)
        return -1;
    for (size_t i = 0; i < UTIL_ID_LEN; i++)
        out[i] = alphabet[raw[i] & 63];
    out[UTIL_ID_LEN] = '\0';
    return 0;
}

int64_t util_now_s(void)
{
    /* Not time(): glibc reads a coarse clock for it, a tick behind the
     * one Flask's, Node's and a client's clocks read, so that a cookie
     * they signed in the first milliseconds of a second looked signed in
     * the future. */
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

int64_t util_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int util_grow(void **v, size_t *cap, size_t need, size_t size)
{
    size_t ncap;
    void *nv;

    if (need <= *cap)
        return 0;
    ncap = *cap ? *cap * 2 : 4;
    while (ncap < need)
        ncap *= 2;
    nv = realloc(*v, ncap * size);
    if (!nv)
        return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}
