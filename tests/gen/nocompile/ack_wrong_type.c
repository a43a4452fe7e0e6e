/* A string passed where the ack wants an int (an error under -Werror).
 * schema: same_name_both_ways.sio
 * phase: compile
 * expect: makes integer from pointer|incompatible pointer to integer conversion
 */
#include "same_name_both_ways.sio.h"

void both_on_message(sio_ctx *ctx, const char *text, both_message_ack ack)
{
    int rc;

    (void)ctx;
    (void)text;
#ifdef FIXED
    rc = both_message_ack_send(ack, 7);
#else
    rc = both_message_ack_send(ack, "7");
#endif
    (void)rc;
}
