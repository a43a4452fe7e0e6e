/* eio_session.c - Engine.IO sessions: the outbound queue, heartbeat,
 * timers, and the session's life from handshake to reap.
 *
 * A session never dies inside a dispatch: closing marks it and the free
 * happens from a zero-delay timer (the "reap"), so callbacks may close
 * sessions freely. */
#include "eio_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eio_packet.h"
#include "sio_packet.h"
#include "log.h"

/* Room for n more messages, so that pushing them cannot fail. */
static int queue_reserve(eio_session *s, size_t n)
{
    size_t ncap = s->q_cap ? s->q_cap : 8;
    eio_msg **nv;

    if (s->q_len + n <= s->q_cap)
        return 0;
    while (ncap < s->q_len + n)
        ncap *= 2;
    if (!(nv = malloc(ncap * sizeof *nv)))
        return EIO_ENOMEM;
    for (size_t i = 0; i < s->q_len; i++)
        nv[i] = s->q_v[(s->q_head + i) % s->q_cap];
    free(s->q_v);
    s->q_v = nv;
    s->q_cap = ncap;
    s->q_head = 0;
    return 0;
}

static int queue_push(eio_session *s, eio_msg *m)
{
    if (queue_reserve(s, 1) != 0)
        return EIO_ENOMEM;
    s->q_v[(s->q_head + s->q_len) % s->q_cap] = eio_msg_ref(m);
    s->q_len++;
    s->q_bytes += eio_msg_len(m);
    s->q_held += eiop_msg_footprint(m);
    return 0;
}

eio_msg *eiop_queue_pop(eio_session *s)
{
    eio_msg *m;
    if (!s->q_len)
        return NULL;
    m = s->q_v[s->q_head];
    s->q_head = (s->q_head + 1) % s->q_cap;
    s->q_len--;
    s->q_bytes -= eio_msg_len(m);
    s->q_held -= eiop_msg_footprint(m);
    return m;
}

/* ---- sessions that have said nothing yet --------------------------------
 * A handshake costs a session (its request kept, timers) before the
 * client commits to anything: bounded per server and per address. */

struct fresh_count {
    size_t n;
    char addr[];
};

bool eiop_fresh_room(eio_server *srv, const char *addr)
{
    struct fresh_count *fc = map_get(&srv->fresh_by_addr, addr, strlen(addr));

    if (srv->fresh >= srv->opts.max_new_sessions ||
        (fc && fc->n >= srv->opts.max_new_sessions_per_addr)) {
        LOGF(srv, EIO_LOG_WARN,
             "eio: %s: too many new sessions (%zu here, "
             "%zu in all)",
             addr, fc ? fc->n : 0, srv->fresh);
        return false;
    }
    return true;
}

static int fresh_start(eio_session *s)
{
    eio_server *srv = s->srv;
    const char *addr = s->req->remote;
    size_t len = strlen(addr);
    struct fresh_count *fc = map_get(&srv->fresh_by_addr, addr, len);

    if (!fc) {
        if (!(fc = calloc(1, sizeof *fc + len + 1)))
            return -1;
        memcpy(fc->addr, addr, len + 1);
        if (map_put(&srv->fresh_by_addr, fc->addr, len, fc) != 0) {
            free(fc);
            return -1;
        }
    }
    fc->n++;
    srv->fresh++;
    s->fresh = true;
    return 0;
}

void eiop_fresh_end(eio_session *s)
{
    eio_server *srv = s->srv;
    const char *addr = s->req->remote;
    struct fresh_count *fc;

    if (!s->fresh)
        return;
    s->fresh = false;
    srv->fresh--;
    fc = map_get(&srv->fresh_by_addr, addr, strlen(addr));
    if (fc && --fc->n == 0) {
        map_del(&srv->fresh_by_addr, fc->addr, strlen(fc->addr));
        free(fc);
    }
}

static void queue_clear(eio_session *s)
{
    eio_msg *m;
    while ((m = eiop_queue_pop(s)))
        eio_msg_unref(m);
    free(s->q_v);
    s->q_v = NULL;
    s->q_cap = 0;
}

static void bye_fire(eio_timer *t, void *ud)
{
    (void)t;
    eiop_session_abort(ud, EIO_CLOSE_TRANSPORT_CLOSE, EIO_PKT_NOOP);
}

