/* eio_server.c - the Engine.IO server object: options, the lws context
 * with its one protocol (eio_lws.c) on the chosen loop, and its end. The
 * loop's turns, the cross-thread queue and the stop are eio_loop.c.
 *
 * The loop is libev (epoll) by default, handed to lws as a "foreign"
 * loop even when the server owns it: lws' own poll(2) loop walks every
 * connection on every wakeup, so with thousands of quiet connections it
 * spent most of its time on them. Owning the ev_loop keeps the run loop
 * ours (one turn at a time, the stop checks between turns) and lets an
 * application pass in its own loop instead. */
#include "eio_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

void eio_options_init(eio_options *o)
{
    memset(o, 0, sizeof *o);
    o->host = "127.0.0.1";
    o->port = 0;
    o->path = "/engine.io/";
    o->ping_interval_ms = 25000;
    o->ping_timeout_ms = 20000;
    o->max_payload = 1000000;
    o->cors_origin = NULL;
    o->polling = true;
    o->websocket = true;
    o->allow_upgrades = true;
    o->max_buffered = 4u << 20;
    o->http_max_body = 1u << 20;
    o->max_payload_packets = 10000;
    o->packets_per_turn = 64;
    o->max_new_sessions = 10000;
    o->max_new_sessions_per_addr = 512;
    o->shutdown_grace_ms = 3000;
    o->log_level = EIO_LOG_INFO;
}

static char *dup_opt(const char *s)
{
    char *d;
    if (!s)
        return NULL;
    d = malloc(strlen(s) + 1);
    if (d)
        strcpy(d, s);
    return d;
}

/* The trusted proxies, kept both as given and parsed. */
static int copy_proxies(eio_server *srv, const char *list)
{
    if (!list)
        return 0;
    srv->proxies_list = dup_opt(list);
    srv->opts.trusted_proxies = srv->proxies_list;
    if (!srv->proxies_list)
        return -1;
    if (eiop_proxies_parse(list, &srv->proxies, &srv->nproxies) != 0) {
        log_line(srv->opts.log_level, EIO_LOG_ERR,
                 "eio: trusted_proxies \"%s\": not a comma list of "
                 "addresses and address/bits prefixes",
                 list);
        return -1;
    }
    return 0;
}

/* Copies the options, owning the strings, with sane values. */
static int copy_options(eio_server *srv, const eio_options *o)
{
    srv->opts = *o;
    srv->host = dup_opt(o->host ? o->host : "127.0.0.1");
    srv->path = dup_opt(o->path ? o->path : "/engine.io/");
    srv->cors = dup_opt(o->cors_origin);
    srv->tls_cert = dup_opt(o->tls_cert);
    srv->tls_key = dup_opt(o->tls_key);
    if (!srv->host || !srv->path || (o->cors_origin && !srv->cors) ||
        (o->tls_cert && !srv->tls_cert) || (o->tls_key && !srv->tls_key))
        return -1;
    srv->opts.tls_cert = srv->tls_cert;
    srv->opts.tls_key = srv->tls_key;
    srv->opts.host = srv->host;
    srv->opts.path = srv->path;
    srv->opts.cors_origin = srv->cors;
    if (copy_proxies(srv, o->trusted_proxies) != 0)
        return -1;
    if (!srv->opts.max_payload)
        srv->opts.max_payload = 1000000;
    if (!srv->opts.max_buffered)
        srv->opts.max_buffered = 4u << 20;
    if (!srv->opts.max_payload_packets)
        srv->opts.max_payload_packets = 10000;
    if (!srv->opts.max_new_sessions)
        srv->opts.max_new_sessions = 10000;
    if (!srv->opts.max_new_sessions_per_addr)
        srv->opts.max_new_sessions_per_addr = 512;
    if (!srv->opts.packets_per_turn)
        srv->opts.packets_per_turn = 64;
    if (!srv->opts.http_max_body)
        srv->opts.http_max_body = 1u << 20;
    if (!srv->opts.ping_interval_ms)
        srv->opts.ping_interval_ms = 25000;
    if (!srv->opts.ping_timeout_ms)
        srv->opts.ping_timeout_ms = 20000;
    return 0;
}

/* The libev loop: the application's, or a new one of ours on epoll. */
static int setup_loop(eio_server *srv, struct lws_context_creation_info *info)
{
    if (srv->opts.loop == EIO_LOOP_POLL)
        return srv->opts.foreign_loop ? -1 : 0;
    if (srv->opts.loop != EIO_LOOP_LIBEV)
        return -1;
    if (srv->opts.foreign_loop) {
        srv->evloop = srv->opts.foreign_loop;
    } else {
        srv->evloop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOSIGMASK);
        if (!srv->evloop)
            srv->evloop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
        if (!srv->evloop)
            return -1;
        srv->own_loop = true;
    }
    srv->foreign_loops[0] = srv->evloop;
    info->foreign_loops = srv->foreign_loops;
    info->options |= LWS_SERVER_OPTION_LIBEV;
    return 0;
}

/* No lws validity timers: every one is inserted into lws 4.1's sorted
 * timer list at the far end, an O(connections) walk per connection; the
 * Engine.IO heartbeat (on our timer heap) already finds dead peers. */
