/* sio_packet.c - Socket.IO v5 packet codec.
 *
 * Wire form: <type>[<attachments>-][<nsp>,][<ack id>][<JSON>], decoded
 * as socket.io-parser's decodeString does, but stricter: every packet
 * that parses here also survives a re-encode and re-parse unchanged
 * (tests/fuzz/fuzz_sio.c asserts it). Bytes values are JSON objects
 * {"_sio_bytes": <string of raw bytes>}; on the wire they are binary
 * attachments referenced by {"_placeholder":true,"num":N}.
 *
 * Over 600 lines on purpose: parse, encode and reconstruct share the
 * bounded tree walks and the placeholder rules, and keeping them side by
 * side is what keeps the round trip exact. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eio_packet.h"
#include "log.h" /* LOG_PRINTF only: codecs return errors */
#include "sio.h"
#include "sio_packet.h"

static const char BYTES_KEY[] = "_sio_bytes";

/* Event names socket.io-parser refuses (its RESERVED_EVENTS): a JS peer
 * drops a packet carrying one. */
static const char *const reserved_events[] = {
    "connect",       "connect_error", "disconnect",
    "disconnecting", "newListener",   "removeListener",
};

static int perr(sio_error *err, size_t offset, const char *fmt, ...)
    LOG_PRINTF(3, 4);

