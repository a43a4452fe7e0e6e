/* sio_web.h - the web layer's shared structures (internal, prefix
 * siop_): the extension a sio_server gets on first use of an HTTP,
 * route or session function (sio_web.c), and the request a route
 * answers. Web sees the core only through sio_ext.h and the public API. */
#ifndef SIO_WEB_H
#define SIO_WEB_H

#include <stdbool.h>

#include "sio.h"
#include "sio_ext.h"
#include "log.h"
#include "util.h"

/* Everything the web layer keeps per server; parts are NULL until used. */
typedef struct sio_web {
    sio_server *srv;
    struct sio_http *http;           /* files, static dirs, the hook */
    struct sio_routes *routes;       /* routes and their hooks */
    struct sio_websession *sessions; /* NULL: sessions off */
} sio_web;

/* The server's web extension, installed on first use; NULL when out of
 * memory. */
sio_web *siop_web(sio_server *srv);
/* The server's web extension if installed, else NULL. */
sio_web *siop_web_get(const sio_server *srv);

/* Room for one cookie's value: a browser keeps about 4096 bytes per
 * cookie, name and attributes included. */
#define SIO_WEB_COOKIE_BUF 4096

/* An HTTP request being answered by a route (sio_route.c). */
#define SIO_REQ_MAX_PARAMS 8
#define SIO_REQ_MAX_HEADERS 16
struct sio_req {
    sio_server *srv;
    eio_http_req *http;
    struct {
        const char *name; /* in the pattern */
        size_t nlen;
        char *value;
    } params[SIO_REQ_MAX_PARAMS];
    size_t nparams;
    json_t *form, *json;
    bool form_parsed, json_parsed, answered;
    char *hdrs[SIO_REQ_MAX_HEADERS * 2]; /* name, value pairs */
    size_t nhdrs;
    json_t *cookies; /* name -> value, each kept until the request ends */
    /* the session of the request (sio_websession.c) */
    json_t *session;
    char *session_id;
    bool session_loaded, session_dirty;
    bool session_rotate; /* logged in or out: a new store id at save */
};

/* sio_http.c */
/* 0 if answered, non-zero for 404. */
int siop_http_request(sio_web *web, eio_http_req *r);
void siop_http_free(sio_web *web);

/* sio_req.c */
/* Parses a form body once; false if it cannot be read without loss (a
 * NUL byte in a name or value). */
bool siop_req_form_ok(sio_req *r);
/* An application/x-www-form-urlencoded body as an object of strings
 * (new reference; NULL on OOM): '+' is a space, %XX a byte, the first of
 * a repeated name wins, empty names and non-UTF-8 are dropped; *nul is
 * set when a name or value held a NUL byte. */
json_t *siop_form_parse(const char *body, size_t len, bool *nul);

/* sio_route.c */
/* Matches path against pattern ("/a/<name>/b": <name> takes one
 * non-empty segment), filling r's params (new strings); true on a match.
 * The caller frees the params either way. */
bool siop_route_match(const char *pattern, const char *path, sio_req *r);
/* 0 if a route answered (or 405), non-zero if none matched. */
int siop_route_request(sio_web *web, eio_http_req *http);
void siop_routes_free(sio_web *web);

/* sio_websession.c */
/* Before the response goes: 0, or the store's error (SIO_ELIMIT: full,
 * SIO_ENOMEM), one log line; the response then says so instead. */
int siop_session_req_save(sio_req *r);
void siop_session_req_fini(sio_req *r);
/* A connection's session at the handshake (its state, or NULL). */
void *siop_session_conn_open(sio_web *web, eio_session *es);
void siop_session_conn_free(void *conn);
void siop_sessions_free(sio_web *web);
/* The requires-auth test: a user id and, with a loader, a user. */
bool siop_ctx_authenticated_user(sio_ctx *ctx);

#endif
