/* sio_cookie.c - itsdangerous's signed, timestamped values: Flask's
 * session cookies and URL-safe tokens (see sio_cookie.h for the
 * format). HMAC and SHA-1 are OpenSSL's, deflate is zlib's.
 *
 * Decoding goes signature first (constant-time compare), then the
 * timestamp, and only then the payload, so nothing an attacker forged
 * reaches zlib or the JSON parser; inflation stops at a limit, so a
 * small signed cookie cannot expand without bound either. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "sio_cookie_internal.h"

#define SHA1_LEN 20
#define SIG_B64_LEN 27 /* base64url of 20 bytes, unpadded */
#define TS_MAX_BYTES 8 /* itsdangerous packs the time as ">Q" */

/* How a value is signed: Flask's sessions derive the key by HMAC,
 * itsdangerous's default (tokens) by "django-concat". */
typedef struct signer {
    const char *secret;
    const char *salt;
    bool hmac_key;
} signer;

/* Everything that differs between a session cookie and a token. */
typedef struct format {
    signer sig;
    unsigned json_flags; /* SIOP_JSON_* for encoding */
    bool untag;          /* decode Flask's tags */
    bool object_only;    /* sessions are objects; tokens any value */
    int64_t max_age_s;
    size_t max_len, max_inflated;
} format;

void sio_cookie_opts_init(sio_cookie_opts *o)
{
    *o = (sio_cookie_opts){SIO_COOKIE_FLASK_MAX_AGE, SIO_COOKIE_MAX_LEN,
                           SIO_COOKIE_MAX_INFLATED, 0};
}

/* ---- signing --------------------------------------------------------- */

static bool derive_key(const signer *s, uint8_t key[SHA1_LEN])
{
    unsigned len = 0;
    EVP_MD_CTX *md;
    bool ok;

    if (s->hmac_key)
        return HMAC(EVP_sha1(), s->secret, (int)strlen(s->secret),
                    (const unsigned char *)s->salt, strlen(s->salt), key,
                    &len) != NULL;
    md = EVP_MD_CTX_new();
    ok = md && EVP_DigestInit_ex(md, EVP_sha1(), NULL) &&
         EVP_DigestUpdate(md, s->salt, strlen(s->salt)) &&
         EVP_DigestUpdate(md, "signer", 6) &&
         EVP_DigestUpdate(md, s->secret, strlen(s->secret)) &&
         EVP_DigestFinal_ex(md, key, &len);
    EVP_MD_CTX_free(md);
    return ok;
}

/* Writes the base64url HMAC-SHA1 of msg (SIG_B64_LEN chars, no NUL). */
static int signature(const signer *s, const char *msg, size_t n,
                     char out[SIG_B64_LEN], sio_error *err)
{
    uint8_t key[SHA1_LEN], mac[SHA1_LEN];
    unsigned len = 0;
    bool ok = derive_key(s, key) &&
              HMAC(EVP_sha1(), key, SHA1_LEN, (const unsigned char *)msg, n,
                   mac, &len) != NULL;

    if (ok)
        util_b64_encode(mac, SHA1_LEN, true, out);
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(mac, sizeof(mac));
    return ok ? 0 : siop_error(err, SIO_COOKIE_ENOMEM, "HMAC failed");
}

static const char *last_dot(const char *s, size_t n)
{
    while (n > 0)
        if (s[--n] == '.')
            return s + n;
    return NULL;
}

/* itsdangerous: the time as big-endian bytes, leading zeros dropped. */
static size_t timestamp_b64(int64_t now, char out[12])
{
    uint8_t be[TS_MAX_BYTES];
    size_t skip = 0;

    for (int i = 0; i < TS_MAX_BYTES; i++)
        be[i] = (uint8_t)((uint64_t)now >> (56 - 8 * i));
    while (skip < TS_MAX_BYTES && be[skip] == 0)
        skip++;
    util_b64_encode(be + skip, TS_MAX_BYTES - skip, true, out);
    return util_b64_len(TS_MAX_BYTES - skip, true);
}

static int timestamp_parse(const char *s, size_t n, int64_t *ts, sio_error *err)
{
    uint8_t be[TS_MAX_BYTES + 2];
    uint64_t v = 0;
    long len = n <= 11 ? util_b64_decode(s, n, true, be) : -1;

    if (len < 0 || len > TS_MAX_BYTES)
        return siop_error(err, SIO_COOKIE_EMALFORMED, "malformed timestamp");
    for (long i = 0; i < len; i++)
        v = v << 8 | be[i];
    if (v > INT64_MAX)
        return siop_error(err, SIO_COOKIE_EMALFORMED, "timestamp out of range");
    *ts = (int64_t)v;
    return 0;
}

