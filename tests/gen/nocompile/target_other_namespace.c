/* An emit of "/" given a target of "/admin": the typed targets differ,
 * so the mistake is a compile error, not a runtime SIO_EINVAL.
 * schema: two_targets.sio
 * phase: compile
 * expect: incompatible type
 */
#include "two_targets.sio.h"

int tell(sio_server *srv);

int tell(sio_server *srv)
{
#ifdef FIXED
    return tg_emit_tally(tg_room(srv, "voted"), 1);
#else
    return tg_emit_tally(tg_admin_room(srv, "voted"), 1);
#endif
}
