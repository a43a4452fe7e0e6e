/* test_typed_targets.c - the typed targets sioc generates (schema
 * tests/unit/schema/targets.sio), over the fake Engine.IO: each
 * constructor, from a handler of either namespace and from the server,
 * reaches exactly the sockets it names; a target of another namespace is
 * refused at the emit (SIO_EINVAL), not sent. And the generated ack
 * functions on a handle with and without an ack id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sio.h"

#include "../common/fake_eio.c"

#include "targets.sio.c"

static int g_rc;         /* the last emit's result */
static sio_socket *g_me; /* the socket of the last "go" "me" */

/* "/": each `what` emits "news" n through one constructor. */
void tt_on_go(sio_ctx *ctx, const char *what)
{
    if (!strcmp(what, "room"))
        g_rc = tt_emit_news(tt_room(ctx, "r"), 1);
    else if (!strcmp(what, "except"))
        g_rc = tt_emit_news(tt_except(ctx, "r"), 2);
    else if (!strcmp(what, "all"))
        g_rc = tt_emit_news(tt_all(ctx), 3);
    else if (!strcmp(what, "self"))
        g_rc = tt_emit_news(tt_self(ctx), 4);
    else if (!strcmp(what, "broadcast"))
        g_rc = tt_emit_news(tt_broadcast(ctx), 5);
    else if (!strcmp(what, "me"))
        g_me = sio_ctx_socket(ctx);
}

static tt_ask_ack g_ask; /* the last "ask" handle */
static bool g_wanted;

void tt_on_ask(sio_ctx *ctx, tt_ask_ack ack)
{
    (void)ctx;
    g_ask = ack;
    g_wanted = tt_ask_ack_wanted(ack);
    g_rc = tt_ask_ack_send(ack, true);
}

void tt_on_enter(sio_ctx *ctx)
{
    assert_int_equal(sio_join(sio_ctx_socket(ctx), "r"), 0);
}

/* "/admin": emits of "/" from a handler of "/admin". */
void tt_admin_on_go(sio_ctx *ctx, const char *what)
{
    if (!strcmp(what, "room"))
        g_rc = tt_emit_news(tt_room(ctx, "r"), 6);
    else if (!strcmp(what, "self"))
        g_rc = tt_emit_news(tt_self(ctx), 7);
    else if (!strcmp(what, "broadcast"))
        g_rc = tt_emit_news(tt_broadcast(ctx), 8);
    else if (!strcmp(what, "note"))
        g_rc = tt_admin_emit_note(tt_admin_self(ctx), 9);
}

static eio_session *a, *b, *c; /* a, b in room "r"; a also on /admin */

static int setup(void **state)
{
    sio_options o;
    sio_server *srv;

    sio_options_init(&o);
    o.eio.log_level = EIO_LOG_ERR;
    srv = sio_server_new(&o);
    assert_non_null(srv);
    g_eio = sio_server_engine(srv);
    assert_int_equal(tt_register(srv), 0);
    a = sess_open(g_eio);
    b = sess_open(g_eio);
    c = sess_open(g_eio);
    sess_text(a, "0");
    expect_connect(a, "40");
    sess_text(a, "0/admin,");
    expect_connect(a, "40/admin,");
    sess_text(b, "0");
    expect_connect(b, "40");
    sess_text(c, "0");
    expect_connect(c, "40");
    sess_text(a, "2[\"enter\"]");
    sess_text(b, "2[\"enter\"]");
    *state = srv;
    return 0;
}

static int teardown(void **state)
{
    sess_close(a, EIO_CLOSE_TRANSPORT_CLOSE);
    sess_close(b, EIO_CLOSE_TRANSPORT_CLOSE);
    sess_close(c, EIO_CLOSE_TRANSPORT_CLOSE);
    sio_server_free(*state);
    return 0;
}

/* Exactly these got `want` since the last check (NULL: nothing). */
static void got(const char *wa, const char *wb, const char *wc)
{
    eio_session *s[] = {a, b, c};
    const char *w[] = {wa, wb, wc};

    for (int i = 0; i < 3; i++) {
        if (w[i])
            expect_out(s[i], w[i]);
        assert_null(sess_next(s[i]));
    }
}

