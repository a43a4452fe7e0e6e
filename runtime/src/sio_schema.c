/* sio_schema.c - the typed layer on the core: schema registration and
 * typed dispatch (requirements, then decoding, then the generated shim),
 * typed emits and acks, emits that wait for the client's ack, emit
 * targets, and the connection's logged-in user.
 *
 * Nothing that fails a requirement or a decoding reaches a handler: the
 * client gets an error ack, or the socket is disconnected, per the
 * schema, and the log gets one line. */
#include "sio_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sio_internal_typed.h"

#define DEFAULT_ACK_TIMEOUT_MS 10000

/* ---- typed emits and acks -------------------------------------------------
 */

/* Encodes args by p; logs and returns NULL when the application passed a
 * value the schema does not allow (e.g. a string that is not UTF-8). */
static json_t *encode_or_log(sio_socket *s, const char *event,
                             const sio_params *p, const void *args)
{
    sio_type_error err;
    json_t *a = sio_encode_params(p, args, &err);

    if (!a && s)
        siop_log(s, EIO_LOG_WARN, event,
                 err.message[0] ? err.message : "out of memory");
    return a;
}

/* The namespace a target reaches; NULL for a socket that is gone (the
 * emit then reports that). */
static const sio_namespace *target_ns(sio_target to)
{
    if (to.socket)
        return to.socket->state == SOCK_GONE ? NULL : to.socket->ns;
    return to.ns;
}

/* A typed emit belongs to its schema namespace: sent through a target of
 * another one, it would reach clients that expect other events (or, for
 * a broadcast, nobody). SIO_EINVAL and a log line. */
static int check_target(sio_target to, const char *nsp, const char *event)
{
    const sio_namespace *ns = target_ns(to);
    char why[200];

    if (!ns || !nsp || strcmp(ns->name, nsp) == 0)
        return 0;
    snprintf(why, sizeof why,
             "emit of an event of namespace %.60s through a target of "
             "namespace %.60s: refused",
             nsp, ns->name);
    if (to.socket)
        siop_log(to.socket, EIO_LOG_WARN, event, why);
    else
        log_line(ns->srv->opt.eio.log_level, EIO_LOG_WARN, "event %.60s: %s",
                 event, why);
    return SIO_EINVAL;
}

int sio_emit_params(sio_target to, const char *nsp, const char *event,
                    const sio_params *p, const void *args)
{
    json_t *a;

    if (check_target(to, nsp, event) != 0)
        return SIO_EINVAL;
    a = encode_or_log(to.socket, event, p, args);
    return a ? sio_emit_to(to, event, a) : SIO_EINVAL;
}

/* ---- typed acks ------------------------------------------------------------
 * A typed handler's ack is listed on its socket until answered. One
 * answered while its handler runs is freed when the handler returns, so
 * that a second answer in the handler is a logged SIO_ESTATE, not a use
 * after free; one answered later is freed at once. Unanswered when the
 * socket goes, it is logged with its event. */

static void typed_ack_unlink(sio_pending_ack *a)
{
    if (!a->prev)
        return;
    *a->prev = a->next;
    if (a->next)
        a->next->prev = a->prev;
    a->next = NULL;
    a->prev = NULL;
}

static void typed_ack_track(sio_pending_ack *a, const char *event)
{
    sio_socket *s = a->s;

    a->event = event;
    a->in_call = true;
    a->next = s->typed_acks;
    a->prev = &s->typed_acks;
    if (s->typed_acks)
        s->typed_acks->prev = &a->next;
    s->typed_acks = a;
}

/* The handler returned: an ack it answered can go now. */
static void typed_ack_call_done(sio_pending_ack *a)
{
    a->in_call = false;
    if (a->answered)
        sio_ack_free(a);
}

static void log_typed_ack(const sio_pending_ack *a, int level, const char *why)
{
    const sio_socket *s = a->s;

    log_line(s->ns->srv->opt.eio.log_level, level, "sid %s nsp %s event %s: %s",
             s->sid, s->ns->name, a->event ? a->event : "-", why);
}

/* Sends the answer, args (stolen) or, if error is set, [{"error":
 * error}], and ends the ack: 0 or an error. */
static int typed_ack_answer(sio_pending_ack *a, json_t *args, const char *error)
{
    sio_ctx ctx = {.s = a->s, .ack_id = a->id};
    int rc;

    if (a->answered) {
        json_decref(args);
        log_typed_ack(a, EIO_LOG_WARN, "ack answered twice: ignored");
        return SIO_ESTATE;
    }
    a->answered = true;
    typed_ack_unlink(a);
    if (a->s->state == SOCK_GONE) {
        json_decref(args);
        rc = SIO_ECLOSED;
    } else if (error) {
        json_decref(args);
        rc = sio_ack_error(&ctx, error);
        if (rc == SIO_EINVAL) /* a message that is not UTF-8 */
            (void)sio_ack_error(&ctx, "server error");
    } else {
        rc = sio_ack(&ctx, args);
    }
    if (!a->in_call)
        sio_ack_free(a);
    return rc;
}

