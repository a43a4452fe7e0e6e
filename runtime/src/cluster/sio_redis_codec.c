/* sio_redis_codec.c - the messages of the Redis channels: msgpack (as
 * notepack.io writes it: maps, arrays, strings, numbers, bin for
 * Buffers) or JSON (requests), to jansson values and back. Pure: no I/O. */
#include "redis_internal.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "sio_packet.h"

static json_t *from_mp(const msgpack_object *o, int depth);

static json_t *from_mp_array(const msgpack_object_array *a, int depth)
{
    json_t *v = json_array();

    for (uint32_t i = 0; v && i < a->size; i++)
        if (json_array_append_new(v, from_mp(&a->ptr[i], depth + 1)) != 0) {
            json_decref(v);
            return NULL;
        }
    return v;
}

static json_t *from_mp_map(const msgpack_object_map *m, int depth)
{
    json_t *v = json_object();
    char key[256];

    for (uint32_t i = 0; v && i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key;
        if (k->type != MSGPACK_OBJECT_STR || k->via.str.size >= sizeof key ||
            (k->via.str.size && memchr(k->via.str.ptr, 0, k->via.str.size)))
            goto bad;
        if (k->via.str.size) /* msgpack-c leaves ptr NULL for "" */
            memcpy(key, k->via.str.ptr, k->via.str.size);
        key[k->via.str.size] = 0;
        if (json_object_set_new(v, key, from_mp(&m->ptr[i].val, depth + 1)))
            goto bad;
    }
    return v;
bad:
    json_decref(v);
    return NULL;
}

static json_t *from_mp(const msgpack_object *o, int depth)
{
    if (depth > SIO_PACKET_MAX_DEPTH)
        return NULL;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        return json_null();
    case MSGPACK_OBJECT_BOOLEAN:
        return json_boolean(o->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return json_real((double)o->via.u64);
        return json_integer((json_int_t)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return json_integer((json_int_t)o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return json_real(o->via.f64); /* NaN and infinities: NULL */
    case MSGPACK_OBJECT_STR:
        /* msgpack-c leaves ptr NULL for empty strings and bins */
        return json_stringn(o->via.str.size ? o->via.str.ptr : "",
                            o->via.str.size);
    case MSGPACK_OBJECT_BIN:
        return sio_bytes_new(o->via.bin.size ? o->via.bin.ptr : "",
                             o->via.bin.size);
    case MSGPACK_OBJECT_ARRAY:
        return from_mp_array(&o->via.array, depth);
    case MSGPACK_OBJECT_MAP:
        return from_mp_map(&o->via.map, depth);
    default:
        return NULL; /* ext types: notepack's Date and undefined */
    }
}

/* Big-endian unsigned of n bytes at p. */
static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | *p++;
    return v;
}

/* Walks one msgpack value at *off without allocating: msgpack-c sizes a
 * container by its declared count before reading it, so a few bytes
 * declaring 2^32 entries would ask for gigabytes. Each entry takes a
 * byte at least: counts past what remains are refused here. */
static int mp_skip(const uint8_t *p, size_t len, size_t *off, int depth)
{
    static const uint8_t fixed[32] = {
        /* c0..df: bytes after the tag; 0xff: variable or invalid */
        0, 0xff, 0,  0,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 4,
        8, 1,    2,  4,    8,    1,    2,    4,    8,    2,    3,
        5, 9,    17, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t t;
    uint64_t n = 0, items = 0, w;

    if (*off >= len || depth > SIO_PACKET_MAX_DEPTH + 1)
        return -1;
    t = p[(*off)++];
    if (t <= 0x7f || t >= 0xe0)
        return 0;
    if (t <= 0x8f || (t >= 0x90 && t <= 0x9f)) {
        items = (uint64_t)(t & 0x0f) * (t <= 0x8f ? 2 : 1);
    } else if (t <= 0xbf) {
        n = t & 0x1f;
    } else if (fixed[t - 0xc0] != 0xff) {
        n = fixed[t - 0xc0];
    } else if (t == 0xc1) {
        return -1;
    } else {
        /* bin, ext, str: a length; array, map: a count. */
        w = t == 0xc4 || t == 0xc7 || t == 0xd9   ? 1
            : t == 0xc5 || t == 0xc8 || t == 0xda ? 2
            : t == 0xdc || t == 0xde              ? 2
                                                  : 4;
        if (len - *off < w)
            return -1;
        n = be(p + *off, (size_t)w);
        *off += (size_t)w;
        if (t >= 0xdc) {
            items = t >= 0xde ? 2 * n : n;
            n = 0;
        } else if (t >= 0xc7 && t <= 0xc9) {
            n++; /* the ext type byte */
        }
    }
    if (n > len - *off || items > len - *off)
        return -1;
    *off += (size_t)n;
    while (items--)
        if (mp_skip(p, len, off, depth + 1) != 0)
            return -1;
    return 0;
}

static json_t *decode_mp(const void *buf, size_t len)
{
    msgpack_unpacked u;
    size_t off = 0;
    json_t *v = NULL;

    if (mp_skip(buf, len, &off, 1) != 0 || off != len)
        return NULL;
    off = 0;
    msgpack_unpacked_init(&u);
    if (msgpack_unpack_next(&u, buf, len, &off) == MSGPACK_UNPACK_SUCCESS &&
        off == len)
        v = from_mp(&u.data, 1);
    msgpack_unpacked_destroy(&u);
    return v;
}

json_t *siop_redis_decode(const void *buf, size_t len)
{
    json_error_t err;

    if (len == 0)
        return NULL;
    if (*(const char *)buf == '{')
        return json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    return decode_mp(buf, len);
}

static int to_mp(msgpack_packer *pk, const json_t *v, int depth);

static int to_mp_object(msgpack_packer *pk, const json_t *v, int depth)
{
    const char *k;
    json_t *x;

    if (msgpack_pack_map(pk, json_object_size(v)))
        return -1;
    json_object_foreach((json_t *)v, k, x)
    {
        size_t n = strlen(k);
        if (msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, k, n) ||
            to_mp(pk, x, depth + 1))
            return -1;
    }
    return 0;
}

static int to_mp(msgpack_packer *pk, const json_t *v, int depth)
{
    const uint8_t *b;
    size_t n;

    if (depth > SIO_PACKET_MAX_DEPTH)
        return -1;
    if ((b = sio_bytes_data(v, &n)))
        return msgpack_pack_bin(pk, n) || msgpack_pack_bin_body(pk, b, n);
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return to_mp_object(pk, v, depth);
    case JSON_ARRAY:
        if (msgpack_pack_array(pk, json_array_size(v)))
            return -1;
        for (size_t i = 0; i < json_array_size(v); i++)
            if (to_mp(pk, json_array_get(v, i), depth + 1))
                return -1;
        return 0;
    case JSON_STRING:
        n = json_string_length(v);
        return msgpack_pack_str(pk, n) ||
               msgpack_pack_str_body(pk, json_string_value(v), n);
    case JSON_INTEGER:
        return msgpack_pack_int64(pk, json_integer_value(v));
    case JSON_REAL:
        return msgpack_pack_double(pk, json_real_value(v));
    case JSON_TRUE:
        return msgpack_pack_true(pk);
    case JSON_FALSE:
        return msgpack_pack_false(pk);
    default:
        return msgpack_pack_nil(pk);
    }
}

int siop_redis_pack(const json_t *v, char **out, size_t *len)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    if (to_mp(&pk, v, 1) != 0) {
        msgpack_sbuffer_destroy(&sb);
        return -1;
    }
    *out = sb.data;
    *len = sb.size;
    return 0;
}
