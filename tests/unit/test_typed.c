/* test_typed.c - the generic walker with hand-written tables shaped like
 * sioc's output: every type and arity decoded, hostile arguments refused
 * with the argument's path and expected type, and encode/decode round
 * trips. The decoding tests run twice: on the tree path (jansson's
 * json_t) and on the streaming path (the same arguments as text), which
 * must decode what it accepts to the same values and hand everything
 * else to the tree path (SIOP_TEXT_SLOW). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sio.h"
#include "sio_internal_typed.h"
#include "sio_packet.h"

#include "../common/typed_fixture.h"

/* The path under test, and what the streaming path did. */
static bool g_text;
static int g_text_accepted, g_text_slow;

/* The streaming path: the arguments as text; SLOW falls back to the tree
 * path, as the dispatch does. */
static int decode_text(const sio_params *p, json_t *args, void *out,
                       sio_arena *arena, sio_error *err)
{
    char *t = json_dumps(args, JSON_ENCODE_ANY | JSON_COMPACT);
    int rc;

    assert_non_null(t);
    rc = siop_text_decode_params(p, t, strlen(t), out, arena);
    free(t); /* nothing decoded points into the text */
    if (rc == 0) {
        g_text_accepted++;
        return 0;
    }
    assert_int_equal(rc, SIOP_TEXT_SLOW);
    g_text_slow++;
    siop_arena_reset(arena);
    return siop_decode_params(p, args, out, arena, err);
}

static int decode(const sio_params *p, json_t *args, void *out,
                  sio_arena *arena, sio_error *err)
{
    if (g_text)
        return decode_text(p, args, out, arena, err);
    return siop_decode_params(p, args, out, arena, err);
}

static int use_tree(void **state)
{
    (void)state;
    g_text = false;
    return 0;
}

static int use_text(void **state)
{
    (void)state;
    g_text = true;
    return 0;
}

static json_t *args_json(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_ALLOW_NUL | JSON_DECODE_ANY, &e);
    assert_non_null(v);
    return v;
}

/* A valid argument list, with a bytes value in position 5. */
static json_t *valid_args(void)
{
    json_t *a = args_json("[\"lobby\", 2.0, {\"text\":\"hi\",\"tags\":[\"a\","
                          "\"b\"],\"extra\":1}, null, \"green\", 0, "
                          "{\"k\":[1]}, [[1,2],[],[3]], \"tail1\", 7]");
    assert_int_equal(json_array_set_new(a, 5, sio_bytes_new("\0\1\2", 3)), 0);
    return a;
}

static void test_decode_all_types(void **state)
{
    sio_arena *arena = siop_arena_new();
    sio_error err;
    json_t *a = valid_args();
    Args out;
    (void)state;

    assert_int_equal(decode(&args_params, a, &out, arena, &err), 0);
    assert_string_equal(out.room, "lobby");
    assert_int_equal(out.n, 2);
    assert_string_equal(out.msg.text, "hi");
    assert_int_equal(out.msg.tags_len, 2);
    assert_string_equal(out.msg.tags[1], "b");
    assert_false(out.msg.has_reply_to);
    assert_false(out.has_ratio);
    assert_int_equal(out.color, 1);
    assert_int_equal(out.data.len, 3);
    assert_memory_equal(out.data.data, "\0\1\2", 3);
    assert_true(json_is_object(out.any));
    assert_int_equal(out.grid_len, 3);
    assert_int_equal(out.grid[0].len, 2);
    assert_int_equal(((const int64_t *)out.grid[0].items)[1], 2);
    assert_int_equal(out.grid[1].len, 0);
    assert_int_equal(((const int64_t *)out.grid[2].items)[0], 3);
    assert_int_equal(json_array_size(out.rest), 2);
    assert_string_equal(json_string_value(json_array_get(out.rest, 0)),
                        "tail1");
    siop_arena_reset(arena);
    json_decref(a);
    siop_arena_free(arena);
}

/* Replaces argument i of the valid list with text; expects the error. */
static void expect_refused(int i, const char *text, const char *message)
{
    sio_arena *arena = siop_arena_new();
    sio_error err;
    json_t *a = valid_args();
    Args out;

    assert_int_equal(json_array_set_new(a, (size_t)i, args_json(text)), 0);
    assert_int_equal(decode(&args_params, a, &out, arena, &err), -1);
    assert_string_equal(err.text, message);
    json_decref(a);
    siop_arena_free(arena);
}

