/* A reply callback whose value has the wrong type (string, not int).
 * schema: chat.sio
 * phase: compile
 * expect: incompatible (function )?pointer type
 */
#include "chat.sio.h"

int ping(sio_ctx *ctx);

#ifdef FIXED
static void got_pong(sio_ctx *ctx, int status, int64_t n, void *user)
#else
static void got_pong(sio_ctx *ctx, int status, const char *n, void *user)
#endif
{
    (void)ctx;
    (void)status;
    (void)n;
    (void)user;
}

int ping(sio_ctx *ctx)
{
    return chat_emit_ping_(chat_self(ctx), 1, got_pong, NULL, 1000);
}
