/* test_eio_packet.c - eio_msg, Engine.IO packets, polling payloads,
 * UTF-8, base64 and the clock of session ages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libwebsockets.h>

#include "eio_packet.h"
#include "util.h"

/* String literal as (ptr, len), NULs included. */
#define S(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

/* ---- eio_msg ---------------------------------------------------------- */

static void msg_append_grows(void **state)
{
    eio_msg *m = eio_msg_new(0, false);
    char big[5000];

    (void)state;
    assert_non_null(m);
    assert_int_equal(eio_msg_len(m), 0);
    assert_false(eio_msg_binary(m));
    assert_int_equal(eio_msg_append(&m, "4", 1), 0);
    assert_int_equal(eio_msg_append(&m, "", 0), 0);
    memset(big, 'x', sizeof big);
    for (int i = 0; i < 20; i++)
        assert_int_equal(eio_msg_append(&m, big, sizeof big), 0);
    assert_int_equal(eio_msg_len(m), 1 + 20 * sizeof big);
    assert_int_equal(eio_msg_data(m)[0], '4');
    assert_int_equal(eio_msg_data(m)[eio_msg_len(m) - 1], 'x');
    eio_msg_unref(m);
}

static void msg_headroom_is_writable(void **state)
{
    eio_msg *m = eio_msg_new(3, true);
    uint8_t *p;

    (void)state;
    assert_non_null(m);
    assert_true(eio_msg_binary(m));
    assert_int_equal(eio_msg_append(&m, "\0\1\2", 3), 0);
    p = eio_msg_wdata(m);
    assert_ptr_equal(p, eio_msg_data(m));
    /* lws_write() writes the frame header in front: under ASan this
     * would trip if the headroom were not ours. */
    memset(p - LWS_PRE, 0xAA, LWS_PRE);
    p[2] = 9;
    assert_memory_equal(eio_msg_data(m), "\0\1\x09", 3);
    eio_msg_unref(m);
}

static void msg_text_and_refs(void **state)
{
    eio_msg *m = eio_msg_text('4', "hello", 5);
    eio_msg *e = eio_msg_text('2', NULL, 0);

    (void)state;
    assert_non_null(m);
    assert_non_null(e);
    assert_int_equal(eio_msg_len(m), 6);
    assert_memory_equal(eio_msg_data(m), "4hello", 6);
    assert_int_equal(eio_msg_len(e), 1);
    assert_int_equal(eio_msg_data(e)[0], '2');
    assert_ptr_equal(eio_msg_ref(m), m);
    eio_msg_unref(m);
    assert_memory_equal(eio_msg_data(m), "4hello", 6); /* still alive */
    eio_msg_unref(m);
    eio_msg_unref(e);
    eio_msg_unref(NULL);
}

/* ---- UTF-8 ------------------------------------------------------------ */

static void utf8_valid_sequences(void **state)
{
    (void)state;
    assert_true(eiop_utf8_valid(S("")));
    assert_true(eiop_utf8_valid(S("plain ascii \x7f")));
    assert_true(eiop_utf8_valid(S("nul\0inside")));
    assert_true(eiop_utf8_valid(S("\xc2\x80")));         /* U+0080 */
    assert_true(eiop_utf8_valid(S("\xdf\xbf")));         /* U+07FF */
    assert_true(eiop_utf8_valid(S("\xe0\xa0\x80")));     /* U+0800 */
    assert_true(eiop_utf8_valid(S("\xed\x9f\xbf")));     /* U+D7FF */
    assert_true(eiop_utf8_valid(S("\xee\x80\x80")));     /* U+E000 */
    assert_true(eiop_utf8_valid(S("\xef\xbf\xbf")));     /* U+FFFF */
    assert_true(eiop_utf8_valid(S("\xf0\x90\x80\x80"))); /* U+10000 */
    assert_true(eiop_utf8_valid(S("\xf4\x8f\xbf\xbf"))); /* U+10FFFF */
    assert_true(
        eiop_utf8_valid(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));
}

