/* eio_internal.h - structures shared by the eio_*.c files (internal).
 * Nothing above the transport layer includes this file. */
#ifndef EIO_INTERNAL_H
#define EIO_INTERNAL_H

#include <ev.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <signal.h>

#include "eio.h"
#include "map.h"
#include "util.h"
#include "log.h"

struct eio_packet;

/* Timers live in a binary heap per server (eio_timer.c), driven by one
 * lws timer: lws 4.1 keeps its timers in a sorted list, so one per
 * session would cost O(sessions) per (re)arm. */
struct eio_timer {
    eio_server *srv;
    eio_timer_fn fn;
    void *ud;
    uint64_t due_us;
    size_t heap_idx; /* valid while active */
    bool active;
};

/* For timers embedded in other structs. */
void eiop_timer_init(eio_timer *t, eio_server *srv, eio_timer_fn fn, void *ud);

/* The handshake request, captured once: "name\0value\0" pairs. */
typedef struct eio_request {
    size_t nheaders, nquery;
    const char **headers; /* 2 * nheaders: lower-case name, value */
    const char **query;   /* 2 * nquery */
    const char *remote;
    const char *method;
    const char *path;
    /* the strings follow in the same allocation */
} eio_request;

/* Copies the request on wsi: every header for a plain HTTP request
 * (session false), for a session only those its options keep (see
 * eio_options.session_headers). NULL on failure. One allocation, freed
 * with free(). */
eio_request *eiop_request_capture(struct lws *wsi, bool session);
/* A header (icase) or query argument of a captured request, or NULL. */
const char *eiop_request_find(const eio_request *r, const char *name,
                              bool header);

/* Trusted reverse proxies (eio_proxy.c). */
struct eiop_proxy;
/* Parses a comma list of addresses and CIDR prefixes into *out (the
 * caller frees it). NULL list: none. Returns -1 on a bad entry. */
int eiop_proxies_parse(const char *list, struct eiop_proxy **out,
                       size_t *count);
/* The client's address: peer, or from xff (may be NULL) when peer is
 * one of the n proxies v. Writes at most len bytes to out. */
void eiop_client_addr(const struct eiop_proxy *v, size_t n, const char *peer,
                      const char *xff, char *out, size_t len);

enum transport { TR_POLLING, TR_WEBSOCKET };
enum sess_state { SS_OPEN, SS_CLOSING, SS_DEAD };

/* What a session asks of the transport that carries it, as lws' roles
 * and engine.io's transports do: polling (eio_polling.c) and WebSocket
 * (eio_ws.c). Sending is the session's queue: flush asks the transport
 * to write it when lws says writable; close lets go of the transport's
 * connections when the session ends (a held poll gets poll_reply). */
typedef struct eio_transport {
    enum transport kind;
    const char *name; /* as in the query's transport= */
    void (*flush)(eio_session *s);
    void (*close)(eio_session *s, char poll_reply);
    /* The transport a session may upgrade to (its probe), or NULL. */
    const struct eio_transport *upgrade;
} eio_transport;

extern const eio_transport eiop_polling, eiop_websocket;

struct eio_session {
    eio_server *srv;
    char sid[UTIL_ID_LEN + 1];
    const eio_transport *tr; /* the current transport */
    enum sess_state state;
    eio_close_reason reason;
    bool opened;          /* the open callback accepted it */
    bool upgrading;       /* probe answered, waiting for the upgrade packet */
    struct lws *ws;       /* websocket of the current transport */
    struct lws *probe_ws; /* websocket probing an upgrade */
    struct lws *poll_wsi; /* the held GET */
    eio_msg **q_v;        /* outbound ring */
    size_t q_head, q_len, q_cap, q_bytes; /* q_bytes: payload lengths */
    size_t q_held; /* their footprints (eiop_msg_footprint) */
    eio_timer ping_timer, pong_timer, close_timer;
    eio_timer reap_timer; /* frees a dead session outside its callbacks */
    eio_timer bye_timer;  /* the client's close packet, one turn later */
    bool client_closing;  /* that packet came; later ones are ignored */
    uint8_t *rx;          /* a POST body still being handed out */
    size_t rx_len, rx_off;
    struct lws *post_wsi; /* that POST, answered after its last packet */
    eio_timer rx_timer;   /* its next packets, one loop turn later */
    eio_request *req;
    bool fresh; /* no message from the client yet: counted in srv */
    void *data;
    eio_session *prev, *next; /* every live session of the server */
};

