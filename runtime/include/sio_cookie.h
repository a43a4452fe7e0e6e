/* sio_cookie.h - Flask-compatible session cookies, signed tokens, and
 * the Cookie / Set-Cookie headers.
 *
 * A pure codec: no I/O, no clock (callers pass the time), no global
 * state. The cookie is Flask 2.x's (SecureCookieSessionInterface):
 *
 *     [.]BASE64URL(payload) "." BASE64URL(timestamp) "." BASE64URL(sig)
 *
 * payload: compact JSON (keys sorted, non-ASCII as \uXXXX, as Flask's
 * JSON provider writes it) in Flask's tagged-JSON convention, zlib-
 * compressed with a leading "." when that is shorter (itsdangerous's
 * rule: compressed length < JSON length - 1); timestamp: the signing
 * time in seconds, big-endian, leading zero bytes dropped; sig: HMAC-SHA1
 * over everything before the last ".", keyed with HMAC-SHA1(secret,
 * "cookie-session"). So a Flask app with the same secret reads and
 * writes the same cookies (base64 is unpadded everywhere).
 *
 * Flask's tags and what sio_cookie_decode makes of them (the JSON view):
 *     " t"  tuple     -> array
 *     " b"  bytes     -> its standard base64 text (with padding)
 *     " m"  Markup    -> its text
 *     " u"  UUID      -> "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lowercase)
 *     " d"  datetime  -> its HTTP-date text ("Tue, 02 Jan 2024 03:04:05 GMT")
 *     " di" a one-key object whose key is a tag ({" t": 1}) -> that object
 * sio_cookie_encode writes plain JSON and escapes one-key objects whose
 * key is a tag with " di", as Flask does; so every JSON value round-trips
 * through Flask unchanged, while t/b/m/u/d come back to Flask as list /
 * str. To keep those types across a rewrite, use SIO_COOKIE_RAW_TAGS:
 * decode then returns Flask's tagged JSON untouched and encode writes it
 * as given (the caller keeps it well-formed).
 *
 * Refusals never distinguish more than a log line needs: a tampered
 * cookie and one signed with another secret are both SIO_COOKIE_EBADSIG.
 * The signature is checked (in constant time) before anything else of
 * the cookie is decoded, so unauthenticated bytes never reach zlib or
 * the JSON parser.
 *
 * Ownership: "new" = the caller owns the result (json_decref / free);
 * "borrowed" = the callee only reads it during the call.
 */
#ifndef SIO_COOKIE_H
#define SIO_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sio_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SIO_COOKIE_MUST_CHECK __attribute__((warn_unused_result))
#else
#define SIO_COOKIE_MUST_CHECK
#endif

/* The codec's names for its results (sio_error.h): err->code, or the
 * return value of the header helpers. */
#define SIO_COOKIE_OK SIO_OK
#define SIO_COOKIE_EINVAL SIO_EINVAL
#define SIO_COOKIE_ENOMEM SIO_ENOMEM
#define SIO_COOKIE_EMALFORMED SIO_EMALFORMED
#define SIO_COOKIE_EBADSIG SIO_EBADSIG
#define SIO_COOKIE_EEXPIRED SIO_EEXPIRED
#define SIO_COOKIE_ETOOBIG SIO_ETOOBIG
#define SIO_COOKIE_EPAYLOAD SIO_EPAYLOAD
#define SIO_COOKIE_ENOENT SIO_ENOENT
#define SIO_COOKIE_ENOSPACE SIO_ENOSPACE

/* Default limits. 4093 is Flask's max_cookie_size (browsers keep about
 * 4096 bytes per cookie, name and attributes included). */
#define SIO_COOKIE_MAX_LEN 4093
#define SIO_COOKIE_MAX_INFLATED 65536
/* Containers nested in a payload (as on the wire, tags included):
 * deeper is SIO_COOKIE_EPAYLOAD on decode, SIO_COOKIE_EINVAL on encode.
 * It bounds the codec's recursion; real sessions are a few levels deep. */
#define SIO_COOKIE_MAX_DEPTH 256
/* Flask's PERMANENT_SESSION_LIFETIME: 31 days. */
#define SIO_COOKIE_FLASK_MAX_AGE (31 * 24 * 3600)
/* max_age_s value: do not check the age. */
#define SIO_COOKIE_NO_MAX_AGE (-1)

/* Why a call failed (sio_error.h). */
typedef sio_error sio_cookie_error;

/* A static name of code ("bad signature"). */
#define sio_cookie_strerror sio_strerror

/* ---- session cookies ------------------------------------------------- */

enum {
    /* Keep Flask's tagged JSON as is (see above). */
    SIO_COOKIE_RAW_TAGS = 1u << 0,
};

typedef struct sio_cookie_opts {
    int64_t max_age_s;   /* decode: refuse older cookies;
                            SIO_COOKIE_NO_MAX_AGE: no check */
    size_t max_len;      /* decode: refuse longer input; encode: refuse a
                            longer cookie. 0: SIO_COOKIE_MAX_LEN */
    size_t max_inflated; /* the payload's JSON, decompressed; past it
                            decode stops inflating and refuses, encode
                            refuses. 0: SIO_COOKIE_MAX_INFLATED */
    unsigned flags;      /* SIO_COOKIE_RAW_TAGS */
} sio_cookie_opts;

/* Defaults: Flask's max age (31 days), the default limits, no flags. */
void sio_cookie_opts_init(sio_cookie_opts *o);

