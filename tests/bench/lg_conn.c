/*
 * lg_conn.c - one load generator connection, from connect() to a ready
 * Socket.IO socket: HTTP upgrade (key and accept checked), WebSocket
 * frames (masked out, reassembled in), the Engine.IO open packet, the
 * Socket.IO CONNECT, pings.  Packets on a ready socket go to the mode.
 *
 * Runs on the worker thread that owns the connection.  A connection is
 * never closed while one of its events is handled: failures are recorded
 * with lg_fail and the loop stops; lg_conn_close runs at the end.
 */
#include "lg.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#define MAX_HTTP_RESPONSE 8192
#define WS_TEXT 1
#define WS_PONG 10

uint64_t lg_rand(lg_thread *th)
{
    /* xorshift64*: masks and keys need to vary, not to be secret */
    uint64_t x = th->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    th->rng = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

size_t lg_parse_u64(const char *p, size_t n, uint64_t *v)
{
    size_t i = 0;
    uint64_t x = 0;
    while (i < n && i < 19 && p[i] >= '0' && p[i] <= '9')
        x = x * 10 + (uint64_t)(p[i++] - '0');
    *v = x;
    return i;
}

size_t lg_fmt_u64(char *dst, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        dst[i] = tmp[n - 1 - i];
    return n;
}

char *lg_pkt_reserve(lg_thread *th, size_t n)
{
    if (n > th->pkt_cap) {
        char *p = realloc(th->pkt, n);
        if (!p)
            return NULL;
        th->pkt = p;
        th->pkt_cap = n;
    }
    return th->pkt;
}

static int conn_fail(lg_conn *c, const char *what, int err)
{
    return lg_fail(c->th->run, LG_EXIT_CONN, "connection %ld: %s%s%s", c->idx,
                   what, err ? ": " : "", err ? strerror(err) : "");
}

static int conn_watch(lg_conn *c, int op, uint32_t events)
{
    struct epoll_event e = {.events = events, .data.ptr = c};
    if (epoll_ctl(c->th->epfd, op, c->fd, &e) < 0)
        return conn_fail(c, "epoll_ctl", errno);
    return 0;
}

static int conn_arm_out(lg_conn *c, int on)
{
    if (c->out_armed == (unsigned)on)
        return 0;
    c->out_armed = (unsigned)on;
    return conn_watch(c, EPOLL_CTL_MOD, EPOLLIN | (on ? EPOLLOUT : 0));
}

/* ---- output ------------------------------------------------------------ */

static uint8_t *wbuf_reserve(lg_conn *c, size_t n)
{
    size_t need = c->wlen + n;
    if (need > c->wcap) {
        size_t cap = c->wcap ? c->wcap * 2 : 512;
        while (cap < need)
            cap *= 2;
        uint8_t *p = realloc(c->wbuf, cap);
        if (!p) {
            lg_fail(c->th->run, LG_EXIT_CONN, "out of memory");
            return NULL;
        }
        c->wbuf = p;
        c->wcap = cap;
    }
    return c->wbuf + c->wlen;
}

static int conn_send_frame(lg_conn *c, int opcode, const void *p, size_t n)
{
    uint8_t *dst = wbuf_reserve(c, n + LG_WS_MAX_HDR);
    if (!dst)
        return -1;
    c->wlen += lg_ws_frame(dst, opcode, p, n, (uint32_t)lg_rand(c->th));
    return 0;
}

int lg_conn_send(lg_conn *c, const char *p, size_t n)
{
    return conn_send_frame(c, WS_TEXT, p, n);
}

int lg_conn_flush(lg_conn *c)
{
    while (c->woff < c->wlen) {
        ssize_t n =
            send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return conn_arm_out(c, 1);
        if (n < 0)
            return conn_fail(c, "send", errno);
        c->woff += (size_t)n;
    }
    c->wlen = c->woff = 0;
    /* Idle connections give their buffer back: 100k of them add up. */
    if (!c->hot) {
        free(c->wbuf);
        c->wbuf = NULL;
        c->wcap = 0;
    }
    return conn_arm_out(c, 0);
}

/* ---- connect and upgrade ------------------------------------------------ */

static int conn_bind_source(lg_conn *c, const lg_opts *o)
{
    const struct sockaddr_storage *s = &o->src[c->idx % o->nsrc];
    socklen_t len = s->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                             : sizeof(struct sockaddr_in);
#ifdef IP_BIND_ADDRESS_NO_PORT
    /* Let connect() pick the port per 4-tuple, not bind() per address:
     * otherwise each source address holds only one port range. */
    int one = 1;
    setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
    if (bind(c->fd, (const struct sockaddr *)s, len) < 0)
        return conn_fail(c, "bind to --source address", errno);
    return 0;
}

int lg_conn_open(lg_conn *c, uint64_t now)
{
    const lg_opts *o = c->th->run->o;
    c->fd =
        socket(o->dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return conn_fail(c, "socket", errno);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (o->nsrc && conn_bind_source(c, o) < 0)
        return -1;
    c->t_start = now;
    c->state = LG_ST_TCP;
    struct sockaddr_storage dst = o->dst;
    if (o->nports) { /* the port is at the same offset in both families */
        uint16_t port = htons((uint16_t)o->ports[c->idx % o->nports]);
        if (dst.ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&dst)->sin6_port = port;
        else
            ((struct sockaddr_in *)&dst)->sin_port = port;
    }
    if (connect(c->fd, (const struct sockaddr *)&dst, o->dst_len) < 0 &&
        errno != EINPROGRESS) {
        if (errno == EADDRNOTAVAIL)
            return conn_fail(c, "connect (local ports exhausted? --source)",
                             errno);
        return conn_fail(c, "connect", errno);
    }
    /* Writable = connected (or failed: SO_ERROR says). */
    c->out_armed = 1;
    return conn_watch(c, EPOLL_CTL_ADD, EPOLLIN | EPOLLOUT);
}

static int conn_send_upgrade(lg_conn *c)
{
    const lg_opts *o = c->th->run->o;
    uint8_t rnd[16];
    uint64_t a = lg_rand(c->th), b = lg_rand(c->th);
    memcpy(rnd, &a, 8);
    memcpy(rnd + 8, &b, 8);
    char key[LG_WS_KEY_LEN + 1];
    lg_ws_key(rnd, key);
    c->accept = malloc(LG_WS_ACCEPT_LEN + 1);
    if (!c->accept || lg_ws_accept(key, c->accept) < 0)
        return lg_fail(c->th->run, LG_EXIT_CONN, "key digest failed");
    int v6 = o->dst.ss_family == AF_INET6;
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET %s%sEIO=4&transport=websocket HTTP/1.1\r\n"
                     "Host: %s%s%s:%ld\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     o->path, strchr(o->path, '?') ? "&" : "?", v6 ? "[" : "",
                     o->host, v6 ? "]" : "", o->port, key);
    if (n < 0 || (size_t)n >= sizeof req)
        return lg_fail(c->th->run, LG_EXIT_USAGE, "--path too long");
    uint8_t *dst = wbuf_reserve(c, (size_t)n);
    if (!dst)
        return -1;
    memcpy(dst, req, (size_t)n);
    c->wlen += (size_t)n;
    c->state = LG_ST_HTTP;
    return lg_conn_flush(c);
}

static int conn_on_connected(lg_conn *c)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err)
        return conn_fail(c, "connect", err);
    return conn_send_upgrade(c);
}

