/* fuzz_web.c - route patterns against paths, and form bodies.
 *
 * The first byte picks what the rest is:
 *   even  "pattern\npath": siop_route_match
 *   odd   a form body: siop_form_parse
 *
 * Invariants (abort on violation): a match has at most
 * SIO_REQ_MAX_PARAMS params, each non-empty and free of '/', each named
 * by a "<name>" segment of the pattern; a pattern without "<" matches
 * exactly the paths equal to it; a form is an object of strings, none
 * with an empty name, and every name and value is valid UTF-8; a body
 * made by percent-encoding every byte of a name and a value parses back
 * to that pair. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sio_web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            abort();                                                           \
    } while (0)

static void fuzz_route(const char *in, size_t n)
{
    const char *nl = memchr(in, '\n', n);
    char *pattern, *path;
    sio_req r;
    bool m;

    if (!nl || memchr(in, '\0', n))
        return;
    pattern = strndup(in, (size_t)(nl - in));
    path = strndup(nl + 1, n - (size_t)(nl - in) - 1);
    CHECK(pattern && path);
    memset(&r, 0, sizeof r);
    m = siop_route_match(pattern, path, &r);
    CHECK(r.nparams <= SIO_REQ_MAX_PARAMS);
    for (size_t i = 0; m && i < r.nparams; i++) {
        CHECK(r.params[i].value && r.params[i].value[0]);
        CHECK(!strchr(r.params[i].value, '/'));
        CHECK(r.params[i].name > pattern && r.params[i].name[-1] == '<' &&
              r.params[i].name[r.params[i].nlen] == '>');
    }
    if (!strchr(pattern, '<'))
        CHECK(m == (strcmp(pattern, path) == 0 &&
                    (pattern[0] == '/' || !pattern[0])));
    for (size_t i = 0; i < r.nparams; i++)
        free(r.params[i].value);
    free(pattern);
    free(path);
}

static void check_form(const json_t *form)
{
    const char *k;
    json_t *v;

    CHECK(json_is_object(form));
    json_object_foreach((json_t *)form, k, v)
    {
        CHECK(k[0] && json_is_string(v));
    }
}

/* "%XX" for every byte of s: decoding must give s back. */
static char *pct(const char *s, size_t n, char *o)
{
    static const char hexd[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n; i++) {
        *o++ = '%';
        *o++ = hexd[(uint8_t)s[i] >> 4];
        *o++ = hexd[(uint8_t)s[i] & 15];
    }
    return o;
}

static void fuzz_form(const char *in, size_t n)
{
    bool nul;
    json_t *form = siop_form_parse(in, n, &nul), *again;
    size_t half = n / 2;
    char *enc = malloc(3 * n + 2), *o;

    CHECK(form && enc);
    check_form(form);
    json_decref(form);
    /* the input's halves as one name=value pair, fully escaped */
    o = pct(in, half, enc);
    *o++ = '=';
    o = pct(in + half, n - half, o);
    again = siop_form_parse(enc, (size_t)(o - enc), &nul);
    CHECK(again);
    CHECK(nul == (memchr(in, '\0', n) != NULL));
    if (!nul && half > 0 && json_object_size(again) == 1) {
        json_t *v = json_object_getn(again, in, half);
        CHECK(v && strlen(json_string_value(v)) == n - half &&
              memcmp(json_string_value(v), in + half, n - half) == 0);
    }
    json_decref(again);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    if (data[0] % 2 == 0)
        fuzz_route((const char *)data + 1, size - 1);
    else
        fuzz_form((const char *)data + 1, size - 1);
    return 0;
}
