/* sio_schema.c - the typed layer on the core: schema registration and
 * typed dispatch (requirements, then decoding, then the generated shim).
 *
 * Nothing that fails a requirement or a decoding reaches a handler: the
 * client gets an error ack, or the socket is disconnected, per the
 * schema, and the log gets one line. */
#include "sio_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sio_internal_typed.h"

bool sio_ctx_authenticated(sio_ctx *ctx)
{
    return ctx && ctx->s && siop_ctx_authenticated(ctx);
}

/* NULL if every requirement holds, else what failed. */
static const char *check_requires(sio_ctx *ctx, const sio_requires *r,
                                  char *buf, size_t n)
{
    if (!r)
        return NULL;
    if (r->auth && !siop_ctx_authenticated(ctx))
        return "unauthorized";
    for (size_t i = 0; i < r->nguards; i++) {
        if (!r->guards[i](ctx)) {
            snprintf(buf, n, "forbidden: %s", r->guard_names[i]);
            return buf;
        }
    }
    return NULL;
}

/* A requirement failed: Flask-SocketIO's authenticated_only (disconnect), or
 * an error ack when the schema says so and the client asked for one. */
static void refuse_event(sio_ctx *ctx, const sio_requires *r, const char *why)
{
    char line[160];

    /* The client asked for an answer it will never get: easy to take
     * for a hang, so say so louder. */
    if (r->on_fail != SIO_FAIL_ACK && sio_ctx_wants_ack(ctx)) {
        snprintf(line, sizeof line,
                 "%s: disconnected; its ack is never answered (the "
                 "schema's 'else ack' would answer it)",
                 why);
        siop_log(ctx->s, EIO_LOG_WARN, ctx->event, line);
    } else {
        siop_log(ctx->s, EIO_LOG_INFO, ctx->event, why);
    }
    if (r->on_fail == SIO_FAIL_ACK) {
        if (sio_ctx_wants_ack(ctx))
            (void)sio_ack_error(ctx, why);
        return;
    }
    sio_disconnect(ctx->s);
}

/* Requirements (checked again on the streaming path, which decodes
 * first), then the generated shim with out; resets arena. */
static void typed_call(sio_ctx *ctx, const sio_event_desc *ev, void *out,
                       sio_arena *arena)
{
    char buf[128];
    const char *why = check_requires(ctx, ev->req, buf, sizeof buf);
    sio_ack_ref ack = {0};

    if (why) {
        refuse_event(ctx, ev->req, why);
        siop_arena_reset(arena);
        return;
    }
    if (ev->ack)
        ack = siop_typed_ack_take(ctx, ev->name);
    ev->invoke(ctx, out, ack);
    siop_arena_reset(arena);
}

static void typed_event(sio_ctx *ctx, json_t *args, void *ud)
{
    const sio_event_desc *ev = ud;
    sio_arena *arena = ctx->s->ns->srv->arena;
    sio_error err;
    char buf[128];
    const char *why = check_requires(ctx, ev->req, buf, sizeof buf);
    void *out;

    if (why) {
        refuse_event(ctx, ev->req, why);
        return;
    }
    out = siop_arena_alloc(arena, ev->args->size);
    if (!out || siop_decode_params(ev->args, args, out, arena, &err) != 0) {
        why = out ? err.text : "out of memory";
        siop_log(ctx->s, EIO_LOG_INFO, ctx->event, why);
        if (sio_ctx_wants_ack(ctx))
            (void)sio_ack_error(ctx, why);
        siop_arena_reset(arena);
        return;
    }
    typed_call(ctx, ev, out, arena);
}

/* The typed event handler of name in the packet's namespace, if the
 * socket is connected; NULL otherwise (the tree path decides). */
static const sio_event_desc *fast_target(sio_conn *c, const sio_packet *p,
                                         const char *name, sio_socket **s)
{
    handler *h;

    *s = siop_conn_find(c, p->nsp, p->nsp_len);
    if (!*s || (*s)->state != SOCK_CONNECTED)
        return NULL;
    h = map_get(&(*s)->ns->events, name, strlen(name));
    return h && h->fn == typed_event ? h->ud : NULL;
}