static void test_from_own_handler(void **state)
{
    (void)state;
    sess_text(c, "2[\"go\",\"room\"]");
    assert_int_equal(g_rc, 0);
    got("42[\"news\",1]", "42[\"news\",1]", NULL);
    sess_text(a, "2[\"go\",\"except\"]");
    assert_int_equal(g_rc, 0);
    got(NULL, NULL, "42[\"news\",2]");
    sess_text(b, "2[\"go\",\"all\"]");
    got("42[\"news\",3]", "42[\"news\",3]", "42[\"news\",3]");
    sess_text(b, "2[\"go\",\"self\"]");
    got(NULL, "42[\"news\",4]", NULL);
    sess_text(b, "2[\"go\",\"broadcast\"]");
    assert_int_equal(g_rc, 0);
    got("42[\"news\",5]", NULL, "42[\"news\",5]");
}

/* From "/admin": a room of "/" is reached; the handler's own socket and
 * a broadcast from it are of "/admin", so emits of "/" refuse them. */
static void test_from_other_namespace(void **state)
{
    (void)state;
    sess_text(a, "2/admin,[\"go\",\"room\"]");
    assert_int_equal(g_rc, 0);
    got("42[\"news\",6]", "42[\"news\",6]", NULL);
    sess_text(a, "2/admin,[\"go\",\"self\"]");
    assert_int_equal(g_rc, SIO_EINVAL);
    sess_text(a, "2/admin,[\"go\",\"broadcast\"]");
    assert_int_equal(g_rc, SIO_EINVAL);
    got(NULL, NULL, NULL);
    sess_text(a, "2/admin,[\"go\",\"note\"]");
    assert_int_equal(g_rc, 0);
    got("42/admin,[\"note\",9]", NULL, NULL);
}

/* Outside handlers: the server, one socket, a raw target converted. */
static void test_from_server(void **state)
{
    sio_server *srv = *state;
    sio_namespace *root = sio_server_of(srv, "/");
    sio_namespace *admin = sio_server_of(srv, "/admin");

    assert_int_equal(tt_emit_news(tt_all(srv), 10), 0);
    got("42[\"news\",10]", "42[\"news\",10]", "42[\"news\",10]");
    assert_int_equal(tt_emit_news(tt_room(srv, "r"), 11), 0);
    got("42[\"news\",11]", "42[\"news\",11]", NULL);
    assert_int_equal(tt_emit_news(tt_except(srv, "r"), 12), 0);
    got(NULL, NULL, "42[\"news\",12]");
    sess_text(c, "2[\"go\",\"me\"]");
    assert_int_equal(tt_emit_news(tt_socket(g_me), 13), 0);
    got(NULL, NULL, "42[\"news\",13]");
    assert_int_equal(
        tt_emit_news(tt_target_of(sio_except(sio_all(root), "r")), 14), 0);
    got(NULL, NULL, "42[\"news\",14]");
    assert_int_equal(tt_emit_news(tt_target_of(sio_all(admin)), 15),
                     SIO_EINVAL);
    assert_int_equal(tt_admin_emit_note(tt_admin_target_of(sio_all(root)), 16),
                     SIO_EINVAL);
    assert_int_equal(tt_admin_emit_note(tt_admin_all(srv), 17), 0);
    got("42/admin,[\"note\",17]", NULL, NULL);
}

/* The generated ack functions: answered once with an ack id, a no-op
 * without; a kept copy answers SIO_ESTATE and sends nothing. */
static void test_generated_acks(void **state)
{
    (void)state;
    sess_text(c, "25[\"ask\"]");
    assert_true(g_wanted);
    assert_int_equal(g_rc, 0);
    got(NULL, NULL, "435[true]");
    assert_int_equal(tt_ask_ack_error(g_ask, "late"), SIO_ESTATE);
    assert_int_equal(tt_ask_ack_send(g_ask, false), SIO_ESTATE);
    sess_text(c, "2[\"ask\"]");
    assert_false(g_wanted);
    assert_int_equal(g_rc, 0);
    assert_int_equal(tt_ask_ack_error(g_ask, "late"), 0);
    got(NULL, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_from_own_handler, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_other_namespace, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_from_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generated_acks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
