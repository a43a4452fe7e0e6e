/* Every handler but no guard: linking fails, naming the guard.
 * schema: chat.sio
 * phase: link
 * expect: undefined reference to .chat_guard_admin'
 */
#include "chat.sio.h"

#ifdef FIXED
bool chat_guard_admin(sio_ctx *ctx)
{
    (void)ctx;
    return false;
}
#endif

int chat_on_connect(sio_ctx *ctx, const char *token)
{
    (void)ctx;
    (void)token;
    return 0;
}

void chat_on_join(sio_ctx *ctx, const char *room, chat_join_ack ack)
{
    (void)ctx;
    (void)room;
    (void)ack;
}

void chat_on_say(sio_ctx *ctx, const chat_Message *msg)
{
    (void)ctx;
    (void)msg;
}

void chat_admin_on_kick(sio_ctx *ctx, const char *sid)
{
    (void)ctx;
    (void)sid;
}

int main(int argc, char **argv)
{
    (void)argv;
    return argc > 99 ? chat_register(NULL) : 0;
}
