/* sio_typed_data.c - the schema's per-socket data (a namespace's
 * `data Record;`): allocated zeroed at CONNECT, handed to handlers by the
 * generated accessor, freed with everything it owns after the
 * disconnect handler. The free walks the record's descriptor, as the
 * decoder does, so any record can be socket data. */
#include <stdlib.h>
#include <string.h>

#include "sio_internal.h"

static void free_value(const sio_field *f, int d, void *at);

/* The n elements of an array at depth d, then the array. */
static void free_array(const sio_field *f, int d, const void *items, size_t n)
{
    size_t size = siop_typed_elem_size(f, d - 1);

    for (size_t i = 0; items && i < n; i++)
        free_value(f, d - 1, (char *)items + i * size);
    free((void *)items);
}

/* A map's keys and values (of f->value's type), then its arrays. */
static void free_map(const sio_field *f, sio_map *m)
{
    const sio_field *v = f->value;
    size_t size = siop_typed_elem_size(v, v->depth);

    for (size_t i = 0; i < m->len; i++) {
        if (m->keys)
            free((void *)m->keys[i]);
        if (m->values)
            free_value(v, v->depth, (char *)m->values + i * size);
    }
    free((void *)m->keys);
    free((void *)m->values);
}

/* One value of f's type at array depth d, stored at at. */
static void free_value(const sio_field *f, int d, void *at)
{
    if (d > 0) {
        sio_array *a = at;
        free_array(f, d, a->items, a->len);
        return;
    }
    switch (f->kind) {
    case SIO_K_STRING:
        free(*(char **)at);
        break;
    case SIO_K_BYTES:
        free((void *)((sio_bytes *)at)->data);
        break;
    case SIO_K_JSON:
        json_decref(*(json_t **)at);
        break;
    case SIO_K_RECORD:
        siop_typed_free_fields(f->record, at);
        break;
    case SIO_K_MAP:
        free_map(f, at);
        break;
    default:
        break;
    }
}

/* A union: only the variant its tag names holds anything. */
static void free_union(const sio_record_desc *r, void *obj)
{
    int tag = *(const int *)((const char *)obj + r->tag_offset);

    if (tag >= 0 && (size_t)tag < r->nfields)
        free_value(&r->fields[tag], 0, (char *)obj + r->fields[tag].offset);
}

void siop_typed_free_fields(const sio_record_desc *r, void *obj)
{
    if (r->tag) {
        free_union(r, obj);
        return;
    }
    for (size_t i = 0; i < r->nfields; i++) {
        const sio_field *f = &r->fields[i];
        char *at = (char *)obj + f->offset;

        if (f->depth > 0) {
            free_array(f, f->depth, *(const void **)at,
                       *(size_t *)((char *)obj + f->aux_offset));
        } else if ((f->kind == SIO_K_RECORD || f->kind == SIO_K_MAP) &&
                   (f->flags & SIO_F_OPTIONAL)) {
            void *rec = *(void **)at; /* optional: a pointer */
            if (rec)
                free_value(f, 0, rec);
            free(rec);
        } else {
            free_value(f, 0, at);
        }
    }
}

int siop_socket_data_new(sio_socket *s, const sio_record_desc *d)
{
    if (!d || s->tdata)
        return 0;
    s->tdata = calloc(1, d->size ? d->size : 1);
    if (!s->tdata)
        return SIO_ENOMEM;
    s->tdata_desc = d;
    return 0;
}

void siop_socket_data_free(sio_socket *s)
{
    if (!s->tdata)
        return;
    if (!s->tdata_lent) {
        siop_typed_free_fields(s->tdata_desc, s->tdata);
        free(s->tdata);
    }
    s->tdata_lent = false;
    s->tdata = NULL;
    s->tdata_desc = NULL;
}

void *sio_ctx_typed_data(const sio_ctx *ctx, const sio_record_desc *d)
{
    if (!ctx || !ctx->s || !d || ctx->s->tdata_desc != d)
        return NULL;
    return ctx->s->tdata;
}

int sio_set_string(const char **field, const char *value)
{
    char *copy = NULL;

    if (!field)
        return SIO_EINVAL;
    if (value && !(copy = strdup(value)))
        return SIO_ENOMEM;
    free((char *)*field);
    *field = copy;
    return 0;
}
