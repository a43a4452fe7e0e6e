/* test_typed_hooks.c - a schema namespace's socket data, typed disconnect
 * handler and middleware (`data R;`, `disconnect;`, `use;`, `use
 * connect;`) over the fake Engine.IO: the data lives from the CONNECT to
 * the end of the disconnect handler and is freed with what it owns
 * (checked under ASan) whatever ends the socket; the disconnect handler
 * runs once per connected socket with socket.io's reason; middleware
 * runs before the requirements, the decoding and the handler, and its
 * refusal answers as documented. Tables written by hand as sioc does. */
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

/* ---- the socket data: every kind of owned pointer ------------------------ */

struct place {
    const char *city;
};
static const sio_field place_fields[] = {
    {"city", SIO_K_STRING, 0, 0, offsetof(struct place, city), 0, NULL, NULL,
     NULL, NULL, NULL},
};
static const sio_record_desc place_desc = {
    "Place", sizeof(struct place), 1, place_fields, NULL, 0};

/* A union: a place or a note (string), the tag first. */
struct spot {
    int tag;
    union {
        struct place place;
        struct place note;
    } u;
};
static const sio_field spot_fields[] = {
    {"place", SIO_K_RECORD, 0, 0, offsetof(struct spot, u), 0, &place_desc,
     NULL, NULL, NULL, NULL},
    {"note", SIO_K_RECORD, 0, 0, offsetof(struct spot, u), 0, &place_desc, NULL,
     NULL, NULL, NULL},
};
static const sio_record_desc spot_desc = {"Spot", sizeof(struct spot),
                                          2,      spot_fields,
                                          "kind", offsetof(struct spot, tag)};
/* The values of a {string: string[]} map. */
static const sio_field words = {NULL, SIO_K_STRING, 1,    0,    0,   0,
                                NULL, NULL,         NULL, NULL, NULL};

struct voter {
    const char *name;
    const char *const *tags;
    size_t n_tags;
    json_t *extra;
    const struct place *home; /* optional record: a pointer */
    struct place at;          /* embedded */
    sio_bytes blob;
    const sio_array *grid; /* int[][] */
    size_t n_grid;
    int64_t votes;
    sio_map seen;     /* {string: string[]} */
    struct spot spot; /* a union */
};
static const sio_field voter_fields[] = {
    {"name", SIO_K_STRING, 0, 0, offsetof(struct voter, name), 0, NULL, NULL,
     NULL, NULL, NULL},
    {"tags", SIO_K_STRING, 1, 0, offsetof(struct voter, tags),
     offsetof(struct voter, n_tags), NULL, NULL, NULL, NULL, NULL},
    {"extra", SIO_K_JSON, 0, SIO_F_OPTIONAL, offsetof(struct voter, extra), 0,
     NULL, NULL, NULL, NULL, NULL},
    {"home", SIO_K_RECORD, 0, SIO_F_OPTIONAL, offsetof(struct voter, home), 0,
     &place_desc, NULL, NULL, NULL, NULL},
    {"at", SIO_K_RECORD, 0, 0, offsetof(struct voter, at), 0, &place_desc, NULL,
     NULL, NULL, NULL},
    {"blob", SIO_K_BYTES, 0, 0, offsetof(struct voter, blob), 0, NULL, NULL,
     NULL, NULL, NULL},
    {"grid", SIO_K_INT, 2, 0, offsetof(struct voter, grid),
     offsetof(struct voter, n_grid), NULL, NULL, NULL, NULL, NULL},
    {"votes", SIO_K_INT, 0, 0, offsetof(struct voter, votes), 0, NULL, NULL,
     NULL, NULL, NULL},
    {"seen", SIO_K_MAP, 0, 0, offsetof(struct voter, seen), 0, NULL, NULL, NULL,
     NULL, &words},
    {"spot", SIO_K_RECORD, 0, 0, offsetof(struct voter, spot), 0, &spot_desc,
     NULL, NULL, NULL, NULL},
};
static const sio_record_desc voter_desc = {
    "Voter", sizeof(struct voter), 10, voter_fields, NULL, 0};

/* ---- the application ------------------------------------------------------
 */

