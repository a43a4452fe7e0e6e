/* sio_redis_adapter.c - the Redis adapter of a namespace: rooms stay in
 * the in-memory adapter it wraps; a broadcast is delivered here and
 * published (msgpack [uid, packet, opts], as @socket.io/redis-adapter
 * writes it) for the other servers, which deliver it to their sockets. */
#include "redis_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sio_packet.h"

#define MAX_OPT_ROOMS 1024

static siop_redis_ns *of(sio_adapter *a)
{
    return (siop_redis_ns *)a;
}

static sio_adapter *loc(sio_adapter *a)
{
    return of(a)->local;
}

static int ra_join(sio_adapter *a, sio_socket *s, const char *room)
{
    return loc(a)->ops->join(loc(a), s, room);
}

static int ra_leave(sio_adapter *a, sio_socket *s, const char *room)
{
    return loc(a)->ops->leave(loc(a), s, room);
}

static void ra_leave_all(sio_adapter *a, sio_socket *s)
{
    loc(a)->ops->leave_all(loc(a), s);
}

static bool ra_in_room(sio_adapter *a, const sio_socket *s, const char *room)
{
    return loc(a)->ops->in_room(loc(a), s, room);
}

static size_t ra_room_size(sio_adapter *a, const char *room)
{
    return loc(a)->ops->room_size(loc(a), room);
}

static size_t ra_room_sockets(sio_adapter *a, const char *room,
                              sio_socket **out, size_t max)
{
    return loc(a)->ops->room_sockets(loc(a), room, out, max);
}

static size_t ra_socket_rooms(sio_adapter *a, const sio_socket *s,
                              const char **out, size_t max)
{
    return loc(a)->ops->socket_rooms(loc(a), s, out, max);
}

/* ---- publishing --------------------------------------------------------- */

json_t *siop_redis_target_opts(const sio_target *t)
{
    json_t *rooms = json_array(), *except = json_array();

    for (size_t i = 0; rooms && i < t->nrooms; i++)
        json_array_append_new(rooms, json_string(t->rooms[i]));
    for (size_t i = 0; except && i < t->nexcept; i++)
        json_array_append_new(except, json_string(t->except[i]));
    if (except && t->except_socket)
        json_array_append_new(except,
                              json_string(sio_socket_sid(t->except_socket)));
    return json_pack("{soso}", "rooms", rooms, "except", except);
}

/* The packet of an encoded broadcast, in socket.io's shape {type, data,
 * nsp}, attachments back in place as bytes values, without this
 * process's recovery offset (stamped). New, or NULL. */
static json_t *packet_of(const sio_encoded *e, bool stamped)
{
    const char *h = (const char *)eio_msg_data(e->head);
    size_t n = eio_msg_len(e->head), natt = e->natt;
    const uint8_t *att[natt ? natt : 1];
    size_t att_len[natt ? natt : 1];
    sio_packet p;
    sio_error err;

    if (n < 2 || siop_packet_parse(h + 1, n - 1, natt, &p, &err) != 0)
        return NULL;
    for (size_t i = 0; i < natt; i++) {
        att[i] = eio_msg_data(e->att[i]);
        att_len[i] = eio_msg_len(e->att[i]);
    }
    if ((natt && siop_packet_reconstruct(p.data, att, att_len, natt, &err)) ||
        (stamped && json_array_remove(p.data, json_array_size(p.data) - 1))) {
        json_decref(p.data);
        return NULL;
    }
    return json_pack("{siso*so*}", "type", (int)SIO_PKT_EVENT, "data", p.data,
                     "nsp", json_stringn(p.nsp, p.nsp_len));
}

