/* sio_namespace.c - namespaces: their handlers, their connected
 * sockets, and the CONNECT packet that joins a client to one (connect
 * handler, refusal, acceptance). */
#include <stdlib.h>
#include <string.h>

#include "sio_internal.h"

static void socket_refuse(sio_socket *s, const char *msg, json_t *data)
{
    siop_conn_send_connect_error(s->conn, s->ns->name, msg ? msg : "refused",
                                 data);
    siop_socket_drop(s, 0);
}

/* The CONNECT answer: the sid, and the private id with recovery on. */
static json_t *connect_answer(const sio_socket *s)
{
    if (s->pid[0])
        return json_pack("{s:s, s:s}", "sid", s->sid, "pid", s->pid);
    return json_pack("{s:s}", "sid", s->sid);
}

/* The connect handler accepted: answer CONNECT, then what a recovered
 * socket missed, then what the handler emitted. */
static void socket_accept(sio_socket *s, siop_restored *rs)
{
    sio_conn *c = s->conn;
    json_t *d;

    if (map_put(&s->ns->sockets, s->sid, UTIL_ID_LEN, s) != 0) {
        socket_refuse(s, "server error", NULL);
        return;
    }
    s->state = SOCK_CONNECTED;
    eio_timer_stop(c->connect_timer);
    d = connect_answer(s);
    if (!d ||
        siop_conn_send_packet(c, SIO_PKT_CONNECT, s->ns->name, -1, d) != 0)
        siop_conn_log(c, EIO_LOG_WARN, siop_span_str(s->ns->name), SPAN_NONE,
                      "cannot send CONNECT", SPAN_NONE);
    json_decref(d);
    if (rs)
        siop_recovery_finish(s, rs);
    for (size_t i = 0; i < s->nheld && c->session; i++)
        if (siop_conn_send(c, &s->held[i]) != 0)
            break;
    siop_socket_held_clear(s);
    if (SIOP_OBSERVED(s->ns->srv))
        siop_obs_socket(s, true, 0);
    if (s->disconnect_asked)
        siop_socket_kick(s, SIO_REASON_SERVER_NAMESPACE_DISCONNECT);
}

/* With recovery on: a returning client's session, or a new private id. */
static siop_restored *recover(sio_namespace *ns, sio_socket *s)
{
    siop_restored *rs;

    if (!ns->recovery)
        return NULL;
    rs = siop_recovery_take(ns, s->auth);
    if (rs)
        siop_recovery_apply(s, rs);
    else if (util_random_id(s->pid) != 0)
        s->pid[0] = '\0'; /* no recovery for this one */
    return rs;
}

/* bad_auth: the payload was not an object; the handler runs (with a
 * null auth) to choose the message, and the client is refused anyway. */
static void connect_packet(sio_conn *c, const sio_packet *p, span in,
                           bool bad_auth)
{
    span nsp = {p->nsp, p->nsp_len};
    sio_namespace *ns = map_get(&c->srv->nsps, p->nsp, p->nsp_len);
    sio_socket *s;
    siop_restored *rs;
    int rc = 0;

    if (!ns) {
        char *name = strndup(p->nsp, p->nsp_len);
        siop_conn_log(c, EIO_LOG_INFO, nsp, SPAN_NONE, "invalid namespace", in);
        if (name)
            siop_conn_send_connect_error(c, name, "Invalid namespace", NULL);
        free(name);
        return;
    }
    if (siop_conn_find(c, p->nsp, p->nsp_len)) {
        /* As socket.io: a second CONNECT closes the connection. */
        siop_conn_log(c, EIO_LOG_INFO, nsp, SPAN_NONE, "already connected", in);
        siop_conn_close(c, SIO_REASON_FORCED_CLOSE);
        return;
    }
    s = siop_socket_new(c, ns, p->data);
    if (!s) {
        siop_conn_log(c, EIO_LOG_ERR, nsp, SPAN_NONE, "out of memory", in);
        siop_conn_send_connect_error(c, ns->name, "server error", NULL);
        return;
    }
    s->refs++; /* the dispatch */
    rs = bad_auth ? NULL : recover(ns, s);
    sio_ctx ctx = {.s = s, .conn = c, .ack_id = -1, .connecting = true};
    if (ns->on_connect)
        rc = ns->on_connect(&ctx, s->auth, ns->connect_ud);
    ctx.connecting = false;
    siop_ctx_fini(&ctx);
    if (bad_auth && !ctx.refuse_msg)
        ctx.refuse_msg = strdup("expected an object");
    if (s->state != SOCK_CONNECTING) {
        json_decref(ctx.refuse_data); /* the connection closed meanwhile */
    } else if (rc != 0 || bad_auth) {
        siop_conn_log(c, EIO_LOG_INFO, nsp, SPAN_NONE, "connect refused",
                      SPAN_NONE);
        socket_refuse(s, ctx.refuse_msg, ctx.refuse_data);
    } else {
        json_decref(ctx.refuse_data);
        socket_accept(s, rs);
    }
    siop_restored_free(rs);
    free(ctx.refuse_msg);
    siop_socket_unref(s);
}

