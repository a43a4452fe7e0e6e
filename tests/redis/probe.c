/* probe - a sioc server in a Redis cluster whose clients drive the
 * cluster operations of sio_redis.h (event "op"), for tests/redis.
 *   probe [--host H] [--port N] --redis URL
 * Prints "probe: listening on http://127.0.0.1:PORT/". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sio.h"
#include "sio_redis.h"

static sio_server *volatile g_srv;

static void on_stop(int sig)
{
    (void)sig;
    if (g_srv)
        sio_server_stop(g_srv);
}

static void answer(int status, json_t *result, void *ud)
{
    sio_ack_send(ud, json_pack("[{siso?}]", "status", status, "result",
                               json_incref(result)));
}

static sio_target target_of(sio_namespace *ns, json_t *op)
{
    const char *to = json_string_value(json_object_get(op, "to"));
    const char *ex = json_string_value(json_object_get(op, "except"));
    sio_target t = sio_all(ns);

    if (to)
        t = sio_to(t, to);
    if (ex)
        t = sio_except(t, ex);
    return t;
}

static int run_op(sio_namespace *ns, json_t *op, sio_pending_ack *a)
{
    const char *name = json_string_value(json_object_get(op, "op"));
    const char *room = json_string_value(json_object_get(op, "room"));
    json_t *args = json_object_get(op, "args");
    sio_target t = target_of(ns, op);
    int rc;

    if (!name)
        return SIO_EINVAL;
    if (!strcmp(name, "fetch"))
        return sio_redis_fetch_sockets(t, answer, a);
    if (!strcmp(name, "sockets"))
        return sio_redis_sockets(t, answer, a);
    if (!strcmp(name, "rooms"))
        return sio_redis_all_rooms(ns, answer, a);
    if (!strcmp(name, "count"))
        return sio_redis_server_count(ns, answer, a);
    if (!strcmp(name, "ssemit"))
        return sio_redis_server_side_emit(
            ns, json_string_value(json_object_get(op, "event")),
            json_incref(args), answer, a);
    if (!strcmp(name, "emitWithAck"))
        return sio_redis_emit_with_ack(
            t, json_string_value(json_object_get(op, "event")),
            json_incref(args),
            (unsigned)json_integer_value(json_object_get(op, "timeout")),
            answer, a);
    if (!strcmp(name, "join"))
        rc = sio_redis_sockets_join(t, room);
    else if (!strcmp(name, "leave"))
        rc = sio_redis_sockets_leave(t, room);
    else if (!strcmp(name, "disconnect"))
        rc = sio_redis_disconnect_sockets(
            t, json_is_true(json_object_get(op, "close")));
    else
        return SIO_EINVAL;
    if (rc == 0)
        answer(0, NULL, a);
    return rc;
}

static void on_op(sio_ctx *ctx, json_t *args, void *ud)
{
    sio_pending_ack *a = sio_ctx_take_ack(ctx);
    sio_namespace *ns = sio_socket_namespace(sio_ctx_socket(ctx));
    int rc;
    (void)ud;

    if (!a)
        return;
    rc = run_op(ns, json_array_get(args, 0), a);
    if (rc != 0)
        answer(rc, NULL, a);
}

static void on_join(sio_ctx *ctx, json_t *args, void *ud)
{
    (void)ud;
    sio_join(sio_ctx_socket(ctx), json_string_value(json_array_get(args, 0)));
    sio_ack(ctx, NULL);
}

static void on_server_event(sio_namespace *ns, const char *event, json_t *args,
                            sio_redis_reply *reply, void *ud)
{
    (void)ns;
    (void)ud;
    fprintf(stderr, "probe: server event %s\n", event);
    if (reply)
        sio_redis_reply_send(reply,
                             json_pack("{sssO}", "from", "sioc", "args", args));
}

/* socket.data for other servers: the auth the client sent. */
static json_t *socket_data(sio_socket *s, void *ud)
{
    json_t *h = sio_socket_handshake(s);
    json_t *d = json_pack("{sO*}", "auth", json_object_get(h, "auth"));
    (void)ud;
    json_decref(h);
    return d;
}

int main(int argc, char **argv)
{
    sio_redis_options ro;
    sio_options o;
    sio_redis *r;
    sio_namespace *ns;
    struct sigaction sa;

    const char *url = NULL;

    sio_options_init(&o);
    o.eio.host = "127.0.0.1";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port"))
            o.eio.port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--redis"))
            url = argv[i + 1];
    }
    if (!url) {
        fprintf(stderr, "usage: probe [--port N] --redis URL\n");
        return 1;
    }
    if (!(g_srv = sio_server_new(&o)))
        return 1;
    ns = sio_server_of(g_srv, "/");
    sio_namespace_on(ns, "op", on_op, NULL);
    sio_namespace_on(ns, "join", on_join, NULL);
    sio_redis_options_init(&ro);
    ro.url = url;
    ro.requests_timeout_ms = 3000;
    if (!(r = sio_redis_new(g_srv, &ro)))
        return 1;
    sio_redis_on_server_event(r, on_server_event, NULL);
    sio_redis_on_socket_data(r, socket_data, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("probe: listening on http://127.0.0.1:%d/\n",
           sio_server_port(g_srv));
    fflush(stdout);
    sio_server_run(g_srv);
    sio_redis_free(r);
    sio_server_free(g_srv);
    return 0;
}
