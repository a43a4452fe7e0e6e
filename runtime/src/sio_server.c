/* sio_server.c - Socket.IO v5 server core (see sio.h).
 *
 * One sio_conn per Engine.IO session: the client's sockets (one per joined
 * namespace, a short list) and the binary packet being assembled. Sockets
 * are refcounted: the connection's list, a running dispatch and a detached
 * ack each hold a reference, so a socket is never freed inside its own
 * handler. A connection is likewise held (busy) while handlers run on it
 * and freed by the last release after Engine.IO closed it.
 *
 * Everything runs on the loop thread except sio_server_stop and
 * sio_server_call_on_loop. */
#include "sio.h"

#include <stdlib.h>
#include <string.h>

#include "sio_internal.h"

/* ---- logging ------------------------------------------------------------ */

/* Client bytes for a log line; p == NULL prints "-". */
typedef struct span {
    const void *p;
    size_t n;
} span;

static const span NONE = {NULL, 0};

static span span_str(const char *s)
{
    return (span){s, s ? strlen(s) : 0};
}

/* One line about a rejected input: who sent it, where, why, a sample. */
static void conn_log(const sio_conn *c, int level, span nsp, span event,
                     const char *why, span in)
{
    char bn[LOG_SAMPLE_MAX], be[LOG_SAMPLE_MAX], bi[LOG_SAMPLE_MAX];
    int max = c->srv->opt.eio.log_level;

    if (level > max)
        return;
    log_line(max, level, "sid %s nsp %s event %s: %s%s%s%s",
             c->session ? eio_session_id(c->session) : "-",
             nsp.p ? log_sample(nsp.p, nsp.n, bn) : "-",
             event.p ? log_sample(event.p, event.n, be) : "-", why,
             in.p ? ": \"" : "", in.p ? log_sample(in.p, in.n, bi) : "",
             in.p ? "\"" : "");
}

/* ---- connections --------------------------------------------------------- */

static void pending_fini(pending *b)
{
    for (size_t i = 0; i < b->natt; i++)
        free(b->att[i]);
    free(b->att);
    free(b->att_len);
    free(b->nsp);
    json_decref(b->pkt.data);
    memset(b, 0, sizeof *b);
}

static void conn_hold(sio_conn *c)
{
    c->busy++;
}

static void socket_drop(sio_socket *s, sio_reason why);

static void conn_free(sio_conn *c)
{
    sio_server *srv = c->srv;

    while (c->sockets) /* only on sio_server_free: nobody to tell */
        socket_drop(c->sockets, 0);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    eio_timer_free(c->connect_timer);
    if (c->has_bin)
        pending_fini(&c->bin);
    siop_session_conn_free(c);
    free(c);
}

/* Freed by the last release once Engine.IO has closed it. */
static void conn_release(sio_conn *c)
{
    if (--c->busy == 0 && c->closed)
        conn_free(c);
}

/* Stops input and asks Engine.IO to flush and close; the close callback
 * reports why (the first reason recorded wins). */
static void conn_close(sio_conn *c, sio_reason why)
{
    if (!c->why)
        c->why = why;
    c->closing = true;
    if (c->has_bin) {
        pending_fini(&c->bin);
        c->has_bin = false;
    }
    if (c->session && !c->closed)
        eio_session_close(c->session);
}

/* A malformed input: one line, then the whole session goes. */
static void conn_fail(sio_conn *c, const char *why, const void *in, size_t n)
{
    conn_log(c, EIO_LOG_WARN, NONE, NONE, why, (span){in, n});
    conn_close(c, SIO_REASON_PARSE_ERROR);
}

static sio_socket *conn_find(const sio_conn *c, const char *nsp, size_t len)
{
    for (sio_socket *s = c->sockets; s; s = s->next)
        if (s->ns->len == len && memcmp(s->ns->name, nsp, len) == 0)
            return s;
    return NULL;
}

static void conn_unlink(sio_conn *c, const sio_socket *s)
{
    for (sio_socket **p = &c->sockets; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            return;
        }
}

/* Queues an encoded packet: the head, then its attachments, in order,
 * as one group: a head without its attachments would corrupt the stream,
 * and a volatile packet is dropped whole when its total does not fit. */
