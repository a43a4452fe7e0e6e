/* fuzz_eio.c - Engine.IO packets, polling payloads, UTF-8 and base64.
 *
 * Invariants (abort on violation): a parsed packet lies inside the input
 * and the input was valid UTF-8 (checked against a second, decode-first
 * UTF-8 validator); a payload that decodes re-encodes to the same bytes
 * (base64 is canonical); a refused payload calls back nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eio_packet.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            abort();                                                           \
    } while (0)

/* Reference validator: decode a code point, then judge it. */
static bool ref_utf8(const uint8_t *s, size_t len)
{
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t i = 0;

    while (i < len) {
        uint32_t c = s[i], cp;
        size_t n = c < 0x80         ? 1
                   : (c >> 5) == 6  ? 2
                   : (c >> 4) == 14 ? 3
                   : (c >> 3) == 30 ? 4
                                    : 0;

        if (n == 0 || len - i < n)
            return false;
        cp = n == 1 ? c : c & (0x7Fu >> n);
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

static void fuzz_packet(const uint8_t *data, size_t size)
{
    eio_packet p;
    sio_error err;
    bool utf8 = eiop_utf8_valid(data, size);

    CHECK(utf8 == ref_utf8(data, size));
    if (eiop_packet_parse(data, size, false, &p, &err) == 0) {
        CHECK(utf8 && size >= 1 && !p.binary);
        CHECK(p.type >= '0' && p.type <= '6' && p.type == (char)data[0]);
        CHECK(p.data == data + 1 && p.len == size - 1);
    } else {
        CHECK(err.text[0] && err.offset <= size);
        CHECK(!utf8 || size == 0 || data[0] < '0' || data[0] > '6');
    }
    CHECK(eiop_packet_parse(data, size, true, &p, &err) == 0);
    CHECK(p.binary && p.type == EIO_PKT_MESSAGE && p.data == data &&
          p.len == size);
}

static void fuzz_base64(const uint8_t *data, size_t size)
{
    uint8_t *out = malloc(size / 4 * 3 + 1);
    char *back;
    long n;

    CHECK(out);
    n = util_b64_decode((const char *)data, size, false, out);
    if (n >= 0) {
        /* strict decoding is the inverse of encoding */
        CHECK(util_b64_len((size_t)n, false) == size);
        back = malloc(size + 1);
        CHECK(back);
        util_b64_encode(out, (size_t)n, false, back);
        CHECK(memcmp(back, data, size) == 0);
        free(back);
    }
    free(out);
    back = malloc(util_b64_len(size, false) + 1);
    out = malloc(size + 3);
    CHECK(back && out);
    util_b64_encode(data, size, false, back);
    n = util_b64_decode(back, util_b64_len(size, false), false, out);
    CHECK(n == (long)size && memcmp(out, data, size) == 0);
    free(back);
    free(out);
}

typedef struct rebuild {
    eio_msg *m;
    size_t count;
    const uint8_t *body;
    size_t len;
} rebuild;

static int on_packet(const eio_packet *p, void *ud)
{
    rebuild *r = ud;
    eio_msg *t;

    CHECK(p->binary ? p->type == EIO_PKT_MESSAGE
                    : p->type >= '0' && p->type <= '6');
    if (!p->binary) /* text packets point into the body */
        CHECK(p->data > r->body && p->data + p->len <= r->body + r->len);
    if (p->binary) {
        CHECK(eiop_payload_append(&r->m, p->data, p->len, true,
                                  r->count == 0) == 0);
    } else {
        t = eio_msg_text(p->type, p->data, p->len);
        CHECK(t);
        CHECK(eiop_payload_append(&r->m, eio_msg_data(t), eio_msg_len(t), false,
                                  r->count == 0) == 0);
        eio_msg_unref(t);
    }
    r->count++;
    return 0;
}

/* check, then walk a few packets at a time (as a server spreads a POST
 * over loop turns): the same packets as decode, the same body again. */
static void fuzz_payload_walk(const uint8_t *data, size_t size, size_t step,
                              bool accepted, size_t count)
{
    rebuild r = {eio_msg_new(0, false), 0, data, size};
    sio_error err;
    size_t off = 0, turns = 0;

    CHECK(r.m);
    CHECK((eiop_payload_check(data, size, 64, &err) == 0) == accepted);
    while (accepted && off < size) {
        size_t before = off;
        CHECK(eiop_payload_walk(data, size, &off, step, on_packet, &r) == 0);
        CHECK(off > before && off <= size && ++turns <= size);
    }
    if (accepted) {
        CHECK(r.count == count && eio_msg_len(r.m) == size);
        CHECK(memcmp(eio_msg_data(r.m), data, size) == 0);
    }
    eio_msg_unref(r.m);
}

static void fuzz_payload(const uint8_t *data, size_t size)
{
    enum { MAX_PACKETS = 64 };
    rebuild r = {eio_msg_new(0, false), 0, data, size};
    sio_error err;
    bool ok;

    CHECK(r.m);
    ok = eiop_payload_decode(data, size, MAX_PACKETS, on_packet, &r, &err) == 0;
    if (ok) {
        CHECK(r.count >= 1 && r.count <= MAX_PACKETS);
        CHECK(eio_msg_len(r.m) == size);
        CHECK(memcmp(eio_msg_data(r.m), data, size) == 0);
    } else {
        CHECK(r.count == 0 && err.text[0] && err.offset <= size);
    }
    fuzz_payload_walk(data, size, 1 + size % 5, ok, r.count);
    eio_msg_unref(r.m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_packet(data, size);
    fuzz_payload(data, size);
    fuzz_base64(data, size);
    return 0;
}
