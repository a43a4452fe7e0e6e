/* test_typed_dispatch.c - the typed layer on the core, over the fake
 * Engine.IO: requirements before decoding before the handler, error acks
 * naming the argument, the disconnect policy, login, typed acks, and
 * server-to-client acks answered exactly once (reply, timeout, close).
 * The tables are written by hand in the shape sioc generates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sio.h"

#include "../common/fake_eio.c"
#include "../common/typed_args.h"

/* ---- the "schema" -------------------------------------------------------- */

typedef struct app {
    int connects, joins, secrets, admins;
    bool admin_ok;
    int replies, last_status;
    int64_t last_n;
    char last_args[128];
} app;

static app A;

struct name_auth {
    const char *name;
};
static const sio_field name_auth_fields[] = {
    {"name", SIO_K_STRING, 0, 0, offsetof(struct name_auth, name), 0, NULL,
     NULL, NULL, NULL, NULL},
};
static const sio_params name_auth = {sizeof(struct name_auth), 1,
                                     name_auth_fields, false, 0};

static const sio_field user_fields[] = {
    {"user", SIO_K_STRING, 0, 0, offsetof(struct str_arg, s), 0, NULL, NULL,
     NULL, NULL, NULL},
};
static const sio_params user_args = {sizeof(struct str_arg), 1, user_fields,
                                     false, 0};

struct bool_arg {
    bool ok;
};
static const sio_field bool_fields[] = {
    {"ok", SIO_K_BOOL, 0, 0, offsetof(struct bool_arg, ok), 0, NULL, NULL, NULL,
     NULL, NULL},
};
static const sio_params bool_args = {sizeof(struct bool_arg), 1, bool_fields,
                                     false, 0};

static int on_connect(sio_ctx *ctx, const void *auth)
{
    const struct name_auth *a = auth;
    A.connects++;
    if (strcmp(a->name, "bad") == 0) {
        sio_refuse(ctx, "bad name", NULL);
        return 1;
    }
    return 0;
}

static void join_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    struct int_arg v = {++A.joins};
    (void)ctx;
    (void)args;
    assert_int_equal(sio_ack_params(ack, "join", &int_args, &v), 0);
}

static void secret_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    (void)ctx;
    (void)args;
    (void)ack;
    A.secrets++;
}

static void admin_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    struct bool_arg v = {true};
    (void)ctx;
    (void)args;
    A.admins++;
    assert_int_equal(sio_ack_params(ack, "admin", &bool_args, &v), 0);
}

static void login_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    const struct str_arg *a = args;
    struct bool_arg v = {sio_ctx_login(ctx, a->s) == 0};
    assert_int_equal(sio_ack_params(ack, "login", &bool_args, &v), 0);
}

static bool guard_admin(sio_ctx *ctx)
{
    (void)ctx;
    return A.admin_ok;
}

static const sio_requires auth_disconnect = {true, 0, NULL, NULL,
                                             SIO_FAIL_DISCONNECT};
static const sio_guard_fn admin_guards[] = {guard_admin};
static const char *const admin_names[] = {"admin"};
static const sio_requires auth_admin_ack = {true, 1, admin_guards, admin_names,
                                            SIO_FAIL_ACK};

static const sio_event_desc events[] = {
    {"admin", &int_args, &bool_args, &auth_admin_ack, admin_invoke},
    {"join", &room_args, &int_args, NULL, join_invoke},
    {"login", &user_args, &bool_args, NULL, login_invoke},
    {"secret", &int_args, NULL, &auth_disconnect, secret_invoke},
};
static const sio_namespace_desc namespaces[] = {
    {"/", &name_auth, on_connect, NULL, 4, events, NULL, NULL, NULL, NULL,
     NULL},
};
static const sio_schema_desc schema = {"t", SIO_TYPED_ABI, 1, namespaces,
                                       0,   NULL};

/* ---- fixture ---------------------------------------------------------------
 */

static int setup_at(void **state, int log_level)
{
    sio_options o;
    sio_server *srv;

    memset(&A, 0, sizeof A);
    sio_options_init(&o);
    o.eio.log_level = log_level;
    srv = sio_server_new(&o);
    assert_non_null(srv);
    g_eio = sio_server_engine(srv);
    assert_int_equal(sio_schema_register(srv, &schema), 0);
    *state = srv;
    return 0;
}

