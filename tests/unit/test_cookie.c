/* test_cookie.c - Flask-compatible session cookies, tokens, and the
 * Cookie / Set-Cookie headers (sio_cookie.h).
 *
 * The reference is a real Flask: fixtures/flask_cookies.txt holds
 * cookies and tokens that fixtures/make_flask_cookies.py made with
 * Debian's Flask 2.2 at a pinned time; every one must decode, and
 * encoding it again must give Flask's bytes. The signatures the tests
 * forge themselves (for malformed payloads and zlib bombs) come from
 * OpenSSL directly, not from the code under test.
 *
 * "test_cookie --emit" prints cookies and tokens made by our encoder
 * for fixtures/check_with_flask.py, which checks that Flask reads them. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "sio_cookie.h"

#define MAX_CASES 32

/* ---- fixtures ------------------------------------------------------- */

typedef struct fixture_cookie {
    char *name, *cookie, *ours, *raw;
    int exact;
} fixture_cookie;

typedef struct fixture_token {
    char *name, *salt, *token, *json;
} fixture_token;

typedef struct fixtures {
    char *secret;
    int64_t now;
    fixture_cookie cookies[MAX_CASES];
    size_t ncookies;
    fixture_token tokens[MAX_CASES];
    size_t ntokens;
} fixtures;

/* Splits line at tabs into at most max fields (in place). */
static size_t split_tabs(char *line, char **f, size_t max)
{
    size_t n = 0;

    line[strcspn(line, "\n")] = '\0';
    while (n < max) {
        f[n++] = line;
        line = strchr(line, '\t');
        if (!line)
            break;
        *line++ = '\0';
    }
    return n;
}

static void fixture_line(fixtures *fx, char *line)
{
    char *f[6];
    size_t n = split_tabs(line, f, 6);

    if (n == 2 && strcmp(f[0], "secret") == 0)
        fx->secret = strdup(f[1]);
    else if (n == 2 && strcmp(f[0], "now") == 0)
        fx->now = strtoll(f[1], NULL, 10);
    else if (n == 6 && strcmp(f[0], "cookie") == 0 && fx->ncookies < MAX_CASES)
        fx->cookies[fx->ncookies++] = (fixture_cookie){
            strdup(f[1]), strdup(f[3]), strdup(f[4]), strdup(f[5]), atoi(f[2])};
    else if (n == 5 && strcmp(f[0], "token") == 0 && fx->ntokens < MAX_CASES)
        fx->tokens[fx->ntokens++] = (fixture_token){strdup(f[1]), strdup(f[2]),
                                                    strdup(f[3]), strdup(f[4])};
}

/* The fixtures sit beside this file; tests run from the project root,
 * where __FILE__ is relative to (SIO_COOKIE_FIXTURES overrides). */