static int perr(sio_error *err, size_t offset, const char *fmt, ...)
{
    va_list ap;

    if (err) {
        err->code = SIO_EPROTO;
        err->offset = offset;
        err->path[0] = '\0';
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof err->text, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- bytes values and reasons ----------------------------------------- */

json_t *sio_bytes_new(const void *data, size_t len)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    /* set_new steals the string, NULL included, and fails on NULL. */
    if (json_object_set_new_nocheck(
            o, BYTES_KEY, json_stringn_nocheck(len ? data : "", len)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

bool sio_is_bytes(const json_t *v)
{
    return json_is_object(v) && json_object_size(v) == 1 &&
           json_is_string(json_object_get(v, BYTES_KEY));
}

const uint8_t *sio_bytes_data(const json_t *v, size_t *len)
{
    const json_t *s;

    if (!sio_is_bytes(v))
        return NULL;
    s = json_object_get(v, BYTES_KEY);
    if (len)
        *len = json_string_length(s);
    return (const uint8_t *)json_string_value(s);
}

/* The reasons as socket.io names them, the one table of these strings. */
static const char *const reason_names[] = {
    [SIO_REASON_CLIENT_NAMESPACE_DISCONNECT] = "client namespace disconnect",
    [SIO_REASON_SERVER_NAMESPACE_DISCONNECT] = "server namespace disconnect",
    [SIO_REASON_TRANSPORT_CLOSE] = "transport close",
    [SIO_REASON_TRANSPORT_ERROR] = "transport error",
    [SIO_REASON_PING_TIMEOUT] = "ping timeout",
    [SIO_REASON_PARSE_ERROR] = "parse error",
    [SIO_REASON_SERVER_SHUTTING_DOWN] = "server shutting down",
    [SIO_REASON_FORCED_CLOSE] = "forced close",
};

const char *sio_reason_str(sio_reason r)
{
    if (r <= 0 || (size_t)r >= sizeof reason_names / sizeof *reason_names)
        return "unknown";
    return reason_names[r];
}

sio_reason siop_reason_of_close(eio_close_reason why)
{
    switch (why) {
    case EIO_CLOSE_TRANSPORT_CLOSE:
        return SIO_REASON_TRANSPORT_CLOSE;
    case EIO_CLOSE_PING_TIMEOUT:
        return SIO_REASON_PING_TIMEOUT;
    case EIO_CLOSE_PARSE_ERROR:
        return SIO_REASON_PARSE_ERROR;
    case EIO_CLOSE_SERVER:
        return SIO_REASON_FORCED_CLOSE;
    case EIO_CLOSE_SHUTDOWN:
        return SIO_REASON_SERVER_SHUTTING_DOWN;
    case EIO_CLOSE_TRANSPORT_ERROR:
    case EIO_CLOSE_TOO_LARGE:
    case EIO_CLOSE_SLOW_CONSUMER:
        break;
    }
    return SIO_REASON_TRANSPORT_ERROR;
}

/* ---- tree helpers ----------------------------------------------------- */

static bool is_container(const json_t *v)
{
    return json_is_array(v) || json_is_object(v);
}

bool siop_event_reserved(const char *name)
{
    for (size_t i = 0; i < sizeof reserved_events / sizeof *reserved_events;
         i++)
        if (strcmp(name, reserved_events[i]) == 0)
            return true;
    return false;
}

/* Why data is not a valid EVENT payload, or NULL. A NUL inside the
 * name would let "a\u0000b" dispatch as "a". */
static const char *event_problem(const json_t *data)
{
    const json_t *name = json_array_get(data, 0);

    if (!json_is_array(data) || !json_is_string(name))
        return "EVENT payload must be a non-empty array starting with a "
               "string";
    if (strlen(json_string_value(name)) != json_string_length(name))
        return "invalid event name";
    if (siop_event_reserved(json_string_value(name)))
        return "reserved event name";
    return NULL;
}

/* Anything with "_placeholder": true is meant as a placeholder, so it
 * must be well-formed (socket.io-parser's test, made strict). */
static bool is_placeholder(const json_t *v)
{
    return json_is_object(v) &&
           json_is_true(json_object_get(v, "_placeholder"));
}

/* The num of placeholder v, checked against natt. */
static int placeholder_num(const json_t *v, size_t natt, size_t off,
                           size_t *num, sio_error *err)
{
    const json_t *n = json_object_get(v, "num");
    json_int_t k;

    if (json_object_size(v) != 2 || !json_is_integer(n))
        return perr(err, off, "malformed placeholder");
    k = json_integer_value(n);
    if (k < 0 || (uint64_t)k >= natt)
        return perr(err, off, "placeholder num out of range");
    *num = (size_t)k;
    return 0;
}

/* ---- parse ------------------------------------------------------------ */

/* Parses a run of digits at *i. Returns 1 with *out set, 0 if there is
 * no digit, -1 if the value exceeds max. */
static int parse_digits(const char *buf, size_t len, size_t *i, uint64_t max,
                        uint64_t *out)
{
    size_t j = *i;
    uint64_t v = 0;

    while (j < len && buf[j] >= '0' && buf[j] <= '9') {
        v = v * 10 + (uint64_t)(buf[j] - '0');
        if (v > max)
            return -1;
        j++;
    }
    if (j == *i)
        return 0;
    *i = j;
    *out = v;
    return 1;
}

static bool type_binary(sio_packet_type t)
{
    return t == SIO_PKT_BINARY_EVENT || t == SIO_PKT_BINARY_ACK;
}

/* "N-" of a binary packet, at *i. */
static int parse_attachments(const char *buf, size_t len, size_t *i, size_t max,
                             sio_packet *out, sio_error *err)
{
    uint64_t n = 0;
    int rc = parse_digits(buf, len, i, UINT32_MAX, &n);

    if (rc < 0 || (rc > 0 && n > max))
        return perr(err, 1, "too many attachments");
    if (rc == 0 || *i == len || buf[*i] != '-' || n == 0)
        return perr(err, 1, "invalid attachment count");
    (*i)++;
    out->attachments = (size_t)n;
    return 0;
}

/* A non-binary packet must not carry "N-": digits then '-' after the
 * type could only be that. */
static bool has_stray_count(const char *buf, size_t len)
{
    size_t j = 1;

    while (j < len && buf[j] >= '0' && buf[j] <= '9')
        j++;
    return j > 1 && j < len && buf[j] == '-';
}

/* Namespace at *i: from '/' to ',' (consumed) or the end. */
static int parse_nsp(const char *buf, size_t len, size_t *i, sio_packet *out,
                     sio_error *err)
{
    const char *comma;
    size_t n;

    if (*i >= len || buf[*i] != '/')
        return 0;
    comma = memchr(buf + *i, ',', len - *i);
    n = comma ? (size_t)(comma - (buf + *i)) : len - *i;
    if (memchr(buf + *i, '\0', n))
        return perr(err, *i, "invalid namespace");
    out->nsp = buf + *i;
    out->nsp_len = n;
    *i = comma ? *i + n + 1 : len;
    return 0;
}

static int parse_id(const char *buf, size_t len, size_t *i, sio_packet *out,
                    sio_error *err)
{
    size_t start = *i;
    uint64_t id = 0;
    int rc = parse_digits(buf, len, i, SIO_ACK_ID_MAX, &id);
    sio_packet_type t = out->type;
    bool ack = t == SIO_PKT_ACK || t == SIO_PKT_BINARY_ACK;

    if (rc < 0)
        return perr(err, start, "invalid ack id");
    if (rc > 0 && !ack && t != SIO_PKT_EVENT && t != SIO_PKT_BINARY_EVENT)
        return perr(err, start, "unexpected ack id");
    if (rc == 0 && ack)
        return perr(err, start, "ACK without ack id");
    out->id = rc > 0 ? (int64_t)id : -1;
    return 0;
}

/* Well-formed but past SIO_PACKET_MAX_DEPTH: SIO_ELIMIT, so that the
 * server answers an acked event with an error instead of closing. */
static int too_deep(sio_error *err, size_t off)
{
    perr(err, off, "JSON nested too deeply");
    if (err)
        err->code = SIO_ELIMIT;
    return -1;
}

static json_t *load(const char *s, size_t n, json_error_t *jerr)
{
    size_t flags = JSON_DECODE_ANY | JSON_ALLOW_NUL;
    json_t *v = json_loadb(s, n, flags, jerr);

    /* Integers past int64 arrive from JS clients: keep them as reals. */
    if (!v && json_error_code(jerr) == json_error_numeric_overflow)
        v = json_loadb(s, n, flags | JSON_DECODE_INT_AS_REAL, jerr);
    return v;
}

static int parse_json(const char *buf, size_t len, size_t i, json_t **out,
                      sio_error *err)
{
    json_error_t jerr, again;
    char *fixed;
    size_t flen;
    int rc;

    if ((*out = load(buf + i, len - i, &jerr)))
        return 0;
    /* What JavaScript sends that jansson refuses: rewritten, then again
     * (only on failure: the common path pays nothing). */
    rc = siop_json_lenient(buf + i, len - i, &fixed, &flen);
    if (rc < 0)
        return perr(err, i, "out of memory");
    if (rc > 0) {
        *out = load(fixed, flen, &again);
        free(fixed);
        if (*out)
            return 0;
    }
    if (json_error_code(&jerr) == json_error_stack_overflow)
        return too_deep(err, i);
    return perr(err, i + (size_t)jerr.position, "invalid JSON: %s", jerr.text);
}

static int check_shape(const sio_packet *p, size_t off, sio_error *err)
{
    const json_t *d = p->data;
    const char *msg;

    switch (p->type) {
    case SIO_PKT_CONNECT:
        /* Object or nothing, as encode; the code tells the server to
         * refuse with CONNECT_ERROR rather than close. */
        if (d && !json_is_object(d)) {
            perr(err, off, "expected an object");
            if (err)
                err->code = SIO_EPAYLOAD;
            return -1;
        }
        return 0;
    case SIO_PKT_DISCONNECT:
        if (d)
            return perr(err, off, "DISCONNECT takes no payload");
        return 0;
    case SIO_PKT_EVENT:
    case SIO_PKT_BINARY_EVENT:
        msg = event_problem(d);
        return msg ? perr(err, off, "%s", msg) : 0;
    case SIO_PKT_ACK:
    case SIO_PKT_BINARY_ACK:
        if (!json_is_array(d))
            return perr(err, off, "ACK payload must be an array");
        return 0;
    default:
        return perr(err, 0, "unexpected CONNECT_ERROR packet");
    }
}

/* What the parser enforces inside the JSON tree: a depth limit, no
 * forged bytes values (those only come from attachments), and in binary
 * packets well-formed placeholders below natt. */
typedef struct tree_rules {
    bool placeholders;
    size_t natt;
    size_t off;
} tree_rules;

static int check_tree(const json_t *v, size_t depth, const tree_rules *r,
                      sio_error *err)
{
    size_t i, num = 0;
    void *it;

    if (!is_container(v))
        return 0;
    if (depth > SIO_PACKET_MAX_DEPTH)
        return too_deep(err, r->off);
    if (sio_is_bytes(v))
        return perr(err, r->off, "reserved _sio_bytes object");
    if (r->placeholders && is_placeholder(v))
        return placeholder_num(v, r->natt, r->off, &num, err);
    if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++)
            if (check_tree(json_array_get(v, i), depth + 1, r, err))
                return -1;
        return 0;
    }
    /* jansson has no const iterator; nothing is modified. */
    for (it = json_object_iter((json_t *)v); it;
         it = json_object_iter_next((json_t *)v, it))
        if (check_tree(json_object_iter_value(it), depth + 1, r, err))
            return -1;
    return 0;
}

/* Type digit and, for binary types, "N-"; *i ends after them. */
static int parse_type(const char *buf, size_t len, size_t max_attachments,
                      size_t *i, sio_packet *out, sio_error *err)
{
    if (len == 0)
        return perr(err, 0, "empty packet");
    if (buf[0] < '0' || buf[0] > '6')
        return perr(err, 0, "unknown packet type");
    out->type = (sio_packet_type)(buf[0] - '0');
    if (out->type == SIO_PKT_CONNECT_ERROR)
        return perr(err, 0, "unexpected CONNECT_ERROR packet");
    *i = 1;
    if (type_binary(out->type))
        return parse_attachments(buf, len, i, max_attachments, out, err);
    if (has_stray_count(buf, len))
        return perr(err, 1, "attachment count on a non-binary packet");
    return 0;
}

static int parse_body(const char *buf, size_t len, size_t i, sio_packet *out,
                      sio_error *err)
{
    tree_rules r = {type_binary(out->type), out->attachments, i};

    if (i < len && parse_json(buf, len, i, &out->data, err) != 0)
        return -1;
    if (check_shape(out, i, err) != 0)
        return -1;
    return out->data ? check_tree(out->data, 1, &r, err) : 0;
}

int siop_packet_parse_head(const char *buf, size_t len, size_t max_attachments,
                           sio_packet *out, size_t *body, sio_error *err)
{
    *body = 0;
    *out = (sio_packet){SIO_PKT_CONNECT, "/", 1, -1, 0, NULL};
    if (parse_type(buf, len, max_attachments, body, out, err) != 0 ||
        parse_nsp(buf, len, body, out, err) != 0 ||
        parse_id(buf, len, body, out, err) != 0)
        return -1;
    return 0;
}

int siop_packet_parse(const char *buf, size_t len, size_t max_attachments,
                      sio_packet *out, sio_error *err)
{
    size_t i = 0;

    if (siop_packet_parse_head(buf, len, max_attachments, out, &i, err) != 0 ||
        parse_body(buf, len, i, out, err) != 0) {
        json_decref(out->data);
        out->data = NULL;
        return -1;
    }
    return 0;
}

/* ---- reconstruct ------------------------------------------------------ */

typedef struct recon {
    const uint8_t *const *att;
    const size_t *att_len;
    size_t natt;
    json_t **vals; /* one bytes value per attachment, made on first use */
} recon;

static int recon_node(recon *r, json_t *v, size_t depth, json_t **repl,
                      sio_error *err);

/* The bytes value for attachment num; shared by every placeholder that
 * names it, so repeating a placeholder cannot multiply memory. */
static json_t *recon_value(recon *r, size_t num)
{
    if (!r->vals[num])
        r->vals[num] = sio_bytes_new(r->att[num], r->att_len[num]);
    return r->vals[num];
}

static int recon_children(recon *r, json_t *v, size_t depth, sio_error *err)
{
    json_t *repl;
    void *it;

    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (recon_node(r, json_array_get(v, i), depth, &repl, err))
                return -1;
            if (repl && json_array_set(v, i, repl) != 0)
                return perr(err, 0, "out of memory");
        }
        return 0;
    }
    for (it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
        if (recon_node(r, json_object_iter_value(it), depth, &repl, err))
            return -1;
        if (repl && json_object_iter_set(v, it, repl) != 0)
            return perr(err, 0, "out of memory");
    }
    return 0;
}

