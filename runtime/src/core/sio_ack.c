/* sio_ack.c - acks in both directions, raw and typed: answering the
 * client's (at once from the handler, or later through a detached
 * sio_pending_ack; errors as [{"error"}]), and emits that wait for the
 * client's ack (a timer each; the callback runs exactly once). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sio_internal.h"

#define DEFAULT_ACK_TIMEOUT_MS 10000

/* Encodes args by p; logs and returns NULL when the application passed a
 * value the schema does not allow (e.g. a string that is not UTF-8). */
json_t *siop_encode_or_log(sio_socket *s, const char *event,
                           const sio_params *p, const void *args)
{
    sio_error err;
    json_t *a = siop_encode_params(p, args, &err);

    if (!a && s)
        siop_log(s, EIO_LOG_WARN, event,
                 err.text[0] ? err.text : "out of memory");
    return a;
}

/* Sends ACK id with args (stolen; NULL = []). */
int siop_ack_answer(sio_socket *s, int64_t id, json_t *args)
{
    int rc;

    if (!args)
        args = json_array();
    if (!args)
        return SIO_ENOMEM;
    rc = siop_socket_send_packet(s, SIO_PKT_ACK, id, args);
    json_decref(args);
    return rc;
}

static json_t *error_args(const char *message)
{
    return json_pack("[{s:s}]", "error", message ? message : "error");
}

int sio_ack(sio_ctx *ctx, json_t *args)
{
    int64_t id = ctx->ack_id;

    if (id < 0) {
        json_decref(args);
        return SIO_ESTATE;
    }
    if (args && !json_is_array(args)) {
        json_decref(args);
        return SIO_EINVAL;
    }
    ctx->ack_id = -1;
    return siop_ack_answer(ctx->s, id, args);
}

int sio_ack_error(sio_ctx *ctx, const char *message)
{
    json_t *args;

    if (ctx->ack_id < 0)
        return SIO_ESTATE;
    args = error_args(message);
    return args ? sio_ack(ctx, args) : SIO_EINVAL; /* not UTF-8 */
}

sio_pending_ack *sio_ctx_take_ack(sio_ctx *ctx)
{
    sio_socket *s = ctx->s;
    sio_pending_ack *a;

    if (ctx->ack_id < 0)
        return NULL;
    if ((a = s->spare_ack)) {
        s->spare_ack = NULL;
        memset(a, 0, sizeof *a);
    } else if (!(a = calloc(1, sizeof *a))) {
        return NULL;
    }
    a->s = ctx->s;
    a->id = ctx->ack_id;
    a->s->refs++;
    ctx->ack_id = -1;
    return a;
}

int sio_ack_send(sio_pending_ack *a, json_t *args)
{
    int rc;

    if (!a) {
        json_decref(args);
        return SIO_EINVAL;
    }
    if (args && !json_is_array(args)) {
        json_decref(args);
        rc = SIO_EINVAL;
    } else {
        rc = siop_ack_answer(a->s, a->id, args);
    }
    sio_ack_free(a);
    return rc;
}

int sio_ack_send_error(sio_pending_ack *a, const char *message)
{
    json_t *args = error_args(message);

    if (!args) {
        sio_ack_free(a);
        return SIO_EINVAL;
    }
    return sio_ack_send(a, args);
}

void sio_ack_free(sio_pending_ack *a)
{
    sio_socket *s;

    if (!a)
        return;
    s = a->s;
    /* Kept by its socket for the next one, unless this was the last
     * reference (acks may outlive the server, never their socket). */
    if (s->refs > 1 && !s->spare_ack) {
        s->spare_ack = a;
        a = NULL;
    }
    siop_socket_unref(s);
    free(a);
}

/* ---- typed acks ------------------------------------------------------------
 * A typed handler's ack is listed on its socket until answered, and has
 * a slot in the server's table; the handler holds the slot's index and
 * generation (sio_ack_ref). Answering frees the ack and the slot (the
 * generation moves on), so any later answer through a copy of the
 * handle is a logged SIO_ESTATE. When the socket goes first, the ack is
 * logged and freed, and the slot stays closed until the handle is used
 * (SIO_ECLOSED) or the server is freed. */

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

/* A free slot (the table doubles when full): its index, or -1. */
static int64_t slot_alloc(sio_server *srv)
{
    uint32_t n = srv->nacks, cap = n ? 2 * n : 16;
    siop_ack_slot *v;

    if (srv->free_ack) {
        uint32_t i = srv->free_ack - 1;
        srv->free_ack = srv->acks[i].next_free;
        return i;
    }
    if (n >= UINT32_MAX / 2 || !(v = realloc(srv->acks, cap * sizeof *v)))
        return -1;
    memset(v + n, 0, (cap - n) * sizeof *v);
    for (uint32_t i = cap - 1; i > n; i--) /* n+1..cap-1 onto the list */
        v[i].next_free = i + 1 < cap ? i + 2 : 0;
    srv->free_ack = n + 1 < cap ? n + 2 : 0;
    srv->acks = v;
    srv->nacks = cap;
    return n;
}

