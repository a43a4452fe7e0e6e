/* eio_server.c - Engine.IO v4 server on libwebsockets.
 *
 * The only file that knows about lws. One lws protocol serves both the
 * HTTP long-polling requests and the WebSocket connections on the
 * Engine.IO path. A session outlives its HTTP requests: an HTTP request's
 * per-wsi state (struct pss) lives one request and points to the session
 * (by pointer for a held poll, by sid for a POST, so a session that dies
 * mid-request is simply not found).
 *
 * A session never dies inside a dispatch: closing marks it and the free
 * happens from a zero-delay timer (the "reap"), so callbacks can close
 * sessions freely. */
#include "eio_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eio_packet.h"
#include "log.h"

/* Engine.IO error codes and their messages, as the reference server. */
enum {
    ERR_TRANSPORT_UNKNOWN = 0,
    ERR_UNKNOWN_SID = 1,
    ERR_BAD_HANDSHAKE_METHOD = 2,
    ERR_BAD_REQUEST = 3,
    ERR_FORBIDDEN = 4,
    ERR_UNSUPPORTED_PROTOCOL_VERSION = 5,
};

static const char *const error_messages[] = {
    "Transport unknown", "Session ID unknown", "Bad handshake method",
    "Bad request",       "Forbidden",          "Unsupported protocol version",
};

#define LOGF(srv, lvl, ...) log_line((srv)->opts.log_level, (lvl), __VA_ARGS__)

static void session_abort(eio_session *s, eio_close_reason why,
                          char poll_reply);
static void session_flush(eio_session *s);

/* ---- small helpers ---------------------------------------------------- */

static eio_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

static int copy_hdr(struct lws *wsi, enum lws_token_indexes t, char *buf,
                    int len)
{
    if (lws_hdr_total_length(wsi, t) <= 0)
        return -1;
    return lws_hdr_copy(wsi, buf, len, t) < 0 ? -1 : 0;
}

/* Query argument name (without '='), from lws' decoded fragments. */
static const char *query_arg(struct lws *wsi, const char *name, char *buf,
                             int len)
{
    char key[32];
    snprintf(key, sizeof key, "%s=", name);
    return lws_get_urlarg_by_name(wsi, key, buf, len);
}

/* ---- the outbound queue: a ring of message references ------------------ */

static int queue_push(eio_session *s, eio_msg *m)
{
    if (s->q_len == s->q_cap) {
        size_t ncap = s->q_cap ? s->q_cap * 2 : 8;
        eio_msg **nv = malloc(ncap * sizeof *nv);
        if (!nv)
            return EIO_ENOMEM;
        for (size_t i = 0; i < s->q_len; i++)
            nv[i] = s->q_v[(s->q_head + i) % s->q_cap];
        free(s->q_v);
        s->q_v = nv;
        s->q_cap = ncap;
        s->q_head = 0;
    }
    s->q_v[(s->q_head + s->q_len) % s->q_cap] = eio_msg_ref(m);
    s->q_len++;
    s->q_bytes += eio_msg_len(m);
    return 0;
}

static eio_msg *queue_pop(eio_session *s)
{
    eio_msg *m;
    if (!s->q_len)
        return NULL;
    m = s->q_v[s->q_head];
    s->q_head = (s->q_head + 1) % s->q_cap;
    s->q_len--;
    s->q_bytes -= eio_msg_len(m);
    return m;
}

static void queue_clear(eio_session *s)
{
    eio_msg *m;
    while ((m = queue_pop(s)))
        eio_msg_unref(m);
    free(s->q_v);
    s->q_v = NULL;
    s->q_cap = 0;
}

/* ---- timers ------------------------------------------------------------ */

static void timer_fire(lws_sorted_usec_list_t *sul)
{
    eio_timer *t = lws_container_of(sul, eio_timer, sul);
    t->active = false;
    t->fn(t, t->ud);
}

void eio_timer_init(eio_timer *t, eio_server *srv, eio_timer_fn fn, void *ud)
{
    memset(t, 0, sizeof *t);
    t->srv = srv;
    t->fn = fn;
    t->ud = ud;
}

eio_timer *eio_timer_new(eio_server *srv, eio_timer_fn fn, void *ud)
{
    eio_timer *t = malloc(sizeof *t);
    if (t)
        eio_timer_init(t, srv, fn, ud);
    return t;
}

void eio_timer_start(eio_timer *t, uint64_t ms)
{
    t->active = true;
    lws_sul_schedule(t->srv->ctx, 0, &t->sul, timer_fire,
                     (lws_usec_t)ms * LWS_US_PER_MS);
}

void eio_timer_stop(eio_timer *t)
{
    if (!t->active)
        return;
    t->active = false;
    lws_sul_cancel(&t->sul);
}

bool eio_timer_active(const eio_timer *t)
{
    return t->active;
}