/* The value of header `name` in the response head h (lines end in CRLF),
 * spaces trimmed; NULL if absent. */
static const char *header_value(const char *h, const char *name, size_t *vlen)
{
    size_t nlen = strlen(name);
    for (const char *line = strstr(h, "\r\n"); line && line[2] != '\r';
         line = strstr(line + 2, "\r\n")) {
        const char *l = line + 2;
        if (strncasecmp(l, name, nlen) || l[nlen] != ':')
            continue;
        const char *v = l + nlen + 1;
        v += strspn(v, " \t");
        const char *end = strstr(v, "\r\n");
        while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        *vlen = (size_t)(end - v);
        return v;
    }
    return NULL;
}

static int check_upgrade(lg_conn *c, const char *h)
{
    lg_run *r = c->th->run;
    size_t n = 0;
    if (strncmp(h, "HTTP/1.1 101", 12)) {
        return lg_fail(r, LG_EXIT_PROTO,
                       "connection %ld: upgrade refused: %.*s", c->idx,
                       (int)strcspn(h, "\r\n"), h);
    }
    const char *v = header_value(h, "Upgrade", &n);
    if (!v || n != 9 || strncasecmp(v, "websocket", 9))
        return lg_fail(r, LG_EXIT_PROTO, "101 without Upgrade: websocket");
    v = header_value(h, "Connection", &n);
    if (!v || !memmem(v, n, "pgrade", 6))
        return lg_fail(r, LG_EXIT_PROTO, "101 without Connection: Upgrade");
    v = header_value(h, "Sec-WebSocket-Accept", &n);
    if (!v || n != LG_WS_ACCEPT_LEN || memcmp(v, c->accept, n))
        return lg_fail(r, LG_EXIT_PROTO, "wrong Sec-WebSocket-Accept");
    if (header_value(h, "Sec-WebSocket-Extensions", &n) ||
        header_value(h, "Sec-WebSocket-Protocol", &n))
        return lg_fail(r, LG_EXIT_PROTO,
                       "101 with an extension or "
                       "subprotocol nobody asked for");
    return 0;
}

