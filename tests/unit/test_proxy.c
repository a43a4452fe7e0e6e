/* test_proxy.c - the client address behind trusted reverse proxies:
 * X-Forwarded-For is believed only from a listed peer, read from the
 * right, never past an entry that is not itself a trusted proxy or that
 * is not an address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eio_internal.h"

struct fixture {
    struct eiop_proxy *v;
    size_t n;
};

static const char *addr_of(const struct fixture *f, const char *peer,
                           const char *xff)
{
    static char out[64];

    eiop_client_addr(f->v, f->n, peer, xff, out, sizeof out);
    return out;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    assert_int_equal(eiop_proxies_parse(" 127.0.0.3, 10.0.0.0/8 ,::1, fd00::/8",
                                        &f->v, &f->n),
                     0);
    assert_int_equal(f->n, 4);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    free(f->v);
    free(f);
    return 0;
}

static void untrusted_peer_ignores_header(void **state)
{
    assert_string_equal(addr_of(*state, "127.0.0.7", "1.2.3.4"), "127.0.0.7");
    assert_string_equal(addr_of(*state, "11.0.0.1", "1.2.3.4"), "11.0.0.1");
}

static void trusted_peer_names_client(void **state)
{
    assert_string_equal(addr_of(*state, "127.0.0.3", "1.2.3.4"), "1.2.3.4");
    assert_string_equal(addr_of(*state, "10.9.8.7", " 2001:db8::5 "),
                        "2001:db8::5");
    assert_string_equal(addr_of(*state, "::1", "1.2.3.4"), "1.2.3.4");
}

static void rightmost_untrusted_wins(void **state)
{
    /* The client claims 6.6.6.6; the two proxies appended what they saw. */
    assert_string_equal(
        addr_of(*state, "127.0.0.3", "6.6.6.6, 5.5.5.5, 10.1.1.1"), "5.5.5.5");
}

static void no_header_or_garbage_keeps_last_hop(void **state)
{
    assert_string_equal(addr_of(*state, "127.0.0.3", NULL), "127.0.0.3");
    assert_string_equal(addr_of(*state, "127.0.0.3", ""), "127.0.0.3");
    assert_string_equal(addr_of(*state, "127.0.0.3", "1.2.3.4, nonsense"),
                        "127.0.0.3");
    assert_string_equal(addr_of(*state, "127.0.0.3", "10.0.0.9,"), "127.0.0.3");
    assert_string_equal(addr_of(*state, "127.0.0.3", "unknown, 10.0.0.9"),
                        "10.0.0.9");
}

static void mapped_ipv4_peer(void **state)
{
    assert_string_equal(addr_of(*state, "::ffff:127.0.0.3", "1.2.3.4"),
                        "1.2.3.4");
    assert_string_equal(addr_of(*state, "::ffff:127.0.0.8", "1.2.3.4"),
                        "127.0.0.8");
}

static void prefix_bits_are_exact(void **state)
{
    struct eiop_proxy *v;
    size_t n;
    char out[64];

    assert_int_equal(eiop_proxies_parse("192.168.4.0/22", &v, &n), 0);
    eiop_client_addr(v, n, "192.168.7.255", "1.1.1.1", out, sizeof out);
    assert_string_equal(out, "1.1.1.1");
    eiop_client_addr(v, n, "192.168.8.0", "1.1.1.1", out, sizeof out);
    assert_string_equal(out, "192.168.8.0");
    free(v);
}

static void many_hops_are_bounded(void **state)
{
    char xff[64 * 12] = "9.9.9.9";

    for (int i = 0; i < 60; i++)
        strcat(xff, ",10.0.0.1");
    /* Past the hop limit the walk stops on a trusted address. */
    assert_string_equal(addr_of(*state, "127.0.0.3", xff), "10.0.0.1");
}

static void bad_lists_are_refused(void **state)
{
    static const char *const bad[] = {
        "",          "127.0.0.1,", "300.1.1.1", "10.0.0.0/33", "::/129",
        "10.0.0.0/", "10.0.0.0/x", "host.name", " , ",
    };
    struct eiop_proxy *v;
    size_t n;

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(eiop_proxies_parse(bad[i], &v, &n), -1);
        assert_null(v);
    }
    assert_int_equal(eiop_proxies_parse(NULL, &v, &n), 0);
    assert_int_equal(n, 0);
}

static void server_refuses_bad_list(void **state)
{
    eio_options o;
    eio_callbacks cb = {0};

    eio_options_init(&o);
    o.log_level = -1;
    o.trusted_proxies = "127.0.0.1, not-an-address";
    assert_null(eio_server_new(&o, &cb, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(untrusted_peer_ignores_header, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(trusted_peer_names_client, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rightmost_untrusted_wins, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(no_header_or_garbage_keeps_last_hop,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(mapped_ipv4_peer, setup, teardown),
        cmocka_unit_test(prefix_bits_are_exact),
        cmocka_unit_test_setup_teardown(many_hops_are_bounded, setup, teardown),
        cmocka_unit_test(bad_lists_are_refused),
        cmocka_unit_test(server_refuses_bad_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
