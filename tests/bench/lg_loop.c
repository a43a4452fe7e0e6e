/*
 * lg_loop.c - the worker threads: one epoll loop each over its slice of
 * the connections, opening them P / T at a time; plus what workers and the
 * controller share: the phase, the first error, the measured window.
 */
#include "lg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 512
#define LOOP_TICK_MS 10 /* how late a worker may notice a phase change */

uint64_t lg_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int lg_fail(lg_run *r, int code, const char *fmt, ...)
{
    pthread_mutex_lock(&r->err_lock);
    /* After DONE, connections are being torn down: nothing is an error. */
    if (atomic_load(&r->err) == 0 && lg_phase_get(r) != LG_PH_DONE) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
        va_end(ap);
        atomic_store(&r->err, code);
    }
    pthread_mutex_unlock(&r->err_lock);
    return -1;
}

int lg_fail_packet(lg_conn *c, const char *why, const char *p, size_t n)
{
    char sample[64 * 4 + 4];
    size_t k = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            sample[k++] = (char)ch;
        else
            k += (size_t)snprintf(sample + k, 5, "\\x%02x", ch);
    }
    sample[k] = '\0';
    return lg_fail(c->th->run, LG_EXIT_PROTO,
                   "connection %ld: %s: got %zu bytes '%s%s'", c->idx, why, n,
                   sample, n > 64 ? "..." : "");
}

void lg_window_start(lg_run *r, uint64_t now)
{
    r->t0 = now;
    if (r->o->server_pid)
        r->cpu_ok = lg_proc_cpu_us(r->o->server_pid, &r->cpu0) == 0;
}

void lg_window_end(lg_run *r, uint64_t now)
{
    r->t1 = now;
    if (r->o->server_pid && r->cpu_ok)
        r->cpu_ok = lg_proc_cpu_us(r->o->server_pid, &r->cpu1) == 0;
}

void lg_thread_wake(lg_thread *th)
{
    uint64_t one = 1;
    /* A full counter still wakes the loop: the failure is harmless. */
    if (write(th->evfd, &one, sizeof one) < 0)
        return;
}

void lg_wake_all(lg_run *r)
{
    if (!r->th)
        return;
    for (long t = 0; t < r->o->threads; t++)
        lg_thread_wake(&r->th[t]);
}

void lg_phase_set(lg_run *r, lg_phase ph)
{
    atomic_store_explicit(&r->phase, (int)ph, memory_order_release);
    lg_wake_all(r);
}

/* Opens connections until P / T handshakes are in flight. */
static void thread_open_more(lg_thread *th)
{
    const lg_opts *o = th->run->o;
    long limit = o->parallel / o->threads;
    if (limit < 1)
        limit = 1;
    while (th->next_start < th->nconns && th->opening < limit) {
        lg_conn *c = &th->conns[th->next_start++];
        th->opening++;
        if (lg_conn_open(c, lg_now()) < 0)
            return;
    }
}

static void thread_on_events(lg_thread *th, struct epoll_event *ev, int n)
{
    for (int i = 0; i < n; i++) {
        lg_conn *c = ev[i].data.ptr;
        if (!c) {
            uint64_t v;
            if (read(th->evfd, &v, sizeof v) < 0)
                continue;
            continue;
        }
        if (lg_conn_event(c, ev[i].events) < 0)
            return;
    }
}

static void *thread_main(void *arg)
{
    lg_thread *th = arg;
    lg_run *r = th->run;
    struct epoll_event ev[MAX_EVENTS];
    while (!atomic_load(&r->err)) {
        lg_phase ph = lg_phase_get(r);
        if (ph == LG_PH_DONE)
            break;
        if (ph >= LG_PH_CONNECT)
            thread_open_more(th);
        int n = epoll_wait(th->epfd, ev, MAX_EVENTS, LOOP_TICK_MS);
        if (n < 0 && errno != EINTR) {
            lg_fail(r, LG_EXIT_CONN, "epoll_wait: %s", strerror(errno));
            break;
        }
        if (n > 0)
            thread_on_events(th, ev, n);
        if (!atomic_load(&r->err))
            r->ops->on_wake(th, lg_now());
    }
    for (long k = 0; k < th->nconns; k++)
        lg_conn_close(&th->conns[k]);
    return NULL;
}

static int thread_init(lg_run *r, lg_thread *th, int id)
{
    long T = r->o->threads;
    th->id = id;
    th->run = r;
    th->nconns = r->total > id ? (r->total - id + T - 1) / T : 0;
    th->conns =
        calloc((size_t)(th->nconns ? th->nconns : 1), sizeof *th->conns);
    th->scratch = malloc(LG_SCRATCH_SIZE);
    th->alpha = malloc(LG_ALPHA_LEN + (size_t)r->o->size);
    for (long i = 0; th->alpha && i < LG_ALPHA_LEN + r->o->size; i++)
        th->alpha[i] = (char)('a' + i % LG_ALPHA_LEN);
    th->epfd = epoll_create1(EPOLL_CLOEXEC);
    th->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!th->conns || !th->scratch || !th->alpha || th->epfd < 0 ||
        th->evfd < 0)
        return lg_fail(r, LG_EXIT_CONN, "thread %d: out of resources", id);
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(th->epfd, EPOLL_CTL_ADD, th->evfd, &e) < 0)
        return lg_fail(r, LG_EXIT_CONN, "epoll_ctl: %s", strerror(errno));
    for (long k = 0; k < th->nconns; k++) {
        th->conns[k].fd = -1;
        th->conns[k].idx = id + k * T;
        th->conns[k].th = th;
    }
    if (getrandom(&th->rng, sizeof th->rng, 0) != sizeof th->rng)
        th->rng = lg_now();
    th->rng |= 1; /* xorshift must not start at 0 */
    return 0;
}

int lg_threads_start(lg_run *r)
{
    long T = r->o->threads;
    r->th = calloc((size_t)T, sizeof *r->th);
    if (!r->th)
        return lg_fail(r, LG_EXIT_CONN, "out of memory");
    for (long t = 0; t < T; t++) {
        r->th[t].epfd = r->th[t].evfd = -1;
        if (thread_init(r, &r->th[t], (int)t) < 0)
            return -1;
    }
    for (long t = 0; t < T; t++) {
        if (pthread_create(&r->th[t].tid, NULL, thread_main, &r->th[t]))
            return lg_fail(r, LG_EXIT_CONN, "pthread_create failed");
        r->started++;
    }
    return 0;
}

/* Workers stop within LOOP_TICK_MS of DONE or of the first error. */
void lg_threads_join(lg_run *r)
{
    for (long t = 0; t < r->o->threads && r->th; t++) {
        if (t < r->started)
            pthread_join(r->th[t].tid, NULL);
        close(r->th[t].epfd);
        close(r->th[t].evfd);
        free(r->th[t].conns);
        free(r->th[t].scratch);
        free(r->th[t].alpha);
        free(r->th[t].pkt);
    }
}
