/* test_sio_packet.c - Socket.IO packet parse, reconstruct, encode, bytes
 * values and reason strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sio.h"
#include "sio_packet.h"

#define MAX_ATT 10

/* String literal as (ptr, len), NULs included. */
#define S(lit) (lit), (sizeof(lit) - 1)

static int parse_lit(const char *buf, size_t len, sio_packet *p, sio_error *err)
{
    return siop_packet_parse(buf, len, MAX_ATT, p, err);
}

static void expect_nsp(const sio_packet *p, const char *nsp)
{
    assert_int_equal(p->nsp_len, strlen(nsp));
    assert_memory_equal(p->nsp, nsp, p->nsp_len);
}

static void expect_json(const json_t *v, const char *want)
{
    char *got = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* ---- parse: accepted -------------------------------------------------- */

static void parse_connect(void **state)
{
    sio_packet p;
    sio_error err;

    (void)state;
    assert_int_equal(parse_lit(S("0"), &p, &err), 0);
    assert_int_equal(p.type, SIO_PKT_CONNECT);
    expect_nsp(&p, "/");
    assert_int_equal(p.id, -1);
    assert_null(p.data);

    assert_int_equal(parse_lit(S("0{\"token\":\"x\"}"), &p, &err), 0);
    expect_json(p.data, "{\"token\":\"x\"}");
    json_decref(p.data);

    assert_int_equal(parse_lit(S("0/admin,"), &p, &err), 0);
    expect_nsp(&p, "/admin");
    assert_null(p.data);

    assert_int_equal(parse_lit(S("0/admin"), &p, &err), 0);
    expect_nsp(&p, "/admin");
    assert_null(p.data);

    assert_int_equal(parse_lit(S("0/admin,{}"), &p, &err), 0);
    expect_nsp(&p, "/admin");
    assert_true(json_is_object(p.data));
    json_decref(p.data);

    /* Not an object: refused with its own code and the namespace, so
     * the server answers CONNECT_ERROR (encode refuses these too). */
    static const char *const not_obj[] = {"0\"tok\"", "0[]", "0null",
                                          "0/a,[\"90a21\"]", "0/a,true"};
    for (size_t i = 0; i < sizeof not_obj / sizeof *not_obj; i++) {
        assert_int_equal(parse_lit(not_obj[i], strlen(not_obj[i]), &p, &err),
                         -1);
        assert_int_equal(err.code, SIO_EPAYLOAD);
        assert_int_equal(p.type, SIO_PKT_CONNECT);
        assert_null(p.data);
        assert_string_equal(err.text, "expected an object");
    }
    expect_nsp(&p, "/a");
}

static void parse_disconnect(void **state)
{
    sio_packet p;
    sio_error err;

    (void)state;
    assert_int_equal(parse_lit(S("1"), &p, &err), 0);
    assert_int_equal(p.type, SIO_PKT_DISCONNECT);
    expect_nsp(&p, "/");
    assert_int_equal(parse_lit(S("1/chat,"), &p, &err), 0);
    expect_nsp(&p, "/chat");
    assert_null(p.data);
}

static void parse_event(void **state)
{
    sio_packet p;
    sio_error err;

    (void)state;
    assert_int_equal(parse_lit(S("2[\"hello\",1,{\"a\":null}]"), &p, &err), 0);
    assert_int_equal(p.type, SIO_PKT_EVENT);
    expect_nsp(&p, "/");
    assert_int_equal(p.id, -1);
    expect_json(p.data, "[\"hello\",1,{\"a\":null}]");
    json_decref(p.data);

    assert_int_equal(parse_lit(S("2/chat,12[\"x\"]"), &p, &err), 0);
    expect_nsp(&p, "/chat");
    assert_int_equal(p.id, 12);
    json_decref(p.data);

    assert_int_equal(parse_lit(S("20[\"x\"]"), &p, &err), 0);
    assert_int_equal(p.id, 0);
    json_decref(p.data);

    assert_int_equal(parse_lit(S("2007[\"x\"]"), &p, &err), 0);
    assert_int_equal(p.id, 7);
    json_decref(p.data);

    /* whitespace is JSON's business, as with JSON.parse */
    assert_int_equal(parse_lit(S("2 [\"x\"] "), &p, &err), 0);
    json_decref(p.data);

    /* "/" spelled out is the root namespace */
    assert_int_equal(parse_lit(S("2/,[\"x\"]"), &p, &err), 0);
    expect_nsp(&p, "/");
    json_decref(p.data);
}

static void parse_ack(void **state)
{
    sio_packet p;
    sio_error err;

    (void)state;
    assert_int_equal(parse_lit(S("31[]"), &p, &err), 0);
    assert_int_equal(p.type, SIO_PKT_ACK);
    assert_int_equal(p.id, 1);
    assert_int_equal(json_array_size(p.data), 0);
    json_decref(p.data);

    assert_int_equal(parse_lit(S("3/nsp,9007199254740991[1,\"a\"]"), &p, &err),
                     0);
    assert_int_equal(p.id, SIO_ACK_ID_MAX);
    expect_nsp(&p, "/nsp");
    json_decref(p.data);
}

static void parse_binary(void **state)
{
    sio_packet p;
    sio_error err;

    (void)state;
    assert_int_equal(parse_lit(S("52-[\"up\",{\"_placeholder\":true,\"num\":0},"
                                 "{\"f\":{\"_placeholder\":true,\"num\":1}}]"),
                               &p, &err),
                     0);
    assert_int_equal(p.type, SIO_PKT_BINARY_EVENT);
    assert_int_equal(p.attachments, 2);
    assert_int_equal(p.id, -1);
    json_decref(p.data);

    assert_int_equal(
        parse_lit(S("61-/nsp,7[{\"_placeholder\":true,\"num\":0}]"), &p, &err),
        0);
    assert_int_equal(p.type, SIO_PKT_BINARY_ACK);
    assert_int_equal(p.attachments, 1);
    expect_nsp(&p, "/nsp");
    assert_int_equal(p.id, 7);
    json_decref(p.data);

    /* exactly max_attachments */
    assert_int_equal(parse_lit(S("510-[\"a\"]"), &p, &err), 0);
    assert_int_equal(p.attachments, 10);
    json_decref(p.data);
}

static void parse_placeholder_lookalikes(void **state)
{
    sio_packet p;
    sio_error err;

    (void)state;
    /* not binary: placeholder-shaped data is left as JSON */
    assert_int_equal(
        parse_lit(S("2[\"a\",{\"_placeholder\":true,\"num\":5}]"), &p, &err),
        0);
    json_decref(p.data);
    /* "_placeholder" not true: a plain object */
    assert_int_equal(
        parse_lit(S("51-[\"a\",{\"_placeholder\":false,\"num\":9}]"), &p, &err),
        0);
    json_decref(p.data);
    /* only the exact bytes shape is reserved */
    assert_int_equal(parse_lit(S("2[\"a\",{\"_sio_bytes\":1}]"), &p, &err), 0);
    json_decref(p.data);
    assert_int_equal(
        parse_lit(S("2[\"a\",{\"_sio_bytes\":\"x\",\"b\":1}]"), &p, &err), 0);
    json_decref(p.data);
}

static void parse_big_integer_as_real(void **state)
{
    sio_packet p;
    sio_error err;
    const json_t *v;

    (void)state;
    assert_int_equal(
        parse_lit(S("2[\"n\",123456789012345678901234567890,1]"), &p, &err), 0);
    v = json_array_get(p.data, 1);
    assert_true(json_is_real(v));
    assert_true(json_real_value(v) > 1.2e29 && json_real_value(v) < 1.3e29);
    json_decref(p.data);
}

static void parse_nul_in_strings(void **state)
{
    sio_packet p;
    sio_error err;

    (void)state;
    assert_int_equal(parse_lit(S("2[\"a\",\"x\\u0000y\"]"), &p, &err), 0);
    assert_int_equal(json_string_length(json_array_get(p.data, 1)), 3);
    json_decref(p.data);
}

/* ---- parse: refused --------------------------------------------------- */

typedef struct bad_case {
    const char *in;
    size_t len;
    const char *msg; /* prefix of err.text */
} bad_case;

#define BAD(lit, msg)                                                          \
    {                                                                          \
        lit, sizeof(lit) - 1, msg                                              \
    }

static const bad_case bad_cases[] = {
    BAD("", "empty packet"),
    BAD("7", "unknown packet type"),
    BAD("9[\"a\"]", "unknown packet type"),
    BAD("a", "unknown packet type"),
    BAD("/", "unknown packet type"),
    BAD("4{\"message\":\"x\"}", "unexpected CONNECT_ERROR packet"),
    /* payload shape per type */
    BAD("1{}", "DISCONNECT takes no payload"),
    BAD("1/a,[]", "DISCONNECT takes no payload"),
    BAD("2", "EVENT payload must be"),
    BAD("2/nsp", "EVENT payload must be"),
    BAD("2/nsp,", "EVENT payload must be"),
    BAD("2/nsp,5", "EVENT payload must be"),
    BAD("2{}", "EVENT payload must be"),
    BAD("2[]", "EVENT payload must be"),
    BAD("2[1]", "EVENT payload must be"),
    BAD("2[null,\"a\"]", "EVENT payload must be"),
    BAD("2\"a\"", "EVENT payload must be"),
    BAD("2[\"connect\"]", "reserved event name"),
    BAD("2[\"disconnect\",1]", "reserved event name"),
    BAD("2[\"newListener\"]", "reserved event name"),
    BAD("2[\"a\\u0000b\"]", "invalid event name"),
    BAD("31", "ACK payload must be an array"),
    BAD("31{}", "ACK payload must be an array"),
    BAD("3/nsp,1", "ACK payload must be an array"),
    BAD("3[]", "ACK without ack id"),
    BAD("3/nsp,[]", "ACK without ack id"),
    /* ack ids */
    BAD("01{}", "unexpected ack id"),
    BAD("11", "unexpected ack id"),
    BAD("1/a,1", "unexpected ack id"),
    BAD("29007199254740992[\"a\"]", "invalid ack id"),
    BAD("299999999999999999999999999[\"a\"]", "invalid ack id"),
    BAD("318446744073709551616[]", "invalid ack id"),
    BAD("21x[\"a\"]", "invalid JSON: "),
    /* JSON */
    BAD("2[\"a\"", "invalid JSON: "),
    BAD("2[\"a\",", "invalid JSON: "),
    BAD("2[\"a\"]x", "invalid JSON: "),
    BAD("2[\"a\"][]", "invalid JSON: "),
    BAD("2[\"a\",'b']", "invalid JSON: "),
    BAD("2[\"a\xff\"]", "invalid JSON: "),
    BAD("2[\"a\"]\0", "invalid JSON: "),
    BAD("0 ", "invalid JSON: "),
    BAD("2 ", "invalid JSON: "),
    BAD("2-1[\"a\"]", "invalid JSON: "),
    /* attachment counts */
    BAD("5[\"a\"]", "invalid attachment count"),
    BAD("5-[\"a\"]", "invalid attachment count"),
    BAD("50-[\"a\"]", "invalid attachment count"),
    BAD("51[\"a\"]", "invalid attachment count"),
    BAD("51", "invalid attachment count"),
    BAD("5a-[\"a\"]", "invalid attachment count"),
    BAD("6", "invalid attachment count"),
    BAD("511-[\"a\"]", "too many attachments"),
    BAD("54294967296-[\"a\"]", "too many attachments"),
    BAD("599999999999999999999-[\"a\"]", "too many attachments"),
    BAD("21-[\"a\"]", "attachment count on a non-binary packet"),
    BAD("31-1[]", "attachment count on a non-binary packet"),
    BAD("51-", "EVENT payload must be"),
    BAD("61-[]", "ACK without ack id"),
    /* namespaces */
    BAD("2/a\0b,[\"a\"]", "invalid namespace"),
    /* placeholders of binary packets */
    BAD("51-[\"a\",{\"_placeholder\":true,\"num\":1}]",
        "placeholder num out of range"),
    BAD("52-[\"a\",{\"_placeholder\":true,\"num\":2}]",
        "placeholder num out of range"),
    BAD("51-[\"a\",{\"_placeholder\":true,\"num\":-1}]",
        "placeholder num out of range"),
    BAD("51-[\"a\",{\"_placeholder\":true,\"num\":\"0\"}]",
        "malformed placeholder"),
    BAD("51-[\"a\",{\"_placeholder\":true,\"num\":0.0}]",
        "malformed placeholder"),
    BAD("51-[\"a\",{\"_placeholder\":true}]", "malformed placeholder"),
    BAD("51-[\"a\",{\"_placeholder\":true,\"num\":0,\"x\":1}]",
        "malformed placeholder"),
    BAD("51-[\"a\",{\"num\":0,\"_placeholder\":true,\"n\":0}]",
        "malformed placeholder"),
    BAD("61-1[[[{\"_placeholder\":true,\"nom\":0}]]]", "malformed placeholder"),
    /* forged bytes values */
    BAD("2[\"a\",{\"_sio_bytes\":\"x\"}]", "reserved _sio_bytes object"),
    BAD("0{\"k\":[{\"_sio_bytes\":\"\"}]}", "reserved _sio_bytes object"),
};

static void parse_rejects(void **state)
{
    sio_packet p;
    sio_error err;

    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];

        memset(&err, 0, sizeof err);
        p.data = json_true(); /* must come back NULL */
        if (parse_lit(c->in, c->len, &p, &err) != -1)
            fail_msg("accepted: %s", c->in);
        assert_null(p.data);
        if (strncmp(err.text, c->msg, strlen(c->msg)) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", c->in, err.text, c->msg);
        assert_true(err.offset <= c->len);
    }
}