static void utf8_overlongs(void **state)
{
    (void)state;
    assert_false(eiop_utf8_valid(S("\xc0\x80")));
    assert_false(eiop_utf8_valid(S("\xc1\xbf")));
    assert_false(eiop_utf8_valid(S("\xe0\x80\x80")));
    assert_false(eiop_utf8_valid(S("\xe0\x9f\xbf")));
    assert_false(eiop_utf8_valid(S("\xf0\x80\x80\x80")));
    assert_false(eiop_utf8_valid(S("\xf0\x8f\xbf\xbf")));
}

static void utf8_surrogates_and_range(void **state)
{
    (void)state;
    assert_false(eiop_utf8_valid(S("\xed\xa0\x80"))); /* U+D800 */
    assert_false(eiop_utf8_valid(S("\xed\xbf\xbf"))); /* U+DFFF */
    assert_false(eiop_utf8_valid(S("\xed\xa0\xbd\xed\xb8\x80")));
    assert_false(eiop_utf8_valid(S("\xf4\x90\x80\x80"))); /* U+110000 */
    assert_false(eiop_utf8_valid(S("\xf5\x80\x80\x80")));
    assert_false(eiop_utf8_valid(S("\xf8\x88\x80\x80\x80")));
    assert_false(eiop_utf8_valid(S("\xfe")));
    assert_false(eiop_utf8_valid(S("\xff")));
}

static void utf8_truncated_and_stray(void **state)
{
    (void)state;
    assert_false(eiop_utf8_valid(S("\xc3")));
    assert_false(eiop_utf8_valid(S("ab\xe2\x82")));
    assert_false(eiop_utf8_valid(S("\xf0\x9f\x98")));
    assert_false(eiop_utf8_valid(S("\x80")));
    assert_false(eiop_utf8_valid(S("a\xbf")));
    assert_false(eiop_utf8_valid(S("\xc3\x28")));
    assert_false(eiop_utf8_valid(S("\xe2\x28\xa1")));
    assert_false(eiop_utf8_valid(S("\xf0\x9f\x28\x80")));
    /* length bounds the read: the valid prefix is valid */
    assert_true(eiop_utf8_valid((const uint8_t *)"\xc3\xa9", 0));
    assert_false(eiop_utf8_valid((const uint8_t *)"\xc3\xa9", 1));
}

/* ---- base64 ----------------------------------------------------------- */

static void b64_check_encode(const char *in, const char *want)
{
    size_t n = strlen(in);
    char out[64];

    assert_int_equal(util_b64_len(n, false), strlen(want));
    memset(out, '#', sizeof out);
    util_b64_encode((const uint8_t *)in, n, false, out);
    assert_memory_equal(out, want, strlen(want));
    assert_int_equal(out[strlen(want)], '#'); /* no NUL written */
}

static void b64_rfc4648_vectors(void **state)
{
    static const char *const v[][2] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    uint8_t out[16];

    (void)state;
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        b64_check_encode(v[i][0], v[i][1]);
        assert_int_equal(util_b64_decode(v[i][1], strlen(v[i][1]), false, out),
                         (long)strlen(v[i][0]));
        assert_memory_equal(out, v[i][0], strlen(v[i][0]));
    }
    assert_int_equal(util_b64_decode("AQIDBA==", 8, false, out), 4);
    assert_memory_equal(out, "\1\2\3\4", 4);
    assert_int_equal(util_b64_decode("+/+/", 4, false, out), 3);
    assert_memory_equal(out, "\xfb\xff\xbf", 3);
}

static void b64_rejects(void **state)
{
    static const char *const bad[] = {
        "Zg",   "Zg=",      "Zm9vY",  "Z===",     "====",     "=Zg=",
        "Zm=v", "Zg==Zg==", "Zm9v\n", "Zm9 v",    "Zm9-",     "Zm9_",
        "Zm9*", "Zh==",     "Zm9=",   "Zm8=Zm8=", "AQIDBA=A", "Zg=\0",
    };
    uint8_t out[16];

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(util_b64_decode(bad[i], strlen(bad[i]), false, out),
                         -1);
    assert_int_equal(util_b64_decode("Zg=\0", 4, false, out), -1);
    assert_int_equal(util_b64_decode("Zm9v\xc3\xa9", 6, false, out), -1);
}

