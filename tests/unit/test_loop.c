/* test_loop.c - the real loop (libwebsockets underneath): work posted
 * from other threads runs on the loop thread, in order, exactly once;
 * eio_server_stop from another thread ends the run; timers fire once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <string.h>

#include <cmocka.h>

#include "sio.h"

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
    return sio_server_new(&o);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_posts_from_threads),
        cmocka_unit_test(test_stop_from_thread),
        cmocka_unit_test(test_timer_fires_once),
        cmocka_unit_test(test_bind_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