static int conn_send_mode(sio_conn *c, const sio_encoded *e, bool volatile_)
{
    eio_msg *few[8], **v = few;
    int rc;

    if (!c->session)
        return SIO_ECLOSED;
    if (e->natt >= sizeof few / sizeof *few &&
        !(v = malloc((e->natt + 1) * sizeof *v)))
        return SIO_ENOMEM;
    v[0] = e->head;
    for (size_t i = 0; i < e->natt; i++)
        v[i + 1] = e->att[i];
    rc = eio_session_send_all(c->session, v, e->natt + 1, volatile_);
    if (v != few)
        free(v);
    return rc;
}

static int conn_send(sio_conn *c, const sio_encoded *e)
{
    return conn_send_mode(c, e, false);
}

/* Encodes once and queues; data is borrowed. */
static int conn_send_packet(sio_conn *c, sio_packet_type type, const char *nsp,
                            int64_t id, const json_t *data)
{
    sio_encoded e;
    int rc = sio_packet_encode(type, nsp, id, data, &e);

    if (rc != 0)
        return rc;
    rc = conn_send(c, &e);
    sio_encoded_fini(&e);
    return rc;
}

/* CONNECT_ERROR {"message": msg[, "data": data]}; data is stolen. */
static void conn_send_connect_error(sio_conn *c, const char *nsp,
                                    const char *msg, json_t *data)
{
    json_t *o = json_object();
    json_t *m = json_string(msg);

    if (!m)
        m = json_string("refused"); /* msg was not UTF-8 */
    if (o && m && json_object_set_new(o, "message", m) == 0) {
        if (data)
            json_object_set_new(o, "data", data);
        (void)conn_send_packet(c, SIO_PKT_CONNECT_ERROR, nsp, -1, o);
    } else {
        json_decref(data);
    }
    json_decref(o);
}

/* ---- sockets ------------------------------------------------------------- */

static void held_clear(sio_socket *s)
{
    for (size_t i = 0; i < s->nheld; i++)
        sio_encoded_fini(&s->held[i]);
    free(s->held);
    s->held = NULL;
    s->nheld = s->capheld = 0;
}

/* Keeps an emit made while the connect handler runs; e is moved. */
static int socket_hold(sio_socket *s, sio_encoded *e)
{
    if (s->nheld == s->capheld) {
        size_t cap = s->capheld ? s->capheld * 2 : 4;
        sio_encoded *h = realloc(s->held, cap * sizeof *h);
        if (!h) {
            sio_encoded_fini(e);
            return SIO_ENOMEM;
        }
        s->held = h;
        s->capheld = cap;
    }
    s->held[s->nheld++] = *e;
    return 0;
}

static sio_socket *socket_new(sio_conn *c, sio_namespace *ns, json_t *auth)
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
    s->refs = 1; /* the connection's list */
    s->state = SOCK_CONNECTING;
    s->ns = ns;
    s->conn = c;
    s->next = c->sockets;
    c->sockets = s;
    return s;
}

static void socket_unref(sio_socket *s)
{
    if (--s->refs > 0)
        return;
    held_clear(s);
    json_decref(s->auth);
    free(s);
}

/* Takes s out of its connection and namespace; a socket that was
 * connected gets its disconnect handler (unless why is 0). */
/* The disconnecting handler: the socket is still in its rooms. */
static void socket_disconnecting(sio_socket *s, sio_conn *c, sio_reason why)
{
    sio_namespace *ns = s->ns;
    sio_ctx ctx = {.s = s, .conn = c, .ack_id = -1};

    conn_hold(c);
    ns->on_disconnecting(&ctx, why, ns->disconnecting_ud);
    siop_ctx_fini(&ctx);
    conn_release(c);
}

