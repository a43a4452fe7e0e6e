/* eio_request.c - what a session keeps of its handshake request: headers,
 * query arguments, remote address, method and path. Captured once, in
 * one allocation, because the HTTP request (and lws' header table) is
 * gone long before the session is. */
#include "eio_internal.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>

/* Longest header value or query argument kept; longer ones are cut. */
#define VALUE_MAX 8192
#define MAX_QUERY 64
#define MAX_EXTRA 32

struct pair {
    char *name, *value;
};

struct capture {
    struct pair h[WSI_TOKEN_COUNT + MAX_EXTRA], q[MAX_QUERY];
    size_t nh, nq, bytes;
    char remote[64], path[256];
    const char *method;
};

static bool skip_token(int t)
{
    switch (t) {
    case WSI_TOKEN_GET_URI:
    case WSI_TOKEN_POST_URI:
    case WSI_TOKEN_OPTIONS_URI:
    case WSI_TOKEN_HTTP_URI_ARGS:
    case WSI_TOKEN_PUT_URI:
    case WSI_TOKEN_PATCH_URI:
    case WSI_TOKEN_DELETE_URI:
    case WSI_TOKEN_CONNECT:
    case WSI_TOKEN_HEAD_URI:
    case WSI_TOKEN_HTTP:
        return true;
    default:
        return false;
    }
}

static char *dup_lower_name(const char *name)
{
    size_t n = strlen(name);
    char *d;

    if (n && name[n - 1] == ':')
        n--;
    d = malloc(n + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++)
        d[i] =
            (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    d[n] = '\0';
    return d;
}

static int add_pair(struct pair *v, size_t *n, size_t *bytes, char *name,
                    char *value)
{
    if (!name || !value) {
        free(name);
        free(value);
        return -1;
    }
    v[*n].name = name;
    v[*n].value = value;
    (*n)++;
    *bytes += strlen(name) + strlen(value) + 2;
    return 0;
}

/* What a session keeps when its options name nothing: the headers
 * handlers and the runtime read (sessions, CSRF and origin checks,
 * proxies, logs). A handshake can carry ~90 others, each up to
 * VALUE_MAX: kept for the session's life, they would multiply what an
 * idle connection costs. */
static const char *const default_kept[] = {"cookie",
                                           "origin",
                                           "referer",
                                           "host",
                                           "user-agent",
                                           "authorization",
                                           "accept-language",
                                           "x-forwarded-for",
                                           "x-forwarded-proto",
                                           "x-forwarded-host",
                                           "x-real-ip",
                                           "forwarded",
                                           NULL};

/* Is the lws token name ("cookie:") in keep (NULL: keep everything)? */
static bool kept(const char *const *keep, const char *name)
{
    size_t n = strlen(name);

    if (!keep || (keep[0] && strcmp(keep[0], "*") == 0))
        return true;
    if (n && name[n - 1] == ':')
        n--;
    for (size_t i = 0; keep[i]; i++)
        if (strlen(keep[i]) == n && strncasecmp(keep[i], name, n) == 0)
            return true;
    return false;
}

static int capture_headers(struct lws *wsi, const char *const *keep,
                           struct capture *c)
{
    for (int t = 0; t < WSI_TOKEN_COUNT; t++) {
        const char *name = (const char *)lws_token_to_string(t);
        int len = lws_hdr_total_length(wsi, t);
        char *value;

        if (len <= 0 || !name || name[0] == ':' || skip_token(t) ||
            !kept(keep, name))
            continue;
        if (len > VALUE_MAX)
            len = VALUE_MAX;
        value = malloc((size_t)len + 1);
        if (value && lws_hdr_copy(wsi, value, len + 1, t) < 0)
            value[0] = '\0';
        if (add_pair(c->h, &c->nh, &c->bytes, dup_lower_name(name), value))
            return -1;
    }
    return 0;
}

/* Named non-standard headers: lws keeps them only by name, lower-case
 * with the colon. */
static int capture_extra(struct lws *wsi, const char *const *names,
                         struct capture *c)
{
    for (int i = 0; names && names[i] && i < MAX_EXTRA; i++) {
        char key[128], *value;
        int klen = snprintf(key, sizeof key, "%s:", names[i]), len;

        if (klen <= 1 || klen >= (int)sizeof key)
            continue;
        for (int k = 0; k < klen; k++)
            if (key[k] >= 'A' && key[k] <= 'Z')
                key[k] = (char)(key[k] + 32);
        len = lws_hdr_custom_length(wsi, key, klen);
        if (len < 0 || len > VALUE_MAX)
            continue;
        value = malloc((size_t)len + 1);
        if (value && lws_hdr_custom_copy(wsi, value, len + 1, key, klen) < 0)
            value[0] = '\0';
        if (add_pair(c->h, &c->nh, &c->bytes, dup_lower_name(key), value))
            return -1;
    }
    return 0;
}

static int capture_query(struct lws *wsi, struct capture *c)
{
    char frag[VALUE_MAX];

    for (int i = 0; c->nq < MAX_QUERY; i++) {
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag,
                                      WSI_TOKEN_HTTP_URI_ARGS, i);
        char *eq, *name, *value;
        if (n < 0)
            break;
        eq = strchr(frag, '=');
        if (eq)
            *eq = '\0';
        name = strdup(frag);
        value = strdup(eq ? eq + 1 : "");
        if (add_pair(c->q, &c->nq, &c->bytes, name, value))
            return -1;
    }
    return 0;
}

