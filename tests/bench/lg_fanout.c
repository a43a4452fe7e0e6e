/*
 * lg_fanout.c - fanout: connection 0 publishes, the others join room "r"
 * (--room)
 * and receive ticks.  A broadcast is done when its R ticks and its ack
 * have arrived, on whichever threads; its latency is publish to the last
 * tick.  Each receiver must see the sequence numbers in order, so a lost,
 * repeated or reordered tick is an error.  The publisher runs on thread 0
 * (connection 0 is there); other threads wake it when a slot frees.
 */
#include "lg.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char tick_head[] = "42[\"tick\",\"";
#define TICK_HEAD (sizeof tick_head - 1)

static int is_publisher(const lg_conn *c)
{
    return c->idx == 0;
}

static int fan_on_ready(lg_conn *c, long nready, uint64_t now)
{
    if (is_publisher(c)) {
        c->hot = 1;
        return 0;
    }
    char join[64];
    int n = snprintf(join, sizeof join, "420[\"join\",\"%s\"]",
                     c->th->run->o->room);
    return lg_conn_send(c, join, (size_t)n);
}

static void bcast_done(lg_thread *th, lg_bcast *b)
{
    lg_run *r = th->run;
    if (b->seq >= (uint64_t)r->warm)
        lg_hist_add(&th->hist, atomic_load(&b->t_last) - b->t_pub);
    atomic_store_explicit(&b->busy, 0, memory_order_release);
    uint64_t done = atomic_fetch_add(&r->completed, 1) + 1;
    if (done == (uint64_t)(r->warm + r->o->count)) {
        lg_window_end(r, lg_now());
        lg_phase_set(r, LG_PH_DONE);
    } else if (th->id != 0) {
        lg_thread_wake(&r->th[0]);
    }
}

/* A tick (is_tick) or the ack of broadcast seq arrived at now. */
static int bcast_event(lg_conn *c, uint64_t seq, uint64_t now, int is_tick)
{
    lg_run *r = c->th->run;
    lg_bcast *b = &r->bcast[seq % (uint64_t)r->o->inflight];
    if (!atomic_load_explicit(&b->busy, memory_order_acquire) || b->seq != seq)
        return lg_fail(r, LG_EXIT_PROTO,
                       "connection %ld: %s for broadcast %" PRIu64
                       ", which is not in flight",
                       c->idx, is_tick ? "tick" : "ack", seq);
    if (!is_tick)
        atomic_store(&b->acked, 1);
    if (is_tick) {
        unsigned long long cur = atomic_load(&b->t_last);
        while (cur < now &&
               !atomic_compare_exchange_weak(&b->t_last, &cur, now))
            ;
    }
    if (atomic_fetch_sub(&b->remaining, 1) == 1)
        bcast_done(c->th, b);
    return 0;
}

static int on_join_ack(lg_conn *c, const char *p, size_t n)
{
    if (!(n == 5 && !memcmp(p, "430[]", 5)) &&
        !(n == 9 && !memcmp(p, "430[true]", 9)))
        return lg_fail_packet(c, "expected the join ack 430[]", p, n);
    c->joined = 1;
    atomic_fetch_add(&c->th->run->joined, 1);
    return 0;
}

static int on_tick(lg_conn *c, const char *p, size_t n, uint64_t now)
{
    size_t size = (size_t)c->th->run->o->size;
    uint64_t seq;
    if (n != TICK_HEAD + size + 2 || memcmp(p, tick_head, TICK_HEAD) ||
        p[n - 2] != '"' || p[n - 1] != ']')
        return lg_fail_packet(c, "expected a tick 42[\"tick\",\"<seq>.\"]", p,
                              n);
    size_t d = lg_parse_u64(p + TICK_HEAD, size, &seq);
    if (!d || p[TICK_HEAD + d] != '.')
        return lg_fail_packet(c, "tick without a sequence number", p, n);
    if (seq != c->next_seq)
        return lg_fail(c->th->run, LG_EXIT_PROTO,
                       "connection %ld: tick %" PRIu64 " where %" PRIu64
                       " was due (lost, repeated or reordered)",
                       c->idx, seq, c->next_seq);
    c->next_seq++;
    return bcast_event(c, seq, now, 1);
}

