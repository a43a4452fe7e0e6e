/* sio_admin.c - the admin UI's server side (sio_admin.h): its namespace
 * and login, the sockets as the UI expects them (serialize), events as
 * they happen (an observer of the server), stats on a timer, and the
 * UI's actions (emit, join, leave, disconnect). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sio_admin.h"

#include "log.h"
#include "util.h"

#define DIGEST_LEN 32
#define CLIENT_ID_LEN 12 /* the UI shows the Engine.IO id cut to this */

typedef char session_id[UTIL_ID_LEN + 1];

typedef struct admin {
    sio_server *srv;
    sio_namespace *ns;
    bool auth, readonly;
    unsigned char user_digest[DIGEST_LEN], pass_digest[DIGEST_LEN];
    char *server_id;
    char hostname[256];
    unsigned interval_ms;
    int log_level;
    eio_timer *stats;
    int64_t started_ms;
    size_t clients, polling;
    json_t *agg; /* "ms;type;subType" -> {timestamp, type, subType, count} */
    session_id *sessions; /* a ring of max_sessions */
    size_t nsessions, max_sessions, next_session;
} admin;

void sio_admin_options_init(sio_admin_options *o)
{
    memset(o, 0, sizeof *o);
    o->namespace_name = "/admin";
    o->stats_interval_ms = 2000;
    o->max_sessions = 100;
    o->log_level = EIO_LOG_INFO;
}

/* ---- small helpers ---------------------------------------------------- */

static bool digest(const char *s, unsigned char out[DIGEST_LEN])
{
    unsigned n = DIGEST_LEN;

    return EVP_Digest(s, strlen(s), out, &n, EVP_sha256(), NULL) == 1;
}

/* A JavaScript Date as JSON.stringify writes it (UTC, milliseconds). */
static json_t *iso_date(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char buf[64], out[80];

    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, sizeof out, "%s.%03dZ", buf, (int)(ms % 1000));
    return json_string(out);
}

static json_t *now_date(void)
{
    return iso_date(util_now_ms());
}

/* A Date's toString(), as socket.io puts it in handshake.time. */
static json_t *date_string(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char buf[96];

    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf,
             "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)", &tm);
    return json_string(buf);
}

static bool is_admin(const admin *a, const sio_socket *s)
{
    return sio_socket_namespace(s) == a->ns;
}

static size_t watchers(const admin *a)
{
    return sio_namespace_sockets(a->ns, NULL, 0);
}

/* Emits to every admin socket (args stolen). */
static void tell(admin *a, const char *event, json_t *args)
{
    if (!args) {
        log_line(a->log_level, EIO_LOG_WARN,
                 "admin: %s: not sent (out of memory, or a name not UTF-8)",
                 event);
        return;
    }
    (void)sio_emit_to(sio_all(a->ns), event, args);
}

/* ---- sockets as the UI sees them ------------------------------------ */

static void url_append(char *out, size_t cap, size_t *len, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s && *len + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || strchr("-_.~", c)) {
            out[(*len)++] = (char)c;
        } else {
            out[(*len)++] = '%';
            out[(*len)++] = hex[c >> 4];
            out[(*len)++] = hex[c & 15];
        }
    }
    out[*len] = '\0';
}

/* The handshake's path and query, as a request URL. */
static json_t *handshake_url(const eio_session *es)
{
    const char *const *q;
    size_t n = eio_session_queries(es, &q), len = 0;
    const char *path = eio_session_path(es);
    char out[2048];

    len = (size_t)snprintf(out, sizeof out, "%s", path ? path : "/");
    if (len >= sizeof out)
        len = sizeof out - 1;
    for (size_t i = 0; i < n && len + 2 < sizeof out; i++) {
        out[len++] = i ? '&' : '?';
        url_append(out, sizeof out, &len, q[2 * i]);
        if (len + 2 < sizeof out)
            out[len++] = '=';
        url_append(out, sizeof out, &len, q[2 * i + 1]);
    }
    out[len] = '\0';
    return json_string(out);
}