typedef struct app {
    char trace[512];
    const char *ban_event;   /* the event middleware refuses this one */
    const char *ban_message; /* with this message (NULL: none given) */
    bool ban_connect;        /* the connect middleware refuses */
    bool login_in_use;       /* the connect middleware logs in */
    bool guard_ok;
    bool refuse_in_handler; /* the connect handler refuses */
    bool kick_in_use;       /* the event middleware disconnects */
    int disconnects;
    int refuse_rc; /* sio_refuse outside a connect or middleware */
    bool data_zero_at_use, data_zero_at_connect, data_in_disconnect;
    int64_t votes_when_back; /* a recovered socket's data at connect */
} app;

static app A;

static void trace(const char *fmt, ...)
{
    size_t n = strlen(A.trace);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(A.trace + n, sizeof A.trace - n, fmt, ap);
    va_end(ap);
}

static struct voter *data_of(sio_ctx *ctx)
{
    return sio_ctx_typed_data(ctx, &voter_desc);
}

static bool is_zero(const struct voter *v)
{
    static const struct voter zero;
    return v && !memcmp(v, &zero, sizeof zero);
}

static int use_connect(sio_ctx *ctx)
{
    trace("useconn,");
    A.data_zero_at_use = is_zero(data_of(ctx));
    if (A.login_in_use)
        assert_int_equal(sio_ctx_login(ctx, "ann"), 0);
    if (!A.ban_connect)
        return 0;
    if (A.ban_message)
        assert_int_equal(sio_refuse(ctx, A.ban_message, NULL), 0);
    return 1;
}

/* A map of one key to ["x"], and the union's second variant. */
static void fill_map_and_union(struct voter *v)
{
    char **keys = calloc(1, sizeof *keys), **x = calloc(1, sizeof *x);
    sio_array *values = calloc(1, sizeof *values);

    assert_true(keys && x && values);
    keys[0] = strdup("k");
    x[0] = strdup("x");
    values[0] = (sio_array){x, 1};
    v->seen = (sio_map){(const char *const *)keys, values, 1};
    v->spot.tag = 1;
    assert_int_equal(sio_set_string(&v->spot.u.note.city, "by the sea"), 0);
}

/* Fills every owned kind, as an application would. */
static void fill(struct voter *v, const char *name)
{
    char **tags = calloc(2, sizeof *tags);
    struct place *home = calloc(1, sizeof *home);
    sio_array *grid = calloc(2, sizeof *grid);
    int64_t *row = calloc(3, sizeof *row);
    uint8_t *blob = malloc(4);

    assert_true(tags && home && grid && row && blob);
    assert_int_equal(sio_set_string(&v->name, "placeholder"), 0);
    assert_int_equal(sio_set_string(&v->name, name), 0); /* frees the old */
    tags[0] = strdup("a");
    tags[1] = strdup("b");
    v->tags = (const char *const *)tags;
    v->n_tags = 2;
    v->extra = json_pack("{s:[i,i]}", "k", 1, 2);
    home->city = strdup("Lyon");
    v->home = home;
    assert_int_equal(sio_set_string(&v->at.city, "Nice"), 0);
    memcpy(blob, "abcd", 4);
    v->blob = (sio_bytes){blob, 4};
    grid[1] = (sio_array){row, 3};
    v->grid = grid;
    v->n_grid = 2;
    fill_map_and_union(v);
}

static int on_connect(sio_ctx *ctx, const void *auth)
{
    struct voter *v = data_of(ctx);

    (void)auth;
    trace("connect,");
    if (sio_socket_recovered(sio_ctx_socket(ctx))) { /* its data is back */
        A.votes_when_back = v->votes;
        return 0;
    }
    A.data_zero_at_connect = is_zero(v);
    fill(v, "ann");
    if (!A.refuse_in_handler)
        return 0;
    sio_refuse(ctx, "no", NULL);
    return 1;
}

static bool guard(sio_ctx *ctx)
{
    trace("guard:%s,", sio_ctx_event(ctx));
    return A.guard_ok;
}

static int use(sio_ctx *ctx, const char *event)
{
    trace("use:%s,", event);
    assert_string_equal(event, sio_ctx_event(ctx));
    if (A.kick_in_use) {
        sio_disconnect(sio_ctx_socket(ctx));
        return 0;
    }
    if (!A.ban_event || strcmp(event, A.ban_event) != 0)
        return 0;
    if (A.ban_message)
        assert_int_equal(sio_refuse(ctx, A.ban_message, json_true()), 0);
    return -1;
}

static void on_disconnect(sio_ctx *ctx, const char *reason)
{
    struct voter *v = data_of(ctx);

    A.disconnects++;
    A.data_in_disconnect = v && v->name && !strcmp(v->name, "ann");
    trace("disconnect:%s,", reason);
}

