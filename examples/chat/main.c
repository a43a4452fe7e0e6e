/* chat - the multi-room chat of docs/examples.md ("chat"), built
 * from schemas/chat.sio. The page is examples/chat/www (served at /), the
 * official client bundle is served at /socket.io/socket.io.js.
 *
 *   chat [--host H] [--port N] [--www DIR] [--client-js FILE]
 *        [--tls-cert PEM --tls-key PEM] [--trusted-proxies LIST]
 *        [--recovery SECONDS] [--admin USER:PASSWORD]
 *        [--redis redis://HOST:PORT]
 *
 * --admin opens namespace /admin to the Socket.IO admin UI (docs/admin.md).
 *
 * The command line (--admin and --redis are its own), the start and stop
 * lines and SIGINT/SIGTERM are sio_app.h's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.sio.h"
#include "sio_app.h"
#include "sio_admin.h"
#include "cluster.h"

#define NAME_MAX_CHARS 32
#define PING_TIMEOUT_MS 1000
#define MAX_ROOMS 256

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

/* Unicode code points of a valid UTF-8 string (the decoder checked it). */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
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

/* The decoder checked the length (1 to 64 characters). */
static bool room_ok(sio_ctx *ctx, const char *room, const char **why)
{
    *why = NULL;
    if (sio_namespace_socket(sio_socket_namespace(sio_ctx_socket(ctx)), room))
        *why = "invalid room"; /* a sid: that socket's private room */
    return !*why;
}

void chat_on_join(sio_ctx *ctx, const char *room, chat_join_ack ack)
{
    sio_socket *s = sio_ctx_socket(ctx);
    const char *why;
    bool was_in;
    int rc;

    if (!room_ok(ctx, room, &why)) {
        if (chat_join_ack_wanted(ack))
            sio_log_unsent(chat_join_ack_error(ack, why), "join_ack_error");
        else
            refused(ctx, why);
        return;
    }
    if (chat_cluster_on()) {
        chat_cluster_join(ctx, room, ack);
        return;
    }
    was_in = sio_in_room(s, room);
    if ((rc = sio_join(s, room)) != 0) {
        why = rc == SIO_ELIMIT ? "too many rooms" : "server error";
        if (chat_join_ack_wanted(ack))
            sio_log_unsent(chat_join_ack_error(ack, why), "join_ack_error");
        else
            refused(ctx, why);
        return;
    }
    if (!was_in)
        sio_log_unsent(
            chat_emit_joined(chat_target_of(sio_to(sio_self(ctx), room)),
                             name_of(s), room),
            "emit_joined");
    sio_log_unsent(chat_join_ack_send(ack, (int64_t)sio_room_size(
                                               sio_socket_namespace(s), room)),
                   "join_ack_send");
}

void chat_on_leave(sio_ctx *ctx, const char *room, chat_leave_ack ack)
{
    sio_socket *s = sio_ctx_socket(ctx);

    if (sio_leave(s, room) != 0) {
        if (chat_leave_ack_wanted(ack))
            sio_log_unsent(chat_leave_ack_error(ack, "not in room"),
                           "leave_ack_error");
        else
            refused(ctx, "not in room");
        return;
    }
    sio_log_unsent(chat_emit_left(chat_room(ctx, room), name_of(s), room),
                   "emit_left");
    if (chat_cluster_on())
        chat_cluster_leave(ctx, room, ack);
    else
        sio_log_unsent(
            chat_leave_ack_send(
                ack, (int64_t)sio_room_size(sio_socket_namespace(s), room)),
            "leave_ack_send");
}

