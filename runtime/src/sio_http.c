/* sio_http.c - the small HTTP side of a sio_server: files at exact
 * paths, static directories, and an application hook, on the port the
 * Socket.IO server listens on. */
#include "sio_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct http_file {
    struct http_file *next;
    char *path, *file, *ctype;
} http_file;

typedef struct http_dir {
    struct http_dir *next;
    char *prefix, *root; /* root: realpath of the directory */
} http_dir;

struct sio_http {
    http_file *files;
    http_dir *dirs;
    sio_http_fn fn;
    void *ud;
};

static struct sio_http *http_of(sio_server *srv)
{
    if (!srv->http)
        srv->http = calloc(1, sizeof *srv->http);
    return srv->http;
}

int sio_http_file(sio_server *srv, const char *path, const char *file,
                  const char *content_type)
{
    struct sio_http *h = http_of(srv);
    http_file *f = calloc(1, sizeof *f);

    if (!h || !f || !(f->path = strdup(path)) || !(f->file = strdup(file)) ||
        (content_type && !(f->ctype = strdup(content_type)))) {
        if (f) {
            free(f->path);
            free(f->file);
        }
        free(f);
        return SIO_ENOMEM;
    }
    f->next = h->files;
    h->files = f;
    return 0;
}

int sio_http_static(sio_server *srv, const char *prefix, const char *dir)
{
    struct sio_http *h = http_of(srv);
    http_dir *d = calloc(1, sizeof *d);

    if (!h || !d || !(d->prefix = strdup(prefix)) ||
        !(d->root = realpath(dir, NULL))) {
        if (d)
            free(d->prefix);
        free(d);
        return h ? SIO_EINVAL : SIO_ENOMEM;
    }
    d->next = h->dirs;
    h->dirs = d;
    return 0;
}

int sio_http_on(sio_server *srv, sio_http_fn fn, void *ud)
{
    struct sio_http *h = http_of(srv);
    if (!h)
        return SIO_ENOMEM;
    h->fn = fn;
    h->ud = ud;
    return 0;
}

/* The file under d for path, or -1: nothing outside d->root. */
static int resolve(const http_dir *d, const char *path, char *out)
{
    char joined[PATH_MAX], *real;
    const char *rest = path + strlen(d->prefix);
    size_t rl = strlen(d->root);
    int n;

    if (strstr(rest, "..") || strchr(rest, '\\'))
        return -1;
    while (*rest == '/')
        rest++;
    n = snprintf(joined, sizeof joined, "%s/%s%s", d->root, rest,
                 (!*rest || rest[strlen(rest) - 1] == '/') ? "index.html" : "");
    if (n < 0 || (size_t)n >= sizeof joined || !(real = realpath(joined, out)))
        return -1;
    /* Symlinks may point out of the root: check the resolved path. */
    if (strncmp(real, d->root, rl) != 0 || (real[rl] && real[rl] != '/'))
        return -1;
    return 0;
}

static bool is_get(const eio_http_req *r)
{
    return strcmp(eio_http_method(r), "GET") == 0 ||
           strcmp(eio_http_method(r), "HEAD") == 0;
}

/* Is path prefix itself or under it? Whole segments only: "/static"
 * holds "/static/a.css", not "/staticfoo". */
static bool under_prefix(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 &&
           ((n && prefix[n - 1] == '/') || path[n] == '\0' || path[n] == '/');
}

static int serve_static(struct sio_http *h, eio_http_req *r)
{
    const char *path = eio_http_path(r);
    char file[PATH_MAX];

    for (http_file *f = h->files; f; f = f->next)
        if (strcmp(f->path, path) == 0)
            return eio_http_file(r, f->file, f->ctype);
    for (http_dir *d = h->dirs; d; d = d->next)
        if (under_prefix(path, d->prefix) && resolve(d, path, file) == 0)
            return eio_http_file(r, file, NULL);
    return -1;
}

int siop_http_request(sio_server *srv, eio_http_req *r)
{
    struct sio_http *h = srv->http;

    if (h && is_get(r) && serve_static(h, r) == 0)
        return 0;
    if (siop_route_request(srv, r) == 0)
        return 0;
    return h && h->fn ? h->fn(r, h->ud) : 1;
}

void siop_http_free(sio_server *srv)
{
    struct sio_http *h = srv->http;

    if (!h)
        return;
    while (h->files) {
        http_file *f = h->files;
        h->files = f->next;
        free(f->path);
        free(f->file);
        free(f->ctype);
        free(f);
    }
    while (h->dirs) {
        http_dir *d = h->dirs;
        h->dirs = d->next;
        free(d->prefix);
        free(d->root);
        free(d);
    }
    free(h);
    srv->http = NULL;
}
