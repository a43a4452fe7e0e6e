/* login - Flask-SocketIO's login scenario (docs/examples.md), built
 * from schemas/login.sio: users log in over HTTP (a Flask-format session
 * cookie, or a server-side session named by the cookie), over Socket.IO
 * (/open) or with a signed token (/token); every handler sees the
 * connection as one long request, as in Flask-SocketIO.
 *
 *   login [--host H] [--port N] [--secret S] [--sessions cookie|server]
 *         [--cors-origin LIST] [--trusted-proxies LIST]
 *
 * Pages of other origins may call it with the user's cookies (credentialed
 * CORS) only when named: --cors-origin "https://app.example, ..."; by
 * default its own origin, http://HOST:PORT (none with --port 0).
 *
 * Prints one line "login: listening on http://HOST:PORT/" when ready;
 * SIGINT/SIGTERM close every connection and exit 0.
 *
 * Beside docs/examples.md, for the tests: GET /stats (counters: HTTP hooks,
 * handler runs, guard calls), and the test hooks marked in the schema. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "login.sio.h"

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
    long before, after; /* HTTP hooks run */
    long my_event_root; /* "my event" handler runs on "/" */
    long my_event_open; /* ... on "/open" */
    long connect_root;  /* connect handler runs on "/" */
    long guard_calls;   /* the admin guard */
} app;

static sio_server *volatile g_srv;

/* ---- users --------------------------------------------------------------- */

/* Same time for any two strings of a given length b (the password). */
static bool same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb;

    for (size_t i = 0; i < lb; i++)
        d |= (unsigned char)((i < la ? a[i] : 0) ^ b[i]);
    return d == 0;
}

