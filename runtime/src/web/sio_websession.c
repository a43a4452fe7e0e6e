/* sio_websession.c - the user's session (Flask's model) on both sides of
 * a sio_server: HTTP routes read and write the session of their request;
 * a Socket.IO connection gets a copy at connect (the fork), shared by its
 * namespaces, that only it changes. With the server-side store, a
 * connection reads the store (so it sees HTTP's later changes) until its
 * first own change, then keeps its fork. Users are the session's
 * "_user_id", as Flask-Login keeps it. */
#include "sio_web.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sio_cookie.h"

#define USER_KEY "_user_id"
#define STORE_ID_BYTES 24 /* 144 random bits, as base64url */

/* A connection's session state (its ext slot): its own copy once forked;
 * before, in server mode, the store id its handshake cookie named. */
typedef struct web_conn {
    json_t *fork;
    char *store_id;
} web_conn;

struct sio_websession {
    sio_session_opts o;
    char *secret, *cookie_name;
    sio_session_store *store; /* server mode */
    sio_user_loader loader;
    void *loader_ud;
};

void sio_session_opts_init(sio_session_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = SIO_SESSIONS_COOKIE;
    o->cookie_name = "session";
    o->max_age_s = SIO_COOKIE_FLASK_MAX_AGE;
    o->max_size = SIO_COOKIE_MAX_LEN;
}

static struct sio_websession *ws_new(sio_server *srv)
{
    sio_web *web = siop_web(srv);

    if (web && !web->sessions)
        web->sessions = calloc(1, sizeof *web->sessions);
    return web ? web->sessions : NULL;
}

/* The server's sessions, NULL when never configured. */
static struct sio_websession *ws_of(const sio_server *srv)
{
    sio_web *web = siop_web_get(srv);
    return web ? web->sessions : NULL;
}

/* A refused sio_server_sessions: the store it was given is stolen all
 * the same, unless it is the one already in use. */
static int refuse_store(struct sio_websession *ws, sio_session_store *st,
                        int rc)
{
    if (st && (!ws || st != ws->store))
        st->free(st);
    return rc;
}

int sio_server_sessions(sio_server *srv, const sio_session_opts *o)
{
    struct sio_websession *ws = ws_new(srv);

    if (!ws)
        return refuse_store(NULL, o->store, SIO_ENOMEM);
    if (!o->secret || !o->secret[0] || o->mode == SIO_SESSIONS_OFF)
        return refuse_store(ws, o->store, SIO_EINVAL);
    free(ws->secret);
    free(ws->cookie_name);
    ws->o = *o;
    ws->secret = strdup(o->secret);
    ws->cookie_name = strdup(o->cookie_name ? o->cookie_name : "session");
    if (!ws->secret || !ws->cookie_name)
        return refuse_store(ws, o->store, SIO_ENOMEM);
    if (ws->store && ws->store != o->store)
        ws->store->free(ws->store);
    ws->store = o->store;
    if (o->mode == SIO_SESSIONS_SERVER && !ws->store &&
        !(ws->store = sio_session_store_memory(o->max_age_s, 0)))
        return SIO_ENOMEM;
    /* The user is known by a cookie, which a browser sends with any
     * page's WebSocket: only allowed origins may open one. */
    eio_server_strict_origins(sio_server_engine(srv));
    if (!ws->o.max_age_s)
        ws->o.max_age_s = SIO_COOKIE_FLASK_MAX_AGE;
    if (!ws->o.max_size)
        ws->o.max_size = SIO_COOKIE_MAX_LEN;
    return 0;
}

int sio_server_user_loader(sio_server *srv, sio_user_loader fn, void *ud)
{
    struct sio_websession *ws = ws_new(srv);

    if (!ws)
        return SIO_ENOMEM;
    ws->loader = fn;
    ws->loader_ud = ud;
    return 0;
}

static bool enabled(const struct sio_websession *ws)
{
    return ws && ws->secret;
}

void siop_sessions_free(sio_web *web)
{
    struct sio_websession *ws = web->sessions;
    if (!ws)
        return;
    if (ws->store)
        ws->store->free(ws->store);
    free(ws->secret);
    free(ws->cookie_name);
    free(ws);
    web->sessions = NULL;
}

