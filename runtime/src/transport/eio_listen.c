/* eio_listen.c - the listening socket of reuse_port (SO_REUSEPORT): lws
 * 4.1 sets that option only on Windows, so the server opens the socket
 * itself, accepts on its libev loop and hands each connection to the
 * vhost (lws_adopt_socket_vhost), as lws' own listener would. Several
 * processes, each with its loop, then share one port; the kernel spreads
 * new connections among them. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "eio_internal.h"

/* Listen backlog: bursts of handshakes queue here, not in SYN drops. */
#define BACKLOG 1024

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    eio_server *srv = w->data;

    (void)loop;
    (void)revents;
    for (;;) {
        int fd =
            accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                LOGF(srv, EIO_LOG_WARN, "eio: accept: %s", strerror(errno));
            if (errno != EINTR)
                return;
            continue;
        }
        if (!lws_adopt_socket_vhost(srv->vhost, fd))
            close(fd); /* lws logged why */
    }
}

/* A bound, listening socket for host:port with SO_REUSEPORT, or -1. */
static int open_socket(eio_server *srv)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
                    *ai = NULL;
    char port[8];
    int one = 1, fd = -1;

    snprintf(port, sizeof port, "%d", srv->opts.port);
    if (getaddrinfo(srv->host, port, &hints, &ai) != 0 || !ai)
        return -1;
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
        listen(fd, BACKLOG) != 0) {
        LOGF(srv, EIO_LOG_ERR, "eio: reuse_port: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage sa;
    socklen_t n = sizeof sa;

    if (getsockname(fd, (struct sockaddr *)&sa, &n) != 0)
        return -1;
    if (sa.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
    return ntohs(((struct sockaddr_in *)&sa)->sin_port);
}

int eiop_listen_shared(eio_server *srv)
{
    if (!srv->evloop) {
        LOGF(srv, EIO_LOG_ERR, "eio: reuse_port needs the libev loop");
        return -1;
    }
    srv->listen_fd = open_socket(srv);
    if (srv->listen_fd < 0)
        return -1;
    srv->port = bound_port(srv->listen_fd);
    ev_io_init(&srv->listen_ev, on_accept, srv->listen_fd, EV_READ);
    srv->listen_ev.data = srv;
    ev_io_start(srv->evloop, &srv->listen_ev);
    return 0;
}

void eiop_listen_close(eio_server *srv)
{
    if (srv->listen_fd < 0)
        return;
    ev_io_stop(srv->evloop, &srv->listen_ev);
    close(srv->listen_fd);
    srv->listen_fd = -1;
}