static json_t *pairs_object(const char *const *p, size_t n)
{
    json_t *o = json_object();

    for (size_t i = 0; o && i < n; i++)
        json_object_set_new(o, p[2 * i], json_string(p[2 * i + 1]));
    return o;
}

static json_t *handshake(const admin *a, const sio_socket *s,
                         const eio_session *es)
{
    const char *const *p;
    size_t nh = eio_session_headers(es, &p);
    json_t *headers = pairs_object(p, nh), *query;
    /* The client's address as the server believes it (X-Forwarded-For
     * only from trusted proxies), not as any header claims. */
    const char *addr = eio_session_remote_addr(es);
    int64_t at = sio_socket_connected_at(s);

    nh = eio_session_queries(es, &p);
    query = pairs_object(p, nh);
    return json_pack("{s:s?, s:o*, s:o*, s:I, s:b, s:o*, s:o*, s:b}", "address",
                     addr, "headers", headers, "query", query, "issued",
                     (json_int_t)at, "secure",
                     eio_server_tls(sio_server_engine(a->srv)), "time",
                     date_string(at), "url", handshake_url(es), "xdomain",
                     eio_session_header(es, "origin") != NULL);
}

static json_t *rooms_of(const sio_socket *s)
{
    const char *few[32], **r = few;
    size_t n = sio_socket_rooms(s, few, 32);
    json_t *out;

    if (n > 32) {
        if (!(r = malloc(n * sizeof *r)))
            return NULL;
        n = sio_socket_rooms(s, r, n);
    }
    out = json_array();
    for (size_t i = 0; out && i < n; i++)
        json_array_append_new(out, json_string(r[i]));
    if (r != few)
        free(r);
    return out;
}

/* A socket as the package serializes it (its data is always {}: a
 * sio_socket's data is the application's pointer, not JSON). */
static json_t *serialize(const admin *a, sio_socket *s)
{
    eio_session *es = sio_socket_session(s);
    char client_id[CLIENT_ID_LEN + 1] = "";

    if (es)
        snprintf(client_id, sizeof client_id, "%s", eio_session_id(es));
    return json_pack("{s:s, s:s, s:s?, s:s, s:{}, s:o*, s:o*}", "id",
                     sio_socket_sid(s), "clientId", client_id, "transport",
                     es ? eio_session_transport(es) : NULL, "nsp",
                     sio_namespace_name(sio_socket_namespace(s)), "data",
                     "handshake", es ? handshake(a, s, es) : json_object(),
                     "rooms", rooms_of(s));
}

static json_t *all_sockets(const admin *a)
{
    json_t *out = json_array();
    sio_namespace *ns;

    for (size_t i = 0; out && sio_server_next_namespace(a->srv, &i, &ns);) {
        size_t n = sio_namespace_sockets(ns, NULL, 0), got;
        sio_socket **v = malloc((n + 1) * sizeof *v);
        if (!v) {
            json_decref(out);
            return NULL;
        }
        got = sio_namespace_sockets(ns, v, n);
        for (size_t k = 0; k < got && k < n; k++)
            json_array_append_new(out, serialize(a, v[k]));
        free(v);
    }
    return out;
}

/* ---- stats ------------------------------------------------------------ */

/* Counts an aggregated event in the bucket of the current second. */
static void agg_push(admin *a, const char *type, const char *sub, size_t n)
{
    int64_t sec = util_now_ms() / 1000 * 1000;
    char key[160];
    json_t *e;

    snprintf(key, sizeof key, "%lld;%s;%s", (long long)sec, type,
             sub ? sub : "undefined");
    e = json_object_get(a->agg, key);
    if (e) {
        json_t *c = json_object_get(e, "count");
        json_integer_set(c, json_integer_value(c) + (json_int_t)n);
        return;
    }
    e = json_pack("{s:I, s:s, s:I}", "timestamp", (json_int_t)sec, "type", type,
                  "count", (json_int_t)n);
    if (e && sub) /* absent, not null, as the package leaves it */
        json_object_set_new(e, "subType", json_string(sub));
    if (e)
        json_object_set_new(a->agg, key, e);
}

