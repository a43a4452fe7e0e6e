/* bench - the benchmark server (../shared/BENCH-PROTOCOL.md), built from
 * schemas/bench.sio: "echo" acks its string back, "join" adds the socket
 * to a room, "publish" sends "tick" to every member of a room and then
 * acks. Default port 3100.
 *
 * Rooms are kept here, in the application, until libsio has its own. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.sio.h"

typedef struct room {
    struct room *next;
    sio_socket **members; /* references */
    size_t n, cap;
    char name[];
} room;

typedef struct bench_app {
    room *rooms;
} bench_app;

static sio_server *volatile g_srv;

static room *room_find(bench_app *app, const char *name, bool create)
{
    room *r;
    size_t n;

    for (r = app->rooms; r; r = r->next)
        if (strcmp(r->name, name) == 0)
            return r;
    if (!create)
        return NULL;
    n = strlen(name) + 1;
    r = calloc(1, sizeof *r + n);
    if (!r)
        return NULL;
    memcpy(r->name, name, n);
    r->next = app->rooms;
    app->rooms = r;
    return r;
}

static bool room_has(const room *r, const sio_socket *s)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->members[i] == s)
            return true;
    return false;
}

static int room_add(room *r, sio_socket *s)
{
    if (room_has(r, s))
        return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        sio_socket **m = realloc(r->members, cap * sizeof *m);
        if (!m)
            return -1;
        r->members = m;
        r->cap = cap;
    }
    r->members[r->n++] = sio_socket_ref(s);
    return 0;
}

void bench_on_echo(sio_ctx *ctx, const char *p, bench_echo_ack *ack)
{
    (void)ctx;
    if (ack)
        bench_echo_ack_send(ack, p);
}

void bench_on_join(sio_ctx *ctx, const char *name, bench_join_ack *ack)
{
    bench_app *app = sio_ctx_app(ctx);
    room *r = room_find(app, name, true);

    if (!r || room_add(r, sio_ctx_socket(ctx)) != 0) {
        if (ack)
            bench_join_ack_error(ack, "out of memory");
        return;
    }
    if (ack)
        bench_join_ack_send(ack);
}

void bench_on_publish(sio_ctx *ctx, const char *name, const char *p,
                      bench_publish_ack *ack)
{
    room *r = room_find(sio_ctx_app(ctx), name, false);

    for (size_t i = 0; r && i < r->n; i++)
        (void)bench_emit_tick(sio_to_socket(r->members[i]), p);
    if (ack)
        bench_publish_ack_send(ack);
}

/* A socket that leaves is taken out of every room. */
static void on_disconnect(sio_ctx *ctx, sio_reason why, void *ud)
{
    bench_app *app = ud;
    sio_socket *s = sio_ctx_socket(ctx);
    (void)why;

    for (room *r = app->rooms; r; r = r->next) {
        for (size_t i = 0; i < r->n; i++) {
            if (r->members[i] == s) {
                r->members[i] = r->members[--r->n];
                sio_socket_unref(s);
                break;
            }
        }
    }
}

static void rooms_free(bench_app *app)
{
    while (app->rooms) {
        room *r = app->rooms;
        app->rooms = r->next;
        for (size_t i = 0; i < r->n; i++)
            sio_socket_unref(r->members[i]);
        free(r->members);
        free(r);
    }
}

static void on_signal(int sig)
{
    (void)sig;
    if (g_srv)
        sio_server_stop(g_srv);
}

static int parse_args(int argc, char **argv, sio_options *o)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
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
    bench_app app = {NULL};
    struct sigaction sa;
    sio_options o;
    sio_server *srv;

    sio_options_init(&o);
    o.eio.port = 3100;
    o.eio.cors_origin = "*";
    o.eio.log_level = EIO_LOG_WARN;
    if (parse_args(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: %s [--host H] [--port N]\n", argv[0]);
        return 1;
    }
    srv = sio_server_new(&o);
    if (!srv) {
        fprintf(stderr, "bench: cannot listen on %s:%d\n", o.eio.host,
                o.eio.port);
        return 1;
    }
    sio_server_set_app(srv, &app);
    if (bench_register(srv) != 0 ||
        sio_namespace_on_disconnect(sio_server_of(srv, "/"), on_disconnect,
                                    &app) != 0) {
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
    sio_server_free(srv);
    rooms_free(&app);
    fprintf(stderr, "bench: stopped\n");
    return 0;
}
