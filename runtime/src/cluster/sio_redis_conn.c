/* sio_redis_conn.c - the two Redis connections of a cluster object (one
 * publishes and asks, one is subscribed) on the server's libev loop:
 * connecting, reconnecting with a bounded backoff, subscribing again,
 * and handing each message to its namespace's adapter. */
#include "redis_internal.h"

#include <hiredis/adapters/libev.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

static void connect_missing(sio_redis *r);

void siop_redis_log_drop(sio_redis *r, const char *chan, const char *why,
                         const void *msg, size_t len)
{
    char sample[LOG_SAMPLE_MAX];

    log_line(r->log_level, EIO_LOG_WARN,
             "redis: channel %.100s: dropped %zu bytes (%s): %s", chan, len,
             why, log_sample(msg, len < 64 ? len : 64, sample));
}

/* ---- reconnection ---------------------------------------------------- */

static void retry_fire(eio_timer *t, void *ud)
{
    (void)t;
    connect_missing(ud);
}

static void schedule_retry(sio_redis *r)
{
    if (r->closing || eio_timer_active(r->retry))
        return;
    eio_timer_start(r->retry, r->backoff_ms);
    r->backoff_ms = r->backoff_ms * 2 > r->opt.retry_max_ms
                        ? r->opt.retry_max_ms
                        : r->backoff_ms * 2;
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    sio_redis *r = ac->data;
    bool sub = ac == r->sub;
    map_entry *e;

    if (status != REDIS_OK) { /* hiredis frees ac after this */
        *(sub ? &r->sub : &r->pub) = NULL;
        r->cur++; /* the next address, if the name has several */
        if (!r->warned)
            log_line(r->log_level, EIO_LOG_WARN,
                     "redis: cannot connect to %s:%d (%s); retrying",
                     r->url.host, r->url.port, ac->errstr);
        r->warned = true;
        schedule_retry(r);
        return;
    }
    *(sub ? &r->sub_up : &r->pub_up) = true;
    if (r->sub_up && r->pub_up) {
        r->warned = false;
        r->backoff_ms = r->opt.retry_min_ms;
        log_line(r->log_level, EIO_LOG_INFO, "redis: connected to %s:%d",
                 r->url.host, r->url.port);
    }
    if (sub)
        for (size_t i = 0; map_next(&r->nsps, &i, &e);)
            siop_redis_subscribe(r, e->value);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    sio_redis *r = ac->data;
    bool sub = ac == r->sub;
    (void)status;

    *(sub ? &r->sub : &r->pub) = NULL;
    *(sub ? &r->sub_up : &r->pub_up) = false;
    if (r->closing)
        return;
    if (!r->warned)
        log_line(r->log_level, EIO_LOG_WARN,
                 "redis: connection lost (%s); local delivery goes on, "
                 "reconnecting",
                 ac->errstr[0] ? ac->errstr : "closed");
    r->warned = true;
    /* Answers to requests published on one connection arrive on the
     * other: any loss ends them all. */
    siop_redis_fail_all(r);
    schedule_retry(r);
}

/* A refused AUTH: one log line per outage, and the connection is
 * dropped, so that it is tried again (the password may be set later). */
static void on_auth(redisAsyncContext *ac, void *reply, void *priv)
{
    redisReply *m = reply;
    sio_redis *r = priv;

    if (!m || m->type != REDIS_REPLY_ERROR)
        return;
    if (!r->warned)
        log_line(r->log_level, EIO_LOG_WARN, "redis: AUTH refused: %.200s",
                 m->str);
    r->warned = true;
    redisAsyncDisconnect(ac);
}

/* The host's addresses (up to 4), looked up (blocking) until once it
 * worked; a name whose addresses change later needs a restart. */
static void resolve(sio_redis *r)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;

    if (getaddrinfo(r->url.host, NULL, &hints, &ai) != 0)
        return;
    for (struct addrinfo *p = ai; p && r->naddrs < 4; p = p->ai_next) {
        const void *a =
            p->ai_family == AF_INET6
                ? (const void *)&((struct sockaddr_in6 *)p->ai_addr)->sin6_addr
                : (const void *)&((struct sockaddr_in *)p->ai_addr)->sin_addr;
        if ((p->ai_family == AF_INET || p->ai_family == AF_INET6) &&
            inet_ntop(p->ai_family, a, r->addrs[r->naddrs], sizeof r->addrs[0]))
            r->naddrs++;
    }
    freeaddrinfo(ai);
}