static void test_decode_refusals(void **state)
{
    (void)state;
    expect_refused(0, "5", "room: expected string");
    expect_refused(0, "null", "room: expected string");
    expect_refused(0, "\"a\\u0000b\"", "room: expected string");
    expect_refused(1, "1.5", "n: expected int");
    expect_refused(1, "\"2\"", "n: expected int");
    expect_refused(1, "1e300", "n: expected int");
    expect_refused(1, "true", "n: expected int");
    expect_refused(2, "[]", "msg: expected Message");
    expect_refused(2, "{\"tags\":[]}", "msg.text: missing (expected string)");
    expect_refused(2, "{\"text\":\"x\"}",
                   "msg.tags: missing (expected string[])");
    expect_refused(2, "{\"text\":\"x\",\"tags\":[\"a\",3]}",
                   "msg.tags[1]: expected string");
    expect_refused(2, "{\"text\":\"x\",\"tags\":\"a\"}",
                   "msg.tags: expected string[]");
    expect_refused(2, "{\"text\":\"x\",\"tags\":[],\"reply_to\":0.5}",
                   "msg.reply_to: expected int");
    expect_refused(3, "\"fast\"", "ratio: expected float");
    /* 1e400 arrives as DBL_MAX (the lenient pass): out of range. */
    expect_refused(3, "1.7976931348623157e308", "ratio: number out of range");
    expect_refused(3, "-1.7976931348623157e308", "ratio: number out of range");
    expect_refused(4, "\"blue\"",
                   "color: expected Color, one of \"red\", \"green\"");
    expect_refused(4, "1", "color: expected Color, one of \"red\", \"green\"");
    expect_refused(5, "\"AAEC\"", "data: expected bytes");
    expect_refused(7, "[[1],[\"x\"]]", "grid[1][0]: expected int");
    expect_refused(7, "[1]", "grid[0]: expected int[]");
}

static void test_counts(void **state)
{
    sio_arena *arena = siop_arena_new();
    sio_error err;
    Small out;
    Args big;
    json_t *a;
    (void)state;

    a = args_json("[1]"); /* trailing optional may be absent */
    assert_int_equal(decode(&small_params, a, &out, arena, &err), 0);
    assert_int_equal(out.a, 1);
    assert_null(out.b);
    json_decref(a);
    a = args_json("[1, null]");
    assert_int_equal(decode(&small_params, a, &out, arena, &err), 0);
    assert_null(out.b);
    json_decref(a);
    a = args_json("[1, \"x\", 3]");
    assert_int_equal(decode(&small_params, a, &out, arena, &err), -1);
    assert_string_equal(err.text, "expected 1 to 2 arguments, got 3");
    json_decref(a);
    a = args_json("[]"); /* the first missing one named, with its type */
    assert_int_equal(decode(&small_params, a, &out, arena, &err), -1);
    assert_string_equal(err.path, "a");
    assert_string_equal(err.text, "a: missing (expected int)");
    json_decref(a);
    a = args_json("[\"lobby\"]");
    assert_int_equal(decode(&args_params, a, &big, arena, &err), -1);
    assert_string_equal(err.text, "n: missing (expected int)");
    json_decref(a);
    a = args_json("{}");
    assert_int_equal(decode(&small_params, a, &out, arena, &err), -1);
    json_decref(a);
    siop_arena_free(arena);
}

static void test_round_trip(void **state)
{
    sio_arena *arena = siop_arena_new();
    sio_error err;
    json_t *a = valid_args(), *back;
    Args out, again;
    (void)state;

    assert_int_equal(decode(&args_params, a, &out, arena, &err), 0);
    back = siop_encode_params(&args_params, &out, &err);
    assert_non_null(back);
    /* Re-decoding the encoding gives the same values. */
    assert_int_equal(decode(&args_params, back, &again, arena, &err), 0);
    assert_string_equal(again.room, "lobby");
    assert_int_equal(again.n, 2);
    assert_int_equal(again.msg.tags_len, 2);
    assert_int_equal(again.data.len, 3);
    assert_int_equal(again.grid_len, 3);
    assert_int_equal(json_array_size(again.rest), 2);
    /* The absent optional ratio went out as null. */
    assert_true(json_is_null(json_array_get(back, 3)));
    json_decref(back);
    json_decref(a);
    siop_arena_free(arena);
}

static void test_encode_refusals(void **state)
{
    sio_error err;
    Small in = {1, "\xff\xfe"}; /* not UTF-8 */
    (void)state;

    assert_null(siop_encode_params(&small_params, &in, &err));
    assert_string_equal(err.text, "b: not valid UTF-8");
}

/* Values C allows but the schema does not: refused, never dereferenced. */
static void test_encode_null_pointers(void **state)
{
    sio_arena *arena = siop_arena_new();
    sio_error err;
    json_t *a = valid_args(), *ok;
    Args in;
    sio_array rows[2] = {{NULL, 0}, {NULL, 3}};
    (void)state;

    assert_int_equal(decode(&args_params, a, &in, arena, &err), 0);
    in.msg.tags = NULL; /* with 2 elements */
    assert_null(siop_encode_params(&args_params, &in, &err));
    assert_string_equal(err.text, "msg.tags: NULL array with 2 elements");
    in.msg.tags_len = 0; /* NULL and empty is []: fine */
    in.data = (sio_bytes){NULL, 4};
    assert_null(siop_encode_params(&args_params, &in, &err));
    assert_string_equal(err.text, "data: NULL bytes of length 4");
    in.data.len = 0;
    in.grid = rows;
    in.grid_len = 2;
    assert_null(siop_encode_params(&args_params, &in, &err));
    assert_string_equal(err.text, "grid[1]: NULL array with 3 elements");
    in.grid_len = 1;
    ok = siop_encode_params(&args_params, &in, &err);
    assert_non_null(ok);
    json_decref(ok);
    assert_null(siop_encode_params(&args_params, NULL, &err));
    assert_string_equal(err.text, "a required argument is NULL");
    json_decref(a);
    siop_arena_free(arena);
}

