/* test_admin.c - the admin UI's namespace (sio_admin.h) over the fake
 * Engine.IO of tests/common: options refused, no authentication,
 * read-only, the session ring, the stats timer. The chat's interop and
 * browser tests cover the protocol with the real clients. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sio.h"
#include "sio_admin.h"

#include "../common/fake_eio.c"

static sio_server *server(void)
{
    sio_options o;
    sio_server *srv;

    sio_options_init(&o);
    srv = sio_server_new(&o);
    assert_non_null(srv);
    g_eio = sio_server_engine(srv);
    return srv;
}

/* The next message whose text starts with prefix (others skipped). */
static const char *next_starting(eio_session *s, const char *prefix)
{
    const char *m;

    while ((m = sess_next(s)))
        if (strncmp(m, prefix, strlen(prefix)) == 0)
            return m;
    fail_msg("no message starting with %s", prefix);
    return NULL;
}

static int taken(sio_ctx *ctx, json_t *auth, void *ud)
{
    return 0;
}

static void test_refused_options(void **state)
{
    sio_server *srv = server();
    sio_admin_options o;
    (void)state;

    sio_admin_options_init(&o);
    assert_string_equal(o.namespace_name, "/admin");
    assert_int_equal(o.stats_interval_ms, 2000);
    assert_int_equal(sio_admin_attach(NULL, &o), SIO_EINVAL);
    o.password = "p"; /* without a user */
    assert_int_equal(sio_admin_attach(srv, &o), SIO_EINVAL);
    o.username = "";
    assert_int_equal(sio_admin_attach(srv, &o), SIO_EINVAL);
    o.username = "u";
    o.namespace_name = "admin";
    assert_int_equal(sio_admin_attach(srv, &o), SIO_EINVAL);
    o.namespace_name = "/taken";
    assert_int_equal(
        sio_namespace_on_connect(sio_server_of(srv, "/taken"), taken, NULL), 0);
    assert_int_equal(sio_admin_attach(srv, &o), SIO_EEXIST);
    sio_server_free(srv);
}

static void test_open_and_readonly(void **state)
{
    sio_server *srv = server();
    sio_admin_options o;
    eio_session *s;
    const char *m;
    (void)state;

    sio_admin_options_init(&o); /* no username: no authentication */
    o.readonly = true;
    o.server_id = "srv-1";
    assert_int_equal(sio_admin_attach(srv, &o), 0);
    s = sess_open(g_eio);
    sess_text(s, "0/admin,");
    expect_connect(s, "40/admin,");
    m = next_starting(s, "42/admin,[\"config\"");
    assert_string_equal(m, "42/admin,[\"config\",{\"supportedFeatures\":["
                           "\"AGGREGATED_EVENTS\",\"ALL_EVENTS\"]}]");
    m = next_starting(s, "42/admin,[\"all_sockets\"");
    assert_non_null(strstr(m, "\"headers\":{\"x-test\":\"hv\"}"));
    assert_non_null(strstr(m, "\"url\":\"/socket.io/?q=q%20v\""));
    assert_non_null(strstr(m, "\"address\":\"10.0.0.1\""));
    m = next_starting(s, "42/admin,[\"server_stats\"");
    assert_non_null(strstr(m, "\"serverId\":\"srv-1\""));
    /* Read-only: the actions are unknown events. */
    sess_text(s, "42/admin,[\"_disconnect\",\"/admin\",true]");
    assert_null(sess_next(s));
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    sio_server_free(srv);
}

/* Logs in with the password; returns the session id (static buffer). */
static const char *login(eio_session **out)
{
    static char id[4][32];
    static int k;
    eio_session *s = sess_open(g_eio);
    const char *m;

    sess_text(s, "0/admin,{\"username\":\"u\",\"password\":\"p\"}");
    expect_connect(s, "40/admin,");
    m = next_starting(s, "42/admin,[\"session\",\"");
    k = (k + 1) % 4;
    snprintf(id[k], sizeof id[k], "%.20s",
             m + strlen("42/admin,[\"session\",\""));
    *out = s;
    return id[k];
}

static bool session_accepted(const char *id)
{
    char msg[128];
    eio_session *s = sess_open(g_eio);
    const char *m;
    bool ok;

    snprintf(msg, sizeof msg, "0/admin,{\"sessionId\":\"%s\"}", id);
    sess_text(s, msg);
    m = sess_next(s);
    ok = m && strncmp(m, "40/admin,", 9) == 0;
    if (!ok)
        assert_string_equal(m,
                            "44/admin,{\"message\":\"invalid credentials\"}");
    sess_close(s, EIO_CLOSE_TRANSPORT_CLOSE);
    return ok;
}

static void test_sessions_and_stats(void **state)
{
    sio_server *srv = server();
    sio_admin_options o;
    eio_session *a, *b, *c;
    const char *first, *third, *m;
    eio_timer *stats = NULL;
    (void)state;

    sio_admin_options_init(&o);
    o.username = "u";
    o.password = "p";
    o.max_sessions = 2;
    o.log_level = EIO_LOG_ERR; /* the refusals below: no log lines */
    assert_int_equal(sio_admin_attach(srv, &o), 0);
    first = login(&a);
    login(&b);
    third = login(&c);
    assert_false(session_accepted(first)); /* the oldest is forgotten */
    assert_true(session_accepted(third));
    assert_false(session_accepted("AAAAAAAAAAAAAAAAAAAA"));
    /* The stats timer runs while an admin page is connected. */
    for (size_t i = 0; i < MAX_TIMERS; i++)
        if (g_eio->timers[i] && g_eio->timers[i]->active &&
            g_eio->timers[i]->ms == 2000)
            stats = g_eio->timers[i];
    assert_non_null(stats);
    stats->fn(stats, stats->ud);
    m = next_starting(a, "42/admin,[\"server_stats\"");
    m = next_starting(a, "42/admin,[\"server_stats\"");
    assert_non_null(strstr(m, "\"type\":\"packetsIn\""));
    assert_non_null(strstr(m, "\"type\":\"rawConnection\""));
    assert_true(stats->active); /* rearmed */
    sess_close(a, EIO_CLOSE_TRANSPORT_CLOSE);
    sess_close(b, EIO_CLOSE_TRANSPORT_CLOSE);
    sess_close(c, EIO_CLOSE_TRANSPORT_CLOSE);
    assert_false(stats->active); /* nobody watches */
    sio_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_options),
        cmocka_unit_test(test_open_and_readonly),
        cmocka_unit_test(test_sessions_and_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