int sio_ack_params(sio_pending_ack *ack, const sio_params *p, const void *args)
{
    json_t *a;

    if (!ack)
        return SIO_EINVAL;
    if (ack->answered) /* before encoding: nothing to log twice */
        return typed_ack_answer(ack, NULL, NULL);
    a = encode_or_log(ack->s->state == SOCK_GONE ? NULL : ack->s, ack->event, p,
                      args);
    if (!a) {
        /* The application's answer does not fit the schema: the client
         * still gets one, an error, rather than waiting for ever. */
        (void)typed_ack_answer(ack, NULL, "server error");
        return SIO_EINVAL;
    }
    return typed_ack_answer(ack, a, NULL);
}

int sio_ack_params_error(sio_pending_ack *ack, const char *message)
{
    if (!ack)
        return SIO_EINVAL;
    return typed_ack_answer(ack, NULL, message ? message : "error");
}

/* ---- emits waiting for the client's ack -----------------------------------
 */

static void out_ack_unlink(sio_socket *s, struct out_ack *a)
{
    for (struct out_ack **p = &s->out_acks; *p; p = &(*p)->next)
        if (*p == a) {
            *p = a->next;
            return;
        }
}

/* Runs the callback once and frees a (already unlinked). */
static void out_ack_finish(struct out_ack *a, int status, json_t *data)
{
    sio_socket *s = a->s;
    sio_ctx ctx = {.s = s, .conn = s->conn, .ack_id = -1};
    sio_arena *arena = s->ns->srv->arena;

    eio_timer_free(a->timer);
    sio_socket_ref(s);
    if (!a->reply) {
        ((sio_ack_fn)a->fn)(&ctx, status, status ? NULL : data, a->user);
    } else if (status) {
        a->invoke(&ctx, status, NULL, a->fn, a->user);
    } else {
        sio_type_error err;
        void *out = sio_arena_alloc(arena, a->reply->size);
        if (out && sio_decode_params(a->reply, data, out, arena, &err) == 0) {
            a->invoke(&ctx, 0, out, a->fn, a->user);
        } else {
            siop_log(s, EIO_LOG_INFO, NULL,
                     out ? err.message : "out of memory");
            a->invoke(&ctx, SIO_EPROTO, NULL, a->fn, a->user);
        }
        sio_arena_reset(arena);
    }
    siop_ctx_fini(&ctx);
    free(a);
    sio_socket_unref(s);
}

static void out_ack_timeout(eio_timer *t, void *ud)
{
    struct out_ack *a = ud;
    (void)t;
    out_ack_unlink(a->s, a);
    out_ack_finish(a, SIO_ETIMEOUT, NULL);
}

void siop_on_client_ack(sio_socket *s, int64_t id, json_t *data)
{
    struct out_ack *a = s->out_acks;

    /* Replies mostly come in order: the oldest is usually first. */
    while (a && a->id != id)
        a = a->next;
    if (!a) {
        siop_log(s, EIO_LOG_DEBUG, NULL, "ack for no pending emit");
        return;
    }
    out_ack_unlink(s, a);
    out_ack_finish(a, 0, data);
}

void siop_fail_out_acks(sio_socket *s)
{
    /* Still listed: taken by a typed handler and never answered. They
     * stay valid (answering returns SIO_ECLOSED and frees them). */
    while (s->typed_acks) {
        sio_pending_ack *a = s->typed_acks;
        log_typed_ack(a, EIO_LOG_WARN,
                      "ack never answered before the socket went");
        typed_ack_unlink(a);
    }
    while (s->out_acks) {
        struct out_ack *a = s->out_acks;
        s->out_acks = a->next;
        out_ack_finish(a, SIO_ECLOSED, NULL);
    }
}

/* Registers a pending ack, then emits; args stolen. */
static int emit_waiting(sio_socket *s, const char *event, json_t *args,
                        struct out_ack *a, unsigned timeout_ms)
{
    struct out_ack **tail;
    int rc;

