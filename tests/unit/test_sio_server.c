/* test_sio_server.c - the Socket.IO server core over a fake Engine.IO.
 *
 * This file defines the eio.h server, session and timer functions itself,
 * so the linker takes sio_server.o, the codec and eio_msg.o from libsio.a
 * but none of the libwebsockets transport: each test opens sessions,
 * feeds them Engine.IO messages and reads what the server queued, with
 * no network. (If sio_server.c starts using another eio_session_* or
 * eio_server_* function, add it here, or the link pulls the real
 * transport and fails with duplicate symbols.) */
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

/* ---- the application under test -------------------------------------------
 */

typedef struct rec {
    int connects, disconnects, events, anys;
    sio_reason last_reason;
    char last_event[64];
    char last_args[256];
    char last_sid[32];
    bool wanted_ack;
    /* what the next handler call should do */
    int refuse;           /* connect: 1 default, 2 with message */
    bool emit_in_connect; /* connect: emit "auth" */
    bool kick_in_connect; /* connect: sio_disconnect */
    bool kick_in_event;   /* event: sio_disconnect, then emit */
    bool close_in_event;  /* event: sio_socket_close_connection */
    bool take_ack;        /* event: keep the ack */
    sio_pending_ack *taken;
    sio_socket *kept;    /* ref taken in connect */
    int emit_after_kick; /* rc of sio_emit after the kick */
    int second_ack;      /* rc of a second sio_ack */
    int refuse_rc;       /* rc of sio_refuse in an event */
    char header[8], query[8], addr[16];
} rec;

typedef struct fixture {
    sio_server *srv;
    eio_server *eio;
    sio_namespace *root, *b;
    rec r;
} fixture;

static void copy_json(char *out, size_t n, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(out, n, "%s", s ? s : "?");
    free(s);
}

static int app_connect(sio_ctx *ctx, json_t *auth, void *ud)
{
    rec *r = ud;
    r->connects++;
    snprintf(r->last_sid, sizeof r->last_sid, "%s", sio_ctx_sid(ctx));
    copy_json(r->last_args, sizeof r->last_args, auth);
    assert_ptr_equal(sio_ctx_auth(ctx), auth);
    assert_null(sio_ctx_event(ctx));
    assert_false(sio_ctx_wants_ack(ctx));
    snprintf(r->header, sizeof r->header, "%s", sio_ctx_header(ctx, "x-test"));
    snprintf(r->query, sizeof r->query, "%s", sio_ctx_query(ctx, "q"));
    snprintf(r->addr, sizeof r->addr, "%s", sio_ctx_remote_addr(ctx));
    if (r->emit_in_connect)
        assert_int_equal(
            sio_emit(sio_ctx_socket(ctx), "auth", json_pack("[O]", auth)), 0);
    if (r->kick_in_connect)
        sio_disconnect(sio_ctx_socket(ctx));
    if (r->refuse == 2)
        assert_int_equal(
            sio_refuse(ctx, "go away", json_pack("{s:i}", "code", 7)), 0);
    if (!r->kept)
        r->kept = sio_socket_ref(sio_ctx_socket(ctx));
    return r->refuse;
}

static void app_disconnect(sio_ctx *ctx, sio_reason why, void *ud)
{
    rec *r = ud;
    r->disconnects++;
    r->last_reason = why;
    /* The handshake stays readable in the disconnect handler. */
    snprintf(r->header, sizeof r->header, "%s",
             sio_ctx_header(ctx, "x-test") ? "hv" : "-");
    assert_false(sio_socket_connected(sio_ctx_socket(ctx)));
    assert_int_equal(sio_emit(sio_ctx_socket(ctx), "x", NULL), SIO_ECLOSED);
}

