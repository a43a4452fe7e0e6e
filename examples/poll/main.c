/* poll - the live poll of docs/examples.md ("poll"), from poll.sio: a
 * name at connect, one vote per connection, the tally to the room of
 * those who voted, and /admin's reset behind $POLL_PASSWORD. */
#include <sio_app.h>
#include <stdlib.h>

#include "poll.sio.h"

int poll_on_connect(sio_ctx *ctx, const char *name)
{
    return sio_set_string(&poll_data(ctx)->name, name); /* kept: a copy */
}

void poll_on_vote(sio_ctx *ctx, poll_Choice choice, poll_vote_ack ack)
{
    poll_Tally *t = sio_ctx_app(ctx);
    const char *me = poll_data(ctx)->name;

    if (sio_in_room(sio_ctx_socket(ctx), "voted"))
        sio_fail(ctx, "already voted"); /* the error ack */
    else if (sio_join(sio_ctx_socket(ctx), "voted") != 0)
        sio_fail(ctx, "server error");
    else {
        ++*(int64_t *[]){&t->c, &t->python, &t->js}[choice]; /* its count */
        sio_log_unsent(poll_emit_tally(poll_room(ctx, "voted"), t, me),
                       "tally");
        sio_log_unsent(poll_vote_ack_send(ack, t), "vote ack");
    }
}

int poll_admin_on_connect(sio_ctx *ctx, const char *password)
{
    if (sio_secret_equal(password, getenv("POLL_PASSWORD")))
        return 0;
    return sio_refuse(ctx, "unauthorized", NULL), 1;
}

void poll_admin_on_reset(sio_ctx *ctx, poll_admin_reset_ack ack)
{
    poll_Tally *t = sio_ctx_app(ctx);

    *t = (poll_Tally){0};
    sio_log_unsent(poll_emit_tally(poll_room(ctx, "voted"), t, NULL), "tally");
    /* everyone may vote again */
    sio_room_clear(sio_server_of(sio_ctx_server(ctx), "/"), "voted");
    sio_log_unsent(poll_admin_reset_ack_send(ack, true), "reset ack");
}

SIO_APP_MAIN(.www = "www", .setup = poll_register, .data = &(poll_Tally){0})