static FILE *fixtures_open(void)
{
    const char *env = getenv("SIO_COOKIE_FIXTURES");
    char path[512];
    const char *slash = strrchr(__FILE__, '/');

    if (env)
        return fopen(env, "r");
    snprintf(path, sizeof(path), "%.*s/fixtures/flask_cookies.txt",
             slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
    return fopen(path, "r");
}

static fixtures *fixtures_load(void)
{
    fixtures *fx = calloc(1, sizeof(*fx));
    FILE *f = fixtures_open();
    char *line = NULL;
    size_t cap = 0;

    if (!fx || !f) {
        free(fx);
        if (f)
            fclose(f);
        return NULL;
    }
    while (getline(&line, &cap, f) > 0)
        if (line[0] != '#')
            fixture_line(fx, line);
    free(line);
    fclose(f);
    return fx;
}

static void fixtures_free(fixtures *fx)
{
    if (!fx)
        return;
    for (size_t i = 0; i < fx->ncookies; i++) {
        free(fx->cookies[i].name);
        free(fx->cookies[i].cookie);
        free(fx->cookies[i].ours);
        free(fx->cookies[i].raw);
    }
    for (size_t i = 0; i < fx->ntokens; i++) {
        free(fx->tokens[i].name);
        free(fx->tokens[i].salt);
        free(fx->tokens[i].token);
        free(fx->tokens[i].json);
    }
    free(fx->secret);
    free(fx);
}

static int setup_fixtures(void **state)
{
    fixtures *fx = fixtures_load();

    if (!fx || !fx->secret || fx->ncookies < 10 || fx->ntokens < 3) {
        fprintf(stderr, "cannot read fixtures/flask_cookies.txt\n");
        fixtures_free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown_fixtures(void **state)
{
    fixtures_free(*state);
    return 0;
}

static const fixture_cookie *fixture_named(const fixtures *fx, const char *name)
{
    for (size_t i = 0; i < fx->ncookies; i++)
        if (strcmp(fx->cookies[i].name, name) == 0)
            return &fx->cookies[i];
    fail_msg("no fixture %s", name);
    return NULL;
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);

    if (!v)
        fail_msg("bad JSON in a test: %s: %s", jerr.text, text);
    return v;
}

/* ---- an independent signer (OpenSSL only) ------------------------------ */

static void b64url(const uint8_t *in, size_t n, char *out)
{
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);

    for (int i = 0; i < len; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
}

/* Returns "body.TIMESTAMP.SIG" (malloc'd), signed as Flask signs
 * sessions (flask_key) or as itsdangerous signs tokens. */
static char *forge(const char *body, int64_t ts, const char *secret,
                   const char *salt, bool flask_key)
{
    uint8_t key[20], mac[20], be[8];
    unsigned klen = 20, mlen = 20;
    size_t skip = 0, n = strlen(body);
    char *out = malloc(n + 64);
    char tsb[16];

    if (flask_key) {
        HMAC(EVP_sha1(), secret, (int)strlen(secret),
             (const unsigned char *)salt, strlen(salt), key, &klen);
    } else {
        char buf[256];

        snprintf(buf, sizeof(buf), "%ssigner%s", salt, secret);
        EVP_Digest(buf, strlen(buf), key, &klen, EVP_sha1(), NULL);
    }
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)((uint64_t)ts >> (56 - 8 * i));
    while (skip < 8 && be[skip] == 0)
        skip++;
    b64url(be + skip, 8 - skip, tsb);
    sprintf(out, "%s.%s", body, tsb);
    HMAC(EVP_sha1(), key, 20, (const unsigned char *)out, strlen(out), mac,
         &mlen);
    strcat(out, ".");
    b64url(mac, 20, out + strlen(out));
    return out;
}

#define SECRET "sioc-test-secret"
#define NOW 1700000000
#define DAY 86400

static char *forge_session(const char *body)
{
    return forge(body, NOW, SECRET, "cookie-session", true);
}

/* body for raw bytes: "." + base64url(zlib(bytes)) if zip. */
static char *payload_of(const void *bytes, size_t n, bool zip)
{
    uLongf zlen = compressBound((uLong)n);
    uint8_t *z = malloc(zlen);
    char *out = malloc(zlen * 4 / 3 + n * 4 / 3 + 16);

    if (zip) {
        assert_int_equal(compress2(z, &zlen, bytes, (uLong)n, 9), Z_OK);
        out[0] = '.';
        b64url(z, zlen, out + 1);
    } else {
        b64url(bytes, n, out);
    }
    free(z);
    return out;
}

static char *forge_json(const char *json, bool zip)
{
    char *body = payload_of(json, strlen(json), zip);
    char *c = forge_session(body);

    free(body);
    return c;
}

/* Decodes c (default options, at NOW) and expects a refusal with code. */
static void expect_refused(const char *c, int code)
{
    sio_cookie_error err;
    json_t *v = sio_cookie_decode(c, strlen(c), SECRET, 31 * DAY, NOW, &err);

    if (v) {
        json_decref(v);
        fail_msg("accepted: %s", c);
    }
    if (err.code != code)
        fail_msg("%s: got %d (%s), want %d", c, err.code, err.text, code);
    assert_true(err.text[0] != '\0');
}

/* ---- Flask's own cookies and tokens ------------------------------------ */

static void test_flask_cookies_decode(void **state)
{
    const fixtures *fx = *state;
    sio_cookie_opts raw;

    sio_cookie_opts_init(&raw);
    raw.flags = SIO_COOKIE_RAW_TAGS;
    for (size_t i = 0; i < fx->ncookies; i++) {
        const fixture_cookie *c = &fx->cookies[i];
        sio_cookie_error err;
        json_t *want = parse(c->ours), *want_raw = parse(c->raw);
        json_t *got =
            sio_cookie_decode(c->cookie, strlen(c->cookie), fx->secret,
                              SIO_COOKIE_FLASK_MAX_AGE, fx->now + 10, &err);
        json_t *got_raw = sio_cookie_decode_with(
            c->cookie, strlen(c->cookie), fx->secret, fx->now, &raw, &err);

        if (!got || !json_equal(got, want))
            fail_msg("%s: decoded differently (%s)", c->name,
                     got ? "mismatch" : err.text);
        if (!got_raw || !json_equal(got_raw, want_raw))
            fail_msg("%s: raw decode differs", c->name);
        json_decref(want);
        json_decref(want_raw);
        json_decref(got);
        json_decref(got_raw);
    }
}

/* Encoding what Flask stored gives Flask's cookie byte for byte: the
 * same JSON (sorted, ASCII, Python's floats), the same zlib choice. */
static void test_flask_cookies_encode_exact(void **state)
{
    const fixtures *fx = *state;
    sio_cookie_opts raw;
    size_t exact = 0;

    sio_cookie_opts_init(&raw);
    raw.flags = SIO_COOKIE_RAW_TAGS;
    for (size_t i = 0; i < fx->ncookies; i++) {
        const fixture_cookie *c = &fx->cookies[i];
        json_t *ours = parse(c->ours), *tagged = parse(c->raw);
        char *a = sio_cookie_encode(ours, fx->secret, fx->now, 0, NULL);
        char *b =
            sio_cookie_encode_with(tagged, fx->secret, fx->now, &raw, NULL);

        assert_non_null(a);
        assert_non_null(b);
        if (c->exact) {
            if (strcmp(a, c->cookie) != 0)
                fail_msg("%s:\n ours  %s\n flask %s", c->name, a, c->cookie);
            exact++;
        }
        if (strcmp(b, c->cookie) != 0)
            fail_msg("%s raw:\n ours  %s\n flask %s", c->name, b, c->cookie);
        free(a);
        free(b);
        json_decref(ours);
        json_decref(tagged);
    }
    assert_true(exact + 1 >= fx->ncookies); /* only "tagged" is lossy */
}

static void test_flask_tags(void **state)
{
    const fixtures *fx = *state;
    const fixture_cookie *c = fixture_named(fx, "tagged");
    json_t *v = sio_cookie_decode(c->cookie, strlen(c->cookie), fx->secret,
                                  SIO_COOKIE_NO_MAX_AGE, fx->now, NULL);

    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "u")),
                        "12345678-1234-5678-1234-567812345678");
    assert_string_equal(json_string_value(json_object_get(v, "d")),
                        "Tue, 02 Jan 2024 03:04:05 GMT");
    assert_string_equal(json_string_value(json_object_get(v, "m")),
                        "<b>hi</b>");
    assert_string_equal(json_string_value(json_object_get(v, "b")),
                        "AAFiaW5hcnn/");
    assert_int_equal(json_array_size(json_object_get(v, "t")), 3);
    /* {" t": (b"q",)} came escaped as " di" and is an object again. */
    assert_string_equal(
        json_string_value(
            json_array_get(json_object_get(json_object_get(v, "di"), " t"), 0)),
        "cQ==");
    json_decref(v);
}

