/* login - Flask-SocketIO's login scenario (docs/examples.md), built
 * from schemas/login.sio: users log in over HTTP (a Flask-format session
 * cookie, or a server-side session named by the cookie), over Socket.IO
 * (/open) or with a signed token (/token); every handler sees the
 * connection as one long request, as in Flask-SocketIO.
 *
 *   login [--secret S] [--sessions cookie|server] [sio_app.h's options:
 *         --host H, --port N, --cors-origin LIST, --trusted-proxies LIST...]
 *
 * Pages of other origins may call it with the user's cookies (credentialed
 * CORS) only when named: --cors-origin "https://app.example, ..."; by
 * default its own origin, http://HOST:PORT (none with --port 0).
 *
 * The start and stop lines and SIGINT/SIGTERM are sio_app.h's.
 *
 * Beside docs/examples.md, for the tests: GET /stats (counters: HTTP hooks,
 * handler runs, guard calls), and the test hooks marked in the schema. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "login.sio.h"
#include "sio_app.h"

#define TOKEN_SALT "login-token"
#define TOKEN_MAX_AGE_S 3600

typedef struct user {
    const char *id, *name, *password;
} user;

static const user USERS[] = {
    {"1", "alice", "wonderland"},
    {"2", "bob", "builder"},
};
#define NUSERS (sizeof USERS / sizeof USERS[0])
#define ADMIN_ID "1"

/* The application (current_app): its name and what the tests count. */
typedef struct app {
    const char *name;
    sio_server *srv;
    const char *secret;    /* signs sessions and tokens */
    sio_session_mode mode; /* --sessions */
    long before, after;    /* HTTP hooks run */
    long my_event_root;    /* "my event" handler runs on "/" */
    long my_event_open;    /* ... on "/open" */
    long connect_root;     /* connect handler runs on "/" */
    long guard_calls;      /* the admin guard */
} app;

/* ---- users --------------------------------------------------------------- */

static const user *check_credentials(const char *name, const char *password)
{
    const user *found = NULL;

    if (!name || !password)
        return NULL;
    for (size_t i = 0; i < NUSERS; i++)
        if (sio_secret_equal(password, USERS[i].password) &&
            strcmp(name, USERS[i].name) == 0)
            found = &USERS[i];
    return found;
}

/* The user loader: "_user_id" -> the application's user. */
static void *load_user(sio_server *srv, const char *user_id, void *ud)
{
    (void)srv;
    (void)ud;
    for (size_t i = 0; user_id && i < NUSERS; i++)
        if (strcmp(user_id, USERS[i].id) == 0)
            return (void *)&USERS[i];
    return NULL;
}

static app *app_of(sio_ctx *ctx)
{
    return sio_ctx_app(ctx);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* "<name>: <data as compact JSON>", or "<name> has joined" (data NULL):
 * new, or NULL. Each namespace emits it with its own "my_response". */
static char *said(sio_ctx *ctx, json_t *data)
{
    const user *u = sio_ctx_user(ctx);
    const char *name = u ? u->name : "?";
    char *text = NULL, *msg = NULL;
    int n;

    if (data) {
        text = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            return NULL;
        n = asprintf(&msg, "%s: %s", name, text);
    } else {
        n = asprintf(&msg, "%s has joined", name);
    }
    free(text);
    return n < 0 ? NULL : msg;
}

#define SAY(ns, ctx, data)                                                     \
    do {                                                                       \
        char *msg_ = said(ctx, data);                                          \
        if (msg_)                                                              \
            unsent(login##ns##emit_my_response(login##ns##self(ctx),           \
                                               &(login_Response){msg_}),       \
                   "my_response");                                             \
        free(msg_);                                                            \
    } while (0)