/* Verifies and decodes a session cookie value (the part after
 * "session="; len bytes, not NUL-trusted) signed with secret (NUL-
 * terminated, non-empty). now_s is the current Unix time; max_age_s as
 * in sio_cookie_opts. Returns a new JSON object, or NULL with err set
 * (err may be NULL). Callers treat NULL as an empty session (with one
 * log line: err->text); like Flask, they skip decoding an absent or
 * empty cookie, which is no error. */
json_t *sio_cookie_decode(const char *cookie, size_t len, const char *secret,
                          int64_t max_age_s, int64_t now_s,
                          sio_cookie_error *err) SIO_COOKIE_MUST_CHECK;
/* The same with every option (o NULL: defaults). */
json_t *sio_cookie_decode_with(const char *cookie, size_t len,
                               const char *secret, int64_t now_s,
                               const sio_cookie_opts *o,
                               sio_cookie_error *err) SIO_COOKIE_MUST_CHECK;

/* Encodes session (borrowed; a JSON object) as a cookie value signed
 * with secret at time now_s (>= 0). Returns a new NUL-terminated string,
 * or NULL with err set: SIO_COOKIE_ETOOBIG when it would be longer than
 * max_len (0: SIO_COOKIE_MAX_LEN) - never a truncated cookie. */
char *sio_cookie_encode(const json_t *session, const char *secret,
                        int64_t now_s, size_t max_len,
                        sio_cookie_error *err) SIO_COOKIE_MUST_CHECK;
/* The same with every option (o NULL: defaults). */
char *sio_cookie_encode_with(const json_t *session, const char *secret,
                             int64_t now_s, const sio_cookie_opts *o,
                             sio_cookie_error *err) SIO_COOKIE_MUST_CHECK;

/* ---- signed tokens ---------------------------------------------------
 *
 * itsdangerous's URLSafeTimedSerializer(secret, salt=salt) with its
 * defaults (SHA-1, key = SHA1(salt + "signer" + secret), compact JSON in
 * the payload's key order, UTF-8 unescaped, zlib when shorter), so Flask
 * code reads them with .loads(token, max_age=...) and sioc reads its
 * tokens. The salt separates uses: a token for one purpose (or
 * namespace) does not verify under another salt. Tokens are bounded like
 * cookies (SIO_COOKIE_MAX_LEN, SIO_COOKIE_MAX_INFLATED). */

/* Signs payload (borrowed; any JSON value). Returns a new string, or
 * NULL with err set. */
char *sio_token_sign(const char *secret, const char *salt,
                     const json_t *payload, int64_t now_s,
                     sio_cookie_error *err) SIO_COOKIE_MUST_CHECK;
/* Verifies token (len bytes) and returns its payload (new), or NULL with
 * err set. */
json_t *sio_token_verify(const char *token, size_t len, const char *secret,
                         const char *salt, int64_t max_age_s, int64_t now_s,
                         sio_cookie_error *err) SIO_COOKIE_MUST_CHECK;

/* ---- Cookie and Set-Cookie headers ------------------------------------ */

/* Finds cookie name in a Cookie request header ("a=1; b=2", RFC 6265
 * section 5.4; whitespace around pairs is ignored, pairs without "=" are
 * skipped, the first pair of that name wins, a value in double quotes
 * loses the quotes - no other unescaping). Copies the value and a NUL
 * into out. Returns the value's length, SIO_COOKIE_ENOENT,
 * SIO_COOKIE_ENOSPACE (out then holds ""), or SIO_COOKIE_EINVAL. */
int sio_cookie_get(const char *cookie_header, const char *name, char *out,
                   size_t outlen);

typedef enum sio_samesite {
    SIO_SAMESITE_UNSET = 0, /* no attribute (the browser's default) */
    SIO_SAMESITE_LAX,
    SIO_SAMESITE_STRICT,
    SIO_SAMESITE_NONE, /* requires secure (browsers drop it otherwise) */
} sio_samesite;

typedef struct sio_cookie_attrs {
    const char *path;   /* NULL: no Path */
    const char *domain; /* NULL: host-only */
    int64_t max_age_s;  /* < 0: no Max-Age (a browser-session cookie);
                           0: delete the cookie now */
    bool http_only;
    bool secure;
    sio_samesite same_site;
} sio_cookie_attrs;

/* Flask's session cookie defaults: Path=/, HttpOnly, no Max-Age, and
 * SameSite=Lax (Flask leaves it unset; Lax is what browsers assume). */
void sio_cookie_attrs_init(sio_cookie_attrs *a);

/* Writes the value of a Set-Cookie header ("name=value; Path=/; ...")
 * and a NUL into out. attrs NULL: no attributes. name must be an HTTP
 * token and value cookie-octets (RFC 6265 4.1.1; any value the encoders
 * here produce is), path and domain without ";" or controls: otherwise
 * SIO_COOKIE_EINVAL, as for SameSite=None without secure. Returns the
 * length written, SIO_COOKIE_ENOSPACE, SIO_COOKIE_EINVAL or
 * SIO_COOKIE_ENOMEM (out then holds ""). */
int sio_set_cookie_format(const char *name, const char *value,
                          const sio_cookie_attrs *attrs, char *out,
                          size_t outlen);

#ifdef __cplusplus
}
#endif
#endif /* SIO_SESSION_H */