static int setup(void **state)
{
    return setup_at(state, EIO_LOG_ERR); /* quiet */
}

/* Warnings on stderr, for the tests that read them. */
static int setup_warn(void **state)
{
    return setup_at(state, EIO_LOG_WARN);
}

static int teardown(void **state)
{
    sio_server_free(*state);
    return 0;
}

/* A session connected to "/" as name; returns it. */
static eio_session *connected(const char *name)
{
    char pkt[64];
    eio_session *s = sess_open(g_eio);
    snprintf(pkt, sizeof pkt, "0{\"name\":\"%s\"}", name);
    sess_text(s, pkt);
    expect_connect(s, "40");
    return s;
}

/* ---- tests ----------------------------------------------------------------
 */

static void test_abi_checked(void **state)
{
    sio_schema_desc other = schema;
    other.abi = SIO_TYPED_ABI + 1;
    assert_int_equal(sio_schema_register(*state, &other), SIO_EINVAL);
}

static void test_connect_auth_decoded(void **state)
{
    eio_session *s = sess_open(g_eio);
    (void)state;

    sess_text(s, "0{}");
    expect_out(s, "44{\"message\":\"name: missing (expected string)\"}");
    sess_text(s, "0{\"name\":7}");
    expect_out(s, "44{\"message\":\"name: expected string\"}");
    assert_int_equal(A.connects, 0); /* never reached the handler */
    sess_text(s, "0{\"name\":\"bad\"}");
    expect_out(s, "44{\"message\":\"bad name\"}");
    assert_int_equal(A.connects, 1);
    sess_text(s, "0{\"name\":\"ann\",\"extra\":[1]}");
    expect_connect(s, "40");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

static int accept_all(sio_ctx *ctx, const void *auth)
{
    (void)ctx;
    (void)auth;
    A.connects++;
    return 0;
}

static int refuse_own(sio_ctx *ctx, const void *auth)
{
    (void)auth;
    A.connects++;
    sio_refuse(ctx, "name required", NULL);
    return 1;
}

/* An auth payload that is not an object is refused, even when every
 * field is optional or the namespace declares none; a connect handler
 * may choose the message, not the outcome. */
static void test_connect_auth_not_an_object(void **state)
{
    static const sio_field token_fields[] = {
        {"token", SIO_K_STRING, 0, SIO_F_OPTIONAL, offsetof(struct str_arg, s),
         0, NULL, NULL, NULL, NULL, NULL},
    };
    static const sio_params token_auth = {sizeof(struct str_arg), 1,
                                          token_fields, false, 0};
    static const sio_namespace_desc nsd[] = {
        {"/opt", &token_auth, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL,
         NULL},
        {"/none", NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
        {"/yes", &token_auth, accept_all, NULL, 0, NULL, NULL, NULL, NULL, NULL,
         NULL},
        {"/own", &token_auth, refuse_own, NULL, 0, NULL, NULL, NULL, NULL, NULL,
         NULL},
    };
    static const sio_schema_desc sch = {"o", SIO_TYPED_ABI, 4, nsd, 0, NULL};
    eio_session *s = sess_open(g_eio);

    assert_int_equal(sio_schema_register(*state, &sch), 0);
    sess_text(s, "0/opt,\"str\"");
    expect_out(s, "44/opt,{\"message\":\"expected an object\"}");
    sess_text(s, "0/opt,[1]");
    expect_out(s, "44/opt,{\"message\":\"expected an object\"}");
    sess_text(s, "0/none,\"x\"");
    expect_out(s, "44/none,{\"message\":\"expected an object\"}");
    sess_text(s, "0/yes,[1]"); /* the handler accepts: refused anyway */
    expect_out(s, "44/yes,{\"message\":\"expected an object\"}");
    assert_int_equal(A.connects, 1);
    sess_text(s, "0/own,\"x\""); /* the handler's message */
    expect_out(s, "44/own,{\"message\":\"name required\"}");
    assert_int_equal(A.connects, 2);
    sess_text(s, "0/opt,"); /* no payload: an empty object */
    expect_connect(s, "40/opt,");
    sess_text(s, "0/none,{}");
    expect_connect(s, "40/none,");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

static void test_bad_arguments_never_reach_handler(void **state)
{
    eio_session *s = connected("ann");
    (void)state;

    sess_text(s, "21[\"join\",5]");
    expect_out(s, "431[{\"error\":\"room: expected string\"}]");
    sess_text(s, "22[\"join\",\"a\",\"b\"]");
    expect_out(s, "432[{\"error\":\"expected 1 argument, got 2\"}]");
    sess_text(s, "23[\"join\"]"); /* names what is missing */
    expect_out(s, "433[{\"error\":\"room: missing (expected string)\"}]");
    sess_text(s, "2[\"join\"]"); /* no ack id: dropped, logged */
    assert_null(sess_next(s));
    assert_int_equal(A.joins, 0);
    sess_text(s, "23[\"join\",\"lobby\"]");
    expect_out(s, "433[1]");
    assert_int_equal(A.joins, 1);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

static void test_requires_auth_disconnects(void **state)
{
    eio_session *s = connected("ann");
    char log[4096] = "";
    FILE *tmp = tmpfile();
    int saved;
    (void)state;

    /* The log says the ack is left unanswered (stderr into tmp). */
    assert_non_null(tmp);
    fflush(stderr);
    saved = dup(2);
    dup2(fileno(tmp), 2);
    sess_text(s, "24[\"secret\",1]");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    assert_true(fread(log, 1, sizeof log - 1, tmp) > 0);
    fclose(tmp);
    assert_non_null(strstr(log, "unauthorized: disconnected; its ack is "
                                "never answered"));
    expect_out(s, "41"); /* DISCONNECT; the ack is never answered */
    assert_null(sess_next(s));
    assert_int_equal(A.secrets, 0);
    /* The socket is gone: further events are not dispatched. */
    sess_text(s, "2[\"secret\",1]");
    assert_int_equal(A.secrets, 0);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

static void test_error_ack_policy_and_login(void **state)
{
    eio_session *s = connected("ann");
    (void)state;

    sess_text(s, "25[\"admin\",1]");
    expect_out(s, "435[{\"error\":\"unauthorized\"}]");
    sess_text(s, "26[\"login\",\"bob\"]");
    expect_out(s, "436[true]");
    sess_text(s, "27[\"admin\",1]");
    expect_out(s, "437[{\"error\":\"forbidden: admin\"}]");
    A.admin_ok = true;
    sess_text(s, "28[\"admin\",1]");
    expect_out(s, "438[true]");
    assert_int_equal(A.admins, 1);
    /* Logged in now: the disconnect-policy event runs too. */
    sess_text(s, "2[\"secret\",1]");
    assert_int_equal(A.secrets, 1);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

static void on_raw_reply(sio_ctx *ctx, int status, json_t *args, void *ud)
{
    char *text = args ? json_dumps(args, JSON_COMPACT) : NULL;
    (void)ctx;
    (void)ud;
    A.replies++;
    A.last_status = status;
    snprintf(A.last_args, sizeof A.last_args, "%s", text ? text : "-");
    free(text);
}

/* The socket under test, kept (a reference) by the "grab" event. */
static sio_socket *g_sock;

static void grab_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    /* A typed event decoded from its text still shows its raw
     * arguments (parsed on first use). */
    char *text = json_dumps(sio_ctx_args(ctx), JSON_COMPACT);
    (void)args;
    (void)ack;
    snprintf(A.last_args, sizeof A.last_args, "%s", text ? text : "-");
    free(text);
    g_sock = sio_socket_ref(sio_ctx_socket(ctx));
}

static void fire_timers(void)
{
    for (size_t i = 0; i < MAX_TIMERS; i++) {
        eio_timer *t = g_eio->timers[i];
        if (t && t->active) {
            t->active = false;
            t->fn(t, t->ud);
        }
    }
}

static void test_server_to_client_acks(void **state)
{
    static const sio_event_desc grab[] = {
        {"grab", &int_args, NULL, NULL, grab_invoke}};
    static const sio_namespace_desc nsd[] = {
        {"/g", NULL, NULL, NULL, 1, grab, NULL, NULL, NULL, NULL, NULL}};
    static const sio_schema_desc sch = {"g", SIO_TYPED_ABI, 1, nsd, 0, NULL};
    eio_session *s = sess_open(g_eio);

    assert_int_equal(sio_schema_register(*state, &sch), 0);
    sess_text(s, "0/g,");
    expect_connect(s, "40/g,");
    sess_text(s, "2/g,[\"grab\", 1 ]");
    assert_non_null(g_sock);
    assert_string_equal(A.last_args, "[1]");

    /* Answered: the callback gets the client's arguments, once. */
    assert_int_equal(sio_emit_ack(g_sock, "ping", json_pack("[i]", 1),
                                  on_raw_reply, NULL, 1000),
                     0);
    expect_out(s, "42/g,0[\"ping\",1]");
    sess_text(s, "3/g,0[\"pong\",2]");
    assert_int_equal(A.replies, 1);
    assert_int_equal(A.last_status, 0);
    assert_string_equal(A.last_args, "[\"pong\",2]");
    sess_text(s, "3/g,0[\"again\"]"); /* a second answer is ignored */
    assert_int_equal(A.replies, 1);

    /* Timed out: SIO_ETIMEOUT, and a late answer changes nothing. */
    assert_int_equal(
        sio_emit_ack(g_sock, "ping", NULL, on_raw_reply, NULL, 1000), 0);
    expect_out(s, "42/g,1[\"ping\"]");
    fire_timers();
    assert_int_equal(A.replies, 2);
    assert_int_equal(A.last_status, SIO_ETIMEOUT);
    sess_text(s, "3/g,1[]");
    assert_int_equal(A.replies, 2);

    /* The socket goes first: SIO_ECLOSED, once. */
    assert_int_equal(
        sio_emit_ack(g_sock, "ping", NULL, on_raw_reply, NULL, 1000), 0);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_int_equal(A.replies, 3);
    assert_int_equal(A.last_status, SIO_ECLOSED);
    assert_int_equal(
        sio_emit_ack(g_sock, "ping", NULL, on_raw_reply, NULL, 1000),
        SIO_ECLOSED);
    assert_int_equal(A.replies, 3);
    sio_socket_unref(g_sock);
    g_sock = NULL;
}

static void on_typed_reply(sio_ctx *ctx, int status, const void *reply,
                           sio_fn fn, void *user)
{
    (void)ctx;
    (void)fn;
    (void)user;
    A.replies++;
    A.last_status = status;
    A.last_n = reply ? ((const struct int_arg *)reply)->n : -1;
}

static void test_typed_reply_checked(void **state)
{
    static const sio_event_desc grab[] = {
        {"grab", &int_args, NULL, NULL, grab_invoke}};
    static const sio_namespace_desc nsd[] = {
        {"/h", NULL, NULL, NULL, 1, grab, NULL, NULL, NULL, NULL, NULL}};
    static const sio_schema_desc sch = {"h", SIO_TYPED_ABI, 1, nsd, 0, NULL};
    struct int_arg n = {41};
    eio_session *s = sess_open(g_eio);

    assert_int_equal(sio_schema_register(*state, &sch), 0);
    sess_text(s, "0/h,");
    expect_connect(s, "40/h,");
    sess_text(s, "2/h,[\"grab\",1]");
    assert_int_equal(sio_emit_params_ack(sio_to_socket(g_sock), "/h", "q",
                                         &int_args, &n, &int_args,
                                         on_typed_reply, (sio_fn)fire_timers,
                                         NULL, 0),
                     0);
    expect_out(s, "42/h,0[\"q\",41]");
    sess_text(s, "3/h,0[42]");
    assert_int_equal(A.last_status, 0);
    assert_int_equal(A.last_n, 42);
    assert_int_equal(sio_emit_params_ack(sio_to_socket(g_sock), "/h", "q",
                                         &int_args, &n, &int_args,
                                         on_typed_reply, (sio_fn)fire_timers,
                                         NULL, 0),
                     0);
    expect_out(s, "42/h,1[\"q\",41]");
    /* An event of another namespace's schema: refused, nothing sent. */
    assert_int_equal(sio_emit_params_ack(sio_to_socket(g_sock), "/", "q",
                                         &int_args, &n, &int_args,
                                         on_typed_reply, (sio_fn)fire_timers,
                                         NULL, 0),
                     SIO_EINVAL);
    assert_int_equal(
        sio_emit_params(sio_to_socket(g_sock), "/other", "q", &int_args, &n),
        SIO_EINVAL);
    assert_null(sess_next(s));
    sess_text(s, "3/h,1[\"not an int\"]");
    assert_int_equal(A.replies, 2);
    assert_int_equal(A.last_status, SIO_EPROTO);
    assert_int_equal(A.last_n, -1);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    sio_socket_unref(g_sock);
    g_sock = NULL;
}

/* Nesting past the packet limit, in a binary event or in an ack:
 * refused (an error ack; the emit's callback gets SIO_EPROTO) once the
 * attachments are in, and the connection carries on. */
static void test_deep_binary_and_acks_refused(void **state)
{
    static const sio_event_desc grab[] = {
        {"grab", &int_args, NULL, NULL, grab_invoke}};
    static const sio_namespace_desc nsd[] = {
        {"/d", NULL, NULL, NULL, 1, grab, NULL, NULL, NULL, NULL, NULL}};
    static const sio_schema_desc sch = {"d", SIO_TYPED_ABI, 1, nsd, 0, NULL};
    static const char ph[] = "{\"_placeholder\":true,\"num\":0}";
    char deep[80], msg[256];
    eio_session *s = sess_open(g_eio);

    memset(deep, '[', 33);
    memset(deep + 33, ']', 33);
    deep[66] = '\0';
    assert_int_equal(sio_schema_register(*state, &sch), 0);
    sess_text(s, "0/d,");
    expect_connect(s, "40/d,");
    sess_text(s, "2/d,[\"grab\",1]");
    assert_non_null(g_sock);

    snprintf(msg, sizeof msg, "52-/d,7[\"grab\",%s,%s]", ph, deep);
    sess_text(s, msg);
    assert_null(sess_next(s)); /* nothing before the attachments */
    sess_bin(s, "a", 1);
    assert_null(sess_next(s));
    sess_bin(s, "b", 1);
    expect_out(s, "43/d,7[{\"error\":\"JSON nested too deeply\"}]");

    A.replies = 0;
    assert_int_equal(sio_emit_ack(g_sock, "ping", NULL, on_raw_reply, NULL, 0),
                     0);
    expect_out(s, "42/d,0[\"ping\"]");
    snprintf(msg, sizeof msg, "3/d,0[%s]", deep);
    sess_text(s, msg);
    assert_int_equal(A.replies, 1);
    assert_int_equal(A.last_status, SIO_EPROTO);
    assert_int_equal(sio_emit_ack(g_sock, "ping", NULL, on_raw_reply, NULL, 0),
                     0);
    expect_out(s, "42/d,1[\"ping\"]");
    snprintf(msg, sizeof msg, "61-/d,1[%s,%s]", ph, deep);
    sess_text(s, msg);
    sess_bin(s, "c", 1);
    assert_int_equal(A.replies, 2);
    assert_int_equal(A.last_status, SIO_EPROTO);

    assert_false(s->close_asked);
    sess_text(s, "2/d,[\"grab\",2]");
    assert_string_equal(A.last_args, "[2]");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    sio_socket_unref(g_sock); /* two grabs, two references */
    sio_socket_unref(g_sock);
    g_sock = NULL;
}

static int ns_errors, srv_errors;
static char last_error[64];

static void on_ns_error(sio_ctx *ctx, const char *message, void *ud)
{
    (void)ctx;
    (void)ud;
    ns_errors++;
    snprintf(last_error, sizeof last_error, "%s", message);
}

static void on_srv_error(sio_ctx *ctx, const char *message, void *ud)
{
    (void)ctx;
    (void)ud;
    srv_errors++;
    snprintf(last_error, sizeof last_error, "%s", message);
}

static void boom_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    (void)args;
    (void)ack; /* none: "boom" declares no ack, so the ctx still owes it */
    sio_fail(ctx, "it broke");
}

/* A typed handler that got its ack: sio_fail answers it unless the
 * handler did (n 1: answered first). */
static void fail_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    const struct int_arg *a = args;
    struct int_arg one = {1};

    if (a->n == 1 && sio_ack_params(ack, "fail", &int_args, &one) != 0)
        fail_msg("the answer was not sent");
    sio_fail(ctx, "no luck");
}

static void test_handler_failures(void **state)
{
    static const sio_event_desc boom[] = {
        {"boom", &int_args, NULL, NULL, boom_invoke},
        {"fail", &int_args, &int_args, NULL, fail_invoke}};
    static const sio_namespace_desc nsd[] = {
        {"/e", NULL, NULL, NULL, 2, boom, NULL, NULL, NULL, NULL, NULL},
        {"/f", NULL, NULL, NULL, 2, boom, NULL, NULL, NULL, NULL, NULL}};
    static const sio_schema_desc sch = {"e", SIO_TYPED_ABI, 2, nsd, 0, NULL};
    eio_session *s = sess_open(g_eio);

    ns_errors = srv_errors = 0;
    assert_int_equal(sio_schema_register(*state, &sch), 0);
    assert_int_equal(
        sio_namespace_on_error(sio_server_of(*state, "/e"), on_ns_error, NULL),
        0);
    assert_int_equal(sio_server_on_error(*state, on_srv_error, NULL), 0);
    sess_text(s, "0/e,");
    expect_connect(s, "40/e,");
    sess_text(s, "0/f,");
    expect_connect(s, "40/f,");
    /* The namespace's handler first; an owed ack gets the error. */
    sess_text(s, "2/e,7[\"boom\",1]");
    expect_out(s, "43/e,7[{\"error\":\"it broke\"}]");
    assert_int_equal(ns_errors, 1);
    assert_int_equal(srv_errors, 0);
    /* No namespace handler: the server's; no ack id: nothing sent. */
    sess_text(s, "2/f,[\"boom\",1]");
    assert_null(sess_next(s));
    assert_int_equal(srv_errors, 1);
    assert_string_equal(last_error, "it broke");
    /* A typed handler holding its ack: sio_fail answers it, once. */
    sess_text(s, "2/e,8[\"fail\",0]");
    expect_out(s, "43/e,8[{\"error\":\"no luck\"}]");
    assert_null(sess_next(s));
    sess_text(s, "2/e,9[\"fail\",1]");
    expect_out(s, "43/e,9[1]");
    assert_null(sess_next(s));
    assert_int_equal(ns_errors, 3);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

static int g_calls, g_dirty;

static void gput_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    json_t *g = sio_ctx_g(ctx);
    (void)args;
    (void)ack;
    g_calls++;
    if (!g || json_object_size(g) != 0)
        g_dirty++; /* something survived from an earlier call */
    json_object_set_new(g, "v", json_integer(g_calls));
    assert_ptr_equal(sio_ctx_g(ctx), g); /* one g per call */
}

static void test_g_is_per_call(void **state)
{
    static const sio_event_desc ev[] = {
        {"gput", &int_args, NULL, NULL, gput_invoke}};
    static const sio_namespace_desc nsd[] = {
        {"/g2", NULL, NULL, NULL, 1, ev, NULL, NULL, NULL, NULL, NULL}};
    static const sio_schema_desc sch = {"g2", SIO_TYPED_ABI, 1, nsd, 0, NULL};
    eio_session *s = sess_open(g_eio);

    g_calls = g_dirty = 0;
    assert_int_equal(sio_schema_register(*state, &sch), 0);
    sess_text(s, "0/g2,");
    expect_connect(s, "40/g2,");
    for (int i = 0; i < 3; i++)
        sess_text(s, "2/g2,[\"gput\",1]");
    assert_int_equal(g_calls, 3);
    assert_int_equal(g_dirty, 0);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

/* ---- typed acks answered twice, badly, late or never -------------------- */

static sio_ack_ref kept_ack;
static int ack_rc[2];

static void twice_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    struct int_arg v = {1};
    (void)ctx;
    (void)args;
    ack_rc[0] = sio_ack_params(ack, "twice", &int_args, &v);
    ack_rc[1] = sio_ack_params_error(ack, "twice", "again"); /* again */
}

static void bad_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    struct str_arg v = {NULL}; /* the schema's string is not optional */
    (void)ctx;
    (void)args;
    ack_rc[0] = sio_ack_params(ack, "bad", &user_args, &v);
}

static void keep_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    (void)ctx;
    (void)args;
    kept_ack = ack;
}

/* Reads what runs between stderr_start and stderr_end into buf. */
static FILE *stderr_tmp;
static int stderr_saved;

static void stderr_start(void)
{
    stderr_tmp = tmpfile();
    assert_non_null(stderr_tmp);
    fflush(stderr);
    stderr_saved = dup(2);
    dup2(fileno(stderr_tmp), 2);
}

static void stderr_end(char *buf, size_t n)
{
    size_t got;

    fflush(stderr);
    dup2(stderr_saved, 2);
    close(stderr_saved);
    rewind(stderr_tmp);
    got = fread(buf, 1, n - 1, stderr_tmp);
    buf[got] = '\0';
    fclose(stderr_tmp);
}

static void test_typed_acks_once(void **state)
{
    static const sio_event_desc evs[] = {
        {"bad", &int_args, &user_args, NULL, bad_invoke},
        {"keep", &int_args, &int_args, NULL, keep_invoke},
        {"twice", &int_args, &int_args, NULL, twice_invoke},
    };
    static const sio_namespace_desc nsd[] = {
        {"/a", NULL, NULL, NULL, 3, evs, NULL, NULL, NULL, NULL, NULL}};
    static const sio_schema_desc sch = {"a", SIO_TYPED_ABI, 1, nsd, 0, NULL};
    struct int_arg five = {5};
    eio_session *s = sess_open(g_eio);
    char log[4096];

    assert_int_equal(sio_schema_register(*state, &sch), 0);
    sess_text(s, "0/a,");
    expect_connect(s, "40/a,");

    /* Twice in the handler: one answer goes out, the second is refused. */
    stderr_start();
    sess_text(s, "2/a,1[\"twice\",0]");
    stderr_end(log, sizeof log);
    expect_out(s, "43/a,1[1]");
    assert_null(sess_next(s));
    assert_int_equal(ack_rc[0], 0);
    assert_int_equal(ack_rc[1], SIO_ESTATE);
    assert_non_null(strstr(log, "event twice: ack answered twice"));

    /* An answer the schema refuses: the client gets an error ack. */
    sess_text(s, "2/a,2[\"bad\",0]");
    expect_out(s, "43/a,2[{\"error\":\"server error\"}]");
    assert_int_equal(ack_rc[0], SIO_EINVAL);

    /* Kept and answered after the handler returned; a second answer
     * through the same handle is refused and logged, nothing sent. */
    sess_text(s, "2/a,3[\"keep\",0]");
    assert_null(sess_next(s));
    assert_int_equal(sio_ack_params(kept_ack, "keep", &int_args, &five), 0);
    expect_out(s, "43/a,3[5]");
    stderr_start();
    assert_int_equal(sio_ack_params(kept_ack, "keep", &int_args, &five),
                     SIO_ESTATE);
    assert_int_equal(sio_ack_params_error(kept_ack, "keep", "x"), SIO_ESTATE);
    stderr_end(log, sizeof log);
    assert_null(sess_next(s));
    assert_non_null(strstr(log, "event keep: ack answered twice"));

    /* Kept and never answered: logged with its event when the socket
     * goes; answering it then says so once and frees its slot. */
    sess_text(s, "2/a,4[\"keep\",0]");
    stderr_start();
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    stderr_end(log, sizeof log);
    assert_non_null(
        strstr(log, "event keep: ack never answered before the socket went"));
    assert_int_equal(sio_ack_params(kept_ack, "keep", &int_args, &five),
                     SIO_ECLOSED);
    stderr_start();
    assert_int_equal(sio_ack_params_error(kept_ack, "keep", "x"), SIO_ESTATE);
    stderr_end(log, sizeof log);
    assert_non_null(strstr(log, "event keep: ack answered twice"));
}

static const sio_event_desc keep_evs[] = {
    {"keep", &int_args, &int_args, NULL, keep_invoke},
};
static const sio_namespace_desc keep_nsd[] = {
    {"/k", NULL, NULL, NULL, 1, keep_evs, NULL, NULL, NULL, NULL, NULL}};
static const sio_schema_desc keep_sch = {"k", SIO_TYPED_ABI, 1, keep_nsd,
                                         0,   NULL};

/* An event sent without an ack id: the handle is empty, answering it is
 * a no-op returning 0 (nothing sent, nothing logged). */
static void test_typed_ack_not_asked(void **state)
{
    struct int_arg five = {5};
    eio_session *s = sess_open(g_eio);
    char log[1024];

    assert_int_equal(sio_schema_register(*state, &keep_sch), 0);
    sess_text(s, "0/k,");
    expect_connect(s, "40/k,");
    kept_ack.srv = *state; /* the handler must overwrite it */
    sess_text(s, "2/k,[\"keep\",0]");
    assert_null(kept_ack.srv);
    stderr_start();
    assert_int_equal(sio_ack_params(kept_ack, "keep", &int_args, &five), 0);
    assert_int_equal(sio_ack_params_error(kept_ack, "keep", "no"), 0);
    stderr_end(log, sizeof log);
    assert_string_equal(log, "");
    assert_null(sess_next(s));
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

/* Slots are reused with a new generation: an old handle of a reused slot
 * is refused and does not answer the slot's new ack. Many acks at once
 * grow the table; each answers its own id. */
static void test_typed_ack_slots_reused(void **state)
{
    enum { N = 100 };
    static sio_ack_ref held[N];
    struct int_arg five = {5};
    sio_ack_ref old;
    eio_session *s = sess_open(g_eio);
    char want[64], log[1024];

    assert_int_equal(sio_schema_register(*state, &keep_sch), 0);
    sess_text(s, "0/k,");
    expect_connect(s, "40/k,");
    sess_text(s, "2/k,1[\"keep\",0]");
    old = kept_ack;
    assert_int_equal(sio_ack_params(old, "keep", &int_args, &five), 0);
    expect_out(s, "43/k,1[5]");
    sess_text(s, "2/k,2[\"keep\",0]");
    assert_int_equal(kept_ack.slot, old.slot);
    assert_int_not_equal(kept_ack.gen, old.gen);
    stderr_start();
    assert_int_equal(sio_ack_params(old, "keep", &int_args, &five), SIO_ESTATE);
    stderr_end(log, sizeof log);
    assert_null(sess_next(s));
    assert_non_null(strstr(log, "event keep: ack answered twice"));
    assert_int_equal(sio_ack_params(kept_ack, "keep", &int_args, &five), 0);
    expect_out(s, "43/k,2[5]");

    for (int i = 0; i < N; i++) {
        snprintf(want, sizeof want, "2/k,%d[\"keep\",0]", 100 + i);
        sess_text(s, want);
        held[i] = kept_ack;
    }
    for (int i = N - 1; i >= 0; i--) {
        struct int_arg v = {i};
        assert_int_equal(sio_ack_params(held[i], "keep", &int_args, &v), 0);
        snprintf(want, sizeof want, "43/k,%d[%d]", 100 + i, i);
        expect_out(s, want);
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(sio_ack_params_error(held[i], "keep", "x"),
                         SIO_ESTATE);
    assert_null(sess_next(s));
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_abi_checked),
        T(test_connect_auth_decoded),
        T(test_connect_auth_not_an_object),
        T(test_bad_arguments_never_reach_handler),
        cmocka_unit_test_setup_teardown(test_requires_auth_disconnects,
                                        setup_warn, teardown),
        T(test_error_ack_policy_and_login),
        T(test_server_to_client_acks),
        T(test_typed_reply_checked),
        T(test_deep_binary_and_acks_refused),
        T(test_handler_failures),
        T(test_g_is_per_call),
        cmocka_unit_test_setup_teardown(test_typed_acks_once, setup_warn,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_typed_ack_not_asked, setup_warn,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_typed_ack_slots_reused, setup_warn,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