/* Visits v at depth; *repl is set (borrowed) if v is a placeholder. */
static int recon_node(recon *r, json_t *v, size_t depth, json_t **repl,
                      sio_error *err)
{
    size_t num = 0;

    *repl = NULL;
    if (!is_container(v))
        return 0;
    if (depth > SIO_PACKET_MAX_DEPTH)
        return perr(err, 0, "JSON nested too deeply");
    if (!is_placeholder(v))
        return recon_children(r, v, depth + 1, err);
    if (placeholder_num(v, r->natt, 0, &num, err) != 0)
        return -1;
    *repl = recon_value(r, num);
    return *repl ? 0 : perr(err, 0, "out of memory");
}

int siop_packet_reconstruct(json_t *data, const uint8_t *const *att,
                            const size_t *att_len, size_t natt, sio_error *err)
{
    recon r = {att, att_len, natt, NULL};
    json_t *repl;
    int rc;

    if (natt > 0 && !(r.vals = calloc(natt, sizeof *r.vals)))
        return perr(err, 0, "out of memory");
    rc = recon_node(&r, data, 1, &repl, err);
    if (rc == 0 && repl)
        rc = perr(err, 0, "placeholder at the top level");
    for (size_t i = 0; i < natt; i++)
        json_decref(r.vals[i]);
    free(r.vals);
    return rc;
}

