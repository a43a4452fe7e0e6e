/* diag.c - see diag.h. Line and caret are found only when reporting,
 * as ninja's Lexer::Error does, so the lexer keeps just offsets. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

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

/* The code point of the valid n-byte UTF-8 sequence at p. */
static uint32_t utf8_decode(const unsigned char *p, size_t n)
{
    static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    uint32_t c = p[0] & lead_mask[n];

    for (size_t i = 1; i < n; i++)
        c = (c << 6) | (p[i] & 0x3f);
    return c;
}

/* Columns the character at p takes on a terminal: wcwidth's answer
 * (main selects a UTF-8 locale), 2 for wide CJK, 0 for combining marks;
 * 1 for what it does not know, a tab DIAG_TAB (for cutting only: the
 * caret line copies tabs). */
#define DIAG_TAB 4
static size_t char_width(const char *p, const char *end)
{
    size_t n = sioc_utf8_len(p, end);
    int w;

    if (*p == '\t')
        return DIAG_TAB;
    if (n < 2)
        return 1;
    w = wcwidth((wchar_t)utf8_decode((const unsigned char *)p, n));
    return w < 0 ? 1 : (size_t)w;
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

/* Spaces under the character at p (a tab under a tab). */
static void pad_char(diag_buf *b, const char *p, const char *end)
{
    size_t w = *p == '\t' ? 1 : char_width(p, end);

    for (size_t i = 0; i < w; i++)
        buf_putc(b, *p == '\t' ? '\t' : ' ');
}

/* Marks of width under the character at p: '^' first, then '~'. */
static void mark_char(diag_buf *b, const char *p, const char *end, bool first)
{
    size_t w = char_width(p, end);

    if (*p == '\t')
        w = 1;
    for (size_t i = 0; i < (w ? w : 1); i++)
        buf_putc(b, first && i == 0 ? '^' : '~');
}

static size_t width_of(const char *from, const char *to, const char *end)
{
    size_t w = 0;

    for (const char *p = from; p < to; p += char_step(p, end))
        w += char_width(p, end);
    return w;
}

/* A long line is cut to DIAG_LINE_COLS around the caret, with "..."
 * where text was left out. */
#define DIAG_LINE_COLS 100
#define DIAG_LEAD_COLS 40
static void diag_window(const char *line, const char *eol, const char *tok,
                        const char **from, const char **to)
{
    const char *p = line;
    size_t before = width_of(line, tok, eol), w = 0;

    *from = line;
    *to = eol;
    if (width_of(line, eol, eol) <= DIAG_LINE_COLS)
        return;
    if (before > DIAG_LINE_COLS - DIAG_LEAD_COLS) {
        size_t skip = before - DIAG_LEAD_COLS;

        while (p < tok && w < skip) {
            w += char_width(p, eol);
            p += char_step(p, eol);
        }
        *from = p;
    }
    for (w = 0, p = *from; p < eol; p += char_step(p, eol)) {
        w += char_width(p, eol);
        if (w > DIAG_LINE_COLS - 6) /* room for the two "..." */
            break;
    }
    *to = p;
}

static void diag_source(diag_buf *b, const sioc_diag *d, sioc_span at)
{
    const char *src = d->src, *end = src + d->len, *line, *eol, *p;
    const char *tok = src + (at.offset <= d->len ? at.offset : d->len);
    const char *tok_end =
        tok + (at.len <= (size_t)(end - tok) ? at.len : (size_t)(end - tok));
    const char *from, *to;

    /* Lines end at LF, CRLF or a lone CR, as the lexer counts them. */
    line = tok;
    while (line > src && line[-1] != '\n' && line[-1] != '\r')
        line--;
    if (line == src && tok >= src + 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
        line += 3; /* the byte order mark the lexer skipped */
    for (eol = line; eol < end && *eol != '\n' && *eol != '\r'; eol++)
        ;
    diag_window(line, eol, tok, &from, &to);
    if (from > line)
        buf_put(b, "...", 3);
    for (p = from; p < to;)
        p += echo_char(b, p, to);
    if (to < eol)
        buf_put(b, "...", 3);
    buf_putc(b, '\n');
    /* The caret line copies tabs so it lines up in any tab width. */
    if (from > line)
        buf_put(b, "   ", 3);
    for (p = from; p < tok && p < to; p += char_step(p, to))
        pad_char(b, p, to);
    if (p < to) {
        mark_char(b, p, to, true);
        p += char_step(p, to);
    } else {
        buf_putc(b, '^');
    }
    for (; p < tok_end && p < to; p += char_step(p, to))
        mark_char(b, p, to, false);
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

/* Builds "file:line:col: KIND: MESSAGE", the line and the caret. An
 * error starts a report; a note joins the report before it. */
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
    if (strcmp(kind, "note") == 0 && d->nreports) {
        sioc_diag_report *r = &d->reports[d->nreports - 1];
        diag_buf all = {r->text, r->len, r->len + 1};

        buf_put(&all, b.p, b.len);
        r->text = all.p;
        r->len = all.len;
        free(b.p);
        return;
    }
    if (d->nreports == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        sioc_diag_report *v = realloc(d->reports, cap * sizeof *v);

        if (!v)
            sioc_oom();
        d->reports = v;
        d->cap = cap;
    }
    d->reports[d->nreports].at = at.line ? (uint64_t)at.offset + 1 : 0;
    d->reports[d->nreports].seq = d->nreports;
    d->reports[d->nreports].text = b.p;
    d->reports[d->nreports++].len = b.len;
}

static int report_cmp(const void *a, const void *b)
{
    const sioc_diag_report *x = a, *y = b;

    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void sioc_diag_flush(sioc_diag *d)
{
    if (d->nreports)
        qsort(d->reports, d->nreports, sizeof *d->reports, report_cmp);
    for (size_t i = 0; i < d->nreports; i++) {
        if (d->sink)
            d->sink(d->user, d->reports[i].text, d->reports[i].len);
        free(d->reports[i].text);
    }
    free(d->reports);
    d->reports = NULL;
    d->nreports = d->cap = 0;
    if (d->stopped && !d->told) {
        char line[160];
        int n = snprintf(line, sizeof line,
                         "%s: error: too many errors (%u), stopping\n", d->file,
                         d->errors);

        d->told = true;
        if (d->sink && n > 0)
            d->sink(d->user, line,
                    (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    }
}

void sioc_diag_error(sioc_diag *d, sioc_span at, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sioc_diag_verror(d, at, fmt, ap);
    va_end(ap);
}

void sioc_diag_verror(sioc_diag *d, sioc_span at, const char *fmt, va_list ap)
{
    d->muted = true;
    if (d->stopped)
        return;
    if (d->errors >= d->max_errors) {
        d->stopped = true;
        return;
    }
    d->errors++;
    d->muted = false;
    diag_emit(d, at, "error", fmt, ap);
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
