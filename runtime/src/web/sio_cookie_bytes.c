/* sio_cookie_bytes.c - the cookie codec's byte helpers: errors and a
 * growable buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sio_cookie_internal.h"

/* ---- errors ------------------------------------------------------------ */

void siop_error_clear(sio_error *err)
{
    if (err) {
        err->code = SIO_COOKIE_OK;
        err->offset = 0;
        err->path[0] = err->text[0] = '\0';
    }
}

int siop_error(sio_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (!err || err->code != SIO_COOKIE_OK)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
    return code;
}

/* ---- buffer ------------------------------------------------------------- */

static bool buf_reserve(siop_buf *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 256;
    char *p;

    if (b->oom)
        return false;
    if (n <= b->cap - b->len)
        return true;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2)
            goto oom;
        cap *= 2;
    }
    p = realloc(b->p, cap);
    if (!p)
        goto oom;
    b->p = p;
    b->cap = cap;
    return true;
oom:
    b->oom = true;
    return false;
}

char *siop_buf_extend(siop_buf *b, size_t n)
{
    if (!buf_reserve(b, n ? n : 1))
        return NULL;
    b->len += n;
    return b->p + b->len - n;
}

void siop_buf_put(siop_buf *b, const void *p, size_t n)
{
    char *dst = n ? siop_buf_extend(b, n) : NULL;

    if (dst)
        memcpy(dst, p, n);
}

void siop_buf_puts(siop_buf *b, const char *s)
{
    siop_buf_put(b, s, strlen(s));
}

void siop_buf_putc(siop_buf *b, char c)
{
    siop_buf_put(b, &c, 1);
}

void siop_buf_fini(siop_buf *b)
{
    free(b->p);
    *b = (siop_buf){0};
}