static void join_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    const struct str_arg *a = args;
    struct voter *v = data_of(ctx);
    struct int_arg r = {++v->votes};

    trace("join:%s,", a->s);
    A.refuse_rc = sio_refuse(ctx, "x", NULL);
    assert_int_equal(sio_ack_params(ack, "join", &int_args, &r), 0);
}

/* Something that reaches the client with an offset (with recovery on). */
static void hello_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    (void)args;
    (void)ack;
    assert_int_equal(sio_emit(sio_ctx_socket(ctx), "hi", NULL), 0);
}

static void kick_invoke(sio_ctx *ctx, const void *args, sio_ack_ref ack)
{
    (void)args;
    (void)ack;
    trace("kick,");
    sio_disconnect(sio_ctx_socket(ctx));
}

static void any(sio_ctx *ctx, const char *event, json_t *args)
{
    (void)ctx;
    (void)args;
    trace("any:%s,", event);
}

static const sio_guard_fn guards[] = {guard};
static const char *const guard_names[] = {"g"};
static const sio_requires req_guard = {false, 1, guards, guard_names,
                                       SIO_FAIL_ACK};
static const sio_requires req_auth = {true, 0, NULL, NULL, SIO_FAIL_DISCONNECT};

static const sio_event_desc events[] = {
    {"hello", &room_args, NULL, NULL, hello_invoke},
    {"join", &room_args, &int_args, &req_guard, join_invoke},
    {"kick", &room_args, NULL, NULL, kick_invoke},
};
static const sio_event_desc auth_events[] = {
    {"join", &room_args, &int_args, &req_auth, join_invoke},
};
static const sio_namespace_desc namespaces[] = {
    {"/", NULL, on_connect, NULL, 3, events, any, &voter_desc, on_disconnect,
     use, use_connect},
    {"/auth", NULL, on_connect, &req_auth, 1, auth_events, NULL, &voter_desc,
     on_disconnect, NULL, use_connect},
    {"/plain", NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};
static const sio_schema_desc schema = {"h", SIO_TYPED_ABI, 3, namespaces,
                                       0,   NULL};

/* ---- fixture ---------------------------------------------------------------
 */

static int setup_with(void **state, unsigned recovery_ms)
{
    sio_options o;
    sio_server *srv;

    memset(&A, 0, sizeof A);
    A.guard_ok = true;
    sio_options_init(&o);
    o.eio.log_level = EIO_LOG_ERR; /* quiet */
    o.recovery_ms = recovery_ms;
    srv = sio_server_new(&o);
    assert_non_null(srv);
    g_eio = sio_server_engine(srv);
    assert_int_equal(sio_schema_register(srv, &schema), 0);
    *state = srv;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, 0);
}

static int setup_recovery(void **state)
{
    return setup_with(state, 60000);
}

static int teardown(void **state)
{
    if (*state)
        sio_server_free(*state);
    return 0;
}

static eio_session *connected(void)
{
    eio_session *s = sess_open(g_eio);

    sess_text(s, "0");
    expect_connect(s, "40");
    return s;
}

/* ---- socket data and the disconnect handler ------------------------------ */

/* Zeroed before the middleware and the connect handler; the handler's
 * values reach every event; freed (with what it owns) after the
 * disconnect handler, which still sees it. */
static void test_data_lives_from_connect_to_disconnect(void **state)
{
    eio_session *s = connected();
    (void)state;

    assert_true(A.data_zero_at_use);
    assert_true(A.data_zero_at_connect);
    sess_text(s, "21[\"join\",\"a\"]");
    expect_out(s, "431[1]");
    sess_text(s, "22[\"join\",\"b\"]");
    expect_out(s, "432[2]"); /* the same socket's data, kept */
    sess_text(s, "1");       /* the client leaves the namespace */
    assert_int_equal(A.disconnects, 1);
    assert_true(A.data_in_disconnect);
    assert_string_equal(A.trace, "useconn,connect,use:join,guard:join,join:a,"
                                 "use:join,guard:join,join:b,"
                                 "disconnect:client namespace disconnect,");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_int_equal(A.disconnects, 1); /* once per socket */
}

/* Refused by the connect handler after filling its data: no disconnect
 * handler, the data freed all the same (ASan would report a leak). */
static void test_data_freed_when_refused(void **state)
{
    eio_session *s = sess_open(g_eio);
    (void)state;

    A.refuse_in_handler = true;
    sess_text(s, "0");
    expect_out(s, "44{\"message\":\"no\"}");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_int_equal(A.disconnects, 0);
}

