/*
 * lws_echo - the floor of make bench: a bare libwebsockets server that
 * answers only the benchmark's events (../shared/BENCH-PROTOCOL.md) by
 * prefix matching, never parsing JSON.  It is what libwebsockets on this
 * hardware allows without Socket.IO on top, not a server to copy: it
 * trusts that the client is the load generator.
 *
 *   lws_echo [PORT]      listens on 127.0.0.1:PORT (0, the default: any)
 *
 * Replies are framed here and queued per session; one WRITEABLE sends all
 * that is queued in one raw write, so the replies to the messages of one
 * read leave in one send() (the table in BENCH-PROTOCOL.md: worth 4x).
 */
#include <ev.h>
#include <libwebsockets.h>
#include <uv.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX (4u << 20) /* unsent bytes before a slow session is dropped */
#define IN_MAX (1u << 20)  /* largest message */
#define ROOMS_MAX 16
#define ROOM_NAME_MAX 64

typedef struct sess {
    struct lws *wsi;
    struct sess *room_prev, *room_next;
    int room; /* index + 1, 0 = none */
    unsigned long sid;
    unsigned char *out; /* LWS_PRE headroom, then framed replies */
    size_t olen, ocap;
    unsigned char *in; /* reassembly of a message split across callbacks */
    size_t ilen;
    int dead; /* output overflowed: close at WRITEABLE */
} sess;

typedef struct room {
    char name[ROOM_NAME_MAX];
    size_t nlen;
    sess *head;
} room;

typedef struct vhd {
    room rooms[ROOMS_MAX];
    int nrooms;
    unsigned long next_sid;
} vhd;

static volatile sig_atomic_t interrupted;

/* ---- output -------------------------------------------------------------- */

static size_t frame_header(unsigned char *h, size_t len)
{
    h[0] = 0x81; /* FIN, text */
    if (len < 126) {
        h[1] = (unsigned char)len;
        return 2;
    }
    if (len <= 0xffff) {
        h[1] = 126;
        h[2] = (unsigned char)(len >> 8);
        h[3] = (unsigned char)len;
        return 4;
    }
    h[1] = 127;
    for (int i = 0; i < 8; i++)
        h[2 + i] = (unsigned char)((unsigned long long)len >> (56 - 8 * i));
    return 10;
}

static unsigned char *out_reserve(sess *s, size_t n)
{
    size_t need = LWS_PRE + s->olen + n;
    if (need > s->ocap) {
        size_t cap = s->ocap ? s->ocap * 2 : 1024;
        while (cap < need)
            cap *= 2;
        unsigned char *p = realloc(s->out, cap);
        if (!p)
            return NULL;
        s->out = p;
        s->ocap = cap;
    }
    return s->out + LWS_PRE + s->olen;
}

/* Queues raw bytes (already framed) and asks for WRITEABLE. */
static void out_raw(sess *s, const unsigned char *p, size_t n)
{
    unsigned char *dst = s->olen + n > OUT_MAX ? NULL : out_reserve(s, n);
    if (!dst) {
        s->dead = 1;
    } else {
        memcpy(dst, p, n);
        s->olen += n;
    }
    lws_callback_on_writable(s->wsi);
}

typedef struct piece {
    const char *p;
    size_t n;
} piece;

/* Queues one text frame made of np pieces. */
static void out_text(sess *s, const piece *pc, int np)
{
    size_t len = 0;
    for (int i = 0; i < np; i++)
        len += pc[i].n;
    unsigned char h[10];
    size_t hn = frame_header(h, len);
    unsigned char *dst =
        s->olen + hn + len > OUT_MAX ? NULL : out_reserve(s, hn + len);
    if (!dst) {
        s->dead = 1;
        lws_callback_on_writable(s->wsi);
        return;
    }
    memcpy(dst, h, hn);
    dst += hn;
    for (int i = 0; i < np; i++) {
        memcpy(dst, pc[i].p, pc[i].n);
        dst += pc[i].n;
    }
    s->olen += hn + len;
    lws_callback_on_writable(s->wsi);
}

/* Queues the ack 43<id><tail>. */
static void out_ack(sess *s, const char *id, size_t idn, const char *tail,
                    size_t tn)
{
    piece pc[3] = {{"43", 2}, {id, idn}, {tail, tn}};
    out_text(s, pc, 3);
}

static int on_writeable(sess *s)
{
    if (s->dead)
        return -1;
    if (!s->olen)
        return 0;
    size_t n = s->olen;
    s->olen = 0;
    /* Raw: the frames are already built; lws keeps any unsent tail. */
    if (lws_write(s->wsi, s->out + LWS_PRE, n, LWS_WRITE_RAW) < (int)n)
        return -1;
    return 0;
}

/* ---- rooms ----------------------------------------------------------------
 */