/* Consumes the HTTP response head: > 0 its size, 0 incomplete, -1 bad. */
static long conn_on_http(lg_conn *c, const uint8_t *buf, size_t len)
{
    const uint8_t *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end) {
        if (len > MAX_HTTP_RESPONSE)
            return lg_fail(c->th->run, LG_EXIT_PROTO, "HTTP response too long");
        return 0;
    }
    size_t hlen = (size_t)(end - buf) + 4;
    char *h = malloc(hlen + 1);
    if (!h)
        return lg_fail(c->th->run, LG_EXIT_CONN, "out of memory");
    memcpy(h, buf, hlen);
    h[hlen] = '\0';
    int rc = check_upgrade(c, h);
    free(h);
    free(c->accept);
    c->accept = NULL;
    if (rc < 0)
        return -1;
    c->state = LG_ST_OPEN;
    return (long)hlen;
}

/* ---- Engine.IO and Socket.IO -------------------------------------------- */

static int has_prefix(const char *p, size_t n, const char *pre)
{
    size_t k = strlen(pre);
    return n >= k && !memcmp(p, pre, k);
}

static int on_open_packet(lg_conn *c, const char *p, size_t n)
{
    if (!has_prefix(p, n, "0{") || !memmem(p, n, "\"sid\":\"", 7))
        return lg_fail_packet(c, "expected the Engine.IO open packet", p, n);
    c->state = LG_ST_SIO;
    return lg_conn_send(c, "40", 2);
}

static int on_connect_packet(lg_conn *c, const char *p, size_t n, uint64_t now)
{
    lg_run *r = c->th->run;
    if (has_prefix(p, n, "44"))
        return lg_fail_packet(c, "CONNECT refused", p, n);
    if (!has_prefix(p, n, "40{\"sid\":\""))
        return lg_fail_packet(c, "expected 40{\"sid\":...}", p, n);
    c->state = LG_ST_READY;
    c->th->opening--;
    long nready = atomic_fetch_add(&r->ready, 1) + 1;
    return r->ops->on_ready(c, nready, now);
}

static int on_message(lg_conn *c, const char *p, size_t n, uint64_t now)
{
    if (n == 1 && p[0] == '2')
        return lg_conn_send(c, "3", 1);
    if (n == 1 && p[0] == '1')
        return conn_fail(c, "Engine.IO close from the server", 0);
    switch (c->state) {
    case LG_ST_OPEN:
        return on_open_packet(c, p, n);
    case LG_ST_SIO:
        return on_connect_packet(c, p, n, now);
    case LG_ST_READY:
        if (has_prefix(p, n, "41"))
            return conn_fail(c, "Socket.IO DISCONNECT from the server", 0);
        return c->th->run->ops->on_packet(c, p, n, now);
    default:
        return lg_fail_packet(c, "packet in an unexpected state", p, n);
    }
}

/* ---- WebSocket frames in ------------------------------------------------ */

static int frag_append(lg_conn *c, const uint8_t *p, size_t n)
{
    if (c->flen + n > LG_MAX_MESSAGE)
        return lg_fail(c->th->run, LG_EXIT_PROTO, "message too large");
    uint8_t *f = realloc(c->frag, c->flen + n + 1);
    if (!f)
        return lg_fail(c->th->run, LG_EXIT_CONN, "out of memory");
    memcpy(f + c->flen, p, n);
    c->frag = f;
    c->flen += n;
    return 0;
}

static int on_data_frame(lg_conn *c, const lg_frame *f, uint64_t now)
{
    if (f->opcode == WS_TEXT && !c->in_frag && f->fin)
        return on_message(c, (const char *)f->payload, f->len, now);
    if ((f->opcode == WS_TEXT) == c->in_frag)
        return lg_fail(c->th->run, LG_EXIT_PROTO,
                       "connection %ld: bad fragment sequence", c->idx);
    if (frag_append(c, f->payload, f->len) < 0)
        return -1;
    c->in_frag = 1;
    if (!f->fin)
        return 0;
    c->in_frag = 0;
    int rc = on_message(c, (const char *)c->frag, c->flen, now);
    free(c->frag);
    c->frag = NULL;
    c->flen = 0;
    return rc;
}

