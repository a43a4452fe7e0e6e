/* sio_app.c - the process around a server (sio_app.h): the standard
 * options, the page, signals, the start and stop lines. Built on the
 * public API only. */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sio_app.h"

#define STD_OPTS 17 /* the standard options below, --help included */
#define MAX_EXTRA 32

enum {
    OPT_HOST = 1,
    OPT_PORT,
    OPT_WWW,
    OPT_CLIENT_JS,
    OPT_CORS,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_PROXIES,
    OPT_PING_INTERVAL,
    OPT_PING_TIMEOUT,
    OPT_MAX_PAYLOAD,
    OPT_MAX_BUFFERED,
    OPT_MAX_NEW,
    OPT_CONNECT_TIMEOUT,
    OPT_RECOVERY,
    OPT_LOG_LEVEL,
    OPT_HELP,
    OPT_EXTRA, /* OPT_EXTRA + i: a->extra[i] */
};

static const struct option STD[STD_OPTS] = {
    {"host", required_argument, NULL, OPT_HOST},
    {"port", required_argument, NULL, OPT_PORT},
    {"www", required_argument, NULL, OPT_WWW},
    {"client-js", required_argument, NULL, OPT_CLIENT_JS},
    {"cors-origin", required_argument, NULL, OPT_CORS},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"trusted-proxies", required_argument, NULL, OPT_PROXIES},
    {"ping-interval", required_argument, NULL, OPT_PING_INTERVAL},
    {"ping-timeout", required_argument, NULL, OPT_PING_TIMEOUT},
    {"max-payload", required_argument, NULL, OPT_MAX_PAYLOAD},
    {"max-buffered", required_argument, NULL, OPT_MAX_BUFFERED},
    {"max-new-per-addr", required_argument, NULL, OPT_MAX_NEW},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"recovery", required_argument, NULL, OPT_RECOVERY},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"help", no_argument, NULL, OPT_HELP},
};

static const char *const LOG_LEVELS[] = {"err", "warn", "info", "debug"};

static const char STD_USAGE[] =
    "  --host H              listen address\n"
    "  --port N              port, 0 = any free one\n"
    "  --www DIR             serve the files of DIR at /\n"
    "  --client-js FILE      serve FILE at /socket.io/socket.io.js\n"
    "  --cors-origin LIST    CORS: \"*\" or origins, comma-separated\n"
    "  --tls-cert FILE       serve HTTPS/WSS with this PEM certificate\n"
    "  --tls-key FILE        and this PEM private key\n"
    "  --trusted-proxies LIST  proxies whose X-Forwarded-For names the\n"
    "                        client (addresses, CIDR prefixes)\n"
    "  --ping-interval MS    Engine.IO pingInterval\n"
    "  --ping-timeout MS     Engine.IO pingTimeout\n"
    "  --max-payload BYTES   Engine.IO maxPayload\n"
    "  --max-buffered BYTES  outbound bytes a client may leave unread\n"
    "  --max-new-per-addr N  handshakes per address that have sent\n"
    "                        nothing yet\n"
    "  --connect-timeout MS  Socket.IO connectTimeout\n"
    "  --recovery SECONDS    connection state recovery for this long\n"
    "  --log-level L         err, warn, info or debug\n"
    "  --help                this text\n";

static void usage(FILE *f, const sio_app *a, const char *argv0)
{
    fprintf(f, "usage: %s [options]\n%s", argv0, STD_USAGE);
    for (const sio_app_option *x = a->extra; x && x->name; x++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", x->name, x->arg ? " " : "",
                 x->arg ? x->arg : "");
        fprintf(f, "  %-21s %s\n", left, x->help ? x->help : "");
    }
}

/* A whole decimal number in [min, max]. */
static int number(const char *s, unsigned long long min, unsigned long long max,
                  unsigned long long *out)
{
    char *end;

    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    *out = strtoull(s, &end, 10);
    return errno || *end || *out < min || *out > max ? -1 : 0;
}

static int log_level(const char *s)
{
    for (int i = 0; i < (int)(sizeof LOG_LEVELS / sizeof *LOG_LEVELS); i++)
        if (strcmp(s, LOG_LEVELS[i]) == 0)
            return i;
    return -1;
}

/* Where a string option goes; NULL for the others. */
static const char **string_slot(int c, sio_app *a, eio_options *e)
{
    switch (c) {
    case OPT_HOST:
        return &e->host;
    case OPT_WWW:
        return &a->www;
    case OPT_CLIENT_JS:
        return &a->client_js;
    case OPT_CORS:
        return &e->cors_origin;
    case OPT_TLS_CERT:
        return &e->tls_cert;
    case OPT_TLS_KEY:
        return &e->tls_key;
    case OPT_PROXIES:
        return &e->trusted_proxies;
    }
    return NULL;
}