static void test_deep_nesting_bounded(void **state)
{
    /* record Node { next: Node?; } nested 100 deep is refused, not a
     * stack overflow. */
    typedef struct Node {
        const struct Node *next;
    } Node;
    static sio_field node_fields[1];
    static sio_record_desc node_desc = {"Node",      sizeof(Node), 1,
                                        node_fields, NULL,         0};
    static const sio_field top[] = {
        {"n", SIO_K_RECORD, 0, 0, 0, 0, &node_desc, NULL, NULL, NULL, NULL}};
    static const sio_params p = {sizeof(Node), 1, top, false, 0};
    sio_arena *arena = siop_arena_new();
    sio_error err;
    json_t *v = json_object(), *args;
    Node out;
    (void)state;

    node_fields[0] =
        (sio_field){"next",     SIO_K_RECORD, 0,    SIO_F_OPTIONAL, 0,   0,
                    &node_desc, NULL,         NULL, NULL,           NULL};
    for (int i = 0; i < 100; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "next", v);
        v = o;
    }
    args = json_pack("[o]", v);
    assert_int_equal(decode(&p, args, &out, arena, &err), -1);
    assert_non_null(strstr(err.text, "nested too deeply"));
    json_decref(args);
    siop_arena_free(arena);
}

/* Records embedded by value SIO_TYPED_MAX_DEPTH deep decode, as params
 * and as a CONNECT auth object (sioc refuses deeper ones); one more
 * level is refused. Each record wraps the next; the last holds an int. */
static void test_depth_limit_matches_sioc(void **state)
{
    enum { N = SIO_TYPED_MAX_DEPTH + 1 };
    static sio_field fields[N + 1];
    static sio_record_desc recs[N];
    static const sio_params p = {sizeof(int64_t), 1, fields, false, 0};
    sio_arena *arena = siop_arena_new();
    sio_error err;
    int64_t out;
    (void)state;

    for (int i = 0; i < N; i++) {
        recs[i] =
            (sio_record_desc){"R", sizeof(int64_t), 1, &fields[i + 1], NULL, 0};
        fields[i] = (sio_field){"r",      SIO_K_RECORD, 0,    0,    0,   0,
                                &recs[i], NULL,         NULL, NULL, NULL};
    }
    for (int levels = N - 1; levels <= N; levels++) {
        json_t *v = json_pack("{s:i}", "x", 7), *args, *obj;

        /* fields[levels] is the int inside the innermost record. */
        fields[levels] = (sio_field){"x",  SIO_K_INT, 0,    0,    0,   0,
                                     NULL, NULL,      NULL, NULL, NULL};
        for (int i = 1; i < levels; i++)
            v = json_pack("{s:o}", "r", v);
        args = json_pack("[O]", v);
        obj = json_pack("{s:o}", "r", v);
        assert_int_equal(decode(&p, args, &out, arena, &err),
                         levels <= SIO_TYPED_MAX_DEPTH ? 0 : -1);
        assert_int_equal(siop_decode_object(&p, obj, &out, arena, &err),
                         levels <= SIO_TYPED_MAX_DEPTH ? 0 : -1);
        if (levels <= SIO_TYPED_MAX_DEPTH)
            assert_int_equal(out, 7);
        fields[levels] =
            (sio_field){"r",           SIO_K_RECORD, 0,    0,    0,   0,
                        &recs[levels], NULL,         NULL, NULL, NULL};
        siop_arena_reset(arena);
        json_decref(args);
        json_decref(obj);
    }
    siop_arena_free(arena);
}

/* An enum's message lists its values, and a long list is cut whole
 * values at a time with "...", never past the buffer. */
static void test_enum_expected_lists_values(void **state)
{
    static const char *const many[] = {"alpha",   "beta", "gamma", "delta",
                                       "epsilon", "zeta", "eta",   "theta"};
    static const sio_enum_desc big = {"Greek", 8, many};
    char buf[40];
    (void)state;

    siop_typed_enum_expected(&color_desc, buf, sizeof buf);
    assert_string_equal(buf, "Color, one of \"red\", \"green\"");
    siop_typed_enum_expected(&big, buf, sizeof buf);
    assert_string_equal(buf, "Greek, one of \"alpha\", \"beta\", ...");
    siop_typed_enum_expected(&big, buf, 8);
    assert_true(strlen(buf) < 8);
}

/* The limit checks every decode path shares: edges accepted, one past
 * refused with the expected text; strings counted in code points. */