static int on_frame(lg_conn *c, const lg_frame *f, uint64_t now)
{
    switch (f->opcode) {
    case 0:
    case WS_TEXT:
        return on_data_frame(c, f, now);
    case 8:
        return conn_fail(c, "WebSocket close from the server", 0);
    case 9:
        return conn_send_frame(c, WS_PONG, f->payload, f->len);
    case WS_PONG:
        return 0;
    default:
        return lg_fail(c->th->run, LG_EXIT_PROTO,
                       "connection %ld: unexpected WebSocket opcode %d", c->idx,
                       f->opcode);
    }
}

/* Handles what buf holds; returns the bytes consumed or -1. */
static long conn_on_bytes(lg_conn *c, const uint8_t *buf, size_t len,
                          uint64_t now)
{
    size_t off = 0;
    if (c->state == LG_ST_HTTP) {
        long n = conn_on_http(c, buf, len);
        if (n <= 0)
            return n;
        off = (size_t)n;
    }
    while (off < len) {
        lg_frame f;
        const char *why = NULL;
        long n = lg_ws_parse(buf + off, len - off, LG_MAX_MESSAGE, &f, &why);
        if (n < 0)
            return lg_fail(c->th->run, LG_EXIT_PROTO, "connection %ld: %s",
                           c->idx, why);
        if (n == 0)
            break;
        if (on_frame(c, &f, now) < 0)
            return -1;
        off += (size_t)n;
    }
    return (long)off;
}

/* Keeps data[used..len) for the next read. */
static int conn_keep(lg_conn *c, const uint8_t *data, size_t len, size_t used)
{
    size_t left = len - used;
    if (data == c->rbuf) {
        memmove(c->rbuf, c->rbuf + used, left);
        c->rlen = left;
        return 0;
    }
    if (left > c->rcap) {
        uint8_t *p = realloc(c->rbuf, left);
        if (!p)
            return lg_fail(c->th->run, LG_EXIT_CONN, "out of memory");
        c->rbuf = p;
        c->rcap = left;
    }
    if (left)
        memcpy(c->rbuf, data + used, left);
    c->rlen = left;
    return 0;
}

/* Where the next read goes: after the kept tail, or the thread's
 * scratch buffer when nothing is kept (the common case). */
static uint8_t *conn_read_buf(lg_conn *c, size_t *cap)
{
    if (c->rlen == 0) {
        *cap = LG_SCRATCH_SIZE;
        return c->th->scratch;
    }
    if (c->rcap - c->rlen < LG_SCRATCH_SIZE / 4) {
        /* doubling: a large frame arrives in many reads */
        size_t ncap = c->rlen * 2 + LG_SCRATCH_SIZE / 4;
        uint8_t *p = realloc(c->rbuf, ncap);
        if (!p)
            return NULL;
        c->rbuf = p;
        c->rcap = ncap;
    }
    *cap = c->rcap - c->rlen;
    return c->rbuf + c->rlen;
}

static int conn_on_readable(lg_conn *c)
{
    for (int round = 0; round < 4; round++) {
        size_t cap;
        uint8_t *buf = conn_read_buf(c, &cap);
        if (!buf)
            return lg_fail(c->th->run, LG_EXIT_CONN, "out of memory");
        ssize_t n = recv(c->fd, buf, cap, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0)
            return conn_fail(c, "recv", errno);
        if (n == 0)
            return conn_fail(c, "closed by the server", 0);
        uint64_t now = lg_now();
        atomic_fetch_add_explicit(&c->th->progress, 1, memory_order_relaxed);
        uint8_t *data = c->rlen ? c->rbuf : buf;
        size_t len = c->rlen + (size_t)n;
        long used = conn_on_bytes(c, data, len, now);
        if (used < 0 || conn_keep(c, data, len, (size_t)used) < 0)
            return -1;
        if ((size_t)n < cap)
            break;
    }
    return lg_conn_flush(c);
}

int lg_conn_event(lg_conn *c, uint32_t events)
{
    if (c->state == LG_ST_TCP)
        return conn_on_connected(c);
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        if (conn_on_readable(c) < 0)
            return -1;
    }
    if (events & EPOLLOUT)
        return lg_conn_flush(c);
    return 0;
}

void lg_conn_close(lg_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = LG_ST_CLOSED;
    free(c->rbuf);
    free(c->wbuf);
    free(c->frag);
    free(c->accept);
    free(c->slot_id);
    free(c->slot_t);
    c->rbuf = c->wbuf = c->frag = NULL;
    c->accept = NULL;
    c->slot_id = c->slot_t = NULL;
}