static void socket_drop(sio_socket *s, sio_reason why)
{
    sio_conn *c = s->conn;
    bool was = s->state == SOCK_CONNECTED;
    sio_namespace *ns = s->ns;

    if (s->state == SOCK_GONE)
        return;
    if (was && why && ns->on_disconnecting) {
        s->refs++; /* the handler may drop it again: it returns at once */
        socket_disconnecting(s, c, why);
        if (s->state == SOCK_GONE) {
            socket_unref(s);
            return;
        }
        socket_unref(s);
    }
    ns->adapter->ops->leave_all(ns->adapter, s);
    conn_unlink(c, s);
    if (was)
        map_del(&ns->sockets, s->sid, UTIL_ID_LEN);
    s->state = SOCK_GONE;
    s->conn = NULL;
    held_clear(s);
    siop_fail_out_acks(s);
    if (was && why && ns->on_disconnect) {
        sio_ctx ctx = {.s = s, .conn = c, .ack_id = -1};
        conn_hold(c);
        ns->on_disconnect(&ctx, why, ns->disconnect_ud);
        siop_ctx_fini(&ctx);
        conn_release(c);
    }
    socket_unref(s);
}

static int socket_send_packet(sio_socket *s, sio_packet_type type, int64_t id,
                              const json_t *data)
{
    if (s->state != SOCK_CONNECTED)
        return SIO_ECLOSED;
    return conn_send_packet(s->conn, type, s->ns->name, id, data);
}

/* Server-side namespace disconnect of a connected socket. */
static void socket_kick(sio_socket *s, sio_reason why)
{
    (void)socket_send_packet(s, SIO_PKT_DISCONNECT, -1, NULL);
    socket_drop(s, why);
}

/* Every socket of c leaves: connected ones are told with DISCONNECT. */
static void conn_kick_all(sio_conn *c, sio_reason why)
{
    conn_hold(c);
    while (c->sockets)
        socket_kick(c->sockets, why);
    conn_release(c);
}

/* ---- CONNECT ------------------------------------------------------------- */

static void socket_refuse(sio_socket *s, const char *msg, json_t *data)
{
    conn_send_connect_error(s->conn, s->ns->name, msg ? msg : "refused", data);
    socket_drop(s, 0);
}

/* The connect handler accepted: answer CONNECT, then what it emitted. */
static void socket_accept(sio_socket *s)
{
    sio_conn *c = s->conn;
    json_t *d;

    if (map_put(&s->ns->sockets, s->sid, UTIL_ID_LEN, s) != 0) {
        socket_refuse(s, "server error", NULL);
        return;
    }
    s->state = SOCK_CONNECTED;
    eio_timer_stop(c->connect_timer);
    d = json_pack("{s:s}", "sid", s->sid);
    if (!d || conn_send_packet(c, SIO_PKT_CONNECT, s->ns->name, -1, d) != 0)
        conn_log(c, EIO_LOG_WARN, span_str(s->ns->name), NONE,
                 "cannot send CONNECT", NONE);
    json_decref(d);
    for (size_t i = 0; i < s->nheld && c->session; i++)
        if (conn_send(c, &s->held[i]) != 0)
            break;
    held_clear(s);
    if (s->disconnect_asked)
        socket_kick(s, SIO_REASON_SERVER_NAMESPACE_DISCONNECT);
}

static void on_connect_packet(sio_conn *c, sio_packet *p, span in)
{
    span nsp = {p->nsp, p->nsp_len};
    sio_namespace *ns = map_get(&c->srv->nsps, p->nsp, p->nsp_len);
    sio_socket *s;
    int rc = 0;

    if (!ns) {
        char *name = strndup(p->nsp, p->nsp_len);
        conn_log(c, EIO_LOG_INFO, nsp, NONE, "invalid namespace", in);
        if (name)
            conn_send_connect_error(c, name, "Invalid namespace", NULL);
        free(name);
        return;
    }
    if (conn_find(c, p->nsp, p->nsp_len)) {
        conn_log(c, EIO_LOG_INFO, nsp, NONE, "already connected", in);
        return;
    }
    s = socket_new(c, ns, p->data);
    if (!s) {
        conn_log(c, EIO_LOG_ERR, nsp, NONE, "out of memory", in);
        conn_send_connect_error(c, ns->name, "server error", NULL);
        return;
    }
    s->refs++; /* the dispatch */
    sio_ctx ctx = {.s = s, .conn = c, .ack_id = -1, .connecting = true};
    if (ns->on_connect)
        rc = ns->on_connect(&ctx, s->auth, ns->connect_ud);
    ctx.connecting = false;
    siop_ctx_fini(&ctx);
    if (s->state != SOCK_CONNECTING) {
        json_decref(ctx.refuse_data); /* the connection closed meanwhile */
    } else if (rc != 0) {
        conn_log(c, EIO_LOG_INFO, nsp, NONE, "connect refused", NONE);
        socket_refuse(s, ctx.refuse_msg, ctx.refuse_data);
    } else {
        json_decref(ctx.refuse_data);
        socket_accept(s);
    }
    free(ctx.refuse_msg);
    socket_unref(s);
}