static void reap_fire(eio_timer *t, void *ud)
{
    eio_session *s = ud;
    eio_server *srv = s->srv;

    (void)t;
    if (s->opened && srv->cb.close)
        srv->cb.close(s, s->reason, srv->ud);
    eiop_session_free(s);
    /* The loop may be about to sleep until the shutdown deadline: wake
     * it so it sees that the last session is gone. */
    if (srv->stopping && !srv->all)
        lws_cancel_service(srv->ctx);
}

/* Lets go of every connection of the session: its transport's and a
 * probe's. */
static void detach_wsis(eio_session *s, char poll_reply)
{
    s->tr->close(s, poll_reply);
    if (s->tr->upgrade)
        s->tr->upgrade->close(s, poll_reply);
}

/* Ends the session now: no more input or output; callbacks and the free
 * come from the reap timer. A pending poll gets poll_reply ('1' close,
 * '6' noop). */
void eiop_session_abort(eio_session *s, eio_close_reason why, char poll_reply)
{
    eio_server *srv = s->srv;

    if (s->state == SS_DEAD)
        return;
    if (s->state == SS_OPEN || !s->reason)
        s->reason = why;
    s->state = SS_DEAD;
    map_del(&srv->sessions, s->sid, strlen(s->sid));
    srv->dying++;
    eio_timer_stop(&s->ping_timer);
    eio_timer_stop(&s->pong_timer);
    eio_timer_stop(&s->close_timer);
    eio_timer_stop(&s->bye_timer);
    detach_wsis(s, poll_reply);
    eiop_post_finish(s);
    eiop_fresh_end(s);
    eio_timer_start(&s->reap_timer, 0);
}

void eiop_session_free(eio_session *s)
{
    eio_server *srv = s->srv;

    if (s->state != SS_DEAD)
        map_del(&srv->sessions, s->sid, strlen(s->sid));
    else
        srv->dying--;
    eio_timer_stop(&s->ping_timer);
    eio_timer_stop(&s->pong_timer);
    eio_timer_stop(&s->close_timer);
    eio_timer_stop(&s->reap_timer);
    eio_timer_stop(&s->bye_timer);
    eiop_post_finish(s);
    eiop_fresh_end(s);
    if (s->prev)
        s->prev->next = s->next;
    else
        srv->all = s->next;
    if (s->next)
        s->next->prev = s->prev;
    queue_clear(s);
    free(s->req);
    free(s);
}

static void ping_fire(eio_timer *t, void *ud);

static void pong_fire(eio_timer *t, void *ud)
{
    eio_session *s = ud;
    (void)t;
    LOGF(s->srv, EIO_LOG_DEBUG, "eio %s: ping timeout", s->sid);
    eiop_session_abort(s, EIO_CLOSE_PING_TIMEOUT, EIO_PKT_CLOSE);
}

static void ping_fire(eio_timer *t, void *ud)
{
    eio_session *s = ud;
    eio_msg *m = eio_msg_text(EIO_PKT_PING, NULL, 0);
    (void)t;
    if (!m || queue_push(s, m) != 0) {
        eio_msg_unref(m);
        eiop_session_abort(s, EIO_CLOSE_TRANSPORT_ERROR, EIO_PKT_CLOSE);
        return;
    }
    eio_msg_unref(m);
    eiop_session_flush(s);
    eio_timer_start(&s->pong_timer, s->srv->opts.ping_timeout_ms);
}

static void close_timer_fire(eio_timer *t, void *ud)
{
    eio_session *s = ud;
    (void)t;
    eiop_session_abort(s, s->reason, EIO_PKT_CLOSE);
}

/* Starts writing whatever is queued on the current transport. */
void eiop_session_flush(eio_session *s)
{
    if (s->state == SS_DEAD)
        return;
    s->tr->flush(s);
}

static int queue_open_packet(eio_session *s)
{
    const eio_options *o = &s->srv->opts;
    bool upgrades = s->tr->upgrade && o->websocket && o->allow_upgrades;
    char buf[256];
    int n = snprintf(buf, sizeof buf,
                     "{\"sid\":\"%s\",\"upgrades\":[%s],\"pingInterval\":%u,"
                     "\"pingTimeout\":%u,\"maxPayload\":%zu}",
                     s->sid, upgrades ? "\"websocket\"" : "",
                     o->ping_interval_ms, o->ping_timeout_ms, o->max_payload);
    eio_msg *m = eio_msg_text(EIO_PKT_OPEN, buf, (size_t)n);
    int rc = m ? queue_push(s, m) : EIO_ENOMEM;
    eio_msg_unref(m);
    return rc;
}

