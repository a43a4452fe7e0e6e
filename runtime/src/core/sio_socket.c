/* sio_socket.c - a client's membership of one namespace: its life
 * (connecting, connected, gone), events to its handlers, and emits to it
 * (held while its connect handler runs).
 *
 * Sockets are refcounted: the connection's list, a running dispatch and
 * a detached ack each hold a reference, so a socket is never freed inside
 * its own handler. */
#include <stdlib.h>
#include <string.h>

#include "sio_internal.h"

void siop_socket_held_clear(sio_socket *s)
{
    for (size_t i = 0; i < s->nheld; i++)
        siop_encoded_fini(&s->held[i]);
    free(s->held);
    s->held = NULL;
    s->nheld = s->capheld = 0;
}

/* Keeps an emit made while the connect handler runs; e is moved. */
static int socket_hold(sio_socket *s, sio_encoded *e)
{
    if (util_grow((void **)&s->held, &s->capheld, s->nheld + 1,
                  sizeof *s->held) != 0) {
        siop_encoded_fini(e);
        return SIO_ENOMEM;
    }
    s->held[s->nheld++] = *e;
    return 0;
}

sio_socket *siop_socket_new(sio_conn *c, sio_namespace *ns, json_t *auth)
{
    sio_socket *s = calloc(1, sizeof *s);

    if (!s)
        return NULL;
    if (util_random_id(s->sid) != 0) {
        free(s);
        return NULL;
    }
    s->auth = auth ? json_incref(auth) : json_object();
    if (!s->auth) {
        free(s);
        return NULL;
    }
    s->out_tail = &s->out_acks;
    s->refs = 1; /* the connection's list */
    s->connected_at = util_now_ms();
    s->state = SOCK_CONNECTING;
    s->ns = ns;
    s->conn = c;
    s->next = c->sockets;
    c->sockets = s;
    return s;
}

void siop_socket_unref(sio_socket *s)
{
    if (--s->refs > 0)
        return;
    siop_socket_held_clear(s);
    siop_socket_data_free(s); /* if it never went through drop */
    json_decref(s->auth);
    free(s->spare_ack);
    free(s);
}

/* Takes s out of its connection and namespace; a socket that was
 * connected gets its disconnect handler (unless why is 0). */
/* The disconnecting handler: the socket is still in its rooms. */
static void socket_disconnecting(sio_socket *s, sio_conn *c, sio_reason why)
{
    sio_namespace *ns = s->ns;
    sio_ctx ctx = {.s = s, .conn = c, .ack_id = -1};

    siop_conn_hold(c);
    ns->on_disconnecting(&ctx, why, ns->disconnecting_ud);
    siop_ctx_fini(&ctx);
    siop_conn_release(c);
}

void siop_socket_drop(sio_socket *s, sio_reason why)
{
    sio_conn *c = s->conn;
    bool was = s->state == SOCK_CONNECTED;
    sio_namespace *ns = s->ns;
    char *left = NULL; /* its rooms, for the observers */
    size_t nleft = 0;

    if (s->state == SOCK_GONE)
        return;
    if (was && why && ns->on_disconnecting) {
        s->refs++; /* the handler may drop it again: it returns at once */
        socket_disconnecting(s, c, why);
        if (s->state == SOCK_GONE) {
            siop_socket_unref(s);
            return;
        }
        siop_socket_unref(s);
    }
    if (was && why)
        siop_recovery_persist(s, why);
    if (was && why && SIOP_OBSERVED(ns->srv))
        left = siop_obs_rooms_take(s, &nleft);
    ns->adapter->ops->leave_all(ns->adapter, s);
    siop_conn_unlink(c, s);
    if (was)
        map_del(&ns->sockets, s->sid, UTIL_ID_LEN);
    s->state = SOCK_GONE;
    s->conn = NULL;
    siop_socket_held_clear(s);
    siop_fail_out_acks(s);
    if (was && why && SIOP_OBSERVED(ns->srv)) {
        siop_obs_socket(s, false, why);
        siop_obs_rooms_left(s, left, nleft);
    }
    if (was && why && ns->on_disconnect) {
        sio_ctx ctx = {.s = s, .conn = c, .ack_id = -1};
        siop_conn_hold(c);
        ns->on_disconnect(&ctx, why, ns->disconnect_ud);
        siop_ctx_fini(&ctx);
        siop_conn_release(c);
    }
    siop_socket_data_free(s); /* after the disconnect handler's last look */
    siop_socket_unref(s);
}

