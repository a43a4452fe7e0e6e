/* diag.c - see diag.h. Line and caret are found only when reporting,
 * as ninja's Lexer::Error does, so the lexer keeps just offsets. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* A growable text buffer: one report is built, then sent in one call. */
typedef struct diag_buf {
    char *p;
    size_t len, cap;
} diag_buf;

/* Room for n more bytes and the terminating NUL. */
static void buf_reserve(diag_buf *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 256;
    char *p;

    if (b->cap - b->len > n)
        return;
    while (cap - b->len <= n)
        cap *= 2;
    p = realloc(b->p, cap);
    if (!p)
        sioc_oom();
    b->p = p;
    b->cap = cap;
}

static void buf_put(diag_buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_putc(diag_buf *b, char c)
{
    buf_put(b, &c, 1);
}

static void buf_vprintf(diag_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    buf_reserve(b, (size_t)n);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sioc_diag_init(sioc_diag *d, const char *file, const char *src, size_t len,
                    sioc_diag_sink *sink, void *user)
{
    memset(d, 0, sizeof *d);
    d->file = file;
    d->src = src;
    d->len = len;
    d->sink = sink;
    d->user = user;
    d->max_errors = SIOC_MAX_ERRORS;
}

void sioc_diag_sink_file(void *user, const char *text, size_t len)
{
    fwrite(text, 1, len, (FILE *)user);
}

size_t sioc_utf8_len(const char *p, const char *end)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t avail = (size_t)(end - p), n;
    unsigned char lo = 0x80, hi = 0xBF;

    if (s[0] < 0x80)
        return 1;
    if (s[0] < 0xC2 || s[0] > 0xF4)
        return 0;
    n = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    if (avail < n)
        return 0;
    /* The second byte's range excludes overlongs and surrogates. */
    if (s[0] == 0xE0)
        lo = 0xA0;
    else if (s[0] == 0xED)
        hi = 0x9F;
    else if (s[0] == 0xF0)
        lo = 0x90;
    else if (s[0] == 0xF4)
        hi = 0x8F;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

/* Bytes in the character at p; an invalid byte counts as a character. */
static size_t char_step(const char *p, const char *end)
{
    size_t n = sioc_utf8_len(p, end);

    return n ? n : 1;
}

/* One character of the echoed line: valid UTF-8 and tabs as they are,
 * anything else as '?', so the caret line can count characters. */
static size_t echo_char(diag_buf *b, const char *p, const char *end)
{
    size_t n = sioc_utf8_len(p, end);
    unsigned char c = (unsigned char)*p;

    if (n == 0 || (n == 1 && ((c < 0x20 && c != '\t') || c == 0x7f))) {
        buf_putc(b, '?');
        return 1;
    }
    buf_put(b, p, n);
    return n;
}

static void diag_source(diag_buf *b, const sioc_diag *d, sioc_span at)
{
    const char *src = d->src, *end = src + d->len, *line, *eol, *p;
    const char *tok = src + (at.offset <= d->len ? at.offset : d->len);
    const char *tok_end =
        tok + (at.len <= (size_t)(end - tok) ? at.len : (size_t)(end - tok));

    /* Lines end at LF, CRLF or a lone CR, as the lexer counts them. */
    line = tok;
    while (line > src && line[-1] != '\n' && line[-1] != '\r')
        line--;
    if (line == src && tok >= src + 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
        line += 3; /* the byte order mark the lexer skipped */
    for (eol = line; eol < end && *eol != '\n' && *eol != '\r'; eol++)
        ;
    for (p = line; p < eol;)
        p += echo_char(b, p, eol);
    buf_putc(b, '\n');
    /* The caret line copies tabs so it lines up in any tab width. */
    for (p = line; p < tok && p < eol; p += char_step(p, eol))
        buf_putc(b, *p == '\t' ? '\t' : ' ');
    buf_putc(b, '^');
    if (p < eol)
        p += char_step(p, eol);
    for (; p < tok_end && p < eol; p += char_step(p, eol))
        buf_putc(b, '~');
    buf_putc(b, '\n');
}

/* Control bytes in a message (from a bad string literal, say) would
 * reach the terminal: show them as '?'. */
static void sanitize(diag_buf *b, size_t from)
{
    for (size_t i = from; i < b->len; i++) {
        unsigned char c = (unsigned char)b->p[i];

        if (c < 0x20 || c == 0x7f)
            b->p[i] = '?';
    }
}

/* Sends "file:line:col: KIND: MESSAGE", the line and the caret. */
static void diag_emit(sioc_diag *d, sioc_span at, const char *kind,
                      const char *fmt, va_list ap)
{
    diag_buf b = {0};
    size_t msg;

    buf_put(&b, d->file, strlen(d->file));
    if (at.line) {
        char pos[48];
        int n = snprintf(pos, sizeof pos, ":%lu:%lu", (unsigned long)at.line,
                         (unsigned long)at.col);

        buf_put(&b, pos, (size_t)n);
    }
    buf_put(&b, ": ", 2);
    buf_put(&b, kind, strlen(kind));
    buf_put(&b, ": ", 2);
    msg = b.len;
    buf_vprintf(&b, fmt, ap);
    sanitize(&b, msg);
    buf_putc(&b, '\n');
    if (at.line && d->src)
        diag_source(&b, d, at);
    if (d->sink)
        d->sink(d->user, b.p, b.len);
    free(b.p);
}

static void diag_emitf(sioc_diag *d, sioc_span at, const char *kind,
                       const char *fmt, ...) SIOC_PRINTF(4, 5);

static void diag_emitf(sioc_diag *d, sioc_span at, const char *kind,
                       const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_emit(d, at, kind, fmt, ap);
    va_end(ap);
}

void sioc_diag_error(sioc_diag *d, sioc_span at, const char *fmt, ...)
{
    va_list ap;

    d->muted = true;
    if (d->stopped)
        return;
    if (d->errors >= d->max_errors) {
        sioc_span none = {0};

        d->stopped = true;
        diag_emitf(d, none, "error", "too many errors (%u), stopping",
                   d->errors);
        return;
    }
    d->errors++;
    d->muted = false;
    va_start(ap, fmt);
    diag_emit(d, at, "error", fmt, ap);
    va_end(ap);
}

void sioc_diag_note(sioc_diag *d, sioc_span at, const char *fmt, ...)
{
    va_list ap;

    if (d->muted)
        return;
    va_start(ap, fmt);
    diag_emit(d, at, "note", fmt, ap);
    va_end(ap);
}