static void parse_error_offsets(void **state)
{
    sio_packet p;
    sio_error err;

    (void)state;
    assert_int_equal(parse_lit(S("2/nsp,99999999999999999[\"a\"]"), &p, &err),
                     -1);
    assert_int_equal(err.offset, 6);
    assert_int_equal(parse_lit(S("2[\"a\",]"), &p, &err), -1);
    assert_true(err.offset >= 5);
    assert_int_equal(parse_lit(S("2[\"a\",tru]"), &p, &err), -1);
    assert_int_equal(parse_lit(S("7"), &p, &err), -1);
    assert_int_equal(err.offset, 0);
}

static void parse_max_attachments_zero(void **state)
{
    sio_packet p;
    sio_error err;

    (void)state;
    assert_int_equal(siop_packet_parse(S("51-[\"a\"]"), 0, &p, &err), -1);
    assert_string_equal(err.text, "too many attachments");
    assert_int_equal(siop_packet_parse(S("2[\"a\"]"), 0, &p, &err), 0);
    json_decref(p.data);
}

/* "[[[...[\"a\"]...]]]" nested n deep, after prefix */
static char *nested(const char *prefix, int n, const char *inner)
{
    size_t len = strlen(prefix) + 2 * (size_t)n + strlen(inner) + 1;
    char *s = malloc(len), *w = s;

    assert_non_null(s);
    w += sprintf(w, "%s", prefix);
    for (int i = 0; i < n; i++)
        *w++ = '[';
    w += sprintf(w, "%s", inner);
    for (int i = 0; i < n; i++)
        *w++ = ']';
    *w = 0;
    return s;
}