static void app_event(sio_ctx *ctx, json_t *args, void *ud)
{
    rec *r = ud;
    r->events++;
    snprintf(r->last_event, sizeof r->last_event, "%s", sio_ctx_event(ctx));
    copy_json(r->last_args, sizeof r->last_args, args);
    assert_ptr_equal(sio_ctx_args(ctx), args);
    r->wanted_ack = sio_ctx_wants_ack(ctx);
    r->refuse_rc = sio_refuse(ctx, "no", json_object());
    if (r->take_ack) {
        r->taken = sio_ctx_take_ack(ctx);
        assert_false(sio_ctx_wants_ack(ctx));
        assert_null(sio_ctx_take_ack(ctx));
    } else if (r->wanted_ack) {
        assert_int_equal(sio_ack(ctx, json_incref(args)), 0);
        r->second_ack = sio_ack(ctx, NULL);
    }
    if (r->kick_in_event) {
        sio_socket *s = sio_ctx_socket(ctx);
        sio_disconnect(s);
        sio_disconnect(s); /* twice is harmless */
        r->emit_after_kick = sio_emit(s, "late", NULL);
        assert_string_equal(sio_ctx_sid(ctx), sio_socket_sid(s));
    }
    if (r->close_in_event)
        sio_socket_close_connection(sio_ctx_socket(ctx));
}

