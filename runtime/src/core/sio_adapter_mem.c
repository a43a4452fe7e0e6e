/* sio_adapter_mem.c - the in-memory adapter (sio_adapter.h): the rooms
 * and broadcasts of one process.
 *
 * A room is an array of its members; each socket keeps (room, index)
 * pairs and a map from room name to its pair, so a join or a leave costs
 * O(1) (amortised) and leave-all O(rooms of the socket), never
 * O(members). A socket's sid room is implicit (no entry), so an idle
 * socket costs nothing here until it joins a room. */
#include "sio_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct room {
    sio_socket **members;
    size_t n, cap;
    char name[];
} room;

typedef struct membership {
    room *r;
    size_t idx; /* in r->members */
} membership;

/* The per-socket state, in sio_socket.adapter_data. */
typedef struct sock_rooms {
    membership *v;
    size_t n, cap;
    map pos; /* room name (the room's) -> index in v, plus one */
} sock_rooms;

typedef struct mem_adapter {
    sio_adapter base;
    map rooms;    /* name -> room */
    uint64_t gen; /* broadcast number, for dedup marks */
} mem_adapter;

static sock_rooms *rooms_of(const sio_socket *s)
{
    return s->adapter_data;
}

static membership *find_membership(const sio_socket *s, const char *name)
{
    sock_rooms *sr = rooms_of(s);
    uintptr_t pos = sr ? (uintptr_t)map_get(&sr->pos, name, strlen(name)) : 0;

    return pos ? &sr->v[pos - 1] : NULL;
}

static int pos_put(sock_rooms *sr, const room *r, size_t i)
{
    return map_put(&sr->pos, r->name, strlen(r->name),
                   (void *)(uintptr_t)(i + 1));
}