/* Creates a session for a handshake on wsi; NULL on failure. */
eio_session *eiop_session_new(eio_server *srv, struct lws *wsi,
                              const eio_transport *tr)
{
    eio_session *s = calloc(1, sizeof *s);

    if (!s)
        return NULL;
    s->srv = srv;
    s->tr = tr;
    s->state = SS_OPEN;
    if (util_random_id(s->sid) != 0 || !(s->req = eiop_request_capture(wsi, true)) ||
        fresh_start(s) != 0 ||
        map_put(&srv->sessions, s->sid, strlen(s->sid), s) != 0) {
        if (s->req)
            eiop_fresh_end(s);
        free(s->req);
        free(s);
        return NULL;
    }
    s->next = srv->all;
    if (srv->all)
        srv->all->prev = s;
    srv->all = s;
    eiop_timer_init(&s->ping_timer, srv, ping_fire, s);
    eiop_timer_init(&s->pong_timer, srv, pong_fire, s);
    eiop_timer_init(&s->close_timer, srv, close_timer_fire, s);
    eiop_timer_init(&s->reap_timer, srv, reap_fire, s);
    eiop_timer_init(&s->bye_timer, srv, bye_fire, s);
    eiop_timer_init(&s->rx_timer, srv, eiop_post_next, s);
    if (queue_open_packet(s) != 0) {
        eiop_session_free(s);
        return NULL;
    }
    if (srv->cb.open && srv->cb.open(s, srv->ud) != 0) {
        eiop_session_abort(s, EIO_CLOSE_SERVER, EIO_PKT_CLOSE);
        return NULL;
    }
    s->opened = true;
    eio_timer_start(&s->ping_timer, srv->opts.ping_interval_ms);
    return s;
}

/* Graceful close: flush what is queued (then a close packet on polling),
 * then end. Bounded by a timer in case the client never comes back. */
void eiop_session_close(eio_session *s, eio_close_reason why)
{
    uint64_t grace;

    if (s->state != SS_OPEN)
        return;
    s->state = SS_CLOSING;
    s->reason = why;
    eio_timer_stop(&s->ping_timer);
    eio_timer_stop(&s->pong_timer);
    if (s->tr->upgrade) /* a probe in progress ends */
        s->tr->upgrade->close(s, EIO_PKT_CLOSE);
    grace = s->srv->opts.shutdown_grace_ms;
    eio_timer_start(&s->close_timer, grace ? grace : 1);
    eiop_session_flush(s);
}

static void on_pong(eio_session *s)
{
    eio_timer_stop(&s->pong_timer);
    if (s->state == SS_OPEN)
        eio_timer_start(&s->ping_timer, s->srv->opts.ping_interval_ms);
}

/* Handles one packet of the session's current transport. Returns -1 if
 * the session ended or is ending. */
int eiop_session_packet(eio_session *s, const eio_packet *pk)
{
    eio_server *srv = s->srv;

    if (s->client_closing)
        return -1;
    switch (pk->type) {
    case EIO_PKT_MESSAGE:
        eiop_fresh_end(s); /* the client committed to something */
        if (s->state == SS_OPEN && srv->cb.message)
            srv->cb.message(s, pk->data, pk->len, pk->binary, srv->ud);
        break;
    case EIO_PKT_PONG:
        on_pong(s);
        break;
    case EIO_PKT_CLOSE:
        /* Closed one loop turn later, not now: a poll the client sent
         * together with this POST may be ready in the same turn and run
         * after it (libev runs a turn's ready sockets last first); it is
         * then held, and answered with a noop by the close, as if it had
         * come first. */
        s->client_closing = true;
        eio_timer_start(&s->bye_timer, 0);
        return -1;
    case EIO_PKT_PING:
    case EIO_PKT_NOOP:
        break; /* v4 clients do not ping; nothing to do */
    default:   /* open, upgrade outside a probe */
        LOGF(srv, EIO_LOG_INFO, "eio %s: unexpected packet type '%c'", s->sid,
             pk->type);
        eiop_session_abort(s, EIO_CLOSE_PARSE_ERROR, EIO_PKT_CLOSE);
        return -1;
    }
    return s->state == SS_DEAD ? -1 : 0;
}