/* What JavaScript sends and jansson refuses: rewritten, not refused. */
static void parse_lenient(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"2[\"x\",1e400]", "[\"x\",1.7976931348623157e308]"},
        {"2[\"x\",-1E+400,{\"a\":2e308}]",
         "[\"x\",-1.7976931348623157e308,{\"a\":1.7976931348623157e308}]"},
        {"2[\"x\",1e-400]", "[\"x\",0.0]"},
        {"2[\"x\",\"\\ud800\"]", "[\"x\",\"\xef\xbf\xbd\"]"},
        {"2[\"x\",\"a\\udc00b\\ud83d\"]", "[\"x\",\"a\xef\xbf\xbd"
                                          "b\xef\xbf\xbd\"]"},
        /* a pair is kept; an escaped backslash is not an escape */
        {"2[\"x\",\"\\ud83d\\ude00\\\\ud800\",1e400]",
         "[\"x\",\"\xf0\x9f\x98\x80\\\\ud800\",1.7976931348623157e308]"},
        {"2[\"1e400\",\"\\ud800\"]", "[\"1e400\",\"\xef\xbf\xbd\"]"},
    };
    char big[420] = "2[\"x\",1";
    sio_packet p;
    sio_error err;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (parse_lit(cases[i].in, strlen(cases[i].in), &p, &err) != 0)
            fail_msg("%s: %s", cases[i].in, err.text);
        expect_json(p.data, cases[i].want);
        json_decref(p.data);
    }
    /* 1 and 400 zeros, no exponent: past int64 and past a double */
    memset(big + strlen(big), '0', 400);
    strcpy(big + 7 + 400, "]");
    assert_int_equal(parse_lit(big, strlen(big), &p, &err), 0);
    expect_json(p.data, "[\"x\",1.7976931348623157e308]");
    json_decref(p.data);
    /* still refused: what is not JSON */
    assert_int_equal(parse_lit(S("2[\"x\",1e400"), &p, &err), -1);
    assert_int_equal(parse_lit(S("2[\"x\",\"\\ud8\"]"), &p, &err), -1);
    assert_int_equal(parse_lit(S("2[\"x\",Infinity]"), &p, &err), -1);
}