struct post_item {
    void (*fn)(void *);
    void *arg;
    struct post_item *next;
};

struct eio_server {
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    eio_options opts;
    char *host, *path, *cors, *tls_cert, *tls_key, *proxies_list;
    struct eiop_proxy *proxies; /* opts.trusted_proxies, parsed */
    size_t nproxies;
    eio_callbacks cb;
    void *ud;
    map sessions;        /* sid -> session, not the dying ones */
    map fresh_by_addr;   /* remote address -> struct fresh_count */
    size_t fresh;        /* sessions that have sent no message yet */
    bool strict_origins; /* eio_server_strict_origins */
    eio_session *all;    /* every session not yet freed */
    size_t dying;        /* aborted, not yet reaped */
    int port;
    pthread_mutex_t post_lock;
    struct post_item *post_head, *post_tail;
    volatile sig_atomic_t stop_requested;
    bool stopping;
    bool finished;
    uint8_t *wbuf; /* LWS_PRE + EIO_WBUF_SIZE: coalesced websocket writes */
    eio_timer stop_timer;
    eio_timer **heap; /* active timers, earliest first */
    size_t nheap, capheap;
    lws_sorted_usec_list_t heap_sul; /* fires for heap[0] (poll loop) */
    ev_timer heap_ev;                /* fires for heap[0] (libev) */
    struct ev_loop *evloop;          /* NULL on lws' poll(2) loop */
    void *foreign_loops[1];          /* handed to lws at creation */
    bool own_loop;                   /* evloop is ours to destroy */
    int listen_fd;                   /* reuse_port's own listener, or -1 */
    ev_io listen_ev;
};

/* Websocket frames of one writable are coalesced up to this size. */
#define EIO_WBUF_SIZE (64 * 1024)

enum pss_kind {
    PK_NONE,
    PK_POLL,
    PK_POST,
    PK_REPLY,
    PK_WS,
    PK_APP_BODY, /* a plain HTTP request, its body being read */
    PK_FILE,     /* lws streams a file */
};

/* Per-wsi state: one HTTP request, or one websocket. */
struct pss {
    enum pss_kind kind;
    eio_session *s;            /* PK_POLL, PK_WS */
    char sid[UTIL_ID_LEN + 1]; /* PK_POST: looked up when the body ends */
    int status;                /* PK_REPLY */
    const char *ctype;
    eio_msg *body;
    int phase; /* 0: headers next, 1: body next */
    bool close_after, preflight, conn_close;
    bool app;   /* the application's response: its headers, no no-store */
    char *xhdr; /* its extra headers: "name\0value\0"... */
    size_t xhdr_len;
    bool probe, probe_reply, kill; /* websocket */
    uint8_t *rx;                   /* POST body or websocket fragments */
    size_t rx_len, rx_cap;
    char *origin, *acrh; /* CORS request headers (HTTP only; heap) */
};

/* The server of a wsi (lws keeps it as the context's user pointer). */
static inline eio_server *eiop_server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* Copies header t of wsi into buf (len bytes); 0, or -1 if absent or too
 * long. */
static inline int eiop_hdr_copy(struct lws *wsi, enum lws_token_indexes t,
                                char *buf, int len)
{
    if (lws_hdr_total_length(wsi, t) <= 0)
        return -1;
    return lws_hdr_copy(wsi, buf, len, t) < 0 ? -1 : 0;
}

/* Appends to p->rx (a body or websocket fragments), growing it at most
 * to limit past what is needed. 0 or -1 (out of memory). */
int eiop_pss_append(struct pss *p, const void *in, size_t len, size_t limit);

/* Frees what a pss owns (idempotent). */
void eiop_pss_release(struct pss *p);

extern const struct lws_protocols eiop_lws_protocols[];

#define LOGF(srv, lvl, ...) log_line((srv)->opts.log_level, (lvl), __VA_ARGS__)

/* eio_timer.c */
void eiop_timers_fini(eio_server *srv);

/* eio_listen.c: reuse_port's listener (libev loop only), closed when a
 * stop begins. */
int eiop_listen_shared(eio_server *srv);
void eiop_listen_close(eio_server *srv);

/* eio_loop.c */
void eiop_loop_wake(eio_server *srv); /* after each wake-up */

/* eio_session.c */
eio_session *eiop_session_new(eio_server *srv, struct lws *wsi,
                              const eio_transport *tr);
/* Ends the session now; a held poll gets poll_reply ('1' or '6'). */
void eiop_session_abort(eio_session *s, eio_close_reason why, char poll_reply);
/* Flushes what is queued, then ends (on polling, a close packet in a
 * response of its own). */