void eio_timer_free(eio_timer *t)
{
    if (!t)
        return;
    eio_timer_stop(t);
    free(t);
}

uint64_t eio_server_now_ms(const eio_server *srv)
{
    (void)srv;
    return (uint64_t)lws_now_usecs() / 1000u;
}

/* ---- HTTP responses ----------------------------------------------------- */

/* Prepares a response on an HTTP wsi; it is written when writable. */
static void respond(struct lws *wsi, struct pss *p, int status,
                    const char *ctype, eio_msg *body)
{
    p->kind = PK_REPLY;
    p->status = status;
    p->ctype = ctype;
    eio_msg_unref(p->body);
    p->body = body;
    p->phase = 0;
    lws_callback_on_writable(wsi);
}

static void respond_text(struct lws *wsi, struct pss *p, int status,
                         const char *ctype, const char *text)
{
    eio_msg *m = eio_msg_new(strlen(text), false);
    if (m && eio_msg_append(&m, text, strlen(text)) != 0) {
        eio_msg_unref(m);
        m = NULL;
    }
    respond(wsi, p, status, ctype, m);
}

static void respond_error(struct lws *wsi, struct pss *p, int code)
{
    char body[96];
    snprintf(body, sizeof body, "{\"code\":%d,\"message\":\"%s\"}", code,
             error_messages[code]);
    respond_text(wsi, p, code == ERR_FORBIDDEN ? 403 : 400,
                 "application/json", body);
}

static int add_header(struct lws *wsi, const char *name, const char *value,
                      unsigned char **pp, unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value,
                                       (int)strlen(value), pp, end);
}

/* Is this request's Origin allowed by the cors_origin option? */
static bool origin_allowed(const eio_server *srv, const char *origin)
{
    const char *list = srv->opts.cors_origin, *p;
    size_t n = strlen(origin);

    if (!list)
        return false;
    if (strcmp(list, "*") == 0)
        return true;
    for (p = list; *p;) {
        size_t len = strcspn(p, ",");
        while (len && *p == ' ')
            p++, len--;
        if (len == n && strncmp(p, origin, n) == 0)
            return true;
        p += len;
        if (*p == ',')
            p++;
    }
    return false;
}

static int add_cors(struct lws *wsi, struct pss *p, unsigned char **pp,
                    unsigned char *end)
{
    eio_server *srv = server_of(wsi);

    if (!srv->opts.cors_origin)
        return 0;
    if (!p->origin[0])
        return strcmp(srv->opts.cors_origin, "*") == 0
                   ? add_header(wsi, "access-control-allow-origin:", "*", pp,
                                end)
                   : 0;
    if (!origin_allowed(srv, p->origin))
        return 0;
    if (add_header(wsi, "access-control-allow-origin:", p->origin, pp, end) ||
        add_header(wsi, "access-control-allow-credentials:", "true", pp,
                   end) ||
        add_header(wsi, "vary:", "Origin", pp, end))
        return -1;
    if (p->preflight) {
        if (add_header(wsi, "access-control-allow-methods:",
                       "GET, POST, OPTIONS", pp, end) ||
            add_header(wsi, "access-control-max-age:", "86400", pp, end))
            return -1;
        if (p->acrh[0] && add_header(wsi, "access-control-allow-headers:",
                                     p->acrh, pp, end))
            return -1;
    }
    return 0;
}

static int write_headers(struct lws *wsi, struct pss *p)
{
    unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *pp = start,
                                       *end = buf + sizeof buf - 1;
    size_t len = p->body ? eio_msg_len(p->body) : 0;

    if (lws_add_http_common_headers(wsi, (unsigned)p->status, p->ctype,
                                    (lws_filepos_t)len, &pp, end) ||
        add_cors(wsi, p, &pp, end) ||
        add_header(wsi, "cache-control:", "no-store", &pp, end))
        return -1;
    if ((p->close_after || p->conn_close) &&
        add_header(wsi, "connection:", "close", &pp, end))
        return -1;
    return lws_finalize_write_http_header(wsi, start, &pp, end);
}

