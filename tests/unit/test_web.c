/* test_web.c - the HTTP side over the fake Engine.IO: what a route reads
 * of its request stays valid until it returns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sio.h"

#include "../common/fake_eio.c"

static sio_server *g_srv;

static int setup(void **state)
{
    sio_options o;
    (void)state;
    sio_options_init(&o);
    g_srv = sio_server_new(&o);
    assert_non_null(g_srv);
    g_eio = sio_server_engine(g_srv);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sio_server_free(g_srv);
    g_srv = NULL;
    return 0;
}

static int cookie_sessions(void)
{
    sio_session_opts so;
    sio_session_opts_init(&so);
    so.secret = "test-secret";
    return sio_server_sessions(g_srv, &so);
}

/* Reads cookie "a", then "b" and the session (which reads the session
 * cookie), then answers with what it read of "a" first. */
static void route_cookies(sio_req *r, void *ud)
{
    const char *a = sio_req_cookie(r, "a");
    const char *b = sio_req_cookie(r, "b");
    char body[64];
    (void)ud;

    assert_null(sio_req_user_id(r));
    snprintf(body, sizeof body, "%s %s", a ? a : "-", b ? b : "-");
    sio_respond(r, 200, "text/plain", body, strlen(body));
}

static void test_cookie_strings_live_until_return(void **state)
{
    static const char *const h[] = {"cookie", "a=first; b=second; session=xyz",
                                    NULL};
    eio_http_req r = http_req("GET", "/c", NULL, h);
    (void)state;

    assert_int_equal(cookie_sessions(), 0);
    assert_int_equal(sio_http_route(g_srv, "GET", "/c", route_cookies, NULL),
                     0);
    assert_int_equal(http_run(g_eio, &r), 200);
    assert_string_equal(r.resp, "first second");
    http_fini(&r);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_cookie_strings_live_until_return),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