static const char *address(sio_redis *r)
{
    if (!r->naddrs)
        resolve(r);
    return r->naddrs ? r->addrs[r->cur % r->naddrs] : r->url.host;
}

static redisAsyncContext *connect_one(sio_redis *r)
{
    redisAsyncContext *ac = redisAsyncConnect(address(r), r->url.port);

    if (!ac)
        return NULL;
    if (ac->err) {
        redisAsyncFree(ac);
        return NULL;
    }
    ac->data = r;
    redisLibevAttach(r->loop, ac);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    /* Sent first, so before any SUBSCRIBE or PUBLISH. */
    if (r->url.pass && r->url.user)
        redisAsyncCommand(ac, on_auth, r, "AUTH %s %s", r->url.user,
                          r->url.pass);
    else if (r->url.pass)
        redisAsyncCommand(ac, on_auth, r, "AUTH %s", r->url.pass);
    return ac;
}

static void connect_missing(sio_redis *r)
{
    if (!r->pub)
        r->pub = connect_one(r);
    if (!r->sub)
        r->sub = connect_one(r);
    if (!r->pub || !r->sub)
        schedule_retry(r);
}

/* ---- messages ------------------------------------------------------------ */

static void on_sub_message(redisAsyncContext *ac, void *reply, void *priv)
{
    redisReply *m = reply;
    sio_redis *r = ac->data;
    redisReply *chan, *body;
    (void)r;

    if (!m || m->type != REDIS_REPLY_ARRAY || m->elements < 3 ||
        m->element[0]->type != REDIS_REPLY_STRING)
        return;
    if (strcmp(m->element[0]->str, "pmessage") == 0 && m->elements == 4) {
        chan = m->element[2];
        body = m->element[3];
    } else if (strcmp(m->element[0]->str, "message") == 0) {
        chan = m->element[1];
        body = m->element[2];
    } else {
        return; /* subscribe confirmations */
    }
    if (chan->type != REDIS_REPLY_STRING || body->type != REDIS_REPLY_STRING)
        return;
    siop_redis_on_message(priv, chan->str, body->str, body->len);
}

void siop_redis_subscribe(sio_redis *r, siop_redis_ns *a)
{
    if (!r->sub_up)
        return;
    redisAsyncCommand(r->sub, on_sub_message, a, "PSUBSCRIBE %s*", a->chan);
    redisAsyncCommand(r->sub, on_sub_message, a, "SUBSCRIBE %s %s %s",
                      a->req_chan, a->resp_chan, a->own_chan);
}

int siop_redis_publish(sio_redis *r, const char *chan, const void *msg,
                       size_t len)
{
    if (!r || !r->pub_up)
        return SIO_ECLOSED;
    if (redisAsyncCommand(r->pub, NULL, NULL, "PUBLISH %s %b", chan, msg,
                          len) != REDIS_OK)
        return SIO_ECLOSED;
    return 0;
}

int siop_redis_publish_json(sio_redis *r, const char *chan, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT);
    int rc = s ? siop_redis_publish(r, chan, s, strlen(s)) : SIO_ENOMEM;

    free(s);
    return rc;
}

int siop_redis_publish_pack(sio_redis *r, const char *chan, const json_t *v)
{
    char *buf;
    size_t len;
    int rc;

    if (siop_redis_pack(v, &buf, &len) != 0)
        return SIO_ENOMEM;
    rc = siop_redis_publish(r, chan, buf, len);
    free(buf);
    return rc;
}

typedef struct numsub_call {
    sio_redis *r;
    void (*fn)(sio_redis *r, long n, void *ud);
    void *ud;
} numsub_call;

static void on_numsub(redisAsyncContext *ac, void *reply, void *priv)
{
    numsub_call *c = priv;
    redisReply *m = reply;
    long n = -1;
    (void)ac;

    if (m && m->type == REDIS_REPLY_ARRAY && m->elements == 2 &&
        m->element[1]->type == REDIS_REPLY_INTEGER)
        n = (long)m->element[1]->integer;
    c->fn(c->r, n, c->ud);
    free(c);
}

int siop_redis_numsub(sio_redis *r, const char *chan,
                      void (*fn)(sio_redis *r, long n, void *ud), void *ud)
{
    numsub_call *c;

    if (!r->pub_up)
        return SIO_ECLOSED;
    if (!(c = malloc(sizeof *c)))
        return SIO_ENOMEM;
    *c = (numsub_call){r, fn, ud};
    if (redisAsyncCommand(r->pub, on_numsub, c, "PUBSUB NUMSUB %s", chan) !=
        REDIS_OK) {
        free(c);
        return SIO_ECLOSED;
    }
    return 0;
}