static void parse_depth_limit(void **state)
{
    sio_packet p;
    sio_error err;
    char *ok = nested("2[\"a\",", SIO_PACKET_MAX_DEPTH - 1, "1]");
    char *deep = nested("2[\"a\",", SIO_PACKET_MAX_DEPTH, "1]");
    char *ph = nested("51-[\"a\",", SIO_PACKET_MAX_DEPTH - 2,
                      "{\"_placeholder\":true,\"num\":0}]");
    char *ph_deep = nested("51-[\"a\",", SIO_PACKET_MAX_DEPTH - 1,
                           "{\"_placeholder\":true,\"num\":0}]");

    (void)state;
    /* ok has the outer array plus MAX - 1 levels: MAX in all */
    assert_int_equal(parse_lit(ok, strlen(ok), &p, &err), 0);
    json_decref(p.data);
    assert_int_equal(parse_lit(deep, strlen(deep), &p, &err), -1);
    assert_string_equal(err.text, "JSON nested too deeply");
    /* a limit, not a malformed packet: the server answers an error ack */
    assert_int_equal(err.code, SIO_ELIMIT);
    assert_int_equal(p.type, SIO_PKT_EVENT);
    assert_null(p.data);
    assert_int_equal(parse_lit(ph, strlen(ph), &p, &err), 0);
    json_decref(p.data);
    assert_int_equal(parse_lit(ph_deep, strlen(ph_deep), &p, &err), -1);
    assert_string_equal(err.text, "JSON nested too deeply");
    free(ok);
    free(deep);
    free(ph);
    free(ph_deep);
}

/* ---- bytes values ----------------------------------------------------- */

static void bytes_values(void **state)
{
    json_t *b = sio_bytes_new("a\0\xff", 3);
    json_t *e = sio_bytes_new(NULL, 0);
    json_t *fake = json_pack("{ss}", "_sio_bytes", "x");
    json_t *two = json_pack("{sssi}", "_sio_bytes", "x", "y", 1);
    json_t *num = json_pack("{si}", "_sio_bytes", 1);
    const uint8_t *d;
    size_t n = 99;

    (void)state;
    assert_true(sio_is_bytes(b));
    d = sio_bytes_data(b, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(d, "a\0\xff", 3);
    assert_true(sio_is_bytes(e));
    assert_non_null(sio_bytes_data(e, &n));
    assert_int_equal(n, 0);
    assert_non_null(sio_bytes_data(b, NULL));
    assert_true(sio_is_bytes(fake)); /* the shape is what counts */
    assert_false(sio_is_bytes(two));
    assert_false(sio_is_bytes(num));
    assert_false(sio_is_bytes(NULL));
    assert_false(sio_is_bytes(json_true()));
    assert_null(sio_bytes_data(num, &n));
    assert_null(sio_bytes_data(NULL, &n));
    json_decref(b);
    json_decref(e);
    json_decref(fake);
    json_decref(two);
    json_decref(num);
}

static void has_bytes(void **state)
{
    json_t *flat = json_pack("[si{s[i]}]", "a", 1, "k", 2);
    json_t *deep = json_pack("[s{s[io]}]", "a", "k", 2, sio_bytes_new("", 0));

    (void)state;
    assert_false(siop_json_has_bytes(NULL));
    assert_false(siop_json_has_bytes(flat));
    assert_true(siop_json_has_bytes(deep));
    json_decref(flat);
    json_decref(deep);
}

static void reason_strings(void **state)
{
    (void)state;
    assert_string_equal(sio_reason_str(SIO_REASON_CLIENT_NAMESPACE_DISCONNECT),
                        "client namespace disconnect");
    assert_string_equal(sio_reason_str(SIO_REASON_SERVER_NAMESPACE_DISCONNECT),
                        "server namespace disconnect");
    assert_string_equal(sio_reason_str(SIO_REASON_TRANSPORT_CLOSE),
                        "transport close");
    assert_string_equal(sio_reason_str(SIO_REASON_TRANSPORT_ERROR),
                        "transport error");
    assert_string_equal(sio_reason_str(SIO_REASON_PING_TIMEOUT),
                        "ping timeout");
    assert_string_equal(sio_reason_str(SIO_REASON_PARSE_ERROR), "parse error");
    assert_string_equal(sio_reason_str(SIO_REASON_SERVER_SHUTTING_DOWN),
                        "server shutting down");
    assert_string_equal(sio_reason_str(SIO_REASON_FORCED_CLOSE),
                        "forced close");
    assert_string_equal(sio_reason_str((sio_reason)0), "unknown");
}

/* ---- reconstruct ------------------------------------------------------ */

static const uint8_t att0[] = {0x00, 0x01, 0xff};
static const uint8_t att1[] = {'h', 'i'};
static const uint8_t *const atts[] = {att0, att1};
static const size_t att_lens[] = {sizeof att0, sizeof att1};

static json_t *load(const char *s)
{
    json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);

    assert_non_null(v);
    return v;
}

