/* sio_internal.h - the Socket.IO core's structures and the functions its
 * files share (internal, prefix siop_): server, connection, namespace,
 * socket, context, acks, targets, the in-memory adapter, typed dispatch. */
#ifndef SIO_INTERNAL_H
#define SIO_INTERNAL_H

#include "sio.h"

#include "log.h"
#include "map.h"
#include "eio_packet.h"
#include "sio_packet.h"
#include "util.h"
#include "sio_adapter.h"
#include "sio_ext.h"
#include "sio_internal_typed.h"

typedef struct sio_conn sio_conn;
typedef struct siop_recovery siop_recovery;

struct sio_server {
    sio_options opt;
    eio_server *eio;
    map nsps;        /* name -> sio_namespace */
    sio_conn *conns; /* every connection, for shutdown and free */
    void *app;
    bool stopping;
    sio_arena *arena; /* the typed dispatch's, reset after each call */
    /* Outgoing messages reused so that a steady stream of typed echoes
     * allocates nothing (with each socket's spare_ack). */
    eio_msg_pool *msg_pool;
    sio_error_fn on_error; /* handler failures not handled per namespace */
    void *error_ud;
    sio_adapter_new_fn adapter_new; /* NULL: the in-memory adapter */
    void *adapter_ud;
    const siop_ext_ops *ext_ops; /* the extension (sio_ext.h), or NULL */
    void *ext;
    size_t att_bytes; /* attachments held by every connection */
    struct {
        const sio_observer *ops;
        void *ud;
    } obs[SIO_MAX_OBSERVERS]; /* sio_observe.c */
    unsigned nobs;
    json_t *obs_bcast; /* [event, args...] of the broadcast being queued */
    struct siop_ack_slot *acks; /* typed acks by slot (sio_ack.c) */
    uint32_t nacks, free_ack;   /* free_ack: first free slot + 1, or 0 */
};

typedef struct handler {
    sio_event_fn fn;
    void *ud;
    char name[]; /* the map key */
} handler;

struct sio_namespace {
    sio_server *srv;
    sio_connect_fn on_connect;
    void *connect_ud;
    sio_disconnect_fn on_disconnect;
    void *disconnect_ud;
    sio_disconnect_fn on_disconnecting; /* before the rooms are left */
    void *disconnecting_ud;
    struct sio_adapter *adapter; /* rooms and broadcasts */
    sio_event_fn on_any;
    void *any_ud;
    sio_error_fn on_error;
    void *error_ud;
    map events;              /* event name -> handler */
    map sockets;             /* sid -> connected sio_socket (not a reference) */
    siop_recovery *recovery; /* NULL: opt.recovery_ms is 0 */
    size_t len;
    char name[];
};

typedef enum sock_state {
    SOCK_CONNECTING, /* its connect handler runs; emits are held */
    SOCK_CONNECTED,
    SOCK_GONE,
} sock_state;

struct sio_socket {
    unsigned refs;
    sock_state state;
    bool disconnect_asked; /* sio_disconnect while connecting */
    sio_namespace *ns;     /* may dangle once GONE: only used while live */
    sio_conn *conn;        /* NULL once GONE */
    sio_socket *next;      /* in conn->sockets */
    json_t *auth;
    void *data;
    sio_encoded *held; /* emits made while connecting */
    size_t nheld, capheld;
    struct out_ack *out_acks;           /* emits waiting for the client's ack,
                                           oldest first */
    map out_ids;                        /* their ids (text) -> out_ack */
    struct sio_pending_ack *typed_acks; /* taken by typed handlers, not
                                           answered yet (sio_ack.c) */
    struct sio_pending_ack *spare_ack;  /* one freed, kept for the next
                                           (an ack answered in its handler
                                           allocates nothing then) */
    int64_t next_ack_id;
    struct out_ack **out_tail; /* where the next one is appended */
    void *adapter_data;        /* the adapter's per-socket state (its rooms) */
    uint64_t mark;             /* broadcast dedup: last broadcast that saw it */
    bool recovered;            /* came back with its state (sio_recovery.c) */
    int64_t connected_at;      /* ms since 1970: its CONNECT */
    char sid[UTIL_ID_LEN + 1];
    char pid[UTIL_ID_LEN + 1]; /* its private id, with recovery on */
};

