/* eio_packet.h - Engine.IO v4 packet and polling-payload codec (internal).
 *
 * Pure functions over buffers: no I/O, no globals, so they can be unit
 * tested and fuzzed alone. Client bytes are untrusted: nothing here reads
 * past len, and a payload is validated whole before any packet of it is
 * handed out. */
#ifndef EIO_PACKET_H
#define EIO_PACKET_H

#include "eio.h"
#include "sio_error.h"

enum {
    EIO_PKT_OPEN = '0',
    EIO_PKT_CLOSE = '1',
    EIO_PKT_PING = '2',
    EIO_PKT_PONG = '3',
    EIO_PKT_MESSAGE = '4',
    EIO_PKT_UPGRADE = '5',
    EIO_PKT_NOOP = '6',
};

/* The separator of packets in a polling payload. */
#define EIO_PAYLOAD_SEP 0x1e

typedef struct eio_packet {
    char type;           /* EIO_PKT_*; binary packets are EIO_PKT_MESSAGE */
    bool binary;         /* raw bytes (WebSocket binary frame or "b...") */
    const uint8_t *data; /* payload after the type char; borrowed */
    size_t len;
} eio_packet;

/* Parses one WebSocket frame. Text frames: a type '0'..'6' then payload;
 * the whole frame must be valid UTF-8. Binary frames are messages.
 * Returns 0, or -1 with err set. */
int eiop_packet_parse(const uint8_t *buf, size_t len, bool binary,
                      eio_packet *out, sio_error *err);

/* Called once per packet of a payload; data is valid for the call only.
 * A non-zero return stops the walk and is returned by eiop_payload_decode. */
typedef int (*eio_payload_fn)(const eio_packet *p, void *ud);

/* Decodes an HTTP long-polling POST body: packets separated by 0x1e,
 * binary packets as 'b' + standard base64. The whole body is validated
 * first (UTF-8, types, base64, at most max_packets packets); if it is
 * invalid, -1 is returned with err set and fn is never called. An empty
 * body, an empty packet (leading, doubled or trailing 0x1e) are invalid;
 * "b" alone is an empty binary message. Out of memory is also -1 before
 * any call (err->text "out of memory"). Returns 0 when every packet was
 * handed out. */
int eiop_payload_decode(const uint8_t *body, size_t len, size_t max_packets,
                        eio_payload_fn fn, void *ud, sio_error *err);

/* The two halves of eiop_payload_decode, so that a server can spread a
 * large body over several loop turns: check validates as decode does
 * and hands out nothing; walk hands out at most max packets of a body
 * check accepted, from *off, and leaves *off at the next packet (len
 * when none is left). walk returns fn's first non-zero return, or
 * EIO_ENOMEM (that packet not handed out), or 0. */
int eiop_payload_check(const uint8_t *body, size_t len, size_t max_packets,
                       sio_error *err);
int eiop_payload_walk(const uint8_t *body, size_t len, size_t *off, size_t max,
                      eio_payload_fn fn, void *ud);

/* Appends one packet in wire form (an eio_msg's bytes: text "4..." or raw
 * binary) to a polling payload being built in *out, with a separator
 * before it unless first. Binary becomes 'b' + base64. May move *out.
 * Returns 0 or EIO_ENOMEM (*out may then hold part of the packet:
 * discard it). */
int eiop_payload_append(eio_msg **out, const uint8_t *pkt, size_t len,
                        bool binary, bool first);

/* The payload of m for lws_write (LWS_PRE headroom before it), even
 * when m is shared (eio_msg.c). */
uint8_t *eiop_msg_frame(eio_msg *m);
/* The memory m holds (its block: header, headroom, capacity), plus a
 * queue slot and the allocator's own overhead: what a session's
 * outbound buffer counts, not the payload's length. */
size_t eiop_msg_footprint(const eio_msg *m);

/* A pool of message blocks of one payload size, for one loop thread:
 * a message taken from it returns to it at its last unref (on that
 * thread), unless it grew past the size or max are kept already. The
 * owner's free leaves messages still out to free() themselves. */
typedef struct eio_msg_pool eio_msg_pool;
eio_msg_pool *eiop_msg_pool_new(size_t cap, size_t max);
eio_msg *eiop_msg_pool_get(eio_msg_pool *p, bool binary);
void eiop_msg_pool_free(eio_msg_pool *p);

/* Cuts an unshared message back to len bytes (len <= its length). */
void eiop_msg_truncate(eio_msg *m, size_t len);

/* True if buf[0..len) is well-formed UTF-8 (no overlongs, surrogates or
 * code points over U+10FFFF). */
bool eiop_utf8_valid(const uint8_t *buf, size_t len);

#endif