static void expect_bytes(const json_t *v, const uint8_t *want, size_t n)
{
    size_t len;
    const uint8_t *d = sio_bytes_data(v, &len);

    assert_non_null(d);
    assert_int_equal(len, n);
    assert_memory_equal(d, want, n);
}

static void reconstruct_replaces(void **state)
{
    json_t *d = load("[\"up\",{\"_placeholder\":true,\"num\":1},"
                     "{\"f\":[{\"_placeholder\":true,\"num\":0}],\"n\":1}]");
    sio_error err;

    (void)state;
    assert_int_equal(siop_packet_reconstruct(d, atts, att_lens, 2, &err), 0);
    expect_bytes(json_array_get(d, 1), att1, sizeof att1);
    expect_bytes(json_array_get(json_object_get(json_array_get(d, 2), "f"), 0),
                 att0, sizeof att0);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(d, 2), "n")), 1);
    assert_true(siop_json_has_bytes(d));
    json_decref(d);
}

static void reconstruct_shares_repeats(void **state)
{
    json_t *d = load("[{\"_placeholder\":true,\"num\":0},"
                     "{\"_placeholder\":true,\"num\":0}]");
    sio_error err;

    (void)state;
    assert_int_equal(siop_packet_reconstruct(d, atts, att_lens, 2, &err), 0);
    assert_ptr_equal(json_array_get(d, 0), json_array_get(d, 1));
    expect_bytes(json_array_get(d, 0), att0, sizeof att0);
    json_decref(d);
}

static void reconstruct_rejects(void **state)
{
    static const char *const bad[] = {
        "[{\"_placeholder\":true,\"num\":2}]",
        "[{\"_placeholder\":true,\"num\":-1}]",
        "[{\"_placeholder\":true,\"num\":1.0}]",
        "[{\"_placeholder\":true}]",
        "{\"a\":{\"_placeholder\":true,\"num\":0,\"b\":2}}",
        "{\"_placeholder\":true,\"num\":0}",
    };
    sio_error err;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *d = load(bad[i]);

        assert_int_equal(siop_packet_reconstruct(d, atts, att_lens, 2, &err),
                         -1);
        json_decref(d);
    }
    {
        json_t *d = load("[{\"_placeholder\":true,\"num\":0}]");

        assert_int_equal(siop_packet_reconstruct(d, NULL, NULL, 0, &err), -1);
        assert_string_equal(err.text, "placeholder num out of range");
        json_decref(d);
    }
}

static void reconstruct_no_placeholders(void **state)
{
    json_t *d = load("[\"a\",{\"b\":[1,2]}]");
    json_t *s = load("\"str\"");
    sio_error err;

    (void)state;
    assert_int_equal(siop_packet_reconstruct(d, atts, att_lens, 2, &err), 0);
    expect_json(d, "[\"a\",{\"b\":[1,2]}]");
    assert_int_equal(siop_packet_reconstruct(s, NULL, NULL, 0, &err), 0);
    assert_int_equal(siop_packet_reconstruct(NULL, NULL, NULL, 0, &err), 0);
    json_decref(d);
    json_decref(s);
}

/* ---- encode ----------------------------------------------------------- */

static void expect_encoded(sio_packet_type t, const char *nsp, int64_t id,
                           json_t *data, const char *want)
{
    sio_encoded e;

    assert_int_equal(siop_packet_encode(t, nsp, id, data, &e), 0);
    assert_non_null(e.head);
    assert_false(eio_msg_binary(e.head));
    if (eio_msg_len(e.head) != strlen(want) ||
        memcmp(eio_msg_data(e.head), want, strlen(want)) != 0)
        fail_msg("got %.*s, want %s", (int)eio_msg_len(e.head),
                 (const char *)eio_msg_data(e.head), want);
    assert_int_equal(e.natt, 0);
    siop_encoded_fini(&e);
    assert_null(e.head);
    json_decref(data);
}

