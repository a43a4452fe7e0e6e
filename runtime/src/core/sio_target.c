/* sio_target.c - emit targets (the broadcast operator: a socket, a
 * namespace, rooms, exceptions, volatile) and emits to them, raw and
 * typed; the public room API over the namespace's adapter. */
#include "sio_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sio_target sio_to_socket(sio_socket *s)
{
    sio_target t = {0};
    t.socket = s;
    return t;
}

sio_target sio_self(const sio_ctx *ctx)
{
    return sio_to_socket(ctx->s);
}

sio_target sio_all(sio_namespace *ns)
{
    sio_target t = {0};
    t.ns = ns;
    return t;
}

sio_target sio_broadcast(const sio_ctx *ctx)
{
    sio_target t = sio_all(ctx->s->ns);
    t.except_socket = ctx->s;
    return t;
}

sio_target sio_room(const sio_ctx *ctx, const char *room_name)
{
    return sio_to(sio_all(ctx->s->ns), room_name);
}

/* Adds a room to the target's rooms or exceptions. On a one-socket
 * target it first becomes a broadcast from that socket, as
 * socket.to(room) in socket.io. */
static sio_target add_room(sio_target t, const char *room_name, bool except)
{
    uint8_t *n = except ? &t.nexcept : &t.nrooms;

    if (t.socket && !t.ns) {
        t.ns = t.socket->ns;
        t.except_socket = t.socket;
        t.socket = NULL;
    }
    if (*n == SIO_TARGET_MAX_ROOMS)
        t.flags |= SIO_TARGET_OVERFLOW;
    else
        (except ? t.except : t.rooms)[(*n)++] = room_name;
    return t;
}

sio_target sio_to(sio_target t, const char *room_name)
{
    return add_room(t, room_name, false);
}

sio_target sio_except(sio_target t, const char *room_name)
{
    return add_room(t, room_name, true);
}

sio_target sio_volatile(sio_target t)
{
    t.flags |= SIO_TARGET_VOLATILE;
    return t;
}

sio_target sio_compress(sio_target t)
{
    t.flags |= SIO_TARGET_COMPRESS;
    return t;
}

static int broadcast(sio_target t, const char *event, json_t *args)
{
    sio_encoded e;
    int rc = siop_encode_event(t.ns->name, event, args, -1, &e);

    if (rc != 0)
        return rc;
    if (!(t.flags & SIO_TARGET_VOLATILE) &&
        (rc = siop_recovery_stamp(t.ns, &t, NULL, &e)) != 0) {
        siop_encoded_fini(&e);
        return rc;
    }
    t.ns->adapter->ops->broadcast(t.ns->adapter, &e, &t);
    siop_encoded_fini(&e);
    return 0;
}

/* A broadcast the observers see once per recipient (siop_socket_send):
 * the packet ([event, args...], as the encoder leaves args) is kept past
 * the encoding. */
static int broadcast_observed(sio_target t, const char *event, json_t *args)
{
    sio_server *srv = t.ns->srv;
    json_t *packet = args ? json_incref(args) : json_array(), *prev;
    int rc;

    if (!packet) {
        json_decref(args);
        return SIO_ENOMEM;
    }
    json_decref(args);
    prev = siop_obs_bcast_begin(srv, packet);
    rc = broadcast(t, event, json_incref(packet));
    siop_obs_bcast_end(srv, prev);
    json_decref(packet);
    return rc;
}

int sio_emit_to(sio_target t, const char *event, json_t *args)
{
    if ((args && !json_is_array(args)) || !event ||
        (t.flags & SIO_TARGET_OVERFLOW) || (!t.socket && !t.ns)) {
        json_decref(args);
        return SIO_EINVAL;
    }
    if (!t.ns)
        return siop_socket_emit(t.socket, event, args, -1,
                                t.flags & SIO_TARGET_VOLATILE);
    if (SIOP_OBSERVED(t.ns->srv))
        return broadcast_observed(t, event, args);
    return broadcast(t, event, args);
}

/* The namespace a target reaches; NULL for a socket that is gone (the
 * emit then reports that). */
static const sio_namespace *target_ns(sio_target to)
{
    if (to.socket)
        return to.socket->state == SOCK_GONE ? NULL : to.socket->ns;
    return to.ns;
}

/* A typed emit belongs to its schema namespace: sent through a target of
 * another one, it would reach clients that expect other events (or, for
 * a broadcast, nobody). SIO_EINVAL and a log line. */
int siop_check_target(sio_target to, const char *nsp, const char *event)
{
    const sio_namespace *ns = target_ns(to);
    char why[200];

    if (!ns || !nsp || strcmp(ns->name, nsp) == 0)
        return 0;
    snprintf(why, sizeof why,
             "emit of an event of namespace %.60s through a target of "
             "namespace %.60s: refused",
             nsp, ns->name);
    if (to.socket)
        siop_log(to.socket, EIO_LOG_WARN, event, why);
    else
        log_line(ns->srv->opt.eio.log_level, EIO_LOG_WARN, "event %.60s: %s",
                 event, why);
    return SIO_EINVAL;
}

sio_server *sio_server_itself(sio_server *srv)
{
    return srv;
}