static void publish_broadcast(siop_redis_ns *a, const sio_encoded *e,
                              const sio_target *t)
{
    json_t *packet = packet_of(e, sio_adapter_stamped(&a->base, t));
    json_t *opts = siop_redis_target_opts(t), *flags;
    json_t *msg = NULL;
    char *chan = NULL;

    flags = json_object();
    if (flags && (t->flags & SIO_TARGET_VOLATILE))
        json_object_set_new(flags, "volatile", json_true());
    if (flags && (t->flags & SIO_TARGET_COMPRESS))
        json_object_set_new(flags, "compress", json_true());
    if (packet && opts && flags && !json_object_set_new(opts, "flags", flags))
        msg = json_pack("[sOO]", a->r->uid, packet, opts);
    else
        json_decref(flags);
    if (msg && t->nrooms == 1 &&
        asprintf(&chan, "%s%s#", a->chan, t->rooms[0]) < 0)
        chan = NULL;
    if (msg)
        siop_redis_publish_pack(a->r, chan ? chan : a->chan, msg);
    free(chan);
    json_decref(msg);
    json_decref(packet);
    json_decref(opts);
}

static size_t ra_broadcast(sio_adapter *a, const sio_encoded *e,
                           const sio_target *t)
{
    size_t n = loc(a)->ops->broadcast(loc(a), e, t);

    if (of(a)->r && of(a)->r->pub_up)
        publish_broadcast(of(a), e, t);
    return n;
}

static void ra_free(sio_adapter *a)
{
    siop_redis_ns *r = of(a);
    const char *name = sio_namespace_name(a->ns);

    if (r->r)
        map_del(&r->r->nsps, name, strlen(name));
    r->local->ops->free(r->local);
    free(r->chan);
    free(r->req_chan);
    free(r->resp_chan);
    free(r->own_chan);
    free(r);
}

static const sio_adapter_ops redis_ops = {
    ra_join,      ra_leave,        ra_leave_all,    ra_in_room, ra_broadcast,
    ra_room_size, ra_room_sockets, ra_socket_rooms, ra_free,
};

siop_redis_ns *siop_redis_of(sio_namespace *ns)
{
    sio_adapter *a = ns ? sio_namespace_adapter(ns) : NULL;

    return a && a->ops == &redis_ops && of(a)->r ? of(a) : NULL;
}

sio_adapter *siop_redis_adapter_new(sio_namespace *ns, void *ud)
{
    sio_redis *r = ud;
    siop_redis_ns *a = calloc(1, sizeof *a);
    const char *name = sio_namespace_name(ns);

    if (!a)
        return NULL;
    a->base.ops = &redis_ops;
    a->base.ns = ns;
    a->r = r;
    if (!(a->local = sio_adapter_memory_new(ns)) ||
        asprintf(&a->chan, "%s#%s#", r->key, name) < 0 ||
        asprintf(&a->req_chan, "%s-request#%s#", r->key, name) < 0 ||
        asprintf(&a->resp_chan, "%s-response#%s#", r->key, name) < 0 ||
        asprintf(&a->own_chan, "%s-response#%s#%s#", r->key, name, r->uid) <
            0 ||
        map_put(&r->nsps, name, strlen(name), a) != 0) {
        a->r = NULL;
        ra_free(&a->base);
        return NULL;
    }
    siop_redis_subscribe(r, a);
    return &a->base;
}

/* ---- local selection -------------------------------------------------------
 */

void siop_redis_unref(sio_socket **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sio_socket_unref(v[i]);
    free(v);
}

/* Room names of a message's list (strings, or integers as Node allows):
 * into names (up to max); -1 if something else is there. */
static long room_names(const json_t *list, char (*buf)[24], const char **names,
                       size_t max)
{
    size_t n = json_array_size(list), i;

    if (list && !json_is_array(list))
        return -1;
    if (n > max)
        return -1;
    for (i = 0; i < n; i++) {
        const json_t *v = json_array_get(list, i);
        if (json_is_string(v)) {
            names[i] = json_string_value(v);
        } else if (json_is_integer(v)) {
            snprintf(buf[i], sizeof buf[i], "%lld",
                     (long long)json_integer_value(v));
            names[i] = buf[i];
        } else {
            return -1;
        }
    }
    return (long)n;
}

static bool in_any(siop_redis_ns *a, sio_socket *s, const char **names, long n)
{
    for (long i = 0; i < n; i++)
        if (ra_in_room(&a->base, s, names[i]))
            return true;
    return false;
}

/* The candidates: every local socket, or the members of the rooms
 * (each once: a socket of an earlier room is skipped), referenced. */