/* The seconds of session ages and cookie signatures are never behind
 * the clock Flask, Node and clients sign with (CLOCK_REALTIME): glibc's
 * time() reads a coarse clock that is, in the first milliseconds of a
 * second, and a cookie signed then looked signed in the future. Pairs
 * are read across the next change of second (at most about a second). */
static void now_s_not_behind(void **state)
{
    struct timespec ts;
    time_t first;
    long pairs = 0, behind = 0;

    (void)state;
    clock_gettime(CLOCK_REALTIME, &ts);
    first = ts.tv_sec;
    do {
        clock_gettime(CLOCK_REALTIME, &ts);
        behind += util_now_s() < (int64_t)ts.tv_sec;
        pairs++;
    } while (ts.tv_sec <= first + 1 &&
             (ts.tv_sec == first || ts.tv_nsec < 20 * 1000000));
    assert_true(pairs > 1);
    assert_int_equal(behind, 0);
}

static void b64_large_round_trip(void **state)
{
    enum { N = 5003 }; /* crosses the 768-byte encode chunks */
    uint8_t in[N], back[N + 3];
    char enc[(N + 2) / 3 * 4];

    (void)state;
    for (size_t i = 0; i < N; i++)
        in[i] = (uint8_t)(i * 131 + 7);
    assert_int_equal(util_b64_len(N, false), sizeof enc);
    util_b64_encode(in, N, false, enc);
    assert_int_equal(util_b64_decode(enc, sizeof enc, false, back), N);
    assert_memory_equal(in, back, N);
}

/* ---- packets ---------------------------------------------------------- */

static void packet_text_types(void **state)
{
    eio_packet p;
    sio_error err;
    char buf[2] = {0, 0};

    (void)state;
    for (char t = '0'; t <= '6'; t++) {
        buf[0] = t;
        assert_int_equal(
            eiop_packet_parse((const uint8_t *)buf, 1, false, &p, &err), 0);
        assert_int_equal(p.type, t);
        assert_false(p.binary);
        assert_int_equal(p.len, 0);
    }
    assert_int_equal(eiop_packet_parse(S("4hello"), false, &p, &err), 0);
    assert_int_equal(p.type, EIO_PKT_MESSAGE);
    assert_int_equal(p.len, 5);
    assert_memory_equal(p.data, "hello", 5);
    assert_int_equal(eiop_packet_parse(S("2probe"), false, &p, &err), 0);
    assert_int_equal(p.type, EIO_PKT_PING);
    assert_memory_equal(p.data, "probe", 5);
}

static void packet_text_rejects(void **state)
{
    eio_packet p;
    sio_error err;

    (void)state;
    assert_int_equal(eiop_packet_parse(S(""), false, &p, &err), -1);
    assert_string_equal(err.text, "empty packet");
    assert_int_equal(eiop_packet_parse(S("7"), false, &p, &err), -1);
    assert_string_equal(err.text, "unknown packet type");
    assert_int_equal(eiop_packet_parse(S("/x"), false, &p, &err), -1);
    assert_int_equal(eiop_packet_parse(S("b4AQ=="), false, &p, &err), -1);
    assert_int_equal(eiop_packet_parse(S("\xc3\xa9"), false, &p, &err), -1);
    assert_int_equal(eiop_packet_parse(S("4ab\xc3"), false, &p, &err), -1);
    assert_string_equal(err.text, "invalid UTF-8");
    assert_int_equal(err.offset, 3);
    assert_int_equal(eiop_packet_parse(S("4\xed\xa0\x80"), false, &p, &err),
                     -1);
    assert_int_equal(err.offset, 1);
}

static void packet_binary(void **state)
{
    eio_packet p;
    sio_error err;
    const uint8_t raw[] = {0xff, 0x00, 0x7f};

    (void)state;
    assert_int_equal(eiop_packet_parse(raw, sizeof raw, true, &p, &err), 0);
    assert_int_equal(p.type, EIO_PKT_MESSAGE);
    assert_true(p.binary);
    assert_ptr_equal(p.data, raw);
    assert_int_equal(p.len, 3);
    assert_int_equal(eiop_packet_parse(raw, 0, true, &p, &err), 0);
    assert_int_equal(p.len, 0);
}

