/* A handler defined with a parameter of the wrong type.
 * schema: chat.sio
 * phase: compile
 * expect: conflicting types for 'chat_on_join'
 */
#include "chat.sio.h"

#ifdef FIXED
void chat_on_join(sio_ctx *ctx, const char *room, chat_join_ack ack)
#else
void chat_on_join(sio_ctx *ctx, int64_t room, chat_join_ack ack)
#endif
{
    (void)ctx;
    (void)room;
    (void)ack;
}