static void app_any(sio_ctx *ctx, json_t *args, void *ud)
{
    rec *r = ud;
    r->anys++;
    snprintf(r->last_event, sizeof r->last_event, "%s", sio_ctx_event(ctx));
    copy_json(r->last_args, sizeof r->last_args, args);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    sio_options o;

    assert_non_null(f);
    sio_options_init(&o);
    f->srv = sio_server_new(&o);
    assert_non_null(f->srv);
    f->eio = g_eio = sio_server_engine(f->srv);
    f->root = sio_server_of(f->srv, "/");
    f->b = sio_server_of(f->srv, "/b");
    for (int i = 0; i < 2; i++) {
        sio_namespace *ns = i ? f->b : f->root;
        assert_int_equal(sio_namespace_on_connect(ns, app_connect, &f->r), 0);
        assert_int_equal(sio_namespace_on_disconnect(ns, app_disconnect, &f->r),
                         0);
        assert_int_equal(sio_namespace_on(ns, "ev", app_event, &f->r), 0);
    }
    assert_int_equal(sio_namespace_on_any(f->b, app_any, &f->r), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sio_pending_ack *a = f->r.taken;
    sio_socket *kept = f->r.kept;

    sio_server_free(f->srv);
    /* Acks and refs may outlive the server. */
    sio_ack_free(a);
    sio_socket_unref(kept);
    free(f);
    return 0;
}

/* An open session joined to "/" (the answer consumed). */
static eio_session *joined(fixture *f)
{
    eio_session *s = sess_open(f->eio);
    sess_text(s, "0");
    expect_connect(s, "40");
    return s;
}

/* ---- tests --------------------------------------------------------------- */

static void test_options_defaults(void **state)
{
    sio_options o;
    (void)state;
    sio_options_init(&o);
    assert_string_equal(o.eio.path, "/socket.io/");
    assert_int_equal(o.connect_timeout_ms, 45000);
    assert_int_equal(o.max_attachments, 10);
}

static void test_namespaces(void **state)
{
    fixture *f = *state;
    assert_non_null(f->root); /* "/" always exists */
    assert_string_equal(sio_namespace_name(f->root), "/");
    assert_ptr_equal(sio_server_of(f->srv, "/b"), f->b);
    assert_null(sio_server_of(f->srv, "b"));
    assert_null(sio_server_of(f->srv, ""));
    assert_null(sio_server_of(f->srv, NULL));
    assert_int_equal(sio_server_port(f->srv), 1234);
    sio_server_set_app(f->srv, f);
    assert_ptr_equal(sio_server_app(f->srv), f);
}

static void test_registration(void **state)
{
    fixture *f = *state;
    sio_namespace *ns = sio_server_of(f->srv, "/reg");
    char name[32];

    assert_int_equal(sio_namespace_on_connect(f->root, app_connect, NULL),
                     SIO_EEXIST);
    assert_int_equal(sio_namespace_on_disconnect(f->root, app_disconnect, NULL),
                     SIO_EEXIST);
    assert_int_equal(sio_namespace_on(f->root, "ev", app_event, NULL),
                     SIO_EEXIST);
    assert_int_equal(sio_namespace_on_any(f->b, app_any, NULL), SIO_EEXIST);
    assert_int_equal(sio_namespace_on(f->root, NULL, app_event, NULL),
                     SIO_EINVAL);
    assert_int_equal(sio_namespace_on(f->root, "x", NULL, NULL), SIO_EINVAL);
    assert_int_equal(sio_namespace_on_disconnecting(NULL, app_disconnect, NULL),
                     SIO_EINVAL);
    assert_int_equal(sio_namespace_on_disconnecting(ns, NULL, NULL),
                     SIO_EINVAL);
    /* Schemas may have many events; the last one still dispatches. */
    for (int i = 0; i < 10000; i++) {
        snprintf(name, sizeof name, "e%d", i);
        assert_int_equal(sio_namespace_on(ns, name, app_event, &f->r), 0);
    }
    assert_int_equal(sio_namespace_on_connect(ns, app_connect, &f->r), 0);
    eio_session *s = sess_open(f->eio);
    sess_text(s, "0/reg,");
    expect_connect(s, "40/reg,");
    sess_text(s, "2/reg,[\"e9999\",1]");
    assert_int_equal(f->r.events, 1);
    assert_string_equal(f->r.last_event, "e9999");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

static void test_connect_and_handshake(void **state)
{
    fixture *f = *state;
    eio_session *s = sess_open(f->eio);
    const char *sid;

    f->r.emit_in_connect = true;
    sess_text(s, "0{\"token\":\"t\"}");
    assert_int_equal(f->r.connects, 1);
    assert_string_equal(f->r.last_args, "{\"token\":\"t\"}");
    /* The CONNECT answer comes before what the handler emitted. */
    sid = expect_connect(s, "40");
    assert_memory_equal(sid, f->r.last_sid, 20);
    expect_out(s, "42[\"auth\",{\"token\":\"t\"}]");
    assert_null(sess_next(s));
    assert_string_equal(f->r.header, "hv");
    assert_string_equal(f->r.query, "qv");
    assert_string_equal(f->r.addr, "10.0.0.1");
    assert_true(sio_socket_connected(f->r.kept));
    assert_ptr_equal(sio_socket_namespace(f->r.kept), f->root);

    /* Without a payload auth is {}; a second namespace is separate. */
    sess_text(s, "0/b,");
    assert_string_equal(f->r.last_args, "{}");
    expect_connect(s, "40/b,");
    expect_out(s, "42/b,[\"auth\",{}]");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_int_equal(f->r.disconnects, 2);
    assert_int_equal(f->r.last_reason, SIO_REASON_TRANSPORT_CLOSE);
    assert_false(sio_socket_connected(f->r.kept));
}

static void test_invalid_namespace_and_twice(void **state)
{
    fixture *f = *state;
    eio_session *s = sess_open(f->eio);

    sess_text(s, "0/random,");
    expect_out(s, "44/random,{\"message\":\"Invalid namespace\"}");
    sess_text(s, "0");
    expect_connect(s, "40");
    sess_text(s, "0"); /* already joined: the connection closes */
    assert_null(sess_next(s));
    assert_int_equal(f->r.connects, 1);
    assert_true(s->close_asked);
    sess_close(s, EIO_CLOSE_SERVER);
    assert_int_equal(f->r.last_reason, SIO_REASON_FORCED_CLOSE);
}

/* As socket.io: a packet for a namespace not joined closes the
 * connection, before any CONNECT as after one. */
static void test_not_joined_closes(void **state)
{
    fixture *f = *state;
    eio_session *s = sess_open(f->eio);

    sess_text(s, "2[\"ev\"]");
    assert_null(sess_next(s));
    assert_true(s->close_asked);
    assert_int_equal(f->r.events, 0);
    sess_close(s, EIO_CLOSE_SERVER);

    s = joined(f);
    sess_text(s, "2/c,[\"ev\"]");
    assert_null(sess_next(s));
    assert_true(s->close_asked);
    assert_int_equal(f->r.events, 0);
    sess_close(s, EIO_CLOSE_SERVER);
    assert_int_equal(f->r.last_reason, SIO_REASON_FORCED_CLOSE);
}

static void test_refuse(void **state)
{
    fixture *f = *state;
    eio_session *s = sess_open(f->eio);

    f->r.refuse = 2;
    f->r.emit_in_connect = true; /* dropped with the refusal */
    sess_text(s, "0/b,");
    expect_out(s, "44/b,{\"message\":\"go away\",\"data\":{\"code\":7}}");
    assert_null(sess_next(s));
    f->r.refuse = 1;
    sess_text(s, "0");
    expect_out(s, "44{\"message\":\"refused\"}");
    assert_false(sio_socket_connected(f->r.kept));
    /* A refused socket was never connected: no disconnect handler. */
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_int_equal(f->r.disconnects, 0);
}

static void test_refuse_outside_connect(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);

    sess_text(s, "2[\"ev\"]");
    assert_int_equal(f->r.refuse_rc, SIO_ESTATE);
    assert_int_equal(sio_emit(f->r.kept, "still", NULL), 0);
    expect_out(s, "42[\"still\"]");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

static void test_events_and_acks(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);

    sess_text(s, "2[\"ev\",1,{\"a\":[2]}]");
    assert_int_equal(f->r.events, 1);
    assert_string_equal(f->r.last_event, "ev");
    assert_string_equal(f->r.last_args, "[1,{\"a\":[2]}]");
    assert_false(f->r.wanted_ack);
    assert_null(sess_next(s));

    sess_text(s, "212[\"ev\",\"x\"]");
    assert_true(f->r.wanted_ack);
    expect_out(s, "4312[\"x\"]");
    assert_int_equal(f->r.second_ack, SIO_ESTATE);

    /* Unknown event: error ack if asked, else dropped. */
    sess_text(s, "27[\"nope\"]");
    expect_out(s, "437[{\"error\":\"unknown event\"}]");
    sess_text(s, "2[\"nope\"]");
    assert_null(sess_next(s));

    /* The catch-all on /b; acks there carry the namespace. */
    sess_text(s, "0/b,");
    expect_connect(s, "40/b,");
    sess_text(s, "2/b,[\"zz\",true]");
    assert_int_equal(f->r.anys, 1);
    assert_string_equal(f->r.last_event, "zz");
    assert_string_equal(f->r.last_args, "[true]");
    sess_text(s, "2/b,5[\"ev\"]");
    expect_out(s, "43/b,5[]");

    /* Acks from the client (none asked yet) are dropped, not fatal. */
    sess_text(s, "3/b,1[]");
    assert_null(sess_next(s));
    assert_false(s->close_asked);
    sess_close(s, EIO_CLOSE_PING_TIMEOUT);
    assert_int_equal(f->r.last_reason, SIO_REASON_PING_TIMEOUT);
}

static void test_take_ack(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);
    sio_pending_ack *a;

    f->r.take_ack = true;
    sess_text(s, "23[\"ev\"]");
    assert_non_null(f->r.taken);
    assert_null(sess_next(s));
    a = f->r.taken;
    f->r.taken = NULL;
    assert_int_equal(sio_ack_send(a, json_pack("[i]", 9)), 0);
    expect_out(s, "433[9]");

    /* Answered after the socket is gone: ECLOSED, still freed. */
    sess_text(s, "24[\"ev\"]");
    a = f->r.taken;
    f->r.taken = NULL;
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_int_equal(sio_ack_send_error(a, "late"), SIO_ECLOSED);
}

