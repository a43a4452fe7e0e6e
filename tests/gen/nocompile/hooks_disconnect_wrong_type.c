/* A disconnect handler given the runtime's enum instead of the reason's
 * name.
 * schema: hooks.sio
 * phase: compile
 * expect: conflicting types for 'hooks_on_disconnect'
 */
#include "hooks.sio.h"

#ifdef FIXED
void hooks_on_disconnect(sio_ctx *ctx, const char *reason)
{
    (void)ctx;
    (void)reason;
}
#else
void hooks_on_disconnect(sio_ctx *ctx, sio_reason reason)
{
    (void)ctx;
    (void)reason;
}
#endif
