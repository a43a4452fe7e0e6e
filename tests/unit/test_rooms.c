/* test_rooms.c - rooms and broadcasts over the fake Engine.IO: join,
 * leave, the implicit sid room, targets (namespace, rooms, except,
 * broadcast from a socket), no duplicates across rooms, leave-all on
 * disconnect after a disconnecting handler that still sees the rooms,
 * and 1,000 members each getting 100 broadcasts in order; a join that
 * runs out of memory leaves nothing behind (linked with the allocation
 * seams of fail_alloc.h); sio_room_clear empties a room; sio_room(ctx)
 * reaches a room, the handler's socket included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sio.h"

#include "../common/fail_alloc.h"
#include "../common/fake_eio.c"

#define MAXS 1000

typedef struct world {
    sio_server *srv;
    sio_namespace *ns;
    sio_socket *sock[MAXS]; /* references, in connect order */
    eio_session *sess[MAXS];
    size_t n;
    char seen_rooms[256]; /* what the disconnecting handler saw */
    size_t left_after;    /* rooms of the socket in the disconnect handler */
} world;

static world W;

static int on_connect(sio_ctx *ctx, json_t *auth, void *ud)
{
    (void)auth;
    (void)ud;
    W.sock[W.n] = sio_socket_ref(sio_ctx_socket(ctx));
    return 0;
}

static void on_disconnecting(sio_ctx *ctx, sio_reason why, void *ud)
{
    const char *names[8];
    size_t n = sio_socket_rooms(sio_ctx_socket(ctx), names, 8);
    (void)why;
    (void)ud;
    W.seen_rooms[0] = '\0';
    for (size_t i = 1; i < n && i < 8; i++) { /* [0] is the sid */
        strcat(W.seen_rooms, names[i]);
        strcat(W.seen_rooms, ",");
    }
}

static void on_disconnect(sio_ctx *ctx, sio_reason why, void *ud)
{
    const char *names[8];
    (void)why;
    (void)ud;
    W.left_after = sio_socket_rooms(sio_ctx_socket(ctx), names, 8);
}

static int setup(void **state)
{
    sio_options o;
    (void)state;
    memset(&W, 0, sizeof W);
    sio_options_init(&o);
    W.srv = sio_server_new(&o);
    assert_non_null(W.srv);
    g_eio = sio_server_engine(W.srv);
    W.ns = sio_server_of(W.srv, "/");
    assert_int_equal(sio_namespace_on_connect(W.ns, on_connect, NULL), 0);
    assert_int_equal(
        sio_namespace_on_disconnecting(W.ns, on_disconnecting, NULL), 0);
    assert_int_equal(sio_namespace_on_disconnect(W.ns, on_disconnect, NULL), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < W.n; i++)
        if (W.sess[i] && W.sess[i]->open)
            sess_close(W.sess[i], EIO_CLOSE_TRANSPORT_CLOSE);
    sio_server_free(W.srv);
    for (size_t i = 0; i < W.n; i++)
        sio_socket_unref(W.sock[i]);
    return 0;
}

/* Connects k more clients to "/"; their CONNECT answers are consumed. */
static void connect_clients(size_t k)
{
    for (size_t i = 0; i < k; i++) {
        eio_session *s = sess_open(g_eio);
        sess_text(s, "0");
        expect_connect(s, "40");
        W.sess[W.n++] = s;
    }
}

/* How many messages client i has not read yet. */
static size_t pending(size_t i)
{
    return W.sess[i]->nout - W.sess[i]->read;
}

static void expect_only(size_t i, const char *msg)
{
    expect_out(W.sess[i], msg);
    assert_int_equal(pending(i), 0);
}

static void test_join_leave_and_queries(void **state)
{
    const char *names[4];
    (void)state;
    connect_clients(3);
    assert_int_equal(sio_join(W.sock[0], "a"), 0);
    assert_int_equal(sio_join(W.sock[0], "a"), 0); /* twice is fine */
    assert_int_equal(sio_join(W.sock[1], "a"), 0);
    assert_int_equal(sio_join(W.sock[1], "b"), 0);
    assert_int_equal(sio_room_size(W.ns, "a"), 2);
    assert_int_equal(sio_room_size(W.ns, "b"), 1);
    assert_int_equal(sio_room_size(W.ns, "zzz"), 0);
    assert_true(sio_in_room(W.sock[1], "b"));
    assert_false(sio_in_room(W.sock[2], "a"));
    /* The sid room, implicit. */
    assert_true(sio_in_room(W.sock[2], sio_socket_sid(W.sock[2])));
    assert_int_equal(sio_room_size(W.ns, sio_socket_sid(W.sock[2])), 1);
    assert_int_equal(sio_socket_rooms(W.sock[1], names, 4), 3);
    assert_string_equal(names[0], sio_socket_sid(W.sock[1]));
    assert_int_equal(sio_leave(W.sock[1], "a"), 0);
    assert_int_equal(sio_leave(W.sock[1], "a"), SIO_ENOENT);
    assert_int_equal(sio_room_size(W.ns, "a"), 1);
    /* The member swapped into the freed slot stays reachable. */
    assert_int_equal(sio_leave(W.sock[0], "a"), 0);
    assert_int_equal(sio_room_size(W.ns, "a"), 0);
}