void eiop_session_close(eio_session *s, eio_close_reason why);
void eiop_session_free(eio_session *s);
void eiop_session_flush(eio_session *s);
/* New sessions per address (eio_session.c): may one more come from
 * addr? Counted from creation to the client's first message. */
bool eiop_fresh_room(eio_server *srv, const char *addr);
void eiop_fresh_end(eio_session *s);

/* Handles one packet; -1 if the session ended. */
int eiop_session_packet(eio_session *s, const struct eio_packet *pk);
eio_msg *eiop_queue_pop(eio_session *s);
/* Everything queued as one polling payload; NULL on allocation failure. */
eio_msg *eiop_drain_queue(eio_session *s);
void eiop_sessions_shutdown(eio_server *srv);
void eiop_sessions_free_all(eio_server *srv);

/* eio_request.c: the Engine.IO request's checks */
/* Engine.IO error codes, as the reference server sends them. */
enum {
    ERR_TRANSPORT_UNKNOWN,
    ERR_UNKNOWN_SID,
    ERR_BAD_HANDSHAKE_METHOD,
    ERR_BAD_REQUEST,
    ERR_FORBIDDEN,
    ERR_UNSUPPORTED_PROTOCOL_VERSION,
    ERR_TOO_MANY_SESSIONS, /* ours: 503 */
};
/* Is origin in the cors_origin list (eio_response.c)? */
bool eiop_origin_listed(const eio_server *srv, const char *origin);

/* The HTTP status of an error code. */
int eiop_error_status(int code);
const char *eiop_error_message(int code);
enum req_kind { REQ_POLLING, REQ_WEBSOCKET };
/* Checks an Engine.IO request's query: -1 if fine, else an error code;
 * *sout is the session named by sid (NULL for a handshake). */
int eiop_verify_request(struct lws *wsi, enum req_kind kind, bool is_get,
                        eio_session **sout);
/* Is uri the configured Engine.IO path (trailing slash optional)? */
bool eiop_path_matches(const eio_server *srv, const char *uri, int len);
/* Answers {"code":N,"message":...} with eiop_error_status(code). */
void eiop_respond_error(struct lws *wsi, struct pss *p, int code);
void eiop_refuse_upgrade(struct lws *wsi, int code);

/* eio_response.c */
/* Starts an HTTP request: resets p, keeps what the response will need
 * (Origin, CORS request headers, Connection: close); the method (an
 * LWSHUMETH_*), or -1 after answering 400. */
int eiop_http_begin(struct lws *wsi, struct pss *p, char **uri, int *ulen);
/* Prepares a response (body stolen, may be NULL); written when writable. */
void eiop_respond(struct lws *wsi, struct pss *p, int status, const char *ctype,
                  eio_msg *body);
void eiop_respond_text(struct lws *wsi, struct pss *p, int status,
                       const char *ctype, const char *text);
/* One step of writing a prepared response: headers, then body. */
int eiop_write_response(struct lws *wsi, struct pss *p);

/* eio_polling.c */
/* An Engine.IO HTTP request (method meth): a poll, a POST or OPTIONS. */
int eiop_polling_request(struct lws *wsi, struct pss *p, int meth);
/* The held poll p became writable. */
int eiop_poll_writable(struct lws *wsi, struct pss *p);
void eiop_poll_closed(struct pss *p, struct lws *wsi);
int eiop_post_body_chunk(struct lws *wsi, struct pss *p, const void *in,
                         size_t len);
void eiop_post_body_done(struct lws *wsi, struct pss *p);
/* Drops what is left of a POST body and answers the POST (idempotent). */
void eiop_post_finish(eio_session *s);
void eiop_post_next(eio_timer *t, void *ud); /* rx_timer's callback */

/* eio_app.c */
int eiop_app_request(struct lws *wsi, struct pss *p);
int eiop_app_body_chunk(struct lws *wsi, struct pss *p, const void *in,
                        size_t len);
void eiop_app_body_done(struct lws *wsi, struct pss *p);

/* eio_ws.c */
int eiop_ws_filter(struct lws *wsi);
int eiop_ws_established(struct lws *wsi, struct pss *p);
int eiop_ws_receive(struct lws *wsi, struct pss *p, const void *in, size_t len);
int eiop_ws_writable(struct lws *wsi, struct pss *p);
void eiop_ws_closed(struct pss *p, struct lws *wsi);

#endif
