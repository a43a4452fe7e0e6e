/* sio_redis.h - several server processes as one cluster, through Redis.
 *
 * Speaks the wire format of Node's @socket.io/redis-adapter 8.x (its
 * default, non-sharded adapter) and @socket.io/redis-emitter 5.x, so sioc
 * processes, Node socket.io 4.x processes with that adapter and the
 * emitter share namespaces: broadcasts (msgpack on "KEY#NSP#" and
 * "KEY#NSP#ROOM#"), and the requests between servers ("KEY-request#NSP#",
 * answers on "KEY-response#NSP#"): fetch sockets, join, leave and
 * disconnect sockets by rooms, server-side emits, all rooms, broadcasts
 * with acks.
 *
 * The two Redis connections (publish, subscribe) live on the server's
 * libev loop (no thread). Redis down: every client stays connected and
 * local delivery goes on; what would be published meanwhile is dropped
 * (never sent twice or late); the connections come back on their own
 * with a bounded backoff and subscribe again; requests in flight end
 * with SIO_ECLOSED or SIO_ETIMEOUT and what was collected.
 *
 * Every call runs on the loop thread. Callbacks run exactly once unless
 * the call returned an error. */
#ifndef SIO_REDIS_H
#define SIO_REDIS_H

#include <stdbool.h>

#include "sio.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sio_redis sio_redis;

typedef struct sio_redis_options {
    const char *url;              /* "redis://[[USER]:PASS@]HOST[:PORT]"
                                     (port 6379 if none); copied */
    const char *key;              /* channel prefix, "socket.io" */
    unsigned requests_timeout_ms; /* requests between servers; 5000 */
    unsigned retry_min_ms;        /* first reconnection delay; 100 */
    unsigned retry_max_ms;        /* the backoff's bound; 5000 */
    size_t max_message;           /* bigger messages are dropped; 8 MiB */
} sio_redis_options;

void sio_redis_options_init(sio_redis_options *o);

/* Makes every namespace of srv (those that exist and those to come) use
 * the Redis adapter, and starts connecting (a Redis that is not up yet
 * is not an error: it is retried). Before sio_server_run, on a server on
 * the libev loop. New: call sio_redis_free after sio_server_run returned
 * and before sio_server_free. NULL on a bad url, the poll loop or out of
 * memory (logged). */
sio_redis *sio_redis_new(sio_server *srv, const sio_redis_options *o);
/* Closes the connections; namespaces go on with local rooms only. */
void sio_redis_free(sio_redis *r);
/* Both connections are up and subscribed. */
bool sio_redis_connected(const sio_redis *r);
/* This server's id in the cluster (borrowed). */
const char *sio_redis_uid(const sio_redis *r);

/* ---- cluster operations ---------------------------------------------------
 * A target here is a broadcast target of a namespace that uses the Redis
 * adapter (sio_all, sio_to, sio_except); SIO_EINVAL otherwise. */

/* Answers of a request: status 0, or SIO_ETIMEOUT / SIO_ECLOSED with what
 * was collected until then; result borrowed for the call. */
typedef void (*sio_redis_result_fn)(int status, json_t *result, void *ud);

/* The sockets t reaches on every server: result an array of objects
 * {"id", "rooms", "handshake", "data"} (data: what the application's
 * sio_redis_on_socket_data gives, else null, for sioc's sockets). */
int sio_redis_fetch_sockets(sio_target t, sio_redis_result_fn fn, void *ud);
/* socket.data as other servers see it: fn returns a new JSON value for
 * s (NULL: null). One per cluster object; NULL removes it. */
typedef json_t *(*sio_redis_data_fn)(sio_socket *s, void *ud);
void sio_redis_on_socket_data(sio_redis *r, sio_redis_data_fn fn, void *ud);

/* The sids of the sockets in any of t's rooms, on every server (the
 * lighter request: ids only); result an array of strings, no repeats. */
int sio_redis_sockets(sio_target t, sio_redis_result_fn fn, void *ud);
/* Every room of ns on every server (each socket's sid room included, as
 * socket.io counts them); result an array of strings, no repeats. */
int sio_redis_all_rooms(sio_namespace *ns, sio_redis_result_fn fn, void *ud);
/* How many servers share ns (this one included): result an integer. */
int sio_redis_server_count(sio_namespace *ns, sio_redis_result_fn fn, void *ud);

/* The sockets t reaches on every server join (leave) room, or
 * disconnect (close: their whole connection). Local ones at once; 0,
 * SIO_EINVAL or SIO_ENOMEM. */
int sio_redis_sockets_join(sio_target t, const char *room);
int sio_redis_sockets_leave(sio_target t, const char *room);
int sio_redis_disconnect_sockets(sio_target t, bool close);

/* Emits event with args (stolen array, NULL = none) to every socket t
 * reaches on every server, asking each client for an ack: fn gets an
 * array of the first argument of every answer once all answered, or
 * SIO_ETIMEOUT after timeout_ms (0: 10 s) with those that came. */
int sio_redis_emit_with_ack(sio_target t, const char *event, json_t *args,
                            unsigned timeout_ms, sio_redis_result_fn fn,
                            void *ud);

/* Server-side emits: to the other servers of ns (not to clients). With
 * fn, each server is asked for an answer: result the array of answers
 * (one per server that answered). args stolen (NULL = none). */
int sio_redis_server_side_emit(sio_namespace *ns, const char *event,
                               json_t *args, sio_redis_result_fn fn, void *ud);
/* A server-side emit from another server: args borrowed; reply non-NULL
 * when the sender waits for an answer: call sio_redis_reply once. */
typedef struct sio_redis_reply sio_redis_reply;
typedef void (*sio_redis_server_event_fn)(sio_namespace *ns, const char *event,
                                          json_t *args, sio_redis_reply *reply,
                                          void *ud);
/* Sets the handler of server-side emits of every namespace (one per
 * cluster object; NULL removes it: they are then dropped unanswered, as
 * socket.io drops those nobody listens to). */
void sio_redis_on_server_event(sio_redis *r, sio_redis_server_event_fn fn,
                               void *ud);
/* Answers (value stolen; NULL = null) and frees reply. 0 or
 * SIO_ECLOSED (Redis is down: the answer is lost). */
int sio_redis_reply_send(sio_redis_reply *reply, json_t *value);

#ifdef __cplusplus
}
#endif

#endif