static void test_disconnect_reasons(void **state)
{
    eio_session *s = connected();
    (void)state;

    sess_text(s, "2[\"kick\",\"x\"]"); /* the server disconnects it */
    expect_out(s, "41");
    assert_int_equal(A.disconnects, 1);
    assert_non_null(strstr(A.trace, "disconnect:server namespace disconnect,"));
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);

    s = connected();
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_non_null(strstr(A.trace, "disconnect:transport close,"));
    s = connected();
    sess_close(s, EIO_CLOSE_PING_TIMEOUT);
    assert_non_null(strstr(A.trace, "disconnect:ping timeout,"));
    assert_int_equal(A.disconnects, 3);
}

/* The server stops with sockets connected: each gets its disconnect
 * handler and its data is freed; so is that of a socket still in the
 * server when it is freed without stopping. */
static void test_data_freed_at_shutdown(void **state)
{
    eio_session *s = connected();

    sess_text(s, "0/auth,"); /* refused by the namespace's requires auth */
    expect_out(s, "44/auth,{\"message\":\"unauthorized\"}");
    g_eio->cb.shutdown(g_eio, g_eio->ud); /* as eio does when stopping */
    expect_out(s, "41");
    assert_int_equal(A.disconnects, 1);
    assert_non_null(strstr(A.trace, "disconnect:server shutting down,"));
    sess_close(s, EIO_CLOSE_SHUTDOWN);
    assert_int_equal(A.disconnects, 1);
}

/* Freed without stopping (sockets still connected): no handler runs,
 * and nothing leaks. */
static void test_data_freed_with_server(void **state)
{
    eio_session *t = connected();

    sio_server_free(*state);
    *state = NULL;
    sess_free(t);
}

/* The accessor checks the record: a namespace without data, or another
 * record's descriptor, gets NULL. */
static void test_data_accessor_checks_record(void **state)
{
    sio_ctx *ctx = NULL;
    (void)state;

    assert_null(sio_ctx_typed_data(ctx, &voter_desc));
    assert_int_equal(sio_set_string(NULL, "x"), SIO_EINVAL);
    {
        const char *f = NULL;
        assert_int_equal(sio_set_string(&f, "x"), 0);
        assert_string_equal(f, "x");
        assert_int_equal(sio_set_string(&f, NULL), 0);
        assert_null(f);
    }
    eio_session *s = connected();
    sess_text(s, "0/plain,");
    expect_connect(s, "40/plain,");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_int_equal(A.disconnects, 1); /* "/" only: "/plain" has none */
}

/* With connection state recovery, a socket that comes back gets its data
 * back (as socket.io restores socket.data): kept by the recovery session
 * after the disconnect handler, freed with it otherwise. */
static void test_data_recovered(void **state)
{
    eio_session *s = sess_open(g_eio), *t;
    const char *got;
    json_t *v;
    char pid[32], offset[64], auth[160];
    (void)state;

    sess_text(s, "0");
    got = sess_next(s);
    assert_non_null(got);
    v = json_loads(got + 2, 0, NULL);
    snprintf(pid, sizeof pid, "%s",
             json_string_value(json_object_get(v, "pid")));
    json_decref(v);
    sess_text(s, "21[\"join\",\"a\"]");
    expect_out(s, "431[1]");
    sess_text(s, "2[\"hello\",\"a\"]");
    got = sess_next(s); /* 42["hi","OFFSET"] */
    assert_non_null(got);
    v = json_loads(got + 2, 0, NULL);
    snprintf(offset, sizeof offset, "%s",
             json_string_value(json_array_get(v, 1)));
    json_decref(v);
    assert_true(pid[0] && offset[0]);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE); /* no goodbye: kept */
    assert_true(A.data_in_disconnect);

    /* A session kept but never taken back is freed with the server; this
     * one comes back. */
    snprintf(auth, sizeof auth, "0{\"pid\":\"%s\",\"offset\":\"%s\"}", pid,
             offset);
    t = sess_open(g_eio);
    sess_text(t, auth);
    got = sess_next(t);
    assert_non_null(got);
    assert_non_null(strstr(got, pid)); /* 40{"sid":...,"pid":PID} */
    assert_int_equal(A.votes_when_back, 1);
    sess_text(t, "22[\"join\",\"b\"]");
    expect_out(t, "432[2]");
    sess_text(t, "1");
    assert_int_equal(A.disconnects, 2);
    sess_close(t, EIO_CLOSE_TRANSPORT_CLOSE);

    s = sess_open(g_eio); /* kept at the server's end: freed with it */
    sess_text(s, "0");
    assert_non_null(sess_next(s));
    sess_close(s, EIO_CLOSE_PING_TIMEOUT);
    assert_int_equal(A.disconnects, 3);
}

