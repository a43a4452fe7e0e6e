/* sio_cookie_json.c - the JSON of Flask's cookies: a writer that gives
 * byte for byte what Python's json.dumps gives (so our cookies equal
 * Flask's, and tests can compare them), and Flask's tagged JSON.
 *
 * Flask writes sessions with separators (",", ":"), sort_keys=True and
 * ensure_ascii=True; itsdangerous writes tokens in the payload's order
 * and unescaped UTF-8. Both escape like Python: \" \\ \b \f \n \r \t,
 * other controls (and, under ensure_ascii, DEL and non-ASCII) as
 * lowercase \uXXXX, astral code points as surrogate pairs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sio_cookie_internal.h"

/* ---- Flask's tags ------------------------------------------------------- */

/* The tags Flask 2.x registers by default; a one-key object whose key is
 * one of these must be escaped with " di" to stay an object. */
static const char *const flask_tags[] = {" di", " t", " b", " m", " u", " d"};

static bool is_tag(const char *key, size_t len)
{
    for (size_t i = 0; i < sizeof(flask_tags) / sizeof(flask_tags[0]); i++)
        if (strlen(flask_tags[i]) == len &&
            memcmp(flask_tags[i], key, len) == 0)
            return true;
    return false;
}

/* ---- writer ------------------------------------------------------------- */

typedef struct writer {
    siop_buf *out;
    unsigned flags;
    sio_error *err;
} writer;

static int dump_value(writer *w, const json_t *v, unsigned depth);

/* Decodes one UTF-8 sequence of s[0..n) into *cp; returns its length, or
 * 0 if it is not well-formed (overlong, surrogate, past U+10FFFF). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    uint32_t c = s[0];
    size_t len = c < 0x80         ? 1
                 : (c >> 5) == 6  ? 2
                 : (c >> 4) == 14 ? 3
                 : (c >> 3) == 30 ? 4
                                  : 0;

    if (len == 0 || len > n)
        return 0;
    c = len == 1 ? c : c & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3Fu);
    }
    if (c < min_cp[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

static void put_u16(siop_buf *b, uint32_t u)
{
    char esc[12];

    snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)u & 0xFFFFu);
    siop_buf_put(b, esc, 6);
}

/* One code point of a string, escaped as Python escapes it. */
static void put_char(writer *w, const unsigned char *s, size_t len, uint32_t cp)
{
    static const char short_esc[] = "btn\0fr";
    bool ascii = w->flags & SIOP_JSON_ASCII;

    if (cp == '"' || cp == '\\') {
        siop_buf_putc(w->out, '\\');
        siop_buf_putc(w->out, (char)cp);
    } else if (cp >= 8 && cp <= 13 && short_esc[cp - 8]) {
        siop_buf_putc(w->out, '\\');
        siop_buf_putc(w->out, short_esc[cp - 8]);
    } else if (cp < 0x20 || (ascii && cp == 0x7F)) {
        put_u16(w->out, cp);
    } else if (!ascii || cp < 0x80) {
        siop_buf_put(w->out, s, len);
    } else if (cp < 0x10000) {
        put_u16(w->out, cp);
    } else {
        put_u16(w->out, 0xD800 | ((cp - 0x10000) >> 10));
        put_u16(w->out, 0xDC00 | ((cp - 0x10000) & 0x3FF));
    }
}

static int dump_string(writer *w, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;

    siop_buf_putc(w->out, '"');
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_next(s + i, n - i, &cp);

        if (len == 0)
            return siop_error(w->err, SIO_COOKIE_EINVAL,
                              "invalid UTF-8 in a string");
        put_char(w, s + i, len, cp);
        i += len;
    }
    siop_buf_putc(w->out, '"');
    return 0;
}

/* The shortest "%.*e" that reads back as d: the digits Python's repr
 * chooses (the nearest p-digit decimal is inside the rounding interval
 * whenever any p-digit decimal is). printf and strtod agree on the
 * locale's decimal point, and put_repr keeps only digits and exponent,
 * so an application's setlocale cannot turn "2.5" into "2,5". */
static void shortest_e(double d, char *out, size_t outlen)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(out, outlen, "%.*e", p - 1, d);
        if (strtod(out, NULL) == d)
            return;
    }
}

/* Writes the digits of a "%e" string the way float.__repr__ does:
 * exponent form below 1e-4 and from 1e16 on, else positional with at
 * least one digit after the point. */