static void encode_plain(void **state)
{
    (void)state;
    expect_encoded(SIO_PKT_EVENT, "/", -1, json_pack("[si]", "x", 1),
                   "42[\"x\",1]");
    expect_encoded(SIO_PKT_EVENT, NULL, 5, json_pack("[s]", "x"), "425[\"x\"]");
    expect_encoded(SIO_PKT_ACK, "/admin", 12, json_array(), "43/admin,12[]");
    expect_encoded(SIO_PKT_ACK, "/", 0, json_pack("[n]"), "430[null]");
    expect_encoded(SIO_PKT_CONNECT, "/", -1, json_pack("{ss}", "sid", "abc"),
                   "40{\"sid\":\"abc\"}");
    expect_encoded(SIO_PKT_CONNECT, "/admin", -1,
                   json_pack("{ss}", "sid", "abc"),
                   "40/admin,{\"sid\":\"abc\"}");
    expect_encoded(SIO_PKT_CONNECT, "/", -1, NULL, "40");
    expect_encoded(SIO_PKT_CONNECT_ERROR, "/random", -1,
                   json_pack("{ss}", "message", "Invalid namespace"),
                   "44/random,{\"message\":\"Invalid namespace\"}");
    expect_encoded(SIO_PKT_CONNECT_ERROR, "/", -1, json_string("no"),
                   "44\"no\"");
    expect_encoded(SIO_PKT_DISCONNECT, "/nsp", -1, NULL, "41/nsp,");
    expect_encoded(SIO_PKT_DISCONNECT, "/", -1, NULL, "41");
    expect_encoded(SIO_PKT_EVENT, "/", SIO_ACK_ID_MAX, json_pack("[s]", "x"),
                   "429007199254740991[\"x\"]");
}

static void encode_json_text(void **state)
{
    (void)state;
    /* like JSON.stringify: '/' and non-ASCII raw, controls escaped */
    expect_encoded(SIO_PKT_EVENT, "/", -1,
                   json_pack("[ss]", "a/b", "caf\xc3\xa9 \xf0\x9f\x98\x80"),
                   "42[\"a/b\",\"caf\xc3\xa9 \xf0\x9f\x98\x80\"]");
    expect_encoded(SIO_PKT_EVENT, "/", -1,
                   json_pack("[ss%]", "e", "q\"\\\n\t\0", (size_t)6),
                   "42[\"e\",\"q\\\"\\\\\\n\\t\\u0000\"]");
    expect_encoded(SIO_PKT_EVENT, "/", -1,
                   json_pack("[s{sisbsn}f]", "o", "b", 2, "a", 1, "z", 1.5),
                   "42[\"o\",{\"b\":2,\"a\":true,\"z\":null},1.5]");
}

static void expect_msg(eio_msg *m, bool binary, const void *want, size_t n)
{
    assert_non_null(m);
    assert_int_equal(eio_msg_binary(m), binary);
    assert_int_equal(eio_msg_len(m), n);
    assert_memory_equal(eio_msg_data(m), want, n);
}

static void encode_binary_event(void **state)
{
    json_t *data = json_pack("[soo]", "message-back", sio_bytes_new(att0, 3),
                             sio_bytes_new(att1, 2));
    json_t *before = json_deep_copy(data);
    sio_encoded e;
    static const char want[] =
        "452-[\"message-back\",{\"_placeholder\":true,\"num\":0},"
        "{\"_placeholder\":true,\"num\":1}]";

    (void)state;
    assert_int_equal(siop_packet_encode(SIO_PKT_EVENT, "/", -1, data, &e), 0);
    expect_msg(e.head, false, want, sizeof want - 1);
    assert_int_equal(e.natt, 2);
    expect_msg(e.att[0], true, att0, sizeof att0);
    expect_msg(e.att[1], true, att1, sizeof att1);
    assert_true(json_equal(before, data)); /* data untouched */
    siop_encoded_fini(&e);
    assert_int_equal(e.natt, 0);
    json_decref(before);
    json_decref(data);
}

static void encode_binary_ack(void **state)
{
    json_t *data =
        json_pack("[oo]", sio_bytes_new(att0, 3), sio_bytes_new(NULL, 0));
    sio_encoded e;
    static const char want[] = "462-789[{\"_placeholder\":true,\"num\":0},"
                               "{\"_placeholder\":true,\"num\":1}]";

    (void)state;
    assert_int_equal(siop_packet_encode(SIO_PKT_ACK, "/", 789, data, &e), 0);
    expect_msg(e.head, false, want, sizeof want - 1);
    assert_int_equal(e.natt, 2);
    expect_msg(e.att[0], true, att0, sizeof att0);
    expect_msg(e.att[1], true, "", 0);
    siop_encoded_fini(&e);
    json_decref(data);
}

static void encode_binary_order_and_nsp(void **state)
{
    json_t *data = json_pack("[s{s[o]so}o]", "ev", "x", sio_bytes_new("A", 1),
                             "y", sio_bytes_new("B", 1), sio_bytes_new("C", 1));
    sio_encoded e;
    static const char want[] =
        "453-/n,4[\"ev\",{\"x\":[{\"_placeholder\":true,\"num\":0}],"
        "\"y\":{\"_placeholder\":true,\"num\":1}},"
        "{\"_placeholder\":true,\"num\":2}]";

    (void)state;
    assert_int_equal(siop_packet_encode(SIO_PKT_EVENT, "/n", 4, data, &e), 0);
    expect_msg(e.head, false, want, sizeof want - 1);
    assert_int_equal(e.natt, 3);
    expect_msg(e.att[0], true, "A", 1);
    expect_msg(e.att[1], true, "B", 1);
    expect_msg(e.att[2], true, "C", 1);
    siop_encoded_fini(&e);
    json_decref(data);
}

static void expect_einval(sio_packet_type t, const char *nsp, int64_t id,
                          json_t *data)
{
    sio_encoded e;

    assert_int_equal(siop_packet_encode(t, nsp, id, data, &e), EIO_EINVAL);
    assert_null(e.head);
    assert_null(e.att);
    assert_int_equal(e.natt, 0);
    json_decref(data);
}

