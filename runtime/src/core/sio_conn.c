/* sio_conn.c - a client's connection: the Engine.IO callbacks, the input
 * (text packets, binary attachments assembled into their packet), the
 * dispatch to its sockets, and what goes out on it.
 *
 * One sio_conn per Engine.IO session: the client's sockets (one per
 * joined namespace, a short list) and the binary packet being assembled.
 * A connection is held (busy) while handlers run on it and freed by the
 * last release after Engine.IO closed it. Everything runs on the loop
 * thread. */
#include <stdlib.h>
#include <string.h>

#include "sio_internal.h"

span siop_span_str(const char *s)
{
    return (span){s, s ? strlen(s) : 0};
}

/* One line about a rejected input: who sent it, where, why, a sample. */
void siop_conn_log(const sio_conn *c, int level, span nsp, span event,
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

static void pending_fini(sio_conn *c, pending *b)
{
    c->srv->att_bytes -= b->bytes;
    if (c->att_timer)
        eio_timer_stop(c->att_timer);
    for (size_t i = 0; i < b->natt; i++)
        free(b->att[i]);
    free(b->att);
    free(b->att_len);
    free(b->nsp);
    json_decref(b->pkt.data);
    memset(b, 0, sizeof *b);
}

void siop_conn_hold(sio_conn *c)
{
    c->busy++;
}

void siop_conn_free(sio_conn *c)
{
    sio_server *srv = c->srv;

    while (c->sockets) /* only on sio_server_free: nobody to tell */
        siop_socket_drop(c->sockets, 0);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    eio_timer_free(c->connect_timer);
    if (c->has_bin)
        pending_fini(c, &c->bin);
    eio_timer_free(c->att_timer);
    if (srv->ext_ops)
        srv->ext_ops->conn_free(srv->ext, c->ext);
    free(c);
}

/* Freed by the last release once Engine.IO has closed it. */
void siop_conn_release(sio_conn *c)
{
    if (--c->busy == 0 && c->closed)
        siop_conn_free(c);
}

/* Stops input and asks Engine.IO to flush and close; the close callback
 * reports why (the first reason recorded wins). */
void siop_conn_close(sio_conn *c, sio_reason why)
{
    if (!c->why)
        c->why = why;
    c->closing = true;
    if (c->has_bin) {
        pending_fini(c, &c->bin);
        c->has_bin = false;
    }
    if (c->session && !c->closed)
        eio_session_close(c->session);
}

/* A malformed input: one line, then the whole session goes. */
static void conn_fail(sio_conn *c, const char *why, const void *in, size_t n)
{
    siop_conn_log(c, EIO_LOG_WARN, SPAN_NONE, SPAN_NONE, why, (span){in, n});
    siop_conn_close(c, SIO_REASON_PARSE_ERROR);
}

sio_socket *siop_conn_find(const sio_conn *c, const char *nsp, size_t len)
{
    for (sio_socket *s = c->sockets; s; s = s->next)
        if (s->ns->len == len && memcmp(s->ns->name, nsp, len) == 0)
            return s;
    return NULL;
}

void siop_conn_unlink(sio_conn *c, const sio_socket *s)
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
int siop_conn_send_mode(sio_conn *c, const sio_encoded *e, bool volatile_)
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
    if (rc == 0 && SIOP_OBSERVED(c->srv))
        for (size_t i = 0; i <= e->natt; i++)
            siop_obs_message(c->srv, eio_msg_len(v[i]), false);
    if (v != few)
        free(v);
    return rc;
}

int siop_conn_send(sio_conn *c, const sio_encoded *e)
{
    return siop_conn_send_mode(c, e, false);
}

/* Encodes once and queues; data is borrowed. */
int siop_conn_send_packet(sio_conn *c, sio_packet_type type, const char *nsp,
                          int64_t id, const json_t *data)
{
    sio_encoded e;
    int rc = siop_packet_encode(type, nsp, id, data, &e);

    if (rc != 0)
        return rc;
    rc = siop_conn_send(c, &e);
    siop_encoded_fini(&e);
    return rc;
}

