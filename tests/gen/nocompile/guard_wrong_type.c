/* A guard that returns int instead of bool.
 * schema: chat.sio
 * phase: compile
 * expect: conflicting types for 'chat_guard_admin'
 */
#include "chat.sio.h"

#ifdef FIXED
bool chat_guard_admin(sio_ctx *ctx)
#else
int chat_guard_admin(sio_ctx *ctx)
#endif
{
    (void)ctx;
    return 1;
}
