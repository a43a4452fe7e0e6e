/* sio_app.h - the process around a server (libsio): the standard
 * command line, a page and the browser client, SIGINT/SIGTERM, the start
 * and stop lines, the loop. A small app's main():
 *
 *     int main(int argc, char **argv)
 *     {
 *         sio_app app = {.www = "www", .setup = poll_register};
 *
 *         return sio_app_main(&app, argc, argv);
 *     }
 *
 * or, the same, SIO_APP_MAIN(.www = "www", .setup = poll_register).
 *
 * Standard options (each overrides what the program set):
 *   --host H  --port N (0: any free one)  --www DIR  --client-js FILE
 *   --cors-origin LIST  --tls-cert PEM --tls-key PEM
 *   --trusted-proxies LIST
 *   --ping-interval MS  --ping-timeout MS  --max-payload BYTES
 *   --max-buffered BYTES  --max-new-per-addr N  --connect-timeout MS
 *   --recovery SECONDS
 *   --log-level err|warn|info|debug  --help
 * plus the program's own (sio_app.extra). Bad usage prints the usage on
 * stderr and exits 1; --help prints it on stdout and exits 0.
 *
 * When ready it prints "NAME: listening on http://HOST:PORT/" on stdout
 * (flushed; tests parse it). SIGINT or SIGTERM stops the server
 * gracefully; "NAME: stopped" goes to stderr and the exit status is 0. */
#ifndef SIO_APP_H
#define SIO_APP_H

#include "sio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One option of the program's own: --NAME [ARG]. */
typedef struct sio_app_option {
    const char *name;   /* without "--", e.g. "secret" */
    const char *arg;    /* the argument's name in the usage ("S"); NULL:
                           a flag that takes none */
    const char *help;   /* one line for the usage */
    const char **value; /* set to the argument (borrowed from argv), or
                           to "" for a flag given; left alone otherwise */
} sio_app_option;

typedef struct sio_app {
    /* In the log lines; NULL: the last part of argv[0]. */
    const char *name;
    /* sio_app_main's default port; 0: 8000 (--port 0 asks for any free
     * one). */
    int port;
    /* A directory served at "/" (its index.html for "/"); NULL: none
     * unless --www. */
    const char *www;
    /* The browser client (socket.io-client's dist/socket.io.js), served
     * at /socket.io/socket.io.js when there is a page. NULL: the one make
     * install put in PREFIX/share/sioc, found from where libsio.so (or,
     * linked with libsio.a, the program) is: ../share/sioc beside its
     * directory, if it is there. */
    const char *client_js;
    /* Registers the handlers (a generated PREFIX_register fits); non-zero:
     * the server does not start. */
    int (*setup)(sio_server *srv);
    /* Before the server is freed, whenever setup ran (even when it
     * failed): releases what setup made. NULL: nothing to do. */
    void (*teardown)(sio_server *srv);
    /* The application object (sio_server_set_app, sio_ctx_app). */
    void *data;
    /* The program's own options, ending with an entry whose name is NULL;
     * NULL: none. */
    const sio_app_option *extra;
} sio_app;

/* Parses the command line into o (set it up first: sio_options_init and
 * the program's defaults) and a. Returns 0; 1 after --help (usage on
 * stdout); -1 on bad usage (usage on stderr). Strings stay borrowed
 * from argv. */
int sio_app_parse(sio_app *a, int argc, char **argv, sio_options *o);

/* Serves until SIGINT/SIGTERM: a new server with o, a->data as its app,
 * a->setup, the page and the client, the start line, the loop, the stop
 * line; frees the server. SIGINT and SIGTERM are blocked in the calling
 * thread meanwhile (a thread of its own waits for them) and SIGPIPE is
 * ignored. Returns the exit status: 0, or 1 after a failure it logged. */
int sio_app_serve(const sio_app *a, const sio_options *o);

/* sio_options_init, 127.0.0.1 and a->port (0: 8000) as defaults,
 * sio_app_parse, then sio_app_serve. Returns the exit status for main. */
int sio_app_main(sio_app *a, int argc, char **argv);

/* The whole main() of a program that needs nothing else: the arguments
 * are sio_app's fields, as designated initializers.
 *
 *     SIO_APP_MAIN(.www = "www", .setup = poll_register,
 *                  .data = &(poll_Tally){0})
 *
 * (a compound literal there lives as long as main). */
#define SIO_APP_MAIN(...)                                                   \
    int main(int argc, char **argv)                                        \
    {                                                                      \
        sio_app sio_app_main_ = {__VA_ARGS__};                             \
        return sio_app_main(&sio_app_main_, argc, argv);                   \
    }

/* For a program that runs its own loop (an eio_server, say): until
 * sio_app_signals_end, SIGINT and SIGTERM call stop(arg) on a thread of
 * their own; they are blocked in the calling thread, which must be the
 * only one so far. stop must be safe on any thread (eio_server_stop,
 * sio_server_stop are). Returns a handle (new), or NULL (logged). */
typedef struct sio_app_signals sio_app_signals;
sio_app_signals *sio_app_signals_start(void (*stop)(void *arg), void *arg);
/* Stops the waiting thread, restores the signal mask, frees s. */
void sio_app_signals_end(sio_app_signals *s);

#ifdef __cplusplus
}
#endif
#endif