static room *room_get(mem_adapter *m, const char *name, bool create)
{
    size_t len = strlen(name);
    room *r = map_get(&m->rooms, name, len);

    if (r || !create)
        return r;
    r = calloc(1, sizeof *r + len + 1);
    if (!r)
        return NULL;
    memcpy(r->name, name, len + 1);
    if (map_put(&m->rooms, r->name, len, r) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

static int mem_join(sio_adapter *a, sio_socket *s, const char *name)
{
    mem_adapter *m = (mem_adapter *)a;
    sock_rooms *sr = rooms_of(s);
    room *r;

    if (find_membership(s, name))
        return 0;
    if (!sr && !(sr = s->adapter_data = calloc(1, sizeof *sr)))
        return SIO_ENOMEM;
    if (util_grow((void **)&sr->v, &sr->cap, sr->n + 1, sizeof *sr->v) ||
        !(r = room_get(m, name, true)))
        return SIO_ENOMEM;
    if (util_grow((void **)&r->members, &r->cap, r->n + 1,
                  sizeof *r->members) ||
        pos_put(sr, r, sr->n) != 0) {
        if (r->n == 0) { /* just created: no empty room stays behind */
            map_del(&m->rooms, r->name, strlen(r->name));
            free(r);
        }
        return SIO_ENOMEM;
    }
    r->members[r->n] = s;
    sr->v[sr->n++] = (membership){r, r->n++};
    return 0;
}

/* Removes membership i of s: swap-remove in both arrays, fixing the index
 * the moved member keeps for this room. */
static void drop_membership(mem_adapter *m, sio_socket *s, size_t i)
{
    sock_rooms *sr = rooms_of(s);
    membership mb = sr->v[i];
    room *r = mb.r;
    sio_socket *moved = r->members[--r->n];

    if (moved != s) {
        r->members[mb.idx] = moved;
        find_membership(moved, r->name)->idx = mb.idx;
    }
    map_del(&sr->pos, r->name, strlen(r->name));
    sr->v[i] = sr->v[--sr->n];
    if (i < sr->n) /* the last one moved to i: cannot fail, it replaces */
        (void)pos_put(sr, sr->v[i].r, i);
    if (r->n == 0) {
        map_del(&m->rooms, r->name, strlen(r->name));
        free(r->members);
        free(r);
    }
}

static int mem_leave(sio_adapter *a, sio_socket *s, const char *name)
{
    membership *mb = find_membership(s, name);

    if (!mb)
        return SIO_ENOENT;
    drop_membership((mem_adapter *)a, s, (size_t)(mb - rooms_of(s)->v));
    return 0;
}

static void mem_leave_all(sio_adapter *a, sio_socket *s)
{
    sock_rooms *sr = rooms_of(s);

    while (sr && sr->n)
        drop_membership((mem_adapter *)a, s, sr->n - 1);
    if (sr) {
        map_fini(&sr->pos);
        free(sr->v);
        free(sr);
        s->adapter_data = NULL;
    }
}

static bool mem_in_room(sio_adapter *a, const sio_socket *s, const char *name)
{
    (void)a;
    return strcmp(s->sid, name) == 0 || find_membership(s, name) != NULL;
}

/* The socket whose sid is name, if connected here (the sid room). */
static sio_socket *sid_socket(const sio_adapter *a, const char *name)
{
    return map_get(&a->ns->sockets, name, strlen(name));
}

/* Marks every member of room name (sid room included) with gen. */
static void mark_room(mem_adapter *m, const char *name, uint64_t gen)
{
    room *r = room_get(m, name, false);
    sio_socket *one = sid_socket(&m->base, name);

    for (size_t i = 0; r && i < r->n; i++)
        r->members[i]->mark = gen;
    if (one)
        one->mark = gen;
}

static size_t deliver(sio_socket *s, const sio_encoded *e, uint64_t gen,
                      bool volatile_)
{
    if (s->mark == gen)
        return 0; /* excluded, or reached through another room */
    s->mark = gen;
    return siop_socket_send(s, e, volatile_) == 0;
}

static size_t deliver_room(mem_adapter *m, const char *name,
                           const sio_encoded *e, uint64_t gen, bool vol)
{
    room *r = room_get(m, name, false);
    sio_socket *one = sid_socket(&m->base, name);
    size_t n = 0;

    /* Sending never changes membership, so the array is stable here. */
    for (size_t i = 0; r && i < r->n; i++)
        n += deliver(r->members[i], e, gen, vol);
    if (one)
        n += deliver(one, e, gen, vol);
    return n;
}

static size_t mem_broadcast(sio_adapter *a, const sio_encoded *e,
                            const sio_target *t)
{
    mem_adapter *m = (mem_adapter *)a;
    uint64_t gen = ++m->gen;
    bool vol = t->flags & SIO_TARGET_VOLATILE;
    map_entry *me;
    size_t n = 0;

    /* Excluded sockets are marked first: deliver() then skips them. */
    for (size_t i = 0; i < t->nexcept; i++)
        mark_room(m, t->except[i], gen);
    if (t->except_socket)
        ((sio_socket *)t->except_socket)->mark = gen;
    if (!t->nrooms) {
        for (size_t i = 0; map_next(&a->ns->sockets, &i, &me);)
            n += deliver(me->value, e, gen, vol);
        return n;
    }
    for (size_t i = 0; i < t->nrooms; i++)
        n += deliver_room(m, t->rooms[i], e, gen, vol);
    return n;
}

static size_t mem_room_sockets(sio_adapter *a, const char *name,
                               sio_socket **out, size_t max)
{
    room *r = room_get((mem_adapter *)a, name, false);
    sio_socket *one = sid_socket(a, name);
    size_t n = r ? r->n : 0;

    for (size_t i = 0; i < n && i < max; i++)
        out[i] = r->members[i];
    if (one && !find_membership(one, name)) {
        if (n < max)
            out[n] = one;
        n++;
    }
    return n;
}

static size_t mem_room_size(sio_adapter *a, const char *name)
{
    return mem_room_sockets(a, name, NULL, 0);
}

static size_t mem_socket_rooms(sio_adapter *a, const sio_socket *s,
                               const char **out, size_t max)
{
    sock_rooms *sr = rooms_of(s);
    size_t n = 1 + (sr ? sr->n : 0);
    (void)a;

    if (max)
        out[0] = s->sid;
    for (size_t i = 1; i < n && i < max; i++)
        out[i] = sr->v[i - 1].r->name;
    return n;
}

static void mem_free(sio_adapter *a)
{
    mem_adapter *m = (mem_adapter *)a;
    map_entry *e;

    /* Sockets left their rooms before; anything here is a leak guard. */
    for (size_t i = 0; map_next(&m->rooms, &i, &e);) {
        room *r = e->value;
        free(r->members);
        free(r);
    }
    map_fini(&m->rooms);
    free(m);
}

static const sio_adapter_ops mem_ops = {
    mem_join,         mem_leave,        mem_leave_all,
    mem_in_room,      mem_broadcast,    mem_room_size,
    mem_room_sockets, mem_socket_rooms, mem_free,
};

sio_adapter *sio_adapter_memory_new(sio_namespace *ns)
{
    mem_adapter *m = calloc(1, sizeof *m);

    if (!m)
        return NULL;
    m->base.ops = &mem_ops;
    m->base.ns = ns;
    map_init(&m->rooms);
    return &m->base;
}

int sio_adapter_deliver(sio_socket *s, const sio_encoded *e, bool volatile_)
{
    return siop_socket_send(s, e, volatile_);
}

void **sio_adapter_socket_data(sio_socket *s)
{
    return &s->adapter_data;
}
