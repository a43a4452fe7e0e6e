/* test_store.c - the in-memory session store: copies in and out, a
 * bounded number of sessions, updates of a known id past the bound,
 * expiry by idleness (on a clock the test sets: linked with
 * -Wl,--wrap=clock_gettime). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "sio.h"

/* The store's clock: the real one unless a test set it. */
static time_t g_now;

int __real_clock_gettime(clockid_t id, struct timespec *ts);
int __wrap_clock_gettime(clockid_t id, struct timespec *ts);

int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
    if (!g_now || id != CLOCK_REALTIME)
        return __real_clock_gettime(id, ts);
    ts->tv_sec = g_now;
    ts->tv_nsec = 0;
    return 0;
}

static void test_copies(void **state)
{
    sio_session_store *st = sio_session_store_memory(3600, 0);
    json_t *s = json_pack("{s:s}", "k", "v"), *back;
    (void)state;

    assert_non_null(st);
    assert_null(st->load(st, "nope"));
    assert_int_equal(st->save(st, "id1", s), 0);
    /* The store keeps its own copy: later changes do not leak in. */
    json_object_set_new(s, "k", json_string("changed"));
    back = st->load(st, "id1");
    assert_string_equal(json_string_value(json_object_get(back, "k")), "v");
    /* And what it hands out is a copy too. */
    json_object_set_new(back, "k", json_string("mine"));
    json_decref(back);
    back = st->load(st, "id1");
    assert_string_equal(json_string_value(json_object_get(back, "k")), "v");
    json_decref(back);
    json_decref(s);
    st->free(st);
}

static void test_remove(void **state)
{
    sio_session_store *st = sio_session_store_memory(3600, 1);
    json_t *s = json_pack("{s:s}", "k", "v"), *back;
    (void)state;

    assert_non_null(st->remove);
    assert_int_equal(st->save(st, "old", s), 0);
    st->remove(st, "old");
    assert_null(st->load(st, "old"));
    st->remove(st, "never"); /* unknown: nothing happens */
    /* its room is free again (max_sessions 1) */
    assert_int_equal(st->save(st, "new", s), 0);
    back = st->load(st, "new");
    assert_non_null(back);
    json_decref(back);
    json_decref(s);
    st->free(st);
}

static bool has(sio_session_store *st, const char *id)
{
    json_t *v = st->load(st, id);
    json_decref(v);
    return v != NULL;
}

/* Full, the store evicts the anonymous session used least recently;
 * logged-in ones ("_user_id") are never evicted: with only those left,
 * a new session is refused. */
static void test_bounded(void **state)
{
    sio_session_store *st = sio_session_store_memory(3600, 2);
    json_t *anon = json_object();
    json_t *user = json_pack("{s:s}", "_user_id", "u");
    (void)state;

    assert_int_equal(st->save(st, "a", anon), 0);
    assert_int_equal(st->save(st, "b", anon), 0);
    assert_true(has(st, "a")); /* a used last: b goes first */
    assert_int_equal(st->save(st, "L", user), 0);
    assert_false(has(st, "b"));
    assert_true(has(st, "a"));
    assert_int_equal(st->save(st, "c", anon), 0); /* evicts a */
    assert_false(has(st, "a"));
    assert_int_equal(st->save(st, "M", user), 0); /* evicts c */
    assert_false(has(st, "c"));
    assert_true(has(st, "L") && has(st, "M"));
    assert_int_equal(st->save(st, "d", anon), SIO_ELIMIT);
    assert_int_equal(st->save(st, "N", user), SIO_ELIMIT);
    assert_false(has(st, "d") || has(st, "N"));
    /* A known id is still updated when full; logging out makes it
     * anonymous, and so evictable. */
    assert_int_equal(st->save(st, "L", anon), 0);
    assert_int_equal(st->save(st, "e", anon), 0);
    assert_false(has(st, "L"));
    assert_true(has(st, "M") && has(st, "e"));
    json_decref(anon);
    json_decref(user);
    st->free(st);
}

/* Idle means neither saved nor loaded: reading a session keeps it. */
static void test_idle_expiry(void **state)
{
    sio_session_store *st = sio_session_store_memory(100, 0);
    json_t *s = json_object(), *back;
    (void)state;

    g_now = 1000000;
    assert_int_equal(st->save(st, "a", s), 0);
    for (int i = 0; i < 5; i++) { /* read every 60 s: 300 s after saving */
        g_now += 60;
        back = st->load(st, "a");
        assert_non_null(back);
        json_decref(back);
    }
    g_now += 101; /* then idle past max_age */
    assert_null(st->load(st, "a"));
    g_now = 0;
    json_decref(s);
    st->free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copies),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_idle_expiry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