static void test_flask_tokens(void **state)
{
    const fixtures *fx = *state;

    for (size_t i = 0; i < fx->ntokens; i++) {
        const fixture_token *t = &fx->tokens[i];
        json_t *want = parse(t->json);
        sio_cookie_error err;
        json_t *got = sio_token_verify(t->token, strlen(t->token), fx->secret,
                                       t->salt, 60, fx->now + 60, &err);
        char *again = sio_token_sign(fx->secret, t->salt, want, fx->now, &err);

        if (!got || !json_equal(got, want))
            fail_msg("token %s: %s", t->name, got ? "mismatch" : err.text);
        assert_non_null(again);
        if (strcmp(again, t->token) != 0)
            fail_msg("token %s:\n ours  %s\n flask %s", t->name, again,
                     t->token);
        /* Another salt, or the session key, must not verify it. */
        assert_null(sio_token_verify(t->token, strlen(t->token), fx->secret,
                                     "other-salt", 60, fx->now, &err));
        assert_int_equal(err.code, SIO_COOKIE_EBADSIG);
        assert_null(sio_cookie_decode(t->token, strlen(t->token), fx->secret,
                                      -1, fx->now, &err));
        assert_int_equal(err.code, SIO_COOKIE_EBADSIG);
        free(again);
        json_decref(want);
        json_decref(got);
    }
}

static void test_token_expiry_and_roundtrip(void **state)
{
    json_t *p = parse("{\"user\":\"1\",\"ns\":\"/token\",\"n\":[1,2.5,null]}");
    sio_cookie_error err;
    char *t = sio_token_sign(SECRET, "ns:/token", p, NOW, &err);
    json_t *back;

    (void)state;
    assert_non_null(t);
    back = sio_token_verify(t, strlen(t), SECRET, "ns:/token", 3600, NOW + 3600,
                            &err);
    assert_true(back && json_equal(back, p));
    json_decref(back);
    assert_null(sio_token_verify(t, strlen(t), SECRET, "ns:/token", 3600,
                                 NOW + 3601, &err));
    assert_int_equal(err.code, SIO_COOKIE_EEXPIRED);
    assert_null(
        sio_token_verify(t, strlen(t), SECRET, "ns:/", 3600, NOW, &err));
    assert_int_equal(err.code, SIO_COOKIE_EBADSIG);
    assert_null(
        sio_token_verify(t, strlen(t), "other", "ns:/token", 3600, NOW, &err));
    assert_int_equal(err.code, SIO_COOKIE_EBADSIG);
    /* A cookie-style signature is not a token's, and the reverse. */
    assert_null(sio_cookie_decode(t, strlen(t), SECRET, -1, NOW, &err));
    assert_null(sio_token_sign(SECRET, NULL, p, NOW, &err));
    assert_int_equal(err.code, SIO_COOKIE_EINVAL);
    free(t);
    json_decref(p);
}

/* ---- refusals ---------------------------------------------------------- */

/* Every byte of a valid cookie, changed to every other value: refused
 * (bad signature, or malformed when the separators move). */
static void flip_all(const char *cookie)
{
    size_t n = strlen(cookie);
    char *c = malloc(n + 1);

    for (size_t i = 0; i < n; i++) {
        for (int x = 1; x < 256; x++) {
            sio_cookie_error err;
            json_t *v;

            memcpy(c, cookie, n + 1);
            c[i] = (char)(c[i] ^ x);
            v = sio_cookie_decode(c, n, SECRET, SIO_COOKIE_NO_MAX_AGE, NOW,
                                  &err);
            if (v)
                fail_msg("byte %zu ^ %#x accepted", i, x);
            if (err.code != SIO_COOKIE_EBADSIG &&
                err.code != SIO_COOKIE_EMALFORMED)
                fail_msg("byte %zu ^ %#x: %s", i, x, err.text);
        }
    }
    free(c);
}

static void test_every_byte_flipped(void **state)
{
    const fixtures *fx = *state;

    flip_all(fixture_named(fx, "small")->cookie);
    flip_all(fixture_named(fx, "login")->cookie); /* compressed */
}

static void test_truncated_and_extended(void **state)
{
    const fixtures *fx = *state;
    const char *cookie = fixture_named(fx, "login")->cookie;
    size_t n = strlen(cookie);
    char *c = malloc(n + 2);

    for (size_t len = 0; len < n; len++) {
        sio_cookie_error err;

        assert_null(sio_cookie_decode(cookie, len, SECRET, -1, NOW, &err));
        assert_true(err.code == SIO_COOKIE_EBADSIG ||
                    err.code == SIO_COOKIE_EMALFORMED);
    }
    /* One more byte after the signature is another signature. */
    memcpy(c, cookie, n);
    memcpy(c + n, "A", 2);
    expect_refused(c, SIO_COOKIE_EBADSIG);
    /* Dropping the compression mark changes the signed bytes too. */
    expect_refused(cookie + 1, SIO_COOKIE_EBADSIG);
    free(c);
}

static void test_wrong_secret(void **state)
{
    const fixtures *fx = *state;
    sio_cookie_error err;

    for (size_t i = 0; i < fx->ncookies; i++) {
        const char *c = fx->cookies[i].cookie;

        assert_null(sio_cookie_decode(c, strlen(c), "sioc-test-secreT", -1,
                                      fx->now, &err));
        assert_int_equal(err.code, SIO_COOKIE_EBADSIG);
        assert_null(sio_cookie_decode(c, strlen(c), "", -1, fx->now, &err));
        assert_int_equal(err.code, SIO_COOKIE_EINVAL);
        assert_null(sio_cookie_decode(c, strlen(c), NULL, -1, fx->now, &err));
        assert_int_equal(err.code, SIO_COOKIE_EINVAL);
    }
}

