/* sio_json_lenient.c - rewrites the two things JavaScript clients send
 * that jansson refuses, so that they reach the application instead of
 * closing the connection:
 *
 *   - a \uD800-\uDFFF escape that is not half of a surrogate pair (what
 *     JSON.stringify makes of a string cut inside an emoji) becomes
 *     \uFFFD, the replacement character, as TextDecoder would;
 *   - a number whose magnitude is past the largest double (1e400, what
 *     JSON.parse reads as Infinity) becomes that largest double with its
 *     sign, -?1.7976931348623157e308: a typed int or float parameter
 *     then refuses it as out of range, naming the argument.
 *
 * Everything else is copied as is; the text is not otherwise validated
 * (jansson does that on the result). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sio_packet.h"

#define DBL_MAX_TEXT "1.7976931348623157e308"

typedef struct out {
    char *p;
    size_t n, cap;
    bool changed;
} out;

static int put(out *o, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (o->n + n > o->cap) {
        size_t cap = o->cap ? o->cap : 64;
        char *p;
        while (cap < o->n + n)
            cap *= 2;
        if (!(p = realloc(o->p, cap)))
            return -1;
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    return 0;
}

static int hex4(const char *s, size_t n, size_t i)
{
    int v = 0;

    if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u')
        return -1;
    for (size_t k = i + 2; k < i + 6; k++) {
        int c = s[k], d = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* A string from its opening quote at *i; *i ends after its closing one. */
static int copy_string(const char *s, size_t n, size_t *i, out *o)
{
    size_t from = (*i)++;

    while (*i < n && s[*i] != '"') {
        int u = s[*i] == '\\' ? hex4(s, n, *i) : -1;
        if (u >= 0xD800 && u <= 0xDBFF) {
            int lo = hex4(s, n, *i + 6);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                *i += 12; /* a pair: kept */
                continue;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF) {
            if (put(o, s + from, *i - from) || put(o, "\\uFFFD", 6))
                return -1;
            o->changed = true;
            *i += 6;
            from = *i;
            continue;
        }
        *i += s[*i] == '\\' && *i + 1 < n ? 2 : 1;
    }
    if (*i < n)
        (*i)++;
    return put(o, s + from, *i - from);
}

/* Does the number text s[0..n) overflow a double? */
static bool overflows(const char *s, size_t n)
{
    char small[64], *t = n < sizeof small ? small : malloc(n + 1);
    double v;
    bool big;

    if (!t)
        return false; /* left for jansson to refuse */
    memcpy(t, s, n);
    t[n] = '\0';
    errno = 0;
    v = strtod(t, NULL);
    big = errno == ERANGE && isinf(v);
    if (t != small)
        free(t);
    return big;
}

static int copy_number(const char *s, size_t n, size_t *i, out *o)
{
    size_t from = *i;
    bool exp = false;

    while (*i < n && s[*i] && strchr("+-0123456789.eE", s[*i])) {
        exp |= s[*i] == 'e' || s[*i] == 'E';
        (*i)++;
    }
    /* without an exponent, only a number of more than 308 digits can */
    if ((exp || *i - from > 308) && overflows(s + from, *i - from)) {
        o->changed = true;
        return (s[from] == '-' && put(o, "-", 1)) ||
               put(o, DBL_MAX_TEXT, sizeof DBL_MAX_TEXT - 1);
    }
    return put(o, s + from, *i - from);
}

int siop_json_lenient(const char *s, size_t n, char **res, size_t *res_len)
{
    out o = {0};
    size_t i = 0;

    *res = NULL;
    *res_len = 0;
    while (i < n) {
        size_t from = i;
        int rc = 0;
        while (i < n && s[i] != '"' && s[i] != '-' &&
               !(s[i] >= '0' && s[i] <= '9'))
            i++;
        if (put(&o, s + from, i - from))
            rc = -1;
        else if (i < n && s[i] == '"')
            rc = copy_string(s, n, &i, &o);
        else if (i < n)
            rc = copy_number(s, n, &i, &o);
        if (rc) {
            free(o.p);
            return -1;
        }
    }
    if (!o.changed) {
        free(o.p);
        return 0;
    }
    *res = o.p;
    *res_len = o.n;
    return 1;
}
