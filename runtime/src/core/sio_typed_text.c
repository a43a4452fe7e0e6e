/* sio_typed_text.c - the typed layer's streaming decoder: a typed
 * event's JSON text straight into the handler's struct, with no jansson
 * tree in between.
 *
 * It accepts a subset of what jansson plus the tree walker accept, and
 * decodes it to the same values. Everything else - a syntax error, a
 * type error, a missing field, a duplicate key, a number jansson would
 * refuse or turn into a real, an escape that makes a NUL or a lone
 * surrogate, nesting past the limits - answers SIOP_TEXT_SLOW, and the
 * caller runs the same input through jansson and the tree walker. So the
 * verdicts and messages of bad input are the tree path's by
 * construction, and a change of jansson's verdicts (e.g. accepting
 * 1e400) needs no change here: see real_ok and read_escape. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sio.h"
#include "sio_internal_typed.h"
#include "sio_packet.h"

typedef struct rd {
    const unsigned char *p, *end;
    sio_arena *arena;
    int depth;  /* JSON nesting, the top array being 1 */
    int rdepth; /* record nesting, as the walker counts it */
} rd;

#define SLOW SIOP_TEXT_SLOW

/* What jansson refuses among the numbers strtod reads: one place to
 * follow jansson if its verdict on huge reals changes. */
static bool real_ok(double x)
{
    return isfinite(x);
}