static void test_binary(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);
    static const uint8_t one[] = {1, 2, 3}, two[] = {0xff};

    sess_text(s, "52-[\"ev\",{\"_placeholder\":true,\"num\":0},"
                 "{\"_placeholder\":true,\"num\":1}]");
    assert_int_equal(f->r.events, 0);
    sess_bin(s, one, sizeof one);
    assert_int_equal(f->r.events, 0);
    sess_bin(s, two, sizeof two);
    assert_int_equal(f->r.events, 1);
    assert_false(s->close_asked);

    /* A binary ack comes back as BINARY_ACK with its attachment. */
    sess_text(s, "51-8[\"ev\",{\"_placeholder\":true,\"num\":0}]");
    sess_bin(s, two, sizeof two);
    expect_out(s, "461-8[{\"_placeholder\":true,\"num\":0}]");
    expect_out(s, "<bin ff>");

    /* Emitting bytes: head then attachments. */
    assert_int_equal(
        sio_emit(f->r.kept, "b", json_pack("[o]", sio_bytes_new("\x01", 1))),
        0);
    expect_out(s, "451-[\"b\",{\"_placeholder\":true,\"num\":0}]");
    expect_out(s, "<bin 01>");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

static void expect_parse_error(fixture *f, eio_session *s)
{
    assert_true(s->close_asked);
    sess_text(s, "2[\"ev\"]"); /* ignored once closing */
    assert_int_equal(f->r.events, 0);
    sess_close(s, EIO_CLOSE_SERVER);
    assert_int_equal(f->r.disconnects, 1);
    assert_int_equal(f->r.last_reason, SIO_REASON_PARSE_ERROR);
}

