/* sio_req.c - the request a route answers: method, path, params, query,
 * headers, cookies, form and JSON bodies, and the headers its response
 * will carry. */
#include "sio_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sio_cookie.h"

const char *sio_req_method(const sio_req *r)
{
    return eio_http_method(r->http);
}

const char *sio_req_path(const sio_req *r)
{
    return eio_http_path(r->http);
}

const char *sio_req_param(const sio_req *r, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < r->nparams; i++)
        if (r->params[i].nlen == n && strncmp(r->params[i].name, name, n) == 0)
            return r->params[i].value;
    return NULL;
}

const char *sio_req_query(const sio_req *r, const char *name)
{
    return eio_http_query(r->http, name);
}

const char *sio_req_header(const sio_req *r, const char *name)
{
    return eio_http_header(r->http, name);
}

const char *sio_req_remote_addr(const sio_req *r)
{
    return eio_http_remote_addr(r->http);
}

sio_server *sio_req_server(const sio_req *r)
{
    return r->srv;
}

const uint8_t *sio_req_body(const sio_req *r, size_t *len)
{
    return eio_http_body(r->http, len);
}

const char *sio_req_cookie(const sio_req *r, const char *name)
{
    sio_req *w = (sio_req *)r;
    const char *h = sio_req_header(r, "cookie");
    int n;

    if (!h)
        return NULL;
    n = sio_cookie_get(h, name, w->cookie_buf, sizeof w->cookie_buf);
    return n >= 0 ? w->cookie_buf : NULL;
}

static bool content_type_is(const sio_req *r, const char *type)
{
    const char *ct = sio_req_header(r, "content-type");
    size_t n = strlen(type);
    return ct && strncasecmp(ct, type, n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes one form component (+ is a space, %XX a byte) into a new
 * string; NULL if it is not valid UTF-8 afterwards or on OOM. */
static char *form_decode(const char *s, size_t n)
{
    char *o = malloc(n + 1);
    size_t k = 0;

    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            o[k++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && hex(s[i + 1]) >= 0 &&
                   hex(s[i + 2]) >= 0) {
            o[k++] = (char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            o[k++] = s[i];
        }
    }
    o[k] = '\0';
    return o;
}

static void parse_form(sio_req *r)
{
    size_t len;
    const char *b = (const char *)sio_req_body(r, &len), *end = b + len;

    r->form = json_object();
    while (r->form && b < end) {
        const char *amp = memchr(b, '&', (size_t)(end - b));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(b, '=', (size_t)(stop - b));
        char *k = form_decode(b, (size_t)((eq ? eq : stop) - b));
        char *v =
            eq ? form_decode(eq + 1, (size_t)(stop - eq - 1)) : strdup("");
        /* The first of a repeated field wins; non-UTF-8 is dropped. */
        if (k && v && *k && !json_object_get(r->form, k))
            json_object_set_new(r->form, k, json_string(v));
        free(k);
        free(v);
        b = stop + 1;
    }
}

const char *sio_req_form(const sio_req *r, const char *name)
{
    sio_req *w = (sio_req *)r;

    if (!w->form_parsed) {
        w->form_parsed = true;
        if (content_type_is(r, "application/x-www-form-urlencoded"))
            parse_form(w);
    }
    return json_string_value(json_object_get(w->form, name));
}

json_t *sio_req_json(const sio_req *r)
{
    sio_req *w = (sio_req *)r;
    size_t len;
    const uint8_t *b;

    if (!w->json_parsed) {
        w->json_parsed = true;
        b = sio_req_body(r, &len);
        if (content_type_is(r, "application/json"))
            w->json = json_loadb((const char *)b, len, JSON_DECODE_ANY, NULL);
    }
    return w->json;
}

/* ---- response headers ---------------------------------------------------- */

int sio_req_add_header(sio_req *r, const char *name, const char *value)
{
    char *n, *v;

    if (r->nhdrs + 2 > SIO_REQ_MAX_HEADERS * 2 || strpbrk(name, "\r\n:") ||
        strpbrk(value, "\r\n"))
        return SIO_EINVAL;
    n = strdup(name);
    v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return SIO_ENOMEM;
    }
    r->hdrs[r->nhdrs++] = n;
    r->hdrs[r->nhdrs++] = v;
    return 0;
}