static void capture_line(struct lws *wsi, struct capture *c)
{
    static const char *const methods[] = {"GET",   "POST",   "OPTIONS", "PUT",
                                          "PATCH", "DELETE", "CONNECT", "HEAD"};
    char *uri;
    int ulen, m = lws_http_get_uri_and_method(wsi, &uri, &ulen);

    c->method = m >= 0 && m < 8 ? methods[m] : "GET";
    if (m < 0 || ulen < 0)
        ulen = 0;
    if ((size_t)ulen >= sizeof c->path)
        ulen = sizeof c->path - 1;
    memcpy(c->path, m >= 0 ? uri : "", (size_t)ulen);
    c->path[ulen] = '\0';
    lws_get_peer_simple(wsi, c->remote, sizeof c->remote);
}

/* Behind a trusted proxy the client is named by X-Forwarded-For. */
/* Read from lws, not from the capture: a session may not keep it. */
static void resolve_remote(struct lws *wsi, const eio_server *srv,
                           struct capture *c)
{
    char peer[sizeof c->remote], xff[VALUE_MAX];
    int len = lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR);

    if (!srv->nproxies)
        return;
    if (len <= 0 || len >= (int)sizeof xff ||
        lws_hdr_copy(wsi, xff, sizeof xff, WSI_TOKEN_X_FORWARDED_FOR) < 0)
        len = 0;
    memcpy(peer, c->remote, sizeof peer);
    eiop_client_addr(srv->proxies, srv->nproxies, peer, len > 0 ? xff : NULL,
                     c->remote, sizeof c->remote);
}

static const char *put_str(char **cursor, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = *cursor;
    memcpy(d, s, n);
    *cursor += n;
    return d;
}

/* Lays the captured strings out after the struct, in one block. */
static eio_request *pack(const struct capture *c)
{
    size_t ptrs = 2 * (c->nh + c->nq) * sizeof(char *);
    size_t size = sizeof(eio_request) + ptrs + c->bytes + strlen(c->remote) +
                  strlen(c->path) + 2;
    eio_request *r = malloc(size);
    char *cur;

    if (!r)
        return NULL;
    r->nheaders = c->nh;
    r->nquery = c->nq;
    r->headers = (const char **)(r + 1);
    r->query = r->headers + 2 * c->nh;
    cur = (char *)(r->query + 2 * c->nq);
    for (size_t i = 0; i < c->nh; i++) {
        r->headers[2 * i] = put_str(&cur, c->h[i].name);
        r->headers[2 * i + 1] = put_str(&cur, c->h[i].value);
    }
    for (size_t i = 0; i < c->nq; i++) {
        r->query[2 * i] = put_str(&cur, c->q[i].name);
        r->query[2 * i + 1] = put_str(&cur, c->q[i].value);
    }
    r->remote = put_str(&cur, c->remote);
    r->path = put_str(&cur, c->path);
    r->method = c->method; /* static string */
    return r;
}

