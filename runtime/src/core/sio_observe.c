/* sio_observe.c - observers (sio.h): server-level components told of
 * connections, sockets, rooms and events as they happen, and what they
 * may read about the server (namespaces, sockets, sessions). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sio_internal.h"

int sio_server_observe(sio_server *srv, const sio_observer *ob, void *ud)
{
    if (!srv || !ob)
        return SIO_EINVAL;
    if (srv->nobs == SIO_MAX_OBSERVERS)
        return SIO_ELIMIT;
    srv->obs[srv->nobs].ops = ob;
    srv->obs[srv->nobs].ud = ud;
    srv->nobs++;
    return 0;
}

/* Runs field f of every observer that has one with (args..., ud). */
#define OBS_EACH(srv, f, ...)                                                  \
    do {                                                                       \
        sio_server *srv_ = (srv);                                              \
        for (unsigned k_ = 0; k_ < srv_->nobs; k_++)                           \
            if (srv_->obs[k_].ops->f)                                          \
                srv_->obs[k_].ops->f(__VA_ARGS__, srv_->obs[k_].ud);           \
    } while (0)

void siop_obs_conn(sio_conn *c, bool open, sio_reason why)
{
    if (open)
        OBS_EACH(c->srv, conn_open, c->session);
    else
        OBS_EACH(c->srv, conn_close, c->session, why);
}

void siop_obs_upgraded(sio_conn *c)
{
    siop_conn_hold(c);
    OBS_EACH(c->srv, conn_upgraded, c->session);
    for (sio_socket *s = c->sockets; s; s = s->next)
        if (s->state == SOCK_CONNECTED)
            OBS_EACH(c->srv, upgraded, s);
    siop_conn_release(c);
}

void siop_obs_socket(sio_socket *s, bool connected, sio_reason why)
{
    sio_server *srv = s->ns->srv;

    s->refs++;
    if (connected)
        OBS_EACH(srv, connected, s);
    else
        OBS_EACH(srv, disconnected, s, why);
    siop_socket_unref(s);
}

void siop_obs_room(sio_socket *s, const char *room, bool joined)
{
    if (s->state != SOCK_CONNECTED)
        return;
    if (joined)
        OBS_EACH(s->ns->srv, joined, s, room);
    else
        OBS_EACH(s->ns->srv, left, s, room);
}

char *siop_obs_rooms_take(sio_socket *s, size_t *n)
{
    const char *few[16], **rooms = few;
    size_t total = 0, k = sio_socket_rooms(s, few, 16);
    char *out = NULL, *p;

    if (k > 16) {
        if (!(rooms = malloc(k * sizeof *rooms)))
            return NULL;
        k = sio_socket_rooms(s, rooms, k);
    }
    for (size_t i = 0; i < k; i++)
        total += strlen(rooms[i]) + 1;
    if ((p = out = malloc(total + 1)))
        for (size_t i = 0; i < k; i++)
            p = stpcpy(p, rooms[i]) + 1;
    *n = out ? k : 0;
    if (rooms != few)
        free(rooms);
    return out;
}

void siop_obs_rooms_left(sio_socket *s, char *rooms, size_t n)
{
    const char *r = rooms;

    for (size_t i = 0; i < n; i++, r += strlen(r) + 1)
        OBS_EACH(s->ns->srv, left, s, r);
    free(rooms);
}

void siop_obs_event(sio_socket *s, json_t *packet, bool in)
{
    if (s->state != SOCK_CONNECTED)
        return;
    if (in)
        OBS_EACH(s->ns->srv, received, s, packet);
    else
        OBS_EACH(s->ns->srv, sent, s, packet);
}

void siop_obs_message(sio_server *srv, size_t len, bool in)
{
    OBS_EACH(srv, message, in, len);
}

void siop_obs_free(sio_server *srv)
{
    for (unsigned k = 0; k < srv->nobs; k++)
        if (srv->obs[k].ops->free)
            srv->obs[k].ops->free(srv->obs[k].ud);
    srv->nobs = 0;
}

json_t *siop_obs_bcast_begin(sio_server *srv, json_t *packet)
{
    json_t *prev = srv->obs_bcast;

    srv->obs_bcast = packet;
    return prev;
}

void siop_obs_bcast_end(sio_server *srv, json_t *prev)
{
    srv->obs_bcast = prev;
}

bool sio_server_next_namespace(sio_server *srv, size_t *i, sio_namespace **out)
{
    map_entry *e;

    if (!map_next(&srv->nsps, i, &e))
        return false;
    *out = e->value;
    return true;
}

size_t sio_namespace_sockets(sio_namespace *ns, sio_socket **out, size_t max)
{
    map_entry *e;
    size_t n = 0;

    for (size_t i = 0; map_next(&ns->sockets, &i, &e); n++)
        if (n < max)
            out[n] = e->value;
    return n;
}

eio_session *sio_socket_session(const sio_socket *s)
{
    return s && s->conn ? s->conn->session : NULL;
}

int64_t sio_socket_connected_at(const sio_socket *s)
{
    return s->connected_at;
}
