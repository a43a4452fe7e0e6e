/* fuzz_typed_text.c - the streaming decoder against the tree path: the
 * input is an EVENT payload ["ev", args...]; the tree path parses the
 * packet with jansson (siop_packet_parse) and walks the tree, the
 * streaming path reads the text. For each schema below, whatever the
 * streaming path accepts the tree path must accept, with equal values
 * (what it leaves, SIOP_TEXT_SLOW, the dispatch hands to the tree path,
 * so the verdict is that path's). Then both encoders must write the
 * same packet for the decoded values. The schemas cover every kind and
 * arity: maps (of records, of maps, in arrays) and defaults too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/typed_fixture.h"
#include "sio_internal_typed.h"
#include "sio_packet.h"

/* (m: Message?, f: float[], e: Color[]?, j: json?, ok: bool?) */
typedef struct Deep {
    const Message *m;
    const double *f;
    size_t f_len;
    const int *e;
    size_t e_len;
    json_t *j;
    bool has_ok, ok;
} Deep;
static const sio_field deep_fields[] = {
    {"m", SIO_K_RECORD, 0, SIO_F_OPTIONAL, offsetof(Deep, m), 0, &message_desc,
     NULL, NULL, NULL, NULL},
    {"f", SIO_K_FLOAT, 1, 0, offsetof(Deep, f), offsetof(Deep, f_len), NULL,
     NULL, NULL, NULL, NULL},
    {"e", SIO_K_ENUM, 1, SIO_F_OPTIONAL, offsetof(Deep, e),
     offsetof(Deep, e_len), NULL, &color_desc, NULL, NULL, NULL},
    {"j", SIO_K_JSON, 0, SIO_F_OPTIONAL, offsetof(Deep, j), 0, NULL, NULL, NULL,
     NULL, NULL},
    {"ok", SIO_K_BOOL, 0, SIO_F_OPTIONAL, offsetof(Deep, ok),
     offsetof(Deep, has_ok), NULL, NULL, NULL, NULL, NULL},
};
static const sio_params deep_params = {sizeof(Deep), 5, deep_fields, false, 0};

/* Schema limits: both paths must agree on what breaks them. */
typedef struct Lim {
    int64_t n;
    const char *s;
    const int64_t *v;
    size_t v_len;
} Lim;
static const sio_limits lim_n = {SIO_L_MIN | SIO_L_MAX, 0, 100, 0, 0};
static const sio_limits lim_s = {SIO_L_MIN | SIO_L_MAX, 1, 8, 0, 0};
static const sio_limits lim_v = {SIO_L_MIN | SIO_L_LEN_MAX, -5, 0, 0, 4};
static const sio_field lim_fields[] = {
    {"n", SIO_K_INT, 0, 0, offsetof(Lim, n), 0, NULL, NULL, &lim_n, NULL, NULL},
    {"s", SIO_K_STRING, 0, 0, offsetof(Lim, s), 0, NULL, NULL, &lim_s, NULL,
     NULL},
    {"v", SIO_K_INT, 1, 0, offsetof(Lim, v), offsetof(Lim, v_len), NULL, NULL,
     &lim_v, NULL, NULL},
};
static const sio_params lim_params = {sizeof(Lim), 3, lim_fields, false, 0};

/* union Shape by "kind" { c: Message; d: Lim; } (Lim: the limits above) */
typedef struct Shape {
    int tag;
    union {
        Message c;
        Lim d;
    };
} Shape;
static const sio_record_desc lim_desc = {"Lim",      sizeof(Lim), 3,
                                         lim_fields, NULL,        0};
static const sio_field shape_fields[] = {
    {"c", SIO_K_RECORD, 0, 0, offsetof(Shape, c), 0, &message_desc, NULL, NULL,
     NULL, NULL},
    {"d", SIO_K_RECORD, 0, 0, offsetof(Shape, d), 0, &lim_desc, NULL, NULL,
     NULL, NULL},
};
static const sio_record_desc shape_desc = {
    "Shape", sizeof(Shape), 2, shape_fields, "kind", offsetof(Shape, tag)};

/* Maps, unions and defaults: (m: {string: int(0..9)}(..3),
 * mm: {string: {string: Message}}?, am: {string: string[]}[]?,
 * d: int(0..)? = 7, s: string? = "x", u: Shape?, us: {string: Shape}[]) */
typedef struct Lang {
    sio_map m;
    const sio_map *mm;
    const sio_map *am;
    size_t am_len;
    int64_t d;
    const char *s;
    const Shape *u;
    const sio_map *us;
    size_t us_len;
} Lang;
static const sio_limits lim_digit = {SIO_L_MIN | SIO_L_MAX, 0, 9, 0, 0};
static const sio_limits lim_keys = {SIO_L_MAX, 0, 3, 0, 0};
static const sio_limits lim_nat = {SIO_L_MIN, 0, 0, 0, 0};
static const sio_field digit_value = {NULL, SIO_K_INT, 0,          0,    0,   0,
                                      NULL, NULL,      &lim_digit, NULL, NULL};
