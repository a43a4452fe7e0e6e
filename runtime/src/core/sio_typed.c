/* sio_typed.c - the one walker of the typed layer: JSON arguments into C
 * structs described by sio_params tables, and back.
 *
 * Two axes, as in nanopb: the arity (scalar, optional, array of depth n)
 * is handled by decode_field/encode_field, the type by decode_value/
 * encode_value; records recurse through both, bounded by MAX_DEPTH. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sio.h"
#include "sio_internal_typed.h"

#define MAX_DEPTH SIO_TYPED_MAX_DEPTH

typedef struct walk {
    sio_arena *arena;
    sio_error *err;
    char path[96];
    int depth;
} walk;

static const char *const kind_names[] = {
    "?",     "bool", "int",    "float", "string",
    "bytes", "json", "record", "enum",  "map",
};

static int fail(walk *w, const char *fmt, ...)
{
    va_list ap;

    if (w->err && !w->err->text[0]) {
        w->err->code = SIO_EINVAL;
        snprintf(w->err->path, sizeof w->err->path, "%s", w->path);
        va_start(ap, fmt);
        vsnprintf(w->err->text, sizeof w->err->text, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The schema's name of the field's type at array depth: "string[]",
 * records and enums by their names. */
static void type_name(const sio_field *f, int depth, char *buf, size_t n)
{
    const char *what = kind_names[f->kind];
    size_t len;

    if (f->kind == SIO_K_RECORD)
        what = f->record->name;
    else if (f->kind == SIO_K_ENUM)
        what = f->enumd->name;
    if (f->kind == SIO_K_MAP) { /* "{string: T}", T as deep as it goes */
        len = (size_t)snprintf(buf, n, "{string: ");
        if (len < n)
            type_name(f->value, f->value->depth, buf + len, n - len);
        len = strlen(buf);
        len += (size_t)snprintf(buf + len, n - len, "}");
        len = len < n ? len : n - 1;
    } else {
        len = (size_t)snprintf(buf, n, "%s", what);
    }
    for (int i = 0; i < depth && len + 3 <= n; i++, len += 2)
        memcpy(buf + len, "[]", 3);
}

/* "expected string", naming records and enums by their schema name. */
static int fail_expected(walk *w, const sio_field *f, int depth)
{
    char what[64];

    type_name(f, depth, what, sizeof what);
    if (w->path[0])
        return fail(w, "%s: expected %s", w->path, what);
    return fail(w, "expected %s", what);
}

/* "room: missing (expected string)": w->path names the field. */
static int fail_missing(walk *w, const sio_field *f)
{
    char what[64];

    type_name(f, f->depth, what, sizeof what);
    return fail(w, "%s: missing (expected %s)", w->path, what);
}

/* Appends at most room - 1 bytes of src, keeping the path a string (of
 * whole UTF-8 characters: a map's key may be cut). */