/* ---- the server-side store ----------------------------------------------- */

static char *new_store_id(void)
{
    char a[UTIL_ID_LEN + 1], b[UTIL_ID_LEN + 1], *id;

    /* Two ids: 240 bits, well over the 128 an unguessable id needs. */
    if (util_random_id(a) != 0 || util_random_id(b) != 0 ||
        !(id = malloc(2 * UTIL_ID_LEN + 1)))
        return NULL;
    memcpy(id, a, UTIL_ID_LEN);
    memcpy(id + UTIL_ID_LEN, b, UTIL_ID_LEN + 1);
    return id;
}

static void drop_store_id(struct sio_websession *ws, const char *id)
{
    json_t *empty;

    if (ws->store->remove) {
        ws->store->remove(ws->store, id);
    } else if ((empty = json_object())) {
        (void)ws->store->save(ws->store, id, empty);
        json_decref(empty);
    }
}

/* ---- the session a cookie names --------------------------------------------
 */

/* The session for a cookie value: new object, {} when absent or refused
 * (tampered, foreign, expired, malformed: one log line). *id gets the
 * store id in server mode (new string) when the cookie names one. */
static json_t *load(struct sio_websession *ws, const char *cookie, int level,
                    char **id)
{
    sio_error err;
    json_t *s = NULL;

    *id = NULL;
    if (!cookie || !*cookie)
        return json_object();
    if (ws->o.mode == SIO_SESSIONS_COOKIE) {
        s = sio_cookie_decode(cookie, strlen(cookie), ws->secret,
                              ws->o.max_age_s, util_now_s(), &err);
        if (!s)
            log_line(level, EIO_LOG_INFO, "session cookie refused: %s",
                     err.text);
        return s ? s : json_object();
    }
    s = ws->store->load(ws->store, cookie);
    if (s && (*id = strdup(cookie)))
        return s;
    json_decref(s);
    return json_object();
}

/* Would session fit the size limit once encoded? */
static bool fits(struct sio_websession *ws, const json_t *session)
{
    sio_error err;
    char *c;
    size_t n;

    if (ws->o.mode == SIO_SESSIONS_SERVER) {
        c = json_dumps(session, JSON_COMPACT);
        n = c ? strlen(c) : SIZE_MAX;
        free(c);
        return n <= ws->o.max_size;
    }
    c = sio_cookie_encode(session, ws->secret, util_now_s(), ws->o.max_size,
                          &err);
    free(c);
    return c != NULL;
}

/* Sets or removes key in *session (value stolen), refusing growth past
 * the size limit. */
static int session_set(struct sio_websession *ws, json_t *session,
                       const char *key, json_t *value)
{
    json_t *old = json_incref(json_object_get(session, key));
    int rc = value ? json_object_set_new(session, key, value)
                   : json_object_del(session, key);

    if (value && rc != 0) {
        json_decref(old);
        return SIO_ENOMEM;
    }
    if (ws && enabled(ws) && !fits(ws, session)) {
        /* Put it back as it was: no half-done change. */
        if (old)
            json_object_set(session, key, old);
        else
            json_object_del(session, key);
        json_decref(old);
        return SIO_ELIMIT;
    }
    json_decref(old);
    return 0;
}

/* ---- HTTP: the session of a request
 * ------------------------------------------ */

static json_t *req_session(sio_req *r)
{
    struct sio_websession *ws = ws_of(r->srv);

    if (!r->session_loaded) {
        r->session_loaded = true;
        r->session = enabled(ws)
                         ? load(ws, sio_req_cookie(r, ws->cookie_name),
                                siop_ext_log_level(r->srv), &r->session_id)
                         : json_object();
    }
    return r->session;
}

json_t *sio_req_session_get(sio_req *r, const char *key)
{
    return json_object_get(req_session(r), key);
}

int sio_req_session_set(sio_req *r, const char *key, json_t *value)
{
    json_t *s = req_session(r);
    int rc;

    if (!s) {
        json_decref(value);
        return SIO_ENOMEM;
    }
    rc = session_set(ws_of(r->srv), s, key, value);
    if (rc == 0)
        r->session_dirty = true;
    else if (rc == SIO_ELIMIT) /* refused now, not a cookie lost later */
        log_line(siop_ext_log_level(r->srv), EIO_LOG_INFO,
                 "session over its size limit (%zu bytes): \"%s\" not set",
                 ws_of(r->srv)->o.max_size, key);
    return rc;
}

