/* The socket data read as another record than the schema's.
 * schema: hooks.sio
 * phase: compile
 * expect: incompatible pointer type|incompatible-pointer-types
 */
#include "hooks.sio.h"

const char *city_of(sio_ctx *ctx);

const char *city_of(sio_ctx *ctx)
{
#ifdef FIXED
    const hooks_Voter *v = hooks_data(ctx);
    return v ? v->at.city : NULL;
#else
    const hooks_Place *p = hooks_data(ctx);
    return p ? p->city : NULL;
#endif
}
