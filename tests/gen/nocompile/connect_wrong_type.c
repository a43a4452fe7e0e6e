/* A connect handler that cannot refuse (void instead of int).
 * schema: chat.sio
 * phase: compile
 * expect: conflicting types for 'chat_on_connect'
 */
#include "chat.sio.h"

#ifdef FIXED
int chat_on_connect(sio_ctx *ctx, const char *token)
{
    (void)ctx;
    (void)token;
    return 0;
}
#else
void chat_on_connect(sio_ctx *ctx, const char *token)
{
    (void)ctx;
    (void)token;
}
#endif