bool siop_typed_fast_event(sio_conn *c, const uint8_t *buf, size_t len)
{
    sio_arena *arena = c->srv->arena;
    const char *text;
    const sio_event_desc *ev;
    sio_socket *s;
    sio_packet p;
    sio_error err;
    size_t body, at;
    char name[128];
    void *out;

    /* Observers are handed json_t packets: the tree path has them. */
    if (!len || buf[0] != '0' + SIO_PKT_EVENT || SIOP_OBSERVED(c->srv) ||
        siop_packet_parse_head((const char *)buf, len,
                               c->srv->opt.max_attachments, &p, &body,
                               &err) != 0)
        return false;
    text = (const char *)buf + body;
    if (siop_text_event_name(text, len - body, name, sizeof name, &at, arena) !=
            0 ||
        !(ev = fast_target(c, &p, name, &s)) ||
        !(out = siop_arena_alloc(arena, ev->args->size)) ||
        siop_text_decode_event(ev->args, text, len - body, at, out, arena)) {
        siop_arena_reset(arena);
        return false;
    }
    sio_ctx ctx = {.s = s,
                   .conn = c,
                   .event = name,
                   .ack_id = p.id,
                   .args_text = text,
                   .args_len = len - body};
    s->refs++;
    typed_call(&ctx, ev, out, arena);
    siop_ctx_fini(&ctx);
    siop_socket_unref(s);
    return true;
}

/* The auth payload's fields into a new struct in arena; NULL or why not.
 * The core gives an empty object for a CONNECT without payload; any
 * other non-object is refused (siop_decode_object). */
static const char *decode_auth(const sio_params *p, json_t *auth,
                               sio_arena *arena, void **out, sio_error *err)
{
    if (!(*out = siop_arena_alloc(arena, p->size)))
        return "out of memory";
    if (siop_decode_object(p, auth, *out, arena, err) != 0)
        return err->text;
    return NULL;
}

/* An auth payload that is not an object ("str", [1]) is refused, even
 * when every field is optional. The connect handler still runs, with
 * every field absent, so that it can choose the message (sio_refuse) as
 * it does for a missing field; whatever it returns, the connection is
 * refused. */
static int refuse_non_object(sio_ctx *ctx, const sio_namespace_desc *nd)
{
    sio_arena *arena = ctx->s->ns->srv->arena;
    sio_error err;
    json_t *none = NULL;
    void *out = NULL;

    siop_log(ctx->s, EIO_LOG_INFO, NULL, "auth payload is not an object");
    (void)sio_refuse(ctx, "expected an object", NULL);
    if (nd->on_connect &&
        (!nd->auth || ((none = json_object()) &&
                       !decode_auth(nd->auth, none, arena, &out, &err))))
        (void)nd->on_connect(ctx, out);
    json_decref(none); /* nothing decoded points into an empty object */
    siop_arena_reset(arena);
    return -1;
}

static int typed_connect(sio_ctx *ctx, json_t *auth, void *ud)
{
    const sio_namespace_desc *nd = ud;
    sio_arena *arena = ctx->s->ns->srv->arena;
    sio_error err;
    char buf[128];
    const char *why = check_requires(ctx, nd->req, buf, sizeof buf);
    void *out = NULL;
    int rc;

    if (!why && (!json_is_object(auth) || sio_is_bytes(auth)))
        return refuse_non_object(ctx, nd);
    if (!why && nd->auth)
        why = decode_auth(nd->auth, auth, arena, &out, &err);
    if (why) {
        siop_log(ctx->s, EIO_LOG_INFO, NULL, why);
        (void)sio_refuse(ctx, why, NULL);
        siop_arena_reset(arena);
        return -1;
    }
    rc = nd->on_connect ? nd->on_connect(ctx, out) : 0;
    siop_arena_reset(arena);
    return rc;
}

static void typed_any(sio_ctx *ctx, json_t *args, void *ud)
{
    const sio_namespace_desc *nd = ud;
    char buf[128];
    const char *why = check_requires(ctx, nd->req, buf, sizeof buf);

    if (why) {
        refuse_event(ctx, nd->req, why);
        return;
    }
    nd->on_any(ctx, ctx->event, args);
}

static int register_namespace(sio_server *srv, const sio_namespace_desc *nd)
{
    sio_namespace *ns = sio_server_of(srv, nd->name);
    int rc;

    if (!ns)
        return SIO_ENOMEM;
    /* Always: even without a connect, the auth payload must be an
     * object. */
    rc = sio_namespace_on_connect(ns, typed_connect, (void *)nd);
    if (rc)
        return rc;
    if (nd->on_any && (rc = sio_namespace_on_any(ns, typed_any, (void *)nd)))
        return rc;
    for (size_t i = 0; i < nd->nevents; i++) {
        const sio_event_desc *ev = &nd->events[i];
        rc = sio_namespace_on(ns, ev->name, typed_event, (void *)ev);
        if (rc)
            return rc;
    }
    return 0;
}

int sio_schema_register(sio_server *srv, const sio_schema_desc *schema)
{
    if (!srv || !schema || schema->abi != SIO_TYPED_ABI)
        return SIO_EINVAL;
    for (size_t i = 0; i < schema->nnamespaces; i++) {
        int rc = register_namespace(srv, &schema->namespaces[i]);
        if (rc)
            return rc;
    }
    return 0;
}
