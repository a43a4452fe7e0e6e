/* chat - the multi-room chat of docs/examples.md ("chat"), built
 * from schemas/chat.sio. The page is examples/chat/www (served at /), the
 * official client bundle is served at /socket.io/socket.io.js.
 *
 *   chat [--host H] [--port N] [--www DIR] [--client-js FILE]
 *        [--tls-cert PEM --tls-key PEM] [--trusted-proxies LIST]
 *        [--recovery SECONDS] [--admin USER:PASSWORD]
 *
 * --admin opens namespace /admin to the Socket.IO admin UI (docs/admin.md).
 *
 * Prints one line "chat: listening on http://HOST:PORT/" when ready;
 * SIGINT/SIGTERM close every connection and exit 0. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.sio.h"
#include "sio_admin.h"

#define NAME_MAX_CHARS 32
#define ROOM_MAX_CHARS 64
#define TEXT_MAX_CHARS 1000
#define UPLOAD_MAX (1024 * 1024)
#define PING_TIMEOUT_MS 1000
#define MAX_ROOMS 256

static sio_server *volatile g_srv;

/* Unicode code points of a valid UTF-8 string (the decoder checked it). */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool only_space(const char *s)
{
    for (; *s; s++)
        if (!strchr(" \t\r\n\f\v", *s))
            return false;
    return true;
}

/* The socket's display name, kept as its data. */
static const char *name_of(sio_socket *s)
{
    const char *n = sio_socket_data(s);
    return n ? n : "?";
}

/* A refused event without an ack id: dropped, with one log line. */
static void refused(sio_ctx *ctx, const char *why)
{
    fprintf(stderr, "chat: sid %s event %s: refused: %s\n", sio_ctx_sid(ctx),
            sio_ctx_event(ctx), why);
}

int chat_on_connect(sio_ctx *ctx, json_t *name)
{
    const char *n = json_string_value(name);
    char *copy;

    if (!n || !chars(n) || chars(n) > NAME_MAX_CHARS || only_space(n) ||
        strlen(n) != json_string_length(name)) {
        sio_refuse(ctx, "name required", NULL);
        return 1;
    }
    if (!(copy = strdup(n))) {
        sio_refuse(ctx, "server error", NULL);
        return 1;
    }
    sio_socket_set_data(sio_ctx_socket(ctx), copy);
    return 0;
}

static bool room_ok(sio_ctx *ctx, const char *room, const char **why)
{
    size_t n = chars(room);

    *why = NULL;
    if (!n || n > ROOM_MAX_CHARS)
        *why = "room: 1 to 64 characters";
    else if (sio_namespace_socket(sio_socket_namespace(sio_ctx_socket(ctx)),
                                  room))
        *why = "invalid room"; /* a sid: that socket's private room */
    return !*why;
}

void chat_on_join(sio_ctx *ctx, const char *room, chat_join_ack *ack)
{
    sio_socket *s = sio_ctx_socket(ctx);
    const char *why;
    bool was_in;
    int rc;

    if (!room_ok(ctx, room, &why)) {
        if (ack)
            chat_join_ack_error(ack, why);
        else
            refused(ctx, why);
        return;
    }
    was_in = sio_in_room(s, room);
    if ((rc = sio_join(s, room)) != 0) {
        why = rc == SIO_ELIMIT ? "too many rooms" : "server error";
        if (ack)
            chat_join_ack_error(ack, why);
        else
            refused(ctx, why);
        return;
    }
    if (!was_in)
        chat_emit_joined(sio_to(sio_self(ctx), room), name_of(s), room);
    if (ack)
        chat_join_ack_send(
            ack, (int64_t)sio_room_size(sio_socket_namespace(s), room));
}

void chat_on_leave(sio_ctx *ctx, const char *room, chat_leave_ack *ack)
{
    sio_socket *s = sio_ctx_socket(ctx);

    if (sio_leave(s, room) != 0) {
        if (ack)
            chat_leave_ack_error(ack, "not in room");
        else
            refused(ctx, "not in room");
        return;
    }
    chat_emit_left(sio_to(sio_all(sio_socket_namespace(s)), room), name_of(s),
                   room);
    if (ack)
        chat_leave_ack_send(
            ack, (int64_t)sio_room_size(sio_socket_namespace(s), room));
}

