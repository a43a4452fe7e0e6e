/* test_loop.c - the real loop (libwebsockets underneath), on libev and
 * on lws' poll(2) loop: work posted from other threads runs on the loop
 * thread, in order, exactly once; eio_server_stop from another thread
 * ends the run; timers fire once, and on time while lws has timers of its
 * own pending; an application's own libev loop runs a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <ev.h>

#include "sio.h"

static eio_loop_kind loop_kind; /* of the group running */

#define POSTS 2000
#define THREADS 4

struct counter {
    sio_server *srv;
    pthread_t loop_thread;
    int per_thread[THREADS]; /* last sequence seen per thread */
    int total;
    int out_of_order;
    int wrong_thread;
    int started;
    pthread_mutex_t lock;
};

struct job {
    struct counter *c;
    int thread, seq;
};

static struct job jobs[THREADS][POSTS];

static void run_job(sio_server *srv, void *arg)
{
    struct job *j = arg;
    struct counter *c = j->c;
    (void)srv;
    if (!pthread_equal(pthread_self(), c->loop_thread))
        c->wrong_thread++;
    if (j->seq != c->per_thread[j->thread] + 1)
        c->out_of_order++;
    c->per_thread[j->thread] = j->seq;
    if (++c->total == THREADS * POSTS)
        sio_server_stop(c->srv);
}

static void *poster(void *arg)
{
    struct job *mine = arg;
    for (int i = 0; i < POSTS; i++)
        if (sio_server_call_on_loop(mine[i].c->srv, run_job, &mine[i]) != 0)
            return (void *)1;
    return NULL;
}

static sio_server *new_server(void)
{
    sio_options o;
    sio_options_init(&o);
    o.eio.port = 0;
    o.eio.log_level = EIO_LOG_WARN;
    o.eio.loop = loop_kind;
    return sio_server_new(&o);
}

