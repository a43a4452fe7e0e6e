/* test_redis_codec.c - the Redis channels' messages: bytes that Node's
 * notepack.io writes (the encoder of @socket.io/redis-adapter) decode to
 * the values they hold and encode back to the same bytes; JSON requests
 * decode; malformed, oversized-count, ext and too-deep messages are
 * refused; Redis URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redis_internal.h"

/* notepack.encode(["abc123", {type: 2, data: ["file",
 * Buffer.from([0, 255])], nsp: "/"}, {rooms: ["r"], except: [],
 * flags: {}}]) */
static const char broadcast[] = "\x93\xa6"
                                "abc123"
                                "\x83\xa4type\x02\xa4"
                                "data\x92\xa4"
                                "file\xc4\x02\x00\xff\xa3nsp\xa1/"
                                "\x83\xa5rooms\x91\xa1r\xa6"
                                "except\x90\xa5"
                                "flags\x80";

/* notepack.encode([0, 127, 128, 255, 256, 65535, 65536, -1, -32, -33,
 * -128, -129, -32768, -32769, 4294967296, -2147483649, 1.5, null, true,
 * false]) */
static const char numbers[] =
    "\xdc\x00\x14\x00\x7f\xcc\x80\xcc\xff\xcd\x01\x00\xcd\xff\xff\xce\x00"
    "\x01\x00\x00\xff\xe0\xd0\xdf\xd0\x80\xd1\xff\x7f\xd1\x80\x00\xd2\xff"
    "\xff\x7f\xff\xcf\x00\x00\x00\x01\x00\x00\x00\x00\xd3\xff\xff\xff\xff"
    "\x7f\xff\xff\xff\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xc0\xc3\xc2";

static void assert_round_trip(const char *bytes, size_t n, json_t *v)
{
    char *out;
    size_t len;

    assert_int_equal(siop_redis_pack(v, &out, &len), 0);
    assert_int_equal(len, n);
    assert_memory_equal(out, bytes, n);
    free(out);
}

static void test_broadcast_message(void **state)
{
    size_t n = sizeof broadcast - 1, blen;
    json_t *v = siop_redis_decode(broadcast, n), *packet, *data;
    const uint8_t *b;
    (void)state;

    assert_non_null(v);
    assert_string_equal(json_string_value(json_array_get(v, 0)), "abc123");
    packet = json_array_get(v, 1);
    assert_int_equal(json_integer_value(json_object_get(packet, "type")), 2);
    data = json_object_get(packet, "data");
    assert_string_equal(json_string_value(json_array_get(data, 0)), "file");
    b = sio_bytes_data(json_array_get(data, 1), &blen); /* bin: bytes */
    assert_non_null(b);
    assert_int_equal(blen, 2);
    assert_int_equal(b[1], 0xff);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_array_get(v, 2), "rooms"), 0)),
                        "r");
    assert_round_trip(broadcast, n, v);
    json_decref(v);
}

static void test_numbers(void **state)
{
    size_t n = sizeof numbers - 1;
    json_t *v = siop_redis_decode(numbers, n);
    (void)state;

    assert_non_null(v);
    assert_int_equal(json_array_size(v), 20);
    assert_int_equal(json_integer_value(json_array_get(v, 14)), 4294967296LL);
    assert_int_equal(json_integer_value(json_array_get(v, 15)), -2147483649LL);
    assert_true(json_real_value(json_array_get(v, 16)) == 1.5);
    assert_true(json_is_null(json_array_get(v, 17)));
    assert_round_trip(numbers, n, v);
    json_decref(v);
}

static void test_json_request(void **state)
{
    const char *req = "{\"uid\":\"u1\",\"requestId\":\"r\",\"type\":5,"
                      "\"opts\":{\"rooms\":[\"a\"],\"except\":[]}}";
    json_t *v = siop_redis_decode(req, strlen(req));
    (void)state;

    assert_non_null(v);
    assert_int_equal(json_integer_value(json_object_get(v, "type")), 5);
    json_decref(v);
    assert_null(siop_redis_decode("{\"a\":", 5));
}

static void test_refused(void **state)
{
    static const char map32[] = "\xdf\xff\xff\xff\xff\xa1x";
    static const char trailing[] = "\x91\x01\x02";
    static const char ext[] = "\xd4\x00\x00";
    static const char badkey[] = "\x81\x01\x02"; /* a key that is no string */
    static const char truncated[] = "\x92\xa3"
                                    "ab";
    char deep[64];
    json_t *v;
    (void)state;

    assert_null(siop_redis_decode(map32, sizeof map32 - 1));
    assert_null(siop_redis_decode(trailing, sizeof trailing - 1));
    assert_null(siop_redis_decode(ext, sizeof ext - 1));
    assert_null(siop_redis_decode(badkey, sizeof badkey - 1));
    assert_null(siop_redis_decode(truncated, sizeof truncated - 1));
    assert_null(siop_redis_decode("", 0));
    memset(deep, 0x91, sizeof deep - 1); /* 63 nested arrays */
    deep[sizeof deep - 1] = (char)0xc0;
    assert_null(siop_redis_decode(deep, sizeof deep));
    /* 16 levels are fine. */
    v = siop_redis_decode(deep + 47, 17);
    assert_non_null(json_array_get(v, 0));
    json_decref(v);
}

static void test_url(void **state)
{
    siop_redis_url u = {0};
    (void)state;

    assert_int_equal(siop_redis_parse_url(&u, "redis://10.0.0.2:6380/3"), 0);
    assert_string_equal(u.host, "10.0.0.2");
    assert_int_equal(u.port, 6380);
    assert_null(u.pass);
    siop_redis_url_fini(&u);
    assert_int_equal(siop_redis_parse_url(&u, "h"), 0);
    assert_int_equal(u.port, 6379);
    siop_redis_url_fini(&u);
    assert_int_equal(siop_redis_parse_url(&u, "redis://:pw@h:1"), 0);
    assert_null(u.user);
    assert_string_equal(u.pass, "pw");
    siop_redis_url_fini(&u);
    assert_int_equal(siop_redis_parse_url(&u, "redis://al:p:w@h"), 0);
    assert_string_equal(u.user, "al");
    assert_string_equal(u.pass, "p:w");
    siop_redis_url_fini(&u);
    assert_int_equal(siop_redis_parse_url(&u, "redis://h:0"), -1);
    siop_redis_url_fini(&u);
    assert_int_equal(siop_redis_parse_url(&u, "redis://h:70000"), -1);
    siop_redis_url_fini(&u);
    assert_int_equal(siop_redis_parse_url(&u, "redis://:6379"), -1);
    siop_redis_url_fini(&u);
    assert_int_equal(siop_redis_parse_url(&u, "redis://h:12x"), -1);
    siop_redis_url_fini(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broadcast_message),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_json_request),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