static void put_repr(siop_buf *b, const char *e)
{
    char digits[24];
    size_t nd = 0;
    const char *x = strchr(e, 'e');
    int exp = atoi(x + 1);

    if (*e == '-')
        siop_buf_putc(b, *e++);
    for (; e < x; e++)
        if (*e >= '0' && *e <= '9' && nd < sizeof(digits))
            digits[nd++] = *e;
    if (exp < -4 || exp >= 16) {
        char tail[16];

        siop_buf_putc(b, digits[0]);
        if (nd > 1) {
            siop_buf_putc(b, '.');
            siop_buf_put(b, digits + 1, nd - 1);
        }
        snprintf(tail, sizeof(tail), "e%c%02d", exp < 0 ? '-' : '+',
                 exp < 0 ? -exp : exp);
        siop_buf_puts(b, tail);
    } else if (exp < 0) {
        siop_buf_puts(b, "0.");
        for (int i = exp + 1; i < 0; i++)
            siop_buf_putc(b, '0');
        siop_buf_put(b, digits, nd);
    } else {
        size_t whole = (size_t)exp + 1;

        for (size_t i = 0; i < whole; i++)
            siop_buf_putc(b, i < nd ? digits[i] : '0');
        siop_buf_putc(b, '.');
        if (nd > whole)
            siop_buf_put(b, digits + whole, nd - whole);
        else
            siop_buf_putc(b, '0');
    }
}

static void dump_real(siop_buf *b, double d)
{
    char e[40];

    shortest_e(d, e, sizeof(e));
    put_repr(b, e);
}

typedef struct member {
    const char *key;
    size_t len;
    const json_t *value;
} member;