static sio_socket **candidates(siop_redis_ns *a, const char **rn, long nr,
                               size_t *n)
{
    size_t all = 0, k = 0;
    sio_socket **v, **tmp;

    if (nr == 0) {
        all = sio_namespace_sockets(a->base.ns, NULL, 0);
        if ((v = malloc((all ? all : 1) * sizeof *v)))
            sio_namespace_sockets(a->base.ns, v, all);
        for (size_t i = 0; v && i < all; i++)
            sio_socket_ref(v[i]);
        *n = all;
        return v;
    }
    for (long r = 0; r < nr; r++)
        all += ra_room_size(&a->base, rn[r]);
    if (!(v = malloc((all ? all : 1) * sizeof *v)) ||
        !(tmp = malloc((all ? all : 1) * sizeof *tmp))) {
        free(v);
        return NULL;
    }
    for (long r = 0; r < nr; r++) {
        size_t m = ra_room_sockets(&a->base, rn[r], tmp, all);
        for (size_t i = 0; i < m && i < all && k < all; i++)
            if (!in_any(a, tmp[i], rn, r))
                v[k++] = sio_socket_ref(tmp[i]);
    }
    free(tmp);
    *n = k;
    return v;
}

sio_socket **siop_redis_select(siop_redis_ns *a, const json_t *rooms,
                               const json_t *except, size_t *n)
{
    static const size_t max = MAX_OPT_ROOMS;
    const char **rn = malloc(2 * max * sizeof *rn), **en = rn + max;
    char(*buf)[24] = malloc(2 * max * sizeof *buf);
    sio_socket **v = NULL;
    size_t all = 0, k = 0;
    long nr, ne;

    *n = 0;
    if (rn && buf && (nr = room_names(rooms, buf, rn, max)) >= 0 &&
        (ne = room_names(except, buf + max, en, max)) >= 0 &&
        (v = candidates(a, rn, nr, &all))) {
        for (size_t i = 0; i < all; i++) {
            if (in_any(a, v[i], en, ne))
                sio_socket_unref(v[i]); /* excluded */
            else
                v[k++] = v[i];
        }
        *n = k;
    }
    free(rn);
    free(buf);
    return v;
}

json_t *siop_redis_socket_json(siop_redis_ns *a, sio_socket *s)
{
    const char *names[256];
    size_t n = ra_socket_rooms(&a->base, s, names, 256);
    json_t *rooms = json_array(), *hs = sio_socket_handshake(s);
    json_t *data = a->r->on_data ? a->r->on_data(s, a->r->data_ud) : NULL;

    for (size_t i = 0; rooms && i < n && i < 256; i++)
        json_array_append_new(rooms, json_string(names[i]));
    return json_pack("{sssoso*so*}", "id", sio_socket_sid(s), "rooms", rooms,
                     "handshake", hs ? hs : json_object(), "data",
                     data ? data : json_null());
}

void sio_redis_on_socket_data(sio_redis *r, sio_redis_data_fn fn, void *ud)
{
    r->on_data = fn;
    r->data_ud = ud;
}

/* ---- receiving -------------------------------------------------------------
 */

/* The target opts names, as this process would have built it (names
 * borrowed from opts and buf, 2 * SIO_TARGET_MAX_ROOMS long): false
 * when they are not room names or more than a target holds. */
static bool target_of(siop_redis_ns *a, json_t *opts, bool vol, char (*buf)[24],
                      sio_target *t)
{
    enum { MAX = SIO_TARGET_MAX_ROOMS };
    const char *rn[MAX], *en[MAX];
    long nr = room_names(json_object_get(opts, "rooms"), buf, rn, MAX);
    long ne = nr < 0 ? -1
                     : room_names(json_object_get(opts, "except"), buf + MAX,
                                  en, MAX);

    if (ne < 0)
        return false;
    *t = sio_all(a->base.ns);
    for (long i = 0; i < nr; i++)
        *t = sio_to(*t, rn[i]);
    for (long i = 0; i < ne; i++)
        *t = sio_except(*t, en[i]);
    if (vol)
        *t = sio_volatile(*t);
    return !(t->flags & SIO_TARGET_OVERFLOW);
}

