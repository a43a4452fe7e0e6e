/* test_map.c - the string hash map: put/get/replace/delete, growth,
 * backward-shift deletion keeping every other key reachable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "map.h"

#define N 5000

static void test_empty(void **state)
{
    map m;
    size_t i = 0;
    map_entry *e;
    (void)state;
    map_init(&m);
    assert_null(map_get(&m, "a", 1));
    assert_null(map_del(&m, "a", 1));
    assert_int_equal(map_next(&m, &i, &e), 0);
    map_fini(&m);
}

static void test_put_get_replace(void **state)
{
    map m;
    int a = 1, b = 2;
    (void)state;
    map_init(&m);
    assert_int_equal(map_put(&m, "key", 3, &a), 0);
    assert_ptr_equal(map_get(&m, "key", 3), &a);
    /* Length matters, not NUL termination. */
    assert_null(map_get(&m, "ke", 2));
    assert_null(map_get(&m, "key!", 4));
    assert_int_equal(map_put(&m, "key", 3, &b), 0);
    assert_ptr_equal(map_get(&m, "key", 3), &b);
    assert_int_equal(m.len, 1);
    map_fini(&m);
}

static void test_many_and_delete(void **state)
{
    static char keys[N][16];
    map m;
    size_t seen = 0, i = 0;
    map_entry *e;
    (void)state;

    map_init(&m);
    for (int k = 0; k < N; k++) {
        snprintf(keys[k], sizeof keys[k], "k%d", k);
        assert_int_equal(map_put(&m, keys[k], strlen(keys[k]), keys[k]), 0);
    }
    assert_int_equal(m.len, N);
    /* Delete every third key; all others must stay reachable. */
    for (int k = 0; k < N; k += 3)
        assert_ptr_equal(map_del(&m, keys[k], strlen(keys[k])), keys[k]);
    for (int k = 0; k < N; k++) {
        void *v = map_get(&m, keys[k], strlen(keys[k]));
        if (k % 3 == 0)
            assert_null(v);
        else
            assert_ptr_equal(v, keys[k]);
    }
    while (map_next(&m, &i, &e))
        seen++;
    assert_int_equal(seen, m.len);
    assert_int_equal(m.len, N - (N + 2) / 3);
    map_fini(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_put_get_replace),
        cmocka_unit_test(test_many_and_delete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
