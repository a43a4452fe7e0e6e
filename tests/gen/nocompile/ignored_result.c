/* The result of an emit or an ack answer, ignored: its failure would lose
 * a message unnoticed, so the functions are SIO_MUST_CHECK (an error
 * under -Werror). A cast to void does not silence gcc.
 * schema: chat.sio
 * phase: compile
 * expect: ignoring return value
 */
#include "chat.sio.h"

void greet(sio_ctx *ctx, const chat_Message *msg, chat_join_ack ack);

void greet(sio_ctx *ctx, const chat_Message *msg, chat_join_ack ack)
{
#ifdef FIXED
    if (chat_emit_said(chat_self(ctx), "server", msg) != 0 ||
        chat_join_ack_send(ack, true) != 0)
        return;
#else
    chat_emit_said(chat_self(ctx), "server", msg);
    chat_join_ack_send(ack, true);
#endif
}
