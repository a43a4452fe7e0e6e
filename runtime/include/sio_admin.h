/* sio_admin.h - the Socket.IO admin UI's server side (@socket.io/admin-ui
 * 0.5, its "development" mode) on a sio_server: a namespace (default
 * "/admin") where the admin UI's page logs in, sees every socket of every
 * namespace, their rooms and events as they happen, the server's stats
 * every two seconds, and emits, joins, leaves and disconnects sockets.
 * Built on the server's observers (sio_observer in sio.h). docs/admin.md
 * says what it supports and how to run it safely. */
#ifndef SIO_ADMIN_H
#define SIO_ADMIN_H

#include "sio.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sio_admin_options {
    /* The credentials the page must send (plaintext, compared in constant
     * time). username NULL: no authentication at all, anyone reaching the
     * port may steer every socket (for a trusted network only). */
    const char *username;
    const char *password;
    const char *namespace_name; /* default "/admin" */
    const char *server_id;      /* default: the host name */
    bool readonly;              /* no emit, join, leave or disconnect */
    unsigned stats_interval_ms; /* default 2000 */
    size_t max_sessions;        /* session ids remembered; default 100,
                                   the oldest forgotten past that */
    int log_level;              /* EIO_LOG_*; default EIO_LOG_INFO */
} sio_admin_options;

void sio_admin_options_init(sio_admin_options *o);

/* Opens the admin namespace on srv, before sio_server_run (strings are
 * copied). The server owns what this makes and frees it. 0, SIO_EINVAL
 * (a password without a username, a bad namespace name), SIO_EEXIST (the
 * namespace has a connect handler already), SIO_ELIMIT (no observer slot
 * left) or SIO_ENOMEM. */
int sio_admin_attach(sio_server *srv,
                     const sio_admin_options *o) SIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif

#endif
