/* emit_text.c - see emit_text.h. */
#include "emit_text.h"

#include <stdio.h>
#include <string.h>

const char *sioc_json_str(sioc_arena *a, const char *s)
{
    size_t n = strlen(s);
    /* Worst case: every byte as \u00XX, plus the quotes. */
    char *out = sioc_arena_alloc(a, n * 6 + 3), *p = out;
    const char *end = s + n;

    *p++ = '"';
    while (s < end) {
        unsigned char c = (unsigned char)*s;
        size_t len;

        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
            s++;
        } else if (c < 0x20 || c == 0x7f) {
            p += sprintf(p, "\\u%04x", c);
            s++;
        } else if (c < 0x80) {
            *p++ = (char)c;
            s++;
        } else if ((len = sioc_utf8_len(s, end)) > 0) {
            memcpy(p, s, len);
            p += len;
            s += len;
        } else {
            *p++ = '?';
            s++;
        }
    }
    *p++ = '"';
    *p = '\0';
    return out;
}

/* The text of a comment from just after '#' to end (exclusive), trimmed,
 * control characters as spaces, invalid UTF-8 as '?'. */
static char *comment_text(sioc_arena *a, const char *p, const char *end)
{
    char *out, *q;

    if (p < end && *p == ' ')
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    out = q = sioc_arena_alloc(a, (size_t)(end - p) + 1);
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        size_t len;

        if (c < 0x20 || c == 0x7f) {
            *q++ = ' ';
            p++;
        } else if (c < 0x80) {
            *q++ = *p++;
        } else if ((len = sioc_utf8_len(p, end)) > 0) {
            memcpy(q, p, len);
            q += len;
            p += len;
        } else {
            *q++ = '?';
            p++;
        }
    }
    *q = '\0';
    return out;
}

/* The second '#' of a whole-line doc comment ("##") in [p, end), or
 * NULL. */
static const char *line_comment(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return end - p >= 2 && p[0] == '#' && p[1] == '#' ? p + 1 : NULL;
}

/* The '#' that starts a comment in [p, end) outside strings, or NULL.
 * Strings are on one line, so scanning from the line's start is exact. */
static const char *trailing_comment(const char *p, const char *end)
{
    bool in_str = false;

    for (; p < end; p++) {
        if (in_str && *p == '\\' && p + 1 < end)
            p++;
        else if (*p == '"')
            in_str = !in_str;
        else if (!in_str && *p == '#')
            return end - p >= 2 && p[1] == '#' ? p + 1 : NULL;
    }
    return NULL;
}

const char *sioc_doc(sioc_arena *a, const char *src, size_t len, sioc_span at)
{
    const char *end = src + len, *start, *line_end, *hash, *first;
    size_t total = 0, nabove = 0;
    char *out, *q;

    if (!src || at.line == 0 || at.offset > len)
        return NULL;
    start = src + at.offset;
    while (start > src && start[-1] != '\n')
        start--;
    line_end = memchr(start, '\n', (size_t)(end - start));
    if (!line_end)
        line_end = end;

    /* The comment lines above, found bottom-up: first is the topmost. */
    first = start;
    while (first > src) {
        const char *prev = first - 1; /* its '\n' */

        while (prev > src && prev[-1] != '\n')
            prev--;
        if (!(hash = line_comment(prev, first - 1)))
            break;
        total += (size_t)(first - 1 - hash) + 1;
        nabove++;
        first = prev;
    }
    hash = trailing_comment(start, line_end);
    if (hash)
        total += (size_t)(line_end - hash) + 1;
    if (!nabove && !hash)
        return NULL;

    out = q = sioc_arena_alloc(a, total + 1);
    for (const char *p = first; nabove > 0; nabove--) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *h = line_comment(p, nl);
        char *t = comment_text(a, h + 1, nl);

        q += sprintf(q, "%s%s", q == out ? "" : "\n", t);
        p = nl + 1;
    }
    if (hash)
        sprintf(q, "%s%s", q == out ? "" : "\n",
                comment_text(a, hash + 1, line_end));
    return out;
}
