/* util.h - small shared helpers of libsio (internal, prefix util_). */
#ifndef SIO_UTIL_H
#define SIO_UTIL_H

#include <stddef.h>

/* Length of the ids util_random_id writes: 120 random bits in base64url. */
#define UTIL_ID_LEN 20

/* Writes UTIL_ID_LEN random base64url characters and a NUL into out
 * (UTIL_ID_LEN + 1 bytes), from the OS CSPRNG. Returns 0 or -1. */
int util_random_id(char *out);

#endif
