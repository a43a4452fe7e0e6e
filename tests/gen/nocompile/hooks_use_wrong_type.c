/* A middleware that cannot stop the event (void instead of int).
 * schema: hooks.sio
 * phase: compile
 * expect: conflicting types for 'hooks_use'
 */
#include "hooks.sio.h"

#ifdef FIXED
int hooks_use(sio_ctx *ctx, const char *event)
{
    (void)ctx;
    (void)event;
    return 0;
}
#else
void hooks_use(sio_ctx *ctx, const char *event)
{
    (void)ctx;
    (void)event;
}
#endif
