/* eio.h - Engine.IO v4 server on libwebsockets.
 *
 * The transport layer of libsio, usable alone: HTTP long-polling,
 * WebSocket, the upgrade between them, heartbeat, size limits and CORS.
 * It delivers whole Engine.IO messages to callbacks and sends refcounted
 * messages. Everything here runs on the loop thread unless a function
 * says "any thread".
 *
 * Ownership words: "new" = caller owns the result; "borrowed" = valid
 * while the owner lives; "ref" = the callee takes its own reference.
 */
#ifndef EIO_H
#define EIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define EIO_MUST_CHECK __attribute__((warn_unused_result))
#else
#define EIO_MUST_CHECK
#endif

/* Error codes: functions return 0 or one of these (negative). */
enum {
    EIO_OK = 0,
    EIO_ENOMEM = -1,  /* allocation failed */
    EIO_EINVAL = -2,  /* bad argument */
    EIO_ECLOSED = -3, /* session is closing or closed */
    EIO_ELIMIT = -4,  /* a configured limit would be exceeded */
    EIO_EIO = -5,     /* listen/bind or other system failure */
};

/* ---- messages: refcounted wire bytes ----------------------------------
 *
 * An eio_msg holds one Engine.IO packet as it goes on a WebSocket frame:
 * for text, the type character then the payload ("4hello"); for binary,
 * the raw bytes. It has libwebsockets' LWS_PRE headroom in front, so a
 * WebSocket write needs no copy, and one message can be queued on many
 * sessions (a broadcast is encoded once). While its refcount is 1 the
 * builder may append; after it is queued anywhere it is immutable. The
 * messages of typed emits and acks come from a per-server pool: release
 * those (eio_msg_unref) on the loop thread. */
typedef struct eio_msg eio_msg;

/* New message, refcount 1, empty; reserve is a capacity hint. */
eio_msg *eio_msg_new(size_t reserve, bool binary);
/* Appends n bytes. May move the message: *m is updated. The message must
 * not be shared (refcount 1). Returns 0 or EIO_ENOMEM (*m unchanged). */
int eio_msg_append(eio_msg **m, const void *p, size_t n) EIO_MUST_CHECK;
/* Convenience: new text message "<type><payload>" (refcount 1). */
eio_msg *eio_msg_text(char type, const void *payload, size_t n);
const uint8_t *eio_msg_data(const eio_msg *m); /* borrowed */
uint8_t *eio_msg_wdata(eio_msg *m); /* writable, only while unshared */
size_t eio_msg_len(const eio_msg *m);
bool eio_msg_binary(const eio_msg *m);
eio_msg *eio_msg_ref(eio_msg *m);
void eio_msg_unref(eio_msg *m); /* NULL is fine */

/* ---- server ----------------------------------------------------------- */
typedef struct eio_server eio_server;
typedef struct eio_session eio_session;
typedef struct eio_timer eio_timer;
typedef struct eio_http_req eio_http_req;

typedef enum eio_close_reason {
    EIO_CLOSE_TRANSPORT_CLOSE = 1, /* peer closed, or sent a close packet */
    EIO_CLOSE_TRANSPORT_ERROR,     /* I/O error, or a protocol violation
                                      of the transport (duplicate poll) */
    EIO_CLOSE_PING_TIMEOUT,        /* no pong within pingTimeout */
    EIO_CLOSE_PARSE_ERROR,         /* malformed Engine.IO packet/payload */
    EIO_CLOSE_TOO_LARGE,           /* message over maxPayload */
    EIO_CLOSE_SERVER,              /* eio_session_close() */
    EIO_CLOSE_SHUTDOWN,            /* the server is stopping */
    EIO_CLOSE_SLOW_CONSUMER,       /* outbound buffer limit exceeded */
} eio_close_reason;

/* "transport close", "ping timeout", ... as socket.io names them. */
const char *eio_close_reason_str(eio_close_reason r);

