/* bench - the benchmark server (docs/bench.md), built from
 * schemas/bench.sio: "echo" acks its string back, "join" adds the socket
 * to a room, "publish" sends "tick" to every member of a room and then
 * acks. Default port 3100.
 *
 * --raw registers hand-written json_t handlers instead of the generated
 * typed ones, to measure what typed dispatch costs (same protocol).
 * --redis URL joins a cluster (sio_redis.h): rooms and ticks span the
 * processes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.sio.h"
#include "sio_redis.h"

static sio_server *volatile g_srv;

/* An answer or emit that could not be sent: one log line (a socket
 * that has gone is no news). */
static void unsent(int rc, const char *what)
{
    if (rc != 0 && rc != SIO_ECLOSED)
        fprintf(stderr, "bench: %s not sent: %s\n", what, sio_strerror(rc));
}

void bench_on_echo(sio_ctx *ctx, const char *p, bench_echo_ack *ack)
{
    (void)ctx;
    if (ack)
        unsent(bench_echo_ack_send(ack, p), "echo_ack_send");
}

void bench_on_join(sio_ctx *ctx, const char *room, bench_join_ack *ack)
{
    if (sio_join(sio_ctx_socket(ctx), room) != 0) {
        if (ack)
            unsent(bench_join_ack_error(ack, "server error"), "join_ack_error");
        return;
    }
    if (ack)
        unsent(bench_join_ack_send(ack), "join_ack_send");
}

/* Encoded once, queued for every member (the sender too, if in it). */
void bench_on_publish(sio_ctx *ctx, const char *room, const char *p,
                      bench_publish_ack *ack)
{
    sio_namespace *ns = sio_socket_namespace(sio_ctx_socket(ctx));

    unsent(bench_emit_tick(sio_to(sio_all(ns), room), p), "emit_tick");
    if (ack)
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

static void on_signal(int sig)
{
    (void)sig;
    if (g_srv)
        sio_server_stop(g_srv);
}

static const char *g_redis_url; /* --redis */

static int parse_args(int argc, char **argv, sio_options *o, bool *raw)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--raw") == 0) {
            *raw = true;
        } else if (strcmp(argv[i], "--reuse-port") == 0) {
            /* several processes on one port (docs/event-loop.md):
             * clients must come over WebSocket directly */
            o->eio.reuse_port = true;
            o->eio.polling = false;
        } else if (strcmp(argv[i], "--ping-interval") == 0 && i + 1 < argc) {
            char *end;
            unsigned long v;
            errno = 0;
            v = strtoul(argv[++i], &end, 10);
            if (errno || *end || v < 1 || v > 3600000)
                return -1;
            o->eio.ping_interval_ms = (unsigned)v;
        } else if (strcmp(argv[i], "--loop") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(v, "libev") == 0)
                o->eio.loop = EIO_LOOP_LIBEV;
            else if (strcmp(v, "poll") == 0)
                o->eio.loop = EIO_LOOP_POLL;
            else
                return -1;
        } else if (strcmp(argv[i], "--redis") == 0 && i + 1 < argc) {
            g_redis_url = argv[++i];
        } else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
            o->eio.host = argv[++i];
        } else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            char *end;
            long v;
            errno = 0;
            v = strtol(argv[++i], &end, 10);
            if (errno || *end || v < 0 || v > 65535)
                return -1;
            o->eio.port = (int)v;
        } else {
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    sio_options o;
    sio_server *srv;
    sio_redis *redis = NULL;
    sio_redis_options ro;
    bool raw = false;

    sio_options_init(&o);
    o.eio.port = 3100;
    o.eio.cors_origin = "*";
    o.eio.log_level = EIO_LOG_WARN;
    if (parse_args(argc, argv, &o, &raw) != 0) {
        fprintf(stderr,
                "usage: %s [--host H] [--port N] [--raw] [--reuse-port] "
                "[--loop libev|poll] [--ping-interval MS] [--redis URL]\n",
                argv[0]);
        return 1;
    }
    srv = sio_server_new(&o);
    if (!srv) {
        fprintf(stderr, "bench: cannot listen on %s:%d\n", o.eio.host,
                o.eio.port);
        return 1;
    }
    sio_redis_options_init(&ro);
    ro.url = g_redis_url;
    if ((raw ? register_raw(srv) : bench_register(srv)) != 0 ||
        (g_redis_url && !(redis = sio_redis_new(srv, &ro)))) {
        fprintf(stderr, "bench: cannot register handlers\n");
        sio_server_free(srv);
        return 1;
    }
    g_srv = srv;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("bench: listening on http://%s:%d/\n", o.eio.host,
           sio_server_port(srv));
    fflush(stdout);
    sio_server_run(srv);
    g_srv = NULL;
    sio_redis_free(redis);
    sio_server_free(srv);
    fprintf(stderr, "bench: stopped\n");
    return 0;
}
