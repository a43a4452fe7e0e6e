/*
 * loadgen - the load generator of make bench (docs/bench.md).
 *
 *   loadgen echo    [-c C] [-w W] [-d D] [-s S]   C sockets x W echoes
 *   loadgen rtt     [-d D] [-s S]                 one echo at a time
 *   loadgen fanout  [-c R] [-n N] [-s S] [-w W]   N broadcasts to R sockets
 *   loadgen connect [-c N] [-P P] [--hold H]      N handshakes, then idle
 *
 * Speaks Engine.IO v4 / Socket.IO v5 over its own WebSocket client (no
 * Socket.IO library), checks every reply, and ends with one line
 * "RESULT mode=... status=... key=value ...".  Exit status: 0 ok, 1 usage,
 * 2 connection error, 3 protocol error, 4 timeout.
 *
 * This file: options, the controller (main thread) that moves the run
 * through its phases and bounds every wait, and the RESULT line.
 */
#include "lg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define FANOUT_WARM 10           /* unmeasured broadcasts */
#define MIN_CONN_RATE 50.0       /* conns/s below which connecting times out */
#define MIN_DELIVERY_RATE 2000.0 /* the same for fanout deliveries */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: loadgen MODE [options]\n"
            "modes (docs/bench.md):\n"
            "  echo     -c C -w W -d D -s S  C sockets keep W echoes in "
            "flight\n"
            "  rtt      -d D -s S            one echo at a time (latency)\n"
            "  fanout   -c R -n N -s S [-w W] R sockets in a room, N "
            "broadcasts\n"
            "  connect  -c N -P P [--hold H] N handshakes, P in flight, "
            "then idle H s\n"
            "options:\n"
            "  -c N              connections (echo 50, fanout 1000, connect "
            "1000)\n"
            "  -w N              requests in flight (echo 4, fanout 1)\n"
            "  -d SECONDS        measured time (5)\n"
            "  -s BYTES          payload string length (32; fanout >= 21)\n"
            "  -n N              broadcasts (1000)\n"
            "  -P N              handshakes in flight (100)\n"
            "  -t N              worker threads (1)\n"
            "  --hold SECONDS    connect: idle time before reading VmRSS "
            "(0)\n"
            "  --host ADDR       server address (127.0.0.1)\n"
            "  --port N          server port (3000)\n"
            "  --path PATH       Engine.IO path (/socket.io/)\n"
            "  --server-pid PID  read the server's CPU and memory from "
            "/proc\n"
            "  --warmup SECONDS  unmeasured traffic first (1)\n"
            "  --timeout SECONDS fail after this long without progress "
            "(10)\n"
            "  --source A,B,...  bind connections to these source addresses\n"
            "  --ports P,Q,...   spread connections over these ports (a\n"
            "                    cluster); the first gets connection 0\n"
            "  --room NAME       fanout's room (default r), so that several\n"
            "                    load generators can share a cluster\n"
            "Ends with one line RESULT mode=... status=... key=value ...;\n"
            "exit 0 ok, 1 usage, 2 connection, 3 protocol, 4 timeout.\n");
}

/* ---- options ------------------------------------------------------------ */

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_secs(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

/* A numeric address (or "localhost"): the generator talks to nothing
 * that needs a name lookup. */
static int parse_addr(const char *s, long port, struct sockaddr_storage *ss,
                      socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (!strcmp(s, "localhost"))
        s = "127.0.0.1";
    if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *len = sizeof *a4;
        return 0;
    }
    if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof *a6;
        return 0;
    }
    return -1;
}

static int parse_sources(lg_opts *o, const char *list)
{
    char *copy = strdup(list);
    if (!copy)
        return -1;
    int n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    o->src = calloc((size_t)n, sizeof *o->src);
    o->nsrc = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && o->src;
         t = strtok_r(NULL, ",", &save)) {
        socklen_t len;
        if (parse_addr(t, 0, &o->src[o->nsrc], &len) < 0) {
            free(copy);
            return -1;
        }
        o->nsrc++;
    }
    free(copy);
    return o->src && o->nsrc > 0 ? 0 : -1;
}

enum {
    OPT_HOST = 256,
    OPT_PORT,
    OPT_PATH,
    OPT_PID,
    OPT_WARMUP,
    OPT_TIMEOUT,
    OPT_HOLD,
    OPT_SOURCE,
    OPT_PORTS,
    OPT_ROOM
};