/* ---- events -------------------------------------------------------------- */

static int ack_answer(sio_socket *s, int64_t id, json_t *args);

static void on_unknown_event(sio_conn *c, sio_socket *s, const sio_packet *p,
                             span event, span in)
{
    conn_log(c, EIO_LOG_INFO, span_str(s->ns->name), event, "unknown event",
             in);
    if (p->id >= 0)
        (void)ack_answer(s, p->id,
                         json_pack("[{s:s}]", "error", "unknown event"));
}

static void on_event(sio_conn *c, sio_socket *s, sio_packet *p, span in)
{
    /* Keep the name alive while the args (the rest) go to the handler. */
    json_t *name = json_incref(json_array_get(p->data, 0));
    const char *ev = json_string_value(name);
    size_t evlen = json_string_length(name);
    handler *h = map_get(&s->ns->events, ev, evlen);
    sio_event_fn fn = h ? h->fn : s->ns->on_any;
    void *ud = h ? h->ud : s->ns->any_ud;

    json_array_remove(p->data, 0);
    if (!fn) {
        on_unknown_event(c, s, p, (span){ev, evlen}, in);
    } else {
        sio_ctx ctx = {
            .s = s, .conn = c, .event = ev, .args = p->data, .ack_id = p->id};
        s->refs++;
        fn(&ctx, p->data, ud);
        siop_ctx_fini(&ctx); /* g lives one handler call */
        socket_unref(s);
    }
    json_decref(name);
}

/* A whole packet (attachments put back); p->data stays the caller's. */
static void dispatch(sio_conn *c, sio_packet *p, span in)
{
    span nsp = {p->nsp, p->nsp_len};
    sio_socket *s;

    if (p->type == SIO_PKT_CONNECT) {
        on_connect_packet(c, p, in);
        return;
    }
    s = conn_find(c, p->nsp, p->nsp_len);
    if (!s || s->state != SOCK_CONNECTED) {
        conn_log(c, EIO_LOG_INFO, nsp, NONE, "namespace not joined", in);
        return;
    }
    switch (p->type) {
    case SIO_PKT_DISCONNECT:
        socket_drop(s, SIO_REASON_CLIENT_NAMESPACE_DISCONNECT);
        break;
    case SIO_PKT_EVENT:
    case SIO_PKT_BINARY_EVENT:
        on_event(c, s, p, in);
        break;
    default: /* ACK/BINARY_ACK: the answer to one of our emits */
        siop_on_client_ack(s, p->id, p->data);
        break;
    }
}

/* ---- input: text packets and binary attachments ------------------------- */

static int pending_start(sio_conn *c, const sio_packet *p)
{
    pending *b = &c->bin;

    memset(b, 0, sizeof *b);
    b->nsp = strndup(p->nsp, p->nsp_len);
    b->att = calloc(p->attachments, sizeof *b->att);
    b->att_len = calloc(p->attachments, sizeof *b->att_len);
    b->pkt = *p;
    b->pkt.nsp = b->nsp;
    if (!b->nsp || !b->att || !b->att_len) {
        pending_fini(b);
        return -1;
    }
    c->has_bin = true;
    return 0;
}

