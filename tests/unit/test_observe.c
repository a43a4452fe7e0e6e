/* test_observe.c - observers (sio_server_observe) over the fake Engine.IO
 * of tests/common: what each callback is told, in which order, and that
 * a socket is seen from its connect on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sio.h"

#include "../common/fake_eio.c"

/* Every callback appends one line to the log. */
typedef struct seen {
    char log[4096];
    int freed;
} seen;

static void say(seen *w, const char *fmt, ...)
{
    size_t n = strlen(w->log);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(w->log + n, sizeof w->log - n, fmt, ap);
    va_end(ap);
    n = strlen(w->log);
    snprintf(w->log + n, sizeof w->log - n, "\n");
}

static const char *nsp(sio_socket *s)
{
    return sio_namespace_name(sio_socket_namespace(s));
}

static void o_open(eio_session *es, void *ud)
{
    say(ud, "open");
}
static void o_close(eio_session *es, sio_reason why, void *ud)
{
    say(ud, "close %s", sio_reason_str(why));
}
static void o_conn_up(eio_session *es, void *ud)
{
    say(ud, "conn upgraded");
}
static void o_up(sio_socket *s, void *ud)
{
    say(ud, "upgraded %s", nsp(s));
}
static void o_connected(sio_socket *s, void *ud)
{
    say(ud, "connected %s rooms %zu", nsp(s), sio_socket_rooms(s, NULL, 0));
}
static void o_disconnected(sio_socket *s, sio_reason why, void *ud)
{
    say(ud, "disconnected %s %s", nsp(s), sio_reason_str(why));
}
static void o_joined(sio_socket *s, const char *room, void *ud)
{
    say(ud, "joined %s", strcmp(room, sio_socket_sid(s)) ? room : "<sid>");
}
static void o_left(sio_socket *s, const char *room, void *ud)
{
    say(ud, "left %s", strcmp(room, sio_socket_sid(s)) ? room : "<sid>");
}
static void packet(seen *w, const char *dir, json_t *p)
{
    char *t = json_dumps(p, JSON_COMPACT);
    say(w, "%s %s", dir, t ? t : "?");
    free(t);
}
static void o_received(sio_socket *s, json_t *p, void *ud)
{
    packet(ud, "received", p);
}
static void o_sent(sio_socket *s, json_t *p, void *ud)
{
    packet(ud, "sent", p);
}
static void o_free(void *ud)
{
    ((seen *)ud)->freed++;
}

static const sio_observer obs = {
    .conn_open = o_open,
    .conn_upgraded = o_conn_up,
    .upgraded = o_up,
    .conn_close = o_close,
    .connected = o_connected,
    .disconnected = o_disconnected,
    .joined = o_joined,
    .left = o_left,
    .received = o_received,
    .sent = o_sent,
    .free = o_free,
};

/* The application: joins "early" in its connect handler, echoes "ev" to
 * the socket and broadcasts "all" to the namespace. */
static int app_connect(sio_ctx *ctx, json_t *auth, void *ud)
{
    sio_join(sio_ctx_socket(ctx), "early");
    sio_emit(sio_ctx_socket(ctx), "hello", NULL);
    return 0;
}

static void app_event(sio_ctx *ctx, json_t *args, void *ud)
{
    sio_emit(sio_ctx_socket(ctx), "echo", json_incref(args));
}

static void app_all(sio_ctx *ctx, json_t *args, void *ud)
{
    sio_emit_to(sio_all(sio_server_of(sio_ctx_server(ctx), "/")), "all",
                json_pack("[i]", 1));
}

static void test_observer(void **state)
{
    seen w = {0};
    sio_options o;
    sio_server *srv;
    sio_namespace *root;
    eio_session *a, *b;
    sio_socket *sa;
    char sid[21];
    const char *want =
        "open\n"
        "connected / rooms 2\n" /* its sid and "early": joins before
                                   connected are not reported, nor
                                   "hello", emitted while connecting */
        "received [\"ev\",1]\n"
        "sent [\"echo\",1]\n"
        "joined r\n"
        "open\n"
        "connected / rooms 2\n"
        "received [\"all\"]\n"
        "sent [\"all\",1]\n" /* once per recipient */
        "sent [\"all\",1]\n"
        "conn upgraded\n"
        "upgraded /\n"
        "disconnected / client namespace disconnect\n"
        "left <sid>\n" /* every room, as sio_socket_rooms lists them */
        "left early\n"
        "left r\n"
        "close transport close\n";
    (void)state;

    sio_options_init(&o);
    srv = sio_server_new(&o);
    assert_non_null(srv);
    g_eio = sio_server_engine(srv);
    root = sio_server_of(srv, "/");
    assert_int_equal(sio_namespace_on_connect(root, app_connect, NULL), 0);
    assert_int_equal(sio_namespace_on(root, "ev", app_event, NULL), 0);
    assert_int_equal(sio_namespace_on(root, "all", app_all, NULL), 0);
    assert_int_equal(sio_server_observe(srv, NULL, NULL), SIO_EINVAL);
    assert_int_equal(sio_server_observe(srv, &obs, &w), 0);

    a = sess_open(g_eio);
    sess_text(a, "0");
    snprintf(sid, sizeof sid, "%.20s", expect_connect(a, "40"));
    sa = sio_namespace_socket(root, sid);
    assert_non_null(sa);
    assert_ptr_equal(sio_socket_session(sa), a);
    assert_true(sio_socket_connected_at(sa) > 1600000000000LL);
    sess_text(a, "2[\"ev\",1]");
    assert_int_equal(sio_join(sa, "r"), 0);
    assert_int_equal(sio_join(sa, "r"), 0); /* a repeat: not reported */
    b = sess_open(g_eio);
    sess_text(b, "0");
    sess_text(b, "2[\"all\"]");
    assert_int_equal(sio_namespace_sockets(root, NULL, 0), 2);
    a->srv->cb.upgrade(a, a->srv->ud);
    sess_text(a, "1");
    sess_close(a, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_string_equal(w.log, want);
    sess_close(b, EIO_CLOSE_TRANSPORT_CLOSE);
    sio_server_free(srv);
    assert_int_equal(w.freed, 1);
}

static void test_limit_and_namespaces(void **state)
{
    seen w[SIO_MAX_OBSERVERS + 1] = {0};
    sio_options o;
    sio_server *srv;
    sio_namespace *ns;
    int n = 0;
    (void)state;

    sio_options_init(&o);
    srv = sio_server_new(&o);
    g_eio = sio_server_engine(srv);
    assert_non_null(sio_server_of(srv, "/x"));
    for (int i = 0; i < SIO_MAX_OBSERVERS; i++)
        assert_int_equal(sio_server_observe(srv, &obs, &w[i]), 0);
    assert_int_equal(sio_server_observe(srv, &obs, &w[SIO_MAX_OBSERVERS]),
                     SIO_ELIMIT);
    for (size_t i = 0; sio_server_next_namespace(srv, &i, &ns);)
        n++;
    assert_int_equal(n, 2);
    sio_server_free(srv);
    for (int i = 0; i < SIO_MAX_OBSERVERS; i++)
        assert_int_equal(w[i].freed, 1);
    assert_int_equal(w[SIO_MAX_OBSERVERS].freed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_observer),
        cmocka_unit_test(test_limit_and_namespaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
