/* test_recovery.c - connection state recovery in the core, over the fake
 * Engine.IO (its clock set by hand): the private id in the CONNECT
 * answer, offsets on events without ack, the session kept after a drop
 * and not after a goodbye, the window, the bound on kept events, and
 * what a returning socket gets (its sid, rooms, missed events in order,
 * nothing meant for others). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sio.h"

#include "../common/fake_eio.c"

typedef struct fixture {
    sio_server *srv;
    eio_server *eio;
    sio_namespace *ns;
} fixture;

static int setup_with(void **state, unsigned ms, size_t max)
{
    fixture *f = calloc(1, sizeof *f);
    sio_options o;

    assert_non_null(f);
    sio_options_init(&o);
    o.recovery_ms = ms;
    o.recovery_max_packets = max;
    f->srv = sio_server_new(&o);
    assert_non_null(f->srv);
    f->eio = g_eio = sio_server_engine(f->srv);
    f->ns = sio_server_of(f->srv, "/");
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, 2000, 100);
}

static int setup_small(void **state)
{
    return setup_with(state, 2000, 3);
}

static int teardown(void **state)
{
    fixture *f = *state;

    sio_server_free(f->srv);
    free(f);
    return 0;
}

/* A client as socket.io-client keeps it: sid, pid, last offset. */
typedef struct client {
    eio_session *s;
    char sid[32], pid[32], offset[64];
} client;

/* Reads "40{"sid":"...","pid":"..."}" into c. */
static void read_connect(client *c)
{
    const char *got = sess_next(c->s);
    json_t *v;

    assert_non_null(got);
    assert_memory_equal(got, "40", 2);
    v = json_loads(got + 2, 0, NULL);
    assert_non_null(v);
    snprintf(c->sid, sizeof c->sid, "%s",
             json_string_value(json_object_get(v, "sid")));
    snprintf(c->pid, sizeof c->pid, "%s",
             json_string_value(json_object_get(v, "pid")));
    assert_int_equal(strlen(c->sid), 20);
    assert_int_equal(strlen(c->pid), 20);
    json_decref(v);
}

static void connect_with(fixture *f, client *c, const char *auth)
{
    c->s = sess_open(f->eio);
    sess_text(c->s, auth);
    read_connect(c);
}

/* The next event: its text without the offset, which c keeps. */
static void expect_event(client *c, const char *want)
{
    const char *got = sess_next(c->s);
    json_t *v;
    char *text;

    assert_non_null(got);
    assert_memory_equal(got, "42", 2);
    v = json_loads(got + 2, 0, NULL);
    assert_true(json_is_array(v));
    snprintf(c->offset, sizeof c->offset, "%s",
             json_string_value(json_array_get(v, json_array_size(v) - 1)));
    assert_true(c->offset[0]);
    json_array_remove(v, json_array_size(v) - 1);
    text = json_dumps(v, JSON_COMPACT);
    assert_string_equal(text, want);
    free(text);
    json_decref(v);
}

static void come_back(fixture *f, client *c, const char *name)
{
    char auth[200];

    snprintf(auth, sizeof auth,
             "0{\"name\":\"%s\",\"pid\":\"%s\",\"offset\":\"%s\"}", name,
             c->pid, c->offset);
    c->s = sess_open(f->eio);
    sess_text(c->s, auth);
}

static sio_socket *sock(fixture *f, const client *c)
{
    sio_socket *s = sio_namespace_socket(f->ns, c->sid);
    assert_non_null(s);
    return s;
}

static void emit_all(fixture *f, int n)
{
    assert_int_equal(sio_emit_to(sio_all(f->ns), "n", json_pack("[i]", n)), 0);
}

static void test_offsets_and_no_offset_with_ack_or_volatile(void **state)
{
    fixture *f = *state;
    client a = {0};

    connect_with(f, &a, "0");
    emit_all(f, 1);
    expect_event(&a, "[\"n\",1]");
    assert_int_equal(sio_emit_to(sio_volatile(sio_all(f->ns)), "v", NULL), 0);
    expect_out(a.s, "42[\"v\"]");
    assert_int_equal(sio_emit(sock(f, &a), "one", json_pack("[s]", "x")), 0);
    expect_event(&a, "[\"one\",\"x\"]");
    sess_close(a.s, EIO_CLOSE_SERVER);
}