int siop_socket_send_packet(sio_socket *s, sio_packet_type type, int64_t id,
                            const json_t *data)
{
    if (s->state != SOCK_CONNECTED)
        return SIO_ECLOSED;
    return siop_conn_send_packet(s->conn, type, s->ns->name, id, data);
}

/* Server-side namespace disconnect of a connected socket. */
void siop_socket_kick(sio_socket *s, sio_reason why)
{
    (void)siop_socket_send_packet(s, SIO_PKT_DISCONNECT, -1, NULL);
    siop_socket_drop(s, why);
}

static void on_unknown_event(sio_conn *c, sio_socket *s, const sio_packet *p,
                             span event, span in)
{
    siop_conn_log(c, EIO_LOG_INFO, siop_span_str(s->ns->name), event,
                  "unknown event", in);
    if (p->id >= 0)
        (void)siop_ack_answer(s, p->id,
                              json_pack("[{s:s}]", "error", "unknown event"));
}

void siop_socket_on_event(sio_conn *c, sio_socket *s, sio_packet *p, span in)
{
    /* Keep the name alive while the args (the rest) go to the handler. */
    json_t *name = json_incref(json_array_get(p->data, 0));
    const char *ev = json_string_value(name);
    size_t evlen = json_string_length(name);
    handler *h = map_get(&s->ns->events, ev, evlen);
    sio_event_fn fn = h ? h->fn : s->ns->on_any;
    void *ud = h ? h->ud : s->ns->any_ud;

    if (SIOP_OBSERVED(c->srv))
        siop_obs_event(s, p->data, true);
    json_array_remove(p->data, 0);
    if (!fn) {
        on_unknown_event(c, s, p, (span){ev, evlen}, in);
    } else {
        sio_ctx ctx = {
            .s = s, .conn = c, .event = ev, .args = p->data, .ack_id = p->id};
        s->refs++;
        fn(&ctx, p->data, ud);
        siop_ctx_fini(&ctx); /* g lives one handler call */
        siop_socket_unref(s);
    }
    json_decref(name);
}

const char *sio_socket_sid(const sio_socket *s)
{
    return s->sid;
}

sio_namespace *sio_socket_namespace(const sio_socket *s)
{
    return s->ns;
}

bool sio_socket_connected(const sio_socket *s)
{
    return s->state == SOCK_CONNECTED;
}

void sio_socket_set_data(sio_socket *s, void *data)
{
    s->data = data;
}

void *sio_socket_data(const sio_socket *s)
{
    return s->data;
}

sio_socket *sio_socket_ref(sio_socket *s)
{
    if (s)
        s->refs++;
    return s;
}

void sio_socket_unref(sio_socket *s)
{
    if (s)
        siop_socket_unref(s);
}

int siop_encode_event(const char *nsp, const char *event, json_t *args,
                      int64_t id, sio_encoded *out)
{
    json_t *name;
    int rc;

    if (!event || (args && !json_is_array(args)) ||
        siop_event_reserved(event)) {
        json_decref(args);
        return SIO_EINVAL;
    }
    if (!args && !(args = json_array()))
        return SIO_ENOMEM;
    name = json_string(event);
    if (!name) {
        json_decref(args);
        return SIO_EINVAL; /* not UTF-8 */
    }
    if (json_array_insert_new(args, 0, name) != 0) {
        json_decref(args);
        return SIO_ENOMEM;
    }
    rc = siop_packet_encode(SIO_PKT_EVENT, nsp, id, args, out);
    json_decref(args);
    return rc;
}

/* Encodes [event, ...args] (args stolen) and sends or holds it. */
static int emit_encoded(sio_socket *s, const char *event, json_t *args,
                        int64_t id, bool volatile_)
{
    sio_encoded e;
    int rc = siop_encode_event(s->ns->name, event, args, id, &e);

    if (rc != 0)
        return rc;
    if (id < 0 && !volatile_ &&
        (rc = siop_recovery_stamp(s->ns, NULL, s, &e)) != 0) {
        siop_encoded_fini(&e);
        return rc;
    }
    if (s->state == SOCK_CONNECTING)
        return socket_hold(s, &e);
    rc = siop_conn_send_mode(s->conn, &e, volatile_);
    siop_encoded_fini(&e);
    return rc;
}

/* An emit the observers see: the packet ([event, args...], as the
 * encoder leaves args) is kept past the encoding. */
static int emit_observed(sio_socket *s, const char *event, json_t *args,
                         int64_t id, bool volatile_)
{
    json_t *packet = args ? json_incref(args) : json_array();
    int rc;

    if (!packet) {
        json_decref(args);
        return SIO_ENOMEM;
    }
    json_decref(args);
    rc = emit_encoded(s, event, json_incref(packet), id, volatile_);
    if (rc == 0)
        siop_obs_event(s, packet, false);
    json_decref(packet);
    return rc;
}

