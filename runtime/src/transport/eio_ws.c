/* eio_ws.c - the WebSocket transport: handshake filter, fragment
 * reassembly under maxPayload, one frame per writable, and the upgrade
 * probe (2probe/3probe, then 5) of a polling session. */
#include "eio_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eio_packet.h"
#include "log.h"

/* A page of another site may open a WebSocket to us with the user's
 * cookies (browsers apply no CORS to it): its Origin must be allowed.
 * -1 if fine, else ERR_FORBIDDEN. */
static int origin_check(struct lws *wsi, const eio_server *srv)
{
    char origin[256], host[256];
    bool any =
        srv->opts.ws_any_origin ||
        (srv->opts.cors_origin && strcmp(srv->opts.cors_origin, "*") == 0);

    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
        return -1; /* not a browser */
    if (any && !srv->strict_origins)
        return -1;
    if (eiop_hdr_copy(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin) != 0)
        return ERR_FORBIDDEN; /* too long to be one we allow */
    if (eiop_hdr_copy(wsi, WSI_TOKEN_HOST, host, sizeof host) != 0)
        host[0] = '\0';
    if (eio_server_origin_allowed(srv, origin, host[0] ? host : NULL))
        return -1;
    LOGF(srv, EIO_LOG_INFO, "eio: websocket from origin %.200s refused",
         origin);
    return ERR_FORBIDDEN;
}

int eiop_ws_filter(struct lws *wsi)
{
    eio_server *srv = eiop_server_of(wsi);
    char *uri;
    int ulen, meth = lws_http_get_uri_and_method(wsi, &uri, &ulen);
    eio_session *s;
    int code;

    if (meth != LWSHUMETH_GET || !eiop_path_matches(srv, uri, ulen))
        return 1;
    if ((code = eiop_verify_request(wsi, REQ_WEBSOCKET, true, &s)) >= 0 ||
        (code = origin_check(wsi, srv)) >= 0) {
        eiop_refuse_upgrade(wsi, code);
        return 1;
    }
    return 0;
}