eio_request *eiop_request_capture(struct lws *wsi, bool session)
{
    const eio_options *o = &eiop_server_of(wsi)->opts;
    const char *const *keep = NULL;
    struct capture *c = calloc(1, sizeof *c);
    eio_request *r = NULL;

    if (!c)
        return NULL;
    if (session)
        keep = o->session_headers ? o->session_headers : default_kept;
    capture_line(wsi, c);
    if (capture_headers(wsi, keep, c) == 0 &&
        capture_extra(wsi, o->extra_headers, c) == 0 &&
        capture_query(wsi, c) == 0) {
        resolve_remote(wsi, eiop_server_of(wsi), c);
        r = pack(c);
    }
    for (size_t i = 0; i < c->nh; i++)
        free(c->h[i].name), free(c->h[i].value);
    for (size_t i = 0; i < c->nq; i++)
        free(c->q[i].name), free(c->q[i].value);
    free(c);
    return r;
}

static const char *find(const char **v, size_t n, const char *name, bool icase)
{
    for (size_t i = 0; i < n; i++)
        if (icase ? strcasecmp(v[2 * i], name) == 0
                  : strcmp(v[2 * i], name) == 0)
            return v[2 * i + 1];
    return NULL;
}

const char *eiop_request_find(const eio_request *r, const char *name,
                              bool header)
{
    return header ? find(r->headers, r->nheaders, name, true)
                  : find(r->query, r->nquery, name, false);
}

const char *eio_session_header(const eio_session *s, const char *name)
{
    return find(s->req->headers, s->req->nheaders, name, true);
}

const char *eio_session_query(const eio_session *s, const char *name)
{
    return find(s->req->query, s->req->nquery, name, false);
}

const char *eio_session_remote_addr(const eio_session *s)
{
    return s->req->remote;
}

const char *eio_session_method(const eio_session *s)
{
    return s->req->method;
}

const char *eio_session_path(const eio_session *s)
{
    return s->req->path;
}

size_t eio_session_headers(const eio_session *s, const char *const **pairs)
{
    *pairs = s->req->headers;
    return s->req->nheaders;
}

size_t eio_session_queries(const eio_session *s, const char *const **pairs)
{
    *pairs = s->req->query;
    return s->req->nquery;
}

/* ---- the Engine.IO request's checks -------------------------------------- */

static const char *const error_messages[] = {
    "Transport unknown", "Session ID unknown", "Bad handshake method",
    "Bad request",       "Forbidden",          "Unsupported protocol version",
    "Too many sessions",
};

int eiop_error_status(int code)
{
    return code == ERR_FORBIDDEN           ? 403
           : code == ERR_TOO_MANY_SESSIONS ? 503
                                           : 400;
}

const char *eiop_error_message(int code)
{
    return error_messages[code];
}

/* Query argument name (without '='), from lws' decoded fragments. */
static const char *query_arg(struct lws *wsi, const char *name, char *buf,
                             int len)
{
    char key[32];
    snprintf(key, sizeof key, "%s=", name);
    return lws_get_urlarg_by_name(wsi, key, buf, len);
}

/* May this client (named as the session will name it: behind a trusted
 * proxy by X-Forwarded-For) open one more session? */
static bool fresh_room(const eio_server *srv, struct lws *wsi)
{
    char peer[64], addr[64], xff[VALUE_MAX + 1];
    bool has_xff =
        srv->nproxies &&
        eiop_hdr_copy(wsi, WSI_TOKEN_X_FORWARDED_FOR, xff, sizeof xff) == 0;

    lws_get_peer_simple(wsi, peer, sizeof peer);
    eiop_client_addr(srv->proxies, srv->nproxies, peer, has_xff ? xff : NULL,
                     addr, sizeof addr);
    return eiop_fresh_room((eio_server *)srv, addr);
}

/* Checks the query of an Engine.IO request: -1 ok, else an error code.
 * *sout is the session named by sid (NULL: a handshake). */