/* CONNECT_ERROR {"message": msg[, "data": data]}; data is stolen. */
void siop_conn_send_connect_error(sio_conn *c, const char *nsp, const char *msg,
                                  json_t *data)
{
    json_t *o = json_object();
    json_t *m = json_string(msg);

    if (!m)
        m = json_string("refused"); /* msg was not UTF-8 */
    if (o && m && json_object_set_new(o, "message", m) == 0) {
        if (data)
            json_object_set_new(o, "data", data);
        (void)siop_conn_send_packet(c, SIO_PKT_CONNECT_ERROR, nsp, -1, o);
    } else {
        json_decref(data);
    }
    json_decref(o);
}

/* Every socket of c leaves: connected ones are told with DISCONNECT. */
void siop_conn_kick_all(sio_conn *c, sio_reason why)
{
    siop_conn_hold(c);
    while (c->sockets)
        siop_socket_kick(c->sockets, why);
    siop_conn_release(c);
}

/* A whole packet (attachments put back); p->data stays the caller's. */
static void dispatch(sio_conn *c, sio_packet *p, span in)
{
    span nsp = {p->nsp, p->nsp_len};
    sio_socket *s;

    if (p->type == SIO_PKT_CONNECT) {
        siop_namespace_on_connect_packet(c, p, in);
        return;
    }
    s = siop_conn_find(c, p->nsp, p->nsp_len);
    if (!s || s->state != SOCK_CONNECTED) {
        /* A client out of step with the protocol: socket.io closes the
         * whole connection rather than guess what it meant. */
        siop_conn_log(c, EIO_LOG_INFO, nsp, SPAN_NONE, "namespace not joined",
                      in);
        siop_conn_close(c, SIO_REASON_FORCED_CLOSE);
        return;
    }
    switch (p->type) {
    case SIO_PKT_DISCONNECT:
        siop_socket_drop(s, SIO_REASON_CLIENT_NAMESPACE_DISCONNECT);
        break;
    case SIO_PKT_EVENT:
    case SIO_PKT_BINARY_EVENT:
        siop_socket_on_event(c, s, p, in);
        break;
    default: /* ACK/BINARY_ACK: the answer to one of our emits */
        siop_on_client_ack(s, p->id, p->data);
        break;
    }
}

/* A well-formed event or ack over a limit (nesting): an event gets an
 * error ack when it asks for one, else it is dropped; an ack runs its
 * emit's callback with SIO_EPROTO. The connection stays. */
static void limit_refused(sio_conn *c, const sio_packet *p, const char *why,
                          span in)
{
    span nsp = {p->nsp, p->nsp_len};
    sio_socket *s = siop_conn_find(c, p->nsp, p->nsp_len);

    if (!s || s->state != SOCK_CONNECTED) {
        siop_conn_log(c, EIO_LOG_INFO, nsp, SPAN_NONE, "namespace not joined",
                      in);
        siop_conn_close(c, SIO_REASON_FORCED_CLOSE);
        return;
    }
    siop_conn_log(c, EIO_LOG_INFO, nsp, SPAN_NONE, why, in);
    if (p->type == SIO_PKT_ACK || p->type == SIO_PKT_BINARY_ACK)
        siop_on_client_ack_failed(s, p->id, SIO_EPROTO);
    else if (p->id >= 0)
        (void)siop_ack_answer(s, p->id, json_pack("[{s:s}]", "error", why));
}

/* A binary packet whose attachments stop coming holds them forever: the
 * connection goes. */
static void on_att_timeout(eio_timer *t, void *ud)
{
    sio_conn *c = ud;

    (void)t;
    if (c->has_bin && !c->closing)
        conn_fail(c, "attachments not received in time", NULL, 0);
}

/* Can the server hold n more bytes of attachments for c? */
static bool att_room(sio_conn *c, size_t n)
{
    const sio_options *o = &c->srv->opt;

    if (c->bin.bytes + n > o->max_attachment_bytes) {
        conn_fail(c, "attachments over the connection's limit", NULL, 0);
        return false;
    }
    if (c->srv->att_bytes + n > o->max_server_attachment_bytes) {
        conn_fail(c, "attachments over the server's limit", NULL, 0);
        return false;
    }
    return true;
}

