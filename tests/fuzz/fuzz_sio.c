/* fuzz_sio.c - Socket.IO packet parse, reconstruct, encode.
 *
 * Invariants (abort on violation): a refused packet leaves no data and
 * names an error inside the input; an accepted one has a namespace
 * inside the input (or "/"), no forged bytes values, and placeholders
 * that reconstruct cannot refuse; encoding it cannot fail, and parsing
 * the encoding (attachments put back) gives the same packet. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sio.h"
#include "sio_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            abort();                                                           \
    } while (0)

enum { MAX_ATT = 4 };

static bool is_binary(sio_packet_type t)
{
    return t == SIO_PKT_BINARY_EVENT || t == SIO_PKT_BINARY_ACK;
}

static sio_packet_type base_type(sio_packet_type t)
{
    if (t == SIO_PKT_BINARY_EVENT)
        return SIO_PKT_EVENT;
    return t == SIO_PKT_BINARY_ACK ? SIO_PKT_ACK : t;
}

static void check_parsed(const sio_packet *p, const char *buf, size_t size)
{
    CHECK(p->type <= SIO_PKT_BINARY_ACK && p->type != SIO_PKT_CONNECT_ERROR);
    CHECK(p->nsp_len >= 1 && p->nsp[0] == '/');
    CHECK(!memchr(p->nsp, '\0', p->nsp_len) &&
          !memchr(p->nsp, ',', p->nsp_len));
    if (p->nsp_len > 1)
        CHECK(p->nsp > buf && p->nsp + p->nsp_len <= buf + size);
    CHECK(p->id >= -1 && p->id <= SIO_ACK_ID_MAX);
    CHECK(is_binary(p->type) ? p->attachments >= 1 && p->attachments <= MAX_ATT
                             : p->attachments == 0);
    CHECK(!siop_json_has_bytes(p->data));
}

/* Parses the encoded packet and compares it with what was encoded. */
static void check_round_trip(const sio_encoded *e, const sio_packet *p)
{
    const char *head = (const char *)eio_msg_data(e->head);
    const uint8_t *att[64];
    size_t att_len[64];
    sio_packet q;
    sio_error err;

    CHECK(!eio_msg_binary(e->head) && eio_msg_len(e->head) >= 2);
    CHECK(head[0] == '4' && e->natt <= 64);
    /* placeholders may repeat, so the count may exceed MAX_ATT */
    CHECK(siop_packet_parse(head + 1, eio_msg_len(e->head) - 1, SIZE_MAX, &q,
                           &err) == 0);
    CHECK(base_type(q.type) == base_type(p->type));
    CHECK(is_binary(q.type) == (e->natt > 0) && q.attachments == e->natt);
    CHECK(q.nsp_len == p->nsp_len && !memcmp(q.nsp, p->nsp, p->nsp_len));
    CHECK(q.id == p->id);
    for (size_t i = 0; i < e->natt; i++) {
        CHECK(eio_msg_binary(e->att[i]));
        att[i] = eio_msg_data(e->att[i]);
        att_len[i] = eio_msg_len(e->att[i]);
    }
    /* only binary packets are reconstructed: in others a placeholder is
     * plain JSON */
    if (is_binary(q.type))
        CHECK(siop_packet_reconstruct(q.data, att, att_len, e->natt, &err) == 0);
    CHECK(p->data ? json_equal(q.data, p->data) : q.data == NULL);
    json_decref(q.data);
}

static void encode_and_check(const sio_packet *p)
{
    char nsp[4096 + 1];
    sio_encoded e;

    CHECK(p->nsp_len < sizeof nsp);
    memcpy(nsp, p->nsp, p->nsp_len);
    nsp[p->nsp_len] = '\0';
    CHECK(siop_packet_encode(base_type(p->type), nsp, p->id, p->data, &e) == 0);
    check_round_trip(&e, p);
    siop_encoded_fini(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* fake attachments of several lengths, cut from the input itself */
    static const size_t lens[MAX_ATT] = {0, 1, 3, 17};
    const uint8_t *att[MAX_ATT];
    size_t att_len[MAX_ATT];
    const char *buf = (const char *)data;
    sio_packet p;
    sio_error err;

    if (size > 4096)
        return 0;
    if (siop_packet_parse(buf, size, MAX_ATT, &p, &err) != 0) {
        CHECK(p.data == NULL && err.text[0] && err.offset <= size);
        return 0;
    }
    check_parsed(&p, buf, size);
    for (size_t i = 0; i < MAX_ATT; i++) {
        att[i] = data;
        att_len[i] = lens[i] < size ? lens[i] : size;
    }
    if (is_binary(p.type))
        CHECK(siop_packet_reconstruct(p.data, att, att_len, p.attachments,
                                     &err) == 0);
    encode_and_check(&p);
    json_decref(p.data);
    return 0;
}