void siop_namespace_on_connect_packet(sio_conn *c, sio_packet *p, span in)
{
    connect_packet(c, p, in, false);
}

void siop_namespace_on_bad_connect(sio_conn *c, const sio_packet *p,
                                   const char *why, span in)
{
    sio_packet q = *p;

    siop_conn_log(c, EIO_LOG_INFO, (span){p->nsp, p->nsp_len}, SPAN_NONE, why,
                  in);
    q.data = json_null();
    connect_packet(c, &q, in, true);
}

void siop_namespace_free(sio_namespace *ns)
{
    map_entry *e;

    for (size_t i = 0; map_next(&ns->events, &i, &e);)
        free(e->value);
    map_fini(&ns->events);
    map_fini(&ns->sockets);
    siop_recovery_free(ns);
    ns->adapter->ops->free(ns->adapter);
    free(ns);
}

sio_namespace *sio_server_of(sio_server *srv, const char *name)
{
    sio_namespace *ns;
    size_t len;

    if (!srv || !name || name[0] != '/')
        return NULL;
    len = strlen(name);
    ns = map_get(&srv->nsps, name, len);
    if (ns)
        return ns;
    ns = calloc(1, sizeof *ns + len + 1);
    if (!ns)
        return NULL;
    ns->srv = srv;
    ns->len = len;
    memcpy(ns->name, name, len + 1);
    map_init(&ns->events);
    map_init(&ns->sockets);
    ns->adapter = srv->adapter_new ? srv->adapter_new(ns, srv->adapter_ud)
                                   : sio_adapter_memory_new(ns);
    if (!ns->adapter || siop_recovery_init(ns) != 0 ||
        map_put(&srv->nsps, ns->name, len, ns) != 0) {
        if (ns->adapter)
            ns->adapter->ops->free(ns->adapter);
        siop_recovery_free(ns);
        free(ns);
        return NULL;
    }
    return ns;
}

const char *sio_namespace_name(const sio_namespace *ns)
{
    return ns->name;
}

int sio_namespace_on_connect(sio_namespace *ns, sio_connect_fn fn, void *ud)
{
    if (!ns || !fn)
        return SIO_EINVAL;
    if (ns->on_connect)
        return SIO_EEXIST;
    ns->on_connect = fn;
    ns->connect_ud = ud;
    return 0;
}

int sio_namespace_on_disconnecting(sio_namespace *ns, sio_disconnect_fn fn,
                                   void *ud)
{
    if (!ns || !fn)
        return SIO_EINVAL;
    if (ns->on_disconnecting)
        return SIO_EEXIST;
    ns->on_disconnecting = fn;
    ns->disconnecting_ud = ud;
    return 0;
}

int sio_namespace_on_disconnect(sio_namespace *ns, sio_disconnect_fn fn,
                                void *ud)
{
    if (!ns || !fn)
        return SIO_EINVAL;
    if (ns->on_disconnect)
        return SIO_EEXIST;
    ns->on_disconnect = fn;
    ns->disconnect_ud = ud;
    return 0;
}

int sio_namespace_on(sio_namespace *ns, const char *event, sio_event_fn fn,
                     void *ud)
{
    handler *h;
    size_t len;

    if (!ns || !event || !fn)
        return SIO_EINVAL;
    len = strlen(event);
    if (map_get(&ns->events, event, len))
        return SIO_EEXIST;
    h = malloc(sizeof *h + len + 1);
    if (!h)
        return SIO_ENOMEM;
    h->fn = fn;
    h->ud = ud;
    memcpy(h->name, event, len + 1);
    if (map_put(&ns->events, h->name, len, h) != 0) {
        free(h);
        return SIO_ENOMEM;
    }
    return 0;
}

int sio_namespace_on_any(sio_namespace *ns, sio_event_fn fn, void *ud)
{
    if (!ns || !fn)
        return SIO_EINVAL;
    if (ns->on_any)
        return SIO_EEXIST;
    ns->on_any = fn;
    ns->any_ud = ud;
    return 0;
}

sio_socket *sio_namespace_socket(sio_namespace *ns, const char *sid)
{
    return sid ? map_get(&ns->sockets, sid, strlen(sid)) : NULL;
}

int sio_namespace_on_error(sio_namespace *ns, sio_error_fn fn, void *ud)
{
    if (!ns || !fn)
        return SIO_EINVAL;
    ns->on_error = fn;
    ns->error_ud = ud;
    return 0;
}
