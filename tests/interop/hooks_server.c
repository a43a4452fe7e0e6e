/* hooks_server - the server of tests/interop/hooks.test.mjs, from
 * hooks.sio: its socket data, disconnect handler and middleware. Each
 * disconnect is logged on stderr as "hooks: NAME left: REASON" for the
 * test to read; the command line and start line are sio_app.h's. */
#include <stdio.h>
#include <string.h>

#include "hooks.sio.h"
#include "sio_app.h"

/* Before the requirements, the payload's decoding and the connect
 * handler: it reads the payload as sent. */
int hooks_use_connect(sio_ctx *ctx)
{
    const char *name =
        json_string_value(json_object_get(sio_ctx_auth(ctx), "name"));

    if (!name || strcmp(name, "mallory") != 0)
        return 0;
    return sio_refuse(ctx, "banned", json_pack("{s:s}", "who", name)), 1;
}

int hooks_on_connect(sio_ctx *ctx, const char *name)
{
    return sio_set_string(&hooks_data(ctx)->name, name);
}

/* Every event, before its requirements and its decoding. */
int hooks_use(sio_ctx *ctx, const char *event)
{
    hooks_data(ctx)->events++;
    if (strcmp(event, "forbidden") != 0)
        return 0;
    return sio_refuse(ctx, "not allowed", NULL), 1;
}

bool hooks_guard_vip(sio_ctx *ctx)
{
    return strcmp(hooks_data(ctx)->name, "vip") == 0;
}

void hooks_on_whoami(sio_ctx *ctx, hooks_whoami_ack ack)
{
    const hooks_Member *m = hooks_data(ctx);

    if (hooks_whoami_ack_send(ack, m->name, m->events) != 0)
        fprintf(stderr, "hooks: whoami not answered\n");
}

void hooks_on_forbidden(sio_ctx *ctx, hooks_forbidden_ack ack)
{
    (void)ctx; /* never runs: the middleware refuses it */
    if (hooks_forbidden_ack_send(ack, true) != 0)
        fprintf(stderr, "hooks: forbidden not answered\n");
}

void hooks_on_vip(sio_ctx *ctx, hooks_vip_ack ack)
{
    (void)ctx;
    if (hooks_vip_ack_send(ack, true) != 0)
        fprintf(stderr, "hooks: vip not answered\n");
}

void hooks_on_leave(sio_ctx *ctx)
{
    sio_disconnect(sio_ctx_socket(ctx));
}

void hooks_on_disconnect(sio_ctx *ctx, const char *reason)
{
    fprintf(stderr, "hooks: %s left: %s\n", hooks_data(ctx)->name, reason);
}

int main(int argc, char **argv)
{
    sio_app app = {.name = "hooks", .setup = hooks_register};

    return sio_app_main(&app, argc, argv);
}
