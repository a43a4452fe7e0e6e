/* test_check.c - sio_secret_equal (equal, unequal at any position or
 * length, NULL and empty secrets refused) and sio_utf8_len (code points
 * of ASCII, 2-, 3- and 4-byte characters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sio.h"

static void test_secret_equal(void **state)
{
    (void)state;
    assert_true(sio_secret_equal("correct horse", "correct horse"));
    assert_false(sio_secret_equal("correct horsf", "correct horse"));
    assert_false(sio_secret_equal("Correct horse", "correct horse"));
    assert_false(sio_secret_equal("correct hors", "correct horse"));
    assert_false(sio_secret_equal("correct horse ", "correct horse"));
    assert_false(sio_secret_equal("", "correct horse"));
    assert_false(sio_secret_equal(NULL, "correct horse"));
    assert_false(sio_secret_equal("x", NULL));
    assert_false(sio_secret_equal("", "")); /* no secret: nobody gets in */
    assert_true(sio_secret_equal("\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"));
}

static void test_utf8_len(void **state)
{
    (void)state;
    assert_int_equal(sio_utf8_len(""), 0);
    assert_int_equal(sio_utf8_len(NULL), 0);
    assert_int_equal(sio_utf8_len("alice"), 5);
    assert_int_equal(sio_utf8_len("\xc3\xa9t\xc3\xa9"), 3); /* été */
    assert_int_equal(sio_utf8_len("\xe2\x82\xac"), 1);      /* € */
    assert_int_equal(sio_utf8_len("\xf0\x9f\x98\x80!"), 2); /* 😀! */
}

/* Returns what it is given, whatever it logs. */
static void test_log_unsent(void **state)
{
    (void)state;
    assert_int_equal(sio_log_unsent(0, "x"), 0);
    assert_int_equal(sio_log_unsent(SIO_ECLOSED, "x"), SIO_ECLOSED);
    assert_int_equal(sio_log_unsent(SIO_EINVAL, "x"), SIO_EINVAL);
    assert_int_equal(sio_log_unsent(SIO_ENOMEM, NULL), SIO_ENOMEM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_equal),
        cmocka_unit_test(test_utf8_len),
        cmocka_unit_test(test_log_unsent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
