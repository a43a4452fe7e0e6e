/* sio_typed_enc.c - typed emits and acks straight from the generated
 * structs into the outgoing message (its LWS_PRE headroom included), with
 * no json_t in between: the bytes jansson's dump would write (compact,
 * insertion order, "%.17g" reals with ".0" or an exponent, \u00XX in
 * upper case for control characters), so both paths put the same packet
 * on the wire.
 *
 * A value with a binary attachment (bytes, or a json value holding one)
 * and every value the walker refuses answer SIOP_TEXT_SLOW: the caller
 * encodes through the tree path, which numbers the attachments and words
 * the error as it always did. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eio_packet.h"
#include "sio_internal.h"

#define SLOW SIOP_TEXT_SLOW

typedef struct wr {
    eio_msg **m;
    int depth;  /* records, as the walker counts them */
    int jdepth; /* JSON containers, the top array being 1 */
} wr;

static int put(wr *w, const void *p, size_t n)
{
    return eio_msg_append(w->m, p, n) ? SIO_ENOMEM : 0;
}

#define PUT_LIT(w, s) put(w, s, sizeof s - 1)

/* A C string as a JSON string: valid UTF-8 or SLOW. Runs of bytes that
 * need no escape go in one append. */
static int put_string(wr *w, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s, *run, *end;

    if (!s)
        return SLOW;
    end = p + strlen(s);
    if (!eiop_utf8_valid(p, (size_t)(end - p)))
        return SLOW;
    if (PUT_LIT(w, "\""))
        return SIO_ENOMEM;
    for (run = p; p < end; p++) {
        unsigned char c = *p;
        char esc[6] = {'\\', 0, '0', '0', 0, 0};
        size_t k = 2;

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (put(w, run, (size_t)(p - run)))
            return SIO_ENOMEM;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u', esc[4] = hex[c >> 4], esc[5] = hex[c & 15], k = 6;
        }
        if (put(w, esc, k))
            return SIO_ENOMEM;
        run = p + 1;
    }
    if (put(w, run, (size_t)(p - run)))
        return SIO_ENOMEM;
    return PUT_LIT(w, "\"");
}

/* As jansson: "%.17g", ".0" if neither '.' nor 'e', no '+' nor leading
 * zeros in the exponent. Not finite: SLOW (the walker refuses it). */
static int put_real(wr *w, double x)
{
    char buf[40], *e;
    int n;

    if (!isfinite(x))
        return SLOW;
    n = snprintf(buf, sizeof buf - 3, "%.17g", x);
    /* Past the digits, sign, point and exponent: a locale's decimal
     * point (jansson converts it; the tree path does it right). */
    if (n < 0 || (size_t)n >= sizeof buf - 3 ||
        strspn(buf, "0123456789-+.e") != (size_t)n)
        return SLOW;
    if (!strchr(buf, '.') && !(e = strchr(buf, 'e'))) {
        memcpy(buf + n, ".0", 3);
        n += 2;
    }
    if ((e = strchr(buf, 'e'))) {
        char *from = e + 1, *to = e + 1;
        if (*from == '-')
            from++, to++;
        else if (*from == '+')
            from++;
        while (*from == '0' && from[1])
            from++;
        memmove(to, from, strlen(from) + 1);
        n = (int)strlen(buf);
    }
    return put(w, buf, (size_t)n);
}

static int put_int(wr *w, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%" PRId64, v);
    return put(w, buf, (size_t)n);
}

static int dump_cb(const char *buf, size_t size, void *ud)
{
    return eio_msg_append(ud, buf, size) ? -1 : 0;
}

/* A json value: jansson dumps a scalar; a container (which may hold
 * bytes, or nest too deep for the packet) goes to the tree path. */
static int put_json(wr *w, const json_t *v)
{
    if (!v)
        return PUT_LIT(w, "null");
    if (json_is_array(v) || json_is_object(v) ||
        (json_is_string(v) &&
         !eiop_utf8_valid((const uint8_t *)json_string_value(v),
                          json_string_length(v))))
        return SLOW;
    return json_dump_callback(v, dump_cb, w->m, JSON_COMPACT | JSON_ENCODE_ANY)
               ? SIO_ENOMEM
               : 0;
}

