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
    char buf[SIO_WEB_COOKIE_BUF];
    json_t *v;
    int n;

    if (!h || !name)
        return NULL;
    /* One string per name for the whole request: a later read (the
     * session's included) never overwrites one the route holds. */
    if ((v = json_object_get(w->cookies, name)))
        return json_string_value(v);
    n = sio_cookie_get(h, name, buf, sizeof buf);
    if (n < 0 || (!w->cookies && !(w->cookies = json_object())))
        return NULL;
    v = json_stringn_nocheck(buf, (size_t)n);
    if (json_object_set_new_nocheck(w->cookies, name, v) != 0)
        return NULL;
    return json_string_value(v);
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
 * string (NULL on OOM); *nul is set if it holds a NUL byte. */
static char *form_decode(const char *s, size_t n, bool *nul)
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
    *nul |= strlen(o) != k;
    return o;
}

json_t *siop_form_parse(const char *b, size_t len, bool *nul)
{
    const char *end = b + len;
    json_t *form = json_object();

    *nul = false;
    while (form && b < end) {
        const char *amp = memchr(b, '&', (size_t)(end - b));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(b, '=', (size_t)(stop - b));
        char *k = form_decode(b, (size_t)((eq ? eq : stop) - b), nul);
        char *v =
            eq ? form_decode(eq + 1, (size_t)(stop - eq - 1), nul) : strdup("");
        /* The first of a repeated field wins; non-UTF-8 is dropped. */
        if (k && v && *k && !json_object_get(form, k))
            json_object_set_new(form, k, json_string(v));
        free(k);
        free(v);
        b = stop + 1;
    }
    return form;
}

/* Fills r->form; false if a name or value holds a NUL byte. */
static bool parse_form(sio_req *r)
{
    size_t len;
    const char *b = (const char *)sio_req_body(r, &len);
    bool nul = false;

    r->form = siop_form_parse(b ? b : "", b ? len : 0, &nul);
    return !nul;
}

/* Parses a form body once; false if it cannot be read without loss. */
bool siop_req_form_ok(sio_req *r)
{
    if (r->form_parsed)
        return true;
    r->form_parsed = true;
    return !content_type_is(r, "application/x-www-form-urlencoded") ||
           parse_form(r);
}

const char *sio_req_form(const sio_req *r, const char *name)
{
    sio_req *w = (sio_req *)r;

    (void)siop_req_form_ok(w);
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