/* ---- encode ----------------------------------------------------------- */

static bool has_bytes(const json_t *v, size_t depth)
{
    void *it;

    if (!is_container(v) || depth > SIO_PACKET_MAX_DEPTH)
        return false;
    if (sio_is_bytes(v))
        return true;
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            if (has_bytes(json_array_get(v, i), depth + 1))
                return true;
        return false;
    }
    for (it = json_object_iter((json_t *)v); it;
         it = json_object_iter_next((json_t *)v, it))
        if (has_bytes(json_object_iter_value(it), depth + 1))
            return true;
    return false;
}

bool siop_json_has_bytes(const json_t *data)
{
    return data && has_bytes(data, 1);
}

/* Checks what json_dump would fail on, so that a failed dump can only
 * mean out of memory: text that is not UTF-8 (strings made with a
 * _nocheck call) and nesting past the limit. Counts bytes values. */
static int enc_scan(const json_t *v, size_t depth, size_t *nbytes)
{
    void *it;

    if (json_is_string(v))
        return eiop_utf8_valid((const uint8_t *)json_string_value(v),
                               json_string_length(v))
                   ? 0
                   : -1;
    if (!is_container(v))
        return 0;
    if (depth > SIO_PACKET_MAX_DEPTH)
        return -1;
    if (sio_is_bytes(v)) {
        (*nbytes)++;
        return 0;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            if (enc_scan(json_array_get(v, i), depth + 1, nbytes))
                return -1;
        return 0;
    }
    for (it = json_object_iter((json_t *)v); it;
         it = json_object_iter_next((json_t *)v, it))
        if (!eiop_utf8_valid((const uint8_t *)json_object_iter_key(it),
                             json_object_iter_key_len(it)) ||
            enc_scan(json_object_iter_value(it), depth + 1, nbytes))
            return -1;
    return 0;
}