static void test_expiry(void **state)
{
    const fixtures *fx = *state;
    const char *c = fixture_named(fx, "small")->cookie;
    int64_t max = SIO_COOKIE_FLASK_MAX_AGE;
    sio_cookie_error err;
    json_t *v;

    v = sio_cookie_decode(c, strlen(c), SECRET, max, fx->now + max, &err);
    assert_non_null(v); /* exactly max_age old: still valid, as Flask */
    json_decref(v);
    assert_null(
        sio_cookie_decode(c, strlen(c), SECRET, max, fx->now + max + 1, &err));
    assert_int_equal(err.code, SIO_COOKIE_EEXPIRED);
    assert_non_null(strstr(err.text, "2678401"));
    assert_null(
        sio_cookie_decode(c, strlen(c), SECRET, max, fx->now - 1, &err));
    assert_int_equal(err.code, SIO_COOKIE_EEXPIRED); /* from the future */
    assert_null(sio_cookie_decode(c, strlen(c), SECRET, 0, fx->now + 1, &err));
    assert_int_equal(err.code, SIO_COOKIE_EEXPIRED);
    v = sio_cookie_decode(c, strlen(c), SECRET, SIO_COOKIE_NO_MAX_AGE,
                          fx->now + 100 * 365 * (int64_t)DAY, &err);
    assert_non_null(v);
    json_decref(v);
}

/* Properly signed, but the payload is not what a session is. */
static void test_bad_payloads(void **state)
{
    static const char *const bad_json[] = {
        "[1,2]",        /* not an object */
        "\"str\"",      /* not an object */
        "{\" t\":[1]}", /* a tuple, not an object */
        "{\" u\":\"12345678123456781234567812345678\"}",
        "{\"a\":",                      /* truncated */
        "{\"a\":NaN}",                  /* Python's, not JSON */
        "{\"a\":1e400}",                /* overflows */
        "{\"a\":99999999999999999999}", /* past int64 */
        "{\"a\":\"\\ud800\"}",          /* lone surrogate */
        "{\"a\":{\" u\":\"1234\"}}",    /* UUID too short */
        "{\"a\":{\" u\":\"12345678123456781234567812345g78\"}}",
        "{\"a\":{\" t\":{}}}", /* tuple not an array */
        "{\"a\":{\" b\":\"not base64!\"}}",
        "{\"a\":{\" b\":\"QQ=\"}}", /* bad padding */
        "{\"a\":{\" m\":1}}",
        "{\"a\":{\" d\":null}}",
        "{\"a\":{\" di\":\"x\"}}",     /* escape not an object */
        "{\"a\":{\" di\":{\"k\":1}}}", /* key without "__" */
        "{\"a\":{\" di\":{\"a__\":1,\"b__\":2}}}",
        "",
    };
    char *c;

    (void)state;
    for (size_t i = 0; i < sizeof(bad_json) / sizeof(*bad_json); i++) {
        for (int zip = 0; zip < 2; zip++) {
            c = forge_json(bad_json[i], zip);
            expect_refused(c, SIO_COOKIE_EPAYLOAD);
            free(c);
        }
    }
    c = forge_session("not*base64");
    expect_refused(c, SIO_COOKIE_EPAYLOAD);
    free(c);
    c = forge_session(".bm90IHpsaWI"); /* "not zlib" */
    expect_refused(c, SIO_COOKIE_EPAYLOAD);
    free(c);
    c = forge_session("eyJhIjoxfQ="); /* padded base64 */
    expect_refused(c, SIO_COOKIE_EPAYLOAD);
    free(c);
}

static void test_bad_zlib_streams(void **state)
{
    const char *json =
        "{\"a\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}";
    uLongf zlen = 256;
    uint8_t z[260];
    char body[400], *c;

    (void)state;
    assert_int_equal(compress2(z, &zlen, (const Bytef *)json, strlen(json), 9),
                     Z_OK);
    /* Truncated stream. */
    body[0] = '.';
    b64url(z, zlen - 3, body + 1);
    c = forge_session(body);
    expect_refused(c, SIO_COOKIE_EPAYLOAD);
    free(c);
    /* Trailing bytes after the stream. */
    z[zlen] = 'x';
    b64url(z, zlen + 1, body + 1);
    c = forge_session(body);
    expect_refused(c, SIO_COOKIE_EPAYLOAD);
    free(c);
    /* The intact stream decodes. */
    b64url(z, zlen, body + 1);
    c = forge_session(body);
    {
        json_t *v = sio_cookie_decode(c, strlen(c), SECRET, -1, NOW, NULL);

        assert_non_null(v);
        json_decref(v);
    }
    free(c);
}

/* A properly signed cookie of 1-2 KB that inflates to a megabyte. */
static void test_zlib_bomb(void **state)
{
    size_t n = 1 << 20;
    char *json = malloc(n + 16);
    sio_cookie_opts o;
    sio_cookie_error err;
    char *body, *c;
    json_t *v;

    (void)state;
    memcpy(json, "{\"a\":\"", 6);
    memset(json + 6, 'x', n);
    memcpy(json + 6 + n, "\"}", 3);
    body = payload_of(json, strlen(json), true);
    c = forge_session(body);
    assert_true(strlen(c) < SIO_COOKIE_MAX_LEN);
    expect_refused(c, SIO_COOKIE_ETOOBIG);
    /* The limit is the caller's: raised, the same cookie is fine. */
    sio_cookie_opts_init(&o);
    o.max_inflated = 2 << 20;
    v = sio_cookie_decode_with(c, strlen(c), SECRET, NOW, &o, &err);
    assert_non_null(v);
    assert_int_equal(json_string_length(json_object_get(v, "a")), n);
    json_decref(v);
    free(body);
    free(c);
    free(json);
}

/* The inflate limit is exact: 65536 bytes of JSON pass, 65537 do not,
 * compressed or not (uncompressed needs a longer max_len). */
static void test_inflate_limit_edge(void **state)
{
    size_t lim = SIO_COOKIE_MAX_INFLATED;
    char *json = malloc(lim + 2);
    sio_cookie_opts o;
    sio_cookie_error err;

    (void)state;
    sio_cookie_opts_init(&o);
    o.max_len = 1 << 20;
    for (size_t n = lim; n <= lim + 1; n++) {
        memcpy(json, "{\"a\":\"", 6);
        memset(json + 6, 'y', n - 8);
        memcpy(json + n - 2, "\"}", 3);
        for (int zip = 0; zip < 2; zip++) {
            char *c = forge_json(json, zip);
            json_t *v =
                sio_cookie_decode_with(c, strlen(c), SECRET, NOW, &o, &err);

            if (n == lim)
                assert_non_null(v);
            else
                assert_true(!v && err.code == SIO_COOKIE_ETOOBIG);
            json_decref(v);
            free(c);
        }
    }
    free(json);
}