static const struct option long_opts[] = {
    {"host", required_argument, NULL, OPT_HOST},
    {"port", required_argument, NULL, OPT_PORT},
    {"path", required_argument, NULL, OPT_PATH},
    {"server-pid", required_argument, NULL, OPT_PID},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"hold", required_argument, NULL, OPT_HOLD},
    {"source", required_argument, NULL, OPT_SOURCE},
    {"ports", required_argument, NULL, OPT_PORTS},
    {"room", required_argument, NULL, OPT_ROOM},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

static int set_mode(lg_opts *o, const char *m)
{
    static const struct {
        const char *name;
        lg_mode mode;
        long conns, inflight;
    } modes[] = {{"echo", LG_ECHO, 50, 4},
                 {"rtt", LG_RTT, 1, 1},
                 {"fanout", LG_FANOUT, 1000, 1},
                 {"connect", LG_CONNECT, 1000, 1}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (!strcmp(m, modes[i].name)) {
            o->mode = modes[i].mode;
            o->mode_name = modes[i].name;
            o->conns = modes[i].conns;
            o->inflight = modes[i].inflight;
            return 0;
        }
    }
    return -1;
}

static void set_defaults(lg_opts *o)
{
    o->duration = 5;
    o->size = 32;
    o->count = 1000;
    o->parallel = 100;
    o->threads = 1;
    o->warmup = 1;
    o->timeout = 10;
    o->host = "127.0.0.1";
    o->port = 3000;
    o->path = "/socket.io/";
    o->room = "r";
}

/* --ports P1,P2,...: several servers (a cluster); connection i goes to
 * the i % n-th (connection 0, fanout's publisher, to the first). */
static int parse_ports(lg_opts *o, const char *a)
{
    char buf[256], *save = NULL, *tok;

    if (strlen(a) >= sizeof buf)
        return -1;
    strcpy(buf, a);
    o->nports = 0;
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (o->nports == 16 ||
            parse_long(tok, 1, 65535, &o->ports[o->nports++]))
            return -1;
    return o->nports ? 0 : -1;
}

/* One option; returns the name of a bad one, NULL if fine. */
static const char *parse_opt(lg_opts *o, int c, const char *a)
{
    long pid;
    switch (c) {
    case 'c':
        return parse_long(a, 1, 10000000, &o->conns) ? "-c" : NULL;
    case 'w':
        return parse_long(a, 1, 65536, &o->inflight) ? "-w" : NULL;
    case 'd':
        return parse_secs(a, 0.001, 86400, &o->duration) ? "-d" : NULL;
    case 's':
        return parse_long(a, 1, 1 << 20, &o->size) ? "-s" : NULL;
    case 'n':
        return parse_long(a, 1, 100000000, &o->count) ? "-n" : NULL;
    case 'P':
        return parse_long(a, 1, 1000000, &o->parallel) ? "-P" : NULL;
    case 't':
        return parse_long(a, 1, 256, &o->threads) ? "-t" : NULL;
    case OPT_HOST:
        o->host = a;
        return NULL;
    case OPT_PORT:
        return parse_long(a, 1, 65535, &o->port) ? "--port" : NULL;
    case OPT_PATH:
        o->path = a;
        return a[0] == '/' && strlen(a) < 512 ? NULL : "--path";
    case OPT_PID:
        if (parse_long(a, 1, 1L << 30, &pid))
            return "--server-pid";
        o->server_pid = (pid_t)pid;
        return NULL;
    case OPT_WARMUP:
        return parse_secs(a, 0, 3600, &o->warmup) ? "--warmup" : NULL;
    case OPT_TIMEOUT:
        return parse_secs(a, 0.01, 3600, &o->timeout) ? "--timeout" : NULL;
    case OPT_HOLD:
        return parse_secs(a, 0, 86400, &o->hold) ? "--hold" : NULL;
    case OPT_SOURCE:
        return parse_sources(o, a) ? "--source" : NULL;
    case OPT_PORTS:
        return parse_ports(o, a) ? "--ports" : NULL;
    case OPT_ROOM: /* letters, digits, '-', '_': no JSON escaping */
        o->room = a;
        return a[0] && strlen(a) <= 32 &&
                       strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
                                 "OPQRSTUVWXYZ0123456789-_") == strlen(a)
                   ? NULL
                   : "--room";
    default:
        return "?";
    }
}

