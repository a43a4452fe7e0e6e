/* util.c - see util.h. */
#include "util.h"

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