static void test_limit_checks(void **state)
{
    static const sio_limits vals = {SIO_L_MIN | SIO_L_MAX, -2, 3, 0, 0};
    static const sio_limits lens = {SIO_L_MAX | SIO_L_LEN_MIN, 0, 2, 1, 0};
    static const sio_limits low = {SIO_L_MIN, 1, 0, 0, 0};
    sio_field f = {"x", SIO_K_INT, 0, 0, 0, 0, NULL, NULL, &vals, NULL, NULL};
    char why[128];
    (void)state;

    assert_int_equal(siop_typed_check_int(&f, -2, why, sizeof why), 0);
    assert_int_equal(siop_typed_check_int(&f, 3, why, sizeof why), 0);
    assert_int_equal(siop_typed_check_int(&f, 4, why, sizeof why), -1);
    assert_string_equal(why, "expected int from -2 to 3");
    assert_int_equal(siop_typed_check_int(&f, INT64_MIN, why, sizeof why), -1);
    f.kind = SIO_K_STRING;
    assert_int_equal(
        siop_typed_check_str(&f, "\xc3\xa9\xc3\xa9\xc3\xa9", why, sizeof why),
        0);
    assert_int_equal(siop_typed_check_str(&f, "abcd", why, sizeof why), -1);
    assert_string_equal(why, "expected string of -2 to 3 characters");
    f.kind = SIO_K_BYTES;
    f.limits = &lens;
    assert_int_equal(siop_typed_check_bytes(&f, 2, why, sizeof why), 0);
    assert_int_equal(siop_typed_check_bytes(&f, 3, why, sizeof why), -1);
    assert_string_equal(why, "expected bytes of at most 2 bytes");
    f.depth = 1;
    assert_int_equal(siop_typed_check_len(&f, 1, why, sizeof why), 0);
    assert_int_equal(siop_typed_check_len(&f, 0, why, sizeof why), -1);
    assert_string_equal(why, "expected bytes[] of at least 1 element");
    f.limits = &low;
    f.kind = SIO_K_INT;
    assert_int_equal(siop_typed_check_int(&f, 0, why, sizeof why), -1);
    assert_string_equal(why, "expected int of at least 1");
    assert_int_equal(siop_typed_check_len(&f, 0, why, sizeof why), 0);
    f.limits = NULL;
    assert_int_equal(siop_typed_check_int(&f, INT64_MAX, why, sizeof why), 0);
}

/* The streaming path decodes a list without bytes by itself, to the
 * tree path's values; the bytes value (attachments only) and every
 * refusal go to the tree path. */
static void test_text_path_decodes_itself(void **state)
{
    static const char text[] =
        "[\"lo\\u00e9by\\ud83d\\ude00\", 2.0, {\"text\":\"hi\",\"tags\":[\"a\","
        "\"b\"],\"extra\":{\"x\":[1,{}]},\"reply_to\":-9223372036854775808},"
        " 0.25, \"green\", null, {\"k\":[1]}, [[1,2],[],[3]], \"t\", 7] ";
    sio_arena *arena = siop_arena_new();
    json_t *a = args_json(text);
    sio_error err;
    Args tree, wire;
    (void)state;

    assert_int_equal(
        siop_decode_params(&args_wire_params, a, &tree, arena, &err), 0);
    assert_int_equal(siop_text_decode_params(&args_wire_params, text,
                                             strlen(text), &wire, arena),
                     0);
    assert_string_equal(wire.room, tree.room);
    assert_string_equal(wire.room, "lo\xc3\xa9"
                                   "by\xf0\x9f\x98\x80");
    assert_int_equal(wire.n, 2);
    assert_string_equal(wire.msg.text, "hi");
    assert_int_equal(wire.msg.tags_len, 2);
    assert_string_equal(wire.msg.tags[1], "b");
    assert_true(wire.msg.has_reply_to);
    assert_true(wire.msg.reply_to == INT64_MIN);
    assert_true(wire.has_ratio);
    assert_true(wire.ratio == 0.25);
    assert_int_equal(wire.color, 1);
    assert_null(wire.data.data);
    assert_true(json_equal(wire.any, tree.any));
    assert_int_equal(wire.grid_len, 3);
    assert_int_equal(wire.grid[1].len, 0);
    assert_int_equal(((const int64_t *)wire.grid[2].items)[0], 3);
    assert_true(json_equal(wire.rest, tree.rest));
    /* Cut before its closing bracket: slow. */
    assert_int_equal(siop_text_decode_params(&args_wire_params, text,
                                             strlen(text) - 2, &wire, arena),
                     SIOP_TEXT_SLOW);
    siop_arena_reset(arena);
    json_decref(a);
    siop_arena_free(arena);
}

/* Schema limits: what breaks one is the tree path's to refuse (with its
 * message), never accepted by the streaming path; what keeps them is
 * decoded by it. */
typedef struct {
    int64_t n;
    const char *s;
    const int64_t *v;
    size_t v_len;
} L;
static const sio_limits n_lim = {SIO_L_MIN | SIO_L_MAX, 0, 5, 0, 0};
static const sio_limits s_lim = {SIO_L_MIN | SIO_L_MAX, 1, 3, 0, 0};
static const sio_limits v_lim = {SIO_L_LEN_MAX, 0, 0, 0, 2};
static const sio_field lim_fields[] = {
    {"n", SIO_K_INT, 0, 0, offsetof(L, n), 0, NULL, NULL, &n_lim, NULL, NULL},
    {"s", SIO_K_STRING, 0, 0, offsetof(L, s), 0, NULL, NULL, &s_lim, NULL,
     NULL},
    {"v", SIO_K_INT, 1, 0, offsetof(L, v), offsetof(L, v_len), NULL, NULL,
     &v_lim, NULL, NULL},
};
static const sio_params lim_params = {sizeof(L), 3, lim_fields, false, 0};

