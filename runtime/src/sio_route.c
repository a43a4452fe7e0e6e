/* sio_route.c - routes of the HTTP side: method + pattern with "<name>"
 * segments, before/after hooks, the request (params, query, headers,
 * cookies, form and JSON bodies) and the response, which also carries
 * the session cookie when the route changed the session. */
#include "sio_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sio_session.h"

#define MAX_SEGMENTS 16
#define MAX_RESPONSE_HEADERS 16

typedef struct route {
    struct route *next;
    char *method, *pattern;
    sio_route_fn fn;
    void *ud;
} route;

typedef struct hook {
    struct hook *next;
    sio_before_fn before;
    sio_route_fn after;
    void *ud;
} hook;

struct sio_routes {
    route *routes, **tail;
    hook *before, *after;
};

static struct sio_routes *routes_of(sio_server *srv)
{
    if (!srv->routes && (srv->routes = calloc(1, sizeof *srv->routes)))
        srv->routes->tail = &srv->routes->routes;
    return srv->routes;
}

int sio_http_route(sio_server *srv, const char *method, const char *pattern,
                   sio_route_fn fn, void *ud)
{
    struct sio_routes *rs = routes_of(srv);
    route *r = NULL;

    if (!method || !pattern || pattern[0] != '/' || !fn)
        return SIO_EINVAL;
    if (!rs || !(r = calloc(1, sizeof *r)) || !(r->method = strdup(method)) ||
        !(r->pattern = strdup(pattern))) {
        if (r)
            free(r->method);
        free(r);
        return SIO_ENOMEM;
    }
    r->fn = fn;
    r->ud = ud;
    *rs->tail = r; /* first registered, first matched */
    rs->tail = &r->next;
    return 0;
}

static int add_hook(sio_server *srv, sio_before_fn b, sio_route_fn a, void *ud)
{
    struct sio_routes *rs = routes_of(srv);
    hook *h = calloc(1, sizeof *h), **list;

    if (!rs || !h) {
        free(h);
        return SIO_ENOMEM;
    }
    h->before = b;
    h->after = a;
    h->ud = ud;
    for (list = b ? &rs->before : &rs->after; *list; list = &(*list)->next)
        ;
    *list = h;
    return 0;
}

int sio_http_before(sio_server *srv, sio_before_fn fn, void *ud)
{
    return fn ? add_hook(srv, fn, NULL, ud) : SIO_EINVAL;
}

int sio_http_after(sio_server *srv, sio_route_fn fn, void *ud)
{
    return fn ? add_hook(srv, NULL, fn, ud) : SIO_EINVAL;
}

void siop_routes_free(sio_server *srv)
{
    struct sio_routes *rs = srv->routes;

    if (!rs)
        return;
    while (rs->routes) {
        route *r = rs->routes;
        rs->routes = r->next;
        free(r->method);
        free(r->pattern);
        free(r);
    }
    for (hook *h = rs->before, *n; h; h = n)
        n = h->next, free(h);
    for (hook *h = rs->after, *n; h; h = n)
        n = h->next, free(h);
    free(rs);
    srv->routes = NULL;
}

/* ---- matching --------------------------------------------------------------
 */

/* Matches path against pattern, filling r's params; true on a match. */
static bool match(const char *pattern, const char *path, sio_req *r)
{
    r->nparams = 0;
    while (*pattern == '/' && *path == '/') {
        size_t pl = strcspn(++pattern, "/"), vl = strcspn(++path, "/");
        if (pl > 2 && pattern[0] == '<' && pattern[pl - 1] == '>') {
            if (!vl || r->nparams == SIO_REQ_MAX_PARAMS)
                return false;
            r->params[r->nparams].name = pattern + 1;
            r->params[r->nparams].nlen = pl - 2;
            r->params[r->nparams].value = strndup(path, vl);
            if (!r->params[r->nparams++].value)
                return false;
        } else if (pl != vl || strncmp(pattern, path, pl) != 0) {
            return false;
        }
        pattern += pl;
        path += vl;
    }
    return !*pattern && !*path;
}

static void params_clear(sio_req *r)
{
    for (size_t i = 0; i < r->nparams; i++)
        free(r->params[i].value);
    r->nparams = 0;
}

