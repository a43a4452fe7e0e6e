/* Emits given arguments that C allows but the schema does not (a NULL
 * record, a NULL array with elements) return SIO_EINVAL; they do not
 * crash the server.
 * schema: generated_doc.sio
 */
#include <stdio.h>

#include "generated_doc.sio.h"

static int check(const char *what, int rc)
{
    if (rc == SIO_EINVAL)
        return 0;
    fprintf(stderr, "%s: got %d, expected SIO_EINVAL\n", what, rc);
    return 1;
}

int main(void)
{
    sio_options o;
    sio_server *srv;
    chat_target all;
    chat_Message m = {.text = "hi", .tags = NULL, .n_tags = 2};
    int bad = 0;

    sio_options_init(&o);
    srv = sio_server_new(&o);
    if (!srv || chat_register(srv) != 0)
        return 2;
    all = chat_all(srv);
    bad += check("a NULL record", chat_emit_said(all, "ann", NULL));
    bad += check("a NULL array of 2", chat_emit_said(all, "ann", &m));
    sio_server_free(srv);
    return bad != 0;
}