static void slot_release(sio_server *srv, uint32_t i)
{
    siop_ack_slot *k = &srv->acks[i];

    k->a = NULL;
    k->used = false;
    k->gen++;
    k->next_free = srv->free_ack;
    srv->free_ack = i + 1;
}

void siop_typed_acks_free(sio_server *srv)
{
    free(srv->acks);
    srv->acks = NULL;
    srv->nacks = srv->free_ack = 0;
}

/* Lists a on its socket and in slot i of the server's table. */
static void typed_ack_link(sio_server *srv, sio_pending_ack *a, uint32_t i)
{
    sio_socket *s = a->s;

    a->slot = i;
    a->next = s->typed_acks;
    a->prev = &s->typed_acks;
    if (s->typed_acks)
        s->typed_acks->prev = &a->next;
    s->typed_acks = a;
    srv->acks[i].a = a;
    srv->acks[i].used = true;
}

sio_ack_ref siop_typed_ack_take(sio_ctx *ctx, const char *event)
{
    sio_ack_ref ref = {0};
    sio_server *srv = ctx->s->ns->srv;
    sio_pending_ack *a;
    int64_t i;

    if (ctx->ack_id < 0)
        return ref;
    if ((i = slot_alloc(srv)) < 0 || !(a = sio_ctx_take_ack(ctx))) {
        if (i >= 0)
            slot_release(srv, (uint32_t)i);
        siop_log(ctx->s, EIO_LOG_WARN, event, "out of memory for its ack");
        (void)sio_ack_error(ctx, "server error");
        return ref;
    }
    a->event = event;
    typed_ack_link(srv, a, (uint32_t)i);
    ref.srv = srv;
    ref.slot = (uint32_t)i;
    ref.gen = srv->acks[i].gen;
    return ref;
}

/* The live ack of ref into *out: 0. Empty handle: 0, *out NULL. Stale:
 * SIO_ESTATE (logged). Its socket gone: SIO_ECLOSED, the slot freed. */
static int ack_lookup(sio_ack_ref ref, const char *event, sio_pending_ack **out)
{
    sio_server *srv = ref.srv;
    siop_ack_slot *k;

    *out = NULL;
    if (!srv)
        return 0;
    k = ref.slot < srv->nacks ? &srv->acks[ref.slot] : NULL;
    if (!k || !k->used || k->gen != ref.gen) {
        log_line(srv->opt.eio.log_level, EIO_LOG_WARN,
                 "event %s: ack answered twice, or through a stale handle: "
                 "ignored",
                 event ? event : "-");
        return SIO_ESTATE;
    }
    if (!k->a) {
        slot_release(srv, ref.slot);
        return SIO_ECLOSED;
    }
    *out = k->a;
    return 0;
}

/* The answer is on its way (or failed): the ack and its slot end. */
static void ack_end(sio_pending_ack *a)
{
    slot_release(a->s->ns->srv, a->slot);
    typed_ack_unlink(a);
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

    if (error) {
        json_decref(args);
        rc = sio_ack_error(&ctx, error);
        if (rc == SIO_EINVAL) /* a message that is not UTF-8 */
            (void)sio_ack_error(&ctx, "server error");
    } else {
        rc = sio_ack(&ctx, args);
    }
    ack_end(a);
    return rc;
}

/* The answer encoded straight from the struct and sent: 0 or an error
 * from the send, or SIOP_TEXT_SLOW (nothing sent: the tree path's). */
static int typed_ack_direct(sio_pending_ack *a, const sio_params *p,
                            const void *args)
{
    sio_socket *s = a->s;
    sio_encoded e;
    int rc;

    if (s->state != SOCK_CONNECTED)
        return SIOP_TEXT_SLOW;
    rc = siop_typed_encode(SIO_PKT_ACK, s->ns->name, a->id, NULL, p, args,
                           s->ns->srv->msg_pool, &e);
    if (rc)
        return SIOP_TEXT_SLOW;
    rc = siop_conn_send(s->conn, &e);
    siop_encoded_fini(&e);
    ack_end(a);
    return rc;
}