void chat_on_say(sio_ctx *ctx, const char *room, const char *text,
                 chat_say_ack ack)
{
    sio_socket *s = sio_ctx_socket(ctx);

    /* The text's length (1 to 1000 characters) the decoder checked. */
    if (!sio_in_room(s, room) || strcmp(room, sio_socket_sid(s)) == 0) {
        if (chat_say_ack_wanted(ack))
            sio_log_unsent(chat_say_ack_error(ack, "not in room"),
                           "say_ack_error");
        else
            refused(ctx, "not in room");
        return;
    }
    /* Everyone in the room, the sender too, in the order accepted. */
    sio_log_unsent(chat_emit_said(chat_room(ctx, room), name_of(s), room, text),
                   "emit_said");
    sio_log_unsent(chat_say_ack_send(ack, true), "say_ack_send");
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void chat_on_rooms(sio_ctx *ctx, chat_rooms_ack ack)
{
    const char *names[MAX_ROOMS];
    sio_socket *s = sio_ctx_socket(ctx);
    size_t n = sio_socket_rooms(s, names, MAX_ROOMS);

    if (n > MAX_ROOMS)
        n = MAX_ROOMS;
    if (!chat_rooms_ack_wanted(ack))
        return;
    /* names[0] is the socket's own sid room. */
    qsort(names + 1, n - 1, sizeof names[0], by_bytes);
    sio_log_unsent(chat_rooms_ack_send(ack, names + 1, n - 1),
                   "rooms_ack_send");
}

void chat_on_upload(sio_ctx *ctx, const char *room, const char *name,
                    const uint8_t *data, size_t data_len, chat_upload_ack ack)
{
    sio_socket *s = sio_ctx_socket(ctx);

    if (!sio_in_room(s, room) || strcmp(room, sio_socket_sid(s)) == 0) {
        if (chat_upload_ack_wanted(ack))
            sio_log_unsent(chat_upload_ack_error(ack, "not in room"),
                           "upload_ack_error");
        else
            refused(ctx, "not in room");
        return;
    }
    sio_log_unsent(chat_emit_file(chat_target_of(sio_to(sio_self(ctx), room)),
                                  name_of(s), room, name, data, data_len),
                   "emit_file");
    sio_log_unsent(chat_upload_ack_send(ack, (int64_t)data_len),
                   "upload_ack_send");
}

/* The client's answer to "ping" answers its "ping_me". */
static void on_ping_reply(sio_ctx *ctx, int status, int64_t answer, void *user)
{
    chat_ping_me_ack *ack = user;
    (void)ctx;
    if (status == 0)
        sio_log_unsent(chat_ping_me_ack_send(*ack, answer), "ping_me_ack_send");
    else
        sio_log_unsent(chat_ping_me_ack_error(*ack, status == SIO_ETIMEOUT
                                                        ? "timeout"
                                                        : "no answer"),
                       "ping_me_ack_error");
    free(ack);
}

void chat_on_ping_me(sio_ctx *ctx, int64_t n, chat_ping_me_ack ack)
{
    chat_ping_me_ack *box;

    if (!chat_ping_me_ack_wanted(ack))
        return; /* nobody to answer */
    /* The handle outlives the handler: a copy for the reply callback. */
    if ((box = malloc(sizeof *box)))
        *box = ack;
    if (!box || chat_emit_ping(chat_self(ctx), n, on_ping_reply, box,
                               PING_TIMEOUT_MS) != 0) {
        free(box);
        sio_log_unsent(chat_ping_me_ack_error(ack, "server error"),
                       "ping_me_ack_error");
    }
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
        sio_log_unsent(
            chat_emit_left(chat_target_of(sio_to(sio_self(ctx), names[i])),
                           name_of(s), names[i]),
            "emit_left");
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
    const char *admin; /* USER:PASSWORD, or NULL */
    const char *redis; /* --redis URL: a cluster */
} chat_opts;

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

/* sio_app's setup: the handlers, the admin UI, the cluster. */
static int setup(sio_server *srv)
{
    const chat_opts *co = sio_server_app(srv);
    sio_namespace *root = sio_server_of(srv, "/");

    if (chat_register(srv) != 0 ||
        sio_namespace_on_disconnecting(root, on_disconnecting, NULL) != 0 ||
        sio_namespace_on_disconnect(root, on_disconnect, NULL) != 0 ||
        (co->admin && admin_attach(srv, co->admin) != 0) ||
        (co->redis && chat_cluster_start(srv, co->redis) != 0))
        return -1;
    return 0;
}

static void teardown(sio_server *srv)
{
    (void)srv;
    chat_cluster_stop();
}

int main(int argc, char **argv)
{
    chat_opts co = {0};
    const sio_app_option extra[] = {
        {"admin", "USER:PASSWORD", "open /admin to the Socket.IO admin UI",
         &co.admin},
        {"redis", "URL", "join a cluster through Redis (redis://HOST:PORT)",
         &co.redis},
        {NULL, NULL, NULL, NULL},
    };
    sio_app app = {.name = "chat",
                   .www = "examples/chat/www",
                   .setup = setup,
                   .teardown = teardown,
                   .data = &co,
                   .extra = extra};
    sio_options o;
    int rc;

    sio_options_init(&o);
    o.eio.port = 8080;
    o.eio.cors_origin = "*";
    o.eio.max_payload = 2097152;            /* 1 MiB uploads fit, with base64 */
    o.max_rooms_per_socket = MAX_ROOMS - 1; /* what the room lists hold */
    if ((rc = sio_app_parse(&app, argc, argv, &o)) != 0)
        return rc > 0 ? 0 : 1;
    if (co.admin && !strchr(co.admin, ':')) {
        fprintf(stderr, "chat: --admin: USER:PASSWORD\n");
        return 1;
    }
    return sio_app_serve(&app, &o);
}