static json_t *namespaces(const admin *a)
{
    json_t *out = json_array();
    sio_namespace *ns;

    for (size_t i = 0; out && sio_server_next_namespace(a->srv, &i, &ns);)
        json_array_append_new(
            out, json_pack("{s:s, s:I}", "name", sio_namespace_name(ns),
                           "socketsCount",
                           (json_int_t)sio_namespace_sockets(ns, NULL, 0)));
    return out;
}

/* server_stats; take: the aggregated events go (and are cleared), else
 * an empty list. */
static json_t *stats(admin *a, bool take)
{
    json_t *agg = json_array(), *v;
    const char *k;

    if (take && agg) {
        json_object_foreach(a->agg, k, v) json_array_append(agg, v);
        json_object_clear(a->agg);
    }
    return json_pack(
        "{s:s, s:s, s:I, s:f, s:I, s:I, s:o*, s:o*}", "serverId", a->server_id,
        "hostname", a->hostname, "pid", (json_int_t)getpid(), "uptime",
        (double)(util_now_ms() - a->started_ms) / 1000.0, "clientsCount",
        (json_int_t)a->clients, "pollingClientsCount", (json_int_t)a->polling,
        "aggregatedEvents", agg, "namespaces", namespaces(a));
}

static void on_stats(eio_timer *t, void *ud)
{
    admin *a = ud;

    tell(a, "server_stats", json_pack("[o*]", stats(a, true)));
    eio_timer_start(t, a->interval_ms);
}

/* ---- the observer ---------------------------------------------------- */

static void ob_conn_open(eio_session *es, void *ud)
{
    admin *a = ud;

    a->clients++;
    if (strcmp(eio_session_transport(es), "polling") == 0)
        a->polling++;
    if (eio_timer_active(a->stats))
        agg_push(a, "rawConnection", NULL, 1);
}

static void ob_conn_upgraded(eio_session *es, void *ud)
{
    admin *a = ud;

    if (a->polling)
        a->polling--;
}

static void ob_conn_close(eio_session *es, sio_reason why, void *ud)
{
    admin *a = ud;

    if (a->clients)
        a->clients--;
    if (strcmp(eio_session_transport(es), "polling") == 0 && a->polling)
        a->polling--;
    if (eio_timer_active(a->stats))
        agg_push(a, "rawDisconnection", sio_reason_str(why), 1);
}

static void ob_upgraded(sio_socket *s, void *ud)
{
    admin *a = ud;

    if (watchers(a))
        tell(a, "socket_updated",
             json_pack("[{s:s, s:s, s:s}]", "id", sio_socket_sid(s), "nsp",
                       sio_namespace_name(sio_socket_namespace(s)), "transport",
                       "websocket"));
}

/* A new admin socket gets the features, every socket and the stats. */
static void welcome(admin *a, sio_socket *s)
{
    json_t *f = a->readonly
                    ? json_array()
                    : json_pack("[s,s,s,s,s,s,s]", "EMIT", "JOIN", "LEAVE",
                                "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT");

    if (f) {
        json_array_append_new(f, json_string("AGGREGATED_EVENTS"));
        json_array_append_new(f, json_string("ALL_EVENTS"));
    }
    (void)sio_emit(s, "config", json_pack("[{s:o*}]", "supportedFeatures", f));
    (void)sio_emit(s, "all_sockets", json_pack("[o*]", all_sockets(a)));
    (void)sio_emit(s, "server_stats", json_pack("[o*]", stats(a, false)));
    if (!eio_timer_active(a->stats))
        eio_timer_start(a->stats, a->interval_ms);
}

static void room_event(admin *a, const char *event, sio_socket *s,
                       const char *room);

/* As socket.io: its rooms as joined (its sid's at least), then the
 * socket itself. */
static void ob_connected(sio_socket *s, void *ud)
{
    admin *a = ud;
    json_t *rooms, *r;
    size_t i;

    if (watchers(a)) {
        rooms = rooms_of(s);
        json_array_foreach(rooms, i, r)
            room_event(a, "room_joined", s, json_string_value(r));
        json_decref(rooms);
        tell(a, "socket_connected",
             json_pack("[o*,o*]", serialize(a, s), now_date()));
    }
    if (is_admin(a, s))
        welcome(a, s);
}