static int check_age(int64_t ts, const format *f, int64_t now, sio_error *err)
{
    if (f->max_age_s < 0)
        return 0;
    if (ts > now)
        return siop_error(err, SIO_COOKIE_EEXPIRED,
                          "signed %lld s in the future", (long long)(ts - now));
    if (now - ts > f->max_age_s)
        return siop_error(err, SIO_COOKIE_EEXPIRED,
                          "expired: signed %lld s ago, max age %lld s",
                          (long long)(now - ts), (long long)f->max_age_s);
    return 0;
}

/* Verifies "payload.timestamp.signature" and its age; on success
 * *payload_len is the length of the payload part (at the start). */
static int verify(const char *tok, size_t len, const format *f, int64_t now,
                  size_t *payload_len, sio_error *err)
{
    const char *dot = last_dot(tok, len), *ts_dot;
    char want[SIG_B64_LEN];
    int64_t ts = 0;

    if (len > f->max_len)
        return siop_error(err, SIO_COOKIE_ETOOBIG, "%zu bytes, max %zu", len,
                          f->max_len);
    if (!dot)
        return siop_error(err, SIO_COOKIE_EMALFORMED, "no signature");
    if (signature(&f->sig, tok, (size_t)(dot - tok), want, err) != 0)
        return err ? err->code : SIO_COOKIE_ENOMEM;
    if ((size_t)(tok + len - dot - 1) != SIG_B64_LEN ||
        CRYPTO_memcmp(dot + 1, want, SIG_B64_LEN) != 0)
        return siop_error(err, SIO_COOKIE_EBADSIG,
                          "signature mismatch (tampered, or another secret)");
    ts_dot = last_dot(tok, (size_t)(dot - tok));
    if (!ts_dot)
        return siop_error(err, SIO_COOKIE_EMALFORMED, "no timestamp");
    if (timestamp_parse(ts_dot + 1, (size_t)(dot - ts_dot - 1), &ts, err) ||
        check_age(ts, f, now, err))
        return err ? err->code : SIO_COOKIE_EMALFORMED;
    *payload_len = (size_t)(ts_dot - tok);
    return 0;
}

/* ---- payload ------------------------------------------------------------ */

/* Inflates a zlib stream into out, refusing past limit bytes: the
 * buffer never grows beyond limit + 1, whatever the stream claims. */
static int inflate_bounded(const uint8_t *in, size_t n, size_t limit,
                           siop_buf *out, sio_error *err)
{
    size_t cap = limit < SIZE_MAX / 2 ? limit + 1 : SIZE_MAX / 2;
    z_stream zs = {0};
    int rc = n <= UINT_MAX ? inflateInit(&zs) : Z_DATA_ERROR;

    if (rc != Z_OK)
        return siop_error(err, SIO_COOKIE_EPAYLOAD, "payload is not zlib");
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    while (out->len < cap) {
        size_t room = out->len > n * 4 ? out->len : n * 4 + 256;
        char *dst;

        room = room < cap - out->len ? room : cap - out->len;
        room = room < (1u << 30) ? room : (1u << 30);
        dst = siop_buf_extend(out, room);
        if (!dst)
            break;
        zs.next_out = (Bytef *)dst;
        zs.avail_out = (uInt)room;
        rc = inflate(&zs, Z_NO_FLUSH);
        out->len -= zs.avail_out; /* give back what was not written */
        /* Done, broken, or starved of input with room left: stop. */
        if (rc != Z_OK || (zs.avail_in == 0 && zs.avail_out > 0))
            break;
    }
    inflateEnd(&zs);
    if (out->oom)
        return siop_error(err, SIO_COOKIE_ENOMEM, "out of memory");
    if (out->len > limit)
        return siop_error(err, SIO_COOKIE_ETOOBIG,
                          "payload inflates past %zu bytes", limit);
    if (rc != Z_STREAM_END || zs.avail_in != 0)
        return siop_error(err, SIO_COOKIE_EPAYLOAD,
                          "payload is not one zlib stream");
    return 0;
}