/* ---- the object ------------------------------------------------------------
 */

void sio_redis_options_init(sio_redis_options *o)
{
    memset(o, 0, sizeof *o);
    o->url = "redis://127.0.0.1:6379";
    o->key = "socket.io";
    o->requests_timeout_ms = 5000;
    o->retry_min_ms = 100;
    o->retry_max_ms = 5000;
    o->max_message = 8u << 20;
}

/* "[USER]:PASS@" of a URL (before host): r->url.user, r->url.pass. */
static int parse_userinfo(siop_redis_url *r, const char *u, size_t n)
{
    const char *colon = memchr(u, ':', n);

    if (!colon) /* a password alone */
        return (r->pass = strndup(u, n)) ? 0 : -1;
    if (colon > u && !(r->user = strndup(u, (size_t)(colon - u))))
        return -1;
    return (r->pass = strndup(colon + 1, n - (size_t)(colon + 1 - u))) ? 0 : -1;
}

int siop_redis_parse_url(siop_redis_url *r, const char *url)
{
    const char *h = strncmp(url, "redis://", 8) == 0 ? url + 8 : url;
    const char *at = strrchr(h, '@');
    size_t n;
    char *end;
    long port = 6379;

    if (at && parse_userinfo(r, h, (size_t)(at - h)) != 0)
        return -1;
    if (at)
        h = at + 1;
    n = strcspn(h, ":/");
    if (n == 0 || !(r->host = strndup(h, n)))
        return -1;
    if (h[n] == ':') {
        port = strtol(h + n + 1, &end, 10);
        if (end == h + n + 1 || (*end && *end != '/') || port < 1 ||
            port > 65535)
            return -1;
    }
    r->port = (int)port;
    return 0;
}

void siop_redis_url_fini(siop_redis_url *u)
{
    free(u->host);
    free(u->user);
    free(u->pass);
    memset(u, 0, sizeof *u);
}

static void redis_free_fields(sio_redis *r)
{
    eio_timer_free(r->retry);
    map_fini(&r->nsps);
    map_fini(&r->reqs);
    siop_redis_url_fini(&r->url);
    free(r->key);
    free(r);
}

sio_redis *sio_redis_new(sio_server *srv, const sio_redis_options *o)
{
    eio_server *es = sio_server_engine(srv);
    sio_redis *r = calloc(1, sizeof *r);
    char id[UTIL_ID_LEN + 1];
    int lvl = eio_server_options(es)->log_level;

    if (!r)
        return NULL;
    r->srv = srv;
    r->opt = *o;
    r->log_level = lvl;
    r->loop = eio_server_evloop(es);
    map_init(&r->nsps);
    map_init(&r->reqs);
    /* The uid (6 characters, as socket.io's) names a channel of every
     * adapter: it comes first. */
    if (!o->url || siop_redis_parse_url(&r->url, o->url) != 0 || !o->key ||
        !(r->key = strdup(o->key)) || !r->loop || util_random_id(id) != 0 ||
        !memcpy(r->uid, id, SIOP_REDIS_UID_LEN) || !r->opt.retry_min_ms ||
        r->opt.retry_max_ms < r->opt.retry_min_ms ||
        !(r->retry = eio_timer_new(es, retry_fire, r)) ||
        sio_server_set_adapter(srv, siop_redis_adapter_new, r) != 0) {
        log_line(lvl, EIO_LOG_ERR,
                 "redis: cannot start (url %s; the libev loop is needed)",
                 o->url ? o->url : "(none)");
        redis_free_fields(r);
        return NULL;
    }
    r->backoff_ms = r->opt.retry_min_ms;
    connect_missing(r);
    return r;
}

void sio_redis_free(sio_redis *r)
{
    map_entry *e;

    if (!r)
        return;
    r->closing = true;
    siop_redis_fail_all(r);
    for (size_t i = 0; map_next(&r->nsps, &i, &e);)
        ((siop_redis_ns *)e->value)->r = NULL;
    if (r->pub)
        redisAsyncFree(r->pub);
    if (r->sub)
        redisAsyncFree(r->sub);
    redis_free_fields(r);
}

bool sio_redis_connected(const sio_redis *r)
{
    return r && r->pub_up && r->sub_up;
}

const char *sio_redis_uid(const sio_redis *r)
{
    return r->uid;
}