int eiop_verify_request(struct lws *wsi, enum req_kind kind, bool is_get,
                        eio_session **sout)
{
    eio_server *srv = eiop_server_of(wsi);
    /* lws copies each "name=value" fragment whole while searching, and
     * stops at one that does not fit: size for the longest we accept. */
    char tb[512], eb[512], sb[512];
    const char *tr = query_arg(wsi, "transport", tb, sizeof tb);
    const char *eio = query_arg(wsi, "EIO", eb, sizeof eb);
    const char *sid = query_arg(wsi, "sid", sb, sizeof sb);
    bool want_ws = kind == REQ_WEBSOCKET;

    *sout = NULL;
    if (!tr || (strcmp(tr, "websocket") != 0 && strcmp(tr, "polling") != 0) ||
        !(strcmp(tr, "websocket") == 0 ? srv->opts.websocket
                                       : srv->opts.polling))
        return ERR_TRANSPORT_UNKNOWN;
    /* A known transport on the wrong kind of request (a websocket
     * without the upgrade, or the reverse). */
    if (strcmp(tr, want_ws ? "websocket" : "polling") != 0)
        return ERR_BAD_REQUEST;
    if (sid) {
        eio_session *s = map_get(&srv->sessions, sid, strlen(sid));
        if (!s || s->state == SS_DEAD)
            return ERR_UNKNOWN_SID;
        /* After an upgrade the polling transport is gone. A websocket
         * that cannot upgrade this session is accepted and closed at
         * once (eiop_ws_established), as the reference server does. */
        if (!want_ws && s->tr->kind != TR_POLLING)
            return ERR_BAD_REQUEST;
        *sout = s;
        return -1;
    }
    if (!is_get)
        return ERR_BAD_HANDSHAKE_METHOD;
    if (!eio || strcmp(eio, "4") != 0)
        return ERR_UNSUPPORTED_PROTOCOL_VERSION;
    if (srv->stopping)
        return ERR_FORBIDDEN;
    if (!fresh_room(srv, wsi))
        return ERR_TOO_MANY_SESSIONS;
    return -1;
}

bool eiop_path_matches(const eio_server *srv, const char *uri, int len)
{
    size_t n = strlen(srv->opts.path);
    /* "/socket.io/" also matches "/socket.io" (no trailing slash). */
    if ((size_t)len == n || (size_t)len == n - 1)
        return strncmp(uri, srv->opts.path, (size_t)len) == 0;
    return false;
}

/* A refused WebSocket upgrade gets the same answer as a refused poll.
 * lws closes the connection as soon as its filter says no, with nothing
 * queued: so the answer is written here, whole, in one write. */
void eiop_refuse_upgrade(struct lws *wsi, int code)
{
    unsigned char buf[LWS_PRE + 512], *start = buf + LWS_PRE, *pp = start,
                                      *end = buf + sizeof buf - 1;
    char body[96];
    int n = snprintf(body, sizeof body, "{\"code\":%d,\"message\":\"%s\"}",
                     code, error_messages[code]);

    LOGF(eiop_server_of(wsi), EIO_LOG_INFO, "eio: upgrade refused: %s",
         error_messages[code]);
    if (n < 0 || (size_t)n >= sizeof body ||
        lws_add_http_common_headers(wsi, eiop_error_status(code),
                                    "application/json", (lws_filepos_t)n, &pp,
                                    end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
                                     (const unsigned char *)"close", 5, &pp,
                                     end) ||
        lws_finalize_http_header(wsi, &pp, end) || end - pp < n)
        return;
    memcpy(pp, body, (size_t)n);
    pp += n;
    lws_write(wsi, start, (size_t)(pp - start), LWS_WRITE_HTTP_HEADERS);
}

void eiop_respond_error(struct lws *wsi, struct pss *p, int code)
{
    char body[96];
    snprintf(body, sizeof body, "{\"code\":%d,\"message\":\"%s\"}", code,
             error_messages[code]);
    eiop_respond_text(wsi, p, eiop_error_status(code), "application/json",
                      body);
}