static void ws(rd *r)
{
    while (r->p < r->end &&
           (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

static bool eat(rd *r, char c)
{
    ws(r);
    if (r->p < r->end && *r->p == (unsigned char)c) {
        r->p++;
        return true;
    }
    return false;
}

static bool peek(rd *r, char c)
{
    ws(r);
    return r->p < r->end && *r->p == (unsigned char)c;
}

static bool literal(rd *r, const char *word, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return false;
    r->p += n;
    return true;
}

/* ---- strings -------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0:
 * no overlong forms, no surrogates, nothing past U+10FFFF, as jansson. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t n;

    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned *out)
{
    unsigned v = 0;

    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d > 15)
            return -1;
        v = v * 16 + d;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(unsigned cp, unsigned char *o)
{
    if (cp < 0x80)
        return o[0] = (unsigned char)cp, 1;
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The escape after a backslash at r->p, its UTF-8 into o (if not NULL).
 * Refuses \u0000 (a NUL no C string of a handler can hold) and lone
 * surrogates (jansson's verdict): the tree path decides those. */
static int read_escape(rd *r, unsigned char *o, size_t *n)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k;
    unsigned cp, lo;

    if (r->p >= r->end)
        return SLOW;
    if (*r->p != 'u') {
        if (!*r->p || !(k = strchr(from, *r->p)))
            return SLOW;
        if (o)
            o[0] = (unsigned char)to[k - from];
        *n = 1;
        r->p++;
        return 0;
    }
    if (hex4(r->p + 1, r->end, &cp) != 0 || cp == 0)
        return SLOW;
    r->p += 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return SLOW;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
            hex4(r->p + 2, r->end, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
            return SLOW;
        r->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (o)
        *n = put_utf8(cp, o);
    else
        *n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    return 0;
}

/* A string at r->p (the opening quote). *s gets its bytes: in place when
 * it has no escape and copy is false, else a NUL-terminated copy in the
 * arena; s NULL only validates. */
static int read_string(rd *r, bool copy, const char **s, size_t *len)
{
    const unsigned char *start, *q;
    bool escaped = false;
    unsigned char *o;
    size_t n = 0, k;

    if (r->p >= r->end || *r->p != '"')
        return SLOW;
    start = ++r->p;
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = *r->p;
        if (c == '\\') {
            r->p++;
            if (read_escape(r, NULL, &k))
                return SLOW;
            escaped = true, n += k;
        } else if (c < 0x20) {
            return SLOW;
        } else if (c < 0x80) {
            r->p++, n++;
        } else {
            if (!(k = utf8_seq(r->p, r->end)))
                return SLOW;
            r->p += k, n += k;
        }
    }
    if (r->p >= r->end)
        return SLOW;
    q = r->p++; /* the closing quote */
    if (!s)
        return 0;
    *len = n;
    if (!escaped && !copy) {
        *s = (const char *)start;
        return 0;
    }
    if (!(o = siop_arena_alloc(r->arena, n + 1)))
        return SLOW;
    *s = (const char *)o;
    if (!escaped) {
        memcpy(o, start, n);
        return 0;
    }
    for (rd e = {start, q, NULL, 0, 0}; e.p < q;) {
        if (*e.p != '\\') {
            *o++ = *e.p++;
            continue;
        }
        e.p++;
        (void)read_escape(&e, o, &k);
        o += k;
    }
    return 0;
}

/* ---- numbers -------------------------------------------------------- */

typedef struct num {
    bool is_int;
    int64_t i;
    double x;
} num;

static bool digit(const rd *r)
{
    return r->p < r->end && *r->p >= '0' && *r->p <= '9';
}

/* A number as jansson reads it: an integer if it has neither fraction
 * nor exponent (one past int64 makes jansson read the whole document
 * again with every integer a real: the tree path does that), else a real
 * by strtod. */
static int read_number(rd *r, num *out)
{
    const unsigned char *start = r->p;
    char buf[64], *endp;
    size_t n;

    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (!digit(r))
        return SLOW;
    if (*r->p == '0')
        r->p++;
    else
        while (digit(r))
            r->p++;
    out->is_int = true;
    if (r->p < r->end && *r->p == '.') {
        r->p++, out->is_int = false;
        if (!digit(r))
            return SLOW;
        while (digit(r))
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++, out->is_int = false;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (!digit(r))
            return SLOW;
        while (digit(r))
            r->p++;
    }
    n = (size_t)(r->p - start);
    if (n >= sizeof buf)
        return SLOW;
    memcpy(buf, start, n);
    buf[n] = '\0';
    if (out->is_int) {
        int64_t v = 0;
        bool neg = buf[0] == '-';
        for (const char *d = buf + neg; *d; d++) {
            int dv = *d - '0';
            if (v < (INT64_MIN + dv) / 10) /* accumulate negatively */
                return SLOW;
            v = v * 10 - dv;
        }
        if (!neg && v == INT64_MIN)
            return SLOW;
        out->i = neg ? v : -v;
        out->x = (double)out->i;
        return 0;
    }
    out->x = strtod(buf, &endp);
    /* endp short of the end: a locale whose decimal point is not '.'
     * (jansson converts; the tree path does it right) */
    return endp == buf + n && real_ok(out->x) ? 0 : SLOW;
}

/* ---- any value (validated, skipped) --------------------------------- */

static int skip_value(rd *r);

static int skip_container(rd *r, char close, bool object)
{
    if (++r->depth > SIO_PACKET_MAX_DEPTH)
        return SLOW;
    r->p++;
    if (eat(r, close)) {
        r->depth--;
        return 0;
    }
    do {
        ws(r);
        if (object) {
            const char *k;
            size_t n;
            /* Bytes values come from attachments only: the tree path
             * refuses forged ones. */
            if (read_string(r, false, &k, &n) ||
                (n == 10 && memcmp(k, "_sio_bytes", 10) == 0) || !eat(r, ':'))
                return SLOW;
            ws(r);
        }
        if (skip_value(r))
            return SLOW;
    } while (eat(r, ','));
    if (!eat(r, close))
        return SLOW;
    r->depth--;
    return 0;
}

static int skip_value(rd *r)
{
    num x;

    ws(r);
    if (r->p >= r->end)
        return SLOW;
    switch (*r->p) {
    case '{':
        return skip_container(r, '}', true);
    case '[':
        return skip_container(r, ']', false);
    case '"':
        return read_string(r, false, NULL, NULL);
    case 't':
        return literal(r, "true", 4) ? 0 : SLOW;
    case 'f':
        return literal(r, "false", 5) ? 0 : SLOW;
    case 'n':
        return literal(r, "null", 4) ? 0 : SLOW;
    default:
        return read_number(r, &x);
    }
}

/* ---- typed values --------------------------------------------------- */

static int value(rd *r, const sio_field *f, int d, void *slot);

static size_t elem_size(const sio_field *f, int d)
{
    static const size_t sizes[] = {
        [SIO_K_BOOL] = sizeof(bool),       [SIO_K_INT] = sizeof(int64_t),
        [SIO_K_FLOAT] = sizeof(double),    [SIO_K_STRING] = sizeof(char *),
        [SIO_K_BYTES] = sizeof(sio_bytes), [SIO_K_JSON] = sizeof(json_t *),
        [SIO_K_ENUM] = sizeof(int),        [SIO_K_RECORD] = 0,
        [SIO_K_MAP] = sizeof(sio_map),
    };

    if (d > 0)
        return sizeof(sio_array);
    if (f->kind == SIO_K_RECORD)
        return f->record->size;
    return f->kind < sizeof sizes / sizeof *sizes ? sizes[f->kind] : 0;
}

/* A schema limit broken: the tree path, which checks the same limits
 * with the same functions, answers with its message. */
static bool out_of_limits_len(const sio_field *f, size_t n)
{
    char why[128];
    return f->limits && siop_typed_check_len(f, n, why, sizeof why) != 0;
}

static bool out_of_limits(const sio_field *f, const void *slot)
{
    return siop_typed_check_value(f, slot, NULL, 0) != 0;
}

/* Elements go to a run in the arena that doubles as it fills (the copies
 * left behind go at the reset): one pass over the text. */
static int array(rd *r, const sio_field *f, int d, const void **items,
                 size_t *len)
{
    size_t es = elem_size(f, d - 1), n = 0, cap = 4;
    unsigned char *mem;

    ws(r);
    if (!es || r->p >= r->end || *r->p != '[' ||
        ++r->depth > SIO_PACKET_MAX_DEPTH)
        return SLOW;
    r->p++;
    if (!(mem = siop_arena_alloc(r->arena, cap * es)))
        return SLOW;
    if (!eat(r, ']')) {
        do {
            if (n == cap) {
                unsigned char *more = siop_arena_alloc(r->arena, 2 * cap * es);
                if (!more)
                    return SLOW;
                memcpy(more, mem, n * es);
                mem = more, cap *= 2;
            }
            if (value(r, f, d - 1, mem + n * es))
                return SLOW;
            n++;
        } while (eat(r, ','));
        if (!eat(r, ']'))
            return SLOW;
    }
    r->depth--;
    if (d == f->depth && out_of_limits_len(f, n))
        return SLOW; /* the tree path words the error */
    *items = mem;
    *len = n;
    return 0;
}

static int field(rd *r, const sio_field *f, void *base);
static int put_default(const sio_field *f, void *base);

/* A map searched for repeats key by key: past this many keys the tree
 * path (jansson's hash table) decodes it. */
#define MAP_KEYS_MAX 64

static int grow_map(sio_arena *a, const char ***keys, unsigned char **vals,
                    size_t n, size_t *cap, size_t es)
{
    size_t c = *cap ? 2 * *cap : 4;
    const char **k = siop_arena_alloc(a, c * sizeof *k);
    unsigned char *v = siop_arena_alloc(a, c * es);

    if (!k || !v)
        return -1;
    if (n) {
        memcpy(k, *keys, n * sizeof *k);
        memcpy(v, *vals, n * es);
    }
    *keys = k, *vals = v, *cap = c;
    return 0;
}

static bool seen_key(const char *const *keys, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(keys[i], k))
            return true;
    return false;
}

/* An object's entries: keys copied (no NUL, none repeated: jansson
 * keeps the last of a repeat, the tree path does that), values as
 * f->value. */
static int map(rd *r, const sio_field *f, sio_map *m)
{
    const sio_field *vf = f->value;
    size_t es = elem_size(vf, vf->depth), n = 0, cap = 0;
    const char **keys = NULL;
    unsigned char *vals = NULL;

    ws(r);
    if (!es || r->p >= r->end || *r->p != '{' ||
        ++r->depth > SIO_PACKET_MAX_DEPTH)
        return SLOW;
    r->p++;
    if (!eat(r, '}')) {
        do {
            const char *k;
            size_t kn;

            /* Room that doubles as it fills, as array()'s. */
            if (n == cap && grow_map(r->arena, &keys, &vals, n, &cap, es))
                return SLOW;
            ws(r);
            if (n == MAP_KEYS_MAX || read_string(r, true, &k, &kn) ||
                memchr(k, '\0', kn) || !eat(r, ':') ||
                (kn == 10 && memcmp(k, "_sio_bytes", 10) == 0) ||
                seen_key(keys, n, k))
                return SLOW;
            keys[n] = k;
            if (value(r, vf, vf->depth, vals + n * es))
                return SLOW;
            n++;
        } while (eat(r, ','));
        if (!eat(r, '}'))
            return SLOW;
    }
    r->depth--;
    if (f->limits) {
        char why[128];
        if (siop_typed_check_keys(f, n, why, sizeof why))
            return SLOW; /* the tree path words the error */
    }
    m->keys = keys;
    m->values = vals;
    m->len = n;
    return 0;
}

static const sio_field *find_field(const sio_record_desc *rec, const char *k,
                                   size_t n, size_t *at)
{
    for (size_t i = 0; i < rec->nfields; i++) {
        const char *name = rec->fields[i].name;
        if (strncmp(name, k, n) == 0 && name[n] == '\0') {
            *at = i;
            return &rec->fields[i];
        }
    }
    return NULL;
}

/* The variant a union's object names: a first pass finds its tag (one
 * string, the only one of its key); the object is then read again as
 * that variant's record, which skips the tag as an unknown key. */
static int union_variant(rd *r, const sio_record_desc *rec, size_t *out)
{
    rd scan = *r;
    const char *tag = NULL;
    size_t tn = 0;

    if (scan.p >= scan.end || *scan.p != '{' ||
        ++scan.depth > SIO_PACKET_MAX_DEPTH)
        return SLOW;
    scan.p++;
    if (eat(&scan, '}'))
        return SLOW; /* no tag: the tree path says so */
    do {
        const char *k;
        size_t n;
        ws(&scan);
        if (read_string(&scan, false, &k, &n) || !eat(&scan, ':'))
            return SLOW;
        ws(&scan);
        if (n == strlen(rec->tag) && !memcmp(k, rec->tag, n)) {
            if (tag || read_string(&scan, true, &tag, &tn))
                return SLOW;
        } else if (skip_value(&scan)) {
            return SLOW;
        }
    } while (eat(&scan, ','));
    if (!tag || memchr(tag, '\0', tn))
        return SLOW;
    for (size_t i = 0; i < rec->nfields; i++) {
        if (!strcmp(rec->fields[i].name, tag)) {
            *out = i;
            return 0;
        }
    }
    return SLOW;
}

static int record(rd *r, const sio_record_desc *rec, void *out);

static int union_(rd *r, const sio_record_desc *rec, void *out)
{
    size_t i;
    int rc;

    if (++r->rdepth > SIO_TYPED_MAX_DEPTH || union_variant(r, rec, &i))
        return SLOW;
    *(int *)((unsigned char *)out + rec->tag_offset) = (int)i;
    rc = record(r, rec->fields[i].record,
                (unsigned char *)out + rec->fields[i].offset);
    r->rdepth--;
    return rc;
}

/* An object's keys in any order; a repeated field, a missing required
 * one or a forged bytes value go to the tree path. */
static int record(rd *r, const sio_record_desc *rec, void *out)
{
    uint64_t seen = 0;

    ws(r);
    if (rec->tag)
        return union_(r, rec, out);
    if (rec->nfields > 64 || ++r->rdepth > SIO_TYPED_MAX_DEPTH ||
        r->p >= r->end || *r->p != '{' || ++r->depth > SIO_PACKET_MAX_DEPTH)
        return SLOW;
    r->p++;
    if (!eat(r, '}')) {
        do {
            const sio_field *f;
            const char *k;
            size_t n, at;
            ws(r);
            if (read_string(r, false, &k, &n) || memchr(k, '\0', n) ||
                !eat(r, ':'))
                return SLOW;
            if ((f = find_field(rec, k, n, &at))) {
                if (seen & (UINT64_C(1) << at))
                    return SLOW;
                seen |= UINT64_C(1) << at;
                if (field(r, f, out))
                    return SLOW;
            } else if ((n == 10 && memcmp(k, "_sio_bytes", 10) == 0) ||
                       skip_value(r)) {
                return SLOW;
            }
        } while (eat(r, ','));
        if (!eat(r, '}'))
            return SLOW;
    }
    for (size_t i = 0; i < rec->nfields; i++) {
        const sio_field *f = &rec->fields[i];
        if (seen & (UINT64_C(1) << i))
            continue;
        if (f->flags & SIO_F_DEFAULT)
            put_default(f, out);
        else if (!(f->flags & SIO_F_OPTIONAL))
            return SLOW;
    }
    r->depth--;
    r->rdepth--;
    return 0;
}

/* A json parameter: jansson decodes the slice the value spans. */
static int json_value(rd *r, json_t **slot)
{
    const unsigned char *start;
    json_t *v;

    ws(r);
    start = r->p;
    if (skip_value(r))
        return SLOW;
    v = json_loadb((const char *)start, (size_t)(r->p - start),
                   JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!v)
        return SLOW;
    if (siop_arena_defer_decref(r->arena, v) != 0) {
        json_decref(v);
        return SLOW;
    }
    *slot = v;
    return 0;
}

static int int_value(rd *r, int64_t *out)
{
    num x;

    if (read_number(r, &x))
        return SLOW;
    if (x.is_int) {
        *out = x.i;
        return 0;
    }
    /* 2.0 is an int; 1.5 and values outside int64 are not. */
    if (x.x != floor(x.x) || x.x < -9223372036854775808.0 ||
        x.x >= 9223372036854775808.0)
        return SLOW;
    *out = (int64_t)x.x;
    return 0;
}

static int enum_value(rd *r, const sio_enum_desc *e, int *out)
{
    const char *s;
    size_t n;

    if (read_string(r, false, &s, &n))
        return SLOW;
    for (size_t i = 0; i < e->nvalues; i++) {
        if (strncmp(e->values[i], s, n) == 0 && e->values[i][n] == '\0' &&
            !memchr(s, '\0', n)) {
            *out = (int)i;
            return 0;
        }
    }
    return SLOW;
}

static int value(rd *r, const sio_field *f, int d, void *slot)
{
    num x;

    if (d > 0) {
        sio_array *a = slot;
        return array(r, f, d, &a->items, &a->len);
    }
    ws(r);
    if (r->p >= r->end)
        return SLOW;
    switch (f->kind) {
    case SIO_K_BOOL:
        if (literal(r, "true", 4))
            return *(bool *)slot = true, 0;
        if (literal(r, "false", 5))
            return *(bool *)slot = false, 0;
        return SLOW;
    case SIO_K_INT:
        return int_value(r, slot) || out_of_limits(f, slot) ? SLOW : 0;
    case SIO_K_FLOAT:
        if (read_number(r, &x) || fabs(x.x) >= DBL_MAX)
            return SLOW; /* the walker refuses it, naming the field */
        *(double *)slot = x.x;
        return 0;
    case SIO_K_STRING: {
        size_t n;
        const char **s = slot;
        if (read_string(r, true, s, &n) || memchr(*s, '\0', n) ||
            out_of_limits(f, slot))
            return SLOW;
        return 0;
    }
    case SIO_K_JSON:
        return json_value(r, slot);
    case SIO_K_ENUM:
        return enum_value(r, f->enumd, slot);
    case SIO_K_RECORD:
        return record(r, f->record, slot);
    case SIO_K_MAP:
        return map(r, f, slot);
    default: /* bytes come with attachments: the tree path */
        return SLOW;
    }
}

/* An absent or null field with a default: its value. */
static int put_default(const sio_field *f, void *base)
{
    memcpy((unsigned char *)base + f->offset, f->def, elem_size(f, 0));
    return 0;
}

/* A present field (null included): as the walker's decode_field. */
static int field(rd *r, const sio_field *f, void *base)
{
    unsigned char *dst = (unsigned char *)base + f->offset;
    bool optional = f->flags & SIO_F_OPTIONAL;

    ws(r);
    if (r->p < r->end && *r->p == 'n' && (optional || f->kind != SIO_K_JSON)) {
        /* null: absent if optional (zeroed) or defaulted, else a type
         * error */
        if ((f->flags & SIO_F_DEFAULT) && literal(r, "null", 4))
            return put_default(f, base);
        return optional && literal(r, "null", 4) ? 0 : SLOW;
    }
    if (f->depth > 0)
        return array(r, f, f->depth, (const void **)dst,
                     (size_t *)((unsigned char *)base + f->aux_offset));
    if (optional && (f->kind == SIO_K_RECORD || f->kind == SIO_K_MAP)) {
        void *rec = siop_arena_alloc(r->arena, elem_size(f, 0));
        if (!rec)
            return SLOW;
        *(void **)dst = rec;
        return value(r, f, 0, rec);
    }
    if (optional && f->kind != SIO_K_STRING && f->kind != SIO_K_JSON &&
        f->kind != SIO_K_BYTES)
        *((bool *)((unsigned char *)base + f->aux_offset)) = true;
    return value(r, f, 0, dst);
}

/* The arguments after the opening '[' (and, for an event, its name and
 * comma); closed: the list was empty, its ']' already read. */
/* A variadic tail: the values from r->p to the closing ']' (not read),
 * as one json_t array at rest (jansson reads a copy in brackets). */
static int rest(rd *r, const unsigned char *from, json_t **slot)
{
    size_t n = (size_t)(r->p - from);
    char *text = siop_arena_alloc(r->arena, n + 2);
    json_t *v;

    if (!text)
        return SLOW;
    text[0] = '[';
    memcpy(text + 1, from, n);
    text[n + 1] = ']';
    v = json_loadb(text, n + 2, JSON_ALLOW_NUL, NULL);
    if (!v || siop_arena_defer_decref(r->arena, v) != 0) {
        json_decref(v);
        return SLOW;
    }
    *slot = v;
    return 0;
}

static int params(rd *r, const sio_params *p, void *out, bool closed)
{
    size_t n = 0, need = p->nfields;
    const unsigned char *tail = NULL;

    while (need &&
           (p->fields[need - 1].flags & (SIO_F_OPTIONAL | SIO_F_DEFAULT)))
        need--;
    if (!closed) {
        do {
            if (n < p->nfields) {
                if (field(r, &p->fields[n], out))
                    return SLOW;
            } else if (!p->variadic) {
                return SLOW;
            } else {
                ws(r);
                tail = tail ? tail : r->p;
                if (skip_value(r))
                    return SLOW;
            }
            n++;
        } while (eat(r, ','));
        ws(r);
        if (tail &&
            rest(r, tail, (json_t **)((unsigned char *)out + p->rest_offset)))
            return SLOW;
        if (!eat(r, ']'))
            return SLOW;
    }
    ws(r);
    if (n < need || r->p != r->end)
        return SLOW;
    for (size_t i = n; i < p->nfields; i++)
        if (p->fields[i].flags & SIO_F_DEFAULT)
            put_default(&p->fields[i], out);
    if (p->variadic && !tail)
        return rest(r, r->p,
                    (json_t **)((unsigned char *)out + p->rest_offset));
    return 0;
}

int siop_text_decode_params(const sio_params *p, const char *buf, size_t len,
                            void *out, sio_arena *arena)
{
    rd r = {(const unsigned char *)buf, (const unsigned char *)buf + len, arena,
            1, 0};

    memset(out, 0, p->size);
    if (!eat(&r, '['))
        return SLOW;
    return params(&r, p, out, eat(&r, ']'));
}

int siop_text_event_name(const char *buf, size_t len, char *name, size_t cap,
                         size_t *used, sio_arena *arena)
{
    rd r = {(const unsigned char *)buf, (const unsigned char *)buf + len, arena,
            1, 0};
    const char *s;
    size_t n;

    if (!eat(&r, '[') || !peek(&r, '"') || read_string(&r, false, &s, &n) ||
        n >= cap)
        return SLOW;
    memcpy(name, s, n);
    name[n] = '\0';
    if (memchr(name, '\0', n) || siop_event_reserved(name))
        return SLOW;
    *used = (size_t)(r.p - (const unsigned char *)buf);
    return 0;
}

int siop_text_decode_event(const sio_params *p, const char *buf, size_t len,
                           size_t at, void *out, sio_arena *arena)
{
    rd r = {(const unsigned char *)buf + at, (const unsigned char *)buf + len,
            arena, 1, 0};

    memset(out, 0, p->size);
    if (eat(&r, ']'))
        return params(&r, p, out, true);
    if (!eat(&r, ','))
        return SLOW;
    return params(&r, p, out, false);
}
