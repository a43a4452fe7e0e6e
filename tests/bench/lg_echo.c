/*
 * lg_echo.c - echo and rtt: every socket keeps W echoes in flight and
 * sends a new one when an ack comes back.  Ack id `id` lives in slot
 * id % W, so an ack finds its request in O(1) and a reply to nothing in
 * flight is caught.  Each ack is compared byte for byte with the request.
 */
#include "lg.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The payload of echo `id` on c: "<id>." then letters shifted by the
 * connection, so that another socket's payload never matches. */
static size_t echo_payload(char *dst, const lg_conn *c, uint64_t id, long size)
{
    char pre[24];
    size_t k = lg_fmt_u64(pre, id);
    pre[k++] = '.';
    if (k > (size_t)size)
        k = (size_t)size;
    memcpy(dst, pre, k);
    memcpy(dst + k, c->th->alpha + k + (size_t)(c->idx % LG_ALPHA_LEN),
           (size_t)size - k);
    return (size_t)size;
}

/* Writes head ("42" request or "43" ack), id, the args and the payload
 * to th->pkt; NULL if out of memory. */
static char *echo_text(lg_conn *c, const char *head, uint64_t id, size_t *n)
{
    static const char req[] = "[\"echo\",\"", ack[] = "[\"";
    long size = c->th->run->o->size;
    char *p = lg_pkt_reserve(c->th, (size_t)size + 64);
    if (!p)
        return NULL;
    char *q = lg_put(p, head, 2);
    q += lg_fmt_u64(q, id);
    q = head[1] == '2' ? lg_put(q, req, sizeof req - 1)
                       : lg_put(q, ack, sizeof ack - 1);
    q += echo_payload(q, c, id, size);
    q = lg_put(q, "\"]", 2);
    *n = (size_t)(q - p);
    return p;
}

static int echo_send(lg_conn *c, unsigned slot, uint64_t id)
{
    size_t n;
    char *p = echo_text(c, "42", id, &n);
    if (!p)
        return lg_fail(c->th->run, LG_EXIT_CONN, "out of memory");
    c->slot_id[slot] = id;
    c->slot_t[slot] = lg_now();
    c->th->pending++;
    return lg_conn_send(c, p, n);
}

static int echo_on_ready(lg_conn *c, long nready, uint64_t now)
{
    size_t w = (size_t)c->th->run->o->inflight;
    c->slot_id = calloc(w, sizeof *c->slot_id);
    c->slot_t = calloc(w, sizeof *c->slot_t);
    if (!c->slot_id || !c->slot_t)
        return lg_fail(c->th->run, LG_EXIT_CONN, "out of memory");
    c->hot = 1;
    return 0;
}

static int echo_on_packet(lg_conn *c, const char *p, size_t n, uint64_t now)
{
    lg_run *r = c->th->run;
    uint64_t w = (uint64_t)r->o->inflight, id;
    if (n < 3 || p[0] != '4' || p[1] != '3' || !lg_parse_u64(p + 2, n - 2, &id))
        return lg_fail_packet(c, "expected an echo ack 43<id>[...]", p, n);
    unsigned slot = (unsigned)(id % w);
    if (!c->slot_t[slot] || c->slot_id[slot] != id)
        return lg_fail_packet(c, "ack for no echo in flight", p, n);
    size_t en;
    const char *expect = echo_text(c, "43", id, &en);
    if (!expect)
        return lg_fail(r, LG_EXIT_CONN, "out of memory");
    if (n != en || memcmp(p, expect, n))
        return lg_fail_packet(c, "wrong echo ack", p, n);
    uint64_t lat = now - c->slot_t[slot];
    c->slot_t[slot] = 0;
    c->th->last_reply = now;
    c->th->pending--;
    lg_phase ph = lg_phase_get(r);
    if (ph == LG_PH_MEASURE) {
        lg_hist_add(&c->th->hist, lat);
        c->th->msgs++;
    }
    if (ph < LG_PH_DRAIN)
        return echo_send(c, slot, id + w);
    return 0;
}

static void echo_start(lg_thread *th)
{
    unsigned w = (unsigned)th->run->o->inflight;
    for (long k = 0; k < th->nconns; k++) {
        lg_conn *c = &th->conns[k];
        for (unsigned s = 0; s < w; s++) {
            if (echo_send(c, s, s) < 0)
                return;
        }
        if (lg_conn_flush(c) < 0)
            return;
    }
}

/* An echo without ack for --timeout s: lost if later echoes were acked
 * meanwhile (exit 3), else the server is stuck (exit 4). */
static int echo_check_lost(lg_thread *th, uint64_t now)
{
    const lg_opts *o = th->run->o;
    uint64_t limit = (uint64_t)(o->timeout * 1e9);
    if (now - th->last_check < LG_LOST_SCAN_NS)
        return 0;
    th->last_check = now;
    for (long k = 0; k < th->nconns; k++) {
        const lg_conn *c = &th->conns[k];
        for (long s = 0; c->slot_t && s < o->inflight; s++) {
            uint64_t t = c->slot_t[s];
            if (!t || now - t <= limit)
                continue;
            int lost = th->last_reply > t;
            return lg_fail(th->run, lost ? LG_EXIT_PROTO : LG_EXIT_TIMEOUT,
                           "connection %ld: echo %" PRIu64
                           " has no ack after %.1f s%s",
                           c->idx, c->slot_id[s], o->timeout,
                           lost ? " while later ones came (lost)" : "");
        }
    }
    return 0;
}

static void echo_on_wake(lg_thread *th, uint64_t now)
{
    if (echo_check_lost(th, now) < 0)
        return;
    lg_phase ph = lg_phase_get(th->run);
    if (!th->started && ph >= LG_PH_WARMUP && ph < LG_PH_DRAIN) {
        th->started = 1;
        echo_start(th);
    }
    if (ph >= LG_PH_DRAIN && th->pending == 0)
        atomic_store(&th->drained, 1);
}

const lg_mode_ops lg_echo_ops = {echo_on_ready, echo_on_packet, echo_on_wake};
