/* eio_lws.c - the one lws protocol: every HTTP request and WebSocket
 * connection on the port comes through this callback, which only routes:
 * to polling (eio_polling.c), WebSocket (eio_ws.c), the application's
 * requests (eio_app.c) and the response writer (eio_response.c). */
#include "eio_internal.h"

/* A plain HTTP request: Engine.IO's path goes to polling, anything else
 * to the application. */
static int http_request(struct lws *wsi, struct pss *p)
{
    char *uri;
    int ulen, meth = eiop_http_begin(wsi, p, &uri, &ulen);

    if (meth < 0)
        return 0; /* answered 400 */
    if (!eiop_path_matches(eiop_server_of(wsi), uri, ulen))
        return eiop_app_request(wsi, p);
    return eiop_polling_request(wsi, p, meth);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason,
                    void *user, void *in, size_t len)
{
    struct pss *p = user;

    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return http_request(wsi, p);
    case LWS_CALLBACK_HTTP_BODY:
        if (p->kind == PK_APP_BODY)
            return eiop_app_body_chunk(wsi, p, in, len);
        return eiop_post_body_chunk(wsi, p, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (p->kind == PK_POST)
            eiop_post_body_done(wsi, p);
        else if (p->kind == PK_APP_BODY)
            eiop_app_body_done(wsi, p);
        return 0;
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        eiop_pss_release(p);
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (p->kind == PK_POLL && p->s)
            return eiop_poll_writable(wsi, p);
        return p->kind == PK_REPLY ? eiop_write_response(wsi, p) : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (p)
            eiop_poll_closed(p, wsi);
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return eiop_ws_filter(wsi);
    case LWS_CALLBACK_ESTABLISHED:
        return eiop_ws_established(wsi, p);
    case LWS_CALLBACK_RECEIVE:
        return eiop_ws_receive(wsi, p, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return eiop_ws_writable(wsi, p);
    case LWS_CALLBACK_CLOSED:
        eiop_ws_closed(p, wsi);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        eiop_loop_wake(lws_context_user(lws_get_context(wsi)));
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

const struct lws_protocols eiop_lws_protocols[] = {
    {"eio", callback, sizeof(struct pss), 2048, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};
