/*
 * lg_ws.c - the client side of RFC 6455 that the load generator needs:
 * the key/accept pair (SHA-1 and base64 from libcrypto), masked frames
 * out, unmasked frames in.
 */
#include "lg.h"

#include <openssl/evp.h>
#include <string.h>

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

void lg_ws_key(const uint8_t rnd[16], char key[LG_WS_KEY_LEN + 1])
{
    EVP_EncodeBlock((unsigned char *)key, rnd, 16);
}

int lg_ws_accept(const char *key, char out[LG_WS_ACCEPT_LEN + 1])
{
    char in[LG_WS_KEY_LEN + sizeof ws_guid];
    size_t klen = strlen(key);
    if (klen != LG_WS_KEY_LEN)
        return -1;
    memcpy(in, key, klen);
    memcpy(in + klen, ws_guid, sizeof ws_guid - 1);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(in, klen + sizeof ws_guid - 1, md, &mdlen, EVP_sha1(),
                    NULL) ||
        mdlen != 20)
        return -1;
    EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
    return 0;
}

size_t lg_ws_frame(uint8_t *dst, int opcode, const void *payload, size_t len,
                   uint32_t mask)
{
    size_t h = 0;
    dst[h++] = (uint8_t)(0x80 | (opcode & 0x0f));
    if (len < 126) {
        dst[h++] = (uint8_t)(0x80 | len);
    } else if (len <= 0xffff) {
        dst[h++] = 0x80 | 126;
        dst[h++] = (uint8_t)(len >> 8);
        dst[h++] = (uint8_t)len;
    } else {
        dst[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            dst[h++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    uint8_t m[4] = {(uint8_t)(mask >> 24), (uint8_t)(mask >> 16),
                    (uint8_t)(mask >> 8), (uint8_t)mask};
    memcpy(dst + h, m, 4);
    h += 4;
    const uint8_t *s = payload;
    for (size_t i = 0; i < len; i++)
        dst[h + i] = s[i] ^ m[i & 3];
    return h + len;
}

long lg_ws_parse(const uint8_t *buf, size_t len, size_t max_payload,
                 lg_frame *f, const char **why)
{
    if (len < 2)
        return 0;
    if (buf[0] & 0x70) {
        *why = "RSV bits set (no extension was negotiated)";
        return -1;
    }
    if (buf[1] & 0x80) {
        *why = "masked frame from the server";
        return -1;
    }
    size_t h = 2;
    uint64_t plen = buf[1] & 0x7f;
    if (plen == 126) {
        if (len < 4)
            return 0;
        plen = (uint64_t)buf[2] << 8 | buf[3];
        h = 4;
    } else if (plen == 127) {
        if (len < 10)
            return 0;
        plen = 0;
        for (int i = 0; i < 8; i++)
            plen = plen << 8 | buf[2 + i];
        h = 10;
    }
    if (plen > max_payload) {
        *why = "frame larger than the limit";
        return -1;
    }
    if (len - h < plen)
        return 0;
    f->fin = buf[0] >> 7;
    f->opcode = buf[0] & 0x0f;
    f->payload = buf + h;
    f->len = (size_t)plen;
    if (f->opcode >= 8 && (!f->fin || plen > 125)) {
        *why = "fragmented or long control frame";
        return -1;
    }
    return (long)(h + plen);
}