typedef struct eio_callbacks {
    /* A session was opened (handshake done). Return 0 to keep it, non-zero
     * to refuse (it is closed without a close callback). */
    int (*open)(eio_session *s, void *ud);
    /* One message (type 4) arrived. data is borrowed for the call. For
     * text, data is the payload after the '4'. */
    void (*message)(eio_session *s, const uint8_t *data, size_t len,
                    bool binary, void *ud);
    /* The session is gone; called once; s is freed right after. */
    void (*close)(eio_session *s, eio_close_reason why, void *ud);
    /* The server is stopping (eio_server_stop): last chance to queue
     * goodbye messages; every session is then flushed and closed. */
    void (*shutdown)(eio_server *srv, void *ud);
    /* A plain HTTP request outside the Engine.IO path (its body, if any,
     * already read). Answer it before returning (eio_http_respond or
     * eio_http_file); return non-zero to let eio answer 404. NULL: every
     * such request gets 404. */
    int (*http)(eio_http_req *req, void *ud);
    /* The session moved from polling to WebSocket. NULL: not told. */
    void (*upgrade)(eio_session *s, void *ud);
} eio_callbacks;

/* The event loop under the server (eio_options.loop). */
typedef enum eio_loop_kind {
    EIO_LOOP_LIBEV = 0, /* default: libev on epoll; a wakeup costs what
                           is ready, not what is connected */
    EIO_LOOP_POLL,      /* libwebsockets' built-in poll(2) loop: every
                           wakeup scans every connection */
} eio_loop_kind;

typedef struct eio_options {
    const char *host;                 /* default "127.0.0.1" */
    int port;                         /* 0 = any free port (eio_server_port) */
    const char *path;                 /* default "/engine.io/" */
    unsigned ping_interval_ms;        /* default 25000 */
    unsigned ping_timeout_ms;         /* default 20000 */
    size_t max_payload;               /* default 1000000 bytes */
    const char *cors_origin;          /* NULL: no CORS headers; "*": any origin
                                         without credentials (Access-Control-
                                         Allow-Origin: *; browsers then send
                                         no cookies); else a comma list of
                                         origins (blanks around names
                                         ignored), each echoed with
                                         credentials when it asks */
    bool polling;                     /* default true */
    bool websocket;                   /* default true */
    bool allow_upgrades;              /* default true */
    size_t max_buffered;              /* per-session outbound memory (see
                                         eio_session_buffered); default 4 MiB;
                                         past it the session closes */
    unsigned shutdown_grace_ms;       /* default 3000 */
    size_t http_max_body;             /* plain HTTP request bodies; default
                                         1 MiB, past it 413 */
    const char *const *extra_headers; /* NULL-terminated names of
                                     non-standard request headers to keep
                                     for eio_session_header() (lws knows
                                     ~90 common ones; others must be
                                     named, e.g. "x-request-id"; at most
                                     32; the array must outlive the
                                     server) */
    const char *const *session_headers; /* NULL-terminated lower-case
                                     names of the handshake headers a
                                     session keeps for
                                     eio_session_header(), besides
                                     extra_headers; NULL: cookie, origin,
                                     referer, host, user-agent,
                                     authorization, accept-language and
                                     the proxy headers (x-forwarded-for,
                                     -proto, -host, x-real-ip,
                                     forwarded); {"*", NULL}: all. The
                                     array must outlive the server */
    int log_level;                    /* EIO_LOG_*: lines at or above it go
                                         to stderr; default EIO_LOG_INFO */
    eio_loop_kind loop;               /* default EIO_LOOP_LIBEV */
    void *foreign_loop;               /* NULL: the server owns its loop and
                                         eio_server_run() runs it. Else the
                                         application's own libev loop (a
                                         struct ev_loop *; loop must be
                                         EIO_LOOP_LIBEV), which the
                                         application runs on one thread;
                                         eio_server_run() is then not used */
    void (*stopped)(void *arg);       /* with a foreign loop: called on the
                                         loop once a stop has finished (every
                                         session closed and flushed, or the
                                         grace time over); free the server
                                         after it returns, not inside it */
    void *stopped_arg;
    const char *tls_cert; /* NULL: plain HTTP. Else a PEM
                             certificate (chain) file, served over
                             TLS on both transports with tls_key,
                             its PEM private key; both paths are
                             copied, the files read at start */
    const char *tls_key;
    size_t max_payload_packets;       /* packets in one polling POST; default
                                         10000; past it 400 and the session
                                         closes */
    size_t max_new_sessions;          /* sessions that have sent no message
                                         yet (a handshake, nothing after);
                                         default 10000 */
    size_t max_new_sessions_per_addr; /* the same, per remote address;
                                     default 512. Past either a new
                                     handshake gets 503 {"code":6,
                                     "message":"Too many sessions"} */
    bool ws_any_origin;               /* WebSocket handshakes from any page.
                                         Default false: a handshake whose
                                         Origin is neither the server's own
                                         (its Host) nor in cors_origin (any
                                         with "*") gets 403. Without Origin
                                         (not a browser): accepted. See
                                         eio_server_strict_origins */
    unsigned packets_per_turn;        /* packets of one POST handed to the
                                         application per loop turn (the rest
                                         on the next turns, the POST answered
                                         after the last); default 64 */
    const char *trusted_proxies;      /* NULL: X-Forwarded-For is ignored and
                                         a client's address is its TCP peer.
                                         Else a comma list of addresses and
                                         CIDR prefixes ("127.0.0.1,
                                         10.0.0.0/8, ::1"): a request from one
                                         of them is taken to come from the
                                         rightmost X-Forwarded-For entry that
                                         is not itself listed (docs/deploy.md).
                                         A bad entry fails eio_server_new */
    bool reuse_port;              /* default false. SO_REUSEPORT on the
                                     listening socket: several processes
                                     listen on one port and the kernel
                                     spreads new connections among them
                                     (one loop per core, docs/event-
                                     loop.md). A session lives in one
                                     process: polling needs every request
                                     to reach it, which the kernel does
                                     not ensure, so pair this with
                                     websocket-only clients or a sticky
                                     proxy in front */
} eio_options;