static size_t path_add(walk *w, size_t n, const char *src, size_t len)
{
    size_t room = sizeof w->path - 1 - n;

    if (len > room) {
        len = room;
        while (len && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(w->path + n, src, len);
    w->path[n + len] = '\0';
    return n + len;
}

/* Path bookkeeping: push returns the old length to pop back to. It runs
 * for every value walked, so no printf here (it showed in profiles). */
static size_t path_push(walk *w, const char *name, long index)
{
    size_t n = strlen(w->path), at = n;
    char digits[24], *d = digits + sizeof digits;

    if (index >= 0) {
        unsigned long v = (unsigned long)index;
        *--d = ']';
        do {
            *--d = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        *--d = '[';
        path_add(w, at, d, (size_t)(digits + sizeof digits - d));
        return n;
    }
    if (at)
        at = path_add(w, at, ".", 1);
    path_add(w, at, name, strlen(name));
    return n;
}

static void path_pop(walk *w, size_t n)
{
    w->path[n] = '\0';
}

/* A map's key in the path, as a field's name ("scores.alice"), with
 * control characters shown as '?' so the message stays one line. */
static size_t path_push_key(walk *w, const char *key)
{
    char k[40];
    size_t n = 0;

    for (; key[n] && n < sizeof k - 1; n++)
        k[n] = (unsigned char)key[n] < 0x20 ? '?' : key[n];
    while (key[n] && n && ((unsigned char)key[n] & 0xC0) == 0x80)
        n--; /* not into a character cut short */
    k[n] = '\0';
    return path_push(w, k, -1);
}

bool siop_typed_present(const sio_field *f, const void *base)
{
    const unsigned char *src = (const unsigned char *)base + f->offset;

    if (f->kind == SIO_K_RECORD || f->kind == SIO_K_STRING ||
        f->kind == SIO_K_JSON || f->kind == SIO_K_MAP)
        return *(const void *const *)src != NULL;
    if (f->kind == SIO_K_BYTES)
        return ((const sio_bytes *)src)->data != NULL;
    return *(const bool *)((const unsigned char *)base + f->aux_offset);
}

size_t siop_typed_elem_size(const sio_field *f, int d)
{
    if (d > 0)
        return sizeof(sio_array);
    switch (f->kind) {
    case SIO_K_BOOL:
        return sizeof(bool);
    case SIO_K_INT:
        return sizeof(int64_t);
    case SIO_K_FLOAT:
        return sizeof(double);
    case SIO_K_STRING:
        return sizeof(const char *);
    case SIO_K_BYTES:
        return sizeof(sio_bytes);
    case SIO_K_JSON:
        return sizeof(json_t *);
    case SIO_K_ENUM:
        return sizeof(int);
    case SIO_K_RECORD:
        return f->record->size;
    case SIO_K_MAP:
        return sizeof(sio_map);
    }
    return 0;
}

/* ---- decoding --------------------------------------------------------------
 */

static int decode_record(walk *w, const sio_record_desc *r, json_t *v,
                         void *out);
static int decode_array(walk *w, const sio_field *f, int d, json_t *v,
                        const void **items, size_t *len);
static int decode_value(walk *w, const sio_field *f, int d, json_t *v,
                        void *slot);

static int limit_failed(walk *w, const char *why);

/* An integral JSON number within int64 (2.0 is one; 1.5 is not), then
 * the field's limits. */
static int decode_int(walk *w, const sio_field *f, json_t *v, int64_t *out)
{
    char why[128];

    if (json_is_integer(v)) {
        *out = json_integer_value(v);
    } else {
        double x = json_is_real(v) ? json_real_value(v) : 0.5;

        if (x != floor(x) || x < -9223372036854775808.0 ||
            x >= 9223372036854775808.0)
            return fail_expected(w, f, 0);
        *out = (int64_t)x;
    }
    if (siop_typed_check_int(f, *out, why, sizeof why))
        return limit_failed(w, why);
    return 0;
}

void siop_typed_enum_expected(const sio_enum_desc *e, char *buf, size_t n)
{
    size_t len = (size_t)snprintf(buf, n, "%s, one of ", e->name);

    for (size_t i = 0; i < e->nvalues && len < n; i++) {
        const char *sep = i ? ", " : "";
        size_t need = strlen(sep) + strlen(e->values[i]) + 2;

        /* Room for this value and, if more follow, ", ...". */
        if (len + need + (i + 1 < e->nvalues ? 5 : 0) >= n) {
            snprintf(buf + len, n - len, "%s...", sep);
            return;
        }
        len +=
            (size_t)snprintf(buf + len, n - len, "%s\"%s\"", sep, e->values[i]);
    }
}

/* ---- limits ---------------------------------------------------------------
 */

/* "from 1 to 10", "of 1 to 64 characters", "of at least 1 character",
 * "of at most 5 elements": the bounds in has (lo_bit, hi_bit) as text;
 * unit is singular ("" for an int's value). */
static void bounds_text(char *buf, size_t n, uint8_t has, uint8_t lo_bit,
                        uint8_t hi_bit, long long lo, long long hi,
                        const char *unit)
{
    const char *sp = *unit ? " " : "";
    bool range = (has & lo_bit) && (has & hi_bit);
    long long one = range ? 0 : (has & lo_bit) ? lo : hi;
    const char *s = *unit && one != 1 ? "s" : "";

    if (range)
        snprintf(buf, n, *unit ? "of %lld to %lld%s%s%s" : "from %lld to %lld",
                 lo, hi, sp, unit, s);
    else if (has & lo_bit)
        snprintf(buf, n, "of at least %lld%s%s%s", lo, sp, unit, s);
    else
        snprintf(buf, n, "of at most %lld%s%s%s", hi, sp, unit, s);
}

/* -1 with why = "expected WHAT BOUNDS" if v is outside the bounds. */
static int out_of(char *why, size_t n, const char *what, uint8_t has,
                  uint8_t lo_bit, uint8_t hi_bit, long long lo, long long hi,
                  long long v, const char *unit)
{
    char b[96];

    if ((!(has & lo_bit) || v >= lo) && (!(has & hi_bit) || v <= hi))
        return 0;
    bounds_text(b, sizeof b, has, lo_bit, hi_bit, lo, hi, unit);
    snprintf(why, n, "expected %s %s", what, b);
    return -1;
}

int siop_typed_check_int(const sio_field *f, int64_t v, char *why, size_t n)
{
    const sio_limits *l = f->limits;

    if (!l)
        return 0;
    return out_of(why, n, "int", l->has, SIO_L_MIN, SIO_L_MAX, l->min, l->max,
                  v, "");
}

int siop_typed_check_str(const sio_field *f, const char *s, char *why, size_t n)
{
    const sio_limits *l = f->limits;
    long long chars = 0;

    if (!l || !(l->has & (SIO_L_MIN | SIO_L_MAX)))
        return 0;
    for (; *s; s++)
        chars += ((unsigned char)*s & 0xC0) != 0x80;
    return out_of(why, n, "string", l->has, SIO_L_MIN, SIO_L_MAX, l->min,
                  l->max, chars, "character");
}

int siop_typed_check_bytes(const sio_field *f, size_t len, char *why, size_t n)
{
    const sio_limits *l = f->limits;

    if (!l)
        return 0;
    return out_of(why, n, "bytes", l->has, SIO_L_MIN, SIO_L_MAX, l->min, l->max,
                  (long long)len, "byte");
}

int siop_typed_check_keys(const sio_field *f, size_t count, char *why, size_t n)
{
    const sio_limits *l = f->limits;
    char what[64];

    if (!l || !(l->has & (SIO_L_MIN | SIO_L_MAX)))
        return 0;
    type_name(f, 0, what, sizeof what);
    return out_of(why, n, what, l->has, SIO_L_MIN, SIO_L_MAX, l->min, l->max,
                  (long long)count, "key");
}

int siop_typed_check_len(const sio_field *f, size_t count, char *why, size_t n)
{
    const sio_limits *l = f->limits;
    char what[64];

    if (!l || !(l->has & (SIO_L_LEN_MIN | SIO_L_LEN_MAX)))
        return 0;
    type_name(f, f->depth, what, sizeof what);
    return out_of(why, n, what, l->has, SIO_L_LEN_MIN, SIO_L_LEN_MAX,
                  (long long)l->len_min, (long long)l->len_max,
                  (long long)count, "element");
}

/* A check's verdict as the walker's error, with the path. */
static int limit_failed(walk *w, const char *why)
{
    if (w->path[0])
        return fail(w, "%s: %s", w->path, why);
    return fail(w, "%s", why);
}

/* "color: expected Color, one of \"red\", \"green\"". */
static int fail_enum(walk *w, const sio_field *f)
{
    char what[128];

    siop_typed_enum_expected(f->enumd, what, sizeof what);
    if (w->path[0])
        return fail(w, "%s: expected %s", w->path, what);
    return fail(w, "expected %s", what);
}

static int decode_enum(walk *w, const sio_field *f, json_t *v, int *out)
{
    const char *s = json_string_value(v);

    if (!s)
        return fail_enum(w, f);
    for (size_t i = 0; i < f->enumd->nvalues; i++) {
        if (strcmp(s, f->enumd->values[i]) == 0 &&
            strlen(s) == json_string_length(v)) {
            *out = (int)i;
            return 0;
        }
    }
    return fail_enum(w, f);
}

/* An object's entries into m: each key (no NUL: jansson may keep one)
 * with its value decoded as f->value. jansson kept the last of a
 * repeated key, at the place of the first (as JSON.parse). */
static int decode_map(walk *w, const sio_field *f, json_t *v, sio_map *m)
{
    const sio_field *vf = f->value;
    size_t n, i = 0, es = siop_typed_elem_size(vf, vf->depth), klen;
    const char **keys, *k;
    unsigned char *vals;
    json_t *x;
    char why[128];

    if (!json_is_object(v) || sio_is_bytes(v))
        return fail_expected(w, f, 0);
    n = json_object_size(v);
    if (siop_typed_check_keys(f, n, why, sizeof why))
        return limit_failed(w, why);
    keys = siop_arena_alloc(w->arena, n * sizeof *keys);
    vals = siop_arena_alloc(w->arena, n * es);
    if (!keys || !vals)
        return fail(w, "out of memory");
    json_object_keylen_foreach(v, k, klen, x)
    {
        size_t mark;

        if (strlen(k) != klen)
            return fail_expected(w, f, 0);
        mark = path_push_key(w, k);
        if (decode_value(w, vf, vf->depth, x, vals + i * es))
            return -1;
        path_pop(w, mark);
        keys[i++] = k;
    }
    m->keys = keys;
    m->values = vals;
    m->len = i;
    return 0;
}

/* One value of the field's type (array depth d) into slot. */
static int decode_value(walk *w, const sio_field *f, int d, json_t *v,
                        void *slot)
{
    char why[128];

    if (d > 0) {
        sio_array *a = slot;
        return decode_array(w, f, d, v, &a->items, &a->len);
    }
    switch (f->kind) {
    case SIO_K_BOOL:
        if (!json_is_boolean(v))
            return fail_expected(w, f, 0);
        *(bool *)slot = json_is_true(v);
        return 0;
    case SIO_K_INT:
        return decode_int(w, f, v, slot);
    case SIO_K_FLOAT:
        if (!json_is_number(v))
            return fail_expected(w, f, 0);
        *(double *)slot = json_number_value(v);
        /* The lenient pass turned 1e400 (JavaScript's Infinity) into
         * DBL_MAX; a float parameter refuses it rather than guess. */
        if (fabs(*(double *)slot) >= DBL_MAX)
            return limit_failed(w, "number out of range");
        return 0;
    case SIO_K_STRING:
        /* jansson checked UTF-8; an embedded NUL would cut a C string. */
        if (!json_is_string(v) ||
            strlen(json_string_value(v)) != json_string_length(v))
            return fail_expected(w, f, 0);
        *(const char **)slot = json_string_value(v);
        if (siop_typed_check_str(f, json_string_value(v), why, sizeof why))
            return limit_failed(w, why);
        return 0;
    case SIO_K_BYTES: {
        sio_bytes *b = slot;
        b->data = sio_bytes_data(v, &b->len);
        if (!b->data)
            return fail_expected(w, f, 0);
        if (siop_typed_check_bytes(f, b->len, why, sizeof why))
            return limit_failed(w, why);
        return 0;
    }
    case SIO_K_JSON:
        *(json_t **)slot = v;
        return 0;
    case SIO_K_ENUM:
        return decode_enum(w, f, v, slot);
    case SIO_K_RECORD:
        if (!json_is_object(v) || sio_is_bytes(v))
            return fail_expected(w, f, 0);
        return decode_record(w, f->record, v, slot);
    case SIO_K_MAP:
        return decode_map(w, f, v, slot);
    }
    return fail(w, "%s: bad descriptor", w->path);
}

static int decode_array(walk *w, const sio_field *f, int d, json_t *v,
                        const void **items, size_t *len)
{
    size_t n, es = siop_typed_elem_size(f, d - 1);
    unsigned char *mem;

    char why[128];

    if (!json_is_array(v))
        return fail_expected(w, f, d);
    n = json_array_size(v);
    /* The outermost array's length, before any element. */
    if (d == f->depth && siop_typed_check_len(f, n, why, sizeof why))
        return limit_failed(w, why);
    mem = siop_arena_alloc(w->arena, n * es);
    if (!mem)
        return fail(w, "out of memory");
    for (size_t i = 0; i < n; i++) {
        size_t mark = path_push(w, NULL, (long)i);
        int rc = decode_value(w, f, d - 1, json_array_get(v, i), mem + i * es);
        if (rc)
            return rc;
        path_pop(w, mark);
    }
    *items = mem;
    *len = n;
    return 0;
}

/* A field: absent/null handling and arity, then the value. */
static int decode_field(walk *w, const sio_field *f, json_t *v, void *base)
{
    unsigned char *dst = (unsigned char *)base + f->offset;
    bool optional = f->flags & SIO_F_OPTIONAL;

    if (!v || (json_is_null(v) && f->kind != SIO_K_JSON) ||
        (json_is_null(v) && optional)) {
        if (f->flags & SIO_F_DEFAULT) {
            memcpy(dst, f->def, siop_typed_elem_size(f, 0));
            return 0;
        }
        if (optional)
            return 0; /* zeroed: NULL pointer or has_ = false */
        return v ? fail_expected(w, f, f->depth) : fail_missing(w, f);
    }
    if (f->depth > 0)
        return decode_array(w, f, f->depth, v, (const void **)dst,
                            (size_t *)((unsigned char *)base + f->aux_offset));
    if (optional && (f->kind == SIO_K_RECORD || f->kind == SIO_K_MAP)) {
        void *rec = siop_arena_alloc(w->arena, siop_typed_elem_size(f, 0));
        if (!rec)
            return fail(w, "out of memory");
        *(void **)dst = rec;
        return decode_value(w, f, 0, v, rec);
    }
    if (optional && f->kind != SIO_K_STRING && f->kind != SIO_K_JSON &&
        f->kind != SIO_K_BYTES)
        *((bool *)((unsigned char *)base + f->aux_offset)) = true;
    return decode_value(w, f, 0, v, dst);
}

void siop_typed_union_expected(const sio_record_desc *r, char *buf, size_t n)
{
    size_t len = (size_t)snprintf(buf, n, "one of ");

    for (size_t i = 0; i < r->nfields && len < n; i++) {
        const char *sep = i ? ", " : "";
        size_t need = strlen(sep) + strlen(r->fields[i].name) + 2;

        if (len + need + (i + 1 < r->nfields ? 5 : 0) >= n) {
            snprintf(buf + len, n - len, "%s...", sep);
            return;
        }
        len += (size_t)snprintf(buf + len, n - len, "%s\"%s\"", sep,
                                r->fields[i].name);
    }
}

/* A union: the tag names the variant, decoded from the same object. */
static int decode_union(walk *w, const sio_record_desc *r, json_t *v, void *out)
{
    json_t *t = json_object_get(v, r->tag);
    const char *s = json_string_value(t);
    size_t mark = path_push(w, r->tag, -1);
    char what[128];

    for (size_t i = 0; s && i < r->nfields; i++) {
        const sio_field *f = &r->fields[i];

        if (strcmp(s, f->name) == 0 && strlen(s) == json_string_length(t)) {
            path_pop(w, mark);
            *(int *)((unsigned char *)out + r->tag_offset) = (int)i;
            return decode_record(w, f->record, v,
                                 (unsigned char *)out + f->offset);
        }
    }
    siop_typed_union_expected(r, what, sizeof what);
    if (!t)
        return fail(w, "%s: missing (expected %s)", w->path, what);
    return fail(w, "%s: expected %s", w->path, what);
}

static int decode_record(walk *w, const sio_record_desc *r, json_t *v,
                         void *out)
{
    if (++w->depth > MAX_DEPTH)
        return fail(w, "%s: nested too deeply", w->path);
    if (r->tag) {
        if (decode_union(w, r, v, out))
            return -1;
        w->depth--;
        return 0;
    }
    for (size_t i = 0; i < r->nfields; i++) {
        const sio_field *f = &r->fields[i];
        size_t mark = path_push(w, f->name, -1);
        int rc = decode_field(w, f, json_object_get(v, f->name), out);
        if (rc)
            return rc;
        path_pop(w, mark);
    }
    w->depth--;
    return 0;
}

static size_t required_count(const sio_params *p)
{
    size_t n = p->nfields;
    while (n && (p->fields[n - 1].flags & (SIO_F_OPTIONAL | SIO_F_DEFAULT)))
        n--;
    return n;
}

static int decode_rest(walk *w, const sio_params *p, json_t *args, void *out)
{
    json_t *rest = json_array();
    size_t n = json_array_size(args);

    if (!rest || siop_arena_defer_decref(w->arena, rest) != 0) {
        json_decref(rest);
        return fail(w, "out of memory");
    }
    for (size_t i = p->nfields; i < n; i++)
        if (json_array_append(rest, json_array_get(args, i)) != 0)
            return fail(w, "out of memory");
    *(json_t **)((unsigned char *)out + p->rest_offset) = rest;
    return 0;
}

int siop_decode_params(const sio_params *p, json_t *args, void *out,
                       sio_arena *arena, sio_error *err)
{
    walk w = {arena, err, "", 0};
    size_t n = json_array_size(args), need = required_count(p);

    if (err)
        err->code = 0, err->path[0] = err->text[0] = '\0';
    memset(out, 0, p->size);
    if (!json_is_array(args))
        return fail(&w, "arguments must be an array");
    if (n < need) { /* name the first one missing, as a type error would */
        path_push(&w, p->fields[n].name, -1);
        return fail_missing(&w, &p->fields[n]);
    }
    if (!p->variadic && n > p->nfields) {
        if (need == p->nfields)
            return fail(&w, "expected %zu argument%s, got %zu", need,
                        need == 1 ? "" : "s", n);
        return fail(&w, "expected %zu to %zu arguments, got %zu", need,
                    p->nfields, n);
    }
    for (size_t i = 0; i < p->nfields; i++) {
        const sio_field *f = &p->fields[i];
        size_t mark = path_push(&w, f->name, -1);
        if (decode_field(&w, f, i < n ? json_array_get(args, i) : NULL, out))
            return -1;
        path_pop(&w, mark);
    }
    return p->variadic ? decode_rest(&w, p, args, out) : 0;
}

/* ---- encoding --------------------------------------------------------------
 */

static json_t *encode_value(walk *w, const sio_field *f, int d,
                            const void *slot);

static json_t *encode_array(walk *w, const sio_field *f, int d,
                            const void *items, size_t len)
{
    size_t es = siop_typed_elem_size(f, d - 1);
    char why[160];
    json_t *a;

    if (!items && len) {
        fail(w, "%s: NULL array with %zu elements", w->path, len);
        return NULL;
    }
    /* The schema's limits bind what the server sends too. */
    if (d == f->depth && siop_typed_check_len(f, len, why, sizeof why)) {
        limit_failed(w, why);
        return NULL;
    }
    if (!(a = json_array()))
        return NULL;
    for (size_t i = 0; i < len; i++) {
        size_t mark = path_push(w, NULL, (long)i);
        json_t *v =
            encode_value(w, f, d - 1, (const unsigned char *)items + i * es);
        if (!v || json_array_append_new(a, v) != 0) {
            json_decref(a);
            return NULL;
        }
        path_pop(w, mark);
    }
    return a;
}

static json_t *encode_record(walk *w, const sio_record_desc *r, const void *in);

/* A map as an object: keys not NULL, UTF-8, each once. */
static json_t *encode_map(walk *w, const sio_field *f, const sio_map *m)
{
    const sio_field *vf = f->value;
    size_t es = siop_typed_elem_size(vf, vf->depth);
    json_t *o;

    if ((!m->keys || !m->values) && m->len) {
        fail(w, "%s: NULL map with %zu keys", w->path, m->len);
        return NULL;
    }
    if (!(o = json_object()))
        return NULL;
    for (size_t i = 0; i < m->len; i++) {
        const char *k = m->keys[i];
        size_t mark;
        json_t *v;

        if (!k || json_object_get(o, k)) {
            fail(w, k ? "%s: repeated key" : "%s: NULL key", w->path);
            json_decref(o);
            return NULL;
        }
        mark = path_push_key(w, k);
        v = encode_value(w, vf, vf->depth,
                         (const unsigned char *)m->values + i * es);
        if (!v || json_object_set_new(o, k, v) != 0) {
            if (v) /* set_new took it */
                fail(w, "%s: not valid UTF-8", w->path);
            json_decref(o);
            return NULL;
        }
        path_pop(w, mark);
    }
    return o;
}

static json_t *encode_string(walk *w, const char *s)
{
    json_t *v;
    if (!s) {
        fail(w, "%s: NULL string", w->path);
        return NULL;
    }
    v = json_string(s); /* NULL if not UTF-8 */
    if (!v)
        fail(w, "%s: not valid UTF-8", w->path);
    return v;
}

/* Out of the field's limits: the walker's error, true. */
int siop_typed_check_value(const sio_field *f, const void *slot, char *why,
                           size_t n)
{
    const char *s;

    if (!f->limits)
        return 0;
    switch (f->kind) {
    case SIO_K_INT:
        return siop_typed_check_int(f, *(const int64_t *)slot, why, n);
    case SIO_K_STRING:
        s = *(const char *const *)slot;
        return s ? siop_typed_check_str(f, s, why, n) : 0;
    case SIO_K_BYTES:
        return siop_typed_check_bytes(f, ((const sio_bytes *)slot)->len, why,
                                      n);
    case SIO_K_MAP:
        return siop_typed_check_keys(f, ((const sio_map *)slot)->len, why, n);
    default:
        return 0;
    }
}

static bool encode_limited(walk *w, const sio_field *f, const void *slot)
{
    char why[160];

    if (siop_typed_check_value(f, slot, why, sizeof why) == 0)
        return false;
    limit_failed(w, why);
    return true;
}

static json_t *encode_value(walk *w, const sio_field *f, int d,
                            const void *slot)
{
    if (d > 0) {
        const sio_array *a = slot;
        return encode_array(w, f, d, a->items, a->len);
    }
    if (encode_limited(w, f, slot))
        return NULL;
    switch (f->kind) {
    case SIO_K_BOOL:
        return json_boolean(*(const bool *)slot);
    case SIO_K_INT:
        return json_integer(*(const int64_t *)slot);
    case SIO_K_FLOAT: {
        double x = *(const double *)slot;
        if (!isfinite(x)) {
            fail(w, "%s: not a finite number", w->path);
            return NULL;
        }
        return json_real(x);
    }
    case SIO_K_STRING:
        return encode_string(w, *(const char *const *)slot);
    case SIO_K_BYTES: {
        const sio_bytes *b = slot;
        if (!b->data && b->len) {
            fail(w, "%s: NULL bytes of length %zu", w->path, b->len);
            return NULL;
        }
        return sio_bytes_new(b->data, b->len);
    }
    case SIO_K_JSON: {
        json_t *v = *(json_t *const *)slot;
        return v ? json_incref(v) : json_null();
    }
    case SIO_K_ENUM: {
        int i = *(const int *)slot;
        if (i < 0 || (size_t)i >= f->enumd->nvalues) {
            fail(w, "%s: not a value of %s", w->path, f->enumd->name);
            return NULL;
        }
        return json_string(f->enumd->values[i]);
    }
    case SIO_K_RECORD:
        return encode_record(w, f->record, slot);
    case SIO_K_MAP:
        return encode_map(w, f, slot);
    }
    fail(w, "%s: bad descriptor", w->path);
    return NULL;
}

/* A field's value, or json null for an absent optional (*absent set). */
static json_t *encode_field(walk *w, const sio_field *f, const void *base,
                            bool *absent)
{
    const unsigned char *src = (const unsigned char *)base + f->offset;
    bool optional = f->flags & SIO_F_OPTIONAL;

    *absent = false;
    if (f->depth > 0) {
        const void *items = *(const void *const *)src;
        if (!items && optional) {
            *absent = true;
            return json_null();
        }
        return encode_array(
            w, f, f->depth, items,
            *(const size_t *)((const unsigned char *)base + f->aux_offset));
    }
    if (optional) {
        if (!siop_typed_present(f, base)) {
            *absent = true;
            return json_null();
        }
        if (f->kind == SIO_K_RECORD || f->kind == SIO_K_MAP)
            return encode_value(w, f, 0, *(const void *const *)src);
    }
    return encode_value(w, f, 0, src);
}

static int encode_fields(walk *w, const sio_record_desc *r, const void *in,
                         json_t *o);

/* A union: the tag first, then its variant's fields. */
static int encode_union(walk *w, const sio_record_desc *r, const void *in,
                        json_t *o)
{
    int i = *(const int *)((const unsigned char *)in + r->tag_offset);
    const sio_field *f;

    if (i < 0 || (size_t)i >= r->nfields) {
        fail(w, "%s: not a variant of %s", w->path, r->name);
        return -1;
    }
    f = &r->fields[i];
    if (json_object_set_new(o, r->tag, json_string(f->name)) != 0)
        return -1;
    if (++w->depth > MAX_DEPTH) {
        fail(w, "%s: nested too deeply", w->path);
        return -1;
    }
    if (encode_fields(w, f->record, (const unsigned char *)in + f->offset, o))
        return -1;
    w->depth--;
    return 0;
}

static json_t *encode_record(walk *w, const sio_record_desc *r, const void *in)
{
    json_t *o;

    if (++w->depth > MAX_DEPTH) {
        fail(w, "%s: nested too deeply", w->path);
        return NULL;
    }
    o = json_object();
    if (o &&
        (r->tag ? encode_union(w, r, in, o) : encode_fields(w, r, in, o))) {
        json_decref(o);
        return NULL;
    }
    w->depth--;
    return o;
}

/* The fields of record r (in) into object o: 0 or -1. */
static int encode_fields(walk *w, const sio_record_desc *r, const void *in,
                         json_t *o)
{
    for (size_t i = 0; i < r->nfields; i++) {
        const sio_field *f = &r->fields[i];
        size_t mark = path_push(w, f->name, -1);
        bool absent;
        json_t *v = encode_field(w, f, in, &absent);
        if (!v)
            return -1;
        if (absent) /* absent optional fields are left out of objects */
            json_decref(v);
        else if (json_object_set_new(o, f->name, v) != 0)
            return -1;
        path_pop(w, mark);
    }
    return 0;
}

json_t *siop_encode_params(const sio_params *p, const void *in, sio_error *err)
{
    walk w = {NULL, err, "", 0};
    json_t *a = json_array();

    if (err)
        err->code = 0, err->path[0] = err->text[0] = '\0';
    /* Generated code passes NULL for a required record given as NULL. */
    if (!in && p->nfields) {
        json_decref(a);
        fail(&w, "a required argument is NULL");
        return NULL;
    }
    for (size_t i = 0; a && i < p->nfields; i++) {
        size_t mark = path_push(&w, p->fields[i].name, -1);
        bool absent;
        json_t *v = encode_field(&w, &p->fields[i], in, &absent);
        if (!v || json_array_append_new(a, v) != 0) {
            json_decref(a);
            return NULL;
        }
        path_pop(&w, mark);
    }
    if (a && p->variadic) {
        json_t *rest =
            *(json_t *const *)((const unsigned char *)in + p->rest_offset);
        if (rest && json_is_array(rest) && json_array_extend(a, rest) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

int siop_decode_object(const sio_params *p, json_t *obj, void *out,
                       sio_arena *arena, sio_error *err)
{
    /* The object stands for the parameter list: it adds no depth. */
    walk w = {arena, err, "", -1};
    sio_record_desc r = {"object", p->size, p->nfields, p->fields, NULL, 0};

    if (err)
        err->code = 0, err->path[0] = err->text[0] = '\0';
    memset(out, 0, p->size);
    if (!json_is_object(obj) || sio_is_bytes(obj))
        return fail(&w, "expected an object");
    return decode_record(&w, &r, obj, out);
}
