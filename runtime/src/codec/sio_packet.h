/* sio_packet.h - Socket.IO v5 packet codec (internal).
 *
 * Pure functions: a packet's text part (the Engine.IO message payload)
 * to a struct and back, binary attachments split out and put back as
 * placeholders {"_placeholder":true,"num":N}. No I/O, no globals. */
#ifndef SIO_PACKET_H
#define SIO_PACKET_H

#include <jansson.h>
#include "eio.h"
#include "sio.h"
#include "sio_adapter.h"
#include "sio_error.h"

typedef enum sio_packet_type {
    SIO_PKT_CONNECT = 0,
    SIO_PKT_DISCONNECT = 1,
    SIO_PKT_EVENT = 2,
    SIO_PKT_ACK = 3,
    SIO_PKT_CONNECT_ERROR = 4,
    SIO_PKT_BINARY_EVENT = 5,
    SIO_PKT_BINARY_ACK = 6,
} sio_packet_type;

/* Ack ids are non-negative and fit in 53 bits (what JS clients send). */
#define SIO_ACK_ID_MAX 9007199254740991LL

/* Arrays and objects nest at most this deep (the top level is 1) in what
 * parse accepts, reconstruct walks and encode writes. */
#define SIO_PACKET_MAX_DEPTH 32

typedef struct sio_packet {
    sio_packet_type type;
    const char *nsp; /* namespace, borrowed from the input; "/" if none */
    size_t nsp_len;
    int64_t id;         /* ack id, -1 if none */
    size_t attachments; /* binary types: attachments that follow */
    json_t *data;       /* new reference, NULL if no payload */
} sio_packet;

/* Parses the text part of a packet, as a server receives it. Checks the
 * type, attachment count (<= max_attachments), namespace (starts with
 * '/'), ack id, JSON (with siop_json_lenient's leniency), and the payload's
 * shape for the type: CONNECT an object or nothing (as socket.io; anything else
 * fails with err->code SIO_EPAYLOAD, out->type CONNECT and out->nsp set, so
 * that the server answers CONNECT_ERROR instead of closing); DISCONNECT
 * nothing; EVENT/BINARY_EVENT a non-empty array whose first element is a
 * string; ACK/BINARY_ACK an array. CONNECT_ERROR is refused (clients never send
 * it). Returns 0 with *out filled (caller owns out->data), or -1 with err set
 * (out->data NULL).
 *
 * Details: binary types need "N-" with 1 <= N <= max_attachments, other
 * types must not have one. The namespace runs from '/' to ',' or the
 * end ("40/a" and "40/a," are both "/a"); it may not hold NUL. The ack
 * id is only allowed on EVENT/ACK types, required on ACK types, and at
 * most SIO_ACK_ID_MAX. Integers past int64 become reals. Also refused:
 * event names that hold NUL or that socket.io reserves ("connect",
 * "connect_error", "disconnect", "disconnecting", "newListener",
 * "removeListener"), nesting past SIO_PACKET_MAX_DEPTH (err->code SIO_ELIMIT;
 * out's type, nsp and id are set), objects shaped like bytes values (only
 * attachments make those), and in binary types any object with "_placeholder":
 * true that is not exactly
 * {"_placeholder":true,"num":N} with 0 <= N < attachments. */
/* The head alone (type, attachment count, namespace, ack id), as
 * siop_packet_parse checks it: *body is where the JSON starts. For the
 * typed layer's streaming decoder, which reads the payload itself; out->data
 * stays NULL. */
int siop_packet_parse_head(const char *buf, size_t len, size_t max_attachments,
                           sio_packet *out, size_t *body, sio_error *err);

int siop_packet_parse(const char *buf, size_t len, size_t max_attachments,
                      sio_packet *out, sio_error *err);

/* Replaces each placeholder in data with a bytes value (sio_bytes_new)
 * holding att[num]. Every placeholder must have 0 <= num < natt; a
 * placeholder-shaped object that is malformed is an error. data is
 * modified in place. Returns 0 or -1 with err set (data may then be
 * partly replaced: drop it). Placeholders naming the same attachment
 * share one bytes value (one copy of the bytes); unused attachments are
 * not an error. data itself must not be a placeholder. */
int siop_packet_reconstruct(json_t *data, const uint8_t *const *att,
                            const size_t *att_len, size_t natt, sio_error *err);

/* Encodes a packet, writing "4<type>[<n>-][<nsp>,][<id>]<json>" compactly
 * (the nsp part only when nsp is not "/"). type is CONNECT, DISCONNECT,
 * EVENT, ACK or CONNECT_ERROR; EVENT and ACK become their BINARY_ forms
 * when data holds bytes values, which are split out as attachments (data
 * itself is not modified). id < 0: none. data may be NULL. Returns 0 or
 * EIO_ENOMEM/EIO_EINVAL; on success the caller frees out with
 * siop_encoded_fini (on failure out is empty).
 *
 * EIO_EINVAL: nsp (NULL means "/") not starting with '/' or holding ',';
 * a payload parse would refuse for the type (CONNECT: object or NULL;
 * DISCONNECT: NULL; EVENT: array, string name, not reserved; ACK:
 * array; CONNECT_ERROR: object or string); an id on other types than
 * EVENT/ACK, none on ACK, or over SIO_ACK_ID_MAX; bytes values outside
 * EVENT/ACK; a string or key that is not UTF-8; nesting past
 * SIO_PACKET_MAX_DEPTH. Reals print as jansson does ("%.17g", so 0.1
 * is 0.10000000000000001): the same double, not JS's shortest text. */
int siop_packet_encode(sio_packet_type type, const char *nsp, int64_t id,
                       const json_t *data, sio_encoded *out);
void siop_encoded_fini(sio_encoded *e);

/* The packet codec's leniency (sio_json_lenient.c), tried when jansson
 * refuses a payload: an unpaired surrogate escape becomes \uFFFD, a
 * number past the largest double becomes -?1.7976931348623157e308.
 * Returns 1 with *res a new buffer (the caller frees it) of *res_len
 * bytes, 0 when there was nothing to rewrite (*res NULL), -1 when out of
 * memory. */
int siop_json_lenient(const char *s, size_t n, char **res, size_t *res_len);

/* The head of an EVENT or ACK packet without attachments,
 * "4<type>[<nsp>,][<id>]", appended to *m, for encoders that write the
 * JSON themselves (the typed layer's). EIO_EINVAL for a namespace, id or
 * type siop_packet_encode would refuse. */
int siop_packet_write_head(eio_msg **m, sio_packet_type type, const char *nsp,
                           int64_t id);

/* True if data holds a bytes value anywhere (depth-limited walk). */
bool siop_json_has_bytes(const json_t *data);

/* Is name one of the event names socket.io reserves (see above)? */
bool siop_event_reserved(const char *name);

/* The socket.io reason of an Engine.IO close (their names agree). */
sio_reason siop_reason_of_close(eio_close_reason why);

#endif
