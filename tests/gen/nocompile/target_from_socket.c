/* A target constructor taking `from` accepts a handler's ctx or the
 * server, nothing else (a socket has its own: tg_socket).
 * schema: two_targets.sio
 * phase: compile
 * expect: _Generic|controlling expression type
 */
#include "two_targets.sio.h"

int tell(sio_socket *s);

int tell(sio_socket *s)
{
#ifdef FIXED
    return tg_emit_tally(tg_socket(s), 1);
#else
    return tg_emit_tally(tg_all(s), 1);
#endif
}
