/*
 * lg_connect.c - connect: N full handshakes, P at a time, then idle.  The
 * window closes at the N-th ready socket; the handshake latency is
 * connect() to 40{"sid":...}.
 */
#include "lg.h"

static int connect_on_ready(lg_conn *c, long nready, uint64_t now)
{
    lg_run *r = c->th->run;
    lg_hist_add(&c->th->hist, now - c->t_start);
    if (nready == r->total)
        lg_window_end(r, now);
    return 0;
}

static int connect_on_packet(lg_conn *c, const char *p, size_t n, uint64_t now)
{
    return lg_fail_packet(c, "unexpected packet on an idle socket", p, n);
}

static void connect_on_wake(lg_thread *th, uint64_t now) {}

const lg_mode_ops lg_connect_ops = {connect_on_ready, connect_on_packet,
                                    connect_on_wake};
