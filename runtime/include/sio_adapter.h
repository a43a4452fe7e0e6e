/* sio_adapter.h - the adapter interface: where a namespace keeps its rooms
 * and how a broadcast reaches the sockets a target names.
 *
 * Every namespace has one adapter. The in-memory adapter, the default,
 * serves one process. An adapter that shares rooms and broadcasts between
 * processes (over Redis, say) fills the same table: it keeps the local
 * state in an in-memory adapter it wraps (sio_adapter_memory_new) and
 * publishes what the other processes must also do, each of which delivers
 * to its own sockets through its in-memory adapter.
 *
 * Every call runs on the loop thread. The adapter owns its per-socket
 * state (sio_adapter_socket_data) and releases it in leave_all, which the
 * core calls for every socket that leaves the namespace.
 *
 * Ownership: the core owns the adapter once installed and calls free;
 * packets and targets are borrowed for the call. */
#ifndef SIO_ADAPTER_H
#define SIO_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>

#include "eio.h"
#include "sio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A packet encoded once for every recipient: the text message and its
 * binary attachments, each an eio_msg ready to queue on any session. */
typedef struct sio_encoded {
    eio_msg *head;
    eio_msg **att;
    size_t natt;
} sio_encoded;

typedef struct sio_adapter sio_adapter;

typedef struct sio_adapter_ops {
    /* Adds s to room: 0 or SIO_ENOMEM; joining twice is fine. */
    int (*join)(sio_adapter *a, sio_socket *s, const char *room);
    /* 0, or SIO_ENOENT if s was not in room. */
    int (*leave)(sio_adapter *a, sio_socket *s, const char *room);
    /* s leaves every room (it leaves the namespace). */
    void (*leave_all)(sio_adapter *a, sio_socket *s);
    /* Is s in room? Its sid room included. */
    bool (*in_room)(sio_adapter *a, const sio_socket *s, const char *room);
    /* Queues e on every socket t names, once each (t->socket is unused:
     * emits to one socket do not come here). Returns how many. */
    size_t (*broadcast)(sio_adapter *a, const sio_encoded *e,
                        const sio_target *t);
    size_t (*room_size)(sio_adapter *a, const char *room);
    /* Up to max members of room into out; returns the room's size. */
    size_t (*room_sockets)(sio_adapter *a, const char *room, sio_socket **out,
                           size_t max);
    /* Up to max rooms of s into out (names borrowed), its sid first;
     * returns how many it has. */
    size_t (*socket_rooms)(sio_adapter *a, const sio_socket *s,
                           const char **out, size_t max);
    void (*free)(sio_adapter *a);
} sio_adapter_ops;

/* An adapter starts with this (an implementation's struct embeds it
 * first); ns is the namespace it serves. */
struct sio_adapter {
    const sio_adapter_ops *ops;
    sio_namespace *ns;
};

/* Makes the adapter of namespace ns; NULL on failure. */
typedef sio_adapter *(*sio_adapter_new_fn)(sio_namespace *ns, void *ud);

/* Every namespace of srv gets its adapter from fn (with ud) from now on;
 * fn NULL restores the in-memory adapter. Only before the server runs
 * (SIO_ESTATE after a client connected): the namespaces that exist
 * already change adapter too. 0, SIO_ESTATE or SIO_ENOMEM (then nothing
 * changed). */
int sio_server_set_adapter(sio_server *srv, sio_adapter_new_fn fn, void *ud);

/* The adapter ns uses now (borrowed). */
sio_adapter *sio_namespace_adapter(sio_namespace *ns);

/* The in-memory adapter of ns (new; NULL when out of memory): the default,
 * and the local part of an adapter that wraps it. */
sio_adapter *sio_adapter_memory_new(sio_namespace *ns);

/* Queues e (borrowed) on s, held while s is connecting; volatile drops
 * it when the session's buffer is full. 0, SIO_ECLOSED or SIO_ENOMEM. */
int sio_adapter_deliver(sio_socket *s, const sio_encoded *e, bool volatile_);

/* Connection state recovery (sio_options.recovery_ms) appends this
 * process's offset to every broadcast that is not volatile, as its last
 * argument: true when a broadcast of a's namespace to t carries one. An
 * adapter that forwards it to other processes removes it first: each
 * process keeps and numbers what its own sockets are sent. */
bool sio_adapter_stamped(const sio_adapter *a, const sio_target *t);

/* A broadcast from another process (e: no offset; borrowed) to t: kept
 * for recovery like a local one (stamped with this process's offset
 * unless t is volatile), then queued on the sockets t names through
 * local, the in-memory adapter the caller wraps. Returns how many, 0 on
 * failure too (out of memory). */
size_t sio_adapter_broadcast_remote(sio_adapter *local, const sio_encoded *e,
                                    const sio_target *t);

/* The adapter's slot for per-socket state (NULL until it sets one). */
void **sio_adapter_socket_data(sio_socket *s);

#ifdef __cplusplus
}
#endif

#endif