static void test_parse_error(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);
    sess_text(s, "2[bad");
    expect_parse_error(f, s);
}

static void test_unexpected_binary(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);
    sess_bin(s, "x", 1);
    expect_parse_error(f, s);
}

static void test_text_during_attachments(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);
    sess_text(s, "51-[\"ev\",{\"_placeholder\":true,\"num\":0}]");
    sess_text(s, "2[\"ev\"]");
    expect_parse_error(f, s);
}

static void test_too_many_attachments(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);
    sess_text(s, "511-[\"ev\"]");
    expect_parse_error(f, s);
}

static void test_client_disconnect(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);

    sess_text(s, "1");
    assert_int_equal(f->r.disconnects, 1);
    assert_int_equal(f->r.last_reason, SIO_REASON_CLIENT_NAMESPACE_DISCONNECT);
    assert_false(sio_socket_connected(f->r.kept));
    assert_int_equal(sio_emit(f->r.kept, "x", NULL), SIO_ECLOSED);
    /* The connection stays; the namespace can be joined again. */
    sess_text(s, "0");
    expect_connect(s, "40");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_int_equal(f->r.disconnects, 2);
}

static void test_kick_in_own_handler(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);

    sess_text(s, "0/b,");
    expect_connect(s, "40/b,");
    f->r.kick_in_event = true;
    sess_text(s, "2/b,[\"ev\"]");
    expect_out(s, "41/b,");
    assert_int_equal(f->r.disconnects, 1);
    assert_int_equal(f->r.last_reason, SIO_REASON_SERVER_NAMESPACE_DISCONNECT);
    assert_int_equal(f->r.emit_after_kick, SIO_ECLOSED);
    assert_false(s->close_asked);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_int_equal(f->r.disconnects, 2); /* "/" */
}

static void test_kick_in_connect(void **state)
{
    fixture *f = *state;
    eio_session *s = sess_open(f->eio);

    f->r.kick_in_connect = true;
    f->r.emit_in_connect = true;
    sess_text(s, "0");
    expect_connect(s, "40");
    expect_out(s, "42[\"auth\",{}]");
    expect_out(s, "41");
    assert_int_equal(f->r.disconnects, 1);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_int_equal(f->r.disconnects, 1);
}

static void test_close_connection(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);

    sess_text(s, "0/b,");
    expect_connect(s, "40/b,");
    f->r.close_in_event = true;
    sess_text(s, "2[\"ev\"]");
    expect_out(s, "41/b,");
    expect_out(s, "41");
    assert_int_equal(f->r.disconnects, 2);
    assert_true(s->close_asked);
    sess_close(s, EIO_CLOSE_SERVER);
    assert_int_equal(f->r.disconnects, 2);
}

static void test_close_reasons(void **state)
{
    static const struct {
        eio_close_reason in;
        sio_reason out;
    } cases[] = {
        {EIO_CLOSE_TRANSPORT_CLOSE, SIO_REASON_TRANSPORT_CLOSE},
        {EIO_CLOSE_TRANSPORT_ERROR, SIO_REASON_TRANSPORT_ERROR},
        {EIO_CLOSE_TOO_LARGE, SIO_REASON_TRANSPORT_ERROR},
        {EIO_CLOSE_SLOW_CONSUMER, SIO_REASON_TRANSPORT_ERROR},
        {EIO_CLOSE_PING_TIMEOUT, SIO_REASON_PING_TIMEOUT},
        {EIO_CLOSE_PARSE_ERROR, SIO_REASON_PARSE_ERROR},
        {EIO_CLOSE_SERVER, SIO_REASON_FORCED_CLOSE},
        {EIO_CLOSE_SHUTDOWN, SIO_REASON_SERVER_SHUTTING_DOWN},
    };
    fixture *f = *state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eio_session *s = joined(f);
        sess_close(s, cases[i].in);
        assert_int_equal(f->r.last_reason, cases[i].out);
    }
    assert_int_equal(f->r.disconnects, 8);
}

