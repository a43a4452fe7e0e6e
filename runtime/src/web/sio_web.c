/* sio_web.c - the web layer as the core's extension (sio_ext.h): one
 * sio_web per server, installed by the first HTTP, route or session call,
 * and the hooks that route the core's calls to its parts. */
#include "sio_web.h"

#include <stdlib.h>

#include <jansson.h>

static void *web_conn_open(void *ext, eio_session *es)
{
    return siop_session_conn_open(ext, es);
}

static void web_conn_free(void *ext, void *conn)
{
    (void)ext;
    siop_session_conn_free(conn);
}

/* A call's state is the store's session it read (sio_websession.c). */
static void web_call_end(void *ext, void *call)
{
    (void)ext;
    json_decref(call);
}

static bool web_authenticated(void *ext, sio_ctx *ctx)
{
    (void)ext;
    return siop_ctx_authenticated_user(ctx);
}

static int web_http(void *ext, eio_http_req *req)
{
    return siop_http_request(ext, req);
}

static void web_free(void *ext)
{
    sio_web *web = ext;

    siop_http_free(web);
    siop_routes_free(web);
    siop_sessions_free(web);
    free(web);
}

static const siop_ext_ops web_ops = {
    .conn_open = web_conn_open,
    .conn_free = web_conn_free,
    .call_end = web_call_end,
    .authenticated = web_authenticated,
    .http = web_http,
    .free = web_free,
};

sio_web *siop_web_get(const sio_server *srv)
{
    return siop_ext_get(srv);
}

sio_web *siop_web(sio_server *srv)
{
    sio_web *web = siop_ext_get(srv);

    if (web)
        return web;
    if (!(web = calloc(1, sizeof *web)))
        return NULL;
    web->srv = srv;
    siop_ext_set(srv, &web_ops, web);
    return web;
}
