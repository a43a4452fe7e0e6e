/* cluster.c - the chat's --redis mode (cluster.h). A join asks every
 * server for the sockets of the room: the answer counts the members, and
 * a room that is a socket's sid anywhere is refused. Only a name shaped
 * like a sid can be one: other rooms are joined at once (so a say sent
 * right after the join finds the socket in the room, as without Redis)
 * and only the count waits. During a Redis outage the count is this
 * server's (the request ends at once). */
#include "cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sio_redis.h"

static sio_redis *g_redis; /* the process's one cluster connection */

/* socket.data as other servers see it: {"name"}, as a Node chat keeps. */
static json_t *socket_data(sio_socket *s, void *ud)
{
    const char *name = sio_socket_data(s);
    (void)ud;
    return name ? json_pack("{ss}", "name", name) : NULL;
}

int chat_cluster_start(sio_server *srv, const char *url)
{
    sio_redis_options o;

    sio_redis_options_init(&o);
    o.url = url;
    g_redis = sio_redis_new(srv, &o);
    if (g_redis)
        sio_redis_on_socket_data(g_redis, socket_data, NULL);
    return g_redis ? 0 : -1;
}

void chat_cluster_stop(void)
{
    sio_redis_free(g_redis);
    g_redis = NULL;
}

bool chat_cluster_on(void)
{
    return g_redis != NULL;
}

/* A join or leave waiting for the servers' answers. */
typedef struct pending {
    sio_socket *s; /* referenced */
    char *room;
    chat_join_ack join; /* empty handles when none */
    chat_leave_ack leave;
    bool joined; /* joined at once: only the count was awaited */
} pending;

/* Could room be a socket's sid (20 characters of base64url)? */
static bool sid_shaped(const char *room)
{
    static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
                                 "rstuvwxyz0123456789-_";
    return strlen(room) == 20 && strspn(room, b64url) == 20;
}

static bool has(json_t *sids, const char *sid)
{
    size_t i;
    json_t *v;

    json_array_foreach(sids, i, v) if (strcmp(json_string_value(v), sid) ==
                                       0) return true;
    return false;
}

static void pending_free(pending *p)
{
    sio_socket_unref(p->s);
    free(p->room);
    free(p);
}

/* The members of the room the servers reported, s counted once if in. */
static int64_t members(pending *p, json_t *sids)
{
    int64_t n = (int64_t)json_array_size(sids);
    bool in = sio_in_room(p->s, p->room);

    if (in && !has(sids, sio_socket_sid(p->s)))
        n++;
    if (!in && has(sids, sio_socket_sid(p->s)))
        n--;
    return n;
}

static void joined(int status, json_t *sids, void *ud)
{
    pending *p = ud;
    sio_socket *s = p->s;
    const char *name = sio_socket_data(s) ? sio_socket_data(s) : "?";
    bool was_in;
    (void)status; /* partial answers count what they can */

    if (p->joined) {
        sio_log_unsent(chat_join_ack_send(p->join, members(p, sids)),
                       "join_ack_send");
    } else if (!sio_socket_connected(s)) {
        sio_log_unsent(chat_join_ack_error(p->join, "disconnected"),
                       "join_ack_error");
    } else if (sio_namespace_socket(sio_socket_namespace(s), p->room) ||
               has(sids, p->room)) {
        sio_log_unsent(chat_join_ack_error(p->join, "invalid room"),
                       "join_ack_error");
    } else if (was_in = sio_in_room(s, p->room), sio_join(s, p->room) != 0) {
        sio_log_unsent(chat_join_ack_error(p->join, "server error"),
                       "join_ack_error");
    } else {
        if (!was_in)
            sio_log_unsent(chat_emit_joined(chat_target_of(sio_to(
                                                sio_to_socket(s), p->room)),
                                            name, p->room),
                           "emit_joined");
        sio_log_unsent(chat_join_ack_send(p->join, members(p, sids)),
                       "join_ack_send");
    }
    pending_free(p);
}

static void left(int status, json_t *sids, void *ud)
{
    pending *p = ud;
    (void)status;

    sio_log_unsent(chat_leave_ack_send(p->leave, members(p, sids)),
                   "leave_ack_send");
    pending_free(p);
}

static pending *pending_new(sio_ctx *ctx, const char *room)
{
    pending *p = calloc(1, sizeof *p);

    if (p && !(p->room = strdup(room))) {
        free(p);
        return NULL;
    }
    if (p)
        p->s = sio_socket_ref(sio_ctx_socket(ctx));
    return p;
}

static sio_target room_target(sio_ctx *ctx, const char *room)
{
    return sio_to(sio_all(sio_socket_namespace(sio_ctx_socket(ctx))), room);
}

/* A room that cannot be a sid: joined now, `joined` told now. */
static int join_now(pending *p)
{
    sio_socket *s = p->s;
    bool was_in = sio_in_room(s, p->room);

    if (sio_join(s, p->room) != 0)
        return -1;
    if (!was_in)
        sio_log_unsent(
            chat_emit_joined(chat_target_of(sio_to(sio_to_socket(s), p->room)),
                             sio_socket_data(s) ? sio_socket_data(s) : "?",
                             p->room),
            "emit_joined");
    p->joined = true;
    return 0;
}

void chat_cluster_join(sio_ctx *ctx, const char *room, chat_join_ack ack)
{
    pending *p = pending_new(ctx, room);

    if (p)
        p->join = ack;
    if (p && !sid_shaped(room) && join_now(p) != 0) {
        sio_log_unsent(chat_join_ack_error(ack, "server error"),
                       "join_ack_error");
        pending_free(p);
        return;
    }
    if (!p || sio_redis_sockets(room_target(ctx, room), joined, p) != 0) {
        sio_log_unsent(chat_join_ack_error(ack, "server error"),
                       "join_ack_error");
        if (p)
            pending_free(p);
    }
}

void chat_cluster_leave(sio_ctx *ctx, const char *room, chat_leave_ack ack)
{
    pending *p = pending_new(ctx, room);

    if (p)
        p->leave = ack;
    if (!p || sio_redis_sockets(room_target(ctx, room), left, p) != 0) {
        sio_log_unsent(chat_leave_ack_error(ack, "server error"),
                       "leave_ack_error");
        if (p)
            pending_free(p);
    }
}
