/* test_map.c - the string hash map: put/get/replace/delete, growth,
 * backward-shift deletion keeping every other key reachable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

/* FNV-1a, unkeyed: anyone can compute where a name lands. */
static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Names a client can choose (rooms) that share the low 12 bits of an
 * unkeyed hash all land on one home slot: with a keyed hash they spread,
 * and the mean distance of an entry from its home slot stays small. */
static void test_chosen_collisions_spread(void **state)
{
    enum { K = 1000 };
    static char names[K][16];
    size_t n = 0, dist = 0, mask;
    map m;
    map_entry *e;
    (void)state;

    for (unsigned long i = 0; n < K; i++) {
        int len = snprintf(names[n], sizeof names[n], "r%lu", i);
        if ((fnv1a(names[n], (size_t)len) & 0xfff) == 0)
            n++;
    }
    map_init(&m);
    for (size_t i = 0; i < K; i++)
        assert_int_equal(map_put(&m, names[i], strlen(names[i]), names[i]), 0);
    mask = m.cap - 1;
    for (size_t i = 0; map_next(&m, &i, &e);)
        dist += ((i - 1) - ((size_t)e->hash & mask)) & mask;
    for (size_t i = 0; i < K; i++)
        assert_ptr_equal(map_get(&m, names[i], strlen(names[i])), names[i]);
    assert_true(dist / K < 8);
    map_fini(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_put_get_replace),
        cmocka_unit_test(test_many_and_delete),
        cmocka_unit_test(test_chosen_collisions_spread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
