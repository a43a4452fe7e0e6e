/* sio_internal.h - the Socket.IO core's structures, shared by its files
 * (sio_server.c: connections, sockets, dispatch; sio_schema.c: typed
 * dispatch, targets, acks both ways). Internal functions: prefix siop_. */
#ifndef SIO_INTERNAL_H
#define SIO_INTERNAL_H

#include "sio.h"

#include "log.h"
#include "map.h"
#include "sio_packet.h"
#include "util.h"
#include "sio_adapter.h"

typedef struct sio_conn sio_conn;

struct sio_server {
    sio_options opt;
    eio_server *eio;
    map nsps;        /* name -> sio_namespace */
    sio_conn *conns; /* every connection, for shutdown and free */
    void *app;
    bool stopping;
    sio_arena *arena;      /* the typed dispatch's, reset after each call */
    sio_error_fn on_error; /* handler failures not handled per namespace */
    void *error_ud;
    struct sio_http *http;           /* the HTTP side; NULL until used */
    struct sio_routes *routes;       /* NULL until a route is added */
    struct sio_websession *sessions; /* NULL: sessions off */
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
    map events;  /* event name -> handler */
    map sockets; /* sid -> connected sio_socket (not a reference) */
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
    struct out_ack *out_acks; /* emits waiting for the client's ack */
    int64_t next_ack_id;
    void *adapter_data; /* the adapter's per-socket state (its rooms) */
    uint64_t mark;      /* broadcast dedup: last broadcast that saw it */
    char sid[UTIL_ID_LEN + 1];
};

/* A binary packet whose attachments are still arriving. */
typedef struct pending {
    sio_packet pkt; /* pkt.nsp points into nsp */
    char *nsp;
    uint8_t **att;
    size_t *att_len;
    size_t natt; /* received so far; pkt.attachments expected */
} pending;

struct sio_conn {
    sio_server *srv;
    eio_session *session; /* NULL once Engine.IO closed it */
    sio_conn *prev, *next;
    sio_socket *sockets;
    eio_timer *connect_timer;
    pending bin;
    bool has_bin;
    bool closing;   /* input is ignored from now on */
    bool closed;    /* the Engine.IO close callback ran */
    sio_reason why; /* 0, or why the sio layer closed the session */
    json_t *web;    /* its own user session (forked), or NULL: see
                       sio_websession.c */
    char *web_id;   /* server-side store id from the handshake cookie */
    unsigned busy;  /* callers on the stack that use this connection */
};

struct sio_ctx {
    sio_socket *s;
    sio_conn *conn; /* for the handshake; its session may be NULL */
    const char *event;
    json_t *args;
    int64_t ack_id; /* -1: none, or answered, or taken */
    bool connecting;
    char *refuse_msg;
    json_t *refuse_data;
    json_t *g;        /* the call's scratch store, made on first use */
    json_t *web_view; /* server-side session read for this call */
};

/* Releases what a handler call's context gathered (g, session view). */
void siop_ctx_fini(sio_ctx *ctx);

struct sio_pending_ack {
    sio_socket *s;
    int64_t id;
};

/* An emit waiting for the client's ack (sio_schema.c). */
struct out_ack {
    struct out_ack *next;
    int64_t id;
    eio_timer *timer;
    sio_socket *s; /* not a reference: the socket ends its acks first */
    const sio_params *reply;
    sio_reply_invoke_fn invoke;
    sio_fn fn;
    void *user;
};

/* sio_server.c */
/* One log line about a connection's socket: sid, namespace, why. */
void siop_log(const sio_socket *s, int level, const char *event,
              const char *why);
/* Encodes [event, ...args] once (args stolen) and sends or holds it;
 * id >= 0 asks the client for an ack. */
int siop_socket_emit(sio_socket *s, const char *event, json_t *args, int64_t id,
                     bool volatile_);
void siop_socket_kick(sio_socket *s, sio_reason why);
/* Encodes [event, ...args] (args stolen; NULL = none) for namespace nsp,
 * refusing reserved names, non-arrays and non-UTF-8. id >= 0 asks for an
 * ack. 0, or an error (out untouched). */
int siop_encode_event(const char *nsp, const char *event, json_t *args,
                      int64_t id, sio_encoded *out);
/* Queues an encoded packet to one socket (held while it connects). */
int siop_socket_send(sio_socket *s, const sio_encoded *e, bool volatile_);

/* sio_http.c */
/* 0 if answered, non-zero for 404. */
int siop_http_request(sio_server *srv, eio_http_req *r);
void siop_http_free(sio_server *srv);

/* An HTTP request being answered by a route (sio_route.c). */
#define SIO_REQ_MAX_PARAMS 8
#define SIO_REQ_MAX_HEADERS 16
struct sio_req {
    sio_server *srv;
    eio_http_req *http;
    struct {
        const char *name; /* in the pattern */
        size_t nlen;
        char *value;
    } params[SIO_REQ_MAX_PARAMS];
    size_t nparams;
    json_t *form, *json;
    bool form_parsed, json_parsed, answered;
    char *hdrs[SIO_REQ_MAX_HEADERS * 2]; /* name, value pairs */
    size_t nhdrs;
    json_t *cookies; /* name -> value, each kept until the request ends */
    /* the session of the request (sio_websession.c) */
    json_t *session;
    char *session_id;
    bool session_loaded, session_dirty;
};

/* sio_route.c */
/* 0 if a route answered (or 405), non-zero if none matched. */
int siop_route_request(sio_server *srv, eio_http_req *http);
void siop_routes_free(sio_server *srv);

/* sio_websession.c */
void siop_session_req_save(sio_req *r); /* before the response goes */
void siop_session_req_fini(sio_req *r);
void siop_session_conn_open(sio_conn *c); /* at the handshake */
void siop_session_conn_free(sio_conn *c);
void siop_sessions_free(sio_server *srv);
/* The requires-auth test: a user id and, with a loader, a user. */
bool siop_ctx_authenticated(sio_ctx *ctx);

/* sio_rooms.c */
struct sio_adapter *siop_adapter_mem_new(sio_namespace *ns);

/* sio_schema.c */
/* The client's ACK packet for one of our emits (data borrowed). */
void siop_on_client_ack(sio_socket *s, int64_t id, json_t *data);
/* Ends every emit still waiting on s with SIO_ECLOSED. */
void siop_fail_out_acks(sio_socket *s);

#endif
