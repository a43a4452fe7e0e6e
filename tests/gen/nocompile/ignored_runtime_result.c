/* The typed layer's runtime calls are SIO_MUST_CHECK too: an ack answer
 * whose result is dropped does not compile under -Werror.
 * schema: chat.sio
 * phase: compile
 * expect: ignoring return value
 */
#include <sio.h>

void answer(sio_ack_ref ack);

void answer(sio_ack_ref ack)
{
#ifdef FIXED
    if (sio_ack_params_error(ack, "join", "no") != 0)
        return;
#else
    sio_ack_params_error(ack, "join", "no");
#endif
}
