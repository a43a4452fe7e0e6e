/* eio_packet.c - Engine.IO v4 packets and polling payloads.
 *
 * Client bytes are untrusted: every read is bounded by len, and a polling
 * body is checked whole (UTF-8, types, base64, count) before the first
 * packet is handed out, so a handler never sees half of a bad body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eio_packet.h"
#include "util.h"

static int perr(sio_error *err, size_t offset, const char *msg)
{
    if (err) {
        err->code = SIO_EPROTO;
        err->offset = offset;
        err->path[0] = '\0';
        snprintf(err->text, sizeof err->text, "%s", msg);
    }
    return -1;
}

/* ---- UTF-8 ------------------------------------------------------------ */

/* Length of the well-formed sequence at s (Unicode table 3-7), 0 if
 * none. The second byte's range is what excludes overlongs, surrogates
 * and code points past U+10FFFF. */
static size_t utf8_seq(const uint8_t *s, size_t avail)
{
    uint8_t c = s[0], lo = 0x80, hi = 0xBF;
    size_t n;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Offset of the first byte that is not part of valid UTF-8, or len. */
static size_t utf8_bad_at(const uint8_t *s, size_t len)
{
    size_t i = 0, n;

    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        n = utf8_seq(s + i, len - i);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

bool eiop_utf8_valid(const uint8_t *buf, size_t len)
{
    return utf8_bad_at(buf, len) == len;
}

/* ---- packets ---------------------------------------------------------- */

static bool type_valid(uint8_t c)
{
    return c >= EIO_PKT_OPEN && c <= EIO_PKT_NOOP;
}

int eiop_packet_parse(const uint8_t *buf, size_t len, bool binary,
                      eio_packet *out, sio_error *err)
{
    size_t bad;

    if (binary) {
        *out = (eio_packet){EIO_PKT_MESSAGE, true, buf, len};
        return 0;
    }
    if (len == 0)
        return perr(err, 0, "empty packet");
    if (!type_valid(buf[0]))
        return perr(err, 0, "unknown packet type");
    bad = utf8_bad_at(buf, len);
    if (bad != len)
        return perr(err, bad, "invalid UTF-8");
    *out = (eio_packet){(char)buf[0], false, buf + 1, len - 1};
    return 0;
}

/* ---- polling payloads ------------------------------------------------- */

/* Checks one packet of a body at offset off; raises *max_bin to its
 * decoded size if it is binary. */
static int payload_pkt_check(const uint8_t *p, size_t n, size_t off,
                             long *max_bin, sio_error *err)
{
    long dn;

    if (n == 0)
        return perr(err, off, "empty packet");
    if (p[0] == 'b') {
        dn = util_b64_decode((const char *)p + 1, n - 1, false, NULL);
        if (dn < 0)
            return perr(err, off + 1, "invalid base64");
        if (dn > *max_bin)
            *max_bin = dn;
        return 0;
    }
    if (!type_valid(p[0]))
        return perr(err, off, "unknown packet type");
    return 0;
}

/* End of the packet starting at off: the next separator, or len. */
static size_t pkt_end(const uint8_t *body, size_t len, size_t off)
{
    const uint8_t *sep = memchr(body + off, EIO_PAYLOAD_SEP, len - off);

    return sep ? (size_t)(sep - body) : len;
}

static int payload_check(const uint8_t *body, size_t len, size_t max_packets,
                         long *max_bin, sio_error *err)
{
    size_t bad, off = 0, end, count = 0;

    if (len == 0)
        return perr(err, 0, "empty payload");
    bad = utf8_bad_at(body, len);
    if (bad != len)
        return perr(err, bad, "invalid UTF-8");
    for (;;) {
        end = pkt_end(body, len, off);
        if (++count > max_packets)
            return perr(err, off, "too many packets");
        if (payload_pkt_check(body + off, end - off, off, max_bin, err))
            return -1;
        if (end == len)
            return 0;
        off = end + 1;
    }
}

/* Hands out the packets of a body that payload_check accepted. */
static int payload_walk(const uint8_t *body, size_t len, uint8_t *scratch,
                        eio_payload_fn fn, void *ud)
{
    size_t off = 0, end;
    eio_packet p;
    int rc;

    for (;;) {
        end = pkt_end(body, len, off);
        if (body[off] == 'b') {
            long n = util_b64_decode((const char *)body + off + 1,
                                     end - off - 1, false, scratch);
            p = (eio_packet){EIO_PKT_MESSAGE, true, scratch, (size_t)n};
        } else {
            p = (eio_packet){(char)body[off], false, body + off + 1,
                             end - off - 1};
        }
        rc = fn(&p, ud);
        if (rc != 0 || end == len)
            return rc;
        off = end + 1;
    }
}

int eiop_payload_check(const uint8_t *body, size_t len, size_t max_packets,
                       sio_error *err)
{
    long max_bin = -1;

    return payload_check(body, len, max_packets, &max_bin, err);
}

int eiop_payload_walk(const uint8_t *body, size_t len, size_t *off, size_t max,
                      eio_payload_fn fn, void *ud)
{
    int rc = 0;

    for (size_t k = 0; k < max && *off < len && rc == 0; k++) {
        size_t at = *off, end = pkt_end(body, len, at);
        uint8_t *scratch = NULL;
        eio_packet p = {(char)body[at], false, body + at + 1, end - at - 1};

        if (body[at] == 'b') {
            long n = util_b64_decode((const char *)body + at + 1, end - at - 1,
                                     false, NULL);
            /* room for the padding bytes OpenSSL writes */
            if (!(scratch = malloc((size_t)n + 3)))
                return EIO_ENOMEM;
            n = util_b64_decode((const char *)body + at + 1, end - at - 1,
                                false, scratch);
            p = (eio_packet){EIO_PKT_MESSAGE, true, scratch, (size_t)n};
        }
        *off = end == len ? len : end + 1;
        rc = fn(&p, ud);
        free(scratch);
    }
    return rc;
}

int eiop_payload_decode(const uint8_t *body, size_t len, size_t max_packets,
                        eio_payload_fn fn, void *ud, sio_error *err)
{
    long max_bin = -1;
    uint8_t *scratch;
    int rc;

    if (payload_check(body, len, max_packets, &max_bin, err) != 0)
        return -1;
    /* Room for the padding bytes OpenSSL writes, and never malloc(0). */
    scratch = malloc(max_bin < 0 ? 1 : (size_t)max_bin + 3);
    if (!scratch)
        return perr(err, 0, "out of memory");
    rc = payload_walk(body, len, scratch, fn, ud);
    free(scratch);
    return rc;
}

/* Appends in as base64, a chunk at a time through a stack buffer. */
static int append_b64(eio_msg **out, const uint8_t *in, size_t n)
{
    enum { CHUNK_IN = 768 }; /* a multiple of 3: no padding mid-way */
    char buf[CHUNK_IN / 3 * 4];

    while (n > 0) {
        size_t k = n < CHUNK_IN ? n : CHUNK_IN;

        util_b64_encode(in, k, false, buf);
        if (eio_msg_append(out, buf, util_b64_len(k, false)) != 0)
            return -1;
        in += k;
        n -= k;
    }
    return 0;
}

int eiop_payload_append(eio_msg **out, const uint8_t *pkt, size_t len,
                        bool binary, bool first)
{
    static const uint8_t sep = EIO_PAYLOAD_SEP;

    if (!first && eio_msg_append(out, &sep, 1) != 0)
        return EIO_ENOMEM;
    if (!binary)
        return eio_msg_append(out, pkt, len) ? EIO_ENOMEM : 0;
    if (eio_msg_append(out, "b", 1) != 0 || append_b64(out, pkt, len) != 0)
        return EIO_ENOMEM;
    return 0;
}