static int pending_start(sio_conn *c, const sio_packet *p)
{
    pending *b = &c->bin;

    memset(b, 0, sizeof *b);
    b->nsp = strndup(p->nsp, p->nsp_len);
    b->att = calloc(p->attachments, sizeof *b->att);
    b->att_len = calloc(p->attachments, sizeof *b->att_len);
    b->pkt = *p;
    b->pkt.nsp = b->nsp;
    if (!c->att_timer)
        c->att_timer =
            eio_timer_new(sio_server_engine(c->srv), on_att_timeout, c);
    if (!b->nsp || !b->att || !b->att_len || !c->att_timer) {
        pending_fini(c, b);
        return -1;
    }
    c->has_bin = true;
    eio_timer_start(c->att_timer, c->srv->opt.attachment_timeout_ms);
    return 0;
}

/* A binary packet over a limit: its attachments still arrive, each
 * counted and dropped, and the last one brings the refusal. */
static void refuse_after_attachments(sio_conn *c, const sio_packet *p, span in)
{
    if (pending_start(c, p) != 0) {
        siop_conn_log(c, EIO_LOG_ERR, SPAN_NONE, SPAN_NONE, "out of memory",
                      in);
        siop_conn_close(c, SIO_REASON_TRANSPORT_ERROR);
        return;
    }
    c->bin.refused = true;
}

/* The last attachment of a refused packet arrived. */
static void refused_done(sio_conn *c)
{
    pending done = c->bin;

    memset(&c->bin, 0, sizeof c->bin);
    c->has_bin = false;
    limit_refused(c, &done.pkt, "JSON nested too deeply", SPAN_NONE);
    pending_fini(c, &done);
}

