/* sio_adapter.h - the seam for rooms and broadcasts (internal for now).
 *
 * One adapter per namespace receives room membership changes and
 * "send this encoded packet to the sockets a target names". The
 * in-memory adapter (sio_adapter_mem.c) serves one process; an adapter over
 * Redis can fill the same table later (publishing the encoded packet and
 * the target to the other processes, each delivering to its own
 * sockets) without touching the core. */
#ifndef SIO_ADAPTER_H
#define SIO_ADAPTER_H

#include "sio.h"
#include "sio_packet.h"

typedef struct sio_adapter sio_adapter;

typedef struct sio_adapter_ops {
    /* 0, SIO_ENOMEM; joining twice is fine. */
    int (*join)(sio_adapter *a, sio_socket *s, const char *room);
    /* 0, or SIO_ENOENT if s was not in room. */
    int (*leave)(sio_adapter *a, sio_socket *s, const char *room);
    void (*leave_all)(sio_adapter *a, sio_socket *s);
    bool (*in_room)(sio_adapter *a, const sio_socket *s, const char *room);
    /* Queues e (borrowed) on every socket t names (t.socket is unused:
     * single-socket emits do not come here). Returns how many. */
    size_t (*broadcast)(sio_adapter *a, const sio_encoded *e,
                        const sio_target *t);
    size_t (*room_size)(sio_adapter *a, const char *room);
    /* Up to max members of room into out; returns the room's size. */
    size_t (*room_sockets)(sio_adapter *a, const char *room, sio_socket **out,
                           size_t max);
    /* Up to max rooms of s (borrowed names); returns how many it has. */
    size_t (*socket_rooms)(sio_adapter *a, const sio_socket *s,
                           const char **out, size_t max);
    void (*free)(sio_adapter *a);
} sio_adapter_ops;

struct sio_adapter {
    const sio_adapter_ops *ops;
    sio_namespace *ns;
};

#endif
