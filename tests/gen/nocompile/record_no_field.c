/* A record field that the schema does not declare.
 * schema: chat.sio
 * phase: compile
 * expect: no member named 'author'
 */
#include "chat.sio.h"

void chat_on_say(sio_ctx *ctx, const chat_Message *msg)
{
    (void)ctx;
#ifdef FIXED
    (void)msg->text;
#else
    (void)msg->author;
#endif
}