static void ob_disconnected(sio_socket *s, sio_reason why, void *ud)
{
    admin *a = ud;

    if (!watchers(a)) { /* nobody left to tell: stats stop */
        eio_timer_stop(a->stats);
        json_object_clear(a->agg);
        return;
    }
    tell(a, "socket_disconnected",
         json_pack("[s,s,s,o*]", sio_namespace_name(sio_socket_namespace(s)),
                   sio_socket_sid(s), sio_reason_str(why), now_date()));
}

static void room_event(admin *a, const char *event, sio_socket *s,
                       const char *room)
{
    if (watchers(a))
        tell(a, event,
             json_pack("[s,s,s,o*]",
                       sio_namespace_name(sio_socket_namespace(s)), room,
                       sio_socket_sid(s), now_date()));
}

static void ob_joined(sio_socket *s, const char *room, void *ud)
{
    room_event(ud, "room_joined", s, room);
}

static void ob_left(sio_socket *s, const char *room, void *ud)
{
    room_event(ud, "room_left", s, room);
}

static void packet_event(admin *a, const char *event, sio_socket *s,
                         json_t *packet)
{
    if (!is_admin(a, s) && watchers(a))
        tell(a, event,
             json_pack("[s,s,O,o*]",
                       sio_namespace_name(sio_socket_namespace(s)),
                       sio_socket_sid(s), packet, now_date()));
}

static void ob_received(sio_socket *s, json_t *packet, void *ud)
{
    packet_event(ud, "event_received", s, packet);
}

static void ob_sent(sio_socket *s, json_t *packet, void *ud)
{
    packet_event(ud, "event_sent", s, packet);
}

static void ob_message(bool in, size_t len, void *ud)
{
    admin *a = ud;

    if (!eio_timer_active(a->stats))
        return;
    agg_push(a, in ? "packetsIn" : "packetsOut", NULL, 1);
    agg_push(a, in ? "bytesIn" : "bytesOut", NULL, len);
}

static void ob_free(void *ud)
{
    admin *a = ud;

    eio_timer_free(a->stats);
    json_decref(a->agg);
    free(a->sessions);
    free(a->server_id);
    free(a);
}

static const sio_observer observer = {
    .conn_open = ob_conn_open,
    .conn_upgraded = ob_conn_upgraded,
    .upgraded = ob_upgraded,
    .conn_close = ob_conn_close,
    .connected = ob_connected,
    .disconnected = ob_disconnected,
    .joined = ob_joined,
    .left = ob_left,
    .received = ob_received,
    .sent = ob_sent,
    .message = ob_message,
    .free = ob_free,
};

/* ---- login ---------------------------------------------------------- */

static bool session_known(const admin *a, const char *id)
{
    for (size_t i = 0; i < a->nsessions; i++)
        if (CRYPTO_memcmp(a->sessions[i], id, UTIL_ID_LEN + 1) == 0)
            return true;
    return false;
}

static const char *session_new(admin *a)
{
    char *id = a->sessions[a->next_session];

    if (util_random_id(id) != 0)
        return NULL;
    a->next_session = (a->next_session + 1) % a->max_sessions;
    if (a->nsessions < a->max_sessions)
        a->nsessions++;
    return id;
}

/* Both fields compared in full, in constant time (of their digests). */
static bool credentials_ok(const admin *a, const json_t *auth)
{
    const char *u = json_string_value(json_object_get(auth, "username"));
    const char *p = json_string_value(json_object_get(auth, "password"));
    unsigned char du[DIGEST_LEN], dp[DIGEST_LEN];
    int bad;

    if (!digest(u ? u : "", du) || !digest(p ? p : "", dp))
        return false;
    bad = CRYPTO_memcmp(du, a->user_digest, DIGEST_LEN) |
          CRYPTO_memcmp(dp, a->pass_digest, DIGEST_LEN);
    return u && p && !bad;
}