static void set_cookie(sio_req *r, const char *value, bool remove)
{
    struct sio_websession *ws = ws_of(r->srv);
    sio_cookie_attrs a;
    char line[4400];

    sio_cookie_attrs_init(&a);
    a.secure = ws->o.secure;
    if (remove)
        a.max_age_s = 0;
    if (sio_set_cookie_format(ws->cookie_name, value, &a, line, sizeof line) >=
        0)
        sio_req_add_header(r, "set-cookie", line);
}

int siop_session_req_save(sio_req *r)
{
    struct sio_websession *ws = ws_of(r->srv);
    sio_error err;
    char *c;
    int rc;

    if (!r->session_dirty || !enabled(ws))
        return 0;
    r->session_dirty = false;
    if (ws->o.mode == SIO_SESSIONS_SERVER) {
        char *old = NULL;
        bool fresh;
        /* Login and logout move the session to a new id and drop the old
         * one: an id the client held before (one an attacker may have
         * planted, or copied) must not become, or stay, a logged-in one. */
        if (r->session_rotate) {
            old = r->session_id;
            r->session_id = NULL;
        }
        fresh = !r->session_id;
        if (fresh && !(r->session_id = new_store_id())) {
            r->session_id = old;
            return SIO_ENOMEM;
        }
        rc = ws->store->save(ws->store, r->session_id, r->session);
        if (rc == 0) {
            if (fresh)
                set_cookie(r, r->session_id, false);
            if (old)
                drop_store_id(ws, old);
        } else {
            log_line(siop_ext_log_level(r->srv), EIO_LOG_WARN,
                     "session not saved: %s", sio_strerror(rc));
        }
        free(old);
        return rc;
    }
    if (json_object_size(r->session) == 0) {
        set_cookie(r, "", true); /* as Flask: an empty session is removed */
        return 0;
    }
    c = sio_cookie_encode(r->session, ws->secret, util_now_s(), ws->o.max_size,
                          &err);
    if (c)
        set_cookie(r, c, false);
    free(c);
    return c ? 0 : SIO_ENOMEM;
}

void siop_session_req_fini(sio_req *r)
{
    json_decref(r->session);
    free(r->session_id);
}

/* ---- Socket.IO: the connection's fork
 * ----------------------------------------- */

void *siop_session_conn_open(sio_web *web, eio_session *es)
{
    struct sio_websession *ws = web->sessions;
    const char *h = eio_session_header(es, "cookie");
    char value[SIO_WEB_COOKIE_BUF];
    web_conn *wc;

    if (!enabled(ws) || !h ||
        sio_cookie_get(h, ws->cookie_name, value, sizeof value) < 0 ||
        !(wc = calloc(1, sizeof *wc)))
        return NULL;
    if (ws->o.mode == SIO_SESSIONS_COOKIE) {
        char *unused;
        wc->fork = load(ws, value, siop_ext_log_level(web->srv), &unused);
        free(unused);
        return wc;
    }
    /* Server mode: not forked yet; reads go to the store. */
    wc->store_id = strdup(value);
    return wc;
}

void siop_session_conn_free(void *conn)
{
    web_conn *wc = conn;

    if (!wc)
        return;
    json_decref(wc->fork);
    free(wc->store_id);
    free(wc);
}

/* What the connection's handlers read: its fork, else the store's
 * current value (read once per call, kept until the call ends). */
static json_t *conn_view(sio_ctx *ctx, web_conn *wc)
{
    struct sio_websession *ws = ws_of(sio_ctx_server(ctx));
    void **call;

    if (!wc)
        return NULL;
    if (wc->fork)
        return wc->fork;
    if (!wc->store_id || !enabled(ws))
        return NULL;
    call = siop_ext_call(ctx);
    if (!*call)
        *call = ws->store->load(ws->store, wc->store_id);
    return *call;
}