/* Builds the response body from everything queued. */
eio_msg *eiop_drain_queue(eio_session *s)
{
    eio_msg *body = eio_msg_new(s->q_bytes + s->q_len * 2, false), *m;
    bool first = true;

    if (!body)
        return NULL;
    while ((m = eiop_queue_pop(s))) {
        const uint8_t *d = eio_msg_data(m);
        size_t n = eio_msg_len(m);
        if (eiop_payload_append(&body, d, n, eio_msg_binary(m), first) != 0) {
            eio_msg_unref(m);
            eio_msg_unref(body);
            return NULL;
        }
        first = false;
        eio_msg_unref(m);
    }
    return body;
}

const char *eio_session_id(const eio_session *s)
{
    return s->sid;
}

eio_server *eio_session_server(const eio_session *s)
{
    return s->srv;
}

void eio_session_set_data(eio_session *s, void *data)
{
    s->data = data;
}

void *eio_session_data(const eio_session *s)
{
    return s->data;
}

const char *eio_session_transport(const eio_session *s)
{
    return s->tr->name;
}

size_t eio_session_buffered(const eio_session *s)
{
    return s->q_held;
}

int eio_session_send_all(eio_session *s, eio_msg *const *m, size_t n,
                         bool volatile_)
{
    size_t bytes = 0;

    if (s->state != SS_OPEN)
        return EIO_ECLOSED;
    /* What the messages really hold, not their length: a client
     * leaving many tiny packets unread costs their blocks. */
    for (size_t i = 0; i < n; i++)
        bytes += eiop_msg_footprint(m[i]);
    /* The limits and the queue's room are checked for the whole group
     * before any of it is queued. */
    if (volatile_ && s->q_held + bytes > s->srv->opts.max_buffered / 2)
        return EIO_ELIMIT;
    if (s->q_held + bytes > s->srv->opts.max_buffered) {
        LOGF(s->srv, EIO_LOG_WARN,
             "eio %s: outbound buffer over %zu bytes, closing", s->sid,
             s->srv->opts.max_buffered);
        eiop_session_abort(s, EIO_CLOSE_SLOW_CONSUMER, EIO_PKT_CLOSE);
        return EIO_ELIMIT;
    }
    if (queue_reserve(s, n) != 0)
        return EIO_ENOMEM;
    for (size_t i = 0; i < n; i++)
        (void)queue_push(s, m[i]); /* cannot fail: reserved */
    eiop_session_flush(s);
    return 0;
}

int eio_session_send(eio_session *s, eio_msg *m)
{
    return eio_session_send_all(s, &m, 1, false);
}

int eio_session_send_volatile(eio_session *s, eio_msg *m)
{
    return eio_session_send_all(s, &m, 1, true);
}

void eio_session_close(eio_session *s)
{
    eiop_session_close(s, EIO_CLOSE_SERVER);
}

const char *eio_close_reason_str(eio_close_reason r)
{
    return sio_reason_str(siop_reason_of_close(r));
}

/* Called by the server when stopping: every session ends gracefully. */
void eiop_sessions_shutdown(eio_server *srv)
{
    map_entry *e;
    size_t n = 0, i = 0;
    eio_session **all = malloc((srv->sessions.len + 1) * sizeof *all);

    if (!all)
        return;
    /* Collect first: closing may remove entries from the map. */
    while (map_next(&srv->sessions, &i, &e))
        all[n++] = e->value;
    for (i = 0; i < n; i++)
        eiop_session_close(all[i], EIO_CLOSE_SHUTDOWN);
    free(all);
}

/* Frees every session now (server teardown), with close callbacks. */
void eiop_sessions_free_all(eio_server *srv)
{
    while (srv->all) {
        eio_session *s = srv->all;
        eiop_session_abort(s, EIO_CLOSE_SHUTDOWN, EIO_PKT_CLOSE);
        eio_timer_stop(&s->reap_timer);
        reap_fire(&s->reap_timer, s);
    }
}