static int on_admin_connect(sio_ctx *ctx, json_t *auth, void *ud)
{
    admin *a = ud;
    const char *sid = json_string_value(json_object_get(auth, "sessionId"));
    const char *id;

    if (!a->auth)
        return 0;
    if (sid && strlen(sid) == UTIL_ID_LEN && session_known(a, sid))
        return 0;
    if (credentials_ok(a, auth)) {
        id = session_new(a);
        if (id)
            (void)sio_emit(sio_ctx_socket(ctx), "session",
                           json_pack("[s]", id));
        return 0;
    }
    log_line(a->log_level, EIO_LOG_INFO, "admin: invalid credentials from %s",
             sio_ctx_remote_addr(ctx) ? sio_ctx_remote_addr(ctx) : "-");
    sio_refuse(ctx, "invalid credentials", NULL);
    return -1;
}

/* ---- the UI's actions ------------------------------------------------- */

static sio_namespace *find_ns(const admin *a, const char *name)
{
    sio_namespace *ns;

    for (size_t i = 0; name && sio_server_next_namespace(a->srv, &i, &ns);)
        if (strcmp(sio_namespace_name(ns), name) == 0)
            return ns;
    return NULL;
}

/* The sockets of ns in room filter (every socket of ns when filter is
 * NULL or empty), each referenced: release with unpick. */
static sio_socket **pick(sio_namespace *ns, const char *filter, size_t *n)
{
    bool all = !filter || !*filter;
    size_t k = all ? sio_namespace_sockets(ns, NULL, 0)
                   : sio_room_sockets(ns, filter, NULL, 0);
    sio_socket **v = malloc((k + 1) * sizeof *v);

    if (!v)
        return NULL;
    *n = all ? sio_namespace_sockets(ns, v, k)
             : sio_room_sockets(ns, filter, v, k);
    if (*n > k)
        *n = k;
    for (size_t i = 0; i < *n; i++)
        sio_socket_ref(v[i]);
    return v;
}

static void unpick(sio_socket **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sio_socket_unref(v[i]);
    free(v);
}

/* args[0] names an existing namespace, else one log line and NULL. */
static sio_namespace *action_ns(admin *a, sio_ctx *ctx, json_t *args)
{
    const char *name = json_string_value(json_array_get(args, 0));
    sio_namespace *ns = find_ns(a, name);

    if (!ns)
        log_line(a->log_level, EIO_LOG_INFO, "admin %s: %s: no such namespace",
                 sio_ctx_sid(ctx), sio_ctx_event(ctx));
    return ns;
}

/* The room filter at args[i]: absent, null, false or "" mean every
 * socket of the namespace (*out NULL or ""), a string names a room;
 * anything else is refused (one log line), rather than taken as "all". */
static bool filter_arg(admin *a, sio_ctx *ctx, json_t *args, size_t i,
                       const char **out)
{
    json_t *v = json_array_get(args, i);

    *out = json_string_value(v);
    if (!v || json_is_null(v) || json_is_false(v) || *out)
        return true;
    log_line(a->log_level, EIO_LOG_INFO,
             "admin %s: %s: the filter is not a room", sio_ctx_sid(ctx),
             sio_ctx_event(ctx));
    return false;
}

static void on_emit(sio_ctx *ctx, json_t *args, void *ud)
{
    admin *a = ud;
    sio_namespace *ns = action_ns(a, ctx, args);
    const char *filter;
    const char *event = json_string_value(json_array_get(args, 2));
    json_t *rest;
    sio_target t;

    if (!ns || !filter_arg(a, ctx, args, 1, &filter))
        return;
    rest = json_array();
    for (size_t i = 3; rest && i < json_array_size(args); i++)
        json_array_append(rest, json_array_get(args, i));
    t = sio_all(ns);
    if (filter && *filter)
        t = sio_to(t, filter);
    if (!rest || sio_emit_to(t, event, rest) != 0)
        log_line(a->log_level, EIO_LOG_INFO, "admin %s: emit refused",
                 sio_ctx_sid(ctx));
}