/* The whoami object: the connect-time request, seen by a later event. */
static json_t *whoami(sio_ctx *ctx)
{
    const user *u = sio_ctx_user(ctx);

    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "user",
                     str_or_null(u ? u->name : NULL), "sid",
                     str_or_null(sio_ctx_sid(ctx)), "namespace",
                     str_or_null(sio_ctx_namespace(ctx)), "event",
                     str_or_null(sio_ctx_event(ctx)), "header",
                     str_or_null(sio_ctx_header(ctx, "x-sio-test")), "query",
                     str_or_null(sio_ctx_query(ctx, "q")), "remote",
                     str_or_null(sio_ctx_remote_addr(ctx)));
}

/* ---- guards -------------------------------------------------------------- */

bool login_guard_admin(sio_ctx *ctx)
{
    const user *u = sio_ctx_user(ctx);

    app_of(ctx)->guard_calls++;
    return u && strcmp(u->id, ADMIN_ID) == 0;
}

/* ---- namespace "/": login required (checked before these run) ------------ */

/* An answer or emit that could not be sent: one log line (a socket
 * that has gone is no news). */
static void unsent(int rc, const char *what)
{
    if (rc != 0 && rc != SIO_ECLOSED)
        fprintf(stderr, "login: %s not sent: %s\n", what, sio_strerror(rc));
}

int login_on_connect(sio_ctx *ctx)
{
    app_of(ctx)->connect_root++;
    if (!sio_ctx_user(ctx)) { /* the schema's requirement already refused */
        sio_refuse(ctx, "unauthorized", NULL);
        return 1;
    }
    SAY(_, ctx, NULL); /* after the CONNECT answer */
    return 0;
}

void login_on_my_event(sio_ctx *ctx, json_t *data)
{
    app_of(ctx)->my_event_root++;
    SAY(_, ctx, data);
}

void login_on_whoami(sio_ctx *ctx, login_whoami_ack ack)
{
    json_t *info;

    if (!(info = whoami(ctx))) {
        unsent(login_whoami_ack_error(ack, "server error"), "whoami_ack_error");
        return;
    }
    unsent(login_whoami_ack_send(ack, info), "whoami_ack_send");
    json_decref(info);
}

void login_on_session_set(sio_ctx *ctx, const char *key, const char *value,
                          login_session_set_ack ack)
{
    int rc;

    if (key[0] == '_') {
        unsent(login_session_set_ack_error(ack, "reserved key"),
               "session_set_ack_error");
        return;
    }
    rc = sio_ctx_session_set(ctx, key, json_string(value));
    if (rc == 0)
        unsent(login_session_set_ack_send(ack, true), "session_set_ack_send");
    else
        unsent(login_session_set_ack_error(ack, rc == SIO_ELIMIT
                                                    ? "session too large"
                                                    : "server error"),
               "session_set_ack_error");
}

void login_on_session_get(sio_ctx *ctx, const char *key,
                          login_session_get_ack ack)
{
    json_t *v = sio_ctx_session_get(ctx, key);

    unsent(login_session_get_ack_send(ack, json_string_value(v)),
           "session_get_ack_send");
}

/* g: the per-call scratch store (semantics 1, sio_ctx_g). What g_put
 * stores is gone when its call returns: g_get always finds it empty. */
void login_on_g_put(sio_ctx *ctx, const char *v, login_g_put_ack ack)
{
    json_t *g = sio_ctx_g(ctx);
    bool ok = g && json_object_set_new(g, "v", json_string(v)) == 0;

    unsent(login_g_put_ack_send(ack, ok && json_object_get(g, "v") != NULL),
           "g_put_ack_send");
}

void login_on_g_get(sio_ctx *ctx, login_g_get_ack ack)
{
    json_t *g = sio_ctx_g(ctx);

    unsent(
        login_g_get_ack_send(ack, json_string_value(json_object_get(g, "v"))),
        "g_get_ack_send");
}

void login_on_admin_echo(sio_ctx *ctx, json_t *v, login_admin_echo_ack ack)
{
    (void)ctx;
    unsent(login_admin_echo_ack_send(ack, v), "admin_echo_ack_send");
}

/* ---- namespace "/open": anyone connects ---------------------------------- */