int eiop_ws_established(struct lws *wsi, struct pss *p)
{
    eio_server *srv = eiop_server_of(wsi);
    eio_session *s;

    memset(p, 0, sizeof *p);
    p->kind = PK_WS;
    if (eiop_verify_request(wsi, REQ_WEBSOCKET, true, &s) >= 0)
        return -1; /* the session died since the filter */
    if (s && (s->tr->kind != TR_POLLING || s->probe_ws ||
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
    s = eiop_session_new(srv, wsi, &eiop_websocket);
    if (!s)
        return -1;
    p->s = s;
    s->ws = wsi;
    eiop_session_flush(s);
    return 0;
}

static void probe_upgrade(eio_session *s, struct lws *wsi)
{
    const eio_transport *old = s->tr;

    s->tr = &eiop_websocket;
    s->ws = wsi;
    s->probe_ws = NULL;
    s->upgrading = false;
    /* The pending poll ends with a noop; the queue moves to ws. */
    old->close(s, EIO_PKT_NOOP);
    eiop_session_flush(s);
    if (s->srv->cb.upgrade)
        s->srv->cb.upgrade(s, s->srv->ud);
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
        eiop_session_flush(s); /* a held poll gets its noop */
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
    sio_error err = {0};
    char sample[LOG_SAMPLE_MAX];

    if (eiop_packet_parse(d, n, binary, &pk, &err) != 0) {
        LOGF(s->srv, EIO_LOG_INFO, "eio %s: bad packet: %s: \"%s\"", s->sid,
             err.text, log_sample(d, n, sample));
        if (p->probe) {
            s->probe_ws = NULL;
            s->upgrading = false;
            p->s = NULL;
            return -1;
        }
        eiop_session_abort(s, EIO_CLOSE_PARSE_ERROR, EIO_PKT_CLOSE);
        return 0;
    }
    if (p->probe)
        return probe_packet(wsi, p, &pk);
    eiop_session_packet(s, &pk);
    return 0;
}

int eiop_ws_receive(struct lws *wsi, struct pss *p, const void *in, size_t len)
{
    eio_server *srv = eiop_server_of(wsi);
    bool final =
        lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);

    if (!p->s)
        return -1;
    if (p->rx_len + len > srv->opts.max_payload) {
        LOGF(srv, EIO_LOG_INFO, "eio %s: websocket message over maxPayload",
             p->s->sid);
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
        if (!p->probe)
            eiop_session_abort(p->s, EIO_CLOSE_TOO_LARGE, EIO_PKT_CLOSE);
        return -1;
    }
    if (final && !p->rx_len) /* the common case: one whole frame */
        return ws_message(wsi, p, in, len, lws_frame_is_binary(wsi));
    if (eiop_pss_append(p, in, len, srv->opts.max_payload) != 0)
        return -1;
    if (!final)
        return 0;
    int rc = ws_message(wsi, p, p->rx, p->rx_len, lws_frame_is_binary(wsi));
    p->rx_len = 0;
    return rc;
}

static int ws_write_msg(struct lws *wsi, eio_msg *m)
{
    size_t n = eio_msg_len(m);
    int rc = lws_write(wsi, eiop_msg_frame(m), n,
                       eio_msg_binary(m) ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
    return rc < (int)n ? -1 : 0;
}

/* Frames of what is queued, written with one send: a loaded server
 * otherwise pays a syscall per message (see docs/bench.md). Server
 * frames are unmasked: FIN + opcode, then a 7, 16 or 64-bit length. */
static size_t frame_header(uint8_t *h, size_t n, bool binary)
{
    h[0] = (uint8_t)(0x80 | (binary ? 0x2 : 0x1));
    if (n < 126) {
        h[1] = (uint8_t)n;
        return 2;
    }
    if (n <= 0xffff) {
        h[1] = 126;
        h[2] = (uint8_t)(n >> 8);
        h[3] = (uint8_t)n;
        return 4;
    }
    h[1] = 127;
    for (int i = 0; i < 8; i++)
        h[2 + i] = (uint8_t)(n >> (56 - 8 * i));
    return 10;
}

/* Pops queued messages into one buffer of whole frames while they fit;
 * returns its length (0: the first does not fit, send it alone). */
static size_t coalesce(eio_session *s, uint8_t *out, size_t cap)
{
    size_t len = 0;

    while (s->q_len) {
        eio_msg *m = s->q_v[s->q_head];
        size_t n = eio_msg_len(m);
        if (len + n + 10 > cap)
            break;
        len += frame_header(out + len, n, eio_msg_binary(m));
        memcpy(out + len, eio_msg_data(m), n);
        len += n;
        eio_msg_unref(eiop_queue_pop(s));
    }
    return len;
}

static int ws_write_queue(struct lws *wsi, eio_session *s)
{
    uint8_t *buf;
    size_t len;
    int rc;

    if (s->q_len < 2) { /* one message: no copy, lws frames it */
        eio_msg *m = eiop_queue_pop(s);
        rc = ws_write_msg(wsi, m);
        eio_msg_unref(m);
        return rc;
    }
    buf = s->srv->wbuf;
    len = coalesce(s, buf + LWS_PRE, EIO_WBUF_SIZE);
    if (!len) { /* the next one is large: alone, without a copy */
        eio_msg *m = eiop_queue_pop(s);
        rc = ws_write_msg(wsi, m);
        eio_msg_unref(m);
        return rc;
    }
    rc = lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_RAW);
    return rc < (int)len ? -1 : 0;
}

int eiop_ws_writable(struct lws *wsi, struct pss *p)
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
    if (!s->q_len) {
        if (s->state == SS_CLOSING) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        return 0;
    }
    if (ws_write_queue(wsi, s))
        return -1;
    if (s->q_len || s->state == SS_CLOSING)
        lws_callback_on_writable(wsi);
    return 0;
}

void eiop_ws_closed(struct pss *p, struct lws *wsi)
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
        eiop_session_abort(
            s, s->state == SS_CLOSING ? s->reason : EIO_CLOSE_TRANSPORT_CLOSE,
            EIO_PKT_CLOSE);
    }
}

/* ---- the transport ops -----------------------------------------------------
 */

static void websocket_flush(eio_session *s)
{
    if (s->ws)
        lws_callback_on_writable(s->ws);
}

/* The session ends now: its websocket and a probing one are closed (on
 * their next writable). */
static void websocket_close(eio_session *s, char poll_reply)
{
    struct lws *ws[2] = {s->ws, s->probe_ws};

    (void)poll_reply;
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

const eio_transport eiop_websocket = {
    .kind = TR_WEBSOCKET,
    .name = "websocket",
    .flush = websocket_flush,
    .close = websocket_close,
    .upgrade = NULL,
};
