/* conformance - the server the official Socket.IO and Engine.IO protocol
 * test suites expect (see docs/examples.md, "conformance").
 *
 * Socket.IO mode (default), path /socket.io/, built from
 * schemas/conformance.sio:
 *   "/" and "/custom": on connect, emit "auth" with the CONNECT payload;
 *   "/": "message" -> "message-back" with the same arguments,
 *        "message-with-ack" -> ack with the same arguments,
 *        any other event -> error ack "unknown event".
 * Engine.IO mode (--engine-io), path /engine.io/: every message is sent
 * back as is, text or binary.
 *
 * On start it prints one line to stdout, which tests parse:
 *   conformance: listening on http://HOST:PORT/
 * SIGINT/SIGTERM stop the server gracefully; the process then exits 0. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.sio.h"
#include "eio.h"
#include "sio.h"

typedef struct conf_opts {
    const char *host;
    int port;
    unsigned ping_interval_ms;
    unsigned ping_timeout_ms;
    size_t max_payload;
    size_t max_buffered;
    size_t max_new_per_addr;
    unsigned connect_timeout_ms;
    const char *cors_origin;
    const char *tls_cert, *tls_key;
    bool engine_io;
} conf_opts;

/* Set before the signal handlers are installed, read by them. */
static sio_server *volatile g_sio;
static eio_server *volatile g_eio;

static void on_signal(int sig)
{
    (void)sig;
    if (g_sio)
        sio_server_stop(g_sio);
    else if (g_eio)
        eio_server_stop(g_eio);
}

/* After the loop returned: no more stop calls while the server is freed. */
static void block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
}

static int install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
        return -1;
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL);
}

static void usage(FILE *f, const char *argv0)
{
    fprintf(f,
            "usage: %s [options]\n"
            "  --host H              listen address (default 127.0.0.1)\n"
            "  --port N              port, 0 = any free one (default 3000)\n"
            "  --ping-interval MS    Engine.IO pingInterval (default 300)\n"
            "  --ping-timeout MS     Engine.IO pingTimeout (default 200)\n"
            "  --max-payload BYTES   Engine.IO maxPayload (default 1000000)\n"
            "  --max-buffered BYTES  outbound bytes a client may leave unread\n"
            "                        before it is closed (default 4 MiB)\n"
            "  --max-new-per-addr N  handshakes per address that have sent\n"
            "                        nothing yet (default 512)\n"
            "  --connect-timeout MS  Socket.IO connectTimeout (default "
            "1000)\n"
            "  --cors-origin LIST    CORS: \"*\" (default) or origins, "
            "comma-separated\n"
            "  --tls-cert FILE       serve HTTPS/WSS with this PEM "
            "certificate\n"
            "  --tls-key FILE        and this PEM private key\n"
            "  --engine-io           raw Engine.IO echo server on "
            "/engine.io/\n"
            "  --help                this text\n",
            argv0);
}