/* join, leave: [nsp, room, filter]. */
static void rooms_action(sio_ctx *ctx, json_t *args, admin *a, bool join)
{
    sio_namespace *ns = action_ns(a, ctx, args);
    const char *room = json_string_value(json_array_get(args, 1));
    const char *filter;
    sio_socket **v;
    size_t n = 0;

    if (!ns || !filter_arg(a, ctx, args, 2, &filter))
        return;
    if (!room) {
        log_line(a->log_level, EIO_LOG_INFO, "admin %s: %s: no room",
                 sio_ctx_sid(ctx), sio_ctx_event(ctx));
        return;
    }
    if (!(v = pick(ns, filter, &n)))
        return;
    for (size_t i = 0; i < n; i++)
        (void)(join ? sio_join(v[i], room) : sio_leave(v[i], room));
    unpick(v, n);
}

static void on_join(sio_ctx *ctx, json_t *args, void *ud)
{
    rooms_action(ctx, args, ud, true);
}

static void on_leave(sio_ctx *ctx, json_t *args, void *ud)
{
    rooms_action(ctx, args, ud, false);
}

/* _disconnect: [nsp, close, filter]; close ends the whole connection. */
static void on_disconnect_action(sio_ctx *ctx, json_t *args, void *ud)
{
    admin *a = ud;
    sio_namespace *ns = action_ns(a, ctx, args);
    bool close = json_is_true(json_array_get(args, 1));
    const char *filter;
    sio_socket **v;
    size_t n = 0;

    if (!ns || !filter_arg(a, ctx, args, 2, &filter) ||
        !(v = pick(ns, filter, &n)))
        return;
    for (size_t i = 0; i < n; i++) {
        if (!sio_socket_connected(v[i]))
            continue;
        if (close)
            sio_socket_close_connection(v[i]);
        else
            sio_disconnect(v[i]);
    }
    unpick(v, n);
}

/* ---- attach ----------------------------------------------------------- */

static int check_options(const sio_admin_options *o)
{
    if ((o->password && !o->username) || (o->username && !o->password) ||
        (o->username && !*o->username) || !o->namespace_name ||
        o->namespace_name[0] != '/' || !o->max_sessions ||
        !o->stats_interval_ms)
        return SIO_EINVAL;
    return 0;
}

static int setup(admin *a, const sio_admin_options *o)
{
    static const struct {
        const char *name;
        sio_event_fn fn;
    } actions[] = {{"emit", on_emit},
                   {"join", on_join},
                   {"leave", on_leave},
                   {"_disconnect", on_disconnect_action}};
    int rc;

    if (a->auth && (!digest(o->username, a->user_digest) ||
                    !digest(o->password, a->pass_digest)))
        return SIO_ENOMEM;
    rc = sio_namespace_on_connect(a->ns, on_admin_connect, a);
    for (size_t i = 0; !rc && !o->readonly && i < 4; i++)
        rc = sio_namespace_on(a->ns, actions[i].name, actions[i].fn, a);
    return rc;
}

int sio_admin_attach(sio_server *srv, const sio_admin_options *o)
{
    admin *a;
    int rc;

    if (!srv || !o || check_options(o) != 0)
        return SIO_EINVAL;
    if (!(a = calloc(1, sizeof *a)))
        return SIO_ENOMEM;
    a->srv = srv;
    a->auth = o->username != NULL;
    a->readonly = o->readonly;
    a->interval_ms = o->stats_interval_ms;
    a->log_level = o->log_level;
    a->max_sessions = o->max_sessions;
    a->started_ms = util_now_ms();
    if (gethostname(a->hostname, sizeof a->hostname - 1) != 0)
        strcpy(a->hostname, "localhost");
    a->server_id = strdup(o->server_id ? o->server_id : a->hostname);
    a->sessions = calloc(a->max_sessions, sizeof *a->sessions);
    a->agg = json_object();
    a->stats = eio_timer_new(sio_server_engine(srv), on_stats, a);
    a->ns = sio_server_of(srv, o->namespace_name);
    if (!a->server_id || !a->sessions || !a->agg || !a->stats || !a->ns) {
        ob_free(a);
        return SIO_ENOMEM;
    }
    rc = sio_server_observe(srv, &observer, a);
    if (rc != 0) {
        ob_free(a);
        return rc;
    }
    /* From here the server owns a (ob_free), handlers set or not. */
    return setup(a, o);
}