static const sio_field message_value = {
    NULL, SIO_K_RECORD, 0, 0, 0, 0, &message_desc, NULL, NULL, NULL, NULL};
static const sio_field messages_value = {
    NULL, SIO_K_MAP, 0, 0, 0, 0, NULL, NULL, NULL, NULL, &message_value};
static const sio_field strings_value = {NULL, SIO_K_STRING, 1,    0,    0,   0,
                                        NULL, NULL,         NULL, NULL, NULL};
static const sio_field shape_value = {
    NULL, SIO_K_RECORD, 0, 0, 0, 0, &shape_desc, NULL, NULL, NULL, NULL};
static const sio_field lang_fields[] = {
    {"m", SIO_K_MAP, 0, 0, offsetof(Lang, m), 0, NULL, NULL, &lim_keys, NULL,
     &digit_value},
    {"mm", SIO_K_MAP, 0, SIO_F_OPTIONAL, offsetof(Lang, mm), 0, NULL, NULL,
     NULL, NULL, &messages_value},
    {"am", SIO_K_MAP, 1, SIO_F_OPTIONAL, offsetof(Lang, am),
     offsetof(Lang, am_len), NULL, NULL, NULL, NULL, &strings_value},
    {"d", SIO_K_INT, 0, SIO_F_DEFAULT, offsetof(Lang, d), 0, NULL, NULL,
     &lim_nat, &(const int64_t){7}, NULL},
    {"s", SIO_K_STRING, 0, SIO_F_DEFAULT, offsetof(Lang, s), 0, NULL, NULL,
     NULL, &(const char *const){"x"}, NULL},
    {"u", SIO_K_RECORD, 0, SIO_F_OPTIONAL, offsetof(Lang, u), 0, &shape_desc,
     NULL, NULL, NULL, NULL},
    {"us", SIO_K_MAP, 1, 0, offsetof(Lang, us), offsetof(Lang, us_len), NULL,
     NULL, NULL, NULL, &shape_value},
};
static const sio_params lang_params = {sizeof(Lang), 7, lang_fields, false, 0};

static bool same_record(const sio_record_desc *r, const void *a, const void *b);

static bool same_json(const json_t *a, const json_t *b)
{
    return (!a && !b) || (a && b && json_equal(a, b));
}

static bool same_value(const sio_field *f, int d, const void *a, const void *b);

/* Same keys in the same order, same values. */
static bool same_map(const sio_field *f, const sio_map *x, const sio_map *y)
{
    const sio_field *vf = f->value;
    size_t es = siop_typed_elem_size(vf, vf->depth);

    if (x->len != y->len)
        return false;
    for (size_t i = 0; i < x->len; i++)
        if (strcmp(x->keys[i], y->keys[i]) != 0 ||
            !same_value(vf, vf->depth, (const char *)x->values + i * es,
                        (const char *)y->values + i * es))
            return false;
    return true;
}

static bool same_value(const sio_field *f, int d, const void *a, const void *b)
{
    if (d > 0) {
        const sio_array *x = a, *y = b;
        size_t es = siop_typed_elem_size(f, d - 1);
        if (x->len != y->len)
            return false;
        for (size_t i = 0; i < x->len; i++)
            if (!same_value(f, d - 1, (const char *)x->items + i * es,
                            (const char *)y->items + i * es))
                return false;
        return true;
    }
    switch (f->kind) {
    case SIO_K_BOOL:
        return *(const bool *)a == *(const bool *)b;
    case SIO_K_INT:
        return *(const int64_t *)a == *(const int64_t *)b;
    case SIO_K_FLOAT:
        return memcmp(a, b, sizeof(double)) == 0; /* -0.0 */
    case SIO_K_STRING:
        return strcmp(*(const char *const *)a, *(const char *const *)b) == 0;
    case SIO_K_JSON:
        return same_json(*(json_t *const *)a, *(json_t *const *)b);
    case SIO_K_ENUM:
        return *(const int *)a == *(const int *)b;
    case SIO_K_RECORD:
        return same_record(f->record, a, b);
    case SIO_K_MAP:
        return same_map(f, a, b);
    default: { /* bytes: absent on both (never sent without attachments) */
        const sio_bytes *x = a, *y = b;
        return !x->data && !y->data && !x->len && !y->len;
    }
    }
}