int sio_ack_params(sio_ack_ref ref, const char *event, const sio_params *p,
                   const void *args)
{
    sio_pending_ack *ack;
    json_t *a;
    int rc = ack_lookup(ref, event, &ack);

    if (!ack)
        return rc;
    if ((rc = typed_ack_direct(ack, p, args)) != SIOP_TEXT_SLOW)
        return rc;
    a = siop_encode_or_log(ack->s, ack->event, p, args);
    if (!a) {
        /* The application's answer does not fit the schema: the client
         * still gets one, an error, rather than waiting for ever. */
        (void)typed_ack_answer(ack, NULL, "server error");
        return SIO_EINVAL;
    }
    return typed_ack_answer(ack, a, NULL);
}

int sio_ack_params_error(sio_ack_ref ref, const char *event,
                         const char *message)
{
    sio_pending_ack *ack;
    int rc = ack_lookup(ref, event, &ack);

    if (!ack)
        return rc;
    return typed_ack_answer(ack, NULL, message ? message : "error");
}

/* ---- emits waiting for the client's ack -----------------------------------
 */

/* O(1): a client may keep thousands waiting and answer in any order. */
static void out_ack_unlink(sio_socket *s, struct out_ack *a)
{
    *a->prev = a->next;
    if (a->next)
        a->next->prev = a->prev;
    else
        s->out_tail = a->prev;
    map_del(&s->out_ids, a->key, a->klen);
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
        sio_error err;
        void *out = siop_arena_alloc(arena, a->reply->size);
        if (out && siop_decode_params(a->reply, data, out, arena, &err) == 0) {
            a->invoke(&ctx, 0, out, a->fn, a->user);
        } else {
            siop_log(s, EIO_LOG_INFO, NULL, out ? err.text : "out of memory");
            a->invoke(&ctx, SIO_EPROTO, NULL, a->fn, a->user);
        }
        siop_arena_reset(arena);
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

/* Unlinks and returns the emit waiting for ack id, or NULL. */
static struct out_ack *out_ack_take(sio_socket *s, int64_t id)
{
    char key[24];
    int n = snprintf(key, sizeof key, "%" PRId64, id);
    struct out_ack *a = map_get(&s->out_ids, key, (size_t)n);

    if (!a)
        siop_log(s, EIO_LOG_DEBUG, NULL, "ack for no pending emit");
    else
        out_ack_unlink(s, a);
    return a;
}

void siop_on_client_ack(sio_socket *s, int64_t id, json_t *data)
{
    struct out_ack *a = out_ack_take(s, id);

    if (a)
        out_ack_finish(a, 0, data);
}

void siop_on_client_ack_failed(sio_socket *s, int64_t id, int status)
{
    struct out_ack *a = out_ack_take(s, id);

    if (a)
        out_ack_finish(a, status, NULL);
}

void siop_fail_out_acks(sio_socket *s)
{
    /* Still listed: taken by a typed handler and never answered. The
     * ack goes; its slot stays, closed, until the handle is used
     * (SIO_ECLOSED) or the server is freed. */
    while (s->typed_acks) {
        sio_pending_ack *a = s->typed_acks;
        log_typed_ack(a, EIO_LOG_WARN,
                      "ack never answered before the socket went");
        typed_ack_unlink(a);
        s->ns->srv->acks[a->slot].a = NULL;
        sio_ack_free(a);
    }
    while (s->out_acks) {
        struct out_ack *a = s->out_acks;
        out_ack_unlink(s, a);
        out_ack_finish(a, SIO_ECLOSED, NULL);
    }
    map_fini(&s->out_ids);
}

/* Registers a pending ack, then emits; args stolen. */
static int emit_waiting(sio_socket *s, const char *event, json_t *args,
                        struct out_ack *a, unsigned timeout_ms)
{
    int rc;

    if (!s || s->state == SOCK_GONE) {
        json_decref(args);
        free(a);
        return s ? SIO_ECLOSED : SIO_EINVAL;
    }
    a->s = s;
    a->id = s->next_ack_id++;
    a->klen = (size_t)snprintf(a->key, sizeof a->key, "%" PRId64, a->id);
    a->timer = eio_timer_new(sio_server_engine(s->ns->srv), out_ack_timeout, a);
    if (!a->timer || map_put(&s->out_ids, a->key, a->klen, a) != 0) {
        eio_timer_free(a->timer);
        json_decref(args);
        free(a);
        return SIO_ENOMEM;
    }
    rc = siop_socket_emit(s, event, args, a->id, false);
    if (rc != 0) {
        map_del(&s->out_ids, a->key, a->klen);
        eio_timer_free(a->timer);
        free(a);
        return rc;
    }
    a->prev = s->out_tail; /* append: the oldest stays first */
    *s->out_tail = a;
    s->out_tail = &a->next;
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
        siop_check_target(to, nsp, event) != 0)
        return SIO_EINVAL;
    j = siop_encode_or_log(to.socket, event, p, args);
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