/* A binary packet whose attachments are still arriving. */
typedef struct pending {
    sio_packet pkt; /* pkt.nsp points into nsp */
    char *nsp;
    uint8_t **att;
    size_t *att_len;
    size_t natt;  /* received so far; pkt.attachments expected */
    size_t bytes; /* copies held, counted in srv->att_bytes too */
    bool refused; /* over a limit: attachments are counted, not kept */
} pending;

struct sio_conn {
    sio_server *srv;
    eio_session *session; /* NULL once Engine.IO closed it */
    sio_conn *prev, *next;
    sio_socket *sockets;
    eio_timer *connect_timer;
    eio_timer *att_timer; /* made on the first binary packet */
    pending bin;
    bool has_bin;
    bool closing;   /* input is ignored from now on */
    bool closed;    /* the Engine.IO close callback ran */
    sio_reason why; /* 0, or why the sio layer closed the session */
    void *ext;      /* the extension's state of it (sio_ext.h) */
    unsigned busy;  /* callers on the stack that use this connection */
};

struct sio_ctx {
    sio_socket *s;
    sio_conn *conn; /* for the handshake; its session may be NULL */
    const char *event;
    json_t *args;
    /* A typed event decoded from its text: args is parsed from it on
     * first use (sio_ctx_args), owned then. */
    const char *args_text;
    size_t args_len;
    bool args_owned;
    int64_t ack_id; /* -1: none, or answered, or taken */
    bool connecting;
    char *refuse_msg;
    json_t *refuse_data;
    json_t *g; /* the call's scratch store, made on first use */
    void *ext; /* the extension's state of this call */
};

/* Releases what a handler call's context gathered (g, the extension's). */
void siop_ctx_fini(sio_ctx *ctx);
/* The requires-auth test: the extension's, false without one. */
bool siop_ctx_authenticated(sio_ctx *ctx);

struct sio_pending_ack {
    sio_socket *s;
    int64_t id;
    /* Typed acks only (sio_ack.c): the event, for logs; listed on the
     * socket until answered; their slot in the server's table. */
    const char *event; /* NULL: not a typed ack */
    uint32_t slot;
    struct sio_pending_ack *next, **prev; /* in s->typed_acks; prev NULL
                                             when not listed */
};

/* A slot of the server's typed-ack table: live (a set), closed (its
 * socket went before the answer: a NULL, the handle still valid once),
 * or free (on the free list). The generation moves on when it is freed. */
typedef struct siop_ack_slot {
    sio_pending_ack *a;
    uint32_t gen;
    uint32_t next_free; /* free: the next free slot + 1, or 0 */
    bool used;          /* live or closed */
} siop_ack_slot;

/* An emit waiting for the client's ack (sio_ack.c). */
struct out_ack {
    struct out_ack *next, **prev; /* prev: the pointer to it */
    int64_t id;
    char key[24]; /* id as text, the key in s->out_ids */
    size_t klen;
    eio_timer *timer;
    sio_socket *s; /* not a reference: the socket ends its acks first */
    const sio_params *reply;
    sio_reply_invoke_fn invoke;
    sio_fn fn;
    void *user;
};

/* Client bytes for a log line; p == NULL prints "-". */
typedef struct span {
    const void *p;
    size_t n;
} span;

#define SPAN_NONE ((span){NULL, 0})

/* sio_conn.c */
span siop_span_str(const char *s);
/* One line about a rejected input: who sent it, where, why, a sample. */
void siop_conn_log(const sio_conn *c, int level, span nsp, span event,
                   const char *why, span in);
/* A caller on the stack uses c: it is not freed before the release. */
void siop_conn_hold(sio_conn *c);
void siop_conn_release(sio_conn *c);
void siop_conn_free(sio_conn *c);
/* Stops input and asks Engine.IO to flush and close. */
void siop_conn_close(sio_conn *c, sio_reason why);
sio_socket *siop_conn_find(const sio_conn *c, const char *nsp, size_t len);
void siop_conn_unlink(sio_conn *c, const sio_socket *s);
/* Queues an encoded packet, head then attachments as one group (e
 * borrowed). */