void login_open_on_my_event(sio_ctx *ctx, json_t *data)
{
    app_of(ctx)->my_event_open++;
    SAY(_open_, ctx, data);
}

void login_open_on_login(sio_ctx *ctx, const char *username,
                         const char *password, login_open_login_ack ack)
{
    const user *u = check_credentials(username, password);
    int rc;

    if (!u) {
        fprintf(stderr, "login: /open login: invalid credentials\n");
        unsent(login_open_login_ack_error(ack, "invalid credentials"),
               "open_login_ack_error");
        return;
    }
    rc = sio_ctx_login(ctx, u->id);
    if (rc == 0)
        unsent(login_open_login_ack_send(ack, u->name), "open_login_ack_send");
    else
        unsent(login_open_login_ack_error(ack, rc == SIO_ELIMIT
                                                   ? "session too large"
                                                   : "server error"),
               "open_login_ack_error");
}

void login_open_on_whoami(sio_ctx *ctx, login_open_whoami_ack ack)
{
    json_t *info;

    if (!(info = whoami(ctx))) {
        unsent(login_open_whoami_ack_error(ack, "server error"),
               "open_whoami_ack_error");
        return;
    }
    unsent(login_open_whoami_ack_send(ack, info), "open_whoami_ack_send");
    json_decref(info);
}

/* Emits "poked" to the room named sid: exactly that socket. */
void login_open_on_poke(sio_ctx *ctx, const char *sid, login_open_poke_ack ack)
{
    sio_namespace *ns = sio_socket_namespace(sio_ctx_socket(ctx));

    unsent(login_open_emit_poked(login_open_room(ctx, sid), sio_ctx_sid(ctx)),
           "open_emit_poked");
    unsent(login_open_poke_ack_send(ack, (int64_t)sio_room_size(ns, sid)),
           "open_poke_ack_send");
}

void login_open_on_app(sio_ctx *ctx, login_open_app_ack ack)
{
    app *a = app_of(ctx);

    unsent(login_open_app_ack_send(ack, a->name, sio_ctx_server(ctx) == a->srv),
           "open_app_ack_send");
}

/* A generic catch-all: what any event looks like from the context (and
 * the CONNECT auth payload, kept for the connection's life). */
void login_open_on_any(sio_ctx *ctx, const char *event, json_t *args)
{
    json_t *raw = sio_ctx_args(ctx);
    json_t *auth = sio_ctx_auth(ctx);
    (void)args;

    if (!sio_ctx_wants_ack(ctx))
        return;
    sio_ack(ctx, json_pack("[{s:o, s:o, s:O, s:O}]", "namespace",
                           str_or_null(sio_ctx_namespace(ctx)), "event",
                           str_or_null(sio_ctx_event(ctx) ? sio_ctx_event(ctx)
                                                          : event),
                           "args", raw ? raw : json_null(), "auth",
                           auth ? auth : json_null()));
}

/* ---- namespace "/token": the CONNECT auth payload {"token": T} ----------- */

int login_token_on_connect(sio_ctx *ctx, json_t *token)
{
    const char *t = json_string_value(token);
    json_t *payload = NULL;
    const char *id;

    if (t)
        payload = sio_server_token_verify(sio_ctx_server(ctx), TOKEN_SALT, t,
                                          TOKEN_MAX_AGE_S);
    id = json_string_value(json_object_get(payload, "user_id"));
    if (!id || !load_user(NULL, id, NULL)) {
        json_decref(payload);
        sio_refuse(ctx, "invalid token", NULL);
        return 1;
    }
    if (sio_ctx_login(ctx, id) != 0) {
        json_decref(payload);
        sio_refuse(ctx, "server error", NULL);
        return 1;
    }
    json_decref(payload);
    SAY(_token_, ctx, NULL);
    return 0;
}