static void test_shutdown(void **state)
{
    fixture *f = *state;
    eio_session *s1 = joined(f), *s2 = joined(f);

    sess_text(s2, "0/b,");
    expect_connect(s2, "40/b,");
    f->eio->cb.shutdown(f->eio, f->eio->ud);
    expect_out(s1, "41");
    expect_out(s2, "41/b,");
    expect_out(s2, "41");
    assert_int_equal(f->r.disconnects, 3);
    assert_int_equal(f->r.last_reason, SIO_REASON_SERVER_SHUTTING_DOWN);
    sess_text(s1, "0"); /* no new namespace joins while stopping */
    assert_null(sess_next(s1));
    sess_close(s1, EIO_CLOSE_SHUTDOWN);
    sess_close(s2, EIO_CLOSE_SHUTDOWN);
    assert_int_equal(f->r.disconnects, 3);
}

#define PH2                                                                    \
    "52-[\"ev\",{\"_placeholder\":true,\"num\":0},"                            \
    "{\"_placeholder\":true,\"num\":1}]"

/* The active timer set to ms, or NULL. */
static eio_timer *timer_of(eio_server *e, unsigned ms)
{
    for (size_t i = 0; i < MAX_TIMERS; i++)
        if (e->timers[i] && e->timers[i]->active && e->timers[i]->ms == ms)
            return e->timers[i];
    return NULL;
}

/* A binary packet whose attachments stop coming: closed after
 * attachment_timeout_ms; the timer stops when the last one comes. */
static void test_attachment_timeout(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f), *s2 = joined(f);
    eio_timer *t;

    sess_text(s, PH2);
    sess_bin(s, "a", 1);
    t = timer_of(f->eio, 30000);
    assert_non_null(t);
    t->active = false;
    t->fn(t, t->ud);
    expect_parse_error(f, s);
    sess_text(s2, PH2);
    sess_bin(s2, "a", 1);
    assert_non_null(timer_of(f->eio, 30000));
    sess_bin(s2, "b", 1);
    assert_null(timer_of(f->eio, 30000));
    assert_int_equal(f->r.events, 1);

    assert_false(s2->close_asked);
    sess_close(s2, EIO_CLOSE_TRANSPORT_CLOSE);
}

/* Attachments held past 8 MiB on a connection close it; past 64 MiB on
 * the server close the one that would pass it, and no other. */
static void test_attachment_bytes(void **state)
{
    fixture *f = *state;
    enum { MIB = 1 << 20, N = 9 };
    char *big = calloc(7 * MIB + 1, 1);
    eio_session *s = joined(f), *v[N];

    assert_non_null(big);
    sess_text(s, "53-[\"ev\",{\"_placeholder\":true,\"num\":0}]");
    sess_bin(s, big, 5 * MIB);
    assert_false(s->close_asked);
    sess_bin(s, big, 4 * MIB); /* 9 MiB held */
    expect_parse_error(f, s);

    for (int i = 0; i < N; i++) { /* 9 x 7 MiB: 63 MiB */
        v[i] = joined(f);
        sess_text(v[i], PH2);
        sess_bin(v[i], big, 7 * MIB);
        assert_false(v[i]->close_asked);
    }
    s = joined(f);
    sess_text(s, PH2);
    sess_bin(s, big, 2 * MIB);
    assert_true(s->close_asked);
    for (int i = 0; i < N; i++) {
        assert_false(v[i]->close_asked);
        sess_close(v[i], EIO_CLOSE_TRANSPORT_CLOSE);
    }
    sess_close(s, EIO_CLOSE_SERVER);
    free(big);
}

static eio_timer *only_timer(eio_server *e)
{
    eio_timer *t = NULL;
    for (size_t i = 0; i < MAX_TIMERS; i++)
        if (e->timers[i]) {
            assert_null(t);
            t = e->timers[i];
        }
    assert_non_null(t);
    return t;
}