/* Checks what only the whole command line tells; NULL if fine. */
static const char *check_opts(lg_opts *o, int rtt_sized)
{
    if (o->mode == LG_RTT && rtt_sized)
        return "rtt is one connection, one echo in flight: no -c or -w";
    if (o->mode == LG_FANOUT && o->size < 21)
        return "fanout needs -s >= 21 (sequence number and '.')";
    if (o->mode == LG_FANOUT && o->conns >= (1L << 30))
        return "fanout: too many receivers";
    if (parse_addr(o->host, o->port, &o->dst, &o->dst_len))
        return "--host must be a numeric address or localhost";
    for (int i = 0; i < o->nsrc; i++) {
        if (o->src[i].ss_family != o->dst.ss_family)
            return "--source addresses must be of --host's family";
    }
    return NULL;
}

/* 0 ok, 1 help shown, -1 bad usage (reported). */
static int parse_args(int argc, char **argv, lg_opts *o)
{
    set_defaults(o);
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 1;
    }
    if (argc < 2 || set_mode(o, argv[1]) < 0) {
        fprintf(stderr, "loadgen: first argument must be a mode\n");
        usage(stderr);
        return -1;
    }
    int rtt_sized = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "c:w:d:s:n:P:t:h", long_opts,
                            NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 1;
        }
        const char *bad = parse_opt(o, c, optarg);
        rtt_sized |= c == 'c' || c == 'w';
        if (bad) {
            /* optind counts in argv + 1: argv[optind] is the bad one */
            fprintf(stderr, "loadgen: bad or unknown option %s\n",
                    c != '?'        ? bad
                    : optind < argc ? argv[optind]
                                    : "?");
            return -1;
        }
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "loadgen: unexpected argument '%s'\n",
                argv[optind + 1]);
        return -1;
    }
    const char *why = check_opts(o, rtt_sized);
    if (why) {
        fprintf(stderr, "loadgen: %s\n", why);
        return -1;
    }
    return 0;
}

/* Room for every socket, or a usage error saying what to raise. */
static int raise_nofile(long conns)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)conns + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -1;
    if (rl.rlim_cur >= need)
        return 0;
    if (rl.rlim_max < need) {
        struct rlimit up = {need, need};
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            return 0;
    }
    rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur >= need)
        return 0;
    fprintf(stderr,
            "loadgen: %ld connections need %lu open files; the limit is "
            "%lu (ulimit -n)\n",
            conns, (unsigned long)need, (unsigned long)rl.rlim_cur);
    return -1;
}

/* ---- the controller ----------------------------------------------------- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static uint64_t progress_sum(lg_run *r)
{
    uint64_t s = 0;
    for (long t = 0; t < r->o->threads; t++)
        s += atomic_load_explicit(&r->th[t].progress, memory_order_relaxed);
    return s;
}

typedef struct wait_spec {
    const char *what;       /* for the timeout message */
    int (*done)(lg_run *r); /* NULL: just wait `secs` */
    double secs;            /* hard limit (done) or duration (no done) */
    int watchdog;           /* fail after o->timeout s without progress */
} wait_spec;

/* Waits as w says; 0 done or time served, -1 error or timeout. */
static int wait_for(lg_run *r, const wait_spec *w)
{
    uint64_t start = lg_now(), last_change = start;
    uint64_t limit = start + (uint64_t)(w->secs * 1e9);
    uint64_t idle_max = (uint64_t)(r->o->timeout * 1e9);
    uint64_t last = progress_sum(r);
    for (;;) {
        if (atomic_load(&r->err))
            return -1;
        if (w->done && w->done(r))
            return 0;
        uint64_t now = lg_now();
        if (now >= limit) {
            if (!w->done)
                return 0;
            return lg_fail(r, LG_EXIT_TIMEOUT, "%s: not done after %.1f s",
                           w->what, w->secs);
        }
        uint64_t p = progress_sum(r);
        if (p != last) {
            last = p;
            last_change = now;
        } else if (w->watchdog &&
                   now - last_change > idle_max + LG_WATCHDOG_GRACE_NS) {
            return lg_fail(r, LG_EXIT_TIMEOUT, "%s: no reply for %.1f s",
                           w->what, r->o->timeout);
        }
        /* The controller shares the generator's CPU: wake rarely. */
        sleep_ms(5);
    }
}