static void encode_rejects(void **state)
{
    json_t *deep = json_pack("[s]", "a");

    (void)state;
    expect_einval(SIO_PKT_EVENT, "admin", -1, json_pack("[s]", "a"));
    expect_einval(SIO_PKT_EVENT, "", -1, json_pack("[s]", "a"));
    expect_einval(SIO_PKT_EVENT, "/a,b", -1, json_pack("[s]", "a"));
    expect_einval(SIO_PKT_EVENT, "/", -1, NULL);
    expect_einval(SIO_PKT_EVENT, "/", -1, json_array());
    expect_einval(SIO_PKT_EVENT, "/", -1, json_pack("[i]", 1));
    expect_einval(SIO_PKT_EVENT, "/", -1, json_pack("{}"));
    expect_einval(SIO_PKT_EVENT, "/", -1, json_pack("[s]", "connect"));
    expect_einval(SIO_PKT_EVENT, "/", -1, json_pack("[s%]", "a\0b", (size_t)3));
    expect_einval(SIO_PKT_EVENT, "/", SIO_ACK_ID_MAX + 1,
                  json_pack("[s]", "a"));
    expect_einval(SIO_PKT_ACK, "/", -1, json_array());
    expect_einval(SIO_PKT_ACK, "/", 1, NULL);
    expect_einval(SIO_PKT_ACK, "/", 1, json_object());
    expect_einval(SIO_PKT_CONNECT, "/", 1, json_object());
    expect_einval(SIO_PKT_CONNECT, "/", -1, json_array());
    expect_einval(SIO_PKT_CONNECT, "/", -1,
                  json_pack("{so}", "b", sio_bytes_new("x", 1)));
    expect_einval(SIO_PKT_DISCONNECT, "/", -1, json_object());
    expect_einval(SIO_PKT_DISCONNECT, "/", 3, NULL);
    expect_einval(SIO_PKT_CONNECT_ERROR, "/", -1, NULL);
    expect_einval(SIO_PKT_CONNECT_ERROR, "/", -1, json_array());
    expect_einval(SIO_PKT_BINARY_EVENT, "/", -1, json_pack("[s]", "a"));
    expect_einval(SIO_PKT_BINARY_ACK, "/", 1, json_array());
    expect_einval((sio_packet_type)9, "/", -1, NULL);
    /* strings made with _nocheck that are not UTF-8 */
    expect_einval(SIO_PKT_EVENT, "/", -1,
                  json_pack("[so]", "a", json_stringn_nocheck("\xff", 1)));
    {
        json_t *o = json_object();

        json_object_set_new_nocheck(o, "\xc3", json_true());
        expect_einval(SIO_PKT_EVENT, "/", -1, json_pack("[so]", "a", o));
    }
    /* too deep: the top array plus MAX more */
    for (int i = 0; i < SIO_PACKET_MAX_DEPTH; i++)
        deep = json_pack("[so]", "a", deep);
    expect_einval(SIO_PKT_EVENT, "/", -1, deep);
}

static void encode_depth_boundary(void **state)
{
    json_t *deep = json_pack("[o]", sio_bytes_new("z", 1)), *top;
    sio_packet p;
    sio_error err;
    sio_encoded e;

    (void)state;
    /* the bytes value sits at depth MAX: allowed, one more is not */
    for (int i = 0; i < SIO_PACKET_MAX_DEPTH - 3; i++)
        deep = json_pack("[o]", deep);
    top = json_pack("[sO]", "a", deep);
    assert_int_equal(siop_packet_encode(SIO_PKT_EVENT, "/", -1, top, &e), 0);
    assert_int_equal(e.natt, 1);
    assert_int_equal(siop_packet_parse((const char *)eio_msg_data(e.head) + 1,
                                       eio_msg_len(e.head) - 1, 1, &p, &err),
                     0);
    json_decref(p.data);
    siop_encoded_fini(&e);
    json_decref(top);
    top = json_pack("[s[o]]", "a", deep);
    assert_int_equal(siop_packet_encode(SIO_PKT_EVENT, "/", -1, top, &e),
                     EIO_EINVAL);
    json_decref(top);
}

/* ---- round trips ------------------------------------------------------ */

/* Encodes data, parses the head, puts the attachments back, compares. */
static void round_trip(sio_packet_type t, const char *nsp, int64_t id,
                       json_t *data)
{
    sio_encoded e;
    sio_packet p;
    sio_error err;
    const uint8_t *ap[4];
    size_t al[4];

    assert_int_equal(siop_packet_encode(t, nsp, id, data, &e), 0);
    assert_true(e.natt <= 4);
    assert_int_equal(eio_msg_data(e.head)[0], '4');
    assert_int_equal(siop_packet_parse((const char *)eio_msg_data(e.head) + 1,
                                       eio_msg_len(e.head) - 1, 4, &p, &err),
                     0);
    assert_int_equal(p.attachments, e.natt);
    if (e.natt)
        assert_int_equal(p.type, t == SIO_PKT_EVENT ? SIO_PKT_BINARY_EVENT
                                                    : SIO_PKT_BINARY_ACK);
    else
        assert_int_equal(p.type, t);
    assert_int_equal(p.id, id);
    expect_nsp(&p, nsp);
    for (size_t i = 0; i < e.natt; i++) {
        ap[i] = eio_msg_data(e.att[i]);
        al[i] = eio_msg_len(e.att[i]);
    }
    assert_int_equal(siop_packet_reconstruct(p.data, ap, al, e.natt, &err), 0);
    assert_true(data ? json_equal(p.data, data) : p.data == NULL);
    json_decref(p.data);
    siop_encoded_fini(&e);
    json_decref(data);
}

