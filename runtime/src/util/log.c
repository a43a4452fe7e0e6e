/* log.c - see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void log_line(int max_level, int level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (level > max_level || level < 0 || level > EIO_LOG_DEBUG)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One fprintf per line, so lines of threads never interleave. */
    fprintf(stderr, "sio: %s: %s\n", level_names[level], line);
}

const char *log_sample(const void *p, size_t n, char *out)
{
    const unsigned char *b = p;
    size_t take = n > 64 ? 64 : n, o = 0;

    for (size_t i = 0; i < take; i++) {
        unsigned char c = b[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
    }
    if (take < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}
