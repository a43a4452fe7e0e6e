/* sio_server.c - the Socket.IO server object (see sio.h): its options,
 * Engine.IO server, life, the application pointer, calls from other
 * threads, and the extension slot (sio_ext.h).
 *
 * Everything runs on the loop thread except sio_server_stop and
 * sio_server_call_on_loop. */
#include <stdlib.h>
#include <string.h>

#include "sio_internal.h"

/* The outgoing message pool: blocks of this payload size (typed packets
 * that fit; bigger ones grow out of the pool), at most this many kept. */
#define MSG_POOL_CAP 512
#define MSG_POOL_MAX 256

void sio_options_init(sio_options *o)
{
    memset(o, 0, sizeof *o);
    eio_options_init(&o->eio);
    o->eio.path = "/socket.io/";
    o->connect_timeout_ms = 45000;
    o->max_attachments = 10;
    o->max_rooms_per_socket = 1000;
    o->attachment_timeout_ms = 30000;
    o->max_attachment_bytes = 8u << 20;
    o->max_server_attachment_bytes = 64u << 20;
    o->recovery_max_packets = 10000;
}

static int on_http(eio_http_req *req, void *ud)
{
    sio_server *srv = ud;

    return srv->ext_ops ? srv->ext_ops->http(srv->ext, req) : 1;
}

sio_server *sio_server_new(const sio_options *o)
{
    static const eio_callbacks cb = {
        .open = siop_conn_on_open,
        .message = siop_conn_on_message,
        .close = siop_conn_on_close,
        .shutdown = siop_conn_on_shutdown,
        .http = on_http,
        .upgrade = siop_conn_on_upgrade,
    };
    sio_server *srv = calloc(1, sizeof *srv);

    if (!srv)
        return NULL;
    if (o)
        srv->opt = *o;
    else
        sio_options_init(&srv->opt);
    if (!srv->opt.max_rooms_per_socket)
        srv->opt.max_rooms_per_socket = 1000;
    if (!srv->opt.attachment_timeout_ms)
        srv->opt.attachment_timeout_ms = 30000;
    if (!srv->opt.max_attachment_bytes)
        srv->opt.max_attachment_bytes = 8u << 20;
    if (!srv->opt.max_server_attachment_bytes)
        srv->opt.max_server_attachment_bytes = 64u << 20;
    map_init(&srv->nsps);
    srv->arena = siop_arena_new();
    srv->msg_pool = eiop_msg_pool_new(MSG_POOL_CAP, MSG_POOL_MAX);
    if (!srv->arena || !srv->msg_pool) {
        sio_server_free(srv);
        return NULL;
    }
    /* As in socket.io, the main namespace always exists. */
    if (!sio_server_of(srv, "/")) {
        sio_server_free(srv);
        return NULL;
    }
    srv->eio = eio_server_new(&srv->opt.eio, &cb, srv);
    if (!srv->eio) {
        sio_server_free(srv);
        return NULL;
    }
    return srv;
}

int sio_server_run(sio_server *srv)
{
    return eio_server_run(srv->eio);
}

void sio_server_stop(sio_server *srv)
{
    eio_server_stop(srv->eio);
}

void sio_server_free(sio_server *srv)
{
    map_entry *e;

    if (!srv)
        return;
    siop_obs_free(srv); /* before the engine: observers own timers */
    /* Timers belong to the Engine.IO server: free them before it. */
    for (size_t i = 0; map_next(&srv->nsps, &i, &e);)
        siop_recovery_free(e->value);
    for (sio_conn *c = srv->conns; c; c = c->next) {
        eio_timer_free(c->connect_timer);
        c->connect_timer = NULL;
        eio_timer_free(c->att_timer);
        c->att_timer = NULL;
        for (sio_socket *k = c->sockets; k; k = k->next)
            siop_fail_out_acks(k);
    }
    if (srv->eio)
        eio_server_free(srv->eio);
    while (srv->conns) {
        srv->conns->session = NULL;
        siop_conn_free(srv->conns);
    }
    for (size_t i = 0; map_next(&srv->nsps, &i, &e);)
        siop_namespace_free(e->value);
    map_fini(&srv->nsps);
    siop_typed_acks_free(srv);
    siop_arena_free(srv->arena);
    eiop_msg_pool_free(srv->msg_pool); /* messages out return to free() */
    if (srv->ext_ops) /* after the connections: they free their part */
        srv->ext_ops->free(srv->ext);
    free(srv);
}

int sio_server_port(const sio_server *srv)
{
    return eio_server_port(srv->eio);
}

eio_server *sio_server_engine(sio_server *srv)
{
    return srv->eio;
}

void sio_server_set_app(sio_server *srv, void *app)
{
    srv->app = app;
}

void *sio_server_app(const sio_server *srv)
{
    return srv->app;
}

typedef struct call_box {
    sio_server *srv;
    void (*fn)(sio_server *srv, void *arg);
    void *arg;
} call_box;

static void call_box_run(void *p)
{
    call_box b = *(call_box *)p;

    free(p);
    b.fn(b.srv, b.arg);
}

int sio_server_call_on_loop(sio_server *srv,
                            void (*fn)(sio_server *srv, void *arg), void *arg)
{
    call_box *b;
    int rc;

    if (!srv || !fn)
        return SIO_EINVAL;
    b = malloc(sizeof *b);
    if (!b)
        return SIO_ENOMEM;
    *b = (call_box){srv, fn, arg};
    rc = eio_server_post(srv->eio, call_box_run, b);
    if (rc != 0)
        free(b);
    return rc;
}

int sio_server_on_error(sio_server *srv, sio_error_fn fn, void *ud)
{
    if (!srv || !fn)
        return SIO_EINVAL;
    srv->on_error = fn;
    srv->error_ud = ud;
    return 0;
}

/* ---- the adapter (sio_adapter.h) ----------------------------------------- */

int sio_server_set_adapter(sio_server *srv, sio_adapter_new_fn fn, void *ud)
{
    sio_adapter **made;
    map_entry *e;
    size_t n = 0;

    if (!srv)
        return SIO_EINVAL;
    if (srv->conns)
        return SIO_ESTATE;
    /* Every new adapter first, so that a failure changes nothing. */
    made = calloc(srv->nsps.len + 1, sizeof *made);
    if (!made)
        return SIO_ENOMEM;
    for (size_t i = 0; map_next(&srv->nsps, &i, &e); n++) {
        made[n] = fn ? fn(e->value, ud) : sio_adapter_memory_new(e->value);
        if (!made[n]) {
            while (n--)
                made[n]->ops->free(made[n]);
            free(made);
            return SIO_ENOMEM;
        }
    }
    n = 0;
    for (size_t i = 0; map_next(&srv->nsps, &i, &e); n++) {
        sio_namespace *ns = e->value;
        ns->adapter->ops->free(ns->adapter);
        ns->adapter = made[n];
    }
    free(made);
    srv->adapter_new = fn;
    srv->adapter_ud = ud;
    return 0;
}

/* ---- the extension interface (sio_ext.h) ----------------------------------
 */

void *siop_ext_get(const sio_server *srv)
{
    return srv->ext;
}

void siop_ext_set(sio_server *srv, const siop_ext_ops *ops, void *ext)
{
    srv->ext_ops = ops;
    srv->ext = ext;
}

int siop_ext_log_level(const sio_server *srv)
{
    return srv->opt.eio.log_level;
}