static int all_ready(lg_run *r)
{
    return atomic_load(&r->ready) == r->total;
}

static int all_joined(lg_run *r)
{
    return all_ready(r) && atomic_load(&r->joined) == r->total - 1;
}

static int all_drained(lg_run *r)
{
    for (long t = 0; t < r->o->threads; t++) {
        if (!atomic_load(&r->th[t].drained))
            return 0;
    }
    return 1;
}

static int phase_done(lg_run *r)
{
    return lg_phase_get(r) == LG_PH_DONE;
}

static double connect_budget(const lg_run *r)
{
    return r->o->timeout + (double)r->total / MIN_CONN_RATE;
}

static int run_echo(lg_run *r)
{
    const lg_opts *o = r->o;
    wait_spec conn = {"connecting", all_ready, connect_budget(r), 1};
    wait_spec warm = {"warm-up", NULL, o->warmup, 1};
    wait_spec measure = {"measuring", NULL, o->duration, 1};
    wait_spec drain = {"waiting for the last acks", all_drained,
                       o->timeout + 2 * LG_WATCHDOG_GRACE_NS / 1e9, 1};
    lg_phase_set(r, LG_PH_CONNECT);
    if (wait_for(r, &conn) < 0)
        return -1;
    lg_phase_set(r, LG_PH_WARMUP);
    if (wait_for(r, &warm) < 0)
        return -1;
    lg_window_start(r, lg_now());
    lg_phase_set(r, LG_PH_MEASURE);
    if (wait_for(r, &measure) < 0)
        return -1;
    lg_window_end(r, lg_now());
    lg_phase_set(r, LG_PH_DRAIN);
    return wait_for(r, &drain);
}

static int run_fanout(lg_run *r)
{
    const lg_opts *o = r->o;
    double deliveries = (double)(r->warm + o->count) * (double)(r->total - 1);
    wait_spec conn = {"connecting and joining", all_joined, connect_budget(r),
                      1};
    wait_spec bc = {"broadcasting", phase_done,
                    o->timeout + deliveries / MIN_DELIVERY_RATE, 1};
    lg_phase_set(r, LG_PH_CONNECT);
    if (wait_for(r, &conn) < 0)
        return -1;
    lg_phase_set(r, LG_PH_WARMUP);
    return wait_for(r, &bc);
}

static int run_connect(lg_run *r, long *rss0, long *rss1)
{
    const lg_opts *o = r->o;
    wait_spec conn = {"connecting", all_ready, connect_budget(r), 1};
    /* Idle sockets make no progress: the hold has no watchdog. */
    wait_spec hold = {"holding", NULL, o->hold, 0};
    if (o->server_pid && lg_proc_rss_kib(o->server_pid, rss0) < 0)
        *rss0 = -1;
    lg_window_start(r, lg_now());
    lg_phase_set(r, LG_PH_CONNECT);
    if (wait_for(r, &conn) < 0)
        return -1;
    /* Tells a script that holds connections open that they all are. */
    printf("CONNECTED conns=%ld\n", o->conns);
    fflush(stdout);
    if (wait_for(r, &hold) < 0)
        return -1;
    if (o->server_pid && lg_proc_rss_kib(o->server_pid, rss1) < 0)
        *rss1 = -1;
    return 0;
}

/* ---- RESULT ------------------------------------------------------------- */

static const char *status_name(int code)
{
    switch (code) {
    case LG_EXIT_OK:
        return "ok";
    case LG_EXIT_CONN:
        return "connection_error";
    case LG_EXIT_PROTO:
        return "protocol_error";
    case LG_EXIT_TIMEOUT:
        return "timeout";
    default:
        return "error";
    }
}

static void print_latency(const lg_hist *h)
{
    printf(" p50_us=%.1f p99_us=%.1f", lg_hist_quantile(h, 0.50) / 1e3,
           lg_hist_quantile(h, 0.99) / 1e3);
}

static void print_cpu(const lg_run *r, double secs, const char *per, double n)
{
    if (!r->o->server_pid || !r->cpu_ok || n <= 0)
        return;
    double us = r->cpu1 - r->cpu0;
    printf(" server_cpu_pct=%.1f cpu_us_per_%s=%.2f", us / (secs * 1e4), per,
           us / n);
}

