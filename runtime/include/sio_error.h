/* sio_error.h - libsio's error codes, one space for every header (the
 * transport's EIO_E* are its first values), and the one shape of an
 * error report: a code, where in the input, and a line for a log. */
#ifndef SIO_ERROR_H
#define SIO_ERROR_H

#include <stddef.h>

#include "eio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes (negative). */
enum {
    SIO_OK = 0,
    SIO_ENOMEM = EIO_ENOMEM,   /* allocation failed */
    SIO_EINVAL = EIO_EINVAL,   /* bad argument: e.g. an empty secret, a
                                  session that is not an object, invalid
                                  UTF-8 or too deep a nesting to encode,
                                  bad header characters */
    SIO_ECLOSED = EIO_ECLOSED, /* socket disconnected, session closed */
    SIO_ELIMIT = EIO_ELIMIT,   /* a configured limit would be exceeded */
    SIO_EIO = EIO_EIO,         /* listen/bind or other system failure */
    SIO_ESTATE = -6,           /* not allowed now (e.g. ack sent twice) */
    SIO_EEXIST = -7,           /* already registered */
    SIO_ETIMEOUT = -8,         /* no answer in time */
    SIO_EPROTO = -9,           /* the peer broke the protocol, or its
                                  answer does not match the schema */
    SIO_ENOENT = -10,          /* no such room membership, no such cookie */
    SIO_EMALFORMED = -11,      /* not a signed value: separators, base64,
                                  timestamp */
    SIO_EBADSIG = -12,         /* signature mismatch: tampered, or signed
                                  with another secret or salt */
    SIO_EEXPIRED = -13,        /* older than max_age, or signed later than
                                  now */
    SIO_ETOOBIG = -14,         /* over a length limit (input, inflated
                                  payload, or what an encode would give) */
    SIO_EPAYLOAD = -15,        /* signed correctly, but not zlib / JSON /
                                  an object / a well-formed tag */
    SIO_ENOSPACE = -16,        /* output buffer too small */
};

/* Why a call failed: the code, where it was found (offset: in the input
 * bytes, for parsers; path: in a JSON value, as "msg.tags[2]", for the
 * typed decoder; empty otherwise) and one short line for a log (no
 * secret material). The first error of a call wins. */
typedef struct sio_error {
    int code;
    size_t offset;
    char path[96];
    char text[160];
} sio_error;

/* A static name of code ("bad signature"); "unknown error" for a value
 * that is not a code. */
const char *sio_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif
