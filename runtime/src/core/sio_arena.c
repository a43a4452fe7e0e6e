/* sio_arena.c - the bump allocator of one dispatch: decoded arrays and
 * records live here and go in one reset after the handler returns.
 * Chunks are kept across resets, so a steady stream of events allocates
 * nothing once warm. */
#include <stdlib.h>
#include <string.h>

#include "sio.h"
#include "sio_internal_typed.h"
#include "util.h"

#define CHUNK_MIN 4096
#define ALIGN 16

struct chunk {
    struct chunk *next;
    size_t cap, used;
    unsigned char data[];
};

struct sio_arena {
    struct chunk *head; /* current chunk first */
    json_t **decref;    /* values to release at reset */
    size_t ndecref, capdecref;
};

sio_arena *siop_arena_new(void)
{
    return calloc(1, sizeof(sio_arena));
}

static struct chunk *chunk_new(size_t need)
{
    size_t cap = need > CHUNK_MIN ? need : CHUNK_MIN;
    struct chunk *c = malloc(sizeof *c + cap);
    if (c) {
        c->next = NULL;
        c->cap = cap;
        c->used = 0;
    }
    return c;
}

void *siop_arena_alloc(sio_arena *a, size_t size)
{
    struct chunk *c = a->head;
    size_t at;

    if (!size)
        size = 1; /* distinct non-NULL pointers for empty arrays */
    at = c ? (c->used + ALIGN - 1) & ~(size_t)(ALIGN - 1) : 0;
    if (!c || at + size > c->cap) {
        struct chunk *n = chunk_new(size);
        if (!n)
            return NULL;
        n->next = a->head;
        a->head = n;
        c = n;
        at = 0;
    }
    c->used = at + size;
    memset(c->data + at, 0, size);
    return c->data + at;
}

int siop_arena_defer_decref(sio_arena *a, json_t *v)
{
    if (util_grow((void **)&a->decref, &a->capdecref, a->ndecref + 1,
                  sizeof *a->decref) != 0)
        return -1;
    a->decref[a->ndecref++] = v;
    return 0;
}

void siop_arena_reset(sio_arena *a)
{
    struct chunk *keep = a->head, *c;

    for (size_t i = 0; i < a->ndecref; i++)
        json_decref(a->decref[i]);
    a->ndecref = 0;
    if (!keep)
        return;
    /* Keep only the newest (largest recent) chunk for reuse. */
    for (c = keep->next; c;) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    keep->next = NULL;
    keep->used = 0;
}

void siop_arena_free(sio_arena *a)
{
    if (!a)
        return;
    siop_arena_reset(a);
    free(a->head);
    free(a->decref);
    free(a);
}
