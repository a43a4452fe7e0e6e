/* A declared guard that no requirement uses still has to be defined.
 * schema: unused_guard.sio
 * phase: link
 * expect: undefined reference to .unused_guard_admin'
 */
#include "unused_guard.sio.h"

#ifdef FIXED
bool unused_guard_admin(sio_ctx *ctx)
{
    (void)ctx;
    return false;
}
#endif

void unused_on_ping(sio_ctx *ctx, int64_t n)
{
    (void)ctx;
    (void)n;
}

int main(void)
{
    return unused_register(NULL) == 0;
}