static void on_text(sio_conn *c, const uint8_t *buf, size_t len)
{
    sio_packet p;
    sio_perror err;
    span in = {buf, len};

    if (c->has_bin) {
        conn_fail(c, "text packet while attachments are expected", buf, len);
        return;
    }
    if (sio_packet_parse((const char *)buf, len, c->srv->opt.max_attachments,
                         &p, &err) != 0) {
        conn_fail(c, err.msg, buf, len);
        return;
    }
    if (p.type == SIO_PKT_BINARY_EVENT || p.type == SIO_PKT_BINARY_ACK) {
        if (p.attachments > 0) {
            if (pending_start(c, &p) != 0) {
                conn_log(c, EIO_LOG_ERR, NONE, NONE, "out of memory", in);
                conn_close(c, SIO_REASON_TRANSPORT_ERROR);
            }
            return;
        }
        if (sio_packet_reconstruct(p.data, NULL, NULL, 0, &err) != 0) {
            conn_fail(c, err.msg, buf, len);
            json_decref(p.data);
            return;
        }
    }
    dispatch(c, &p, in);
    json_decref(p.data);
}

static void on_binary(sio_conn *c, const uint8_t *buf, size_t len)
{
    pending *b = &c->bin;
    pending done;
    sio_perror err;

    if (!c->has_bin) {
        conn_fail(c, "unexpected binary message", buf, len);
        return;
    }
    b->att_len[b->natt] = len;
    if (b->natt + 1 < b->pkt.attachments) {
        /* Borrowed for this call only: keep a copy until the last one. */
        b->att[b->natt] = malloc(len ? len : 1);
        if (!b->att[b->natt]) {
            conn_log(c, EIO_LOG_ERR, NONE, NONE, "out of memory", NONE);
            conn_close(c, SIO_REASON_TRANSPORT_ERROR);
            return;
        }
        memcpy(b->att[b->natt++], buf, len);
        return;
    }
    /* The last one is used in place: no copy. */
    b->att[b->natt] = (uint8_t *)buf;
    if (sio_packet_reconstruct(b->pkt.data, (const uint8_t *const *)b->att,
                               b->att_len, b->natt + 1, &err) != 0) {
        b->att[b->natt] = NULL;
        conn_fail(c, err.msg, buf, len);
        return;
    }
    b->att[b->natt] = NULL;
    /* Own it here: a handler may close the connection under us. */
    done = *b;
    memset(b, 0, sizeof *b);
    c->has_bin = false;
    dispatch(c, &done.pkt, NONE);
    pending_fini(&done);
}

/* ---- Engine.IO callbacks ------------------------------------------------- */

static void on_connect_timeout(eio_timer *t, void *ud)
{
    sio_conn *c = ud;

    (void)t;
    if (c->sockets || c->closing)
        return;
    conn_log(c, EIO_LOG_INFO, NONE, NONE, "no namespace joined in time", NONE);
    conn_close(c, SIO_REASON_FORCED_CLOSE);
}

static int on_open(eio_session *es, void *ud)
{
    sio_server *srv = ud;
    sio_conn *c;

    if (srv->stopping)
        return -1;
    c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->connect_timer =
        eio_timer_new(eio_session_server(es), on_connect_timeout, c);
    if (!c->connect_timer) {
        free(c);
        return -1;
    }
    c->srv = srv;
    c->session = es;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    eio_session_set_data(es, c);
    siop_session_conn_open(c); /* the user's session, as of now */
    if (srv->opt.connect_timeout_ms)
        eio_timer_start(c->connect_timer, srv->opt.connect_timeout_ms);
    return 0;
}

static void on_message(eio_session *es, const uint8_t *data, size_t len,
                       bool binary, void *ud)
{
    sio_conn *c = eio_session_data(es);

    (void)ud;
    if (!c || c->closing || c->srv->stopping)
        return;
    conn_hold(c);
    if (binary)
        on_binary(c, data, len);
    else
        on_text(c, data, len);
    conn_release(c);
}

static sio_reason close_reason(eio_close_reason why, sio_reason recorded)
{
    if (why == EIO_CLOSE_SHUTDOWN)
        return SIO_REASON_SERVER_SHUTTING_DOWN;
    if (recorded) /* we closed it first; the peer may have raced us */
        return recorded;
    switch (why) {
    case EIO_CLOSE_TRANSPORT_CLOSE:
        return SIO_REASON_TRANSPORT_CLOSE;
    case EIO_CLOSE_TRANSPORT_ERROR:
    case EIO_CLOSE_TOO_LARGE:
    case EIO_CLOSE_SLOW_CONSUMER:
        return SIO_REASON_TRANSPORT_ERROR;
    case EIO_CLOSE_PING_TIMEOUT:
        return SIO_REASON_PING_TIMEOUT;
    case EIO_CLOSE_PARSE_ERROR:
        return SIO_REASON_PARSE_ERROR;
    default:
        return SIO_REASON_FORCED_CLOSE;
    }
}

