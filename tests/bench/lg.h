/*
 * lg.h - the benchmark load generator's shared types (tests/bench/).
 *
 * Layout, after redis-benchmark: a controller (the main thread) moves the
 * run through its phases and reads the server's /proc files; T worker
 * threads each own an epoll loop and a slice of the connections.  Files:
 *   loadgen.c    options, the controller, the RESULT line
 *   lg_conn.c    one connection: TCP, HTTP upgrade, WebSocket frames,
 *                Engine.IO open and Socket.IO CONNECT, pings
 *   lg_loop.c    the worker threads' epoll loop and connection pacing
 *   lg_echo.c    echo and rtt; lg_fanout.c; lg_connect.c: the modes
 *   lg_ws.c      WebSocket framing and the Sec-WebSocket-Key/Accept pair
 *   lg_hist.c    latency histogram; lg_proc.c: /proc/PID/{stat,status}
 * Wire data is (ptr, len), never NUL-terminated.
 */
#ifndef LG_H
#define LG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Exit statuses (docs/bench.md). */
enum {
    LG_EXIT_OK = 0,
    LG_EXIT_USAGE = 1,
    LG_EXIT_CONN = 2,
    LG_EXIT_PROTO = 3,
    LG_EXIT_TIMEOUT = 4
};

typedef enum lg_mode { LG_ECHO, LG_RTT, LG_FANOUT, LG_CONNECT } lg_mode;

/* The run's phases, moved forward only, by the controller or (fanout,
 * connect) by the worker that sees the last event of a phase. */
typedef enum lg_phase {
    LG_PH_SETUP,   /* threads started, nothing connects yet */
    LG_PH_CONNECT, /* connections are opened, P at a time */
    LG_PH_WARMUP,  /* traffic, not counted */
    LG_PH_MEASURE, /* traffic, counted */
    LG_PH_DRAIN,   /* no new requests; outstanding replies still checked */
    LG_PH_DONE     /* close everything */
} lg_phase;

typedef enum lg_state {
    LG_ST_IDLE,  /* not started */
    LG_ST_TCP,   /* non-blocking connect in progress */
    LG_ST_HTTP,  /* upgrade request sent, waiting for 101 */
    LG_ST_OPEN,  /* waiting for the Engine.IO open packet */
    LG_ST_SIO,   /* "40" sent, waiting for 40{"sid":...} */
    LG_ST_READY, /* Socket.IO connected */
    LG_ST_CLOSED
} lg_state;

/* ---- histogram (lg_hist.c) ---------------------------------------------
 * Log-linear buckets over nanoseconds: exact below 128 ns, then 64
 * buckets per power of two (1.6% resolution) up to 2^40 ns (18 min). */
#define LG_HIST_SUB_BITS 7
#define LG_HIST_SUB (1 << LG_HIST_SUB_BITS)
#define LG_HIST_MAX_BITS 40
#define LG_HIST_BUCKETS                                                        \
    (LG_HIST_SUB + (LG_HIST_MAX_BITS - LG_HIST_SUB_BITS) * (LG_HIST_SUB / 2))

typedef struct lg_hist {
    uint64_t count;
    uint64_t b[LG_HIST_BUCKETS];
} lg_hist;

void lg_hist_add(lg_hist *h, uint64_t ns);
void lg_hist_merge(lg_hist *dst, const lg_hist *src);
/* Value (ns) at quantile q in [0, 1]; 0 when empty. */
double lg_hist_quantile(const lg_hist *h, double q);

/* ---- /proc (lg_proc.c) ------------------------------------------------- */
/* utime + stime of every thread of pid, in microseconds; -1 on error. */
int lg_proc_cpu_us(pid_t pid, double *us);
/* VmRSS of pid in KiB; -1 on error. */
int lg_proc_rss_kib(pid_t pid, long *kib);

/* ---- WebSocket (lg_ws.c) ----------------------------------------------- */
#define LG_WS_KEY_LEN 24    /* base64 of 16 bytes */
#define LG_WS_ACCEPT_LEN 28 /* base64 of a SHA-1 */
#define LG_WS_MAX_HDR 14    /* client frame header, mask included */

typedef struct lg_frame {
    int fin;
    int opcode;
    const uint8_t *payload;
    size_t len;
} lg_frame;