static void test_targets(void **state)
{
    (void)state;
    connect_clients(4);
    sio_join(W.sock[0], "a");
    sio_join(W.sock[1], "a");
    sio_join(W.sock[1], "b");
    sio_join(W.sock[2], "b");

    /* One room. */
    assert_int_equal(sio_emit_to(sio_to(sio_all(W.ns), "a"), "x", NULL), 0);
    expect_only(0, "42[\"x\"]");
    expect_only(1, "42[\"x\"]");
    assert_int_equal(pending(2) + pending(3), 0);

    /* Two rooms: socket 1 is in both and gets it once. */
    sio_emit_to(sio_to(sio_to(sio_all(W.ns), "a"), "b"), "y",
                json_pack("[i]", 1));
    expect_only(0, "42[\"y\",1]");
    expect_only(1, "42[\"y\",1]");
    expect_only(2, "42[\"y\",1]");
    assert_int_equal(pending(3), 0);

    /* Whole namespace except room b. */
    sio_emit_to(sio_except(sio_all(W.ns), "b"), "z", NULL);
    expect_only(0, "42[\"z\"]");
    expect_only(3, "42[\"z\"]");
    assert_int_equal(pending(1) + pending(2), 0);

    /* socket.to(room): from socket 1 to room b, socket 1 excluded. */
    sio_emit_to(sio_to(sio_to_socket(W.sock[1]), "b"), "w", NULL);
    expect_only(2, "42[\"w\"]");
    assert_int_equal(pending(0) + pending(1) + pending(3), 0);

    /* A sid is a room. */
    sio_emit_to(sio_to(sio_all(W.ns), sio_socket_sid(W.sock[3])), "v", NULL);
    expect_only(3, "42[\"v\"]");
    assert_int_equal(pending(0) + pending(1) + pending(2), 0);

    /* Reserved names and too many rooms are refused. */
    assert_int_equal(sio_emit_to(sio_all(W.ns), "disconnect", NULL),
                     SIO_EINVAL);
    sio_target t = sio_all(W.ns);
    for (int i = 0; i <= SIO_TARGET_MAX_ROOMS; i++)
        t = sio_to(t, "a");
    assert_int_equal(sio_emit_to(t, "u", NULL), SIO_EINVAL);
}

static void test_binary_broadcast(void **state)
{
    (void)state;
    connect_clients(2);
    sio_emit_to(sio_all(W.ns), "f", json_pack("[o]", sio_bytes_new("\1\2", 2)));
    for (size_t i = 0; i < 2; i++) {
        expect_out(W.sess[i], "451-[\"f\",{\"_placeholder\":true,\"num\":0}]");
        expect_only(i, "<bin 0102>");
    }
}

static void test_disconnect_leaves_rooms(void **state)
{
    (void)state;
    connect_clients(2);
    sio_join(W.sock[0], "a");
    sio_join(W.sock[0], "b");
    sio_join(W.sock[1], "a");
    sess_text(W.sess[0], "1"); /* client namespace disconnect */
    assert_non_null(strstr(W.seen_rooms, "a,"));
    assert_non_null(strstr(W.seen_rooms, "b,"));
    assert_int_equal(W.left_after, 0); /* gone by the disconnect handler */
    assert_int_equal(sio_room_size(W.ns, "a"), 1);
    assert_int_equal(sio_room_size(W.ns, "b"), 0);
    sio_emit_to(sio_to(sio_all(W.ns), "a"), "x", NULL);
    expect_only(1, "42[\"x\"]");
    assert_int_equal(sio_join(W.sock[0], "c"), SIO_ECLOSED);
}

/* "shout": sio_room(ctx, "b") reaches room b, the sender too. */
static void on_shout(sio_ctx *ctx, json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    assert_int_equal(sio_emit_to(sio_room(ctx, "b"), "heard", NULL), 0);
}

static void test_room_of_handler(void **state)
{
    (void)state;
    assert_int_equal(sio_namespace_on(W.ns, "shout", on_shout, NULL), 0);
    connect_clients(4);
    sio_join(W.sock[1], "b");
    sio_join(W.sock[2], "b");
    sess_text(W.sess[1], "2[\"shout\"]");
    expect_only(1, "42[\"heard\"]");
    expect_only(2, "42[\"heard\"]");
    assert_int_equal(pending(0) + pending(3), 0);
    /* From outside the room: its members only. */
    sess_text(W.sess[0], "2[\"shout\"]");
    expect_only(1, "42[\"heard\"]");
    expect_only(2, "42[\"heard\"]");
    assert_int_equal(pending(0) + pending(3), 0);
}