int siop_conn_send_mode(sio_conn *c, const sio_encoded *e, bool volatile_);
int siop_conn_send(sio_conn *c, const sio_encoded *e);
/* Encodes once and queues; data is borrowed. */
int siop_conn_send_packet(sio_conn *c, sio_packet_type type, const char *nsp,
                          int64_t id, const json_t *data);
/* CONNECT_ERROR {"message": msg[, "data": data]}; data is stolen. */
void siop_conn_send_connect_error(sio_conn *c, const char *nsp, const char *msg,
                                  json_t *data);
/* Every socket of c leaves: connected ones are told with DISCONNECT. */
void siop_conn_kick_all(sio_conn *c, sio_reason why);
/* The Engine.IO callbacks of a sio_server. */
int siop_conn_on_open(eio_session *es, void *ud);
void siop_conn_on_message(eio_session *es, const uint8_t *data, size_t len,
                          bool binary, void *ud);
void siop_conn_on_close(eio_session *es, eio_close_reason why, void *ud);
void siop_conn_on_shutdown(eio_server *e, void *ud);
void siop_conn_on_upgrade(eio_session *es, void *ud);

/* sio_namespace.c */
/* A CONNECT packet: joins the namespace, runs its connect handler. */
void siop_namespace_on_connect_packet(sio_conn *c, sio_packet *p, span in);
/* A CONNECT whose payload is not an object: CONNECT_ERROR, no close. */
void siop_namespace_on_bad_connect(sio_conn *c, const sio_packet *p,
                                   const char *why, span in);
void siop_namespace_free(sio_namespace *ns);

/* sio_socket.c */
sio_socket *siop_socket_new(sio_conn *c, sio_namespace *ns, json_t *auth);
void siop_socket_unref(sio_socket *s);
/* Takes s out of its connection and namespace; a socket that was
 * connected gets its disconnect handlers (unless why is 0). */
void siop_socket_drop(sio_socket *s, sio_reason why);
/* Server-side namespace disconnect of a connected socket. */
void siop_socket_kick(sio_socket *s, sio_reason why);
void siop_socket_held_clear(sio_socket *s);
int siop_socket_send_packet(sio_socket *s, sio_packet_type type, int64_t id,
                            const json_t *data);
/* An EVENT or BINARY_EVENT packet for s: its handler, or the catch-all. */
void siop_socket_on_event(sio_conn *c, sio_socket *s, sio_packet *p, span in);
/* One log line about a connection's socket: sid, namespace, why. */
void siop_log(const sio_socket *s, int level, const char *event,
              const char *why);
/* Encodes [event, ...args] once (args stolen) and sends or holds it;
 * id >= 0 asks the client for an ack. */
int siop_socket_emit(sio_socket *s, const char *event, json_t *args, int64_t id,
                     bool volatile_);
/* Encodes [event, ...args] (args stolen; NULL = none) for namespace nsp,
 * refusing reserved names, non-arrays and non-UTF-8. id >= 0 asks for an
 * ack. 0, or an error (out untouched). */
int siop_encode_event(const char *nsp, const char *event, json_t *args,
                      int64_t id, sio_encoded *out);
/* Queues an encoded packet to one socket (held while it connects). */
int siop_socket_send(sio_socket *s, const sio_encoded *e, bool volatile_);

/* sio_ack.c */
/* Sends ACK id with args (stolen; NULL = []). */
int siop_ack_answer(sio_socket *s, int64_t id, json_t *args);
/* The client's ACK packet for one of our emits (data borrowed). */
void siop_on_client_ack(sio_socket *s, int64_t id, json_t *data);
/* The client's answer to emit id could not be read (status, e.g.
 * SIO_EPROTO): its callback runs with that status. */