static void test_too_long_input(void **state)
{
    const fixtures *fx = *state;
    const char *c = fixture_named(fx, "large")->cookie;
    sio_cookie_opts o;
    sio_cookie_error err;
    json_t *v;

    sio_cookie_opts_init(&o);
    o.max_len = strlen(c) - 1;
    o.max_age_s = -1;
    assert_null(sio_cookie_decode_with(c, strlen(c), SECRET, NOW, &o, &err));
    assert_int_equal(err.code, SIO_COOKIE_ETOOBIG);
    o.max_len = strlen(c);
    v = sio_cookie_decode_with(c, strlen(c), SECRET, NOW, &o, &err);
    assert_non_null(v);
    json_decref(v);
}

static void test_nesting_limit(void **state)
{
    size_t d = SIO_COOKIE_MAX_DEPTH;
    char *json = malloc(2 * (d + 2) + 16);
    sio_cookie_opts o;
    sio_cookie_error err;

    (void)state;
    sio_cookie_opts_init(&o);
    o.max_age_s = -1;
    for (size_t depth = d; depth <= d + 1; depth++) {
        char *c;
        json_t *v, *copy;
        char *again;

        /* {"a":[[...[]...]]} : depth containers in all. */
        strcpy(json, "{\"a\":");
        memset(json + 5, '[', depth - 1);
        memset(json + 5 + depth - 1, ']', depth - 1);
        strcpy(json + 5 + 2 * (depth - 1), "}");
        c = forge_json(json, true);
        v = sio_cookie_decode_with(c, strlen(c), SECRET, NOW, &o, &err);
        if (depth == d) {
            assert_non_null(v);
            again = sio_cookie_encode(v, SECRET, NOW, 0, &err);
            assert_non_null(again);
            free(again);
            /* One level more is refused on encode as well. */
            copy = json_pack("{s:O}", "x", v);
            assert_null(sio_cookie_encode(copy, SECRET, NOW, 0, &err));
            assert_int_equal(err.code, SIO_COOKIE_EINVAL);
            json_decref(copy);
        } else {
            assert_true(!v && err.code == SIO_COOKIE_EPAYLOAD);
        }
        json_decref(v);
        free(c);
    }
    free(json);
}

/* ---- encoding ------------------------------------------------------------ */

static void test_encode_too_big(void **state)
{
    json_t *s = json_object();
    char big[6001];
    sio_cookie_error err;
    char *c;
    uint32_t x = 12345;

    (void)state;
    /* Incompressible: a pseudo-random alphabet soup. */
    for (size_t i = 0; i < sizeof(big) - 1; i++) {
        x = x * 1103515245u + 12345u;
        big[i] = (char)('!' + (x >> 16) % 90);
        if (big[i] == '"' || big[i] == '\\')
            big[i] = 'q';
    }
    big[sizeof(big) - 1] = '\0';
    json_object_set_new(s, "blob", json_string(big));
    c = sio_cookie_encode(s, SECRET, NOW, 0, &err);
    assert_null(c);
    assert_int_equal(err.code, SIO_COOKIE_ETOOBIG);
    assert_non_null(strstr(err.text, "max 4093"));
    /* A limit of the caller's, exactly at the length. */
    big[2000] = '\0';
    json_object_set_new(s, "blob", json_string(big));
    c = sio_cookie_encode(s, SECRET, NOW, 1 << 20, &err);
    assert_non_null(c);
    {
        size_t n = strlen(c);
        char *d = sio_cookie_encode(s, SECRET, NOW, n, &err);

        assert_non_null(d);
        free(d);
        assert_null(sio_cookie_encode(s, SECRET, NOW, n - 1, &err));
        assert_int_equal(err.code, SIO_COOKIE_ETOOBIG);
    }
    free(c);
    /* Compressible data that is large but compresses small is fine. */
    memset(big, 'z', 6000);
    big[6000] = '\0';
    json_object_set_new(s, "blob", json_string(big));
    c = sio_cookie_encode(s, SECRET, NOW, 0, &err);
    assert_non_null(c);
    assert_int_equal(c[0], '.');
    free(c);
    json_decref(s);
}

static void test_encode_invalid(void **state)
{
    json_t *arr = json_array(), *obj = json_object();
    sio_cookie_error err;

    (void)state;
    assert_null(sio_cookie_encode(arr, SECRET, NOW, 0, &err));
    assert_int_equal(err.code, SIO_COOKIE_EINVAL);
    assert_null(sio_cookie_encode(NULL, SECRET, NOW, 0, &err));
    assert_null(sio_cookie_encode(obj, "", NOW, 0, &err));
    assert_int_equal(err.code, SIO_COOKIE_EINVAL);
    assert_null(sio_cookie_encode(obj, SECRET, -1, 0, &err));
    assert_int_equal(err.code, SIO_COOKIE_EINVAL);
    /* Invalid UTF-8 planted with the nocheck constructor. */
    json_object_set_new(obj, "s", json_stringn_nocheck("\xff\xfe", 2));
    assert_null(sio_cookie_encode(obj, SECRET, NOW, 0, &err));
    assert_int_equal(err.code, SIO_COOKIE_EINVAL);
    assert_string_equal(err.text, "invalid UTF-8 in a string");
    json_decref(arr);
    json_decref(obj);
}