void login_token_on_whoami(sio_ctx *ctx, login_token_whoami_ack ack)
{
    json_t *info;

    if (!(info = whoami(ctx))) {
        unsent(login_token_whoami_ack_error(ack, "server error"),
               "token_whoami_ack_error");
        return;
    }
    unsent(login_token_whoami_ack_send(ack, info), "token_whoami_ack_send");
    json_decref(info);
}

/* ---- the HTTP side --------------------------------------------------------
 */

static void respond_error(sio_req *r, int status, const char *message)
{
    sio_respond_json(r, status, json_pack("{s:s}", "error", message));
}

static void route_login(sio_req *r, void *ud)
{
    const user *u = check_credentials(sio_req_form(r, "username"),
                                      sio_req_form(r, "password"));
    int rc;
    (void)ud;

    if (!u) {
        fprintf(stderr, "login: POST /login: invalid credentials\n");
        respond_error(r, 401, "invalid credentials");
        return;
    }
    rc = sio_req_login(r, u->id);
    if (rc != 0) {
        respond_error(r, rc == SIO_ELIMIT ? 413 : 500,
                      rc == SIO_ELIMIT ? "session too large" : "server error");
        return;
    }
    sio_respond_json(r, 200, json_pack("{s:s}", "user", u->name));
}