/* sio_room_clear: every member leaves, more than one batch of them, and
 * their other rooms stay. */
static void test_room_clear(void **state)
{
    (void)state;
    connect_clients(150);
    for (size_t i = 0; i < 150; i++)
        assert_int_equal(sio_join(W.sock[i], "all"), 0);
    assert_int_equal(sio_join(W.sock[7], "other"), 0);
    assert_int_equal(sio_room_clear(W.ns, "all"), 150);
    assert_int_equal(sio_room_size(W.ns, "all"), 0);
    assert_false(sio_in_room(W.sock[149], "all"));
    assert_true(sio_in_room(W.sock[7], "other"));
    assert_int_equal(sio_room_clear(W.ns, "all"), 0);
    assert_int_equal(sio_room_clear(W.ns, NULL), 0);
    assert_int_equal(sio_join(W.sock[0], "all"), 0); /* usable again */
    assert_int_equal(sio_room_size(W.ns, "all"), 1);
}

static void test_thousand_members_in_order(void **state)
{
    char want[32];
    (void)state;
    connect_clients(MAXS);
    for (size_t i = 0; i < MAXS; i++)
        assert_int_equal(sio_join(W.sock[i], "big"), 0);
    assert_int_equal(sio_room_size(W.ns, "big"), MAXS);
    for (int k = 0; k < 100; k++) {
        sio_emit_to(sio_to(sio_all(W.ns), "big"), "t", json_pack("[i]", k));
        /* Drain as we go: the fake keeps 64 messages per session. */
        snprintf(want, sizeof want, "42[\"t\",%d]", k);
        for (size_t i = 0; i < MAXS; i++)
            expect_only(i, want);
    }
}

/* Each allocation of a join failing in turn: SIO_ENOMEM, and the
 * namespace as before (no empty room kept, no block left over). */
static void test_join_out_of_memory(void **state)
{
    int rc = SIO_ENOMEM;
    (void)state;

    connect_clients(2);
    /* Socket 1's membership array and the room map exist beforehand. */
    assert_int_equal(sio_join(W.sock[0], "a"), 0);
    assert_int_equal(sio_join(W.sock[1], "a"), 0);
    for (long k = 0; rc != 0; k++) {
        long live = alloc_live();
        assert_true(k < 16);
        fail_after(k);
        rc = sio_join(W.sock[1], "new");
        fail_off();
        if (rc == 0)
            break;
        assert_int_equal(rc, SIO_ENOMEM);
        assert_int_equal(alloc_live(), live);
        assert_false(sio_in_room(W.sock[1], "new"));
        assert_int_equal(sio_room_size(W.ns, "new"), 0);
    }
    assert_int_equal(sio_room_size(W.ns, "new"), 1);
    assert_int_equal(sio_room_size(W.ns, "a"), 2);
}

/* What other servers of a cluster see of the local sockets: the list of
 * a namespace's sockets and a socket's handshake in socket.io's shape. */
static void test_namespace_sockets_and_handshake(void **state)
{
    sio_socket *out[4];
    json_t *h;
    (void)state;
    connect_clients(3);
    assert_int_equal(sio_namespace_sockets(W.ns, NULL, 0), 3);
    assert_int_equal(sio_namespace_sockets(W.ns, out, 2), 3);
    assert_true(out[0] != out[1]);
    assert_int_equal(sio_namespace_sockets(W.ns, out, 4), 3);
    for (size_t i = 0; i < 3; i++)
        assert_non_null(sio_namespace_socket(W.ns, sio_socket_sid(out[i])));
    assert_ptr_equal(sio_namespace_server(W.ns), W.srv);
    h = sio_socket_handshake(W.sock[1]);
    assert_non_null(h);
    assert_string_equal(json_string_value(json_object_get(h, "address")),
                        "10.0.0.1");
    assert_string_equal(json_string_value(json_object_get(h, "url")),
                        "/socket.io/");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(h, "headers"), "x-test")),
                        "hv");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(h, "query"), "q")),
        "q v");
    assert_true(json_is_object(json_object_get(h, "auth")));
    assert_true(json_is_false(json_object_get(h, "secure")));
    json_decref(h);
    sess_close(W.sess[1], EIO_CLOSE_TRANSPORT_CLOSE);
    W.sess[1] = NULL;                             /* freed by the close */
    assert_null(sio_socket_handshake(W.sock[1])); /* gone */
    assert_int_equal(sio_namespace_sockets(W.ns, NULL, 0), 2);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_join_leave_and_queries),
        T(test_targets),
        T(test_binary_broadcast),
        T(test_disconnect_leaves_rooms),
        T(test_thousand_members_in_order),
        T(test_join_out_of_memory),
        T(test_room_clear),
        T(test_room_of_handler),
        T(test_namespace_sockets_and_handshake),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