static int enc_check_shape(sio_packet_type type, int64_t id, const json_t *data)
{
    bool ack = type == SIO_PKT_ACK;

    if (id > SIO_ACK_ID_MAX || (ack && id < 0) ||
        (id >= 0 && !ack && type != SIO_PKT_EVENT))
        return -1;
    switch (type) {
    case SIO_PKT_CONNECT:
        return !data || json_is_object(data) ? 0 : -1;
    case SIO_PKT_DISCONNECT:
        return data ? -1 : 0;
    case SIO_PKT_EVENT:
        return event_problem(data) ? -1 : 0;
    case SIO_PKT_ACK:
        return json_is_array(data) ? 0 : -1;
    case SIO_PKT_CONNECT_ERROR:
        return json_is_object(data) || json_is_string(data) ? 0 : -1;
    default:
        return -1;
    }
}

/* The attachments met by the placeholder copy, in order (borrowed). */
typedef struct att_list {
    const json_t **v;
    size_t n, cap;
} att_list;

static json_t *placeholder_new(att_list *a, const json_t *bytes)
{
    json_t *ph;

    if (a->n == a->cap)
        return NULL; /* sized by enc_scan's count: cannot happen */
    a->v[a->n] = bytes;
    ph = json_pack("{sbsI}", "_placeholder", 1, "num", (json_int_t)a->n);
    if (ph)
        a->n++;
    return ph;
}