static void test_text_path_keeps_limits(void **state)
{
    const sio_params p = lim_params;
    static const char *const broken[] = {
        "[6, \"ab\", []]",   "[-1, \"ab\", []]",     "[1, \"\", []]",
        "[1, \"abcd\", []]", "[1, \"ab\", [1,2,3]]",
    };
    sio_arena *arena = siop_arena_new();
    sio_error err;
    L out;
    (void)state;
    static const char good[] = "[5, \"\u00e9\u00e9\u00e9\", [1,2]]";

    assert_int_equal(
        siop_text_decode_params(&p, good, strlen(good), &out, arena), 0);
    assert_int_equal(out.n, 5);
    assert_int_equal(out.v_len, 2);
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
        json_t *a = json_loads(broken[i], 0, NULL);
        assert_int_equal(siop_text_decode_params(
                             &p, broken[i], strlen(broken[i]), &out, arena),
                         SIOP_TEXT_SLOW);
        assert_int_not_equal(siop_decode_params(&p, a, &out, arena, &err), 0);
        json_decref(a);
    }
    siop_arena_free(arena);
}

/* What jansson refuses or reads differently, the streaming path never
 * accepts: it leaves each to the tree path. */
static void test_text_path_leaves_the_rest(void **state)
{
    static const char *const slow[] = {
        "[1e400]",
        "[\"\\ud800\"]",
        "[\"\\udc00x\"]",
        "[\"a\\u0000\"]",
        "[1,]",
        "[01]",
        "[1] x",
        "[\"\xc0\xaf\"]",
        "[\"\xed\xa0\x80\"]",
        "[\"\x01\"]",
        "[9223372036854775808]",
        "[{\"_sio_bytes\":1}]",
        "[-]",
        "[1.]",
        "[.5]",
        "[tru]",
        "[1",
    };
    static const sio_field any[] = {
        {"v", SIO_K_JSON, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL},
        {"w", SIO_K_JSON, 0, SIO_F_OPTIONAL, sizeof(json_t *), 0, NULL, NULL,
         NULL, NULL, NULL}};
    static const sio_params p = {2 * sizeof(json_t *), 2, any, false, 0};
    sio_arena *arena = siop_arena_new();
    json_t *out[2];
    (void)state;

    for (size_t i = 0; i < sizeof slow / sizeof *slow; i++)
        if (siop_text_decode_params(&p, slow[i], strlen(slow[i]), out, arena) !=
            SIOP_TEXT_SLOW)
            fail_msg("accepted %s", slow[i]);
    assert_int_equal(
        siop_text_decode_params(&p, "[1e-400, null]", 14, out, arena), 0);
    assert_true(json_real_value(out[0]) == 0.0);
    assert_null(out[1]);
    siop_arena_free(arena);
}

/* A float at the edge of double (where 1e400 lands) is the walker's to
 * refuse: the streaming path must not accept it. */
static void test_text_path_leaves_huge_floats(void **state)
{
    static const sio_field fx[] = {
        {"x", SIO_K_FLOAT, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL}};
    static const sio_params p = {sizeof(double), 1, fx, false, 0};
    sio_arena *arena = siop_arena_new();
    double out;
    (void)state;

    assert_int_equal(siop_text_decode_params(&p, "[1.5e308]", 9, &out, arena),
                     0);
    assert_true(out == 1.5e308);
    assert_int_equal(siop_text_decode_params(&p, "[1.7976931348623157e308]", 24,
                                             &out, arena),
                     SIOP_TEXT_SLOW);
    assert_int_equal(siop_text_decode_params(&p, "[-1.7976931348623157e308]",
                                             25, &out, arena),
                     SIOP_TEXT_SLOW);
    siop_arena_free(arena);
}

/* The packet both encoders write for p's values in in: equal bytes, or
 * the direct one leaves it to the tree path (expect_slow). */
static void expect_same_packet(int type, const char *event, const sio_params *p,
                               const void *in, bool expect_slow)
{
    sio_encoded direct, tree;
    sio_error err;
    json_t *a;
    int rc = siop_typed_encode(type, "/chat", type == SIO_PKT_ACK ? 7 : -1,
                               event, p, in, NULL, &direct);

    if (expect_slow) {
        assert_int_equal(rc, SIOP_TEXT_SLOW);
        return;
    }
    assert_int_equal(rc, 0);
    a = siop_encode_params(p, in, &err);
    assert_non_null(a);
    if (event)
        assert_int_equal(json_array_insert_new(a, 0, json_string(event)), 0);
    assert_int_equal(siop_packet_encode((sio_packet_type)type, "/chat",
                                        type == SIO_PKT_ACK ? 7 : -1, a, &tree),
                     0);
    assert_int_equal(eio_msg_len(direct.head), eio_msg_len(tree.head));
    assert_memory_equal(eio_msg_data(direct.head), eio_msg_data(tree.head),
                        eio_msg_len(tree.head));
    json_decref(a);
    siop_encoded_fini(&direct);
    siop_encoded_fini(&tree);
}

