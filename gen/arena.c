/* arena.c - see arena.h. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_BLOCK 16384
#define ARENA_ALIGN 16

struct sioc_arena_block {
    sioc_arena_block *next;
    /* Keeps data[] aligned for any object. */
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

void sioc_oom(void)
{
    fputs("sioc: out of memory\n", stderr);
    exit(1);
}

void sioc_arena_init(sioc_arena *a)
{
    memset(a, 0, sizeof *a);
}

void sioc_arena_fini(sioc_arena *a)
{
    sioc_arena_block *b = a->head;

    while (b) {
        sioc_arena_block *next = b->next;
        free(b);
        b = next;
    }
    memset(a, 0, sizeof *a);
}

static void arena_grow(sioc_arena *a, size_t size)
{
    size_t cap = size > ARENA_MIN_BLOCK ? size : ARENA_MIN_BLOCK;
    sioc_arena_block *b;

    if (cap > SIZE_MAX - sizeof *b)
        sioc_oom();
    b = malloc(sizeof *b + cap);
    if (!b)
        sioc_oom();
    b->next = a->head;
    a->head = b;
    a->used = 0;
    a->cap = cap;
}

void *sioc_arena_alloc(sioc_arena *a, size_t size)
{
    size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    void *p;

    if (need < size)
        sioc_oom();
    if (!a->head || a->cap - a->used < need)
        arena_grow(a, need);
    p = a->head->data + a->used;
    a->used += need;
    return memset(p, 0, size);
}

void *sioc_arena_array(sioc_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        sioc_oom();
    return sioc_arena_alloc(a, n * size);
}

char *sioc_arena_strndup(sioc_arena *a, const char *s, size_t len)
{
    char *p;

    if (len == SIZE_MAX)
        sioc_oom();
    p = sioc_arena_alloc(a, len + 1);
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *sioc_arena_printf(sioc_arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        sioc_oom();
    p = sioc_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