static json_t *copy_ph(const json_t *v, att_list *a);

static json_t *copy_array(const json_t *v, att_list *a)
{
    json_t *c = json_array();

    for (size_t i = 0; c && i < json_array_size(v); i++) {
        if (json_array_append_new(c, copy_ph(json_array_get(v, i), a))) {
            json_decref(c);
            c = NULL;
        }
    }
    return c;
}

static json_t *copy_object(const json_t *v, att_list *a)
{
    json_t *c = json_object();
    json_t *o = (json_t *)v; /* jansson has no const iterator */

    for (void *it = json_object_iter(o); c && it;
         it = json_object_iter_next(o, it)) {
        if (json_object_setn_new_nocheck(
                c, json_object_iter_key(it), json_object_iter_key_len(it),
                copy_ph(json_object_iter_value(it), a))) {
            json_decref(c);
            c = NULL;
        }
    }
    return c;
}

/* Deep copy of v with each bytes value replaced by a placeholder,
 * numbered depth-first as socket.io's deconstructPacket does. Scalars
 * are shared, not copied. enc_scan has bounded the depth. */
static json_t *copy_ph(const json_t *v, att_list *a)
{
    if (sio_is_bytes(v))
        return placeholder_new(a, json_object_get(v, BYTES_KEY));
    if (json_is_array(v))
        return copy_array(v, a);
    if (json_is_object(v))
        return copy_object(v, a);
    return json_incref((json_t *)v);
}

static int dump_cb(const char *buf, size_t size, void *ud)
{
    return eio_msg_append(ud, buf, size) ? -1 : 0;
}

/* Decimal digits of v at the end of buf[0..48); returns where they start.
 * (snprintf per packet showed up in profiles.) */