    if (!s || s->state == SOCK_GONE) {
        json_decref(args);
        free(a);
        return s ? SIO_ECLOSED : SIO_EINVAL;
    }
    a->s = s;
    a->id = s->next_ack_id++;
    a->timer = eio_timer_new(sio_server_engine(s->ns->srv), out_ack_timeout, a);
    if (!a->timer) {
        json_decref(args);
        free(a);
        return SIO_ENOMEM;
    }
    rc = siop_socket_emit(s, event, args, a->id, false);
    if (rc != 0) {
        eio_timer_free(a->timer);
        free(a);
        return rc;
    }
    for (tail = &s->out_acks; *tail; tail = &(*tail)->next)
        ; /* append: replies are matched oldest first */
    *tail = a;
    eio_timer_start(a->timer, timeout_ms ? timeout_ms : DEFAULT_ACK_TIMEOUT_MS);
    return 0;
}

int sio_emit_ack(sio_socket *s, const char *event, json_t *args, sio_ack_fn fn,
                 void *ud, unsigned timeout_ms)
{
    struct out_ack *a = calloc(1, sizeof *a);

    if (!a || !fn) {
        free(a);
        json_decref(args);
        return a ? SIO_EINVAL : SIO_ENOMEM;
    }
    a->fn = (sio_fn)fn;
    a->user = ud;
    return emit_waiting(s, event, args, a, timeout_ms);
}

int sio_emit_params_ack(sio_target to, const char *nsp, const char *event,
                        const sio_params *p, const void *args,
                        const sio_params *reply_params,
                        sio_reply_invoke_fn invoke, sio_fn fn, void *user,
                        unsigned timeout_ms)
{
    struct out_ack *a;
    json_t *j;

    if (!to.socket || !reply_params || !invoke || !fn ||
        check_target(to, nsp, event) != 0)
        return SIO_EINVAL;
    j = encode_or_log(to.socket, event, p, args);
    if (!j)
        return SIO_EINVAL;
    a = calloc(1, sizeof *a);
    if (!a) {
        json_decref(j);
        return SIO_ENOMEM;
    }
    a->reply = reply_params;
    a->invoke = invoke;
    a->fn = fn;
    a->user = user;
    return emit_waiting(to.socket, event, j, a, timeout_ms);
}

/* ---- typed dispatch ---------------------------------------------------------
 */

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

/* A requirement failed: the seed's authenticated_only (disconnect), or
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

static void typed_event(sio_ctx *ctx, json_t *args, void *ud)
{
    const sio_event_desc *ev = ud;
    sio_arena *arena = ctx->s->ns->srv->arena;
    sio_type_error err;
    char buf[128];
    const char *why = check_requires(ctx, ev->req, buf, sizeof buf);
    sio_pending_ack *ack;
    void *out;

    if (why) {
        refuse_event(ctx, ev->req, why);
        return;
    }
    out = sio_arena_alloc(arena, ev->args->size);
    if (!out || sio_decode_params(ev->args, args, out, arena, &err) != 0) {
        why = out ? err.message : "out of memory";
        siop_log(ctx->s, EIO_LOG_INFO, ctx->event, why);
        if (sio_ctx_wants_ack(ctx))
            (void)sio_ack_error(ctx, why);
        sio_arena_reset(arena);
        return;
    }
    ack = ev->ack ? sio_ctx_take_ack(ctx) : NULL;
    if (ack)
        typed_ack_track(ack, ev->name);
    ev->invoke(ctx, out, ack);
    if (ack)
        typed_ack_call_done(ack);
    sio_arena_reset(arena);
}

/* The auth payload's fields into a new struct in arena; NULL or why not.
 * The core gives an empty object for a CONNECT without payload; any
 * other non-object is refused (sio_decode_object). */
static const char *decode_auth(const sio_params *p, json_t *auth,
                               sio_arena *arena, void **out,
                               sio_type_error *err)
{
    if (!(*out = sio_arena_alloc(arena, p->size)))
        return "out of memory";
    if (sio_decode_object(p, auth, *out, arena, err) != 0)
        return err->message;
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
    sio_type_error err;
    json_t *none = NULL;
    void *out = NULL;

    siop_log(ctx->s, EIO_LOG_INFO, NULL, "auth payload is not an object");
    (void)sio_refuse(ctx, "expected an object", NULL);
    if (nd->on_connect &&
        (!nd->auth || ((none = json_object()) &&
                       !decode_auth(nd->auth, none, arena, &out, &err))))
        (void)nd->on_connect(ctx, out);
    json_decref(none); /* nothing decoded points into an empty object */
    sio_arena_reset(arena);
    return -1;
}

static int typed_connect(sio_ctx *ctx, json_t *auth, void *ud)
{
    const sio_namespace_desc *nd = ud;
    sio_arena *arena = ctx->s->ns->srv->arena;
    sio_type_error err;
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
        sio_arena_reset(arena);
        return -1;
    }
    rc = nd->on_connect ? nd->on_connect(ctx, out) : 0;
    sio_arena_reset(arena);
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