static void route_logout(sio_req *r, void *ud)
{
    (void)ud;
    sio_req_logout(r);
    sio_respond_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static void route_session_get(sio_req *r, void *ud)
{
    json_t *v = sio_req_session_get(r, sio_req_param(r, "key"));
    (void)ud;

    if (!v) {
        respond_error(r, 404, "no such key");
        return;
    }
    sio_respond_json(r, 200, json_pack("{s:O}", "value", v));
}

static void route_session_set(sio_req *r, void *ud)
{
    const char *key = sio_req_param(r, "key");
    const char *value = sio_req_form(r, "value");
    int rc;
    (void)ud;

    if (!key || key[0] == '_') {
        fprintf(stderr, "login: POST /session: reserved key\n");
        respond_error(r, 403, "reserved key");
        return;
    }
    if (!value) {
        respond_error(r, 400, "value required");
        return;
    }
    rc = sio_req_session_set(r, key, json_string(value));
    if (rc != 0) {
        respond_error(r, rc == SIO_ELIMIT ? 413 : 500,
                      rc == SIO_ELIMIT ? "session too large" : "server error");
        return;
    }
    sio_respond_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static void route_token(sio_req *r, void *ud)
{
    const user *u = sio_req_user(r);
    json_t *payload;
    char *token;
    (void)ud;

    if (!u) {
        respond_error(r, 401, "unauthorized");
        return;
    }
    payload = json_pack("{s:s}", "user_id", u->id);
    token = payload
                ? sio_server_token_sign(sio_req_server(r), TOKEN_SALT, payload)
                : NULL;
    json_decref(payload);
    if (!token) {
        respond_error(r, 500, "server error");
        return;
    }
    sio_respond_json(r, 200, json_pack("{s:s}", "token", token));
    free(token);
}

/* Test hook: the counters, so that tests see what ran. */
static void route_stats(sio_req *r, void *ud)
{
    app *a = ud;

    sio_respond_json(r, 200,
                     json_pack("{s:I, s:I, s:{s:I, s:I}, s:I, s:I}", "before",
                               (json_int_t)a->before, "after",
                               (json_int_t)a->after, "my_event", "/",
                               (json_int_t)a->my_event_root, "/open",
                               (json_int_t)a->my_event_open, "connect_root",
                               (json_int_t)a->connect_root, "guard_calls",
                               (json_int_t)a->guard_calls));
}

static int before_hook(sio_req *r, void *ud)
{
    (void)r;
    ((app *)ud)->before++;
    return 0;
}

static void after_hook(sio_req *r, void *ud)
{
    (void)r;
    ((app *)ud)->after++;
}

/* ---- the process ------------------------------------------------------- */

/* A secret nobody else knows: 32 bytes of /dev/urandom as hex. A built-in
 * default would let anyone who read this file sign sessions. */
static int random_secret(char out[65])
{
    unsigned char b[32];
    size_t got = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    while (got < sizeof b) {
        ssize_t n = read(fd, b + got, sizeof b - got);
        if (n <= 0 && !(n < 0 && errno == EINTR))
            break;
        if (n > 0)
            got += (size_t)n;
    }
    close(fd);
    if (got != sizeof b)
        return -1;
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

/* sio_app's setup: sessions, the user loader, the handlers, the routes. */
static int setup(sio_server *srv)
{
    app *a = sio_server_app(srv);
    sio_session_opts so;

    a->srv = srv;
    sio_session_opts_init(&so);
    so.mode = a->mode;
    so.secret = a->secret;
    if (sio_server_sessions(srv, &so) != 0 ||
        sio_server_user_loader(srv, load_user, NULL) != 0 ||
        login_register(srv) != 0 || sio_http_before(srv, before_hook, a) != 0 ||
        sio_http_after(srv, after_hook, a) != 0 ||
        sio_http_route(srv, "POST", "/login", route_login, a) != 0 ||
        sio_http_route(srv, "POST", "/logout", route_logout, a) != 0 ||
        sio_http_route(srv, "GET", "/session/<key>", route_session_get, a) !=
            0 ||
        sio_http_route(srv, "POST", "/session/<key>", route_session_set, a) !=
            0 ||
        sio_http_route(srv, "GET", "/token", route_token, a) != 0 ||
        sio_http_route(srv, "GET", "/stats", route_stats, a) != 0)
        return -1;
    fprintf(stderr, "login: started (%s sessions)\n",
            a->mode == SIO_SESSIONS_SERVER ? "server" : "cookie");
    return 0;
}

/* --sessions, --secret and the default CORS origin, after the options. */
static int finish_options(app *a, const char *sessions, sio_options *o,
                          char own[300], char secret[65])
{
    if (a->secret && !*a->secret) {
        fprintf(stderr, "login: --secret: not empty\n");
        return -1;
    }
    if (sessions && strcmp(sessions, "server") == 0)
        a->mode = SIO_SESSIONS_SERVER;
    else if (sessions && strcmp(sessions, "cookie") != 0) {
        fprintf(stderr, "login: --sessions: cookie or server\n");
        return -1;
    }
    /* Credentialed CORS: named origins only, never "*" (any site); by
     * default its own. */
    if (!o->eio.cors_origin && o->eio.port &&
        snprintf(own, 300, "http://%s:%d", o->eio.host, o->eio.port) < 300)
        o->eio.cors_origin = own;
    if (a->secret)
        return 0;
    if (random_secret(secret) != 0) {
        fprintf(stderr, "login: no --secret and no random one\n");
        return -1;
    }
    a->secret = secret;
    fprintf(stderr, "login: no --secret: signing with a random one; "
                    "sessions end with the process\n");
    return 0;
}

int main(int argc, char **argv)
{
    /* Non-standard request headers the connection keeps (whoami). */
    static const char *const extra_headers[] = {"x-sio-test", NULL};
    app a = {.name = "login", .mode = SIO_SESSIONS_COOKIE};
    const char *sessions = NULL;
    const sio_app_option extra[] = {
        {"secret", "S", "signs sessions and tokens (default: random)",
         &a.secret},
        {"sessions", "MODE", "cookie (default) or server", &sessions},
        {NULL, NULL, NULL, NULL},
    };
    sio_app sa = {.name = "login", .setup = setup, .data = &a, .extra = extra};
    char own[300], secret[65];
    sio_options o;
    int rc;

    sio_options_init(&o);
    o.eio.port = 5000;
    o.eio.extra_headers = extra_headers;
    if ((rc = sio_app_parse(&sa, argc, argv, &o)) != 0)
        return rc > 0 ? 0 : 1;
    if (finish_options(&a, sessions, &o, own, secret) != 0)
        return 1;
    return sio_app_serve(&sa, &o);
}