static void on_text(sio_conn *c, const uint8_t *buf, size_t len)
{
    sio_packet p;
    sio_error err;
    span in = {buf, len};

    if (c->has_bin) {
        conn_fail(c, "text packet while attachments are expected", buf, len);
        return;
    }
    if (siop_typed_fast_event(c, buf, len))
        return;
    if (siop_packet_parse((const char *)buf, len, c->srv->opt.max_attachments,
                          &p, &err) != 0) {
        if (err.code == SIO_EPAYLOAD && p.type == SIO_PKT_CONNECT)
            siop_namespace_on_bad_connect(c, &p, err.text, in);
        else if (err.code == SIO_ELIMIT && p.attachments > 0)
            refuse_after_attachments(c, &p, in);
        else if (err.code == SIO_ELIMIT && p.type != SIO_PKT_CONNECT)
            limit_refused(c, &p, err.text, in);
        else
            conn_fail(c, err.text, buf, len);
        return;
    }
    if (p.type == SIO_PKT_BINARY_EVENT || p.type == SIO_PKT_BINARY_ACK) {
        if (p.attachments > 0) {
            if (pending_start(c, &p) != 0) {
                siop_conn_log(c, EIO_LOG_ERR, SPAN_NONE, SPAN_NONE,
                              "out of memory", in);
                siop_conn_close(c, SIO_REASON_TRANSPORT_ERROR);
            }
            return;
        }
        if (siop_packet_reconstruct(p.data, NULL, NULL, 0, &err) != 0) {
            conn_fail(c, err.text, buf, len);
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
    sio_error err;

    if (!c->has_bin) {
        conn_fail(c, "unexpected binary message", buf, len);
        return;
    }
    if (b->refused) {
        if (++b->natt == b->pkt.attachments)
            refused_done(c);
        return;
    }
    if (!att_room(c, len))
        return;
    b->att_len[b->natt] = len;
    if (b->natt + 1 < b->pkt.attachments) {
        /* Borrowed for this call only: keep a copy until the last one. */
        b->att[b->natt] = malloc(len ? len : 1);
        if (!b->att[b->natt]) {
            siop_conn_log(c, EIO_LOG_ERR, SPAN_NONE, SPAN_NONE, "out of memory",
                          SPAN_NONE);
            siop_conn_close(c, SIO_REASON_TRANSPORT_ERROR);
            return;
        }
        memcpy(b->att[b->natt++], buf, len);
        b->bytes += len;
        c->srv->att_bytes += len;
        return;
    }
    /* The last one is used in place: no copy. */
    b->att[b->natt] = (uint8_t *)buf;
    if (siop_packet_reconstruct(b->pkt.data, (const uint8_t *const *)b->att,
                                b->att_len, b->natt + 1, &err) != 0) {
        b->att[b->natt] = NULL;
        conn_fail(c, err.text, buf, len);
        return;
    }
    b->att[b->natt] = NULL;
    /* Own it here: a handler may close the connection under us. */
    done = *b;
    memset(b, 0, sizeof *b);
    c->has_bin = false;
    dispatch(c, &done.pkt, SPAN_NONE);
    pending_fini(c, &done);
}

static void on_connect_timeout(eio_timer *t, void *ud)
{
    sio_conn *c = ud;

    (void)t;
    if (c->sockets || c->closing)
        return;
    siop_conn_log(c, EIO_LOG_INFO, SPAN_NONE, SPAN_NONE,
                  "no namespace joined in time", SPAN_NONE);
    siop_conn_close(c, SIO_REASON_FORCED_CLOSE);
}

int siop_conn_on_open(eio_session *es, void *ud)
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
    if (srv->ext_ops) /* e.g. the user's session, as of now */
        c->ext = srv->ext_ops->conn_open(srv->ext, es);
    if (SIOP_OBSERVED(srv))
        siop_obs_conn(c, true, 0);
    if (srv->opt.connect_timeout_ms)
        eio_timer_start(c->connect_timer, srv->opt.connect_timeout_ms);
    return 0;
}

void siop_conn_on_message(eio_session *es, const uint8_t *data, size_t len,
                          bool binary, void *ud)
{
    sio_conn *c = eio_session_data(es);

    (void)ud;
    if (!c || c->closing || c->srv->stopping)
        return;
    siop_conn_hold(c);
    if (SIOP_OBSERVED(c->srv))
        siop_obs_message(c->srv, len, true);
    if (binary)
        on_binary(c, data, len);
    else
        on_text(c, data, len);
    siop_conn_release(c);
}

static sio_reason close_reason(eio_close_reason why, sio_reason recorded)
{
    if (why == EIO_CLOSE_SHUTDOWN)
        return SIO_REASON_SERVER_SHUTTING_DOWN;
    if (recorded) /* we closed it first; the peer may have raced us */
        return recorded;
    return siop_reason_of_close(why);
}

void siop_conn_on_close(eio_session *es, eio_close_reason why, void *ud)
{
    sio_conn *c = eio_session_data(es);
    sio_reason r;

    (void)ud;
    if (!c)
        return;
    r = close_reason(why, c->why);
    siop_conn_hold(c);
    c->closing = true;
    if (c->connect_timer)
        eio_timer_stop(c->connect_timer);
    while (c->sockets)
        siop_socket_drop(c->sockets, r);
    if (SIOP_OBSERVED(c->srv))
        siop_obs_conn(c, false, r);
    eio_session_set_data(es, NULL);
    c->session = NULL;
    c->closed = true;
    siop_conn_release(c);
}

/* The server stops: every socket is told, so clients see "io server
 * disconnect" and do not reconnect; Engine.IO then closes the sessions. */
void siop_conn_on_shutdown(eio_server *e, void *ud)
{
    sio_server *srv = ud;
    sio_conn *c = srv->conns, *next;

    (void)e;
    srv->stopping = true;
    while (c) {
        siop_conn_hold(c);
        siop_conn_kick_all(c, SIO_REASON_SERVER_SHUTTING_DOWN);
        next = c->next; /* read after the handlers: they may close others */
        siop_conn_release(c);
        c = next;
    }
}

void siop_conn_on_upgrade(eio_session *es, void *ud)
{
    sio_conn *c = eio_session_data(es);

    (void)ud;
    if (c && !c->closing && SIOP_OBSERVED(c->srv))
        siop_obs_upgraded(c);
}