static void on_close(eio_session *es, eio_close_reason why, void *ud)
{
    sio_conn *c = eio_session_data(es);
    sio_reason r;

    (void)ud;
    if (!c)
        return;
    r = close_reason(why, c->why);
    conn_hold(c);
    c->closing = true;
    if (c->connect_timer)
        eio_timer_stop(c->connect_timer);
    while (c->sockets)
        socket_drop(c->sockets, r);
    eio_session_set_data(es, NULL);
    c->session = NULL;
    c->closed = true;
    conn_release(c);
}

/* The server stops: every socket is told, so clients see "io server
 * disconnect" and do not reconnect; Engine.IO then closes the sessions. */
static void on_shutdown(eio_server *e, void *ud)
{
    sio_server *srv = ud;
    sio_conn *c = srv->conns, *next;

    (void)e;
    srv->stopping = true;
    while (c) {
        conn_hold(c);
        conn_kick_all(c, SIO_REASON_SERVER_SHUTTING_DOWN);
        next = c->next; /* read after the handlers: they may close others */
        conn_release(c);
        c = next;
    }
}

/* ---- server -------------------------------------------------------------- */

void sio_options_init(sio_options *o)
{
    memset(o, 0, sizeof *o);
    eio_options_init(&o->eio);
    o->eio.path = "/socket.io/";
    o->connect_timeout_ms = 45000;
    o->max_attachments = 10;
}

static int on_http(eio_http_req *req, void *ud)
{
    return siop_http_request(ud, req);
}

