/* diag.h - compiler-style diagnostics for sioc:
 *
 *     file:line:col: error: message
 *     the source line
 *         ^~~~
 *
 * counted, and capped: past max_errors every later report is dropped
 * (callers poll stopped). Reports are kept until sioc_diag_flush, which
 * sends them to the sink in source order (passes find errors out of
 * order), then one line if the cap was hit. */
#ifndef SIOC_DIAG_H
#define SIOC_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SIOC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SIOC_PRINTF(f, a)
#endif

#define SIOC_MAX_ERRORS 20

/* A stretch of the source. line and col count from 1; col counts
 * characters (a tab is one), line 0 means "no position". */
typedef struct sioc_span {
    uint32_t offset, len, line, col;
} sioc_span;

typedef void sioc_diag_sink(void *user, const char *text, size_t len);

/* One error and its notes, formatted. at: the error's offset + 1, or 0
 * without a position; seq keeps the order of equal offsets. */
typedef struct sioc_diag_report {
    uint64_t at;
    size_t seq;
    char *text;
    size_t len;
} sioc_diag_report;

typedef struct sioc_diag {
    const char *file; /* name shown in reports */
    const char *src;  /* the whole source, borrowed */
    size_t len;
    sioc_diag_sink *sink;
    void *user;
    unsigned errors;
    unsigned max_errors;
    bool stopped; /* the cap was hit: stop reporting and unwind */
    bool muted;   /* the last error was dropped, so drop its notes */
    bool told;    /* the "too many errors" line was sent */
    sioc_diag_report *reports;
    size_t nreports, cap;
} sioc_diag;

/* sink NULL discards the text (errors are still counted). */
void sioc_diag_init(sioc_diag *d, const char *file, const char *src, size_t len,
                    sioc_diag_sink *sink, void *user);

/* Writes to the FILE * passed as user. */
void sioc_diag_sink_file(void *user, const char *text, size_t len);

void sioc_diag_error(sioc_diag *d, sioc_span at, const char *fmt, ...)
    SIOC_PRINTF(3, 4);
void sioc_diag_verror(sioc_diag *d, sioc_span at, const char *fmt, va_list ap);
/* Sends the reports kept so far, sorted by position, and frees them. */
void sioc_diag_flush(sioc_diag *d);
/* A note about the error just reported, e.g. where a duplicate was first
 * declared. */
void sioc_diag_note(sioc_diag *d, sioc_span at, const char *fmt, ...)
    SIOC_PRINTF(3, 4);

/* Length of the valid UTF-8 sequence at p (1..4; overlongs, surrogates
 * and values past U+10FFFF are invalid), or 0. Needs p < end. */
size_t sioc_utf8_len(const char *p, const char *end);

#endif