/* Parses a whole decimal number in [min, max]. Returns 0 or -1. */
static int parse_num(const char *s, unsigned long long min,
                     unsigned long long max, unsigned long long *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Returns 0, 1 (--help shown) or -1 (bad usage, reported). */
static int parse_args(int argc, char **argv, conf_opts *o)
{
    enum {
        OPT_HOST = 1,
        OPT_PORT,
        OPT_PING_INTERVAL,
        OPT_PING_TIMEOUT,
        OPT_MAX_PAYLOAD,
        OPT_CONNECT_TIMEOUT,
        OPT_MAX_BUFFERED,
        OPT_MAX_NEW,
        OPT_CORS_ORIGIN,
        OPT_TLS_CERT,
        OPT_TLS_KEY,
        OPT_ENGINE_IO,
        OPT_HELP,
    };
    static const struct option longopts[] = {
        {"host", required_argument, NULL, OPT_HOST},
        {"port", required_argument, NULL, OPT_PORT},
        {"ping-interval", required_argument, NULL, OPT_PING_INTERVAL},
        {"ping-timeout", required_argument, NULL, OPT_PING_TIMEOUT},
        {"max-payload", required_argument, NULL, OPT_MAX_PAYLOAD},
        {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
        {"max-buffered", required_argument, NULL, OPT_MAX_BUFFERED},
        {"max-new-per-addr", required_argument, NULL, OPT_MAX_NEW},
        {"cors-origin", required_argument, NULL, OPT_CORS_ORIGIN},
        {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
        {"tls-key", required_argument, NULL, OPT_TLS_KEY},
        {"engine-io", no_argument, NULL, OPT_ENGINE_IO},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    *o = (conf_opts){
        .host = "127.0.0.1",
        .port = 3000,
        .ping_interval_ms = 300,
        .ping_timeout_ms = 200,
        .max_payload = 1000000,
        .max_buffered = 4u << 20,
        .max_new_per_addr = 512,
        .connect_timeout_ms = 1000,
        .cors_origin = "*",
        .engine_io = false,
    };
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "", longopts, NULL);
        if (c == -1)
            break;
        unsigned long long v = 0;
        const char *bad = NULL;
        switch (c) {
        case OPT_HOST:
            if (!*optarg)
                bad = "--host";
            o->host = optarg;
            break;
        case OPT_PORT:
            if (parse_num(optarg, 0, 65535, &v))
                bad = "--port";
            o->port = (int)v;
            break;
        case OPT_PING_INTERVAL:
            if (parse_num(optarg, 1, UINT_MAX, &v))
                bad = "--ping-interval";
            o->ping_interval_ms = (unsigned)v;
            break;
        case OPT_PING_TIMEOUT:
            if (parse_num(optarg, 1, UINT_MAX, &v))
                bad = "--ping-timeout";
            o->ping_timeout_ms = (unsigned)v;
            break;
        case OPT_MAX_PAYLOAD:
            if (parse_num(optarg, 1, SIZE_MAX, &v))
                bad = "--max-payload";
            o->max_payload = (size_t)v;
            break;
        case OPT_CONNECT_TIMEOUT:
            if (parse_num(optarg, 1, UINT_MAX, &v))
                bad = "--connect-timeout";
            o->connect_timeout_ms = (unsigned)v;
            break;
        case OPT_MAX_BUFFERED:
            if (parse_num(optarg, 1, SIZE_MAX, &v))
                bad = "--max-buffered";
            o->max_buffered = (size_t)v;
            break;
        case OPT_MAX_NEW:
            if (parse_num(optarg, 1, SIZE_MAX, &v))
                bad = "--max-new-per-addr";
            o->max_new_per_addr = (size_t)v;
            break;
        case OPT_CORS_ORIGIN:
            if (!*optarg)
                bad = "--cors-origin";
            o->cors_origin = optarg;
            break;
        case OPT_TLS_CERT:
            if (!*optarg)
                bad = "--tls-cert";
            o->tls_cert = optarg;
            break;
        case OPT_TLS_KEY:
            if (!*optarg)
                bad = "--tls-key";
            o->tls_key = optarg;
            break;
        case OPT_ENGINE_IO:
            o->engine_io = true;
            break;
        case OPT_HELP:
            usage(stdout, argv[0]);
            return 1;
        default:
            fprintf(stderr, "%s: %s option '%s'\n", argv[0],
                    optopt ? "incomplete" : "unknown", argv[optind - 1]);
            usage(stderr, argv[0]);
            return -1;
        }
        if (bad) {
            fprintf(stderr, "%s: bad value for %s: '%s'\n", argv[0], bad,
                    optarg);
            usage(stderr, argv[0]);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0],
                argv[optind]);
        usage(stderr, argv[0]);
        return -1;
    }
    return 0;
}

static void fill_eio_options(eio_options *e, const conf_opts *o)
{
    e->host = o->host;
    e->port = o->port;
    e->ping_interval_ms = o->ping_interval_ms;
    e->ping_timeout_ms = o->ping_timeout_ms;
    e->max_payload = o->max_payload;
    e->max_buffered = o->max_buffered;
    e->max_new_sessions_per_addr = o->max_new_per_addr;
    e->cors_origin = o->cors_origin;
    e->tls_cert = o->tls_cert;
    e->tls_key = o->tls_key;
}

static void print_listening(const conf_opts *o, const eio_server *e)
{
    printf("conformance: listening on %s://%s:%d/\n",
           eio_server_tls(e) ? "https" : "http", o->host, eio_server_port(e));
    fflush(stdout);
}

/* ---- Socket.IO mode ----------------------------------------------------
 * The handlers conformance.sio declares; sioc generated their prototypes
 * and the dispatch that calls them. */

int conformance_on_connect(sio_ctx *ctx)
{
    /* The CONNECT payload, as sent ({} when none). */
    if (conformance_emit_auth(sio_self(ctx), sio_ctx_auth(ctx)))
        fprintf(stderr, "conformance: could not emit auth to %s\n",
                sio_ctx_sid(ctx));
    return 0;
}

int conformance_custom_on_connect(sio_ctx *ctx)
{
    if (conformance_custom_emit_auth(sio_self(ctx), sio_ctx_auth(ctx)))
        fprintf(stderr, "conformance: could not emit auth to %s\n",
                sio_ctx_sid(ctx));
    return 0;
}

/* "message": "message-back" with the same arguments, binary included. */
void conformance_on_message(sio_ctx *ctx, json_t *rest)
{
    if (conformance_emit_message_back(sio_self(ctx), rest))
        fprintf(stderr, "conformance: could not emit message-back to %s\n",
                sio_ctx_sid(ctx));
}

/* "message-with-ack": acked with the same arguments. */
void conformance_on_message_with_ack(sio_ctx *ctx, json_t *rest,
                                     conformance_message_with_ack_ack *ack)
{
    if (ack && conformance_message_with_ack_ack_send(ack, rest))
        fprintf(stderr, "conformance: could not ack %s\n", sio_ctx_sid(ctx));
}

/* Events the schema does not declare: refused, with an error ack. */
void conformance_on_any(sio_ctx *ctx, const char *event, json_t *args)
{
    (void)args;
    fprintf(stderr, "conformance: %s: unknown event \"%s\"\n", sio_ctx_sid(ctx),
            event);
    if (sio_ctx_wants_ack(ctx))
        (void)sio_ack_error(ctx, "unknown event");
}

static int run_socketio(const conf_opts *o)
{
    sio_options so;
    sio_options_init(&so);
    fill_eio_options(&so.eio, o);
    so.connect_timeout_ms = o->connect_timeout_ms;

    sio_server *srv = sio_server_new(&so);
    if (!srv) {
        fprintf(stderr, "conformance: cannot listen on %s:%d\n", o->host,
                o->port);
        return 1;
    }
    if (conformance_register(srv) != 0) {
        fprintf(stderr, "conformance: cannot register handlers\n");
        sio_server_free(srv);
        return 1;
    }
    g_sio = srv;
    if (install_signals()) {
        perror("conformance: sigaction");
        g_sio = NULL;
        sio_server_free(srv);
        return 1;
    }
    print_listening(o, sio_server_engine(srv));
    sio_server_run(srv);
    block_signals();
    g_sio = NULL;
    sio_server_free(srv);
    return 0;
}

/* ---- Engine.IO mode ---------------------------------------------------- */

static void eio_on_message(eio_session *s, const uint8_t *data, size_t len,
                           bool binary, void *ud)
{
    (void)ud;
    eio_msg *m;
    if (binary) {
        m = eio_msg_new(len, true);
        if (m && eio_msg_append(&m, data, len)) {
            eio_msg_unref(m);
            m = NULL;
        }
    } else {
        m = eio_msg_text('4', data, len);
    }
    if (!m) {
        fprintf(stderr, "conformance: out of memory, closing %s\n",
                eio_session_id(s));
        eio_session_close(s);
        return;
    }
    (void)eio_session_send(s, m); /* on failure the session is closing */
    eio_msg_unref(m);
}

static int run_engineio(const conf_opts *o)
{
    eio_options eo;
    eio_options_init(&eo);
    fill_eio_options(&eo, o);
    eo.path = "/engine.io/";
    eio_callbacks cb = {.message = eio_on_message};

    eio_server *srv = eio_server_new(&eo, &cb, NULL);
    if (!srv) {
        fprintf(stderr, "conformance: cannot listen on %s:%d\n", o->host,
                o->port);
        return 1;
    }
    g_eio = srv;
    if (install_signals()) {
        perror("conformance: sigaction");
        g_eio = NULL;
        eio_server_free(srv);
        return 1;
    }
    print_listening(o, srv);
    eio_server_run(srv);
    block_signals();
    g_eio = NULL;
    eio_server_free(srv);
    return 0;
}

int main(int argc, char **argv)
{
    conf_opts o;
    int r = parse_args(argc, argv, &o);
    if (r)
        return r > 0 ? 0 : 1;
    r = o.engine_io ? run_engineio(&o) : run_socketio(&o);
    if (r == 0) {
        printf("conformance: stopped\n");
        fflush(stdout);
    }
    return r;
}