sio_server *sio_server_new(const sio_options *o)
{
    static const eio_callbacks cb = {
        .open = on_open,
        .message = on_message,
        .close = on_close,
        .shutdown = on_shutdown,
        .http = on_http,
    };
    sio_server *srv = calloc(1, sizeof *srv);

    if (!srv)
        return NULL;
    if (o)
        srv->opt = *o;
    else
        sio_options_init(&srv->opt);
    map_init(&srv->nsps);
    srv->arena = sio_arena_new();
    if (!srv->arena) {
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

static void namespace_free(sio_namespace *ns)
{
    map_entry *e;

    for (size_t i = 0; map_next(&ns->events, &i, &e);)
        free(e->value);
    map_fini(&ns->events);
    map_fini(&ns->sockets);
    ns->adapter->ops->free(ns->adapter);
    free(ns);
}

void sio_server_free(sio_server *srv)
{
    map_entry *e;

    if (!srv)
        return;
    /* Timers belong to the Engine.IO server: free them before it. */
    for (sio_conn *c = srv->conns; c; c = c->next) {
        eio_timer_free(c->connect_timer);
        c->connect_timer = NULL;
        for (sio_socket *k = c->sockets; k; k = k->next)
            siop_fail_out_acks(k);
    }
    if (srv->eio)
        eio_server_free(srv->eio);
    while (srv->conns) {
        srv->conns->session = NULL;
        conn_free(srv->conns);
    }
    for (size_t i = 0; map_next(&srv->nsps, &i, &e);)
        namespace_free(e->value);
    map_fini(&srv->nsps);
    sio_arena_free(srv->arena);
    siop_http_free(srv);
    siop_routes_free(srv);
    siop_sessions_free(srv);
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

/* ---- namespaces and handlers --------------------------------------------- */

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
    ns->adapter = siop_adapter_mem_new(ns);
    if (!ns->adapter || map_put(&srv->nsps, ns->name, len, ns) != 0) {
        if (ns->adapter)
            ns->adapter->ops->free(ns->adapter);
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

/* ---- handler context ------------------------------------------------------
 */

sio_server *sio_ctx_server(const sio_ctx *ctx)
{
    return ctx->s->ns->srv;
}

void *sio_ctx_app(const sio_ctx *ctx)
{
    return ctx->s->ns->srv->app;
}

sio_socket *sio_ctx_socket(const sio_ctx *ctx)
{
    return ctx->s;
}

const char *sio_ctx_sid(const sio_ctx *ctx)
{
    return ctx->s->sid;
}

const char *sio_ctx_namespace(const sio_ctx *ctx)
{
    return ctx->s->ns->name;
}

const char *sio_ctx_event(const sio_ctx *ctx)
{
    return ctx->event;
}

json_t *sio_ctx_args(const sio_ctx *ctx)
{
    return ctx->args;
}

json_t *sio_ctx_auth(const sio_ctx *ctx)
{
    return ctx->s->auth;
}

const char *sio_ctx_header(const sio_ctx *ctx, const char *name)
{
    const eio_session *es = ctx->conn ? ctx->conn->session : NULL;
    return es ? eio_session_header(es, name) : NULL;
}

const char *sio_ctx_query(const sio_ctx *ctx, const char *name)
{
    const eio_session *es = ctx->conn ? ctx->conn->session : NULL;
    return es ? eio_session_query(es, name) : NULL;
}

const char *sio_ctx_remote_addr(const sio_ctx *ctx)
{
    const eio_session *es = ctx->conn ? ctx->conn->session : NULL;
    return es ? eio_session_remote_addr(es) : NULL;
}

bool sio_ctx_wants_ack(const sio_ctx *ctx)
{
    return ctx->ack_id >= 0;
}

/* ---- acks -----------------------------------------------------------------
 */

/* Sends ACK id with args (stolen; NULL = []). */
static int ack_answer(sio_socket *s, int64_t id, json_t *args)
{
    int rc;

    if (!args)
        args = json_array();
    if (!args)
        return SIO_ENOMEM;
    rc = socket_send_packet(s, SIO_PKT_ACK, id, args);
    json_decref(args);
    return rc;
}

static json_t *error_args(const char *message)
{
    return json_pack("[{s:s}]", "error", message ? message : "error");
}

int sio_ack(sio_ctx *ctx, json_t *args)
{
    int64_t id = ctx->ack_id;

    if (id < 0) {
        json_decref(args);
        return SIO_ESTATE;
    }
    if (args && !json_is_array(args)) {
        json_decref(args);
        return SIO_EINVAL;
    }
    ctx->ack_id = -1;
    return ack_answer(ctx->s, id, args);
}

int sio_ack_error(sio_ctx *ctx, const char *message)
{
    json_t *args;

    if (ctx->ack_id < 0)
        return SIO_ESTATE;
    args = error_args(message);
    return args ? sio_ack(ctx, args) : SIO_EINVAL; /* not UTF-8 */
}

sio_pending_ack *sio_ctx_take_ack(sio_ctx *ctx)
{
    sio_pending_ack *a;

    if (ctx->ack_id < 0)
        return NULL;
    a = malloc(sizeof *a);
    if (!a)
        return NULL;
    a->s = ctx->s;
    a->id = ctx->ack_id;
    a->s->refs++;
    ctx->ack_id = -1;
    return a;
}

int sio_ack_send(sio_pending_ack *a, json_t *args)
{
    int rc;

    if (!a) {
        json_decref(args);
        return SIO_EINVAL;
    }
    if (args && !json_is_array(args)) {
        json_decref(args);
        rc = SIO_EINVAL;
    } else {
        rc = ack_answer(a->s, a->id, args);
    }
    sio_ack_free(a);
    return rc;
}

int sio_ack_send_error(sio_pending_ack *a, const char *message)
{
    json_t *args = error_args(message);

    if (!args) {
        sio_ack_free(a);
        return SIO_EINVAL;
    }
    return sio_ack_send(a, args);
}

void sio_ack_free(sio_pending_ack *a)
{
    if (!a)
        return;
    socket_unref(a->s);
    free(a);
}

int sio_refuse(sio_ctx *ctx, const char *message, json_t *data)
{
    char *m = NULL;

    if (!ctx->connecting) {
        json_decref(data);
        return SIO_ESTATE;
    }
    if (message && !(m = strdup(message))) {
        json_decref(data);
        return SIO_ENOMEM;
    }
    free(ctx->refuse_msg);
    json_decref(ctx->refuse_data);
    ctx->refuse_msg = m;
    ctx->refuse_data = data;
    return 0;
}

/* ---- sockets: public ------------------------------------------------------
 */

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
        socket_unref(s);
}

/* Names the client library keeps for itself (socket.io refuses them). */
static bool event_reserved(const char *event)
{
    static const char *const names[] = {
        "connect",       "connect_error", "disconnect",
        "disconnecting", "newListener",   "removeListener",
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(event, names[i]) == 0)
            return true;
    return false;
}

int siop_encode_event(const char *nsp, const char *event, json_t *args,
                      int64_t id, sio_encoded *out)
{
    json_t *name;
    int rc;

    if (!event || (args && !json_is_array(args)) || event_reserved(event)) {
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
    rc = sio_packet_encode(SIO_PKT_EVENT, nsp, id, args, out);
    json_decref(args);
    return rc;
}

int siop_socket_emit(sio_socket *s, const char *event, json_t *args, int64_t id,
                     bool volatile_)
{
    sio_encoded e;
    int rc;

    if (!s || s->state == SOCK_GONE) {
        json_decref(args);
        return s ? SIO_ECLOSED : SIO_EINVAL;
    }
    rc = siop_encode_event(s->ns->name, event, args, id, &e);
    if (rc != 0)
        return rc;
    if (s->state == SOCK_CONNECTING)
        return socket_hold(s, &e);
    rc = conn_send_mode(s->conn, &e, volatile_);
    sio_encoded_fini(&e);
    return rc;
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
        socket_kick(s, SIO_REASON_SERVER_NAMESPACE_DISCONNECT);
}

/* As socket.io's disconnect(true): every namespace of the connection is
 * told with DISCONNECT, so the client does not reconnect; then the
 * Engine.IO session closes. */
void sio_socket_close_connection(sio_socket *s)
{
    sio_conn *c = s ? s->conn : NULL;

    if (!c)
        return;
    conn_hold(c);
    conn_kick_all(c, SIO_REASON_SERVER_NAMESPACE_DISCONNECT);
    conn_close(c, SIO_REASON_FORCED_CLOSE);
    conn_release(c);
}

/* ---- for the other core files ------------------------------------------- */

void siop_log(const sio_socket *s, int level, const char *event,
              const char *why)
{
    if (s->conn)
        conn_log(s->conn, level, span_str(s->ns->name), span_str(event), why,
                 NONE);
}

void siop_socket_kick(sio_socket *s, sio_reason why)
{
    socket_kick(s, why);
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
    if (s->state == SOCK_CONNECTED)
        return conn_send_mode(s->conn, e, volatile_);
    if (s->state == SOCK_CONNECTING)
        return hold_copy(s, e);
    return SIO_ECLOSED;
}

sio_socket *sio_namespace_socket(sio_namespace *ns, const char *sid)
{
    return sid ? map_get(&ns->sockets, sid, strlen(sid)) : NULL;
}

/* ---- handler failures ------------------------------------------------------
 */

int sio_namespace_on_error(sio_namespace *ns, sio_error_fn fn, void *ud)
{
    if (!ns || !fn)
        return SIO_EINVAL;
    ns->on_error = fn;
    ns->error_ud = ud;
    return 0;
}

int sio_server_on_error(sio_server *srv, sio_error_fn fn, void *ud)
{
    if (!srv || !fn)
        return SIO_EINVAL;
    srv->on_error = fn;
    srv->error_ud = ud;
    return 0;
}

int sio_fail(sio_ctx *ctx, const char *message)
{
    sio_namespace *ns = ctx->s->ns;
    sio_server *srv = ns->srv;

    if (!message)
        return SIO_EINVAL;
    siop_log(ctx->s, EIO_LOG_INFO, ctx->event, message);
    if (ns->on_error)
        ns->on_error(ctx, message, ns->error_ud);
    else if (srv->on_error)
        srv->on_error(ctx, message, srv->error_ud);
    if (sio_ctx_wants_ack(ctx))
        (void)sio_ack_error(ctx, message);
    return 0;
}

json_t *sio_ctx_g(sio_ctx *ctx)
{
    if (!ctx->g)
        ctx->g = json_object();
    return ctx->g;
}
