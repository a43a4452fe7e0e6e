/* eio_polling.c - the long-polling transport: the held GET answered with
 * what is queued, POST bodies decoded into the session, and the ops the
 * session calls (flush, close).
 *
 * An HTTP request's state (struct pss) lives one request and points to
 * its session by pointer for a held poll (detached when either ends), by
 * sid for a POST, so a session that dies mid-request is simply not found. */
#include "eio_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eio_packet.h"
#include "log.h"

/* 1 stops the walk: the session ends or the client said close. */
static int payload_packet(const eio_packet *pk, void *ud)
{
    return eiop_session_packet(ud, pk) != 0 ? 1 : 0;
}

/* The held poll became writable: answer it with the queue (or a noop
 * while an upgrade is in progress). */
int eiop_poll_writable(struct lws *wsi, struct pss *p)
{
    eio_session *s = p->s;
    eio_msg *body;

    if (s->q_len) {
        body = eiop_drain_queue(s);
    } else if (s->state == SS_CLOSING) {
        /* The close packet goes alone, after the data: clients handle
         * a close at once but decoded packets a tick later. */
        eiop_session_abort(s, s->reason, EIO_PKT_CLOSE);
        return 0;
    } else if (s->upgrading) {
        body = eio_msg_text(EIO_PKT_NOOP, NULL, 0);
    } else {
        return 0; /* spurious */
    }
    s->poll_wsi = NULL;
    p->s = NULL;
    if (!body) {
        eiop_session_abort(s, EIO_CLOSE_TRANSPORT_ERROR, EIO_PKT_CLOSE);
        return -1;
    }
    eiop_respond(wsi, p, 200, "text/plain; charset=UTF-8", body);
    return eiop_write_response(wsi, p);
}

static void handle_poll_get(struct lws *wsi, struct pss *p, eio_session *s)
{
    if (s->poll_wsi) {
        /* A second GET while one is pending breaks the protocol: the
         * pending one gets a close packet, this one an error. */
        LOGF(s->srv, EIO_LOG_INFO, "eio %s: duplicate poll", s->sid);
        eiop_respond_error(wsi, p, ERR_BAD_REQUEST);
        eiop_session_abort(s, EIO_CLOSE_TRANSPORT_ERROR, EIO_PKT_CLOSE);
        return;
    }
    p->kind = PK_POLL;
    p->s = s;
    s->poll_wsi = wsi;
    /* A held poll may wait a whole ping interval: no lws timeout. */
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    eiop_session_flush(s);
}

void eiop_post_finish(eio_session *s)
{
    struct pss *p;

    eio_timer_stop(&s->rx_timer);
    free(s->rx);
    s->rx = NULL;
    s->rx_len = s->rx_off = 0;
    if (!s->post_wsi)
        return;
    p = lws_wsi_user(s->post_wsi);
    p->s = NULL;
    eiop_respond_text(s->post_wsi, p, 200, "text/html", "ok");
    s->post_wsi = NULL;
}

/* Hands out the next packets_per_turn packets of the body; the rest
 * waits a loop turn, so that one big POST cannot keep every other
 * client waiting. */
static void post_batch(eio_session *s)
{
    int rc =
        eiop_payload_walk(s->rx, s->rx_len, &s->rx_off,
                          s->srv->opts.packets_per_turn, payload_packet, s);

    if (rc == EIO_ENOMEM) {
        LOGF(s->srv, EIO_LOG_ERR, "eio %s: out of memory", s->sid);
        eiop_session_abort(s, EIO_CLOSE_TRANSPORT_ERROR, EIO_PKT_CLOSE);
    }
    if (rc != 0 || s->rx_off >= s->rx_len || s->state == SS_DEAD)
        eiop_post_finish(s);
    else
        eio_timer_start(&s->rx_timer, 0);
}

void eiop_post_next(eio_timer *t, void *ud)
{
    (void)t;
    post_batch(ud);
}

void eiop_post_body_done(struct lws *wsi, struct pss *p)
{
    eio_server *srv = eiop_server_of(wsi);
    eio_session *s = map_get(&srv->sessions, p->sid, strlen(p->sid));
    sio_error err = {0};
    char sample[LOG_SAMPLE_MAX];

    if (!s || s->state == SS_DEAD) {
        eiop_respond_error(wsi, p, ERR_UNKNOWN_SID);
        return;
    }
    if (s->rx) { /* clients wait for the answer before the next POST */
        LOGF(srv, EIO_LOG_INFO, "eio %s: overlapping POST", s->sid);
        eiop_respond_error(wsi, p, ERR_BAD_REQUEST);
        eiop_session_abort(s, EIO_CLOSE_PARSE_ERROR, EIO_PKT_CLOSE);
        return;
    }
    /* The whole body is checked before the first packet is handed out,
     * so a bad payload dispatches nothing. */
    if (eiop_payload_check(p->rx, p->rx_len, srv->opts.max_payload_packets,
                           &err) != 0) {
        LOGF(srv, EIO_LOG_INFO, "eio %s: bad payload at %zu: %s: \"%s\"",
             s->sid, err.offset, err.text,
             log_sample(p->rx, p->rx_len, sample));
        eiop_respond_error(wsi, p, ERR_BAD_REQUEST);
        eiop_session_abort(s, EIO_CLOSE_PARSE_ERROR, EIO_PKT_CLOSE);
        return;
    }
    s->rx = p->rx; /* the session's now; the POST is answered at the end */
    s->rx_len = p->rx_len;
    s->rx_off = 0;
    p->rx = NULL;
    p->rx_len = p->rx_cap = 0;
    p->s = s;
    s->post_wsi = wsi;
    post_batch(s);
}

