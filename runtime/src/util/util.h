/* util.h - small shared helpers of libsio (internal, prefix util_). */
#ifndef SIO_UTIL_H
#define SIO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the ids util_random_id writes: 120 random bits in base64url. */
#define UTIL_ID_LEN 20

/* Writes UTIL_ID_LEN random base64url characters and a NUL into out
 * (UTIL_ID_LEN + 1 bytes), from the OS CSPRNG. Returns 0 or -1. */
int util_random_id(char *out);

/* Base64 (RFC 4648): url = the URL-safe alphabet without padding (as
 * itsdangerous writes it), else the standard one with padding. */
size_t util_b64_len(size_t n, bool url);
/* Writes util_b64_len(n, url) characters, no NUL. */
void util_b64_encode(const uint8_t *in, size_t n, bool url, char *out);
/* Strict: only the alphabet, padding only where it belongs, unused bits
 * zero. Writes the decoded bytes to out (NULL: only checks) and returns
 * their count, or -1. out must hold n / 4 * 3 + 2 bytes. */
long util_b64_decode(const char *in, size_t n, bool url, uint8_t *out);

/* Makes room for need elements of size bytes in *v (capacity *cap),
 * doubling. 0, or -1 (out of memory: *v and *cap unchanged). */
int util_grow(void **v, size_t *cap, size_t need, size_t size);

/* Seconds since the epoch (the clock of session ages and signatures). */
int64_t util_now_s(void);
/* Wall-clock milliseconds since 1970. */
int64_t util_now_ms(void);

#endif