/* The limits bind what the server sends too: both encoders refuse a
 * value past them (the direct one leaves it to the walker, which says
 * which field). */
static void test_encode_keeps_limits(void **state)
{
    static const int64_t two[] = {1, 2}, three[] = {1, 2, 3};
    const L good = {5, "abc", two, 2};
    const L bad[] = {{6, "abc", two, 2},
                     {0, "", two, 2},
                     {0, "abcd", two, 2},
                     {0, "ab", three, 3}};
    static const char *const why[] = {
        "n: expected int from 0 to 5",
        "s: expected string of 1 to 3 characters",
        "s: expected string of 1 to 3 characters",
        "v: expected int[] of at most 2 elements",
    };
    sio_error err;
    json_t *a;
    (void)state;

    expect_same_packet(SIO_PKT_EVENT, "x", &lim_params, &good, false);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        expect_same_packet(SIO_PKT_EVENT, "x", &lim_params, &bad[i], true);
        a = siop_encode_params(&lim_params, &bad[i], &err);
        assert_null(a);
        assert_string_equal(err.text, why[i]);
    }
}

/* The direct encoder writes jansson's bytes: escapes, reals, optional
 * fields left out of records and null in lists, enums, nested arrays. */
static void test_direct_encode_matches_tree(void **state)
{
    static const char *const strings[] = {
        "",
        "plain",
        "q\"b\\s/",
        "\x01\x1f\x7f\b\f\n\r\t",
        "\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80",
    };
    static const double reals[] = {0.0,   -0.0,      1.0,  0.1,
                                   1e300, -2.5e-300, 1e22, 123456789012345678.0,
                                   5e-324};
    static const int64_t rows[] = {1, -2, INT64_MIN, INT64_MAX};
    static const char *const tags[] = {"a", "b\"c"};
    sio_array grid[2] = {{rows, 4}, {NULL, 0}};
    json_t *any = json_real(2.5);
    Args in = {.room = "r",
               .n = -3,
               .msg = {"t", tags, 2, false, 0},
               .color = 1,
               .any = any,
               .grid = grid,
               .grid_len = 2};
    Small sm = {9, NULL};
    (void)state;

    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
        sm.b = strings[i];
        expect_same_packet(SIO_PKT_ACK, NULL, &small_params, &sm, false);
        expect_same_packet(SIO_PKT_EVENT, strings[i], &small_params, &sm,
                           false);
    }
    sm.b = NULL; /* absent trailing optional: null */
    expect_same_packet(SIO_PKT_ACK, NULL, &small_params, &sm, false);
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) {
        in.has_ratio = true, in.ratio = reals[i];
        in.msg.has_reply_to = i % 2, in.msg.reply_to = (int64_t)i;
        expect_same_packet(SIO_PKT_EVENT, "ev", &args_wire_params, &in, false);
    }
    /* What the tree path refuses or numbers as attachments: left to it. */
    sm.b = "\xff";
    expect_same_packet(SIO_PKT_ACK, NULL, &small_params, &sm, true);
    in.ratio = INFINITY;
    expect_same_packet(SIO_PKT_EVENT, "ev", &args_wire_params, &in, true);
    in.ratio = 1, in.data = (sio_bytes){(const uint8_t *)"x", 1};
    expect_same_packet(SIO_PKT_EVENT, "ev", &args_wire_params, &in, true);
    in.data = (sio_bytes){NULL, 0}, in.color = 2;
    expect_same_packet(SIO_PKT_EVENT, "ev", &args_wire_params, &in, true);
    json_decref(any);
}

/* ---- maps, unions, defaults -------------------------------------------- */

/* union Shape by "kind" { circle: Circle; "sq" as square: Square; } with
 * record Circle { r: int; } and record Square { side: int? = 4; } */
typedef struct Circle {
    int64_t r;
} Circle;
typedef struct Square {
    int64_t side;
} Square;
typedef struct Shape {
    int tag;
    union {
        Circle circle;
        Square square;
    };
} Shape;
static const sio_field circle_fields[] = {{"r", SIO_K_INT, 0, 0,
                                           offsetof(Circle, r), 0, NULL, NULL,
                                           NULL, NULL, NULL}};
static const sio_record_desc circle_desc = {"Circle",      sizeof(Circle), 1,
                                            circle_fields, NULL,           0};
static const sio_field square_fields[] = {
    {"side", SIO_K_INT, 0, SIO_F_DEFAULT, offsetof(Square, side), 0, NULL, NULL,
     NULL, &(const int64_t){4}, NULL}};
static const sio_record_desc square_desc = {"Square",      sizeof(Square), 1,
                                            square_fields, NULL,           0};
static const sio_field shape_fields[] = {
    {"circle", SIO_K_RECORD, 0, 0, offsetof(Shape, circle), 0, &circle_desc,
     NULL, NULL, NULL, NULL},
    {"sq", SIO_K_RECORD, 0, 0, offsetof(Shape, square), 0, &square_desc, NULL,
     NULL, NULL, NULL}};
