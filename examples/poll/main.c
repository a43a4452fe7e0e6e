/* poll - the live poll of docs/examples.md ("poll"), from poll.sio: a
 * name at connect, one vote per connection, the tally to the room of
 * those who voted, and /admin's reset behind $POLL_PASSWORD. */
#include <sio_app.h>
#include <stdlib.h>

#include "poll.sio.h"

int poll_on_connect(sio_ctx *ctx, const char *name)
{
    if (*name && sio_utf8_len(name) <= 32)
        return 0;
    return sio_refuse(ctx, "name required", NULL), 1;
}

void poll_on_vote(sio_ctx *ctx, poll_Choice choice, poll_vote_ack ack)
{
    poll_Tally *t = sio_ctx_app(ctx);
    sio_socket *s = sio_ctx_socket(ctx);
    json_t *name = json_object_get(sio_ctx_auth(ctx), "name");

    if (sio_in_room(s, "voted") || sio_join(s, "voted") != 0) {
        sio_log_unsent(poll_vote_ack_error(ack, sio_in_room(s, "voted")
                                                    ? "already voted"
                                                    : "server error"),
                       "vote ack");
        return;
    }
    ++*(int64_t *[]){&t->c, &t->python, &t->js}[choice]; /* its count */
    sio_log_unsent(
        poll_emit_tally(poll_room(ctx, "voted"), t, json_string_value(name)),
        "tally");
    sio_log_unsent(poll_vote_ack_send(ack, t), "vote ack");
}

int poll_admin_on_connect(sio_ctx *ctx, const char *password)
{
    if (sio_secret_equal(password, getenv("POLL_PASSWORD")))
        return 0;
    return sio_refuse(ctx, "unauthorized", NULL), 1;
}

void poll_admin_on_reset(sio_ctx *ctx, poll_admin_reset_ack ack)
{
    *(poll_Tally *)sio_ctx_app(ctx) = (poll_Tally){0};
    sio_log_unsent(
        poll_emit_tally(poll_room(ctx, "voted"), sio_ctx_app(ctx), NULL),
        "tally");
    /* everyone may vote again */
    sio_room_clear(sio_server_of(sio_ctx_server(ctx), "/"), "voted");
    sio_log_unsent(poll_admin_reset_ack_send(ack, true), "reset ack");
}

int main(int argc, char **argv)
{
    poll_Tally tally = {0};
    sio_app app = {.www = "www", .setup = poll_register, .data = &tally};

    return sio_app_main(&app, argc, argv);
}
