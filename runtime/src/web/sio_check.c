/* sio_check.c - checks of what clients send: secrets compared in
 * constant time, string lengths in characters. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sio.h"

/* Compares HMAC-SHA256 digests (the key is fixed: what matters is that
 * digests are as long for any input, so CRYPTO_memcmp, which does not
 * stop at a difference, compares the same number of bytes always). */
bool sio_secret_equal(const char *given, const char *secret)
{
    static const unsigned char key[] = "sio_secret_equal";
    unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
    unsigned la = 0, lb = 0;

    if (!given || !secret || !*secret)
        return false;
    if (!HMAC(EVP_sha256(), key, sizeof key - 1, (const unsigned char *)given,
              strlen(given), a, &la) ||
        !HMAC(EVP_sha256(), key, sizeof key - 1, (const unsigned char *)secret,
              strlen(secret), b, &lb) ||
        la != lb)
        return false;
    return CRYPTO_memcmp(a, b, la) == 0;
}

size_t sio_utf8_len(const char *s)
{
    size_t n = 0;

    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80; /* not a continuation */
    return n;
}

int sio_log_unsent(int rc, const char *what)
{
    if (rc != 0 && rc != SIO_ECLOSED)
        fprintf(stderr, "sio: %s not sent: %s\n", what ? what : "message",
                sio_strerror(rc));
    return rc;
}