void chat_on_say(sio_ctx *ctx, const char *room, const char *text,
                 chat_say_ack *ack)
{
    sio_socket *s = sio_ctx_socket(ctx);
    size_t n = chars(text);

    if (!sio_in_room(s, room) || strcmp(room, sio_socket_sid(s)) == 0) {
        if (ack)
            chat_say_ack_error(ack, "not in room");
        else
            refused(ctx, "not in room");
        return;
    }
    if (!n || n > TEXT_MAX_CHARS) {
        if (ack)
            chat_say_ack_error(ack, "text: 1 to 1000 characters");
        else
            refused(ctx, "text: 1 to 1000 characters");
        return;
    }
    /* Everyone in the room, the sender too, in the order accepted. */
    chat_emit_said(sio_to(sio_all(sio_socket_namespace(s)), room), name_of(s),
                   room, text);
    if (ack)
        chat_say_ack_send(ack, true);
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void chat_on_rooms(sio_ctx *ctx, chat_rooms_ack *ack)
{
    const char *names[MAX_ROOMS];
    sio_socket *s = sio_ctx_socket(ctx);
    size_t n = sio_socket_rooms(s, names, MAX_ROOMS);

    if (n > MAX_ROOMS)
        n = MAX_ROOMS;
    if (!ack)
        return;
    /* names[0] is the socket's own sid room. */
    qsort(names + 1, n - 1, sizeof names[0], by_bytes);
    chat_rooms_ack_send(ack, names + 1, n - 1);
}

void chat_on_upload(sio_ctx *ctx, const char *room, const char *name,
                    const uint8_t *data, size_t data_len, chat_upload_ack *ack)
{
    sio_socket *s = sio_ctx_socket(ctx);

    if (!sio_in_room(s, room) || strcmp(room, sio_socket_sid(s)) == 0) {
        if (ack)
            chat_upload_ack_error(ack, "not in room");
        else
            refused(ctx, "not in room");
        return;
    }
    if (data_len > UPLOAD_MAX) {
        if (ack)
            chat_upload_ack_error(ack, "data: over 1 MiB");
        else
            refused(ctx, "data: over 1 MiB");
        return;
    }
    chat_emit_file(sio_to(sio_self(ctx), room), name_of(s), room, name, data,
                   data_len);
    if (ack)
        chat_upload_ack_send(ack, (int64_t)data_len);
}

/* The client's answer to "ping" answers its "ping_me". */
static void on_ping_reply(sio_ctx *ctx, int status, int64_t answer, void *user)
{
    chat_ping_me_ack *ack = user;
    (void)ctx;
    if (status == 0)
        chat_ping_me_ack_send(ack, answer);
    else
        chat_ping_me_ack_error(ack, status == SIO_ETIMEOUT ? "timeout"
                                                           : "no answer");
}

void chat_on_ping_me(sio_ctx *ctx, int64_t n, chat_ping_me_ack *ack)
{
    if (!ack)
        return; /* nobody to answer */
    if (chat_emit_ping(sio_self(ctx), n, on_ping_reply, ack, PING_TIMEOUT_MS) !=
        0)
        chat_ping_me_ack_error(ack, "server error");
}

/* Before the rooms are left: tell each room's other members. */
static void on_disconnecting(sio_ctx *ctx, sio_reason why, void *ud)
{
    const char *names[MAX_ROOMS];
    sio_socket *s = sio_ctx_socket(ctx);
    size_t n = sio_socket_rooms(s, names, MAX_ROOMS);
    (void)why;
    (void)ud;

    for (size_t i = 1; i < n && i < MAX_ROOMS; i++)
        chat_emit_left(sio_to(sio_self(ctx), names[i]), name_of(s), names[i]);
}

static void on_disconnect(sio_ctx *ctx, sio_reason why, void *ud)
{
    sio_socket *s = sio_ctx_socket(ctx);
    (void)why;
    (void)ud;
    free(sio_socket_data(s));
    sio_socket_set_data(s, NULL);
}

/* ---- the process ------------------------------------------------------- */

typedef struct chat_opts {
    const char *host, *www, *client_js;
    const char *tls_cert, *tls_key; /* HTTPS and WSS when both are set */
    const char *proxies;            /* X-Forwarded-For believed from */
    const char *admin;              /* USER:PASSWORD, or NULL */
    int port;
    unsigned recovery_s; /* connection state recovery window, 0: off */
} chat_opts;

static void on_signal(int sig)
{
    (void)sig;
    if (g_srv)
        sio_server_stop(g_srv);
}

static int parse_args(int argc, char **argv, chat_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return -1;
        if (strcmp(a, "--host") == 0) {
            o->host = v;
        } else if (strcmp(a, "--www") == 0) {
            o->www = v;
        } else if (strcmp(a, "--client-js") == 0) {
            o->client_js = v;
        } else if (strcmp(a, "--tls-cert") == 0) {
            o->tls_cert = v;
        } else if (strcmp(a, "--tls-key") == 0) {
            o->tls_key = v;
        } else if (strcmp(a, "--trusted-proxies") == 0) {
            o->proxies = v;
        } else if (strcmp(a, "--admin") == 0) {
            if (!strchr(v, ':'))
                return -1;
            o->admin = v;
        } else if (strcmp(a, "--port") == 0) {
            char *end;
            long p;
            errno = 0;
            p = strtol(v, &end, 10);
            if (errno || *end || p < 0 || p > 65535)
                return -1;
            o->port = (int)p;
        } else if (strcmp(a, "--recovery") == 0) {
            char *end;
            long n;
            errno = 0;
            n = strtol(v, &end, 10);
            if (errno || end == v || *end || n < 1 || n > 86400)
                return -1;
            o->recovery_s = (unsigned)n;
        } else {
            return -1;
        }
        i++;
    }
    return 0;
}

