/* eio_http.c - the HTTP side of Engine.IO: long-polling GET and POST,
 * handshake checks with the reference server's error codes, CORS.
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

eio_server *eiop_server_of(struct lws *wsi)
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

/* Prepares a response on an HTTP wsi; it is written when writable. */
void eiop_respond(struct lws *wsi, struct pss *p, int status, const char *ctype,
                  eio_msg *body)
{
    p->kind = PK_REPLY;
    p->status = status;
    p->ctype = ctype;
    eio_msg_unref(p->body);
    p->body = body;
    p->phase = 0;
    lws_callback_on_writable(wsi);
}

void eiop_respond_text(struct lws *wsi, struct pss *p, int status,
                       const char *ctype, const char *text)
{
    eio_msg *m = eio_msg_new(strlen(text), false);
    if (m && eio_msg_append(&m, text, strlen(text)) != 0) {
        eio_msg_unref(m);
        m = NULL;
    }
    eiop_respond(wsi, p, status, ctype, m);
}

static void respond_error(struct lws *wsi, struct pss *p, int code)
{
    char body[96];
    snprintf(body, sizeof body, "{\"code\":%d,\"message\":\"%s\"}", code,
             error_messages[code]);
    eiop_respond_text(wsi, p, code == ERR_FORBIDDEN ? 403 : 400,
                      "application/json", body);
}

static int add_header(struct lws *wsi, const char *name, const char *value,
                      unsigned char **pp, unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value,
                                       (int)strlen(value), pp, end);
}

/* Is this request's Origin in the cors_origin list? */
static bool origin_allowed(const eio_server *srv, const char *origin)
{
    const char *list = srv->opts.cors_origin, *p;
    size_t n = strlen(origin);

    if (!list)
        return false;
    for (p = list; *p;) {
        size_t len = strcspn(p, ","), skip = strspn(p, " \t");
        const char *name = p + skip; /* skip <= len: blanks are not ',' */
        size_t nlen = len - skip;
        /* "a , b": blanks on either side of a name are not part of it */
        while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
            nlen--;
        if (nlen == n && strncmp(name, origin, n) == 0)
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
    eio_server *srv = eiop_server_of(wsi);
    bool any = srv->opts.cors_origin && strcmp(srv->opts.cors_origin, "*") == 0;

    /* "*" is any origin and so never with credentials: a page of any site
     * must not make requests with the user's cookies. Credentials go
     * only to the origins a list names, echoed one at a time. */
    if (any) {
        if (add_header(wsi, "access-control-allow-origin:", "*", pp, end))
            return -1;
    } else if (!p->origin || !origin_allowed(srv, p->origin)) {
        return 0;
    } else if (add_header(wsi, "access-control-allow-origin:", p->origin, pp,
                          end) ||
               add_header(wsi, "access-control-allow-credentials:", "true", pp,
                          end) ||
               add_header(wsi, "vary:", "Origin", pp, end)) {
        return -1;
    }
    if (p->preflight) {
        if (add_header(wsi, "access-control-allow-methods:",
                       "GET, POST, OPTIONS", pp, end) ||
            add_header(wsi, "access-control-max-age:", "86400", pp, end))
            return -1;
        if (p->acrh &&
            add_header(wsi, "access-control-allow-headers:", p->acrh, pp, end))
            return -1;
    }
    return 0;
}

static int add_app_headers(struct lws *wsi, struct pss *p, unsigned char **pp,
                           unsigned char *end)
{
    char name[128];

    for (const char *h = p->xhdr; h && h < p->xhdr + p->xhdr_len;) {
        const char *v = h + strlen(h) + 1;
        /* lws wants "name:" */
        snprintf(name, sizeof name, "%s:", h);
        if (add_header(wsi, name, v, pp, end))
            return -1;
        h = v + strlen(v) + 1;
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
        add_cors(wsi, p, &pp, end) || add_app_headers(wsi, p, &pp, end) ||
        (!p->app && add_header(wsi, "cache-control:", "no-store", &pp, end)))
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
    eiop_pss_release(p);
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
    if (lws_write(wsi, eiop_msg_frame(p->body), len, LWS_WRITE_HTTP_FINAL) !=
        (int)len)
        return -1;
    return finish_http(wsi, p);
}

static int payload_packet(const eio_packet *pk, void *ud)
{
    return eiop_session_packet(ud, pk);
}

/* The held poll became writable: answer it with the queue (or a noop
 * while an upgrade is in progress). */
static int poll_writable(struct lws *wsi, struct pss *p)
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
    return write_response(wsi, p);
}

