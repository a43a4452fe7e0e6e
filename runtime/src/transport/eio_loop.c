/* eio_loop.c - running the server: one loop turn at a time, what other
 * threads post (run on the loop thread, in order), and the graceful stop
 * (sessions closed, then the run ends at the latest after the grace
 * period). Every wake-up of the loop ends in eiop_loop_wake. */
#include "eio_internal.h"

#include <stdlib.h>

#include "log.h"

/* ---- cross-thread queue ------------------------------------------------- */

int eio_server_post(eio_server *srv, void (*fn)(void *arg), void *arg)
{
    struct post_item *it = malloc(sizeof *it);

    if (!it)
        return EIO_ENOMEM;
    it->fn = fn;
    it->arg = arg;
    it->next = NULL;
    pthread_mutex_lock(&srv->post_lock);
    if (srv->post_tail)
        srv->post_tail->next = it;
    else
        srv->post_head = it;
    srv->post_tail = it;
    pthread_mutex_unlock(&srv->post_lock);
    lws_cancel_service(srv->ctx);
    return 0;
}

/* Loop thread: runs what other threads posted, in order. */
static void drain_posts(eio_server *srv)
{
    struct post_item *it;

    pthread_mutex_lock(&srv->post_lock);
    it = srv->post_head;
    srv->post_head = srv->post_tail = NULL;
    pthread_mutex_unlock(&srv->post_lock);
    while (it) {
        struct post_item *next = it->next;
        it->fn(it->arg);
        free(it);
        it = next;
    }
}

/* ---- run and stop -----------------------------------------------------------
 */

void eio_server_stop(eio_server *srv)
{
    /* Only a flag and a wake-up: this may run in a signal handler. */
    srv->stop_requested = 1;
    if (srv->ctx)
        lws_cancel_service(srv->ctx);
}

/* With a foreign loop, the last close frames and responses get a moment
 * to leave before the application hears that the stop is over. */
static void stopped_fire(eio_timer *t, void *ud)
{
    eio_server *srv = ud;
    (void)t;
    if (srv->opts.stopped)
        srv->opts.stopped(srv->opts.stopped_arg);
}

static void finish(eio_server *srv)
{
    if (srv->finished)
        return;
    srv->finished = true;
    eio_timer_stop(&srv->stop_timer);
    if (srv->opts.foreign_loop) {
        eiop_timer_init(&srv->stop_timer, srv, stopped_fire, srv);
        eio_timer_start(&srv->stop_timer, 50);
    }
}

static void stop_deadline(eio_timer *t, void *ud)
{
    (void)t;
    finish(ud);
}

static void begin_shutdown(eio_server *srv)
{
    srv->stopping = true;
    eiop_listen_close(srv);
    log_line(srv->opts.log_level, EIO_LOG_INFO,
             "eio: stopping, closing %zu session(s)", srv->sessions.len);
    if (srv->cb.shutdown)
        srv->cb.shutdown(srv, srv->ud);
    eiop_sessions_shutdown(srv);
    eiop_timer_init(&srv->stop_timer, srv, stop_deadline, srv);
    eio_timer_start(&srv->stop_timer, srv->opts.shutdown_grace_ms + 500);
}

/* Loop thread, after every wake-up (lws_cancel_service): what other
 * threads posted, a requested stop, the end of a stop. */
void eiop_loop_wake(eio_server *srv)
{
    drain_posts(srv);
    if (srv->stop_requested && !srv->stopping)
        begin_shutdown(srv);
    if (srv->stopping && !srv->all)
        finish(srv);
}

/* One turn of the owned loop; wait: block until something happens. */
static int loop_turn(eio_server *srv, bool wait)
{
    if (srv->evloop) {
        ev_run(srv->evloop, wait ? EVRUN_ONCE : EVRUN_NOWAIT);
        return 0;
    }
    return lws_service(srv->ctx, wait ? 0 : -1) < 0 ? -1 : 0;
}

int eio_server_run(eio_server *srv)
{
    if (srv->opts.foreign_loop)
        return EIO_EINVAL;
    while (!srv->finished) {
        if (loop_turn(srv, true) < 0)
            break;
        eiop_loop_wake(srv);
    }
    /* Let lws write the last close frames and responses. */
    for (int i = 0; i < 5; i++)
        loop_turn(srv, false);
    eio_timer_stop(&srv->stop_timer);
    return 0;
}