/* The first route whose pattern and method match; *path_only when only
 * the path matched (405). */
static route *find_route(struct sio_routes *rs, sio_req *r, bool *path_only)
{
    *path_only = false;
    for (route *rt = rs->routes; rt; rt = rt->next) {
        bool m = match(rt->pattern, sio_req_path(r), r);
        if (m && strcmp(rt->method, sio_req_method(r)) == 0)
            return rt;
        *path_only |= m;
        params_clear(r);
    }
    return NULL;
}

/* ---- running a request
 * ------------------------------------------------------- */

static bool form_ok(sio_req *r);

static void run_route(struct sio_routes *rs, route *rt, sio_req *r)
{
    /* A NUL in a form field would cut its C string short: refused whole,
     * before anything reads it. */
    if (!form_ok(r)) {
        sio_respond(r, 400, "text/plain", "Bad Request", 11);
        return;
    }
    for (hook *h = rs->before; h; h = h->next)
        if (h->before(r, h->ud) || r->answered)
            return;
    rt->fn(r, rt->ud);
    for (hook *h = rs->after; h; h = h->next)
        h->after(r, h->ud);
    if (!r->answered)
        sio_respond(r, 500, "text/plain", "no response", 11);
}

static void req_fini(sio_req *r)
{
    params_clear(r);
    json_decref(r->form);
    json_decref(r->json);
    json_decref(r->cookies);
    for (size_t i = 0; i < r->nhdrs; i++)
        free(r->hdrs[i]);
    siop_session_req_fini(r);
}

int siop_route_request(sio_server *srv, eio_http_req *http)
{
    struct sio_routes *rs = srv->routes;
    sio_req r;
    bool path_only;
    route *rt;

    if (!rs)
        return 1;
    memset(&r, 0, sizeof r);
    r.srv = srv;
    r.http = http;
    rt = find_route(rs, &r, &path_only);
    if (rt)
        run_route(rs, rt, &r);
    else if (path_only)
        sio_respond(&r, 405, "text/plain", "Method Not Allowed", 18);
    req_fini(&r);
    return rt || path_only ? 0 : 1;
}

/* ---- the request
 * --------------------------------------------------------------- */

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
    char buf[4096];
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

/* Fills r->form; false if a name or value holds a NUL byte. */
static bool parse_form(sio_req *r)
{
    size_t len;
    const char *b = (const char *)sio_req_body(r, &len), *end = b + len;
    bool nul = false;

    r->form = json_object();
    while (r->form && b < end) {
        const char *amp = memchr(b, '&', (size_t)(end - b));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(b, '=', (size_t)(stop - b));
        char *k = form_decode(b, (size_t)((eq ? eq : stop) - b), &nul);
        char *v = eq ? form_decode(eq + 1, (size_t)(stop - eq - 1), &nul)
                     : strdup("");
        /* The first of a repeated field wins; non-UTF-8 is dropped. */
        if (k && v && *k && !json_object_get(r->form, k))
            json_object_set_new(r->form, k, json_string(v));
        free(k);
        free(v);
        b = stop + 1;
    }
    return !nul;
}

/* Parses a form body once; false if it cannot be read without loss. */
static bool form_ok(sio_req *r)
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

    (void)form_ok(w);
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

/* ---- the response
 * --------------------------------------------------------------- */

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

int sio_respond(sio_req *r, int status, const char *content_type,
                const void *body, size_t len)
{
    const char *list[SIO_REQ_MAX_HEADERS * 2 + 1];

    if (r->answered)
        return SIO_ESTATE;
    siop_session_req_save(r); /* may add a set-cookie header */
    for (size_t i = 0; i < r->nhdrs; i++)
        list[i] = r->hdrs[i];
    list[r->nhdrs] = NULL;
    r->answered = true;
    return eio_http_respond(r->http, status, content_type, body, len, list);
}

int sio_respond_json(sio_req *r, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    int rc;

    json_decref(body);
    if (!text)
        return sio_respond(r, 500, "text/plain", "cannot encode", 13);
    rc = sio_respond(r, status, "application/json", text, strlen(text));
    free(text);
    return rc;
}
