/* eio_app.c - plain HTTP requests outside the Engine.IO path, handed to
 * the application's http callback on the same port: the request (its
 * body read first, bounded), and responses with a body or a file. */
#include "eio_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct eio_http_req {
    struct lws *wsi;
    struct pss *p;
    eio_request *req; /* headers, query, remote address, method, path */
    bool answered;
};

const char *eio_http_method(const eio_http_req *r)
{
    return r->req->method;
}

const char *eio_http_path(const eio_http_req *r)
{
    return r->req->path;
}

const char *eio_http_header(const eio_http_req *r, const char *name)
{
    return eiop_request_find(r->req, name, true);
}

const char *eio_http_query(const eio_http_req *r, const char *name)
{
    return eiop_request_find(r->req, name, false);
}

const char *eio_http_remote_addr(const eio_http_req *r)
{
    return r->req->remote;
}

const uint8_t *eio_http_body(const eio_http_req *r, size_t *len)
{
    *len = r->p->rx_len;
    return r->p->rx ? r->p->rx : (const uint8_t *)"";
}

/* Packs name/value pairs as "name\0value\0..." for write_headers. */
static int pack_headers(struct pss *p, const char *const *h)
{
    size_t n = 0;
    char *o;

    for (size_t i = 0; h && h[i] && h[i + 1]; i += 2)
        n += strlen(h[i]) + strlen(h[i + 1]) + 2;
    if (!n)
        return 0;
    o = p->xhdr = malloc(n);
    if (!o)
        return EIO_ENOMEM;
    p->xhdr_len = n;
    for (size_t i = 0; h[i] && h[i + 1]; i += 2) {
        size_t a = strlen(h[i]) + 1, b = strlen(h[i + 1]) + 1;
        memcpy(o, h[i], a);
        memcpy(o + a, h[i + 1], b);
        o += a + b;
    }
    return 0;
}

int eio_http_respond(eio_http_req *r, int status, const char *content_type,
                     const void *body, size_t len, const char *const *headers)
{
    eio_msg *m = NULL;

    if (r->answered)
        return EIO_EINVAL;
    if (len && (!(m = eio_msg_new(len, false)) ||
                eio_msg_append(&m, body, len) != 0)) {
        eio_msg_unref(m);
        return EIO_ENOMEM;
    }
    if (pack_headers(r->p, headers) != 0) {
        eio_msg_unref(m);
        return EIO_ENOMEM;
    }
    r->answered = true;
    r->p->app = true;
    eiop_respond(r->wsi, r->p, status,
                 content_type ? content_type : "text/plain", m);
    return 0;
}

int eio_http_file(eio_http_req *r, const char *path, const char *content_type)
{
    struct stat st;
    const char *ct = content_type;

    if (r->answered || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return EIO_EINVAL;
    if (!ct)
        ct = lws_get_mimetype(path, NULL);
    r->answered = true;
    r->p->kind = PK_FILE;
    /* < 0: lws could not start it; the connection is dropped. */
    if (lws_serve_http_file(r->wsi, path, ct ? ct : "application/octet-stream",
                            NULL, 0) < 0)
        r->p->close_after = true;
    return 0;
}

/* Runs the application's callback; unanswered requests get 404/500. */
static void run_app(struct lws *wsi, struct pss *p)
{
    eio_server *srv = eiop_server_of(wsi);
    eio_http_req r = {wsi, p, eiop_request_capture(wsi, false), false};
    int rc;

    if (!r.req) {
        eiop_respond_text(wsi, p, 500, "text/plain", "Internal Server Error");
        return;
    }
    rc = srv->cb.http(&r, srv->ud);
    if (!r.answered)
        eiop_respond_text(wsi, p, rc ? 404 : 500, "text/plain",
                          rc ? "Not Found" : "Internal Server Error");
    free(r.req);
}

static bool has_body(struct lws *wsi)
{
    char cl[32];
    return lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
           lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) >
               0 &&
           strtoull(cl, NULL, 10) > 0;
}

int eiop_app_request(struct lws *wsi, struct pss *p)
{
    eio_server *srv = eiop_server_of(wsi);
    char cl[32];

    if (!srv->cb.http) {
        eiop_respond_text(wsi, p, 404, "text/plain", "Not Found");
        return 0;
    }
    p->kind = PK_APP_BODY;
    if (!has_body(wsi)) {
        run_app(wsi, p);
        return 0;
    }
    lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    if (strtoull(cl, NULL, 10) > srv->opts.http_max_body) {
        p->close_after = true;
        eiop_respond_text(wsi, p, 413, "text/plain", "Payload Too Large");
    }
    return 0; /* the body comes in HTTP_BODY callbacks */
}

int eiop_app_body_chunk(struct lws *wsi, struct pss *p, const void *in,
                        size_t len)
{
    eio_server *srv = eiop_server_of(wsi);

    if (p->kind != PK_APP_BODY)
        return 0; /* answered already (413) */
    if (p->rx_len + len > srv->opts.http_max_body) {
        p->close_after = true;
        eiop_respond_text(wsi, p, 413, "text/plain", "Payload Too Large");
        return 0;
    }
    return eiop_pss_append(p, in, len, srv->opts.http_max_body);
}

void eiop_app_body_done(struct lws *wsi, struct pss *p)
{
    if (p->kind == PK_APP_BODY)
        run_app(wsi, p);
}