enum { EIO_LOG_ERR, EIO_LOG_WARN, EIO_LOG_INFO, EIO_LOG_DEBUG };

void eio_options_init(eio_options *o);

/* Is origin (an Origin header, "scheme://host[:port]") allowed to send
 * a browser's credentials here: the server's own origin (its host part
 * equals host, the request's Host header), or named in cors_origin
 * ("*" names none: it never allows credentials)? */
bool eio_server_origin_allowed(const eio_server *e, const char *origin,
                               const char *host);
/* From now on ws_any_origin and cors_origin "*" no longer let a
 * WebSocket handshake from another page through: only the server's own
 * origin and the named ones. For servers whose users are known by a
 * cookie, which a browser sends with any page's WebSocket. */
void eio_server_strict_origins(eio_server *e);

/* New server listening on o->host:o->port. cb is copied; ud is passed to
 * every callback. Returns NULL on failure (bind error: logged). */
eio_server *eio_server_new(const eio_options *o, const eio_callbacks *cb,
                           void *ud);
/* Runs the loop until eio_server_stop() and the graceful shutdown end.
 * Returns 0, or EIO_EINVAL with a foreign loop (the application runs
 * that one). */
int eio_server_run(eio_server *srv);
/* Asks the loop to stop gracefully. Any thread, async-signal-safe. With
 * a foreign loop, opts.stopped reports the end. */
void eio_server_stop(eio_server *srv);
/* Runs fn(arg) on the loop thread soon. Any thread. The queue is FIFO.
 * Returns 0 or EIO_ENOMEM/EIO_ECLOSED. */
int eio_server_post(eio_server *srv, void (*fn)(void *arg), void *arg);
/* Closes everything at once and frees. Not while eio_server_run runs. */
void eio_server_free(eio_server *srv);
int eio_server_port(const eio_server *srv); /* the bound port */
bool eio_server_tls(const eio_server *srv); /* serving over TLS */
const eio_options *eio_server_options(const eio_server *srv);
/* The libev loop the server runs on (a struct ev_loop *, borrowed), for
 * other watchers of the application (a Redis client); NULL on lws' poll
 * loop. */
void *eio_server_evloop(eio_server *srv);
/* Monotonic time of the loop in milliseconds. */
uint64_t eio_server_now_ms(const eio_server *srv);