/* The JSON text inside a cookie (unverified; for checking the writer). */
static char *payload_text(const char *cookie)
{
    const char *p = cookie + (cookie[0] == '.');
    size_t n = strcspn(p, "."), len;
    char *b64 = calloc(1, n + 4);
    uint8_t *raw = malloc(n + 4);
    uLongf out_len = 1 << 20;
    char *out = malloc(out_len + 1);
    int m;

    for (size_t i = 0; i < n; i++)
        b64[i] = p[i] == '-' ? '+' : p[i] == '_' ? '/' : p[i];
    len = n;
    while (len % 4)
        b64[len++] = '=';
    m = EVP_DecodeBlock(raw, (unsigned char *)b64, (int)len);
    assert_true(m >= 0);
    m -= (int)(len - n); /* EVP counts the padding as output */
    if (cookie[0] == '.') {
        assert_int_equal(uncompress((Bytef *)out, &out_len, raw, (uLong)m),
                         Z_OK);
    } else {
        memcpy(out, raw, (size_t)m);
        out_len = (uLongf)m;
    }
    out[out_len] = '\0';
    free(b64);
    free(raw);
    return out;
}

/* The JSON text our encoder signs for session: exactly what Python's
 * json.dumps writes (floats as Python's repr gives them). */
static void expect_json_text(const char *session, const char *python)
{
    json_t *s = parse(session);
    char *ours = sio_cookie_encode(s, SECRET, NOW, 0, NULL);
    char *text;

    assert_non_null(ours);
    text = payload_text(ours);
    if (strcmp(text, python) != 0)
        fail_msg("%s written as %s, Python writes %s", session, text, python);
    free(text);
    free(ours);
    json_decref(s);
}

static void test_python_json_text(void **state)
{
    static const char *const floats[][2] = {
        {"0.1", "0.1"},
        {"1e-7", "1e-07"},
        {"1e22", "1e+22"},
        {"-0.0", "-0.0"},
        {"100.0", "100.0"},
        {"1e16", "1e+16"},
        {"1e15", "1000000000000000.0"},
        {"0.0001", "0.0001"},
        {"0.00001", "1e-05"},
        {"123456789012345.6", "123456789012345.6"},
        {"5e-324", "5e-324"},
        {"1.7976931348623157e308", "1.7976931348623157e+308"},
        {"0.3333333333333333", "0.3333333333333333"},
        {"9007199254740993.0", "9007199254740992.0"},
        {"12345678901234567890.0", "1.2345678901234567e+19"},
        {"-1.5e-10", "-1.5e-10"},
        {"0.0", "0.0"},
        {"3e-5", "3e-05"},
    };
    char s[128], p[128];

    (void)state;
    for (size_t i = 0; i < sizeof(floats) / sizeof(*floats); i++) {
        snprintf(s, sizeof(s), "{\"f\":%s}", floats[i][0]);
        snprintf(p, sizeof(p), "{\"f\":%s}", floats[i][1]);
        expect_json_text(s, p);
    }
    expect_json_text(
        "{\"b\":1,\"a\":[true,false,null],\"\\u00e9\":-9223372036854775808}",
        "{\"a\":[true,false,null],\"b\":1,\"\\u00e9\":-9223372036854775808}");
    expect_json_text(
        "{\"s\":\"\\u0000\\u0008\\u000b\\u001f\\u007f/\\u20ac\\ud83d\\ude00\"}",
        "{\"s\":\"\\u0000\\b\\u000b\\u001f\\u007f/\\u20ac\\ud83d\\ude00\"}");
    expect_json_text("{\" t\":1}", "{\" di\":{\" t__\":1}}");
    expect_json_text("{\"x\":{\" di\":{\" u\":2}}}",
                     "{\"x\":{\" di\":{\" di__\":{\" di\":{\" u__\":2}}}}}");
    expect_json_text("{\"x\":{\" t\":1,\" b\":2}}",
                     "{\"x\":{\" b\":2,\" t\":1}}"); /* two keys: no tag */
}

/* A locale with a decimal comma must not leak into the JSON. Skipped
 * where none is installed (try LOCPATH with a localedef'd de_DE). */
static void test_locale_independent(void **state)
{
    const char *locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                             "nl_NL.UTF-8"};
    bool comma = false;

    (void)state;
    for (size_t i = 0; i < 4 && !comma; i++)
        comma = setlocale(LC_NUMERIC, locales[i]) &&
                strcmp(localeconv()->decimal_point, ",") == 0;
    if (!comma) {
        setlocale(LC_NUMERIC, "C");
        skip();
    }
    expect_json_text("{\"f\":2.5,\"g\":1e-7}", "{\"f\":2.5,\"g\":1e-07}");
    setlocale(LC_NUMERIC, "C");
}

static void test_roundtrip_values(void **state)
{
    static const char *const sessions[] = {
        "{}",
        "{\"_user_id\":\"1\",\"_fresh\":true}",
        "{\"a\":{\" t\":[1,2]},\"b\":[{\" di\":{}}],\"c\":{\" m\":\"x\"}}",
        "{\"nul\":\"a\\u0000b\",\"e\":\"\",\"l\":[],\"o\":{}}",
        "{\"x\":9223372036854775807,\"y\":-1.25e-300,\"z\":\"\\ud83d\\ude00\"}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(sessions) / sizeof(*sessions); i++) {
        json_t *s = parse(sessions[i]), *back;
        sio_cookie_error err;
        char *c = sio_cookie_encode(s, SECRET, NOW, 0, &err);

        assert_non_null(c);
        back = sio_cookie_decode(c, strlen(c), SECRET, 60, NOW + 1, &err);
        if (!back || !json_equal(back, s))
            fail_msg("%s did not round-trip (%s)", sessions[i], err.text);
        json_decref(back);
        json_decref(s);
        free(c);
    }
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(sio_cookie_strerror(SIO_COOKIE_EBADSIG),
                        "bad signature");
    assert_string_equal(sio_cookie_strerror(SIO_COOKIE_OK), "ok");
    assert_string_equal(sio_cookie_strerror(-100), "unknown error");
    assert_string_equal(sio_cookie_strerror(5), "unknown error");
}

/* ---- Cookie header ----------------------------------------------------------
 */