/* Ends the HTTP transaction: keep-alive or close. */
static int finish_http(struct lws *wsi, struct pss *p)
{
    bool close_conn = p->close_after;
    pss_release(p);
    if (close_conn)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* One step of writing a prepared response: headers, then body. */
static int write_response(struct lws *wsi, struct pss *p)
{
    size_t len = p->body ? eio_msg_len(p->body) : 0;

    if (p->phase == 0) {
        if (write_headers(wsi, p))
            return -1;
        if (!len)
            return finish_http(wsi, p);
        p->phase = 1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    /* The body has LWS_PRE headroom (eio_msg), so lws needs no copy. */
    if (lws_write(wsi, (unsigned char *)eio_msg_wdata(p->body), len,
                  LWS_WRITE_HTTP_FINAL) != (int)len)
        return -1;
    return finish_http(wsi, p);
}

/* ---- sessions ------------------------------------------------------------ */

static void reap_fire(lws_sorted_usec_list_t *sul)
{
    eio_session *s = lws_container_of(sul, eio_session, reap);
    eio_server *srv = s->srv;

    if (s->opened && srv->cb.close)
        srv->cb.close(s, s->reason, srv->ud);
    session_free(s);
}

/* Detaches every wsi of the session; the ws ones are closed. */
static void detach_wsis(eio_session *s, char poll_reply)
{
    struct lws *ws[2] = {s->ws, s->probe_ws};

    if (s->poll_wsi) {
        struct pss *p = lws_wsi_user(s->poll_wsi);
        char reply[2] = {poll_reply, 0};
        p->s = NULL;
        respond_text(s->poll_wsi, p, 200, "text/plain; charset=UTF-8",
                     reply);
        s->poll_wsi = NULL;
    }
    for (int i = 0; i < 2; i++) {
        if (!ws[i])
            continue;
        struct pss *p = lws_wsi_user(ws[i]);
        p->s = NULL;
        p->kill = true;
        lws_callback_on_writable(ws[i]);
    }
    s->ws = s->probe_ws = NULL;
}

/* Ends the session now: no more input or output; callbacks and the free
 * come from the reap timer. A pending poll gets poll_reply ('1' close,
 * '6' noop). */
static void session_abort(eio_session *s, eio_close_reason why,
                          char poll_reply)
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
    detach_wsis(s, poll_reply);
    lws_sul_schedule(srv->ctx, 0, &s->reap, reap_fire, 1);
}

void session_free(eio_session *s)
{
    eio_server *srv = s->srv;

    if (s->state != SS_DEAD)
        map_del(&srv->sessions, s->sid, strlen(s->sid));
    else
        srv->dying--;
    eio_timer_stop(&s->ping_timer);
    eio_timer_stop(&s->pong_timer);
    eio_timer_stop(&s->close_timer);
    lws_sul_cancel(&s->reap);
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
    session_abort(s, EIO_CLOSE_PING_TIMEOUT, EIO_PKT_CLOSE);
}

static void ping_fire(eio_timer *t, void *ud)
{
    eio_session *s = ud;
    eio_msg *m = eio_msg_text(EIO_PKT_PING, NULL, 0);
    (void)t;
    if (!m || queue_push(s, m) != 0) {
        eio_msg_unref(m);
        session_abort(s, EIO_CLOSE_TRANSPORT_ERROR, EIO_PKT_CLOSE);
        return;
    }
    eio_msg_unref(m);
    session_flush(s);
    eio_timer_start(&s->pong_timer, s->srv->opts.ping_timeout_ms);
}

static void close_timer_fire(eio_timer *t, void *ud)
{
    eio_session *s = ud;
    (void)t;
    session_abort(s, s->reason, EIO_PKT_CLOSE);
}

/* Starts writing whatever is queued on the current transport. */
static void session_flush(eio_session *s)
{
    if (s->state == SS_DEAD)
        return;
    if (s->transport == TR_WEBSOCKET) {
        if (s->ws)
            lws_callback_on_writable(s->ws);
    } else if (s->poll_wsi && (s->q_len || s->upgrading)) {
        lws_callback_on_writable(s->poll_wsi);
    }
}

static int queue_open_packet(eio_session *s)
{
    const eio_options *o = &s->srv->opts;
    bool upgrades = s->transport == TR_POLLING && o->websocket &&
                    o->allow_upgrades;
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
static eio_session *session_new(eio_server *srv, struct lws *wsi,
                                enum transport tr)
{
    eio_session *s = calloc(1, sizeof *s);

    if (!s)
        return NULL;
    s->srv = srv;
    s->transport = tr;
    s->state = SS_OPEN;
    if (util_random_id(s->sid) != 0 || !(s->req = request_capture(wsi)) ||
        map_put(&srv->sessions, s->sid, strlen(s->sid), s) != 0) {
        free(s->req);
        free(s);
        return NULL;
    }
    s->next = srv->all;
    if (srv->all)
        srv->all->prev = s;
    srv->all = s;
    eio_timer_init(&s->ping_timer, srv, ping_fire, s);
    eio_timer_init(&s->pong_timer, srv, pong_fire, s);
    eio_timer_init(&s->close_timer, srv, close_timer_fire, s);
    if (queue_open_packet(s) != 0) {
        session_free(s);
        return NULL;
    }
    if (srv->cb.open && srv->cb.open(s, srv->ud) != 0) {
        session_abort(s, EIO_CLOSE_SERVER, EIO_PKT_CLOSE);
        return NULL;
    }
    s->opened = true;
    eio_timer_start(&s->ping_timer, srv->opts.ping_interval_ms);
    return s;
}

/* Graceful close: flush what is queued (then a close packet on polling),
 * then end. Bounded by a timer in case the client never comes back. */
static void session_close_graceful(eio_session *s, eio_close_reason why)
{
    eio_msg *m;
    uint64_t grace;

    if (s->state != SS_OPEN)
        return;
    s->state = SS_CLOSING;
    s->reason = why;
    eio_timer_stop(&s->ping_timer);
    eio_timer_stop(&s->pong_timer);
    if (s->probe_ws) {
        struct pss *p = lws_wsi_user(s->probe_ws);
        p->s = NULL;
        p->kill = true;
        lws_callback_on_writable(s->probe_ws);
        s->probe_ws = NULL;
    }
    if (s->transport == TR_POLLING) {
        m = eio_msg_text(EIO_PKT_CLOSE, NULL, 0);
        if (!m || queue_push(s, m) != 0) {
            eio_msg_unref(m);
            session_abort(s, why, EIO_PKT_CLOSE);
            return;
        }
        eio_msg_unref(m);
    }
    grace = s->srv->opts.shutdown_grace_ms;
    eio_timer_start(&s->close_timer, grace ? grace : 1);
    session_flush(s);
}

/* ---- incoming packets ---------------------------------------------------- */

static void on_pong(eio_session *s)
{
    eio_timer_stop(&s->pong_timer);
    if (s->state == SS_OPEN)
        eio_timer_start(&s->ping_timer, s->srv->opts.ping_interval_ms);
}

/* Handles one packet of the session's current transport. Returns -1 if
 * the session ended. */
static int session_packet(eio_session *s, const eio_packet *pk)
{
    eio_server *srv = s->srv;

    switch (pk->type) {
    case EIO_PKT_MESSAGE:
        if (s->state == SS_OPEN && srv->cb.message)
            srv->cb.message(s, pk->data, pk->len, pk->binary, srv->ud);
        break;
    case EIO_PKT_PONG:
        on_pong(s);
        break;
    case EIO_PKT_CLOSE:
        session_abort(s, EIO_CLOSE_TRANSPORT_CLOSE, EIO_PKT_NOOP);
        return -1;
    case EIO_PKT_PING:
    case EIO_PKT_NOOP:
        break; /* v4 clients do not ping; nothing to do */
    default: /* open, upgrade outside a probe */
        LOGF(srv, EIO_LOG_INFO, "eio %s: unexpected packet type '%c'", s->sid,
             pk->type);
        session_abort(s, EIO_CLOSE_PARSE_ERROR, EIO_PKT_CLOSE);
        return -1;
    }
    return s->state == SS_DEAD ? -1 : 0;
}

static int payload_packet(const eio_packet *pk, void *ud)
{
    return session_packet(ud, pk);
}

/* ---- HTTP long-polling ---------------------------------------------------- */

/* Builds the response body from everything queued. */
static eio_msg *drain_queue(eio_session *s, bool *had_close)
{
    eio_msg *body = eio_msg_new(s->q_bytes + s->q_len * 2, false), *m;
    bool first = true;

    *had_close = false;
    if (!body)
        return NULL;
    while ((m = queue_pop(s))) {
        const uint8_t *d = eio_msg_data(m);
        size_t n = eio_msg_len(m);
        if (!eio_msg_binary(m) && n && d[0] == EIO_PKT_CLOSE)
            *had_close = true;
        if (eio_payload_append(&body, d, n, eio_msg_binary(m), first) != 0) {
            eio_msg_unref(m);
            eio_msg_unref(body);
            return NULL;
        }
        first = false;
        eio_msg_unref(m);
    }
    return body;
}

/* The held poll became writable: answer it with the queue (or a noop
 * while an upgrade is in progress). */
static int poll_writable(struct lws *wsi, struct pss *p)
{
    eio_session *s = p->s;
    eio_msg *body;
    bool had_close;

    if (!s->q_len && !s->upgrading)
        return 0; /* spurious */
    if (s->q_len)
        body = drain_queue(s, &had_close);
    else
        body = eio_msg_text(EIO_PKT_NOOP, NULL, 0), had_close = false;
    s->poll_wsi = NULL;
    p->s = NULL;
    if (!body) {
        session_abort(s, EIO_CLOSE_TRANSPORT_ERROR, EIO_PKT_CLOSE);
        return -1;
    }
    respond(wsi, p, 200, "text/plain; charset=UTF-8", body);
    if (had_close && s->state == SS_CLOSING)
        session_abort(s, s->reason, EIO_PKT_CLOSE);
    return write_response(wsi, p);
}

static void handle_poll_get(struct lws *wsi, struct pss *p, eio_session *s)
{
    if (s->poll_wsi) {
        /* A second GET while one is pending breaks the protocol: the
         * pending one gets a close packet, this one an error. */
        LOGF(s->srv, EIO_LOG_INFO, "eio %s: duplicate poll", s->sid);
        respond_error(wsi, p, ERR_BAD_REQUEST);
        session_abort(s, EIO_CLOSE_TRANSPORT_ERROR, EIO_PKT_CLOSE);
        return;
    }
    p->kind = PK_POLL;
    p->s = s;
    s->poll_wsi = wsi;
    /* A held poll may wait a whole ping interval: no lws timeout. */
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    session_flush(s);
}

static void handle_post_body_done(struct lws *wsi, struct pss *p)
{
    eio_server *srv = server_of(wsi);
    eio_session *s = map_get(&srv->sessions, p->sid, strlen(p->sid));
    eio_perror err = {0};
    char sample[LOG_SAMPLE_MAX];

    if (!s || s->state == SS_DEAD) {
        respond_error(wsi, p, ERR_UNKNOWN_SID);
        return;
    }
    /* The decoder validates the whole body before the first callback, so
     * a bad payload dispatches nothing. */
    respond_text(wsi, p, 200, "text/html", "ok");
    if (eio_payload_decode(p->rx, p->rx_len, p->rx_len + 1, payload_packet, s,
                           &err) != 0 &&
        err.msg[0]) {
        LOGF(srv, EIO_LOG_INFO, "eio %s: bad payload at %zu: %s: \"%s\"",
             s->sid, err.offset, err.msg,
             log_sample(p->rx, p->rx_len, sample));
        respond_error(wsi, p, ERR_BAD_REQUEST);
        session_abort(s, EIO_CLOSE_PARSE_ERROR, EIO_PKT_CLOSE);
    }
}

static int post_body_chunk(struct lws *wsi, struct pss *p, const void *in,
                           size_t len)
{
    eio_server *srv = server_of(wsi);

    if (p->kind != PK_POST)
        return 0; /* already answered (e.g. 413); discard */
    if (p->rx_len + len > srv->opts.max_payload) {
        eio_session *s = map_get(&srv->sessions, p->sid, strlen(p->sid));
        LOGF(srv, EIO_LOG_INFO, "eio %s: POST body over maxPayload (%zu)",
             p->sid, srv->opts.max_payload);
        if (s)
            session_abort(s, EIO_CLOSE_TOO_LARGE, EIO_PKT_CLOSE);
        p->close_after = true;
        respond_text(wsi, p, 413, "text/plain", "Payload Too Large");
        return 0;
    }
    if (p->rx_len + len > p->rx_cap) {
        size_t ncap = (p->rx_len + len) * 2;
        if (ncap > srv->opts.max_payload)
            ncap = srv->opts.max_payload;
        uint8_t *n = realloc(p->rx, ncap);
        if (!n)
            return -1;
        p->rx = n;
        p->rx_cap = ncap;
    }
    memcpy(p->rx + p->rx_len, in, len);
    p->rx_len += len;
    return 0;
}

static void handle_post_start(struct lws *wsi, struct pss *p, eio_session *s)
{
    eio_server *srv = server_of(wsi);
    char cl[32];

    p->kind = PK_POST;
    snprintf(p->sid, sizeof p->sid, "%s", s->sid);
    if (copy_hdr(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, cl, sizeof cl) == 0 &&
        strtoull(cl, NULL, 10) > srv->opts.max_payload) {
        LOGF(srv, EIO_LOG_INFO, "eio %s: POST of %s bytes over maxPayload",
             s->sid, cl);
        p->close_after = true;
        respond_text(wsi, p, 413, "text/plain", "Payload Too Large");
        session_abort(s, EIO_CLOSE_TOO_LARGE, EIO_PKT_CLOSE);
    }
}

/* ---- request routing --------------------------------------------------------- */

enum req_kind { REQ_POLLING, REQ_WEBSOCKET };

/* Checks the query of an Engine.IO request: -1 ok, else an error code.
 * *sout is the session named by sid (NULL: a handshake). */
static int verify_request(struct lws *wsi, enum req_kind kind, bool is_get,
                          eio_session **sout)
{
    eio_server *srv = server_of(wsi);
    char tb[32], eb[16], sb[64];
    const char *tr = query_arg(wsi, "transport", tb, sizeof tb);
    const char *eio = query_arg(wsi, "EIO", eb, sizeof eb);
    const char *sid = query_arg(wsi, "sid", sb, sizeof sb);
    bool want_ws = kind == REQ_WEBSOCKET;

    *sout = NULL;
    if (!tr || strcmp(tr, want_ws ? "websocket" : "polling") != 0 ||
        !(want_ws ? srv->opts.websocket : srv->opts.polling))
        return ERR_TRANSPORT_UNKNOWN;
    if (sid) {
        eio_session *s = map_get(&srv->sessions, sid, strlen(sid));
        if (!s || s->state == SS_DEAD)
            return ERR_UNKNOWN_SID;
        /* After an upgrade the polling transport is gone. A websocket
         * that cannot upgrade this session is accepted and closed at
         * once (ws_established), as the reference server does. */
        if (!want_ws && s->transport != TR_POLLING)
            return ERR_BAD_REQUEST;
        *sout = s;
        return -1;
    }
    if (!is_get)
        return ERR_BAD_HANDSHAKE_METHOD;
    if (!eio || strcmp(eio, "4") != 0)
        return ERR_UNSUPPORTED_PROTOCOL_VERSION;
    if (srv->stopping)
        return ERR_FORBIDDEN;
    return -1;
}

static bool path_matches(const eio_server *srv, const char *uri, int len)
{
    size_t n = strlen(srv->opts.path);
    /* "/socket.io/" also matches "/socket.io" (no trailing slash). */
    if ((size_t)len == n || (size_t)len == n - 1)
        return strncmp(uri, srv->opts.path, (size_t)len) == 0;
    return false;
}

/* lws closes after the response when the client asked for it, but does
 * not say so; a client reusing the socket then loses its next request. */
static bool wants_close(struct lws *wsi)
{
    char v[64];
    return copy_hdr(wsi, WSI_TOKEN_CONNECTION, v, sizeof v) == 0 &&
           strcasestr(v, "close") != NULL;
}

static void capture_cors_request(struct lws *wsi, struct pss *p)
{
    p->conn_close = wants_close(wsi);
    if (copy_hdr(wsi, WSI_TOKEN_ORIGIN, p->origin, sizeof p->origin) != 0)
        p->origin[0] = '\0';
    if (copy_hdr(wsi, WSI_TOKEN_HTTP_AC_REQUEST_HEADERS, p->acrh,
                 sizeof p->acrh) != 0)
        p->acrh[0] = '\0';
}

static int handle_http(struct lws *wsi, struct pss *p)
{
    eio_server *srv = server_of(wsi);
    char *uri;
    int ulen, meth = lws_http_get_uri_and_method(wsi, &uri, &ulen), code;
    eio_session *s;

    pss_release(p);
    capture_cors_request(wsi, p);
    if (meth < 0 || !path_matches(srv, uri, ulen)) {
        respond_text(wsi, p, 404, "text/plain", "Not Found");
        return 0;
    }
    if (meth == LWSHUMETH_OPTIONS) {
        p->preflight = true;
        respond(wsi, p, 204, "text/plain", NULL);
        return 0;
    }
    code = verify_request(wsi, REQ_POLLING, meth == LWSHUMETH_GET, &s);
    if (code >= 0) {
        LOGF(srv, EIO_LOG_DEBUG, "eio: refused request: %s",
             error_messages[code]);
        respond_error(wsi, p, code);
        return 0;
    }
    if (!s) {
        s = session_new(srv, wsi, TR_POLLING);
        if (!s) {
            respond_text(wsi, p, 500, "text/plain", "Internal Server Error");
            return 0;
        }
        handle_poll_get(wsi, p, s);
    } else if (meth == LWSHUMETH_GET) {
        handle_poll_get(wsi, p, s);
    } else if (meth == LWSHUMETH_POST) {
        handle_post_start(wsi, p, s);
    } else {
        respond_error(wsi, p, ERR_BAD_REQUEST);
    }
    return 0;
}

/* ---- WebSocket ------------------------------------------------------------- */

static int ws_filter(struct lws *wsi)
{
    eio_server *srv = server_of(wsi);
    char *uri;
    int ulen, meth = lws_http_get_uri_and_method(wsi, &uri, &ulen);
    eio_session *s;

    if (meth != LWSHUMETH_GET || !path_matches(srv, uri, ulen))
        return 1;
    if (verify_request(wsi, REQ_WEBSOCKET, true, &s) >= 0)
        return 1;
    return 0;
}

static int ws_established(struct lws *wsi, struct pss *p)
{
    eio_server *srv = server_of(wsi);
    eio_session *s;

    memset(p, 0, sizeof *p);
    p->kind = PK_WS;
    if (verify_request(wsi, REQ_WEBSOCKET, true, &s) >= 0)
        return -1; /* the session died since the filter */
    if (s && (s->transport != TR_POLLING || s->probe_ws ||
              !srv->opts.allow_upgrades || s->state != SS_OPEN)) {
        LOGF(srv, EIO_LOG_INFO, "eio %s: refused second upgrade", s->sid);
        p->kill = true;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (s) {
        p->s = s;
        p->probe = true;
        s->probe_ws = wsi;
        return 0;
    }
    s = session_new(srv, wsi, TR_WEBSOCKET);
    if (!s)
        return -1;
    p->s = s;
    s->ws = wsi;
    session_flush(s);
    return 0;
}

static void probe_upgrade(eio_session *s, struct lws *wsi)
{
    s->transport = TR_WEBSOCKET;
    s->ws = wsi;
    s->probe_ws = NULL;
    s->upgrading = false;
    if (s->poll_wsi) {
        /* The pending poll ends with a noop; the queue moves to ws. */
        struct pss *pp = lws_wsi_user(s->poll_wsi);
        pp->s = NULL;
        respond_text(s->poll_wsi, pp, 200, "text/plain; charset=UTF-8", "6");
        s->poll_wsi = NULL;
    }
    session_flush(s);
}

/* A packet on a websocket that is probing an upgrade. */
static int probe_packet(struct lws *wsi, struct pss *p, const eio_packet *pk)
{
    eio_session *s = p->s;

    if (pk->type == EIO_PKT_PING && pk->len == 5 &&
        memcmp(pk->data, "probe", 5) == 0) {
        p->probe_reply = true;
        s->upgrading = true;
        lws_callback_on_writable(wsi);
        session_flush(s); /* a held poll gets its noop */
        return 0;
    }
    if (pk->type == EIO_PKT_UPGRADE && s->upgrading) {
        p->probe = false;
        probe_upgrade(s, wsi);
        return 0;
    }
    LOGF(s->srv, EIO_LOG_INFO, "eio %s: bad packet during upgrade", s->sid);
    s->probe_ws = NULL;
    s->upgrading = false;
    p->s = NULL;
    return -1;
}

static int ws_message(struct lws *wsi, struct pss *p, const uint8_t *d,
                      size_t n, bool binary)
{
    eio_session *s = p->s;
    eio_packet pk;
    eio_perror err = {0};
    char sample[LOG_SAMPLE_MAX];

    if (eio_packet_parse(d, n, binary, &pk, &err) != 0) {
        LOGF(s->srv, EIO_LOG_INFO, "eio %s: bad packet: %s: \"%s\"", s->sid,
             err.msg, log_sample(d, n, sample));
        if (p->probe) {
            s->probe_ws = NULL;
            s->upgrading = false;
            p->s = NULL;
            return -1;
        }
        session_abort(s, EIO_CLOSE_PARSE_ERROR, EIO_PKT_CLOSE);
        return 0;
    }
    if (p->probe)
        return probe_packet(wsi, p, &pk);
    session_packet(s, &pk);
    return 0;
}

static int ws_receive(struct lws *wsi, struct pss *p, const void *in,
                      size_t len)
{
    eio_server *srv = server_of(wsi);
    bool final = lws_is_final_fragment(wsi) &&
                 !lws_remaining_packet_payload(wsi);

    if (!p->s)
        return -1;
    if (p->rx_len + len > srv->opts.max_payload) {
        LOGF(srv, EIO_LOG_INFO, "eio %s: websocket message over maxPayload",
             p->s->sid);
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
        if (!p->probe)
            session_abort(p->s, EIO_CLOSE_TOO_LARGE, EIO_PKT_CLOSE);
        return -1;
    }
    if (final && !p->rx_len) /* the common case: one whole frame */
        return ws_message(wsi, p, in, len, lws_frame_is_binary(wsi));
    if (p->rx_len + len > p->rx_cap) {
        size_t ncap = (p->rx_len + len) * 2;
        uint8_t *nb = realloc(p->rx, ncap);
        if (!nb)
            return -1;
        p->rx = nb;
        p->rx_cap = ncap;
    }
    memcpy(p->rx + p->rx_len, in, len);
    p->rx_len += len;
    if (!final)
        return 0;
    int rc = ws_message(wsi, p, p->rx, p->rx_len, lws_frame_is_binary(wsi));
    p->rx_len = 0;
    return rc;
}

static int ws_write_msg(struct lws *wsi, eio_msg *m)
{
    size_t n = eio_msg_len(m);
    int rc = lws_write(wsi, eio_msg_wdata(m), n,
                       eio_msg_binary(m) ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
    return rc < (int)n ? -1 : 0;
}

static int ws_writable(struct lws *wsi, struct pss *p)
{
    eio_session *s = p->s;
    eio_msg *m;

    if (p->kill || !s) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
        return -1;
    }
    if (p->probe_reply) {
        p->probe_reply = false;
        m = eio_msg_text(EIO_PKT_PONG, "probe", 5);
        int rc = m ? ws_write_msg(wsi, m) : -1;
        eio_msg_unref(m);
        if (rc)
            return -1;
        if (!p->probe && s->q_len)
            lws_callback_on_writable(wsi);
        return 0;
    }
    if (p->probe || s->ws != wsi)
        return 0;
    m = queue_pop(s);
    if (!m) {
        if (s->state == SS_CLOSING) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        return 0;
    }
    int rc = ws_write_msg(wsi, m);
    eio_msg_unref(m);
    if (rc)
        return -1;
    if (s->q_len || s->state == SS_CLOSING)
        lws_callback_on_writable(wsi);
    return 0;
}

static void ws_closed(struct pss *p, struct lws *wsi)
{
    eio_session *s = p->s;

    free(p->rx);
    p->rx = NULL;
    if (!s)
        return;
    p->s = NULL;
    if (s->probe_ws == wsi) {
        s->probe_ws = NULL;
        s->upgrading = false;
        return;
    }
    if (s->ws == wsi) {
        s->ws = NULL;
        session_abort(s, s->state == SS_CLOSING ? s->reason
                                                : EIO_CLOSE_TRANSPORT_CLOSE,
                      EIO_PKT_CLOSE);
    }
}

/* ---- the lws callback ---------------------------------------------------- */

static void http_closed(struct pss *p, struct lws *wsi)
{
    if (p->kind == PK_POLL && p->s && p->s->poll_wsi == wsi)
        p->s->poll_wsi = NULL;
    p->s = NULL;
    pss_release(p);
}

static int http_writable(struct lws *wsi, struct pss *p)
{
    if (p->kind == PK_POLL && p->s)
        return poll_writable(wsi, p);
    if (p->kind == PK_REPLY)
        return write_response(wsi, p);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason,
                    void *user, void *in, size_t len)
{
    struct pss *p = user;

    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return handle_http(wsi, p);
    case LWS_CALLBACK_HTTP_BODY:
        return post_body_chunk(wsi, p, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (p->kind == PK_POST)
            handle_post_body_done(wsi, p);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return http_writable(wsi, p);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (p)
            http_closed(p, wsi);
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return ws_filter(wsi);
    case LWS_CALLBACK_ESTABLISHED:
        return ws_established(wsi, p);
    case LWS_CALLBACK_RECEIVE:
        return ws_receive(wsi, p, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return ws_writable(wsi, p);
    case LWS_CALLBACK_CLOSED:
        ws_closed(p, wsi);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        server_drain_posts(lws_context_user(lws_get_context(wsi)));
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

const struct lws_protocols eio_lws_protocols[] = {
    {"eio", callback, sizeof(struct pss), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- public session API ------------------------------------------------ */

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
    return s->transport == TR_WEBSOCKET ? "websocket" : "polling";
}

size_t eio_session_buffered(const eio_session *s)
{
    return s->q_bytes;
}

int eio_session_send(eio_session *s, eio_msg *m)
{
    if (s->state != SS_OPEN)
        return EIO_ECLOSED;
    if (s->q_bytes + eio_msg_len(m) > s->srv->opts.max_buffered) {
        LOGF(s->srv, EIO_LOG_WARN,
             "eio %s: outbound buffer over %zu bytes, closing", s->sid,
             s->srv->opts.max_buffered);
        session_abort(s, EIO_CLOSE_SLOW_CONSUMER, EIO_PKT_CLOSE);
        return EIO_ELIMIT;
    }
    if (queue_push(s, m) != 0)
        return EIO_ENOMEM;
    session_flush(s);
    return 0;
}

int eio_session_send_volatile(eio_session *s, eio_msg *m)
{
    if (s->state != SS_OPEN)
        return EIO_ECLOSED;
    if (s->q_bytes + eio_msg_len(m) > s->srv->opts.max_buffered / 2)
        return EIO_ELIMIT;
    return eio_session_send(s, m);
}

void eio_session_close(eio_session *s)
{
    session_close_graceful(s, EIO_CLOSE_SERVER);
}

const char *eio_close_reason_str(eio_close_reason r)
{
    switch (r) {
    case EIO_CLOSE_TRANSPORT_CLOSE:
        return "transport close";
    case EIO_CLOSE_PING_TIMEOUT:
        return "ping timeout";
    case EIO_CLOSE_PARSE_ERROR:
        return "parse error";
    case EIO_CLOSE_SERVER:
        return "forced close";
    case EIO_CLOSE_SHUTDOWN:
        return "server shutting down";
    case EIO_CLOSE_TOO_LARGE:
    case EIO_CLOSE_SLOW_CONSUMER:
    case EIO_CLOSE_TRANSPORT_ERROR:
        return "transport error";
    }
    return "transport error";
}

/* Called by the server when stopping: every session ends gracefully. */
void sessions_shutdown(eio_server *srv)
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
        session_close_graceful(all[i], EIO_CLOSE_SHUTDOWN);
    free(all);
}

/* Frees every session now (server teardown), with close callbacks. */
void sessions_free_all(eio_server *srv)
{
    while (srv->all) {
        eio_session *s = srv->all;
        session_abort(s, EIO_CLOSE_SHUTDOWN, EIO_PKT_CLOSE);
        lws_sul_cancel(&s->reap);
        reap_fire(&s->reap);
    }
}