static int put_value(wr *w, const sio_field *f, int d, const void *slot);
static int put_record(wr *w, const sio_record_desc *r, const void *in);

static int put_array(wr *w, const sio_field *f, int d, const void *items,
                     size_t len)
{
    size_t es = siop_typed_elem_size(f, d - 1);
    int rc;

    if ((!items && len) || !es || ++w->jdepth > SIO_PACKET_MAX_DEPTH ||
        (f->limits && d == f->depth && siop_typed_check_len(f, len, NULL, 0)))
        return SLOW;
    if (PUT_LIT(w, "["))
        return SIO_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        if (i && PUT_LIT(w, ","))
            return SIO_ENOMEM;
        rc = put_value(w, f, d - 1, (const unsigned char *)items + i * es);
        if (rc)
            return rc;
    }
    w->jdepth--;
    return PUT_LIT(w, "]");
}

/* Keys searched for repeats one by one: a bigger map, or one with a
 * repeat, NULL or non-UTF-8 key, goes to the tree path. */
#define MAP_KEYS_MAX 64

static int put_map(wr *w, const sio_field *f, const sio_map *m)
{
    const sio_field *vf = f->value;
    size_t es = siop_typed_elem_size(vf, vf->depth);
    int rc;

    if (((!m->keys || !m->values) && m->len) || m->len > MAP_KEYS_MAX ||
        ++w->jdepth > SIO_PACKET_MAX_DEPTH)
        return SLOW;
    if (PUT_LIT(w, "{"))
        return SIO_ENOMEM;
    for (size_t i = 0; i < m->len; i++) {
        const char *k = m->keys[i];

        if (!k)
            return SLOW;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(m->keys[j], k))
                return SLOW;
        if (i && PUT_LIT(w, ","))
            return SIO_ENOMEM;
        if ((rc = put_string(w, k)))
            return rc;
        if (PUT_LIT(w, ":"))
            return SIO_ENOMEM;
        rc = put_value(w, vf, vf->depth,
                       (const unsigned char *)m->values + i * es);
        if (rc)
            return rc;
    }
    w->jdepth--;
    return PUT_LIT(w, "}");
}

/* Out of the field's limits (the walker says which): true. */
static bool out_of_limits(const sio_field *f, const void *slot)
{
    return siop_typed_check_value(f, slot, NULL, 0) != 0;
}

static int put_value(wr *w, const sio_field *f, int d, const void *slot)
{
    if (d > 0) {
        const sio_array *a = slot;
        return put_array(w, f, d, a->items, a->len);
    }
    if (out_of_limits(f, slot))
        return SLOW;
    switch (f->kind) {
    case SIO_K_BOOL:
        return *(const bool *)slot ? PUT_LIT(w, "true") : PUT_LIT(w, "false");
    case SIO_K_INT:
        return put_int(w, *(const int64_t *)slot);
    case SIO_K_FLOAT:
        return put_real(w, *(const double *)slot);
    case SIO_K_STRING:
        return put_string(w, *(const char *const *)slot);
    case SIO_K_JSON:
        return put_json(w, *(json_t *const *)slot);
    case SIO_K_ENUM: {
        int i = *(const int *)slot;
        if (i < 0 || (size_t)i >= f->enumd->nvalues)
            return SLOW;
        return put_string(w, f->enumd->values[i]);
    }
    case SIO_K_RECORD:
        return put_record(w, f->record, slot);
    case SIO_K_MAP:
        return put_map(w, f, slot);
    default: /* bytes: attachments, the tree path's */
        return SLOW;
    }
}

/* A field as the walker's encode_field: *absent for an absent optional
 * (null in a list, left out of an object). */
static int put_field(wr *w, const sio_field *f, const void *base, bool *absent)
{
    const unsigned char *src = (const unsigned char *)base + f->offset;
    bool present = true;

    *absent = false;
    if (f->depth > 0) {
        const void *items = *(const void *const *)src;
        if (!items && (f->flags & SIO_F_OPTIONAL))
            present = false;
        else
            return put_array(
                w, f, f->depth, items,
                *(const size_t *)((const unsigned char *)base + f->aux_offset));
    } else if (f->flags & SIO_F_OPTIONAL) {
        present = siop_typed_present(f, base);
        if (present && (f->kind == SIO_K_RECORD || f->kind == SIO_K_MAP))
            return put_value(w, f, 0, *(const void *const *)src);
    }
    if (!present) {
        *absent = true;
        return 0;
    }
    return put_value(w, f, 0, src);
}

