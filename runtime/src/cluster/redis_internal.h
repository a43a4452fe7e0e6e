/* redis_internal.h - the Redis cluster adapter's shared state (internal,
 * prefix siop_redis_). */
#ifndef SIO_REDIS_INTERNAL_H
#define SIO_REDIS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "map.h"
#include "sio.h"
#include "sio_adapter.h"
#include "sio_redis.h"

struct redisAsyncContext;

/* Request types of @socket.io/redis-adapter 8.x. */
enum {
    RQ_SOCKETS = 0,
    RQ_ALL_ROOMS = 1,
    RQ_REMOTE_JOIN = 2,
    RQ_REMOTE_LEAVE = 3,
    RQ_REMOTE_DISCONNECT = 4,
    RQ_REMOTE_FETCH = 5,
    RQ_SERVER_SIDE_EMIT = 6,
    RQ_BROADCAST = 7,
    RQ_BROADCAST_CLIENT_COUNT = 8,
    RQ_BROADCAST_ACK = 9,
};

#define SIOP_REDIS_UID_LEN 6
#define SIOP_REDIS_REQ_ID_LEN 12

/* The adapter of one namespace. */
typedef struct siop_redis_ns {
    sio_adapter base;
    sio_adapter *local; /* the in-memory adapter: this process's rooms */
    sio_redis *r;       /* NULL once the cluster object is freed */
    char *chan;         /* KEY#NSP# */
    char *req_chan;     /* KEY-request#NSP# */
    char *resp_chan;    /* KEY-response#NSP# */
    char *own_chan;     /* KEY-response#NSP#UID# */
} siop_redis_ns;

typedef struct siop_redis_req siop_redis_req;

/* Where Redis is: "redis://[[USER]:PASS@]HOST[:PORT][/DB]" or
 * "HOST[:PORT]" (the DB does not matter: Pub/Sub spans databases). */
typedef struct siop_redis_url {
    char *host;
    int port;
    char *user, *pass; /* NULL: none */
} siop_redis_url;
/* Fills u (new strings): 0, or -1 (u partly filled: siop_redis_url_fini). */
int siop_redis_parse_url(siop_redis_url *u, const char *url);
void siop_redis_url_fini(siop_redis_url *u);

struct sio_redis {
    sio_server *srv;
    void *loop; /* struct ev_loop * */
    siop_redis_url url;
    /* url.host resolved once (none until it resolves): reconnecting
     * never blocks the loop on DNS. A failed connection moves on to the
     * next address. */
    char addrs[4][64];
    size_t naddrs, cur;
    char *key;
    sio_redis_options opt;
    struct redisAsyncContext *pub, *sub;
    bool pub_up, sub_up, closing;
    bool warned; /* the outage was logged (once per outage) */
    unsigned backoff_ms;
    eio_timer *retry;
    map nsps; /* namespace name -> siop_redis_ns */
    map reqs; /* request id -> siop_redis_req (ours, waiting) */
    sio_redis_server_event_fn on_event;
    void *event_ud;
    sio_redis_data_fn on_data;
    void *data_ud;
    int log_level;
    char uid[SIOP_REDIS_UID_LEN + 1];
};

/* ---- messages (sio_redis_codec.c) ---- */
/* A message of a channel: JSON when it starts with '{', else msgpack;
 * msgpack bin becomes a bytes value. New value, or NULL (malformed,
 * nested past SIO_PACKET_MAX_DEPTH, trailing bytes, ext types). */
json_t *siop_redis_decode(const void *buf, size_t len);
/* msgpack of v (bytes values as bin): new buffer in *out (free()), its
 * length in *len. 0 or -1. */
int siop_redis_pack(const json_t *v, char **out, size_t *len);

/* ---- connections (sio_redis_conn.c) ---- */
/* Publishes msg on chan when the publishing connection is up (dropped
 * otherwise: never queued for later). 0 or SIO_ECLOSED. */
int siop_redis_publish(sio_redis *r, const char *chan, const void *msg,
                       size_t len);
int siop_redis_publish_json(sio_redis *r, const char *chan, const json_t *v);
int siop_redis_publish_pack(sio_redis *r, const char *chan, const json_t *v);
/* Subscribes ns's channels (when the connection is up; again on every
 * reconnection). */
void siop_redis_subscribe(sio_redis *r, siop_redis_ns *a);
/* PUBSUB NUMSUB of chan: fn(count or -1, ud). 0 or SIO_ECLOSED. */
int siop_redis_numsub(sio_redis *r, const char *chan,
                      void (*fn)(sio_redis *r, long n, void *ud), void *ud);
void siop_redis_log_drop(sio_redis *r, const char *chan, const char *why,
                         const void *msg, size_t len);

/* ---- the adapter (sio_redis_adapter.c) ---- */
sio_adapter *siop_redis_adapter_new(sio_namespace *ns, void *ud);
/* A message on one of a's channels (msg borrowed). */
void siop_redis_on_message(siop_redis_ns *a, const char *chan, const void *msg,
                           size_t len);
/* The adapter of target t's namespace, if it is a Redis one. */
siop_redis_ns *siop_redis_of(sio_namespace *ns);
/* The local sockets opts {"rooms", "except"} reach, referenced
 * (sio_socket_ref): count in *n, array to free with siop_redis_unref. */
sio_socket **siop_redis_select(siop_redis_ns *a, const json_t *rooms,
                               const json_t *except, size_t *n);
void siop_redis_unref(sio_socket **v, size_t n);
/* {"rooms": [...], "except": [...]} of a target (except_socket as its
 * sid room). New, or NULL. */
json_t *siop_redis_target_opts(const sio_target *t);
/* A socket's summary for fetchSockets. New. */
json_t *siop_redis_socket_json(siop_redis_ns *a, sio_socket *s);

/* ---- requests (sio_redis_req.c) ---- */
/* A request from another server, decoded (borrowed). */
void siop_redis_on_request(siop_redis_ns *a, json_t *req);
/* A response to one of ours (borrowed). */
void siop_redis_on_response(siop_redis_ns *a, json_t *resp);
/* Ends every request in flight with SIO_ECLOSED (the connection fell or
 * the object is freed). */
void siop_redis_fail_all(sio_redis *r);
int siop_redis_new_id(char *out, size_t len);

#endif