static const user *check_credentials(const char *name, const char *password)
{
    const user *found = NULL;

    if (!name || !password)
        return NULL;
    for (size_t i = 0; i < NUSERS; i++)
        if (same_secret(password, USERS[i].password) &&
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

/* "<name>: <data as compact JSON>", or "<name> has joined" (data NULL). */
static void say(sio_ctx *ctx, int (*emit)(sio_target, const login_Response *),
                json_t *data)
{
    const user *u = sio_ctx_user(ctx);
    const char *name = u ? u->name : "?";
    char *text = NULL, *msg = NULL;
    int n;

    if (data) {
        text = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            return;
        n = asprintf(&msg, "%s: %s", name, text);
    } else {
        n = asprintf(&msg, "%s has joined", name);
    }
    free(text);
    if (n < 0)
        return;
    emit(sio_self(ctx), &(login_Response){msg});
    free(msg);
}

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

int login_on_connect(sio_ctx *ctx)
{
    app_of(ctx)->connect_root++;
    if (!sio_ctx_user(ctx)) { /* the schema's requirement already refused */
        sio_refuse(ctx, "unauthorized", NULL);
        return 1;
    }
    say(ctx, login_emit_my_response, NULL); /* after the CONNECT answer */
    return 0;
}

void login_on_my_event(sio_ctx *ctx, json_t *data)
{
    app_of(ctx)->my_event_root++;
    say(ctx, login_emit_my_response, data);
}

void login_on_whoami(sio_ctx *ctx, login_whoami_ack *ack)
{
    json_t *info;

    if (!ack)
        return;
    if (!(info = whoami(ctx))) {
        login_whoami_ack_error(ack, "server error");
        return;
    }
    login_whoami_ack_send(ack, info);
    json_decref(info);
}

void login_on_session_set(sio_ctx *ctx, const char *key, const char *value,
                          login_session_set_ack *ack)
{
    int rc;

    if (key[0] == '_') {
        if (ack)
            login_session_set_ack_error(ack, "reserved key");
        return;
    }
    rc = sio_ctx_session_set(ctx, key, json_string(value));
    if (!ack)
        return;
    if (rc == 0)
        login_session_set_ack_send(ack, true);
    else
        login_session_set_ack_error(ack, rc == SIO_ELIMIT ? "session too large"
                                                          : "server error");
}

void login_on_session_get(sio_ctx *ctx, const char *key,
                          login_session_get_ack *ack)
{
    json_t *v = sio_ctx_session_get(ctx, key);

    if (ack)
        login_session_get_ack_send(ack, json_string_value(v));
}

/* g: the per-call scratch store (semantics 1, sio_ctx_g). What g_put
 * stores is gone when its call returns: g_get always finds it empty. */
void login_on_g_put(sio_ctx *ctx, const char *v, login_g_put_ack *ack)
{
    json_t *g = sio_ctx_g(ctx);
    bool ok = g && json_object_set_new(g, "v", json_string(v)) == 0;

    if (ack)
        login_g_put_ack_send(ack, ok && json_object_get(g, "v") != NULL);
}

void login_on_g_get(sio_ctx *ctx, login_g_get_ack *ack)
{
    json_t *g = sio_ctx_g(ctx);

    if (ack)
        login_g_get_ack_send(ack, json_string_value(json_object_get(g, "v")));
}

void login_on_admin_echo(sio_ctx *ctx, json_t *v, login_admin_echo_ack *ack)
{
    (void)ctx;
    if (ack)
        login_admin_echo_ack_send(ack, v);
}

/* ---- namespace "/open": anyone connects ---------------------------------- */

void login_open_on_my_event(sio_ctx *ctx, json_t *data)
{
    app_of(ctx)->my_event_open++;
    say(ctx, login_open_emit_my_response, data);
}

void login_open_on_login(sio_ctx *ctx, const char *username,
                         const char *password, login_open_login_ack *ack)
{
    const user *u = check_credentials(username, password);
    int rc;

    if (!u) {
        fprintf(stderr, "login: /open login: invalid credentials\n");
        if (ack)
            login_open_login_ack_error(ack, "invalid credentials");
        return;
    }
    rc = sio_ctx_login(ctx, u->id);
    if (!ack)
        return;
    if (rc == 0)
        login_open_login_ack_send(ack, u->name);
    else
        login_open_login_ack_error(ack, rc == SIO_ELIMIT ? "session too large"
                                                         : "server error");
}

void login_open_on_whoami(sio_ctx *ctx, login_open_whoami_ack *ack)
{
    json_t *info;

    if (!ack)
        return;
    if (!(info = whoami(ctx))) {
        login_open_whoami_ack_error(ack, "server error");
        return;
    }
    login_open_whoami_ack_send(ack, info);
    json_decref(info);
}

/* Emits "poked" to the room named sid: exactly that socket. */
void login_open_on_poke(sio_ctx *ctx, const char *sid, login_open_poke_ack *ack)
{
    sio_namespace *ns = sio_socket_namespace(sio_ctx_socket(ctx));

    login_open_emit_poked(sio_to(sio_all(ns), sid), sio_ctx_sid(ctx));
    if (ack)
        login_open_poke_ack_send(ack, (int64_t)sio_room_size(ns, sid));
}

void login_open_on_app(sio_ctx *ctx, login_open_app_ack *ack)
{
    app *a = app_of(ctx);

    if (ack)
        login_open_app_ack_send(ack, a->name, sio_ctx_server(ctx) == a->srv);
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
    say(ctx, login_token_emit_my_response, NULL);
    return 0;
}

void login_token_on_whoami(sio_ctx *ctx, login_token_whoami_ack *ack)
{
    json_t *info;

    if (!ack)
        return;
    if (!(info = whoami(ctx))) {
        login_token_whoami_ack_error(ack, "server error");
        return;
    }
    login_token_whoami_ack_send(ack, info);
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

typedef struct login_opts {
    const char *host, *secret, *cors_origin, *proxies;
    sio_session_mode mode;
    int port;
} login_opts;

static void on_signal(int sig)
{
    (void)sig;
    if (g_srv)
        sio_server_stop(g_srv);
}

static int parse_args(int argc, char **argv, login_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return -1;
        if (strcmp(a, "--host") == 0) {
            o->host = v;
        } else if (strcmp(a, "--secret") == 0) {
            if (!*v)
                return -1;
            o->secret = v;
        } else if (strcmp(a, "--cors-origin") == 0) {
            if (!*v)
                return -1;
            o->cors_origin = v;
        } else if (strcmp(a, "--trusted-proxies") == 0) {
            o->proxies = v;
        } else if (strcmp(a, "--sessions") == 0) {
            if (strcmp(v, "cookie") == 0)
                o->mode = SIO_SESSIONS_COOKIE;
            else if (strcmp(v, "server") == 0)
                o->mode = SIO_SESSIONS_SERVER;
            else
                return -1;
        } else if (strcmp(a, "--port") == 0) {
            char *end;
            long p;
            errno = 0;
            p = strtol(v, &end, 10);
            if (errno || end == v || *end || p < 0 || p > 65535)
                return -1;
            o->port = (int)p;
        } else {
            return -1;
        }
        i++;
    }
    return 0;
}

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

static sio_server *start(const login_opts *lo, app *a)
{
    /* Non-standard request headers the connection keeps (whoami). */
    static const char *const extra_headers[] = {"x-sio-test", NULL};
    sio_session_opts so;
    sio_options o;
    sio_server *srv;
    char own[300];

    sio_options_init(&o);
    o.eio.host = lo->host;
    o.eio.port = lo->port;
    /* Credentialed CORS: named origins only, never "*" (any site). */
    o.eio.cors_origin = lo->cors_origin;
    if (!lo->cors_origin && lo->port &&
        snprintf(own, sizeof own, "http://%s:%d", lo->host, lo->port) <
            (int)sizeof own)
        o.eio.cors_origin = own;
    o.eio.extra_headers = extra_headers;
    o.eio.trusted_proxies = lo->proxies;
    srv = sio_server_new(&o);
    if (!srv)
        return NULL;
    a->srv = srv;
    sio_server_set_app(srv, a);
    sio_session_opts_init(&so);
    so.mode = lo->mode;
    so.secret = lo->secret;
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
        sio_http_route(srv, "GET", "/stats", route_stats, a) != 0) {
        fprintf(stderr, "login: cannot set up the server\n");
        sio_server_free(srv);
        return NULL;
    }
    return srv;
}

int main(int argc, char **argv)
{
    login_opts lo = {"127.0.0.1", NULL, NULL, NULL, SIO_SESSIONS_COOKIE, 5000};
    char secret[65];
    app a = {.name = "login"};
    struct sigaction sa;
    sio_server *srv;

    if (parse_args(argc, argv, &lo) != 0) {
        fprintf(stderr,
                "usage: %s [--host H] [--port N] [--secret S] "
                "[--sessions cookie|server] [--cors-origin LIST] "
                "[--trusted-proxies LIST]\n",
                argv[0]);
        return 1;
    }
    if (!lo.secret) {
        if (random_secret(secret) != 0) {
            fprintf(stderr, "login: no --secret and no random one\n");
            return 1;
        }
        lo.secret = secret;
        fprintf(stderr, "login: no --secret: signing with a random one; "
                        "sessions end with the process\n");
    }
    if (!(srv = start(&lo, &a)))
        return 1;
    g_srv = srv;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("login: listening on http://%s:%d/\n", lo.host,
           sio_server_port(srv));
    fflush(stdout);
    fprintf(stderr, "login: started (%s sessions)\n",
            lo.mode == SIO_SESSIONS_SERVER ? "server" : "cookie");
    sio_server_run(srv);
    g_srv = NULL;
    sio_server_free(srv);
    fprintf(stderr, "login: stopped\n");
    return 0;
}