static int put_fields(wr *w, const sio_record_desc *r, const void *in,
                      bool first);

/* A union as the walker writes it: the tag, then the variant's fields. */
static int put_union(wr *w, const sio_record_desc *r, const void *in)
{
    int i = *(const int *)((const unsigned char *)in + r->tag_offset);
    const sio_field *f;
    int rc;

    if (i < 0 || (size_t)i >= r->nfields || put_string(w, r->tag) ||
        PUT_LIT(w, ":"))
        return SLOW;
    f = &r->fields[i];
    if (put_string(w, f->name) || ++w->depth > SIO_TYPED_MAX_DEPTH)
        return SLOW;
    if ((rc = put_fields(w, f->record, (const unsigned char *)in + f->offset,
                         false)))
        return rc;
    w->depth--;
    return 0;
}

static int put_record(wr *w, const sio_record_desc *r, const void *in)
{
    int rc;

    if (++w->depth > SIO_TYPED_MAX_DEPTH ||
        ++w->jdepth > SIO_PACKET_MAX_DEPTH || PUT_LIT(w, "{"))
        return SLOW;
    rc = r->tag ? put_union(w, r, in) : put_fields(w, r, in, true);
    if (rc)
        return rc;
    w->depth--;
    w->jdepth--;
    return PUT_LIT(w, "}");
}

/* The fields of r after "{" (first: none written yet). */
static int put_fields(wr *w, const sio_record_desc *r, const void *in,
                      bool first)
{
    for (size_t i = 0; i < r->nfields; i++) {
        const sio_field *f = &r->fields[i];
        size_t mark = eio_msg_len(*w->m);
        bool absent;
        int rc;

        if ((!first && PUT_LIT(w, ",")) || put_string(w, f->name) ||
            PUT_LIT(w, ":"))
            return SLOW;
        if ((rc = put_field(w, f, in, &absent)))
            return rc;
        if (absent) /* take the key back */
            eiop_msg_truncate(*w->m, mark);
        else
            first = false;
    }
    return 0;
}

static int put_params(wr *w, const sio_params *p, const void *in, bool first)
{
    for (size_t i = 0; i < p->nfields; i++) {
        bool absent;
        int rc;

        if ((!first && PUT_LIT(w, ",")))
            return SIO_ENOMEM;
        first = false;
        if ((rc = put_field(w, &p->fields[i], in, &absent)))
            return rc;
        if (absent && PUT_LIT(w, "null"))
            return SIO_ENOMEM;
    }
    if (p->variadic) {
        const json_t *rest =
            *(json_t *const *)((const unsigned char *)in + p->rest_offset);
        for (size_t i = 0; json_is_array(rest) && i < json_array_size(rest);
             i++) {
            int rc;
            if ((!first && PUT_LIT(w, ",")))
                return SIO_ENOMEM;
            first = false;
            if ((rc = put_json(w, json_array_get(rest, i))))
                return rc;
        }
    }
    return PUT_LIT(w, "]");
}

int siop_typed_encode(int type, const char *nsp, int64_t id, const char *event,
                      const sio_params *p, const void *in, eio_msg_pool *pool,
                      sio_encoded *out)
{
    wr w = {&out->head, 0, 1};
    int rc;

    *out = (sio_encoded){NULL, NULL, 0};
    if ((!in && p->nfields) || (event && siop_event_reserved(event)))
        return SLOW;
    out->head = pool ? eiop_msg_pool_get(pool, false) : eio_msg_new(128, false);
    if (!out->head)
        return SIO_ENOMEM;
    rc = siop_packet_write_head(&out->head, (sio_packet_type)type, nsp, id);
    if (!rc)
        rc = PUT_LIT(&w, "[");
    if (!rc && event)
        rc = put_string(&w, event);
    if (!rc)
        rc = put_params(&w, p, in, !event);
    if (rc)
        siop_encoded_fini(out);
    return rc;
}