void lg_ws_key(const uint8_t rnd[16], char key[LG_WS_KEY_LEN + 1]);
/* The Sec-WebSocket-Accept a server must answer to key; -1 on failure. */
int lg_ws_accept(const char *key, char out[LG_WS_ACCEPT_LEN + 1]);
/* Writes a masked client frame (FIN set) to dst, which has room for
 * len + LG_WS_MAX_HDR bytes; returns the bytes written. */
size_t lg_ws_frame(uint8_t *dst, int opcode, const void *payload, size_t len,
                   uint32_t mask);
/* Parses one server frame at buf: > 0 its size (f filled), 0 incomplete,
 * -1 malformed (*why says how). */
long lg_ws_parse(const uint8_t *buf, size_t len, size_t max_payload,
                 lg_frame *f, const char **why);

#define LG_SCRATCH_SIZE (256 * 1024) /* one read() */
#define LG_MAX_MESSAGE (16u << 20)   /* largest message accepted */

/* ---- options ------------------------------------------------------------ */
typedef struct lg_opts {
    lg_mode mode;
    const char *mode_name;
    long conns;      /* -c: echo conns, fanout receivers, connect count */
    long inflight;   /* -w */
    double duration; /* -d seconds */
    long size;       /* -s payload bytes */
    long count;      /* -n broadcasts */
    long parallel;   /* -P connects in flight */
    long threads;    /* -t */
    double hold;     /* --hold seconds */
    double warmup;   /* --warmup seconds */
    double timeout;  /* --timeout seconds without progress */
    const char *host;
    long port;
    long ports[16];   /* --ports: connection i goes to ports[i % nports] */
    const char *room; /* --room: fanout's room, "r" by default */
    int nports;
    const char *path;
    pid_t server_pid;
    struct sockaddr_storage dst;
    socklen_t dst_len;
    struct sockaddr_storage *src; /* --source, nsrc entries */
    int nsrc;
} lg_opts;

/* ---- connections and threads ------------------------------------------- */
struct lg_thread;
struct lg_run;

typedef struct lg_conn {
    int fd;
    long idx; /* global index: 0..total-1 */
    lg_state state;
    unsigned out_armed : 1; /* EPOLLOUT registered */
    unsigned hot : 1;       /* keeps its write buffer between flushes */
    unsigned joined : 1;    /* fanout receiver: join acked */
    unsigned in_frag : 1;   /* inside a fragmented text message */
    struct lg_thread *th;
    uint64_t t_start; /* connect() time, ns */
    /* input left over from the last read (an incomplete frame) */
    uint8_t *rbuf;
    size_t rlen, rcap;
    /* reassembly of a fragmented message */
    uint8_t *frag;
    size_t flen;
    /* output not yet written */
    uint8_t *wbuf;
    size_t wlen, woff, wcap;
    char *accept; /* expected Sec-WebSocket-Accept, during LG_ST_HTTP */
    /* mode data */
    uint64_t *slot_id; /* echo: ack id in flight per slot */
    uint64_t *slot_t;  /* echo: its send time, 0 = slot free */
    uint64_t next_seq; /* fanout receiver: next tick expected */
} lg_conn;

typedef struct lg_thread {
    int id;
    pthread_t tid;
    int epfd;
    int evfd; /* woken by the controller or another worker */
    struct lg_run *run;
    lg_conn *conns; /* conns[k] has global index id + k * threads */
    long nconns;
    long next_start; /* pacing: next conns[] to open */
    long opening;    /* handshakes in flight */
    uint64_t rng;
    uint8_t *scratch; /* read buffer */
    char *pkt;        /* packet text being built */
    char *alpha;      /* filler letters, see LG_ALPHA_LEN */
    size_t pkt_cap;
    int started;            /* mode: traffic started on this thread */
    long pending;           /* echo: requests in flight on this thread */
    atomic_int drained;     /* echo: nothing pending after LG_PH_DRAIN */
    atomic_ullong progress; /* read events, for the controller's watchdog */
    uint64_t msgs;          /* counted replies (echo) */
    uint64_t last_reply;    /* time of the latest reply (echo) */
    uint64_t last_check;    /* of the lost-reply scan */
    lg_hist hist;
} lg_thread;

