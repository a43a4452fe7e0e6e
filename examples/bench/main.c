/* bench - the benchmark server (docs/bench.md), built from
 * schemas/bench.sio: "echo" acks its string back, "join" adds the socket
 * to a room, "publish" sends "tick" to every member of a room and then
 * acks. Default port 3100.
 *
 * --raw registers hand-written json_t handlers instead of the generated
 * typed ones, to measure what typed dispatch costs (same protocol).
 * --redis URL joins a cluster (sio_redis.h): rooms and ticks span the
 * processes; --loop libev|poll picks the event loop; --reuse-port
 * shares the port with other processes. The rest of the
 * command line, the start and stop lines and the signals are
 * sio_app.h's. */
#include <stdio.h>
#include <string.h>

#include "bench.sio.h"
#include "sio_app.h"
#include "sio_redis.h"

/* An answer or emit that could not be sent: one log line (a socket
 * that has gone is no news). */
static void unsent(int rc, const char *what)
{
    if (rc != 0 && rc != SIO_ECLOSED)
        fprintf(stderr, "bench: %s not sent: %s\n", what, sio_strerror(rc));
}

void bench_on_echo(sio_ctx *ctx, const char *p, bench_echo_ack ack)
{
    (void)ctx;
    unsent(bench_echo_ack_send(ack, p), "echo_ack_send");
}

void bench_on_join(sio_ctx *ctx, const char *room, bench_join_ack ack)
{
    if (sio_join(sio_ctx_socket(ctx), room) != 0)
        unsent(bench_join_ack_error(ack, "server error"), "join_ack_error");
    else
        unsent(bench_join_ack_send(ack), "join_ack_send");
}

/* Encoded once, queued for every member (the sender too, if in it). */
void bench_on_publish(sio_ctx *ctx, const char *room, const char *p,
                      bench_publish_ack ack)
{
    unsent(bench_emit_tick(bench_room(ctx, room), p), "emit_tick");
    unsent(bench_publish_ack_send(ack), "publish_ack_send");
}

/* ---- the same events with raw json_t handlers (--raw) ---------------- */

static void raw_echo(sio_ctx *ctx, json_t *args, void *ud)
{
    json_t *p = json_array_get(args, 0);
    (void)ud;
    if (json_array_size(args) != 1 || !json_is_string(p)) {
        sio_ack_error(ctx, "p: expected string");
        return;
    }
    sio_ack(ctx, json_pack("[O]", p));
}

static void raw_join(sio_ctx *ctx, json_t *args, void *ud)
{
    const char *room = json_string_value(json_array_get(args, 0));
    (void)ud;
    if (json_array_size(args) != 1 || !room) {
        sio_ack_error(ctx, "room: expected string");
        return;
    }
    if (sio_join(sio_ctx_socket(ctx), room) != 0) {
        sio_ack_error(ctx, "server error");
        return;
    }
    sio_ack(ctx, NULL);
}

static void raw_publish(sio_ctx *ctx, json_t *args, void *ud)
{
    const char *room = json_string_value(json_array_get(args, 0));
    json_t *p = json_array_get(args, 1);
    (void)ud;
    if (json_array_size(args) != 2 || !room || !json_is_string(p)) {
        sio_ack_error(ctx, "expected (room: string, p: string)");
        return;
    }
    sio_emit_to(
        sio_to(sio_all(sio_socket_namespace(sio_ctx_socket(ctx))), room),
        "tick", json_pack("[O]", p));
    sio_ack(ctx, NULL);
}

static int register_raw(sio_server *srv)
{
    sio_namespace *ns = sio_server_of(srv, "/");
    return sio_namespace_on(ns, "echo", raw_echo, NULL) ||
           sio_namespace_on(ns, "join", raw_join, NULL) ||
           sio_namespace_on(ns, "publish", raw_publish, NULL);
}

/* The program's own options, and the cluster it may join. */
typedef struct bench {
    const char *raw, *loop, *redis_url, *reuse_port;
    sio_redis *redis;
} bench;

/* sio_app's setup: the typed handlers, or with --raw the json_t ones;
 * with --redis, the cluster. */
static int setup(sio_server *srv)
{
    bench *b = sio_server_app(srv);
    sio_redis_options ro;

    if ((b->raw ? register_raw(srv) : bench_register(srv)) != 0)
        return -1;
    if (!b->redis_url)
        return 0;
    sio_redis_options_init(&ro);
    ro.url = b->redis_url;
    return (b->redis = sio_redis_new(srv, &ro)) ? 0 : -1;
}

static void teardown(sio_server *srv)
{
    bench *b = sio_server_app(srv);

    sio_redis_free(b->redis);
    b->redis = NULL;
}

int main(int argc, char **argv)
{
    bench b = {0};
    const sio_app_option extra[] = {
        {"raw", NULL, "json_t handlers instead of the typed ones", &b.raw},
        {"loop", "libev|poll", "the event loop (default libev)", &b.loop},
        {"redis", "URL", "join a cluster through Redis", &b.redis_url},
        {"reuse-port", NULL,
         "share the port with other processes "
         "(WebSocket only)",
         &b.reuse_port},
        {NULL, NULL, NULL, NULL},
    };
    sio_app app = {.name = "bench",
                   .setup = setup,
                   .teardown = teardown,
                   .data = &b,
                   .extra = extra};
    sio_options o;
    int rc;

    sio_options_init(&o);
    o.eio.port = 3100;
    o.eio.cors_origin = "*";
    o.eio.log_level = EIO_LOG_WARN;
    if ((rc = sio_app_parse(&app, argc, argv, &o)) != 0)
        return rc > 0 ? 0 : 1;
    /* Several processes on one port (docs/event-loop.md): clients must
     * come over WebSocket directly. */
    o.eio.reuse_port = b.reuse_port != NULL;
    o.eio.polling = !b.reuse_port;
    if (b.loop && strcmp(b.loop, "poll") == 0)
        o.eio.loop = EIO_LOOP_POLL;
    else if (b.loop && strcmp(b.loop, "libev") != 0) {
        fprintf(stderr, "bench: --loop: libev or poll\n");
        return 1;
    }
    return sio_app_serve(&app, &o);
}