static void handle_poll_get(struct lws *wsi, struct pss *p, eio_session *s)
{
    if (s->poll_wsi) {
        /* A second GET while one is pending breaks the protocol: the
         * pending one gets a close packet, this one an error. */
        LOGF(s->srv, EIO_LOG_INFO, "eio %s: duplicate poll", s->sid);
        respond_error(wsi, p, ERR_BAD_REQUEST);
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

void eiop_post_body_done(struct lws *wsi, struct pss *p)
{
    eio_server *srv = eiop_server_of(wsi);
    eio_session *s = map_get(&srv->sessions, p->sid, strlen(p->sid));
    eio_perror err = {0};
    char sample[LOG_SAMPLE_MAX];

    if (!s || s->state == SS_DEAD) {
        respond_error(wsi, p, ERR_UNKNOWN_SID);
        return;
    }
    /* The decoder validates the whole body before the first callback, so
     * a bad payload dispatches nothing. */
    eiop_respond_text(wsi, p, 200, "text/html", "ok");
    if (eio_payload_decode(p->rx, p->rx_len, p->rx_len + 1, payload_packet, s,
                           &err) != 0 &&
        err.msg[0]) {
        LOGF(srv, EIO_LOG_INFO, "eio %s: bad payload at %zu: %s: \"%s\"",
             s->sid, err.offset, err.msg, log_sample(p->rx, p->rx_len, sample));
        respond_error(wsi, p, ERR_BAD_REQUEST);
        eiop_session_abort(s, EIO_CLOSE_PARSE_ERROR, EIO_PKT_CLOSE);
    }
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
    if (copy_hdr(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, cl, sizeof cl) == 0 &&
        strtoull(cl, NULL, 10) > srv->opts.max_payload) {
        LOGF(srv, EIO_LOG_INFO, "eio %s: POST of %s bytes over maxPayload",
             s->sid, cl);
        p->close_after = true;
        eiop_respond_text(wsi, p, 413, "text/plain", "Payload Too Large");
        eiop_session_abort(s, EIO_CLOSE_TOO_LARGE, EIO_PKT_CLOSE);
    }
}

/* Checks the query of an Engine.IO request: -1 ok, else an error code.
 * *sout is the session named by sid (NULL: a handshake). */
int eiop_verify_request(struct lws *wsi, enum req_kind kind, bool is_get,
                        eio_session **sout)
{
    eio_server *srv = eiop_server_of(wsi);
    /* lws copies each "name=value" fragment whole while searching, and
     * stops at one that does not fit: size for the longest we accept. */
    char tb[512], eb[512], sb[512];
    const char *tr = query_arg(wsi, "transport", tb, sizeof tb);
    const char *eio = query_arg(wsi, "EIO", eb, sizeof eb);
    const char *sid = query_arg(wsi, "sid", sb, sizeof sb);
    bool want_ws = kind == REQ_WEBSOCKET;

    *sout = NULL;
    if (!tr || (strcmp(tr, "websocket") != 0 && strcmp(tr, "polling") != 0) ||
        !(strcmp(tr, "websocket") == 0 ? srv->opts.websocket
                                       : srv->opts.polling))
        return ERR_TRANSPORT_UNKNOWN;
    /* A known transport on the wrong kind of request (a websocket
     * without the upgrade, or the reverse). */
    if (strcmp(tr, want_ws ? "websocket" : "polling") != 0)
        return ERR_BAD_REQUEST;
    if (sid) {
        eio_session *s = map_get(&srv->sessions, sid, strlen(sid));
        if (!s || s->state == SS_DEAD)
            return ERR_UNKNOWN_SID;
        /* After an upgrade the polling transport is gone. A websocket
         * that cannot upgrade this session is accepted and closed at
         * once (eiop_ws_established), as the reference server does. */
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

bool eiop_path_matches(const eio_server *srv, const char *uri, int len)
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
    char v[256];

    p->conn_close = wants_close(wsi);
    /* Kept off the pss: websockets, the many idle ones, never need them. */
    if (copy_hdr(wsi, WSI_TOKEN_ORIGIN, v, sizeof v) == 0 && v[0])
        p->origin = strdup(v);
    if (copy_hdr(wsi, WSI_TOKEN_HTTP_AC_REQUEST_HEADERS, v, sizeof v) == 0 &&
        v[0])
        p->acrh = strdup(v);
}

int eiop_http_request(struct lws *wsi, struct pss *p)
{
    eio_server *srv = eiop_server_of(wsi);
    char *uri;
    int ulen, meth = lws_http_get_uri_and_method(wsi, &uri, &ulen), code;
    eio_session *s;

    eiop_pss_release(p);
    capture_cors_request(wsi, p);
    if (meth < 0) {
        eiop_respond_text(wsi, p, 400, "text/plain", "Bad Request");
        return 0;
    }
    if (!eiop_path_matches(srv, uri, ulen))
        return eiop_app_request(wsi, p);
    if (meth == LWSHUMETH_OPTIONS) {
        p->preflight = true;
        eiop_respond(wsi, p, 204, "text/plain", NULL);
        return 0;
    }
    code = eiop_verify_request(wsi, REQ_POLLING, meth == LWSHUMETH_GET, &s);
    if (code >= 0) {
        LOGF(srv, EIO_LOG_DEBUG, "eio: refused request: %s",
             error_messages[code]);
        respond_error(wsi, p, code);
        return 0;
    }
    if (!s) {
        s = eiop_session_new(srv, wsi, TR_POLLING);
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
        respond_error(wsi, p, ERR_BAD_REQUEST);
    }
    return 0;
}

void eiop_http_closed(struct pss *p, struct lws *wsi)
{
    if (p->kind == PK_POLL && p->s && p->s->poll_wsi == wsi)
        p->s->poll_wsi = NULL;
    p->s = NULL;
    eiop_pss_release(p);
}

int eiop_http_writable(struct lws *wsi, struct pss *p)
{
    if (p->kind == PK_POLL && p->s)
        return poll_writable(wsi, p);
    if (p->kind == PK_REPLY)
        return write_response(wsi, p);
    return 0;
}

void eiop_pss_release(struct pss *p)
{
    eio_msg_unref(p->body);
    p->body = NULL;
    free(p->rx);
    p->rx = NULL;
    p->rx_len = p->rx_cap = 0;
    p->kind = PK_NONE;
    p->phase = 0;
    p->close_after = p->preflight = p->conn_close = p->app = false;
    free(p->xhdr);
    p->xhdr = NULL;
    free(p->origin);
    free(p->acrh);
    p->origin = p->acrh = NULL;
    p->xhdr_len = 0;
}

int eiop_pss_append(struct pss *p, const void *in, size_t len, size_t limit)
{
    if (p->rx_len + len > p->rx_cap) {
        size_t ncap = (p->rx_len + len) * 2;
        uint8_t *n;
        if (ncap > limit) /* the caller checked the total against limit */
            ncap = p->rx_len + len > limit ? p->rx_len + len : limit;
        if (!(n = realloc(p->rx, ncap)))
            return -1;
        p->rx = n;
        p->rx_cap = ncap;
    }
    memcpy(p->rx + p->rx_len, in, len);
    p->rx_len += len;
    return 0;
}