/* ---- polling payloads ------------------------------------------------- */

typedef struct seen {
    int n;
    int stop_at; /* return 7 on this call (1-based), 0: never */
    char type[8];
    bool binary[8];
    char data[8][32];
    size_t len[8];
} seen;

static int collect(const eio_packet *p, void *ud)
{
    seen *s = ud;

    assert_true(s->n < 8);
    assert_true(p->len < 32);
    s->type[s->n] = p->type;
    s->binary[s->n] = p->binary;
    memcpy(s->data[s->n], p->data, p->len);
    s->len[s->n] = p->len;
    s->n++;
    return s->n == s->stop_at ? 7 : 0;
}

static void payload_several(void **state)
{
    seen s = {0};
    sio_error err;

    (void)state;
    assert_int_equal(eiop_payload_decode(S("4hello\x1e"
                                           "2\x1e"
                                           "bAQIDBA==\x1e"
                                           "b\x1e"
                                           "4w\xc3\xa9"),
                                         10, collect, &s, &err),
                     0);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.type[0], '4');
    assert_false(s.binary[0]);
    assert_int_equal(s.len[0], 5);
    assert_memory_equal(s.data[0], "hello", 5);
    assert_int_equal(s.type[1], '2');
    assert_int_equal(s.len[1], 0);
    assert_int_equal(s.type[2], '4');
    assert_true(s.binary[2]);
    assert_int_equal(s.len[2], 4);
    assert_memory_equal(s.data[2], "\1\2\3\4", 4);
    assert_true(s.binary[3]);
    assert_int_equal(s.len[3], 0);
    assert_int_equal(s.len[4], 3);
    assert_memory_equal(s.data[4], "w\xc3\xa9", 3);
}

static void payload_single(void **state)
{
    seen s = {0};
    sio_error err;

    (void)state;
    assert_int_equal(eiop_payload_decode(S("6"), 1, collect, &s, &err), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.type[0], '6');
}

static void payload_invalid_calls_nothing(void **state)
{
    static const struct {
        const char *body;
        size_t len;
        const char *msg;
        size_t off;
    } bad[] = {
#define B(lit, msg, off) {lit, sizeof(lit) - 1, msg, off}
        B("", "empty payload", 0),
        B("\x1e", "empty packet", 0),
        B("4a\x1e", "empty packet", 3),
        B("\x1e"
          "4a",
          "empty packet", 0),
        B("4a\x1e\x1e"
          "4b",
          "empty packet", 3),
        B("4a\x1e"
          "7x",
          "unknown packet type", 3),
        B("4a\x1e"
          "bAQI",
          "invalid base64", 4),
        B("4a\x1e"
          "bAQ=",
          "invalid base64", 4),
        B("4a\x1e"
          "bAQ",
          "invalid base64", 4),
        B("4a\x1e"
          "4\xff",
          "invalid UTF-8", 4),
        B("4a\x1e"
          "b\xc3\xa9\xc3\xa9",
          "invalid base64", 4),
        B("4a\x1e"
          "2\x1e"
          "2\x1e"
          "2",
          "too many packets", 7),
#undef B
    };
    sio_error err;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        seen s = {0};

        assert_int_equal(eiop_payload_decode((const uint8_t *)bad[i].body,
                                             bad[i].len, 3, collect, &s, &err),
                         -1);
        assert_int_equal(s.n, 0);
        assert_string_equal(err.text, bad[i].msg);
        assert_int_equal(err.offset, bad[i].off);
    }
}

static void payload_max_packets_boundary(void **state)
{
    seen s = {0};
    sio_error err;

    (void)state;
    assert_int_equal(eiop_payload_decode(S("2\x1e"
                                           "3\x1e"
                                           "4"),
                                         3, collect, &s, &err),
                     0);
    assert_int_equal(s.n, 3);
    s.n = 0;
    assert_int_equal(eiop_payload_decode(S("2\x1e"
                                           "3\x1e"
                                           "4"),
                                         2, collect, &s, &err),
                     -1);
    assert_int_equal(s.n, 0);
    assert_int_equal(eiop_payload_decode(S("2"), 0, collect, &s, &err), -1);
}