static bool same_field(const sio_field *f, const void *ba, const void *bb)
{
    const char *a = (const char *)ba + f->offset,
               *b = (const char *)bb + f->offset;
    bool opt = f->flags & SIO_F_OPTIONAL;

    if (f->depth > 0) {
        sio_array x = {*(const void *const *)a,
                       *(const size_t *)((const char *)ba + f->aux_offset)};
        sio_array y = {*(const void *const *)b,
                       *(const size_t *)((const char *)bb + f->aux_offset)};
        if (!x.items != !y.items)
            return false;
        return !x.items || same_value(f, f->depth, &x, &y);
    }
    if (opt && (f->kind == SIO_K_RECORD || f->kind == SIO_K_STRING ||
                f->kind == SIO_K_JSON || f->kind == SIO_K_MAP)) {
        const void *pa = *(const void *const *)a, *pb = *(const void *const *)b;
        if (!pa || !pb)
            return !pa && !pb;
        if (f->kind == SIO_K_RECORD || f->kind == SIO_K_MAP)
            return same_value(f, 0, pa, pb);
    } else if (opt && f->kind != SIO_K_BYTES) {
        bool ha = *(const bool *)((const char *)ba + f->aux_offset);
        bool hb = *(const bool *)((const char *)bb + f->aux_offset);
        if (ha != hb)
            return false;
        if (!ha)
            return true;
    }
    return same_value(f, 0, a, b);
}

static bool same_record(const sio_record_desc *r, const void *a, const void *b)
{
    if (r->tag) { /* the same variant, equal */
        int ta = *(const int *)((const char *)a + r->tag_offset);
        int tb = *(const int *)((const char *)b + r->tag_offset);
        const sio_field *f = &r->fields[ta];
        return ta == tb && same_record(f->record, (const char *)a + f->offset,
                                       (const char *)b + f->offset);
    }
    for (size_t i = 0; i < r->nfields; i++)
        if (!same_field(&r->fields[i], a, b))
            return false;
    return true;
}

static bool same_params(const sio_params *p, const void *a, const void *b)
{
    for (size_t i = 0; i < p->nfields; i++)
        if (!same_field(&p->fields[i], a, b))
            return false;
    return !p->variadic ||
           same_json(*(json_t *const *)((const char *)a + p->rest_offset),
                     *(json_t *const *)((const char *)b + p->rest_offset));
}

/* Both encoders on the values: the direct one writes the tree path's
 * bytes, or leaves the values to it. */
static void check_encoders(const sio_params *p, const void *in)
{
    sio_encoded direct, tree;
    sio_error err;
    json_t *a;

    if (siop_typed_encode(SIO_PKT_EVENT, "/", -1, "ev", p, in, NULL, &direct) !=
        0)
        return;
    a = siop_encode_params(p, in, &err);
    if (!a || json_array_insert_new(a, 0, json_string("ev")) != 0 ||
        siop_packet_encode(SIO_PKT_EVENT, "/", -1, a, &tree) != 0)
        abort(); /* the direct encoder took what the tree path refuses */
    if (eio_msg_len(direct.head) != eio_msg_len(tree.head) ||
        memcmp(eio_msg_data(direct.head), eio_msg_data(tree.head),
               eio_msg_len(tree.head)) != 0)
        abort();
    json_decref(a);
    siop_encoded_fini(&direct);
    siop_encoded_fini(&tree);
}

static void run(const sio_params *p, const char *text, size_t len,
                json_t *tree_args, sio_arena *arena)
{
    void *ts = calloc(1, p->size), *ws = calloc(1, p->size);
    char name[128];
    size_t at;
    sio_error err;
    int tree =
        tree_args ? siop_decode_params(p, tree_args, ts, arena, &err) : -1;
    int wire = siop_text_event_name(text, len, name, sizeof name, &at, arena);

    if (wire == 0 && strcmp(name, "ev") != 0)
        wire = SIOP_TEXT_SLOW; /* another event: another handler */
    if (wire == 0)
        wire = siop_text_decode_event(p, text, len, at, ws, arena);
    if (wire == 0) {
        /* The streaming path never accepts what the tree path refuses,
         * and agrees on every value it decodes. */
        if (tree != 0 || !same_params(p, ts, ws))
            abort();
        check_encoders(p, ws);
    } else if (wire != SIOP_TEXT_SLOW) {
        abort();
    }
    siop_arena_reset(arena);
    free(ts);
    free(ws);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const sio_params *const schemas[] = {&args_wire_params,
                                                &small_params, &deep_params,
                                                &lim_params, &lang_params};
    char *pkt = malloc(size + 1);
    sio_arena *arena = siop_arena_new();
    json_t *args = NULL;
    sio_packet p;
    sio_error err;

    if (!pkt || !arena)
        abort();
    pkt[0] = '2';
    memcpy(pkt + 1, data, size);
    /* The tree path as the server runs it: the packet parser's verdict,
     * then the event name off the front. */
    if (siop_packet_parse(pkt, size + 1, 10, &p, &err) == 0) {
        const char *ev = json_string_value(json_array_get(p.data, 0));
        if (ev && strcmp(ev, "ev") == 0) {
            args = p.data;
            json_array_remove(args, 0);
        } else {
            json_decref(p.data);
        }
    }
    for (size_t i = 0; i < sizeof schemas / sizeof *schemas; i++)
        run(schemas[i], (const char *)data, size, args, arena);
    json_decref(args);
    siop_arena_free(arena);
    free(pkt);
    return 0;
}