/* A TCP connection to the server's port, or -1. */
static int dial(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void test_posts_from_threads(void **state)
{
    struct counter c;
    pthread_t t[THREADS];
    (void)state;

    memset(&c, 0, sizeof c);
    c.srv = new_server();
    assert_non_null(c.srv);
    assert_true(sio_server_port(c.srv) > 0);
    c.loop_thread = pthread_self();
    for (int k = 0; k < THREADS; k++) {
        for (int i = 0; i < POSTS; i++)
            jobs[k][i] = (struct job){&c, k, i + 1};
        assert_int_equal(pthread_create(&t[k], NULL, poster, jobs[k]), 0);
    }
    assert_int_equal(sio_server_run(c.srv), 0);
    for (int k = 0; k < THREADS; k++) {
        void *rc;
        pthread_join(t[k], &rc);
        assert_null(rc);
        assert_int_equal(c.per_thread[k], POSTS);
    }
    assert_int_equal(c.total, THREADS * POSTS);
    assert_int_equal(c.out_of_order, 0);
    assert_int_equal(c.wrong_thread, 0);
    sio_server_free(c.srv);
}

static void *stopper(void *arg)
{
    sio_server_stop(arg);
    return NULL;
}

static void test_stop_from_thread(void **state)
{
    sio_server *srv = new_server();
    pthread_t t;
    (void)state;

    assert_non_null(srv);
    assert_int_equal(pthread_create(&t, NULL, stopper, srv), 0);
    assert_int_equal(sio_server_run(srv), 0);
    pthread_join(t, NULL);
    sio_server_free(srv);
}

struct fired {
    int n;
    sio_server *srv;
};

static void on_timer(eio_timer *t, void *ud)
{
    struct fired *f = ud;
    (void)t;
    if (++f->n == 1)
        sio_server_stop(f->srv);
}

static void test_timer_fires_once(void **state)
{
    struct fired f = {0, new_server()};
    eio_timer *t;
    (void)state;

    assert_non_null(f.srv);
    t = eio_timer_new(sio_server_engine(f.srv), on_timer, &f);
    assert_non_null(t);
    eio_timer_start(t, 20);
    assert_true(eio_timer_active(t));
    assert_int_equal(sio_server_run(f.srv), 0);
    assert_int_equal(f.n, 1);
    assert_false(eio_timer_active(t));
    eio_timer_free(t);
    sio_server_free(f.srv);
}

/* A timer started while lws waits on a long timer of its own (the
 * header timeout of a connection that sends nothing) fires in its time,
 * not when lws' timer does. The guard stops the run if it does not. */
struct race {
    sio_server *srv;
    eio_timer *t;
    int port;
    int fired;       /* the 100 ms timer, on the loop */
    int guard_first; /* the guard stopped the run before the timer */
    pthread_mutex_t lock;
};

static void race_timer(eio_timer *t, void *ud)
{
    struct race *r = ud;
    (void)t;
    pthread_mutex_lock(&r->lock);
    if (!r->guard_first)
        r->fired++;
    pthread_mutex_unlock(&r->lock);
    sio_server_stop(r->srv);
}

static void race_start(sio_server *srv, void *arg)
{
    struct race *r = arg;
    (void)srv;
    eio_timer_start(r->t, 100);
}

static void *race_client(void *arg)
{
    struct race *r = arg;
    int fd = dial(r->port);
    usleep(50 * 1000); /* lws has accepted it and armed its timeout */
    if (sio_server_call_on_loop(r->srv, race_start, r) != 0)
        return (void *)1;
    for (int i = 0; i < 60; i++) { /* 3 s: 30 times the timer's delay */
        usleep(50 * 1000);
        pthread_mutex_lock(&r->lock);
        int done = r->fired;
        pthread_mutex_unlock(&r->lock);
        if (done)
            break;
    }
    pthread_mutex_lock(&r->lock);
    if (!r->fired)
        r->guard_first = 1;
    pthread_mutex_unlock(&r->lock);
    sio_server_stop(r->srv);
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void test_timer_beside_lws_timeouts(void **state)
{
    struct race r;
    pthread_t t;
    (void)state;

    memset(&r, 0, sizeof r);
    pthread_mutex_init(&r.lock, NULL);
    r.srv = new_server();
    assert_non_null(r.srv);
    r.port = sio_server_port(r.srv);
    r.t = eio_timer_new(sio_server_engine(r.srv), race_timer, &r);
    assert_non_null(r.t);
    assert_int_equal(pthread_create(&t, NULL, race_client, &r), 0);
    assert_int_equal(sio_server_run(r.srv), 0);
    pthread_join(t, NULL);
    assert_int_equal(r.guard_first, 0);
    assert_int_equal(r.fired, 1);
    eio_timer_free(r.t);
    sio_server_free(r.srv);
    pthread_mutex_destroy(&r.lock);
}

/* ---- an application's own libev loop -------------------------------------
 */

struct app {
    struct ev_loop *loop;
    sio_server *srv;
    int port;
    int stopped;
    int guard;
    char reply[512];
};

static void app_stopped(void *arg)
{
    struct app *a = arg;
    a->stopped++;
    ev_break(a->loop, EVBREAK_ALL);
}

static void app_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct app *a = w->data;
    (void)revents;
    a->guard = 1;
    ev_break(loop, EVBREAK_ALL);
}

/* Another thread: an Engine.IO polling handshake, then the stop. */
static void *app_client(void *arg)
{
    struct app *a = arg;
    static const char req[] = "GET /socket.io/?EIO=4&transport=polling "
                              "HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    int fd = dial(a->port);
    size_t got = 0;

    if (fd >= 0 && write(fd, req, sizeof req - 1) == (ssize_t)sizeof req - 1) {
        while (got < sizeof a->reply - 1 && !strstr(a->reply, "\"sid\"")) {
            ssize_t n = read(fd, a->reply + got, sizeof a->reply - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            a->reply[got] = 0;
        }
    }
    if (fd >= 0)
        close(fd);
    sio_server_stop(a->srv);
    return NULL;
}

static void test_foreign_libev_loop(void **state)
{
    struct app a;
    sio_options o;
    ev_timer guard;
    pthread_t t;
    (void)state;

    memset(&a, 0, sizeof a);
    a.loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(a.loop);
    sio_options_init(&o);
    o.eio.log_level = EIO_LOG_WARN;
    o.eio.loop = EIO_LOOP_LIBEV;
    o.eio.foreign_loop = a.loop;
    o.eio.stopped = app_stopped;
    o.eio.stopped_arg = &a;
    a.srv = sio_server_new(&o);
    assert_non_null(a.srv);
    a.port = sio_server_port(a.srv);
    /* The application runs this loop, not the server. */
    assert_int_not_equal(sio_server_run(a.srv), 0);
    ev_timer_init(&guard, app_guard, 10., 0.);
    guard.data = &a;
    ev_timer_start(a.loop, &guard);
    assert_int_equal(pthread_create(&t, NULL, app_client, &a), 0);
    ev_run(a.loop, 0);
    pthread_join(t, NULL);
    ev_timer_stop(a.loop, &guard);
    assert_int_equal(a.guard, 0);
    assert_int_equal(a.stopped, 1);
    assert_non_null(strstr(a.reply, "HTTP/1.1 200"));
    assert_non_null(strstr(a.reply, "0{\"sid\":\""));
    sio_server_free(a.srv);
    /* The loop is still the application's, with nothing of ours left. */
    ev_run(a.loop, EVRUN_NOWAIT);
    ev_loop_destroy(a.loop);
}

/* A poll(2) server takes no foreign loop. */
static void test_foreign_needs_libev(void **state)
{
    sio_options o;
    (void)state;

    sio_options_init(&o);
    o.eio.log_level = -1;
    o.eio.loop = EIO_LOOP_POLL;
    o.eio.foreign_loop = (void *)&o;
    assert_null(sio_server_new(&o));
}

static void test_bind_failure(void **state)
{
    sio_server *a = new_server(), *b;
    sio_options o;
    (void)state;

    assert_non_null(a);
    sio_options_init(&o);
    o.eio.port = sio_server_port(a); /* taken */
    o.eio.log_level = -1;
    b = sio_server_new(&o);
    assert_null(b);
    sio_server_free(a);
}

static int on_libev(void **state)
{
    (void)state;
    loop_kind = EIO_LOOP_LIBEV;
    return 0;
}

static int on_poll(void **state)
{
    (void)state;
    loop_kind = EIO_LOOP_POLL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_posts_from_threads),
        cmocka_unit_test(test_stop_from_thread),
        cmocka_unit_test(test_timer_fires_once),
        cmocka_unit_test(test_timer_beside_lws_timeouts),
        cmocka_unit_test(test_bind_failure),
    };
    const struct CMUnitTest embedding[] = {
        cmocka_unit_test(test_foreign_libev_loop),
        cmocka_unit_test(test_foreign_needs_libev),
    };
    int failed = cmocka_run_group_tests_name("libev", tests, on_libev, NULL);
    failed += cmocka_run_group_tests_name("poll", tests, on_poll, NULL);
    failed += cmocka_run_group_tests_name("embedding", embedding, NULL, NULL);
    return failed;
}