/* Where a millisecond option goes; NULL for the others. */
static unsigned *ms_slot(int c, sio_options *o)
{
    switch (c) {
    case OPT_PING_INTERVAL:
        return &o->eio.ping_interval_ms;
    case OPT_PING_TIMEOUT:
        return &o->eio.ping_timeout_ms;
    case OPT_CONNECT_TIMEOUT:
        return &o->connect_timeout_ms;
    }
    return NULL;
}

/* One standard option's value into o or a; -1 if it is not valid. */
static int standard(int c, const char *v, sio_app *a, sio_options *o)
{
    const char **str = string_slot(c, a, &o->eio);
    unsigned *ms = ms_slot(c, o);
    unsigned long long n = 0;
    int rc;

    if (str) {
        *str = v;
        return *v ? 0 : -1; /* never empty */
    }
    if (ms) {
        rc = number(v, 1, UINT_MAX, &n);
        *ms = (unsigned)n;
        return rc;
    }
    switch (c) {
    case OPT_PORT:
        rc = number(v, 0, 65535, &n);
        o->eio.port = (int)n;
        return rc;
    case OPT_MAX_PAYLOAD:
        rc = number(v, 1, SIZE_MAX, &n);
        o->eio.max_payload = (size_t)n;
        return rc;
    case OPT_MAX_BUFFERED:
        rc = number(v, 1, SIZE_MAX, &n);
        o->eio.max_buffered = (size_t)n;
        return rc;
    case OPT_MAX_NEW:
        rc = number(v, 1, SIZE_MAX, &n);
        o->eio.max_new_sessions_per_addr = (size_t)n;
        return rc;
    case OPT_RECOVERY: /* up to a day */
        rc = number(v, 1, 86400, &n);
        o->recovery_ms = (unsigned)n * 1000u;
        return rc;
    case OPT_LOG_LEVEL:
        return (o->eio.log_level = log_level(v)) < 0 ? -1 : 0;
    }
    return -1;
}

static int bad_usage(const sio_app *a, const char *argv0, const char *what,
                     const char *arg)
{
    fprintf(stderr, "%s: %s '%s'\n", argv0, what, arg ? arg : "");
    usage(stderr, a, argv0);
    return -1;
}

int sio_app_parse(sio_app *a, int argc, char **argv, sio_options *o)
{
    struct option opts[STD_OPTS + MAX_EXTRA + 1];
    size_t n = STD_OPTS;
    const char *slash;

    if (!a->name && argc > 0 && argv[0]) {
        slash = strrchr(argv[0], '/');
        a->name = slash ? slash + 1 : argv[0];
    }

    memcpy(opts, STD, sizeof STD);
    for (const sio_app_option *x = a->extra; x && x->name; x++, n++) {
        if (n == STD_OPTS + MAX_EXTRA)
            return bad_usage(a, argv[0], "too many options of the program",
                             x->name);
        opts[n] =
            (struct option){x->name, x->arg ? required_argument : no_argument,
                            NULL, OPT_EXTRA + (int)(n - STD_OPTS)};
    }
    opts[n] = (struct option){0};
    opterr = 0;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        if (c == OPT_HELP) {
            usage(stdout, a, argv[0]);
            return 1;
        }
        if (c == '?' || c == ':')
            return bad_usage(a, argv[0],
                             optopt ? "incomplete option" : "unknown option",
                             argv[optind - 1]);
        if (c >= OPT_EXTRA) {
            if (a->extra[c - OPT_EXTRA].value)
                *a->extra[c - OPT_EXTRA].value = optarg ? optarg : "";
            continue;
        }
        if (standard(c, optarg, a, o) != 0)
            return bad_usage(a, argv[0], "bad value", argv[optind - 1]);
    }
    if (optind < argc)
        return bad_usage(a, argv[0], "unexpected argument", argv[optind]);
    return 0;
}

/* ---- signals -------------------------------------------------------------
 * A thread waits for SIGINT/SIGTERM with sigwait, so no handler needs a
 * global to find the server. */

static void block_stop_signals(sigset_t *old)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

struct sio_app_signals {
    pthread_t thread;
    sigset_t old;
    void (*stop)(void *arg);
    void *arg;
};

static void *wait_signals(void *p)
{
    sio_app_signals *s = p;
    sigset_t set;
    int sig;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    for (;;)
        if (sigwait(&set, &sig) == 0)
            s->stop(s->arg);
    return NULL;
}