static const sio_record_desc shape_desc = {
    "Shape", sizeof(Shape), 2, shape_fields, "kind", offsetof(Shape, tag)};

/* (shapes: {string: Shape}(..3), s: Shape, n: int? = -1, w: string? = "w") */
typedef struct Lang {
    sio_map shapes;
    Shape s;
    int64_t n;
    const char *w;
} Lang;
static const sio_field shape_value = {
    NULL, SIO_K_RECORD, 0, 0, 0, 0, &shape_desc, NULL, NULL, NULL, NULL};
static const sio_limits three_keys = {SIO_L_MAX, 0, 3, 0, 0};
static const sio_field lang_fields[] = {
    {"shapes", SIO_K_MAP, 0, 0, offsetof(Lang, shapes), 0, NULL, NULL,
     &three_keys, NULL, &shape_value},
    {"s", SIO_K_RECORD, 0, 0, offsetof(Lang, s), 0, &shape_desc, NULL, NULL,
     NULL, NULL},
    {"n", SIO_K_INT, 0, SIO_F_DEFAULT, offsetof(Lang, n), 0, NULL, NULL, NULL,
     &(const int64_t){-1}, NULL},
    {"w", SIO_K_STRING, 0, SIO_F_DEFAULT, offsetof(Lang, w), 0, NULL, NULL,
     NULL, &(const char *const){"w"}, NULL}};
static const sio_params lang_params = {sizeof(Lang), 4, lang_fields, false, 0};

static const Shape *shape_at(const sio_map *m, size_t i)
{
    return &((const Shape *)m->values)[i];
}

/* Decoded on the path under test, encoded back, decoded again: the same
 * values; absent defaulted arguments come back as their defaults. */
static void test_maps_unions_defaults(void **state)
{
    sio_arena *arena = siop_arena_new();
    sio_error err;
    json_t *a = args_json("[{\"x\": {\"kind\": \"circle\", \"r\": 5}, \"y\": "
                          "{\"kind\": \"sq\"}}, {\"r\": 1, \"kind\": "
                          "\"circle\"}]"),
           *back;
    Lang out, again;
    (void)state;

    assert_int_equal(decode(&lang_params, a, &out, arena, &err), 0);
    assert_int_equal(out.shapes.len, 2);
    assert_string_equal(out.shapes.keys[0], "x");
    assert_int_equal(shape_at(&out.shapes, 0)->tag, 0);
    assert_int_equal(shape_at(&out.shapes, 0)->circle.r, 5);
    assert_int_equal(shape_at(&out.shapes, 1)->tag, 1);
    assert_int_equal(shape_at(&out.shapes, 1)->square.side, 4);
    assert_int_equal(out.s.tag, 0);
    assert_int_equal(out.s.circle.r, 1);
    assert_int_equal(out.n, -1);
    assert_string_equal(out.w, "w");
    back = siop_encode_params(&lang_params, &out, &err);
    assert_non_null(back);
    /* The tag first, defaults written out. */
    {
        char *t = json_dumps(back, JSON_COMPACT);
        assert_string_equal(t, "[{\"x\":{\"kind\":\"circle\",\"r\":5},\"y\":"
                               "{\"kind\":\"sq\",\"side\":4}},{\"kind\":"
                               "\"circle\",\"r\":1},-1,\"w\"]");
        free(t);
    }
    assert_int_equal(decode(&lang_params, back, &again, arena, &err), 0);
    assert_int_equal(again.shapes.len, 2);
    assert_int_equal(shape_at(&again.shapes, 1)->square.side, 4);
    json_decref(back);
    json_decref(a);
    siop_arena_free(arena);
}

static void test_maps_unions_refusals(void **state)
{
    static const struct {
        const char *args, *want;
    } cases[] = {
        {"[{}, {\"r\": 1}]",
         "s.kind: missing (expected one of \"circle\", \"sq\")"},
        {"[{}, {\"kind\": \"square\"}]",
         "s.kind: expected one of \"circle\", \"sq\""},
        {"[{}, {\"kind\": null}]",
         "s.kind: expected one of \"circle\", \"sq\""},
        {"[{}, {\"kind\": \"circle\", \"r\": true}]", "s.r: expected int"},
        {"[{\"a\": 1}, {\"kind\": \"sq\"}]", "shapes.a: expected Shape"},
        {"[{\"a\": {}, \"b\": {}, \"c\": {}, \"d\": {}}, {\"kind\": \"sq\"}]",
         "shapes: expected {string: Shape} of at most 3 keys"},
        {"[[], {\"kind\": \"sq\"}]", "shapes: expected {string: Shape}"},
        {"[{}, {\"kind\": \"sq\"}, \"x\"]", "n: expected int"},
        {"[{}, {\"kind\": \"sq\"}, 1, 2, 3]",
         "expected 2 to 4 arguments, got 5"},
    };
    sio_arena *arena = siop_arena_new();
    sio_error err;
    Lang out;
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *a = args_json(cases[i].args);

        assert_int_equal(decode(&lang_params, a, &out, arena, &err), -1);
        assert_string_equal(err.text, cases[i].want);
        json_decref(a);
    }
    siop_arena_free(arena);
}