/* The payload's JSON text: base64url, inflated if it starts with ".". */
static int payload_bytes(const char *p, size_t n, const format *f,
                         siop_buf *json, sio_error *err)
{
    bool zipped = n > 0 && p[0] == '.';
    uint8_t *raw;
    long len;
    int rc = 0;

    p += zipped;
    n -= zipped;
    raw = malloc(n / 4 * 3 + 2);
    if (!raw)
        return siop_error(err, SIO_COOKIE_ENOMEM, "out of memory");
    len = util_b64_decode(p, n, true, raw);
    if (len < 0)
        rc = siop_error(err, SIO_COOKIE_EPAYLOAD, "payload is not base64url");
    else if (zipped)
        rc = inflate_bounded(raw, (size_t)len, f->max_inflated, json, err);
    else if ((size_t)len > f->max_inflated)
        rc = siop_error(err, SIO_COOKIE_ETOOBIG, "payload over %zu bytes",
                        f->max_inflated);
    else
        siop_buf_put(json, raw, (size_t)len);
    free(raw);
    if (rc == 0 && json->oom)
        rc = siop_error(err, SIO_COOKIE_ENOMEM, "out of memory");
    return rc;
}

static json_t *payload_load(const char *p, size_t n, const format *f,
                            sio_error *err)
{
    siop_buf text = {0};
    json_error_t jerr;
    json_t *v = NULL;

    if (payload_bytes(p, n, f, &text, err) == 0) {
        v = json_loadb(text.p ? text.p : "", text.len,
                       JSON_ALLOW_NUL | (f->object_only ? 0 : JSON_DECODE_ANY),
                       &jerr);
        /* The position, not jansson's text: that quotes session data. */
        if (!v)
            siop_error(err, SIO_COOKIE_EPAYLOAD,
                       "payload is not JSON (at byte %d)", jerr.position);
    }
    siop_buf_fini(&text);
    /* Untagged first: {" t": [...]} is an object but not a session. */
    v = v ? siop_json_untag(v, f->untag, err) : NULL;
    if (v && f->object_only && !json_is_object(v)) {
        json_decref(v);
        siop_error(err, SIO_COOKIE_EPAYLOAD, "payload is not a JSON object");
        return NULL;
    }
    return v;
}

static json_t *load(const char *tok, size_t len, const format *f, int64_t now,
                    sio_error *err)
{
    size_t payload_len = 0;

    if (!tok || !f->sig.secret || !f->sig.secret[0] || !f->sig.salt) {
        siop_error(err, SIO_COOKIE_EINVAL, "no value, secret or salt");
        return NULL;
    }
    if (verify(tok, len, f, now, &payload_len, err) != 0)
        return NULL;
    return payload_load(tok, payload_len, f, err);
}

/* ---- encoding --------------------------------------------------------- */

/* Compresses json into z when that is shorter by 2 bytes or more
 * (itsdangerous's rule). Returns the bytes to base64: json or z. If
 * zlib cannot allocate, the uncompressed form is still a valid cookie. */
static const siop_buf *maybe_compress(const siop_buf *json, siop_buf *z)
{
    uLongf zlen = compressBound((uLong)json->len);
    Bytef *dst = (Bytef *)siop_buf_extend(z, zlen);

    if (!dst ||
        compress2(dst, &zlen, (const Bytef *)json->p, (uLong)json->len,
                  Z_DEFAULT_COMPRESSION) != Z_OK ||
        zlen + 1 >= json->len)
        return json;
    z->len = zlen;
    return z;
}

/* Appends "[.]payload.timestamp" for json to out. */
static void put_body(const siop_buf *json, int64_t now, siop_buf *out)
{
    siop_buf z = {0};
    const siop_buf *bytes = maybe_compress(json, &z);
    size_t n = util_b64_len(bytes->len, true);
    char *dst, ts[12];

    if (bytes == &z)
        siop_buf_putc(out, '.');
    dst = siop_buf_extend(out, n);
    if (dst)
        util_b64_encode((const uint8_t *)bytes->p, bytes->len, true, dst);
    siop_buf_putc(out, '.');
    siop_buf_put(out, ts, timestamp_b64(now, ts));
    siop_buf_fini(&z);
}

