/* sio_ext.h - the core's extension interface: how the web layer (routes,
 * static files, the user's session, login, tokens) plugs into a
 * sio_server without the core knowing HTTP, sessions or cookies.
 *
 * The core holds one extension per server (an ops table and an opaque
 * pointer), one opaque slot per connection and one per handler call, and
 * calls the hooks below at the moments that matter. This header is the
 * only part of the core an extension sees; its own folder keeps the
 * core's structures out of the extension's include path. Internal
 * (prefix siop_ext_). */
#ifndef SIO_EXT_H
#define SIO_EXT_H

#include <stdbool.h>

#include "sio.h"

typedef struct siop_ext_ops {
    /* A connection's handshake (es is its Engine.IO session): returns the
     * extension's state for it, or NULL. */
    void *(*conn_open)(void *ext, eio_session *es);
    /* The connection is freed: releases its state (NULL when none). */
    void (*conn_free)(void *ext, void *conn);
    /* A handler call ends: releases its state (never NULL here). */
    void (*call_end)(void *ext, void *call);
    /* The "requires auth" test of the typed dispatch. */
    bool (*authenticated)(void *ext, sio_ctx *ctx);
    /* A plain HTTP request on the server's port: 0 if answered,
     * non-zero for a 404. */
    int (*http)(void *ext, eio_http_req *req);
    /* The server is freed: releases ext. */
    void (*free)(void *ext);
} siop_ext_ops;

/* The server's extension, or NULL before siop_ext_set. */
void *siop_ext_get(const sio_server *srv);
/* Installs ext, owned by the server from now on (ops->free releases it).
 * One extension per server: a second call replaces the pointer only. */
void siop_ext_set(sio_server *srv, const siop_ext_ops *ops, void *ext);
/* The slot of ctx's connection for the extension's state (what conn_open
 * returned, or what the extension puts there later); NULL once the
 * connection is gone. */
void **siop_ext_conn(sio_ctx *ctx);
/* The slot of this handler call (released by call_end when it ends). */
void **siop_ext_call(sio_ctx *ctx);
/* The server's log level, for the extension's log lines. */
int siop_ext_log_level(const sio_server *srv);

#endif
