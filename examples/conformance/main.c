/* conformance - the server the official Socket.IO and Engine.IO protocol
 * test suites expect (see docs/examples.md, "conformance").
 *
 * Socket.IO mode (default), path /socket.io/, built from
 * schemas/conformance.sio:
 *   "/" and "/custom": on connect, emit "auth" with the CONNECT payload;
 *   "/": "message" -> "message-back" with the same arguments,
 *        "message-with-ack" -> ack with the same arguments,
 *        any other event -> error ack "unknown event".
 * Engine.IO mode (--engine-io), path /engine.io/: every message is sent
 * back as is, text or binary.
 *
 * The command line, the start line "conformance: listening on
 * http://HOST:PORT/" and SIGINT/SIGTERM are sio_app.h's, with the
 * defaults the suites expect and one option more, --engine-io. */
#include <stdio.h>

#include "conformance.sio.h"
#include "eio.h"
#include "sio_app.h"

/* ---- Socket.IO mode ----------------------------------------------------
 * The handlers conformance.sio declares; sioc generated their prototypes
 * and the dispatch that calls them. */

int conformance_on_connect(sio_ctx *ctx)
{
    /* The CONNECT payload, as sent ({} when none). */
    if (conformance_emit_auth(conformance_self(ctx), sio_ctx_auth(ctx)))
        fprintf(stderr, "conformance: could not emit auth to %s\n",
                sio_ctx_sid(ctx));
    return 0;
}

int conformance_custom_on_connect(sio_ctx *ctx)
{
    if (conformance_custom_emit_auth(conformance_custom_self(ctx),
                                     sio_ctx_auth(ctx)))
        fprintf(stderr, "conformance: could not emit auth to %s\n",
                sio_ctx_sid(ctx));
    return 0;
}

/* "message": "message-back" with the same arguments, binary included. */
void conformance_on_message(sio_ctx *ctx, json_t *rest)
{
    if (conformance_emit_message_back(conformance_self(ctx), rest))
        fprintf(stderr, "conformance: could not emit message-back to %s\n",
                sio_ctx_sid(ctx));
}

/* "message-with-ack": acked with the same arguments. */
void conformance_on_message_with_ack(sio_ctx *ctx, json_t *rest,
                                     conformance_message_with_ack_ack ack)
{
    if (conformance_message_with_ack_ack_send(ack, rest))
        fprintf(stderr, "conformance: could not ack %s\n", sio_ctx_sid(ctx));
}

/* Events the schema does not declare: refused, with an error ack. */
void conformance_on_any(sio_ctx *ctx, const char *event, json_t *args)
{
    (void)args;
    fprintf(stderr, "conformance: %s: unknown event \"%s\"\n", sio_ctx_sid(ctx),
            event);
    if (sio_ctx_wants_ack(ctx))
        (void)sio_ack_error(ctx, "unknown event");
}

/* ---- Engine.IO mode ---------------------------------------------------- */

static void eio_on_message(eio_session *s, const uint8_t *data, size_t len,
                           bool binary, void *ud)
{
    (void)ud;
    eio_msg *m;
    if (binary) {
        m = eio_msg_new(len, true);
        if (m && eio_msg_append(&m, data, len)) {
            eio_msg_unref(m);
            m = NULL;
        }
    } else {
        m = eio_msg_text('4', data, len);
    }
    if (!m) {
        fprintf(stderr, "conformance: out of memory, closing %s\n",
                eio_session_id(s));
        eio_session_close(s);
        return;
    }
    (void)eio_session_send(s, m); /* on failure the session is closing */
    eio_msg_unref(m);
}

static void stop_engine(void *srv)
{
    eio_server_stop(srv);
}

/* The standard options' Engine.IO part, on /engine.io/. */
static int run_engineio(const eio_options *o)
{
    eio_options eo = *o;
    eio_callbacks cb = {.message = eio_on_message};
    sio_app_signals *sig;
    eio_server *srv;

    eo.path = "/engine.io/";
    if (!(srv = eio_server_new(&eo, &cb, NULL))) {
        fprintf(stderr, "conformance: cannot listen on %s:%d\n", eo.host,
                eo.port);
        return 1;
    }
    if (!(sig = sio_app_signals_start(stop_engine, srv))) {
        eio_server_free(srv);
        return 1;
    }
    printf("conformance: listening on %s://%s:%d/\n",
           eio_server_tls(srv) ? "https" : "http", eo.host,
           eio_server_port(srv));
    fflush(stdout);
    eio_server_run(srv);
    sio_app_signals_end(sig);
    eio_server_free(srv);
    fprintf(stderr, "conformance: stopped\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *engine_io = NULL;
    const sio_app_option extra[] = {
        {"engine-io", NULL, "raw Engine.IO echo server on /engine.io/",
         &engine_io},
        {NULL, NULL, NULL, NULL},
    };
    sio_app app = {
        .name = "conformance", .setup = conformance_register, .extra = extra};
    sio_options o;
    int rc;

    /* What the official test suites expect. */
    sio_options_init(&o);
    o.eio.port = 3000;
    o.eio.ping_interval_ms = 300;
    o.eio.ping_timeout_ms = 200;
    o.eio.cors_origin = "*";
    o.connect_timeout_ms = 1000;
    if ((rc = sio_app_parse(&app, argc, argv, &o)) != 0)
        return rc > 0 ? 0 : 1;
    return engine_io ? run_engineio(&o.eio) : sio_app_serve(&app, &o);
}