sio_app_signals *sio_app_signals_start(void (*stop)(void *arg), void *arg)
{
    sio_app_signals *s = calloc(1, sizeof *s);

    if (!s) {
        fprintf(stderr, "sio_app: out of memory\n");
        return NULL;
    }
    s->stop = stop;
    s->arg = arg;
    block_stop_signals(&s->old);
    if (pthread_create(&s->thread, NULL, wait_signals, s) != 0) {
        fprintf(stderr, "sio_app: cannot wait for signals\n");
        pthread_sigmask(SIG_SETMASK, &s->old, NULL);
        free(s);
        return NULL;
    }
    return s;
}

void sio_app_signals_end(sio_app_signals *s)
{
    if (!s)
        return;
    pthread_cancel(s->thread); /* sigwait is a cancellation point */
    pthread_join(s->thread, NULL);
    pthread_sigmask(SIG_SETMASK, &s->old, NULL);
    free(s);
}

/* ---- serving -------------------------------------------------------------
 */

static void stop_server(void *srv)
{
    sio_server_stop(srv);
}

/* PREFIX/share/sioc/socket.io.js, PREFIX being the parent of the
 * directory of the file that holds this code (libsio.so, or the program
 * linked with libsio.a); new string, or NULL when there is none. */
static char *installed_client(void)
{
    Dl_info info;
    char *self = NULL, *path = NULL;

    if (dladdr(STD, &info) && info.dli_fname && strchr(info.dli_fname, '/'))
        self = realpath(info.dli_fname, NULL);
    if (!self)
        self = realpath("/proc/self/exe", NULL);
    if (self &&
        asprintf(&path, "%s/../share/sioc/socket.io.js", dirname(self)) < 0)
        path = NULL;
    free(self);
    if (path && access(path, R_OK) != 0) {
        free(path);
        path = NULL;
    }
    return path;
}

/* The page and the client, when there is a page. */
static int serve_page(const sio_app *a, sio_server *srv)
{
    char *found = NULL;
    const char *js = a->client_js;
    int rc;

    if (!a->www)
        return 0;
    if (sio_http_static(srv, "/", a->www) != 0) {
        fprintf(stderr, "%s: cannot serve %s at /\n", a->name, a->www);
        return -1;
    }
    if (!js && !(js = found = installed_client())) {
        fprintf(stderr,
                "%s: no browser client to serve at /socket.io/socket.io.js "
                "(--client-js FILE)\n",
                a->name);
        return 0; /* the page may load it from elsewhere */
    }
    rc = sio_http_file(srv, "/socket.io/socket.io.js", js,
                       "application/javascript");
    if (rc != 0)
        fprintf(stderr, "%s: cannot serve %s at /socket.io/socket.io.js\n",
                a->name, js);
    free(found);
    return rc ? -1 : 0;
}

/* Frees a server whose setup ran: the application's teardown first. */
static void drop(const sio_app *a, sio_server *srv)
{
    if (a->teardown)
        a->teardown(srv);
    sio_server_free(srv);
}

static sio_server *start(const sio_app *a, const sio_options *o)
{
    sio_server *srv = sio_server_new(o);

    if (!srv) {
        fprintf(stderr, "%s: cannot listen on %s:%d\n", a->name, o->eio.host,
                o->eio.port);
        return NULL;
    }
    sio_server_set_app(srv, a->data);
    if (a->setup && a->setup(srv) != 0) {
        fprintf(stderr, "%s: cannot set up the server\n", a->name);
        drop(a, srv);
        return NULL;
    }
    if (serve_page(a, srv) != 0) {
        drop(a, srv);
        return NULL;
    }
    return srv;
}

int sio_app_serve(const sio_app *a, const sio_options *o)
{
    sio_app named = *a;
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sio_app_signals *sig = NULL;
    sio_server *srv;
    sigset_t old;

    if (!named.name)
        named.name = "sio";
    a = &named;

    /* Blocked before the server exists: a signal then waits for the
     * thread, and any thread the server starts inherits the mask. */
    block_stop_signals(&old);
    sigaction(SIGPIPE, &ign, NULL);
    if (!(srv = start(a, o)) ||
        !(sig = sio_app_signals_start(stop_server, srv))) {
        if (srv)
            drop(a, srv);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return 1;
    }
    printf("%s: listening on %s://%s:%d/\n", a->name,
           eio_server_tls(sio_server_engine(srv)) ? "https" : "http",
           o->eio.host, sio_server_port(srv));
    fflush(stdout);
    sio_server_run(srv);
    sio_app_signals_end(sig);
    drop(a, srv);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    fprintf(stderr, "%s: stopped\n", a->name);
    return 0;
}

int sio_app_main(sio_app *a, int argc, char **argv)
{
    sio_options o;
    int rc;

    sio_options_init(&o);
    o.eio.port = a->port ? a->port : 8000;
    rc = sio_app_parse(a, argc, argv, &o);
    return rc ? rc > 0 ? 0 : 1 : sio_app_serve(a, &o);
}
