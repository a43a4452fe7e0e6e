/* An emit given an int where the schema says string.
 * schema: chat.sio
 * phase: compile
 * expect: (makes pointer from integer|incompatible integer to pointer conversion)
 */
#include "chat.sio.h"

int say_hello(sio_ctx *ctx, const chat_Message *msg);

int say_hello(sio_ctx *ctx, const chat_Message *msg)
{
#ifdef FIXED
    return chat_emit_said(chat_self(ctx), "server", msg);
#else
    return chat_emit_said(chat_self(ctx), 42, msg);
#endif
}
