/* The socket data of "data { ... }" read as another namespace's.
 * schema: data_inline.sio
 * phase: compile
 * expect: incompatible pointer type|incompatible-pointer-types
 */
#include "data_inline.sio.h"

int64_t count_of(sio_ctx *ctx);

int64_t count_of(sio_ctx *ctx)
{
#ifdef FIXED
    const data_inline_admin_Data *d = data_inline_admin_data(ctx);
#else
    const data_inline_admin_Data *d = data_inline_data(ctx);
#endif
    return d ? d->n : 0;
}