static int room_find(vhd *v, const char *name, size_t n, int create)
{
    for (int i = 0; i < v->nrooms; i++) {
        if (v->rooms[i].nlen == n && !memcmp(v->rooms[i].name, name, n))
            return i + 1;
    }
    if (!create || v->nrooms == ROOMS_MAX || n >= ROOM_NAME_MAX)
        return 0;
    room *r = &v->rooms[v->nrooms++];
    memcpy(r->name, name, n);
    r->nlen = n;
    r->head = NULL;
    return v->nrooms;
}

static void room_leave(vhd *v, sess *s)
{
    if (!s->room)
        return;
    room *r = &v->rooms[s->room - 1];
    if (s->room_prev)
        s->room_prev->room_next = s->room_next;
    else
        r->head = s->room_next;
    if (s->room_next)
        s->room_next->room_prev = s->room_prev;
    s->room = 0;
    s->room_prev = s->room_next = NULL;
}

static void room_join(vhd *v, sess *s, int idx)
{
    room_leave(v, s);
    room *r = &v->rooms[idx - 1];
    s->room = idx;
    s->room_prev = NULL;
    s->room_next = r->head;
    if (r->head)
        r->head->room_prev = s;
    r->head = s;
}

/* ---- the benchmark's events ------------------------------------------------
 */

static int has_prefix(const char *p, size_t n, const char *pre, size_t k)
{
    return n >= k && !memcmp(p, pre, k);
}

#define PREFIX(p, n, lit) has_prefix(p, n, lit, sizeof lit - 1)

static void on_join(vhd *v, sess *s, const char *id, size_t idn,
                    const char *rest, size_t n)
{
    /* rest: "<room>"] */
    const char *q = memchr(rest, '"', n);
    int idx = q ? room_find(v, rest, (size_t)(q - rest), 1) : 0;
    if (idx)
        room_join(v, s, idx);
    out_ack(s, id, idn, "[]", 2);
}

static void on_publish(vhd *v, sess *s, const char *id, size_t idn,
                       const char *rest, size_t n)
{
    /* rest: "<room>",<p>] */
    const char *q = memchr(rest, '"', n);
    if (!q || (size_t)(q - rest) + 2 > n || q[1] != ',')
        return;
    int idx = room_find(v, rest, (size_t)(q - rest), 0);
    const char *p = q + 2;
    size_t pn = n - (size_t)(p - rest);
    static const char head[] = "42[\"tick\",";
    unsigned char h[10];
    size_t hn = frame_header(h, sizeof head - 1 + pn);
    /* One frame, copied to every member's queue. */
    unsigned char *f = malloc(hn + sizeof head - 1 + pn);
    if (f && idx) {
        memcpy(f, h, hn);
        memcpy(f + hn, head, sizeof head - 1);
        memcpy(f + hn + sizeof head - 1, p, pn);
        for (sess *m = v->rooms[idx - 1].head; m; m = m->room_next)
            out_raw(m, f, hn + sizeof head - 1 + pn);
    }
    free(f);
    out_ack(s, id, idn, "[]", 2);
}

static void on_event(vhd *v, sess *s, const char *p, size_t n)
{
    /* 42<id>["event",... */
    size_t idn = 0;
    while (2 + idn < n && p[2 + idn] >= '0' && p[2 + idn] <= '9')
        idn++;
    const char *id = p + 2, *rest = p + 2 + idn;
    size_t rn = n - 2 - idn;
    if (!idn)
        return; /* the benchmark acks everything */
    if (PREFIX(rest, rn, "[\"echo\",")) {
        /* 42<id>["echo",<p>] -> 43<id>[<p>] */
        piece pc[4] = {{"43", 2}, {id, idn}, {"[", 1}, {rest + 8, rn - 8}};
        out_text(s, pc, 4);
        return;
    }
    if (PREFIX(rest, rn, "[\"join\",\""))
        on_join(v, s, id, idn, rest + 9, rn - 9);
    else if (PREFIX(rest, rn, "[\"publish\",\""))
        on_publish(v, s, id, idn, rest + 12, rn - 12);
}

static void on_message(vhd *v, sess *s, const char *p, size_t n)
{
    if (PREFIX(p, n, "42")) {
        on_event(v, s, p, n);
    } else if (PREFIX(p, n, "40")) {
        char sid[48];
        int k = snprintf(sid, sizeof sid, "40{\"sid\":\"b%lu\"}", s->sid);
        piece pc[1] = {{sid, (size_t)k}};
        out_text(s, pc, 1);
    }
    /* "3" (pong) and anything else: nothing to answer */
}

/* ---- lws glue
 * ---------------------------------------------------------------- */

static void on_established(vhd *v, sess *s, struct lws *wsi)
{
    memset(s, 0, sizeof *s);
    s->wsi = wsi;
    s->sid = ++v->next_sid;
    char open[160];
    int k = snprintf(open, sizeof open,
                     "0{\"sid\":\"b%lu\",\"upgrades\":[],\"pingInterval\":"
                     "25000,\"pingTimeout\":20000,\"maxPayload\":1000000}",
                     s->sid);
    piece pc[1] = {{open, (size_t)k}};
    out_text(s, pc, 1);
}