static void payload_callback_stops(void **state)
{
    seen s = {.stop_at = 2};
    sio_error err;

    (void)state;
    assert_int_equal(eiop_payload_decode(S("4a\x1e"
                                           "4b\x1e"
                                           "4c"),
                                         10, collect, &s, &err),
                     7);
    assert_int_equal(s.n, 2);
}

static void payload_append_builds(void **state)
{
    eio_msg *m = eio_msg_new(0, false);
    const uint8_t bin[] = {1, 2, 3, 4};
    seen s = {0};
    sio_error err;

    (void)state;
    assert_int_equal(eiop_payload_append(&m, S("4hello"), false, true), 0);
    assert_int_equal(eiop_payload_append(&m, bin, 4, true, false), 0);
    assert_int_equal(eiop_payload_append(&m, S("2"), false, false), 0);
    assert_int_equal(eiop_payload_append(&m, bin, 0, true, false), 0);
    assert_int_equal(eio_msg_len(m), sizeof("4hello\x1e"
                                            "bAQIDBA==\x1e"
                                            "2\x1e"
                                            "b") -
                                         1);
    assert_memory_equal(eio_msg_data(m),
                        "4hello\x1e"
                        "bAQIDBA==\x1e"
                        "2\x1e"
                        "b",
                        eio_msg_len(m));
    assert_int_equal(eiop_payload_decode(eio_msg_data(m), eio_msg_len(m), 10,
                                         collect, &s, &err),
                     0);
    assert_int_equal(s.n, 4);
    assert_true(s.binary[1]);
    assert_memory_equal(s.data[1], bin, 4);
    eio_msg_unref(m);
}

typedef struct big_seen {
    size_t len;
    uint8_t sum;
} big_seen;

static int big_collect(const eio_packet *p, void *ud)
{
    big_seen *b = ud;

    b->len = p->len;
    for (size_t i = 0; i < p->len; i++)
        b->sum = (uint8_t)(b->sum + p->data[i]);
    return 0;
}

static void payload_large_binary(void **state)
{
    enum { N = 100000 };
    uint8_t *bin = malloc(N);
    eio_msg *m = eio_msg_new(0, false);
    big_seen b = {0, 0};
    uint8_t sum = 0;
    sio_error err;

    (void)state;
    assert_non_null(bin);
    for (size_t i = 0; i < N; i++) {
        bin[i] = (uint8_t)(i ^ (i >> 8));
        sum = (uint8_t)(sum + bin[i]);
    }
    assert_int_equal(eiop_payload_append(&m, bin, N, true, true), 0);
    assert_int_equal(eio_msg_len(m), 1 + util_b64_len(N, false));
    assert_int_equal(eiop_payload_decode(eio_msg_data(m), eio_msg_len(m), 1,
                                         big_collect, &b, &err),
                     0);
    assert_int_equal(b.len, N);
    assert_int_equal(b.sum, sum);
    free(bin);
    eio_msg_unref(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(msg_append_grows),
        cmocka_unit_test(msg_headroom_is_writable),
        cmocka_unit_test(msg_text_and_refs),
        cmocka_unit_test(utf8_valid_sequences),
        cmocka_unit_test(utf8_overlongs),
        cmocka_unit_test(utf8_surrogates_and_range),
        cmocka_unit_test(utf8_truncated_and_stray),
        cmocka_unit_test(b64_rfc4648_vectors),
        cmocka_unit_test(b64_rejects),
        cmocka_unit_test(b64_large_round_trip),
        cmocka_unit_test(now_s_not_behind),
        cmocka_unit_test(packet_text_types),
        cmocka_unit_test(packet_text_rejects),
        cmocka_unit_test(packet_binary),
        cmocka_unit_test(payload_several),
        cmocka_unit_test(payload_single),
        cmocka_unit_test(payload_invalid_calls_nothing),
        cmocka_unit_test(payload_max_packets_boundary),
        cmocka_unit_test(payload_callback_stops),
        cmocka_unit_test(payload_append_builds),
        cmocka_unit_test(payload_large_binary),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