/* ---- middleware -----------------------------------------------------------
 */

/* Before the requirements, the decoding and the handler; a refusal
 * answers an acked event with its message, drops one without an ack, and
 * the handler never runs. */
static void test_use_refuses_events(void **state)
{
    eio_session *s = connected();
    (void)state;

    A.ban_event = "join";
    A.ban_message = "banned";
    A.trace[0] = '\0';
    sess_text(s, "21[\"join\",\"a\"]");
    expect_out(s, "431[{\"error\":\"banned\"}]");
    sess_text(s, "2[\"join\",\"a\"]"); /* no ack: dropped */
    assert_null(sess_next(s));
    sess_text(s, "22[\"join\",5]"); /* refused before decoding */
    expect_out(s, "432[{\"error\":\"banned\"}]");
    A.ban_message = NULL; /* no message given */
    sess_text(s, "23[\"join\",\"a\"]");
    expect_out(s, "433[{\"error\":\"refused\"}]");
    assert_string_equal(A.trace, "use:join,use:join,use:join,use:join,");
    assert_int_equal(A.refuse_rc, 0);

    /* Passing it: the guard next, then the decoding. */
    A.ban_event = NULL;
    A.guard_ok = false;
    A.trace[0] = '\0';
    sess_text(s, "24[\"join\",\"a\"]");
    expect_out(s, "434[{\"error\":\"forbidden: g\"}]");
    A.guard_ok = true;
    sess_text(s, "25[\"join\",5]");
    expect_out(s, "435[{\"error\":\"room: expected string\"}]");
    sess_text(s, "2[\"other\",1]"); /* the catch-all too */
    assert_string_equal(A.trace, "use:join,guard:join,use:join,guard:join,"
                                 "use:other,any:other,");
    /* sio_refuse in a handler still refuses nothing. */
    sess_text(s, "26[\"join\",\"a\"]");
    expect_out(s, "436[1]");
    assert_int_equal(A.refuse_rc, SIO_ESTATE);
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

/* A middleware that disconnects the socket stops the event. */
static void test_use_may_disconnect(void **state)
{
    eio_session *s = connected();
    (void)state;

    A.kick_in_use = true;
    A.trace[0] = '\0';
    sess_text(s, "21[\"join\",\"a\"]");
    expect_out(s, "41");
    assert_null(sess_next(s));
    assert_string_equal(A.trace, "use:join,disconnect:server namespace "
                                 "disconnect,");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
}

/* Before the namespace's requirements and the connect handler: it may
 * refuse (its message, or "refused"), or log the connection in so that
 * `requires auth` passes. */
static void test_use_connect(void **state)
{
    eio_session *s = sess_open(g_eio);
    (void)state;

    A.ban_connect = true;
    A.ban_message = "go away";
    sess_text(s, "0");
    expect_out(s, "44{\"message\":\"go away\"}");
    A.ban_message = NULL;
    sess_text(s, "0/auth,");
    expect_out(s, "44/auth,{\"message\":\"refused\"}");
    sess_text(s, "0\"x\""); /* even before the payload's check */
    expect_out(s, "44{\"message\":\"refused\"}");
    assert_string_equal(A.trace, "useconn,useconn,useconn,");
    assert_int_equal(A.disconnects, 0);

    A.ban_connect = false;
    A.login_in_use = true;
    A.trace[0] = '\0';
    sess_text(s, "0/auth,");
    expect_connect(s, "40/auth,");
    sess_text(s, "2/auth,1[\"join\",\"a\"]");
    expect_out(s, "43/auth,1[1]");
    assert_string_equal(A.trace, "useconn,connect,join:a,");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_int_equal(A.disconnects, 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_data_lives_from_connect_to_disconnect),
        T(test_data_freed_when_refused),
        T(test_disconnect_reasons),
        T(test_data_freed_at_shutdown),
        T(test_data_freed_with_server),
        T(test_data_accessor_checks_record),
        cmocka_unit_test_setup_teardown(test_data_recovered, setup_recovery,
                                        teardown),
        T(test_use_refuses_events),
        T(test_use_may_disconnect),
        T(test_use_connect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
