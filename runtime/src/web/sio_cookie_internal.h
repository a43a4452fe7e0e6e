/* sio_cookie_internal.h - internals shared by the cookie codec's files
 * (prefix siop_): a growable buffer and the JSON layer
 * that writes exactly what Python's json.dumps writes and turns Flask's
 * tagged JSON into plain JSON. */
#ifndef SIO_COOKIE_INTERNAL_H
#define SIO_COOKIE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sio_cookie.h"
#include "util.h"

#if defined(__GNUC__)
#define SIOP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SIOP_PRINTF(a, b)
#endif

/* Resets err (NULL is fine) at the start of a public call. */
void siop_error_clear(sio_error *err);
/* Records code and a message unless an error is already recorded (the
 * first one is the cause). Returns code. */
int siop_error(sio_error *err, int code, const char *fmt, ...)
    SIOP_PRINTF(3, 4);

/* A byte buffer that remembers an allocation failure, so writers can
 * append without checking each call; siop_buf_fini frees. */
typedef struct siop_buf {
    char *p;
    size_t len, cap;
    bool oom;
} siop_buf;

/* Appends n uninitialised bytes and returns them (NULL: out of memory). */
char *siop_buf_extend(siop_buf *b, size_t n);
void siop_buf_put(siop_buf *b, const void *p, size_t n);
void siop_buf_puts(siop_buf *b, const char *s);
void siop_buf_putc(siop_buf *b, char c);
void siop_buf_fini(siop_buf *b);

/* JSON output flags. */
enum {
    SIOP_JSON_SORT = 1u << 0,  /* keys in code-point order */
    SIOP_JSON_ASCII = 1u << 1, /* non-ASCII as \uXXXX (ensure_ascii) */
    SIOP_JSON_TAG = 1u << 2,   /* escape tag-like objects with " di" */
};

/* Appends v as Python's json.dumps(v, separators=(",", ":")) writes it
 * (floats in repr's shortest form), with flags. Returns 0, or
 * SIO_COOKIE_EINVAL (invalid UTF-8, nesting deeper than
 * SIO_COOKIE_MAX_DEPTH on the wire) / SIO_COOKIE_ENOMEM with err set. */
int siop_json_dump(const json_t *v, unsigned flags, siop_buf *out,
                   sio_error *err);

/* Checks the nesting of a freshly parsed (unshared) tree and, if untag,
 * replaces Flask's tagged values by their plain JSON form in place.
 * Steals v; returns the new root, or NULL with err set
 * (SIO_COOKIE_EPAYLOAD or SIO_COOKIE_ENOMEM). */
json_t *siop_json_untag(json_t *v, bool untag, sio_error *err);

#endif