static void expect_get(const char *header, const char *name, int rc,
                       const char *value)
{
    char out[64];
    int got = sio_cookie_get(header, name, out, sizeof(out));

    if (got != rc)
        fail_msg("[%s] %s: got %d, want %d", header, name, got, rc);
    if (rc >= 0)
        assert_string_equal(out, value);
}

static void test_cookie_header(void **state)
{
    char small[4];

    (void)state;
    expect_get("session=abc", "session", 3, "abc");
    expect_get("a=1; session=abc.def; b=2", "session", 7, "abc.def");
    expect_get("a=1;session=x;b=2", "session", 1, "x");
    expect_get("  session  =  v w  ;", "session", 3, "v w");
    expect_get("\tsession=\tv\t", "session", 1, "v");
    expect_get("session=\"quoted\"", "session", 6, "quoted");
    expect_get("session=\"", "session", 1, "\"");
    expect_get("session=\"\"", "session", 0, "");
    expect_get("session=", "session", 0, "");
    expect_get("sessionx=1; xsession=2; session=3", "session", 1, "3");
    expect_get("Session=1; SESSION=2", "session", SIO_COOKIE_ENOENT, NULL);
    expect_get("session=1; session=2", "session", 1, "1");
    expect_get("flag; session=a=b=c", "session", 5, "a=b=c");
    expect_get("session; a=1", "session", SIO_COOKIE_ENOENT, NULL);
    expect_get("=novalue; session=ok", "session", 2, "ok");
    expect_get(";;; ;session=ok;;", "session", 2, "ok");
    expect_get("", "session", SIO_COOKIE_ENOENT, NULL);
    expect_get("a=1", "", SIO_COOKIE_EINVAL, NULL);
    assert_int_equal(sio_cookie_get(NULL, "a", small, 4), SIO_COOKIE_EINVAL);
    assert_int_equal(sio_cookie_get("a=123", "a", small, 4), 3);
    assert_string_equal(small, "123");
    assert_int_equal(sio_cookie_get("a=1234", "a", small, 4),
                     SIO_COOKIE_ENOSPACE);
    assert_string_equal(small, "");
    assert_int_equal(sio_cookie_get("a=1", "a", NULL, 0), SIO_COOKIE_ENOSPACE);
}

/* ---- Set-Cookie ------------------------------------------------------------
 */

/* want NULL: expect the refusal rc; else success with exactly want. */
static void expect_set(const char *name, const char *value,
                       const sio_cookie_attrs *a, int rc, const char *want)
{
    char out[256];
    int got = sio_set_cookie_format(name, value, a, out, sizeof(out));

    if (want)
        rc = (int)strlen(want);
    if (got != rc)
        fail_msg("%s=%s: got %d, want %d", name, value, got, rc);
    if (want)
        assert_string_equal(out, want);
    else
        assert_string_equal(out, "");
}

static void test_set_cookie(void **state)
{
    sio_cookie_attrs a;

    (void)state;
    expect_set("session", "abc.def", NULL, 0, "session=abc.def");
    sio_cookie_attrs_init(&a);
    expect_set("session", "v", &a, 0,
               "session=v; Path=/; HttpOnly; SameSite=Lax");
    a.max_age_s = 2678400;
    a.secure = true;
    a.same_site = SIO_SAMESITE_STRICT;
    a.domain = "example.org";
    a.path = "/app";
    expect_set("session", "v", &a, 0,
               "session=v; Domain=example.org; Path=/app; Max-Age=2678400; "
               "Secure; HttpOnly; SameSite=Strict");
    sio_cookie_attrs_init(&a);
    a.max_age_s = 0; /* deletion */
    a.http_only = false;
    a.same_site = SIO_SAMESITE_UNSET;
    expect_set("session", "", &a, 0, "session=; Path=/; Max-Age=0");
    a.same_site = SIO_SAMESITE_NONE;
    expect_set("s", "v", &a, SIO_COOKIE_EINVAL, NULL); /* None needs Secure */
    a.secure = true;
    expect_set("s", "v", &a, 0,
               "s=v; Path=/; Max-Age=0; Secure; SameSite=None");
}

static void test_set_cookie_injection(void **state)
{
    static const char *const values[] = {
        "a;b",  "a b",      "a,b", "a\"b", "a\\b", "a\r\nSet-Cookie: x=1",
        "\x7f", "\xc3\xa9",
    };
    static const char *const names[] = {"",    "a=b", "a b",     "a;b",
                                        "a\n", "(x)", "\xc3\xa9"};
    sio_cookie_attrs a;
    char out[64];

    (void)state;
    for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++)
        expect_set("s", values[i], NULL, SIO_COOKIE_EINVAL, NULL);
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        expect_set(names[i], "v", NULL, SIO_COOKIE_EINVAL, NULL);
    sio_cookie_attrs_init(&a);
    a.path = "/; Domain=evil.example";
    expect_set("s", "v", &a, SIO_COOKIE_EINVAL, NULL);
    a.path = "/\r\n";
    expect_set("s", "v", &a, SIO_COOKIE_EINVAL, NULL);
    a.path = "/";
    a.domain = "x;y";
    expect_set("s", "v", &a, SIO_COOKIE_EINVAL, NULL);
    a.domain = NULL;
    a.same_site = (sio_samesite)7;
    expect_set("s", "v", &a, SIO_COOKIE_EINVAL, NULL);
    assert_int_equal(sio_set_cookie_format(NULL, "v", NULL, out, sizeof(out)),
                     SIO_COOKIE_EINVAL);
    assert_int_equal(sio_set_cookie_format("s", NULL, NULL, out, sizeof(out)),
                     SIO_COOKIE_EINVAL);
}

static void test_set_cookie_space(void **state)
{
    char out[16];

    (void)state;
    assert_int_equal(sio_set_cookie_format("ab", "cdefg", NULL, out, 9), 8);
    assert_int_equal(sio_set_cookie_format("ab", "cdefgh", NULL, out, 9),
                     SIO_COOKIE_ENOSPACE);
    assert_string_equal(out, "");
    assert_int_equal(sio_set_cookie_format("ab", "c", NULL, NULL, 0),
                     SIO_COOKIE_ENOSPACE);
}

