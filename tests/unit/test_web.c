/* test_web.c - the HTTP side over the fake Engine.IO: what a route reads
 * of its request stays valid until it returns; sessions take over their
 * store also when refused; static directories serve whole path segments
 * under their prefix; a form field is never cut short. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    sio_server_free(g_srv); /* NULL is fine */
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

/* A store that counts its frees. */
typedef struct counted_store {
    sio_session_store base;
    int *freed;
} counted_store;

static json_t *counted_load(sio_session_store *st, const char *id)
{
    (void)st;
    (void)id;
    return NULL;
}

static int counted_save(sio_session_store *st, const char *id,
                        const json_t *session)
{
    (void)st;
    (void)id;
    (void)session;
    return 0;
}

static void counted_free(sio_session_store *st)
{
    ++*((counted_store *)st)->freed;
    free(st);
}

static sio_session_store *counted_new(int *freed)
{
    counted_store *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->base.load = counted_load;
    c->base.save = counted_save;
    c->base.free = counted_free;
    c->freed = freed;
    return &c->base;
}

/* "Stolen, also on failure": a refused call frees the store it was given,
 * but not the one already in use. */
static void test_sessions_store_stolen_on_failure(void **state)
{
    sio_session_opts so;
    int freed = 0, kept = 0;
    (void)state;

    sio_session_opts_init(&so);
    so.mode = SIO_SESSIONS_SERVER;
    so.store = counted_new(&freed); /* no secret */
    assert_int_equal(sio_server_sessions(g_srv, &so), SIO_EINVAL);
    assert_int_equal(freed, 1);
    so.secret = "s";
    so.mode = SIO_SESSIONS_OFF;
    so.store = counted_new(&freed);
    assert_int_equal(sio_server_sessions(g_srv, &so), SIO_EINVAL);
    assert_int_equal(freed, 2);
    /* In use, then offered again with a refused call: still in use. */
    so.mode = SIO_SESSIONS_SERVER;
    so.store = counted_new(&kept);
    assert_int_equal(sio_server_sessions(g_srv, &so), 0);
    so.secret = NULL;
    assert_int_equal(sio_server_sessions(g_srv, &so), SIO_EINVAL);
    assert_int_equal(kept, 0);
    sio_server_free(g_srv);
    g_srv = NULL;
    assert_int_equal(kept, 1);
}

/* A temporary directory holding x.txt and index.html. */
static char *static_dir(char *dir, size_t n)
{
    char path[256];
    FILE *f;

    snprintf(dir, n, "/tmp/sio-web-XXXXXX");
    assert_non_null(mkdtemp(dir));
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, i ? "index.html" : "x.txt");
        assert_non_null(f = fopen(path, "w"));
        fputs("hi\n", f);
        fclose(f);
    }
    return dir;
}

static void static_dir_remove(const char *dir)
{
    char path[256];
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, i ? "index.html" : "x.txt");
        unlink(path);
    }
    rmdir(dir);
}

static int get(const char *path)
{
    eio_http_req r = http_req("GET", path, NULL, NULL);
    int status = http_run(g_eio, &r);
    http_fini(&r);
    return status;
}

/* "/static" serves "/static", "/static/..." but not "/staticfoo". */
static void test_static_prefix_is_a_segment(void **state)
{
    char dir[64];
    (void)state;

    static_dir(dir, sizeof dir);
    assert_int_equal(sio_http_static(g_srv, "/static", dir), 0);
    assert_int_equal(get("/static/x.txt"), 200);
    assert_int_equal(get("/static/"), 200);
    assert_int_equal(get("/static"), 200);
    assert_int_equal(get("/staticx.txt"), 404);
    assert_int_equal(get("/static.txt"), 404);
    /* A prefix given with its slash means the same. */
    assert_int_equal(sio_http_static(g_srv, "/s/", dir), 0);
    assert_int_equal(get("/s/x.txt"), 200);
    assert_int_equal(get("/sx.txt"), 404);
    /* "/" is every path. */
    assert_int_equal(sio_http_static(g_srv, "/", dir), 0);
    assert_int_equal(get("/x.txt"), 200);
    static_dir_remove(dir);
}

static int form_routes_run;

static void route_form(sio_req *r, void *ud)
{
    const char *v = sio_req_form(r, "v");
    (void)ud;
    form_routes_run++;
    sio_respond(r, 200, "text/plain", v ? v : "-", strlen(v ? v : "-"));
}

static int post_form(const char *body, char *out, size_t n)
{
    static const char *const h[] = {"content-type",
                                    "application/x-www-form-urlencoded", NULL};
    eio_http_req r = http_req("POST", "/f", body, h);
    int status = http_run(g_eio, &r);
    snprintf(out, n, "%s", r.resp ? r.resp : "");
    http_fini(&r);
    return status;
}

/* A NUL byte cannot be in a C string: the request is refused (400)
 * before the route runs, rather than the field being cut at it. */
static void test_form_nul_refused(void **state)
{
    char out[64];
    (void)state;

    form_routes_run = 0;
    assert_int_equal(sio_http_route(g_srv, "POST", "/f", route_form, NULL), 0);
    assert_int_equal(post_form("v=a%2Bb+c", out, sizeof out), 200);
    assert_string_equal(out, "a+b c");
    assert_int_equal(post_form("v=admin%00junk", out, sizeof out), 400);
    assert_int_equal(post_form("x=1&v%00=2", out, sizeof out), 400);
    assert_int_equal(form_routes_run, 1);
}

static void route_login(sio_req *r, void *ud)
{
    (void)ud;
    assert_int_equal(sio_req_login(r, "u"), 0);
    sio_respond(r, 200, "text/plain", "in", 2);
}

static void route_write(sio_req *r, void *ud)
{
    (void)ud;
    assert_int_equal(sio_req_session_set(r, "k", json_true()), 0);
    sio_respond(r, 200, "text/plain", "written", 7);
}

static int post_to(const char *path, char *out, size_t n)
{
    eio_http_req r = http_req("POST", path, NULL, NULL);
    int status = http_run(g_eio, &r);
    snprintf(out, n, "%s", r.resp ? r.resp : "");
    http_fini(&r);
    return status;
}

/* A session the store cannot keep fails its request, saying why: the
 * route's "written" would be a lie. A request that writes nothing
 * stores nothing. */
static void test_session_save_failure_is_503(void **state)
{
    sio_session_opts so;
    char out[64];
    (void)state;

    sio_session_opts_init(&so);
    so.secret = "test-secret";
    so.mode = SIO_SESSIONS_SERVER;
    so.store = sio_session_store_memory(3600, 1);
    assert_int_equal(sio_server_sessions(g_srv, &so), 0);
    assert_int_equal(sio_http_route(g_srv, "POST", "/login", route_login, NULL),
                     0);
    assert_int_equal(sio_http_route(g_srv, "POST", "/w", route_write, NULL), 0);
    assert_int_equal(sio_http_route(g_srv, "POST", "/f", route_form, NULL), 0);
    assert_int_equal(post_to("/f", out, sizeof out), 200); /* stores nothing */
    assert_int_equal(post_to("/login", out, sizeof out), 200);
    assert_int_equal(post_to("/w", out, sizeof out), 503);
    assert_string_equal(out, "session store full");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_cookie_strings_live_until_return),
        T(test_sessions_store_stolen_on_failure),
        T(test_static_prefix_is_a_segment),
        T(test_form_nul_refused),
        T(test_session_save_failure_is_503),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