static void print_echo(const lg_run *r, const lg_hist *h, uint64_t msgs,
                       double secs)
{
    const lg_opts *o = r->o;
    printf(" conns=%ld inflight=%ld size=%ld secs=%.3f msgs=%llu "
           "msgs_per_s=%.0f",
           o->conns, o->inflight, o->size, secs, (unsigned long long)msgs,
           (double)msgs / secs);
    print_latency(h);
    print_cpu(r, secs, "msg", (double)msgs);
}

static void print_fanout(const lg_run *r, const lg_hist *h, double secs)
{
    const lg_opts *o = r->o;
    double deliv = (double)o->count * (double)o->conns;
    printf(" receivers=%ld broadcasts=%ld inflight=%ld size=%ld secs=%.3f "
           "deliveries=%.0f deliveries_per_s=%.0f broadcasts_per_s=%.1f",
           o->conns, o->count, o->inflight, o->size, secs, deliv, deliv / secs,
           (double)o->count / secs);
    print_latency(h);
    print_cpu(r, secs, "delivery", deliv);
}

static void print_connect(const lg_run *r, const lg_hist *h, double secs,
                          long rss0, long rss1)
{
    const lg_opts *o = r->o;
    printf(" conns=%ld parallel=%ld secs=%.3f conns_per_s=%.1f", o->conns,
           o->parallel, secs, (double)o->conns / secs);
    print_latency(h);
    print_cpu(r, secs, "conn", (double)o->conns);
    if (rss0 >= 0 && rss1 >= 0 && o->server_pid)
        printf(" hold_s=%.1f rss_before_kib=%ld rss_after_kib=%ld "
               "rss_kib_per_conn=%.2f",
               o->hold, rss0, rss1, (double)(rss1 - rss0) / (double)o->conns);
}

static void print_result(lg_run *r, int code, long rss0, long rss1)
{
    lg_hist h = {0};
    uint64_t msgs = 0;
    for (long t = 0; t < r->started; t++) {
        lg_hist_merge(&h, &r->th[t].hist);
        msgs += r->th[t].msgs;
    }
    double secs = (double)(r->t1 - r->t0) / 1e9;
    printf("RESULT mode=%s status=%s", r->o->mode_name, status_name(code));
    if (!code && secs > 0) {
        if (r->o->mode == LG_FANOUT)
            print_fanout(r, &h, secs);
        else if (r->o->mode == LG_CONNECT)
            print_connect(r, &h, secs, rss0, rss1);
        else
            print_echo(r, &h, msgs, secs);
    }
    printf("\n");
}

/* ---- main --------------------------------------------------------------- */

static void run_init(lg_run *r, const lg_opts *o)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    pthread_mutex_init(&r->err_lock, NULL);
    r->total = o->mode == LG_FANOUT ? o->conns + 1 : o->conns;
    r->warm = FANOUT_WARM;
    r->ops = o->mode == LG_FANOUT    ? &lg_fanout_ops
             : o->mode == LG_CONNECT ? &lg_connect_ops
                                     : &lg_echo_ops;
}

static int run_mode(lg_run *r, long *rss0, long *rss1)
{
    switch (r->o->mode) {
    case LG_ECHO:
    case LG_RTT:
        return run_echo(r);
    case LG_FANOUT:
        r->bcast = calloc((size_t)r->o->inflight, sizeof *r->bcast);
        if (!r->bcast)
            return lg_fail(r, LG_EXIT_CONN, "out of memory");
        return run_fanout(r);
    case LG_CONNECT:
        return run_connect(r, rss0, rss1);
    }
    return -1;
}

int main(int argc, char **argv)
{
    static lg_opts o;
    static lg_run r;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc > 0 ? 0 : LG_EXIT_USAGE;
    if (raise_nofile(o.mode == LG_FANOUT ? o.conns + 1 : o.conns) < 0)
        return LG_EXIT_USAGE;
    signal(SIGPIPE, SIG_IGN);
    run_init(&r, &o);
    long rss0 = -1, rss1 = -1;
    if (lg_threads_start(&r) == 0)
        run_mode(&r, &rss0, &rss1);
    int code = atomic_load(&r.err);
    lg_phase_set(&r, LG_PH_DONE);
    lg_threads_join(&r);
    if (code)
        fprintf(stderr, "loadgen: %s\n", r.errmsg);
    print_result(&r, code, rss0, rss1);
    fflush(stdout);
    return code;
}
