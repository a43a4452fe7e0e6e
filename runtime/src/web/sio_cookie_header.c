/* sio_cookie_header.c - the Cookie request header (RFC 6265 5.4) and
 * Set-Cookie values (RFC 6265 4.1, SameSite from RFC 6265bis).
 *
 * Reading is lenient, as browsers and Werkzeug are, because the header
 * comes from any client; writing is strict, because a stray ";" or CRLF
 * in a value would let it set other attributes or headers. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "sio_cookie_internal.h"

/* ---- Cookie ---------------------------------------------------------- */

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims optional whitespace around s[0..*n). */
static const char *trim(const char *s, size_t *n)
{
    while (*n > 0 && is_ows(s[0])) {
        s++;
        (*n)--;
    }
    while (*n > 0 && is_ows(s[*n - 1]))
        (*n)--;
    return s;
}

static int copy_value(const char *v, size_t n, char *out, size_t outlen)
{
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        v++;
        n -= 2;
    }
    if (n >= outlen || n > INT_MAX) {
        if (outlen > 0)
            out[0] = '\0';
        return SIO_COOKIE_ENOSPACE;
    }
    memcpy(out, v, n);
    out[n] = '\0';
    return (int)n;
}

int sio_cookie_get(const char *cookie_header, const char *name, char *out,
                   size_t outlen)
{
    size_t name_len = name ? strlen(name) : 0;
    const char *p = cookie_header;

    if (!p || name_len == 0 || (!out && outlen > 0))
        return SIO_COOKIE_EINVAL;
    for (;;) {
        size_t n = strcspn(p, ";"), key_len;
        const char *pair = trim(p, &n);
        const char *eq = memchr(pair, '=', n);

        if (eq) {
            const char *key = pair, *value = eq + 1;
            size_t value_len = n - (size_t)(value - pair);

            key_len = (size_t)(eq - pair);
            key = trim(key, &key_len);
            value = trim(value, &value_len);
            if (key_len == name_len && memcmp(key, name, name_len) == 0)
                return copy_value(value, value_len, out, outlen);
        }
        p += strcspn(p, ";");
        if (*p == '\0')
            return SIO_COOKIE_ENOENT;
        p++;
    }
}

/* ---- Set-Cookie ------------------------------------------------------ */

/* RFC 7230 tchar. */
static bool is_token_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 6265 cookie-octet: visible ASCII but DQUOTE , ; and backslash. */
static bool is_cookie_octet(unsigned char c)
{
    return c >= 0x21 && c <= 0x7E && c != '"' && c != ',' && c != ';' &&
           c != '\\';
}

/* Path and Domain values: any CHAR but controls and ";". */
static bool is_av_char(unsigned char c)
{
    return c >= 0x20 && c <= 0x7E && c != ';';
}

static bool all_chars(const char *s, bool (*ok)(unsigned char))
{
    for (; *s; s++)
        if (!ok((unsigned char)*s))
            return false;
    return true;
}

static bool attrs_valid(const sio_cookie_attrs *a)
{
    if (!a)
        return true;
    if ((a->path && !all_chars(a->path, is_av_char)) ||
        (a->domain && !all_chars(a->domain, is_av_char)))
        return false;
    /* Browsers drop SameSite=None cookies that are not Secure. */
    return (unsigned)a->same_site <= SIO_SAMESITE_NONE &&
           (a->same_site != SIO_SAMESITE_NONE || a->secure);
}

static void put_attrs(siop_buf *b, const sio_cookie_attrs *a)
{
    static const char *const same_site[] = {NULL, "Lax", "Strict", "None"};
    char num[32];

    if (a->domain) {
        siop_buf_puts(b, "; Domain=");
        siop_buf_puts(b, a->domain);
    }
    if (a->path) {
        siop_buf_puts(b, "; Path=");
        siop_buf_puts(b, a->path);
    }
    if (a->max_age_s >= 0) {
        snprintf(num, sizeof(num), "; Max-Age=%" PRId64, a->max_age_s);
        siop_buf_puts(b, num);
    }
    if (a->secure)
        siop_buf_puts(b, "; Secure");
    if (a->http_only)
        siop_buf_puts(b, "; HttpOnly");
    if (same_site[a->same_site]) {
        siop_buf_puts(b, "; SameSite=");
        siop_buf_puts(b, same_site[a->same_site]);
    }
}

void sio_cookie_attrs_init(sio_cookie_attrs *a)
{
    *a = (sio_cookie_attrs){.path = "/",
                            .max_age_s = -1,
                            .http_only = true,
                            .same_site = SIO_SAMESITE_LAX};
}

int sio_set_cookie_format(const char *name, const char *value,
                          const sio_cookie_attrs *attrs, char *out,
                          size_t outlen)
{
    siop_buf b = {0};
    int rc;

    if (out && outlen > 0)
        out[0] = '\0';
    if (!name || !*name || !value || (!out && outlen > 0) ||
        !all_chars(name, is_token_char) || !all_chars(value, is_cookie_octet) ||
        !attrs_valid(attrs))
        return SIO_COOKIE_EINVAL;
    siop_buf_puts(&b, name);
    siop_buf_putc(&b, '=');
    siop_buf_puts(&b, value);
    if (attrs)
        put_attrs(&b, attrs);
    if (b.oom)
        rc = SIO_COOKIE_ENOMEM;
    else if (b.len >= outlen || b.len > INT_MAX)
        rc = SIO_COOKIE_ENOSPACE;
    else {
        memcpy(out, b.p, b.len);
        out[b.len] = '\0';
        rc = (int)b.len;
    }
    siop_buf_fini(&b);
    return rc;
}
