/* An emit given a raw sio_target: it must go through the namespace's
 * checked conversion (tg_target_of).
 * schema: two_targets.sio
 * phase: compile
 * expect: incompatible type
 */
#include "two_targets.sio.h"

int tell(sio_server *srv);

int tell(sio_server *srv)
{
    sio_target raw = sio_all(sio_server_of(srv, "/"));

#ifdef FIXED
    return tg_emit_tally(tg_target_of(raw), 1);
#else
    return tg_emit_tally(raw, 1);
#endif
}
