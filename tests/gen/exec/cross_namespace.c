/* A typed emit belongs to its namespace: "said" of "/" sent through a
 * target of "/admin" (forced past the types, or converted from a raw
 * one) is refused with SIO_EINVAL instead of silently reaching nobody;
 * through "/" it goes out.
 * schema: generated_doc.sio
 */
#include <stdio.h>

#include "generated_doc.sio.h"

int main(void)
{
    sio_options o;
    sio_server *srv;
    chat_Message m = {.text = "hi"};
    int root, admin, of;

    sio_options_init(&o);
    srv = sio_server_new(&o);
    if (!srv || chat_register(srv) != 0)
        return 2;
    root = chat_emit_said(chat_all(srv), "ann", &m);
    admin = chat_emit_said((chat_target){sio_all(sio_server_of(srv, "/admin"))},
                           "ann", &m);
    of = chat_emit_said(chat_target_of(sio_all(sio_server_of(srv, "/admin"))),
                        "ann", &m);
    sio_server_free(srv);
    if (root != 0 || admin != SIO_EINVAL || of != SIO_EINVAL) {
        fprintf(stderr,
                "through /: %d (want 0), through /admin: %d and %d (want "
                "%d)\n",
                root, admin, of, SIO_EINVAL);
        return 1;
    }
    return 0;
}