/* The admin UI's namespace, for USER:PASSWORD. */
static int admin_attach(sio_server *srv, const char *spec)
{
    sio_admin_options ao;
    size_t ulen = strcspn(spec, ":");
    char *user = strndup(spec, ulen);
    int rc;

    if (!user)
        return SIO_ENOMEM;
    sio_admin_options_init(&ao);
    ao.username = user;
    ao.password = spec + ulen + 1;
    rc = sio_admin_attach(srv, &ao);
    free(user);
    return rc;
}

static sio_server *start(const chat_opts *co)
{
    sio_options o;
    sio_server *srv;

    sio_options_init(&o);
    o.eio.host = co->host;
    o.eio.port = co->port;
    o.eio.cors_origin = "*";
    o.eio.max_payload = 2097152;            /* 1 MiB uploads fit, with base64 */
    o.max_rooms_per_socket = MAX_ROOMS - 1; /* what the room lists hold */
    o.eio.tls_cert = co->tls_cert;
    o.eio.tls_key = co->tls_key;
    o.eio.trusted_proxies = co->proxies;
    o.recovery_ms = co->recovery_s * 1000u;
    srv = sio_server_new(&o);
    if (!srv)
        return NULL;
    if (chat_register(srv) != 0 ||
        sio_namespace_on_disconnecting(sio_server_of(srv, "/"),
                                       on_disconnecting, NULL) != 0 ||
        sio_namespace_on_disconnect(sio_server_of(srv, "/"), on_disconnect,
                                    NULL) != 0 ||
        sio_http_static(srv, "/", co->www) != 0 ||
        sio_http_file(srv, "/socket.io/socket.io.js", co->client_js,
                      "application/javascript") != 0 ||
        (co->admin && admin_attach(srv, co->admin) != 0)) {
        fprintf(stderr, "chat: cannot set up (is --www %s a directory?)\n",
                co->www);
        sio_server_free(srv);
        return NULL;
    }
    return srv;
}

int main(int argc, char **argv)
{
    chat_opts co = {.host = "127.0.0.1",
                    .www = "examples/chat/www",
                    .client_js = "build/chat/socket.io.js",
                    .port = 8080};
    struct sigaction sa;
    sio_server *srv;

    if (parse_args(argc, argv, &co) != 0) {
        fprintf(stderr,
                "usage: %s [--host H] [--port N] [--www DIR] "
                "[--client-js FILE] [--tls-cert PEM --tls-key PEM] "
                "[--trusted-proxies LIST] [--recovery SECONDS] "
                "[--admin USER:PASSWORD]\n",
                argv[0]);
        return 1;
    }
    if (!(srv = start(&co)))
        return 1;
    g_srv = srv;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("chat: listening on %s://%s:%d/\n",
           eio_server_tls(sio_server_engine(srv)) ? "https" : "http", co.host,
           sio_server_port(srv));
    fflush(stdout);
    sio_server_run(srv);
    g_srv = NULL;
    sio_server_free(srv);
    fprintf(stderr, "chat: stopped\n");
    return 0;
}