json_t *sio_ctx_session_get(sio_ctx *ctx, const char *key)
{
    void **slot = siop_ext_conn(ctx);
    json_t *s = slot ? conn_view(ctx, *slot) : NULL;
    return s ? json_object_get(s, key) : NULL;
}

int sio_ctx_session_set(sio_ctx *ctx, const char *key, json_t *value)
{
    void **slot = siop_ext_conn(ctx);
    web_conn *wc;
    json_t *view;

    if (!slot) {
        json_decref(value);
        return SIO_ECLOSED;
    }
    /* The web extension frees the slot with the connection: install it
     * before the slot gets anything. */
    if (!*slot && (!siop_web(sio_ctx_server(ctx)) ||
                   !(*slot = calloc(1, sizeof(web_conn))))) {
        json_decref(value);
        return SIO_ENOMEM;
    }
    wc = *slot;
    if (!wc->fork) { /* the first change: fork now */
        view = conn_view(ctx, wc);
        wc->fork = view ? json_deep_copy(view) : json_object();
        if (!wc->fork) {
            json_decref(value);
            return SIO_ENOMEM;
        }
    }
    return session_set(ws_of(sio_ctx_server(ctx)), wc->fork, key, value);
}

/* ---- users
 * ------------------------------------------------------------------------ */

/* No id to rotate here: a connection's changes go to its own fork, never
 * to the store, so a login over Socket.IO cannot log in the id its
 * cookie named (nor its other holders). */
int sio_ctx_login(sio_ctx *ctx, const char *user_id)
{
    json_t *v = user_id ? json_string(user_id) : NULL;
    return v ? sio_ctx_session_set(ctx, USER_KEY, v) : SIO_EINVAL;
}

void sio_ctx_logout(sio_ctx *ctx)
{
    if (sio_ctx_user_id(ctx))
        (void)sio_ctx_session_set(ctx, USER_KEY, NULL);
}

const char *sio_ctx_user_id(const sio_ctx *ctx)
{
    return json_string_value(sio_ctx_session_get((sio_ctx *)ctx, USER_KEY));
}

static void *load_user(sio_server *srv, const char *id)
{
    struct sio_websession *ws = ws_of(srv);
    return id && ws && ws->loader ? ws->loader(srv, id, ws->loader_ud) : NULL;
}

void *sio_ctx_user(sio_ctx *ctx)
{
    return load_user(sio_ctx_server(ctx), sio_ctx_user_id(ctx));
}

bool siop_ctx_authenticated_user(sio_ctx *ctx)
{
    const char *id = sio_ctx_user_id(ctx);
    struct sio_websession *ws = ws_of(sio_ctx_server(ctx));

    if (!id)
        return false;
    return !(ws && ws->loader) || load_user(sio_ctx_server(ctx), id) != NULL;
}

int sio_req_login(sio_req *r, const char *user_id)
{
    json_t *v = user_id ? json_string(user_id) : NULL;
    int rc = v ? sio_req_session_set(r, USER_KEY, v) : SIO_EINVAL;

    if (rc == 0)
        r->session_rotate = true;
    return rc;
}

void sio_req_logout(sio_req *r)
{
    if (sio_req_user_id(r) && sio_req_session_set(r, USER_KEY, NULL) == 0)
        r->session_rotate = true;
}

const char *sio_req_user_id(sio_req *r)
{
    return json_string_value(sio_req_session_get(r, USER_KEY));
}

void *sio_req_user(sio_req *r)
{
    return load_user(r->srv, sio_req_user_id(r));
}

/* ---- tokens
 * ------------------------------------------------------------------------- */

char *sio_server_token_sign(sio_server *srv, const char *salt,
                            const json_t *payload)
{
    sio_error err;

    if (!enabled(ws_of(srv)))
        return NULL;
    return sio_token_sign(ws_of(srv)->secret, salt, payload, util_now_s(),
                          &err);
}

json_t *sio_server_token_verify(sio_server *srv, const char *salt,
                                const char *token, int64_t max_age_s)
{
    sio_error err;

    if (!enabled(ws_of(srv)) || !token)
        return NULL;
    return sio_token_verify(token, strlen(token), ws_of(srv)->secret, salt,
                            max_age_s, util_now_s(), &err);
}
