/* sio_route.c - routes of the HTTP side: method + pattern with "<name>"
 * segments, before/after hooks, and the response, which also carries the
 * session cookie when the route changed the session. The request itself
 * is sio_req.c. */
#include "sio_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sio_cookie.h"

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
    sio_web *web = siop_web(srv);

    if (web && !web->routes && (web->routes = calloc(1, sizeof *web->routes)))
        web->routes->tail = &web->routes->routes;
    return web ? web->routes : NULL;
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

void siop_routes_free(sio_web *web)
{
    struct sio_routes *rs = web->routes;

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
    web->routes = NULL;
}

/* ---- matching --------------------------------------------------------------
 */

bool siop_route_match(const char *pattern, const char *path, sio_req *r)
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
        bool m = siop_route_match(rt->pattern, sio_req_path(r), r);
        if (m && strcmp(rt->method, sio_req_method(r)) == 0)
            return rt;
        *path_only |= m;
        params_clear(r);
    }
    return NULL;
}

/* ---- running a request
 * ------------------------------------------------------- */

static bool changes_state(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

/* With sessions on, a browser sends the user's cookie with a form any
 * site posts to us (login CSRF and worse): a request that changes state
 * must come from the server's own page or a cors_origin one, by its
 * Origin, else its Referer. Neither (not a browser, or a referrer
 * policy): let through. */
static bool cross_site(const sio_web *web, sio_req *r)
{
    const char *o = sio_req_header(r, "origin");
    const char *host = sio_req_header(r, "host");
    char buf[256];

    if (!web->sessions || !changes_state(sio_req_method(r)))
        return false;
    if (!o && (o = sio_req_header(r, "referer"))) {
        const char *h = strstr(o, "://");
        size_t n = h ? (size_t)(h + 3 - o) + strcspn(h + 3, "/?#") : 0;
        if (!n || n >= sizeof buf)
            return true;
        memcpy(buf, o, n);
        buf[n] = '\0';
        o = buf;
    }
    return o &&
           !eio_server_origin_allowed(sio_server_engine(web->srv), o, host);
}

static void run_route(sio_web *web, struct sio_routes *rs, route *rt,
                      sio_req *r)
{
    if (cross_site(web, r)) {
        log_line(siop_ext_log_level(web->srv), EIO_LOG_INFO,
                 "web: %s %s from another site refused", sio_req_method(r),
                 sio_req_path(r));
        sio_respond(r, 403, "text/plain", "cross-site request refused", 26);
        return;
    }
    /* A NUL in a form field would cut its C string short: refused whole,
     * before anything reads it. */
    if (!siop_req_form_ok(r)) {
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

int siop_route_request(sio_web *web, eio_http_req *http)
{
    struct sio_routes *rs = web->routes;
    sio_req r;
    bool path_only;
    route *rt;

    if (!rs)
        return 1;
    memset(&r, 0, sizeof r);
    r.srv = web->srv;
    r.http = http;
    rt = find_route(rs, &r, &path_only);
    if (rt)
        run_route(web, rs, rt, &r);
    else if (path_only)
        sio_respond(&r, 405, "text/plain", "Method Not Allowed", 18);
    req_fini(&r);
    return rt || path_only ? 0 : 1;
}

/* ---- the response ----------------------------------------------------------
 */

int sio_respond(sio_req *r, int status, const char *content_type,
                const void *body, size_t len)
{
    const char *list[SIO_REQ_MAX_HEADERS * 2 + 1];

    if (r->answered)
        return SIO_ESTATE;
    /* may add a set-cookie header; a session that cannot be kept fails
     * the request: a route must not report a change that is lost */
    switch (siop_session_req_save(r)) {
    case 0:
        break;
    case SIO_ELIMIT:
        status = 503;
        content_type = "text/plain";
        body = "session store full";
        len = strlen(body);
        break;
    default:
        status = 500;
        content_type = "text/plain";
        body = "session not saved";
        len = strlen(body);
        break;
    }
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