int eiop_post_body_chunk(struct lws *wsi, struct pss *p, const void *in,
                         size_t len)
{
    eio_server *srv = eiop_server_of(wsi);

    if (p->kind != PK_POST)
        return 0; /* already answered (e.g. 413); discard */
    if (p->rx_len + len > srv->opts.max_payload) {
        eio_session *s = map_get(&srv->sessions, p->sid, strlen(p->sid));
        LOGF(srv, EIO_LOG_INFO, "eio %s: POST body over maxPayload (%zu)",
             p->sid, srv->opts.max_payload);
        if (s)
            eiop_session_abort(s, EIO_CLOSE_TOO_LARGE, EIO_PKT_CLOSE);
        p->close_after = true;
        eiop_respond_text(wsi, p, 413, "text/plain", "Payload Too Large");
        return 0;
    }
    return eiop_pss_append(p, in, len, srv->opts.max_payload);
}

static void handle_post_start(struct lws *wsi, struct pss *p, eio_session *s)
{
    eio_server *srv = eiop_server_of(wsi);
    char cl[32];

    p->kind = PK_POST;
    snprintf(p->sid, sizeof p->sid, "%s", s->sid);
    if (eiop_hdr_copy(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, cl, sizeof cl) == 0 &&
        strtoull(cl, NULL, 10) > srv->opts.max_payload) {
        LOGF(srv, EIO_LOG_INFO, "eio %s: POST of %s bytes over maxPayload",
             s->sid, cl);
        p->close_after = true;
        eiop_respond_text(wsi, p, 413, "text/plain", "Payload Too Large");
        eiop_session_abort(s, EIO_CLOSE_TOO_LARGE, EIO_PKT_CLOSE);
    }
}

int eiop_polling_request(struct lws *wsi, struct pss *p, int meth)
{
    eio_server *srv = eiop_server_of(wsi);
    eio_session *s;
    int code;

    if (meth == LWSHUMETH_OPTIONS) {
        p->preflight = true;
        eiop_respond(wsi, p, 204, "text/plain", NULL);
        return 0;
    }
    code = eiop_verify_request(wsi, REQ_POLLING, meth == LWSHUMETH_GET, &s);
    if (code >= 0) {
        LOGF(srv, EIO_LOG_DEBUG, "eio: refused request: %s",
             eiop_error_message(code));
        eiop_respond_error(wsi, p, code);
        return 0;
    }
    if (!s) {
        s = eiop_session_new(srv, wsi, &eiop_polling);
        if (!s) {
            eiop_respond_text(wsi, p, 500, "text/plain",
                              "Internal Server Error");
            return 0;
        }
        handle_poll_get(wsi, p, s);
    } else if (meth == LWSHUMETH_GET) {
        handle_poll_get(wsi, p, s);
    } else if (meth == LWSHUMETH_POST) {
        handle_post_start(wsi, p, s);
    } else {
        eiop_respond_error(wsi, p, ERR_BAD_REQUEST);
    }
    return 0;
}

void eiop_poll_closed(struct pss *p, struct lws *wsi)
{
    if (p->kind == PK_POLL && p->s && p->s->poll_wsi == wsi)
        p->s->poll_wsi = NULL;
    if (p->kind == PK_POST && p->s && p->s->post_wsi == wsi)
        p->s->post_wsi = NULL; /* the body is still handed out */
    p->s = NULL;
    eiop_pss_release(p);
}

/* ---- the transport ops -----------------------------------------------------
 */

/* A held poll is answered when there is something to say: data, the
 * close, or a noop that lets an upgrade proceed. */
static void polling_flush(eio_session *s)
{
    if (s->poll_wsi && (s->q_len || s->upgrading || s->state == SS_CLOSING))
        lws_callback_on_writable(s->poll_wsi);
}

/* The session ends now: a held poll gets poll_reply as its answer. */
static void polling_close(eio_session *s, char poll_reply)
{
    struct pss *p;
    char reply[2] = {poll_reply, 0};

    if (!s->poll_wsi)
        return;
    p = lws_wsi_user(s->poll_wsi);
    p->s = NULL;
    eiop_respond_text(s->poll_wsi, p, 200, "text/plain; charset=UTF-8", reply);
    s->poll_wsi = NULL;
}

const eio_transport eiop_polling = {
    .kind = TR_POLLING,
    .name = "polling",
    .flush = polling_flush,
    .close = polling_close,
    .upgrade = &eiop_websocket,
};
