/* poll - the live poll of docs/examples.md ("poll"), from poll.sio: a
 * name at connect, one vote per connection, the tally to those who voted,
 * and /admin's reset behind the password in $POLL_PASSWORD. */
#include <sio_app.h>
#include <stdlib.h>
#include <string.h>

#include "poll.sio.h"

#define VOTED "voted" /* the room of those who voted: they see the tally */

int poll_on_connect(sio_ctx *ctx, const char *name)
{
    size_t chars = 0;

    for (const char *p = name; *p; p++)
        chars += (*p & 0xC0) != 0x80; /* UTF-8: count lead bytes */
    if (chars >= 1 && chars <= 32)
        return 0;
    return sio_refuse(ctx, "name required", NULL), 1;
}

void poll_on_vote(sio_ctx *ctx, poll_Choice choice, poll_vote_ack *ack)
{
    poll_Tally *t = sio_ctx_app(ctx);
    sio_socket *s = sio_ctx_socket(ctx);
    json_t *name = json_object_get(sio_ctx_auth(ctx), "name");

    if (sio_in_room(s, VOTED) || sio_join(s, VOTED) != 0) {
        poll_vote_ack_error(ack, sio_in_room(s, VOTED) ? "already voted"
                                                       : "server error");
        return;
    }
    ++*(int64_t *[]){&t->c, &t->python, &t->js}[choice]; /* its count */
    poll_emit_tally(sio_to(sio_all(sio_socket_namespace(s)), VOTED), t,
                    json_string_value(name));
    poll_vote_ack_send(ack, t);
}

int poll_admin_on_connect(sio_ctx *ctx, const char *password)
{
    const char *want = getenv("POLL_PASSWORD");

    if (want && *want && password && strcmp(password, want) == 0)
        return 0;
    return sio_refuse(ctx, "unauthorized", NULL), 1;
}

void poll_admin_on_reset(sio_ctx *ctx, poll_admin_reset_ack *ack)
{
    sio_namespace *root = sio_server_of(sio_ctx_server(ctx), "/");
    poll_Tally *t = sio_ctx_app(ctx);

    *t = (poll_Tally){0};
    poll_emit_tally(sio_to(sio_all(root), VOTED), t, NULL);
    sio_room_clear(root, VOTED); /* everyone may vote again */
    poll_admin_reset_ack_send(ack, true);
}

int main(int argc, char **argv)
{
    poll_Tally tally = {0};

    return sio_app_main(&(sio_app){.name = "poll",
                                   .port = 8000,
                                   .www = "www",
                                   .client_js = CLIENT_JS,
                                   .setup = poll_register,
                                   .data = &tally},
                        argc, argv);
}
