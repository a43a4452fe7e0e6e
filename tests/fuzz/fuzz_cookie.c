/* fuzz_cookie.c - session cookies, tokens and the cookie headers.
 *
 * The first byte picks what the rest is:
 *   0  a cookie, decoded as it comes (seeds are real Flask cookies)
 *   1  "payload.timestamp", signed here, then decoded
 *   2  the payload's JSON text, base64'd (and zlib'd if its length is
 *      odd) and signed here
 *   3  a zlib stream as the payload, signed here (bombs, garbage)
 *   4  a Cookie header, and a Set-Cookie name/value pair
 * The signatures come from OpenSSL here, not from the code under test.
 *
 * Invariants (abort on violation): decode never accepts a value whose
 * signature is not HMAC-SHA1(HMAC-SHA1(secret, salt), signed part); an
 * accepted session is an object, encodes again, and that cookie decodes
 * to an equal value; a cookie with one signature byte changed is
 * refused; the header helpers stay inside their buffers and never emit
 * ";" or controls from a value. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "sio_cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            abort();                                                           \
    } while (0)

#define SECRET "sioc-test-secret"
#define NOW 1700000000

static void b64url(const uint8_t *in, size_t n, char *out)
{
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);

    for (int i = 0; i < len; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
}

/* base64url of HMAC-SHA1 with Flask's session key, over s[0..n). */
static void flask_sig(const char *s, size_t n, char out[32])
{
    static const char salt[] = "cookie-session";
    uint8_t key[20], mac[20];
    unsigned kl = 20, ml = 20;

    HMAC(EVP_sha1(), SECRET, (int)strlen(SECRET), (const unsigned char *)salt,
         strlen(salt), key, &kl);
    HMAC(EVP_sha1(), key, 20, (const unsigned char *)s, n, mac, &ml);
    b64url(mac, 20, out);
}

/* True if cookie[0..n) ends in the right signature of what precedes. */
static bool signature_ok(const char *c, size_t n)
{
    char want[32];
    size_t dot = n;

    while (dot > 0 && c[dot - 1] != '.')
        dot--;
    if (dot == 0)
        return false;
    flask_sig(c, dot - 1, want);
    return n - dot == strlen(want) && memcmp(c + dot, want, n - dot) == 0;
}

/* body + "." + signature (malloc'd; the body may hold NULs). */
static char *sign(const char *body, size_t n, size_t *len)
{
    char *out = malloc(n + 40);

    memcpy(out, body, n);
    out[n] = '.';
    flask_sig(body, n, out + n + 1);
    *len = n + 1 + strlen(out + n + 1);
    return out;
}

static void check_reencode(const json_t *v, unsigned flags)
{
    sio_cookie_opts o;
    sio_cookie_error err;
    char *c;
    json_t *back;

    sio_cookie_opts_init(&o);
    o.flags = flags;
    o.max_age_s = SIO_COOKIE_NO_MAX_AGE;
    /* Our JSON may be longer than the input's (\u escapes, UUID dashes). */
    o.max_len = 1 << 22;
    o.max_inflated = 1 << 20;
    c = sio_cookie_encode_with(v, SECRET, NOW, &o, &err);
    CHECK(c != NULL);
    CHECK(signature_ok(c, strlen(c)));
    back = sio_cookie_decode_with(c, strlen(c), SECRET, NOW, &o, &err);
    CHECK(back != NULL && json_equal(back, v));
    json_decref(back);
    free(c);
}

/* Decodes c both ways; checks what is accepted. */
static void decode_checked(const char *c, size_t n, int64_t max_age)
{
    for (unsigned flags = 0; flags <= SIO_COOKIE_RAW_TAGS; flags++) {
        sio_cookie_opts o;
        sio_cookie_error err;
        json_t *v;

        sio_cookie_opts_init(&o);
        o.flags = flags;
        o.max_age_s = max_age;
        v = sio_cookie_decode_with(c, n, SECRET, NOW, &o, &err);
        if (!v) {
            CHECK(err.code < 0 && err.text[0] != '\0');
            continue;
        }
        CHECK(signature_ok(c, n));
        CHECK(json_is_object(v));
        check_reencode(v, flags);
        json_decref(v);
    }
}

/* A signed cookie with one signature byte changed is refused. */
static void check_flipped(char *c, size_t n, uint8_t how)
{
    size_t i = n - 1 - how % 27;
    char old = c[i];

    c[i] = (char)(c[i] ^ (how | 1));
    CHECK(sio_cookie_decode(c, n, SECRET, -1, NOW, NULL) == NULL);
    c[i] = old;
}

static void fuzz_signed_body(const char *body, size_t n, uint8_t how)
{
    size_t len;
    char *c = sign(body, n, &len);

    decode_checked(c, len, SIO_COOKIE_NO_MAX_AGE);
    check_flipped(c, len, how);
    free(c);
}

/* "[.]base64url(bytes).timestamp" around raw payload bytes. */
static void fuzz_payload(const uint8_t *p, size_t n, bool zip, uint8_t how)
{
    uLongf zlen = compressBound((uLong)n);
    uint8_t *z = malloc(zlen);
    char *body = malloc((zlen > n ? zlen : n) * 4 / 3 + 16);
    size_t off = 0;

    if (zip && compress2(z, &zlen, p, (uLong)n, 6) == Z_OK) {
        body[off++] = '.';
        p = z;
        n = zlen;
    }
    b64url(p, n, body + off);
    strcat(body, ".ZVPxAA"); /* NOW */
    fuzz_signed_body(body, strlen(body), how);
    free(body);
    free(z);
}

static void fuzz_zlib_stream(const uint8_t *p, size_t n, uint8_t how)
{
    char *body = malloc(n * 4 / 3 + 16);

    body[0] = '.';
    b64url(p, n, body + 1);
    strcat(body, ".ZVPxAA");
    fuzz_signed_body(body, strlen(body), how);
    free(body);
}

static bool clean_value(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == ';' || *s == ',' || *s == '"' ||
            *s == '\\' || (unsigned char)*s >= 0x7F)
            return false;
    return true;
}

static void fuzz_headers(const uint8_t *p, size_t n)
{
    char *h = malloc(n + 1), out[64], set[128];
    const char *nul;
    int rc;

    memcpy(h, p, n);
    h[n] = '\0';
    rc = sio_cookie_get(h, "session", out, sizeof(out));
    CHECK(rc == SIO_COOKIE_ENOENT || rc == SIO_COOKIE_ENOSPACE ||
          (rc >= 0 && (size_t)rc == strlen(out) && (size_t)rc < n));
    /* "name\0value": the pair as an application might pass it. */
    nul = memchr(h, '\0', n);
    if (nul && nul + 1 < h + n) {
        rc = sio_set_cookie_format(h, nul + 1, NULL, set, sizeof(set));
        CHECK(rc < 0 || ((size_t)rc == strlen(set) && clean_value(nul + 1) &&
                         strchr(set, ';') == NULL));
    }
    free(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t mode, how;

    if (size < 2)
        return 0;
    mode = data[0] % 5;
    how = data[size - 1];
    data++;
    size--;
    switch (mode) {
    case 0:
        decode_checked((const char *)data, size, SIO_COOKIE_NO_MAX_AGE);
        decode_checked((const char *)data, size, SIO_COOKIE_FLASK_MAX_AGE);
        break;
    case 1:
        fuzz_signed_body((const char *)data, size, how);
        break;
    case 2:
        fuzz_payload(data, size, size % 2, how);
        break;
    case 3:
        fuzz_zlib_stream(data, size, how);
        break;
    default:
        fuzz_headers(data, size);
        break;
    }
    return 0;
}