/* One broadcast in flight (fanout): slot seq % W. */
typedef struct lg_bcast {
    atomic_int busy;      /* in flight, or its completion still running */
    atomic_int remaining; /* ticks + ack outstanding */
    atomic_int acked;     /* the publisher's ack arrived */
    uint64_t seq;
    uint64_t t_pub;
    atomic_ullong t_last; /* latest tick */
} lg_bcast;

typedef struct lg_mode_ops {
    /* A connection finished its Socket.IO CONNECT, the nready-th one;
     * -1 = failed. */
    int (*on_ready)(lg_conn *c, long nready, uint64_t now);
    /* A packet other than a ping on a ready connection; -1 = failed. */
    int (*on_packet)(lg_conn *c, const char *p, size_t n, uint64_t now);
    /* Once per loop iteration of each worker. */
    void (*on_wake)(lg_thread *th, uint64_t now);
} lg_mode_ops;

typedef struct lg_run {
    const lg_opts *o;
    const lg_mode_ops *ops;
    long total; /* connections in all */
    lg_thread *th;
    long started; /* worker threads running */
    atomic_int phase;
    atomic_int err; /* first exit status != 0 wins */
    pthread_mutex_t err_lock;
    char errmsg[512];
    atomic_long ready;  /* connections that reached LG_ST_READY */
    atomic_long joined; /* fanout receivers in the room */
    /* measured window */
    uint64_t t0, t1;
    double cpu0, cpu1; /* server CPU µs, when o->server_pid */
    int cpu_ok;
    /* fanout */
    lg_bcast *bcast;
    atomic_ullong completed; /* broadcasts done */
    uint64_t sent;           /* broadcasts sent (publisher thread only) */
    long warm;               /* unmeasured broadcasts */
} lg_run;

extern const lg_mode_ops lg_echo_ops, lg_fanout_ops, lg_connect_ops;

/* A reply is lost, not late, when it is missing after --timeout seconds
 * while replies sent after it did arrive: the modes scan this often. */
#define LG_LOST_SCAN_NS 100000000u
/* The controller's no-progress watchdog waits this much longer than
 * --timeout, so that a mode's diagnosis (lost) comes first. */
#define LG_WATCHDOG_GRACE_NS 250000000u

/* lg_loop.c */
uint64_t lg_now(void);
int lg_threads_start(lg_run *r);
void lg_threads_join(lg_run *r);
void lg_thread_wake(lg_thread *th);
void lg_wake_all(lg_run *r);
void lg_phase_set(lg_run *r, lg_phase ph);
static inline lg_phase lg_phase_get(const lg_run *r)
{
    return (lg_phase)atomic_load_explicit(&r->phase, memory_order_acquire);
}
/* Records the first error (exit status code) and returns -1. */
int lg_fail(lg_run *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* lg_fail with a short escaped sample of the offending packet. */
int lg_fail_packet(lg_conn *c, const char *why, const char *p, size_t n);
void lg_window_start(lg_run *r, uint64_t now);
void lg_window_end(lg_run *r, uint64_t now);

/* lg_conn.c */
int lg_conn_open(lg_conn *c, uint64_t now);
void lg_conn_close(lg_conn *c);
int lg_conn_event(lg_conn *c, uint32_t events);
/* Queues one text frame; lg_conn_flush writes what is queued. */
int lg_conn_send(lg_conn *c, const char *p, size_t n);
int lg_conn_flush(lg_conn *c);
/* Grows th->pkt to hold n bytes; NULL when out of memory. */
char *lg_pkt_reserve(lg_thread *th, size_t n);
uint64_t lg_rand(lg_thread *th);

/* Writes v in decimal to dst (room for 20 bytes); returns the length.
 * printf was a tenth of the generator's time. */
size_t lg_fmt_u64(char *dst, uint64_t v);
/* Appends n bytes of p at dst; returns dst + n. */
static inline char *lg_put(char *dst, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = p[i];
    return dst + n;
}
/* Letters "abc...zabc..." (LG_ALPHA_LEN bytes + the payload size): the
 * filler of payloads, copied instead of computed per byte. */
#define LG_ALPHA_LEN 26

/* Parses a decimal ack id at p (at most 19 digits); returns the digits
 * used, 0 if none. */
size_t lg_parse_u64(const char *p, size_t n, uint64_t *v);

#endif