/* ---- --emit: our cookies, for check_with_flask.py -------------------------
 */

/* Sessions whose JSON Flask must read back as the same Python values. */
static const char *const emit_sessions[][2] = {
    {"small", "{\"user\":\"alice\"}"},
    {"login", "{\"_user_id\":\"1\",\"_fresh\":true,\"_id\":"
              "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
              "cdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
              "abcdef\"}"},
    {"empty", "{}"},
    {"unicode",
     "{\"n\":\"Zo\\u00eb\",\"e\":\"\\ud83d\\ude00\",\"k\\u00e9\":1}"},
    {"controls", "{\"s\":\"\\u0000\\u0001\\n\\t\\\"\\\\/\\u007f\\u2028\"}"},
    {"numbers", "{\"a\":0.1,\"b\":-0.0,\"c\":1e22,\"d\":5e-324,\"e\":"
                "9223372036854775807,\"f\":-9223372036854775808,\"g\":100.0,"
                "\"h\":1e-05,\"i\":0}"},
    {"tagkeys", "{\"a\":{\" t\":[1]},\"b\":{\" di\":{\" b\":\"x\"}},"
                "\"c\":{\" u\":null,\"other\":1},\"d\":[{\" d\":\"x\"}]}"},
    {"nested", "{\"a\":{\"b\":{\"c\":[1,[2,[3,{\"d\":null}]]]}},\"z\":[]}"},
};

static void emit_line(const char *kind, const char *name, const char *a,
                      const char *b)
{
    printf("%s\t%s\t%s\t%s\n", kind, name, a, b);
}

static void emit_sessions_ours(void)
{
    char big[3100];

    for (size_t i = 0; i < sizeof(emit_sessions) / sizeof(*emit_sessions);
         i++) {
        json_t *s = parse(emit_sessions[i][1]);
        char *c = sio_cookie_encode(s, SECRET, NOW, 0, NULL);

        if (c)
            emit_line("cookie", emit_sessions[i][0], c, emit_sessions[i][1]);
        free(c);
        json_decref(s);
    }
    memset(big, 'a', 3000);
    big[3000] = '\0';
    {
        json_t *s = json_pack("{s:s,s:b}", "data", big, "_fresh", 0);
        char *c = sio_cookie_encode(s, SECRET, NOW, 0, NULL);
        char *text = json_dumps(s, JSON_COMPACT);

        emit_line("cookie", "compressed", c, text);
        free(c);
        free(text);
        json_decref(s);
    }
}

/* Flask's own cookies, decoded raw and encoded again by us. */
static void emit_raw_reencoded(const fixtures *fx)
{
    sio_cookie_opts raw;

    sio_cookie_opts_init(&raw);
    raw.flags = SIO_COOKIE_RAW_TAGS;
    raw.max_age_s = -1;
    for (size_t i = 0; i < fx->ncookies; i++) {
        const fixture_cookie *f = &fx->cookies[i];
        json_t *v = sio_cookie_decode_with(f->cookie, strlen(f->cookie), SECRET,
                                           NOW, &raw, NULL);
        char *c = v ? sio_cookie_encode_with(v, SECRET, NOW, &raw, NULL) : NULL;

        if (c)
            emit_line("raw", f->name, c, f->cookie);
        free(c);
        json_decref(v);
    }
}

static void emit_tokens(void)
{
    static const char *const payloads[] = {
        "{\"user\":\"1\",\"ns\":\"/token\"}",
        "\"a string\"",
        "[1,2.5,null,true,\"Zo\\u00eb \\ud83d\\ude00\"]",
    };

    for (size_t i = 0; i < sizeof(payloads) / sizeof(*payloads); i++) {
        json_t *p = parse(payloads[i]);
        char *t = sio_token_sign(SECRET, "sioc-token", p, NOW, NULL);
        char name[16];

        snprintf(name, sizeof(name), "t%zu", i);
        printf("token\t%s\tsioc-token\t%s\t%s\n", name, t, payloads[i]);
        free(t);
        json_decref(p);
    }
}

static int emit_for_flask(void)
{
    fixtures *fx = fixtures_load();

    if (!fx) {
        fprintf(stderr, "cannot read fixtures/flask_cookies.txt\n");
        return 1;
    }
    printf("secret\t%s\nnow\t%d\n", SECRET, NOW);
    emit_sessions_ours();
    emit_raw_reencoded(fx);
    emit_tokens();
    fixtures_free(fx);
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flask_cookies_decode),
        cmocka_unit_test(test_flask_cookies_encode_exact),
        cmocka_unit_test(test_flask_tags),
        cmocka_unit_test(test_flask_tokens),
        cmocka_unit_test(test_token_expiry_and_roundtrip),
        cmocka_unit_test(test_every_byte_flipped),
        cmocka_unit_test(test_truncated_and_extended),
        cmocka_unit_test(test_wrong_secret),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_bad_payloads),
        cmocka_unit_test(test_bad_zlib_streams),
        cmocka_unit_test(test_zlib_bomb),
        cmocka_unit_test(test_inflate_limit_edge),
        cmocka_unit_test(test_too_long_input),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_encode_too_big),
        cmocka_unit_test(test_encode_invalid),
        cmocka_unit_test(test_python_json_text),
        cmocka_unit_test(test_locale_independent),
        cmocka_unit_test(test_roundtrip_values),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_cookie_header),
        cmocka_unit_test(test_set_cookie),
        cmocka_unit_test(test_set_cookie_injection),
        cmocka_unit_test(test_set_cookie_space),
    };

    if (argc > 1 && strcmp(argv[1], "--emit") == 0)
        return emit_for_flask();
    return cmocka_run_group_tests(tests, setup_fixtures, teardown_fixtures);
}