static void round_trips(void **state)
{
    (void)state;
    round_trip(SIO_PKT_CONNECT, "/", -1, NULL);
    round_trip(SIO_PKT_CONNECT, "/a", -1, json_pack("{ss}", "t", "x"));
    round_trip(SIO_PKT_DISCONNECT, "/a", -1, NULL);
    round_trip(
        SIO_PKT_EVENT, "/", -1,
        json_pack("[sifbn{s[]}s%]", "e", -3, 0.1, 0, "k", "\0x", (size_t)2));
    round_trip(SIO_PKT_EVENT, "/chat", 42,
               json_pack("[so{so}]", "bin", sio_bytes_new("\0\1", 2), "k",
                         sio_bytes_new("", 0)));
    round_trip(SIO_PKT_ACK, "/", 7,
               json_pack("[o]", sio_bytes_new("\xff\xfe", 2)));
    round_trip(SIO_PKT_ACK, "/x", SIO_ACK_ID_MAX, json_array());
    round_trip(SIO_PKT_EVENT, "/", -1,
               json_pack("[sI]", "big", (json_int_t)INT64_MIN));
}

/* ---- allocation failures ---------------------------------------------- */

typedef struct chaos {
    int countdown; /* jansson allocations left before one fails */
    int failed;
} chaos;

/* jansson's hooks take no user pointer: file scope it is, tests only. */
static chaos g_chaos;

static void *chaos_malloc(size_t n)
{
    if (g_chaos.countdown >= 0 && g_chaos.countdown-- == 0) {
        g_chaos.failed++;
        return NULL;
    }
    return malloc(n);
}

static void chaos_start(int n)
{
    g_chaos.countdown = n;
    g_chaos.failed = 0;
    json_set_alloc_funcs(chaos_malloc, free);
}

static void chaos_stop(void)
{
    g_chaos.countdown = -1;
    json_set_alloc_funcs(malloc, free);
}

static void chaos_encode(void **state)
{
    json_t *data = json_pack("[s{so}oi]", "ev", "k", sio_bytes_new("ab", 2),
                             sio_bytes_new("c", 1), 1);
    sio_encoded e;
    int n, rc;

    (void)state;
    for (n = 0; n < 1000; n++) {
        chaos_start(n);
        rc = siop_packet_encode(SIO_PKT_EVENT, "/n", 3, data, &e);
        chaos_stop();
        if (rc == 0)
            break;
        assert_int_equal(rc, EIO_ENOMEM);
        assert_null(e.head);
        assert_int_equal(e.natt, 0);
    }
    assert_true(n > 0); /* at least one failure was injected */
    assert_int_equal(rc, 0);
    assert_int_equal(e.natt, 2);
    siop_encoded_fini(&e);
    json_decref(data);
}

static void chaos_parse_reconstruct(void **state)
{
    static const char in[] =
        "52-/n,3[\"ev\",{\"k\":{\"_placeholder\":true,\"num\":0}},"
        "{\"_placeholder\":true,\"num\":1},[1,2.5,\"s\"]]";
    sio_packet p;
    sio_error err;
    int n, rc = -1;

    (void)state;
    for (n = 0; n < 1000 && rc != 0; n++) {
        chaos_start(n);
        rc = siop_packet_parse(in, sizeof in - 1, MAX_ATT, &p, &err);
        if (rc == 0) {
            rc = siop_packet_reconstruct(p.data, atts, att_lens, 2, &err);
            if (rc == 0)
                expect_bytes(json_array_get(p.data, 2), att1, sizeof att1);
            json_decref(p.data);
        } else {
            assert_null(p.data);
        }
        chaos_stop();
    }
    assert_true(n > 1);
    assert_int_equal(rc, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_connect),
        cmocka_unit_test(parse_disconnect),
        cmocka_unit_test(parse_event),
        cmocka_unit_test(parse_lenient),
        cmocka_unit_test(parse_ack),
        cmocka_unit_test(parse_binary),
        cmocka_unit_test(parse_placeholder_lookalikes),
        cmocka_unit_test(parse_big_integer_as_real),
        cmocka_unit_test(parse_nul_in_strings),
        cmocka_unit_test(parse_rejects),
        cmocka_unit_test(parse_error_offsets),
        cmocka_unit_test(parse_max_attachments_zero),
        cmocka_unit_test(parse_depth_limit),
        cmocka_unit_test(bytes_values),
        cmocka_unit_test(has_bytes),
        cmocka_unit_test(reason_strings),
        cmocka_unit_test(reconstruct_replaces),
        cmocka_unit_test(reconstruct_shares_repeats),
        cmocka_unit_test(reconstruct_rejects),
        cmocka_unit_test(reconstruct_no_placeholders),
        cmocka_unit_test(encode_plain),
        cmocka_unit_test(encode_json_text),
        cmocka_unit_test(encode_binary_event),
        cmocka_unit_test(encode_binary_ack),
        cmocka_unit_test(encode_binary_order_and_nsp),
        cmocka_unit_test(encode_rejects),
        cmocka_unit_test(encode_depth_boundary),
        cmocka_unit_test(round_trips),
        cmocka_unit_test(chaos_encode),
        cmocka_unit_test(chaos_parse_reconstruct),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
