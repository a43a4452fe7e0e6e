/* A handler defined without its ack parameter.
 * schema: chat.sio
 * phase: compile
 * expect: conflicting types for 'chat_on_join'
 */
#include "chat.sio.h"

#ifdef FIXED
void chat_on_join(sio_ctx *ctx, const char *room, chat_join_ack ack)
{
    (void)ack;
#else
void chat_on_join(sio_ctx *ctx, const char *room)
{
#endif
    (void)ctx;
    (void)room;
}