static const lws_retry_bo_t no_validity = {
    .secs_since_valid_ping = 0,
    .secs_since_valid_hangup = 0,
};

/* TLS on the listening vhost when a certificate is configured: both
 * files must be readable, so that a typo is reported as what it is. */
static int setup_tls(eio_server *srv, struct lws_context_creation_info *info)
{
    const char *cert = srv->opts.tls_cert, *key = srv->opts.tls_key;

    if (!cert && !key)
        return 0;
    if (!cert || !key) {
        log_line(srv->opts.log_level, EIO_LOG_ERR,
                 "eio: TLS needs both a certificate and a key");
        return -1;
    }
    if (access(cert, R_OK) != 0 || access(key, R_OK) != 0) {
        log_line(srv->opts.log_level, EIO_LOG_ERR,
                 "eio: cannot read the TLS certificate %s or key %s", cert,
                 key);
        return -1;
    }
    info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info->ssl_cert_filepath = cert;
    info->ssl_private_key_filepath = key;
    return 0;
}

static int create_context(eio_server *srv)
{
    struct lws_context_creation_info info;

    memset(&info, 0, sizeof info);
    if (setup_loop(srv, &info) != 0) {
        log_line(srv->opts.log_level, EIO_LOG_ERR,
                 "eio: cannot set up the event loop (loop %d%s)",
                 (int)srv->opts.loop,
                 srv->opts.foreign_loop ? ", foreign" : "");
        return -1;
    }
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.iface = srv->host;
    info.protocols = eiop_lws_protocols;
    info.user = srv;
    info.options |=
        LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    info.max_http_header_data = 8192;
    info.max_http_header_pool = 0; /* one per fd: polls hold theirs */
    info.timeout_secs = 20;
    info.retry_and_idle_policy = &no_validity;
    if (setup_tls(srv, &info) != 0)
        return -1;
    srv->ctx = lws_create_context(&info);
    if (!srv->ctx) {
        log_line(srv->opts.log_level, EIO_LOG_ERR,
                 "eio: cannot create the libwebsockets context");
        return -1;
    }
    /* The listening vhost; port 0 lets the kernel pick a free port. An
     * IPv4 address binds only with an IPv4 socket: on a v6 one lws
     * silently listens on every interface. */
    info.port = srv->opts.port;
    if (!strchr(srv->host, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    if (srv->opts.reuse_port) /* lws serves what eio_listen.c accepts */
        info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
    srv->vhost = lws_create_vhost(srv->ctx, &info);
    if (!srv->vhost) {
        log_line(srv->opts.log_level, EIO_LOG_ERR,
                 "eio: cannot listen on %s:%d%s", srv->host, srv->opts.port,
                 srv->opts.tls_cert ? " (or the TLS certificate and key do "
                                      "not load or match)"
                                    : "");
        return -1;
    }
    if (srv->opts.reuse_port)
        return eiop_listen_shared(srv);
    srv->port = lws_get_vhost_listen_port(srv->vhost);
    return 0;
}

eio_server *eio_server_new(const eio_options *o, const eio_callbacks *cb,
                           void *ud)
{
    eio_server *srv = calloc(1, sizeof *srv);

    if (!srv)
        return NULL;
    srv->listen_fd = -1;
    if (copy_options(srv, o) != 0) {
        eio_server_free(srv);
        return NULL;
    }
    srv->cb = *cb;
    srv->ud = ud;
    srv->wbuf = malloc(LWS_PRE + EIO_WBUF_SIZE);
    if (!srv->wbuf) {
        eio_server_free(srv);
        return NULL;
    }
    map_init(&srv->sessions);
    map_init(&srv->fresh_by_addr);
    pthread_mutex_init(&srv->post_lock, NULL);
    /* lws' own log lines only for real errors: ours are one per event. */
    lws_set_log_level(getenv("EIO_LWSDBG") ? 31 : LLL_ERR, NULL);
    if (create_context(srv) != 0) {
        eio_server_free(srv);
        return NULL;
    }
    return srv;
}

int eio_server_port(const eio_server *srv)
{
    return srv->port;
}

bool eio_server_tls(const eio_server *srv)
{
    return srv->opts.tls_cert != NULL;
}

void *eio_server_evloop(eio_server *srv)
{
    return srv->evloop;
}

const eio_options *eio_server_options(const eio_server *srv)
{
    return &srv->opts;
}

void eio_server_free(eio_server *srv)
{
    struct post_item *it;

    if (!srv)
        return;
    eiop_listen_close(srv);
    if (srv->ctx) {
        eiop_sessions_free_all(srv);
        eiop_timers_fini(srv);
        lws_context_destroy(srv->ctx);
    }
    if (srv->own_loop)
        ev_loop_destroy(srv->evloop);
    map_fini(&srv->sessions);
    map_fini(&srv->fresh_by_addr); /* each entry went with its sessions */
    for (it = srv->post_head; it;) {
        struct post_item *next = it->next;
        free(it);
        it = next;
    }
    pthread_mutex_destroy(&srv->post_lock);
    free(srv->wbuf);
    free(srv->host);
    free(srv->path);
    free(srv->cors);
    free(srv->tls_cert);
    free(srv->tls_key);
    free(srv->proxies_list);
    free(srv->proxies);
    free(srv);
}