/* What C can hold but the wire cannot: refused by the encoder, which the
 * direct encoder leaves to it. */
static void test_maps_unions_encode_refusals(void **state)
{
    static const char *const dup[] = {"a", "a"};
    static const char *const nul[] = {"a", NULL};
    static const char *const bad[] = {"\xff"};
    Shape two[2] = {{.tag = 0, .circle = {1}}, {.tag = 0, .circle = {2}}};
    Lang in = {.shapes = {dup, two, 2}, .s = {.tag = 1}, .w = "w"};
    sio_error err;
    (void)state;

    assert_null(siop_encode_params(&lang_params, &in, &err));
    assert_string_equal(err.text, "shapes: repeated key");
    expect_same_packet(SIO_PKT_EVENT, "ev", &lang_params, &in, true);
    in.shapes.keys = nul;
    assert_null(siop_encode_params(&lang_params, &in, &err));
    assert_string_equal(err.text, "shapes: NULL key");
    in.shapes = (sio_map){bad, two, 1};
    assert_null(siop_encode_params(&lang_params, &in, &err));
    assert_string_equal(err.text, "shapes.\xff: not valid UTF-8");
    expect_same_packet(SIO_PKT_EVENT, "ev", &lang_params, &in, true);
    in.shapes = (sio_map){NULL, NULL, 1};
    assert_null(siop_encode_params(&lang_params, &in, &err));
    assert_string_equal(err.text, "shapes: NULL map with 1 keys");
    /* The schema's limits bind what the server sends: at most 3 keys. */
    {
        static const char *const four[] = {"a", "b", "c", "d"};
        Shape v[4] = {{.tag = 0}, {.tag = 0}, {.tag = 0}, {.tag = 0}};

        in.shapes = (sio_map){four, v, 4};
        assert_null(siop_encode_params(&lang_params, &in, &err));
        assert_string_equal(
            err.text, "shapes: expected {string: Shape} of at most 3 keys");
        expect_same_packet(SIO_PKT_EVENT, "ev", &lang_params, &in, true);
    }
    in.shapes = (sio_map){NULL, NULL, 0};
    in.s.tag = 2;
    assert_null(siop_encode_params(&lang_params, &in, &err));
    assert_string_equal(err.text, "s: not a variant of Shape");
    expect_same_packet(SIO_PKT_EVENT, "ev", &lang_params, &in, true);
}

/* The direct encoder writes what the tree path writes for maps (keys in
 * order, escaped), unions (the tag first) and defaulted values. */
static void test_maps_unions_direct_encode(void **state)
{
    static const char *const keys[] = {"b", "a\"\n", "\xc3\xa9"};
    Shape vals[3] = {{.tag = 1, .square = {9}},
                     {.tag = 0, .circle = {-1}},
                     {.tag = 1, .square = {0}}};
    Lang in = {.shapes = {keys, vals, 3},
               .s = {.tag = 0, .circle = {INT64_MIN}},
               .n = 7,
               .w = ""};
    (void)state;

    expect_same_packet(SIO_PKT_EVENT, "ev", &lang_params, &in, false);
    expect_same_packet(SIO_PKT_ACK, NULL, &lang_params, &in, false);
    in.shapes = (sio_map){NULL, NULL, 0};
    expect_same_packet(SIO_PKT_EVENT, "ev", &lang_params, &in, false);
}

int main(void)
{
    const struct CMUnitTest decoding[] = {
        cmocka_unit_test(test_decode_all_types),
        cmocka_unit_test(test_decode_refusals),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_encode_null_pointers),
        cmocka_unit_test(test_deep_nesting_bounded),
        cmocka_unit_test(test_depth_limit_matches_sioc),
        cmocka_unit_test(test_enum_expected_lists_values),
        cmocka_unit_test(test_limit_checks),
        cmocka_unit_test(test_maps_unions_defaults),
        cmocka_unit_test(test_maps_unions_refusals),
    };
    const struct CMUnitTest other[] = {
        cmocka_unit_test(test_encode_refusals),
        cmocka_unit_test(test_text_path_decodes_itself),
        cmocka_unit_test(test_text_path_keeps_limits),
        cmocka_unit_test(test_text_path_leaves_the_rest),
        cmocka_unit_test(test_text_path_leaves_huge_floats),
        cmocka_unit_test(test_encode_keeps_limits),
        cmocka_unit_test(test_direct_encode_matches_tree),
        cmocka_unit_test(test_maps_unions_encode_refusals),
        cmocka_unit_test(test_maps_unions_direct_encode),
    };
    int failed =
        cmocka_run_group_tests_name("tree path", decoding, use_tree, NULL);

    failed +=
        cmocka_run_group_tests_name("streaming path", decoding, use_text, NULL);
    /* Small decodes alone on the streaming path: it was used. */
    if (g_text_accepted == 0)
        failed++;
    return failed + cmocka_run_group_tests(other, NULL, NULL);
}