sio_target sio_target_in(sio_target t, const char *nsp)
{
    const sio_namespace *ns = target_ns(t);

    if (!ns || !nsp || strcmp(ns->name, nsp) == 0)
        return t;
    log_line(ns->srv->opt.eio.log_level, EIO_LOG_WARN,
             "a target of namespace %.60s taken for namespace %.60s: its "
             "emits are refused",
             ns->name, nsp);
    return (sio_target){0};
}

/* A typed emit encoded straight from the struct, once for every
 * recipient: 0 or an error of the send, or SIOP_TEXT_SLOW (nothing sent:
 * the tree path's, which also words every refusal). */
static int emit_direct(sio_target to, const char *event, const sio_params *p,
                       const void *args)
{
    const sio_socket *s = to.socket;
    sio_encoded e;
    int rc;

    if (!event || (to.flags & SIO_TARGET_OVERFLOW) ||
        (s ? s->state != SOCK_CONNECTED : !to.ns))
        return SIOP_TEXT_SLOW;
    sio_namespace *ns = s ? s->ns : to.ns;

    if (SIOP_OBSERVED(ns->srv)) /* observers see json_t packets */
        return SIOP_TEXT_SLOW;
    if (siop_typed_encode(SIO_PKT_EVENT, ns->name, -1, event, p, args,
                          ns->srv->msg_pool, &e) != 0)
        return SIOP_TEXT_SLOW;
    /* kept for connection state recovery, as the tree path's emits */
    if (!(to.flags & SIO_TARGET_VOLATILE) &&
        (rc = siop_recovery_stamp(ns, s ? NULL : &to, s, &e)) != 0) {
        siop_encoded_fini(&e);
        return rc;
    }
    if (s) {
        rc = siop_conn_send_mode(s->conn, &e, to.flags & SIO_TARGET_VOLATILE);
    } else {
        to.ns->adapter->ops->broadcast(to.ns->adapter, &e, &to);
        rc = 0;
    }
    siop_encoded_fini(&e);
    return rc;
}

int sio_emit_params(sio_target to, const char *nsp, const char *event,
                    const sio_params *p, const void *args)
{
    json_t *a;
    int rc;

    if (siop_check_target(to, nsp, event) != 0)
        return SIO_EINVAL;
    if ((rc = emit_direct(to, event, p, args)) != SIOP_TEXT_SLOW)
        return rc;
    a = siop_encode_or_log(to.socket, event, p, args);
    return a ? sio_emit_to(to, event, a) : SIO_EINVAL;
}

/* Observers hear of a join that adds s to the room, not of a repeat. */
static int join_observed(sio_socket *s, const char *room_name)
{
    sio_adapter *a = s->ns->adapter;
    bool was = a->ops->in_room(a, s, room_name);
    int rc = a->ops->join(a, s, room_name);

    if (rc == 0 && !was)
        siop_obs_room(s, room_name, true);
    return rc;
}

int sio_join(sio_socket *s, const char *room_name)
{
    sio_adapter *a;

    if (!s || !room_name)
        return SIO_EINVAL;
    if (s->state == SOCK_GONE)
        return SIO_ECLOSED;
    a = s->ns->adapter;
    if (!a->ops->in_room(a, s, room_name) &&
        a->ops->socket_rooms(a, s, NULL, 0) >
            s->ns->srv->opt.max_rooms_per_socket)
        return SIO_ELIMIT; /* the count includes the sid room */
    if (SIOP_OBSERVED(s->ns->srv))
        return join_observed(s, room_name);
    return a->ops->join(a, s, room_name);
}

int sio_leave(sio_socket *s, const char *room_name)
{
    int rc;

    if (!s || !room_name || s->state == SOCK_GONE)
        return SIO_ENOENT;
    rc = s->ns->adapter->ops->leave(s->ns->adapter, s, room_name);
    if (rc == 0 && SIOP_OBSERVED(s->ns->srv))
        siop_obs_room(s, room_name, false);
    return rc;
}

bool sio_in_room(const sio_socket *s, const char *room_name)
{
    if (!s || !room_name || s->state == SOCK_GONE)
        return false;
    return s->ns->adapter->ops->in_room(s->ns->adapter, s, room_name);
}

size_t sio_socket_rooms(const sio_socket *s, const char **out, size_t max)
{
    if (!s || s->state == SOCK_GONE)
        return 0;
    return s->ns->adapter->ops->socket_rooms(s->ns->adapter, s, out, max);
}

size_t sio_room_size(sio_namespace *ns, const char *room_name)
{
    return ns->adapter->ops->room_size(ns->adapter, room_name);
}

size_t sio_room_sockets(sio_namespace *ns, const char *room_name,
                        sio_socket **out, size_t max)
{
    return ns->adapter->ops->room_sockets(ns->adapter, room_name, out, max);
}

size_t sio_room_clear(sio_namespace *ns, const char *room_name)
{
    sio_socket *batch[64];
    size_t n, left = 0, round;

    if (!ns || !room_name)
        return 0;
    /* In batches: leaving changes the room the next query reads. */
    do {
        n = sio_room_sockets(ns, room_name, batch, 64);
        round = 0;
        for (size_t i = 0; i < n && i < 64; i++)
            round += sio_leave(batch[i], room_name) == 0;
        left += round;
    } while (n > 0 && round > 0);
    return left;
}
