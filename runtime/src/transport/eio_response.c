/* eio_response.c - the response writer of every plain HTTP request on
 * the port (Engine.IO polling, the application's, errors): status,
 * headers and CORS, then the body, keep-alive or close; and the
 * per-request state (struct pss) they share.
 *
 * A response is prepared (eiop_respond) and written when lws says the
 * wsi is writable, headers first, so a handler never blocks on a slow
 * client. */
#include "eio_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eio_packet.h"

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

static int add_header(struct lws *wsi, const char *name, const char *value,
                      unsigned char **pp, unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value,
                                       (int)strlen(value), pp, end);
}

bool eiop_origin_listed(const eio_server *srv, const char *origin)
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
    } else if (!p->origin || !eiop_origin_listed(srv, p->origin)) {
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

/* Room for the status line and the fixed headers, CORS ones included
 * (the echoed origin and requested headers are under 256 bytes each). */
#define FIXED_HEADERS_ROOM 2048

static int write_headers(struct lws *wsi, struct pss *p)
{
    /* Sized from the application's headers, not fixed: a session cookie
     * alone may be 4 kB, and a header that does not fit loses the whole
     * response. Each "name\0value\0" becomes "name: value\r\n". */
    size_t cap = LWS_PRE + FIXED_HEADERS_ROOM + p->xhdr_len * 2;
    unsigned char *buf = malloc(cap), *start, *pp, *end;
    size_t len = p->body ? eio_msg_len(p->body) : 0;
    int rc = -1;

    if (!buf)
        return -1;
    start = pp = buf + LWS_PRE;
    end = buf + cap - 1;
    if (lws_add_http_common_headers(wsi, (unsigned)p->status, p->ctype,
                                    (lws_filepos_t)len, &pp, end) ||
        add_cors(wsi, p, &pp, end) || add_app_headers(wsi, p, &pp, end) ||
        (!p->app && add_header(wsi, "cache-control:", "no-store", &pp, end)))
        goto out;
    if ((p->close_after || p->conn_close) &&
        add_header(wsi, "connection:", "close", &pp, end))
        goto out;
    rc = lws_finalize_write_http_header(wsi, start, &pp, end);
out:
    if (rc)
        LOGF(eiop_server_of(wsi), EIO_LOG_WARN,
             "eio: cannot write the headers of a %d response", p->status);
    free(buf);
    return rc;
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

int eiop_write_response(struct lws *wsi, struct pss *p)
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

/* lws closes after the response when the client asked for it, but does
 * not say so; a client reusing the socket then loses its next request. */
static bool wants_close(struct lws *wsi)
{
    char v[64];
    return eiop_hdr_copy(wsi, WSI_TOKEN_CONNECTION, v, sizeof v) == 0 &&
           strcasestr(v, "close") != NULL;
}

static void capture_cors_request(struct lws *wsi, struct pss *p)
{
    char v[256];

    p->conn_close = wants_close(wsi);
    /* Kept off the pss: websockets, the many idle ones, never need them. */
    if (eiop_hdr_copy(wsi, WSI_TOKEN_ORIGIN, v, sizeof v) == 0 && v[0])
        p->origin = strdup(v);
    if (eiop_hdr_copy(wsi, WSI_TOKEN_HTTP_AC_REQUEST_HEADERS, v, sizeof v) ==
            0 &&
        v[0])
        p->acrh = strdup(v);
}

/* lws frames a request body by Content-Length only: a chunked body would
 * go unread and a request hidden in it be answered as the next one
 * (request smuggling). So any Transfer-Encoding is refused, with the
 * connection closed: 400 beside a Content-Length (two framings), else 411.
 * Browsers and Engine.IO clients always send Content-Length. */
static bool refuse_transfer_encoding(struct lws *wsi, struct pss *p)
{
    bool cl = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;

    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) <= 0)
        return false;
    LOGF(eiop_server_of(wsi), EIO_LOG_INFO,
         "eio: request with Transfer-Encoding%s refused (%d)",
         cl ? " and Content-Length" : "", cl ? 400 : 411);
    p->close_after = true;
    if (cl)
        eiop_respond_text(wsi, p, 400, "text/plain", "Bad Request");
    else
        eiop_respond_text(wsi, p, 411, "text/plain", "Length Required");
    return true;
}

int eiop_http_begin(struct lws *wsi, struct pss *p, char **uri, int *ulen)
{
    int meth = lws_http_get_uri_and_method(wsi, uri, ulen);

    eiop_pss_release(p);
    capture_cors_request(wsi, p);
    if (meth < 0)
        eiop_respond_text(wsi, p, 400, "text/plain", "Bad Request");
    else if (refuse_transfer_encoding(wsi, p))
        return -1;
    return meth;
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

bool eio_server_origin_allowed(const eio_server *e, const char *origin,
                               const char *host)
{
    const char *h = origin ? strstr(origin, "://") : NULL;

    if (!e || !origin)
        return false;
    if (host && h && strcasecmp(h + 3, host) == 0)
        return true;
    return eiop_origin_listed(e, origin);
}

void eio_server_strict_origins(eio_server *e)
{
    if (e)
        e->strict_origins = true;
}