static void test_connect_timeout(void **state)
{
    fixture *f = *state;
    eio_session *s = sess_open(f->eio);
    eio_timer *t = only_timer(f->eio);

    assert_true(t->active);
    assert_int_equal(t->ms, 45000);
    t->active = false;
    t->fn(t, t->ud);
    assert_true(s->close_asked);
    sess_close(s, EIO_CLOSE_SERVER);

    /* A joined namespace stops it. */
    s = sess_open(f->eio);
    t = only_timer(f->eio);
    sess_text(s, "0");
    expect_connect(s, "40");
    assert_false(t->active);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

static void on_loop(sio_server *srv, void *arg)
{
    fixture *f = arg;
    assert_ptr_equal(srv, f->srv);
    f->r.events = 42;
}

static void test_call_on_loop(void **state)
{
    fixture *f = *state;
    assert_int_equal(sio_server_call_on_loop(f->srv, on_loop, f), 0);
    assert_int_equal(f->r.events, 0);
    drain_posts(f->eio);
    assert_int_equal(f->r.events, 42);
}

static void test_emit_rules(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);

    assert_int_equal(sio_emit(f->r.kept, "connect", NULL), SIO_EINVAL);
    assert_int_equal(sio_emit(f->r.kept, "x", json_object()), SIO_EINVAL);
    assert_int_equal(sio_emit(f->r.kept, NULL, json_array()), SIO_EINVAL);
    assert_null(sess_next(s));
    assert_int_equal(sio_emit(f->r.kept, "x", NULL), 0);
    expect_out(s, "42[\"x\"]");
    assert_int_equal(sio_emit(f->r.kept, "y", json_pack("[s,i]", "a", 1)), 0);
    expect_out(s, "42[\"y\",\"a\",1]");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    /* The socket outlives its connection while referenced. */
    assert_int_equal(sio_emit(f->r.kept, "x", NULL), SIO_ECLOSED);
    assert_string_equal(sio_socket_sid(f->r.kept), f->r.last_sid);
}

static void test_free_with_live_sessions(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);

    f->r.take_ack = true;
    sess_text(s, "21[\"ev\"]");
    /* The fake's free runs no close callback: the server frees the
     * connection itself; the taken ack survives (teardown frees it). */
    sio_server_free(f->srv);
    f->srv = sio_server_new(NULL);
    assert_non_null(f->srv);
    g_eio = sio_server_engine(f->srv);
    sess_free(s);
}

/* Emits one bytes argument of n bytes to root, volatile or not;
 * returns how many messages s got (its head and attachment, or none). */
static size_t emit_bytes(fixture *f, eio_session *s, size_t n, bool vol,
                         long fail_in)
{
    static const char zeros[1024];
    json_t *args = json_pack("[o]", sio_bytes_new(zeros, n));
    sio_target t = sio_all(f->root);
    size_t before = s->nout - s->read;

    assert_non_null(args);
    fail_after(fail_in);
    (void)sio_emit_to(vol ? sio_volatile(t) : t, "ev", args);
    fail_off();
    return s->nout - s->read - before;
}

/* A packet with attachments is queued whole or not at all: a volatile
 * one is dropped whole when the attachments would pass half the buffer
 * (the session is kept), and running out of memory midway queues none
 * of it. */
static void test_packet_queued_whole(void **state)
{
    fixture *f = *state;
    eio_session *s = joined(f);
    size_t got;

    f->eio->o.max_buffered = 1000;
    s->buffered = 400; /* the head fits under half; head + 600 not even whole */
    assert_int_equal(emit_bytes(f, s, 600, true, -1), 0);
    assert_false(s->close_asked);
    assert_int_equal(emit_bytes(f, s, 10, true, -1), 2);
    expect_out(s, "451-[\"ev\",{\"_placeholder\":true,\"num\":0}]");
    expect_out(s, "<bin 00000000000000000000>");
    s->buffered = 0;
    for (int vol = 0; vol < 2; vol++) {
        got = 0;
        for (long k = 0; got == 0; k++) {
            assert_true(k < 32);
            got = emit_bytes(f, s, 4, vol, k);
            assert_true(got == 0 || got == 2);
        }
        expect_out(s, "451-[\"ev\",{\"_placeholder\":true,\"num\":0}]");
        expect_out(s, "<bin 00000000>");
    }
    assert_false(s->close_asked);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_defaults),
        T(test_namespaces),
        T(test_registration),
        T(test_connect_and_handshake),
        T(test_not_joined_closes),
        T(test_invalid_namespace_and_twice),
        T(test_refuse),
        T(test_refuse_outside_connect),
        T(test_events_and_acks),
        T(test_take_ack),
        T(test_binary),
        T(test_parse_error),
        T(test_unexpected_binary),
        T(test_text_during_attachments),
        T(test_too_many_attachments),
        T(test_client_disconnect),
        T(test_kick_in_own_handler),
        T(test_kick_in_connect),
        T(test_close_connection),
        T(test_close_reasons),
        T(test_shutdown),
        T(test_connect_timeout),
        T(test_call_on_loop),
        T(test_emit_rules),
        T(test_free_with_live_sessions),
        T(test_packet_queued_whole),
        T(test_attachment_timeout),
        T(test_attachment_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