/* Python sorts str keys by code point, which is UTF-8 byte order. */
static int member_cmp(const void *a, const void *b)
{
    const member *x = a, *y = b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int dump_members(writer *w, member *m, size_t n, unsigned depth)
{
    if (w->flags & SIOP_JSON_SORT)
        qsort(m, n, sizeof(*m), member_cmp);
    siop_buf_putc(w->out, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            siop_buf_putc(w->out, ',');
        if (dump_string(w, m[i].key, m[i].len) != 0)
            return -1;
        siop_buf_putc(w->out, ':');
        if (dump_value(w, m[i].value, depth + 1) != 0)
            return -1;
    }
    siop_buf_putc(w->out, '}');
    return 0;
}

/* Flask's TagDict: {" t": v} goes out as {" di": {" t__": v}}. */
static int dump_tag_escape(writer *w, const member *m, unsigned depth)
{
    if (depth + 2 > SIO_COOKIE_MAX_DEPTH)
        return siop_error(w->err, SIO_COOKIE_EINVAL, "nested deeper than %d",
                          SIO_COOKIE_MAX_DEPTH);
    siop_buf_puts(w->out, "{\" di\":{");
    if (dump_string(w, m->key, m->len) != 0)
        return -1;
    if (!w->out->oom)
        w->out->len--; /* reopen the key's closing quote to add "__" */
    siop_buf_puts(w->out, "__\":");
    if (dump_value(w, m->value, depth + 2) != 0)
        return -1;
    siop_buf_puts(w->out, "}}");
    return 0;
}

static int dump_object(writer *w, const json_t *v, unsigned depth)
{
    size_t n = json_object_size(v), i = 0;
    member one, *m = n > 1 ? malloc(n * sizeof(*m)) : &one;
    int rc;

    if (!m)
        return siop_error(w->err, SIO_COOKIE_ENOMEM, "out of memory");
    for (void *it = json_object_iter((json_t *)v); it && i < n;
         it = json_object_iter_next((json_t *)v, it), i++)
        m[i] = (member){json_object_iter_key(it), json_object_iter_key_len(it),
                        json_object_iter_value(it)};
    if (n == 1 && (w->flags & SIOP_JSON_TAG) && is_tag(one.key, one.len))
        rc = dump_tag_escape(w, &one, depth);
    else
        rc = dump_members(w, m, i, depth);
    if (m != &one)
        free(m);
    return rc;
}

static int dump_array(writer *w, const json_t *v, unsigned depth)
{
    siop_buf_putc(w->out, '[');
    for (size_t i = 0; i < json_array_size(v); i++) {
        if (i)
            siop_buf_putc(w->out, ',');
        if (dump_value(w, json_array_get(v, i), depth + 1) != 0)
            return -1;
    }
    siop_buf_putc(w->out, ']');
    return 0;
}

/* depth: how many containers enclose v. */
static int dump_value(writer *w, const json_t *v, unsigned depth)
{
    char num[32];

    if ((json_is_object(v) || json_is_array(v)) &&
        depth + 1 > SIO_COOKIE_MAX_DEPTH)
        return siop_error(w->err, SIO_COOKIE_EINVAL, "nested deeper than %d",
                          SIO_COOKIE_MAX_DEPTH);
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return dump_object(w, v, depth);
    case JSON_ARRAY:
        return dump_array(w, v, depth);
    case JSON_STRING:
        return dump_string(w, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        siop_buf_puts(w->out, num);
        return 0;
    case JSON_REAL:
        dump_real(w->out, json_real_value(v));
        return 0;
    case JSON_TRUE:
        siop_buf_puts(w->out, "true");
        return 0;
    case JSON_FALSE:
        siop_buf_puts(w->out, "false");
        return 0;
    case JSON_NULL:
        siop_buf_puts(w->out, "null");
        return 0;
    }
    return siop_error(w->err, SIO_COOKIE_EINVAL, "not a JSON value");
}

int siop_json_dump(const json_t *v, unsigned flags, siop_buf *out,
                   sio_error *err)
{
    writer w = {out, flags, err};

    if (!v)
        return siop_error(err, SIO_COOKIE_EINVAL, "no JSON value");
    if (dump_value(&w, v, 0) != 0)
        return err ? err->code : SIO_COOKIE_EINVAL;
    if (out->oom)
        return siop_error(err, SIO_COOKIE_ENOMEM, "out of memory");
    return 0;
}

/* ---- reader: Flask's tags to plain JSON -----------------------------------
 */

static json_t *untag_value(json_t *v, bool untag, unsigned depth,
                           sio_error *err);

static json_t *bad_tag(json_t *v, const char *tag, const char *why,
                       sio_error *err)
{
    json_decref(v);
    siop_error(err, SIO_COOKIE_EPAYLOAD, "tag \"%s\": %s", tag, why);
    return NULL;
}

/* " u": Flask writes UUID.hex (32 hex digits); the JSON view is the
 * usual dashed lowercase form, as str(uuid) gives. */
static bool uuid_text(const json_t *hex, char out[37])
{
    const char *s = json_string_value(hex);
    size_t o = 0;

    if (json_string_length(hex) != 32)
        return false;
    for (size_t i = 0; i < 32; i++) {
        char c = s[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
              (c >= 'A' && c <= 'F')))
            return false;
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[o++] = '-';
        out[o++] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
    out[o] = '\0';
    return true;
}

static bool std_base64(const json_t *s)
{
    size_t n = json_string_length(s);
    uint8_t *tmp = malloc(n / 4 * 3 + 2);
    bool ok = tmp && util_b64_decode(json_string_value(s), n, false, tmp) >= 0;

    free(tmp);
    return ok;
}

/* " di": {" t__": v} is the object {" t": v}. */
static json_t *untag_dict(json_t *inner, sio_error *err)
{
    void *it = json_object_iter(inner);
    const char *key;
    size_t len;
    json_t *obj;

    if (!json_is_object(inner) || json_object_size(inner) != 1)
        return bad_tag(inner, " di", "not a one-key object", err);
    key = json_object_iter_key(it);
    len = json_object_iter_key_len(it);
    if (len < 2 || memcmp(key + len - 2, "__", 2) != 0)
        return bad_tag(inner, " di", "key without \"__\"", err);
    obj = json_object();
    if (!obj ||
        json_object_setn(obj, key, len - 2, json_object_iter_value(it)) != 0) {
        json_decref(obj);
        json_decref(inner);
        siop_error(err, SIO_COOKIE_ENOMEM, "out of memory");
        return NULL;
    }
    json_decref(inner);
    return obj;
}

/* Converts the tagged value in (stolen) whose tag is key. */
static json_t *untag_one(const char *key, json_t *in, sio_error *err)
{
    char uuid[37];

    if (strcmp(key, " di") == 0)
        return untag_dict(in, err);
    if (strcmp(key, " t") == 0)
        return json_is_array(in) ? in : bad_tag(in, key, "not an array", err);
    if (!json_is_string(in))
        return bad_tag(in, key, "not a string", err);
    if (strcmp(key, " b") == 0 && !std_base64(in))
        return bad_tag(in, key, "not base64", err);
    if (strcmp(key, " u") != 0)
        return in; /* " m", " d" and " b" keep their text */
    if (!uuid_text(in, uuid))
        return bad_tag(in, key, "not 32 hex digits", err);
    json_decref(in);
    in = json_string(uuid);
    if (!in)
        siop_error(err, SIO_COOKIE_ENOMEM, "out of memory");
    return in;
}

static json_t *untag_object(json_t *v, bool untag, unsigned depth,
                            sio_error *err)
{
    void *it;

    for (it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
        json_t *child = untag_value(json_incref(json_object_iter_value(it)),
                                    untag, depth + 1, err);

        if (!child || json_object_iter_set_new(v, it, child) != 0) {
            json_decref(v);
            return NULL;
        }
    }
    it = json_object_iter(v);
    /* Children first, as Flask's object_hook sees them. */
    if (untag && json_object_size(v) == 1 &&
        is_tag(json_object_iter_key(it), json_object_iter_key_len(it))) {
        json_t *inner = json_incref(json_object_iter_value(it));
        json_t *out = untag_one(json_object_iter_key(it), inner, err);

        json_decref(v);
        return out;
    }
    return v;
}

static json_t *untag_value(json_t *v, bool untag, unsigned depth,
                           sio_error *err)
{
    if (!json_is_object(v) && !json_is_array(v))
        return v;
    if (depth + 1 > SIO_COOKIE_MAX_DEPTH) {
        json_decref(v);
        siop_error(err, SIO_COOKIE_EPAYLOAD, "nested deeper than %d",
                   SIO_COOKIE_MAX_DEPTH);
        return NULL;
    }
    if (json_is_object(v))
        return untag_object(v, untag, depth, err);
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *child = untag_value(json_incref(json_array_get(v, i)), untag,
                                    depth + 1, err);

        if (!child || json_array_set_new(v, i, child) != 0) {
            json_decref(v);
            return NULL;
        }
    }
    return v;
}

json_t *siop_json_untag(json_t *v, bool untag, sio_error *err)
{
    return untag_value(v, untag, 0, err);
}