/* A message may come in pieces (fragments, or larger than the rx buffer):
 * collect them until the last. */
static int on_receive(vhd *v, sess *s, const char *in, size_t len)
{
    int last =
        lws_is_final_fragment(s->wsi) && !lws_remaining_packet_payload(s->wsi);
    if (last && !s->ilen) {
        on_message(v, s, in, len);
        return 0;
    }
    if (s->ilen + len > IN_MAX)
        return -1;
    unsigned char *p = realloc(s->in, s->ilen + len);
    if (!p)
        return -1;
    memcpy(p + s->ilen, in, len);
    s->in = p;
    s->ilen += len;
    if (last) {
        on_message(v, s, (const char *)s->in, s->ilen);
        s->ilen = 0;
    }
    return 0;
}

static void on_closed(vhd *v, sess *s)
{
    room_leave(v, s);
    free(s->out);
    free(s->in);
    s->out = s->in = NULL;
}

static int callback_bench(struct lws *wsi, enum lws_callback_reasons reason,
                          void *user, void *in, size_t len)
{
    sess *s = user;
    vhd *v =
        lws_protocol_vh_priv_get(lws_get_vhost(wsi), lws_get_protocol(wsi));
    switch (reason) {
    case LWS_CALLBACK_PROTOCOL_INIT:
        v = lws_protocol_vh_priv_zalloc(lws_get_vhost(wsi),
                                        lws_get_protocol(wsi), sizeof *v);
        return v ? 0 : -1;
    case LWS_CALLBACK_ESTABLISHED:
        on_established(v, s, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return on_receive(v, s, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return on_writeable(s);
    case LWS_CALLBACK_CLOSED:
        on_closed(v, s);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

/* First: a client that names no subprotocol gets protocols[0]. */
static const struct lws_protocols protocols[] = {
    {"bench", callback_bench, sizeof(sess), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* The loop under lws: its built-in poll(2) loop, or libev / libuv handed
 * in as foreign loops that main() runs a turn at a time, so that a signal
 * (which interrupts the wait) stops every kind alike. */
enum loop_kind { LOOP_POLL, LOOP_EV, LOOP_UV };

static int parse_args(int argc, char **argv, long *port, enum loop_kind *k)
{
    *port = 0;
    *k = LOOP_POLL;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (!strcmp(argv[i], "--loop") && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(v, "poll"))
                *k = LOOP_POLL;
            else if (!strcmp(v, "ev"))
                *k = LOOP_EV;
            else if (!strcmp(v, "uv"))
                *k = LOOP_UV;
            else
                return -1;
            continue;
        }
        *port = strtol(argv[i], &end, 10);
        if (*end || *port < 0 || *port > 65535)
            return -1;
    }
    return 0;
}

static void on_uv_signal(uv_signal_t *h, int sig)
{
    (void)sig;
    interrupted = 1;
    uv_stop(h->loop);
}

int main(int argc, char **argv)
{
    long port;
    enum loop_kind kind;
    struct ev_loop *evl = NULL;
    uv_loop_t uvl;
    uv_signal_t uvsig[2];
    void *foreign[1] = {NULL};
    if (parse_args(argc, argv, &port, &kind) != 0) {
        fprintf(stderr, "usage: lws_echo [--loop poll|ev|uv] [PORT]\n");
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = (int)port;
    info.iface = "127.0.0.1";
    info.protocols = protocols;
    info.pt_serv_buf_size = 65536; /* many messages per read */
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    if (kind == LOOP_EV) {
        evl = ev_loop_new(EVBACKEND_EPOLL);
        foreign[0] = evl;
        info.options |= LWS_SERVER_OPTION_LIBEV;
    } else if (kind == LOOP_UV) {
        uv_loop_init(&uvl);
        for (int i = 0; i < 2; i++) {
            uv_signal_init(&uvl, &uvsig[i]);
            uv_signal_start(&uvsig[i], on_uv_signal, i ? SIGTERM : SIGINT);
        }
        foreign[0] = &uvl;
        info.options |= LWS_SERVER_OPTION_LIBUV;
    }
    if (foreign[0])
        info.foreign_loops = foreign;
    struct lws_context *ctx = lws_create_context(&info);
    if (!ctx) {
        fprintf(stderr, "lws_echo: cannot listen on 127.0.0.1:%ld\n", port);
        return 1;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(ctx, "default");
    printf("lws_echo: listening on http://127.0.0.1:%d/\n",
           vh ? lws_get_vhost_listen_port(vh) : (int)port);
    fflush(stdout);
    while (!interrupted) {
        if (kind == LOOP_EV)
            ev_run(evl, EVRUN_ONCE);
        else if (kind == LOOP_UV)
            uv_run(&uvl, UV_RUN_ONCE);
        else if (lws_service(ctx, 0) < 0)
            break;
    }
    /* The process ends here: its loops go with it. */
    lws_context_destroy(ctx);
    return 0;
}