void siop_on_client_ack_failed(sio_socket *s, int64_t id, int status);
/* Ends every emit still waiting on s with SIO_ECLOSED, and logs the
 * typed acks of s never answered. */
void siop_fail_out_acks(sio_socket *s);
/* The streaming path of a typed EVENT: true if it dispatched the text
 * packet buf, false if the tree path must (sio_schema.c). */
bool siop_typed_fast_event(sio_conn *c, const uint8_t *buf, size_t len);
/* The typed handler's handle of ctx's ack for event: listed on its
 * socket and in the server's table until answered. Empty if the client
 * asked for none; out of memory, the client gets an error ack and the
 * handle is empty. */
sio_ack_ref siop_typed_ack_take(sio_ctx *ctx, const char *event);
/* Frees the typed-ack table (the sockets ended their acks first). */
void siop_typed_acks_free(sio_server *srv);

/* sio_observe.c: tell the observers (callers test srv->nobs first, so
 * that an unobserved server pays one test). */
#define SIOP_OBSERVED(srv) ((srv)->nobs != 0)
void siop_obs_conn(sio_conn *c, bool open, sio_reason why);
void siop_obs_upgraded(sio_conn *c);
void siop_obs_socket(sio_socket *s, bool connected, sio_reason why);
void siop_obs_room(sio_socket *s, const char *room, bool joined);
/* The rooms of s leaving its namespace: copied before it leaves them
 * ("a\0b\0", n names; NULL when out of memory), told as left after its
 * `disconnected` (and freed), in socket.io's order. */
char *siop_obs_rooms_take(sio_socket *s, size_t *n);
void siop_obs_rooms_left(sio_socket *s, char *rooms, size_t n);
void siop_obs_event(sio_socket *s, json_t *packet, bool in);
void siop_obs_message(sio_server *srv, size_t len, bool in);
/* The server is being freed: every observer releases its state. */
void siop_obs_free(sio_server *srv);
/* A broadcast of packet ([event, args...]) is being queued: returns the
 * one it interrupts, to give back to siop_obs_bcast_end. */
json_t *siop_obs_bcast_begin(sio_server *srv, json_t *packet);
void siop_obs_bcast_end(sio_server *srv, json_t *prev);

/* sio_target.c */
/* A typed emit belongs to its schema namespace nsp: SIO_EINVAL (and a
 * log line) for a target of another one, else 0. */
int siop_check_target(sio_target to, const char *nsp, const char *event);
/* Encodes args by p; logs and returns NULL when the application passed a
 * value the schema does not allow (e.g. a string that is not UTF-8). */
json_t *siop_encode_or_log(sio_socket *s, const char *event,
                           const sio_params *p, const void *args);

/* sio_recovery.c: connection state recovery (opt.recovery_ms). */
/* What a returning client gets back: its session, the events it missed. */
typedef struct siop_restored {
    struct rec_session *session;
    sio_encoded *missed;
    size_t nmissed;
} siop_restored;
/* Sets up ns's recovery when the server has it on: 0 or -1. */
int siop_recovery_init(sio_namespace *ns);
void siop_recovery_free(sio_namespace *ns);
/* An event to target t (or to one socket, to) about to go out: with
 * recovery on, its offset is appended to *e (replaced) and it is kept.
 * Only for events without an ack that are not volatile. */
int siop_recovery_stamp(sio_namespace *ns, const sio_target *t,
                        const sio_socket *to, sio_encoded *e);
/* A connected socket leaves for why: keeps its session if why allows. */
void siop_recovery_persist(sio_socket *s, sio_reason why);
/* The session named by a CONNECT auth {pid, offset}, taken from the
 * store, or NULL (a fresh socket). Free with siop_restored_free. */
siop_restored *siop_recovery_take(sio_namespace *ns, const json_t *auth);
/* Gives s the session's sid and pid (before it is accepted). */
void siop_recovery_apply(sio_socket *s, siop_restored *rs);
/* After CONNECT is answered: rejoins the rooms, sends what was missed. */
void siop_recovery_finish(sio_socket *s, siop_restored *rs);
void siop_restored_free(siop_restored *rs);

#endif
