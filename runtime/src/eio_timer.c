/* eio_timer.c - one-shot timers on the loop: a binary min-heap of due
 * times per server, with a single loop timer set for the earliest. Arming,
 * re-arming and stopping cost O(log n) whatever the number of sessions
 * (each has a ping timer re-armed at every pong).
 *
 * On libev the loop timer is an ev_timer of ours, not an lws one: lws
 * 4.1's libev glue re-arms its timer without stopping it first, which
 * libev ignores, so an lws timer set earlier than the one pending fired
 * late (a 300 ms ping waited for a 30 s lws timeout). */
#include "eio_internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t now_us(void)
{
    return (uint64_t)lws_now_usecs();
}

static void heap_set(eio_server *srv, size_t i, eio_timer *t)
{
    srv->heap[i] = t;
    t->heap_idx = i;
}

static void sift_up(eio_server *srv, size_t i)
{
    eio_timer *t = srv->heap[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (srv->heap[parent]->due_us <= t->due_us)
            break;
        heap_set(srv, i, srv->heap[parent]);
        i = parent;
    }
    heap_set(srv, i, t);
}

static void sift_down(eio_server *srv, size_t i)
{
    eio_timer *t = srv->heap[i];

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= srv->nheap)
            break;
        if (c + 1 < srv->nheap &&
            srv->heap[c + 1]->due_us < srv->heap[c]->due_us)
            c++;
        if (t->due_us <= srv->heap[c]->due_us)
            break;
        heap_set(srv, i, srv->heap[c]);
        i = c;
    }
    heap_set(srv, i, t);
}

static void heap_remove(eio_server *srv, eio_timer *t)
{
    size_t i = t->heap_idx;
    eio_timer *last = srv->heap[--srv->nheap];

    if (last != t) {
        heap_set(srv, i, last);
        sift_down(srv, i);
        sift_up(srv, last->heap_idx);
    }
}

static void sul_fire(lws_sorted_usec_list_t *sul);
static void ev_fire(struct ev_loop *loop, ev_timer *w, int revents);

/* Sets the one loop timer for the earliest due time, if any. */
static void arm(eio_server *srv)
{
    uint64_t now = now_us(), due, delay;

    if (!srv->nheap || !srv->ctx)
        return;
    due = srv->heap[0]->due_us;
    delay = due > now ? due - now : 1;
    if (srv->evloop) {
        ev_timer_stop(srv->evloop, &srv->heap_ev);
        ev_timer_init(&srv->heap_ev, ev_fire, (double)delay / 1e6, 0.);
        ev_timer_start(srv->evloop, &srv->heap_ev);
    } else {
        lws_sul_schedule(srv->ctx, 0, &srv->heap_sul, sul_fire,
                         (lws_usec_t)delay);
    }
}

/* Runs every timer that is due; each may arm or stop others. */
static void run_due(eio_server *srv)
{
    uint64_t now = now_us();

    while (srv->nheap && srv->heap[0]->due_us <= now) {
        eio_timer *t = srv->heap[0];
        heap_remove(srv, t);
        t->active = false;
        t->fn(t, t->ud);
    }
    arm(srv);
}

static void sul_fire(lws_sorted_usec_list_t *sul)
{
    run_due(lws_container_of(sul, eio_server, heap_sul));
}

static void ev_fire(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    run_due(lws_container_of(w, eio_server, heap_ev));
}

void eiop_timer_init(eio_timer *t, eio_server *srv, eio_timer_fn fn, void *ud)
{
    memset(t, 0, sizeof *t);
    t->srv = srv;
    t->fn = fn;
    t->ud = ud;
}

eio_timer *eio_timer_new(eio_server *srv, eio_timer_fn fn, void *ud)
{
    eio_timer *t = malloc(sizeof *t);
    if (t)
        eiop_timer_init(t, srv, fn, ud);
    return t;
}

static int heap_grow(eio_server *srv)
{
    size_t cap = srv->capheap ? srv->capheap * 2 : 64;
    eio_timer **h = realloc(srv->heap, cap * sizeof *h);

    if (!h)
        return -1;
    srv->heap = h;
    srv->capheap = cap;
    return 0;
}

void eio_timer_start(eio_timer *t, uint64_t ms)
{
    eio_server *srv = t->srv;
    bool was_first;

    if (t->active)
        heap_remove(srv, t);
    else if (srv->nheap == srv->capheap && heap_grow(srv) != 0)
        abort(); /* a timer that silently never fires is worse */
    t->active = true;
    t->due_us = now_us() + ms * 1000u;
    srv->heap[srv->nheap++] = t;
    t->heap_idx = srv->nheap - 1;
    sift_up(srv, t->heap_idx);
    was_first = srv->heap[0] == t;
    if (was_first)
        arm(srv); /* earlier than what the loop waits for */
}

void eio_timer_stop(eio_timer *t)
{
    if (!t->active)
        return;
    t->active = false;
    /* The loop timer may now fire early: run_due then just re-arms. */
    heap_remove(t->srv, t);
}

bool eio_timer_active(const eio_timer *t)
{
    return t->active;
}

void eio_timer_free(eio_timer *t)
{
    if (!t)
        return;
    eio_timer_stop(t);
    free(t);
}

uint64_t eio_server_now_ms(const eio_server *srv)
{
    (void)srv;
    return now_us() / 1000u;
}

void eiop_timers_fini(eio_server *srv)
{
    if (srv->evloop)
        ev_timer_stop(srv->evloop, &srv->heap_ev);
    else if (srv->ctx)
        lws_sul_cancel(&srv->heap_sul);
    free(srv->heap);
    srv->heap = NULL;
    srv->nheap = srv->capheap = 0;
}