static void test_recovers_sid_rooms_and_missed(void **state)
{
    fixture *f = *state;
    client a = {0}, b = {0};
    char sid[32];
    const char *rooms[4];

    connect_with(f, &a, "0");
    connect_with(f, &b, "0");
    assert_int_equal(sio_join(sock(f, &a), "r"), 0);
    emit_all(f, 0);
    expect_event(&a, "[\"n\",0]");
    expect_event(&b, "[\"n\",0]");
    strcpy(sid, a.sid);
    sess_close(a.s, EIO_CLOSE_TRANSPORT_CLOSE);
    emit_all(f, 1);
    assert_int_equal(
        sio_emit_to(sio_to(sio_all(f->ns), "r"), "room", json_pack("[i]", 2)),
        0);
    assert_int_equal(
        sio_emit_to(sio_to(sio_all(f->ns), "elsewhere"), "no", NULL), 0);
    assert_int_equal(
        sio_emit_to(sio_except(sio_all(f->ns), "r"), "no", NULL), 0);
    assert_int_equal(sio_emit(sock(f, &b), "to-b", NULL), 0);
    f->eio->now_ms += 1500;
    come_back(f, &a, "a");
    {
        client again = a;
        read_connect(&again);
        assert_string_equal(again.sid, sid);
        assert_string_equal(again.pid, a.pid);
    }
    expect_event(&a, "[\"n\",1]");
    expect_event(&a, "[\"room\",2]");
    assert_null(sess_next(a.s));
    assert_true(sio_socket_recovered(sock(f, &a)));
    assert_int_equal(sio_socket_rooms(sock(f, &a), rooms, 4), 2);
    assert_string_equal(rooms[1], "r");
    /* the session was used up: a second return is a fresh socket */
    {
        client c = a;
        come_back(f, &c, "a2");
        read_connect(&c);
        assert_string_not_equal(c.sid, sid);
        assert_false(sio_socket_recovered(sock(f, &c)));
        sess_close(c.s, EIO_CLOSE_SERVER);
    }
    sess_close(a.s, EIO_CLOSE_SERVER);
    sess_close(b.s, EIO_CLOSE_SERVER);
}

static void test_window_over(void **state)
{
    fixture *f = *state;
    client a = {0};
    char sid[32];

    connect_with(f, &a, "0");
    emit_all(f, 0);
    expect_event(&a, "[\"n\",0]");
    strcpy(sid, a.sid);
    sess_close(a.s, EIO_CLOSE_PING_TIMEOUT);
    f->eio->now_ms += 2001;
    come_back(f, &a, "a");
    read_connect(&a);
    assert_string_not_equal(a.sid, sid);
    assert_null(sess_next(a.s));
    sess_close(a.s, EIO_CLOSE_SERVER);
}

static void test_goodbye_keeps_nothing(void **state)
{
    fixture *f = *state;
    client a = {0};
    char sid[32];

    connect_with(f, &a, "0");
    emit_all(f, 0);
    expect_event(&a, "[\"n\",0]");
    strcpy(sid, a.sid);
    sess_text(a.s, "1"); /* DISCONNECT from the client */
    sess_close(a.s, EIO_CLOSE_TRANSPORT_CLOSE);
    come_back(f, &a, "a");
    read_connect(&a);
    assert_string_not_equal(a.sid, sid);
    sess_close(a.s, EIO_CLOSE_SERVER);
}

static void test_bound_drops_oldest(void **state)
{
    fixture *f = *state;
    client a = {0}, b = {0};
    char sid[32];

    connect_with(f, &a, "0");
    emit_all(f, 0);
    expect_event(&a, "[\"n\",0]");
    strcpy(sid, a.sid);
    sess_close(a.s, EIO_CLOSE_TRANSPORT_ERROR);
    /* three kept at most: the offset of n=0 is gone after these */
    for (int i = 1; i <= 3; i++)
        emit_all(f, i);
    come_back(f, &a, "a");
    read_connect(&a);
    assert_string_not_equal(a.sid, sid);
    assert_null(sess_next(a.s));
    /* within the bound it works */
    connect_with(f, &b, "0");
    emit_all(f, 4);
    expect_event(&b, "[\"n\",4]");
    expect_event(&a, "[\"n\",4]");
    strcpy(sid, b.sid);
    sess_close(b.s, EIO_CLOSE_TRANSPORT_CLOSE);
    emit_all(f, 5);
    expect_event(&a, "[\"n\",5]");
    come_back(f, &b, "b");
    read_connect(&b);
    assert_string_equal(b.sid, sid);
    expect_event(&b, "[\"n\",5]");
    sess_close(a.s, EIO_CLOSE_SERVER);
    sess_close(b.s, EIO_CLOSE_SERVER);
}

static void test_off_by_default(void **state)
{
    sio_options o;
    sio_server *srv;
    eio_session *s;

    (void)state;
    sio_options_init(&o);
    assert_int_equal(o.recovery_ms, 0);
    srv = sio_server_new(&o);
    g_eio = sio_server_engine(srv);
    s = sess_open(g_eio);
    sess_text(s, "0");
    expect_connect(s, "40");
    assert_int_equal(sio_emit_to(sio_all(sio_server_of(srv, "/")), "n", NULL),
                     0);
    expect_out(s, "42[\"n\"]");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    sio_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_offsets_and_no_offset_with_ack_or_volatile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovers_sid_rooms_and_missed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_goodbye_keeps_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bound_drops_oldest, setup_small,
                                        teardown),
        cmocka_unit_test(test_off_by_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
