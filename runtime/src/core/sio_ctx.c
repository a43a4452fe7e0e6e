/* sio_ctx.c - the handler context: what a handler call sees (socket,
 * event, arguments, handshake), its scratch store, refusals and handler
 * failures, and the extension's slots of the call and connection. */
#include <stdlib.h>
#include <string.h>

#include "sio_internal.h"

sio_server *sio_ctx_server(const sio_ctx *ctx)
{
    return ctx->s->ns->srv;
}

void *sio_ctx_app(const sio_ctx *ctx)
{
    return ctx->s->ns->srv->app;
}

sio_socket *sio_ctx_socket(const sio_ctx *ctx)
{
    return ctx->s;
}

const char *sio_ctx_sid(const sio_ctx *ctx)
{
    return ctx->s->sid;
}

const char *sio_ctx_namespace(const sio_ctx *ctx)
{
    return ctx->s->ns->name;
}

const char *sio_ctx_event(const sio_ctx *ctx)
{
    return ctx->event;
}

json_t *sio_ctx_args(const sio_ctx *ctx)
{
    sio_ctx *c = (sio_ctx *)ctx; /* a cache: the value does not change */
    json_t *v;

    if (c->args || !c->args_text)
        return c->args;
    /* The text passed the streaming decoder: jansson takes it as is. */
    v = json_loadb(c->args_text, c->args_len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                   NULL);
    if (v && json_array_remove(v, 0) == 0) {
        c->args = v;
        c->args_owned = true;
    } else {
        json_decref(v);
    }
    return c->args;
}

json_t *sio_ctx_auth(const sio_ctx *ctx)
{
    return ctx->s->auth;
}

const char *sio_ctx_header(const sio_ctx *ctx, const char *name)
{
    const eio_session *es = ctx->conn ? ctx->conn->session : NULL;
    return es ? eio_session_header(es, name) : NULL;
}

const char *sio_ctx_query(const sio_ctx *ctx, const char *name)
{
    const eio_session *es = ctx->conn ? ctx->conn->session : NULL;
    return es ? eio_session_query(es, name) : NULL;
}

const char *sio_ctx_remote_addr(const sio_ctx *ctx)
{
    const eio_session *es = ctx->conn ? ctx->conn->session : NULL;
    return es ? eio_session_remote_addr(es) : NULL;
}

bool sio_ctx_wants_ack(const sio_ctx *ctx)
{
    return ctx->ack_id >= 0;
}

int sio_refuse(sio_ctx *ctx, const char *message, json_t *data)
{
    char *m = NULL;

    if (!ctx->connecting && !ctx->in_use) {
        json_decref(data);
        return SIO_ESTATE;
    }
    if (message && !(m = strdup(message))) {
        json_decref(data);
        return SIO_ENOMEM;
    }
    free(ctx->refuse_msg);
    json_decref(ctx->refuse_data);
    ctx->refuse_msg = m;
    ctx->refuse_data = data;
    return 0;
}

int sio_fail(sio_ctx *ctx, const char *message)
{
    sio_namespace *ns = ctx->s->ns;
    sio_server *srv = ns->srv;

    if (!message)
        return SIO_EINVAL;
    siop_log(ctx->s, EIO_LOG_INFO, ctx->event, message);
    if (ns->on_error)
        ns->on_error(ctx, message, ns->error_ud);
    else if (srv->on_error)
        srv->on_error(ctx, message, srv->error_ud);
    if (sio_ctx_wants_ack(ctx))
        (void)sio_ack_error(ctx, message);
    else if (siop_typed_ack_pending(ctx->typed_ack) &&
             sio_ack_params_error(ctx->typed_ack, ctx->event, message) != 0)
        siop_log(ctx->s, EIO_LOG_WARN, ctx->event, "error ack not sent");
    return 0;
}

json_t *sio_ctx_g(sio_ctx *ctx)
{
    if (!ctx->g)
        ctx->g = json_object();
    return ctx->g;
}

void siop_ctx_fini(sio_ctx *ctx)
{
    json_decref(ctx->g);
    ctx->g = NULL;
    if (ctx->args_owned) {
        json_decref(ctx->args);
        ctx->args = NULL;
        ctx->args_owned = false;
    }
    if (ctx->ext) { /* only set while the socket (and its server) live */
        sio_server *srv = ctx->s->ns->srv;
        srv->ext_ops->call_end(srv->ext, ctx->ext);
        ctx->ext = NULL;
    }
}

bool siop_ctx_authenticated(sio_ctx *ctx)
{
    sio_server *srv = ctx->s->ns->srv;

    return srv->ext_ops && srv->ext_ops->authenticated(srv->ext, ctx);
}

void **siop_ext_conn(sio_ctx *ctx)
{
    return ctx->conn ? &ctx->conn->ext : NULL;
}

void **siop_ext_call(sio_ctx *ctx)
{
    return &ctx->ext;
}
