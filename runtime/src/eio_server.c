/* eio_server.c - the one lws protocol: both the HTTP long-polling
 * requests and the WebSocket connections of the Engine.IO path come
 * through this callback, which only routes to eio_http.c and eio_ws.c. */
#include "eio_internal.h"

static int callback(struct lws *wsi, enum lws_callback_reasons reason,
                    void *user, void *in, size_t len)
{
    struct pss *p = user;

    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return eiop_http_request(wsi, p);
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
        return eiop_http_writable(wsi, p);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (p)
            eiop_http_closed(p, wsi);
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

const struct lws_protocols eio_lws_protocols[] = {
    {"eio", callback, sizeof(struct pss), 2048, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};
