/* test_adapter.c - the public adapter interface (sio_adapter.h): an
 * adapter that wraps the in-memory one (as one over Redis would) sees
 * every join, leave and broadcast and keeps per-socket state; namespaces
 * made later get it too; after a client connected the adapter can no
 * longer change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sio.h"
#include "sio_adapter.h"

#include "../common/fake_eio.c"

/* A wrapping adapter: counts, then delegates to its in-memory part. */
typedef struct counting {
    sio_adapter base;
    sio_adapter *mem;
    int joins, leaves, broadcasts;
} counting;

static int made, freed;
static counting *adapters[4]; /* in the order made */

static counting *of(sio_adapter *a)
{
    return (counting *)a;
}

static int c_join(sio_adapter *a, sio_socket *s, const char *room)
{
    of(a)->joins++;
    return of(a)->mem->ops->join(of(a)->mem, s, room);
}

static int c_leave(sio_adapter *a, sio_socket *s, const char *room)
{
    of(a)->leaves++;
    return of(a)->mem->ops->leave(of(a)->mem, s, room);
}

static void c_leave_all(sio_adapter *a, sio_socket *s)
{
    of(a)->mem->ops->leave_all(of(a)->mem, s);
}

static bool c_in_room(sio_adapter *a, const sio_socket *s, const char *room)
{
    return of(a)->mem->ops->in_room(of(a)->mem, s, room);
}

static size_t c_broadcast(sio_adapter *a, const sio_encoded *e,
                          const sio_target *t)
{
    of(a)->broadcasts++;
    return of(a)->mem->ops->broadcast(of(a)->mem, e, t);
}

static size_t c_room_size(sio_adapter *a, const char *room)
{
    return of(a)->mem->ops->room_size(of(a)->mem, room);
}

static size_t c_room_sockets(sio_adapter *a, const char *room, sio_socket **out,
                             size_t max)
{
    return of(a)->mem->ops->room_sockets(of(a)->mem, room, out, max);
}

static size_t c_socket_rooms(sio_adapter *a, const sio_socket *s,
                             const char **out, size_t max)
{
    return of(a)->mem->ops->socket_rooms(of(a)->mem, s, out, max);
}

static void c_free(sio_adapter *a)
{
    of(a)->mem->ops->free(of(a)->mem);
    free(a);
    freed++;
}

static const sio_adapter_ops counting_ops = {
    c_join,      c_leave,        c_leave_all,    c_in_room, c_broadcast,
    c_room_size, c_room_sockets, c_socket_rooms, c_free,
};

static sio_adapter *counting_new(sio_namespace *ns, void *ud)
{
    counting *c = calloc(1, sizeof *c);

    (void)ud;
    if (!c || !(c->mem = sio_adapter_memory_new(ns))) {
        free(c);
        return NULL;
    }
    c->base.ops = &counting_ops;
    c->base.ns = ns;
    if (made < 4)
        adapters[made] = c;
    made++;
    return &c->base;
}

static sio_socket *last;

static int on_connect(sio_ctx *ctx, json_t *auth, void *ud)
{
    (void)auth;
    (void)ud;
    last = sio_ctx_socket(ctx);
    return 0;
}

static void test_wrapping_adapter(void **state)
{
    sio_options o;
    sio_server *srv;
    sio_namespace *ns;
    eio_session *a, *b;
    sio_socket *sa;
    counting *c;

    (void)state;
    made = freed = 0;
    sio_options_init(&o);
    srv = sio_server_new(&o);
    assert_non_null(srv);
    g_eio = sio_server_engine(srv);
    /* "/" exists already: it changes adapter too. */
    assert_int_equal(sio_server_set_adapter(srv, counting_new, NULL), 0);
    assert_int_equal(made, 1);
    ns = sio_server_of(srv, "/");
    assert_non_null(sio_server_of(srv, "/later"));
    assert_int_equal(made, 2);
    assert_int_equal(sio_namespace_on_connect(ns, on_connect, NULL), 0);

    a = sess_open(g_eio);
    sess_text(a, "0");
    expect_connect(a, "40");
    sa = last;
    b = sess_open(g_eio);
    sess_text(b, "0");
    expect_connect(b, "40");
    assert_int_equal(sio_server_set_adapter(srv, NULL, NULL), SIO_ESTATE);

    assert_int_equal(sio_join(sa, "r"), 0);
    assert_int_equal(sio_room_size(ns, "r"), 1);
    assert_int_equal(sio_emit_to(sio_to(sio_all(ns), "r"), "x", NULL), 0);
    expect_out(a, "42[\"x\"]");
    assert_int_equal(b->nout - b->read, 0);
    assert_int_equal(sio_leave(sa, "r"), 0);
    assert_true(sio_adapter_socket_data(sa) != NULL);

    c = adapters[0]; /* the one of "/" */
    assert_int_equal(c->joins, 1);
    assert_int_equal(c->leaves, 1);
    assert_int_equal(c->broadcasts, 1);

    sess_close(a, EIO_CLOSE_TRANSPORT_CLOSE);
    sess_close(b, EIO_CLOSE_TRANSPORT_CLOSE);
    sio_server_free(srv);
    assert_int_equal(freed, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrapping_adapter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
