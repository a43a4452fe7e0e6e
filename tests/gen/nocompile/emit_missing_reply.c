/* An acked emit called without its reply callback, user and timeout.
 * schema: chat.sio
 * phase: compile
 * expect: too few arguments to function
 */
#include "chat.sio.h"

void got_pong(sio_ctx *ctx, int status, int64_t n, void *user);
int ping(sio_ctx *ctx);

void got_pong(sio_ctx *ctx, int status, int64_t n, void *user)
{
    (void)ctx;
    (void)status;
    (void)n;
    (void)user;
}

int ping(sio_ctx *ctx)
{
#ifdef FIXED
    return chat_emit_ping_(chat_self(ctx), 1, got_pong, NULL, 1000);
#else
    return chat_emit_ping_(chat_self(ctx), 1);
#endif
}