static char *digits(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

/* "4<type>[<n>-][<nsp>,][<id>]" */
static int write_prefix(eio_msg **m, sio_packet_type type, size_t natt,
                        const char *nsp, int64_t id)
{
    char buf[48], *end = buf + sizeof buf, *p = end;

    if (natt) {
        type =
            type == SIO_PKT_EVENT ? SIO_PKT_BINARY_EVENT : SIO_PKT_BINARY_ACK;
        *--p = '-';
        p = digits(natt, p);
    }
    *--p = (char)('0' + type);
    *--p = '4';
    if (eio_msg_append(m, p, (size_t)(end - p)) != 0)
        return -1;
    if (strcmp(nsp, "/") != 0 && (eio_msg_append(m, nsp, strlen(nsp)) != 0 ||
                                  eio_msg_append(m, ",", 1) != 0))
        return -1;
    if (id < 0)
        return 0;
    p = digits((uint64_t)id, end);
    return eio_msg_append(m, p, (size_t)(end - p));
}

int siop_packet_write_head(eio_msg **m, sio_packet_type type, const char *nsp,
                           int64_t id)
{
    bool ack = type == SIO_PKT_ACK;

    if (!nsp)
        nsp = "/";
    if (nsp[0] != '/' || strchr(nsp, ',') || id > SIO_ACK_ID_MAX ||
        (ack && id < 0) || (id >= 0 && !ack && type != SIO_PKT_EVENT) ||
        (type != SIO_PKT_EVENT && type != SIO_PKT_ACK))
        return EIO_EINVAL;
    return write_prefix(m, type, 0, nsp, id) ? EIO_ENOMEM : 0;
}

static int write_head(sio_encoded *out, sio_packet_type type, const char *nsp,
                      int64_t id, const json_t *data)
{
    out->head = eio_msg_new(64, false);
    if (!out->head || write_prefix(&out->head, type, out->natt, nsp, id))
        return EIO_ENOMEM;
    if (data && json_dump_callback(data, dump_cb, &out->head,
                                   JSON_COMPACT | JSON_ENCODE_ANY) != 0)
        return EIO_ENOMEM; /* enc_scan ruled out every other failure */
    return 0;
}

static int write_atts(sio_encoded *out, const att_list *a)
{
    out->att = calloc(a->n, sizeof *out->att);
    if (!out->att)
        return EIO_ENOMEM;
    out->natt = a->n;
    for (size_t i = 0; i < a->n; i++) {
        size_t n = json_string_length(a->v[i]);

        out->att[i] = eio_msg_new(n, true);
        if (!out->att[i] ||
            eio_msg_append(&out->att[i], json_string_value(a->v[i]), n))
            return EIO_ENOMEM;
    }
    return 0;
}

/* Binary case: placeholder copy, then the head, then the attachments. */
static int encode_binary(sio_encoded *out, sio_packet_type type,
                         const char *nsp, int64_t id, const json_t *data,
                         size_t nbytes)
{
    att_list a = {calloc(nbytes, sizeof(json_t *)), 0, nbytes};
    json_t *copy = a.v ? copy_ph(data, &a) : NULL;
    int rc = copy ? write_atts(out, &a) : EIO_ENOMEM;

    if (rc == 0)
        rc = write_head(out, type, nsp, id, copy);
    json_decref(copy);
    free(a.v);
    return rc;
}

int siop_packet_encode(sio_packet_type type, const char *nsp, int64_t id,
                       const json_t *data, sio_encoded *out)
{
    size_t nbytes = 0;
    int rc;

    *out = (sio_encoded){NULL, NULL, 0};
    if (!nsp)
        nsp = "/";
    if (nsp[0] != '/' || strchr(nsp, ',') ||
        enc_check_shape(type, id, data) != 0 ||
        (data && enc_scan(data, 1, &nbytes) != 0))
        return EIO_EINVAL;
    if (nbytes && type != SIO_PKT_EVENT && type != SIO_PKT_ACK)
        return EIO_EINVAL;
    if (nbytes)
        rc = encode_binary(out, type, nsp, id, data, nbytes);
    else
        rc = write_head(out, type, nsp, id, data);
    if (rc != 0)
        siop_encoded_fini(out);
    return rc;
}

void siop_encoded_fini(sio_encoded *e)
{
    eio_msg_unref(e->head);
    for (size_t i = 0; i < e->natt; i++)
        eio_msg_unref(e->att[i]);
    free(e->att);
    *e = (sio_encoded){NULL, NULL, 0};
}
