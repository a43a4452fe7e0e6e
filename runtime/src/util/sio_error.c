/* sio_error.c - names of the error codes of sio_error.h. */
#include "sio_error.h"

static const char *const names[] = {
    "ok",
    "out of memory",
    "invalid argument",
    "closed",
    "limit exceeded",
    "system error",
    "not allowed now",
    "already exists",
    "timed out",
    "protocol error",
    "not found",
    "malformed",
    "bad signature",
    "expired",
    "too big",
    "bad payload",
    "buffer too small",
};

const char *sio_strerror(int code)
{
    if (code > 0 || -code >= (int)(sizeof names / sizeof names[0]))
        return "unknown error";
    return names[-code];
}
