/* log.h - one-line logs of libsio (internal, prefix log_).
 *
 * Every rejected input is logged as one line with who sent it and a
 * short escaped sample; the level lives in the server's options, so
 * there is no global state here. */
#ifndef SIO_LOG_H
#define SIO_LOG_H

#include <stddef.h>
#include "eio.h"

#if defined(__GNUC__)
#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LOG_PRINTF(a, b)
#endif

/* Writes "sio: <level>: <message>\n" to stderr if level <= max_level. */
void log_line(int max_level, int level, const char *fmt, ...) LOG_PRINTF(3, 4);

/* Escapes up to 64 bytes of p (non-printables as \xNN) into out, which
 * must hold LOG_SAMPLE_MAX bytes; appends "..." when truncated. */
#define LOG_SAMPLE_MAX 300
const char *log_sample(const void *p, size_t n, char *out);

#endif