int siop_socket_emit(sio_socket *s, const char *event, json_t *args, int64_t id,
                     bool volatile_)
{
    if (!s || s->state == SOCK_GONE) {
        json_decref(args);
        return s ? SIO_ECLOSED : SIO_EINVAL;
    }
    if (SIOP_OBSERVED(s->ns->srv))
        return emit_observed(s, event, args, id, volatile_);
    return emit_encoded(s, event, args, id, volatile_);
}

int sio_emit(sio_socket *s, const char *event, json_t *args)
{
    return siop_socket_emit(s, event, args, -1, false);
}

void sio_disconnect(sio_socket *s)
{
    if (!s)
        return;
    if (s->state == SOCK_CONNECTING)
        s->disconnect_asked = true; /* after CONNECT is answered */
    else if (s->state == SOCK_CONNECTED)
        siop_socket_kick(s, SIO_REASON_SERVER_NAMESPACE_DISCONNECT);
}

/* As socket.io's disconnect(true): every namespace of the connection is
 * told with DISCONNECT, so the client does not reconnect; then the
 * Engine.IO session closes. */
void sio_socket_close_connection(sio_socket *s)
{
    sio_conn *c = s ? s->conn : NULL;

    if (!c)
        return;
    siop_conn_hold(c);
    siop_conn_kick_all(c, SIO_REASON_SERVER_NAMESPACE_DISCONNECT);
    siop_conn_close(c, SIO_REASON_FORCED_CLOSE);
    siop_conn_release(c);
}

void siop_log(const sio_socket *s, int level, const char *event,
              const char *why)
{
    if (s->conn)
        siop_conn_log(s->conn, level, siop_span_str(s->ns->name),
                      siop_span_str(event), why, SPAN_NONE);
}

/* A copy of e holding its own references, for a socket still connecting. */
static int hold_copy(sio_socket *s, const sio_encoded *e)
{
    sio_encoded c = {eio_msg_ref(e->head), NULL, e->natt};

    if (e->natt && !(c.att = malloc(e->natt * sizeof *c.att))) {
        eio_msg_unref(c.head);
        return SIO_ENOMEM;
    }
    for (size_t i = 0; i < e->natt; i++)
        c.att[i] = eio_msg_ref(e->att[i]);
    return socket_hold(s, &c);
}

int siop_socket_send(sio_socket *s, const sio_encoded *e, bool volatile_)
{
    if (s->state == SOCK_CONNECTED) {
        int rc = siop_conn_send_mode(s->conn, e, volatile_);
        if (rc == 0 && s->ns->srv->obs_bcast)
            siop_obs_event(s, s->ns->srv->obs_bcast, false);
        return rc;
    }
    if (s->state == SOCK_CONNECTING)
        return hold_copy(s, e);
    return SIO_ECLOSED;
}

sio_server *sio_namespace_server(const sio_namespace *ns)
{
    return ns->srv;
}

/* Every header or query pair of the handshake into obj. */
static void handshake_set(json_t *obj, const char *const *pairs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_object_set_new(obj, pairs[2 * i], json_string(pairs[2 * i + 1]));
}

json_t *sio_socket_handshake(const sio_socket *s)
{
    const char *const *pairs;
    eio_session *es = s->conn ? s->conn->session : NULL;
    const char *addr, *path;
    json_t *h, *hd, *q;

    if (!es || s->state == SOCK_GONE)
        return NULL;
    addr = eio_session_remote_addr(es);
    path = eio_session_path(es);
    h = json_object();
    hd = json_object();
    q = json_object();
    if (!h || !hd || !q) {
        json_decref(h);
        json_decref(hd);
        json_decref(q);
        return NULL;
    }
    handshake_set(hd, pairs, eio_session_headers(es, &pairs));
    handshake_set(q, pairs, eio_session_queries(es, &pairs));
    json_object_set_new(h, "headers", hd);
    json_object_set_new(h, "address", json_string(addr ? addr : ""));
    json_object_set_new(h, "xdomain",
                        json_boolean(eio_session_header(es, "origin")));
    json_object_set_new(h, "secure",
                        json_boolean(eio_server_tls(eio_session_server(es))));
    json_object_set_new(h, "url", json_string(path ? path : "/"));
    json_object_set_new(h, "issued", json_integer(s->connected_at));
    json_object_set_new(h, "query", q);
    json_object_set_new(h, "auth",
                        s->auth ? json_incref(s->auth) : json_object());
    return h;
}