static char *dump(const json_t *v, const format *f, int64_t now, sio_error *err)
{
    siop_buf json = {0}, out = {0};
    char sig[SIG_B64_LEN];

    if (!v || !f->sig.secret || !f->sig.secret[0] || !f->sig.salt || now < 0 ||
        (f->object_only && !json_is_object(v))) {
        siop_error(err, SIO_COOKIE_EINVAL,
                   "need a secret, a salt, a time >= 0 and %s",
                   f->object_only ? "an object" : "a value");
        return NULL;
    }
    if (siop_json_dump(v, f->json_flags, &json, err) != 0)
        goto fail;
    if (json.len > f->max_inflated) {
        siop_error(err, SIO_COOKIE_ETOOBIG, "JSON is %zu bytes, max %zu",
                   json.len, f->max_inflated);
        goto fail;
    }
    put_body(&json, now, &out);
    if (out.len + 1 + SIG_B64_LEN > f->max_len) {
        siop_error(err, SIO_COOKIE_ETOOBIG, "would be %zu bytes, max %zu",
                   out.len + 1 + SIG_B64_LEN, f->max_len);
        goto fail;
    }
    if (out.oom || signature(&f->sig, out.p, out.len, sig, err) != 0) {
        siop_error(err, SIO_COOKIE_ENOMEM, "out of memory");
        goto fail;
    }
    siop_buf_putc(&out, '.');
    siop_buf_put(&out, sig, SIG_B64_LEN);
    siop_buf_putc(&out, '\0');
    if (out.oom) {
        siop_error(err, SIO_COOKIE_ENOMEM, "out of memory");
        goto fail;
    }
    siop_buf_fini(&json);
    return out.p;
fail:
    siop_buf_fini(&json);
    siop_buf_fini(&out);
    return NULL;
}

/* ---- public API -----------------------------------------------------------
 */

static format cookie_format(const char *secret, const sio_cookie_opts *o)
{
    sio_cookie_opts d;
    bool raw;

    if (!o) {
        sio_cookie_opts_init(&d);
        o = &d;
    }
    raw = o->flags & SIO_COOKIE_RAW_TAGS;
    return (format){
        .sig = {secret, "cookie-session", true},
        .json_flags =
            SIOP_JSON_SORT | SIOP_JSON_ASCII | (raw ? 0 : SIOP_JSON_TAG),
        .untag = !raw,
        .object_only = true,
        .max_age_s = o->max_age_s,
        .max_len = o->max_len ? o->max_len : SIO_COOKIE_MAX_LEN,
        .max_inflated =
            o->max_inflated ? o->max_inflated : SIO_COOKIE_MAX_INFLATED,
    };
}

static format token_format(const char *secret, const char *salt,
                           int64_t max_age_s)
{
    return (format){
        .sig = {secret, salt, false},
        .max_age_s = max_age_s,
        .max_len = SIO_COOKIE_MAX_LEN,
        .max_inflated = SIO_COOKIE_MAX_INFLATED,
    };
}

json_t *sio_cookie_decode_with(const char *cookie, size_t len,
                               const char *secret, int64_t now_s,
                               const sio_cookie_opts *o, sio_error *err)
{
    format f = cookie_format(secret, o);

    siop_error_clear(err);
    return load(cookie, len, &f, now_s, err);
}

json_t *sio_cookie_decode(const char *cookie, size_t len, const char *secret,
                          int64_t max_age_s, int64_t now_s, sio_error *err)
{
    sio_cookie_opts o;

    sio_cookie_opts_init(&o);
    o.max_age_s = max_age_s;
    return sio_cookie_decode_with(cookie, len, secret, now_s, &o, err);
}

char *sio_cookie_encode_with(const json_t *session, const char *secret,
                             int64_t now_s, const sio_cookie_opts *o,
                             sio_error *err)
{
    format f = cookie_format(secret, o);

    siop_error_clear(err);
    return dump(session, &f, now_s, err);
}

char *sio_cookie_encode(const json_t *session, const char *secret,
                        int64_t now_s, size_t max_len, sio_error *err)
{
    sio_cookie_opts o;

    sio_cookie_opts_init(&o);
    o.max_len = max_len;
    return sio_cookie_encode_with(session, secret, now_s, &o, err);
}

char *sio_token_sign(const char *secret, const char *salt,
                     const json_t *payload, int64_t now_s, sio_error *err)
{
    format f = token_format(secret, salt, SIO_COOKIE_NO_MAX_AGE);

    siop_error_clear(err);
    return dump(payload, &f, now_s, err);
}

json_t *sio_token_verify(const char *token, size_t len, const char *secret,
                         const char *salt, int64_t max_age_s, int64_t now_s,
                         sio_error *err)
{
    format f = token_format(secret, salt, max_age_s);

    siop_error_clear(err);
    return load(token, len, &f, now_s, err);
}