static int on_publish_ack(lg_conn *c, const char *p, size_t n, uint64_t now)
{
    uint64_t seq;
    size_t d = n > 2 ? lg_parse_u64(p + 2, n - 2, &seq) : 0;
    if (!d || memcmp(p, "43", 2) || n != 2 + d + 2 ||
        memcmp(p + 2 + d, "[]", 2))
        return lg_fail_packet(c, "expected the publish ack 43<id>[]", p, n);
    return bcast_event(c, seq, now, 0);
}

static int fan_on_packet(lg_conn *c, const char *p, size_t n, uint64_t now)
{
    if (is_publisher(c))
        return on_publish_ack(c, p, n, now);
    if (!c->joined)
        return on_join_ack(c, p, n);
    return on_tick(c, p, n, now);
}

static int publish(lg_conn *pub, lg_bcast *b, uint64_t seq)
{
    lg_run *r = pub->th->run;
    long size = r->o->size;
    char *p = lg_pkt_reserve(pub->th, (size_t)size + 128);
    if (!p)
        return lg_fail(r, LG_EXIT_CONN, "out of memory");
    const char *room = r->o->room;
    char *q = lg_put(p, "42", 2);
    q += lg_fmt_u64(q, seq);
    q = lg_put(q, "[\"publish\",\"", 12);
    q = lg_put(q, room, strlen(room));
    q = lg_put(q, "\",\"", 3);
    size_t d = lg_fmt_u64(q, seq);
    q[d++] = '.';
    memcpy(q + d, pub->th->alpha + d, (size_t)size - d);
    q = lg_put(q + size, "\"]", 2);
    size_t n = (size_t)(q - p);
    b->seq = seq;
    atomic_store(&b->t_last, 0);
    atomic_store(&b->acked, 0);
    atomic_store(&b->remaining, (int)r->total); /* R ticks + 1 ack */
    b->t_pub = lg_now();
    atomic_store_explicit(&b->busy, 1, memory_order_release);
    return lg_conn_send(pub, p, n);
}

/* A broadcast not done after --timeout s: lost ticks if some of it
 * arrived (exit 3), else the server is stuck (exit 4). */
static int fan_check_lost(lg_thread *th, uint64_t now)
{
    lg_run *r = th->run;
    uint64_t limit = (uint64_t)(r->o->timeout * 1e9);
    if (now - th->last_check < LG_LOST_SCAN_NS)
        return 0;
    th->last_check = now;
    for (long i = 0; i < r->o->inflight; i++) {
        lg_bcast *b = &r->bcast[i];
        if (!atomic_load(&b->busy) || now - b->t_pub <= limit)
            continue;
        int acked = atomic_load(&b->acked);
        long missing = atomic_load(&b->remaining) - (acked ? 0 : 1);
        int lost = acked || missing < r->total - 1;
        return lg_fail(r, lost ? LG_EXIT_PROTO : LG_EXIT_TIMEOUT,
                       "broadcast %" PRIu64 ": %ld of %ld ticks%s missing "
                       "after %.1f s%s",
                       b->seq, missing, r->total - 1,
                       acked ? "" : " and the ack", r->o->timeout,
                       lost ? " (lost)" : "");
    }
    return 0;
}

/* Thread 0: starts the measured part once the warm-up broadcasts are
 * done, and keeps W broadcasts in flight. */
static void fan_on_wake(lg_thread *th, uint64_t now)
{
    lg_run *r = th->run;
    lg_phase ph = lg_phase_get(r);
    if (th->id != 0 || ph < LG_PH_WARMUP || ph >= LG_PH_DRAIN ||
        fan_check_lost(th, now) < 0)
        return;
    if (ph == LG_PH_WARMUP && atomic_load(&r->completed) == (uint64_t)r->warm) {
        lg_window_start(r, lg_now());
        atomic_store(&r->phase, LG_PH_MEASURE);
        ph = LG_PH_MEASURE;
    }
    uint64_t limit =
        (uint64_t)r->warm + (ph == LG_PH_MEASURE ? r->o->count : 0);
    lg_conn *pub = &th->conns[0];
    while (r->sent < limit) {
        lg_bcast *b = &r->bcast[r->sent % (uint64_t)r->o->inflight];
        if (atomic_load_explicit(&b->busy, memory_order_acquire))
            break;
        if (publish(pub, b, r->sent++) < 0)
            return;
    }
    lg_conn_flush(pub);
}

const lg_mode_ops lg_fanout_ops = {fan_on_ready, fan_on_packet, fan_on_wake};