/* ---- sessions -------------------------------------------------------- */
const char *eio_session_id(const eio_session *s); /* borrowed */
eio_server *eio_session_server(const eio_session *s);
void eio_session_set_data(eio_session *s, void *data);
void *eio_session_data(const eio_session *s);
/* "polling" or "websocket" (the current one). */
const char *eio_session_transport(const eio_session *s);

/* Queues a message (takes its own reference; the caller keeps its own).
 * Returns 0, EIO_ECLOSED or EIO_ELIMIT (the session is then closing). */
int eio_session_send(eio_session *s, eio_msg *m);
/* Like eio_session_send, but drops the message (returns EIO_ELIMIT and
 * keeps the session) when the session's buffer is over half its limit. */
int eio_session_send_volatile(eio_session *s, eio_msg *m);
/* Queues n messages that belong together (a packet and its
 * attachments): all of them or none, the limits applied to their total
 * (as eio_session_send, or with volatile_ as eio_session_send_volatile).
 * EIO_ENOMEM also leaves nothing queued. */
int eio_session_send_all(eio_session *s, eio_msg *const *m, size_t n,
                         bool volatile_);
/* Memory held by what is queued and not yet written: each message's
 * allocation (header, headroom, capacity) and queue slot, not only its
 * payload bytes; max_buffered bounds this. */
size_t eio_session_buffered(const eio_session *s);
/* Flushes what is queued, then closes (close callback: EIO_CLOSE_SERVER). */
void eio_session_close(eio_session *s);

/* The handshake request, kept for the session's life (borrowed strings;
 * NULL when absent). Header names are case-insensitive; only the
 * headers eio_options.session_headers and extra_headers keep. */
const char *eio_session_header(const eio_session *s, const char *name);
const char *eio_session_query(const eio_session *s, const char *name);
const char *eio_session_remote_addr(const eio_session *s);
const char *eio_session_method(const eio_session *s);
const char *eio_session_path(const eio_session *s);
/* Every header (lower-case name, value, name, value, ...) or query
 * argument of the handshake: *pairs is borrowed like the strings above;
 * returns how many pairs. */
size_t eio_session_headers(const eio_session *s, const char *const **pairs);
size_t eio_session_queries(const eio_session *s, const char *const **pairs);

/* ---- plain HTTP requests ------------------------------------------------
 * Valid during the http callback only; strings borrowed from it. */
const char *eio_http_method(const eio_http_req *r); /* "GET", ... */
const char *eio_http_path(const eio_http_req *r);   /* without query */
const char *eio_http_header(const eio_http_req *r, const char *name);
const char *eio_http_query(const eio_http_req *r, const char *name);
const char *eio_http_remote_addr(const eio_http_req *r);
const uint8_t *eio_http_body(const eio_http_req *r, size_t *len);
/* Answers with status, content type and body (copied). headers: NULL or
 * a NULL-terminated list of name, value pairs ("set-cookie", "a=b", ...;
 * a name may repeat). Once per request: SIO_ESTATE-like EIO_EINVAL
 * after. */
int eio_http_respond(eio_http_req *r, int status, const char *content_type,
                     const void *body, size_t len, const char *const *headers);
/* Answers with the file at path (a regular file, streamed by lws), or
 * returns EIO_EINVAL if it is not one (the request is then unanswered). */
int eio_http_file(eio_http_req *r, const char *path, const char *content_type);

/* ---- timers on the loop ---------------------------------------------- */
typedef void (*eio_timer_fn)(eio_timer *t, void *ud);
/* New stopped timer (loop thread). */
eio_timer *eio_timer_new(eio_server *srv, eio_timer_fn fn, void *ud);
/* (Re)arms the timer to fire once after ms milliseconds. */
void eio_timer_start(eio_timer *t, uint64_t ms);
void eio_timer_stop(eio_timer *t);
bool eio_timer_active(const eio_timer *t);
void eio_timer_free(eio_timer *t); /* stops it; NULL is fine */

#ifdef __cplusplus
}
#endif
#endif /* EIO_H */