static void deliver(siop_redis_ns *a, json_t *packet, json_t *opts)
{
    json_t *data = json_object_get(packet, "data"), *flags;
    sio_socket **v;
    sio_encoded e;
    sio_target t;
    char buf[2 * SIO_TARGET_MAX_ROOMS][24];
    size_t n;
    bool vol;

    flags = json_object_get(opts, "flags");
    vol = json_is_true(json_object_get(flags, "volatile"));
    if (siop_packet_encode(SIO_PKT_EVENT, sio_namespace_name(a->base.ns), -1,
                           data, &e) != 0) {
        log_line(a->r->log_level, EIO_LOG_WARN,
                 "redis: channel %.100s: broadcast dropped (not an event)",
                 a->chan);
        return;
    }
    /* Kept for recovery here too, with this process's offsets, when a
     * target can say whom it reaches (else delivered as without). */
    if (target_of(a, opts, vol, buf, &t) && sio_adapter_stamped(&a->base, &t)) {
        sio_adapter_broadcast_remote(loc(&a->base), &e, &t);
        siop_encoded_fini(&e);
        return;
    }
    v = siop_redis_select(a, json_object_get(opts, "rooms"),
                          json_object_get(opts, "except"), &n);
    if (!v)
        log_line(a->r->log_level, EIO_LOG_WARN,
                 "redis: channel %.100s: broadcast dropped (bad rooms)",
                 a->chan);
    for (size_t i = 0; v && i < n; i++)
        sio_adapter_deliver(v[i], &e, vol);
    if (v)
        siop_redis_unref(v, n);
    siop_encoded_fini(&e);
}

static void on_broadcast(siop_redis_ns *a, const char *chan, const void *msg,
                         size_t len)
{
    const char *room = chan + strlen(a->chan);
    size_t rlen = strlen(room);
    json_t *v, *packet, *opts, *nsp;
    char name[300];

    /* With recovery, a room without members here may still hold sockets
     * that will come back: such broadcasts are kept all the same. */
    if (rlen > 1 && rlen < sizeof name &&
        !sio_adapter_stamped(&a->base, &(sio_target){0})) {
        memcpy(name, room, rlen - 1); /* without the closing '#' */
        name[rlen - 1] = 0;
        if (ra_room_size(&a->base, name) == 0)
            return; /* nobody here in that room */
    }
    v = siop_redis_decode(msg, len);
    packet = json_array_get(v, 1);
    opts = json_array_get(v, 2);
    nsp = json_object_get(packet, "nsp");
    if (!json_is_array(v) || json_array_size(v) != 3 ||
        !json_is_string(json_array_get(v, 0)) || !json_is_object(packet) ||
        !json_is_object(opts) || (nsp && !json_is_string(nsp))) {
        siop_redis_log_drop(a->r, chan, "not [uid, packet, opts]", msg, len);
    } else if (strcmp(json_string_value(json_array_get(v, 0)), a->r->uid) &&
               strcmp(nsp ? json_string_value(nsp) : "/",
                      sio_namespace_name(a->base.ns)) == 0) {
        deliver(a, packet, opts);
    }
    json_decref(v);
}

void siop_redis_on_message(siop_redis_ns *a, const char *chan, const void *msg,
                           size_t len)
{
    size_t cl = strlen(a->chan);
    json_t *v;

    if (!a->r)
        return;
    if (len > a->r->opt.max_message) {
        siop_redis_log_drop(a->r, chan, "too big", msg, len);
        return;
    }
    if (strncmp(chan, a->chan, cl) == 0) {
        on_broadcast(a, chan, msg, len);
        return;
    }
    v = siop_redis_decode(msg, len);
    if (!json_is_object(v))
        siop_redis_log_drop(a->r, chan, "not a msgpack or JSON object", msg,
                            len);
    else if (strcmp(chan, a->req_chan) == 0)
        siop_redis_on_request(a, v);
    else
        siop_redis_on_response(a, v);
    json_decref(v);
}
